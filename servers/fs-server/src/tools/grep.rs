//! The `grep` tool: content search built on ripgrep's crates, with its parameters
//! and its handler.
//!
//! [`grep`] walks the start path with `ignore`'s parallel walker (ripgrep's ignore
//! rules and `-g` glob semantics), opens every candidate file through the sandbox's
//! root handle, and searches it with one reusable `grep_searcher::Searcher` and one
//! regex matcher per worker thread. Binary files are skipped, output is bounded
//! (matching lines, line length, total bytes) and sorted by path.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkState};
use schemars::JsonSchema;
use serde::Deserialize;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use shared::ToolError;

use crate::control::Control;
use crate::error::{FsError, FsResult};
use crate::sandbox::Sandbox;
use crate::server::FsServer;
use crate::walker::{
    ErrorLog, Filters, build_overrides, no_match_hint, plural_s, raise_hint, start_points,
    walk_builder, walk_threads,
};

/// Matching lines returned when no `max_results` is given.
pub const GREP_DEFAULT_RESULTS: usize = 200;
/// Most matching lines `grep` returns.
pub const GREP_MAX_RESULTS: usize = 5_000;
/// Most context lines before and after a match.
pub const GREP_MAX_CONTEXT: usize = 10;
/// Lines longer than this many characters are cut and end with `…`.
pub const MAX_LINE_CHARS: usize = 500;
/// Once the collected output passes this many bytes the search stops.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// Search file contents for a regular expression (or for plain text with
/// `literal: true`), like ripgrep. Searches `path` (one file, or a directory
/// recursively; default: every root). Binary files are skipped, and so are hidden
/// files and whatever `.gitignore` / `.ignore` exclude unless you set
/// `include_hidden` / `respect_gitignore: false` (`.git` itself is skipped while
/// `respect_gitignore` is true).
///
/// Output: for each matching file its path on a line of its own, then `LINE:text`
/// for each matching line and `LINE-text` for context lines, with `--` between groups
/// that are not adjacent; files sorted by path; a summary line at the end. Lines over
/// 500 characters are cut with `…`. With `files_only: true`, just the paths.
///
/// The regex syntax is Rust's `regex` crate (as ripgrep): `\b`, `\d`, `\w+`, `(?i)`,
/// `foo|bar`, `[^"]*`; no look-around, no backreferences, and a match cannot span
/// lines. In JSON, a backslash is written `\\`.
///
/// Example: `{"pattern": "fn \\w+_handler", "path": "/home/me/project/src", "glob": ["*.rs", "!tests/**"], "context": 2}`
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GrepParams {
    /// Regex to find, or plain text with `literal`.
    pub pattern: String,
    /// File or directory to search (default: every root).
    pub path: Option<String>,
    /// Match `pattern` as plain text, not a regex.
    pub literal: Option<bool>,
    /// Letter case (default `sensitive`); `smart` is insensitive unless the pattern has an
    /// uppercase letter.
    pub case: Option<CaseMode>,
    /// Only files matching one of these globs (`*.rs`, `src/**/*.go`); a leading `!`
    /// excludes (`!vendor/**`).
    pub glob: Option<Vec<String>>,
    /// Lines shown before and after each match (default 0, max 10).
    pub context: Option<usize>,
    /// Most matching lines, or files with `files_only` (default 200, max 5000).
    pub max_results: Option<usize>,
    /// Also search names starting with `.`.
    pub include_hidden: Option<bool>,
    /// Skip what .gitignore/.ignore files exclude (default true).
    pub respect_gitignore: Option<bool>,
    /// List only the paths of matching files, like `rg -l`.
    pub files_only: Option<bool>,
}

/// How letter case is matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
// Plain comments on the variants, not doc comments: those would become schema
// descriptions and change tools/list.
#[allow(missing_docs)]
pub enum CaseMode {
    // `Foo` matches only `Foo`.
    #[default]
    Sensitive,
    // `foo` matches `foo`, `Foo`, `FOO`.
    Insensitive,
    // Insensitive when the pattern is all lowercase, sensitive otherwise.
    Smart,
}

/// Searches file contents; see [`GrepParams`].
pub fn grep(sb: &Sandbox, p: &GrepParams, ctl: &Control) -> FsResult<String> {
    if ctl.is_cancelled() {
        return Err(FsError::Cancelled);
    }
    let opts = Options::from_params(p);
    let matcher = build_matcher(&p.pattern, p.literal.unwrap_or(false), p.case)?;
    let starts = start_points(sb, p.path.as_deref())?;
    let globs = p.glob.clone().unwrap_or_default();
    let shared = Shared::new(sb, ctl, &opts);
    for start in &starts {
        let overrides = build_overrides(&start.abs, &globs)?;
        let walker = walk_builder(sb, start, opts.filters, overrides)
            .threads(walk_threads())
            .build_parallel();
        walker.visit(&mut Visitors {
            shared: &shared,
            matcher: &matcher,
        });
        if shared.should_stop() {
            break;
        }
    }
    if shared.cancelled.load(Ordering::Relaxed) || ctl.is_cancelled() {
        return Err(FsError::Cancelled);
    }
    Ok(render(shared, p))
}

/// The search settings, defaults applied and caps enforced.
#[derive(Debug, Clone, Copy)]
struct Options {
    max_results: usize,
    context: usize,
    files_only: bool,
    filters: Filters,
}

impl Options {
    fn from_params(p: &GrepParams) -> Self {
        let files_only = p.files_only.unwrap_or(false);
        Self {
            max_results: p
                .max_results
                .unwrap_or(GREP_DEFAULT_RESULTS)
                .clamp(1, GREP_MAX_RESULTS),
            context: if files_only {
                0
            } else {
                p.context.unwrap_or(0).min(GREP_MAX_CONTEXT)
            },
            files_only,
            filters: Filters::new(p.include_hidden, p.respect_gitignore),
        }
    }
}

/// Compiles the pattern for line-oriented search; a bad regex says how to fix it.
fn build_matcher(pattern: &str, literal: bool, case: Option<CaseMode>) -> FsResult<RegexMatcher> {
    if pattern.is_empty() {
        return Err(FsError::InvalidArgument(
            "pattern is empty; give the text or regex to search for".into(),
        ));
    }
    let mut b = RegexMatcherBuilder::new();
    b.line_terminator(Some(b'\n')).fixed_strings(literal);
    match case.unwrap_or_default() {
        CaseMode::Sensitive => {}
        CaseMode::Insensitive => {
            b.case_insensitive(true);
        }
        CaseMode::Smart => {
            b.case_smart(true);
        }
    }
    b.build(pattern).map_err(|e| FsError::InvalidPattern {
        pattern: pattern.to_string(),
        reason: format!(
            "{e}\nThe pattern is read as a regular expression. To search for this text as written, set literal: true (or escape special characters with \\)."
        ),
    })
}

fn build_searcher(context: usize) -> Searcher {
    SearcherBuilder::new()
        .line_number(true)
        .binary_detection(BinaryDetection::quit(b'\x00'))
        .before_context(context)
        .after_context(context)
        .build()
}

/// The matches of one file, already formatted (`N:line`, `N-context`, `--`).
struct FileHits {
    path: PathBuf,
    text: String,
    lines: usize,
}

/// The matching-line budget every thread draws from.
struct Budget {
    max: usize,
    used: AtomicUsize,
    truncated: AtomicBool,
}

impl Budget {
    /// Takes one result; false (and marks the search truncated) once the budget is spent.
    fn take(&self) -> bool {
        if self.used.fetch_add(1, Ordering::Relaxed) < self.max {
            return true;
        }
        self.truncated.store(true, Ordering::Relaxed);
        false
    }

    /// Returns results that were taken but then discarded (a file turned out binary).
    fn give_back(&self, n: usize) {
        if n > 0 {
            self.used.fetch_sub(n, Ordering::Relaxed);
        }
    }
}

/// State every worker thread shares.
struct Shared<'a> {
    sb: &'a Sandbox,
    ctl: &'a Control,
    opts: &'a Options,
    budget: Budget,
    out_bytes: AtomicUsize,
    output_full: AtomicBool,
    cancelled: AtomicBool,
    searched: AtomicUsize,
    binary: AtomicUsize,
    results: Mutex<Vec<FileHits>>,
    errors: ErrorLog,
}

impl<'a> Shared<'a> {
    fn new(sb: &'a Sandbox, ctl: &'a Control, opts: &'a Options) -> Self {
        Self {
            sb,
            ctl,
            opts,
            budget: Budget {
                max: opts.max_results,
                used: AtomicUsize::new(0),
                truncated: AtomicBool::new(false),
            },
            out_bytes: AtomicUsize::new(0),
            output_full: AtomicBool::new(false),
            cancelled: AtomicBool::new(false),
            searched: AtomicUsize::new(0),
            binary: AtomicUsize::new(0),
            results: Mutex::new(Vec::new()),
            errors: ErrorLog::default(),
        }
    }

    fn should_stop(&self) -> bool {
        self.budget.truncated.load(Ordering::Relaxed)
            || self.output_full.load(Ordering::Relaxed)
            || self.cancelled.load(Ordering::Relaxed)
    }

    /// Counts `n` more output bytes; marks the output full past [`MAX_OUTPUT_BYTES`].
    fn add_output(&self, n: usize) {
        if self.out_bytes.fetch_add(n, Ordering::Relaxed) + n > MAX_OUTPUT_BYTES {
            self.output_full.store(true, Ordering::Relaxed);
        }
    }
}

struct Visitors<'a, 'b> {
    shared: &'b Shared<'a>,
    matcher: &'b RegexMatcher,
}

impl<'s, 'a: 's, 'b: 's> ParallelVisitorBuilder<'s> for Visitors<'a, 'b> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Worker {
            shared: self.shared,
            // A clone per thread: the regex's scratch space is then never contended.
            matcher: self.matcher.clone(),
            searcher: build_searcher(self.shared.opts.context),
            sink: FileSink::new(&self.shared.budget, self.shared.opts.files_only),
            hits: Vec::new(),
            searched: 0,
            binary: 0,
        })
    }
}

/// One walker thread: its own matcher, searcher and sink, reused for every file.
/// Merges what it found into [`Shared`] when dropped.
struct Worker<'a, 'b> {
    shared: &'b Shared<'a>,
    matcher: RegexMatcher,
    searcher: Searcher,
    sink: FileSink<'b>,
    hits: Vec<FileHits>,
    searched: usize,
    binary: usize,
}

impl ParallelVisitor for Worker<'_, '_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        let shared = self.shared;
        if shared.ctl.is_cancelled() {
            shared.cancelled.store(true, Ordering::Relaxed);
            return WalkState::Quit;
        }
        shared.ctl.tick();
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => self.search(e.path()),
            Ok(_) => {}
            Err(e) => shared.errors.record(|| e.to_string()),
        }
        if shared.should_stop() {
            WalkState::Quit
        } else {
            WalkState::Continue
        }
    }
}

impl Worker<'_, '_> {
    /// Searches one regular file found by the walker. The file is opened beneath the
    /// root handle and closed before the next one: one open file per thread.
    fn search(&mut self, path: &Path) {
        let file = match self.open(path) {
            Ok(f) => f,
            Err(e) => return self.shared.errors.record(|| e.to_string()),
        };
        self.searched += 1;
        self.sink.reset();
        let reader = CancellableRead {
            file,
            ctl: self.shared.ctl,
        };
        let result = self
            .searcher
            .search_reader(&self.matcher, reader, &mut self.sink);
        match result {
            Ok(()) => self.collect(path),
            Err(e) => self.discard(path, &e),
        }
    }

    fn open(&self, path: &Path) -> FsResult<File> {
        let sb = self.shared.sb;
        let resolved = sb
            .from_host_path(path)
            .ok_or_else(|| FsError::OutsideRoots {
                path: path.display().to_string(),
                roots: sb.roots_display(),
            })?;
        sb.open_file(&resolved)
    }

    /// Keeps the sink's matches for `path` unless the file turned out binary.
    fn collect(&mut self, path: &Path) {
        if self.sink.binary {
            self.binary += 1;
            self.shared.budget.give_back(self.sink.lines);
            return;
        }
        if self.sink.lines == 0 {
            return;
        }
        let text = std::mem::take(&mut self.sink.out);
        let path_len = path.as_os_str().len();
        self.shared.add_output(text.len() + path_len + 2);
        self.hits.push(FileHits {
            path: path.to_path_buf(),
            text,
            lines: self.sink.lines,
        });
    }

    /// A read failed mid-search: drop the partial matches, note the error.
    fn discard(&mut self, path: &Path, e: &io::Error) {
        self.shared.budget.give_back(self.sink.lines);
        if !self.shared.ctl.is_cancelled() {
            self.shared
                .errors
                .record(|| format!("{}: {e}", path.display()));
        }
    }
}

impl Drop for Worker<'_, '_> {
    fn drop(&mut self) {
        let shared = self.shared;
        shared.searched.fetch_add(self.searched, Ordering::Relaxed);
        shared.binary.fetch_add(self.binary, Ordering::Relaxed);
        if !self.hits.is_empty() {
            let mut results = shared.results.lock().unwrap_or_else(|e| e.into_inner());
            results.append(&mut self.hits);
        }
    }
}

/// A file whose reads fail once the operation is cancelled, so a search of one huge
/// file stops too.
struct CancellableRead<'a> {
    file: File,
    ctl: &'a Control,
}

impl Read for CancellableRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ctl.is_cancelled() {
            return Err(io::Error::other("cancelled by the client"));
        }
        self.file.read(buf)
    }
}

/// Formats the matches of the current file into `out`, drawing from the shared budget.
struct FileSink<'b> {
    budget: &'b Budget,
    files_only: bool,
    out: String,
    lines: usize,
    binary: bool,
}

impl<'b> FileSink<'b> {
    fn new(budget: &'b Budget, files_only: bool) -> Self {
        Self {
            budget,
            files_only,
            out: String::new(),
            lines: 0,
            binary: false,
        }
    }

    fn reset(&mut self) {
        self.out.clear();
        self.lines = 0;
        self.binary = false;
    }
}

impl Sink for FileSink<'_> {
    type Error = io::Error;

    fn matched(&mut self, _: &Searcher, m: &SinkMatch<'_>) -> io::Result<bool> {
        if !self.budget.take() {
            return Ok(false);
        }
        self.lines += 1;
        if self.files_only {
            return Ok(false);
        }
        let first = m.line_number().unwrap_or(0);
        for (i, line) in (0u64..).zip(m.lines()) {
            push_line(&mut self.out, first + i, ':', line);
        }
        Ok(true)
    }

    fn context(&mut self, _: &Searcher, c: &SinkContext<'_>) -> io::Result<bool> {
        push_line(&mut self.out, c.line_number().unwrap_or(0), '-', c.bytes());
        Ok(true)
    }

    fn context_break(&mut self, _: &Searcher) -> io::Result<bool> {
        self.out.push_str("--\n");
        Ok(true)
    }

    fn binary_data(&mut self, _: &Searcher, _: u64) -> io::Result<bool> {
        self.binary = true;
        Ok(false)
    }
}

/// Appends `N{sep}text\n`, the text decoded lossily and cut at [`MAX_LINE_CHARS`].
fn push_line(out: &mut String, number: u64, sep: char, line: &[u8]) {
    let _ = write!(out, "{number}{sep}");
    push_clipped(out, trim_line_end(line), MAX_LINE_CHARS);
    out.push('\n');
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Appends at most `max_chars` characters of `bytes`, then `…` if anything was cut.
fn push_clipped(out: &mut String, bytes: &[u8], max_chars: usize) {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => {
            out.push_str(&text[..cut]);
            out.push('…');
        }
        None => out.push_str(&text),
    }
}

/// The sorted results and the summary.
fn render(shared: Shared<'_>, p: &GrepParams) -> String {
    let opts = *shared.opts;
    let mut hits = shared
        .results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    hits.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let mut out = String::new();
    for (i, h) in hits.iter().enumerate() {
        if i > 0 && !opts.files_only {
            out.push('\n');
        }
        out.push_str(&h.path.to_string_lossy());
        out.push('\n');
        out.push_str(&h.text);
    }
    let tally = Tally {
        lines: hits.iter().map(|h| h.lines).sum(),
        files: hits.len(),
        searched: shared.searched.load(Ordering::Relaxed),
        binary: shared.binary.load(Ordering::Relaxed),
    };
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary(&tally, &opts, p));
    if shared.budget.truncated.load(Ordering::Relaxed) {
        out.push_str(&truncation_notice(&opts, false));
    } else if shared.output_full.load(Ordering::Relaxed) {
        out.push_str(&truncation_notice(&opts, true));
    }
    out.push_str(&shared.errors.summary());
    out.push('\n');
    out
}

struct Tally {
    lines: usize,
    files: usize,
    searched: usize,
    binary: usize,
}

fn summary(t: &Tally, opts: &Options, p: &GrepParams) -> String {
    let mut s = if t.files == 0 {
        format!(
            "No matches ({} file{} searched).",
            t.searched,
            plural_s(t.searched)
        )
    } else if opts.files_only {
        format!(
            "{} matching file{} ({} searched).",
            t.files,
            plural_s(t.files),
            t.searched
        )
    } else {
        format!(
            "{} matching line{} in {} file{} ({} searched).",
            t.lines,
            plural_s(t.lines),
            t.files,
            plural_s(t.files),
            t.searched
        )
    };
    if t.binary > 0 {
        let _ = write!(
            s,
            " {} binary file{} skipped.",
            t.binary,
            plural_s(t.binary)
        );
    }
    if t.files == 0 {
        s.push_str(&no_match_hint(opts.filters));
        if !p.literal.unwrap_or(false) && has_regex_syntax(&p.pattern) {
            s.push_str(" The pattern was read as a regex; set literal: true to search for it as plain text.");
        }
    }
    s
}

fn has_regex_syntax(pattern: &str) -> bool {
    pattern.chars().any(|c| ".()[]{}*+?|^$\\".contains(c))
}

fn truncation_notice(opts: &Options, output_full: bool) -> String {
    let reason = if output_full {
        format!("the output reached {} KiB", MAX_OUTPUT_BYTES / 1024)
    } else {
        let unit = if opts.files_only {
            "matching files"
        } else {
            "matching lines"
        };
        format!("stopped at max_results={} {unit}", opts.max_results)
    };
    let raise = if output_full {
        if opts.context > 0 {
            ", or lower `context`".to_string()
        } else {
            String::new()
        }
    } else {
        raise_hint("max_results", opts.max_results, GREP_MAX_RESULTS)
    };
    format!(
        "\nTruncated: {reason}; more matches exist, and which files were reached first depends on search order. To get the rest: narrow `path` to a subdirectory or file, add a `glob` (e.g. [\"*.rs\"] or [\"!tests/**\"]), make `pattern` more specific, use files_only: true to see which files match{raise}."
    )
}

#[tool_router(router = grep_router, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "Search file contents with a regex or literal text, like ripgrep: .gitignore-aware, binary files skipped, results capped. Examples: {\"pattern\": \"TODO|FIXME\", \"glob\": [\"*.rs\"], \"context\": 2}; {\"pattern\": \"a.b(c)\", \"literal\": true, \"case\": \"insensitive\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn grep(
        &self,
        Parameters(p): Parameters<GrepParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        self.walk(ctx, move |sb, ctl| grep(sb, &p, ctl)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_clipped_cuts_on_char_boundaries() {
        let mut out = String::new();
        push_clipped(&mut out, "héllo wörld".as_bytes(), 4);
        assert_eq!(out, "héll…");
        let mut out = String::new();
        push_clipped(&mut out, "日本語".as_bytes(), 3);
        assert_eq!(out, "日本語");
    }

    #[test]
    fn push_line_trims_line_endings() {
        let mut out = String::new();
        push_line(&mut out, 7, ':', b"abc\r\n");
        push_line(&mut out, 8, '-', b"def\n");
        assert_eq!(out, "7:abc\n8-def\n");
    }

    #[test]
    fn invalid_regex_suggests_literal() {
        let err = build_matcher("foo(", false, None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("literal: true"), "{text}");
        assert!(build_matcher("foo(", true, None).is_ok());
    }

    #[test]
    fn budget_stops_at_max_and_marks_truncated() {
        let b = Budget {
            max: 2,
            used: AtomicUsize::new(0),
            truncated: AtomicBool::new(false),
        };
        assert!(b.take() && b.take());
        assert!(!b.take());
        assert!(b.truncated.load(Ordering::Relaxed));
    }

    #[test]
    fn case_mode_deserializes_lowercase() {
        let m: CaseMode = serde_json::from_str("\"smart\"").unwrap();
        assert_eq!(m, CaseMode::Smart);
    }
}

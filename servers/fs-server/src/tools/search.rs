//! The `search_files` tool: files and directories whose name (or relative path)
//! matches a glob, found by a parallel walk; with its parameters and its handler.

use std::collections::BinaryHeap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use globset::{GlobBuilder, GlobMatcher};
use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkState};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use shared::ToolError;

use crate::control::Control;
use crate::error::{FsError, FsResult};
use crate::sandbox::Sandbox;
use crate::server::FsServer;
use crate::walker::{
    ErrorLog, Filters, clamp, exclude_overrides, invalid_glob, no_match_hint, raise_hint,
    require_dir, start_points, walk_builder, walk_threads,
};

/// `search_files` results when no cap is given.
pub const SEARCH_DEFAULT_RESULTS: usize = 200;
/// Most results `search_files` returns.
pub const SEARCH_MAX_RESULTS: usize = 10_000;

/// Find files and directories by name, recursively. Returns one absolute path per
/// line (directories end with `/`), sorted, then the number of matches.
///
/// `pattern` is a glob: `*` and `?` never cross `/`, `**` crosses directories,
/// `{a,b}` is either, `[abc]` a set. A pattern without `/` matches the name at any
/// depth (`"*config*"`, `"*.rs"`, `"Cargo.toml"`); a pattern with `/` matches the path
/// relative to `path` (`"src/**/*.rs"`, `"**/tests/*.py"`). Matching is
/// case-sensitive.
///
/// Hidden entries and whatever `.gitignore` / `.ignore` exclude are skipped unless you
/// set `include_hidden` / `respect_gitignore: false` (`.git` itself is skipped while
/// `respect_gitignore` is true).
///
/// Example: `{"pattern": "*.toml", "path": "/home/me/project", "exclude": ["target"]}`
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchFilesParams {
    /// Glob on names, or on paths when it has a `/`.
    pub pattern: String,
    /// Directory to search (default: every root).
    pub path: Option<String>,
    /// Include names starting with `.`.
    pub include_hidden: Option<bool>,
    /// Skip what .gitignore/.ignore files exclude (default true).
    pub respect_gitignore: Option<bool>,
    /// Globs to skip, gitignore style (`node_modules`, `*.bak`, `docs/build`).
    pub exclude: Option<Vec<String>>,
    /// Most paths to return (default 200, max 10000).
    pub max_results: Option<usize>,
}

#[tool_router(router = search_router, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "Find files and directories by name with a glob, skipping .gitignore'd and hidden entries by default. Examples: {\"pattern\": \"*.toml\"} (any depth); {\"pattern\": \"src/**/test_*.py\", \"path\": \"backend\"}. To search inside files use grep.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn search_files(
        &self,
        Parameters(p): Parameters<SearchFilesParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        self.walk(ctx, move |sb, ctl| search_files(sb, &p, ctl))
            .await
    }
}

/// Finds paths matching `p.pattern`; see [`SearchFilesParams`].
pub fn search_files(sb: &Sandbox, p: &SearchFilesParams, ctl: &Control) -> FsResult<String> {
    if ctl.is_cancelled() {
        return Err(FsError::Cancelled);
    }
    let matcher = NameMatcher::new(&p.pattern)?;
    let max = clamp(p.max_results, SEARCH_DEFAULT_RESULTS, SEARCH_MAX_RESULTS);
    let starts = start_points(sb, p.path.as_deref())?;
    let filters = Filters::new(p.include_hidden, p.respect_gitignore);
    let found = Found::new(max);
    for start in &starts {
        require_dir(sb, start)?;
        let overrides = exclude_overrides(&start.abs, p.exclude.as_deref())?;
        let walker = walk_builder(sb, start, filters, overrides)
            .threads(walk_threads())
            .build_parallel();
        let mut visitors = NameVisitors {
            search: NameSearch {
                start: &start.abs,
                matcher: &matcher,
                found: &found,
                ctl,
            },
        };
        walker.visit(&mut visitors);
        if found.cancelled.load(Ordering::Relaxed) || ctl.is_cancelled() {
            return Err(FsError::Cancelled);
        }
    }
    Ok(render_found(found, max, &p.pattern, filters))
}

/// A name glob: matched against the file name, or against the path relative to the
/// walk's start when the pattern contains `/`.
#[derive(Debug)]
struct NameMatcher {
    glob: GlobMatcher,
    whole_path: bool,
}

impl NameMatcher {
    fn new(pattern: &str) -> FsResult<Self> {
        let trimmed = pattern.trim();
        if trimmed.is_empty() {
            return Err(FsError::InvalidArgument(
                "pattern is empty; give a glob such as \"*.rs\" (or \"*\" for everything)".into(),
            ));
        }
        let whole_path = trimmed.contains('/');
        let relative = trimmed.trim_start_matches("./").trim_start_matches('/');
        let glob = GlobBuilder::new(relative)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| invalid_glob(trimmed, &e))?;
        Ok(Self {
            glob: glob.compile_matcher(),
            whole_path,
        })
    }

    fn is_match(&self, rel: &Path, name: &OsStr) -> bool {
        if self.whole_path {
            self.glob.is_match(rel)
        } else {
            self.glob.is_match(name)
        }
    }
}

/// One matching path; ordered by path so a max-heap can keep the smallest ones.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    path: PathBuf,
    dir: bool,
}

/// The smallest `max` hits across all threads, and how many there were in all.
struct Found {
    max: usize,
    best: Mutex<BinaryHeap<Hit>>,
    total: AtomicUsize,
    cancelled: AtomicBool,
    errors: ErrorLog,
}

impl Found {
    fn new(max: usize) -> Self {
        Self {
            max,
            best: Mutex::new(BinaryHeap::new()),
            total: AtomicUsize::new(0),
            cancelled: AtomicBool::new(false),
            errors: ErrorLog::default(),
        }
    }

    fn merge(&self, hits: BinaryHeap<Hit>, total: usize) {
        self.total.fetch_add(total, Ordering::Relaxed);
        let mut best = self.best.lock().unwrap_or_else(|e| e.into_inner());
        for hit in hits {
            keep_smallest(&mut best, hit, self.max);
        }
    }
}

/// Pushes `hit`, then drops the largest while over `max`.
fn keep_smallest(heap: &mut BinaryHeap<Hit>, hit: Hit, max: usize) {
    if heap.len() >= max && heap.peek().is_some_and(|top| hit >= *top) {
        return;
    }
    heap.push(hit);
    while heap.len() > max {
        heap.pop();
    }
}

/// What every name-search thread shares.
#[derive(Clone, Copy)]
struct NameSearch<'a> {
    start: &'a Path,
    matcher: &'a NameMatcher,
    found: &'a Found,
    ctl: &'a Control,
}

struct NameVisitors<'a> {
    search: NameSearch<'a>,
}

impl<'s, 'a: 's> ParallelVisitorBuilder<'s> for NameVisitors<'a> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(NameVisitor {
            search: self.search,
            best: BinaryHeap::new(),
            total: 0,
        })
    }
}

/// One thread's share of a name search; merges into [`Found`] when dropped.
struct NameVisitor<'a> {
    search: NameSearch<'a>,
    best: BinaryHeap<Hit>,
    total: usize,
}

impl ParallelVisitor for NameVisitor<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        let s = self.search;
        if s.ctl.is_cancelled() {
            s.found.cancelled.store(true, Ordering::Relaxed);
            return WalkState::Quit;
        }
        s.ctl.tick();
        match entry {
            Ok(e) if e.depth() > 0 => self.consider(e),
            Ok(_) => {}
            Err(e) => s.found.errors.record(|| e.to_string()),
        }
        WalkState::Continue
    }
}

impl NameVisitor<'_> {
    fn consider(&mut self, entry: DirEntry) {
        let rel = entry
            .path()
            .strip_prefix(self.search.start)
            .unwrap_or(entry.path());
        if !self.search.matcher.is_match(rel, entry.file_name()) {
            return;
        }
        self.total += 1;
        let dir = entry.file_type().is_some_and(|t| t.is_dir());
        let hit = Hit {
            path: entry.into_path(),
            dir,
        };
        keep_smallest(&mut self.best, hit, self.search.found.max);
    }
}

impl Drop for NameVisitor<'_> {
    fn drop(&mut self) {
        let best = std::mem::take(&mut self.best);
        self.search.found.merge(best, self.total);
    }
}

fn render_found(found: Found, max: usize, pattern: &str, filters: Filters) -> String {
    let total = found.total.load(Ordering::Relaxed);
    let hits = found
        .best
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_sorted_vec();
    let mut out = String::new();
    for hit in &hits {
        out.push_str(&hit.path.to_string_lossy());
        if hit.dir {
            out.push('/');
        }
        out.push('\n');
    }
    if total > hits.len() {
        let _ = write!(
            out,
            "Truncated: showing the first {} of {total} matches (sorted by path). To get the rest: use a more specific pattern (e.g. \"src/**/*.rs\"), set `path` to a subdirectory, add `exclude` globs{}.",
            hits.len(),
            raise_hint("max_results", max, SEARCH_MAX_RESULTS)
        );
    } else if total == 0 {
        let _ = write!(out, "0 matches for {pattern:?}.{}", no_match_hint(filters));
    } else {
        let _ = write!(out, "{total} match{}.", if total == 1 { "" } else { "es" });
    }
    out.push_str(&found.errors.summary());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_matcher_uses_name_without_slash_and_path_with_slash() {
        let m = NameMatcher::new("*.rs").unwrap();
        assert!(m.is_match(Path::new("src/deep/x.rs"), OsStr::new("x.rs")));
        let m = NameMatcher::new("src/*.rs").unwrap();
        assert!(m.is_match(Path::new("src/x.rs"), OsStr::new("x.rs")));
        assert!(!m.is_match(Path::new("src/deep/x.rs"), OsStr::new("x.rs")));
        let m = NameMatcher::new("**/*.rs").unwrap();
        assert!(m.is_match(Path::new("x.rs"), OsStr::new("x.rs")));
        assert!(NameMatcher::new("  ").is_err());
        assert!(matches!(
            NameMatcher::new("a[").unwrap_err(),
            FsError::InvalidPattern { .. }
        ));
    }

    #[test]
    fn keep_smallest_is_bounded_and_keeps_lowest() {
        let mut heap = BinaryHeap::new();
        for name in ["d", "b", "e", "a", "c"] {
            let hit = Hit {
                path: PathBuf::from(name),
                dir: false,
            };
            keep_smallest(&mut heap, hit, 2);
        }
        let names: Vec<_> = heap.into_sorted_vec().into_iter().map(|h| h.path).collect();
        assert_eq!(names, [PathBuf::from("a"), PathBuf::from("b")]);
    }
}

//! Recursive walks beneath the sandbox roots.
//!
//! - [`directory_tree`] renders one directory as a bounded, indented tree.
//! - [`search_files`] finds files and directories whose name (or relative path)
//!   matches a glob.
//!
//! The walk set-up shared with [`crate::grep`] lives here too: which ignore rules
//! apply ([`walk_builder`]), exclude/include globs ([`build_overrides`]), where a
//! walk starts ([`start_points`]) and how many threads it uses ([`walk_threads`]).
//!
//! Walkers list directories through host paths (that is how `ignore` works), but
//! they never follow symbolic links, and every file whose *contents* are read is
//! opened through the sandbox's root handle. Ignore files above the walk's start
//! are read only up to the root, never outside it.

use std::collections::BinaryHeap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use globset::{GlobBuilder, GlobMatcher};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::overrides::{Override, OverrideBuilder};
use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::control::Control;
use crate::error::{FsError, FsResult};
use crate::sandbox::{Resolved, Sandbox};

/// `directory_tree` depth when none is given.
pub const TREE_DEFAULT_DEPTH: usize = 3;
/// Deepest `directory_tree` accepts.
pub const TREE_MAX_DEPTH: usize = 20;
/// `directory_tree` entries shown when no cap is given.
pub const TREE_DEFAULT_ENTRIES: usize = 500;
/// Most entries `directory_tree` shows.
pub const TREE_MAX_ENTRIES: usize = 5_000;
/// Most entries `directory_tree` walks (it stores only those it may show).
const TREE_WALK_LIMIT: usize = 1_000_000;
/// `search_files` results when no cap is given.
pub const SEARCH_DEFAULT_RESULTS: usize = 200;
/// Most results `search_files` returns.
pub const SEARCH_MAX_RESULTS: usize = 10_000;
/// Largest ignore file read above a walk's start.
const MAX_IGNORE_FILE_BYTES: u64 = 1 << 20;

/// Show the files and directories under one directory as an indented tree, to get an
/// overview of a project's layout. Directories end with `/`; symbolic links show as
/// `name -> target` and are never descended into. Entries are sorted by name.
///
/// Hidden entries (names starting with `.`) and whatever `.gitignore` / `.ignore`
/// files exclude are left out unless you ask for them (`include_hidden`,
/// `respect_gitignore: false`); `.git` itself is left out while `respect_gitignore`
/// is true.
///
/// When there are more entries than `max_entries`, shallow levels are shown first and
/// a directory whose contents were cut is marked `(… N more entries)`: call
/// `directory_tree` again on that directory to see them. Directories at `max_depth`
/// are listed but not expanded.
///
/// Example: `{"path": "/home/me/project", "max_depth": 2, "exclude": ["target", "*.lock"]}`
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DirectoryTreeParams {
    /// Directory to show.
    pub path: String,
    /// Levels to show, 1 = direct children only (default 3, max 20).
    pub max_depth: Option<usize>,
    /// Most entries to show (default 500, max 5000).
    pub max_entries: Option<usize>,
    /// Leave out what .gitignore/.ignore files exclude (default true).
    pub respect_gitignore: Option<bool>,
    /// Include names starting with `.`.
    pub include_hidden: Option<bool>,
    /// Globs to leave out, gitignore style (`node_modules`, `*.min.js`, `docs/build`).
    pub exclude: Option<Vec<String>>,
}

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

// ---------------------------------------------------------------------------------
// Shared walk set-up (also used by grep)
// ---------------------------------------------------------------------------------

/// The filters every recursive walk applies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Filters {
    pub include_hidden: bool,
    pub respect_gitignore: bool,
}

impl Filters {
    pub(crate) fn new(include_hidden: Option<bool>, respect_gitignore: Option<bool>) -> Self {
        Self {
            include_hidden: include_hidden.unwrap_or(false),
            respect_gitignore: respect_gitignore.unwrap_or(true),
        }
    }
}

/// A walker rooted at `start.abs`: never follows links, applies the ignore rules of
/// `start` and below, plus those of its ancestors up to (not above) its root.
pub(crate) fn walk_builder(
    sb: &Sandbox,
    start: &Resolved,
    filters: Filters,
    overrides: Override,
) -> WalkBuilder {
    let gitignore = filters.respect_gitignore;
    let mut b = WalkBuilder::new(&start.abs);
    b.follow_links(false)
        .hidden(!filters.include_hidden)
        .parents(false)
        .ignore(gitignore)
        .git_ignore(gitignore)
        .git_exclude(gitignore)
        .git_global(false)
        .require_git(false)
        .overrides(overrides);
    if gitignore {
        let ancestors = ancestor_ignores(sb, start);
        b.filter_entry(move |e| keep_entry(&ancestors, e));
    }
    b
}

/// Threads for a parallel walk: one per core, at most 12 (as ripgrep).
pub(crate) fn walk_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(12)
}

/// Where a walk starts: the resolved `path`, or every root when it is absent or empty.
/// A given path must exist.
pub(crate) fn start_points(sb: &Sandbox, path: Option<&str>) -> FsResult<Vec<Resolved>> {
    match path.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => {
            let start = sb.resolve(p)?;
            sb.metadata(&start)?;
            Ok(vec![start])
        }
        None => Ok(sb
            .roots()
            .iter()
            .enumerate()
            .map(|(i, r)| Resolved {
                root: i,
                rel: PathBuf::new(),
                abs: r.path.clone(),
            })
            .collect()),
    }
}

/// Fails with `NotADirectory` unless `start` is a directory.
pub(crate) fn require_dir(sb: &Sandbox, start: &Resolved) -> FsResult<()> {
    if sb.metadata(start)?.is_dir() {
        Ok(())
    } else {
        Err(FsError::NotADirectory {
            path: start.abs.display().to_string(),
        })
    }
}

/// Globs in ripgrep `-g` syntax (a leading `!` excludes), matched relative to `start`.
pub(crate) fn build_overrides(start: &Path, globs: &[String]) -> FsResult<Override> {
    let mut b = OverrideBuilder::new(start);
    for g in globs.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        b.add(g).map_err(|e| invalid_glob(g, &e))?;
    }
    b.build().map_err(|e| FsError::InvalidPattern {
        pattern: globs.join(", "),
        reason: e.to_string(),
    })
}

/// Exclude globs as overrides (each becomes `!glob`).
pub(crate) fn exclude_overrides(start: &Path, exclude: Option<&[String]>) -> FsResult<Override> {
    let globs: Vec<String> = exclude
        .unwrap_or_default()
        .iter()
        .map(|g| g.trim())
        .filter(|g| !g.is_empty())
        .map(|g| format!("!{}", g.trim_start_matches('!')))
        .collect();
    build_overrides(start, &globs)
}

fn invalid_glob(glob: &str, e: &dyn std::fmt::Display) -> FsError {
    FsError::InvalidPattern {
        pattern: glob.to_string(),
        reason: format!(
            "{e}. Globs use `*`, `?`, `**`, `[abc]` and `{{a,b}}`; escape a literal one with `\\`."
        ),
    }
}

/// "… or raise `name` (up to max)", empty when `current` is already the maximum.
pub(crate) fn raise_hint(name: &str, current: usize, max: usize) -> String {
    if current < max {
        format!(", or raise `{name}` (up to {max})")
    } else {
        String::new()
    }
}

/// Keeps an entry unless it is a `.git` directory or an ancestor's ignore file
/// excludes it. (The walker applies the rules at and below the start itself. A
/// whitelist in a deeper ignore file cannot re-include what an ancestor excludes
/// here; that corner of git's precedence is not modelled.)
fn keep_entry(ancestors: &[Gitignore], e: &DirEntry) -> bool {
    let is_dir = e.file_type().is_some_and(|t| t.is_dir());
    if is_dir && e.file_name() == ".git" {
        return false;
    }
    for gi in ancestors.iter().rev() {
        let m = gi.matched(e.path(), is_dir);
        if m.is_ignore() {
            return false;
        }
        if m.is_whitelist() {
            return true;
        }
    }
    true
}

/// The `.gitignore` / `.ignore` rules of every directory from the root down to the
/// parent of `start`, shallowest first, read through the sandbox.
fn ancestor_ignores(sb: &Sandbox, start: &Resolved) -> Vec<Gitignore> {
    let names: Vec<&OsStr> = start.rel.iter().collect();
    let Some((_, parents)) = names.split_last() else {
        return Vec::new();
    };
    let mut dir_rel = PathBuf::new();
    let mut out: Vec<Gitignore> = dir_ignores(sb, start.root, &dir_rel).into_iter().collect();
    for name in parents {
        dir_rel.push(name);
        out.extend(dir_ignores(sb, start.root, &dir_rel));
    }
    out
}

/// The ignore rules of one directory (`.ignore` wins over `.gitignore`), if it has any.
fn dir_ignores(sb: &Sandbox, root: usize, dir_rel: &Path) -> Option<Gitignore> {
    let dir_abs = sb.roots()[root].path.join(dir_rel);
    let mut builder = GitignoreBuilder::new(&dir_abs);
    let mut any = false;
    for name in [".gitignore", ".ignore"] {
        let rel = dir_rel.join(name);
        let file = Resolved {
            root,
            abs: dir_abs.join(name),
            rel,
        };
        let Some(text) = read_small_text(sb, &file) else {
            continue;
        };
        for line in text.lines() {
            any |= builder.add_line(Some(file.abs.clone()), line).is_ok();
        }
    }
    if any { builder.build().ok() } else { None }
}

fn read_small_text(sb: &Sandbox, r: &Resolved) -> Option<String> {
    let file = sb.open_file(r).ok()?;
    let mut text = String::new();
    file.take(MAX_IGNORE_FILE_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// Counts walk errors and remembers the first, for the summary.
#[derive(Default)]
pub(crate) struct ErrorLog {
    inner: Mutex<(usize, Option<String>)>,
}

impl ErrorLog {
    pub(crate) fn record(&self, message: impl FnOnce() -> String) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.1.is_none() {
            g.1 = Some(message());
        }
        g.0 += 1;
    }

    /// " N paths could not be read (first: …)." or empty.
    pub(crate) fn summary(&self) -> String {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match &g.1 {
            Some(first) => format!(
                " {} path{} could not be read (first: {first}).",
                g.0,
                plural(g.0)
            ),
            None => String::new(),
        }
    }
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn clamp(value: Option<usize>, default: usize, max: usize) -> usize {
    value.unwrap_or(default).clamp(1, max)
}

// ---------------------------------------------------------------------------------
// directory_tree
// ---------------------------------------------------------------------------------

/// Renders `p.path` as an indented tree; see [`DirectoryTreeParams`].
pub fn directory_tree(sb: &Sandbox, p: &DirectoryTreeParams, ctl: &Control) -> FsResult<String> {
    if ctl.is_cancelled() {
        return Err(FsError::Cancelled);
    }
    let max_depth = clamp(p.max_depth, TREE_DEFAULT_DEPTH, TREE_MAX_DEPTH);
    let max_entries = clamp(p.max_entries, TREE_DEFAULT_ENTRIES, TREE_MAX_ENTRIES);
    let start = sb.resolve(&p.path)?;
    require_dir(sb, &start)?;
    let overrides = exclude_overrides(&start.abs, p.exclude.as_deref())?;
    let filters = Filters::new(p.include_hidden, p.respect_gitignore);
    let mut builder = walk_builder(sb, &start, filters, overrides);
    builder
        .max_depth(Some(max_depth))
        .sort_by_file_name(|a, b| a.cmp(b));
    let mut tree = Tree::new(max_depth, max_entries);
    collect_tree(sb, &builder, &mut tree, ctl)?;
    let shown = select_breadth_first(&tree.nodes, max_entries);
    let mut out = render_tree(&start.abs, &tree.nodes, &shown);
    out.push_str(&tree_summary(&tree, &shown, max_entries, max_depth));
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum NodeKind {
    Dir,
    File,
    Link(String),
}

/// One stored entry; `nodes[0]` is the start directory itself.
#[derive(Debug)]
struct Node {
    name: String,
    depth: usize,
    /// Index of the parent node (0 for the start's children and the start itself).
    parent: usize,
    kind: NodeKind,
    /// Descendants that were walked but not stored (they can never be shown).
    unstored: usize,
}

/// The entries of one walk, stored only where they might be shown.
///
/// What is shown is a breadth-first prefix of `max_entries` entries, so once the
/// levels above depth `k` hold more than `max_entries` entries nothing at depth `k`
/// or deeper can be shown: those are only counted (against their nearest stored
/// ancestor), which bounds memory on huge trees while keeping the counts exact.
struct Tree {
    nodes: Vec<Node>,
    max_entries: usize,
    /// Deepest level that may still be shown.
    cap: usize,
    /// Entries walked per depth (index 0: the start).
    walked: Vec<usize>,
    /// Entries stored per depth.
    stored: Vec<usize>,
    /// Stored directories enclosing the current entry, as (depth, index).
    open: Vec<(usize, usize)>,
    /// The walk stopped at [`TREE_WALK_LIMIT`].
    incomplete: bool,
    errors: ErrorLog,
}

impl Tree {
    fn new(max_depth: usize, max_entries: usize) -> Self {
        Self {
            nodes: Vec::new(),
            max_entries,
            cap: max_depth,
            walked: vec![0; max_depth + 1],
            stored: vec![0; max_depth + 1],
            open: Vec::new(),
            incomplete: false,
            errors: ErrorLog::default(),
        }
    }

    /// Entries walked, not counting the start.
    fn total(&self) -> usize {
        self.walked.iter().skip(1).sum()
    }

    /// Adds the next entry of a sorted depth-first walk; `describe` gives its name and
    /// kind, and is only called when the entry is stored.
    fn add(&mut self, depth: usize, describe: impl FnOnce() -> (String, NodeKind)) {
        if self.walked.len() <= depth {
            self.walked.resize(depth + 1, 0);
            self.stored.resize(depth + 1, 0);
        }
        self.walked[depth] += 1;
        self.lower_cap();
        while self.open.last().is_some_and(|&(d, _)| d >= depth) {
            self.open.pop();
        }
        let parent = self.open.last().map_or(0, |&(_, i)| i);
        if !self.may_store(depth) {
            self.nodes[parent].unstored += 1;
            return;
        }
        let (name, kind) = describe();
        if kind == NodeKind::Dir {
            self.open.push((depth, self.nodes.len()));
        }
        self.stored[depth] += 1;
        self.nodes.push(Node {
            name,
            depth,
            parent,
            kind,
            unstored: 0,
        });
    }

    fn may_store(&self, depth: usize) -> bool {
        self.nodes.is_empty()
            || depth < self.cap
            || (depth == self.cap && self.stored[depth] < self.max_entries)
    }

    /// Lowers `cap` while the levels above it already hold more than `max_entries`.
    fn lower_cap(&mut self) {
        while self.cap > 1 && self.walked[1..self.cap].iter().sum::<usize>() > self.max_entries {
            self.cap -= 1;
        }
    }
}

/// Walks in sorted depth-first order, at most [`TREE_WALK_LIMIT`] entries.
fn collect_tree(
    sb: &Sandbox,
    builder: &WalkBuilder,
    tree: &mut Tree,
    ctl: &Control,
) -> FsResult<()> {
    for (walked, item) in builder.build().enumerate() {
        if ctl.is_cancelled() {
            return Err(FsError::Cancelled);
        }
        ctl.tick();
        if walked >= TREE_WALK_LIMIT {
            tree.incomplete = true;
            break;
        }
        match item {
            Ok(e) => tree.add(e.depth(), || describe(sb, &e)),
            Err(e) => tree.errors.record(|| e.to_string()),
        }
    }
    Ok(())
}

fn describe(sb: &Sandbox, entry: &DirEntry) -> (String, NodeKind) {
    let name = entry.file_name().to_string_lossy().into_owned();
    let kind = match entry.file_type() {
        Some(t) if t.is_symlink() => NodeKind::Link(
            std::fs::read_link(entry.path())
                .map(|t| sb.shown_link_target(entry.path(), &t))
                .unwrap_or_else(|_| "?".into()),
        ),
        Some(t) if t.is_dir() => NodeKind::Dir,
        _ if entry.depth() == 0 => NodeKind::Dir,
        _ => NodeKind::File,
    };
    (name, kind)
}

/// Which nodes to show: the start, then whole levels, shallowest first, until
/// `max` entries; the last level is cut in depth-first (sorted) order.
fn select_breadth_first(nodes: &[Node], max: usize) -> Vec<bool> {
    let mut shown = vec![false; nodes.len()];
    let Some(first) = shown.first_mut() else {
        return shown;
    };
    *first = true;
    let mut order: Vec<usize> = (1..nodes.len()).collect();
    order.sort_by_key(|&i| nodes[i].depth);
    for &i in order.iter().take(max) {
        shown[i] = true;
    }
    shown
}

/// For each shown node, how many walked descendants are not shown.
fn hidden_counts(nodes: &[Node], shown: &[bool]) -> Vec<usize> {
    let mut owner: Vec<usize> = (0..nodes.len()).collect();
    let mut counts = vec![0; nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        let o = if shown[i] {
            i
        } else {
            let o = owner[node.parent];
            counts[o] += 1;
            o
        };
        owner[i] = o;
        counts[o] += node.unstored;
    }
    counts
}

fn render_tree(start: &Path, nodes: &[Node], shown: &[bool]) -> String {
    let hidden = hidden_counts(nodes, shown);
    let mut out = String::new();
    for (i, node) in nodes.iter().enumerate().filter(|(i, _)| shown[*i]) {
        if i == 0 {
            let _ = write!(out, "{}/", start.display());
        } else {
            push_node_line(&mut out, node);
        }
        if hidden[i] > 0 {
            let _ = write!(
                out,
                " (… {} more entr{})",
                hidden[i],
                if hidden[i] == 1 { "y" } else { "ies" }
            );
        }
        out.push('\n');
    }
    out
}

fn push_node_line(out: &mut String, node: &Node) {
    for _ in 0..node.depth {
        out.push_str("  ");
    }
    out.push_str(&node.name);
    match &node.kind {
        NodeKind::Dir => out.push('/'),
        NodeKind::File => {}
        NodeKind::Link(target) => {
            let _ = write!(out, " -> {target}");
        }
    }
}

fn tree_summary(tree: &Tree, shown: &[bool], max_entries: usize, max_depth: usize) -> String {
    let (mut dirs, mut files, mut links) = (0, 0, 0);
    for (node, _) in tree.nodes.iter().zip(shown).skip(1).filter(|(_, s)| **s) {
        match node.kind {
            NodeKind::Dir => dirs += 1,
            NodeKind::File => files += 1,
            NodeKind::Link(_) => links += 1,
        }
    }
    let mut out = format!(
        "{dirs} director{}, {files} file{}",
        if dirs == 1 { "y" } else { "ies" },
        plural(files)
    );
    if links > 0 {
        let _ = write!(out, ", {links} symlink{}", plural(links));
    }
    out.push_str(" shown.");
    let cut = tree.total() - (dirs + files + links);
    if cut > 0 || tree.incomplete {
        let more = if tree.incomplete { "more than " } else { "" };
        let _ = write!(
            out,
            "\nTruncated at max_entries={max_entries}: {more}{cut} more entries not shown (see the directories marked `(… N more entries)`). To see them, call directory_tree on one of those directories, add `exclude` globs{}.",
            raise_hint("max_entries", max_entries, TREE_MAX_ENTRIES)
        );
    }
    if has_unexpanded_dirs(&tree.nodes, shown, max_depth) {
        let _ = write!(
            out,
            "\nDirectories at depth {max_depth} are not expanded (max_depth={max_depth}); call directory_tree on one of them{}.",
            raise_hint("max_depth", max_depth, TREE_MAX_DEPTH)
        );
    }
    out.push_str(&tree.errors.summary());
    out.push('\n');
    out
}

fn has_unexpanded_dirs(nodes: &[Node], shown: &[bool], max_depth: usize) -> bool {
    nodes
        .iter()
        .zip(shown)
        .any(|(n, s)| *s && n.depth == max_depth && n.kind == NodeKind::Dir)
}

// ---------------------------------------------------------------------------------
// search_files
// ---------------------------------------------------------------------------------

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

/// What was skipped by default, for an empty result.
pub(crate) fn no_match_hint(filters: Filters) -> String {
    let mut skipped = Vec::new();
    if !filters.include_hidden {
        skipped.push("hidden entries (set include_hidden: true)");
    }
    if filters.respect_gitignore {
        skipped.push("gitignored entries (set respect_gitignore: false)");
    }
    if skipped.is_empty() {
        String::new()
    } else {
        format!(" Skipped: {}.", skipped.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, depth: usize, parent: usize, kind: NodeKind) -> Node {
        Node {
            name: name.into(),
            depth,
            parent,
            kind,
            unstored: 0,
        }
    }

    /// root/ a/ (a1, a2), b/ (b1), c
    fn sample() -> Vec<Node> {
        vec![
            node("root", 0, 0, NodeKind::Dir),
            node("a", 1, 0, NodeKind::Dir),
            node("a1", 2, 1, NodeKind::File),
            node("a2", 2, 1, NodeKind::File),
            node("b", 1, 0, NodeKind::Dir),
            node("b1", 2, 4, NodeKind::File),
            node("c", 1, 0, NodeKind::Link("x".into())),
        ]
    }

    #[test]
    fn breadth_first_selection_shows_shallow_levels_first() {
        let nodes = sample();
        let shown = select_breadth_first(&nodes, 4);
        assert_eq!(shown, [true, true, true, false, true, false, true]);
        assert_eq!(hidden_counts(&nodes, &shown), [0, 1, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn render_marks_cut_directories() {
        let nodes = sample();
        let shown = select_breadth_first(&nodes, 3);
        let text = render_tree(Path::new("/r"), &nodes, &shown);
        assert_eq!(
            text,
            "/r/\n  a/ (… 2 more entries)\n  b/ (… 1 more entry)\n  c -> x\n"
        );
    }

    #[test]
    fn tree_stores_only_what_may_be_shown_and_counts_the_rest() {
        // start/ { a/ { 100 files }, b/ { x }, c }, max 3 entries.
        let mut tree = Tree::new(3, 3);
        let dir = |n: &str| (n.to_string(), NodeKind::Dir);
        let file = |n: &str| (n.to_string(), NodeKind::File);
        tree.add(0, || dir("start"));
        tree.add(1, || dir("a"));
        for i in 0..100 {
            tree.add(2, || file(&format!("f{i}")));
        }
        tree.add(1, || dir("b"));
        tree.add(2, || file("x"));
        tree.add(1, || file("c"));
        assert_eq!(tree.total(), 104);
        assert!(tree.nodes.len() <= 1 + 3 + 3, "stored {}", tree.nodes.len());
        let shown = select_breadth_first(&tree.nodes, 3);
        let text = render_tree(Path::new("/s"), &tree.nodes, &shown);
        assert_eq!(
            text,
            "/s/\n  a/ (… 100 more entries)\n  b/ (… 1 more entry)\n  c\n"
        );
    }

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

    #[test]
    fn raise_hint_is_empty_at_the_maximum() {
        assert_eq!(raise_hint("m", 5, 5), "");
        assert!(raise_hint("m", 4, 5).contains("up to 5"));
    }
}

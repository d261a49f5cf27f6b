//! The tools that show where things are: `list_roots`, `list_directory` (one
//! directory's entries, listed through the root's directory handle) and
//! `directory_tree` (a bounded, indented tree), each with its parameters and its
//! handler.

use std::cmp::Ordering;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::time::SystemTime;

use ignore::{DirEntry, WalkBuilder};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use shared::ToolError;

use crate::control::Control;
use crate::error::{FsError, FsResult};
use crate::format::{human_size, iso8601, kind_name, plural};
use crate::sandbox::Sandbox;
use crate::server::FsServer;
use crate::walker::{
    ErrorLog, Filters, clamp, exclude_overrides, plural_s, raise_hint, require_dir, walk_builder,
};

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

/// List the entries of ONE directory (not recursive), one per line:
/// `[DIR] name/`, `[FILE] name  size  modified`, `[LINK] name -> target`,
/// followed by a summary. Example: `{"path": "src", "sort_by": "size", "descending": true}`.
/// Use `"."` for the root. For a recursive view use `directory_tree`; to find files by
/// name use `search_files`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ListDirectoryParams {
    /// Directory to list (`.` for the first root).
    pub path: String,
    /// Sort order (default `name`).
    pub sort_by: Option<SortBy>,
    /// Reverse the order: largest or newest first.
    pub descending: Option<bool>,
}

/// How entries are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
// Plain comments on the variants, not doc comments: those would become schema
// descriptions and change tools/list.
#[allow(missing_docs)]
pub enum SortBy {
    // Alphabetical, ignoring case.
    #[default]
    Name,
    // By size in bytes (directories and links count as 0).
    Size,
    // By last modification time.
    Modified,
}

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

#[tool_router(router = browse_router, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "List the directories this server may access. Paths given to the other tools must lie inside one: absolute, or relative to the first root. Call this first when unsure where files are. Example: {}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_roots(&self) -> String {
        let sandbox = self.sandbox();
        let mut out =
            String::from("Allowed roots (paths may be absolute or relative to the first):\n");
        for root in sandbox.roots() {
            out.push_str(&format!("{}\n", root.path.display()));
        }
        if sandbox.roots().len() < self.configured().roots().len() {
            out.push_str("(narrowed to the roots your client shared)\n");
        }
        out
    }

    #[tool(
        description = "List one directory's entries with type, size and modification time. Example: {\"path\": \"src\", \"sort_by\": \"size\", \"descending\": true}. Recursive view: directory_tree; find by name: search_files.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_directory(
        &self,
        Parameters(p): Parameters<ListDirectoryParams>,
    ) -> Result<String, ToolError> {
        let max = self.limits().max_list_entries;
        self.blocking(move |sb| list_directory(sb, &p, max)).await
    }

    #[tool(
        description = "Show a directory recursively as an indented tree, skipping .gitignore'd and hidden entries by default. Example: {\"path\": \".\", \"max_depth\": 2, \"exclude\": [\"target\", \"*.lock\"]}. Output is capped; the closing notice says how to see more.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn directory_tree(
        &self,
        Parameters(p): Parameters<DirectoryTreeParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        self.walk(ctx, move |sb, ctl| directory_tree(sb, &p, ctl))
            .await
    }
}

// ---------------------------------------------------------------------------------
// list_directory
// ---------------------------------------------------------------------------------

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Link(String),
    Other(&'static str),
}

/// One listed entry.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    kind: Kind,
    size: u64,
    modified: Option<SystemTime>,
}

/// Totals over every entry, including those left out of the listing.
#[derive(Debug, Default)]
struct Summary {
    files: usize,
    dirs: usize,
    links: usize,
    other: usize,
    bytes: u64,
}

/// Lists one directory, sorted, at most `max_entries` lines of entries.
pub fn list_directory(
    sb: &Sandbox,
    p: &ListDirectoryParams,
    max_entries: usize,
) -> FsResult<String> {
    let r = sb.resolve(&p.path)?;
    let dir = sb.open_dir(&r)?;
    let sort = p.sort_by.unwrap_or_default();
    let descending = p.descending.unwrap_or(false);
    let order = |a: &Entry, b: &Entry| compare(a, b, sort, descending);
    let io_err = |e| FsError::io(&r.abs, e);

    let mut kept: Vec<Entry> = Vec::new();
    let mut summary = Summary::default();
    for item in dir.entries().map_err(io_err)? {
        let entry = read_entry(sb, &r.abs, &dir, item.map_err(io_err)?);
        summary.add(&entry);
        kept.push(entry);
        // Keep memory bounded in huge directories: only the best `max_entries` matter.
        if kept.len() >= max_entries.saturating_mul(2).max(1024) {
            kept.sort_by(order);
            kept.truncate(max_entries);
        }
    }
    kept.sort_by(order);
    let total = summary.count();
    kept.truncate(max_entries);

    let mut out = format!("{}\n", r.abs.display());
    for e in &kept {
        out.push_str(&render_entry(e));
    }
    if total == 0 {
        out.push_str("(empty directory)\n");
    }
    if total > kept.len() {
        out.push_str(&format!(
            "[{} more entries not shown (showing {} of {total}). Use search_files or directory_tree with a pattern to narrow.]\n",
            total - kept.len(),
            kept.len()
        ));
    }
    out.push_str(&summary.render());
    Ok(out)
}

/// Reads one directory entry's type, size and time without following links.
fn read_entry(
    sb: &Sandbox,
    dir_host_path: &std::path::Path,
    dir: &cap_std::fs::Dir,
    item: cap_std::fs::DirEntry,
) -> Entry {
    let name_os: OsString = item.file_name();
    let name = name_os.to_string_lossy().into_owned();
    let md = item.metadata().ok();
    let modified = md
        .as_ref()
        .and_then(|m| m.modified().ok())
        .map(|t| t.into_std());
    let ft = item
        .file_type()
        .ok()
        .or_else(|| md.as_ref().map(|m| m.file_type()));
    let kind = match ft {
        Some(ft) if ft.is_dir() => Kind::Dir,
        Some(ft) if ft.is_file() => Kind::File,
        Some(ft) if ft.is_symlink() => Kind::Link(
            dir.read_link_contents(&name_os)
                .map(|t| sb.shown_link_target(&dir_host_path.join(&name_os), &t))
                .unwrap_or_else(|_| "?".into()),
        ),
        Some(ft) => Kind::Other(kind_name(&ft)),
        None => Kind::Other("unknown"),
    };
    let size = match kind {
        Kind::File => md.as_ref().map_or(0, |m| m.len()),
        _ => 0,
    };
    Entry {
        name,
        kind,
        size,
        modified,
    }
}

fn compare(a: &Entry, b: &Entry, sort: SortBy, descending: bool) -> Ordering {
    let by_name = || {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.name.cmp(&b.name))
    };
    let primary = match sort {
        SortBy::Name => Ordering::Equal,
        SortBy::Size => a.size.cmp(&b.size),
        SortBy::Modified => a.modified.cmp(&b.modified),
    };
    let ord = primary.then_with(by_name);
    if descending { ord.reverse() } else { ord }
}

fn render_entry(e: &Entry) -> String {
    match &e.kind {
        Kind::Dir => format!("[DIR]  {}/\n", e.name),
        Kind::File => {
            let time = e.modified.map(iso8601).unwrap_or_else(|| "-".into());
            format!(
                "[FILE] {}  {} ({} bytes)  {time}\n",
                e.name,
                human_size(e.size),
                e.size
            )
        }
        Kind::Link(target) => format!("[LINK] {} -> {target}\n", e.name),
        Kind::Other(kind) => format!("[OTHER] {}  ({kind})\n", e.name),
    }
}

impl Summary {
    fn add(&mut self, e: &Entry) {
        match e.kind {
            Kind::Dir => self.dirs += 1,
            Kind::File => {
                self.files += 1;
                self.bytes += e.size;
            }
            Kind::Link(_) => self.links += 1,
            Kind::Other(_) => self.other += 1,
        }
    }

    fn count(&self) -> usize {
        self.files + self.dirs + self.links + self.other
    }

    fn render(&self) -> String {
        let mut parts = vec![
            plural(self.files as u64, "file", "files"),
            plural(self.dirs as u64, "directory", "directories"),
        ];
        if self.links > 0 {
            parts.push(plural(self.links as u64, "link", "links"));
        }
        if self.other > 0 {
            parts.push(plural(self.other as u64, "other entry", "other entries"));
        }
        format!(
            "{}; {} ({} bytes) in files\n",
            parts.join(", "),
            human_size(self.bytes),
            self.bytes
        )
    }
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
        plural_s(files)
    );
    if links > 0 {
        let _ = write!(out, ", {links} symlink{}", plural_s(links));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(max: usize, sort: Option<SortBy>, desc: bool) -> (tempfile::TempDir, String) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("b-dir")).unwrap();
        std::fs::write(root.join("a.txt"), "12345").unwrap();
        std::fs::write(root.join("C.txt"), "1").unwrap();
        std::os::unix::fs::symlink("a.txt", root.join("d-link")).unwrap();
        let sb = Sandbox::open(&[root]).unwrap();
        let p = ListDirectoryParams {
            path: ".".into(),
            sort_by: sort,
            descending: Some(desc),
        };
        let out = list_directory(&sb, &p, max).unwrap();
        (t, out)
    }

    #[test]
    fn lists_by_name_with_summary() {
        let (_t, out) = listing(100, None, false);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[1].starts_with("[FILE] a.txt  5 B (5 bytes)  20"),
            "{out}"
        );
        assert_eq!(lines[2], "[DIR]  b-dir/");
        assert!(lines[3].starts_with("[FILE] C.txt  1 B"), "{out}");
        assert_eq!(lines[4], "[LINK] d-link -> a.txt");
        assert_eq!(
            lines[5],
            "2 files, 1 directory, 1 link; 6 B (6 bytes) in files"
        );
    }

    #[test]
    fn sorts_by_size_descending() {
        let (_t, out) = listing(100, Some(SortBy::Size), true);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[1].contains("a.txt"), "{out}");
        assert!(lines[2].contains("C.txt"), "{out}");
    }

    #[test]
    fn caps_entries_with_notice() {
        let (_t, out) = listing(2, None, false);
        assert!(
            out.contains("[2 more entries not shown (showing 2 of 4)"),
            "{out}"
        );
        assert!(out.contains("search_files"), "{out}");
        assert!(out.contains("2 files, 1 directory, 1 link"), "{out}");
    }

    #[test]
    fn file_is_not_a_directory() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("f"), "x").unwrap();
        let sb = Sandbox::open(&[t.path().to_path_buf()]).unwrap();
        let p = ListDirectoryParams {
            path: "f".into(),
            sort_by: None,
            descending: None,
        };
        let err = list_directory(&sb, &p, 10).unwrap_err();
        assert!(matches!(err, FsError::NotADirectory { .. }), "{err}");
    }

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
}

//! One directory's entries, listed through the root's directory handle.

use std::cmp::Ordering;
use std::ffi::OsString;
use std::time::SystemTime;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::error::{FsError, FsResult};
use crate::format::{human_size, iso8601, kind_name, plural};
use crate::sandbox::Sandbox;

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
pub enum SortBy {
    // Alphabetical, ignoring case.
    #[default]
    Name,
    // By size in bytes (directories and links count as 0).
    Size,
    // By last modification time.
    Modified,
}

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
}

//! The walk set-up every recursive walk shares (`directory_tree`, `search_files`,
//! `grep`): which ignore rules apply (`walk_builder`), exclude/include globs
//! (`build_overrides`), where a walk starts (`start_points`) and how many threads
//! it uses (`walk_threads`).
//!
//! Walkers list directories through host paths (that is how `ignore` works), but
//! they never follow symbolic links, and every file whose *contents* are read is
//! opened through the sandbox's root handle. Ignore files above the walk's start
//! are read only up to the root, never outside it.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::overrides::{Override, OverrideBuilder};
use ignore::{DirEntry, WalkBuilder};

use crate::error::{FsError, FsResult};
use crate::sandbox::{Resolved, Sandbox};

/// Largest ignore file read above a walk's start.
const MAX_IGNORE_FILE_BYTES: u64 = 1 << 20;

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

pub(crate) fn invalid_glob(glob: &str, e: &dyn std::fmt::Display) -> FsError {
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
                plural_s(g.0)
            ),
            None => String::new(),
        }
    }
}

pub(crate) fn plural_s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(crate) fn clamp(value: Option<usize>, default: usize, max: usize) -> usize {
    value.unwrap_or(default).clamp(1, max)
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

    #[test]
    fn raise_hint_is_empty_at_the_maximum() {
        assert_eq!(raise_hint("m", 5, 5), "");
        assert!(raise_hint("m", 4, 5).contains("up to 5"));
    }
}

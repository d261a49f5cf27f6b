//! Roots and race-free path resolution.
//!
//! CONTRACT (implemented by the sandbox helper; other modules rely on exactly this API):
//! - A [`Sandbox`] holds one or more [`Root`]s. Each root keeps its canonical absolute
//!   path and an open `cap_std::fs::Dir` handle.
//! - [`Sandbox::resolve`] turns client input (absolute, or relative to a root) into a
//!   [`Resolved`]: which root, and the path relative to that root. It refuses NUL bytes,
//!   paths outside every root (component-wise: `/data-evil` is not under `/data`),
//!   and anything that escapes via `..` or a symlink.
//! - Every open goes through the root's `Dir` handle (cap-std resolves beneath it,
//!   atomically), so a symlink swapped in after `resolve` still cannot escape.

use std::path::{Path, PathBuf};

use cap_std::fs::Dir;

use crate::error::{FsError, FsResult};

/// One allowed root directory.
pub struct Root {
    /// Canonical absolute path of the root (symlinks in the configured path resolved).
    pub path: PathBuf,
    /// The path as the user configured it, when it differs from `path` (also accepted as a prefix).
    pub configured: PathBuf,
    /// Handle every access is made beneath.
    pub dir: Dir,
}

/// A client path resolved inside one root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Index into [`Sandbox::roots`].
    pub root: usize,
    /// Path relative to the root: no `..`, no leading `/`; empty means the root itself.
    pub rel: PathBuf,
    /// `root.path.join(rel)`: for display and for walkers that need a host path.
    pub abs: PathBuf,
}

/// The set of roots a server may touch.
pub struct Sandbox {
    roots: Vec<Root>,
}

impl Sandbox {
    /// Opens every root. Fails naming the first root that does not exist, is not a
    /// directory, or cannot be opened.
    pub fn open(roots: &[PathBuf]) -> FsResult<Self> {
        let _ = roots;
        todo!("sandbox helper")
    }

    pub fn roots(&self) -> &[Root] {
        &self.roots
    }

    /// Resolves client input to a path inside a root. Relative input is taken
    /// relative to the first root (with several roots: the first root where it exists,
    /// else the first root). The target need not exist (callers that need it to exist
    /// get `NotFound` when they open it). Symlinks inside the root are followed
    /// while they stay inside; the returned `rel` is canonical where the path exists.
    pub fn resolve(&self, input: &str) -> FsResult<Resolved> {
        let _ = input;
        todo!("sandbox helper")
    }

    /// A sandbox restricted to the parts of this one that lie under `allowed`
    /// (the client's MCP roots). Each allowed path must itself lie inside an existing
    /// root; the result never includes anything this sandbox does not. Returns an
    /// error when no allowed path lies inside any root.
    pub fn narrowed(&self, allowed: &[PathBuf]) -> FsResult<Sandbox> {
        let _ = allowed;
        todo!("sandbox helper")
    }

    /// Opens a file for reading, beneath the root handle. `IsADirectory` for directories.
    pub fn open_file(&self, r: &Resolved) -> FsResult<std::fs::File> {
        let _ = r;
        todo!("sandbox helper")
    }

    /// Opens a directory beneath the root handle (the root itself when `rel` is empty).
    pub fn open_dir(&self, r: &Resolved) -> FsResult<Dir> {
        let _ = r;
        todo!("sandbox helper")
    }

    /// Metadata of the resolved path, following in-root symlinks.
    pub fn metadata(&self, r: &Resolved) -> FsResult<cap_std::fs::Metadata> {
        let _ = r;
        todo!("sandbox helper")
    }

    /// Re-expresses a host path found by a walker (under `r.abs`) as a [`Resolved`],
    /// without touching the filesystem. `None` when `host` is not under any root.
    pub fn from_host_path(&self, host: &Path) -> Option<Resolved> {
        let _ = host;
        todo!("sandbox helper")
    }
}

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
//!
//! How resolution works: the client path is walked one component at a time beneath
//! the root's handle. Each existing component is examined with `symlink_metadata`
//! (through the handle); symbolic links are expanded by reading their target, where
//! an absolute target must lie under the same root and a relative one is spliced in
//! place. `..` pops the already-resolved (hence canonical) prefix, and popping past
//! the root is an escape. Once a component does not exist, the rest of the path is
//! handled lexically. The result never contains `..` or links (where it exists), and
//! opening it again goes through cap-std, which refuses anything that leaves the root.
//!
//! Writing: [`Sandbox::resolve_for_write`] (follows in-root links, refuses links
//! that lead out, dangling ones included, and the roots themselves) or
//! [`Sandbox::resolve_entry`] (the entry itself: moves, deletes), then
//! [`Sandbox::slot`] opens the PARENT directory beneath the root handle; a [`Slot`]
//! acts only on its one final name with `*at` calls that never follow a final link:
//! atomic replace ([`Slot::write_atomic`]), append, rename, remove, and
//! [`Sandbox::copy_tree`]. Temporary entries are named `.NAME.fs-server-tmp-RANDOM`
//! ([`TEMP_MARKER`]).
//!
//! The write side lives in submodules, one job each: `slot` (write-side resolution
//! and the [`Slot`] operations), `temp` (temporary files and directories and how
//! they are committed), `tree` (copying and counting directory trees) and `remove`.

use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, FileTypeExt};

use crate::error::{FsError, FsResult};

/// Symbolic links followed while resolving one path before it is declared a loop
/// (the same limit Linux applies).
const MAX_LINKS: usize = 40;

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

/// One step of a path still to be resolved.
enum Step {
    Name(OsString),
    Up,
}

/// Outcome of walking a relative path beneath one root.
struct Walked {
    rel: PathBuf,
    exists: bool,
}

impl Sandbox {
    /// Opens every root. Fails naming the first root that does not exist, is not a
    /// directory, or cannot be opened.
    pub fn open(roots: &[PathBuf]) -> FsResult<Self> {
        let roots = roots
            .iter()
            .map(|p| open_root(p))
            .collect::<FsResult<Vec<_>>>()?;
        Ok(Self { roots })
    }

    /// The roots, in the order they were given.
    pub fn roots(&self) -> &[Root] {
        &self.roots
    }

    /// Resolves client input to a path inside a root. Relative input is taken
    /// relative to the first root (with several roots: the first root where it exists,
    /// else the first root). The target need not exist (callers that need it to exist
    /// get `NotFound` when they open it). Symlinks inside the root are followed
    /// while they stay inside; the returned `rel` is canonical where the path exists.
    pub fn resolve(&self, input: &str) -> FsResult<Resolved> {
        self.resolve_with(input, true)
    }

    /// Like [`Sandbox::resolve`], but a symbolic link in the final component is not
    /// followed: the result names the link itself (its parent is resolved as usual).
    /// For reporting on links, e.g. with [`Sandbox::symlink_metadata`] and
    /// [`Sandbox::read_link`].
    pub fn resolve_no_follow(&self, input: &str) -> FsResult<Resolved> {
        self.resolve_with(input, false)
    }

    fn resolve_with(&self, input: &str, follow_last: bool) -> FsResult<Resolved> {
        if input.contains('\0') {
            return Err(FsError::InvalidPath {
                path: input.replace('\0', "\\0"),
                reason: "it contains a NUL byte; remove it".into(),
            });
        }
        let path = Path::new(input);
        if path.is_absolute() {
            let (root, rest) = self
                .locate_absolute(path)
                .ok_or_else(|| self.outside(input))?;
            let walked = self.walk(root, &rest, input, follow_last)?;
            return Ok(self.resolved(root, walked.rel));
        }
        if self.roots.is_empty() {
            return Err(self.outside(input));
        }
        if self.roots.len() > 1 {
            for root in 0..self.roots.len() {
                if let Ok(w) = self.walk(root, path, input, follow_last)
                    && w.exists
                {
                    return Ok(self.resolved(root, w.rel));
                }
            }
        }
        let walked = self.walk(0, path, input, follow_last)?;
        Ok(self.resolved(0, walked.rel))
    }

    /// A sandbox restricted to the parts of this one that lie under `allowed`
    /// (the client's MCP roots). Each allowed path must itself lie inside an existing
    /// root; the result never includes anything this sandbox does not. Returns an
    /// error when no allowed path lies inside any root.
    ///
    /// An allowed path inside a root becomes a root of its own, opened beneath the
    /// parent root's handle. An allowed path that contains a whole root (say the
    /// client allows `/home` and the server root is `/home/me/project`) keeps that
    /// root unchanged: the intersection, never more. Relative, missing, non-directory
    /// and outside paths are ignored.
    pub fn narrowed(&self, allowed: &[PathBuf]) -> FsResult<Sandbox> {
        let mut roots: Vec<Root> = Vec::new();
        for a in allowed {
            for root in self.narrow_one(a) {
                if !roots.iter().any(|r| r.path == root.path) {
                    roots.push(root);
                }
            }
        }
        if roots.is_empty() {
            return Err(FsError::NoUsableRoots {
                requested: join_display(allowed.iter().map(|p| p.as_path())),
                roots: self.roots_display(),
            });
        }
        Ok(Sandbox { roots })
    }

    /// Opens a file for reading, beneath the root handle. `IsADirectory` for
    /// directories, `NotAFile` for FIFOs, sockets and devices.
    ///
    /// One `openat` and one `fstat`: the open is non-blocking (so a FIFO, even one
    /// swapped in after `resolve`, cannot hang the server; the flag does nothing to
    /// regular files), and the type check is made on what was actually opened.
    pub fn open_file(&self, r: &Resolved) -> FsResult<std::fs::File> {
        let root = self.root_of(r)?;
        if r.rel.as_os_str().is_empty() {
            return Err(FsError::IsADirectory {
                path: display(&r.abs),
            });
        }
        let file = root
            .dir
            .open_with(&r.rel, &read_nonblocking())
            .map_err(|e| map_io(&r.abs, e))?;
        let md = file.metadata().map_err(|e| map_io(&r.abs, e))?;
        check_regular_file(&md.file_type(), &r.abs)?;
        Ok(file.into_std())
    }

    /// How to show a symbolic link's target to the client: the target as written
    /// when it lies inside the roots, otherwise a placeholder, so that listings never
    /// reveal paths outside the roots. `link` is the link's host path. The check is
    /// lexical (it does not follow further links): this is about display, not access.
    pub fn shown_link_target(&self, link: &Path, target: &Path) -> String {
        let base = link.parent().unwrap_or(link);
        let joined = normalize_lexically(&base.join(target));
        let inside = self
            .roots
            .iter()
            .any(|r| joined.starts_with(&r.path) || joined.starts_with(&r.configured));
        if inside {
            target.display().to_string()
        } else {
            "(a path outside the allowed roots)".to_string()
        }
    }

    /// Opens a directory beneath the root handle (the root itself when `rel` is empty).
    pub fn open_dir(&self, r: &Resolved) -> FsResult<Dir> {
        let root = self.root_of(r)?;
        let dir = if r.rel.as_os_str().is_empty() {
            root.dir.try_clone()
        } else {
            root.dir.open_dir(&r.rel)
        };
        dir.map_err(|e| map_io(&r.abs, e))
    }

    /// Metadata of the resolved path, following in-root symlinks.
    pub fn metadata(&self, r: &Resolved) -> FsResult<cap_std::fs::Metadata> {
        let root = self.root_of(r)?;
        let md = if r.rel.as_os_str().is_empty() {
            root.dir.dir_metadata()
        } else {
            root.dir.metadata(&r.rel)
        };
        md.map_err(|e| map_io(&r.abs, e))
    }

    /// Metadata of the resolved path itself, not following a final symlink (the
    /// resolved path is canonical, so this differs from [`Sandbox::metadata`] only
    /// when the path changed after resolution).
    pub fn symlink_metadata(&self, r: &Resolved) -> FsResult<cap_std::fs::Metadata> {
        let root = self.root_of(r)?;
        let md = if r.rel.as_os_str().is_empty() {
            root.dir.dir_metadata()
        } else {
            root.dir.symlink_metadata(&r.rel)
        };
        md.map_err(|e| map_io(&r.abs, e))
    }

    /// The raw target of the symbolic link at `r` (as stored; may be absolute or
    /// point outside, so it is for display only, never for opening).
    pub fn read_link(&self, r: &Resolved) -> FsResult<PathBuf> {
        let root = self.root_of(r)?;
        root.dir
            .read_link_contents(&r.rel)
            .map_err(|e| map_io(&r.abs, e))
    }

    /// Re-expresses a host path found by a walker (under `r.abs`) as a [`Resolved`],
    /// without touching the filesystem. `None` when `host` is not under any root.
    pub fn from_host_path(&self, host: &Path) -> Option<Resolved> {
        let (root, rest) = self.locate_absolute(host)?;
        let mut rel = PathBuf::new();
        for c in rest.components() {
            match c {
                Component::Normal(name) => rel.push(name),
                Component::CurDir => {}
                _ => return None,
            }
        }
        Some(self.resolved(root, rel))
    }

    /// The roots as a comma-separated list, for messages.
    pub fn roots_display(&self) -> String {
        if self.roots.is_empty() {
            return "none configured".into();
        }
        join_display(self.roots.iter().map(|r| r.path.as_path()))
    }

    fn resolved(&self, root: usize, rel: PathBuf) -> Resolved {
        let base = &self.roots[root].path;
        let abs = if rel.as_os_str().is_empty() {
            base.clone()
        } else {
            base.join(&rel)
        };
        Resolved { root, rel, abs }
    }

    fn root_of(&self, r: &Resolved) -> FsResult<&Root> {
        self.roots.get(r.root).ok_or_else(|| {
            FsError::InvalidArgument(format!(
                "{} was resolved against a root this server no longer has; resolve it again",
                display(&r.abs)
            ))
        })
    }

    fn outside(&self, input: &str) -> FsError {
        FsError::OutsideRoots {
            path: input.to_string(),
            roots: self.roots_display(),
        }
    }

    /// The root an absolute path lies under (longest matching prefix, canonical or
    /// configured spelling, compared component-wise) and the rest of the path.
    fn locate_absolute(&self, path: &Path) -> Option<(usize, PathBuf)> {
        let mut best: Option<(usize, usize, PathBuf)> = None;
        for (i, root) in self.roots.iter().enumerate() {
            for prefix in [&root.path, &root.configured] {
                if let Ok(rest) = path.strip_prefix(prefix) {
                    let depth = prefix.components().count();
                    if best.as_ref().is_none_or(|(_, d, _)| depth > *d) {
                        best = Some((i, depth, rest.to_path_buf()));
                    }
                }
            }
        }
        best.map(|(i, _, rest)| (i, rest))
    }

    /// The rest of an absolute symlink target below root `idx`, if it lies under it.
    fn strip_root(&self, idx: usize, target: &Path) -> Option<PathBuf> {
        let root = &self.roots[idx];
        [&root.path, &root.configured]
            .into_iter()
            .filter_map(|prefix| target.strip_prefix(prefix).ok())
            .min_by_key(|rest| rest.components().count())
            .map(Path::to_path_buf)
    }

    /// Walks `rel` beneath root `idx`, expanding symlinks, refusing every escape.
    fn walk(&self, idx: usize, rel: &Path, input: &str, follow_last: bool) -> FsResult<Walked> {
        let root = &self.roots[idx];
        let escape = || FsError::Escape {
            path: input.to_string(),
        };
        let mut pending: Vec<Step> = Vec::new();
        push_steps(&mut pending, rel);
        let mut done: Vec<OsString> = Vec::new();
        let mut existing = 0usize; // how many leading entries of `done` exist
        let mut links = 0usize;
        while let Some(step) = pending.pop() {
            let name = match step {
                Step::Up => {
                    done.pop().ok_or_else(escape)?;
                    existing = existing.min(done.len());
                    continue;
                }
                Step::Name(name) => name,
            };
            done.push(name);
            if existing + 1 < done.len() {
                continue; // below a missing component: nothing on disk to check
            }
            let here: PathBuf = done.iter().collect();
            let md = match root.dir.symlink_metadata(&here) {
                Ok(md) => md,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(map_io(&root.path.join(&here), e)),
            };
            if !md.is_symlink() || (!follow_last && pending.is_empty()) {
                existing = done.len();
                continue;
            }
            links += 1;
            if links > MAX_LINKS {
                return Err(FsError::SymlinkLoop {
                    path: input.to_string(),
                });
            }
            let target = root
                .dir
                .read_link_contents(&here)
                .map_err(|e| map_io(&root.path.join(&here), e))?;
            done.pop();
            if target.is_absolute() {
                let rest = self.strip_root(idx, &target).ok_or_else(escape)?;
                done.clear();
                existing = 0;
                push_steps(&mut pending, &rest);
            } else {
                push_steps(&mut pending, &target);
            }
        }
        Ok(Walked {
            exists: existing == done.len(),
            rel: done.iter().collect(),
        })
    }

    /// The roots that `allowed` selects: a sub-root when it lies inside a root, or
    /// whole roots that lie under it.
    fn narrow_one(&self, allowed: &Path) -> Vec<Root> {
        if !allowed.is_absolute() {
            return Vec::new();
        }
        let Some(text) = allowed.to_str() else {
            return Vec::new();
        };
        if let Ok(r) = self.resolve(text)
            && let Ok(dir) = self.open_dir(&r)
        {
            let configured = clean_absolute(allowed).unwrap_or_else(|| r.abs.clone());
            return vec![Root {
                path: r.abs,
                configured,
                dir,
            }];
        }
        let canonical = std::fs::canonicalize(allowed).ok();
        self.roots
            .iter()
            .filter(|root| {
                root.path.starts_with(allowed)
                    || root.configured.starts_with(allowed)
                    || canonical.as_ref().is_some_and(|c| root.path.starts_with(c))
            })
            .filter_map(|root| {
                Some(Root {
                    path: root.path.clone(),
                    configured: root.configured.clone(),
                    dir: root.dir.try_clone().ok()?,
                })
            })
            .collect()
    }
}

/// Canonicalizes and opens one configured root.
fn open_root(configured: &Path) -> FsResult<Root> {
    let bad = |reason: String| FsError::BadRoot {
        path: display(configured),
        reason,
    };
    if configured.as_os_str().is_empty() {
        return Err(bad("the path is empty".into()));
    }
    let path = std::fs::canonicalize(configured).map_err(|e| bad(describe_root_error(&e)))?;
    let dir = Dir::open_ambient_dir(&path, ambient_authority())
        .map_err(|e| bad(describe_root_error(&e)))?;
    let configured = std::path::absolute(configured)
        .ok()
        .and_then(|p| clean_absolute(&p))
        .unwrap_or_else(|| path.clone());
    Ok(Root {
        path,
        configured,
        dir,
    })
}

fn describe_root_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "it does not exist".into(),
        io::ErrorKind::NotADirectory => "it is not a directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// `p` without `.` components, when it is absolute and has no `..` (whose meaning
/// depends on symlinks, so such a spelling is not trusted as a prefix).
fn clean_absolute(p: &Path) -> Option<PathBuf> {
    if !p.is_absolute() || p.components().any(|c| c == Component::ParentDir) {
        return None;
    }
    Some(p.components().collect())
}

/// Pushes the components of `path` onto the stack so that the first one pops first.
fn push_steps(stack: &mut Vec<Step>, path: &Path) {
    let steps: Vec<Step> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(Step::Name(name.to_os_string())),
            Component::ParentDir => Some(Step::Up),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect();
    stack.extend(steps.into_iter().rev());
}

/// `a/b/../c` → `a/c`, without touching the filesystem (`..` above `/` stays at `/`).
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Read-only, non-blocking open options (`O_NONBLOCK` has no effect on regular files).
fn read_nonblocking() -> cap_std::fs::OpenOptions {
    use cap_std::fs::OpenOptionsExt as _;
    let mut options = cap_std::fs::OpenOptions::new();
    options.read(true);
    options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    options
}

fn check_regular_file(ft: &cap_std::fs::FileType, path: &Path) -> FsResult<()> {
    if ft.is_file() {
        return Ok(());
    }
    if ft.is_dir() {
        return Err(FsError::IsADirectory {
            path: display(path),
        });
    }
    let kind = match crate::format::kind_name(ft) {
        "symlink" | "other" => "special file",
        kind => kind,
    };
    Err(FsError::NotAFile {
        path: display(path),
        kind,
    })
}

/// Maps an I/O error from a cap-std call, recognising escapes and link loops.
pub(crate) fn map_io(path: &Path, e: io::Error) -> FsError {
    if is_escape(&e) {
        FsError::Escape {
            path: display(path),
        }
    } else if is_loop(&e) {
        FsError::SymlinkLoop {
            path: display(path),
        }
    } else {
        FsError::io(path, e)
    }
}

/// cap-std reports any attempt to leave the root this way (including the kernel's
/// `EXDEV` from `openat2(RESOLVE_BENEATH)`).
fn is_escape(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::PermissionDenied
        && e.get_ref()
            .is_some_and(|inner| inner.to_string().contains("outside of the filesystem"))
}

fn is_loop(e: &io::Error) -> bool {
    // `ErrorKind::FilesystemLoop` is not stable; ELOOP is 40 on Linux, 62 on the BSDs.
    let eloop = if cfg!(target_os = "linux") { 40 } else { 62 };
    e.raw_os_error() == Some(eloop)
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

fn join_display<'a>(paths: impl Iterator<Item = &'a Path>) -> String {
    paths.map(display).collect::<Vec<_>>().join(", ")
}

mod remove;
mod slot;
mod temp;
mod tree;
pub use remove::*;
pub use slot::*;
pub use temp::*;
pub use tree::*;

#[cfg(test)]
mod write_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, Sandbox) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/f.txt"), "in").unwrap();
        std::fs::write(t.path().join("secret"), "out").unwrap();
        let sb = Sandbox::open(&[root]).unwrap();
        (t, sb)
    }

    #[test]
    fn relative_and_absolute_resolve_to_same_rel() {
        let (_t, sb) = setup();
        let a = sb.resolve("sub/f.txt").unwrap();
        let abs = sb.roots()[0].path.join("sub/f.txt");
        let b = sb.resolve(abs.to_str().unwrap()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.rel, PathBuf::from("sub/f.txt"));
        assert_eq!(a.abs, abs);
    }

    #[test]
    fn root_itself_resolves_to_empty_rel() {
        let (_t, sb) = setup();
        for input in ["", ".", "sub/..", "./sub/../."] {
            let r = sb.resolve(input).unwrap();
            assert!(r.rel.as_os_str().is_empty(), "{input}");
            assert_eq!(r.abs, sb.roots()[0].path);
        }
    }

    #[test]
    fn dotdot_after_missing_component_is_lexical() {
        let (_t, sb) = setup();
        let r = sb.resolve("missing/../sub/f.txt").unwrap();
        assert_eq!(r.rel, PathBuf::from("sub/f.txt"));
        assert!(matches!(
            sb.resolve("missing/../../secret"),
            Err(FsError::Escape { .. })
        ));
    }

    #[test]
    fn in_root_link_is_canonicalized() {
        let (_t, sb) = setup();
        let root = sb.roots()[0].path.clone();
        symlink("sub", root.join("l")).unwrap();
        symlink(root.join("sub/f.txt"), root.join("abs")).unwrap();
        assert_eq!(
            sb.resolve("l/f.txt").unwrap().rel,
            PathBuf::from("sub/f.txt")
        );
        assert_eq!(sb.resolve("abs").unwrap().rel, PathBuf::from("sub/f.txt"));
    }

    #[test]
    fn from_host_path_rejects_dotdot_and_outside() {
        let (t, sb) = setup();
        let root = sb.roots()[0].path.clone();
        let r = sb.from_host_path(&root.join("sub/f.txt")).unwrap();
        assert_eq!(r.rel, PathBuf::from("sub/f.txt"));
        assert!(sb.from_host_path(&root.join("../secret")).is_none());
        assert!(sb.from_host_path(&t.path().join("secret")).is_none());
        assert!(sb.from_host_path(Path::new("sub/f.txt")).is_none());
        assert_eq!(sb.from_host_path(&root).unwrap().rel, PathBuf::new());
    }

    #[test]
    fn open_reports_missing_root_and_file_root() {
        let (t, _sb) = setup();
        let err = Sandbox::open(&[t.path().join("nope")]).err().unwrap();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = Sandbox::open(&[t.path().join("secret")]).err().unwrap();
        assert!(err.to_string().contains("not a directory"), "{err}");
    }

    #[test]
    fn open_file_refuses_directory_and_fifo() {
        let (_t, sb) = setup();
        let r = sb.resolve("sub").unwrap();
        assert!(matches!(
            sb.open_file(&r),
            Err(FsError::IsADirectory { .. })
        ));
        let root = sb.resolve("").unwrap();
        assert!(matches!(
            sb.open_file(&root),
            Err(FsError::IsADirectory { .. })
        ));
        let fifo = sb.roots()[0].path.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let r = sb.resolve("fifo").unwrap();
            assert!(matches!(sb.open_file(&r), Err(FsError::NotAFile { .. })));
        }
    }

    #[test]
    fn narrowed_to_ancestor_keeps_whole_root() {
        let (t, sb) = setup();
        let n = sb.narrowed(&[t.path().to_path_buf()]).unwrap();
        assert_eq!(n.roots().len(), 1);
        assert_eq!(n.roots()[0].path, sb.roots()[0].path);
    }
}

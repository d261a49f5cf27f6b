//! Temporary entries and how they are committed: an atomic write's file (anonymous
//! with `O_TMPFILE` where it can be, named otherwise) linked or renamed into place,
//! and a copied tree's directory renamed into place when complete.

use super::*;

/// Marks the temporary entries fs-server creates next to a target: an atomic
/// write's file while it is being linked into place (normally the file is anonymous
/// until then), a copied directory before it is renamed into place, and a directory
/// being deleted. Names look like `.NAME.fs-server-tmp-0123456789ab`. One left
/// behind means the server was killed mid-operation; it is safe to delete.
pub const TEMP_MARKER: &str = "fs-server-tmp-";

/// Flushes a directory's entries to disk (best effort: after a rename the change
/// is made, and failing the call then would misreport it).
pub(super) fn sync_dir(dir: &Dir) {
    use rustix::fs::{Mode, OFlags, fsync, openat};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if let Ok(fd) = openat(dir, ".", flags, Mode::empty())
        && let Err(e) = fsync(&fd)
    {
        tracing::warn!(error = %e, "fsync of a directory failed");
    }
}

/// `.NAME.fs-server-tmp-RANDOM`, within the 255-byte name limit.
pub(super) fn temp_name(target: &std::ffi::OsStr) -> OsString {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(nanos);
    let base = target.to_string_lossy();
    let mut cut = base.len().min(200);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    let random = h.finish() & 0xffff_ffff_ffff;
    OsString::from(format!(".{}.{TEMP_MARKER}{random:012x}", &base[..cut]))
}

/// Whether `/proc/self/fd` is there, so an anonymous (`O_TMPFILE`) file can be
/// given a name by linking its descriptor's magic link.
#[cfg(target_os = "linux")]
fn proc_fd_available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| Path::new("/proc/self/fd").is_dir())
}

/// An unnamed file in `dir` (`O_TMPFILE`), when the kernel and filesystem support
/// it and `/proc` is there to name it later: killed mid-write, it leaves nothing.
#[cfg(target_os = "linux")]
fn open_anonymous(dir: &Dir, mode: rustix::fs::Mode) -> Option<std::os::fd::OwnedFd> {
    use rustix::fs::{OFlags, openat};
    #[cfg(test)]
    if super::write_tests::NAMED_ONLY.get() {
        return None;
    }
    if !proc_fd_available() {
        return None;
    }
    let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
    openat(dir, ".", flags, mode).ok()
}

#[cfg(not(target_os = "linux"))]
fn open_anonymous(_dir: &Dir, _mode: rustix::fs::Mode) -> Option<std::os::fd::OwnedFd> {
    None
}

/// The temporary file of an atomic write; removed on drop unless committed.
pub(super) struct TempFile<'a> {
    dir: &'a Dir,
    pub(super) file: std::fs::File,
    /// Its name while it has one (anonymous files have none until linked).
    name: Option<OsString>,
    target: OsString,
}

impl<'a> TempFile<'a> {
    /// An exclusive new file with permission bits `mode` (default 0o666 less the
    /// umask); it is created 0o600 and given `mode` before any content is written.
    pub(super) fn create(
        dir: &'a Dir,
        target: &std::ffi::OsStr,
        mode: Option<u32>,
    ) -> io::Result<Self> {
        use rustix::fs::{Mode, fchmod};
        let create_mode = Mode::from_raw_mode(if mode.is_some() { 0o600 } else { 0o666 });
        let anonymous = open_anonymous(dir, create_mode);
        let (fd, name) = match anonymous {
            Some(fd) => (fd, None),
            None => {
                let (fd, name) = create_named(dir, target, create_mode)?;
                (fd, Some(name))
            }
        };
        let temp = Self {
            dir,
            file: std::fs::File::from(fd),
            name,
            target: target.to_os_string(),
        };
        if let Some(m) = mode {
            fchmod(&temp.file, Mode::from_raw_mode(m))?;
        }
        Ok(temp)
    }

    /// Gives the file a temporary name if it has none, renames it over `target`
    /// (or, with `no_replace`, onto it only if nothing is there), fsyncs the directory.
    pub(super) fn commit(mut self, target: &std::ffi::OsStr, no_replace: bool) -> io::Result<()> {
        use rustix::fs::{RenameFlags, renameat, renameat_with};
        let name = match self.name.clone() {
            Some(name) => name,
            None => self.link_anonymous()?,
        };
        let result = if no_replace {
            renameat_with(self.dir, &name, self.dir, target, RenameFlags::NOREPLACE).or_else(|e| {
                match e {
                    rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS => {
                        match rustix::fs::statat(
                            self.dir,
                            target,
                            rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
                        ) {
                            Ok(_) => Err(rustix::io::Errno::EXIST),
                            Err(_) => renameat(self.dir, &name, self.dir, target),
                        }
                    }
                    other => Err(other),
                }
            })
        } else {
            renameat(self.dir, &name, self.dir, target)
        };
        result?;
        self.name = None;
        sync_dir(self.dir);
        Ok(())
    }

    /// Links the anonymous file into the directory under a fresh temporary name.
    fn link_anonymous(&mut self) -> io::Result<OsString> {
        use rustix::fs::{AtFlags, CWD, linkat};
        use std::os::fd::AsRawFd;
        let magic = format!("/proc/self/fd/{}", self.file.as_raw_fd());
        for _ in 0..16 {
            let name = temp_name(&self.target);
            match linkat(
                CWD,
                magic.as_str(),
                self.dir,
                &name,
                AtFlags::SYMLINK_FOLLOW,
            ) {
                Ok(()) => {
                    self.name = Some(name.clone());
                    return Ok(name);
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(io::Error::other("could not find a free temporary name"))
    }
}

impl Drop for TempFile<'_> {
    fn drop(&mut self) {
        if let Some(name) = &self.name {
            let _ = rustix::fs::unlinkat(self.dir, name, rustix::fs::AtFlags::empty());
        }
    }
}

/// Creates `.TARGET.fs-server-tmp-RANDOM` exclusively (retrying on a name clash).
fn create_named(
    dir: &Dir,
    target: &std::ffi::OsStr,
    mode: rustix::fs::Mode,
) -> io::Result<(std::os::fd::OwnedFd, OsString)> {
    use rustix::fs::{OFlags, openat};
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    for _ in 0..16 {
        let name = temp_name(target);
        match openat(dir, &name, flags, mode) {
            Ok(fd) => return Ok((fd, name)),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(io::Error::other("could not find a free temporary name"))
}

/// A temporary directory next to a copy's destination; removed with its contents on
/// drop unless committed.
pub(super) struct TempDir<'a> {
    dir: &'a Dir,
    pub(super) name: OsString,
    committed: bool,
}

impl<'a> TempDir<'a> {
    pub(super) fn create(dir: &'a Dir, target: &std::ffi::OsStr) -> io::Result<Self> {
        use rustix::fs::{Mode, mkdirat};
        for _ in 0..16 {
            let name = temp_name(target);
            match mkdirat(dir, &name, Mode::from_raw_mode(0o700)) {
                Ok(()) => {
                    return Ok(Self {
                        dir,
                        name,
                        committed: false,
                    });
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(io::Error::other("could not find a free temporary name"))
    }

    /// Renames the finished tree onto `to` (which must still not exist).
    pub(super) fn commit(mut self, to: &Slot) -> FsResult<()> {
        use rustix::fs::{RenameFlags, renameat_with};
        match renameat_with(
            self.dir,
            &self.name,
            self.dir,
            &to.name,
            RenameFlags::NOREPLACE,
        ) {
            Ok(()) => {}
            Err(rustix::io::Errno::EXIST | rustix::io::Errno::NOTEMPTY) => {
                let kind = to.info()?.map_or(EntryKind::Dir, |i| i.kind);
                return Err(to.exists(kind));
            }
            Err(e) => return Err(to.io(e.into())),
        }
        self.committed = true;
        sync_dir(self.dir);
        Ok(())
    }
}

impl Drop for TempDir<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let _ = self.dir.remove_dir_all(&self.name);
        }
    }
}

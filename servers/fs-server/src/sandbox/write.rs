//! The write side of the sandbox: creating, replacing, appending, moving, copying and
//! removing entries beneath a root handle.
//!
//! Writes resolve like reads ([`Sandbox::resolve`] follows in-root links and refuses
//! any that lead out, dangling ones included), then open the PARENT directory
//! beneath the root handle and act on the final name only, with `*at` calls on that
//! handle that never follow a final symbolic link. A component swapped for a link
//! after resolution therefore cannot redirect a write outside the root.

use super::*;

/// Marks the temporary entries fs-server creates next to a target: an atomic
/// write's file while it is being linked into place (normally the file is anonymous
/// until then), a copied directory before it is renamed into place, and a directory
/// being deleted. Names look like `.NAME.fs-server-tmp-0123456789ab`. One left
/// behind means the server was killed mid-operation; it is safe to delete.
pub const TEMP_MARKER: &str = "fs-server-tmp-";

/// Permission bits a rewritten or copied file keeps: setuid and setgid are dropped,
/// as the kernel drops them when a file is written by a non-root user.
const KEEP_FILE_BITS: u32 = 0o1777;
/// Permission bits a copied directory keeps (setgid, which directs group
/// inheritance, and the sticky bit included).
const KEEP_DIR_BITS: u32 = 0o3777;
const SETID_BITS: u32 = 0o6000;

/// What an entry is, not following a final symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// FIFO, socket or device, with its name.
    Special(&'static str),
}

impl EntryKind {
    /// "a file", "a directory", ... for messages.
    pub fn describe(self) -> &'static str {
        match self {
            EntryKind::File => "a file",
            EntryKind::Dir => "a directory",
            EntryKind::Symlink => "a symbolic link",
            EntryKind::Special(kind) => kind,
        }
    }
}

/// An existing entry's type and the metadata a rewrite preserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryInfo {
    pub kind: EntryKind,
    pub size: u64,
    /// Permission bits (`& 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u64,
}

impl EntryInfo {
    fn from_stat(st: &rustix::fs::Stat) -> Self {
        use rustix::fs::FileType as T;
        let kind = match T::from_raw_mode(st.st_mode) {
            T::RegularFile => EntryKind::File,
            T::Directory => EntryKind::Dir,
            T::Symlink => EntryKind::Symlink,
            T::Fifo => EntryKind::Special("a named pipe (FIFO)"),
            T::Socket => EntryKind::Special("a socket"),
            T::BlockDevice => EntryKind::Special("a block device"),
            T::CharacterDevice => EntryKind::Special("a character device"),
            T::Unknown => EntryKind::Special("a special file"),
        };
        Self {
            kind,
            size: u64::try_from(st.st_size).unwrap_or(0),
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            #[allow(clippy::useless_conversion)]
            nlink: u64::from(st.st_nlink),
        }
    }
}

/// An entry to create, replace, rename or remove: its parent directory, held open
/// beneath the root, and its single-component name. Every operation on a slot is a
/// `*at` call on that handle with that one name, never following a final link.
pub struct Slot {
    dir: Dir,
    name: OsString,
    /// The entry's resolved path: root, `rel` and host path (for messages and locks).
    pub target: Resolved,
}

/// How [`Slot::write_atomic`] treats an existing file and a new file's mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Replace an existing file (else an existing entry is `AlreadyExists`).
    pub overwrite: bool,
    /// Permission bits of a newly created file (default: 0o666 less the umask). A
    /// replaced file always keeps its own.
    pub mode_if_new: Option<u32>,
}

/// What an atomic write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Whether the file was new (else an existing file was replaced).
    pub created: bool,
    pub bytes: u64,
    /// Size of the file replaced.
    pub previous_size: Option<u64>,
    /// Permission bits of the file now.
    pub mode: u32,
    /// Anything the caller should tell the user (lost hard links, owner not kept...).
    pub notes: Vec<String>,
}

/// An exclusive advisory lock (`flock`) on the file at a slot, held until dropped.
/// Every fs-server process takes it around a read-check-write of a file, so two
/// servers (two agents) cannot interleave theirs; the in-process path lock of the
/// write tools covers the rest.
pub struct FileLock {
    file: std::fs::File,
}

impl FileLock {
    /// The locked file, read from its start.
    pub fn reader(&mut self) -> io::Result<&mut std::fs::File> {
        use std::io::{Seek, SeekFrom};
        self.file.seek(SeekFrom::Start(0))?;
        Ok(&mut self.file)
    }
}

/// Longest wait for another process's [`FileLock`].
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub created: bool,
    pub previous_size: u64,
    pub bytes: u64,
    /// The file was not empty and its last byte was not `\n` before the append.
    pub joined_last_line: bool,
}

/// Counts over a directory tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeStats {
    pub files: u64,
    pub dirs: u64,
    pub links: u64,
    pub special: u64,
    pub bytes: u64,
    /// Counting stopped at the limit; the real numbers are larger.
    pub incomplete: bool,
}

impl TreeStats {
    /// Entries counted, excluding the top directory itself.
    pub fn entries(&self) -> u64 {
        self.files + self.dirs + self.links + self.special
    }
}

/// What [`Sandbox::copy_tree`] copied and left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub stats: TreeStats,
    /// Entries not copied, each with the reason.
    pub skipped: Vec<String>,
}

/// What [`Slot::remove`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub kind: EntryKind,
    /// For a directory: what was inside it.
    pub contents: TreeStats,
    /// For a file: its size.
    pub size: u64,
}

impl Sandbox {
    /// Resolves a path to create or replace. In-root symbolic links are followed (a
    /// write through a link writes its in-root target); links that lead out of the
    /// root, including dangling ones (CVE-2025-53109), are refused, as are `..`
    /// escapes and the roots themselves. With several roots, relative input goes to
    /// the first root where the path exists, else where its parent directory exists,
    /// else the first root.
    pub fn resolve_for_write(&self, input: &str) -> FsResult<Resolved> {
        let r = self.resolve_creatable(input, true)?;
        self.refuse_root(&r, "replaced")?;
        Ok(r)
    }

    /// Resolves a path naming an entry itself: a final symbolic link is not followed
    /// (moving or deleting a link acts on the link). Roots, and entries holding a
    /// root, are refused; `action` words the refusal ("deleted", "moved").
    pub fn resolve_entry(&self, input: &str, action: &'static str) -> FsResult<Resolved> {
        let r = self.resolve_creatable(input, false)?;
        self.refuse_root(&r, action)?;
        Ok(r)
    }

    /// Refuses a root, or an entry that contains one (roots may nest).
    pub fn refuse_root(&self, r: &Resolved, action: &'static str) -> FsResult<()> {
        let holds_root = self.roots.iter().any(|root| root.path.starts_with(&r.abs));
        if r.rel.as_os_str().is_empty() || holds_root {
            return Err(FsError::RootProtected {
                path: display(&r.abs),
                action,
            });
        }
        Ok(())
    }

    fn resolve_creatable(&self, input: &str, follow_last: bool) -> FsResult<Resolved> {
        let path = Path::new(input);
        if self.roots.len() < 2 || path.is_absolute() || input.contains('\0') {
            return self.resolve_with(input, follow_last);
        }
        let mut parent_hit = None;
        for root in 0..self.roots.len() {
            let Ok(w) = self.walk(root, path, input, follow_last) else {
                continue;
            };
            if w.exists {
                return Ok(self.resolved(root, w.rel));
            }
            if parent_hit.is_none() && self.is_dir_beneath(root, w.rel.parent()) {
                parent_hit = Some((root, w.rel));
            }
        }
        match parent_hit {
            Some((root, rel)) => Ok(self.resolved(root, rel)),
            None => self.resolve_with(input, follow_last),
        }
    }

    fn is_dir_beneath(&self, root: usize, rel: Option<&Path>) -> bool {
        let dir = &self.roots[root].dir;
        match rel {
            None => false,
            Some(p) if p.as_os_str().is_empty() => true,
            Some(p) => dir.metadata(p).is_ok_and(|m| m.is_dir()),
        }
    }

    /// The [`Slot`] of `r`: its parent directory opened beneath the root. The parent
    /// must exist, unless `create_parents`, when the missing directories are created
    /// beneath the root; they are returned (host paths, outermost first).
    pub fn slot(&self, r: &Resolved, create_parents: bool) -> FsResult<(Slot, Vec<PathBuf>)> {
        let root = self.root_of(r)?;
        let name = r
            .rel
            .file_name()
            .ok_or_else(|| FsError::RootProtected {
                path: display(&r.abs),
                action: "replaced",
            })?
            .to_os_string();
        let parent = r.rel.parent().unwrap_or(Path::new(""));
        let created = if create_parents {
            self.create_dirs(r.root, parent)?
        } else {
            Vec::new()
        };
        let dir = open_dir_beneath(&root.dir, parent).map_err(|e| {
            let parent_abs = root.path.join(parent);
            match e.kind() {
                io::ErrorKind::NotFound => FsError::ParentMissing {
                    path: display(&r.abs),
                    parent: display(&parent_abs),
                },
                _ => map_io(&parent_abs, e),
            }
        })?;
        let slot = Slot {
            dir,
            name,
            target: r.clone(),
        };
        Ok((slot, created))
    }

    /// Creates the directory `r` and any missing parents, beneath the root. Returns
    /// the directories that were created (none when it already existed). An existing
    /// non-directory on the way is `NotADirectory`, or `AlreadyExists` at the end.
    pub fn create_dir_all(&self, r: &Resolved) -> FsResult<Vec<PathBuf>> {
        let root = self.root_of(r)?;
        if let Ok(md) = root.dir.symlink_metadata(&r.rel)
            && !md.is_dir()
            && !root.dir.metadata(&r.rel).is_ok_and(|m| m.is_dir())
        {
            return Err(FsError::AlreadyExists {
                path: display(&r.abs),
                kind: kind_of(&md.file_type()).describe(),
                hint: "Choose another name for the directory.".into(),
            });
        }
        self.create_dirs(r.root, &r.rel)
    }

    fn create_dirs(&self, idx: usize, rel: &Path) -> FsResult<Vec<PathBuf>> {
        let root = &self.roots[idx];
        let mut missing = Vec::new();
        let mut prefix = PathBuf::new();
        for c in rel.components() {
            prefix.push(c);
            if !missing.is_empty() {
                missing.push(prefix.clone());
                continue;
            }
            match root.dir.metadata(&prefix) {
                Ok(md) if md.is_dir() => {}
                Ok(_) => {
                    return Err(FsError::NotADirectory {
                        path: display(&root.path.join(&prefix)),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(prefix.clone()),
                Err(e) => return Err(map_io(&root.path.join(&prefix), e)),
            }
        }
        if missing.is_empty() {
            return Ok(missing);
        }
        root.dir
            .create_dir_all(rel)
            .map_err(|e| map_io(&root.path.join(rel), e))?;
        Ok(missing.iter().map(|p| root.path.join(p)).collect())
    }

    /// Copies the directory at `from` to the new entry `to`, which must not exist.
    /// The copy is built under a temporary name next to `to` and renamed into place
    /// when complete, so `to` never holds a partial tree. Files keep their permission
    /// bits (less setuid/setgid); symbolic links are copied as links when they still
    /// resolve inside the roots from their new place, otherwise left out and listed,
    /// as are FIFOs, sockets and devices. More than `max_entries` entries is refused.
    pub fn copy_tree(&self, from: &Slot, to: &Slot, max_entries: u64) -> FsResult<CopyReport> {
        let info = from.info()?.ok_or_else(|| from.not_found())?;
        let temp = TempDir::create(&to.dir, &to.name).map_err(|e| to.io(e))?;
        let mut copier = TreeCopy {
            sandbox: self,
            from,
            to,
            temp: &temp.name,
            max_entries,
            report: CopyReport::default(),
            dir_modes: Vec::new(),
        };
        copier.run()?;
        let report = copier.finish(info.mode)?;
        // Data and the tree's entries reach the disk before the tree gets its name.
        #[cfg(target_os = "linux")]
        let _ = rustix::fs::syncfs(&to.dir);
        temp.commit(to)?;
        Ok(report)
    }

    /// Counts what the directory at `slot` holds (not following links), stopping
    /// after `limit` entries.
    pub fn tree_stats(&self, slot: &Slot, limit: u64) -> FsResult<TreeStats> {
        count_tree(&slot.dir, Path::new(&slot.name), limit).map_err(|e| slot.io(e))
    }

    /// Whether the entry at `r` (a symbolic link, say) resolves inside the roots,
    /// following every link; a dangling in-root target counts as inside.
    pub fn stays_inside(&self, r: &Resolved) -> bool {
        self.walk(r.root, &r.rel, &display(&r.abs), true).is_ok()
    }
}

/// The directory `rel` beneath `root` (a clone of the root handle for `""`).
fn open_dir_beneath(root: &Dir, rel: &Path) -> io::Result<Dir> {
    if rel.as_os_str().is_empty() {
        root.try_clone()
    } else {
        root.open_dir(rel)
    }
}

fn kind_of(ft: &cap_std::fs::FileType) -> EntryKind {
    if ft.is_file() {
        EntryKind::File
    } else if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_fifo() {
        EntryKind::Special("a named pipe (FIFO)")
    } else if ft.is_socket() {
        EntryKind::Special("a socket")
    } else {
        EntryKind::Special("a device or special file")
    }
}

impl Slot {
    /// Host path of the entry.
    pub fn path(&self) -> &Path {
        &self.target.abs
    }

    /// The entry's current type and metadata, `None` when it does not exist.
    pub fn info(&self) -> FsResult<Option<EntryInfo>> {
        use rustix::fs::{AtFlags, statat};
        match statat(&self.dir, &self.name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(EntryInfo::from_stat(&st))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(self.io(e.into())),
        }
    }

    /// Opens the existing regular file for reading (`None` when nothing is there).
    /// A symbolic link there now (swapped in after resolution) is `Raced`; any other
    /// non-file is `NotARegularFile` (or `WouldReplaceDirectory`), naming `action`.
    pub fn open_read(&self, action: &'static str) -> FsResult<Option<std::fs::File>> {
        use rustix::fs::{Mode, OFlags, openat};
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = match openat(&self.dir, &self.name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(rustix::io::Errno::LOOP) => return Err(self.raced("it is now a symbolic link")),
            Err(e) => return Err(self.io(e.into())),
        };
        let st = rustix::fs::fstat(&fd).map_err(|e| self.io(e.into()))?;
        self.ensure_file(&EntryInfo::from_stat(&st), action)?;
        Ok(Some(std::fs::File::from(fd)))
    }

    /// Locks the regular file now at this slot (see [`FileLock`]), waiting up to
    /// ten seconds for another holder; `None` when nothing is there. The lock is on
    /// the file itself, so if the file was replaced (renamed over) while we waited,
    /// the new one is opened and locked instead.
    pub fn lock_file(&self, action: &'static str) -> FsResult<Option<FileLock>> {
        use rustix::fs::{AtFlags, FlockOperation, flock, fstat, statat};
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            let Some(file) = self.open_read(action)? else {
                return Ok(None);
            };
            loop {
                match flock(&file, FlockOperation::NonBlockingLockExclusive) {
                    Ok(()) => break,
                    Err(rustix::io::Errno::WOULDBLOCK) if std::time::Instant::now() < deadline => {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    Err(rustix::io::Errno::WOULDBLOCK) => {
                        return Err(
                            self.raced("another program has held a lock on it for over 10 s")
                        );
                    }
                    Err(e) => return Err(self.io(e.into())),
                }
            }
            let held = fstat(&file).map_err(|e| self.io(e.into()))?;
            match statat(&self.dir, &self.name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(now) if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino) => {
                    return Ok(Some(FileLock { file }));
                }
                Ok(_) | Err(rustix::io::Errno::NOENT) => {} // replaced meanwhile: again
                Err(e) => return Err(self.io(e.into())),
            }
        }
    }

    /// Refuses anything but a regular file (what is there is described by `info`).
    pub fn ensure_file(&self, info: &EntryInfo, action: &'static str) -> FsResult<()> {
        match info.kind {
            EntryKind::File => Ok(()),
            EntryKind::Dir => Err(FsError::WouldReplaceDirectory {
                path: display(self.path()),
                action,
            }),
            EntryKind::Symlink => Err(self.raced("it is now a symbolic link")),
            EntryKind::Special(kind) => Err(FsError::NotARegularFile {
                path: display(self.path()),
                kind,
                action,
            }),
        }
    }

    /// Writes a file atomically: the content goes to a temporary file in the same
    /// directory (anonymous where the kernel supports `O_TMPFILE`, else named
    /// `.NAME.fs-server-tmp-RANDOM`), created exclusively, given the permission
    /// bits first (an existing file's own, less setuid/setgid), filled by `fill`,
    /// fsynced, given the existing file's owner when possible, then renamed over
    /// the target (never replacing anything unless `opts.overwrite`), and the
    /// directory is fsynced. A crash at any point leaves the old file or the new
    /// one, never a mix. Hard links to the old file keep the old content.
    pub fn write_atomic(
        &self,
        opts: WriteOptions,
        fill: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
    ) -> FsResult<Written> {
        let existing = self.info()?;
        if let Some(info) = &existing {
            if !opts.overwrite {
                return Err(self.exists(info.kind));
            }
            self.ensure_file(info, "writing")?;
        }
        let mode = match existing {
            Some(info) => Some(info.mode & KEEP_FILE_BITS),
            None => opts.mode_if_new.map(|m| m & KEEP_FILE_BITS),
        };
        let mut temp = TempFile::create(&self.dir, &self.name, mode).map_err(|e| self.io(e))?;
        fill(&mut temp.file).map_err(|e| self.io(e))?;
        temp.file.sync_all().map_err(|e| self.io(e))?;
        let mut notes = Vec::new();
        if let Some(info) = &existing {
            notes.extend(keep_owner(&temp.file, info));
            notes.extend(replace_notes(info));
        }
        let st = rustix::fs::fstat(&temp.file).map_err(|e| self.io(e.into()))?;
        let bytes = u64::try_from(st.st_size).unwrap_or(0);
        temp.commit(&self.name, !opts.overwrite)
            .map_err(|e| self.commit_error(e))?;
        Ok(Written {
            created: existing.is_none(),
            bytes,
            previous_size: existing.map(|i| i.size),
            mode: st.st_mode & 0o7777,
            notes,
        })
    }

    /// Appends `content` in place (`O_APPEND`, then fdatasync), creating the file
    /// when `create`. The file keeps its inode, links, owner and mode; a crash in the
    /// middle of the append can leave part of it written.
    pub fn append(&self, content: &[u8], create: bool) -> FsResult<Appended> {
        use std::io::{Read, Seek, SeekFrom, Write};
        let (fd, created) = self.open_append(create)?;
        let st = rustix::fs::fstat(&fd).map_err(|e| self.io(e.into()))?;
        let info = EntryInfo::from_stat(&st);
        self.ensure_file(&info, "append_file")?;
        let mut file = std::fs::File::from(fd);
        let mut joined_last_line = false;
        if info.size > 0 && file.seek(SeekFrom::Start(info.size - 1)).is_ok() {
            let mut last = [0u8; 1];
            joined_last_line = file.read_exact(&mut last).is_ok() && last[0] != b'\n';
        }
        file.write_all(content).map_err(|e| self.io(e))?;
        file.sync_data().map_err(|e| self.io(e))?;
        if created {
            sync_dir(&self.dir);
        }
        Ok(Appended {
            created,
            previous_size: info.size,
            bytes: content.len() as u64,
            joined_last_line,
        })
    }

    fn open_append(&self, create: bool) -> FsResult<(std::os::fd::OwnedFd, bool)> {
        use rustix::fs::{Mode, OFlags, openat};
        use rustix::io::Errno;
        let base = OFlags::APPEND | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let mode = Mode::from_raw_mode(0o666);
        let open = |access: OFlags, extra: OFlags| {
            openat(&self.dir, &self.name, base | access | extra, mode).or_else(|e| {
                // A file we may write but not read: append without the newline check.
                if e == Errno::ACCESS && access == OFlags::RDWR {
                    openat(&self.dir, &self.name, base | OFlags::WRONLY | extra, mode)
                } else {
                    Err(e)
                }
            })
        };
        if create {
            match open(OFlags::RDWR, OFlags::CREATE | OFlags::EXCL) {
                Ok(fd) => return Ok((fd, true)),
                Err(Errno::EXIST) => {}
                Err(e) => return Err(self.io(e.into())),
            }
        }
        match open(OFlags::RDWR, OFlags::empty()) {
            Ok(fd) => Ok((fd, false)),
            Err(Errno::LOOP) => Err(self.raced("it is now a symbolic link")),
            Err(Errno::NXIO) => Err(FsError::NotARegularFile {
                path: display(self.path()),
                kind: "a named pipe (FIFO) or socket",
                action: "append_file",
            }),
            Err(e) => Err(self.io(e.into())),
        }
    }

    /// Renames this entry to `to` (another slot, possibly under another root):
    /// atomic, and with `overwrite` false it never replaces anything (`renameat2`
    /// with `RENAME_NOREPLACE`; where the filesystem lacks it, the caller's lock
    /// makes the check-then-rename safe against this server's other calls).
    /// Different filesystems are `CannotMove`.
    pub fn rename_to(&self, to: &Slot, overwrite: bool) -> FsResult<()> {
        use rustix::fs::{RenameFlags, renameat, renameat_with};
        use rustix::io::Errno;
        let flags = if overwrite {
            RenameFlags::empty()
        } else {
            RenameFlags::NOREPLACE
        };
        let result = match renameat_with(&self.dir, &self.name, &to.dir, &to.name, flags) {
            Err(Errno::INVAL | Errno::NOSYS) if !overwrite => match to.info()? {
                Some(info) => return Err(to.exists(info.kind)),
                None => renameat(&self.dir, &self.name, &to.dir, &to.name),
            },
            other => other,
        };
        match result {
            Ok(()) => {
                sync_dir(&to.dir);
                sync_dir(&self.dir);
                Ok(())
            }
            Err(Errno::EXIST) | Err(Errno::NOTEMPTY) => {
                let kind = to.info()?.map_or(EntryKind::Dir, |i| i.kind);
                Err(to.exists(kind))
            }
            Err(Errno::XDEV) => Err(FsError::CannotMove {
                from: display(self.path()),
                to: display(to.path()),
                reason: "they are on different filesystems, so it cannot be a rename".into(),
            }),
            Err(Errno::NOENT) => Err(self.not_found()),
            Err(e) => Err(self.io(e.into())),
        }
    }

    /// Removes the entry: a file, link or special file; an empty directory; a
    /// non-empty directory only when `recursive` (else `DirectoryNotEmpty`). A tree
    /// is first renamed to a temporary name, so the path disappears at once and a
    /// removal that fails part-way is renamed back.
    pub fn remove(&self, recursive: bool) -> FsResult<Removed> {
        use rustix::fs::{AtFlags, unlinkat};
        use rustix::io::Errno;
        let info = self.info()?.ok_or_else(|| self.not_found())?;
        let mut removed = Removed {
            kind: info.kind,
            contents: TreeStats::default(),
            size: info.size,
        };
        if info.kind != EntryKind::Dir {
            unlinkat(&self.dir, &self.name, AtFlags::empty()).map_err(|e| self.io(e.into()))?;
            sync_dir(&self.dir);
            return Ok(removed);
        }
        match unlinkat(&self.dir, &self.name, AtFlags::REMOVEDIR) {
            Ok(()) => {
                sync_dir(&self.dir);
                return Ok(removed);
            }
            Err(Errno::NOTEMPTY | Errno::EXIST) => {}
            Err(e) => return Err(self.io(e.into())),
        }
        let contents =
            count_tree(&self.dir, Path::new(&self.name), u64::MAX).map_err(|e| self.io(e))?;
        if !recursive {
            return Err(FsError::DirectoryNotEmpty {
                path: display(self.path()),
                entries: usize::try_from(contents.entries()).unwrap_or(usize::MAX),
            });
        }
        removed.contents = contents;
        self.remove_tree()?;
        Ok(removed)
    }

    fn remove_tree(&self) -> FsResult<()> {
        use rustix::fs::{RenameFlags, renameat_with};
        let temp = temp_name(&self.name);
        renameat_with(
            &self.dir,
            &self.name,
            &self.dir,
            &temp,
            RenameFlags::NOREPLACE,
        )
        .map_err(|e| self.io(e.into()))?;
        if let Err(e) = self.dir.remove_dir_all(&temp) {
            // Put back what is left, so the failure is visible where it was.
            let back = renameat_with(
                &self.dir,
                &temp,
                &self.dir,
                &self.name,
                RenameFlags::NOREPLACE,
            );
            let extra = if back.is_err() {
                format!(
                    " (what is left is at {})",
                    display(&self.path().with_file_name(&temp))
                )
            } else {
                " (what is left is back at its path)".to_string()
            };
            return Err(FsError::Io {
                path: format!("{}{extra}", display(self.path())),
                source: e,
            });
        }
        sync_dir(&self.dir);
        Ok(())
    }

    /// Error for an existing entry of `kind` where none may be.
    pub fn exists(&self, kind: EntryKind) -> FsError {
        let hint = match kind {
            EntryKind::Dir => "Choose another destination, or delete the directory first.",
            _ => "Pass \"overwrite\": true to replace it, or choose another destination.",
        };
        FsError::AlreadyExists {
            path: display(self.path()),
            kind: kind.describe(),
            hint: hint.into(),
        }
    }

    pub fn not_found(&self) -> FsError {
        FsError::NotFound {
            path: display(self.path()),
        }
    }

    fn raced(&self, detail: &str) -> FsError {
        FsError::Raced {
            path: display(self.path()),
            detail: detail.into(),
        }
    }

    fn io(&self, e: io::Error) -> FsError {
        map_io(self.path(), e)
    }

    fn commit_error(&self, e: io::Error) -> FsError {
        if e.kind() == io::ErrorKind::AlreadyExists {
            // Created by someone else between our check and the no-replace rename.
            return self.exists(EntryKind::File);
        }
        self.io(e)
    }
}

/// Notes about what replacing `info`'s file changes besides its content.
fn replace_notes(info: &EntryInfo) -> Vec<String> {
    let mut notes = Vec::new();
    if info.nlink > 1 {
        notes.push(format!(
            "the file had {} hard links; the other names still show the old content",
            info.nlink
        ));
    }
    if info.mode & SETID_BITS != 0 {
        notes.push("its setuid/setgid bits were cleared, as any write clears them".into());
    }
    notes
}

/// Gives the temporary file the replaced file's owner and group when they differ
/// (possible as root, or for the group when we belong to it); a note if not.
fn keep_owner(file: &std::fs::File, info: &EntryInfo) -> Option<String> {
    use rustix::fs::{Gid, Uid, fchown, fstat};
    let st = fstat(file).ok()?;
    if st.st_uid == info.uid && st.st_gid == info.gid {
        return None;
    }
    let owner = (st.st_uid != info.uid).then(|| Uid::from_raw(info.uid));
    let group = (st.st_gid != info.gid).then(|| Gid::from_raw(info.gid));
    match fchown(file, owner, group) {
        Ok(()) => None,
        Err(e) => Some(format!(
            "its owner/group ({}:{}) could not be kept ({e}); it now belongs to {}:{}",
            info.uid, info.gid, st.st_uid, st.st_gid
        )),
    }
}

/// Flushes a directory's entries to disk (best effort: after a rename the change
/// is made, and failing the call then would misreport it).
fn sync_dir(dir: &Dir) {
    use rustix::fs::{Mode, OFlags, fsync, openat};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if let Ok(fd) = openat(dir, ".", flags, Mode::empty())
        && let Err(e) = fsync(&fd)
    {
        tracing::warn!(error = %e, "fsync of a directory failed");
    }
}

/// `.NAME.fs-server-tmp-RANDOM`, within the 255-byte name limit.
fn temp_name(target: &std::ffi::OsStr) -> OsString {
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
    if write_tests::NAMED_ONLY.get() {
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
struct TempFile<'a> {
    dir: &'a Dir,
    file: std::fs::File,
    /// Its name while it has one (anonymous files have none until linked).
    name: Option<OsString>,
    target: OsString,
}

impl<'a> TempFile<'a> {
    /// An exclusive new file with permission bits `mode` (default 0o666 less the
    /// umask); it is created 0o600 and given `mode` before any content is written.
    fn create(dir: &'a Dir, target: &std::ffi::OsStr, mode: Option<u32>) -> io::Result<Self> {
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
    fn commit(mut self, target: &std::ffi::OsStr, no_replace: bool) -> io::Result<()> {
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
struct TempDir<'a> {
    dir: &'a Dir,
    name: OsString,
    committed: bool,
}

impl<'a> TempDir<'a> {
    fn create(dir: &'a Dir, target: &std::ffi::OsStr) -> io::Result<Self> {
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
    fn commit(mut self, to: &Slot) -> FsResult<()> {
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

/// One directory-tree copy in progress (see [`Sandbox::copy_tree`]). Paths are
/// relative to the two slots' parent directories, so at most a few descriptors are
/// open at any time, however deep the tree.
struct TreeCopy<'a> {
    sandbox: &'a Sandbox,
    from: &'a Slot,
    to: &'a Slot,
    temp: &'a std::ffi::OsStr,
    max_entries: u64,
    report: CopyReport,
    /// Directories to give their permission bits once filled (deepest last).
    dir_modes: Vec<(PathBuf, u32)>,
}

impl TreeCopy<'_> {
    fn run(&mut self) -> FsResult<()> {
        let mut stack = vec![(PathBuf::from(&self.from.name), PathBuf::from(self.temp))];
        while let Some((src, dst)) = stack.pop() {
            for (name, kind) in self.entries(&src)? {
                self.count(kind)?;
                let (s, d) = (src.join(&name), dst.join(&name));
                match kind {
                    EntryKind::Dir => {
                        self.to
                            .dir
                            .create_dir(&d)
                            .map_err(|e| self.dst_err(&d, e))?;
                        let mode = self.from.dir.symlink_metadata(&s).map_or(0o755, |m| {
                            use cap_std::fs::PermissionsExt;
                            m.permissions().mode() & KEEP_DIR_BITS
                        });
                        self.dir_modes.push((d.clone(), mode));
                        stack.push((s, d));
                    }
                    EntryKind::File => self.copy_file(&s, &d)?,
                    EntryKind::Symlink => self.copy_link(&s, &d)?,
                    EntryKind::Special(what) => self.skip(&s, &format!("{what}; not copied")),
                }
            }
        }
        Ok(())
    }

    /// The entries of `src`, sorted by name, read in one go (the listing is closed
    /// before anything below it is opened).
    fn entries(&self, src: &Path) -> FsResult<Vec<(OsString, EntryKind)>> {
        let err = |e| map_io(&self.src_abs(src), e);
        let mut out = Vec::new();
        for entry in self.from.dir.read_dir(src).map_err(err)? {
            let entry = entry.map_err(err)?;
            let kind = kind_of(&entry.file_type().map_err(err)?);
            out.push((entry.file_name(), kind));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn count(&mut self, kind: EntryKind) -> FsResult<()> {
        let s = &mut self.report.stats;
        match kind {
            EntryKind::File => s.files += 1,
            EntryKind::Dir => s.dirs += 1,
            EntryKind::Symlink => s.links += 1,
            EntryKind::Special(_) => s.special += 1,
        }
        if s.entries() > self.max_entries {
            return Err(FsError::TooBig {
                path: display(self.from.path()),
                what: format!(
                    "it holds more than {} entries, the most one copy_path call copies; nothing was copied",
                    self.max_entries
                ),
            });
        }
        Ok(())
    }

    fn copy_file(&mut self, src: &Path, dst: &Path) -> FsResult<()> {
        use cap_std::fs::{OpenOptions, OpenOptionsExt, PermissionsExt};
        let mut input = self
            .from
            .dir
            .open_with(src, &read_nofollow())
            .map_err(|e| map_io(&self.src_abs(src), e))?;
        let md = input
            .metadata()
            .map_err(|e| map_io(&self.src_abs(src), e))?;
        if !md.is_file() {
            self.skip(src, "changed while being copied; not copied");
            return Ok(());
        }
        let mut options = OpenOptions::new();
        options.write(true).create_new(true).mode(0o600);
        let mut output = self
            .to
            .dir
            .open_with(dst, &options)
            .map_err(|e| self.dst_err(dst, e))?;
        let bytes = io::copy(&mut input, &mut output).map_err(|e| self.dst_err(dst, e))?;
        let mode = md.permissions().mode() & KEEP_FILE_BITS;
        rustix::fs::fchmod(&output, rustix::fs::Mode::from_raw_mode(mode))
            .map_err(|e| self.dst_err(dst, e.into()))?;
        self.report.stats.bytes += bytes;
        Ok(())
    }

    /// Copies a link as a link, then checks where it leads from its new place; one
    /// that leads outside the roots (or loops) is removed again and reported.
    fn copy_link(&mut self, src: &Path, dst: &Path) -> FsResult<()> {
        let target = self
            .from
            .dir
            .read_link_contents(src)
            .map_err(|e| map_io(&self.src_abs(src), e))?;
        self.to
            .dir
            .symlink_contents(&target, dst)
            .map_err(|e| self.dst_err(dst, e))?;
        let parent = self.to.target.rel.parent().unwrap_or(Path::new(""));
        let placed = self.sandbox.resolved(self.to.target.root, parent.join(dst));
        if !self.sandbox.stays_inside(&placed) {
            self.to
                .dir
                .remove_file(dst)
                .map_err(|e| self.dst_err(dst, e))?;
            self.skip(
                src,
                &format!(
                    "symbolic link to {} would lead outside the roots; not copied",
                    target.display()
                ),
            );
        }
        Ok(())
    }

    fn skip(&mut self, src: &Path, why: &str) {
        let path = self.src_abs(src);
        self.report
            .skipped
            .push(format!("{}: {why}", display(&path)));
    }

    /// Gives the copied directories their permission bits (deepest first, so a
    /// read-only directory is filled before it becomes read-only).
    fn finish(mut self, top_mode: u32) -> FsResult<CopyReport> {
        use cap_std::fs::{Permissions, PermissionsExt};
        self.dir_modes
            .push((PathBuf::from(self.temp), top_mode & KEEP_DIR_BITS));
        for (dir, mode) in self.dir_modes.iter().rev() {
            self.to
                .dir
                .set_permissions(dir, Permissions::from_mode(*mode))
                .map_err(|e| self.dst_err(dir, e))?;
        }
        Ok(self.report)
    }

    fn src_abs(&self, src: &Path) -> PathBuf {
        self.from.path().with_file_name("").join(src)
    }

    fn dst_err(&self, dst: &Path, e: io::Error) -> FsError {
        map_io(&self.to.path().with_file_name("").join(dst), e)
    }
}

/// Read-only, non-blocking, and refusing a final symbolic link.
fn read_nofollow() -> cap_std::fs::OpenOptions {
    use cap_std::fs::OpenOptionsExt as _;
    let mut options = cap_std::fs::OpenOptions::new();
    options.read(true);
    options
        .custom_flags((rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOFOLLOW).bits() as i32);
    options
}

/// Counts the tree at `rel` beneath `dir`, not following links, stopping after
/// `limit` entries. Each directory's listing is read whole and closed before its
/// subdirectories are opened, so descriptors stay few however deep the tree.
fn count_tree(dir: &Dir, rel: &Path, limit: u64) -> io::Result<TreeStats> {
    let mut stats = TreeStats::default();
    let mut stack = vec![rel.to_path_buf()];
    while let Some(here) = stack.pop() {
        let mut subdirs = Vec::new();
        for entry in dir.read_dir(&here)? {
            let entry = entry?;
            match kind_of(&entry.file_type()?) {
                EntryKind::Dir => {
                    stats.dirs += 1;
                    subdirs.push(here.join(entry.file_name()));
                }
                EntryKind::File => {
                    stats.files += 1;
                    stats.bytes += entry.metadata().map_or(0, |m| m.len());
                }
                EntryKind::Symlink => stats.links += 1,
                EntryKind::Special(_) => stats.special += 1,
            }
            if stats.entries() >= limit {
                stats.incomplete = true;
                return Ok(stats);
            }
        }
        stack.extend(subdirs);
    }
    Ok(stats)
}

#[cfg(test)]
mod write_tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};

    thread_local! {
        /// Makes this thread's atomic writes use a named temporary file, as on
        /// filesystems without `O_TMPFILE`.
        pub(super) static NAMED_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// `tmp/root/{a.txt, sub/}`, `tmp/outside/secret`, and links `root/out ->
    /// outside/`, `root/dangling -> outside/new.txt`, `root/in -> a.txt`.
    fn setup() -> (tempfile::TempDir, Sandbox, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::create_dir_all(t.path().join("outside")).unwrap();
        fs::write(root.join("a.txt"), "old").unwrap();
        fs::write(t.path().join("outside/secret"), "SECRET").unwrap();
        symlink(t.path().join("outside"), root.join("out")).unwrap();
        symlink(t.path().join("outside/new.txt"), root.join("dangling")).unwrap();
        symlink("a.txt", root.join("in")).unwrap();
        let sb = Sandbox::open(&[root]).unwrap();
        let root = sb.roots()[0].path.clone();
        (t, sb, root)
    }

    fn write(sb: &Sandbox, input: &str, content: &str) -> FsResult<Written> {
        let r = sb.resolve_for_write(input)?;
        let (slot, _) = sb.slot(&r, false)?;
        slot.write_atomic(
            WriteOptions {
                overwrite: true,
                mode_if_new: None,
            },
            |f| io::Write::write_all(f, content.as_bytes()),
        )
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn replace_keeps_mode_and_leaves_no_temp_file() {
        let (_t, sb, root) = setup();
        fs::set_permissions(root.join("a.txt"), fs::Permissions::from_mode(0o640)).unwrap();
        let w = write(&sb, "a.txt", "new content").unwrap();
        assert!(!w.created);
        assert_eq!((w.bytes, w.previous_size, w.mode), (11, Some(3), 0o640));
        assert_eq!(
            fs::read_to_string(root.join("a.txt")).unwrap(),
            "new content"
        );
        assert_eq!(mode(&root.join("a.txt")), 0o640);
        assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
    }

    #[test]
    fn named_temp_files_work_too_and_are_cleaned_up() {
        let (_t, sb, root) = setup();
        NAMED_ONLY.set(true);
        fs::set_permissions(root.join("a.txt"), fs::Permissions::from_mode(0o600)).unwrap();
        write(&sb, "a.txt", "named").unwrap();
        write(&sb, "fresh.txt", "new").unwrap();
        let failed = {
            let r = sb.resolve_for_write("a.txt").unwrap();
            let (slot, _) = sb.slot(&r, false).unwrap();
            let opts = WriteOptions {
                overwrite: true,
                mode_if_new: None,
            };
            slot.write_atomic(opts, |_| Err(io::Error::other("disk on fire")))
        };
        NAMED_ONLY.set(false);
        assert!(failed.unwrap_err().to_string().contains("disk on fire"));
        assert_eq!(fs::read_to_string(root.join("a.txt")).unwrap(), "named");
        assert_eq!(mode(&root.join("a.txt")), 0o600);
        assert_eq!(fs::read_to_string(root.join("fresh.txt")).unwrap(), "new");
        assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
    }

    #[test]
    fn setuid_bits_are_dropped_and_reported() {
        let (_t, sb, root) = setup();
        fs::set_permissions(root.join("a.txt"), fs::Permissions::from_mode(0o4755)).unwrap();
        let w = write(&sb, "a.txt", "x").unwrap();
        assert_eq!(mode(&root.join("a.txt")), 0o755);
        assert!(
            w.notes.iter().any(|n| n.contains("setuid")),
            "{:?}",
            w.notes
        );
    }

    #[test]
    fn hard_links_are_reported() {
        let (_t, sb, root) = setup();
        fs::hard_link(root.join("a.txt"), root.join("twin")).unwrap();
        let w = write(&sb, "a.txt", "x").unwrap();
        assert!(
            w.notes.iter().any(|n| n.contains("2 hard links")),
            "{:?}",
            w.notes
        );
        assert_eq!(fs::read_to_string(root.join("twin")).unwrap(), "old");
    }

    #[test]
    fn writing_through_an_in_root_link_writes_its_target() {
        let (_t, sb, root) = setup();
        write(&sb, "in", "via link").unwrap();
        assert_eq!(fs::read_to_string(root.join("a.txt")).unwrap(), "via link");
        assert!(fs::symlink_metadata(root.join("in")).unwrap().is_symlink());
    }

    #[test]
    fn links_out_and_dangling_links_out_are_refused() {
        let (t, sb, _root) = setup();
        for input in [
            "dangling",
            "out/secret",
            "out/new.txt",
            "out/deeper/new.txt",
        ] {
            let err = write(&sb, input, "pwned").unwrap_err();
            assert!(matches!(err, FsError::Escape { .. }), "{input}: {err}");
        }
        assert_eq!(names(&t.path().join("outside")), ["secret"]);
        assert_eq!(
            fs::read_to_string(t.path().join("outside/secret")).unwrap(),
            "SECRET"
        );
    }

    #[test]
    fn the_root_itself_is_refused() {
        let (_t, sb, root) = setup();
        for input in ["", ".", "sub/..", root.to_str().unwrap()] {
            let err = sb.resolve_for_write(input).unwrap_err();
            assert!(
                matches!(err, FsError::RootProtected { .. }),
                "{input}: {err}"
            );
            let err = sb.resolve_entry(input, "deleted").unwrap_err();
            assert!(err.to_string().contains("cannot be deleted"), "{err}");
        }
    }

    #[test]
    fn nested_root_cannot_be_removed_through_the_outer_one() {
        let (t, _sb, root) = setup();
        let sb = Sandbox::open(&[t.path().join("root"), root.join("sub")]).unwrap();
        let err = sb.resolve_entry(root.join("sub").to_str().unwrap(), "deleted");
        assert!(matches!(err, Err(FsError::RootProtected { .. })), "{err:?}");
    }

    #[test]
    fn directories_are_not_replaced_and_no_overwrite_means_none() {
        let (_t, sb, _root) = setup();
        let err = write(&sb, "sub", "x").unwrap_err();
        assert!(
            matches!(err, FsError::WouldReplaceDirectory { .. }),
            "{err}"
        );
        let r = sb.resolve_for_write("a.txt").unwrap();
        let (slot, _) = sb.slot(&r, false).unwrap();
        let err = slot
            .write_atomic(WriteOptions::default(), |_| Ok(()))
            .unwrap_err();
        assert!(matches!(err, FsError::AlreadyExists { .. }), "{err}");
    }

    #[test]
    fn missing_parents_are_refused_or_created() {
        let (_t, sb, root) = setup();
        let r = sb.resolve_for_write("x/y/z.txt").unwrap();
        assert!(matches!(
            sb.slot(&r, false),
            Err(FsError::ParentMissing { .. })
        ));
        let (slot, created) = sb.slot(&r, true).unwrap();
        assert_eq!(created, [root.join("x"), root.join("x/y")]);
        slot.write_atomic(WriteOptions::default(), |f| io::Write::write_all(f, b"z"))
            .unwrap();
        assert_eq!(fs::read_to_string(root.join("x/y/z.txt")).unwrap(), "z");
        let err = sb.resolve_for_write("a.txt/child").unwrap_err();
        assert!(matches!(err, FsError::NotADirectory { .. }), "{err}");
    }

    #[test]
    fn new_file_mode_follows_umask_or_given_mode() {
        let (_t, sb, root) = setup();
        let r = sb.resolve_for_write("exec.sh").unwrap();
        let (slot, _) = sb.slot(&r, false).unwrap();
        let opts = WriteOptions {
            overwrite: false,
            mode_if_new: Some(0o750),
        };
        let w = slot.write_atomic(opts, |_| Ok(())).unwrap();
        assert!(w.created);
        assert_eq!(mode(&root.join("exec.sh")), 0o750);
    }

    #[test]
    fn a_link_swapped_in_after_resolution_is_not_followed() {
        let (t, sb, root) = setup();
        let r = sb.resolve_for_write("a.txt").unwrap();
        let (slot, _) = sb.slot(&r, false).unwrap();
        fs::remove_file(root.join("a.txt")).unwrap();
        symlink(t.path().join("outside/secret"), root.join("a.txt")).unwrap();
        assert!(matches!(slot.open_read("edit"), Err(FsError::Raced { .. })));
        let err = slot
            .write_atomic(
                WriteOptions {
                    overwrite: true,
                    mode_if_new: None,
                },
                |f| io::Write::write_all(f, b"pwned"),
            )
            .unwrap_err();
        assert!(matches!(err, FsError::Raced { .. }), "{err}");
        assert!(matches!(
            slot.append(b"pwned", true),
            Err(FsError::Raced { .. })
        ));
        assert_eq!(
            fs::read_to_string(t.path().join("outside/secret")).unwrap(),
            "SECRET"
        );
    }

    #[test]
    fn a_parent_swapped_for_a_link_out_does_not_redirect_the_write() {
        let (t, sb, root) = setup();
        let r = sb.resolve_for_write("sub/f.txt").unwrap();
        let (slot, _) = sb.slot(&r, false).unwrap();
        fs::rename(root.join("sub"), root.join("moved")).unwrap();
        symlink(t.path().join("outside"), root.join("sub")).unwrap();
        slot.write_atomic(WriteOptions::default(), |f| io::Write::write_all(f, b"in"))
            .unwrap();
        assert_eq!(names(&t.path().join("outside")), ["secret"]);
        assert_eq!(fs::read_to_string(root.join("moved/f.txt")).unwrap(), "in");
    }

    #[test]
    fn append_in_place_reports_a_joined_line() {
        let (_t, sb, root) = setup();
        let r = sb.resolve_for_write("a.txt").unwrap();
        let (slot, _) = sb.slot(&r, false).unwrap();
        let a = slot.append(b" more\n", true).unwrap();
        assert_eq!((a.created, a.previous_size, a.bytes), (false, 3, 6));
        assert!(a.joined_last_line);
        assert_eq!(
            fs::read_to_string(root.join("a.txt")).unwrap(),
            "old more\n"
        );
        let r = sb.resolve_for_write("new.log").unwrap();
        let (slot, _) = sb.slot(&r, false).unwrap();
        assert!(slot.append(b"x", true).unwrap().created);
    }

    #[test]
    fn rename_respects_overwrite() {
        let (_t, sb, root) = setup();
        fs::write(root.join("b.txt"), "b").unwrap();
        let slot = |p: &str| {
            sb.slot(&sb.resolve_entry(p, "moved").unwrap(), false)
                .unwrap()
                .0
        };
        let err = slot("a.txt").rename_to(&slot("b.txt"), false).unwrap_err();
        assert!(matches!(err, FsError::AlreadyExists { .. }), "{err}");
        slot("a.txt").rename_to(&slot("b.txt"), true).unwrap();
        assert_eq!(fs::read_to_string(root.join("b.txt")).unwrap(), "old");
        slot("b.txt").rename_to(&slot("sub/c.txt"), false).unwrap();
        assert_eq!(fs::read_to_string(root.join("sub/c.txt")).unwrap(), "old");
    }

    #[test]
    fn remove_needs_recursive_for_a_full_directory() {
        let (t, sb, root) = setup();
        fs::write(root.join("sub/f"), "12345").unwrap();
        fs::create_dir(root.join("sub/d")).unwrap();
        let slot = sb
            .slot(&sb.resolve_entry("sub", "deleted").unwrap(), false)
            .unwrap()
            .0;
        let err = slot.remove(false).unwrap_err();
        assert!(
            matches!(err, FsError::DirectoryNotEmpty { entries: 2, .. }),
            "{err}"
        );
        let removed = slot.remove(true).unwrap();
        assert_eq!((removed.contents.files, removed.contents.dirs), (1, 1));
        assert_eq!(removed.contents.bytes, 5);
        assert!(!root.join("sub").exists());
        // Deleting a link to the outside deletes the link only.
        let slot = sb
            .slot(&sb.resolve_entry("out", "deleted").unwrap(), false)
            .unwrap()
            .0;
        assert_eq!(slot.remove(false).unwrap().kind, EntryKind::Symlink);
        assert_eq!(names(&t.path().join("outside")), ["secret"]);
        assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
    }

    #[test]
    fn copy_tree_keeps_in_root_links_and_skips_the_rest() {
        let (_t, sb, root) = setup();
        fs::create_dir_all(root.join("tree/deep")).unwrap();
        fs::write(root.join("tree/deep/f.sh"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(
            root.join("tree/deep/f.sh"),
            fs::Permissions::from_mode(0o750),
        )
        .unwrap();
        fs::set_permissions(root.join("tree/deep"), fs::Permissions::from_mode(0o700)).unwrap();
        symlink("deep/f.sh", root.join("tree/rel")).unwrap();
        symlink("../../outside/secret", root.join("tree/escape")).unwrap();
        symlink("/etc/passwd", root.join("tree/abs")).unwrap();
        let from = sb.slot(&sb.resolve("tree").unwrap(), false).unwrap().0;
        // Same depth as the source, so `../../outside` still leads out from there.
        let to = sb
            .slot(&sb.resolve_for_write("copy").unwrap(), false)
            .unwrap()
            .0;
        let report = sb.copy_tree(&from, &to, 100).unwrap();
        assert_eq!(
            (report.stats.files, report.stats.dirs, report.stats.links),
            (1, 1, 3)
        );
        assert_eq!(report.skipped.len(), 2, "{:?}", report.skipped);
        assert!(
            report
                .skipped
                .iter()
                .all(|s| s.contains("outside the roots"))
        );
        let copy = root.join("copy");
        assert_eq!(fs::read_to_string(copy.join("rel")).unwrap(), "#!/bin/sh\n");
        assert!(!copy.join("escape").exists() && !copy.join("abs").exists());
        assert_eq!(mode(&copy.join("deep/f.sh")), 0o750);
        assert_eq!(mode(&copy.join("deep")), 0o700);
        assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
        // One level deeper, the same relative link stays inside (and is copied).
        let to = sb
            .slot(&sb.resolve_for_write("sub/copy").unwrap(), false)
            .unwrap()
            .0;
        let report = sb.copy_tree(&from, &to, 100).unwrap();
        assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
        assert!(fs::symlink_metadata(root.join("sub/copy/escape")).is_ok());
    }

    #[test]
    fn copy_tree_over_the_limit_leaves_nothing() {
        let (_t, sb, root) = setup();
        for i in 0..5 {
            fs::write(root.join(format!("sub/f{i}")), "x").unwrap();
        }
        let from = sb.slot(&sb.resolve("sub").unwrap(), false).unwrap().0;
        let to = sb
            .slot(&sb.resolve_for_write("copy").unwrap(), false)
            .unwrap()
            .0;
        let err = sb.copy_tree(&from, &to, 3).unwrap_err();
        assert!(matches!(err, FsError::TooBig { .. }), "{err}");
        assert!(!root.join("copy").exists());
        assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
    }

    #[test]
    fn temp_names_are_marked_and_fit_the_name_limit() {
        let name = temp_name(std::ffi::OsStr::new("notes.txt"));
        let name = name.to_string_lossy();
        assert!(name.starts_with(".notes.txt.fs-server-tmp-"), "{name}");
        assert_eq!(name.len(), ".notes.txt.fs-server-tmp-".len() + 12);
        let long = "é".repeat(127);
        assert!(temp_name(std::ffi::OsStr::new(&long)).len() <= 255);
        assert_ne!(temp_name("a".as_ref()), temp_name("a".as_ref()));
    }

    #[test]
    fn relative_writes_go_where_the_parent_exists() {
        let (t, _sb, _root) = setup();
        fs::create_dir_all(t.path().join("second/only-here")).unwrap();
        let sb = Sandbox::open(&[t.path().join("root"), t.path().join("second")]).unwrap();
        let r = sb.resolve_for_write("only-here/new.txt").unwrap();
        assert_eq!(r.root, 1);
        let r = sb.resolve_for_write("nowhere/new.txt").unwrap();
        assert_eq!(r.root, 0);
    }
}

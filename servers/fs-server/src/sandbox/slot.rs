//! Slots: one name in an open parent directory, and what can be done to it without
//! following a final symbolic link (inspect, read, lock, replace atomically, append,
//! rename), plus the write-side path resolution that hands them out.
//!
//! Writes resolve like reads ([`Sandbox::resolve`] follows in-root links and refuses
//! any that lead out, dangling ones included), then open the PARENT directory
//! beneath the root handle and act on the final name only, with `*at` calls on that
//! handle that never follow a final symbolic link. A component swapped for a link
//! after resolution therefore cannot redirect a write outside the root.

use super::*;

/// Permission bits a rewritten or copied file keeps: setuid and setgid are dropped,
/// as the kernel drops them when a file is written by a non-root user.
pub(super) const KEEP_FILE_BITS: u32 = 0o1777;
/// Permission bits a copied directory keeps (setgid, which directs group
/// inheritance, and the sticky bit included).
pub(super) const KEEP_DIR_BITS: u32 = 0o3777;
const SETID_BITS: u32 = 0o6000;

/// What an entry is, not following a final symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
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
    /// What the entry is.
    pub kind: EntryKind,
    /// Its size in bytes.
    pub size: u64,
    /// Permission bits (`& 0o7777`).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Number of hard links.
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
    pub(super) dir: Dir,
    pub(super) name: OsString,
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
    /// Bytes written.
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
    /// The file did not exist and was created.
    pub created: bool,
    /// Its size before the append.
    pub previous_size: u64,
    /// Bytes appended.
    pub bytes: u64,
    /// The file was not empty and its last byte was not `\n` before the append.
    pub joined_last_line: bool,
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

pub(super) fn kind_of(ft: &cap_std::fs::FileType) -> EntryKind {
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

    /// Error for an entry that is not there (any more).
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

    pub(super) fn io(&self, e: io::Error) -> FsError {
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

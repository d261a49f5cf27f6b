//! Directory trees: copying one beneath the roots (links re-checked from their new
//! place, special files left out) and counting what one holds.

use super::*;

/// Counts over a directory tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeStats {
    /// Regular files.
    pub files: u64,
    /// Directories (the top one not counted).
    pub dirs: u64,
    /// Symbolic links.
    pub links: u64,
    /// FIFOs, sockets and devices.
    pub special: u64,
    /// Bytes in the regular files.
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
    /// What was copied.
    pub stats: TreeStats,
    /// Entries not copied, each with the reason.
    pub skipped: Vec<String>,
}

impl Sandbox {
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
pub(super) fn count_tree(dir: &Dir, rel: &Path, limit: u64) -> io::Result<TreeStats> {
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

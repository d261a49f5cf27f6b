//! Removing an entry: a file, link or empty directory at once, a whole tree by first
//! renaming it out of the way.

use super::*;

/// What [`Slot::remove`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// What the entry was.
    pub kind: EntryKind,
    /// For a directory: what was inside it.
    pub contents: TreeStats,
    /// For a file: its size.
    pub size: u64,
}

impl Slot {
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
}

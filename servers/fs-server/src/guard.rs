//! What keeps concurrent changes from being lost: [`PathLock`] (one change at a time
//! per path within this process) and the `expected_sha256` checks the write tools
//! make before they change a file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::error::{FsError, FsResult};
use crate::hash::sha256_of_reader;
use crate::sandbox::{FileLock, Slot};

/// Paths some call of this server is changing now.
static HELD: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
static RELEASED: Condvar = Condvar::new();

/// Holds a set of host paths against this server's other changes (every client and
/// session of this process), taken all at once so two calls never deadlock.
#[must_use = "the lock is released when dropped"]
pub struct PathLock {
    paths: Vec<PathBuf>,
}

impl PathLock {
    /// Waits until none of `paths` is held, then holds them all.
    pub fn acquire(paths: &[&Path]) -> Self {
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        while paths.iter().any(|p| held.contains(*p)) {
            held = RELEASED.wait(held).unwrap_or_else(PoisonError::into_inner);
        }
        let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
        held.extend(paths.iter().cloned());
        Self { paths }
    }
}

impl Drop for PathLock {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        for p in &self.paths {
            held.remove(p);
        }
        RELEASED.notify_all();
    }
}

/// Normalises a client's expected hash: 64 hex digits, any case, with or without a
/// `sha256:` prefix.
pub fn parse_sha256(input: &str) -> FsResult<String> {
    let trimmed = input.trim();
    let digits = trimmed
        .strip_prefix("sha256:")
        .unwrap_or(trimmed)
        .trim()
        .to_ascii_lowercase();
    if digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(digits);
    }
    Err(FsError::InvalidArgument(format!(
        "expected_sha256 {input:?} is not a SHA-256: pass the 64 hex digits shown after `sha256:` by read_text_file or get_file_info, or omit it"
    )))
}

/// Refuses unless the file at `slot` exists with content hashing to `expected`.
/// Returns the file's lock (see [`Slot::lock_file`]): hold it, and the slot's
/// [`PathLock`], until the write is done, so the check and the write are one step
/// for every fs-server process.
pub fn verify_unchanged(slot: &Slot, expected: &str, action: &'static str) -> FsResult<FileLock> {
    let Some(mut lock) = slot.lock_file(action)? else {
        return Err(conflict(
            slot,
            expected,
            "missing: the file does not exist any more".into(),
        ));
    };
    let reader = lock.reader().map_err(|e| FsError::io(slot.path(), e))?;
    let actual = sha256_of_reader(reader).map_err(|e| FsError::io(slot.path(), e))?;
    if actual != expected {
        return Err(conflict(slot, expected, actual));
    }
    Ok(lock)
}

/// The error for a file whose hash is `actual` where `expected` was required.
pub fn conflict(slot: &Slot, expected: &str, actual: String) -> FsError {
    FsError::Conflict {
        path: slot.path().display().to_string(),
        expected: expected.to_string(),
        actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_input_is_normalised() {
        let hex = "ab".repeat(32);
        assert_eq!(parse_sha256(&hex).unwrap(), hex);
        assert_eq!(
            parse_sha256(&format!(" sha256:{} ", hex.to_uppercase())).unwrap(),
            hex
        );
        let err = parse_sha256("abc").unwrap_err();
        assert!(err.to_string().contains("64 hex digits"), "{err}");
        assert!(parse_sha256(&"g".repeat(64)).is_err());
    }

    #[test]
    fn locks_exclude_each_other_and_release() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let inside = Arc::new(AtomicUsize::new(0));
        let path = PathBuf::from("/lock-test/same");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let inside = inside.clone();
                let path = path.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _l = PathLock::acquire(&[&path, Path::new("/lock-test/other")]);
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let _again = PathLock::acquire(&[&path]);
    }
}

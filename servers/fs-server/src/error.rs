//! The failures fs-server reports, each worded so the model knows what to do next.

use std::path::PathBuf;

/// A domain failure of a file operation. Every variant becomes a tool result with
/// `isError: true`; the `Display` text is what the model reads, so it says what
/// went wrong and what to try instead.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error(
        "access denied: {path} is outside the allowed roots ({roots}). Use a path under one of them; call list_roots to see them."
    )]
    OutsideRoots { path: String, roots: String },

    #[error(
        "access denied: {path} leads outside its root through a symbolic link or '..'. Only links that stay inside the root can be followed."
    )]
    Escape { path: String },

    #[error(
        "{path} could not be resolved: too many levels of symbolic links (a link loop?). Inspect the links with get_file_info, or name the target directly."
    )]
    SymlinkLoop { path: String },

    #[error(
        "{path} is a {kind}, not a regular file; only regular files can be read. Use get_file_info to inspect it."
    )]
    NotAFile { path: String, kind: &'static str },

    #[error(
        "cannot use root {path}: {reason}. Fix the list of roots in the server configuration or command line."
    )]
    BadRoot { path: String, reason: String },

    #[error(
        "none of the client's roots ({requested}) lies inside the server's roots ({roots}), so they cannot narrow what is served; the server's roots stay in force."
    )]
    NoUsableRoots { requested: String, roots: String },

    #[error("invalid path {path:?}: {reason}")]
    InvalidPath { path: String, reason: String },

    #[error(
        "not found: {path}. Check the spelling, or call list_directory on its parent to see what exists."
    )]
    NotFound { path: String },

    #[error(
        "{path} is a directory, not a file. Use list_directory or directory_tree to see what it holds."
    )]
    IsADirectory { path: String },

    #[error("{path} is not a directory. Use read_text_file or get_file_info on it instead.")]
    NotADirectory { path: String },

    #[error("{path} is not valid UTF-8 text ({detail}). Use read_media_file for binary files.")]
    NotText { path: String, detail: String },

    #[error("{path} is {size} bytes, over the {limit}-byte limit of {tool}. {hint}")]
    TooLarge {
        path: String,
        size: u64,
        limit: u64,
        tool: &'static str,
        hint: String,
    },

    #[error("invalid pattern {pattern:?}: {reason}")]
    InvalidPattern { pattern: String, reason: String },

    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    #[error(
        "{path} is a root directory of this server (or contains one), so it cannot be {action}. Work on the entries inside it instead; call list_roots to see the roots."
    )]
    RootProtected { path: String, action: &'static str },

    #[error(
        "cannot create {path}: its parent directory {parent} does not exist. Pass \"create_parents\": true, or call create_directory first."
    )]
    ParentMissing { path: String, parent: String },

    #[error("{path} already exists ({kind}). {hint}")]
    AlreadyExists {
        path: String,
        kind: &'static str,
        hint: String,
    },

    #[error(
        "{path} is a {kind}; {action} works only on regular files. Use get_file_info to inspect it."
    )]
    NotARegularFile {
        path: String,
        kind: &'static str,
        action: &'static str,
    },

    #[error(
        "{path} is a directory, not a file, and {action} never replaces or edits a directory. Name a file (for example one inside it)."
    )]
    WouldReplaceDirectory { path: String, action: &'static str },

    #[error(
        "{path} changed since you read it: expected sha256 {expected}, but it is now {actual}. Nothing was written. Re-read the file and make your change again on its current content."
    )]
    Conflict {
        path: String,
        expected: String,
        actual: String,
    },

    #[error(
        "{path} is a directory holding {entries} entries; pass \"recursive\": true to delete it with everything inside (\"dry_run\": true shows what would go)."
    )]
    DirectoryNotEmpty { path: String, entries: usize },

    #[error(
        "edit {index} of {total} failed on {path}: {reason} No edit was applied; the file is unchanged."
    )]
    EditFailed {
        path: String,
        index: usize,
        total: usize,
        reason: String,
    },

    #[error("cannot move {from} to {to}: {reason}. Use copy_path, then delete_path on the source.")]
    CannotMove {
        from: String,
        to: String,
        reason: String,
    },

    #[error("{path} changed while it was being modified ({detail}); nothing was changed. Retry.")]
    Raced { path: String, detail: String },

    #[error(
        "{path}: {what}. Copy smaller parts (copy_path on subdirectories), or ask the user to do it."
    )]
    TooBig { path: String, what: String },

    #[error("cancelled by the client")]
    Cancelled,

    #[error("permission denied by the operating system: {path}")]
    PermissionDenied { path: String },

    #[error("I/O error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl FsError {
    /// Maps an I/O error on `path` to the most helpful variant.
    /// The path the request named, when this is a refusal to leave the roots.
    pub fn refused_path(&self) -> Option<&str> {
        match self {
            FsError::OutsideRoots { path, .. } | FsError::Escape { path } => Some(path),
            _ => None,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into().display().to_string();
        match source.kind() {
            std::io::ErrorKind::NotFound => FsError::NotFound { path },
            std::io::ErrorKind::PermissionDenied => FsError::PermissionDenied { path },
            std::io::ErrorKind::IsADirectory => FsError::IsADirectory { path },
            std::io::ErrorKind::NotADirectory => FsError::NotADirectory { path },
            _ => FsError::Io { path, source },
        }
    }
}

pub type FsResult<T> = Result<T, FsError>;

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
        "none of the client roots ({requested}) lies inside the server's allowed roots ({roots}), so no files are reachable. Ask the user to open a folder inside one of the allowed roots."
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

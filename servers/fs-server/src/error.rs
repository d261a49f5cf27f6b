//! The failures fs-server reports, each worded so the model knows what to do next.

use std::path::PathBuf;

/// A domain failure of a file operation. Every variant becomes a tool result with
/// `isError: true`; the `Display` text is what the model reads, so it says what
/// went wrong and what to try instead.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// The path lies outside every allowed root.
    #[error(
        "access denied: {path} is outside the allowed roots ({roots}). Use a path under one of them; call list_roots to see them."
    )]
    OutsideRoots {
        /// The path concerned, as shown to the model.
        path: String,
        /// The allowed roots.
        roots: String,
    },

    /// The path leaves its root through a symbolic link or `..`.
    #[error(
        "access denied: {path} leads outside its root through a symbolic link or '..'. Only links that stay inside the root can be followed."
    )]
    Escape {
        /// The path concerned, as shown to the model.
        path: String,
    },

    /// Too many levels of symbolic links.
    #[error(
        "{path} could not be resolved: too many levels of symbolic links (a link loop?). Inspect the links with get_file_info, or name the target directly."
    )]
    SymlinkLoop {
        /// The path concerned, as shown to the model.
        path: String,
    },

    /// Not a regular file where one is read (a FIFO, socket or device).
    #[error(
        "{path} is a {kind}, not a regular file; only regular files can be read. Use get_file_info to inspect it."
    )]
    NotAFile {
        /// The path concerned, as shown to the model.
        path: String,
        /// What the entry is.
        kind: &'static str,
    },

    /// A configured root cannot be used.
    #[error(
        "cannot use root {path}: {reason}. Fix the list of roots in the server configuration or command line."
    )]
    BadRoot {
        /// The path concerned, as shown to the model.
        path: String,
        /// Why.
        reason: String,
    },

    /// None of the client's roots lies inside the server's roots.
    #[error(
        "none of the client's roots ({requested}) lies inside the server's roots ({roots}), so they cannot narrow what is served; the server's roots stay in force."
    )]
    NoUsableRoots {
        /// The client's roots.
        requested: String,
        /// The allowed roots.
        roots: String,
    },

    /// The path cannot be a path (a NUL byte, say).
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The path concerned, as shown to the model.
        path: String,
        /// Why.
        reason: String,
    },

    /// Nothing exists at the path.
    #[error(
        "not found: {path}. Check the spelling, or call list_directory on its parent to see what exists."
    )]
    NotFound {
        /// The path concerned, as shown to the model.
        path: String,
    },

    /// A directory where a file is needed.
    #[error(
        "{path} is a directory, not a file. Use list_directory or directory_tree to see what it holds."
    )]
    IsADirectory {
        /// The path concerned, as shown to the model.
        path: String,
    },

    /// Not a directory where one is needed.
    #[error("{path} is not a directory. Use read_text_file or get_file_info on it instead.")]
    NotADirectory {
        /// The path concerned, as shown to the model.
        path: String,
    },

    /// Not UTF-8 text.
    #[error("{path} is not valid UTF-8 text ({detail}). Use read_media_file for binary files.")]
    NotText {
        /// The path concerned, as shown to the model.
        path: String,
        /// What exactly.
        detail: String,
    },

    /// Over a tool's size limit.
    #[error("{path} is {size} bytes, over the {limit}-byte limit of {tool}. {hint}")]
    TooLarge {
        /// The path concerned, as shown to the model.
        path: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
        /// The tool whose limit it is.
        tool: &'static str,
        /// What to do instead.
        hint: String,
    },

    /// A glob or regex that does not parse.
    #[error("invalid pattern {pattern:?}: {reason}")]
    InvalidPattern {
        /// The pattern as given.
        pattern: String,
        /// Why.
        reason: String,
    },

    /// Arguments that do not fit together; the text says why.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// A root (or an entry containing one) that may not be changed.
    #[error(
        "{path} is a root directory of this server (or contains one), so it cannot be {action}. Work on the entries inside it instead; call list_roots to see the roots."
    )]
    RootProtected {
        /// The path concerned, as shown to the model.
        path: String,
        /// What was attempted.
        action: &'static str,
    },

    /// The new entry's parent directory does not exist.
    #[error(
        "cannot create {path}: its parent directory {parent} does not exist. Pass \"create_parents\": true, or call create_directory first."
    )]
    ParentMissing {
        /// The path concerned, as shown to the model.
        path: String,
        /// The missing parent directory.
        parent: String,
    },

    /// An entry exists where none may be.
    #[error("{path} already exists ({kind}). {hint}")]
    AlreadyExists {
        /// The path concerned, as shown to the model.
        path: String,
        /// What the entry is.
        kind: &'static str,
        /// What to do instead.
        hint: String,
    },

    /// Not a regular file where a change needs one.
    #[error(
        "{path} is a {kind}; {action} works only on regular files. Use get_file_info to inspect it."
    )]
    NotARegularFile {
        /// The path concerned, as shown to the model.
        path: String,
        /// What the entry is.
        kind: &'static str,
        /// What was attempted.
        action: &'static str,
    },

    /// A write or edit aimed at a directory.
    #[error(
        "{path} is a directory, not a file, and {action} never replaces or edits a directory. Name a file (for example one inside it)."
    )]
    WouldReplaceDirectory {
        /// The path concerned, as shown to the model.
        path: String,
        /// What was attempted.
        action: &'static str,
    },

    /// The file changed since it was read (its hash is not the expected one).
    #[error(
        "{path} changed since you read it: expected sha256 {expected}, but it is now {actual}. Nothing was written. Re-read the file and make your change again on its current content."
    )]
    Conflict {
        /// The path concerned, as shown to the model.
        path: String,
        /// The hash the caller expected.
        expected: String,
        /// The hash the file has now.
        actual: String,
    },

    /// A non-empty directory to delete without `recursive`.
    #[error(
        "{path} is a directory holding {entries} entries; pass \"recursive\": true to delete it with everything inside (\"dry_run\": true shows what would go)."
    )]
    DirectoryNotEmpty {
        /// The path concerned, as shown to the model.
        path: String,
        /// How many entries the directory holds.
        entries: usize,
    },

    /// One edit of an `edit_file` call failed; none was applied.
    #[error(
        "edit {index} of {total} failed on {path}: {reason} No edit was applied; the file is unchanged."
    )]
    EditFailed {
        /// The path concerned, as shown to the model.
        path: String,
        /// Which edit failed, counting from 1.
        index: usize,
        /// How many edits the call had.
        total: usize,
        /// Why.
        reason: String,
    },

    /// A move that cannot be a rename.
    #[error("cannot move {from} to {to}: {reason}. Use copy_path, then delete_path on the source.")]
    CannotMove {
        /// The source.
        from: String,
        /// The destination.
        to: String,
        /// Why.
        reason: String,
    },

    /// The entry changed while it was being modified.
    #[error("{path} changed while it was being modified ({detail}); nothing was changed. Retry.")]
    Raced {
        /// The path concerned, as shown to the model.
        path: String,
        /// What exactly.
        detail: String,
    },

    /// A tree too big to copy.
    #[error(
        "{path}: {what}. Copy smaller parts (copy_path on subdirectories), or ask the user to do it."
    )]
    TooBig {
        /// The path concerned, as shown to the model.
        path: String,
        /// What makes it too big.
        what: String,
    },

    /// The client cancelled the request.
    #[error("cancelled by the client")]
    Cancelled,

    /// The operating system refused access.
    #[error("permission denied by the operating system: {path}")]
    PermissionDenied {
        /// The path concerned, as shown to the model.
        path: String,
    },

    /// Any other I/O error.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path concerned, as shown to the model.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl FsError {
    /// The path the request named, when this is a refusal to leave the roots.
    pub fn refused_path(&self) -> Option<&str> {
        match self {
            FsError::OutsideRoots { path, .. } | FsError::Escape { path } => Some(path),
            _ => None,
        }
    }

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

/// The result of a file operation.
pub type FsResult<T> = Result<T, FsError>;

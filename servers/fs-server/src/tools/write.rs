//! The tools that change files, routed only when the user opted in
//! (`--allow-write`; `delete_path` also needs `--allow-delete`): `write_file`,
//! `append_file`, `create_directory`, `move_path`, `copy_path` and `delete_path`,
//! each with its parameters and its handler.
//!
//! Every handler is synchronous (the tool runs it on a blocking thread), resolves
//! its paths with the sandbox's write-side rules ([`Sandbox::resolve_for_write`],
//! [`Sandbox::resolve_entry`]), acts through a [`Slot`] (the parent directory's
//! handle and one name), and holds a [`PathLock`] on the paths it touches, so a
//! hash check and the write that follows it are atomic with respect to this
//! server's other calls. Each returns a text saying exactly what changed.
//! Annotations follow what a call can do at worst: a tool that may replace or remove
//! existing data is destructive; one whose repetition with the same arguments
//! changes nothing more is idempotent.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use shared::ToolError;

use crate::error::{FsError, FsResult};
use crate::format::{human_size, plural};
use crate::guard::{PathLock, parse_sha256, verify_unchanged};
use crate::hash::{sha256_of, sha256_of_reader};
use crate::sandbox::{
    CopyReport, EntryKind, Resolved, Sandbox, Slot, TreeStats, WriteOptions, Written,
};
use crate::server::FsServer;

/// Most entries one `copy_path` call copies.
pub const MAX_COPY_ENTRIES: u64 = 100_000;
/// Most skipped entries a copy report lists one by one.
const MAX_LISTED_SKIPS: usize = 50;
/// Files up to this size get their new hash reported after an append.
const APPEND_HASH_LIMIT: u64 = crate::hash::HASH_LIMIT;

/// Create a file, or replace a file's whole content, atomically.
///
/// Example: `{"path": "notes/todo.md", "content": "# TODO\n- write tests\n", "create_parents": true}`.
/// To change part of a file use `edit_file`; to add to its end use `append_file`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct WriteFileParams {
    /// File to write; a symbolic link inside the roots is written through.
    pub path: String,
    /// The whole new content, written exactly as given.
    pub content: String,
    /// Create missing parent directories.
    #[serde(alias = "createParents")]
    pub create_parents: Option<bool>,
    /// Write only if the file's sha256 is still this (from read_text_file or
    /// get_file_info).
    #[serde(alias = "expectedSha256")]
    pub expected_sha256: Option<String>,
}

/// Append text to the end of a file, creating it if it does not exist.
///
/// Example: `{"path": "CHANGELOG.md", "content": "- fixed the parser\n"}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct AppendFileParams {
    /// File to append to.
    pub path: String,
    /// Text added exactly as given: start it with a newline if the file may not end with
    /// one.
    pub content: String,
    /// Create the file if missing (default true).
    pub create: Option<bool>,
    /// Create missing parent directories.
    #[serde(alias = "createParents")]
    pub create_parents: Option<bool>,
    /// Append only if the file's sha256 is still this.
    #[serde(alias = "expectedSha256")]
    pub expected_sha256: Option<String>,
}

/// Create a directory and any missing parents. Example: `{"path": "src/utils"}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CreateDirectoryParams {
    /// Directory to create.
    pub path: String,
}

/// Move or rename a file, directory or symbolic link.
///
/// Example: `{"source": "draft.md", "destination": "docs/final.md"}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct MovePathParams {
    /// What to move.
    pub source: String,
    /// The new path itself, not a folder to move into.
    pub destination: String,
    /// Replace an existing file or link at the destination (never a directory).
    pub overwrite: Option<bool>,
    /// Create the destination's missing parent directories.
    #[serde(alias = "createParents")]
    pub create_parents: Option<bool>,
}

/// Copy a file or a whole directory.
///
/// Example: `{"source": "templates/basic", "destination": "projects/new"}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CopyPathParams {
    /// File or directory to copy (a symbolic link is followed).
    pub source: String,
    /// The copy's own path, not a folder to copy into.
    pub destination: String,
    /// Replace an existing file at the destination (directories are never merged or
    /// replaced).
    pub overwrite: Option<bool>,
    /// Create the destination's missing parent directories.
    #[serde(alias = "createParents")]
    pub create_parents: Option<bool>,
}

/// Delete a file, a symbolic link, or a directory.
///
/// Example: `{"path": "build/old", "recursive": true, "dry_run": true}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct DeletePathParams {
    /// What to delete.
    pub path: String,
    /// Needed to delete a non-empty directory.
    pub recursive: Option<bool>,
    /// Only list what would be deleted.
    #[serde(alias = "dryRun")]
    pub dry_run: Option<bool>,
}

/// The hash of the file at `slot` now (for reporting after an in-place change), if
/// it is a regular file no larger than `limit`.
fn current_sha256(slot: &Slot, limit: u64) -> Option<String> {
    let info = slot.info().ok()??;
    if info.kind != EntryKind::File || info.size > limit {
        return None;
    }
    let file = slot.open_read("hashing").ok()??;
    sha256_of_reader(file).ok()
}

#[tool_router(router = write_router, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "Create a file or replace its whole content, atomically (a crash leaves the old or the new file); keeps its permissions; never replaces a directory. Example: {\"path\": \"notes/todo.md\", \"content\": \"# TODO\\n- tests\\n\", \"create_parents\": true}. To change part of a file use edit_file.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn write_file(
        &self,
        Parameters(p): Parameters<WriteFileParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| write_file(sb, &p)).await
    }

    #[tool(
        description = "Create a directory and any missing parents; fine if it exists. Example: {\"path\": \"src/utils/helpers\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn create_directory(
        &self,
        Parameters(p): Parameters<CreateDirectoryParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| create_directory(sb, &p)).await
    }

    #[tool(
        description = "Move or rename a file, directory or symbolic link (the link itself, not its target). Example: {\"source\": \"draft.md\", \"destination\": \"docs/final.md\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn move_path(
        &self,
        Parameters(p): Parameters<MovePathParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| move_path(sb, &p)).await
    }

    #[tool(
        description = "Copy a file or a whole directory. Example: {\"source\": \"templates/basic\", \"destination\": \"projects/new\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn copy_path(
        &self,
        Parameters(p): Parameters<CopyPathParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| copy_path(sb, &p)).await
    }

    #[tool(
        description = "Append text to the end of a file, creating it if missing. Example: {\"path\": \"CHANGELOG.md\", \"content\": \"- fixed the parser\\n\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn append_file(
        &self,
        Parameters(p): Parameters<AppendFileParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| append_file(sb, &p)).await
    }
}

#[tool_router(router = delete_router, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "Delete a file, a symbolic link (never its target) or a directory. Cannot be undone; roots are never deleted. Example: {\"path\": \"build/old.log\", \"dry_run\": true}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn delete_path(
        &self,
        Parameters(p): Parameters<DeletePathParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| delete_path(sb, &p)).await
    }
}

// ---------------------------------------------------------------------------
// write_file, append_file, create_directory
// ---------------------------------------------------------------------------

/// Creates or atomically replaces a file (see [`Slot::write_atomic`]).
pub fn write_file(sb: &Sandbox, p: &WriteFileParams) -> FsResult<String> {
    let expected = p.expected_sha256.as_deref().map(parse_sha256).transpose()?;
    let r = sb.resolve_for_write(&p.path)?;
    let _lock = PathLock::acquire(&[&r.abs]);
    let create_parents = p.create_parents.unwrap_or(false) && expected.is_none();
    let (slot, created_dirs) = sb.slot(&r, create_parents)?;
    let _file_lock = match &expected {
        Some(expected) => Some(verify_unchanged(&slot, expected, "write_file")?),
        None => None,
    };
    let content = p.content.as_bytes();
    let hash = sha256_of(content);
    if same_content(&slot, content)? {
        return Ok(format!(
            "Unchanged: {} already has exactly this content ({} bytes); nothing was written.\nsha256: {hash}\n",
            r.abs.display(),
            content.len()
        ));
    }
    let written = slot.write_atomic(
        WriteOptions {
            overwrite: true,
            mode_if_new: None,
        },
        |f| f.write_all(content),
    )?;
    let mut out = describe_written(&r.abs, &written);
    out.push_str(&format!("sha256: {hash}\n"));
    push_created_dirs(&mut out, &created_dirs);
    push_notes(&mut out, &written.notes);
    Ok(out)
}

/// Whether the regular file at `slot` holds exactly `content`.
fn same_content(slot: &Slot, content: &[u8]) -> FsResult<bool> {
    let Some(info) = slot.info()? else {
        return Ok(false);
    };
    slot.ensure_file(&info, "write_file")?;
    if info.size != content.len() as u64 {
        return Ok(false);
    }
    let Some(mut file) = slot.open_read("write_file")? else {
        return Ok(false);
    };
    let mut current = Vec::with_capacity(content.len());
    file.read_to_end(&mut current)
        .map_err(|e| FsError::io(slot.path(), e))?;
    Ok(current == content)
}

fn describe_written(path: &Path, w: &Written) -> String {
    match w.previous_size {
        None => format!(
            "Created {} ({} bytes, permissions {:04o}).\n",
            path.display(),
            w.bytes,
            w.mode
        ),
        Some(before) => format!(
            "Replaced {}: {} bytes written (was {before} bytes); permissions {:04o} kept.\n",
            path.display(),
            w.bytes,
            w.mode
        ),
    }
}

fn push_created_dirs(out: &mut String, dirs: &[PathBuf]) {
    if dirs.is_empty() {
        return;
    }
    let list: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    out.push_str(&format!("Created directories: {}\n", list.join(", ")));
}

fn push_notes(out: &mut String, notes: &[String]) {
    for note in notes {
        out.push_str(&format!("Note: {note}.\n"));
    }
}

/// Appends text in place (see [`Slot::append`]).
pub fn append_file(sb: &Sandbox, p: &AppendFileParams) -> FsResult<String> {
    let expected = p.expected_sha256.as_deref().map(parse_sha256).transpose()?;
    let r = sb.resolve_for_write(&p.path)?;
    let _lock = PathLock::acquire(&[&r.abs]);
    let create = p.create.unwrap_or(true) && expected.is_none();
    let (slot, created_dirs) = sb.slot(&r, create && p.create_parents.unwrap_or(false))?;
    let _file_lock = match &expected {
        Some(expected) => Some(verify_unchanged(&slot, expected, "append_file")?),
        None => None,
    };
    if !create && slot.info()?.is_none() {
        return Err(slot.not_found());
    }
    let done = slot.append(p.content.as_bytes(), create)?;
    let total = done.previous_size + done.bytes;
    let mut out = if done.created {
        format!(
            "Created {} with the {} bytes given.\n",
            r.abs.display(),
            done.bytes
        )
    } else {
        format!(
            "Appended {} bytes to {} (was {} bytes, now {total}).\n",
            done.bytes,
            r.abs.display(),
            done.previous_size
        )
    };
    if let Some(hash) = current_sha256(&slot, APPEND_HASH_LIMIT) {
        out.push_str(&format!("sha256: {hash}\n"));
    }
    push_created_dirs(&mut out, &created_dirs);
    if done.joined_last_line && !p.content.starts_with('\n') {
        out.push_str(
            "Note: the file did not end with a newline, so the text continues its last line.\n",
        );
    }
    Ok(out)
}

/// Creates a directory and its missing parents; an existing directory is fine.
pub fn create_directory(sb: &Sandbox, p: &CreateDirectoryParams) -> FsResult<String> {
    let r = sb.resolve(&p.path)?;
    let _lock = PathLock::acquire(&[&r.abs]);
    let created = sb.create_dir_all(&r)?;
    let out = match created.as_slice() {
        [] => format!(
            "Directory {} already exists; nothing changed.\n",
            r.abs.display()
        ),
        [only] => format!("Created directory {}.\n", only.display()),
        [parents @ .., _] => {
            let list: Vec<String> = parents.iter().map(|d| d.display().to_string()).collect();
            format!(
                "Created directory {} and its missing parents {}.\n",
                r.abs.display(),
                list.join(", ")
            )
        }
    };
    Ok(out)
}

// ---------------------------------------------------------------------------
// move_path, copy_path
// ---------------------------------------------------------------------------

/// The slot of an entry that must exist (a source, a deletion): a missing parent
/// means the entry is not found.
fn existing_slot(sb: &Sandbox, r: &Resolved) -> FsResult<Slot> {
    match sb.slot(r, false) {
        Ok((slot, _)) => Ok(slot),
        Err(FsError::ParentMissing { path, .. }) => Err(FsError::NotFound { path }),
        Err(e) => Err(e),
    }
}

/// Refuses a destination equal to the source or inside it.
fn refuse_into_itself(from: &Resolved, to: &Resolved, verb: &str) -> FsResult<()> {
    if from.abs == to.abs {
        return Err(FsError::InvalidArgument(format!(
            "source and destination are the same path ({}); nothing to {verb}",
            from.abs.display()
        )));
    }
    if to.abs.starts_with(&from.abs) {
        return Err(FsError::InvalidArgument(format!(
            "cannot {verb} {} into itself ({} is inside it)",
            from.abs.display(),
            to.abs.display()
        )));
    }
    Ok(())
}

/// Moves or renames an entry (see [`Slot::rename_to`]); a file on another
/// filesystem is copied, then the original removed.
pub fn move_path(sb: &Sandbox, p: &MovePathParams) -> FsResult<String> {
    let overwrite = p.overwrite.unwrap_or(false);
    let from_r = sb.resolve_entry(&p.source, "moved")?;
    let to_r = sb.resolve_entry(&p.destination, "replaced")?;
    refuse_into_itself(&from_r, &to_r, "move")?;
    let _lock = PathLock::acquire(&[&from_r.abs, &to_r.abs]);
    let from = existing_slot(sb, &from_r)?;
    let info = from.info()?.ok_or_else(|| from.not_found())?;
    let (to, created_dirs) = sb.slot(&to_r, p.create_parents.unwrap_or(false))?;
    let replaced = check_destination(&to, info.kind, overwrite, "move_path")?;
    // A link that leads inside must not lead outside from its new place.
    let link_inside = info.kind == EntryKind::Symlink && sb.stays_inside(&from_r);
    let mut out = String::new();
    match from.rename_to(&to, overwrite) {
        Ok(()) => {}
        Err(FsError::CannotMove { .. }) if info.kind == EntryKind::File => {
            copy_file_between(&from, &to, overwrite, info.mode)?;
            from.remove(false)?;
            out.push_str("(Source and destination are on different filesystems: the file was copied, then the original removed.)\n");
        }
        Err(e) => return Err(e),
    }
    if link_inside && !sb.stays_inside(&to_r) {
        to.rename_to(&from, false)?;
        return Err(FsError::CannotMove {
            from: from_r.abs.display().to_string(),
            to: to_r.abs.display().to_string(),
            reason: "the link's relative target would lead outside the roots from the new place (the link was left where it was)".into(),
        });
    }
    let what = match info.kind {
        EntryKind::File => format!("a file, {} bytes", info.size),
        other => other.describe().trim_start_matches("a ").to_string(),
    };
    let mut head = format!(
        "Moved {} to {} ({what}).\n",
        from_r.abs.display(),
        to_r.abs.display()
    );
    if let Some(kind) = replaced {
        head.push_str(&format!(
            "It replaced {} that was at the destination.\n",
            kind.describe()
        ));
    }
    out.insert_str(0, &head);
    push_created_dirs(&mut out, &created_dirs);
    Ok(out)
}

/// Checks what is at a move's or copy's destination: nothing is fine; a file or link
/// only with `overwrite` (returned as what is replaced); a directory never.
fn check_destination(
    to: &Slot,
    source_kind: EntryKind,
    overwrite: bool,
    tool: &str,
) -> FsResult<Option<EntryKind>> {
    let Some(existing) = to.info()? else {
        return Ok(None);
    };
    if !overwrite || existing.kind == EntryKind::Dir {
        return Err(to.exists(existing.kind));
    }
    if source_kind == EntryKind::Dir {
        return Err(FsError::InvalidArgument(format!(
            "{} is {}; {tool} does not replace it with a directory. Delete it first or choose another destination",
            to.path().display(),
            existing.kind.describe()
        )));
    }
    Ok(Some(existing.kind))
}

/// Copies the regular file at `from` to `to` atomically; returns what was written.
fn copy_file_between(from: &Slot, to: &Slot, overwrite: bool, mode: u32) -> FsResult<Written> {
    let mut input = from
        .open_read("copy_path")?
        .ok_or_else(|| from.not_found())?;
    to.write_atomic(
        WriteOptions {
            overwrite,
            mode_if_new: Some(mode),
        },
        |f| io::copy(&mut input, f).map(|_| ()),
    )
}

/// Copies a file (atomically) or a directory tree (see [`Sandbox::copy_tree`]).
pub fn copy_path(sb: &Sandbox, p: &CopyPathParams) -> FsResult<String> {
    let overwrite = p.overwrite.unwrap_or(false);
    let from_r = sb.resolve(&p.source)?;
    sb.refuse_root(&from_r, "copied as a whole")?;
    let to_r = sb.resolve_for_write(&p.destination)?;
    refuse_into_itself(&from_r, &to_r, "copy")?;
    let _lock = PathLock::acquire(&[&from_r.abs, &to_r.abs]);
    let from = existing_slot(sb, &from_r)?;
    let info = from.info()?.ok_or_else(|| from.not_found())?;
    let (to, created_dirs) = sb.slot(&to_r, p.create_parents.unwrap_or(false))?;
    check_destination(&to, info.kind, overwrite, "copy_path")?;
    let mut out = match info.kind {
        EntryKind::Dir => {
            let report = sb.copy_tree(&from, &to, MAX_COPY_ENTRIES)?;
            describe_tree_copy(&from_r.abs, &to_r.abs, &report)
        }
        EntryKind::File => {
            let w = copy_file_between(&from, &to, overwrite, info.mode)?;
            let verb = if w.created {
                ""
            } else {
                ", replacing the file there"
            };
            let mut s = format!(
                "Copied file {} to {} ({} bytes, permissions {:04o}{verb}).\n",
                from_r.abs.display(),
                to_r.abs.display(),
                w.bytes,
                w.mode
            );
            push_notes(&mut s, &w.notes);
            s
        }
        EntryKind::Symlink | EntryKind::Special(_) => {
            from.ensure_file(&info, "copy_path")?;
            String::new()
        }
    };
    push_created_dirs(&mut out, &created_dirs);
    Ok(out)
}

fn describe_tree_copy(from: &Path, to: &Path, report: &CopyReport) -> String {
    let mut out = format!(
        "Copied directory {} to {}: {}.\n",
        from.display(),
        to.display(),
        describe_stats(&report.stats, "copied")
    );
    if !report.skipped.is_empty() {
        out.push_str(&format!("Not copied ({} entries):\n", report.skipped.len()));
        for line in report.skipped.iter().take(MAX_LISTED_SKIPS) {
            out.push_str(&format!("  {line}\n"));
        }
        if report.skipped.len() > MAX_LISTED_SKIPS {
            out.push_str(&format!(
                "  ... and {} more\n",
                report.skipped.len() - MAX_LISTED_SKIPS
            ));
        }
    }
    out
}

/// "3 files (1.2 KiB), 1 directory, 2 symbolic links" ("nothing" when empty).
fn describe_stats(s: &TreeStats, what: &str) -> String {
    let mut parts = Vec::new();
    if s.files > 0 {
        parts.push(format!(
            "{} ({})",
            plural(s.files, "file", "files"),
            human_size(s.bytes)
        ));
    }
    if s.dirs > 0 {
        parts.push(plural(s.dirs, "subdirectory", "subdirectories"));
    }
    if s.links > 0 {
        parts.push(plural(s.links, "symbolic link", "symbolic links"));
    }
    if s.special > 0 {
        parts.push(plural(s.special, "special file", "special files"));
    }
    if parts.is_empty() {
        return format!("it was empty, nothing else {what}");
    }
    let more = if s.incomplete { " (at least)" } else { "" };
    format!("{}{more}", parts.join(", "))
}

// ---------------------------------------------------------------------------
// delete_path
// ---------------------------------------------------------------------------

/// Deletes an entry (see [`Slot::remove`]), or with `dry_run` says what would go.
pub fn delete_path(sb: &Sandbox, p: &DeletePathParams) -> FsResult<String> {
    let r = sb.resolve_entry(&p.path, "deleted")?;
    let _lock = PathLock::acquire(&[&r.abs]);
    let slot = existing_slot(sb, &r)?;
    let recursive = p.recursive.unwrap_or(false);
    if p.dry_run.unwrap_or(false) {
        return delete_preview(sb, &slot, recursive);
    }
    let removed = slot.remove(recursive)?;
    let path = r.abs.display();
    Ok(match removed.kind {
        EntryKind::File => format!("Deleted file {path} ({} bytes).\n", removed.size),
        EntryKind::Symlink => {
            format!("Deleted symbolic link {path} (what it pointed to is untouched).\n")
        }
        EntryKind::Dir if removed.contents.entries() == 0 => {
            format!("Deleted empty directory {path}.\n")
        }
        EntryKind::Dir => format!(
            "Deleted directory {path} and everything in it: {}.\n",
            describe_stats(&removed.contents, "deleted")
        ),
        EntryKind::Special(kind) => format!("Deleted {kind} {path}.\n"),
    })
}

fn delete_preview(sb: &Sandbox, slot: &Slot, recursive: bool) -> FsResult<String> {
    let info = slot.info()?.ok_or_else(|| slot.not_found())?;
    let path = slot.path().display();
    if info.kind != EntryKind::Dir {
        return Ok(format!(
            "Dry run: would delete {} {path}{}. Nothing was deleted.\n",
            info.kind.describe(),
            if info.kind == EntryKind::File {
                format!(" ({} bytes)", info.size)
            } else {
                String::new()
            }
        ));
    }
    let stats = sb.tree_stats(slot, u64::MAX)?;
    if stats.entries() == 0 {
        return Ok(format!(
            "Dry run: would delete the empty directory {path}. Nothing was deleted.\n"
        ));
    }
    let needs = if recursive {
        ""
    } else {
        " This needs \"recursive\": true."
    };
    Ok(format!(
        "Dry run: would delete directory {path} and everything in it: {}.{needs} Nothing was deleted.\n",
        describe_stats(&stats, "deleted")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_read_naturally() {
        let s = TreeStats {
            files: 2,
            dirs: 1,
            links: 1,
            bytes: 2048,
            ..Default::default()
        };
        assert_eq!(
            describe_stats(&s, "copied"),
            "2 files (2.0 KB), 1 subdirectory, 1 symbolic link"
        );
        assert!(describe_stats(&TreeStats::default(), "copied").contains("empty"));
    }
}

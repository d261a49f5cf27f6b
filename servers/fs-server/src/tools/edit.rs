//! `edit_file`: exact-text replacements applied all-or-nothing, shown as a diff.
//!
//! The edits apply in order to the text in memory; only when every one of them
//! succeeded is the result written, in one atomic write (so a failed edit leaves the
//! file byte-identical). Each `old_text` must occur exactly once (or `replace_all`).
//! When it does not occur at all, a line-based match that ignores indentation and
//! trailing whitespace is tried, and used only if it is unambiguous; the
//! replacement is then re-indented like the lines it replaces. Replacement text is
//! literal. The file's line endings (CRLF stays CRLF) and the presence or absence
//! of a final newline are kept. The result is a unified diff (bounded), which
//! `dry_run` returns without writing.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::time::Duration;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use shared::ToolError;
use similar::{ChangeTag, TextDiff};

use crate::error::{FsError, FsResult};
use crate::guard::{PathLock, conflict, parse_sha256};
use crate::hash::sha256_of;
use crate::sandbox::{FileLock, Sandbox, Slot, WriteOptions};
use crate::server::FsServer;

/// Largest file edit_file works on.
pub const EDIT_LIMIT: u64 = 32 * 1024 * 1024;
/// Largest diff returned (the server's read cap bounds it further).
pub const DIFF_LIMIT: usize = 64 * 1024;
/// Most match positions listed in an error.
const LISTED_MATCHES: usize = 8;
/// Longest time spent computing one diff before settling for a coarser one.
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// One replacement: `old_text` (copied exactly from the file) becomes `new_text`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct EditOp {
    /// Exact text to find, without read_text_file's line numbers. It must occur once (add
    /// surrounding lines) unless `replace_all`.
    #[serde(alias = "oldText")]
    pub old_text: String,
    /// Its replacement, literal (`$` is just `$`); empty deletes it.
    #[serde(alias = "newText")]
    pub new_text: String,
    /// Replace every occurrence.
    #[serde(alias = "replaceAll")]
    pub replace_all: Option<bool>,
}

/// Edit a text file by replacing exact text, all edits or none.
///
/// Example: `{"path": "src/main.rs", "edits": [{"old_text": "let x = 1;", "new_text": "let x = 2;"}], "dry_run": true}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct EditFileParams {
    /// File to edit.
    pub path: String,
    /// Replacements, each applied to the result of the previous ones.
    pub edits: Vec<EditOp>,
    /// Only show the diff; write nothing.
    #[serde(alias = "dryRun")]
    pub dry_run: Option<bool>,
    /// Edit only if the file's sha256 is still this.
    #[serde(alias = "expectedSha256")]
    pub expected_sha256: Option<String>,
}

/// Line-ending style of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eol {
    /// `\n`.
    Lf,
    /// `\r\n`.
    Crlf,
}

impl Eol {
    /// The style most of `text`'s line endings use (LF when there are none).
    pub fn detect(text: &str) -> Self {
        let crlf = text.matches("\r\n").count();
        let lf = text.matches('\n').count() - crlf;
        if crlf > lf { Eol::Crlf } else { Eol::Lf }
    }

    fn as_str(self) -> &'static str {
        match self {
            Eol::Lf => "\n",
            Eol::Crlf => "\r\n",
        }
    }
}

/// `text` with every line ending in the style `eol`.
fn to_eol(text: &str, eol: Eol) -> Cow<'_, str> {
    let has_crlf = text.contains("\r\n");
    match eol {
        Eol::Lf if has_crlf => Cow::Owned(text.replace("\r\n", "\n")),
        Eol::Lf => Cow::Borrowed(text),
        Eol::Crlf if !text.contains('\n') => Cow::Borrowed(text),
        Eol::Crlf => {
            let lf = if has_crlf {
                text.replace("\r\n", "\n")
            } else {
                text.to_string()
            };
            Cow::Owned(lf.replace('\n', "\r\n"))
        }
    }
}

/// The result of applying a list of edits in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The text after every edit.
    pub text: String,
    /// Things worth telling the caller (tolerant matches, replace_all counts, ...).
    pub notes: Vec<String>,
}

/// Why one edit failed: its 1-based index and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    /// Which edit failed, counting from 1.
    pub index: usize,
    /// Why.
    pub reason: String,
}

/// Applies `edits` in order to `original`; any failure fails the whole list.
pub fn apply_edits(original: &str, edits: &[EditOp]) -> Result<Applied, EditError> {
    let eol = Eol::detect(original);
    let mut text = original.to_string();
    let mut notes = Vec::new();
    for (i, op) in edits.iter().enumerate() {
        let fail = |reason: String| EditError {
            index: i + 1,
            reason,
        };
        let (next, note) = apply_one(&text, op, eol).map_err(fail)?;
        if let Some(note) = note {
            notes.push(format!("edit {}: {note}", i + 1));
        }
        text = next;
    }
    if let Some(note) = keep_final_newline(original, &mut text, eol) {
        notes.push(note);
    }
    Ok(Applied { text, notes })
}

/// Applies one edit: exact match (as given, or with the file's line endings), else
/// an unambiguous whitespace-tolerant match.
fn apply_one(text: &str, op: &EditOp, eol: Eol) -> Result<(String, Option<String>), String> {
    if op.old_text.is_empty() {
        return Err("old_text is empty. To insert text, put the neighbouring text in old_text and repeat it in new_text with the addition; to create a file use write_file.".into());
    }
    let new_text = to_eol(&op.new_text, eol);
    let normalised = to_eol(&op.old_text, eol);
    let mut candidates = vec![normalised.as_ref()];
    if normalised.as_ref() != op.old_text {
        candidates.push(op.old_text.as_str());
    }
    for old in candidates {
        let at = find_all(text, old, LISTED_MATCHES.max(2));
        match at.len() {
            0 => continue,
            1 => return Ok((splice(text, at[0], old.len(), &new_text), None)),
            _ if op.replace_all.unwrap_or(false) => {
                let count = text.matches(old).count();
                let note = format!("replaced all {count} occurrences");
                return Ok((text.replace(old, &new_text), Some(note)));
            }
            _ => return Err(ambiguous(text, old)),
        }
    }
    tolerant(text, op, eol)
}

/// `text` with `len` bytes at `at` replaced by `with`.
fn splice(text: &str, at: usize, len: usize, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..at]);
    out.push_str(with);
    out.push_str(&text[at + len..]);
    out
}

/// Start offsets of `needle` in `text`, overlapping ones included, at most `cap`.
fn find_all(text: &str, needle: &str, cap: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(needle) {
        let at = from + i;
        out.push(at);
        if out.len() >= cap {
            break;
        }
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// 1-based line number of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn ambiguous(text: &str, old: &str) -> String {
    let total = text.matches(old).count().max(2);
    let lines: Vec<String> = find_all(text, old, LISTED_MATCHES)
        .into_iter()
        .map(|at| line_of(text, at).to_string())
        .collect();
    format!(
        "old_text matches {total} times (starting on lines {}{}). Include more surrounding lines in old_text so it matches exactly once, or set \"replace_all\": true to change every occurrence.",
        lines.join(", "),
        if total > lines.len() { ", ..." } else { "" }
    )
}

// ---------------------------------------------------------------------------
// Whitespace-tolerant matching
// ---------------------------------------------------------------------------

/// One line of the file: content `start..end`, terminator up to `next`.
#[derive(Debug, Clone, Copy)]
struct LineSpan {
    start: usize,
    end: usize,
    next: usize,
}

fn line_spans(text: &str) -> Vec<LineSpan> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            spans.push(LineSpan {
                start,
                end,
                next: i + 1,
            });
            start = i + 1;
        }
    }
    if start < text.len() {
        spans.push(LineSpan {
            start,
            end: text.len(),
            next: text.len(),
        });
    }
    spans
}

/// `text` without one final `\n` or `\r\n`.
fn strip_one_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// The lines of `text` (LF or CRLF), without one final newline.
fn split_lines(text: &str) -> Vec<&str> {
    strip_one_newline(text)
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

fn leading_ws(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Where `old` matches whole lines of the file when each line's leading and trailing
/// whitespace is ignored: the index of the first matching line of each match.
fn tolerant_matches(text: &str, spans: &[LineSpan], old_lines: &[&str], cap: usize) -> Vec<usize> {
    let keys: Vec<&str> = old_lines.iter().map(|l| l.trim()).collect();
    let m = keys.len();
    if m == 0 || m > spans.len() || keys.iter().all(|k| k.is_empty()) {
        return Vec::new();
    }
    let line = |i: usize| text[spans[i].start..spans[i].end].trim();
    let mut out = Vec::new();
    for k in 0..=spans.len() - m {
        if (0..m).all(|i| line(k + i) == keys[i]) {
            out.push(k);
            if out.len() >= cap {
                break;
            }
        }
    }
    out
}

/// The tolerant fallback: applies a unique whitespace-insensitive match, re-indenting
/// the replacement; explains a missing or ambiguous one.
fn tolerant(text: &str, op: &EditOp, eol: Eol) -> Result<(String, Option<String>), String> {
    let spans = line_spans(text);
    let old_lines = split_lines(&op.old_text);
    let found = tolerant_matches(text, &spans, &old_lines, LISTED_MATCHES);
    match found.as_slice() {
        [] => Err(not_found(text, &op.old_text)),
        [k] => {
            let (out, first, last) = replace_lines(text, &spans, *k, &old_lines, &op.new_text, eol);
            let note = format!(
                "old_text was not found exactly; it matched lines {first}-{last} when ignoring indentation and trailing whitespace, and new_text was re-indented to fit"
            );
            Ok((out, Some(note)))
        }
        several => {
            let lines: Vec<String> = several.iter().map(|k| (k + 1).to_string()).collect();
            Err(format!(
                "old_text was not found exactly, and ignoring whitespace it matches {} places (starting on lines {}). Copy old_text exactly from read_text_file output, with more surrounding lines.",
                several.len(),
                lines.join(", ")
            ))
        }
    }
}

/// Replaces the `old_lines.len()` lines starting at line index `k` with `new_text`,
/// re-indented from `old_lines`' indentation to the file's. Returns the text and the
/// 1-based first and last line replaced.
fn replace_lines(
    text: &str,
    spans: &[LineSpan],
    k: usize,
    old_lines: &[&str],
    new_text: &str,
    eol: Eol,
) -> (String, usize, usize) {
    let last = k + old_lines.len() - 1;
    let new_lf = to_eol(new_text, Eol::Lf);
    let body = strip_one_newline(&new_lf);
    let (mut start, mut end) = (spans[k].start, spans[last].end);
    let replacement = if body.is_empty() {
        // Deleting the lines: take a line terminator with them.
        if spans[last].next > spans[last].end {
            end = spans[last].next;
        } else if k > 0 {
            start = spans[k - 1].end;
        }
        String::new()
    } else {
        let j = old_lines
            .iter()
            .position(|l| !l.trim().is_empty())
            .unwrap_or(0);
        let from = leading_ws(old_lines[j]);
        let to = leading_ws(&text[spans[k + j].start..spans[k + j].end]);
        body.split('\n')
            .map(|l| reindent(l, from, to))
            .collect::<Vec<_>>()
            .join(eol.as_str())
    };
    (
        splice(text, start, end - start, &replacement),
        k + 1,
        last + 1,
    )
}

/// Moves `line` from indentation `from` to `to`: the `from` prefix is swapped for
/// `to`; with space-only indentation, a shallower line shifts by the same amount.
fn reindent(line: &str, from: &str, to: &str) -> String {
    if line.trim().is_empty() {
        return String::new();
    }
    if let Some(rest) = line.strip_prefix(from) {
        return format!("{to}{rest}");
    }
    let own = leading_ws(line);
    let spaces = |s: &str| s.bytes().all(|b| b == b' ');
    if spaces(own) && spaces(from) && spaces(to) {
        let width = (own.len() + to.len()).saturating_sub(from.len());
        return format!("{}{}", " ".repeat(width), line.trim_start());
    }
    line.to_string()
}

/// Explains a missing `old_text`, pointing at the most similar line when there is one.
fn not_found(text: &str, old: &str) -> String {
    let mut reason =
        "old_text was not found, not even when ignoring whitespace differences.".to_string();
    if let Some(hint) = closest_line(text, old) {
        reason.push(' ');
        reason.push_str(&hint);
    }
    reason.push_str(" Re-read the file with read_text_file and copy old_text exactly.");
    reason
}

/// Where the first line of `old` (or the line most like it) is in `text`.
fn closest_line(text: &str, old: &str) -> Option<String> {
    const MAX_LINES: usize = 20_000;
    const MAX_LEN: usize = 400;
    let first = old.lines().map(str::trim).find(|l| !l.is_empty())?;
    let lines = text.lines().take(MAX_LINES).map(str::trim);
    if let Some(i) = lines.clone().position(|l| l == first) {
        return Some(format!(
            "Its first non-blank line matches line {}, but the lines after it differ.",
            i + 1
        ));
    }
    if first.len() > MAX_LEN {
        return None;
    }
    let (ratio, i, line) = lines
        .enumerate()
        .filter(|(_, l)| l.len() <= MAX_LEN && l.len().abs_diff(first.len()) <= first.len() / 2)
        .map(|(i, l)| (TextDiff::from_chars(l, first).ratio(), i, l))
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    (ratio >= 0.6).then(|| {
        let shown: String = line.chars().take(120).collect();
        format!("The most similar line is {}: {shown:?}.", i + 1)
    })
}

/// Restores the original's final newline (or its absence) if the edits changed it.
fn keep_final_newline(original: &str, text: &mut String, eol: Eol) -> Option<String> {
    if original.is_empty() || text.is_empty() {
        return None;
    }
    match (original.ends_with('\n'), text.ends_with('\n')) {
        (true, false) => {
            text.push_str(eol.as_str());
            Some("kept the file's final newline (use write_file to remove it)".into())
        }
        (false, true) => {
            let cut = strip_one_newline(text).len();
            text.truncate(cut);
            Some("kept the file without a final newline (use write_file to add one)".into())
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------

/// A unified diff of `old` → `new` with `label` in both headers, cut at a line
/// boundary after `max_bytes` with a notice. Returns the diff and the numbers of
/// lines added and removed.
pub fn unified_diff(old: &str, new: &str, label: &str, max_bytes: usize) -> (String, usize, usize) {
    let diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(old, new);
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Insert => added += 1,
            ChangeTag::Delete => removed += 1,
            ChangeTag::Equal => {}
        }
    }
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("{label}\toriginal"), &format!("{label}\tmodified"))
        .to_string();
    (bound(text, max_bytes), added, removed)
}

/// `text` cut at the last line boundary within `max` bytes, with a notice.
fn bound(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let cut = text[..floor_boundary(&text, max)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let shown = text[..cut].lines().count();
    let total = text.lines().count();
    format!(
        "{}[diff truncated: showed {shown} of {total} lines ({max} bytes cap). Read the changed region with read_text_file to check the rest]\n",
        &text[..cut]
    )
}

fn floor_boundary(s: &str, at: usize) -> usize {
    (0..=at.min(s.len()))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

/// The diff in a fenced block whose fence no line of the diff contains.
fn fenced(diff: &str) -> String {
    let mut fence = "```".to_string();
    while diff.contains(&fence) {
        fence.push('`');
    }
    let nl = if diff.ends_with('\n') { "" } else { "\n" };
    format!("{fence}diff\n{diff}{nl}{fence}\n")
}

// ---------------------------------------------------------------------------
// The tool
// ---------------------------------------------------------------------------

/// Applies the edits of `p` to its file, or with `dry_run` only shows them; the
/// returned diff is bounded at `max_diff_bytes` (and [`DIFF_LIMIT`]).
pub fn edit_file(sb: &Sandbox, p: &EditFileParams, max_diff_bytes: usize) -> FsResult<String> {
    if p.edits.is_empty() {
        return Err(FsError::InvalidArgument(
            "edits is empty: pass at least one {\"old_text\": ..., \"new_text\": ...}".into(),
        ));
    }
    let expected = p.expected_sha256.as_deref().map(parse_sha256).transpose()?;
    let r = sb.resolve_for_write(&p.path)?;
    let _lock = PathLock::acquire(&[&r.abs]);
    let (slot, _) = sb.slot(&r, false)?;
    // The file stays locked from the read to the write (a read-modify-write must not
    // interleave with another fs-server process's).
    let mut lock = slot
        .lock_file("edit_file")?
        .ok_or_else(|| slot.not_found())?;
    let original = read_text(&slot, &mut lock)?;
    let before = sha256_of(original.as_bytes());
    if let Some(expected) = &expected
        && *expected != before
    {
        return Err(conflict(&slot, expected, before));
    }
    let applied = apply_edits(&original, &p.edits).map_err(|e| FsError::EditFailed {
        path: r.abs.display().to_string(),
        index: e.index,
        total: p.edits.len(),
        reason: e.reason,
    })?;
    let path = r.abs.display().to_string();
    if applied.text == original {
        return Ok(format!(
            "No change: the edits leave {path} exactly as it was; nothing was written.\nsha256: {before}\n"
        ));
    }
    let cap = max_diff_bytes.min(DIFF_LIMIT);
    let (diff, added, removed) = unified_diff(&original, &applied.text, &path, cap);
    let count = edits_phrase(p.edits.len());
    let mut out = if p.dry_run.unwrap_or(false) {
        format!(
            "Dry run: {count} would change {path} (+{added} -{removed} lines); nothing was written.\nCurrent sha256: {before} (pass it as expected_sha256 to apply exactly this change)\n"
        )
    } else {
        let written = slot.write_atomic(
            WriteOptions {
                overwrite: true,
                mode_if_new: None,
            },
            |f| f.write_all(applied.text.as_bytes()),
        )?;
        let mut s = format!(
            "Edited {path}: {count} applied (+{added} -{removed} lines), {} bytes written; permissions {:04o} kept.\nsha256: {}\n",
            written.bytes,
            written.mode,
            sha256_of(applied.text.as_bytes())
        );
        for note in &written.notes {
            s.push_str(&format!("Note: {note}.\n"));
        }
        s
    };
    for note in &applied.notes {
        out.push_str(&format!("Note: {note}.\n"));
    }
    out.push_str(&fenced(&diff));
    Ok(out)
}

fn edits_phrase(n: usize) -> String {
    if n == 1 {
        "1 edit".into()
    } else {
        format!("{n} edits")
    }
}

/// The locked file's content as UTF-8 text, refusing large and binary files.
fn read_text(slot: &Slot, lock: &mut FileLock) -> FsResult<String> {
    let file = lock.reader().map_err(|e| FsError::io(slot.path(), e))?;
    let size = file
        .metadata()
        .map_err(|e| FsError::io(slot.path(), e))?
        .len();
    let too_large = |size| FsError::TooLarge {
        path: slot.path().display().to_string(),
        size,
        limit: EDIT_LIMIT,
        tool: "edit_file",
        hint: "Replace it whole with write_file instead.".into(),
    };
    if size > EDIT_LIMIT {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(EDIT_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FsError::io(slot.path(), e))?;
    if bytes.len() as u64 > EDIT_LIMIT {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| FsError::NotText {
        path: slot.path().display().to_string(),
        detail: format!(
            "invalid UTF-8 at byte {}; edit_file edits text only",
            e.utf8_error().valid_up_to()
        ),
    })
}

#[tool_router(router = edit_router, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "Edit a text file by replacing exact text; edits apply in order, all or none, and the result shows a unified diff. Example: {\"path\": \"src/main.rs\", \"edits\": [{\"old_text\": \"let x = 1;\", \"new_text\": \"let x = 2;\"}], \"dry_run\": true}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn edit_file(
        &self,
        Parameters(p): Parameters<EditFileParams>,
    ) -> Result<String, ToolError> {
        let max = self.limits().max_read_bytes;
        self.blocking(move |sb| edit_file(sb, &p, max)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(old: &str, new: &str) -> EditOp {
        EditOp {
            old_text: old.into(),
            new_text: new.into(),
            replace_all: None,
        }
    }

    fn all(old: &str, new: &str) -> EditOp {
        EditOp {
            replace_all: Some(true),
            ..op(old, new)
        }
    }

    fn apply(text: &str, edits: &[EditOp]) -> String {
        apply_edits(text, edits).unwrap().text
    }

    fn fails(text: &str, edits: &[EditOp]) -> EditError {
        apply_edits(text, edits).unwrap_err()
    }

    #[test]
    fn exact_single_match() {
        assert_eq!(apply("a\nb\nc\n", &[op("b", "B")]), "a\nB\nc\n");
    }

    #[test]
    fn edits_apply_in_order_to_the_previous_result() {
        let out = apply("x = 1\n", &[op("x = 1", "x = 2"), op("x = 2", "y = 3")]);
        assert_eq!(out, "y = 3\n");
    }

    #[test]
    fn ambiguous_match_names_count_and_lines() {
        let e = fails("foo\nbar\nfoo\n", &[op("foo", "x")]);
        assert_eq!(e.index, 1);
        assert!(e.reason.contains("matches 2 times"), "{}", e.reason);
        assert!(e.reason.contains("lines 1, 3"), "{}", e.reason);
        assert!(e.reason.contains("replace_all"), "{}", e.reason);
    }

    #[test]
    fn overlapping_occurrences_are_ambiguous() {
        let e = fails("aaa\n", &[op("aa", "b")]);
        assert!(e.reason.contains("matches 2 times"), "{}", e.reason);
    }

    #[test]
    fn replace_all_replaces_every_occurrence() {
        let out = apply_edits("foo bar foo\nfoo\n", &[all("foo", "baz")]).unwrap();
        assert_eq!(out.text, "baz bar baz\nbaz\n");
        assert!(out.notes[0].contains("3 occurrences"), "{:?}", out.notes);
    }

    #[test]
    fn second_edit_failing_reports_its_index() {
        let e = fails("a\nb\n", &[op("a", "A"), op("zzz", "y")]);
        assert_eq!(e.index, 2);
        assert!(e.reason.contains("not found"), "{}", e.reason);
    }

    #[test]
    fn replacement_is_literal() {
        let out = apply("price\n", &[op("price", "$1 and $0 and ${x} and \\1")]);
        assert_eq!(out, "$1 and $0 and ${x} and \\1\n");
    }

    #[test]
    fn crlf_file_stays_crlf() {
        let text = "one\r\ntwo\r\nthree\r\n";
        let out = apply(text, &[op("two\nthree", "2\nthree\nfour")]);
        assert_eq!(out, "one\r\n2\r\nthree\r\nfour\r\n");
        // old_text given with CRLF works too.
        let out = apply(text, &[op("one\r\ntwo", "1\r\n2")]);
        assert_eq!(out, "1\r\n2\r\nthree\r\n");
    }

    #[test]
    fn lf_file_gets_lf_even_from_crlf_new_text() {
        let out = apply("a\nb\n", &[op("a\r\nb", "x\r\ny")]);
        assert_eq!(out, "x\ny\n");
    }

    #[test]
    fn missing_final_newline_is_kept() {
        let out = apply_edits("a\nb", &[op("b", "c\n")]).unwrap();
        assert_eq!(out.text, "a\nc");
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("without a final newline"))
        );
        assert_eq!(apply("a\nb", &[op("a", "x")]), "x\nb");
    }

    #[test]
    fn present_final_newline_is_kept() {
        assert_eq!(apply("a\nb\n", &[op("b\n", "c")]), "a\nc\n");
        assert_eq!(apply("a\r\nb\r\n", &[op("b\r\n", "c")]), "a\r\nc\r\n");
    }

    #[test]
    fn tolerant_match_reindents() {
        let text = "fn main() {\n    if x {\n        call(1);\n    }\n}\n";
        let out = apply_edits(
            text,
            &[op(
                "if x {\n    call(1);\n}",
                "if y {\n    call(2);\n    call(3);\n}",
            )],
        )
        .unwrap();
        assert_eq!(
            out.text,
            "fn main() {\n    if y {\n        call(2);\n        call(3);\n    }\n}\n"
        );
        assert!(out.notes[0].contains("lines 2-4"), "{:?}", out.notes);
    }

    #[test]
    fn tolerant_match_ignores_trailing_whitespace() {
        let text = "a  \n  b\t\nc\n";
        assert_eq!(apply(text, &[op("a\n  b", "x\n  y")]), "x\n  y\nc\n");
    }

    #[test]
    fn tolerant_match_with_tabs() {
        let text = "fn f() {\n\tlet a = 1;\n\tlet b = 2;\n}\n";
        let out = apply(
            text,
            &[op(
                "    let a = 1;\n    let b = 2;",
                "    let a = 10;\n    let b = 20;",
            )],
        );
        assert_eq!(out, "fn f() {\n\tlet a = 10;\n\tlet b = 20;\n}\n");
    }

    #[test]
    fn tolerant_match_must_be_unambiguous() {
        let text = "  x();\n  y();\n\n    x();\n    y();\n";
        let e = fails(text, &[op("x();\ny();", "z();")]);
        assert!(e.reason.contains("matches 2 places"), "{}", e.reason);
        assert!(e.reason.contains("lines 1, 4"), "{}", e.reason);
    }

    #[test]
    fn tolerant_deletion_removes_whole_lines() {
        let text = "keep\n    drop me\nkeep too\n";
        // A trailing space keeps these from matching exactly.
        assert_eq!(apply(text, &[op("drop me \n", "")]), "keep\nkeep too\n");
        assert_eq!(apply("keep\n    last", &[op("last\n", "")]), "keep");
    }

    #[test]
    fn tolerant_in_crlf_file_keeps_crlf() {
        let text = "a\r\n    b\r\n    c\r\n";
        assert_eq!(
            apply(text, &[op("b\nc", "B\nC")]),
            "a\r\n    B\r\n    C\r\n"
        );
    }

    #[test]
    fn not_found_points_at_similar_line() {
        let text = "alpha\nlet total = compute(a, b);\nomega\n";
        let e = fails(text, &[op("let total = compute(a, c);", "x")]);
        assert!(e.reason.contains("most similar line is 2"), "{}", e.reason);
        let e = fails(text, &[op("alpha\nbeta", "x")]);
        assert!(e.reason.contains("matches line 1"), "{}", e.reason);
    }

    #[test]
    fn empty_old_text_is_refused() {
        let e = fails("a\n", &[op("", "x")]);
        assert!(e.reason.contains("old_text is empty"), "{}", e.reason);
    }

    #[test]
    fn reindent_rules() {
        assert_eq!(reindent("  x", "  ", "\t"), "\tx");
        assert_eq!(reindent("x", "", "    "), "    x");
        assert_eq!(reindent("  x", "    ", "        "), "      x");
        assert_eq!(reindent("   ", "", "  "), "");
    }

    #[test]
    fn eol_detection_by_majority() {
        assert_eq!(Eol::detect("a\r\nb\r\nc\n"), Eol::Crlf);
        assert_eq!(Eol::detect("a\nb\nc\r\n"), Eol::Lf);
        assert_eq!(Eol::detect("no newline"), Eol::Lf);
    }

    #[test]
    fn diff_has_headers_counts_and_bound() {
        let (d, added, removed) = unified_diff("a\nb\n", "a\nc\n", "/r/f.txt", 10_000);
        assert!(
            d.starts_with("--- /r/f.txt\toriginal\n+++ /r/f.txt\tmodified\n"),
            "{d}"
        );
        assert!(d.contains("-b\n+c\n"), "{d}");
        assert_eq!((added, removed), (1, 1));
        let old: String = (0..500).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line", "LINE");
        let (d, _, _) = unified_diff(&old, &new, "f", 2000);
        assert!(d.len() < 2300, "{}", d.len());
        assert!(d.contains("[diff truncated: showed"), "{d}");
    }

    #[test]
    fn fence_outgrows_backticks_in_the_diff() {
        let f = fenced("+```rust\n");
        assert!(f.starts_with("````diff\n"), "{f}");
        assert!(f.ends_with("\n````\n"), "{f}");
    }
}

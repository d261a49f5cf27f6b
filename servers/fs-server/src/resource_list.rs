//! `resources/list`: the top-level files of every root, as `file://` resources.
//!
//! Only the direct entries of each root are listed. Everything deeper is reachable
//! through the `file:///{+path}` template. A regular file is listed with its name,
//! MIME type and size. A symbolic link is listed under its own name and URI when it
//! leads to a regular file inside the roots. Directories are not listed: reading a
//! directory as a resource fails, so a client would be offered something it cannot
//! read. The template and the `list_directory` tool cover them. Names that are not
//! UTF-8 are skipped too, since `resources/read` cannot open them.
//!
//! Pages hold [`PAGE_SIZE`] entries in a stable order: by root, then by name bytes.
//! The cursor is opaque. It is URL-safe base64 of a version byte, the position of
//! the last entry shown (root index and name), and a keyed 64-bit check over that
//! position and the current roots. A page resumes *after a name*, not at an offset,
//! so entries created or deleted between pages never push others into a duplicate
//! or a gap. A cursor is refused with -32602 (invalid params) if it does not decode,
//! was altered, or was issued for other roots (the client's MCP roots changed, or an
//! earlier server process issued it).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rmcp::ErrorData as McpError;
use rmcp::model::{ListResourcesResult, Resource};

use crate::resources::mime_for;
use crate::sandbox::Sandbox;

/// Resources per page.
pub const PAGE_SIZE: usize = 100;
/// First byte of every cursor; bump it when the layout changes.
const CURSOR_VERSION: u8 = 1;
/// Bytes of the check value at the end of a cursor.
const CHECK_LEN: usize = 8;
/// Bytes of the root index after the version byte.
const ROOT_LEN: usize = 4;

/// Where a listing stands: a root and an entry name in it. Ordered as listed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    root: u32,
    name: Vec<u8>,
}

/// A top-level entry that may become a resource.
struct Entry {
    position: Position,
    name: String,
    is_symlink: bool,
}

/// One page, and where the next one starts (if there is one).
struct Page {
    resources: Vec<Resource>,
    resume_after: Option<Position>,
}

/// Lists one page of top-level files, starting after `cursor` (from the start
/// without one).
pub fn list_page(sandbox: &Sandbox, cursor: Option<&str>) -> Result<ListResourcesResult, McpError> {
    let after = cursor
        .map(|c| decode_cursor(c, sandbox).ok_or_else(invalid_cursor))
        .transpose()?;
    let entries = top_level_entries(sandbox);
    let page = page_after(sandbox, &entries, after.as_ref(), PAGE_SIZE);
    let mut result = ListResourcesResult::with_all_items(page.resources);
    result.next_cursor = page.resume_after.map(|p| encode_cursor(&p, sandbox));
    Ok(result)
}

fn invalid_cursor() -> McpError {
    McpError::invalid_params(
        "invalid cursor: pass the nextCursor of the previous resources/list answer unchanged, or omit it to list from the start",
        None,
    )
}

/// Every root's candidate entries (files and links, UTF-8 names), in listing order.
/// A root that cannot be read is logged and skipped.
fn top_level_entries(sandbox: &Sandbox) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (index, root) in sandbox.roots().iter().enumerate() {
        let Ok(root_index) = u32::try_from(index) else {
            break;
        };
        match root.dir.entries() {
            Ok(read_dir) => entries.extend(
                read_dir
                    .filter_map(Result::ok)
                    .filter_map(|e| candidate(root_index, &e)),
            ),
            Err(error) => {
                tracing::warn!(root = %root.path.display(), %error, "cannot list a root for resources/list");
            }
        }
    }
    entries.sort_by(|a, b| a.position.cmp(&b.position));
    entries
}

/// The entry as a candidate, if it is a file or a link with a UTF-8 name.
fn candidate(root: u32, entry: &cap_std::fs::DirEntry) -> Option<Entry> {
    let file_type = entry.file_type().ok()?;
    if !file_type.is_file() && !file_type.is_symlink() {
        return None;
    }
    let name = entry.file_name().into_string().ok()?;
    Some(Entry {
        position: Position {
            root,
            name: name.as_bytes().to_vec(),
        },
        name,
        is_symlink: file_type.is_symlink(),
    })
}

/// Up to `size` resources from the entries after `after`.
fn page_after(sandbox: &Sandbox, entries: &[Entry], after: Option<&Position>, size: usize) -> Page {
    let start = after.map_or(0, |p| entries.partition_point(|e| &e.position <= p));
    let mut resources = Vec::new();
    let mut last = None;
    for entry in &entries[start..] {
        if resources.len() == size {
            return Page {
                resources,
                resume_after: last,
            };
        }
        if let Some(resource) = to_resource(sandbox, entry) {
            resources.push(resource);
            last = Some(entry.position.clone());
        }
    }
    Page {
        resources,
        resume_after: None,
    }
}

/// The resource for an entry, or `None` if it is no longer a regular file or is a
/// link that leaves the roots or does not lead to a regular file.
fn to_resource(sandbox: &Sandbox, entry: &Entry) -> Option<Resource> {
    let root = sandbox
        .roots()
        .get(usize::try_from(entry.position.root).ok()?)?;
    let path = root.path.join(&entry.name);
    let size = if entry.is_symlink {
        link_target_size(sandbox, &path)?
    } else {
        let metadata = root.dir.symlink_metadata(&entry.name).ok()?;
        metadata.is_file().then(|| metadata.len())?
    };
    let uri = url::Url::from_file_path(&path).ok()?.to_string();
    Some(
        Resource::new(uri, entry.name.clone())
            .with_mime_type(mime_for(&path))
            .with_size(size),
    )
}

/// The size of the regular file a link leads to, if the sandbox allows it.
fn link_target_size(sandbox: &Sandbox, link: &Path) -> Option<u64> {
    let resolved = sandbox.resolve(link.to_str()?).ok()?;
    let metadata = sandbox.metadata(&resolved).ok()?;
    metadata.is_file().then(|| metadata.len())
}

/// The key of this process's cursor checks (random per process).
fn cursor_key() -> &'static RandomState {
    static KEY: OnceLock<RandomState> = OnceLock::new();
    KEY.get_or_init(RandomState::new)
}

/// The check over a cursor's payload, bound to the roots it was issued for.
fn check_value(sandbox: &Sandbox, payload: &[u8]) -> [u8; CHECK_LEN] {
    let roots: Vec<&Path> = sandbox.roots().iter().map(|r| r.path.as_path()).collect();
    cursor_key().hash_one((roots, payload)).to_be_bytes()
}

fn encode_cursor(position: &Position, sandbox: &Sandbox) -> String {
    let mut bytes = Vec::with_capacity(1 + ROOT_LEN + position.name.len() + CHECK_LEN);
    bytes.push(CURSOR_VERSION);
    bytes.extend_from_slice(&position.root.to_be_bytes());
    bytes.extend_from_slice(&position.name);
    let check = check_value(sandbox, &bytes);
    bytes.extend_from_slice(&check);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The position a cursor stands for, or `None` if it is not one this process issued
/// for these roots.
fn decode_cursor(cursor: &str, sandbox: &Sandbox) -> Option<Position> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let (payload, check) = bytes.split_at_checked(bytes.len().checked_sub(CHECK_LEN)?)?;
    if check != check_value(sandbox, payload) {
        return None;
    }
    let (&version, rest) = payload.split_first()?;
    if version != CURSOR_VERSION {
        return None;
    }
    let (root, name) = rest.split_at_checked(ROOT_LEN)?;
    Some(Position {
        root: u32::from_be_bytes(root.try_into().ok()?),
        name: name.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ErrorCode;
    use std::collections::HashSet;
    use std::os::unix::fs::symlink;

    fn sandbox_with(files: usize) -> (tempfile::TempDir, Sandbox) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("a-directory")).unwrap();
        for i in 0..files {
            std::fs::write(root.join(format!("f{i:04}.txt")), "x".repeat(i)).unwrap();
        }
        std::fs::write(t.path().join("outside.txt"), "secret").unwrap();
        let sb = Sandbox::open(&[root]).unwrap();
        (t, sb)
    }

    /// Lists every page; returns all URIs in order and the number of pages.
    fn list_all(sb: &Sandbox) -> (Vec<String>, usize) {
        let mut uris = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = list_page(sb, cursor.as_deref()).unwrap();
            pages += 1;
            assert!(page.resources.len() <= PAGE_SIZE);
            uris.extend(page.resources.iter().map(|r| r.uri.clone()));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return (uris, pages),
            }
        }
    }

    #[test]
    fn cursors_round_trip() {
        let (_t, sb) = sandbox_with(0);
        for position in [
            Position {
                root: 0,
                name: b"a.txt".to_vec(),
            },
            Position {
                root: 3,
                name: "ünïcode 🦀".as_bytes().to_vec(),
            },
            Position {
                root: 0,
                name: Vec::new(),
            },
        ] {
            let cursor = encode_cursor(&position, &sb);
            assert!(!cursor.contains("txt"), "opaque: {cursor}");
            assert_eq!(decode_cursor(&cursor, &sb), Some(position));
        }
    }

    #[test]
    fn altered_or_foreign_cursors_are_refused() {
        let (_t, sb) = sandbox_with(0);
        let position = Position {
            root: 0,
            name: b"f0001.txt".to_vec(),
        };
        let cursor = encode_cursor(&position, &sb);
        let bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        for i in 0..bytes.len() {
            let mut tampered = bytes.clone();
            tampered[i] ^= 0x01;
            let tampered = URL_SAFE_NO_PAD.encode(tampered);
            assert_eq!(decode_cursor(&tampered, &sb), None, "byte {i} flipped");
        }
        let truncated = URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() - 1]);
        for bad in ["", "!!!", "AAAA", &truncated, &format!("{cursor}=")] {
            assert_eq!(decode_cursor(bad, &sb), None, "{bad:?}");
        }
        let (_t2, other_roots) = sandbox_with(0);
        assert_eq!(decode_cursor(&cursor, &other_roots), None);
    }

    #[test]
    fn an_invalid_cursor_is_invalid_params() {
        let (_t, sb) = sandbox_with(3);
        let error = list_page(&sb, Some("bm90LWEtY3Vyc29y")).unwrap_err();
        assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    }

    #[test]
    fn pages_cover_every_file_exactly_once() {
        let (_t, sb) = sandbox_with(2 * PAGE_SIZE + 50);
        let (uris, pages) = list_all(&sb);
        assert_eq!(pages, 3);
        assert_eq!(uris.len(), 2 * PAGE_SIZE + 50);
        assert_eq!(uris.iter().collect::<HashSet<_>>().len(), uris.len());
        assert!(uris.iter().all(|u| !u.contains("a-directory")));
    }

    #[test]
    fn an_exact_multiple_of_the_page_size_has_no_empty_last_page() {
        let (_t, sb) = sandbox_with(PAGE_SIZE);
        let (uris, pages) = list_all(&sb);
        assert_eq!((uris.len(), pages), (PAGE_SIZE, 1));
    }

    #[test]
    fn resources_carry_name_mime_type_and_size() {
        let (_t, sb) = sandbox_with(3);
        let root = sb.roots()[0].path.clone();
        std::fs::write(root.join("pic.png"), [0u8; 5]).unwrap();
        let page = list_page(&sb, None).unwrap();
        let png = page.resources.iter().find(|r| r.name == "pic.png").unwrap();
        assert_eq!(png.mime_type.as_deref(), Some("image/png"));
        assert_eq!(png.size, Some(5));
        let expected = url::Url::from_file_path(root.join("pic.png")).unwrap();
        assert_eq!(png.uri, expected.as_str());
        let f2 = page
            .resources
            .iter()
            .find(|r| r.name == "f0002.txt")
            .unwrap();
        assert_eq!(f2.size, Some(2));
    }

    #[test]
    fn links_are_listed_only_when_they_stay_inside() {
        let (t, sb) = sandbox_with(1);
        let root = sb.roots()[0].path.clone();
        symlink("f0000.txt", root.join("inside-link")).unwrap();
        symlink(t.path().join("outside.txt"), root.join("outside-link")).unwrap();
        symlink("a-directory", root.join("dir-link")).unwrap();
        let names: Vec<String> = list_page(&sb, None)
            .unwrap()
            .resources
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["f0000.txt", "inside-link"]);
    }

    #[test]
    fn entries_added_between_pages_shift_nothing() {
        let (_t, sb) = sandbox_with(PAGE_SIZE + 10);
        let first = list_page(&sb, None).unwrap();
        let root = sb.roots()[0].path.clone();
        // New names before and after the cursor; a removed one before it.
        std::fs::write(root.join("a-new-early.txt"), "").unwrap();
        std::fs::write(root.join("z-new-late.txt"), "").unwrap();
        std::fs::remove_file(root.join("f0000.txt")).unwrap();
        let second = list_page(&sb, first.next_cursor.as_deref()).unwrap();
        let seen: HashSet<&str> = first
            .resources
            .iter()
            .chain(&second.resources)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(seen.len(), first.resources.len() + second.resources.len());
        for i in 0..PAGE_SIZE + 10 {
            assert!(seen.contains(format!("f{i:04}.txt").as_str()), "f{i:04}");
        }
        assert!(seen.contains("z-new-late.txt"));
    }
}

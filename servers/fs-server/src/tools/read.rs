//! The tools that read: `read_text_file`, `read_media_file`, `read_multiple_files`
//! and `get_file_info`, each with its parameters and its handler. The reading itself
//! is done by [`crate::text`], [`crate::media`] and [`crate::file_info`].

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use shared::ToolError;

use crate::error::{FsError, FsResult};
use crate::media::MediaContent;
use crate::sandbox::Sandbox;
use crate::server::FsServer;
use crate::text::{self, Range};

/// `read_multiple` bounds its whole output at this many times the per-file cap.
pub const MULTIPLE_TOTAL_FACTOR: usize = 4;

/// Read a UTF-8 text file, whole or in part.
///
/// With only `path`, the whole file is returned (up to the server's size cap; a
/// longer file ends with a `[truncated: ...]` line that says exactly which call
/// reads the rest). To read part of a file use ONE of:
/// - `head`: the first N lines, e.g. `{"path": "README.md", "head": 50}`
/// - `tail`: the last N lines, e.g. `{"path": "logs/app.log", "tail": 100}`
/// - `offset` and/or `limit`: a range of lines, e.g. `{"path": "src/main.rs", "offset": 120, "limit": 40}`
///   reads lines 120 to 159.
///
/// Binary files are refused: use `read_media_file` for images, audio and other binaries.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ReadTextParams {
    /// File to read.
    pub path: String,
    /// Only the first N lines.
    pub head: Option<usize>,
    /// Only the last N lines.
    pub tail: Option<usize>,
    /// First line to return, counting from 1.
    pub offset: Option<usize>,
    /// Most lines to return from `offset`.
    pub limit: Option<usize>,
    /// Prefix each line with its number and a tab, like `cat -n`.
    pub line_numbers: Option<bool>,
}

impl ReadTextParams {
    /// Parameters that read the whole of `path`.
    pub fn for_path(path: &str) -> Self {
        Self {
            path: path.to_string(),
            ..Default::default()
        }
    }
}

/// Read an image, audio or other binary file, returned as base64 with its MIME type.
/// Example: `{"path": "docs/diagram.png"}`. For text files use `read_text_file`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ReadMediaParams {
    /// File to read.
    pub path: String,
}

/// Read several text files in one call; each appears under a `==> path <==` header.
/// A file that cannot be read shows its error in its place and does not stop the others.
/// Example: `{"paths": ["Cargo.toml", "src/lib.rs"]}`. For one file, or to read part
/// of a large file, use `read_text_file`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ReadMultipleParams {
    /// Files to read.
    pub paths: Vec<String>,
}

/// Show metadata of a file, directory or symbolic link: type (and link target), size,
/// modified/accessed/created times (UTC), permissions, and for files up to 8 MiB a
/// `sha256:` content hash. Example: `{"path": "src/main.rs"}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct FileInfoParams {
    /// File, directory or link.
    pub path: String,
}

impl ReadTextParams {
    /// The lines these parameters ask for; `head`, `tail` and `offset`/`limit` exclude
    /// each other.
    fn range(&self) -> FsResult<Range> {
        let p = self;
        let ranged = p.offset.is_some() || p.limit.is_some();
        match (p.head, p.tail) {
            (Some(_), Some(_)) => Err(FsError::InvalidArgument(
                "use either head or tail, not both; to read a middle section use offset and limit"
                    .into(),
            )),
            (Some(_), None) | (None, Some(_)) if ranged => Err(FsError::InvalidArgument(
                "head and tail cannot be combined with offset/limit: use head (first N lines), tail (last N lines), or offset with limit (a range of lines)".into(),
            )),
            (Some(n), None) => Ok(Range::From {
                offset: 1,
                limit: Some(n),
            }),
            (None, Some(n)) => Ok(Range::Tail(n)),
            (None, None) => match p.offset {
                Some(0) => Err(FsError::InvalidArgument(
                    "offset counts from 1: the first line is offset 1".into(),
                )),
                offset => Ok(Range::From {
                    offset: offset.unwrap_or(1),
                    limit: p.limit,
                }),
            },
        }
    }
}

/// Reads a text file (or part of it): the text alone (for read_multiple_files and
/// tests).
pub fn read_text(sb: &Sandbox, p: &ReadTextParams, max_bytes: usize) -> FsResult<String> {
    read_text_as(sb, p, max_bytes, false)
}

/// The read_text_file tool's output: like [`read_text`], followed by a
/// `[sha256: HEX]` line for the whole file (files up to
/// [`crate::hash::HASH_LIMIT`]), which the write tools accept as `expected_sha256`.
pub fn read_text_with_hash(sb: &Sandbox, p: &ReadTextParams, max_bytes: usize) -> FsResult<String> {
    read_text_as(sb, p, max_bytes, true)
}

fn read_text_as(
    sb: &Sandbox,
    p: &ReadTextParams,
    max_bytes: usize,
    report_hash: bool,
) -> FsResult<String> {
    let range = p.range()?;
    let line_numbers = p.line_numbers.unwrap_or(false);
    text::read_text(sb, &p.path, range, line_numbers, max_bytes, report_hash)
}

/// Reads each file as text under a `==> path <==` header. A failing file shows its
/// error in its place. The whole output is bounded at
/// `max_bytes_each * MULTIPLE_TOTAL_FACTOR`; files past that are listed in a notice.
pub fn read_multiple(sb: &Sandbox, paths: &[String], max_bytes_each: usize) -> String {
    if paths.is_empty() {
        return "No paths given: pass {\"paths\": [\"a.txt\", \"b.txt\"]}.\n".into();
    }
    let total_cap = max_bytes_each.saturating_mul(MULTIPLE_TOTAL_FACTOR);
    let mut out = String::new();
    for (i, path) in paths.iter().enumerate() {
        let left = total_cap.saturating_sub(out.len());
        if left == 0 {
            out.push_str(&multiple_notice(&paths[i..], total_cap));
            break;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("==> {path} <==\n"));
        match text::read_text(
            sb,
            path,
            Range::WHOLE,
            false,
            max_bytes_each.min(left),
            false,
        ) {
            Ok(text) => {
                out.push_str(&text);
                if !text.is_empty() && !text.ends_with('\n') {
                    out.push('\n');
                }
            }
            Err(e) => out.push_str(&format!("error: {e}\n")),
        }
    }
    out
}

fn multiple_notice(rest: &[String], cap: usize) -> String {
    format!(
        "\n[output cap of {cap} bytes reached; {} file(s) not read: {}. Read them with read_text_file, or in a smaller read_multiple_files call]\n",
        rest.len(),
        rest.join(", ")
    )
}

#[tool_router(router = read_router, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "Read a UTF-8 text file: whole, the first or last N lines, or a line range. Examples: {\"path\": \"README.md\"}; {\"path\": \"src/main.rs\", \"offset\": 120, \"limit\": 40, \"line_numbers\": true}; {\"path\": \"app.log\", \"tail\": 50}. Long output is cut at a line with a notice giving the offset to continue from.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn read_text_file(
        &self,
        Parameters(p): Parameters<ReadTextParams>,
    ) -> Result<String, ToolError> {
        let max = self.limits().max_read_bytes;
        self.blocking(move |sb| read_text_with_hash(sb, &p, max))
            .await
    }

    #[tool(
        description = "Read an image or audio file as image/audio content, any other binary file as an embedded base64 resource. Example: {\"path\": \"docs/diagram.png\"}. For text use read_text_file.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn read_media_file(
        &self,
        Parameters(p): Parameters<ReadMediaParams>,
    ) -> Result<CallToolResult, ToolError> {
        let max = self.limits().max_media_bytes;
        let media = self
            .blocking(move |sb| crate::media::read_media(sb, &p.path, max))
            .await?;
        Ok(CallToolResult::success(vec![media_block(media)]))
    }

    #[tool(
        description = "Read several text files at once, each under a `==> path <==` header; a file that fails shows its error without failing the others. Example: {\"paths\": [\"Cargo.toml\", \"src/lib.rs\"]}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn read_multiple_files(
        &self,
        Parameters(p): Parameters<ReadMultipleParams>,
    ) -> Result<String, ToolError> {
        let max = self.limits().max_read_bytes;
        self.blocking(move |sb| Ok(read_multiple(sb, &p.paths, max)))
            .await
    }

    #[tool(
        description = "A file's or directory's type, size, times, permissions, and sha256 (files up to 8 MiB). Example: {\"path\": \"Cargo.lock\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_file_info(
        &self,
        Parameters(p): Parameters<FileInfoParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| crate::file_info::file_info(sb, &p.path))
            .await
    }
}

fn media_block(media: MediaContent) -> ContentBlock {
    match media {
        MediaContent::Image { mime, data_base64 } => ContentBlock::image(data_base64, mime),
        MediaContent::Audio { mime, data_base64 } => ContentBlock::audio(data_base64, mime),
        MediaContent::Blob {
            mime,
            data_base64,
            uri,
        } => ContentBlock::resource(ResourceContents::BlobResourceContents {
            uri,
            mime_type: Some(mime),
            blob: data_base64,
            meta: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_mutually_exclusive() {
        let from = |offset, limit| Range::From { offset, limit };
        let head = |n| from(1, Some(n));
        let p = |head, tail, offset, limit| ReadTextParams {
            path: "x".into(),
            head,
            tail,
            offset,
            limit,
            line_numbers: None,
        };
        assert!(p(Some(1), Some(1), None, None).range().is_err());
        assert!(p(Some(1), None, Some(1), None).range().is_err());
        assert!(p(None, Some(1), None, Some(3)).range().is_err());
        assert!(p(None, None, Some(0), None).range().is_err());
        assert_eq!(
            p(None, None, None, Some(3)).range().unwrap(),
            from(1, Some(3))
        );
        assert_eq!(p(Some(4), None, None, None).range().unwrap(), head(4));
    }
}

#[cfg(test)]
mod sandbox_tests {
    use super::*;
    use crate::error::FsError;
    use crate::file_info::file_info;
    use crate::media::read_media;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, Sandbox) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.txt"), "one\ntwo\nthree\n").unwrap();
        std::fs::write(root.join("bin.dat"), b"\x89PNG\r\n\x1a\n\0\0").unwrap();
        std::fs::write(root.join("pic.png"), b"\x89PNG\r\n\x1a\n\0\0").unwrap();
        std::fs::write(t.path().join("secret"), "SECRET").unwrap();
        symlink("a.txt", root.join("link")).unwrap();
        symlink(t.path().join("secret"), root.join("out")).unwrap();
        symlink("gone.txt", root.join("dangling")).unwrap();
        let sb = Sandbox::open(&[root]).unwrap();
        (t, sb)
    }

    fn params(path: &str) -> ReadTextParams {
        ReadTextParams {
            path: path.into(),
            ..Default::default()
        }
    }

    #[test]
    fn read_text_through_sandbox() {
        let (_t, sb) = setup();
        assert_eq!(
            read_text(&sb, &params("a.txt"), 1000).unwrap(),
            "one\ntwo\nthree\n"
        );
        let p = ReadTextParams {
            tail: Some(1),
            line_numbers: Some(true),
            ..params("link")
        };
        assert_eq!(read_text(&sb, &p, 1000).unwrap(), "     3\tthree\n");
        assert!(matches!(
            read_text(&sb, &params("out"), 1000),
            Err(FsError::Escape { .. })
        ));
        assert!(matches!(
            read_text(&sb, &params("bin.dat"), 1000),
            Err(FsError::NotText { .. })
        ));
        assert!(matches!(
            read_text(&sb, &params("sub"), 1000),
            Err(FsError::IsADirectory { .. })
        ));
    }

    #[test]
    fn tool_calls_end_with_the_whole_file_hash_and_internal_reads_do_not() {
        let (t, sb) = setup();
        const HASH: &str = "b6285c57e8797db5d4c51c80d6f11938afda9b11c6a003549709189e9b4b92a2";
        let p: ReadTextParams = serde_json::from_str(r#"{"path": "a.txt"}"#).unwrap();
        assert_eq!(
            read_text_with_hash(&sb, &p, 1000).unwrap(),
            format!("one\ntwo\nthree\n[sha256: {HASH}]\n")
        );
        // The hash is of the whole file, whatever part is shown.
        let p: ReadTextParams = serde_json::from_str(r#"{"path": "a.txt", "tail": 1}"#).unwrap();
        assert_eq!(
            read_text_with_hash(&sb, &p, 1000).unwrap(),
            format!("three\n[sha256: {HASH}]\n")
        );
        // Internal reads (resources, read_multiple) return the text alone.
        assert_eq!(
            read_text(&sb, &params("a.txt"), 1000).unwrap(),
            "one\ntwo\nthree\n"
        );
        std::fs::write(t.path().join("root/nonl.txt"), "x\ny").unwrap();
        let p: ReadTextParams = serde_json::from_str(r#"{"path": "nonl.txt"}"#).unwrap();
        let out = read_text_with_hash(&sb, &p, 1000).unwrap();
        assert!(
            out.starts_with("x\ny\n[sha256: ") && out.ends_with("; no newline at end of file]\n"),
            "{out:?}"
        );
    }

    #[test]
    fn media_kinds_and_cap() {
        let (_t, sb) = setup();
        match read_media(&sb, "pic.png", 100).unwrap() {
            MediaContent::Image { mime, data_base64 } => {
                assert_eq!(mime, "image/png");
                assert_eq!(data_base64, "iVBORw0KGgoAAA==");
            }
            other => panic!("{other:?}"),
        }
        match read_media(&sb, "a.txt", 100).unwrap() {
            MediaContent::Blob { mime, uri, .. } => {
                assert_eq!(mime, "text/plain");
                assert!(
                    uri.starts_with("file:///") && uri.ends_with("/root/a.txt"),
                    "{uri}"
                );
            }
            other => panic!("{other:?}"),
        }
        let err = read_media(&sb, "pic.png", 4).unwrap_err();
        assert!(
            matches!(
                err,
                FsError::TooLarge {
                    size: 10,
                    limit: 4,
                    ..
                }
            ),
            "{err}"
        );
        assert!(read_media(&sb, "out", 100).is_err());
    }

    #[test]
    fn multiple_reports_each_file() {
        let (_t, sb) = setup();
        let paths = vec![
            "a.txt".to_string(),
            "missing".into(),
            "out".into(),
            "link".into(),
        ];
        let out = read_multiple(&sb, &paths, 1000);
        assert!(
            out.starts_with("==> a.txt <==\none\ntwo\nthree\n\n==> missing <==\nerror: not found"),
            "{out}"
        );
        assert!(out.contains("==> out <==\nerror: access denied"), "{out}");
        assert!(out.ends_with("==> link <==\none\ntwo\nthree\n"), "{out}");
        assert!(!out.contains("SECRET"));
    }

    #[test]
    fn multiple_bounds_total_output() {
        let (_t, sb) = setup();
        let paths = vec!["a.txt".to_string(); 10];
        let out = read_multiple(&sb, &paths, 8);
        assert!(out.len() < 8 * MULTIPLE_TOTAL_FACTOR + 400, "{out}");
        assert!(out.contains("file(s) not read"), "{out}");
    }

    #[test]
    fn file_info_of_file_link_and_escaping_link() {
        let (_t, sb) = setup();
        let info = file_info(&sb, "a.txt").unwrap();
        assert!(info.contains("type: file\n"), "{info}");
        assert!(info.contains("size: 14 bytes (14 B)\n"), "{info}");
        assert!(info.contains("modified: 20"), "{info}");
        assert!(info.contains("permissions: 0"), "{info}");
        // sha256 of "one\ntwo\nthree\n"
        assert!(
            info.contains(
                "sha256: b6285c57e8797db5d4c51c80d6f11938afda9b11c6a003549709189e9b4b92a2"
            ),
            "{info}"
        );
        let info = file_info(&sb, "link").unwrap();
        assert!(
            info.contains("type: symlink -> a.txt (resolves to "),
            "{info}"
        );
        assert!(info.contains("target type: file"), "{info}");
        let info = file_info(&sb, "out").unwrap();
        assert!(info.contains("points outside the allowed roots"), "{info}");
        assert!(!info.contains("sha256"), "{info}");
        let info = file_info(&sb, "dangling").unwrap();
        assert!(info.contains("dangling"), "{info}");
        let info = file_info(&sb, "sub").unwrap();
        assert!(info.contains("type: directory"), "{info}");
    }
}

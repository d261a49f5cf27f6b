//! The `file://` resource template: any file under the roots, read by URI.
//!
//! `file:///abs/path` URIs map to host paths and go through the same sandbox as the
//! tools. Text files come back as text (bounded like read_text_file), anything else
//! as a base64 blob (bounded like read_media_file). Also converts client MCP roots
//! (`file://` URIs) to paths.

use std::path::PathBuf;

use rmcp::ErrorData as McpError;
#[allow(deprecated)]
use rmcp::model::Root;
use rmcp::model::{ReadResourceResult, ResourceContents, ResourceTemplate};

use crate::config::Limits;
use crate::media::{MediaContent, read_media};
use crate::sandbox::Sandbox;
use crate::text::{Range, read_text};

/// The one template fs-server offers.
pub fn file_template() -> ResourceTemplate {
    ResourceTemplate::new("file:///{+path}", "file")
        .with_title("File under an allowed root")
        .with_description("Any file under the server's roots, by absolute path, e.g. file:///home/me/project/README.md")
}

/// The MIME type for a path, from its extension (text/plain when unknown and text).
pub fn mime_for(path: &std::path::Path) -> String {
    mime_guess::from_path(path)
        .first_raw()
        .unwrap_or("text/plain")
        .to_string()
}

/// Reads the file a `file://` URI names.
pub fn read(sandbox: &Sandbox, uri: &str, limits: &Limits) -> Result<ReadResourceResult, McpError> {
    let path = uri_to_path(uri).ok_or_else(|| {
        McpError::invalid_params(
            format!("not a file URI: {uri}. Use file:///absolute/path under one of the roots."),
            Some(serde_json::json!({"uri": uri})),
        )
    })?;
    let path_text = path.to_string_lossy().into_owned();
    match read_text(
        sandbox,
        &path_text,
        Range::WHOLE,
        false,
        limits.max_read_bytes,
        false,
    ) {
        Ok(text) => Ok(ReadResourceResult::new(vec![
            ResourceContents::TextResourceContents {
                uri: uri.to_string(),
                mime_type: Some(mime_for(&path)),
                text,
                meta: None,
            },
        ])),
        Err(crate::error::FsError::NotText { .. }) => {
            let media = read_media(sandbox, &path_text, limits.max_media_bytes)
                .map_err(|e| not_found_or_invalid(uri, e))?;
            let (mime, blob) = match media {
                MediaContent::Image { mime, data_base64 }
                | MediaContent::Audio { mime, data_base64 }
                | MediaContent::Blob {
                    mime, data_base64, ..
                } => (mime, data_base64),
            };
            Ok(ReadResourceResult::new(vec![
                ResourceContents::BlobResourceContents {
                    uri: uri.to_string(),
                    mime_type: Some(mime),
                    blob,
                    meta: None,
                },
            ]))
        }
        Err(e) => Err(not_found_or_invalid(uri, e)),
    }
}

/// Maps a failure to reach the file behind `uri` to the JSON-RPC error a resource
/// request gets: not found (the protocol version picks the code) or invalid params.
pub(crate) fn not_found_or_invalid(uri: &str, e: crate::error::FsError) -> McpError {
    use crate::error::FsError;
    match e {
        FsError::NotFound { .. } => McpError::resource_not_found(
            format!("resource not found: {uri}"),
            Some(serde_json::json!({"uri": uri})),
        ),
        other => McpError::invalid_params(other.to_string(), None),
    }
}

/// `file:///a/b%20c` → `/a/b c`; `None` for anything else.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    url::Url::parse(uri)
        .ok()
        .filter(|u| u.scheme() == "file")?
        .to_file_path()
        .ok()
}

/// The local paths of the client's `file://` roots (others are skipped).
#[allow(deprecated)]
pub fn root_paths(roots: &[Root]) -> Vec<PathBuf> {
    roots.iter().filter_map(|r| uri_to_path(&r.uri)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            uri_to_path("file:///tmp/a%20b.txt"),
            Some(PathBuf::from("/tmp/a b.txt"))
        );
        assert_eq!(uri_to_path("https://example.com/x"), None);
        assert_eq!(uri_to_path("not a uri"), None);
    }

    #[test]
    fn mime_types_follow_extensions() {
        assert_eq!(mime_for(std::path::Path::new("a.png")), "image/png");
        assert_eq!(mime_for(std::path::Path::new("a.rs")), "text/x-rust");
        assert_eq!(mime_for(std::path::Path::new("noext")), "text/plain");
    }
}

//! Reading a whole file as media: base64 with a MIME type from its extension or, when
//! that says nothing, from its first bytes (magic numbers).

use std::io::Read;
use std::path::Path;

use base64::Engine;

use crate::error::{FsError, FsResult};
use crate::sandbox::{Resolved, Sandbox};

/// The content of a media file, ready to become an MCP content item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaContent {
    /// An image (`image/*`).
    Image {
        /// Its MIME type.
        mime: String,
        /// Its bytes, base64.
        data_base64: String,
    },
    /// Audio (`audio/*`).
    Audio {
        /// Its MIME type.
        mime: String,
        /// Its bytes, base64.
        data_base64: String,
    },
    /// Anything else, as an embedded resource.
    Blob {
        /// Its MIME type.
        mime: String,
        /// Its bytes, base64.
        data_base64: String,
        /// `file://` URI of the file (percent-encoded absolute path).
        uri: String,
    },
}

/// Reads a whole file as base64 with its MIME type (from the extension, else from
/// magic numbers). Files over `max_bytes` are refused with `TooLarge`.
pub fn read_media(sb: &Sandbox, path: &str, max_bytes: u64) -> FsResult<MediaContent> {
    let r = sb.resolve(path)?;
    let file = sb.open_file(&r)?;
    let size = file.metadata().map_err(|e| FsError::io(&r.abs, e))?.len();
    let too_large = |size| {
        FsError::TooLarge {
        path: r.abs.display().to_string(),
        size,
        limit: max_bytes,
        tool: "read_media_file",
        hint: "Media is returned whole; use get_file_info to inspect it, or ask the user for a smaller version.".into(),
    }
    };
    if size > max_bytes {
        return Err(too_large(size));
    }
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| FsError::io(&r.abs, e))?;
    if data.len() as u64 > max_bytes {
        return Err(too_large(data.len() as u64));
    }
    let mime = guess_mime(&r.rel, &data);
    let data_base64 = base64::engine::general_purpose::STANDARD.encode(&data);
    Ok(classify(mime, data_base64, &r))
}

fn classify(mime: String, data_base64: String, r: &Resolved) -> MediaContent {
    if mime.starts_with("image/") {
        MediaContent::Image { mime, data_base64 }
    } else if mime.starts_with("audio/") {
        MediaContent::Audio { mime, data_base64 }
    } else {
        MediaContent::Blob {
            mime,
            data_base64,
            uri: file_uri(&r.abs),
        }
    }
}

/// `file://` URI of an absolute path, percent-encoded.
pub fn file_uri(abs: &Path) -> String {
    url::Url::from_file_path(abs)
        .map(String::from)
        .unwrap_or_else(|_| {
            let text = abs.to_string_lossy();
            let enc =
                percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC);
            format!("file://{}", enc.to_string().replace("%2F", "/"))
        })
}

/// MIME type from the extension; when unknown, from the first bytes.
fn guess_mime(path: &Path, data: &[u8]) -> String {
    match mime_guess::from_path(path).first_raw() {
        Some(m) => m.to_string(),
        None => sniff_mime(data)
            .unwrap_or("application/octet-stream")
            .to_string(),
    }
}

/// A few well-known magic numbers.
fn sniff_mime(data: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"BM", "image/bmp"),
        (b"%PDF-", "application/pdf"),
        (b"ID3", "audio/mpeg"),
        (b"OggS", "audio/ogg"),
        (b"fLaC", "audio/flac"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
    ];
    if data.len() >= 12 && &data[..4] == b"RIFF" {
        return match &data[8..12] {
            b"WEBP" => Some("image/webp"),
            b"WAVE" => Some("audio/wav"),
            _ => None,
        };
    }
    if data.len() >= 2 && data[0] == 0xff && data[1] & 0xe0 == 0xe0 {
        return Some("audio/mpeg");
    }
    MAGIC
        .iter()
        .find(|(magic, _)| data.starts_with(magic))
        .map(|(_, mime)| *mime)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_sniffing() {
        assert_eq!(guess_mime(Path::new("a.png"), b""), "image/png");
        assert_eq!(
            guess_mime(Path::new("noext"), b"\x89PNG\r\n\x1a\nrest"),
            "image/png"
        );
        assert_eq!(
            guess_mime(Path::new("noext"), b"RIFF\0\0\0\0WAVEfmt "),
            "audio/wav"
        );
        assert_eq!(
            guess_mime(Path::new("noext"), b"hello"),
            "application/octet-stream"
        );
    }

    #[test]
    fn uri_is_percent_encoded() {
        assert_eq!(
            file_uri(Path::new("/a b/ü.txt")),
            "file:///a%20b/%C3%BC.txt"
        );
    }
}

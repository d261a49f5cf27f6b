//! SHA-256 as lower-case hex: the hashes `read_text_file` and `get_file_info` report
//! and the write tools accept as `expected_sha256`.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

use crate::error::{FsError, FsResult};
use crate::sandbox::{Resolved, Sandbox};

/// Files up to this size get their hash reported (`get_file_info`, `read_text_file`,
/// after an append).
pub const HASH_LIMIT: u64 = 8 * 1024 * 1024;
/// Size of the read buffer when hashing a stream.
const CHUNK: usize = 64 * 1024;

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_of(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex SHA-256 of everything `reader` yields.
pub fn sha256_of_reader(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Hex SHA-256 of a file's content, read through the sandbox.
pub fn sha256_of_file(sb: &Sandbox, r: &Resolved) -> FsResult<String> {
    let file = sb.open_file(r)?;
    sha256_of_reader(file).map_err(|e| FsError::io(&r.abs, e))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hash_is_the_known_value() {
        assert_eq!(
            sha256_of(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(sha256_of_reader(&b""[..]).unwrap(), sha256_of(b""));
    }
}

//! Hex SHA-256 digests of secrets and identities: the keys under which credentials
//! are cached and rate-limited, and the tags under which callers appear in logs. A
//! digest stands in for the secret everywhere it would otherwise be kept or shown.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of `secret`, first 128 bits: ample to keep credentials apart.
pub fn key(secret: &str) -> String {
    hex_prefix(secret, 16)
}

/// 12 hex digits of SHA-256 of `text`: a short tag for logs.
pub fn short(text: &str) -> String {
    hex_prefix(text, 6)
}

fn hex_prefix(text: &str, bytes: usize) -> String {
    Sha256::digest(text.as_bytes())[..bytes]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_per_secret_and_hide_it() {
        let a = key("ghp_alice");
        assert_ne!(a, key("ghp_bob"));
        assert_eq!(a, key("ghp_alice"));
        assert_eq!((a.len(), short("x").len()), (32, 12));
        assert!(!a.contains("alice"));
    }
}

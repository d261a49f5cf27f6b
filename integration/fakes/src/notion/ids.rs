//! Object ids: UUIDs, generated deterministically (the demo seed has the same ids in
//! every run) and accepted with or without dashes, as Notion does.

/// A deterministic generator of UUID-shaped ids (SplitMix64).
#[derive(Debug, Clone)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A version-4-shaped UUID, lowercase with dashes.
    pub fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        dashed(&hex)
    }
}

/// A short id (property and option ids), stable for a name.
pub fn short(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (0..4)
        .map(|i| ALPHABET[((h >> (i * 8)) % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

/// The canonical (dashed, lowercase) form of an id given with or without dashes,
/// or `None` when it is not 32 hex digits.
pub fn parse(raw: &str) -> Option<String> {
    let hex: String = raw.trim().chars().filter(|c| *c != '-').collect();
    (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| dashed(&hex.to_ascii_lowercase()))
}

/// The id without dashes (as in Notion URLs).
pub fn compact(id: &str) -> String {
    id.replace('-', "")
}

fn dashed(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_and_parse_both_ways() {
        let mut ids = IdGen::new(1);
        let a = ids.uuid();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_eq!(parse(&a), Some(a.clone()));
        assert_eq!(parse(&compact(&a).to_uppercase()), Some(a.clone()));
        assert_ne!(ids.uuid(), a);
        assert_eq!(parse("not-an-id"), None);
        assert_eq!(IdGen::new(1).uuid(), a, "deterministic");
    }
}

//! Notion ids as the tools accept them: a UUID with or without dashes, or any Notion
//! URL that ends in one (`https://www.notion.so/Title-1a2b…`), normalised to the
//! dashed form the API paths use.

/// The dashed UUID in `input`, or a message saying what was expected.
pub fn parse(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    let hex = last_hex_run(trimmed).ok_or_else(|| {
        format!(
            "`{trimmed}` is not a Notion id: pass the 32-hex-digit id (dashes optional) or the page's Notion URL, e.g. 1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"
        )
    })?;
    Ok(dashed(&hex))
}

/// The id as 32 lowercase hex digits (the form Notion URLs use).
pub fn compact(id: &str) -> String {
    id.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The `https://www.notion.so/…` URL of a page, block or database id.
pub fn notion_url(id: &str) -> String {
    format!("https://www.notion.so/{}", compact(id))
}

fn dashed(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The last run of exactly 32 hex digits (dashes inside a UUID ignored), looking at
/// the path part of a URL only (a `?v=` view id or `#` block anchor is skipped).
fn last_hex_run(text: &str) -> Option<String> {
    let path = text.split(['?', '#']).next().unwrap_or(text);
    let chars: Vec<char> = path.chars().collect();
    let mut end = chars.len();
    // Runs of hex digits and dashes, from the end of the path backwards.
    while end > 0 {
        let mut start = end;
        while start > 0 && (chars[start - 1].is_ascii_hexdigit() || chars[start - 1] == '-') {
            start -= 1;
        }
        if start == end {
            end -= 1;
            continue;
        }
        let run: String = chars[start..end].iter().collect();
        if let Some(found) = uuid_in_run(&run) {
            return Some(found);
        }
        end = start;
    }
    None
}

/// A UUID at the end of a run of hex digits and dashes (`Title-<32 hex>` puts words
/// before it; a dashed UUID is 8-4-4-4-12).
fn uuid_in_run(run: &str) -> Option<String> {
    let run = run.trim_matches('-');
    let parts: Vec<&str> = run.split('-').collect();
    if parts.len() >= 5 {
        let tail = &parts[parts.len() - 5..];
        let lens: Vec<usize> = tail.iter().map(|p| p.len()).collect();
        if lens == [8, 4, 4, 4, 12] {
            return Some(tail.concat().to_ascii_lowercase());
        }
    }
    let last = parts.last()?;
    (last.len() == 32).then(|| last.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dashed_compact_and_urls() {
        let want = "1a2b3c4d-5e6f-47a8-b9c0-d1e2f3a4b5c6";
        assert_eq!(parse(want).unwrap(), want);
        assert_eq!(parse("1A2B3C4D5E6F47A8B9C0D1E2F3A4B5C6").unwrap(), want);
        assert_eq!(
            parse("https://www.notion.so/acme/Road-map-1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6?v=ffffffffffffffffffffffffffffffff").unwrap(),
            want
        );
        assert_eq!(
            parse("https://www.notion.so/Deadbeef-1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6#abc").unwrap(),
            want
        );
        assert!(parse("not an id").is_err());
        assert!(parse("1234").is_err());
        assert_eq!(compact(want), "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6");
    }
}

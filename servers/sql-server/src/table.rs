//! The compact text table that accompanies every result: a header, a rule, one line
//! per row, cells separated by ` | `. Cells are padded to a common width only up to a
//! limit, so a wide column does not pad every other line; newlines inside values are
//! shown as `\n` so each row stays on one line.

use serde_json::Value;

/// Widest padding a column gets; longer cells simply run on.
const PAD_LIMIT: usize = 24;

/// A cell as text: strings bare, NULL as `NULL`, JSON compact.
pub fn cell(v: &Value) -> String {
    let s = match v {
        Value::Null => "NULL".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
        .replace('|', "\\|")
}

/// Renders a header and rows.
pub fn render(header: &[String], rows: &[Vec<Value>]) -> String {
    let cells: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            let w = cells
                .iter()
                .filter_map(|r| r.get(c))
                .chain(std::iter::once(&header[c]))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0);
            w.min(PAD_LIMIT)
        })
        .collect();
    let mut out = String::new();
    line(&mut out, header.iter().map(String::as_str), &widths);
    out.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat((*w).max(1)))
            .collect::<Vec<_>>()
            .join("-+-"),
    );
    out.push('\n');
    for row in &cells {
        line(&mut out, row.iter().map(String::as_str), &widths);
    }
    out
}

fn line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, widths: &[usize]) {
    let parts: Vec<String> = cells
        .zip(widths)
        .map(|(c, w)| format!("{c:<w$}", w = *w))
        .collect();
    out.push_str(parts.join(" | ").trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_aligned_rows() {
        let text = render(
            &["id".into(), "name".into()],
            &[vec![json!(1), json!("Ann")], vec![json!(22), Value::Null]],
        );
        assert_eq!(text, "id | name\n---+-----\n1  | Ann\n22 | NULL\n");
    }

    #[test]
    fn newlines_and_pipes_are_escaped() {
        assert_eq!(cell(&json!("a\nb|c")), "a\\nb\\|c");
        assert_eq!(cell(&json!({"k": [1]})), "{\"k\":[1]}");
    }
}

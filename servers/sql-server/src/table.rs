//! The compact text table that accompanies every result: a header, a rule, one line
//! per row, cells separated by ` | `. Cells are padded to a common width only up to a
//! limit, so a wide column does not pad every other line; newlines inside values are
//! shown as `\n` so each row stays on one line.

use serde_json::Value;

/// Widest padding a column gets; longer cells simply run on.
const PAD_LIMIT: usize = 24;

/// A cell as text: strings bare, NULL as `NULL`, JSON compact; backslashes, newlines, tabs
/// and `|` escaped so each row stays on one line.
pub fn cell(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Null => out.push_str("NULL"),
        Value::String(s) => push_escaped(&mut out, s),
        other => push_escaped(&mut out, &other.to_string()),
    }
    out
}

fn push_escaped(out: &mut String, s: &str) {
    out.reserve(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '|' => out.push_str("\\|"),
            c => out.push(c),
        }
    }
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
    let line_guess: usize = widths.iter().map(|w| w + 3).sum::<usize>() + 1;
    let mut out = String::with_capacity(line_guess * (cells.len() + 2));
    line(&mut out, header.iter().map(String::as_str), &widths);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            out.push_str("-+-");
        }
        out.extend(std::iter::repeat_n('-', (*w).max(1)));
    }
    out.push('\n');
    for row in &cells {
        line(&mut out, row.iter().map(String::as_str), &widths);
    }
    out
}

/// Appends one line: cells padded to their column's width, ` | ` between them, no
/// trailing whitespace.
fn line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, widths: &[usize]) {
    let start = out.len();
    for (i, (c, w)) in cells.zip(widths).enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        out.push_str(c);
        out.extend(std::iter::repeat_n(
            ' ',
            w.saturating_sub(c.chars().count()),
        ));
    }
    let kept = out[start..].trim_end().len();
    out.truncate(start + kept);
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
    fn lines_end_without_padding_and_empty_rows_stay() {
        let text = render(
            &["a".into(), "b".into()],
            &[
                vec![json!("x  "), json!("")],
                vec![json!("wide value"), json!(2)],
            ],
        );
        assert_eq!(
            text,
            "a          | b\n-----------+--\nx          |\nwide value | 2\n"
        );
    }

    #[test]
    fn newlines_and_pipes_are_escaped() {
        assert_eq!(cell(&json!("a\nb|c")), "a\\nb\\|c");
        assert_eq!(cell(&json!({"k": [1]})), "{\"k\":[1]}");
    }
}

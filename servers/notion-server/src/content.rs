//! What `update_page_content` decides before it writes, whichever path it takes
//! (the markdown endpoint or the block walk): which top-level blocks the range
//! covers ([`locate`]), which of them are kept because Markdown cannot express them
//! (child pages, child databases, synced blocks, embeds, unsupported blocks), and
//! the dry-run report ([`report`]) with a diff of the range before and after.
//!
//! Kept blocks are never removed: they stay at the start of the range, in their
//! order, and the new content follows them.

use similar::TextDiff;

/// A range of top-level blocks, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first block's index.
    pub first: usize,
    /// The last block's index.
    pub last: usize,
}

fn short(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut s: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// The blocks from the one containing `start` to the first one from there that
/// contains `end` (default: `start`'s block); `None` for the whole page when no
/// anchor is given. `texts` are the blocks as `get_page` shows them.
pub fn locate(
    texts: &[String],
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Option<Span>, String> {
    let start = start.map(str::trim).filter(|s| !s.is_empty());
    let end = end.map(str::trim).filter(|s| !s.is_empty());
    let Some(start) = start else {
        if end.is_some() {
            return Err("end_text needs start_text: give both to replace a range, or neither to replace the whole page. Nothing was written.".into());
        }
        return Ok(None);
    };
    let hits: Vec<usize> = (0..texts.len())
        .filter(|&i| texts[i].contains(start))
        .collect();
    let first = match hits.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "start_text {start:?} is in no block of the page: copy it from the first block to replace, as get_page shows it. Nothing was written."
            ));
        }
        many => {
            let shown: Vec<String> = many
                .iter()
                .take(5)
                .map(|&i| format!("block {} ({})", i + 1, short(&texts[i])))
                .collect();
            return Err(format!(
                "start_text {start:?} is in {} blocks: {}; give text that only the first block to replace contains. Nothing was written.",
                many.len(),
                shown.join(", ")
            ));
        }
    };
    let end = end.unwrap_or(start);
    let last = (first..texts.len())
        .find(|&i| texts[i].contains(end))
        .ok_or_else(|| {
            format!(
                "end_text {end:?} is in no block from the start_text block ({}) on: copy it from the last block to replace. Nothing was written.",
                short(&texts[first])
            )
        })?;
    Ok(Some(Span { first, last }))
}

/// What an update would do, for the dry run and the answer.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `markdown endpoint` or `block walk`.
    pub path: &'static str,
    /// Top-level blocks in the page.
    pub total: usize,
    /// The range (`None`: the whole page).
    pub span: Option<Span>,
    /// Blocks of the range that are replaced.
    pub replaced: usize,
    /// Blocks of the range that are kept, described.
    pub kept: Vec<String>,
    /// Blocks the new Markdown makes (top level).
    pub new_blocks: usize,
    /// The range as `get_page` shows it now.
    pub before: String,
    /// The range as it will read after the update.
    pub after: String,
}

impl Plan {
    fn range_text(&self) -> String {
        match self.span {
            None => format!("the whole page ({} top-level block(s))", self.total),
            Some(s) => format!(
                "blocks {}-{} of {} top-level block(s)",
                s.first + 1,
                s.last + 1,
                self.total
            ),
        }
    }

    fn kept_text(&self) -> String {
        if self.kept.is_empty() {
            "none".into()
        } else {
            self.kept.join(", ")
        }
    }

    /// The dry run's report: the range, what is replaced and kept, and a unified diff
    /// of the range, within `max` bytes.
    pub fn report(&self, max: usize) -> String {
        let head = format!(
            "Dry run (nothing written; path: {}): would replace {} of {} with {} new block(s); kept: {}.\n\n",
            self.path,
            self.replaced,
            self.range_text(),
            self.new_blocks,
            self.kept_text()
        );
        let diff = TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(2)
            .header("before", "after")
            .to_string();
        let mut out = head;
        if diff.is_empty() {
            out.push_str("(the range would read the same)");
        } else {
            out.push_str("```diff\n");
            out.push_str(&diff);
            out.push_str("```");
        }
        if out.len() > max {
            let mut cut = crate::page::cut(&out, max.saturating_sub(120));
            cut.push_str("\n…\n(The diff was cut at the output limit; run with a narrower range to see all of it.)");
            return cut;
        }
        out
    }

    /// The answer after the write.
    pub fn done(&self, page: &str, how: &str) -> String {
        format!(
            "Updated page {page} through the {} ({how}): replaced {} block(s) of {} with {} new block(s); kept: {}.",
            self.path,
            self.replaced,
            self.range_text(),
            self.new_blocks,
            self.kept_text()
        )
    }
}

/// The range's text after the update: kept blocks first, then the new content.
pub fn after_text(kept: &[String], new: &str) -> String {
    let mut parts: Vec<&str> = kept.iter().map(String::as_str).collect();
    if !new.trim().is_empty() {
        parts.push(new.trim_end());
    }
    parts.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn anchors_pick_a_block_range() {
        let t = texts(&["# Intro", "alpha", "beta", "gamma", "alpha beta"]);
        assert_eq!(locate(&t, None, None).unwrap(), None);
        assert_eq!(
            locate(&t, Some("Intro"), Some("gamma")).unwrap(),
            Some(Span { first: 0, last: 3 })
        );
        assert_eq!(
            locate(&t, Some("gamma"), None).unwrap(),
            Some(Span { first: 3, last: 3 })
        );
        let e = locate(&t, Some("alpha"), None).unwrap_err();
        assert!(
            e.contains("is in 2 blocks") && e.contains("Nothing was written"),
            "{e}"
        );
        assert!(locate(&t, Some("gamma"), Some("Intro")).is_err());
        assert!(locate(&t, None, Some("x")).is_err());
        assert!(locate(&t, Some("zeta"), None).is_err());
    }

    #[test]
    fn the_dry_run_shows_a_diff_and_what_is_kept() {
        let plan = Plan {
            path: "markdown endpoint",
            total: 4,
            span: Some(Span { first: 1, last: 2 }),
            replaced: 1,
            kept: vec!["child page \"Sub\"".into()],
            new_blocks: 1,
            before: "old line\n\n[Child page: Sub](u)".into(),
            after: after_text(&["[Child page: Sub](u)".into()], "new line"),
        };
        let r = plan.report(10_000);
        assert!(r.contains("blocks 2-3 of 4"), "{r}");
        assert!(r.contains("-old line") && r.contains("+new line"), "{r}");
        assert!(r.contains("kept: child page \"Sub\""), "{r}");
        assert!(plan.report(300).len() <= 300);
    }
}

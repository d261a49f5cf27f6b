//! List tools: follow GitHub's `link: rel="next"` pages (through the shared
//! `paginate_link`, `per_page=100`) until the call's `limit` of items or the output
//! byte bound, then answer with the items, whether more exist and the `cursor` to
//! pass back to the same tool to continue exactly where this call stopped.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use shared::ToolError;
use shared::error::to_tool_error;
use shared::upstream::paginate_link;

use crate::api::{Api, Query};
use crate::shape::Obj;

/// Items returned when a call gives no `limit`.
pub const DEFAULT_LIMIT: u32 = 30;
/// The largest `limit` a call may ask for.
pub const MAX_LIMIT: u32 = 1000;
/// Raw items looked at per call when a filter drops most of them (e.g. pull
/// requests in the issues endpoint), so one call never walks a whole repository.
const SCAN_CAP: usize = 2000;
/// Bytes kept free for a listing's envelope (count, more, cursor, note).
const ENVELOPE_BYTES: usize = 800;

/// One call's collected items.
#[derive(Debug, Default)]
pub struct Listing {
    /// Shaped items, each one compact JSON text.
    pub items: Vec<String>,
    /// True when more items exist beyond these.
    pub more: bool,
    /// Where to continue, when `more`.
    pub cursor: Option<String>,
    /// Items the filter dropped (e.g. pull requests among issues).
    pub skipped: usize,
    /// True when the byte bound, not the limit, ended the listing.
    pub cut_by_bytes: bool,
    /// How many items the upstream says match in all (search, Actions).
    pub total: Option<u64>,
}

/// The `limit` and `cursor` of a list tool's parameters, flattened into them.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListArgs {
    /// Most items (default 30, max 1000).
    pub limit: Option<u32>,
    /// Cursor from the previous result, to continue.
    pub cursor: Option<String>,
}

/// The effective item limit of a call.
pub fn limit(asked: Option<u32>) -> usize {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize
}

/// The start of a listing: the cursor (checked against `path`) or `path?query`.
pub fn start(
    api: &Api,
    cursor: Option<&str>,
    path: &str,
    first: String,
) -> Result<String, ToolError> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => {
            api.check_cursor(c, path)?;
            Ok(c.to_string())
        }
        None => Ok(first),
    }
}

/// Reads from `start` until `limit` items that `shape` keeps, or `budget` bytes of
/// them. `field` names the array inside an envelope (`items`, `workflow_runs`...).
pub async fn collect(
    api: &Api,
    start: &str,
    field: Option<&str>,
    limit: usize,
    budget: usize,
    shape: impl Fn(&Value) -> Option<String>,
) -> Result<Listing, ToolError> {
    // Room for the envelope: count, more, cursor and the note.
    let budget = budget.saturating_sub(ENVELOPE_BYTES);
    let mut out = Listing::default();
    let mut bytes = 0usize;
    let mut scanned = 0usize;
    let mut from = start.to_string();
    loop {
        let want = limit - out.items.len();
        let page = paginate_link::<Value>(&api.client, &from, field, want)
            .await
            .map_err(to_tool_error)?;
        out.total = out.total.or(page.total);
        for (i, raw) in page.items.iter().enumerate() {
            let Some(item) = shape(raw) else {
                out.skipped += 1;
                continue;
            };
            if bytes + item.len() + 1 > budget && !out.items.is_empty() {
                // Stop before this item; the cursor must point at it exactly.
                out.more = true;
                out.cut_by_bytes = true;
                out.cursor = if i == 0 {
                    Some(from)
                } else {
                    paginate_link::<Value>(&api.client, &from, field, i)
                        .await
                        .map_err(to_tool_error)?
                        .next
                };
                return Ok(out);
            }
            bytes += item.len() + 1;
            out.items.push(item);
        }
        scanned += page.items.len();
        let Some(next) = page.next.filter(|_| page.more) else {
            return Ok(out);
        };
        if out.items.len() >= limit || scanned >= SCAN_CAP {
            out.more = true;
            out.cursor = Some(next);
            return Ok(out);
        }
        from = next;
    }
}

/// A list tool's call: from `args.cursor` (checked against `path`) or from
/// `path` with `query`, up to `args.limit` items that `shape` keeps (within the
/// output bound), rendered for `tool`. `field` as in [`collect`].
pub async fn list(
    api: &Api,
    tool: &str,
    path: &str,
    query: Query,
    args: &ListArgs,
    field: Option<&str>,
    shape: impl Fn(&Value) -> Option<String>,
) -> Result<String, ToolError> {
    let listing = listing(api, path, query, args, field, shape).await?;
    Ok(render(tool, listing, Obj::new()))
}

/// The items of a list tool's call, as [`list`] collects them, before they are
/// rendered (for a caller that adjusts them first, e.g. `--lockdown`).
pub async fn listing(
    api: &Api,
    path: &str,
    query: Query,
    args: &ListArgs,
    field: Option<&str>,
    shape: impl Fn(&Value) -> Option<String>,
) -> Result<Listing, ToolError> {
    let start = start(api, args.cursor.as_deref(), path, query.on(path))?;
    collect(api, &start, field, limit(args.limit), api.max_output, shape).await
}

/// Up to `limit` items of the plain list `path` that `shape` keeps, within
/// `budget` bytes, from `cursor` when given (for lists inside a bigger answer).
pub async fn follow(
    api: &Api,
    cursor: Option<&str>,
    path: &str,
    limit: usize,
    budget: usize,
    shape: impl Fn(&Value) -> Option<String>,
) -> Result<Listing, ToolError> {
    let start = start(api, cursor, path, Query::list().on(path))?;
    collect(api, &start, None, limit, budget, shape).await
}

/// The JSON text of a listing: `{"items":[…],"count":N,"more":…,"cursor":…,"note":…}`
/// plus `extra` fields first (e.g. the repository).
pub fn render(tool: &str, listing: Listing, extra: Obj) -> String {
    render_as(tool, "cursor", listing, extra)
}

/// [`render`] for a listing continued through the parameter `cursor_param`.
pub fn render_as(tool: &str, cursor_param: &str, listing: Listing, extra: Obj) -> String {
    let mut out = extra
        .list("items", &listing.items)
        .always("count", listing.items.len())
        .put("total_count", listing.total)
        .always("more", listing.more);
    if let Some(cursor) = &listing.cursor {
        out = out.put("cursor", cursor);
    }
    let mut notes = Vec::new();
    if listing.skipped > 0 {
        notes.push(format!("{} pull request(s) left out", listing.skipped));
    }
    if listing.more {
        let why = if listing.cut_by_bytes {
            "output size bound reached"
        } else {
            "limit reached"
        };
        notes.push(format!(
            "{why}; more exist: call {tool} again with the same arguments plus \"{cursor_param}\" set to the cursor above (filters then come from the cursor), or raise the limit (max {MAX_LIMIT})"
        ));
    }
    if !notes.is_empty() {
        out = out.put("note", notes.join("; "));
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_clamped() {
        assert_eq!(limit(None), 30);
        assert_eq!(limit(Some(0)), 1);
        assert_eq!(limit(Some(5000)), 1000);
    }

    #[test]
    fn render_says_how_to_continue() {
        let listing = Listing {
            items: vec!["{\"number\":1}".into()],
            more: true,
            cursor: Some("https://api.github.com/x?page=2".into()),
            skipped: 2,
            cut_by_bytes: false,
            total: Some(40),
        };
        let text = render("list_issues", listing, Obj::new().put("repo", "o/r"));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["repo"], "o/r");
        assert_eq!(v["count"], 1);
        assert_eq!(v["total_count"], 40);
        assert_eq!(v["more"], true);
        assert_eq!(v["cursor"], "https://api.github.com/x?page=2");
        let note = v["note"].as_str().unwrap();
        assert!(note.contains("call list_issues again"), "{note}");
        assert!(note.contains("2 pull request(s) left out"), "{note}");
        let done = render("list_tags", Listing::default(), Obj::new());
        assert_eq!(done, r#"{"items":[],"count":0,"more":false}"#);
    }
}

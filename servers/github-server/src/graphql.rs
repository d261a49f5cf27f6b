//! GitHub's GraphQL API (review threads, discussions) through the same shared
//! upstream client as REST: the same limiter, credentials and token redaction.
//!
//! - A query is sent as an idempotent `POST /graphql` (retried like a GET on 5xx,
//!   timeouts and dropped connections); a mutation is sent once (a 5xx or a timeout
//!   after sending is reported as "outcome unknown", never resent). POSTs are never
//!   cached by the shared client.
//! - GraphQL answers errors with a 200 and an `errors` array: `NOT_FOUND`,
//!   `FORBIDDEN`, `RATE_LIMITED` and query errors become clear tool errors.
//! - GitHub's GraphQL rate limit is counted in points, apart from REST's: the
//!   `x-ratelimit-*` headers of answers whose `x-ratelimit-resource` is `graphql`,
//!   and the `rateLimit { cost remaining resetAt }` every query asks for, are kept
//!   per credential. Once the points are spent, a call waits for the reset when it
//!   is near (up to the client's `max_rate_limit_wait`) and otherwise fails at once
//!   with the time to retry, without sending anything.
//! - List tools hand the model an opaque `cursor` ([`Cursor`]) that carries
//!   GitHub's `endCursor` (or an edge's cursor) together with the tool and the
//!   object it lists, so a cursor from another tool or object is refused.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use shared::ToolError;
use shared::error::to_tool_error;
use shared::upstream::{HeaderMap, Method, UpstreamResponse};

use crate::api::Api;

/// Points left below which a call waits for (or reports) the reset: the
/// queries the tools send cost 1 point each, mutations count as 1 too.
const MIN_POINTS: u64 = 1;

/// Whether an operation reads (a query) or changes (a mutation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A query: retried on transient failures.
    Query,
    /// A mutation: sent once.
    Mutation,
}

/// What is known of one credential's GraphQL points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Budget {
    remaining: u64,
    /// Epoch seconds of the reset.
    reset: u64,
}

/// The points budget of each credential (by the digest of its key).
static BUDGETS: LazyLock<Mutex<HashMap<String, Budget>>> = LazyLock::new(Default::default);

fn budgets() -> std::sync::MutexGuard<'static, HashMap<String, Budget>> {
    BUDGETS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The GraphQL endpoint beside a REST base URL: `/graphql` on api.github.com (and
/// any base that is not GitHub Enterprise Server's), `/api/graphql` on a base that
/// ends in `/api/v3`. Absolute on the base's origin, so the client sends it there.
pub fn endpoint(api: &Api) -> Result<String, ToolError> {
    let rest = api.client.config().base_url.trim_end_matches('/');
    let url = match rest.strip_suffix("/api/v3") {
        Some(root) => format!("{root}/api/graphql"),
        None => format!("{rest}/graphql"),
    };
    api.client.resolve(&url).map_err(to_tool_error)?;
    Ok(url)
}

/// Whose points a request spends: the caller's token in per-user mode, else the
/// server's one credential.
fn budget_key(api: &Api) -> String {
    match &api.client.config().credentials {
        shared::upstream::Credentials::PerUser => shared::caller::current()
            .and_then(|c| c.upstream_token().map(shared::digest::key))
            .unwrap_or_default(),
        other => other.kind().to_string(),
    }
}

/// Runs `document` with `variables` and returns its `data`. See the module doc
/// for retries, errors and the points budget.
pub async fn run(api: &Api, op: Op, document: &str, variables: Value) -> Result<Value, ToolError> {
    let key = budget_key(api);
    let url = endpoint(api)?;
    let max_wait = api.client.config().retry.max_rate_limit_wait;
    let mut refused_once = false;
    loop {
        wait_for_points(&key, max_wait).await?;
        let response = api
            .client
            .request(Method::POST, &url)
            .json(json!({"query": document, "variables": variables}))
            .idempotent(op == Op::Query)
            .send()
            .await
            .map_err(|e| match (op, e) {
                (Op::Mutation, shared::upstream::UpstreamError::Status { status, .. })
                    if status >= 500 =>
                {
                    ToolError::new(format!(
                        "GitHub answered {status} to this change; it was not retried, and it may or may not have been applied: check (list or get) before trying again"
                    ))
                }
                (_, e) => to_tool_error(e),
            })?;
        note_headers(&key, &response.headers);
        let body: Value = response.json().map_err(to_tool_error)?;
        if let Some(rate) = body.pointer("/data/rateLimit") {
            note_rate_limit(&key, rate);
        }
        match answer(&response, body) {
            Err(Refusal::RateLimited(message)) => {
                let wait = reset_wait(&key);
                if !refused_once && wait.is_some_and(|w| w <= max_wait) {
                    refused_once = true;
                    continue;
                }
                return Err(ToolError::new(format!(
                    "GitHub's GraphQL rate limit (points) is used up: {message}; nothing was done. {}",
                    retry_hint(&key)
                )));
            }
            Err(Refusal::Other(error)) => return Err(error),
            Ok(data) => return Ok(data),
        }
    }
}

/// Why an answer carried no usable data.
enum Refusal {
    RateLimited(String),
    Other(ToolError),
}

/// The `data` of a 200 answer, or its `errors` as a refusal. An answer with data
/// and errors about parts of it (e.g. one null field) keeps the data only when
/// none of the errors is about the whole query.
fn answer(response: &UpstreamResponse, mut body: Value) -> Result<Value, Refusal> {
    let errors = body
        .get("errors")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if errors.is_empty() {
        return match body.get_mut("data").map(Value::take) {
            Some(data) if !data.is_null() => Ok(data),
            _ => Err(Refusal::Other(ToolError::new(format!(
                "{}: GitHub's GraphQL API answered without data or errors",
                response.url
            )))),
        };
    }
    let kind = |e: &Value| {
        e.get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let message = |e: &Value| {
        e.get("message")
            .and_then(Value::as_str)
            .unwrap_or("(no message)")
            .to_string()
    };
    if let Some(e) = errors.iter().find(|e| kind(e) == "RATE_LIMITED") {
        return Err(Refusal::RateLimited(message(e)));
    }
    let messages: Vec<String> = errors.iter().map(message).collect();
    let joined = messages.join("; ");
    let text = match kind(&errors[0]).as_str() {
        "NOT_FOUND" => format!(
            "not found: {joined}; check owner, repo and number (or the id), and that the token can see the repository"
        ),
        "FORBIDDEN" => format!(
            "forbidden: {joined}; the token lacks the permission this needs on the repository (e.g. write access, or the `repo` scope)"
        ),
        "" => format!(
            "GitHub's GraphQL API refused the query: {joined}; this is a bug in github-server's query, or the GitHub version does not have these fields"
        ),
        other => format!("GitHub's GraphQL API answered {other}: {joined}"),
    };
    Err(Refusal::Other(ToolError::new(text)))
}

/// Keeps the points the headers report, when they are GraphQL's.
fn note_headers(key: &str, headers: &HeaderMap) {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if text("x-ratelimit-resource") != Some("graphql") {
        return;
    }
    let number = |name: &str| text(name).and_then(|t| t.trim().parse::<u64>().ok());
    if let (Some(remaining), Some(reset)) =
        (number("x-ratelimit-remaining"), number("x-ratelimit-reset"))
    {
        budgets().insert(key.to_string(), Budget { remaining, reset });
    }
}

/// Keeps the points the query's own `rateLimit { remaining resetAt }` reports.
fn note_rate_limit(key: &str, rate: &Value) {
    let remaining = rate.get("remaining").and_then(Value::as_u64);
    let reset = rate
        .get("resetAt")
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .and_then(|t| u64::try_from(t.timestamp()).ok());
    if let (Some(remaining), Some(reset)) = (remaining, reset) {
        budgets().insert(key.to_string(), Budget { remaining, reset });
    }
}

/// How long until the points reset, when they are spent.
fn reset_wait(key: &str) -> Option<Duration> {
    let budget = *budgets().get(key)?;
    let now = now();
    (budget.remaining < MIN_POINTS && budget.reset > now)
        .then(|| Duration::from_secs(budget.reset - now))
        .or(Some(Duration::ZERO).filter(|_| budget.remaining < MIN_POINTS))
}

/// Waits for the reset when the points are spent and it is near; fails at once
/// (sending nothing) when it is far.
async fn wait_for_points(key: &str, max_wait: Duration) -> Result<(), ToolError> {
    let Some(wait) = reset_wait(key) else {
        return Ok(());
    };
    if wait > max_wait {
        return Err(ToolError::new(format!(
            "GitHub's GraphQL rate limit (points) is used up; nothing was sent. {}",
            retry_hint(key)
        )));
    }
    if !wait.is_zero() {
        shared::client_log::notice(
            "upstream",
            format!(
                "GitHub's GraphQL points are used up; waiting {} s for the reset",
                wait.as_secs()
            ),
        )
        .await;
        tokio::time::sleep(wait).await;
    }
    if let Some(budget) = budgets().get_mut(key) {
        // The window has reset: let the next answer say how many points are left.
        budget.remaining = MIN_POINTS;
    }
    Ok(())
}

/// "Retry after N s (at HH:MM:SS UTC); REST tools still work": what to do next.
fn retry_hint(key: &str) -> String {
    let reset = budgets().get(key).map_or(0, |b| b.reset);
    let wait = reset.saturating_sub(now());
    let at = chrono::DateTime::from_timestamp(i64::try_from(reset).unwrap_or(0), 0)
        .map(|t| t.format("%H:%M:%S UTC").to_string())
        .unwrap_or_default();
    format!(
        "Retry after {wait} s (at {at}); the REST tools (issues, pull requests, files) count against a separate limit and still work"
    )
}

/// A list tool's continuation: which tool, which object (e.g. `o/r#13`) and
/// GitHub's cursor, as one opaque string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// GitHub's cursor to continue `after`.
    pub after: String,
}

impl Cursor {
    /// The opaque text handed to the model.
    pub fn encode(tool: &str, object: &str, after: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{tool}\n{object}\n{after}"))
    }

    /// Reads a cursor given back to `tool` for `object`; any other is refused
    /// with what to do instead.
    pub fn decode(text: &str, tool: &str, object: &str) -> Result<Self, ToolError> {
        let bad = || {
            ToolError::new(format!(
                "invalid cursor: pass back the `cursor` value exactly as an earlier call of {tool} (with the same owner/repo/number) returned it, or omit it to start from the first item"
            ))
        };
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.splitn(3, '\n');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(t), Some(o), Some(after)) if t == tool && o == object && !after.is_empty() => {
                Ok(Self {
                    after: after.to_string(),
                })
            }
            _ => Err(bad()),
        }
    }
}

/// One page of a connection asked with `edges { cursor node }`: the nodes, each
/// with its edge cursor, and GitHub's `pageInfo`.
#[derive(Debug, Default)]
pub struct Page {
    /// (edge cursor, node).
    pub edges: Vec<(String, Value)>,
    /// `pageInfo.hasNextPage`.
    pub has_next: bool,
    /// `pageInfo.endCursor`.
    pub end_cursor: Option<String>,
    /// `totalCount`, when asked.
    pub total: Option<u64>,
}

impl Page {
    /// Reads a connection object (`{edges, pageInfo, totalCount}`).
    pub fn of(connection: &Value) -> Self {
        let edges = connection
            .get("edges")
            .and_then(Value::as_array)
            .map(|edges| {
                edges
                    .iter()
                    .map(|e| {
                        let cursor = e.get("cursor").and_then(Value::as_str).unwrap_or_default();
                        (
                            cursor.to_string(),
                            e.get("node").cloned().unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let info = connection.get("pageInfo");
        Self {
            edges,
            has_next: info
                .and_then(|i| i.get("hasNextPage"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            end_cursor: info
                .and_then(|i| i.get("endCursor"))
                .and_then(Value::as_str)
                .map(str::to_string),
            total: connection.get("totalCount").and_then(Value::as_u64),
        }
    }
}

/// The checked `(owner, name)` of a repository reference (as REST's paths check them).
pub fn owner_name(repo: &crate::api::RepoRef) -> Result<(String, String), ToolError> {
    let path = repo.path()?;
    let rest = path.trim_start_matches("/repos/");
    let (owner, name) = rest.split_once('/').unwrap_or((rest, ""));
    Ok((owner.to_string(), name.to_string()))
}

/// Where GraphQL's `first` stops: GitHub refuses more than 100 nodes a page.
pub const MAX_FIRST: usize = 100;
/// Nodes looked at per call when a filter drops most of them.
const SCAN_CAP: usize = 2000;
/// Bytes kept free for a listing's envelope.
const ENVELOPE_BYTES: usize = 800;

/// A list tool's query: which tool and object its cursors belong to, the
/// document (taking `$first: Int!` and `$after: String`), its other variables and
/// where the connection is in `data` (a JSON pointer such as
/// `/repository/discussions`).
pub struct ListQuery<'a> {
    /// The tool, for cursors and notes.
    pub tool: &'a str,
    /// The listed object, e.g. `o/r#13`, for cursors.
    pub object: &'a str,
    /// The GraphQL document.
    pub document: &'a str,
    /// Variables besides `first` and `after`.
    pub variables: Value,
    /// The connection's place in `data`.
    pub at: &'a str,
    /// The error when the connection's parent is null (e.g. no such pull request).
    pub missing: &'a str,
}

/// Reads pages of `query` from `cursor` (a [`Cursor`] of this tool and object)
/// until `limit` nodes that `shape` keeps, or `budget` bytes of them. Returns the
/// listing (its `cursor` already opaque) and the first page's `data` (for fields
/// asked beside the connection).
pub async fn list(
    api: &Api,
    query: &ListQuery<'_>,
    cursor: Option<&str>,
    limit: usize,
    budget: usize,
    shape: impl Fn(&Value) -> Option<String>,
) -> Result<(crate::paging::Listing, Value), ToolError> {
    let mut after = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(Cursor::decode(c, query.tool, query.object)?.after),
        None => None,
    };
    let budget = budget.saturating_sub(ENVELOPE_BYTES);
    let mut out = crate::paging::Listing::default();
    let mut first_data = Value::Null;
    let (mut bytes, mut scanned) = (0usize, 0usize);
    let encode = |after: &str| Cursor::encode(query.tool, query.object, after);
    loop {
        let mut variables = query.variables.clone();
        variables["first"] = json!((limit - out.items.len()).clamp(1, MAX_FIRST));
        variables["after"] = json!(after);
        let data = run(api, Op::Query, query.document, variables).await?;
        let page = match data.pointer(query.at) {
            Some(connection) if !connection.is_null() => Page::of(connection),
            _ => return Err(ToolError::new(query.missing)),
        };
        if first_data.is_null() {
            first_data = data;
        }
        out.total = out.total.or(page.total);
        scanned += page.edges.len();
        for (edge_cursor, node) in &page.edges {
            let Some(item) = shape(node) else {
                out.skipped += 1;
                after = Some(edge_cursor.clone());
                continue;
            };
            if bytes + item.len() + 1 > budget && !out.items.is_empty() {
                out.more = true;
                out.cut_by_bytes = true;
                out.cursor = after.as_deref().map(encode);
                return Ok((out, first_data));
            }
            bytes += item.len() + 1;
            out.items.push(item);
            after = Some(edge_cursor.clone());
        }
        let next = page.end_cursor.filter(|_| page.has_next);
        let Some(next) = next else {
            return Ok((out, first_data));
        };
        if out.items.len() >= limit || scanned >= SCAN_CAP {
            out.more = true;
            out.cursor = Some(encode(&next));
            return Ok((out, first_data));
        }
        after = Some(next);
    }
}

/// A person's text for the model: sanitised, cut to `max` bytes (with a notice
/// saying `how` to read it whole) and wrapped in delimiters naming the author
/// and their `authorAssociation` (see [`crate::content`]).
pub fn authored(node: &Value, max: usize, how: &str) -> String {
    let author = node
        .pointer("/author/login")
        .and_then(Value::as_str)
        .unwrap_or("ghost");
    let association = node
        .get("authorAssociation")
        .and_then(Value::as_str)
        .map_or(
            crate::content::Association::Unknown,
            crate::content::Association::parse,
        );
    let text = node.get("body").and_then(Value::as_str).unwrap_or_default();
    let clean = crate::content::sanitize(text);
    let (shown, was_cut) = crate::shape::cut(&clean.text, max);
    let mut out = crate::content::wrap_sanitized(author, association, shown, clean.report);
    if was_cut {
        out.push_str(&format!(
            " […cut at {} of {} bytes; {how}]",
            shown.len(),
            clean.text.len()
        ));
    }
    out
}

/// The nodes of a nested connection (`{totalCount, nodes}`: a thread's comments,
/// a comment's replies), each as its id, date and wrapped body, and the total.
pub fn nested_notes(connection: Option<&Value>, max_text: usize) -> (Vec<String>, u64) {
    let connection = connection.unwrap_or(&Value::Null);
    let nodes = connection
        .get("nodes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let total = connection
        .get("totalCount")
        .and_then(Value::as_u64)
        .unwrap_or(nodes.len() as u64);
    let how = format!("raise text_bytes above {max_text} to read it whole");
    let shown = nodes
        .iter()
        .map(|c| {
            crate::shape::Obj::new()
                .put("id", c.get("id").and_then(Value::as_str))
                .put("created_at", c.get("createdAt").and_then(Value::as_str))
                .put("body", authored(c, max_text, &how))
                .finish()
        })
        .collect();
    (shown, total)
}

/// "first 5 of 7 replies; raise replies_limit (max 100) to see more", when a
/// nested list shows fewer than `total` (`asked` per parent through `param`).
pub fn more_note(shown: usize, total: u64, what: &str, asked: u32, param: &str) -> Option<String> {
    (total > shown as u64).then(|| {
        let hint = if (asked as usize) < MAX_FIRST {
            format!("raise {param} (max {MAX_FIRST}) to see more")
        } else {
            "read the rest on GitHub".to_string()
        };
        format!("first {shown} of {total} {what}; {hint}")
    })
}

/// The wrapper's opening as [`authored`] writes it: no text can start with it, since
/// the sanitiser turns the brackets inside people's text into plain ones.
const WRAPPED: &str = "⟦text by @";

/// `--lockdown` for the wrapped texts inside `items` (compact JSON, e.g. a thread
/// with its comments): each text whose author may not be shown in the repository
/// at `repo_path` (`/repos/o/r`) is replaced by a notice, its author read from the
/// wrapper [`authored`] put around it. Returns how many were withheld (0, and
/// nothing looked at, without `--lockdown`).
pub async fn withhold_wrapped(api: &Api, repo_path: &str, items: &mut [String]) -> usize {
    if api.lockdown.is_none() {
        return 0;
    }
    let mut verdicts: HashMap<(String, String), bool> = HashMap::new();
    let mut count = 0;
    for item in items.iter_mut() {
        let mut texts = Vec::new();
        if let Ok(value) = serde_json::from_str::<Value>(item) {
            wrapped_texts(&value, &mut texts);
        }
        for text in texts {
            let head = text.trim_start_matches(WRAPPED);
            let (login, rest) = head.split_once(", ").unwrap_or((head, ""));
            let association = rest.split(':').next().unwrap_or_default().to_string();
            let key = (login.to_string(), association);
            let shown = match verdicts.get(&key) {
                Some(v) => *v,
                None => {
                    let association = crate::content::Association::parse(&key.1);
                    let v = api.may_show(repo_path, &key.0, association).await;
                    verdicts.insert(key, v);
                    v
                }
            };
            if !shown {
                count += 1;
                let (Ok(from), Ok(to)) = (
                    serde_json::to_string(&text),
                    serde_json::to_string("[withheld by --lockdown]"),
                ) else {
                    continue;
                };
                *item = item.replace(&from, &to);
            }
        }
    }
    count
}

fn wrapped_texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with(WRAPPED) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| wrapped_texts(v, out)),
        Value::Object(map) => map.values().for_each(|v| wrapped_texts(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_sits_beside_the_rest_base_url() {
        let api = |base: &str| {
            let client = shared::upstream::UpstreamClient::new(crate::upstream::config(base, None));
            Api::new(client.unwrap(), Api::MIN_OUTPUT)
        };
        assert_eq!(
            endpoint(&api("https://api.github.com")).unwrap(),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            endpoint(&api("https://ghe.example.com/api/v3/")).unwrap(),
            "https://ghe.example.com/api/graphql"
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_other_tools_or_objects() {
        let c = Cursor::encode("list_discussions", "o/r", "Y3Vyc29yOjMw");
        assert_eq!(
            Cursor::decode(&c, "list_discussions", "o/r").unwrap().after,
            "Y3Vyc29yOjMw"
        );
        for (tool, object) in [("list_review_threads", "o/r"), ("list_discussions", "o/x")] {
            let e = Cursor::decode(&c, tool, object).unwrap_err();
            assert!(e.to_string().contains("invalid cursor"), "{e}");
        }
        assert!(Cursor::decode("%%%", "list_discussions", "o/r").is_err());
    }

    #[test]
    fn pages_read_edges_and_page_info() {
        let page = Page::of(&json!({
            "totalCount": 3,
            "edges": [{"cursor": "a", "node": {"id": 1}}, {"cursor": "b", "node": {"id": 2}}],
            "pageInfo": {"hasNextPage": true, "endCursor": "b"}
        }));
        assert_eq!(page.edges.len(), 2);
        assert_eq!(page.edges[1].0, "b");
        assert!(page.has_next);
        assert_eq!(page.end_cursor.as_deref(), Some("b"));
        assert_eq!(page.total, Some(3));
    }

    #[test]
    fn spent_points_mean_a_wait_until_the_reset() {
        let key = "test-spent-points";
        note_rate_limit(
            key,
            &json!({"cost": 1, "remaining": 0, "resetAt": "2999-01-01T00:00:00Z"}),
        );
        assert!(reset_wait(key).unwrap() > Duration::from_secs(3600));
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-resource", "graphql".parse().unwrap());
        headers.insert("x-ratelimit-remaining", "4999".parse().unwrap());
        headers.insert("x-ratelimit-reset", "2999".parse().unwrap());
        note_headers(key, &headers);
        assert_eq!(reset_wait(key), None);
        headers.insert("x-ratelimit-resource", "core".parse().unwrap());
        headers.insert("x-ratelimit-remaining", "0".parse().unwrap());
        note_headers(key, &headers);
        assert_eq!(
            reset_wait(key),
            None,
            "REST's headers are not GraphQL's points"
        );
    }
}

//! Search: issues and pull requests, repositories, code and users, with a small
//! parser of GitHub's query syntax (`repo:o/r`, `is:issue|pr|open|closed`,
//! `user:`/`org:`, `author:`, `assignee:`, `label:`, `language:`, `path:`,
//! `created:>…`, negation with `-`, `in:` accepted and ignored) and free words
//! matched case-insensitively in titles, bodies, names, paths and contents.
//! Answers `{total_count, incomplete_results, items}`; the `search` and
//! `code_search` rate limits are counted by the rate-limit middleware.

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::model::{Issue, Repo, User};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply;
use crate::github::shapes::View;
use crate::github::time::parse_iso;

const DOCS: &str = "https://docs.github.com/rest/search/search";

/// A parsed query.
#[derive(Debug, Default, PartialEq)]
pub struct Query {
    /// Free words (lowercase), each with its `OR` alternatives; negated (`-word`)
    /// words must not match.
    pub words: Vec<(bool, Vec<String>)>,
    /// (negated, key, value) qualifiers, keys lowercase.
    pub qualifiers: Vec<(bool, String, String)>,
}

impl Query {
    pub fn parse(q: &str) -> Self {
        let mut out = Self::default();
        let mut or = false;
        for token in tokens(q) {
            if token == "OR" {
                or = !out.words.is_empty();
                continue;
            }
            let (negated, token) = match token.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest.to_string()),
                _ => (false, token),
            };
            match token.split_once(':') {
                Some((key, value))
                    if !key.is_empty()
                        && key.chars().all(|c| c.is_ascii_alphabetic() || c == '-') =>
                {
                    out.qualifiers.push((
                        negated,
                        key.to_ascii_lowercase(),
                        value.trim_matches('"').to_string(),
                    ));
                }
                _ if matches!(token.as_str(), "AND" | "NOT") => {}
                _ => {
                    let word = token.trim_matches('"').to_lowercase();
                    match out.words.last_mut() {
                        Some((_, alternatives)) if or => alternatives.push(word),
                        _ => out.words.push((negated, vec![word])),
                    }
                }
            }
            or = false;
        }
        out
    }

    /// Whether every free word (or one of its alternatives) appears in one of
    /// `texts` (and no `-word` does).
    fn words_match(&self, texts: &[&str]) -> bool {
        let lower: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        self.words.iter().all(|(negated, alternatives)| {
            let found = alternatives
                .iter()
                .any(|w| lower.iter().any(|t| t.contains(w.as_str())));
            found != *negated
        })
    }

    /// Whether every qualifier `check` knows about holds. `check` returns `None`
    /// for a key it ignores (e.g. `in:`).
    fn qualifiers_match(&self, check: impl Fn(&str, &str) -> Option<bool>) -> bool {
        self.qualifiers
            .iter()
            .all(|(negated, key, value)| check(key, value).is_none_or(|ok| ok != *negated))
    }
}

/// Splits on whitespace, keeping `"quoted phrases"` (also after `key:`) whole.
fn tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `>x`, `>=x`, `<x`, `<=x`, `a..b` or `x` against `value`, with `parse` for
/// the bounds (numbers or dates).
fn compare(spec: &str, value: i64, parse: impl Fn(&str) -> Option<i64>) -> bool {
    let check = |bound: &str, f: fn(i64, i64) -> bool| parse(bound).is_some_and(|b| f(value, b));
    if let Some(b) = spec.strip_prefix(">=") {
        check(b, |v, b| v >= b)
    } else if let Some(b) = spec.strip_prefix("<=") {
        check(b, |v, b| v <= b)
    } else if let Some(b) = spec.strip_prefix('>') {
        check(b, |v, b| v > b)
    } else if let Some(b) = spec.strip_prefix('<') {
        check(b, |v, b| v < b)
    } else if let Some((a, b)) = spec.split_once("..") {
        (a == "*" || check(a, |v, b| v >= b)) && (b == "*" || check(b, |v, b| v <= b))
    } else {
        check(spec, |v, b| v == b)
    }
}

fn number(text: &str) -> Option<i64> {
    text.parse().ok()
}

fn date(text: &str) -> Option<i64> {
    parse_iso(text)
}

/// The `q` parameter, or GitHub's 422 for a missing one.
fn query(req: &Req) -> Result<Query, Box<Response>> {
    match req.get("q") {
        Some(q) => Ok(Query::parse(q)),
        None => Err(Box::new(reply::validation(
            DOCS,
            vec![json!({"resource": "Search", "field": "q", "code": "missing"})],
        ))),
    }
}

fn answer(req: &Req, base: &str, items: &[Value]) -> Response {
    paging::envelope(
        req,
        base,
        items,
        |page, total| json!({"total_count": total, "incomplete_results": false, "items": page}),
    )
}

fn repo_qualifier(repo: &Repo, key: &str, value: &str) -> Option<bool> {
    let eq = |a: &str| a.eq_ignore_ascii_case(value);
    Some(match key {
        "repo" => eq(&repo.full_name()),
        "user" | "org" | "owner" => eq(&repo.owner),
        "language" => repo.language.as_deref().is_some_and(eq),
        "is" if value == "public" => !repo.private,
        "is" if value == "private" => repo.private,
        "topic" => repo.topics.iter().any(|t| eq(t)),
        "stars" => compare(value, repo.stars as i64, number),
        "forks" => compare(value, repo.forks as i64, number),
        "created" => compare(value, repo.created_at, date),
        "pushed" => compare(value, repo.pushed_at, date),
        _ => return None,
    })
}

fn issue_qualifier(repo: &Repo, issue: &Issue, key: &str, value: &str) -> Option<bool> {
    let eq = |a: &str| a.eq_ignore_ascii_case(value);
    let pull = issue.pull.as_ref();
    Some(match (key, value) {
        ("is" | "type", "issue") => pull.is_none(),
        ("is" | "type", "pr" | "pull-request") => pull.is_some(),
        ("is" | "state", "open") => issue.open,
        ("is" | "state", "closed") => !issue.open,
        ("is", "merged") => pull.is_some_and(|p| p.merged),
        ("is", "unmerged") => pull.is_some_and(|p| !p.merged),
        ("is", "draft") => pull.is_some_and(|p| p.draft),
        ("is", "locked") => issue.locked,
        ("author", _) => eq(&issue.user),
        ("assignee", _) => issue.assignees.iter().any(|a| eq(a)),
        ("label", _) => issue.labels.iter().any(|l| eq(l)),
        ("mentions", _) => issue
            .body
            .to_lowercase()
            .contains(&format!("@{}", value.to_lowercase())),
        ("no", "label") => issue.labels.is_empty(),
        ("no", "assignee") => issue.assignees.is_empty(),
        ("no", "milestone") => issue.milestone.is_none(),
        ("milestone", _) => issue
            .milestone
            .and_then(|n| repo.milestones.iter().find(|m| m.number == n))
            .is_some_and(|m| eq(&m.title)),
        ("comments", _) => compare(value, issue.comments.len() as i64, number),
        ("created", _) => compare(value, issue.created_at, date),
        ("updated", _) => compare(value, issue.updated_at, date),
        ("closed", _) => issue.closed_at.is_some_and(|t| compare(value, t, date)),
        ("head", _) => pull.is_some_and(|p| eq(&p.head)),
        ("base", _) => pull.is_some_and(|p| eq(&p.base)),
        ("review", "approved") => {
            pull.is_some_and(|p| p.reviews.iter().any(|r| r.state == "APPROVED"))
        }
        _ => return repo_qualifier(repo, key, value).filter(|_| key != "is"),
    })
}

pub async fn issues(State(state): State<GithubState>, req: Req) -> Response {
    let q = match query(&req) {
        Ok(q) => q,
        Err(response) => return *response,
    };
    let base = state.base_url();
    let data = state.data();
    let mut hits: Vec<(&Repo, &Issue)> = data
        .visible()
        .flat_map(|r| r.issues.values().map(move |i| (r, i)))
        .filter(|(r, i)| {
            q.words_match(&[&i.title, &i.body])
                && q.qualifiers_match(|k, v| issue_qualifier(r, i, k, v))
        })
        .collect();
    let key = |(_, i): &(&Repo, &Issue)| match req.get("sort") {
        Some("created") => i.created_at,
        Some("comments") => i.comments.len() as i64,
        _ => i.updated_at,
    };
    hits.sort_by_key(|h| std::cmp::Reverse(key(h)));
    if req.get("order") == Some("asc") {
        hits.reverse();
    }
    let view = View::new(&data, &base);
    let items: Vec<Value> = hits
        .iter()
        .map(|(r, i)| {
            let mut v = view.issue(r, i);
            v["score"] = json!(1.0);
            v
        })
        .collect();
    answer(&req, &base, &items)
}

pub async fn repositories(State(state): State<GithubState>, req: Req) -> Response {
    let q = match query(&req) {
        Ok(q) => q,
        Err(response) => return *response,
    };
    let base = state.base_url();
    let data = state.data();
    let mut hits: Vec<&Repo> = data
        .visible()
        .filter(|r| {
            let topics = r.topics.join(" ");
            q.words_match(&[&r.name, &r.description, &topics])
                && q.qualifiers_match(|k, v| repo_qualifier(r, k, v))
        })
        .collect();
    match req.get("sort") {
        Some("forks") => hits.sort_by_key(|r| std::cmp::Reverse(r.forks)),
        Some("updated") => hits.sort_by_key(|r| std::cmp::Reverse(r.pushed_at)),
        _ => hits.sort_by_key(|r| std::cmp::Reverse(r.stars)),
    }
    if req.get("order") == Some("asc") {
        hits.reverse();
    }
    let view = View::new(&data, &base);
    let items: Vec<Value> = hits
        .iter()
        .map(|r| {
            let mut v = view.repo(r);
            v["score"] = json!(1.0);
            v
        })
        .collect();
    answer(&req, &base, &items)
}

/// File extensions of the languages code search knows.
fn language_of(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "rs" => "Rust",
        "go" => "Go",
        "ts" | "tsx" => "TypeScript",
        "js" => "JavaScript",
        "py" => "Python",
        "md" => "Markdown",
        "toml" => "TOML",
        "yml" | "yaml" => "YAML",
        "sh" | "bashrc" => "Shell",
        "proto" => "Protocol Buffer",
        "csv" => "CSV",
        _ => return None,
    })
}

pub async fn code(State(state): State<GithubState>, req: Req) -> Response {
    let q = match query(&req) {
        Ok(q) => q,
        Err(response) => return *response,
    };
    if q.words.is_empty() {
        return reply::validation(
            DOCS,
            vec![
                json!({"resource": "Search", "field": "q", "code": "invalid",
                        "message": "Code search needs at least one search term besides qualifiers"}),
            ],
        );
    }
    let base = state.base_url();
    let data = state.data();
    let view = View::new(&data, &base);
    let mut items = Vec::new();
    for repo in data.visible() {
        let branch = repo.default();
        let head = branch.history.first().cloned().unwrap_or_default();
        for (path, blob) in &branch.files {
            let check = |key: &str, value: &str| -> Option<bool> {
                let eq = |a: &str| a.eq_ignore_ascii_case(value);
                Some(match key {
                    "path" => {
                        path.starts_with(value.trim_start_matches('/')) || path.contains(value)
                    }
                    "filename" => path.rsplit('/').next().is_some_and(eq),
                    "extension" => path.rsplit_once('.').is_some_and(|(_, e)| eq(e)),
                    "language" => language_of(path).is_some_and(eq),
                    _ => return repo_qualifier(repo, key, value).filter(|_| key != "language"),
                })
            };
            if q.words_match(&[path, &blob.text]) && q.qualifiers_match(check) {
                let name = path.rsplit('/').next().unwrap_or(path);
                let repo_url = view.repo_url(repo);
                items.push(json!({
                    "name": name,
                    "path": path,
                    "sha": blob.sha,
                    "url": format!("{repo_url}/contents/{path}?ref={head}"),
                    "git_url": format!("{repo_url}/git/blobs/{}", blob.sha),
                    "html_url": format!("{}/blob/{head}/{path}", view.repo_html(repo)),
                    "repository": view.repo_short(repo),
                    "score": 1.0,
                }));
            }
        }
    }
    answer(&req, &base, &items)
}

pub async fn users(State(state): State<GithubState>, req: Req) -> Response {
    let q = match query(&req) {
        Ok(q) => q,
        Err(response) => return *response,
    };
    let base = state.base_url();
    let data = state.data();
    let check = |u: &User, key: &str, value: &str| -> Option<bool> {
        Some(match (key, value) {
            ("type", "user") => !u.org,
            ("type", "org") => u.org,
            ("location", _) => u
                .location
                .as_deref()
                .is_some_and(|l| l.to_lowercase().contains(&value.to_lowercase())),
            ("followers", _) => compare(value, u.followers as i64, number),
            ("created", _) => compare(value, u.created_at, date),
            _ => return None,
        })
    };
    let view = View::new(&data, &base);
    let mut hits: Vec<&User> = data
        .users
        .iter()
        .filter(|u| {
            q.words_match(&[&u.login, &u.name, u.email.as_deref().unwrap_or_default()])
                && q.qualifiers_match(|k, v| check(u, k, v))
        })
        .collect();
    hits.sort_by_key(|u| std::cmp::Reverse(u.followers));
    let items: Vec<Value> = hits
        .iter()
        .map(|u| {
            let mut v = view.user(&u.login);
            v["score"] = json!(1.0);
            v
        })
        .collect();
    answer(&req, &base, &items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_qualifiers_words_and_phrases() {
        let q = Query::parse(
            r#"repo:octo-demo/hello-world is:issue -label:bug "empty input" crash in:title"#,
        );
        assert_eq!(
            q.qualifiers,
            vec![
                (false, "repo".into(), "octo-demo/hello-world".into()),
                (false, "is".into(), "issue".into()),
                (true, "label".into(), "bug".into()),
                (false, "in".into(), "title".into()),
            ]
        );
        assert_eq!(
            q.words,
            vec![
                (false, vec!["empty input".into()]),
                (false, vec!["crash".into()])
            ]
        );
        assert!(q.words_match(&["Crash on EMPTY INPUT", ""]));
        assert!(!q.words_match(&["crash", "nothing"]));
        let either = Query::parse("panic OR crash timeout");
        assert_eq!(either.words.len(), 2);
        assert!(either.words_match(&["crash after timeout"]));
        assert!(!either.words_match(&["crash"]));
    }

    #[test]
    fn comparisons() {
        assert!(compare(">10", 11, number));
        assert!(!compare(">10", 10, number));
        assert!(compare("5..10", 10, number));
        assert!(compare("*..10", 3, number));
        let t = parse_iso("2025-02-01T00:00:00Z").unwrap();
        assert!(compare(">=2025-01-31", t, date));
    }
}

//! The viewer's own notifications: `GET /notifications` (unread only unless
//! `all=true`; `participating=true` keeps direct involvement; `since`,
//! `before`), newest first, and `PATCH /notifications/threads/{id}` (205, marks
//! the thread read).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::model::Notification;
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply;
use crate::github::shapes::{View, iso_opt};
use crate::github::time::{self, iso, parse_iso};

/// Reasons that mean the viewer is directly involved.
const PARTICIPATING: &[&str] = &[
    "assign",
    "author",
    "comment",
    "manual",
    "mention",
    "review_requested",
    "state_change",
    "team_mention",
];

pub async fn list(State(state): State<GithubState>, req: Req) -> Response {
    let base = state.base_url();
    let data = state.data();
    let since = req.get("since").and_then(parse_iso);
    let before = req.get("before").and_then(parse_iso);
    let mut threads: Vec<&Notification> = data
        .inbox()
        .filter(|n| req.flag("all") || n.unread)
        .filter(|n| !req.flag("participating") || PARTICIPATING.contains(&n.reason.as_str()))
        .filter(|n| since.is_none_or(|t| n.updated_at >= t))
        .filter(|n| before.is_none_or(|t| n.updated_at < t))
        .collect();
    threads.sort_by_key(|n| std::cmp::Reverse(n.updated_at));
    let view = View::new(&data, &base);
    let items: Vec<Value> = threads.iter().map(|n| view.notification(n)).collect();
    paging::list(&req, &base, &items)
}

pub async fn mark_read(State(state): State<GithubState>, Path(id): Path<String>) -> Response {
    let mut data = state.data();
    let viewer = data.viewer.clone();
    let Some(thread) = data
        .notifications
        .iter_mut()
        .find(|n| n.id == id && n.recipient.eq_ignore_ascii_case(&viewer))
    else {
        return reply::not_found();
    };
    thread.unread = false;
    thread.last_read_at = Some(time::now());
    StatusCode::RESET_CONTENT.into_response()
}

impl View<'_> {
    pub fn notification(&self, n: &Notification) -> Value {
        let (owner, name) = n.repo.split_once('/').unwrap_or_default();
        let repo = self
            .data
            .repos
            .iter()
            .find(|r| r.owner == owner && r.name == name);
        let repo_json = repo.map_or(Value::Null, |r| self.repo_short(r));
        let repo_url = format!("{}/repos/{}", self.base, n.repo);
        let subject_url = match (n.kind.as_str(), n.number) {
            ("PullRequest", Some(num)) => json!(format!("{repo_url}/pulls/{num}")),
            (_, Some(num)) => json!(format!("{repo_url}/issues/{num}")),
            ("Release", None) => json!(format!("{repo_url}/releases/latest")),
            _ => Value::Null,
        };
        let latest_comment = repo
            .zip(n.number)
            .and_then(|(r, num)| r.issues.get(&num))
            .and_then(|i| i.comments.last())
            .map_or(subject_url.clone(), |c| {
                json!(format!("{repo_url}/issues/comments/{}", c.id))
            });
        let url = format!("{}/notifications/threads/{}", self.base, n.id);
        json!({
            "id": n.id,
            "unread": n.unread,
            "reason": n.reason,
            "updated_at": iso(n.updated_at),
            "last_read_at": iso_opt(n.last_read_at),
            "subject": {
                "title": n.title,
                "url": subject_url,
                "latest_comment_url": latest_comment,
                "type": n.kind,
            },
            "repository": repo_json,
            "url": url,
            "subscription_url": format!("{url}/subscription"),
        })
    }
}

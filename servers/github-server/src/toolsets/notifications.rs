//! Toolset `notifications`: the token owner's notification inbox; with
//! `--allow-write` also marking a thread read.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::ToolError;
use shared::upstream::Method;

use crate::api::{Query, seg};
use crate::paging::{self, ListArgs};
use crate::server::GithubServer;
use crate::shape::{Obj, s, yes};

/// A notification thread, compact. The subject's API URL is reduced to the issue or
/// pull request number it ends with.
fn notification(v: &Value) -> String {
    let subject = v.get("subject").unwrap_or(&Value::Null);
    let number = s(subject, "url")
        .and_then(|u| u.rsplit('/').next())
        .and_then(|n| n.parse::<u64>().ok());
    Obj::new()
        .put("id", s(v, "id"))
        .put("repo", v.get("repository").and_then(|r| s(r, "full_name")))
        .put("type", s(subject, "type"))
        .put("title", s(subject, "title").map(crate::content::clean))
        .put("number", number)
        .put("reason", s(v, "reason"))
        .put("unread", yes(v, "unread"))
        .put("updated_at", s(v, "updated_at"))
        .finish()
}

/// Input of `list_notifications`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListNotificationsParams {
    /// Include read notifications too.
    #[serde(default)]
    pub all: bool,
    /// Only where you are directly involved (mentioned, assigned, author...).
    #[serde(default)]
    pub participating: bool,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `mark_notification_read`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MarkReadParams {
    /// Thread id from list_notifications.
    pub thread_id: String,
}

#[tool_router(router = notifications_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Your GitHub notifications (unread by default), newest first: thread id, repository, subject type, title and number, reason. Example: {\"participating\": true}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_notifications(
        &self,
        Parameters(p): Parameters<ListNotificationsParams>,
    ) -> Result<String, ToolError> {
        let query = Query::list()
            .opt("all", p.all.then_some("true"))
            .opt("participating", p.participating.then_some("true"));
        paging::list(
            &self.api,
            "list_notifications",
            "/notifications",
            query,
            &p.page,
            None,
            |v| Some(notification(v)),
        )
        .await
    }
}

#[tool_router(router = notifications_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Mark one notification thread as read. Example: {\"thread_id\": \"1234567\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn mark_notification_read(
        &self,
        Parameters(p): Parameters<MarkReadParams>,
    ) -> Result<String, ToolError> {
        let id = p.thread_id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ToolError::new(
                "thread_id must be the numeric id from list_notifications, e.g. \"1234567\"",
            ));
        }
        self.api
            .write(
                Method::PATCH,
                &format!("/notifications/threads/{}", seg(id)),
                json!({}),
                true,
            )
            .await?;
        Ok(format!("{{\"thread_id\":\"{id}\",\"read\":true}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_compact() {
        let v = json!({"id": "17", "unread": true, "reason": "mention", "updated_at": "2025-01-01T00:00:00Z",
            "repository": {"full_name": "o/r", "owner": {"login": "o"}},
            "subject": {"title": "Crash", "type": "Issue", "url": "https://api.github.com/repos/o/r/issues/42"}});
        let out: Value = serde_json::from_str(&notification(&v)).unwrap();
        assert_eq!(
            out,
            json!({"id": "17", "repo": "o/r", "type": "Issue", "title": "Crash", "number": 42,
                "reason": "mention", "unread": true, "updated_at": "2025-01-01T00:00:00Z"})
        );
    }
}

//! The JSON shapes several areas share (users, repositories, labels, milestones,
//! issues), written as GitHub's REST API documents them. Area-specific shapes
//! live beside their routes as further `impl View` blocks.

use base64::Engine;
use serde_json::{Value, json};

use super::model::{Data, Issue, Milestone, Repo};
use super::time::iso;

/// Renders data for one answer: the data and the base URL for `url` fields.
pub struct View<'a> {
    pub data: &'a Data,
    pub base: &'a str,
}

/// GitHub's opaque global ids (`I_kwDO…`), derived from a type prefix and id.
pub fn node_id(prefix: &str, id: u64) -> String {
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("0:{id}"));
    format!("{prefix}_kwDO{encoded}")
}

/// An optional time as ISO 8601 or null.
pub fn iso_opt(t: Option<i64>) -> Value {
    t.map_or(Value::Null, |t| Value::String(iso(t)))
}

impl<'a> View<'a> {
    pub fn new(data: &'a Data, base: &'a str) -> Self {
        Self { data, base }
    }

    /// A user (or organization) in its short form, as nested in other objects.
    pub fn user(&self, login: &str) -> Value {
        let (id, org, login) = match self.data.user(login) {
            Some(u) => (u.id, u.org, u.login.as_str()),
            None => (fallback_id(login), false, login),
        };
        let b = self.base;
        json!({
            "login": login,
            "id": id,
            "node_id": node_id(if org { "O" } else { "U" }, id),
            "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
            "gravatar_id": "",
            "url": format!("{b}/users/{login}"),
            "html_url": format!("{b}/{login}"),
            "followers_url": format!("{b}/users/{login}/followers"),
            "following_url": format!("{b}/users/{login}/following{{/other_user}}"),
            "gists_url": format!("{b}/users/{login}/gists{{/gist_id}}"),
            "starred_url": format!("{b}/users/{login}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{b}/users/{login}/subscriptions"),
            "organizations_url": format!("{b}/users/{login}/orgs"),
            "repos_url": format!("{b}/users/{login}/repos"),
            "events_url": format!("{b}/users/{login}/events{{/privacy}}"),
            "received_events_url": format!("{b}/users/{login}/received_events"),
            "type": if org { "Organization" } else { "User" },
            "user_view_type": "public",
            "site_admin": false,
        })
    }

    pub fn user_opt(&self, login: Option<&str>) -> Value {
        login.map_or(Value::Null, |l| self.user(l))
    }

    pub fn repo_url(&self, repo: &Repo) -> String {
        format!("{}/repos/{}/{}", self.base, repo.owner, repo.name)
    }

    pub fn repo_html(&self, repo: &Repo) -> String {
        format!("{}/{}/{}", self.base, repo.owner, repo.name)
    }

    /// A repository as lists and `GET /repos/{owner}/{repo}` return it.
    pub fn repo(&self, repo: &Repo) -> Value {
        let url = self.repo_url(repo);
        let open_issues = repo.issues.values().filter(|i| i.open).count();
        let size_kb: usize = repo
            .default()
            .files
            .values()
            .map(|b| b.text.len())
            .sum::<usize>()
            / 1024;
        let admin = repo.owner == self.data.viewer;
        let license = repo.license.as_ref().map_or(Value::Null, |(spdx, name)| {
            json!({"key": spdx.to_ascii_lowercase(), "name": name, "spdx_id": spdx,
                   "url": format!("{}/licenses/{}", self.base, spdx.to_ascii_lowercase()),
                   "node_id": node_id("MDc6TGljZW5zZ", spdx.len() as u64)})
        });
        let mut value = self.repo_short(repo);
        let urls = json!({
            "forks_url": format!("{url}/forks"),
            "issues_url": format!("{url}/issues{{/number}}"),
            "pulls_url": format!("{url}/pulls{{/number}}"),
            "contents_url": format!("{url}/contents/{{+path}}"),
            "commits_url": format!("{url}/commits{{/sha}}"),
            "branches_url": format!("{url}/branches{{/branch}}"),
            "tags_url": format!("{url}/tags"),
            "releases_url": format!("{url}/releases{{/id}}"),
            "git_url": format!("git://{}/{}.git", self.base.trim_start_matches("http://"), repo.full_name()),
            "clone_url": format!("{}.git", self.repo_html(repo)),
        });
        extend(&mut value, urls);
        let rest = json!({
            "homepage": repo.homepage,
            "size": size_kb,
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
            "language": repo.language,
            "has_issues": true,
            "has_projects": true,
            "has_downloads": true,
            "has_wiki": !repo.private,
            "has_pages": false,
            "has_discussions": false,
            "forks_count": repo.forks,
            "mirror_url": null,
            "archived": false,
            "disabled": false,
            "open_issues_count": open_issues,
            "license": license,
            "allow_forking": true,
            "is_template": false,
            "web_commit_signoff_required": false,
            "topics": repo.topics,
            "visibility": if repo.private { "private" } else { "public" },
            "forks": repo.forks,
            "open_issues": open_issues,
            "watchers": repo.stars,
            "default_branch": repo.default_branch,
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.pushed_at),
            "pushed_at": iso(repo.pushed_at),
            "permissions": {"admin": admin, "maintain": admin, "push": true, "triage": true, "pull": true},
        });
        extend(&mut value, rest);
        if self.data.user(&repo.owner).is_some_and(|u| u.org) {
            value["organization"] = self.user(&repo.owner);
        }
        value
    }

    /// A repository in its short form (notifications, search code hits).
    pub fn repo_short(&self, repo: &Repo) -> Value {
        json!({
            "id": repo.id,
            "node_id": node_id("R", repo.id),
            "name": repo.name,
            "full_name": repo.full_name(),
            "private": repo.private,
            "owner": self.user(&repo.owner),
            "html_url": self.repo_html(repo),
            "description": repo.description,
            "fork": false,
            "url": self.repo_url(repo),
        })
    }

    pub fn label(&self, repo: &Repo, name: &str) -> Value {
        let (id, color, description) = match repo.label(name) {
            Some(l) => (l.id, l.color.as_str(), l.description.as_str()),
            None => (fallback_id(name), "ededed", ""),
        };
        json!({
            "id": id,
            "node_id": node_id("LA", id),
            "url": format!("{}/labels/{}", self.repo_url(repo), name.replace(' ', "%20")),
            "name": name,
            "color": color,
            "default": matches!(name, "bug" | "documentation" | "enhancement" | "good first issue" | "question"),
            "description": description,
        })
    }

    pub fn milestone(&self, repo: &Repo, m: &Milestone) -> Value {
        let url = format!("{}/milestones/{}", self.repo_url(repo), m.number);
        let in_milestone = repo
            .issues
            .values()
            .filter(|i| i.milestone == Some(m.number));
        let (open, closed) =
            in_milestone.fold(
                (0, 0),
                |(o, c), i| if i.open { (o + 1, c) } else { (o, c + 1) },
            );
        json!({
            "url": url,
            "html_url": format!("{}/milestone/{}", self.repo_html(repo), m.number),
            "labels_url": format!("{url}/labels"),
            "id": m.id,
            "node_id": node_id("MI", m.id),
            "number": m.number,
            "title": m.title,
            "description": m.description,
            "creator": self.user(&repo.owner),
            "open_issues": open,
            "closed_issues": closed,
            "state": if m.open { "open" } else { "closed" },
            "created_at": iso(m.created_at),
            "updated_at": iso(m.created_at),
            "due_on": iso_opt(m.due_on),
            "closed_at": null,
        })
    }

    /// GitHub's `author_association`: OWNER, MEMBER (of the owning
    /// organization), COLLABORATOR (invited), CONTRIBUTOR (has a commit in the
    /// repository) or NONE.
    pub fn association(&self, repo: &Repo, login: &str) -> &'static str {
        let is = |other: &str| other.eq_ignore_ascii_case(login);
        if is(&repo.owner) {
            "OWNER"
        } else if self
            .data
            .user(&repo.owner)
            .is_some_and(|o| o.org && o.members.iter().any(|m| is(m)))
        {
            "MEMBER"
        } else if super::routes::is_collaborator(repo, login) {
            "COLLABORATOR"
        } else if repo
            .commits
            .values()
            .any(|c| c.author.login.as_deref().is_some_and(is))
        {
            "CONTRIBUTOR"
        } else {
            "NONE"
        }
    }

    /// An issue (or a pull request's issue side) as the issues API returns it.
    pub fn issue(&self, repo: &Repo, issue: &Issue) -> Value {
        let repo_url = self.repo_url(repo);
        let url = format!("{repo_url}/issues/{}", issue.number);
        let kind = if issue.pull.is_some() {
            "pull"
        } else {
            "issues"
        };
        let html = format!("{}/{kind}/{}", self.repo_html(repo), issue.number);
        let assignees: Vec<Value> = issue.assignees.iter().map(|a| self.user(a)).collect();
        let milestone = issue
            .milestone
            .and_then(|n| repo.milestones.iter().find(|m| m.number == n))
            .map_or(Value::Null, |m| self.milestone(repo, m));
        let mut value = json!({
            "url": url,
            "repository_url": repo_url,
            "labels_url": format!("{url}/labels{{/name}}"),
            "comments_url": format!("{url}/comments"),
            "events_url": format!("{url}/events"),
            "html_url": html,
            "id": issue.id,
            "node_id": node_id(if issue.pull.is_some() { "PR" } else { "I" }, issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user(&issue.user),
            "labels": issue.labels.iter().map(|l| self.label(repo, l)).collect::<Vec<_>>(),
            "state": issue.state(),
            "locked": issue.locked,
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "assignees": assignees,
            "milestone": milestone,
            "comments": issue.comments.len(),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso_opt(issue.closed_at),
            "closed_by": self.user_opt(issue.closed_by.as_deref()),
            "author_association": self.association(repo, &issue.user),
            "active_lock_reason": null,
            "body": issue.body,
            "reactions": {
                "url": format!("{url}/reactions"), "total_count": 0, "+1": 0, "-1": 0,
                "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0,
            },
            "timeline_url": format!("{url}/timeline"),
            "performed_via_github_app": null,
            "state_reason": issue.state_reason,
        });
        if let Some(pull) = &issue.pull {
            value["draft"] = json!(pull.draft);
            value["pull_request"] = json!({
                "url": format!("{repo_url}/pulls/{}", issue.number),
                "html_url": html,
                "diff_url": format!("{html}.diff"),
                "patch_url": format!("{html}.patch"),
                "merged_at": iso_opt(pull.merged_at),
            });
        }
        value
    }
}

/// A stable id for something the seed did not give one.
fn fallback_id(text: &str) -> u64 {
    text.bytes().fold(1_469_598_103u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    }) % 90_000_000
        + 10_000_000
}

/// Adds the fields of the object `extra` to the object `value`.
pub fn extend(value: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (value.as_object_mut(), extra) {
        target.extend(extra);
    }
}

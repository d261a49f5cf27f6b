//! `--lockdown`: in public repositories, text by users without push access is
//! withheld (replaced with a count and how to see it), so a crafted issue or comment
//! from a passer-by never reaches the model.
//!
//! Lists of issues, pull requests and discussions keep every item but replace the
//! titles of such users' items ([`crate::server::GithubServer::withhold_titles`]).
//!
//! What is checked, for each author of a title, body, comment or review shown:
//! 1. Whether the repository is public (`GET /repos/{owner}/{repo}`, `private`).
//!    Private repositories are not filtered: only people with access write there.
//! 2. `author_association` `OWNER` is trusted without a lookup: GitHub documents it
//!    as the repository's owner, who has admin rights. `MEMBER` and `COLLABORATOR`
//!    are not enough (an organization's base role or a collaborator's role may be
//!    read-only), so they are looked up like everyone else.
//! 3. `GET /repos/{owner}/{repo}/collaborators/{login}/permission`: shown only
//!    when `permission` is `admin` or `write` (or `role_name` is `maintain`).
//!
//! It fails closed: when either lookup fails (an error, a 403 because the token
//! may not ask, GitHub unreachable), the text is withheld. Answers are cached per
//! repository and per repository+user for ten minutes; failures are not cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Association;
use crate::api::{Api, seg};

/// How long one answer is kept.
const TTL: Duration = Duration::from_secs(600);
/// Most answers kept (the oldest are dropped beyond).
const MAX_ENTRIES: usize = 10_000;

/// The lockdown filter and its cache.
#[derive(Debug, Default)]
pub struct Lockdown {
    cache: Mutex<HashMap<String, (Instant, bool)>>,
}

impl Lockdown {
    /// A filter with an empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn cached(&self, key: &str) -> Option<bool> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, v)| *v)
    }

    fn remember(&self, key: String, value: bool) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_ENTRIES {
            cache.retain(|_, (at, _)| at.elapsed() < TTL);
            if cache.len() >= MAX_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(key, (Instant::now(), value));
    }

    /// Whether text by `login` in the repository at `repo_path` (`/repos/o/r`) may be
    /// shown. False whenever a needed lookup fails.
    pub async fn allows(
        &self,
        api: &Api,
        repo_path: &str,
        login: &str,
        association: Association,
    ) -> bool {
        let repo_key = format!("repo {}", repo_path.to_ascii_lowercase());
        let private = match self.cached(&repo_key) {
            Some(private) => private,
            None => match api.get(repo_path).await {
                Ok(v) => match v.get("private").and_then(Value::as_bool) {
                    Some(private) => {
                        self.remember(repo_key, private);
                        private
                    }
                    None => return false,
                },
                Err(_) => return false,
            },
        };
        if private || association == Association::Owner {
            return true;
        }
        if login.is_empty() {
            return false;
        }
        let user_key = format!(
            "push {} {}",
            repo_path.to_ascii_lowercase(),
            login.to_ascii_lowercase()
        );
        if let Some(push) = self.cached(&user_key) {
            return push;
        }
        let path = format!("{repo_path}/collaborators/{}/permission", seg(login));
        match api.get(&path).await {
            Ok(v) => {
                let push = has_push(&v);
                self.remember(user_key, push);
                push
            }
            Err(_) => false,
        }
    }
}

/// Whether a permission answer grants push access.
fn has_push(v: &Value) -> bool {
    let permission = v.get("permission").and_then(Value::as_str).unwrap_or("");
    let role = v.get("role_name").and_then(Value::as_str).unwrap_or("");
    matches!(permission, "admin" | "write") || matches!(role, "admin" | "maintain" | "write")
}

/// The verdicts of one answer, so each author is asked about once per
/// repository however many of their items it holds.
#[derive(Default)]
struct Verdicts(HashMap<(String, String, Association), bool>);

impl Verdicts {
    /// [`Api::may_show`], remembered for this answer.
    async fn shown(
        &mut self,
        api: &Api,
        repo_path: &str,
        login: &str,
        association: Association,
    ) -> bool {
        let key = (repo_path.to_string(), login.to_string(), association);
        if let Some(shown) = self.0.get(&key) {
            return *shown;
        }
        let shown = api.may_show(repo_path, login, association).await;
        self.0.insert(key, shown);
        shown
    }
}

/// The notice that replaces withheld text: `count` items of `what` (e.g. "comment").
pub fn withheld_notice(count: usize, what: &str) -> String {
    let what = if count == 1 {
        what.to_string()
    } else {
        format!("{what}s")
    };
    format!(
        "{count} {what} by users without push access withheld by --lockdown; restart the server without --lockdown (GITHUB_LOCKDOWN=false) to see them"
    )
}

impl Api {
    /// Whether text by `login` may be shown: always without `--lockdown`, else as
    /// [`Lockdown::allows`] decides.
    pub async fn may_show(&self, repo_path: &str, login: &str, association: Association) -> bool {
        match &self.lockdown {
            None => true,
            Some(lockdown) => lockdown.allows(self, repo_path, login, association).await,
        }
    }

    /// Drops the items whose author may not be shown; `authors[i]` wrote `items[i]`.
    /// Returns how many were dropped. Each author is checked once.
    pub async fn withhold(
        &self,
        repo_path: &str,
        items: &mut Vec<String>,
        authors: &[(String, Association)],
    ) -> usize {
        if self.lockdown.is_none() {
            return 0;
        }
        let mut verdicts = Verdicts::default();
        let before = items.len();
        let mut keep = Vec::with_capacity(before);
        for (i, item) in std::mem::take(items).into_iter().enumerate() {
            let (login, association) = authors
                .get(i)
                .cloned()
                .unwrap_or((String::new(), Association::Unknown));
            if verdicts.shown(self, repo_path, &login, association).await {
                keep.push(item);
            }
        }
        *items = keep;
        before - items.len()
    }
}

/// Records the author of a listed item, for [`GithubServer::withheld`] (list
/// shapers are plain closures, so the check runs after the listing).
pub fn note_author(authors: &Mutex<Vec<(String, Association)>>, v: &Value) {
    authors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(super::author_of(v));
}

impl crate::server::GithubServer {
    /// Applies `--lockdown` to a listing whose items' authors were noted with
    /// [`note_author`]: drops what may not be shown and returns the extra fields
    /// for the rendered listing (`withheld`: the count and how to see them).
    pub async fn withheld(
        &self,
        repo_path: &str,
        listing: &mut crate::paging::Listing,
        authors: Mutex<Vec<(String, Association)>>,
        what: &str,
    ) -> crate::shape::Obj {
        let authors = authors.into_inner().unwrap_or_else(|e| e.into_inner());
        let count = self
            .api
            .withhold(repo_path, &mut listing.items, &authors)
            .await;
        crate::shape::Obj::new().put(
            "withheld",
            (count > 0).then(|| withheld_notice(count, what)),
        )
    }
}

/// The repository path (`/repos/o/r`) of a listed issue or pull request:
/// `repository_url` (issues, search hits) or `base.repo.full_name` (pulls).
fn repo_path_of(v: &Value) -> Option<String> {
    if let Some(url) = v.get("repository_url").and_then(Value::as_str) {
        return url.split("/repos/").nth(1).map(|r| format!("/repos/{r}"));
    }
    let name = v.get("base")?.get("repo")?.get("full_name")?.as_str()?;
    Some(format!("/repos/{name}"))
}

/// The raw items a listing's shaper kept, in order, for [`GithubServer::withhold_titles`];
/// noted only under `--lockdown` (otherwise nothing is cloned).
///
/// [`GithubServer::withhold_titles`]: crate::server::GithubServer::withhold_titles
pub struct Noted {
    on: bool,
    raws: Mutex<Vec<Value>>,
}

impl Noted {
    /// Notes items when `api` has `--lockdown` on.
    pub fn for_api(api: &Api) -> Self {
        Self {
            on: api.lockdown.is_some(),
            raws: Mutex::new(Vec::new()),
        }
    }

    /// Notes `v`, an item the shaper kept.
    pub fn note(&self, v: &Value) {
        if self.on {
            self.raws
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(v.clone());
        }
    }
}

impl crate::server::GithubServer {
    /// A list tool's call as [`crate::paging::list`] makes it, for lists of
    /// issues and pull requests, with [`Self::withhold_titles`] applied.
    /// `repo_path` is the repository when an item does not name its own.
    #[allow(clippy::too_many_arguments)]
    pub async fn list_titled(
        &self,
        tool: &str,
        path: &str,
        query: crate::api::Query,
        args: &crate::paging::ListArgs,
        field: Option<&str>,
        repo_path: &str,
        shape: impl Fn(&Value) -> Option<String>,
    ) -> Result<String, shared::ToolError> {
        use crate::paging;
        let noted = Noted::for_api(&self.api);
        let mut listing = paging::listing(&self.api, path, query, args, field, |v| {
            let item = shape(v)?;
            noted.note(v);
            Some(item)
        })
        .await?;
        let withheld = self
            .withhold_titles(&mut listing.items, noted, repo_path, &shape)
            .await;
        let extra = crate::shape::Obj::new().put("withheld", withheld);
        Ok(paging::render(tool, listing, extra))
    }

    /// Under `--lockdown`, the titles of listed items (`items[i]` shaped by
    /// `shape` from the `i`-th noted raw item) by users without push access in a
    /// public repository replaced by a marker: each item keeps its place, so
    /// counts and cursors hold. Returns the notice saying how many, if any. An
    /// item's repository is its `repository_url` (issues, search hits) or
    /// `base.repo` (pull requests), else `repo_path`; an item whose repository is
    /// unknown is withheld (fail closed).
    pub async fn withhold_titles(
        &self,
        items: &mut [String],
        noted: Noted,
        repo_path: &str,
        shape: impl Fn(&Value) -> Option<String>,
    ) -> Option<String> {
        let raws = noted.raws.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut verdicts = Verdicts::default();
        let mut count = 0;
        // `raws` may hold one more than `items`: the item the byte bound stopped at.
        for (item, raw) in items.iter_mut().zip(&raws) {
            let (login, association) = super::author_of(raw);
            let repo = repo_path_of(raw).unwrap_or_else(|| repo_path.to_string());
            if !repo.is_empty() && verdicts.shown(&self.api, &repo, &login, association).await {
                continue;
            }
            let mut hidden = raw.clone();
            hidden["title"] = Value::String(format!(
                "[title withheld by --lockdown: @{login} has no push access]"
            ));
            if let Some(replaced) = shape(&hidden) {
                *item = replaced;
                count += 1;
            }
        }
        (count > 0).then(|| withheld_notice(count, "title"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn push_means_admin_write_or_maintain() {
        assert!(has_push(&json!({"permission": "admin"})));
        assert!(has_push(
            &json!({"permission": "write", "role_name": "write"})
        ));
        assert!(has_push(
            &json!({"permission": "read", "role_name": "maintain"})
        ));
        assert!(!has_push(
            &json!({"permission": "read", "role_name": "triage"})
        ));
        assert!(!has_push(&json!({"permission": "none"})));
        assert!(!has_push(&json!({})));
    }

    #[test]
    fn notice_counts_and_says_how_to_see() {
        assert_eq!(
            withheld_notice(2, "comment"),
            "2 comments by users without push access withheld by --lockdown; restart the server without --lockdown (GITHUB_LOCKDOWN=false) to see them"
        );
        assert!(withheld_notice(1, "review").starts_with("1 review by"));
    }
}

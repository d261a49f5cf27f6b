//! The fake's shared state handle: the data behind a lock, the rate limits, the
//! accepted tokens and the registered GitHub App, and the helpers tests use to
//! look inside or set things up.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::app::{App, AppConfig};
use super::callers::{self, Caller, Tokens};
use super::limits::{Limits, RateLimitInfo, Resource};
use super::model::{Comment, Data, Issue};
use super::time;

/// A cheap-to-clone handle on the fake's state.
#[derive(Clone)]
pub struct GithubState {
    inner: Arc<Inner>,
}

struct Inner {
    data: Mutex<Data>,
    limits: Mutex<Limits>,
    tokens: Mutex<Tokens>,
    app: Mutex<Option<App>>,
    /// The seed's viewer: whom the demo token and `add_token` tokens belong to,
    /// and who the data is seen as outside a request.
    home: String,
    base_url: Mutex<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An issue (or pull request) as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueInfo {
    pub number: u64,
    pub title: String,
    pub body: String,
    /// `open` or `closed`.
    pub state: String,
    pub user: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub comments: usize,
    pub is_pull_request: bool,
}

/// A pull request as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullInfo {
    pub number: u64,
    pub state: String,
    pub merged: bool,
    pub draft: bool,
    pub head: String,
    pub base: String,
    pub reviews: usize,
    pub review_comments: usize,
}

impl GithubState {
    /// A state holding `data`, accepting [`DEMO_TOKEN`] (for `data.viewer`) and
    /// alice's and bob's tokens.
    pub fn new(data: Data) -> Self {
        let home = data.viewer.clone();
        Self {
            inner: Arc::new(Inner {
                data: Mutex::new(data),
                limits: Mutex::new(Limits::default()),
                tokens: Mutex::new(Tokens::seeded(&home)),
                app: Mutex::new(None),
                home,
                base_url: Mutex::new(String::new()),
            }),
        }
    }

    /// The demo seed (see [`super::seed`]).
    pub fn demo() -> Self {
        Self::new(super::seed::demo())
    }

    /// The data, seen as the current request's caller (the seed's viewer
    /// outside a request): the one place the viewer is decided, so every route
    /// and visibility check follows the token.
    pub(crate) fn data(&self) -> MutexGuard<'_, Data> {
        let mut data = lock(&self.inner.data);
        let caller = callers::current().unwrap_or_else(|| Caller::user(&self.inner.home));
        if data.viewer != caller.login || data.access != caller.access {
            data.viewer = caller.login;
            data.access = caller.access;
        }
        data
    }

    pub(crate) fn app(&self) -> MutexGuard<'_, Option<App>> {
        lock(&self.inner.app)
    }

    pub(crate) fn limits(&self) -> MutexGuard<'_, Limits> {
        lock(&self.inner.limits)
    }

    /// The base URL the fake serves at (used in `url` fields of bodies).
    pub fn base_url(&self) -> String {
        lock(&self.inner.base_url).clone()
    }

    pub(crate) fn set_base_url(&self, url: &str) {
        *lock(&self.inner.base_url) = url.to_string();
    }

    /// Accepts another token (as the viewer), e.g. a distinctive one a test then
    /// looks for in logs.
    pub fn add_token(&self, token: &str) {
        lock(&self.inner.tokens).add(token, &self.inner.home);
    }

    /// Accepts another token as the user `login`.
    pub fn add_user_token(&self, token: &str, login: &str) {
        lock(&self.inner.tokens).add(token, login);
    }

    /// Whom a bearer token belongs to: a user's personal token, or an unexpired
    /// installation token of the registered app (its bot, with the access of the
    /// account it is installed on). `None` is `Bad credentials`.
    pub(crate) fn caller(&self, token: Option<&str>) -> Option<Caller> {
        let token = token?;
        if let Some(login) = lock(&self.inner.tokens).owner(token) {
            return Some(Caller::user(login));
        }
        let app = self.app();
        let app = app.as_ref().filter(|a| a.accepts(token, time::now()))?;
        Some(Caller {
            login: app.config.bot_login(),
            access: self.inner.home.clone(),
        })
    }

    /// Registers a GitHub App (installed on the seed viewer's account), replacing
    /// any earlier one; fails when its public key is not an RSA PEM.
    pub fn register_app(&self, config: AppConfig) -> Result<(), String> {
        *self.app() = Some(App::new(config)?);
        Ok(())
    }

    /// How many installation tokens the registered app minted (0 without one).
    pub fn app_mints(&self) -> u64 {
        self.app().as_ref().map_or(0, App::mints)
    }

    pub(crate) fn viewer_id(&self) -> u64 {
        let data = self.data();
        data.user(&data.viewer).map_or(0, |u| u.id)
    }

    /// Issues of a repository, pull requests excluded, in any state (0 when the
    /// repository does not exist).
    pub fn issue_count(&self, owner: &str, repo: &str) -> usize {
        self.issues(owner, repo)
            .iter()
            .filter(|i| !i.is_pull_request)
            .count()
    }

    /// Every issue and pull request of a repository, by number.
    pub fn issues(&self, owner: &str, repo: &str) -> Vec<IssueInfo> {
        let data = self.data();
        let Some(repo) = data.repo(owner, repo) else {
            return Vec::new();
        };
        repo.issues
            .values()
            .map(|i| IssueInfo {
                number: i.number,
                title: i.title.clone(),
                body: i.body.clone(),
                state: i.state().to_string(),
                user: i.user.clone(),
                labels: i.labels.clone(),
                assignees: i.assignees.clone(),
                comments: i.comments.len(),
                is_pull_request: i.pull.is_some(),
            })
            .collect()
    }

    /// Adds `n` open issues (by the viewer, each with a comment every third) and
    /// returns their numbers.
    pub fn add_issues(&self, owner: &str, repo: &str, n: usize) -> Vec<u64> {
        let mut data = self.data();
        let viewer = data.viewer.clone();
        let mut ids: Vec<u64> = (0..2 * n).map(|_| data.fresh_id()).collect();
        let Some(repo) = data.repo_mut(owner, repo) else {
            return Vec::new();
        };
        let now = time::now();
        let mut numbers = Vec::new();
        for k in 0..n {
            let number = repo.next_number();
            let id = ids.pop().unwrap_or_default();
            let comment_id = ids.pop().unwrap_or_default();
            let mut issue = Issue::opened(
                id,
                number,
                format!("Generated issue {} for load tests", k + 1),
                format!("Issue {} of {n} added by a test.", k + 1),
                &viewer,
                now,
            );
            if k % 3 == 2 {
                let text = format!("Still reproducible on main (generated issue {})", k + 1);
                issue
                    .comments
                    .push(Comment::new(comment_id, &viewer, text, now));
            }
            repo.issues.insert(number, issue);
            numbers.push(number);
        }
        numbers
    }

    /// A pull request's state.
    pub fn pull(&self, owner: &str, repo: &str, number: u64) -> Option<PullInfo> {
        let data = self.data();
        let issue = data.repo(owner, repo)?.issues.get(&number)?;
        let pull = issue.pull.as_ref()?;
        Some(PullInfo {
            number,
            state: issue.state().to_string(),
            merged: pull.merged,
            draft: pull.draft,
            head: pull.head.clone(),
            base: pull.base.clone(),
            reviews: pull.reviews.len(),
            review_comments: pull.review_comments.len(),
        })
    }

    /// Unread notifications of the viewer.
    pub fn unread_notifications(&self) -> usize {
        self.data().inbox().filter(|n| n.unread).count()
    }

    /// The full text of a job's log.
    pub fn job_log(&self, job_id: u64) -> Option<String> {
        let data = self.data();
        data.repos.iter().find_map(|repo| {
            repo.runs.iter().find_map(|run| {
                let job = run.jobs.iter().find(|j| j.id == job_id)?;
                (job.log_lines > 0).then(|| super::seed::logs::render(run, job))
            })
        })
    }

    /// Sets the `core` limit (requests per hour) and starts a fresh window.
    pub fn set_core_limit(&self, limit: u64) {
        self.limits().set_limit(Resource::Core, limit);
    }

    /// Sets the `search` limit (requests per minute) and starts a fresh window.
    pub fn set_search_limit(&self, limit: u64) {
        self.limits().set_limit(Resource::Search, limit);
    }

    /// Sets the `code_search` limit (requests per minute) and starts a fresh window.
    pub fn set_code_search_limit(&self, limit: u64) {
        self.limits().set_limit(Resource::CodeSearch, limit);
    }

    /// Sets the `graphql` limit (points per hour) and starts a fresh window.
    pub fn set_graphql_limit(&self, limit: u64) {
        self.limits().set_limit(Resource::Graphql, limit);
    }

    /// The status of an exhausted primary limit: 403 (default) or 429.
    pub fn set_exhausted_status(&self, status: u16) {
        self.limits().exhausted_status = status;
    }

    /// A bucket's state: `core`, `search` or `code_search`.
    pub fn rate_limit(&self, resource: &str) -> Option<RateLimitInfo> {
        let resource = Resource::from_name(resource)?;
        Some(self.limits().info(resource))
    }
}

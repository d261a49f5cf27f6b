//! What the fake GitHub holds: users, repositories with their files, history,
//! issues and pull requests, CI, and the viewer's notifications. Plain data; the
//! routes render it in GitHub's JSON shapes and the seed fills it.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// A user or an organization.
#[derive(Debug, Clone)]
pub struct User {
    pub login: String,
    pub id: u64,
    pub name: String,
    pub org: bool,
    pub company: Option<String>,
    pub location: Option<String>,
    pub bio: Option<String>,
    pub email: Option<String>,
    pub blog: Option<String>,
    pub followers: u64,
    pub following: u64,
    pub created_at: i64,
    /// An organization's members (who see its private repositories); empty for
    /// a person.
    pub members: Vec<String>,
}

/// A file's content at some commit.
#[derive(Debug, Clone)]
pub struct Blob {
    pub text: String,
    pub sha: String,
}

impl Blob {
    pub fn new(text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let sha = sha_of(&format!("blob {}\0{text}", text.len()));
        Arc::new(Self { text, sha })
    }
}

/// File path -> content.
pub type Files = BTreeMap<String, Arc<Blob>>;

#[derive(Debug, Clone)]
pub struct Branch {
    pub name: String,
    pub protected: bool,
    /// The files at the branch head.
    pub files: Files,
    /// The branch's history, newest first (shas into `Repo::commits`).
    pub history: Vec<String>,
}

/// Someone in a commit: a GitHub login when the email maps to one.
#[derive(Debug, Clone)]
pub struct Person {
    pub login: Option<String>,
    pub name: String,
    pub email: String,
}

/// A file changed by a commit or pull request.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub filename: String,
    /// added, modified, removed or renamed.
    pub status: String,
    pub additions: usize,
    pub deletions: usize,
    /// The unified-diff hunks (no `diff --git` header, no trailing newline).
    pub patch: String,
    /// The blob after the change (before it for a removal).
    pub sha: String,
}

#[derive(Debug, Clone)]
pub struct Commit {
    pub sha: String,
    pub message: String,
    pub author: Person,
    pub date: i64,
    pub parents: Vec<String>,
    pub files: Vec<FileChange>,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub sha: String,
}

#[derive(Debug, Clone)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
    pub author: String,
    pub target: String,
    pub created_at: i64,
    pub published_at: i64,
}

#[derive(Debug, Clone)]
pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Milestone {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub description: String,
    pub open: bool,
    pub due_on: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub user: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An issue, or the issue side of a pull request (`pull` is then set).
#[derive(Debug, Clone)]
pub struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub open: bool,
    pub state_reason: Option<String>,
    pub user: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub milestone: Option<u64>,
    pub comments: Vec<Comment>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
    pub locked: bool,
    pub pull: Option<Pull>,
}

impl Comment {
    /// A comment written at `at` and not edited since.
    pub fn new(id: u64, user: impl Into<String>, body: impl Into<String>, at: i64) -> Self {
        Self {
            id,
            user: user.into(),
            body: body.into(),
            created_at: at,
            updated_at: at,
        }
    }
}

impl Issue {
    /// An open issue opened at `at`, with no labels, assignees, milestone,
    /// comments or pull request yet.
    pub fn opened(
        id: u64,
        number: u64,
        title: impl Into<String>,
        body: impl Into<String>,
        user: impl Into<String>,
        at: i64,
    ) -> Self {
        Self {
            id,
            number,
            title: title.into(),
            body: body.into(),
            open: true,
            state_reason: None,
            user: user.into(),
            labels: Vec::new(),
            assignees: Vec::new(),
            milestone: None,
            comments: Vec::new(),
            created_at: at,
            updated_at: at,
            closed_at: None,
            closed_by: None,
            locked: false,
            pull: None,
        }
    }

    pub fn state(&self) -> &'static str {
        if self.open { "open" } else { "closed" }
    }
}

#[derive(Debug, Clone)]
pub struct Pull {
    /// The pull request's own id (distinct from the issue id).
    pub id: u64,
    pub head: String,
    pub head_sha: String,
    pub base: String,
    pub base_sha: String,
    pub draft: bool,
    pub merged: bool,
    pub merged_at: Option<i64>,
    pub merged_by: Option<String>,
    pub merge_commit_sha: Option<String>,
    /// False when the head conflicts with the base.
    pub mergeable: bool,
    pub maintainer_can_modify: bool,
    pub commits: usize,
    pub files: Vec<FileChange>,
    pub reviews: Vec<Review>,
    pub review_comments: Vec<ReviewComment>,
    pub requested_reviewers: Vec<String>,
}

impl Pull {
    /// An open, mergeable pull request from `head` into `base` that changes
    /// `files`, with no reviews yet; `commits` counts the head's commits that are
    /// not on the base (at least one).
    pub fn between(id: u64, head: &Branch, base: &Branch, files: Vec<FileChange>) -> Self {
        let commits = head
            .history
            .iter()
            .take_while(|sha| !base.history.contains(sha))
            .count()
            .max(1);
        Self {
            id,
            head: head.name.clone(),
            head_sha: head.history.first().cloned().unwrap_or_default(),
            base: base.name.clone(),
            base_sha: base.history.first().cloned().unwrap_or_default(),
            draft: false,
            merged: false,
            merged_at: None,
            merged_by: None,
            merge_commit_sha: None,
            mergeable: true,
            maintainer_can_modify: true,
            commits,
            files,
            reviews: Vec::new(),
            review_comments: Vec::new(),
            requested_reviewers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Review {
    pub id: u64,
    pub user: String,
    pub body: String,
    /// APPROVED, CHANGES_REQUESTED, COMMENTED or PENDING.
    pub state: String,
    pub commit_id: String,
    pub submitted_at: i64,
}

#[derive(Debug, Clone)]
pub struct ReviewComment {
    pub id: u64,
    pub review_id: u64,
    pub user: String,
    pub body: String,
    pub path: String,
    pub line: u64,
    pub start_line: Option<u64>,
    pub side: String,
    pub diff_hunk: String,
    pub commit_id: String,
    pub in_reply_to: Option<u64>,
    pub created_at: i64,
}

/// A commit status (the statuses API, as external CI services post them).
#[derive(Debug, Clone)]
pub struct CommitStatus {
    pub id: u64,
    pub sha: String,
    pub context: String,
    /// error, failure, pending or success.
    pub state: String,
    pub description: String,
    pub target_url: String,
    pub creator: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct WorkflowRun {
    pub id: u64,
    pub workflow_id: u64,
    pub name: String,
    pub path: String,
    pub display_title: String,
    pub event: String,
    /// queued, in_progress or completed.
    pub status: String,
    pub conclusion: Option<String>,
    pub head_branch: String,
    pub head_sha: String,
    pub run_number: u64,
    pub run_attempt: u64,
    pub actor: String,
    pub pull_requests: Vec<u64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: u64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: i64,
    pub completed_at: Option<i64>,
    pub runner: String,
    pub labels: Vec<String>,
    pub steps: Vec<Step>,
    /// How many lines its log has (0: no log yet).
    pub log_lines: usize,
    /// The test that fails in this job's log, if it failed in tests.
    pub failing_test: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub number: u64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub description: String,
    /// Seen only by its owner (and, for an organization's, by its members);
    /// everyone else gets 404 (see [`Data::can_see`]).
    pub private: bool,
    /// False for a repository no token can see (answered 404).
    pub visible: bool,
    pub language: Option<String>,
    pub topics: Vec<String>,
    /// (SPDX id, name).
    pub license: Option<(String, String)>,
    pub homepage: Option<String>,
    pub default_branch: String,
    pub stars: u64,
    pub forks: u64,
    pub created_at: i64,
    pub pushed_at: i64,
    pub branches: Vec<Branch>,
    pub commits: BTreeMap<String, Commit>,
    pub tags: Vec<Tag>,
    pub releases: Vec<Release>,
    pub labels: Vec<Label>,
    pub milestones: Vec<Milestone>,
    /// Issues and pull requests, by number.
    pub issues: BTreeMap<u64, Issue>,
    pub statuses: Vec<CommitStatus>,
    pub runs: Vec<WorkflowRun>,
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub fn branch(&self, name: &str) -> Option<&Branch> {
        self.branches.iter().find(|b| b.name == name)
    }

    pub fn default(&self) -> &Branch {
        self.branch(&self.default_branch)
            .or(self.branches.first())
            .expect("every repository has a branch")
    }

    /// The branch a ref names: a branch, a tag, a commit sha (full or a prefix of
    /// at least 7), `HEAD`, or a tree sha of a branch head.
    pub fn resolve(&self, reference: &str) -> Option<Resolved<'_>> {
        let reference = reference.trim();
        let reference = reference.strip_prefix("refs/heads/").unwrap_or(reference);
        let reference = reference.strip_prefix("refs/tags/").unwrap_or(reference);
        if reference == "HEAD" || reference.is_empty() {
            let branch = self.default();
            return Some(Resolved::at_head(branch));
        }
        if let Some(branch) = self.branch(reference) {
            return Some(Resolved::at_head(branch));
        }
        let sha = match self.tags.iter().find(|t| t.name == reference) {
            Some(tag) => tag.sha.clone(),
            None => self.commit_sha(reference)?,
        };
        let branch = self
            .branches
            .iter()
            .find(|b| b.history.contains(&sha))
            .unwrap_or(self.default());
        Some(Resolved { branch, sha })
    }

    /// The full sha of a commit given in full or by a prefix of 7 or more.
    pub fn commit_sha(&self, text: &str) -> Option<String> {
        if text.len() < 7 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let text = text.to_ascii_lowercase();
        self.commits
            .range(text.clone()..)
            .next()
            .filter(|(sha, _)| sha.starts_with(&text))
            .map(|(sha, _)| sha.clone())
    }

    /// The issue or pull request a path segment numbers (`"7"`), if there is
    /// one; a segment that is not a positive number finds none.
    pub fn issue_at(&self, segment: &str) -> Option<&Issue> {
        self.issues.get(&positive_number(segment)?)
    }

    /// [`Self::issue_at`], to change it.
    pub fn issue_at_mut(&mut self, segment: &str) -> Option<&mut Issue> {
        self.issues.get_mut(&positive_number(segment)?)
    }

    pub fn next_number(&self) -> u64 {
        self.issues.keys().next_back().map_or(1, |n| n + 1)
    }

    pub fn label(&self, name: &str) -> Option<&Label> {
        self.labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }
}

/// A ref resolved to a branch (whose files stand for the tree) and a commit.
pub struct Resolved<'a> {
    pub branch: &'a Branch,
    pub sha: String,
}

impl<'a> Resolved<'a> {
    fn at_head(branch: &'a Branch) -> Self {
        Self {
            branch,
            sha: branch.history.first().cloned().unwrap_or_default(),
        }
    }
}

/// A notification thread of one user.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: String,
    /// The login whose inbox it is in.
    pub recipient: String,
    pub repo: String,
    pub title: String,
    /// Issue, PullRequest, Release, CheckSuite...
    pub kind: String,
    /// The issue or pull request number, when the subject is one.
    pub number: Option<u64>,
    pub reason: String,
    pub unread: bool,
    pub updated_at: i64,
    pub last_read_at: Option<i64>,
}

/// Everything the fake holds.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub users: Vec<User>,
    pub repos: Vec<Repo>,
    pub notifications: Vec<Notification>,
    /// The login of whoever is asking: the seed's viewer (the demo token's
    /// owner), replaced by the request's user each time a request locks the
    /// state (see `GithubState::data`).
    pub viewer: String,
    /// Whose repositories the viewer reaches: the viewer itself, or for a GitHub
    /// App's bot the account the app is installed on. Empty means the viewer.
    pub access: String,
    /// The next id for anything created (issues, comments, reviews...).
    pub next_id: u64,
    /// Sub-issue links: (parent issue id, sub-issue id), in the order added.
    pub sub_issues: Vec<(u64, u64)>,
    /// Gists of every user.
    pub gists: Vec<Gist>,
    /// Repositories' security features and alerts; a repository not listed has
    /// them all off.
    pub security: Vec<super::alerts::RepoSecurity>,
}

/// A gist: its files as (name, content).
#[derive(Debug, Clone)]
pub struct Gist {
    pub id: String,
    pub owner: String,
    pub description: String,
    pub public: bool,
    pub files: Vec<(String, String)>,
    pub created_at: i64,
}

impl Data {
    pub fn user(&self, login: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    /// The login whose access the viewer has (see [`Data::access`]).
    pub fn account(&self) -> &str {
        if self.access.is_empty() {
            &self.viewer
        } else {
            &self.access
        }
    }

    /// Whether the account is `owner` or a member of the organization `owner`.
    pub fn belongs_to(&self, owner: &str) -> bool {
        let account = self.account();
        owner.eq_ignore_ascii_case(account)
            || self
                .user(owner)
                .is_some_and(|u| u.org && u.members.iter().any(|m| m.eq_ignore_ascii_case(account)))
    }

    /// The one visibility rule every route goes through: a repository is seen
    /// when some token may see it at all, and, when private, only by its owner
    /// or its organization's members. Anyone else gets GitHub's 404, as for a
    /// repository that does not exist.
    pub fn can_see(&self, repo: &Repo) -> bool {
        repo.visible && (!repo.private || self.belongs_to(&repo.owner))
    }

    fn position(&self, owner: &str, name: &str) -> Option<usize> {
        self.repos.iter().position(|r| {
            self.can_see(r)
                && r.owner.eq_ignore_ascii_case(owner)
                && r.name.eq_ignore_ascii_case(name)
        })
    }

    /// A repository the viewer can see.
    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repo> {
        self.position(owner, name).map(|i| &self.repos[i])
    }

    pub fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut Repo> {
        self.position(owner, name).map(|i| &mut self.repos[i])
    }

    /// Repositories the viewer can see.
    pub fn visible(&self) -> impl Iterator<Item = &Repo> {
        self.repos.iter().filter(|r| self.can_see(r))
    }

    /// The viewer's notification threads.
    pub fn inbox(&self) -> impl Iterator<Item = &Notification> {
        self.notifications
            .iter()
            .filter(|n| n.recipient.eq_ignore_ascii_case(&self.viewer))
    }

    pub fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// A 40-hex-digit id derived from `text` (stands in for git's SHA-1).
pub fn sha_of(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(20).map(|b| format!("{b:02x}")).collect()
}

/// A path segment's number, when it is a positive whole number (issue, pull
/// request and alert numbers start at 1).
pub fn positive_number(segment: &str) -> Option<u64> {
    segment.parse().ok().filter(|n| *n > 0)
}

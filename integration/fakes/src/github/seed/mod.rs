//! The demo seed: user `octo-demo` (the token's owner), organization `demo-org`,
//! and their repositories:
//!
//! - `octo-demo/hello-world`: a small Rust CLI with README.md, Cargo.toml,
//!   src/main.rs, src/lib.rs, docs/guide.md, a 160 KB data/benchmarks.csv; 40
//!   commits on `main`, branches `feature/login`, `vendor-bindings`,
//!   `docs/guide-expansion`; tags v0.1.0 and v0.2.0 with releases; issues mixed
//!   with pull requests (one merged, one with reviews and failing CI, one whose
//!   diff is over 200 KB and cannot be merged, one draft); statuses, check runs,
//!   workflow runs with jobs, steps and logs (one of 2,000 lines).
//! - `octo-demo/many-issues`: exactly 250 open issues, no pull requests.
//! - `octo-demo/dotfiles`, `demo-org/platform` (private), `demo-org/docs-site`.
//! - `acme-corp/secret-plans`: exists, but the token cannot see it (404).
//! - [`trust`]: collaborators, and the prompt-injection fixture
//!   (`demo-org/docs-site` issue #3, a comment by `drive-by-dev`).
//!
//! - [`security`]: code-scanning, Dependabot and secret-scanning alerts.
//!
//! Plus a few notifications, and two more users with tokens of their own,
//! `alice` and `bob`, each with a private repository only they see (`private`).
//! Everything is deterministic.

mod ci;
mod files;
mod gists;
mod hello;
pub mod logs;
mod many;
mod others;
mod private;
pub mod security;
pub mod trust;

use std::collections::BTreeMap;

use super::diff;
use super::model::{
    Blob, Branch, Commit, Data, FileChange, Files, Label, Notification, Person, Repo, User, sha_of,
};
use super::time::parse_iso;

/// The whole demo data set.
pub fn demo() -> Data {
    let mut ids = Ids(2_800_000_000);
    let mut repos = vec![
        hello::repo(&mut ids),
        many::repo(&mut ids),
        others::dotfiles(&mut ids),
        others::platform(&mut ids),
        others::docs_site(&mut ids),
        others::secret_plans(&mut ids),
    ];
    for repo in &mut repos {
        ci::attach(repo, &mut ids);
    }
    if let Some(docs) = repos
        .iter_mut()
        .find(|r| r.full_name() == "demo-org/docs-site")
    {
        trust::attach(docs, &mut ids);
    }
    repos.extend(private::repos());
    let mut notifications = notifications();
    notifications.extend(private::notifications());
    let sub_issues = sub_issues(&repos);
    Data {
        users: users().into_iter().chain(trust::users()).collect(),
        repos,
        notifications,
        viewer: VIEWER.to_string(),
        access: String::new(),
        next_id: ids.0 + 1_000_000,
        sub_issues,
        gists: gists::gists(),
        security: security::security(),
    }
}

/// Sub-issue links: `octo-demo/hello-world` #1 has #3 as its sub-issue.
fn sub_issues(repos: &[Repo]) -> Vec<(u64, u64)> {
    let id = |n: u64| {
        repos
            .iter()
            .find(|r| r.owner == VIEWER && r.name == "hello-world")
            .and_then(|r| r.issues.get(&n))
            .map(|i| i.id)
    };
    id(1).zip(id(3)).into_iter().collect()
}

/// The login the demo token belongs to.
pub const VIEWER: &str = "octo-demo";

/// A counter handing out ids.
pub struct Ids(pub u64);

impl Ids {
    pub fn fresh(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

/// A time in the seed's calendar.
pub fn at(text: &str) -> i64 {
    parse_iso(text).expect("a valid seed date")
}

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// (login, id, name, organization?, company, location, followers)
const PEOPLE: &[(&str, u64, &str, bool, &str, &str, u64)] = &[
    (
        "octo-demo",
        98_765_432,
        "Octo Demo",
        false,
        "Demo Org",
        "Lisbon, Portugal",
        214,
    ),
    (
        "lena-k",
        41_230_567,
        "Lena Kowalski",
        false,
        "Demo Org",
        "Kraków, Poland",
        388,
    ),
    (
        "devon-ortiz",
        52_118_930,
        "Devon Ortiz",
        false,
        "",
        "Austin, TX",
        97,
    ),
    (
        "priya-n",
        63_004_211,
        "Priya Natarajan",
        false,
        "Demo Org",
        "Bengaluru, India",
        1_204,
    ),
    (
        "sam-okafor",
        70_551_902,
        "Sam Okafor",
        false,
        "",
        "Lagos, Nigeria",
        45,
    ),
    (
        "demo-org",
        150_220_001,
        "Demo Org",
        true,
        "",
        "Lisbon, Portugal",
        530,
    ),
    (
        "acme-corp",
        150_330_002,
        "ACME Corp",
        true,
        "",
        "Springfield",
        12,
    ),
    (
        "alice",
        81_000_101,
        "Alice Example",
        false,
        "",
        "Oslo, Norway",
        21,
    ),
    (
        "bob",
        81_000_202,
        "Bob Example",
        false,
        "",
        "Porto, Portugal",
        8,
    ),
];

/// Who belongs to which organization (and so sees its private repositories).
const MEMBERS: &[(&str, &[&str])] = &[("demo-org", &["octo-demo", "lena-k", "priya-n"])];

fn users() -> Vec<User> {
    PEOPLE
        .iter()
        .map(
            |&(login, id, name, org, company, location, followers)| User {
                login: login.into(),
                id,
                name: name.into(),
                org,
                company: (!company.is_empty())
                    .then(|| format!("@{}", company.to_ascii_lowercase().replace(' ', "-"))),
                location: Some(location.into()),
                bio: (!org).then(|| format!("{name} builds small tools in Rust and Go.")),
                email: (!org).then(|| format!("{login}@users.noreply.example.com")),
                blog: Some(format!("https://{login}.example.dev")),
                followers,
                following: if org { 0 } else { followers / 7 + 3 },
                created_at: at("2016-03-14T10:00:00Z") + (id % 1000) as i64 * DAY,
                members: MEMBERS
                    .iter()
                    .find(|(org, _)| *org == login)
                    .map(|(_, m)| m.iter().map(|l| l.to_string()).collect())
                    .unwrap_or_default(),
            },
        )
        .collect()
}

/// A commit author for a seed login.
pub fn person(login: &str) -> Person {
    let name = PEOPLE.iter().find(|p| p.0 == login).map_or(login, |p| p.2);
    Person {
        login: Some(login.to_string()),
        name: name.to_string(),
        email: format!("{login}@users.noreply.example.com"),
    }
}

/// An empty repository with one branch holding `files`.
pub fn repo(
    ids: &mut Ids,
    owner: &str,
    name: &str,
    description: &str,
    language: &str,
    created: i64,
    files: Files,
) -> Repo {
    Repo {
        id: ids.fresh() % 1_000_000_000,
        owner: owner.into(),
        name: name.into(),
        description: description.into(),
        private: false,
        visible: true,
        language: Some(language.into()),
        topics: Vec::new(),
        license: Some(("MIT".into(), "MIT License".into())),
        homepage: None,
        default_branch: "main".into(),
        stars: 0,
        forks: 0,
        created_at: created,
        pushed_at: created,
        branches: vec![Branch {
            name: "main".into(),
            protected: false,
            files,
            history: Vec::new(),
        }],
        commits: BTreeMap::new(),
        tags: Vec::new(),
        releases: Vec::new(),
        labels: Vec::new(),
        milestones: Vec::new(),
        issues: BTreeMap::new(),
        statuses: Vec::new(),
        runs: Vec::new(),
    }
}

/// Files from (path, text) pairs.
pub fn files(pairs: Vec<(&str, String)>) -> Files {
    pairs
        .into_iter()
        .map(|(path, text)| (path.to_string(), Blob::new(text)))
        .collect()
}

/// Labels from (name, color, description).
pub fn labels(ids: &mut Ids, specs: &[(&str, &str, &str)]) -> Vec<Label> {
    specs
        .iter()
        .map(|&(name, color, description)| Label {
            id: ids.fresh(),
            name: name.into(),
            color: color.into(),
            description: description.into(),
        })
        .collect()
}

/// One commit of a seed history: message, author, touched paths.
pub type Step<'a> = (&'a str, &'a str, &'a [&'a str]);

/// Builds a linear history on `branch` (oldest first in `steps`), each commit
/// `spacing` seconds after the previous from `start`. A path's first commit adds
/// it whole; later ones get a small plausible hunk taken from its final text.
/// Returns the shas, oldest first.
pub fn history(
    repo: &mut Repo,
    branch: &str,
    steps: &[Step],
    start: i64,
    spacing: i64,
) -> Vec<String> {
    let files = repo
        .branch(branch)
        .map(|b| b.files.clone())
        .unwrap_or_default();
    let mut parent = repo.branch(branch).and_then(|b| b.history.first().cloned());
    let mut seen: Vec<String> = Vec::new();
    let mut shas = Vec::new();
    for (k, (message, login, paths)) in steps.iter().enumerate() {
        let changes: Vec<FileChange> = paths
            .iter()
            .filter_map(|p| files.get(*p).map(|blob| (p, blob)))
            .map(|(p, blob)| {
                if seen.iter().any(|s| s == p) {
                    synthetic_change(p, &blob.text, k, &blob.sha)
                } else {
                    seen.push(p.to_string());
                    diff::change(p, "added", "", &blob.text, &blob.sha)
                }
            })
            .collect();
        let date = start + k as i64 * spacing + (k as i64 * 37 % 9) * HOUR;
        let sha = sha_of(&format!("{} {branch} {k} {message}", repo.full_name()));
        repo.commits.insert(
            sha.clone(),
            Commit {
                sha: sha.clone(),
                message: message.to_string(),
                author: person(login),
                date,
                parents: parent.iter().cloned().collect(),
                files: changes,
            },
        );
        parent = Some(sha.clone());
        shas.push(sha);
    }
    if let Some(b) = repo.branches.iter_mut().find(|b| b.name == branch) {
        let mut newest_first: Vec<String> = shas.iter().rev().cloned().collect();
        newest_first.append(&mut b.history);
        b.history = newest_first;
    }
    if let Some(last) = shas.last().and_then(|s| repo.commits.get(s)) {
        repo.pushed_at = repo.pushed_at.max(last.date);
    }
    shas
}

/// A hunk adding a few lines of `text` (its final version) somewhere inside it.
fn synthetic_change(path: &str, text: &str, k: usize, sha: &str) -> FileChange {
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    let added = 1 + k % 3;
    if n < added + 1 {
        return diff::change(path, "modified", "", text, sha);
    }
    let i = (k * 7 + path.len()) % (n - added).max(1);
    let before = &lines[i.saturating_sub(3)..i];
    let new = &lines[i..i + added];
    let after = &lines[i + added..(i + added + 3).min(n)];
    let old_start = i.saturating_sub(3) + 1;
    let old_count = before.len() + after.len();
    let new_count = old_count + new.len();
    let mut patch = format!("@@ -{old_start},{old_count} +{old_start},{new_count} @@");
    for l in before {
        patch.push_str(&format!("\n {l}"));
    }
    for l in new {
        patch.push_str(&format!("\n+{l}"));
    }
    for l in after {
        patch.push_str(&format!("\n {l}"));
    }
    FileChange {
        filename: path.to_string(),
        status: "modified".into(),
        additions: new.len(),
        deletions: 0,
        patch,
        sha: sha.to_string(),
    }
}

/// A branch forked from `from` at commit `at` (a sha in its history) whose files
/// are `from`'s with `changes` applied (`None` removes a path).
pub fn fork(
    repo: &mut Repo,
    name: &str,
    from: &str,
    at: &str,
    changes: Vec<(&str, Option<String>)>,
) {
    let Some(source) = repo.branch(from) else {
        return;
    };
    let mut files = source.files.clone();
    for (path, text) in changes {
        match text {
            Some(text) => {
                files.insert(path.to_string(), Blob::new(text));
            }
            None => {
                files.remove(path);
            }
        }
    }
    let history: Vec<String> = source
        .history
        .iter()
        .skip_while(|s| *s != at)
        .cloned()
        .collect();
    repo.branches.push(Branch {
        name: name.into(),
        protected: false,
        files,
        history,
    });
}

/// Commits on a forked branch whose patches are the real differences, for the
/// paths each commit names, between `from` and the branch.
pub fn branch_commits(repo: &mut Repo, branch: &str, from: &str, steps: &[Step], start: i64) {
    let (Some(base), Some(head)) = (repo.branch(from), repo.branch(branch)) else {
        return;
    };
    let all = diff::compare(&base.files, &head.files);
    let mut parent = head.history.first().cloned();
    let mut new_shas = Vec::new();
    for (k, (message, login, paths)) in steps.iter().enumerate() {
        let changes: Vec<FileChange> = all
            .iter()
            .filter(|c| paths.contains(&c.filename.as_str()))
            .cloned()
            .collect();
        let sha = sha_of(&format!("{} {branch} {k} {message}", repo.full_name()));
        repo.commits.insert(
            sha.clone(),
            Commit {
                sha: sha.clone(),
                message: message.to_string(),
                author: person(login),
                date: start + k as i64 * 5 * HOUR,
                parents: parent.iter().cloned().collect(),
                files: changes,
            },
        );
        parent = Some(sha.clone());
        new_shas.push(sha);
    }
    if let Some(b) = repo.branches.iter_mut().find(|b| b.name == branch) {
        for sha in new_shas {
            b.history.insert(0, sha);
        }
    }
}

fn notifications() -> Vec<Notification> {
    let n = |id: &str,
             repo: &str,
             title: &str,
             kind: &str,
             number: Option<u64>,
             reason: &str,
             unread: bool,
             when: &str| {
        Notification {
            id: id.into(),
            recipient: VIEWER.into(),
            repo: repo.into(),
            title: title.into(),
            kind: kind.into(),
            number,
            reason: reason.into(),
            unread,
            updated_at: at(when),
            last_read_at: (!unread).then(|| at(when) + 2 * HOUR),
        }
    };
    vec![
        n(
            "9000001",
            "octo-demo/hello-world",
            "Add login subcommand with device flow",
            "PullRequest",
            Some(13),
            "review_requested",
            true,
            "2025-02-11T16:20:00Z",
        ),
        n(
            "9000002",
            "octo-demo/hello-world",
            "Panic on non-UTF-8 argument on Windows",
            "Issue",
            Some(6),
            "mention",
            true,
            "2025-02-10T08:05:00Z",
        ),
        n(
            "9000003",
            "demo-org/platform",
            "Health endpoint returns 200 while the database is down",
            "Issue",
            Some(1),
            "assign",
            true,
            "2025-02-09T13:45:00Z",
        ),
        n(
            "9000004",
            "octo-demo/hello-world",
            "CI workflow run failed for feature/login branch",
            "CheckSuite",
            None,
            "ci_activity",
            true,
            "2025-02-11T15:02:00Z",
        ),
        n(
            "9000005",
            "demo-org/docs-site",
            "v1.4.0",
            "Release",
            None,
            "subscribed",
            false,
            "2025-01-28T10:00:00Z",
        ),
        n(
            "9000006",
            "octo-demo/hello-world",
            "Benchmarks regressed 8% after switching to clap 4.5",
            "Issue",
            Some(12),
            "subscribed",
            true,
            "2025-02-06T19:30:00Z",
        ),
        n(
            "9000007",
            "demo-org/platform",
            "Set a 5s timeout on upstream calls",
            "PullRequest",
            Some(3),
            "author",
            false,
            "2025-02-03T11:10:00Z",
        ),
    ]
}

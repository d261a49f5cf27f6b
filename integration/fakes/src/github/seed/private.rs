//! Two more users, each with a token of their own (see `callers`), so tests can
//! tell people apart: `alice` and `bob`, each owning one private repository
//! (`alice/alice-private`, `bob/bob-private`) with a README, a second file, one
//! open issue and a notification, all different between the two. Neither
//! repository is visible to anyone but its owner.

use super::{DAY, Ids, at, files, history};
use crate::github::model::{Issue, Notification, Repo};

/// What differs between the two users' repositories.
struct Owner {
    login: &'static str,
    readme: &'static str,
    notes: (&'static str, &'static str),
    issue: (&'static str, &'static str),
    created: &'static str,
}

const OWNERS: [Owner; 2] = [
    Owner {
        login: "alice",
        readme: "# alice-private\n\nAlice's private notes on the billing migration. Only alice can read this.\n",
        notes: (
            "plans/q3.md",
            "# Q3\n\n- move invoices to the new ledger\n- retire the nightly CSV export\n",
        ),
        issue: (
            "Ledger totals drift by one cent",
            "Seen on the March invoices; alice-only repro in plans/q3.md.",
        ),
        created: "2024-06-03T09:00:00Z",
    },
    Owner {
        login: "bob",
        readme: "# bob-private\n\nBob's private scratchpad for the mobile release. Only bob can read this.\n",
        notes: (
            "release/checklist.md",
            "# Release checklist\n\n1. bump the build number\n2. sign the APK\n",
        ),
        issue: (
            "Crash on launch with an empty cache",
            "Reproducible on Android 14 after clearing app data; bob-only notes.",
        ),
        created: "2024-07-15T14:30:00Z",
    },
];

/// `alice/alice-private` and `bob/bob-private`, private to their owners. Ids
/// come from their own range, so the rest of the seed keeps its ids.
pub fn repos() -> Vec<Repo> {
    let mut ids = Ids(3_900_000_000);
    OWNERS.iter().map(|o| repo(&mut ids, o)).collect()
}

fn repo(ids: &mut Ids, owner: &Owner) -> Repo {
    let created = at(owner.created);
    let name = format!("{}-private", owner.login);
    let mut repo = super::repo(
        ids,
        owner.login,
        &name,
        &format!("{}'s private work", owner.login),
        "Markdown",
        created,
        files(vec![
            ("README.md", owner.readme.into()),
            (owner.notes.0, owner.notes.1.into()),
        ]),
    );
    repo.private = true;
    repo.license = None;
    history(
        &mut repo,
        "main",
        &[
            ("Initial commit", owner.login, &["README.md"]),
            ("Add notes", owner.login, &[owner.notes.0]),
        ],
        created,
        DAY,
    );
    let (title, body) = owner.issue;
    let issue = Issue::opened(ids.fresh(), 1, title, body, owner.login, created + 2 * DAY);
    repo.issues.insert(1, issue);
    repo
}

/// One unread notification each, about their own issue.
pub fn notifications() -> Vec<Notification> {
    OWNERS
        .iter()
        .enumerate()
        .map(|(k, o)| Notification {
            id: format!("9100{:03}", k + 1),
            recipient: o.login.into(),
            repo: format!("{}/{}-private", o.login, o.login),
            title: o.issue.0.into(),
            kind: "Issue".into(),
            number: Some(1),
            reason: "author".into(),
            unread: true,
            updated_at: at(o.created) + 2 * DAY,
            last_read_at: None,
        })
        .collect()
}

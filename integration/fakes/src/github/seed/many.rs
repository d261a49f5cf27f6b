//! `octo-demo/many-issues`: a tracker with exactly 250 open issues and no pull
//! requests, so a test can count what a paginated listing returns.

use super::{HOUR, Ids, at, files, history, labels};
use crate::github::model::{Comment, Issue, Repo};

/// How many issues the repository holds.
pub const ISSUES: u64 = 250;

const AREAS: [(&str, &str); 15] = [
    ("parser", "the parser"),
    ("cli", "the CLI"),
    ("config", "the config loader"),
    ("http", "the HTTP client"),
    ("cache", "the cache"),
    ("scheduler", "the scheduler"),
    ("exporter", "the CSV exporter"),
    ("auth", "the auth module"),
    ("plugins", "the plugin API"),
    ("docs", "the docs site"),
    ("installer", "the installer"),
    ("metrics", "the metrics endpoint"),
    ("logging", "logging"),
    ("search", "the search index"),
    ("web", "the web UI"),
];

/// (title after the area, kind label, what happens, what was expected)
const PROBLEMS: [(&str, &str, &str, &str); 17] = [
    (
        "crashes when the input is empty",
        "bug",
        "the process panics with `index out of bounds`",
        "an error message saying the input is empty",
    ),
    (
        "timeout is not configurable",
        "enhancement",
        "requests give up after a fixed 30 s",
        "a `timeout` option in the config file",
    ),
    (
        "error message does not name the failing file",
        "bug",
        "the error says `No such file or directory (os error 2)`",
        "the path of the missing file in the message",
    ),
    (
        "memory grows without bound under load",
        "performance",
        "RSS climbs past 2 GB after an hour of traffic",
        "memory to level off below 200 MB",
    ),
    (
        "support environment variable overrides",
        "enhancement",
        "only the config file is read",
        "`APP_*` variables overriding file values",
    ),
    (
        "flaky test on macOS runners",
        "flaky-test",
        "the test fails about once in 15 runs on macos-14",
        "a deterministic test",
    ),
    (
        "deprecation warning on startup",
        "bug",
        "`warning: use of deprecated function` is printed on every run",
        "no warning",
    ),
    (
        "wrong exit code on failure",
        "bug",
        "the command exits 0 even when it reports an error",
        "exit code 1",
    ),
    (
        "document the retry behaviour",
        "documentation",
        "the docs do not say how often requests are retried",
        "a section on retries and backoff",
    ),
    (
        "slow with more than 10k entries",
        "performance",
        "processing 10,000 entries takes 40 s",
        "under 2 s, as with 1,000 entries",
    ),
    (
        "Unicode names are truncated",
        "bug",
        "`Zoë Åkesson` is shown as `Zo`",
        "the full name",
    ),
    (
        "race between shutdown and flush",
        "bug",
        "the last batch is sometimes lost on Ctrl-C",
        "a flush before exit",
    ),
    (
        "add a --dry-run option",
        "enhancement",
        "every run changes files",
        "a way to preview changes",
    ),
    (
        "confusing message for missing permissions",
        "documentation",
        "`Permission denied` with no hint",
        "which permission is missing and how to grant it",
    ),
    (
        "high CPU usage while idle",
        "performance",
        "one core stays at 100% with no work",
        "near-zero CPU while idle",
    ),
    (
        "support Windows paths with spaces",
        "bug",
        "`C:\\Program Files\\app` is split at the space",
        "paths with spaces to work",
    ),
    (
        "add JSON output",
        "enhancement",
        "output is only a text table",
        "a `--format json` option",
    ),
];

const PEOPLE: [&str; 5] = [
    "octo-demo",
    "lena-k",
    "devon-ortiz",
    "priya-n",
    "sam-okafor",
];

pub fn repo(ids: &mut Ids) -> Repo {
    let created = at("2024-06-03T12:00:00Z");
    let readme = "# many-issues\n\nA busy issue tracker used to test pagination: it holds exactly 250 open issues.\n";
    let mut repo = super::repo(
        ids,
        "octo-demo",
        "many-issues",
        "Load-test fixture: a tracker with 250 open issues",
        "Rust",
        created,
        files(vec![("README.md", readme.into())]),
    );
    history(
        &mut repo,
        "main",
        &[("Initial commit", "octo-demo", &["README.md"])],
        created,
        HOUR,
    );
    let mut specs: Vec<(String, String, String)> = [
        "bug",
        "enhancement",
        "documentation",
        "performance",
        "flaky-test",
    ]
    .iter()
    .map(|k| (k.to_string(), "ededed".to_string(), String::new()))
    .collect();
    specs.extend(AREAS.iter().map(|(slug, name)| {
        (
            format!("area/{slug}"),
            "c5def5".to_string(),
            format!("Issues about {name}"),
        )
    }));
    let spec_refs: Vec<(&str, &str, &str)> = specs
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    repo.labels = labels(ids, &spec_refs);
    for k in 0..ISSUES {
        let i = k as usize;
        let (slug, area) = AREAS[i % AREAS.len()];
        let (problem, kind, actual, expected) = PROBLEMS[i / AREAS.len()];
        let created_at =
            at("2024-07-01T08:00:00Z") + k as i64 * 7 * HOUR + (k as i64 * 13 % 50) * 60;
        let user = PEOPLE[i % PEOPLE.len()];
        let comments: Vec<Comment> = if i.is_multiple_of(6) {
            (0..1 + i % 3)
                .map(|c| {
                    let body = match c {
                        0 => format!("I can reproduce this with {area} on the latest release."),
                        1 => {
                            "Same here; a workaround is to retry with `--verbose`, which hides it."
                                .into()
                        }
                        _ => "Added to the next milestone.".into(),
                    };
                    let when = created_at + (c as i64 + 1) * 5 * HOUR;
                    Comment::new(ids.fresh(), PEOPLE[(i + c + 1) % PEOPLE.len()], body, when)
                })
                .collect()
        } else {
            Vec::new()
        };
        let updated_at = comments
            .last()
            .map_or(created_at + (k as i64 % 9) * 3 * HOUR, |c| c.created_at);
        repo.issues.insert(
            k + 1,
            Issue {
                labels: vec![kind.into(), format!("area/{slug}")],
                assignees: if i.is_multiple_of(4) { vec![PEOPLE[(i / 4) % PEOPLE.len()].into()] } else { Vec::new() },
                comments,
                updated_at,
                ..Issue::opened(
                    ids.fresh(),
                    k + 1,
                    format!("{}: {problem}", capitalize(area.trim_start_matches("the "))),
                    format!(
                        "### What happens\n\nWith {area}, {actual}.\n\n### What I expected\n\n{}.\n\n### Steps to reproduce\n\n1. Install the latest release\n2. Use {area} as in the README\n3. Observe the problem\n\nVersion: 1.{}.{}",
                        capitalize(expected),
                        k % 7,
                        k % 4
                    ),
                    user,
                    created_at,
                )
            },
        );
    }
    repo.pushed_at = created;
    repo
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

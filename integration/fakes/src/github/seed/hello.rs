//! `octo-demo/hello-world`: files, 40 commits on `main`, three more branches,
//! tags and releases, and issues mixed with pull requests.

use super::files as f;
use super::{DAY, HOUR, Ids, Step, at, branch_commits, files, fork, history, labels};
use crate::github::diff;
use crate::github::model::{
    Comment, Issue, Milestone, Pull, Release, Repo, Review, ReviewComment, Tag,
};
use crate::github::routes::hunk_up_to;

const MAIN_HISTORY: &[Step] = &[
    (
        "Initial commit",
        "octo-demo",
        &["README.md", ".gitignore", "LICENSE"],
    ),
    (
        "Add Cargo manifest and a hello binary",
        "octo-demo",
        &["Cargo.toml", "src/main.rs"],
    ),
    (
        "Move greeting into the library crate",
        "octo-demo",
        &["src/lib.rs", "src/main.rs"],
    ),
    (
        "Parse arguments with clap",
        "octo-demo",
        &["src/main.rs", "Cargo.toml"],
    ),
    ("Add German and French greetings", "lena-k", &["src/lib.rs"]),
    ("Add unit tests for greeting()", "lena-k", &["src/lib.rs"]),
    (
        "CI: run fmt, clippy and tests on push",
        "octo-demo",
        &[".github/workflows/ci.yml"],
    ),
    (
        "Greet the world when the name is empty",
        "devon-ortiz",
        &["src/lib.rs"],
    ),
    (
        "Fix --lang being ignored for empty names (#1)",
        "devon-ortiz",
        &["src/lib.rs"],
    ),
    (
        "docs: add a user guide",
        "priya-n",
        &["docs/guide.md", "README.md"],
    ),
    ("Add --shout flag (#2)", "lena-k", &["src/main.rs"]),
    ("Add Spanish greeting", "sam-okafor", &["src/lib.rs"]),
    (
        "CI: cache the cargo registry",
        "octo-demo",
        &[".github/workflows/ci.yml"],
    ),
    ("Bump clap to 4.5", "devon-ortiz", &["Cargo.toml"]),
    (
        "Read defaults from config.toml",
        "octo-demo",
        &["src/main.rs", "Cargo.toml", "README.md"],
    ),
    (
        "docs: document the config file",
        "priya-n",
        &["docs/guide.md"],
    ),
    ("Release 0.1.0", "octo-demo", &["Cargo.toml"]),
    (
        "Add benchmark results for 0.1.0",
        "octo-demo",
        &["data/benchmarks.csv"],
    ),
    (
        "Trim surrounding whitespace from names",
        "lena-k",
        &["src/lib.rs"],
    ),
    (
        "Add count subcommand",
        "devon-ortiz",
        &["src/main.rs", "src/lib.rs"],
    ),
    (
        "count: ignore case when comparing names",
        "devon-ortiz",
        &["src/lib.rs"],
    ),
    (
        "Merge pull request #10 from octo-demo/count-subcommand\n\nAdd count subcommand",
        "octo-demo",
        &["src/main.rs", "src/lib.rs"],
    ),
    (
        "Add Portuguese greeting (#9)",
        "sam-okafor",
        &["src/lib.rs"],
    ),
    ("Test counting of Unicode names", "lena-k", &["src/lib.rs"]),
    (
        "CI: add a macOS test job",
        "octo-demo",
        &[".github/workflows/ci.yml"],
    ),
    (
        "docs: explain --lang values",
        "priya-n",
        &["docs/guide.md", "README.md"],
    ),
    (
        "Refuse unknown languages with a helpful error",
        "devon-ortiz",
        &["src/lib.rs"],
    ),
    (
        "Update benchmark results",
        "octo-demo",
        &["data/benchmarks.csv"],
    ),
    (
        "Fix clippy::needless_borrow warnings",
        "lena-k",
        &["src/main.rs", "src/lib.rs"],
    ),
    ("README: link the license", "octo-demo", &["README.md"]),
    ("Bump toml to 0.8", "devon-ortiz", &["Cargo.toml"]),
    ("Release 0.2.0", "octo-demo", &["Cargo.toml", "README.md"]),
    (
        "docs: add a contributing section",
        "priya-n",
        &["README.md", "docs/guide.md"],
    ),
    (
        "CI: pin actions to major versions",
        "octo-demo",
        &[".github/workflows/ci.yml"],
    ),
    ("Print the version with -V", "lena-k", &["src/main.rs"]),
    (
        "Update benchmark results after clap 4.5",
        "octo-demo",
        &["data/benchmarks.csv"],
    ),
    (
        "docs: explain the exit codes",
        "priya-n",
        &["docs/guide.md"],
    ),
    (
        "Make count output singular for one name",
        "sam-okafor",
        &["src/main.rs"],
    ),
    ("Tidy imports", "lena-k", &["src/main.rs", "src/lib.rs"]),
    (
        "README: mention the fake GitHub API",
        "octo-demo",
        &["README.md"],
    ),
];

pub fn repo(ids: &mut Ids) -> Repo {
    let created = at("2024-09-02T08:30:00Z");
    let main_files = files(vec![
        ("README.md", f::README.into()),
        ("Cargo.toml", f::CARGO_TOML.into()),
        ("src/main.rs", f::MAIN_RS.into()),
        ("src/lib.rs", f::LIB_RS.into()),
        ("docs/guide.md", f::GUIDE_MD.into()),
        (".github/workflows/ci.yml", f::CI_YML.into()),
        ("data/benchmarks.csv", f::benchmarks_csv()),
        ("LICENSE", f::LICENSE.into()),
        (".gitignore", f::GITIGNORE.into()),
    ]);
    let mut repo = super::repo(
        ids,
        "octo-demo",
        "hello-world",
        "A small, friendly command-line greeter written in Rust",
        "Rust",
        created,
        main_files,
    );
    repo.topics = vec!["rust".into(), "cli".into(), "greeter".into(), "demo".into()];
    repo.homepage = Some("https://octo-demo.example.dev/hello-world".into());
    repo.stars = 42;
    repo.forks = 7;
    repo.branches[0].protected = true;
    let main = history(&mut repo, "main", MAIN_HISTORY, created, 3 * DAY);
    // The merge of #10 has the branch tip as second parent.
    if let Some(merge) = repo.commits.get_mut(&main[21]) {
        merge.parents = vec![main[18].clone(), main[20].clone()];
    }
    if let Some(c) = repo.commits.get_mut(&main[19]) {
        c.parents = vec![main[18].clone()];
    }
    repo.tags = vec![
        Tag {
            name: "v0.1.0".into(),
            sha: main[16].clone(),
        },
        Tag {
            name: "v0.2.0".into(),
            sha: main[31].clone(),
        },
    ];
    repo.releases = releases(ids, &repo, &main);
    branches(&mut repo, &main);
    repo.labels = labels(
        ids,
        &[
            ("bug", "d73a4a", "Something isn't working"),
            (
                "documentation",
                "0075ca",
                "Improvements or additions to documentation",
            ),
            ("enhancement", "a2eeef", "New feature or request"),
            ("good first issue", "7057ff", "Good for newcomers"),
            ("question", "d876e3", "Further information is requested"),
            ("windows", "bfd4f2", "Only on Windows"),
            ("ci", "fbca04", "Continuous integration"),
            ("performance", "f9d0c4", "Speed or memory"),
            ("security", "b60205", "Security-sensitive"),
            (
                "dependencies",
                "0366d6",
                "Pull requests that update a dependency file",
            ),
        ],
    );
    repo.milestones = vec![Milestone {
        id: ids.fresh(),
        number: 1,
        title: "v0.3.0".into(),
        description: "Login, stdin input, more languages".into(),
        open: true,
        due_on: Some(at("2025-03-31T07:00:00Z")),
        created_at: at("2025-01-08T09:00:00Z"),
    }];
    issues(ids, &mut repo, &main);
    repo
}

fn releases(ids: &mut Ids, repo: &Repo, main: &[String]) -> Vec<Release> {
    let date = |i: usize| repo.commits[&main[i]].date;
    vec![
        Release {
            id: ids.fresh() % 1_000_000_000,
            tag_name: "v0.1.0".into(),
            name: "hello-world 0.1.0".into(),
            body: "First release.\n\n## Added\n- `greet` in English, German, French and Spanish\n- `--shout`\n- defaults from `~/.config/hello-world/config.toml`\n\n## Fixed\n- `--lang` was ignored for empty names (#1)\n".into(),
            draft: false,
            prerelease: false,
            author: "octo-demo".into(),
            target: "main".into(),
            created_at: date(16),
            published_at: date(16) + HOUR,
        },
        Release {
            id: ids.fresh() % 1_000_000_000,
            tag_name: "v0.2.0".into(),
            name: "hello-world 0.2.0".into(),
            body: "## Added\n- `count` subcommand (#10)\n- Portuguese greeting (#9)\n- macOS CI\n\n## Changed\n- unknown languages are refused with the list of supported ones\n- clap 4.5, toml 0.8\n\n## Thanks\n@devon-ortiz, @lena-k, @sam-okafor, @priya-n\n".into(),
            draft: false,
            prerelease: false,
            author: "octo-demo".into(),
            target: "main".into(),
            created_at: date(31),
            published_at: date(31) + 2 * HOUR,
        },
    ]
}

/// `feature/login` (3 commits off main), `vendor-bindings` (2 commits, a
/// 240 KB generated file) and `docs/guide-expansion` (1 commit).
fn branches(repo: &mut Repo, main: &[String]) {
    let head = main[39].clone();
    fork(
        repo,
        "feature/login",
        "main",
        &head,
        vec![
            ("src/auth.rs", Some(f::AUTH_RS.into())),
            ("src/lib.rs", Some(f::lib_rs_with_auth())),
            ("src/main.rs", Some(f::main_rs_with_login())),
            ("README.md", Some(f::readme_with_login())),
        ],
    );
    branch_commits(
        repo,
        "feature/login",
        "main",
        &[
            (
                "Add auth module with device-code helpers",
                "lena-k",
                &["src/auth.rs", "src/lib.rs"],
            ),
            ("Add login subcommand", "lena-k", &["src/main.rs"]),
            (
                "README: document hello-world login",
                "lena-k",
                &["README.md"],
            ),
        ],
        at("2025-01-20T10:15:00Z"),
    );
    fork(
        repo,
        "vendor-bindings",
        "main",
        &head,
        vec![
            ("proto/greeter.proto", Some(f::GREETER_PROTO.into())),
            ("src/generated/greeter.rs", Some(f::generated_bindings())),
            ("Cargo.toml", Some(f::cargo_toml_with_prost())),
            ("src/lib.rs", Some(f::lib_rs_with_generated())),
        ],
    );
    branch_commits(
        repo,
        "vendor-bindings",
        "main",
        &[
            ("Add greeter.proto", "devon-ortiz", &["proto/greeter.proto"]),
            (
                "Vendor generated bindings (prost 0.13)",
                "devon-ortiz",
                &["src/generated/greeter.rs", "Cargo.toml", "src/lib.rs"],
            ),
        ],
        at("2025-01-27T14:00:00Z"),
    );
    fork(
        repo,
        "docs/guide-expansion",
        "main",
        &head,
        vec![
            ("docs/guide.md", Some(f::guide_expanded())),
            ("docs/faq.md", Some(f::FAQ_MD.into())),
        ],
    );
    branch_commits(
        repo,
        "docs/guide-expansion",
        "main",
        &[(
            "docs: examples, troubleshooting and a FAQ",
            "priya-n",
            &["docs/guide.md", "docs/faq.md"],
        )],
        at("2025-02-04T09:40:00Z"),
    );
}

/// An issue with defaults filled in.
fn issue(ids: &mut Ids, number: u64, title: &str, user: &str, created: i64) -> Issue {
    Issue::opened(ids.fresh(), number, title, "", user, created)
}

fn comment(ids: &mut Ids, user: &str, body: &str, at: i64) -> Comment {
    Comment::new(ids.fresh(), user, body, at)
}

fn close(issue: &mut Issue, by: &str, at: i64, reason: &str) {
    issue.open = false;
    issue.closed_at = Some(at);
    issue.closed_by = Some(by.into());
    issue.state_reason = Some(reason.into());
    issue.updated_at = issue.updated_at.max(at);
}

fn pull(
    ids: &mut Ids,
    repo: &Repo,
    head: &str,
    files: Vec<crate::github::model::FileChange>,
) -> Pull {
    let head = repo.branch(head).expect("a seeded branch");
    Pull::between(ids.fresh(), head, repo.default(), files)
}

fn issues(ids: &mut Ids, repo: &mut Repo, main: &[String]) {
    let d = |text: &str| at(text);
    let mut list = Vec::new();

    let mut i = issue(
        ids,
        1,
        "Greeting ignores --lang when NAME is empty",
        "sam-okafor",
        d("2024-09-20T18:02:00Z"),
    );
    i.body = "`hello-world greet --lang de \"\"` prints `Hello, world!` instead of `Hallo, world!`.\n\n**Version**: main @ 3f2a9c1\n**OS**: Ubuntu 24.04".into();
    i.labels = vec!["bug".into()];
    i.comments.push(comment(
        ids,
        "devon-ortiz",
        "The empty-name branch returns early before the language match. I'll send a fix.",
        d("2024-09-21T09:14:00Z"),
    ));
    close(&mut i, "octo-demo", d("2024-09-27T08:00:00Z"), "completed");
    list.push(i);

    let mut i = issue(
        ids,
        2,
        "Add a --shout flag",
        "lena-k",
        d("2024-09-22T11:40:00Z"),
    );
    i.body = "For demos it would be fun to print the greeting in upper case: `hello-world greet --shout Ada` -> `HELLO, ADA!`".into();
    i.labels = vec!["enhancement".into()];
    close(&mut i, "lena-k", d("2024-10-02T16:30:00Z"), "completed");
    list.push(i);

    let mut i = issue(
        ids,
        3,
        "Support reading names from stdin",
        "priya-n",
        d("2024-10-05T07:55:00Z"),
    );
    i.body = "It would help scripts if `hello-world count -` read one name per line from stdin:\n\n```sh\ncut -d, -f1 people.csv | hello-world count -\n```".into();
    i.labels = vec!["enhancement".into()];
    i.milestone = Some(1);
    i.comments.push(comment(
        ids,
        "octo-demo",
        "Good idea. `-` as the only argument should switch to stdin, like other Unix tools.",
        d("2024-10-05T12:00:00Z"),
    ));
    list.push(i);

    let mut i = issue(
        ids,
        4,
        "cargo install fails on Rust 1.70",
        "devon-ortiz",
        d("2024-10-11T21:18:00Z"),
    );
    i.body = "```\nerror: package `clap_builder v4.5.20` cannot be built because it requires rustc 1.74 or newer\n```\nCould we support 1.70?".into();
    i.labels = vec!["question".into()];
    i.comments.push(comment(ids, "octo-demo", "clap 4.5 needs 1.74, so we declared `rust-version = \"1.74\"`. Not planning to go lower, sorry.", d("2024-10-12T08:40:00Z")));
    close(
        &mut i,
        "octo-demo",
        d("2024-10-12T08:41:00Z"),
        "not_planned",
    );
    list.push(i);

    let mut i = issue(
        ids,
        5,
        "Document the config file format",
        "octo-demo",
        d("2024-10-14T10:00:00Z"),
    );
    i.body = "The README mentions `config.toml` but not which keys exist or what happens when both a flag and the file set something.".into();
    i.labels = vec!["documentation".into()];
    i.assignees = vec!["priya-n".into()];
    list.push(i);

    let mut i = issue(
        ids,
        6,
        "Panic on non-UTF-8 argument on Windows",
        "sam-okafor",
        d("2024-11-03T15:27:00Z"),
    );
    i.body = "Running `hello-world greet` with a name from a Latin-1 file panics:\n\n```\nthread 'main' panicked at clap_builder-4.5.20/src/parser/parser.rs:1532:\nInvalid UTF-8 was detected in one or more arguments\n```\n\ncc @octo-demo".into();
    i.labels = vec!["bug".into(), "windows".into()];
    i.assignees = vec!["devon-ortiz".into()];
    i.comments.push(comment(ids, "devon-ortiz", "Reproduced on Windows 11 with PowerShell 5. clap's `value_parser!(OsString)` would avoid the panic.", d("2024-11-04T09:00:00Z")));
    i.comments.push(comment(
        ids,
        "octo-demo",
        "Let's print a readable error instead of panicking, and accept lossy names.",
        d("2024-11-04T10:12:00Z"),
    ));
    i.comments.push(comment(
        ids,
        "sam-okafor",
        "Thanks! Happy to test a build.",
        d("2025-02-10T08:05:00Z"),
    ));
    list.push(i);

    let mut i = issue(
        ids,
        7,
        "Release 0.2.0 checklist",
        "octo-demo",
        d("2024-12-01T09:00:00Z"),
    );
    i.body = "- [x] bump version\n- [x] update CHANGELOG in the release notes\n- [x] tag v0.2.0\n- [x] publish the GitHub release".into();
    close(&mut i, "octo-demo", d("2024-12-20T18:00:00Z"), "completed");
    list.push(i);

    let mut i = issue(
        ids,
        8,
        "Flaky test: tests::counts_unicode_names on macOS",
        "lena-k",
        d("2024-12-09T13:33:00Z"),
    );
    i.body = "Fails about once in 20 runs on macos-latest with `left: 3, right: 2`. Probably NFC vs NFD normalisation of `ë`.".into();
    i.labels = vec!["bug".into(), "ci".into()];
    list.push(i);

    let mut i = issue(
        ids,
        9,
        "Translate greetings to Portuguese",
        "priya-n",
        d("2024-12-12T08:20:00Z"),
    );
    i.body = "A good first issue: add `Lang::Pt` with `Olá, {name}!`.".into();
    i.labels = vec!["good first issue".into()];
    close(&mut i, "sam-okafor", d("2024-12-16T17:45:00Z"), "completed");
    list.push(i);

    let merge = &repo.commits[&main[21]];
    let mut i = issue(
        ids,
        10,
        "Add count subcommand",
        "devon-ortiz",
        merge.date - 4 * DAY,
    );
    i.body = "Adds `hello-world count NAME...`, which prints how many distinct names it was given.\n\n- case-insensitive comparison\n- trims spaces".into();
    i.labels = vec!["enhancement".into()];
    let mut p = pull(ids, repo, "main", merge.files.clone());
    p.head = "count-subcommand".into();
    p.head_sha = main[20].clone();
    p.base_sha = main[18].clone();
    p.commits = 2;
    p.merged = true;
    p.merged_at = Some(merge.date);
    p.merged_by = Some("octo-demo".into());
    p.merge_commit_sha = Some(merge.sha.clone());
    p.reviews.push(Review {
        id: ids.fresh(),
        user: "octo-demo".into(),
        body: "Nice and small, thanks!".into(),
        state: "APPROVED".into(),
        commit_id: main[20].clone(),
        submitted_at: merge.date - HOUR,
    });
    i.pull = Some(p);
    close(&mut i, "octo-demo", merge.date, "completed");
    i.state_reason = None;
    list.push(i);

    let mut i = issue(
        ids,
        11,
        "Login command should store tokens in the OS keychain",
        "priya-n",
        d("2025-01-15T10:30:00Z"),
    );
    i.body = "Once `hello-world login` lands, a plain file under ~/.config is the weakest option. The `keyring` crate covers macOS, Windows and Secret Service.".into();
    i.labels = vec!["enhancement".into(), "security".into()];
    i.milestone = Some(1);
    list.push(i);

    let mut i = issue(
        ids,
        12,
        "Benchmarks regressed 8% after switching to clap 4.5",
        "octo-demo",
        d("2025-01-18T19:30:00Z"),
    );
    i.body = "`count_10k_names` went from 14.6 µs to 15.8 µs between the 0.1.0 and 0.2.0 runs in data/benchmarks.csv. Startup is dominated by argument parsing.".into();
    i.labels = vec!["performance".into()];
    i.comments.push(comment(ids, "devon-ortiz", "Could be clap's `derive` feature pulling in more code. Worth trying `default-features = false`.", d("2025-02-06T19:30:00Z")));
    list.push(i);

    let login = repo.branch("feature/login").expect("seeded");
    let login_files = diff::compare(&repo.default().files, &login.files);
    let mut i = issue(
        ids,
        13,
        "Add login subcommand with device flow",
        "lena-k",
        d("2025-01-21T09:00:00Z"),
    );
    i.body = "Closes #11 (first step: a file with mode 0600; keychain support later).\n\nAdds `hello-world login`, which starts an OAuth device-code flow, prints the URL and code, and keeps the token in `~/.config/hello-world/token`.\n\n## Testing\n- `cargo test auth::`\n- manual run against the staging app".into();
    i.labels = vec!["enhancement".into(), "security".into()];
    i.milestone = Some(1);
    i.comments.push(comment(
        ids,
        "octo-demo",
        "Thanks Lena! CI fails in `auth::tests::login_rejects_expired_token`, see the test job.",
        d("2025-02-11T16:20:00Z"),
    ));
    i.comments.push(comment(
        ids,
        "lena-k",
        "Yes, the expiry check is off by one second. Fixing it together with Priya's review.",
        d("2025-02-11T17:02:00Z"),
    ));
    let mut p = pull(ids, repo, "feature/login", login_files);
    p.requested_reviewers = vec!["octo-demo".into()];
    let review_a = ids.fresh();
    let review_b = ids.fresh();
    p.reviews.push(Review {
        id: review_a,
        user: "devon-ortiz".into(),
        body: "A few notes on token handling, otherwise looks good.".into(),
        state: "COMMENTED".into(),
        commit_id: p.head_sha.clone(),
        submitted_at: d("2025-02-10T11:00:00Z"),
    });
    p.reviews.push(Review {
        id: review_b,
        user: "priya-n".into(),
        body: "Please keep stdout clean with --quiet, and fix the failing test.".into(),
        state: "CHANGES_REQUESTED".into(),
        commit_id: p.head_sha.clone(),
        submitted_at: d("2025-02-10T15:30:00Z"),
    });
    let auth_patch = p
        .files
        .iter()
        .find(|f| f.filename == "src/auth.rs")
        .map(|f| f.patch.clone())
        .unwrap_or_default();
    let main_patch = p
        .files
        .iter()
        .find(|f| f.filename == "src/main.rs")
        .map(|f| f.patch.clone())
        .unwrap_or_default();
    let first = ids.fresh();
    let expiry = line_of(f::AUTH_RS, "now > issued_at + TOKEN_LIFETIME_SECS");
    let rc = |id: u64,
              review: u64,
              user: &str,
              body: &str,
              path: &str,
              patch: &str,
              line: u64,
              when: &str,
              reply: Option<u64>| ReviewComment {
        id,
        review_id: review,
        user: user.into(),
        body: body.into(),
        path: path.into(),
        line,
        start_line: None,
        side: "RIGHT".into(),
        diff_hunk: hunk_up_to(patch, line).unwrap_or_default(),
        commit_id: p.head_sha.clone(),
        in_reply_to: reply,
        created_at: d(when),
    };
    let comments = vec![
        rc(
            first,
            review_a,
            "devon-ortiz",
            "Should the directory be created with 0700 too? Otherwise the file name leaks to other users.",
            "src/auth.rs",
            &auth_patch,
            line_of(f::AUTH_RS, "fs::create_dir_all(dir)"),
            "2025-02-10T10:58:00Z",
            None,
        ),
        rc(
            first + 1,
            review_a,
            "devon-ortiz",
            "`now > issued_at + TOKEN_LIFETIME_SECS` treats the exact expiry second as valid; the test expects `>=`.",
            "src/auth.rs",
            &auth_patch,
            expiry,
            "2025-02-10T10:59:00Z",
            None,
        ),
        rc(
            first + 2,
            review_b,
            "priya-n",
            "With --quiet this still goes to stdout; print the code on stderr so scripts can capture stdout cleanly.",
            "src/main.rs",
            &main_patch,
            line_of(&f::main_rs_with_login(), "and enter {}"),
            "2025-02-10T15:29:00Z",
            None,
        ),
        rc(
            first + 3,
            review_a,
            "lena-k",
            "Good catch, switching to `>=`.",
            "src/auth.rs",
            &auth_patch,
            expiry,
            "2025-02-11T17:00:00Z",
            Some(first + 1),
        ),
    ];
    p.review_comments = comments;
    ids.0 += 4;
    i.pull = Some(p);
    i.updated_at = d("2025-02-11T17:02:00Z");
    list.push(i);

    let vendor = repo.branch("vendor-bindings").expect("seeded");
    let vendor_files = diff::compare(&repo.default().files, &vendor.files);
    let mut i = issue(
        ids,
        14,
        "Vendor generated greeter protocol bindings",
        "devon-ortiz",
        d("2025-01-28T08:45:00Z"),
    );
    i.body = "Adds `proto/greeter.proto` and the prost-generated `src/generated/greeter.rs` so other services can call the greeter over gRPC.\n\nThe generated file is large (about 240 KB); review `proto/greeter.proto` and `Cargo.toml`, the rest is generated.\n\nNeeds a rebase: `Cargo.toml` conflicts with the toml 0.8 bump.".into();
    i.labels = vec!["dependencies".into()];
    let mut p = pull(ids, repo, "vendor-bindings", vendor_files);
    p.mergeable = false;
    i.pull = Some(p);
    list.push(i);

    let docs = repo.branch("docs/guide-expansion").expect("seeded");
    let docs_files = diff::compare(&repo.default().files, &docs.files);
    let mut i = issue(
        ids,
        15,
        "docs: expand the user guide and add a FAQ",
        "priya-n",
        d("2025-02-04T10:00:00Z"),
    );
    i.body = "Adds examples and a troubleshooting section to the guide, and a short FAQ. Closes #5.\n\nStill a draft: I want to add screenshots of the Windows terminal.".into();
    i.labels = vec!["documentation".into()];
    i.assignees = vec!["priya-n".into()];
    let mut p = pull(ids, repo, "docs/guide-expansion", docs_files);
    p.draft = true;
    p.requested_reviewers = vec!["lena-k".into()];
    i.pull = Some(p);
    list.push(i);

    for mut issue in list {
        if let Some(last) = issue.comments.iter().map(|c| c.created_at).max() {
            issue.updated_at = issue.updated_at.max(last);
        }
        if let Some(closed) = issue.closed_at {
            issue.updated_at = issue.updated_at.max(closed);
        }
        repo.issues.insert(issue.number, issue);
    }
}

/// The 1-based number of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i as u64 + 1)
}

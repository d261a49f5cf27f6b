//! The smaller repositories: `octo-demo/dotfiles`, `demo-org/platform`
//! (private, with a pull request), `demo-org/docs-site` (with a release), and
//! `acme-corp/secret-plans`, which the token cannot see.

use super::{DAY, HOUR, Ids, at, branch_commits, files, fork, history, labels};
use crate::github::diff;
use crate::github::model::{Comment, Issue, Pull, Release, Repo};

pub fn dotfiles(ids: &mut Ids) -> Repo {
    let created = at("2023-05-20T19:00:00Z");
    let mut repo = super::repo(
        ids,
        "octo-demo",
        "dotfiles",
        "Shell, git and editor settings",
        "Shell",
        created,
        files(vec![
            ("README.md", "# dotfiles\n\nRun `./install.sh` to symlink these into $HOME.\n".into()),
            (".bashrc", "export EDITOR=vim\nexport HISTSIZE=50000\nalias gs='git status -sb'\nalias gl='git log --oneline --graph -20'\n[ -f ~/.bashrc.local ] && . ~/.bashrc.local\n".into()),
            (".gitconfig", "[user]\n\tname = Octo Demo\n[pull]\n\trebase = true\n[init]\n\tdefaultBranch = main\n".into()),
            ("install.sh", "#!/bin/sh\nset -eu\nfor f in .bashrc .gitconfig; do\n  ln -sf \"$PWD/$f\" \"$HOME/$f\"\ndone\n".into()),
        ]),
    );
    repo.license = None;
    repo.stars = 3;
    history(
        &mut repo,
        "main",
        &[
            (
                "Initial dotfiles",
                "octo-demo",
                &["README.md", ".bashrc", ".gitconfig"],
            ),
            (
                "Add install script",
                "octo-demo",
                &["install.sh", "README.md"],
            ),
        ],
        created,
        40 * DAY,
    );
    repo
}

pub fn platform(ids: &mut Ids) -> Repo {
    let created = at("2024-02-12T09:00:00Z");
    let main_go = "package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n\n\t\"github.com/demo-org/platform/internal/health\"\n)\n\nfunc main() {\n\tmux := http.NewServeMux()\n\tmux.HandleFunc(\"/healthz\", health.Handler)\n\tlog.Fatal(http.ListenAndServe(\":8080\", mux))\n}\n";
    let health_go = "package health\n\nimport \"net/http\"\n\n// Handler reports whether the service is up.\nfunc Handler(w http.ResponseWriter, r *http.Request) {\n\tw.WriteHeader(http.StatusOK)\n\t_, _ = w.Write([]byte(\"ok\"))\n}\n";
    let client_go = "package upstream\n\nimport \"net/http\"\n\n// Client calls the billing service.\nvar Client = &http.Client{}\n";
    let mut repo = super::repo(
        ids,
        "demo-org",
        "platform",
        "Internal API gateway and health checks",
        "Go",
        created,
        files(vec![
            (
                "README.md",
                "# platform\n\nThe API gateway in front of the billing and greeting services.\n"
                    .into(),
            ),
            (
                "go.mod",
                "module github.com/demo-org/platform\n\ngo 1.23\n".into(),
            ),
            ("cmd/server/main.go", main_go.into()),
            ("internal/health/health.go", health_go.into()),
            ("internal/upstream/client.go", client_go.into()),
        ]),
    );
    repo.private = true;
    repo.license = None;
    repo.topics = vec!["go".into(), "gateway".into()];
    let main = history(
        &mut repo,
        "main",
        &[
            (
                "Initial gateway",
                "devon-ortiz",
                &["README.md", "go.mod", "cmd/server/main.go"],
            ),
            (
                "Add health endpoint",
                "devon-ortiz",
                &["internal/health/health.go", "cmd/server/main.go"],
            ),
            (
                "Add upstream client",
                "octo-demo",
                &["internal/upstream/client.go"],
            ),
            ("README: describe the services", "priya-n", &["README.md"]),
            ("Bump Go to 1.23", "devon-ortiz", &["go.mod"]),
        ],
        created,
        9 * DAY,
    );
    let timeout_go = client_go
        .replace(
            "var Client = &http.Client{}",
            "var Client = &http.Client{Timeout: 5 * time.Second}",
        )
        .replace(
            "import \"net/http\"",
            "import (\n\t\"net/http\"\n\t\"time\"\n)",
        );
    fork(
        &mut repo,
        "fix/timeout",
        "main",
        &main[4],
        vec![("internal/upstream/client.go", Some(timeout_go))],
    );
    branch_commits(
        &mut repo,
        "fix/timeout",
        "main",
        &[(
            "Set a 5s timeout on upstream calls",
            "devon-ortiz",
            &["internal/upstream/client.go"],
        )],
        at("2025-02-03T10:00:00Z"),
    );
    repo.labels = labels(
        ids,
        &[
            ("bug", "d73a4a", "Something isn't working"),
            ("enhancement", "a2eeef", "New feature or request"),
            ("ops", "5319e7", "Operations"),
        ],
    );
    let plain = |ids: &mut Ids,
                 number: u64,
                 title: &str,
                 body: &str,
                 user: &str,
                 when: &str,
                 labels: &[&str]| Issue {
        labels: labels.iter().map(|l| l.to_string()).collect(),
        ..Issue::opened(ids.fresh(), number, title, body, user, at(when))
    };
    let mut one = plain(
        ids,
        1,
        "Health endpoint returns 200 while the database is down",
        "`/healthz` only checks that the process runs. During the outage on Feb 8 it kept answering 200 and the load balancer kept sending traffic.",
        "priya-n",
        "2025-02-09T13:00:00Z",
        &["bug"],
    );
    one.assignees = vec!["octo-demo".into()];
    one.comments.push(Comment::new(
        ids.fresh(),
        "priya-n",
        "@octo-demo could you take this one? A DB ping with a 1 s timeout would do.",
        at("2025-02-09T13:45:00Z"),
    ));
    one.updated_at = at("2025-02-09T13:45:00Z");
    let two = plain(
        ids,
        2,
        "Add structured request logging",
        "JSON lines with method, path, status and duration, so we can ship them to the log store.",
        "devon-ortiz",
        "2025-01-22T16:10:00Z",
        &["enhancement"],
    );
    let mut three = plain(
        ids,
        3,
        "Set a 5s timeout on upstream calls",
        "The default `http.Client` has no timeout, so a hung billing service hangs every request. Fixes the incident from Jan 30.",
        "devon-ortiz",
        "2025-02-03T11:00:00Z",
        &["bug"],
    );
    let head = repo.branch("fix/timeout").expect("seeded");
    let files = diff::compare(&repo.default().files, &head.files);
    three.pull = Some(Pull {
        maintainer_can_modify: false,
        commits: 1,
        requested_reviewers: vec!["octo-demo".into()],
        ..Pull::between(ids.fresh(), head, repo.default(), files)
    });
    let mut four = plain(
        ids,
        4,
        "Rotate the staging TLS certificate",
        "Expires on Jan 31.",
        "octo-demo",
        "2025-01-10T09:00:00Z",
        &["ops"],
    );
    four.open = false;
    four.closed_at = Some(at("2025-01-24T12:00:00Z"));
    four.closed_by = Some("octo-demo".into());
    four.state_reason = Some("completed".into());
    four.updated_at = at("2025-01-24T12:00:00Z");
    for issue in [one, two, three, four] {
        repo.issues.insert(issue.number, issue);
    }
    repo
}

pub fn docs_site(ids: &mut Ids) -> Repo {
    let created = at("2023-11-02T14:00:00Z");
    let mut repo = super::repo(
        ids,
        "demo-org",
        "docs-site",
        "Documentation website for Demo Org's tools",
        "TypeScript",
        created,
        files(vec![
            ("README.md", "# docs-site\n\n`npm run dev` serves the site on http://localhost:4321.\n".into()),
            ("package.json", "{\n  \"name\": \"docs-site\",\n  \"private\": true,\n  \"scripts\": {\"dev\": \"astro dev\", \"build\": \"astro build\"},\n  \"dependencies\": {\"astro\": \"^5.1.0\"}\n}\n".into()),
            ("src/search.ts", "// Client-side search over the page index.\nexport function matches(query: string, title: string): boolean {\n  return title.toLowerCase().includes(query.toLowerCase());\n}\n".into()),
        ]),
    );
    repo.homepage = Some("https://docs.demo-org.example.dev".into());
    repo.stars = 18;
    repo.forks = 4;
    repo.topics = vec!["docs".into(), "astro".into()];
    let main = history(
        &mut repo,
        "main",
        &[
            (
                "Scaffold the site",
                "priya-n",
                &["README.md", "package.json"],
            ),
            ("Add client-side search", "priya-n", &["src/search.ts"]),
            ("Upgrade to Astro 5", "sam-okafor", &["package.json"]),
        ],
        created,
        30 * DAY,
    );
    repo.tags = vec![crate::github::model::Tag {
        name: "v1.4.0".into(),
        sha: main[2].clone(),
    }];
    repo.releases = vec![Release {
        id: ids.fresh() % 1_000_000_000,
        tag_name: "v1.4.0".into(),
        name: "v1.4.0".into(),
        body: "- Astro 5\n- Faster search index".into(),
        draft: false,
        prerelease: false,
        author: "priya-n".into(),
        target: "main".into(),
        created_at: at("2025-01-28T09:00:00Z"),
        published_at: at("2025-01-28T10:00:00Z"),
    }];
    repo.labels = labels(
        ids,
        &[
            ("bug", "d73a4a", "Something isn't working"),
            ("good first issue", "7057ff", "Good for newcomers"),
        ],
    );
    let issue =
        |ids: &mut Ids, number: u64, title: &str, body: &str, label: &str, when: i64| Issue {
            labels: vec![label.into()],
            ..Issue::opened(ids.fresh(), number, title, body, "sam-okafor", when)
        };
    let one = issue(
        ids,
        1,
        "Broken link on the getting-started page",
        "The \"Install\" link points to /install/ which is a 404; it moved to /guides/install/.",
        "good first issue",
        at("2025-02-01T10:00:00Z"),
    );
    let two = issue(
        ids,
        2,
        "Search box ignores accents",
        "Searching `resume` does not find `Résumé`. Normalize both sides with NFD and strip marks.",
        "bug",
        at("2025-02-02T18:30:00Z") + HOUR,
    );
    repo.issues.insert(1, one);
    repo.issues.insert(2, two);
    repo
}

pub fn secret_plans(ids: &mut Ids) -> Repo {
    let created = at("2024-01-01T00:00:00Z");
    let mut repo = super::repo(
        ids,
        "acme-corp",
        "secret-plans",
        "Not for the demo token",
        "Rust",
        created,
        files(vec![("README.md", "# secret-plans\n".into())]),
    );
    repo.private = true;
    repo.visible = false;
    history(
        &mut repo,
        "main",
        &[("Initial commit", "acme-corp", &["README.md"])],
        created,
        DAY,
    );
    repo
}

//! CI for the seed repositories: GitHub Actions runs with jobs and steps (whose
//! logs [`super::logs`] renders), and commit statuses from external services.

use super::{Ids, at};
use crate::github::model::{CommitStatus, Job, Repo, Step, WorkflowRun};

/// Adds the runs and statuses of a seed repository.
pub fn attach(repo: &mut Repo, ids: &mut Ids) {
    match repo.full_name().as_str() {
        "octo-demo/hello-world" => hello(repo, ids),
        "demo-org/platform" => platform(repo, ids),
        _ => {}
    }
}

/// Run and job ids in GitHub's ranges.
struct CiIds {
    run: u64,
    job: u64,
}

impl CiIds {
    fn run(&mut self) -> u64 {
        self.run += 1_137;
        self.run
    }

    fn job(&mut self) -> u64 {
        self.job += 53;
        self.job
    }
}

/// A job whose steps each take `secs`, with `failing` (if any) failing.
#[allow(clippy::too_many_arguments)]
fn job(
    ids: &mut CiIds,
    name: &str,
    started: i64,
    state: &str,
    steps: &[&str],
    failing: Option<&str>,
    log_lines: usize,
    failing_test: Option<&str>,
) -> Job {
    let secs = 14;
    let (status, conclusion) = match state {
        "queued" | "in_progress" => (state.to_string(), None),
        other => ("completed".to_string(), Some(other.to_string())),
    };
    let mut failed = false;
    let steps: Vec<Step> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let begin = started + i as i64 * secs;
            let (status, conclusion, times) = match state {
                "queued" => ("queued", None, (None, None)),
                "in_progress" if i >= 2 => ("in_progress", None, (Some(begin), None)),
                "cancelled" if i >= 3 && !step.starts_with("Post") && *step != "Complete job" => (
                    "completed",
                    Some("cancelled"),
                    (Some(begin), Some(begin + secs)),
                ),
                _ => {
                    let this_fails = failing == Some(step);
                    let conclusion = if this_fails {
                        failed = true;
                        "failure"
                    } else if failed && !step.starts_with("Post") && *step != "Complete job" {
                        "skipped"
                    } else {
                        "success"
                    };
                    (
                        "completed",
                        Some(conclusion),
                        (Some(begin), Some(begin + secs)),
                    )
                }
            };
            Step {
                number: i as u64 + 1,
                name: step.to_string(),
                status: status.into(),
                conclusion: conclusion.map(str::to_string),
                started_at: times.0,
                completed_at: times.1,
            }
        })
        .collect();
    let os = if name.contains("macos") || name.contains("apple") {
        "macos-14"
    } else {
        "ubuntu-24.04"
    };
    let id = ids.job();
    Job {
        id,
        name: name.into(),
        completed_at: conclusion
            .as_ref()
            .map(|_| started + steps.len() as i64 * secs),
        status,
        conclusion,
        started_at: started,
        runner: format!("GitHub Actions {}", id % 1000),
        labels: vec![if os == "macos-14" {
            "macos-latest".into()
        } else {
            "ubuntu-latest".into()
        }],
        steps,
        log_lines,
        failing_test: failing_test.map(str::to_string),
    }
}

const TEST_STEPS: &[&str] = &[
    "Set up job",
    "Run actions/checkout@v4",
    "Run dtolnay/rust-toolchain@stable",
    "Run Swatinem/rust-cache@v2",
    "Run cargo test --all-features",
    "Post Run Swatinem/rust-cache@v2",
    "Post Run actions/checkout@v4",
    "Complete job",
];
const FMT_STEPS: &[&str] = &[
    "Set up job",
    "Run actions/checkout@v4",
    "Run dtolnay/rust-toolchain@stable",
    "Run cargo fmt --all -- --check",
    "Post Run actions/checkout@v4",
    "Complete job",
];
const CLIPPY_STEPS: &[&str] = &[
    "Set up job",
    "Run actions/checkout@v4",
    "Run dtolnay/rust-toolchain@stable",
    "Run Swatinem/rust-cache@v2",
    "Run cargo clippy --all-targets -- -D warnings",
    "Post Run Swatinem/rust-cache@v2",
    "Post Run actions/checkout@v4",
    "Complete job",
];

/// A run whose status and conclusion follow from its jobs.
#[allow(clippy::too_many_arguments)]
fn run(
    id: u64,
    name: &str,
    event: &str,
    branch: &str,
    sha: &str,
    title: &str,
    number: u64,
    actor: &str,
    pulls: Vec<u64>,
    created: i64,
    jobs: Vec<Job>,
) -> WorkflowRun {
    let all_queued = jobs.iter().all(|j| j.status == "queued");
    let done = jobs.iter().all(|j| j.status == "completed");
    let conclusion_of = |c: &str| jobs.iter().any(|j| j.conclusion.as_deref() == Some(c));
    let (status, conclusion) = if all_queued {
        ("queued", None)
    } else if !done {
        ("in_progress", None)
    } else if conclusion_of("failure") {
        ("completed", Some("failure"))
    } else if conclusion_of("cancelled") {
        ("completed", Some("cancelled"))
    } else {
        ("completed", Some("success"))
    };
    let updated = jobs
        .iter()
        .filter_map(|j| j.completed_at.or(Some(j.started_at)))
        .max()
        .unwrap_or(created);
    let path = match name {
        "CI" => ".github/workflows/ci.yml",
        "Release" => ".github/workflows/release.yml",
        "Nightly benchmarks" => ".github/workflows/nightly.yml",
        _ => ".github/workflows/docs.yml",
    };
    WorkflowRun {
        id,
        workflow_id: 114_200_000 + path.len() as u64,
        name: name.into(),
        path: path.into(),
        display_title: title.into(),
        event: event.into(),
        status: status.into(),
        conclusion: conclusion.map(str::to_string),
        head_branch: branch.into(),
        head_sha: sha.into(),
        run_number: number,
        run_attempt: 1,
        actor: actor.into(),
        pull_requests: pulls,
        created_at: created,
        updated_at: updated,
        jobs,
    }
}

fn hello(repo: &mut Repo, ids: &mut Ids) {
    let mut ci = CiIds {
        run: 13_104_500_000,
        job: 36_712_300_000,
    };
    let head = |name: &str| {
        repo.branch(name)
            .map(|b| b.history[0].clone())
            .unwrap_or_default()
    };
    let (main, login, vendor, docs) = (
        head("main"),
        head("feature/login"),
        head("vendor-bindings"),
        head("docs/guide-expansion"),
    );
    let main_prev = repo.default().history[1].clone();
    let v020 = repo
        .tags
        .iter()
        .find(|t| t.name == "v0.2.0")
        .map(|t| t.sha.clone())
        .unwrap_or_default();
    let main_date = repo.commits[&main].date;
    let ok_ci = |ci: &mut CiIds, t: i64| {
        vec![
            job(ci, "fmt", t, "success", FMT_STEPS, None, 64, None),
            job(ci, "clippy", t, "success", CLIPPY_STEPS, None, 188, None),
            job(
                ci,
                "test (ubuntu-latest)",
                t,
                "success",
                TEST_STEPS,
                None,
                420,
                None,
            ),
            job(
                ci,
                "test (macos-latest)",
                t + 20,
                "success",
                TEST_STEPS,
                None,
                402,
                None,
            ),
        ]
    };
    let mut runs = Vec::new();
    let t = main_date - 3 * super::DAY;
    runs.push(run(
        ci.run(),
        "CI",
        "push",
        "main",
        &main_prev,
        "Tidy imports",
        57,
        "lena-k",
        vec![],
        t,
        ok_ci(&mut ci, t + 30),
    ));
    let t = main_date + 600;
    runs.push(run(
        ci.run(),
        "CI",
        "push",
        "main",
        &main,
        "README: mention the fake GitHub API",
        58,
        "octo-demo",
        vec![],
        t,
        ok_ci(&mut ci, t + 30),
    ));
    let t = at("2025-01-05T03:00:00Z");
    let bench_steps = &[
        "Set up job",
        "Run actions/checkout@v4",
        "Run dtolnay/rust-toolchain@stable",
        "Run cargo bench -- --save-baseline nightly",
        "Post Run actions/checkout@v4",
        "Complete job",
    ];
    runs.push(run(
        ci.run(),
        "Nightly benchmarks",
        "schedule",
        "main",
        &main,
        "Nightly benchmarks",
        112,
        "octo-demo",
        vec![],
        t,
        vec![job(
            &mut ci,
            "bench",
            t + 40,
            "cancelled",
            bench_steps,
            None,
            150,
            None,
        )],
    ));
    let t = repo.commits.get(&v020).map_or(t, |c| c.date + 900);
    let build_steps = &[
        "Set up job",
        "Run actions/checkout@v4",
        "Run dtolnay/rust-toolchain@stable",
        "Run cargo build --release --locked",
        "Run actions/upload-artifact@v4",
        "Post Run actions/checkout@v4",
        "Complete job",
    ];
    let publish_steps = &[
        "Set up job",
        "Run actions/download-artifact@v4",
        "Run softprops/action-gh-release@v2",
        "Complete job",
    ];
    runs.push(run(
        ci.run(),
        "Release",
        "push",
        "v0.2.0",
        &v020,
        "Release 0.2.0",
        6,
        "octo-demo",
        vec![],
        t,
        vec![
            job(
                &mut ci,
                "build (x86_64-unknown-linux-gnu)",
                t + 30,
                "success",
                build_steps,
                None,
                296,
                None,
            ),
            job(
                &mut ci,
                "build (aarch64-apple-darwin)",
                t + 30,
                "success",
                build_steps,
                None,
                311,
                None,
            ),
            job(
                &mut ci,
                "publish",
                t + 400,
                "success",
                publish_steps,
                None,
                82,
                None,
            ),
        ],
    ));
    let t = at("2025-02-04T10:05:00Z");
    let docs_steps = &[
        "Set up job",
        "Run actions/checkout@v4",
        "Run mdbook build docs",
        "Complete job",
    ];
    runs.push(run(
        ci.run(),
        "Docs",
        "pull_request",
        "docs/guide-expansion",
        &docs,
        "docs: expand the user guide and add a FAQ",
        31,
        "priya-n",
        vec![15],
        t,
        vec![job(
            &mut ci,
            "build-docs",
            t + 20,
            "success",
            docs_steps,
            None,
            118,
            None,
        )],
    ));
    let t = at("2025-02-11T14:50:00Z");
    let failing = "auth::tests::login_rejects_expired_token";
    runs.push(run(
        ci.run(),
        "CI",
        "pull_request",
        "feature/login",
        &login,
        "Add login subcommand with device flow",
        61,
        "lena-k",
        vec![13],
        t,
        vec![
            job(&mut ci, "fmt", t + 30, "success", FMT_STEPS, None, 61, None),
            job(
                &mut ci,
                "clippy",
                t + 30,
                "success",
                CLIPPY_STEPS,
                None,
                192,
                None,
            ),
            job(
                &mut ci,
                "test (ubuntu-latest)",
                t + 30,
                "failure",
                TEST_STEPS,
                Some("Run cargo test --all-features"),
                2_000,
                Some(failing),
            ),
            job(
                &mut ci,
                "test (macos-latest)",
                t + 45,
                "failure",
                TEST_STEPS,
                Some("Run cargo test --all-features"),
                640,
                Some(failing),
            ),
        ],
    ));
    let t = at("2025-02-12T09:00:00Z");
    runs.push(run(
        ci.run(),
        "CI",
        "pull_request",
        "vendor-bindings",
        &vendor,
        "Vendor generated greeter protocol bindings",
        62,
        "devon-ortiz",
        vec![14],
        t,
        vec![
            job(&mut ci, "fmt", t + 30, "success", FMT_STEPS, None, 58, None),
            job(
                &mut ci,
                "clippy",
                t + 30,
                "in_progress",
                CLIPPY_STEPS,
                None,
                96,
                None,
            ),
            job(
                &mut ci,
                "test (ubuntu-latest)",
                t + 30,
                "queued",
                TEST_STEPS,
                None,
                0,
                None,
            ),
            job(
                &mut ci,
                "test (macos-latest)",
                t + 30,
                "queued",
                TEST_STEPS,
                None,
                0,
                None,
            ),
        ],
    ));
    repo.runs = runs;
    let short = |sha: &str| sha[..7].to_string();
    let status = |ids: &mut Ids,
                  sha: &str,
                  context: &str,
                  state: &str,
                  description: String,
                  target: String,
                  when: i64| CommitStatus {
        id: ids.fresh(),
        sha: sha.into(),
        context: context.into(),
        state: state.into(),
        description,
        target_url: target,
        creator: "octo-demo".into(),
        created_at: when,
    };
    let codecov =
        |sha: &str| format!("https://app.codecov.example/gh/octo-demo/hello-world/commit/{sha}");
    repo.statuses = vec![
        status(
            ids,
            &main,
            "codecov/project",
            "success",
            format!("84.10% (+0.30%) compared to {}", short(&main_prev)),
            codecov(&main),
            main_date + 900,
        ),
        status(
            ids,
            &login,
            "codecov/patch",
            "pending",
            "Waiting for CI to finish".into(),
            codecov(&login),
            at("2025-02-11T14:51:00Z"),
        ),
        status(
            ids,
            &login,
            "codecov/patch",
            "failure",
            "62.50% of diff hit (target 80.00%)".into(),
            codecov(&login),
            at("2025-02-11T15:03:00Z"),
        ),
        status(
            ids,
            &login,
            "deploy/preview",
            "pending",
            "Preview deployment is building".into(),
            "https://preview.example.dev/hello-world/pr-13".into(),
            at("2025-02-11T14:52:00Z"),
        ),
        status(
            ids,
            &vendor,
            "license/cla",
            "success",
            "All contributors have signed the CLA".into(),
            "https://cla.example.dev/octo-demo/hello-world?pullRequest=14".into(),
            at("2025-01-28T08:46:00Z"),
        ),
    ];
}

fn platform(repo: &mut Repo, _ids: &mut Ids) {
    let mut ci = CiIds {
        run: 13_207_800_000,
        job: 36_804_100_000,
    };
    let sha = repo
        .branch("fix/timeout")
        .map(|b| b.history[0].clone())
        .unwrap_or_default();
    let t = at("2025-02-03T11:02:00Z");
    let steps = &[
        "Set up job",
        "Run actions/checkout@v4",
        "Run actions/setup-go@v5",
        "Run go test ./...",
        "Post Run actions/checkout@v4",
        "Complete job",
    ];
    let lint = &[
        "Set up job",
        "Run actions/checkout@v4",
        "Run golangci/golangci-lint-action@v6",
        "Post Run actions/checkout@v4",
        "Complete job",
    ];
    repo.runs = vec![run(
        ci.run(),
        "CI",
        "pull_request",
        "fix/timeout",
        &sha,
        "Set a 5s timeout on upstream calls",
        204,
        "devon-ortiz",
        vec![3],
        t,
        vec![
            job(&mut ci, "test", t + 20, "success", steps, None, 152, None),
            job(&mut ci, "lint", t + 20, "success", lint, None, 91, None),
        ],
    )];
}

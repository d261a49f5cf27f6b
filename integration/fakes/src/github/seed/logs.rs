//! Job logs as GitHub Actions writes them: one timestamped line per output line
//! (`2025-02-11T14:50:31.1234567Z ...`), `##[group]` sections per step, cargo's
//! output, and for a failed test job the failure and `##[error]` lines at the end.
//! A log has exactly the job's `log_lines` lines.

use crate::github::model::{Job, WorkflowRun};
use crate::github::time::iso;

const CRATES: &[(&str, &str)] = &[
    ("proc-macro2", "1.0.93"),
    ("unicode-ident", "1.0.14"),
    ("quote", "1.0.38"),
    ("syn", "2.0.96"),
    ("serde", "1.0.217"),
    ("serde_derive", "1.0.217"),
    ("memchr", "2.7.4"),
    ("utf8parse", "0.2.2"),
    ("anstyle-parse", "0.2.6"),
    ("anstyle", "1.0.10"),
    ("colorchoice", "1.0.3"),
    ("anstyle-query", "1.1.2"),
    ("is_terminal_polyfill", "1.70.1"),
    ("anstream", "0.6.18"),
    ("strsim", "0.11.1"),
    ("heck", "0.5.0"),
    ("clap_lex", "0.7.4"),
    ("clap_builder", "4.5.26"),
    ("clap_derive", "4.5.24"),
    ("clap", "4.5.26"),
    ("anyhow", "1.0.95"),
    ("hashbrown", "0.15.2"),
    ("equivalent", "1.0.1"),
    ("indexmap", "2.7.1"),
    ("winnow", "0.6.24"),
    ("toml_datetime", "0.6.8"),
    ("serde_spanned", "0.6.8"),
    ("toml_edit", "0.22.22"),
    ("toml", "0.8.19"),
    ("libc", "0.2.169"),
    ("bstr", "1.11.3"),
    ("regex-automata", "0.4.9"),
    ("predicates-core", "1.0.9"),
    ("doc-comment", "0.3.3"),
    ("termtree", "0.5.1"),
    ("predicates-tree", "1.0.12"),
    ("difflib", "0.4.0"),
    ("predicates", "3.1.3"),
    ("wait-timeout", "0.2.0"),
    ("assert_cmd", "2.0.16"),
];

const MODULES: &[&str] = &[
    "greeting", "lang", "count", "config", "cli", "unicode", "output", "auth",
];
const CASES: &[&str] = &[
    "handles_empty_input",
    "trims_whitespace",
    "rejects_unknown_language",
    "keeps_order",
    "is_case_insensitive",
    "round_trips_config",
    "reads_defaults",
    "prints_version",
    "counts_duplicates_once",
    "supports_emoji",
    "parses_flags",
    "handles_long_names",
];
const LANGS: &[&str] = &["en", "de", "fr", "es", "pt"];

/// The full text of a job's log.
pub fn render(run: &WorkflowRun, job: &Job) -> String {
    let lines = body(run, job);
    let span = job.completed_at.unwrap_or(job.started_at + 600) - job.started_at;
    let total = lines.len().max(1) as i64;
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        // Seven fractional digits, as Actions writes them, increasing line by line.
        let ticks = i128::from(span) * 10_000_000 * i as i128 / i128::from(total)
            + i128::from(job.id % 1_000_000);
        let t = job.started_at + (ticks / 10_000_000) as i64;
        let fraction = ticks % 10_000_000;
        out.push_str(&format!("{}.{fraction:07}Z {line}\n", &iso(t)[..19]));
    }
    out
}

/// The untimestamped lines, exactly `job.log_lines` of them.
fn body(run: &WorkflowRun, job: &Job) -> Vec<String> {
    let want = job.log_lines;
    let mut head = preamble(run, job);
    let mut tail = Vec::new();
    let is_test = job.name.starts_with("test");
    let mut filler: Box<dyn Iterator<Item = String>> = if is_test {
        head.push("##[group]Run cargo test --all-features".into());
        head.push("cargo test --all-features".into());
        head.push("shell: /usr/bin/bash -e {0}".into());
        head.push("env:".into());
        head.push("  CARGO_TERM_COLOR: always".into());
        head.push("##[endgroup]".into());
        head.extend(compiling());
        head.push(
            "    Finished `test` profile [unoptimized + debuginfo] target(s) in 41.27s".into(),
        );
        head.push(
            "     Running unittests src/lib.rs (target/debug/deps/hello_world-3f2a9c1d7b8e0f12)"
                .into(),
        );
        let summary = test_summary(job, 0).len();
        let tests = want.saturating_sub(head.len() + 2 + summary + postamble(job).len());
        head.push(String::new());
        head.push(format!(
            "running {} tests",
            tests + usize::from(job.failing_test.is_some())
        ));
        tail.extend(test_summary(job, tests));
        Box::new(test_lines())
    } else {
        head.push(format!("##[group]Run {}", main_step(job)));
        head.push(main_step(job).trim_start_matches("Run ").to_string());
        head.push("shell: /usr/bin/bash -e {0}".into());
        head.push("##[endgroup]".into());
        tail.push(format!(
            "    Finished `{}` profile [optimized] target(s) in 1m 02s",
            if job.name.starts_with("build") {
                "release"
            } else {
                "dev"
            }
        ));
        Box::new(dependency_lines())
    };
    tail.extend(postamble(job));
    while head.len() + tail.len() < want {
        head.push(filler.next().unwrap_or_default());
    }
    head.truncate(want.saturating_sub(tail.len()));
    head.extend(tail);
    head.truncate(want);
    head
}

fn main_step(job: &Job) -> String {
    job.steps
        .iter()
        .map(|s| s.name.as_str())
        .find(|n| {
            n.starts_with("Run ")
                && !n.contains("checkout")
                && !n.contains("toolchain")
                && !n.contains("cache")
        })
        .unwrap_or("Run make")
        .to_string()
}

fn preamble(run: &WorkflowRun, job: &Job) -> Vec<String> {
    let image = if job.labels.iter().any(|l| l.contains("macos")) {
        ("macOS", "14.7.2", "macos-14-arm64", "20250120.596")
    } else {
        ("Ubuntu", "24.04.1", "ubuntu-24.04", "20250120.5.0")
    };
    let mut lines = vec![
        "Current runner version: '2.321.0'".to_string(),
        "##[group]Operating System".into(),
        image.0.into(),
        image.1.into(),
        "LTS".into(),
        "##[endgroup]".into(),
        "##[group]Runner Image".into(),
        format!("Image: {}", image.2),
        format!("Version: {}", image.3),
        "##[endgroup]".into(),
        "##[group]GITHUB_TOKEN Permissions".into(),
        "Contents: read".into(),
        "Metadata: read".into(),
        "##[endgroup]".into(),
        "Secret source: Actions".into(),
        "Prepare workflow directory".into(),
        "Prepare all required actions".into(),
        "Getting action download info".into(),
        "Download action repository 'actions/checkout@v4' (SHA:11bd71901bbe5b1630ceea73d27597364c9af683)".into(),
        format!("Complete job name: {}", job.name),
        "##[group]Run actions/checkout@v4".into(),
        "with:".into(),
        format!("  ref: {}", run.head_sha),
        "##[endgroup]".into(),
        "Syncing repository: octo-demo/hello-world".into(),
        format!("Checking out the ref: {}", run.head_branch),
        format!("HEAD is now at {} {}", &run.head_sha[..7], run.display_title),
    ];
    if job.steps.iter().any(|s| s.name.contains("rust-toolchain")) {
        lines.extend([
            "##[group]Run dtolnay/rust-toolchain@stable".to_string(),
            "info: syncing channel updates for 'stable-x86_64-unknown-linux-gnu'".into(),
            "info: latest update on 2025-01-09, rust version 1.84.0 (9fc6b4312 2025-01-07)".into(),
            "rustc 1.84.0 (9fc6b4312 2025-01-07)".into(),
            "##[endgroup]".into(),
        ]);
    }
    lines
}

fn compiling() -> Vec<String> {
    let mut lines: Vec<String> = CRATES
        .iter()
        .map(|(name, version)| format!("   Compiling {name} v{version}"))
        .collect();
    lines
        .push("   Compiling hello-world v0.2.0 (/home/runner/work/hello-world/hello-world)".into());
    lines
}

/// Endless `test module::tests::case ... ok` lines.
fn test_lines() -> impl Iterator<Item = String> {
    (0..).map(|i: usize| {
        let module = MODULES[i % MODULES.len()];
        let case = CASES[(i / MODULES.len()) % CASES.len()];
        let round = i / (MODULES.len() * CASES.len());
        if round == 0 {
            format!("test {module}::tests::{case} ... ok")
        } else {
            let lang = LANGS[round % LANGS.len()];
            format!("test {module}::tests::table::{case}_{lang}_{round:03} ... ok")
        }
    })
}

/// Endless dependency download and build lines.
fn dependency_lines() -> impl Iterator<Item = String> {
    (0..).map(|i: usize| {
        let (name, version) = CRATES[i % CRATES.len()];
        match (i / CRATES.len()) % 3 {
            0 => format!("  Downloaded {name} v{version}"),
            1 => format!("   Compiling {name} v{version}"),
            _ => format!("    Checking {name} v{version}"),
        }
    })
}

fn test_summary(job: &Job, passed: usize) -> Vec<String> {
    let Some(test) = &job.failing_test else {
        return vec![
            String::new(),
            format!("test result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 2.31s"),
            String::new(),
            "   Doc-tests hello_world".into(),
            String::new(),
            "running 0 tests".into(),
            String::new(),
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s".into(),
            String::new(),
        ];
    };
    vec![
        format!("test {test} ... FAILED"),
        String::new(),
        "failures:".into(),
        String::new(),
        format!("---- {test} stdout ----"),
        String::new(),
        format!("thread '{test}' panicked at src/auth.rs:76:9:"),
        "assertion `left == right` failed: an expired token must be refused".into(),
        "  left: false".into(),
        " right: true".into(),
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace".into(),
        String::new(),
        String::new(),
        "failures:".into(),
        format!("    {test}"),
        String::new(),
        format!(
            "test result: FAILED. {passed} passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 2.48s"
        ),
        String::new(),
        "error: test failed, to rerun pass `--lib`".into(),
        "##[error]Process completed with exit code 101.".into(),
    ]
}

fn postamble(job: &Job) -> Vec<String> {
    let mut lines = vec![
        "Post job cleanup.".to_string(),
        "[command]/usr/bin/git version".into(),
        "git version 2.47.1".into(),
        "Cleaning up orphan processes".into(),
    ];
    if job.conclusion.as_deref() == Some("cancelled") {
        lines.insert(0, "##[error]The operation was canceled.".into());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::seed;

    #[test]
    fn logs_have_their_line_count_and_end_with_the_failure() {
        let data = seed::demo();
        let repo = data.repos.iter().find(|r| r.name == "hello-world").unwrap();
        let mut biggest = 0;
        for run in &repo.runs {
            for job in run.jobs.iter().filter(|j| j.log_lines > 0) {
                let text = render(run, job);
                assert_eq!(text.lines().count(), job.log_lines, "{}", job.name);
                assert!(
                    text.lines().all(|l| l.as_bytes()[10] == b'T'),
                    "{}",
                    job.name
                );
                if job.failing_test.is_some() {
                    assert!(text.contains("##[error]Process completed with exit code 101."));
                }
                biggest = biggest.max(job.log_lines);
            }
        }
        assert_eq!(biggest, 2_000);
    }
}

//! `github-server doctor` and `notion-server doctor` without a token behave alike: a
//! warning naming the variable to set, a closing summary line, exit status 1.

use e2e::bin;
use std::process::Command;

/// Runs `SERVER doctor --api-url URL` with no token in the environment; returns the
/// exit code and stdout.
fn doctor(server: &str, api_url: &str) -> (Option<i32>, String) {
    let out = Command::new(bin(server))
        .args(["doctor", "--api-url", api_url])
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITHUB_PERSONAL_ACCESS_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("NOTION_TOKEN")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

#[test]
fn both_api_servers_report_a_missing_token_the_same_way() {
    let github = e2e::fake_github_on_own_thread().base_url;
    for (server, variable, api) in [
        ("github-server", "GITHUB_TOKEN", github.as_str()),
        ("notion-server", "NOTION_TOKEN", "http://127.0.0.1:9"),
    ] {
        let (code, text) = doctor(server, api);
        assert_eq!(code, Some(1), "{server}: {text}");
        assert!(
            text.lines()
                .any(|l| l.starts_with("⚠ no token: set") && l.contains(variable)),
            "{server}: {text}"
        );
        let last = text.lines().last().unwrap_or_default();
        assert!(
            last.contains(variable) && last.contains("run doctor again"),
            "{server} ends without a summary line: {text}"
        );
    }
}

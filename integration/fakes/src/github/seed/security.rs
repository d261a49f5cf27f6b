//! Security alerts:
//!
//! - `octo-demo/hello-world`: 5 code-scanning alerts (CodeQL and clippy; one
//!   dismissed as a false positive, one fixed, one whose message quotes a string
//!   with a right-to-left override, one found on two more refs), 5 Dependabot alerts (open, fixed, dismissed,
//!   auto-dismissed; Cargo and npm) and 3 secret-scanning alerts (one resolved as
//!   revoked, one pushed past push protection) whose secrets are fake values.
//! - `octo-demo/many-issues`: 130 of each kind, for pages.
//! - `demo-org/platform` (private): code scanning refused without Advanced
//!   Security; every other repository has every feature off.

use super::{DAY, HOUR, VIEWER, at};
use crate::github::alerts::{
    Closure, CodeAlert, DEPENDABOT_OFF, DependabotAlert, NO_ADVANCED_SECURITY, RepoSecurity,
    SECRET_SCANNING_OFF, SecretAlert, SecretLocation,
};

/// The fake secret of hello-world's first secret-scanning alert; no response
/// the server shows may contain it.
pub const LEAKED_SECRET: &str = "ghp_demo_leaked_value_not_a_real_token_42";

pub fn security() -> Vec<RepoSecurity> {
    vec![
        RepoSecurity {
            repo: format!("{VIEWER}/hello-world"),
            code_scanning: Ok(hello_code()),
            dependabot: Ok(hello_dependabot()),
            secret_scanning: Ok(hello_secrets()),
        },
        RepoSecurity {
            repo: format!("{VIEWER}/many-issues"),
            code_scanning: Ok((1..=130).map(many_code).collect()),
            dependabot: Ok((1..=130).map(many_dependabot).collect()),
            secret_scanning: Ok((1..=130).map(many_secret).collect()),
        },
        RepoSecurity {
            repo: "demo-org/platform".into(),
            code_scanning: Err(NO_ADVANCED_SECURITY),
            dependabot: Err(DEPENDABOT_OFF),
            secret_scanning: Err(SECRET_SCANNING_OFF),
        },
    ]
}

struct Rule {
    id: &'static str,
    severity: &'static str,
    security: Option<&'static str>,
    description: &'static str,
    tool: &'static str,
}

fn code(number: u64, rule: &Rule, path: &str, line: u64, message: &str, when: i64) -> CodeAlert {
    CodeAlert {
        number,
        rule_id: rule.id.into(),
        severity: rule.severity.into(),
        security_severity: rule.security.map(str::to_string),
        description: rule.description.into(),
        full_description: format!(
            "{}. See the rule's help for how to fix it.",
            rule.description
        ),
        help: format!(
            "# {}\n\nThe query flags code where {}.\n\n## Recommendation\n\nFix the code the alert points at, then push: the alert closes when the next analysis no longer finds it.\n",
            rule.description,
            rule.description.to_lowercase()
        ),
        tags: match rule.security {
            Some(_) => vec!["security".into(), "external/cwe/cwe-312".into()],
            None => vec!["maintainability".into()],
        },
        tool: rule.tool.into(),
        state: "open".into(),
        path: path.into(),
        start_line: line,
        end_line: line,
        message: message.into(),
        reference: "refs/heads/main".into(),
        also_on: Vec::new(),
        created_at: when,
        updated_at: when,
        dismissed: None,
        fixed_at: None,
    }
}

const CLEARTEXT: Rule = Rule {
    id: "rust/cleartext-logging",
    severity: "error",
    security: Some("high"),
    description: "Cleartext logging of sensitive information",
    tool: "CodeQL",
};
const HARDCODED: Rule = Rule {
    id: "rust/hard-coded-cryptographic-value",
    severity: "error",
    security: Some("critical"),
    description: "Hard-coded cryptographic value",
    tool: "CodeQL",
};
const UNUSED: Rule = Rule {
    id: "clippy::needless_collect",
    severity: "warning",
    security: None,
    description: "Needless collect before iterating",
    tool: "clippy",
};

fn hello_code() -> Vec<CodeAlert> {
    let t = at("2025-03-01T10:00:00Z");
    let mut dismissed = code(
        2,
        &HARDCODED,
        "src/lib.rs",
        88,
        "This hard-coded value is used as a key in a test fixture.",
        t + DAY,
    );
    dismissed.state = "dismissed".into();
    dismissed.dismissed = Some(Closure {
        by: VIEWER.into(),
        reason: "used in tests".into(),
        comment: Some("Only the test suite reads this key.".into()),
        at: t + 2 * DAY,
    });
    dismissed.updated_at = t + 2 * DAY;
    let mut fixed = code(
        3,
        &CLEARTEXT,
        "src/main.rs",
        40,
        "This logs the token in cleartext.",
        t + 3 * DAY,
    );
    fixed.state = "fixed".into();
    fixed.fixed_at = Some(t + 4 * DAY);
    fixed.updated_at = t + 4 * DAY;
    let mut everywhere = code(
        1,
        &CLEARTEXT,
        "src/main.rs",
        27,
        "This logs sensitive data (the password) in cleartext.",
        t,
    );
    everywhere.also_on = vec![
        "refs/heads/feature/login".into(),
        "refs/pull/13/merge".into(),
    ];
    vec![
        everywhere,
        dismissed,
        fixed,
        code(
            4,
            &UNUSED,
            "src/lib.rs",
            12,
            "avoid using `collect()` when not needed",
            t + 5 * DAY,
        ),
        code(
            5,
            &HARDCODED,
            "src/lib.rs",
            131,
            "The string \"admin\u{202E}nimda\u{202C}\" flows to a key derivation.",
            t + 6 * DAY + HOUR,
        ),
    ]
}

#[allow(clippy::too_many_arguments)]
fn dependabot(
    number: u64,
    ecosystem: &str,
    package: &str,
    manifest: &str,
    severity: &str,
    ghsa_id: &str,
    cve_id: Option<&str>,
    summary: &str,
    vulnerable_range: &str,
    patched: Option<&str>,
    when: i64,
) -> DependabotAlert {
    DependabotAlert {
        number,
        state: "open".into(),
        ecosystem: ecosystem.into(),
        package: package.into(),
        manifest: manifest.into(),
        scope: "runtime".into(),
        relationship: "direct".into(),
        ghsa_id: ghsa_id.into(),
        cve_id: cve_id.map(str::to_string),
        summary: summary.into(),
        description: format!(
            "### Impact\n{summary} in `{package}` {vulnerable_range}.\n\n### Patches\n{}\n\n### Workarounds\nNone known.\n",
            patched.map_or("No patched version yet.".to_string(), |p| format!(
                "Fixed in {p}; upgrade."
            ))
        ),
        severity: severity.into(),
        cvss_score: match severity {
            "critical" => 9.8,
            "high" => 7.5,
            "medium" => 5.3,
            _ => 3.1,
        },
        cvss_vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H".into(),
        epss_percentage: 0.00421,
        cwes: vec![("CWE-400".into(), "Uncontrolled Resource Consumption".into())],
        references: vec![
            format!(
                "https://nvd.nist.gov/vuln/detail/{}",
                cve_id.unwrap_or(ghsa_id)
            ),
            format!("https://github.com/advisories/{ghsa_id}"),
        ],
        vulnerable_range: vulnerable_range.into(),
        patched: patched.map(str::to_string),
        created_at: when,
        updated_at: when,
        dismissed: None,
        fixed_at: None,
        auto_dismissed_at: None,
    }
}

fn hello_dependabot() -> Vec<DependabotAlert> {
    let t = at("2025-04-01T09:00:00Z");
    let mut time = dependabot(
        1,
        "rust",
        "time",
        "Cargo.lock",
        "medium",
        "GHSA-wcg3-cvx6-7396",
        Some("CVE-2020-26235"),
        "Segmentation fault in time",
        "< 0.2.23",
        Some("0.2.23"),
        t,
    );
    time.relationship = "transitive".into();
    let mut regex = dependabot(
        2,
        "rust",
        "regex",
        "Cargo.lock",
        "high",
        "GHSA-m5pq-gvj9-9vr8",
        Some("CVE-2022-24713"),
        "Regexes with large repetitions on empty sub-expressions take a very long time to parse",
        "< 1.5.5",
        Some("1.5.5"),
        t + DAY,
    );
    regex.state = "fixed".into();
    regex.fixed_at = Some(t + 3 * DAY);
    regex.updated_at = t + 3 * DAY;
    let mut lodash = dependabot(
        3,
        "npm",
        "lodash",
        "docs/package-lock.json",
        "high",
        "GHSA-35jh-r3h4-6jhm",
        Some("CVE-2021-23337"),
        "Command Injection in lodash",
        "< 4.17.21",
        Some("4.17.21"),
        t + 2 * DAY,
    );
    lodash.scope = "development".into();
    let mut minimist = dependabot(
        4,
        "npm",
        "minimist",
        "docs/package-lock.json",
        "critical",
        "GHSA-xvch-5gv4-984h",
        Some("CVE-2021-44906"),
        "Prototype Pollution in minimist",
        "< 1.2.6",
        Some("1.2.6"),
        t + 4 * DAY,
    );
    minimist.state = "dismissed".into();
    minimist.dismissed = Some(Closure {
        by: VIEWER.into(),
        reason: "tolerable_risk".into(),
        comment: Some("Only the docs build uses it, never on user input.".into()),
        at: t + 5 * DAY,
    });
    let mut nanoid = dependabot(
        5,
        "npm",
        "nanoid",
        "docs/package-lock.json",
        "medium",
        "GHSA-qrpm-p2h7-hrv2",
        Some("CVE-2021-23566"),
        "Exposure of Sensitive Information to an Unauthorized Actor in nanoid",
        "< 3.1.31",
        Some("3.1.31"),
        t + 6 * DAY,
    );
    nanoid.scope = "development".into();
    nanoid.state = "auto_dismissed".into();
    nanoid.auto_dismissed_at = Some(t + 6 * DAY + HOUR);
    vec![time, regex, lodash, minimist, nanoid]
}

fn secret(number: u64, kind: (&str, &str), value: &str, validity: &str, when: i64) -> SecretAlert {
    SecretAlert {
        number,
        secret_type: kind.0.into(),
        display_name: kind.1.into(),
        secret: value.into(),
        state: "open".into(),
        resolution: None,
        validity: validity.into(),
        publicly_leaked: false,
        push_protection_bypassed_by: None,
        locations: vec![SecretLocation::Commit {
            path: "config/dev.env".into(),
            line: number + 2,
        }],
        created_at: when,
        updated_at: when,
    }
}

const PAT: (&str, &str) = (
    "github_personal_access_token",
    "GitHub Personal Access Token",
);
const SLACK: (&str, &str) = ("slack_api_token", "Slack API Token");

fn hello_secrets() -> Vec<SecretAlert> {
    let t = at("2025-05-01T08:00:00Z");
    let mut leaked = secret(1, PAT, LEAKED_SECRET, "active", t);
    leaked.publicly_leaked = true;
    leaked
        .locations
        .push(SecretLocation::IssueBody { number: 1 });
    leaked
        .locations
        .push(SecretLocation::IssueComment { id: 4_242 });
    let mut revoked = secret(
        2,
        SLACK,
        "xoxb-demo-revoked-value-not-real",
        "inactive",
        t + DAY,
    );
    revoked.state = "resolved".into();
    revoked.resolution = Some(Closure {
        by: VIEWER.into(),
        reason: "revoked".into(),
        comment: Some("Rotated the bot token the same day.".into()),
        at: t + 2 * DAY,
    });
    revoked.updated_at = t + 2 * DAY;
    let mut bypassed = secret(
        3,
        PAT,
        "ghp_demo_bypassed_value_not_real_7",
        "unknown",
        t + 3 * DAY,
    );
    bypassed.push_protection_bypassed_by = Some(VIEWER.into());
    vec![leaked, revoked, bypassed]
}

fn many_time(n: u64) -> i64 {
    at("2025-01-01T00:00:00Z") + n as i64 * HOUR
}

fn many_code(n: u64) -> CodeAlert {
    let rule = if n.is_multiple_of(2) {
        &CLEARTEXT
    } else {
        &UNUSED
    };
    code(
        n,
        rule,
        &format!("src/module_{:03}.rs", n),
        n,
        &format!("Finding {n}."),
        many_time(n),
    )
}

fn many_dependabot(n: u64) -> DependabotAlert {
    let severity = ["low", "medium", "high", "critical"][n as usize % 4];
    dependabot(
        n,
        "npm",
        &format!("pkg-{n:03}"),
        "package-lock.json",
        severity,
        &format!("GHSA-demo-{n:04}-xxxx"),
        None,
        &format!("Advisory {n}"),
        "< 2.0.0",
        Some("2.0.0"),
        many_time(n),
    )
}

fn many_secret(n: u64) -> SecretAlert {
    secret(
        n,
        SLACK,
        &format!("xoxb-demo-many-{n:03}-not-real"),
        "unknown",
        many_time(n),
    )
}

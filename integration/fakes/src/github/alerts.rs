//! What the fake holds of a repository's security features: code-scanning,
//! Dependabot and secret-scanning alerts, or, for a feature that is off, the
//! status and message GitHub answers instead. Plain data; `routes::security`
//! renders it and `seed::security` fills it.

/// One repository's security features (see [`crate::github::model::Data::security`]).
#[derive(Debug, Clone)]
pub struct RepoSecurity {
    /// `owner/name`.
    pub repo: String,
    pub code_scanning: Feature<CodeAlert>,
    pub dependabot: Feature<DependabotAlert>,
    pub secret_scanning: Feature<SecretAlert>,
}

/// A feature's alerts, or the refusal GitHub sends when it is off: its status
/// and message (e.g. 404 `no analysis found`).
pub type Feature<T> = Result<Vec<T>, (u16, &'static str)>;

/// Code scanning not set up: no analysis was ever uploaded.
pub const NO_ANALYSIS: (u16, &str) = (404, "no analysis found");
/// A private repository without GitHub Advanced Security.
pub const NO_ADVANCED_SECURITY: (u16, &str) = (
    403,
    "Advanced Security must be enabled for this repository to use code scanning.",
);
/// Dependabot alerts turned off.
pub const DEPENDABOT_OFF: (u16, &str) =
    (403, "Dependabot alerts are disabled for this repository.");
/// Secret scanning turned off.
pub const SECRET_SCANNING_OFF: (u16, &str) =
    (404, "Secret scanning is disabled on this repository.");

/// Who dismissed or resolved an alert, why (in the feature's own words) and
/// their comment.
#[derive(Debug, Clone)]
pub struct Closure {
    pub by: String,
    pub reason: String,
    pub comment: Option<String>,
    pub at: i64,
}

/// A code-scanning alert with its most recent instance.
#[derive(Debug, Clone)]
pub struct CodeAlert {
    pub number: u64,
    pub rule_id: String,
    /// `error`, `warning` or `note`.
    pub severity: String,
    /// `critical`, `high`, `medium` or `low` for security rules.
    pub security_severity: Option<String>,
    pub description: String,
    pub full_description: String,
    /// The rule's help, Markdown.
    pub help: String,
    pub tags: Vec<String>,
    pub tool: String,
    /// `open`, `dismissed` or `fixed`.
    pub state: String,
    pub path: String,
    pub start_line: u64,
    pub end_line: u64,
    pub message: String,
    /// The ref the alert was found on, e.g. `refs/heads/main`.
    pub reference: String,
    /// Other refs it is found on too (branches, `refs/pull/N/merge`).
    pub also_on: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub dismissed: Option<Closure>,
    pub fixed_at: Option<i64>,
}

/// A Dependabot alert: a vulnerable dependency and its advisory.
#[derive(Debug, Clone)]
pub struct DependabotAlert {
    pub number: u64,
    /// `open`, `dismissed`, `fixed` or `auto_dismissed`.
    pub state: String,
    /// Dependabot's names: `npm`, `pip`, `rust`, `go`, `maven`...
    pub ecosystem: String,
    pub package: String,
    pub manifest: String,
    /// `runtime` or `development`.
    pub scope: String,
    /// `direct` or `transitive`.
    pub relationship: String,
    pub ghsa_id: String,
    pub cve_id: Option<String>,
    pub summary: String,
    pub description: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    pub cvss_score: f64,
    pub cvss_vector: String,
    pub epss_percentage: f64,
    /// (id, name), e.g. ("CWE-79", "Cross-site Scripting").
    pub cwes: Vec<(String, String)>,
    pub references: Vec<String>,
    pub vulnerable_range: String,
    pub patched: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub dismissed: Option<Closure>,
    pub fixed_at: Option<i64>,
    pub auto_dismissed_at: Option<i64>,
}

/// A secret-scanning alert: the leaked secret and where it was found.
#[derive(Debug, Clone)]
pub struct SecretAlert {
    pub number: u64,
    pub secret_type: String,
    pub display_name: String,
    /// The secret itself; GitHub leaves it out when asked `hide_secret=true`.
    pub secret: String,
    /// `open` or `resolved`.
    pub state: String,
    /// `false_positive`, `wont_fix`, `revoked`, `used_in_tests`... when resolved.
    pub resolution: Option<Closure>,
    /// `active`, `inactive` or `unknown`.
    pub validity: String,
    pub publicly_leaked: bool,
    pub push_protection_bypassed_by: Option<String>,
    pub locations: Vec<SecretLocation>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Where a secret was found.
#[derive(Debug, Clone)]
pub enum SecretLocation {
    /// In a file of a commit (the repository's head commit stands in).
    Commit { path: String, line: u64 },
    /// In an issue comment, by its id.
    IssueComment { id: u64 },
    /// In an issue's body, by the issue's number.
    IssueBody { number: u64 },
}

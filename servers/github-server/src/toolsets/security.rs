//! Toolset `security` (not in the default): a repository's code-scanning,
//! Dependabot and secret-scanning alerts, listed with GitHub's filters and read one
//! at a time. Read-only: dismissing and resolving alerts stays with people.
//!
//! - **Secret values are never shown.** Every request asks GitHub for
//!   `hide_secret=true`, the `secret` field is never read into an answer, and
//!   should a GitHub send it anyway (a server older than the parameter), every
//!   occurrence of the value in the answer is replaced by `[secret hidden]`.
//! - Text in alerts (code-scanning messages, rule help, advisory descriptions,
//!   dismissal and resolution comments) passes the sanitiser; messages quote code,
//!   so hidden characters in them are shown as `[U+XXXX]`.
//! - A feature that is off, or a token without the permission, is an error naming
//!   the feature, the setting and the scope to check.
//! - Filter values are checked here first, so a typo is named with the valid
//!   values instead of GitHub's bare 422.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use shared::ToolError;

use crate::api::{Api, Query, RepoRef};
use crate::content;
use crate::paging::{self, ListArgs};
use crate::server::GithubServer;
use crate::shape::{Obj, body, first_line, login, n, s, yes};

/// Input of `list_code_scanning_alerts`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCodeScanningParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// open, closed, dismissed or fixed (default: all).
    pub state: Option<String>,
    /// critical, high, medium, low, error, warning or note.
    pub severity: Option<String>,
    /// Only this tool's alerts, e.g. "CodeQL".
    pub tool_name: Option<String>,
    /// Branch or ref (default: the default branch).
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `list_dependabot_alerts`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListDependabotParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// open, fixed, dismissed, auto_dismissed; one or several (default: all).
    #[serde(default, deserialize_with = "crate::api::comma_list")]
    #[schemars(with = "Option<crate::api::CommaList>")]
    pub state: Option<String>,
    /// low, medium, high, critical; one or several.
    #[serde(default, deserialize_with = "crate::api::comma_list")]
    #[schemars(with = "Option<crate::api::CommaList>")]
    pub severity: Option<String>,
    /// npm, pip, rust, go, maven, nuget, composer, rubygems, pub.
    #[serde(default, deserialize_with = "crate::api::comma_list")]
    #[schemars(with = "Option<crate::api::CommaList>")]
    pub ecosystem: Option<String>,
    /// Package names.
    #[serde(default, deserialize_with = "crate::api::comma_list")]
    #[schemars(with = "Option<crate::api::CommaList>")]
    pub package: Option<String>,
    /// runtime or development.
    pub scope: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `list_secret_scanning_alerts`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSecretScanningParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// open or resolved (default: both).
    pub state: Option<String>,
    /// Secret types, e.g. "github_personal_access_token".
    #[serde(default, deserialize_with = "crate::api::comma_list")]
    #[schemars(with = "Option<crate::api::CommaList>")]
    pub secret_type: Option<String>,
    /// active, inactive or unknown; one or several.
    #[serde(default, deserialize_with = "crate::api::comma_list")]
    #[schemars(with = "Option<crate::api::CommaList>")]
    pub validity: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of the three `get_…_alert` tools.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetAlertParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// The alert's number (from the list tool or its URL).
    pub alert_number: u64,
}

/// The three features, for requests and for errors that say what to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feature {
    CodeScanning,
    Dependabot,
    SecretScanning,
}

impl Feature {
    /// The path under the repository.
    fn path(self) -> &'static str {
        match self {
            Self::CodeScanning => "code-scanning/alerts",
            Self::Dependabot => "dependabot/alerts",
            Self::SecretScanning => "secret-scanning/alerts",
        }
    }

    /// What to check when GitHub answers 403 or 404.
    fn hint(self) -> &'static str {
        match self {
            Self::CodeScanning => {
                "if the names are right, code scanning may not be set up (no analysis uploaded) or, in a private repository, needs GitHub Advanced Security; the token needs the `security_events` scope (classic) or \"Code scanning alerts: read\" (fine-grained)"
            }
            Self::Dependabot => {
                "if the names are right, Dependabot alerts may be off (Settings > Code security); the token needs the `security_events` scope (`public_repo` for public repositories) or \"Dependabot alerts: read\" (fine-grained)"
            }
            Self::SecretScanning => {
                "if the names are right, secret scanning may be off (Settings > Code security); the token needs the `security_events` or `repo` scope or \"Secret scanning alerts: read\" (fine-grained), and admin or security-manager access to the repository"
            }
        }
    }

    /// The alert `p` names (repository and number), asked with `query` (e.g.
    /// `?hide_secret=true`); returns the alert's API path too.
    async fn get(
        self,
        api: &Api,
        p: &GetAlertParams,
        query: &str,
    ) -> Result<(Value, String), ToolError> {
        let path = format!("{}/{}/{}", p.repo.path()?, self.path(), p.alert_number);
        let v = api
            .get(&format!("{path}{query}"))
            .await
            .map_err(|e| self.explain(e))?;
        Ok((v, path))
    }

    /// The list tool `tool`: the repository's alerts matching `query`, shaped
    /// by `shape`, paged as every list tool pages.
    async fn list(
        self,
        api: &Api,
        tool: &str,
        repo: &RepoRef,
        query: Query,
        page: &ListArgs,
        shape: fn(&Value) -> String,
    ) -> Result<String, ToolError> {
        let path = format!("{}/{}", repo.path()?, self.path());
        paging::list(api, tool, &path, query, page, None, |v| Some(shape(v)))
            .await
            .map_err(|e| self.explain(e))
    }

    /// Up to `limit` entries of the list at `path` (an alert's instances or
    /// locations), each shaped to one line by `line`, and, when there are more,
    /// a note saying so (`what` names them).
    async fn lines(
        self,
        api: &Api,
        path: &str,
        what: &str,
        limit: usize,
        line: impl Fn(&Value) -> Option<String>,
    ) -> Result<(Vec<String>, Option<String>), ToolError> {
        let listing = paging::follow(api, None, path, limit, api.max_output / 2, |v| {
            line(v).map(|l| Value::String(l).to_string())
        })
        .await
        .map_err(|e| self.explain(e))?;
        let note = listing.more.then(|| {
            format!(
                "the first {} {what}; all are on the alert's page",
                listing.items.len()
            )
        });
        Ok((listing.items, note))
    }

    /// `error` with [`Self::hint`] added when it is a 403 or a 404.
    fn explain(self, error: ToolError) -> ToolError {
        if error.0.contains("(403)") || error.0.contains("(404)") {
            ToolError::new(format!("{}; {}", error.0, self.hint()))
        } else {
            error
        }
    }
}

/// `value` when every comma-separated part of it is one of `allowed`, else an
/// error naming the parameter and the valid values.
fn checked(name: &str, value: Option<&str>, allowed: &[&str]) -> Result<Option<String>, ToolError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let parts: Vec<String> = value
        .split(',')
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    if let Some(bad) = parts.iter().find(|p| !allowed.contains(&p.as_str())) {
        return Err(ToolError::new(format!(
            "{name} `{bad}` is not one GitHub knows; use {}",
            allowed.join(", ")
        )));
    }
    Ok(Some(parts.join(",")))
}

/// The secret value GitHub sent despite `hide_secret`, if it did.
fn sent_secret(raw: &Value) -> Option<&str> {
    s(raw, "secret").filter(|v| !v.trim().is_empty())
}

/// `shaped` (JSON text) with every occurrence of the secret value in `raw` (if
/// GitHub sent one) replaced by `[secret hidden]`, as written and as JSON
/// escapes it (a secret with a quote or a backslash).
fn without_secret(raw: &Value, shaped: String) -> String {
    let Some(secret) = sent_secret(raw) else {
        return shaped;
    };
    let escaped = Value::String(secret.to_string()).to_string();
    let escaped = &escaped[1..escaped.len() - 1];
    shaped
        .replace(secret, "[secret hidden]")
        .replace(escaped, "[secret hidden]")
}

/// Who closed an alert, why, their comment and when.
fn closure(raw: &Value, by: &str, reason: &str, comment: &str, at: &str) -> Option<Obj> {
    let reason = s(raw, reason)?;
    Some(
        Obj::new()
            .put("by", login(raw, by))
            .put("reason", reason)
            .put("comment", s(raw, comment).map(content::clean))
            .put("at", s(raw, at)),
    )
}

/// `path:line` (or `path:start-end`) of a location object.
fn place(loc: &Value) -> Option<String> {
    let path = s(loc, "path")?;
    Some(match (n(loc, "start_line"), n(loc, "end_line")) {
        (Some(a), Some(b)) if b > a => format!("{path}:{a}-{b}"),
        (Some(a), _) => format!("{path}:{a}"),
        _ => path.to_string(),
    })
}

/// A code-scanning alert's severity: the security severity when the rule has one.
fn code_severity(v: &Value) -> Option<&str> {
    let rule = v.get("rule")?;
    s(rule, "security_severity_level").or(s(rule, "severity"))
}

fn code_item(v: &Value) -> String {
    let rule = v.get("rule").unwrap_or(&Value::Null);
    let instance = v.get("most_recent_instance").unwrap_or(&Value::Null);
    Obj::new()
        .put("number", n(v, "number"))
        .put("state", s(v, "state"))
        .put("severity", code_severity(v))
        .put("rule", s(rule, "id"))
        .put("title", s(rule, "description").map(content::clean))
        .put("tool", v.get("tool").and_then(|t| s(t, "name")))
        .put("at", instance.get("location").and_then(place))
        .put("dismissed", s(v, "dismissed_reason"))
        .put("created_at", s(v, "created_at"))
        .finish()
}

/// Most bytes of a rule's help or an advisory's description in one answer.
const LONG_TEXT: usize = 6_000;

/// One code-scanning alert, with the refs it is found on (`instances`, from
/// its instances list, and the note when there are more).
fn code_alert(v: &Value, instances: &[String], instances_note: Option<String>) -> String {
    let rule = v.get("rule").unwrap_or(&Value::Null);
    let instance = v.get("most_recent_instance").unwrap_or(&Value::Null);
    let tool = v.get("tool").unwrap_or(&Value::Null);
    let (message, note) = content::raw_with_note(
        instance
            .get("message")
            .and_then(|m| s(m, "text"))
            .unwrap_or_default(),
    );
    let help = s(rule, "help").map(|h| {
        let how = format!(
            "the whole help is at {}; offset ",
            s(rule, "help_uri").unwrap_or("the alert's URL")
        );
        body(&content::clean(h), 0, LONG_TEXT, &how)
    });
    let rule_out = Obj::new()
        .put("id", s(rule, "id"))
        .put("severity", s(rule, "severity"))
        .put("security_severity", s(rule, "security_severity_level"))
        .put("description", s(rule, "description").map(content::clean))
        .put(
            "full_description",
            s(rule, "full_description").map(content::clean),
        )
        .put("tags", rule.get("tags"));
    let mut out = Obj::new()
        .put("number", n(v, "number"))
        .put("state", s(v, "state"))
        .put("severity", code_severity(v))
        .obj("rule", rule_out)
        .put(
            "tool",
            s(tool, "name").map(|name| match s(tool, "version") {
                Some(version) => format!("{name} {version}"),
                None => name.to_string(),
            }),
        )
        .put("ref", s(instance, "ref"))
        .put("commit", s(instance, "commit_sha"))
        .put("at", instance.get("location").and_then(place))
        .put("message", message)
        .put("message_note", note)
        .list("found_on", instances)
        .put("found_on_note", instances_note);
    if let Some(c) = closure(
        v,
        "dismissed_by",
        "dismissed_reason",
        "dismissed_comment",
        "dismissed_at",
    ) {
        out = out.obj("dismissed", c);
    }
    out.put("fixed_at", s(v, "fixed_at"))
        .put("created_at", s(v, "created_at"))
        .put("updated_at", s(v, "updated_at"))
        .put("url", s(v, "html_url"))
        .put("help", help)
        .finish()
}

/// One instance of a code-scanning alert in one line: `ref: path:line (state,
/// commit abc1234)`.
fn instance_line(i: &Value) -> Option<String> {
    let reference = s(i, "ref")?;
    let at = i.get("location").and_then(place).unwrap_or_default();
    let commit = s(i, "commit_sha").map(|c| &c[..c.len().min(7)]);
    Some(format!(
        "{reference}: {at} ({}{})",
        s(i, "state").unwrap_or("unknown"),
        commit.map(|c| format!(", commit {c}")).unwrap_or_default()
    ))
}

/// Refs shown per code-scanning alert.
const INSTANCES: usize = 10;

/// The package and advisory parts every Dependabot shape shares.
fn dependabot_common(v: &Value) -> Obj {
    let dependency = v.get("dependency").unwrap_or(&Value::Null);
    let package = dependency.get("package").unwrap_or(&Value::Null);
    let advisory = v.get("security_advisory").unwrap_or(&Value::Null);
    let vulnerability = v.get("security_vulnerability").unwrap_or(&Value::Null);
    Obj::new()
        .put("number", n(v, "number"))
        .put("state", s(v, "state"))
        .put(
            "severity",
            s(vulnerability, "severity").or(s(advisory, "severity")),
        )
        .put("package", s(package, "name"))
        .put("ecosystem", s(package, "ecosystem"))
        .put("manifest", s(dependency, "manifest_path"))
        .put("scope", s(dependency, "scope"))
        .put(
            "summary",
            s(advisory, "summary").map(|t| first_line(&content::clean(t), 200)),
        )
        .put("ghsa", s(advisory, "ghsa_id"))
        .put("cve", s(advisory, "cve_id"))
        .put("vulnerable", s(vulnerability, "vulnerable_version_range"))
        .put(
            "patched",
            vulnerability
                .get("first_patched_version")
                .and_then(|p| s(p, "identifier")),
        )
}

fn dependabot_item(v: &Value) -> String {
    dependabot_common(v)
        .put("created_at", s(v, "created_at"))
        .finish()
}

fn dependabot_alert(v: &Value) -> String {
    let dependency = v.get("dependency").unwrap_or(&Value::Null);
    let advisory = v.get("security_advisory").unwrap_or(&Value::Null);
    let cvss = advisory.get("cvss").unwrap_or(&Value::Null);
    let cwes: Vec<String> = advisory
        .get("cwes")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    let id = s(c, "cwe_id")?;
                    Some(match s(c, "name") {
                        Some(name) => format!("{id} {name}"),
                        None => id.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let references: Vec<&str> = advisory
        .get("references")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|r| s(r, "url")).take(10).collect())
        .unwrap_or_default();
    let how = format!(
        "the whole advisory is at https://github.com/advisories/{}; offset ",
        s(advisory, "ghsa_id").unwrap_or_default()
    );
    let mut out = dependabot_common(v)
        .put("relationship", s(dependency, "relationship"))
        .put(
            "cvss",
            cvss.get("score")
                .and_then(Value::as_f64)
                .filter(|score| *score > 0.0)
                .map(|score| format!("{score} {}", s(cvss, "vector_string").unwrap_or_default())),
        )
        .put(
            "epss_percentage",
            advisory
                .get("epss")
                .and_then(|e| e.get("percentage"))
                .and_then(Value::as_f64),
        )
        .put("cwes", cwes)
        .put(
            "description",
            s(advisory, "description").map(|d| body(&content::clean(d), 0, LONG_TEXT, &how)),
        )
        .put("references", references);
    if let Some(c) = closure(
        v,
        "dismissed_by",
        "dismissed_reason",
        "dismissed_comment",
        "dismissed_at",
    ) {
        out = out.obj("dismissed", c);
    }
    out.put("fixed_at", s(v, "fixed_at"))
        .put("auto_dismissed_at", s(v, "auto_dismissed_at"))
        .put("created_at", s(v, "created_at"))
        .put("updated_at", s(v, "updated_at"))
        .put("url", s(v, "html_url"))
        .finish()
}

/// Where a secret was found, in one line: `path:line (commit abc1234)` or the
/// issue, comment or pull request it is in.
fn secret_place(kind: Option<&str>, details: &Value) -> Option<String> {
    if let Some(at) = place(details) {
        let commit = s(details, "commit_sha").map(|c| &c[..c.len().min(7)]);
        return Some(match commit {
            Some(c) => format!("{at} (commit {c})"),
            None => at,
        });
    }
    let url = details
        .as_object()?
        .iter()
        .find(|(k, _)| k.ends_with("_url"))
        .and_then(|(_, u)| u.as_str())?;
    Some(match kind {
        Some(kind) => format!("{kind}: {url}"),
        None => url.to_string(),
    })
}

/// The parts of a secret-scanning alert every shape shares; never the secret.
fn secret_common(v: &Value) -> Obj {
    Obj::new()
        .put("number", n(v, "number"))
        .put("state", s(v, "state"))
        .put(
            "type",
            s(v, "secret_type_display_name").or(s(v, "secret_type")),
        )
        .put("secret_type", s(v, "secret_type"))
        .put("validity", s(v, "validity"))
        .put("publicly_leaked", yes(v, "publicly_leaked").filter(|l| *l))
        .put(
            "push_protection_bypassed_by",
            login(v, "push_protection_bypassed_by"),
        )
        .put("resolution", s(v, "resolution"))
}

/// A secret-scanning alert in a list: where it was first found and whether
/// there are more places (`get_secret_scanning_alert` lists them instead).
fn secret_item(v: &Value) -> String {
    let shaped = secret_common(v)
        .put(
            "found_in",
            v.get("first_location_detected")
                .and_then(|d| secret_place(None, d)),
        )
        .put(
            "more_locations",
            yes(v, "has_more_locations").filter(|m| *m),
        )
        .put("created_at", s(v, "created_at"))
        .finish();
    without_secret(v, shaped)
}

/// Locations shown in one `get_secret_scanning_alert`.
const LOCATIONS: usize = 20;

#[tool_router(router = security_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "List a repository's code-scanning alerts (CodeQL and other tools), newest first: rule, severity, file:line. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"state\": \"open\", \"severity\": \"high\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_code_scanning_alerts(
        &self,
        Parameters(p): Parameters<ListCodeScanningParams>,
    ) -> Result<String, ToolError> {
        let query = Query::list()
            .opt(
                "state",
                checked(
                    "state",
                    p.state.as_deref(),
                    &["open", "closed", "dismissed", "fixed"],
                )?,
            )
            .opt(
                "severity",
                checked(
                    "severity",
                    p.severity.as_deref(),
                    &[
                        "critical", "high", "medium", "low", "error", "warning", "note",
                    ],
                )?,
            )
            .opt("tool_name", p.tool_name.as_deref())
            .opt("ref", p.git_ref.as_deref());
        Feature::CodeScanning
            .list(
                &self.api,
                "list_code_scanning_alerts",
                &p.repo,
                query,
                &p.page,
                code_item,
            )
            .await
    }

    #[tool(
        description = "One code-scanning alert: rule and its help, file:line, message, the refs it is found on, dismissal. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"alert_number\": 3}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_code_scanning_alert(
        &self,
        Parameters(p): Parameters<GetAlertParams>,
    ) -> Result<String, ToolError> {
        let feature = Feature::CodeScanning;
        let (v, path) = feature.get(&self.api, &p, "").await?;
        let (instances, note) = feature
            .lines(
                &self.api,
                &format!("{path}/instances"),
                "refs",
                INSTANCES,
                instance_line,
            )
            .await?;
        Ok(code_alert(&v, &instances, note))
    }

    #[tool(
        description = "List a repository's Dependabot alerts (vulnerable dependencies), newest first: package, severity, advisory, patched version. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"state\": \"open\", \"severity\": \"high,critical\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_dependabot_alerts(
        &self,
        Parameters(p): Parameters<ListDependabotParams>,
    ) -> Result<String, ToolError> {
        let query = Query::list()
            .opt(
                "state",
                checked(
                    "state",
                    p.state.as_deref(),
                    &["open", "fixed", "dismissed", "auto_dismissed"],
                )?,
            )
            .opt(
                "severity",
                checked(
                    "severity",
                    p.severity.as_deref(),
                    &["low", "medium", "high", "critical"],
                )?,
            )
            .opt(
                "ecosystem",
                checked(
                    "ecosystem",
                    p.ecosystem.as_deref(),
                    &[
                        "npm", "pip", "rust", "go", "maven", "nuget", "composer", "rubygems",
                        "pub", "actions", "swift", "erlang",
                    ],
                )?,
            )
            .opt("package", p.package.as_deref())
            .opt(
                "scope",
                checked("scope", p.scope.as_deref(), &["runtime", "development"])?,
            );
        Feature::Dependabot
            .list(
                &self.api,
                "list_dependabot_alerts",
                &p.repo,
                query,
                &p.page,
                dependabot_item,
            )
            .await
    }

    #[tool(
        description = "One Dependabot alert: package, manifest, vulnerable and patched versions, advisory (description, CVSS, EPSS, CWEs, references), dismissal. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"alert_number\": 2}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_dependabot_alert(
        &self,
        Parameters(p): Parameters<GetAlertParams>,
    ) -> Result<String, ToolError> {
        let (v, _) = Feature::Dependabot.get(&self.api, &p, "").await?;
        Ok(dependabot_alert(&v))
    }

    #[tool(
        description = "List a repository's secret-scanning alerts (leaked credentials), newest first: type, validity, where found. The secret itself is never shown. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"state\": \"open\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_secret_scanning_alerts(
        &self,
        Parameters(p): Parameters<ListSecretScanningParams>,
    ) -> Result<String, ToolError> {
        let query = Query::list()
            .set("hide_secret", "true")
            .opt(
                "state",
                checked("state", p.state.as_deref(), &["open", "resolved"])?,
            )
            .opt("secret_type", p.secret_type.as_deref())
            .opt(
                "validity",
                checked(
                    "validity",
                    p.validity.as_deref(),
                    &["active", "inactive", "unknown"],
                )?,
            );
        Feature::SecretScanning
            .list(
                &self.api,
                "list_secret_scanning_alerts",
                &p.repo,
                query,
                &p.page,
                secret_item,
            )
            .await
    }

    #[tool(
        description = "One secret-scanning alert: type, validity, resolution, and where the secret was found (commits, issues, pull requests). The secret itself is never shown. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"alert_number\": 1}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_secret_scanning_alert(
        &self,
        Parameters(p): Parameters<GetAlertParams>,
    ) -> Result<String, ToolError> {
        let feature = Feature::SecretScanning;
        let (v, path) = feature.get(&self.api, &p, "?hide_secret=true").await?;
        let (locations, note) = feature
            .lines(
                &self.api,
                &format!("{path}/locations"),
                "locations",
                LOCATIONS,
                |l| secret_place(s(l, "type"), l.get("details").unwrap_or(&Value::Null)),
            )
            .await?;
        let mut out = secret_common(&v)
            .list("locations", &locations)
            .put("locations_note", note);
        if let Some(c) = closure(
            &v,
            "resolved_by",
            "resolution",
            "resolution_comment",
            "resolved_at",
        ) {
            out = out.obj("resolved", c);
        }
        let shaped = out
            .put("created_at", s(&v, "created_at"))
            .put("updated_at", s(&v, "updated_at"))
            .put("url", s(&v, "html_url"))
            .finish();
        Ok(without_secret(&v, shaped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_secret_github_sends_anyway_is_hidden_everywhere() {
        let raw = json!({
            "number": 7,
            "state": "resolved",
            "secret_type": "slack_api_token",
            "secret": "xoxb-123-abc",
            "resolution": "revoked",
            "resolution_comment": "rotated xoxb-123-abc today",
            "first_location_detected": {"path": "a.env", "start_line": 2, "commit_sha": "0123456789"},
        });
        let item = secret_item(&raw);
        assert!(!item.contains("xoxb-123-abc"), "{item}");
        assert!(item.contains("a.env:2 (commit 0123456)"), "{item}");
        let comment = without_secret(&raw, "said rotated xoxb-123-abc today".into());
        assert_eq!(comment, "said rotated [secret hidden] today");
        let hidden = json!({"secret": ""});
        assert_eq!(without_secret(&hidden, "x".into()), "x");
        let quoted = json!({"secret": "a\"b\\c-123"});
        let shaped = Obj::new().put("note", "was a\"b\\c-123").finish();
        assert_eq!(
            without_secret(&quoted, shaped),
            r#"{"note":"was [secret hidden]"}"#
        );
    }

    #[test]
    fn filters_are_checked_and_normalised() {
        let states = ["open", "fixed"];
        assert_eq!(
            checked("state", Some(" Open, fixed "), &states)
                .unwrap()
                .as_deref(),
            Some("open,fixed")
        );
        assert_eq!(checked("state", Some(" "), &states).unwrap(), None);
        let e = checked("state", Some("open,closed"), &states)
            .unwrap_err()
            .0;
        assert!(e.contains("`closed`") && e.contains("open, fixed"), "{e}");
    }

    #[test]
    fn forbidden_and_not_found_name_what_to_check() {
        let e = Feature::Dependabot.explain(ToolError::new("x: access forbidden (403): off"));
        assert!(e.0.contains("Dependabot alerts: read"), "{}", e.0);
        let other = Feature::SecretScanning.explain(ToolError::new("timed out"));
        assert_eq!(other.0, "timed out");
    }
}

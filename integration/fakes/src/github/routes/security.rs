//! Security alerts, as GitHub documents them for a repository:
//!
//! - code scanning: `GET …/code-scanning/alerts` (filters `state` open, closed,
//!   dismissed, fixed; `severity`; `tool_name`; `ref`; `sort`, `direction`;
//!   page-number pages) and `…/alerts/{number}` (with the rule's full description
//!   and help), `…/alerts/{number}/instances` (one per ref it is found on). No
//!   analysis is 404 `no analysis found`; a private repository without Advanced
//!   Security is 403.
//! - Dependabot: `GET …/dependabot/alerts` (comma-separated `state`, `severity`,
//!   `ecosystem`, `package`, `manifest`; `scope`; `sort`, `direction`; pages by
//!   cursor, `after`/`before`) and `…/alerts/{number}`. Off is 403.
//! - secret scanning: `GET …/secret-scanning/alerts` (`state` open or resolved;
//!   comma-separated `secret_type`, `resolution`, `validity`; `hide_secret`;
//!   page-number pages), `…/alerts/{number}` (also `hide_secret`) and
//!   `…/alerts/{number}/locations`. Off is 404.
//!
//! A value outside a filter's documented set is 422; an unknown alert is 404.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::alerts::{
    CodeAlert, DEPENDABOT_OFF, DependabotAlert, Feature, NO_ANALYSIS, RepoSecurity,
    SECRET_SCANNING_OFF, SecretAlert, SecretLocation,
};
use crate::github::model::{Repo, positive_number};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply;
use crate::github::shapes::{View, iso_opt};
use crate::github::time::iso;

const CODE_DOCS: &str = "https://docs.github.com/rest/code-scanning/code-scanning";
const DEPENDABOT_DOCS: &str = "https://docs.github.com/rest/dependabot/alerts";
const SECRET_DOCS: &str = "https://docs.github.com/rest/secret-scanning/secret-scanning";

type RepoPath = Path<(String, String)>;
type AlertPath = Path<(String, String, String)>;

/// Which feature a request is for.
#[derive(Clone, Copy)]
enum Kind {
    Code,
    Dependabot,
    Secret,
}

/// Answers with one feature of the repository `owner/name`: 404 for a repository
/// the viewer cannot see, the feature's refusal when it is off, else `answer`.
fn with_feature(
    state: &GithubState,
    owner: &str,
    name: &str,
    kind: Kind,
    answer: impl FnOnce(&View, &Repo, &RepoSecurity) -> Response,
) -> Response {
    let base = state.base_url();
    let data = state.data();
    let Some(repo) = data.repo(owner, name) else {
        return reply::not_found();
    };
    let view = View::new(&data, &base);
    let off = RepoSecurity {
        repo: repo.full_name(),
        code_scanning: Err(NO_ANALYSIS),
        dependabot: Err(DEPENDABOT_OFF),
        secret_scanning: Err(SECRET_SCANNING_OFF),
    };
    let security = data
        .security
        .iter()
        .find(|s| s.repo.eq_ignore_ascii_case(&repo.full_name()))
        .unwrap_or(&off);
    let (refusal, docs) = match kind {
        Kind::Code => (security.code_scanning.as_ref().err(), CODE_DOCS),
        Kind::Dependabot => (security.dependabot.as_ref().err(), DEPENDABOT_DOCS),
        Kind::Secret => (security.secret_scanning.as_ref().err(), SECRET_DOCS),
    };
    match refusal {
        Some((status, message)) => reply::error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::FORBIDDEN),
            message,
            docs,
        ),
        None => answer(&view, repo, security),
    }
}

fn alerts<T>(feature: &Feature<T>) -> &[T] {
    feature.as_deref().unwrap_or_default()
}

/// A filter value outside its documented set: what the 422 says, and where it
/// points.
struct Invalid {
    message: String,
    docs: &'static str,
}

impl Invalid {
    fn reply(self) -> Response {
        reply::validation(self.docs, vec![json!(self.message)])
    }
}

/// A comma-separated filter: `None` when absent, its values when each is one
/// of `allowed` (any value when `allowed` is empty), else [`Invalid`].
fn filter(
    req: &Req,
    key: &str,
    allowed: &[&str],
    docs: &'static str,
) -> Result<Option<Vec<String>>, Invalid> {
    let Some(raw) = req.get(key) else {
        return Ok(None);
    };
    let values: Vec<String> = raw
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    match values
        .iter()
        .find(|v| !allowed.is_empty() && !allowed.contains(&v.as_str()))
    {
        Some(bad) => Err(Invalid {
            message: format!(
                "{bad} is not a valid {key}; valid values: {}",
                allowed.join(", ")
            ),
            docs,
        }),
        None => Ok(Some(values)),
    }
}

fn matches(filter: &Option<Vec<String>>, value: &str) -> bool {
    filter
        .as_ref()
        .is_none_or(|f| f.iter().any(|v| v.eq_ignore_ascii_case(value)))
}

/// What every kind of alert has: a number (per repository and feature) and the
/// times it sorts by.
trait Alert {
    fn number(&self) -> u64;
    fn created_at(&self) -> i64;
    fn updated_at(&self) -> i64;
    /// Sorts beyond `created` and `updated` this kind takes, e.g. Dependabot's
    /// `epss_percentage`.
    const MORE_SORTS: &'static [&'static str] = &[];
    /// The value of one of [`Self::MORE_SORTS`].
    fn more_sort_key(&self, _sort: &str) -> f64 {
        0.0
    }
}

impl Alert for CodeAlert {
    fn number(&self) -> u64 {
        self.number
    }
    fn created_at(&self) -> i64 {
        self.created_at
    }
    fn updated_at(&self) -> i64 {
        self.updated_at
    }
}

impl Alert for DependabotAlert {
    fn number(&self) -> u64 {
        self.number
    }
    fn created_at(&self) -> i64 {
        self.created_at
    }
    fn updated_at(&self) -> i64 {
        self.updated_at
    }
    const MORE_SORTS: &'static [&'static str] = &["epss_percentage"];
    fn more_sort_key(&self, _sort: &str) -> f64 {
        self.epss_percentage
    }
}

impl Alert for SecretAlert {
    fn number(&self) -> u64 {
        self.number
    }
    fn created_at(&self) -> i64 {
        self.created_at
    }
    fn updated_at(&self) -> i64 {
        self.updated_at
    }
}

/// Orders by `sort` (created, updated, or one of the kind's
/// [`Alert::MORE_SORTS`]) and `direction` (default descending).
fn order<T: Alert>(req: &Req, items: &mut [&T], docs: &'static str) -> Result<(), Invalid> {
    let mut sorts = vec!["created", "updated"];
    sorts.extend_from_slice(T::MORE_SORTS);
    let sort = filter(req, "sort", &sorts, docs)?
        .and_then(|s| s.into_iter().next())
        .unwrap_or_else(|| "created".into());
    let ascending = filter(req, "direction", &["asc", "desc"], docs)?
        .is_some_and(|d| d.first().is_some_and(|d| d == "asc"));
    let key = |a: &T| match sort.as_str() {
        "created" => a.created_at() as f64,
        "updated" => a.updated_at() as f64,
        other => a.more_sort_key(other),
    };
    items.sort_by(|a, b| key(a).total_cmp(&key(b)));
    if !ascending {
        items.reverse();
    }
    Ok(())
}

/// The alert whose number the path segment `text` gives.
fn by_number<'a, T: Alert>(feature: &'a Feature<T>, text: &str) -> Option<&'a T> {
    let wanted = positive_number(text)?;
    alerts(feature).iter().find(|a| a.number() == wanted)
}

fn head_sha(repo: &Repo) -> String {
    repo.default().history.first().cloned().unwrap_or_default()
}

impl View<'_> {
    fn html(&self, repo: &Repo, tail: &str) -> String {
        format!("https://github.com/{}/security/{tail}", repo.full_name())
    }

    fn code_alert(&self, repo: &Repo, a: &CodeAlert, full: bool) -> Value {
        let url = format!("{}/code-scanning/alerts/{}", self.repo_url(repo), a.number);
        let mut rule = json!({
            "id": a.rule_id,
            "severity": a.severity,
            "security_severity_level": a.security_severity,
            "description": a.description,
            "name": a.rule_id,
            "tags": a.tags,
        });
        if full {
            rule["full_description"] = json!(a.full_description);
            rule["help"] = json!(a.help);
            rule["help_uri"] = json!(format!("https://codeql.github.com/rules/{}", a.rule_id));
        }
        let dismissed = a.dismissed.as_ref();
        json!({
            "number": a.number,
            "created_at": iso(a.created_at),
            "updated_at": iso(a.updated_at),
            "url": url,
            "html_url": self.html(repo, &format!("code-scanning/{}", a.number)),
            "instances_url": format!("{url}/instances"),
            "state": a.state,
            "fixed_at": iso_opt(a.fixed_at),
            "dismissed_by": self.user_opt(dismissed.map(|d| d.by.as_str())),
            "dismissed_at": iso_opt(dismissed.map(|d| d.at)),
            "dismissed_reason": dismissed.map(|d| d.reason.clone()),
            "dismissed_comment": dismissed.and_then(|d| d.comment.clone()),
            "rule": rule,
            "tool": {"name": a.tool, "guid": null, "version": "2.19.0"},
            "most_recent_instance": self.instance(repo, a, &a.reference),
        })
    }

    /// The alert as found on `reference` (GitHub's alert instance).
    fn instance(&self, repo: &Repo, a: &CodeAlert, reference: &str) -> Value {
        json!({
            "ref": reference,
            "analysis_key": ".github/workflows/codeql.yml:analyze",
            "environment": "{}",
            "category": ".github/workflows/codeql.yml:analyze",
            "state": a.state,
            "commit_sha": head_sha(repo),
            "message": {"text": a.message},
            "location": {
                "path": a.path,
                "start_line": a.start_line,
                "end_line": a.end_line,
                "start_column": 5,
                "end_column": 40,
            },
            "classifications": [],
        })
    }

    fn dependabot_alert(&self, repo: &Repo, a: &DependabotAlert) -> Value {
        let package = json!({"ecosystem": a.ecosystem, "name": a.package});
        let vulnerability = json!({
            "package": package,
            "severity": a.severity,
            "vulnerable_version_range": a.vulnerable_range,
            "first_patched_version": a.patched.as_ref().map(|p| json!({"identifier": p})),
        });
        let mut identifiers = vec![json!({"type": "GHSA", "value": a.ghsa_id})];
        if let Some(cve) = &a.cve_id {
            identifiers.push(json!({"type": "CVE", "value": cve}));
        }
        let dismissed = a.dismissed.as_ref();
        json!({
            "number": a.number,
            "state": a.state,
            "dependency": {
                "package": package,
                "manifest_path": a.manifest,
                "scope": a.scope,
                "relationship": a.relationship,
            },
            "security_advisory": {
                "ghsa_id": a.ghsa_id,
                "cve_id": a.cve_id,
                "summary": a.summary,
                "description": a.description,
                "vulnerabilities": [vulnerability],
                "severity": a.severity,
                "cvss": {"vector_string": a.cvss_vector, "score": a.cvss_score},
                "cvss_severities": {
                    "cvss_v3": {"vector_string": a.cvss_vector, "score": a.cvss_score},
                    "cvss_v4": {"vector_string": null, "score": 0.0},
                },
                "epss": {"percentage": a.epss_percentage, "percentile": 0.61},
                "cwes": a.cwes.iter().map(|(id, name)| json!({"cwe_id": id, "name": name})).collect::<Vec<_>>(),
                "identifiers": identifiers,
                "references": a.references.iter().map(|u| json!({"url": u})).collect::<Vec<_>>(),
                "published_at": iso(a.created_at),
                "updated_at": iso(a.updated_at),
                "withdrawn_at": null,
            },
            "security_vulnerability": vulnerability,
            "url": format!("{}/dependabot/alerts/{}", self.repo_url(repo), a.number),
            "html_url": self.html(repo, &format!("dependabot/{}", a.number)),
            "created_at": iso(a.created_at),
            "updated_at": iso(a.updated_at),
            "dismissed_at": iso_opt(dismissed.map(|d| d.at)),
            "dismissed_by": self.user_opt(dismissed.map(|d| d.by.as_str())),
            "dismissed_reason": dismissed.map(|d| d.reason.clone()),
            "dismissed_comment": dismissed.and_then(|d| d.comment.clone()),
            "fixed_at": iso_opt(a.fixed_at),
            "auto_dismissed_at": iso_opt(a.auto_dismissed_at),
        })
    }

    fn secret_alert(&self, repo: &Repo, a: &SecretAlert, hide_secret: bool) -> Value {
        let url = format!(
            "{}/secret-scanning/alerts/{}",
            self.repo_url(repo),
            a.number
        );
        let resolution = a.resolution.as_ref();
        let first = a
            .locations
            .first()
            .map(|l| self.location(repo, l)["details"].clone());
        let mut v = json!({
            "number": a.number,
            "created_at": iso(a.created_at),
            "updated_at": iso(a.updated_at),
            "url": url,
            "html_url": self.html(repo, &format!("secret-scanning/{}", a.number)),
            "locations_url": format!("{url}/locations"),
            "state": a.state,
            "resolution": resolution.map(|r| r.reason.clone()),
            "resolved_at": iso_opt(resolution.map(|r| r.at)),
            "resolved_by": self.user_opt(resolution.map(|r| r.by.as_str())),
            "resolution_comment": resolution.and_then(|r| r.comment.clone()),
            "secret_type": a.secret_type,
            "secret_type_display_name": a.display_name,
            "validity": a.validity,
            "publicly_leaked": a.publicly_leaked,
            "multi_repo": false,
            "is_base64_encoded": false,
            "push_protection_bypassed": a.push_protection_bypassed_by.is_some(),
            "push_protection_bypassed_by": self.user_opt(a.push_protection_bypassed_by.as_deref()),
            "push_protection_bypassed_at": iso_opt(a.push_protection_bypassed_by.as_ref().map(|_| a.created_at)),
            "first_location_detected": first,
            "has_more_locations": a.locations.len() > 1,
        });
        if !hide_secret {
            v["secret"] = json!(a.secret);
        }
        v
    }

    fn location(&self, repo: &Repo, l: &SecretLocation) -> Value {
        let api = self.repo_url(repo);
        match l {
            SecretLocation::Commit { path, line } => {
                let sha = head_sha(repo);
                json!({"type": "commit", "details": {
                    "path": path,
                    "start_line": line,
                    "end_line": line,
                    "start_column": 12,
                    "end_column": 52,
                    "blob_sha": crate::github::model::sha_of(path),
                    "blob_url": format!("{api}/git/blobs/{}", crate::github::model::sha_of(path)),
                    "commit_sha": sha,
                    "commit_url": format!("{api}/git/commits/{sha}"),
                }})
            }
            SecretLocation::IssueComment { id } => json!({"type": "issue_comment", "details": {
                "issue_comment_url": format!("{api}/issues/comments/{id}"),
            }}),
            SecretLocation::IssueBody { number } => json!({"type": "issue_body", "details": {
                "issue_body_url": format!("{api}/issues/{number}"),
            }}),
        }
    }
}

pub async fn code_alerts(
    State(state): State<GithubState>,
    Path((owner, name)): RepoPath,
    req: Req,
) -> Response {
    with_feature(&state, &owner, &name, Kind::Code, |view, repo, sec| {
        let states = ["open", "closed", "dismissed", "fixed"];
        let severities = [
            "critical", "high", "medium", "low", "warning", "note", "error",
        ];
        let run = || -> Result<Response, Invalid> {
            let state = filter(&req, "state", &states, CODE_DOCS)?;
            let severity = filter(&req, "severity", &severities, CODE_DOCS)?;
            let tool = filter(&req, "tool_name", &[], CODE_DOCS)?;
            let reference = req.get("ref").map(full_ref);
            let mut items: Vec<&CodeAlert> = alerts(&sec.code_scanning)
                .iter()
                .filter(|a| {
                    let closed = if a.state == "open" { "open" } else { "closed" };
                    (matches(&state, &a.state) || matches(&state, closed))
                        && (matches(&severity, &a.severity)
                            || a.security_severity
                                .as_deref()
                                .is_some_and(|s| matches(&severity, s)))
                        && matches(&tool, &a.tool)
                        && reference
                            .as_ref()
                            .is_none_or(|r| a.refs().any(|on| on == r))
                })
                .collect();
            order(&req, &mut items, CODE_DOCS)?;
            let shaped: Vec<Value> = items
                .iter()
                .map(|a| view.code_alert(repo, a, false))
                .collect();
            Ok(paging::list(&req, view.base, &shaped))
        };
        run().unwrap_or_else(Invalid::reply)
    })
}

pub async fn code_alert(
    State(state): State<GithubState>,
    Path((owner, name, n)): AlertPath,
) -> Response {
    with_feature(&state, &owner, &name, Kind::Code, |view, repo, sec| {
        by_number(&sec.code_scanning, &n).map_or_else(reply::not_found, |a| {
            reply::json(&view.code_alert(repo, a, true))
        })
    })
}

/// `GET …/code-scanning/alerts/{n}/instances`: where the alert is found, one
/// instance per ref (filter `ref`), paged by number.
pub async fn code_instances(
    State(state): State<GithubState>,
    Path((owner, name, n)): AlertPath,
    req: Req,
) -> Response {
    with_feature(&state, &owner, &name, Kind::Code, |view, repo, sec| {
        let Some(a) = by_number(&sec.code_scanning, &n) else {
            return reply::not_found();
        };
        let wanted = req.get("ref").map(full_ref);
        let items: Vec<Value> = a
            .refs()
            .filter(|r| wanted.as_deref().is_none_or(|w| w == *r))
            .map(|r| view.instance(repo, a, r))
            .collect();
        paging::list(&req, view.base, &items)
    })
}

/// A branch name as a full ref (`main` is `refs/heads/main`); full refs stay.
fn full_ref(r: &str) -> String {
    if r.starts_with("refs/") {
        r.to_string()
    } else {
        format!("refs/heads/{r}")
    }
}

impl CodeAlert {
    /// Every ref the alert is found on, its own first.
    fn refs(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.reference.as_str()).chain(self.also_on.iter().map(String::as_str))
    }
}

pub async fn dependabot_alerts(
    State(state): State<GithubState>,
    Path((owner, name)): RepoPath,
    req: Req,
) -> Response {
    with_feature(
        &state,
        &owner,
        &name,
        Kind::Dependabot,
        |view, repo, sec| {
            let ecosystems = [
                "composer", "go", "maven", "npm", "nuget", "pip", "pub", "rubygems", "rust",
            ];
            let run = || -> Result<Response, Invalid> {
                let docs = DEPENDABOT_DOCS;
                let state = filter(
                    &req,
                    "state",
                    &["auto_dismissed", "dismissed", "fixed", "open"],
                    docs,
                )?;
                let severity = filter(
                    &req,
                    "severity",
                    &["low", "medium", "high", "critical"],
                    docs,
                )?;
                let ecosystem = filter(&req, "ecosystem", &ecosystems, docs)?;
                let package = filter(&req, "package", &[], docs)?;
                let manifest = filter(&req, "manifest", &[], docs)?;
                let scope = filter(&req, "scope", &["development", "runtime"], docs)?;
                let mut items: Vec<&DependabotAlert> = alerts(&sec.dependabot)
                    .iter()
                    .filter(|a| {
                        matches(&state, &a.state)
                            && matches(&severity, &a.severity)
                            && matches(&ecosystem, &a.ecosystem)
                            && matches(&package, &a.package)
                            && matches(&manifest, &a.manifest)
                            && matches(&scope, &a.scope)
                    })
                    .collect();
                order(&req, &mut items, docs)?;
                let shaped: Vec<Value> = items
                    .iter()
                    .map(|a| view.dependabot_alert(repo, a))
                    .collect();
                Ok(paging::by_cursor(&req, view.base, &shaped))
            };
            run().unwrap_or_else(Invalid::reply)
        },
    )
}

pub async fn dependabot_alert(
    State(state): State<GithubState>,
    Path((owner, name, n)): AlertPath,
) -> Response {
    with_feature(
        &state,
        &owner,
        &name,
        Kind::Dependabot,
        |view, repo, sec| {
            by_number(&sec.dependabot, &n).map_or_else(reply::not_found, |a| {
                reply::json(&view.dependabot_alert(repo, a))
            })
        },
    )
}

pub async fn secret_alerts(
    State(state): State<GithubState>,
    Path((owner, name)): RepoPath,
    req: Req,
) -> Response {
    with_feature(&state, &owner, &name, Kind::Secret, |view, repo, sec| {
        let resolutions = [
            "false_positive",
            "wont_fix",
            "revoked",
            "pattern_edited",
            "pattern_deleted",
            "used_in_tests",
        ];
        let run = || -> Result<Response, Invalid> {
            let docs = SECRET_DOCS;
            let state = filter(&req, "state", &["open", "resolved"], docs)?;
            let kind = filter(&req, "secret_type", &[], docs)?;
            let resolution = filter(&req, "resolution", &resolutions, docs)?;
            let validity = filter(&req, "validity", &["active", "inactive", "unknown"], docs)?;
            let mut items: Vec<&SecretAlert> = alerts(&sec.secret_scanning)
                .iter()
                .filter(|a| {
                    matches(&state, &a.state)
                        && matches(&kind, &a.secret_type)
                        && (resolution.is_none()
                            || a.resolution
                                .as_ref()
                                .is_some_and(|r| matches(&resolution, &r.reason)))
                        && matches(&validity, &a.validity)
                })
                .collect();
            order(&req, &mut items, docs)?;
            let hide = req.flag("hide_secret");
            let shaped: Vec<Value> = items
                .iter()
                .map(|a| view.secret_alert(repo, a, hide))
                .collect();
            Ok(paging::list(&req, view.base, &shaped))
        };
        run().unwrap_or_else(Invalid::reply)
    })
}

pub async fn secret_alert(
    State(state): State<GithubState>,
    Path((owner, name, n)): AlertPath,
    req: Req,
) -> Response {
    with_feature(&state, &owner, &name, Kind::Secret, |view, repo, sec| {
        by_number(&sec.secret_scanning, &n).map_or_else(reply::not_found, |a| {
            reply::json(&view.secret_alert(repo, a, req.flag("hide_secret")))
        })
    })
}

pub async fn secret_locations(
    State(state): State<GithubState>,
    Path((owner, name, n)): AlertPath,
    req: Req,
) -> Response {
    with_feature(
        &state,
        &owner,
        &name,
        Kind::Secret,
        |view, repo, sec| match by_number(&sec.secret_scanning, &n) {
            Some(a) => {
                let items: Vec<Value> =
                    a.locations.iter().map(|l| view.location(repo, l)).collect();
                paging::list(&req, view.base, &items)
            }
            None => reply::not_found(),
        },
    )
}

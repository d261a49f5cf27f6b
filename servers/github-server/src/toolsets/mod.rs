//! The toolsets, one file each with every tool's definition beside its handler, and
//! the selection of what a session serves (`--toolsets`, `--tools`, `--allow-write`).
//!
//! Each toolset has a router of reading tools and, where it has any, a router of
//! writing tools. Only selected tools are routed: the rest are neither listed nor
//! callable, and write tools exist only with `--allow-write`.

pub mod actions;
pub mod actions_control;
pub mod compare;
pub mod context;
pub mod discussions;
pub mod gists;
pub mod issues;
pub mod labels;
pub mod notifications;
pub mod pull_requests;
pub mod releases;
pub mod repos;
pub mod review_threads;
pub mod search;
pub mod security;
pub mod sub_issues;

use std::collections::BTreeSet;

use rmcp::handler::server::router::tool::ToolRouter;

use crate::server::GithubServer;

type Router = ToolRouter<GithubServer>;

/// One toolset: its name, what it covers, and its routers.
pub struct Toolset {
    /// Its name, as `--toolsets` takes it.
    pub name: &'static str,
    /// What it covers, for help texts.
    pub about: &'static str,
    read: fn() -> Router,
    write: Option<fn() -> Router>,
}

/// Every toolset, in the order they are documented.
pub const TOOLSETS: &[Toolset] = &[
    Toolset {
        name: "context",
        about: "the authenticated user",
        read: GithubServer::context_read,
        write: None,
    },
    Toolset {
        name: "repos",
        about: "repositories, files, branches, commits, comparisons, tags, releases, trees",
        read: GithubServer::repos_read_all,
        write: None,
    },
    Toolset {
        name: "issues",
        about: "issues and their comments, sub-issues, issue search",
        read: GithubServer::issues_read_all,
        write: Some(GithubServer::issues_write_all),
    },
    Toolset {
        name: "pull_requests",
        about: "pull requests, diffs, files, reviews, review threads, CI status",
        read: GithubServer::pull_requests_read_all,
        write: Some(GithubServer::pull_requests_write_all),
    },
    Toolset {
        name: "actions",
        about: "GitHub Actions workflows, runs, jobs and logs; writes: dispatch, re-run, cancel",
        read: GithubServer::actions_read_all,
        write: Some(GithubServer::actions_write),
    },
    Toolset {
        name: "search",
        about: "search repositories, code and users",
        read: GithubServer::search_read,
        write: None,
    },
    Toolset {
        name: "notifications",
        about: "your notifications",
        read: GithubServer::notifications_read,
        write: Some(GithubServer::notifications_write),
    },
    Toolset {
        name: "discussions",
        about: "GitHub Discussions and their comments (GraphQL)",
        read: GithubServer::discussions_read,
        write: None,
    },
    Toolset {
        name: "releases",
        about: "one release with its notes; writes: create and update releases",
        read: GithubServer::releases_read,
        write: Some(GithubServer::releases_write),
    },
    Toolset {
        name: "labels",
        about: "labels and milestones; writes: add and remove an issue's labels",
        read: GithubServer::labels_read,
        write: Some(GithubServer::labels_write),
    },
    Toolset {
        name: "gists",
        about: "your gists and their files; writes: create a gist (secret by default)",
        read: GithubServer::gists_read,
        write: Some(GithubServer::gists_write),
    },
    Toolset {
        name: "security",
        about: "code-scanning, Dependabot and secret-scanning alerts (read-only; secrets never shown)",
        read: GithubServer::security_read,
        write: None,
    },
];

/// The toolsets served when neither --toolsets nor --tools is given.
pub const DEFAULT_TOOLSETS: &[&str] = &["context", "repos", "issues", "pull_requests"];

impl Toolset {
    /// The names of this toolset's reading tools, sorted.
    pub fn read_tools(&self) -> Vec<String> {
        names((self.read)())
    }

    /// The names of this toolset's writing tools, sorted.
    pub fn write_tools(&self) -> Vec<String> {
        self.write.map(|w| names(w())).unwrap_or_default()
    }
}

fn names(router: Router) -> Vec<String> {
    router
        .list_all()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

/// What one server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The toolsets selected whole.
    pub toolsets: Vec<&'static str>,
    /// Every tool served, sorted.
    pub tools: BTreeSet<String>,
    /// Whether write tools may be served (`--allow-write`).
    pub allow_write: bool,
}

impl Selection {
    /// Resolves the flags; unknown names (and write tools named without
    /// `allow_write`) are errors that list the valid choices.
    pub fn resolve(
        toolsets: &[String],
        tools: &[String],
        allow_write: bool,
    ) -> Result<Self, String> {
        let clean = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let mut wanted_sets = clean(toolsets);
        let wanted_tools = clean(tools);
        if wanted_sets.is_empty() && wanted_tools.is_empty() {
            wanted_sets.push("default".into());
        }
        let mut chosen: Vec<&'static str> = Vec::new();
        for name in &wanted_sets {
            let expanded: Vec<&'static str> = match name.as_str() {
                "all" => TOOLSETS.iter().map(|t| t.name).collect(),
                "default" => DEFAULT_TOOLSETS.to_vec(),
                other => match TOOLSETS.iter().find(|t| t.name == other) {
                    Some(t) => vec![t.name],
                    None => {
                        let valid: Vec<&str> = TOOLSETS.iter().map(|t| t.name).collect();
                        return Err(format!(
                            "unknown toolset `{other}` in --toolsets; valid toolsets: {}, or `default` ({}) or `all`",
                            valid.join(", "),
                            DEFAULT_TOOLSETS.join(",")
                        ));
                    }
                },
            };
            for set in expanded {
                if !chosen.contains(&set) {
                    chosen.push(set);
                }
            }
        }
        chosen.sort_by_key(|name| TOOLSETS.iter().position(|t| t.name == *name));
        let mut selected = BTreeSet::new();
        for set in TOOLSETS.iter().filter(|t| chosen.contains(&t.name)) {
            selected.extend(set.read_tools());
            if allow_write {
                selected.extend(set.write_tools());
            }
        }
        let reads: BTreeSet<String> = TOOLSETS.iter().flat_map(Toolset::read_tools).collect();
        let writes: BTreeSet<String> = TOOLSETS.iter().flat_map(Toolset::write_tools).collect();
        for tool in wanted_tools {
            if reads.contains(&tool) || (allow_write && writes.contains(&tool)) {
                selected.insert(tool);
            } else if writes.contains(&tool) {
                return Err(format!(
                    "`{tool}` in --tools changes data on GitHub: add --allow-write (GITHUB_ALLOW_WRITE=true) to enable it, or leave it out"
                ));
            } else {
                return Err(format!(
                    "unknown tool `{tool}` in --tools; valid tools: {} (write tools, with --allow-write: {})",
                    reads.iter().cloned().collect::<Vec<_>>().join(", "),
                    writes.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        Ok(Self {
            toolsets: chosen,
            tools: selected,
            allow_write,
        })
    }

    /// The router serving exactly the selected tools.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for set in TOOLSETS {
            router.merge((set.read)());
            if self.allow_write
                && let Some(write) = set.write
            {
                router.merge(write());
            }
        }
        router
            .map
            .retain(|name, _| self.tools.contains(name.as_ref()));
        shared::schema::finish(&mut router);
        router
    }

    /// A one-line description for logs and `doctor`.
    pub fn describe(&self) -> String {
        format!(
            "{} tool(s){}{}",
            self.tools.len(),
            if self.toolsets.is_empty() {
                String::new()
            } else {
                format!(" from toolsets {}", self.toolsets.join(","))
            },
            if self.allow_write {
                ", writes enabled"
            } else {
                ", read-only"
            }
        )
    }
}

impl GithubServer {
    /// A server routing the tools of `selection`, calling GitHub through `api`. It
    /// lives here, beside the toolsets it assembles, so `server.rs` (the MCP glue)
    /// does not import the toolsets that implement tools on it.
    pub fn new(api: crate::api::Api, selection: &Selection) -> Self {
        Self {
            api,
            tool_router: std::sync::Arc::new(selection.router()),
            allow_write: selection.allow_write,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(sets: &[&str], tools: &[&str], write: bool) -> Result<Selection, String> {
        let s = |l: &[&str]| l.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Selection::resolve(&s(sets), &s(tools), write)
    }

    #[test]
    fn tool_names_are_unique_across_toolsets() {
        let mut seen = BTreeSet::new();
        for set in TOOLSETS {
            for tool in set.read_tools().into_iter().chain(set.write_tools()) {
                assert!(seen.insert(tool.clone()), "{tool} is defined twice");
            }
        }
        assert_eq!(seen.len(), 63);
    }

    #[test]
    fn default_is_the_four_toolsets_read_only() {
        let s = sel(&[], &[], false).unwrap();
        assert_eq!(s.toolsets, DEFAULT_TOOLSETS);
        assert!(s.tools.contains("get_me") && s.tools.contains("get_pull_request_diff"));
        assert!(!s.tools.contains("create_issue"));
        assert!(!s.tools.contains("list_workflow_runs"));
        let w = sel(&["default"], &[], true).unwrap();
        assert!(w.tools.contains("create_issue") && w.tools.contains("merge_pull_request"));
        assert!(!w.tools.contains("mark_notification_read"));
    }

    #[test]
    fn tools_alone_select_only_themselves_and_union_with_toolsets() {
        let s = sel(&[], &["get_job_logs", " Get_Me "], false).unwrap();
        assert_eq!(
            s.tools.iter().collect::<Vec<_>>(),
            ["get_job_logs", "get_me"]
        );
        assert!(s.toolsets.is_empty());
        let u = sel(&["actions"], &["get_me"], false).unwrap();
        assert!(u.tools.contains("get_me") && u.tools.contains("get_workflow_run"));
        assert_eq!(u.tools.len(), 5);
        let all = sel(&["all"], &[], false).unwrap();
        assert_eq!(all.toolsets.len(), TOOLSETS.len());
    }

    #[test]
    fn unknown_names_and_unallowed_writes_are_errors_listing_choices() {
        let e = sel(&["repos", "gist"], &[], false).unwrap_err();
        assert!(e.contains("unknown toolset `gist`"), "{e}");
        assert!(e.contains("pull_requests") && e.contains("all"), "{e}");
        let e = sel(&[], &["get_everything"], false).unwrap_err();
        assert!(e.contains("unknown tool `get_everything`"), "{e}");
        assert!(
            e.contains("list_issues") && e.contains("create_issue"),
            "{e}"
        );
        let e = sel(&[], &["create_issue"], false).unwrap_err();
        assert!(e.contains("--allow-write"), "{e}");
        assert!(
            sel(&[], &["create_issue"], true)
                .unwrap()
                .tools
                .contains("create_issue")
        );
    }

    #[test]
    fn shared_parameters_stay_flat_in_schemas_and_calls() {
        let s = sel(&["all"], &[], true).unwrap();
        for tool in s.router().list_all() {
            let schema = serde_json::Value::Object((*tool.input_schema).clone());
            let text = schema.to_string();
            for nested in ["allOf", "RepoRef", "ListArgs"] {
                assert!(!text.contains(nested), "{}: {nested} in {text}", tool.name);
            }
            let props = &schema["properties"];
            if props.get("cursor").is_some() && props.get("limit").is_some() {
                assert_eq!(
                    props["limit"]["description"], "Most items (default 30, max 1000).",
                    "{}",
                    tool.name
                );
            }
            if props.get("owner").is_some() {
                assert_eq!(
                    props["owner"],
                    serde_json::json!({"type": "string", "description": "Owner (user or org)."})
                );
                assert_eq!(
                    props["repo"],
                    serde_json::json!({"type": "string", "description": "Repository name."})
                );
                let required = schema["required"].as_array().unwrap();
                assert!(required.contains(&"owner".into()) && required.contains(&"repo".into()));
            }
        }
        let p: issues::ListIssuesParams = serde_json::from_value(serde_json::json!({
            "owner": "o", "repo": "r", "labels": ["bug", "ui"], "limit": 5, "cursor": "c"
        }))
        .unwrap();
        assert_eq!(p.repo.path().unwrap(), "/repos/o/r");
        assert_eq!(
            (p.page.limit, p.page.cursor.as_deref()),
            (Some(5), Some("c"))
        );
        assert_eq!(p.labels.as_deref(), Some("bug,ui"));
        let missing = serde_json::from_value::<issues::ListIssuesParams>(serde_json::json!({
            "owner": "o"
        }));
        assert!(missing.unwrap_err().to_string().contains("repo"));
    }

    #[test]
    fn router_serves_exactly_the_selection() {
        let s = sel(&["issues"], &["get_me"], false).unwrap();
        let listed: BTreeSet<String> = s
            .router()
            .list_all()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        assert_eq!(listed, s.tools);
    }
}

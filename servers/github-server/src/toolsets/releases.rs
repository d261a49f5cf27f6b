//! Toolset `releases`: one release by tag or id with its whole notes; with
//! `--allow-write` also create and update releases (notes, draft, prerelease).
//! Listing releases and the latest one are `list_releases` in `repos`.
//!
//! Creating a release is not idempotent and is sent once (a timed-out create is
//! reported as "outcome unknown"); updating one is, and may be retried.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::ToolError;
use shared::upstream::Method;

use crate::api::{RepoRef, seg};
use crate::server::GithubServer;
use crate::toolsets::issues::fields;
use crate::toolsets::repos::release;

/// Input of `get_release`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetReleaseParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// The release's tag, e.g. "v1.2.0" (published releases only).
    pub tag: Option<String>,
    /// The release's id (from list_releases), also for drafts.
    pub release_id: Option<u64>,
}

/// Input of `create_release`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateReleaseParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// The tag to release; created at `target` when it does not exist.
    pub tag: String,
    /// Branch or commit sha the new tag points at (default: the default branch).
    pub target: Option<String>,
    /// Release title (default: the tag).
    pub name: Option<String>,
    /// Release notes (Markdown).
    pub notes: Option<String>,
    /// Save as a draft, unpublished (default false).
    pub draft: Option<bool>,
    /// Mark as a pre-release (default false).
    pub prerelease: Option<bool>,
}

/// Input of `update_release`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateReleaseParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// The release's id (from list_releases or get_release).
    pub release_id: u64,
    /// New tag name.
    pub tag: Option<String>,
    /// New title.
    pub name: Option<String>,
    /// Replaces the whole notes.
    pub notes: Option<String>,
    /// false publishes a draft; true turns it back into a draft.
    pub draft: Option<bool>,
    /// Mark or unmark as a pre-release.
    pub prerelease: Option<bool>,
}

#[tool_router(router = releases_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "One release with its whole notes, by tag or by id (drafts only by id). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"tag\": \"v1.2.0\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_release(
        &self,
        Parameters(p): Parameters<GetReleaseParams>,
    ) -> Result<String, ToolError> {
        let base = p.repo.path()?;
        let path = match (p.tag.as_deref().map(str::trim), p.release_id) {
            (Some(tag), None) if !tag.is_empty() => format!("{base}/releases/tags/{}", seg(tag)),
            (None, Some(id)) => format!("{base}/releases/{id}"),
            _ => {
                return Err(ToolError::new(
                    "give either tag (e.g. \"v1.2.0\") or release_id (from list_releases), not both",
                ));
            }
        };
        let v = self.api.get(&path).await?;
        Ok(release(&v, self.api.max_output / 2))
    }
}

#[tool_router(router = releases_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Create a release (and its tag, at target, when the tag does not exist). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"tag\": \"v1.3.0\", \"notes\": \"- Faster search\", \"draft\": true}. Returns its id and URL. If it times out, get_release with the tag before retrying: it may exist.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_release(
        &self,
        Parameters(p): Parameters<CreateReleaseParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/releases", p.repo.path()?);
        if p.tag.trim().is_empty() {
            return Err(ToolError::new("tag must not be empty, e.g. \"v1.3.0\""));
        }
        let body = fields(vec![
            ("tag_name", Some(json!(p.tag.trim()))),
            ("target_commitish", p.target.map(Value::from)),
            ("name", p.name.map(Value::from)),
            ("body", p.notes.map(Value::from)),
            ("draft", p.draft.map(Value::from)),
            ("prerelease", p.prerelease.map(Value::from)),
        ]);
        let v = self
            .api
            .write_json(Method::POST, &path, body, false)
            .await?;
        Ok(release(&v, 400))
    }

    #[tool(
        description = "Update a release; only the given fields change (draft=false publishes a draft). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"release_id\": 123, \"notes\": \"- Faster search\\n- Fix crash\", \"prerelease\": false}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn update_release(
        &self,
        Parameters(p): Parameters<UpdateReleaseParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/releases/{}", p.repo.path()?, p.release_id);
        let body = fields(vec![
            ("tag_name", p.tag.map(Value::from)),
            ("name", p.name.map(Value::from)),
            ("body", p.notes.map(Value::from)),
            ("draft", p.draft.map(Value::from)),
            ("prerelease", p.prerelease.map(Value::from)),
        ]);
        if body.as_object().is_some_and(Map::is_empty) {
            return Err(ToolError::new(
                "nothing to change: give at least one of tag, name, notes, draft, prerelease",
            ));
        }
        let v = self
            .api
            .write_json(Method::PATCH, &path, body, true)
            .await?;
        Ok(release(&v, 400))
    }
}

//! The MCP tools that change files, routed only when the user opted in
//! (`--allow-write`; `delete_path` also needs `--allow-delete`).
//!
//! Each tool runs its work from [`crate::write`] or [`crate::edit`] on a blocking
//! thread and returns a text saying exactly what changed. Annotations follow what a
//! call can do at worst: a tool that may replace or remove existing data is
//! destructive; one whose repetition with the same arguments changes nothing more
//! is idempotent.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use shared::ToolError;

use crate::edit::EditFileParams;
use crate::server::FsServer;
use crate::write::{
    AppendFileParams, CopyPathParams, CreateDirectoryParams, DeletePathParams, MovePathParams,
    WriteFileParams,
};

#[tool_router(router = write_tools, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "Create a file or replace its whole content, atomically (a crash leaves the old or the new file); keeps its permissions; never replaces a directory. Example: {\"path\": \"notes/todo.md\", \"content\": \"# TODO\\n- tests\\n\", \"create_parents\": true}. To change part of a file use edit_file.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn write_file(
        &self,
        Parameters(p): Parameters<WriteFileParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| crate::write::write_file(sb, &p))
            .await
    }

    #[tool(
        description = "Edit a text file by replacing exact text; edits apply in order, all or none, and the result shows a unified diff. Example: {\"path\": \"src/main.rs\", \"edits\": [{\"old_text\": \"let x = 1;\", \"new_text\": \"let x = 2;\"}], \"dry_run\": true}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn edit_file(
        &self,
        Parameters(p): Parameters<EditFileParams>,
    ) -> Result<String, ToolError> {
        let max = self.limits().max_read_bytes;
        self.blocking(move |sb| crate::edit::edit_file(sb, &p, max))
            .await
    }

    #[tool(
        description = "Create a directory and any missing parents; fine if it exists. Example: {\"path\": \"src/utils/helpers\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn create_directory(
        &self,
        Parameters(p): Parameters<CreateDirectoryParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| crate::write::create_directory(sb, &p))
            .await
    }

    #[tool(
        description = "Move or rename a file, directory or symbolic link (the link itself, not its target). Example: {\"source\": \"draft.md\", \"destination\": \"docs/final.md\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn move_path(
        &self,
        Parameters(p): Parameters<MovePathParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| crate::write::move_path(sb, &p))
            .await
    }

    #[tool(
        description = "Copy a file or a whole directory. Example: {\"source\": \"templates/basic\", \"destination\": \"projects/new\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn copy_path(
        &self,
        Parameters(p): Parameters<CopyPathParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| crate::write::copy_path(sb, &p))
            .await
    }

    #[tool(
        description = "Append text to the end of a file, creating it if missing. Example: {\"path\": \"CHANGELOG.md\", \"content\": \"- fixed the parser\\n\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn append_file(
        &self,
        Parameters(p): Parameters<AppendFileParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| crate::write::append_file(sb, &p))
            .await
    }
}

#[tool_router(router = delete_tools, vis = "pub(crate)")]
impl FsServer {
    #[tool(
        description = "Delete a file, a symbolic link (never its target) or a directory. Cannot be undone; roots are never deleted. Example: {\"path\": \"build/old.log\", \"dry_run\": true}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn delete_path(
        &self,
        Parameters(p): Parameters<DeletePathParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| crate::write::delete_path(sb, &p))
            .await
    }
}

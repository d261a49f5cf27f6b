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
        description = "Create a file or replace its whole content. Atomic: a crash leaves the old or the new file, never a mix; the file keeps its permissions. Example: {\"path\": \"notes/todo.md\", \"content\": \"# TODO\\n- tests\\n\", \"create_parents\": true}. To change part of a file use edit_file (smaller and reviewable). Pass expected_sha256 (the sha256 from read_text_file or get_file_info) so the write is refused if the file changed since you read it. Never replaces a directory.",
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
        description = "Edit a text file by replacing exact text. Each edit's old_text must occur exactly once (add surrounding lines to make it unique, or set replace_all); edits apply in order, all or none, and the result shows a unified diff. Example: {\"path\": \"src/main.rs\", \"edits\": [{\"old_text\": \"let x = 1;\", \"new_text\": \"let x = 2;\"}], \"dry_run\": true}. Copy old_text from read_text_file output without line numbers; if only indentation differs and the match is unambiguous it still applies, re-indented. new_text is literal. Line endings and the final newline are kept. Use dry_run to preview, and expected_sha256 (from read_text_file or the dry run) to refuse the edit if the file changed meanwhile.",
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
        description = "Create a directory, with any missing parent directories. Succeeds (and says so) if it already exists. Example: {\"path\": \"src/utils/helpers\"}.",
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
        description = "Move or rename a file, directory or symbolic link (a link is moved itself, not its target). The destination is the new path itself, not a folder to move into. Example: {\"source\": \"draft.md\", \"destination\": \"docs/final.md\"}. Refuses if the destination exists unless \"overwrite\": true, which replaces a file or link but never a directory. \"create_parents\": true creates the destination's missing folders.",
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
        description = "Copy a file or a whole directory to a new path (the copy's own path, not a folder to copy into). Example: {\"source\": \"templates/basic\", \"destination\": \"projects/new\"}. Refuses if the destination exists unless \"overwrite\": true (files only; directories are never merged or replaced). A copied directory appears only once complete; symbolic links inside it are copied as links when they stay inside the allowed roots, otherwise skipped and listed.",
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
        description = "Append text to the end of a file, creating it if missing (\"create\": false to refuse that). Example: {\"path\": \"CHANGELOG.md\", \"content\": \"- fixed the parser\\n\"}. The text is added exactly as given, so start it with a newline if the file may not end with one. Pass expected_sha256 to append only if the file is unchanged since you read it.",
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
        description = "Delete a file, a symbolic link (the link, never its target), or a directory. Cannot be undone. Example: {\"path\": \"build/old.log\"}. A directory that is not empty needs \"recursive\": true; run with \"dry_run\": true first to see what would be deleted. The allowed roots themselves can never be deleted.",
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

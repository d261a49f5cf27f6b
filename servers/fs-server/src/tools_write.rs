//! The MCP tools that change files, routed only when the user opted in
//! (`--allow-write`; `delete_path` also needs `--allow-delete`).

use rmcp::tool_router;

use crate::server::FsServer;

#[tool_router(router = write_tools, vis = "pub(crate)", allow_empty)]
impl FsServer {}

#[tool_router(router = delete_tools, vis = "pub(crate)", allow_empty)]
impl FsServer {}

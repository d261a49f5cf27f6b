//! The operator's tools (see [`crate::custom`]) as MCP tools: one route per tool, built
//! at start from its spec (the name, the description with an example, an input schema
//! with one typed property per parameter, `query`'s output schema), whose handler binds
//! the arguments and runs the approved statement through the same executor as `query`.

use std::sync::Arc;

use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};

use crate::custom::CustomTool;
use crate::exec::{self, Cut};
use crate::server::SqlServer;
use crate::tools::query::{QueryOutput, query_output_with};

/// The routes of the operator's tools.
pub(crate) fn router(tools: &[Arc<CustomTool>], server_max_rows: usize) -> ToolRouter<SqlServer> {
    let mut router = ToolRouter::new();
    let output_schema = rmcp::handler::server::common::schema_for_output::<QueryOutput>();
    for tool in tools {
        let attr = Tool::new(
            tool.spec.name.clone(),
            tool.description(server_max_rows),
            Arc::new(tool.input_schema()),
        )
        .with_raw_output_schema(output_schema.clone())
        .with_annotations(
            ToolAnnotations::new()
                .read_only(true)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        );
        let tool = tool.clone();
        router.add_route(ToolRoute::new_dyn(
            attr,
            move |ctx: ToolCallContext<'_, SqlServer>| {
                let tool = tool.clone();
                Box::pin(async move {
                    let result = call(&tool, ctx).await;
                    Ok(result.into())
                })
            },
        ));
    }
    router
}

/// Runs one call of `tool`; every failure is a tool error the model can act on.
async fn call(tool: &CustomTool, ctx: ToolCallContext<'_, SqlServer>) -> CallToolResult {
    let params = match tool.bind(ctx.arguments.as_ref()) {
        Ok(p) => p,
        Err(e) => return CallToolResult::error(vec![ContentBlock::text(e)]),
    };
    let server = ctx.service;
    let mut limits = server.limits;
    limits.max_rows = tool.max_rows(server.limits.max_rows);
    let db = &tool.database;
    let rows = match exec::run_approved(
        db,
        &tool.approved,
        &params,
        &limits,
        &ctx.request_context.ct,
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return CallToolResult::error(vec![ContentBlock::text(e.to_string())]),
    };
    let (output, text) = query_output_with(&db.name, rows, |cut, shown| match cut {
        Cut::Rows(n) => format!(
            "{} returns at most {n} rows and more exist; narrow the arguments, or use another tool to count or page.",
            tool.spec.name
        ),
        Cut::Bytes(b) => format!(
            "Output stopped at the {b}-byte limit after {shown} rows; more exist. Narrow the arguments."
        ),
    });
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(output.into_structured());
    result
}

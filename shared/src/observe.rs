//! [`Observed`]: the `ServerHandler` wrapper every server runs inside. It gives every
//! MCP request one tracing span (method, tool name, duration, outcome), records it in
//! [`crate::metrics`], and makes tool arguments tolerant ([`crate::arguments`]).
//!
//! Apart from that argument conversion it delegates every handler method to the
//! wrapped server unchanged. Arguments and results are never logged: only the method,
//! the tool name, the duration and how it ended.

use std::borrow::Cow;
use std::future::Future;
use std::time::Instant;

use rmcp::ErrorData as McpError;
use rmcp::ServerHandler;
use rmcp::model::*;
use rmcp::service::{
    MaybeSendFuture, NotificationContext, RequestContext, RoleServer, SubscriptionContext,
};
use tracing::Instrument;

use crate::metrics::{self, Outcome};

/// Wraps a server so each request is traced and counted.
#[derive(Debug, Clone)]
pub struct Observed<H>(pub H);

/// Runs one request future inside its span, then logs and counts how it ended.
///
/// The handler's future is boxed at once: a server's futures can be tens of kilobytes
/// (a SQL driver's state machines inside), and rmcp moves each request's future
/// several times before it first polls it; a boxed one moves as a pointer.
fn observe<T>(
    method: &'static str,
    tool: Option<String>,
    future: impl Future<Output = Result<T, McpError>>,
    classify: impl FnOnce(&T) -> Outcome,
) -> impl Future<Output = Result<T, McpError>> {
    let future = Box::pin(future);
    async move {
        let span = tracing::info_span!("mcp_request", method, tool = tool.as_deref());
        let started = Instant::now();
        let result = future.instrument(span.clone()).await;
        let took = started.elapsed();
        let outcome = match &result {
            Ok(value) => classify(value),
            Err(_) => Outcome::RpcError,
        };
        let _entered = span.enter();
        match &result {
            Err(e) => tracing::info!(
                duration_ms = took.as_secs_f64() * 1e3,
                outcome = outcome.as_str(),
                code = e.code.0,
                "request failed"
            ),
            Ok(_) => tracing::info!(
                duration_ms = took.as_secs_f64() * 1e3,
                outcome = outcome.as_str(),
                "request done"
            ),
        }
        metrics::global().record_request(method, tool.as_deref(), outcome, took);
        result
    }
}

fn ok<T>(_: &T) -> Outcome {
    Outcome::Ok
}

fn tool_outcome(response: &CallToolResponse) -> Outcome {
    match response {
        CallToolResponse::Complete(r) if r.is_error == Some(true) => Outcome::ToolError,
        _ => Outcome::Ok,
    }
}

#[allow(deprecated)]
impl<H: ServerHandler> ServerHandler for Observed<H> {
    fn ping(
        &self,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        observe("ping", None, self.0.ping(context), ok)
    }

    fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<InitializeResult, McpError>> + MaybeSendFuture + '_ {
        observe("initialize", None, self.0.initialize(request, context), ok)
    }

    fn negotiate_initialize(
        &self,
        request: &InitializeRequestParams,
    ) -> Result<InitializeResult, McpError> {
        self.0.negotiate_initialize(request)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        self.0.supported_protocol_versions()
    }

    fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<DiscoverResult, McpError>> + MaybeSendFuture + '_ {
        observe("server/discover", None, self.0.discover(context), ok)
    }

    fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CompleteResult, McpError>> + MaybeSendFuture + '_ {
        observe(
            "completion/complete",
            None,
            self.0.complete(request, context),
            ok,
        )
    }

    fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        observe(
            "logging/setLevel",
            None,
            self.0.set_level(request, context),
            ok,
        )
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetPromptResponse, McpError>> + MaybeSendFuture + '_ {
        observe("prompts/get", None, self.0.get_prompt(request, context), ok)
    }

    fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListPromptsResult, McpError>> + MaybeSendFuture + '_ {
        observe(
            "prompts/list",
            None,
            self.0.list_prompts(request, context),
            ok,
        )
    }

    fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, McpError>> + MaybeSendFuture + '_ {
        observe(
            "resources/list",
            None,
            self.0.list_resources(request, context),
            ok,
        )
    }

    fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, McpError>> + MaybeSendFuture + '_
    {
        observe(
            "resources/templates/list",
            None,
            self.0.list_resource_templates(request, context),
            ok,
        )
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceResponse, McpError>> + MaybeSendFuture + '_ {
        observe(
            "resources/read",
            None,
            self.0.read_resource(request, context),
            ok,
        )
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        self.0.accepted_subscription_filter(requested)
    }

    fn listen(
        &self,
        context: SubscriptionContext,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        self.0.listen(context)
    }

    fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        observe(
            "resources/subscribe",
            None,
            self.0.subscribe(request, context),
            ok,
        )
    }

    fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        observe(
            "resources/unsubscribe",
            None,
            self.0.unsubscribe(request, context),
            ok,
        )
    }

    fn call_tool(
        &self,
        mut request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, McpError>> + MaybeSendFuture + '_ {
        if let (Some(tool), Some(arguments)) =
            (self.0.get_tool(&request.name), request.arguments.as_mut())
        {
            crate::arguments::coerce_to_schema(&tool.input_schema, arguments);
        }
        let tool = Some(request.name.to_string());
        observe(
            "tools/call",
            tool,
            self.0.call_tool(request, context),
            tool_outcome,
        )
    }

    fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, McpError>> + MaybeSendFuture + '_ {
        observe("tools/list", None, self.0.list_tools(request, context), ok)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.0.get_tool(name)
    }

    fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CustomResult, McpError>> + MaybeSendFuture + '_ {
        observe(
            "custom",
            None,
            self.0.on_custom_request(request, context),
            ok,
        )
    }

    fn on_cancelled(
        &self,
        notification: CancelledNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.0.on_cancelled(notification, context)
    }

    fn on_progress(
        &self,
        notification: ProgressNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.0.on_progress(notification, context)
    }

    fn on_initialized(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.0.on_initialized(context)
    }

    fn on_roots_list_changed(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.0.on_roots_list_changed(context)
    }

    fn on_custom_notification(
        &self,
        notification: CustomNotification,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.0.on_custom_notification(notification, context)
    }

    fn get_info(&self) -> ServerConfig {
        self.0.get_info()
    }

    fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetTaskResult, McpError>> + MaybeSendFuture + '_ {
        observe("tasks/get", None, self.0.get_task(request, context), ok)
    }

    fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        observe(
            "tasks/update",
            None,
            self.0.update_task(request, context),
            ok,
        )
    }

    fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        observe(
            "tasks/cancel",
            None,
            self.0.cancel_task(request, context),
            ok,
        )
    }

    fn list_skills(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListSkillsResult, McpError>> + MaybeSendFuture + '_ {
        observe(
            "skills/list",
            None,
            self.0.list_skills(request, context),
            ok,
        )
    }

    fn get_skill(
        &self,
        request: GetSkillRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetSkillResult, McpError>> + MaybeSendFuture + '_ {
        observe("skills/get", None, self.0.get_skill(request, context), ok)
    }

    fn read_resource_directory(
        &self,
        request: ReadResourceDirectoryRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceDirectoryResult, McpError>> + MaybeSendFuture + '_
    {
        observe(
            "resources/directory/read",
            None,
            self.0.read_resource_directory(request, context),
            ok,
        )
    }
}

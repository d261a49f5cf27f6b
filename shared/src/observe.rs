//! [`Observed`]: the `ServerHandler` wrapper every server runs inside. It gives every
//! MCP request one tracing span (method, tool name, duration, outcome), records it in
//! [`crate::metrics`], and makes tool arguments tolerant ([`crate::arguments`]).
//!
//! It also owns the client-facing log ([`crate::client_log`]): it answers
//! `logging/setLevel`, declares the `logging` capability, and runs tool calls and
//! resource reads inside [`client_log::scope`] at the level the request or session
//! asked for. Apart from that and the argument conversion it delegates every handler
//! method to the wrapped server unchanged. Arguments and results are never logged:
//! only the method, the tool name, the duration and how it ended.

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

use crate::caller;
use crate::client_log::{self, SessionLevel};
use crate::metrics::{self, Outcome};

/// Wraps a server so each request is traced and counted.
#[derive(Debug, Clone)]
pub struct Observed<H> {
    inner: H,
    /// What `logging/setLevel` asked for in this session.
    log_level: SessionLevel,
}

impl<H: ServerHandler> Observed<H> {
    /// Wraps `inner` (one per session: the log level is the session's).
    pub fn new(inner: H) -> Self {
        Self {
            inner,
            log_level: SessionLevel::default(),
        }
    }

    /// Whether the wrapped server declares the capability `offers` looks for.
    /// Requests for anything it does not declare get -32601 (rmcp's defaults would
    /// answer, say, an empty prompts/list). Asked only by those rarer methods, so a
    /// tool call never pays for the server's `get_info`.
    fn declares(&self, offers: impl FnOnce(&ServerCapabilities) -> bool) -> bool {
        offers(&self.inner.get_info().capabilities)
    }

    /// Runs `future` (the handling of the request `context` describes) as its caller
    /// ([`caller::scope`], so the upstream client can act as them; their tag goes on
    /// the request's span), with its client log messages going where and from what
    /// level the request or session asked.
    fn in_request_scope<F: Future>(
        &self,
        context: &RequestContext<RoleServer>,
        future: F,
    ) -> impl Future<Output = F::Output> + use<F, H> {
        let wanted = client_log::wanted(&context.meta, &self.log_level);
        let caller = caller::from_context(context);
        let tag = caller.as_ref().map(|c| c.tag());
        let tagged = async move {
            if let Some(tag) = tag {
                tracing::Span::current().record("caller", tag);
            }
            future.await
        };
        client_log::scope(context.peer.clone(), wanted, caller::scope(caller, tagged))
    }
}

impl<H: ServerHandler> Observed<H> {
    /// The error for a caller whose token lacks the write scope calling a tool that
    /// changes things. The HTTP layer answers such a call with 403 first; this is the
    /// check that holds whatever the transport.
    fn write_refusal(&self, name: &str, context: &RequestContext<RoleServer>) -> Option<McpError> {
        let caller = caller::from_context(context)?;
        let tool = self.inner.get_tool(name)?;
        (!caller.may_write && is_write_tool(&tool)).then(|| {
            McpError::invalid_request(
                format!("{name} changes things, and your access token lacks the write scope: sign in again granting it"),
                None,
            )
        })
    }
}

/// Whether `tool` may change things (it is not annotated read-only).
pub fn is_write_tool(tool: &Tool) -> bool {
    tool.annotations.as_ref().and_then(|a| a.read_only_hint) != Some(true)
}

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
        let span = tracing::info_span!(
            "mcp_request",
            method,
            tool = tool.as_deref(),
            caller = tracing::field::Empty
        );
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

/// [`observe`]s `future` when the server declares the capability the method belongs
/// to; otherwise answers -32601, as the specification asks (a server answers only
/// what it declares).
fn observe_offered<T>(
    method: &'static str,
    declared: bool,
    capability: &'static str,
    future: impl Future<Output = Result<T, McpError>>,
) -> impl Future<Output = Result<T, McpError>> {
    let offered = async move {
        if !declared {
            return Err(McpError::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!("{method}: this server does not offer {capability}"),
                None,
            ));
        }
        future.await
    };
    observe(method, None, offered, ok)
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
        observe("ping", None, self.inner.ping(context), ok)
    }

    // initialize and server/discover are answered here, from this wrapper's
    // get_info (the server's plus the logging capability); no server overrides them.
    fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<InitializeResult, McpError>> + MaybeSendFuture + '_ {
        context.peer.set_peer_info(request.clone());
        let result = self.negotiate_initialize(&request);
        observe("initialize", None, std::future::ready(result), ok)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }

    fn discover(
        &self,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<DiscoverResult, McpError>> + MaybeSendFuture + '_ {
        let result = DiscoverResult::from_server_info(
            self.supported_protocol_versions().into_owned(),
            self.get_info(),
        );
        observe("server/discover", None, std::future::ready(Ok(result)), ok)
    }

    fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CompleteResult, McpError>> + MaybeSendFuture + '_ {
        let future = self.inner.complete(request, context);
        observe_offered(
            "completion/complete",
            self.declares(|c| c.completions.is_some()),
            "completions",
            future,
        )
    }

    fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        self.log_level.set(request.level);
        observe("logging/setLevel", None, std::future::ready(Ok(())), ok)
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetPromptResponse, McpError>> + MaybeSendFuture + '_ {
        let future = self.inner.get_prompt(request, context);
        observe_offered(
            "prompts/get",
            self.declares(|c| c.prompts.is_some()),
            "prompts",
            future,
        )
    }

    fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListPromptsResult, McpError>> + MaybeSendFuture + '_ {
        let future = self.inner.list_prompts(request, context);
        observe_offered(
            "prompts/list",
            self.declares(|c| c.prompts.is_some()),
            "prompts",
            future,
        )
    }

    fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, McpError>> + MaybeSendFuture + '_ {
        let future = self.inner.list_resources(request, context);
        observe_offered(
            "resources/list",
            self.declares(|c| c.resources.is_some()),
            "resources",
            future,
        )
    }

    fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, McpError>> + MaybeSendFuture + '_
    {
        let future = self.inner.list_resource_templates(request, context);
        observe_offered(
            "resources/templates/list",
            self.declares(|c| c.resources.is_some()),
            "resources",
            future,
        )
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceResponse, McpError>> + MaybeSendFuture + '_ {
        let read =
            self.in_request_scope(&context, self.inner.read_resource(request, context.clone()));
        let declared = self.declares(|c| c.resources.is_some());
        observe_offered("resources/read", declared, "resources", read)
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        self.inner.accepted_subscription_filter(requested)
    }

    fn listen(
        &self,
        context: SubscriptionContext,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        self.inner.listen(context)
    }

    fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        let future = self.inner.subscribe(request, context);
        observe_offered(
            "resources/subscribe",
            self.declares(|c| c.resources.as_ref().and_then(|r| r.subscribe) == Some(true)),
            "resource subscriptions",
            future,
        )
    }

    fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        let future = self.inner.unsubscribe(request, context);
        observe_offered(
            "resources/unsubscribe",
            self.declares(|c| c.resources.as_ref().and_then(|r| r.subscribe) == Some(true)),
            "resource subscriptions",
            future,
        )
    }

    fn call_tool(
        &self,
        mut request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, McpError>> + MaybeSendFuture + '_ {
        if let (Some(tool), Some(arguments)) = (
            self.inner.get_tool(&request.name),
            request.arguments.as_mut(),
        ) {
            crate::arguments::coerce_to_schema(&tool.input_schema, arguments);
        }
        let tool = Some(request.name.to_string());
        let refusal = self.write_refusal(&request.name, &context);
        let call = self.inner.call_tool(request, context.clone());
        let checked = async move {
            match refusal {
                Some(refusal) => Err(refusal),
                None => call.await,
            }
        };
        observe(
            "tools/call",
            tool,
            self.in_request_scope(&context, checked),
            tool_outcome,
        )
    }

    fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, McpError>> + MaybeSendFuture + '_ {
        let read_only_caller = caller::from_context(&context).is_some_and(|c| !c.may_write);
        let listed = self.inner.list_tools(request, context);
        let shown = async move {
            let mut result = listed.await?;
            if read_only_caller {
                result.tools.retain(|tool| !is_write_tool(tool));
            }
            Ok(result)
        };
        observe("tools/list", None, shown, ok)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.get_tool(name)
    }

    fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CustomResult, McpError>> + MaybeSendFuture + '_ {
        observe(
            "custom",
            None,
            self.inner.on_custom_request(request, context),
            ok,
        )
    }

    fn on_cancelled(
        &self,
        notification: CancelledNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_cancelled(notification, context)
    }

    fn on_progress(
        &self,
        notification: ProgressNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_progress(notification, context)
    }

    fn on_initialized(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_initialized(context)
    }

    fn on_roots_list_changed(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_roots_list_changed(context)
    }

    fn on_custom_notification(
        &self,
        notification: CustomNotification,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.inner.on_custom_notification(notification, context)
    }

    fn get_info(&self) -> ServerConfig {
        let mut info = self.inner.get_info();
        info.capabilities
            .logging
            .get_or_insert_with(Default::default);
        info
    }

    fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetTaskResult, McpError>> + MaybeSendFuture + '_ {
        observe("tasks/get", None, self.inner.get_task(request, context), ok)
    }

    fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), McpError>> + MaybeSendFuture + '_ {
        observe(
            "tasks/update",
            None,
            self.inner.update_task(request, context),
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
            self.inner.cancel_task(request, context),
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
            self.inner.list_skills(request, context),
            ok,
        )
    }

    fn get_skill(
        &self,
        request: GetSkillRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetSkillResult, McpError>> + MaybeSendFuture + '_ {
        observe(
            "skills/get",
            None,
            self.inner.get_skill(request, context),
            ok,
        )
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
            self.inner.read_resource_directory(request, context),
            ok,
        )
    }
}

//! github-server's entry point: parse options, then serve, run `doctor` or `healthcheck`.

use github_server::api::Api;
use github_server::config::GithubArgs;
use github_server::doctor;
use github_server::server::GithubServer;
use github_server::toolsets::Selection;
use shared::auth::whoami::WhoAmI;
use shared::config::{self, Command};
use shared::serve::ServeOptions;
use shared::upstream::UpstreamClient;

fn main() -> anyhow::Result<()> {
    let invocation = config::parse::<GithubArgs>();
    if invocation.command == Command::Healthcheck {
        std::process::exit(shared::healthcheck::run(invocation.args.common.http));
    }
    let runtime = shared::serve::runtime(&invocation.args.common)?;
    runtime.block_on(run(invocation.command, invocation.args))
}

async fn run(command: Command, args: GithubArgs) -> anyhow::Result<()> {
    if command == Command::Doctor {
        let code = doctor::run(&args).await;
        std::process::exit(shared::auth::doctor::finish(code, &args.common).await);
    }
    shared::logging::init(args.common.log_format);
    let selection = Selection::resolve(&args.toolsets, &args.tools, args.allow_write)
        .unwrap_or_else(|e| usage_error(&e));
    let (mut config, app) = args.upstream_setup().unwrap_or_else(|e| usage_error(&e));
    config.cluster = shared::cluster::Cluster::from_common(&args.common)?;
    let base_url = config.base_url.clone();
    let mut options = ServeOptions {
        writes: args.allow_write,
        ..Default::default()
    };
    if args.per_user_tokens {
        let server_token = args.token_with_source().map(|(_, variable)| variable);
        shared::auth::per_user::check_mode(args.common.http.is_some(), server_token)?;
        let whoami = WhoAmI::new(
            format!("{base_url}/user"),
            &config.extra_headers,
            vec!["/login"],
        )
        .map_err(|e| anyhow::anyhow!(e))?;
        options.per_user = Some(std::sync::Arc::new(whoami));
        tracing::info!("acting for each caller with their own GitHub token (per-user mode)");
    } else if let Some(app) = &app {
        tracing::info!(
            app = %app.settings().identity(),
            "acting as a GitHub App installation; tokens are minted when first needed"
        );
    } else if config.credentials.is_none() {
        tracing::warn!("no GITHUB_TOKEN set: only public data is readable, at 60 requests/hour");
    }
    let client = UpstreamClient::new(config)?;
    let server = GithubServer::new(
        Api::new(client, args.max_output()).with_lockdown(args.lockdown),
        &selection,
    );
    tracing::info!(api = %base_url, tools = %selection.describe(), "github-server starting");
    shared::serve::run_with(move || server.clone(), &args.common, options).await
}

/// Reports a configuration mistake the way clap reports a bad flag, and exits.
fn usage_error(message: &str) -> ! {
    eprintln!("error: {message}\n\nFor more information, try '--help'.");
    std::process::exit(2);
}

//! github-server's entry point: parse options, then serve, run `doctor` or `healthcheck`.

use github_server::api::Api;
use github_server::config::GithubArgs;
use github_server::doctor;
use github_server::server::GithubServer;
use github_server::toolsets::Selection;
use shared::config::{self, Command};
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
        std::process::exit(doctor::run(&args).await);
    }
    shared::logging::init(args.common.log_format);
    let selection = Selection::resolve(&args.toolsets, &args.tools, args.allow_write)
        .unwrap_or_else(|e| usage_error(&e));
    let (config, app) = args.upstream_setup().unwrap_or_else(|e| usage_error(&e));
    let base_url = config.base_url.clone();
    if let Some(app) = &app {
        tracing::info!(
            app = %app.settings().identity(),
            "acting as a GitHub App installation; tokens are minted when first needed"
        );
    } else if config.credentials.is_none() {
        tracing::warn!("no GITHUB_TOKEN set: only public data is readable, at 60 requests/hour");
    }
    let client = UpstreamClient::new(config)?;
    let server = GithubServer::new(Api::new(client, args.max_output()), &selection);
    tracing::info!(api = %base_url, tools = %selection.describe(), "github-server starting");
    shared::serve::run(move || server.clone(), &args.common).await
}

/// Reports a configuration mistake the way clap reports a bad flag, and exits.
fn usage_error(message: &str) -> ! {
    eprintln!("error: {message}\n\nFor more information, try '--help'.");
    std::process::exit(2);
}

//! notion-server's entry point: parse options, then serve, run `doctor` or `healthcheck`.

use notion_server::client::NotionClient;
use notion_server::config::NotionArgs;
use notion_server::{doctor, server::NotionServer};
use shared::auth::whoami::WhoAmI;
use shared::config::{self, Command};

fn main() -> anyhow::Result<()> {
    let invocation = config::parse::<NotionArgs>();
    if invocation.command == Command::Healthcheck {
        std::process::exit(shared::healthcheck::run(invocation.args.common.http));
    }
    let runtime = shared::serve::runtime(&invocation.args.common)?;
    runtime.block_on(run(invocation.command, invocation.args))
}

async fn run(command: Command, args: NotionArgs) -> anyhow::Result<()> {
    if command == Command::Doctor {
        let code = doctor::run(&args).await;
        std::process::exit(shared::auth::doctor::finish(code, &args.common).await);
    }
    shared::logging::init(args.common.log_format);
    let settings = args.settings();
    let mut options = shared::serve::ServeOptions {
        writes: settings.allow_write,
        ..Default::default()
    };
    if settings.per_user {
        let server_token = settings.token.is_some().then_some("NOTION_TOKEN");
        shared::auth::per_user::check_mode(args.common.http.is_some(), server_token)?;
        let whoami = WhoAmI::new(
            format!("{}/users/me", settings.api_url),
            &[("notion-version".into(), settings.notion_version.clone())],
            vec!["/bot/owner/user/id", "/id"],
        )
        .map_err(|e| anyhow::anyhow!(e))?;
        options.per_user = Some(std::sync::Arc::new(whoami));
    } else if settings.token.is_none() {
        tracing::warn!(
            "NOTION_TOKEN is not set: tools will answer with how to set it (run `notion-server doctor`)"
        );
    }
    let cluster = shared::cluster::Cluster::from_common(&args.common)?;
    let client = NotionClient::shared(&settings, cluster)
        .map_err(|e| anyhow::anyhow!("{e} (check --api-url; see --help)"))?;
    tracing::info!(api = %settings.api_url, version = %settings.notion_version, allow_write = settings.allow_write, "notion-server starting");
    shared::serve::run_with(
        {
            let server = NotionServer::new(client, settings);
            move || server.clone()
        },
        &args.common,
        options,
    )
    .await
}

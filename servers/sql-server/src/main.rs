//! sql-server's entry point: parse options, then serve, run `doctor` or `healthcheck`.

use std::time::Duration;

use shared::config::{self, Command};
use sql_server::config::SqlArgs;
use sql_server::db::{PoolSettings, Registry};
use sql_server::dsn::Secrets;
use sql_server::{doctor, server::SqlServer};

fn main() -> anyhow::Result<()> {
    let invocation = config::parse::<SqlArgs>();
    if invocation.command == Command::Healthcheck {
        std::process::exit(shared::healthcheck::run(invocation.args.common.http));
    }
    let runtime = shared::serve::runtime(&invocation.args.common)?;
    runtime.block_on(run(invocation.command, invocation.args))
}

async fn run(command: Command, args: SqlArgs) -> anyhow::Result<()> {
    if command == Command::Doctor {
        let code = doctor::run(&args).await;
        std::process::exit(shared::auth::doctor::finish(code, &args.common).await);
    }
    shared::logging::init(args.common.log_format);
    let specs = args
        .database_specs()
        .map_err(|e| anyhow::anyhow!("{e} (see --help)"))?;
    // Kept for the whole run: dropping it ends the forwarding.
    let (specs, _tunnel) = sql_server::tunnel::open(&args, specs)
        .await
        .map_err(|e| anyhow::anyhow!("SSH tunnel: {e}"))?;
    if let Some(t) = &_tunnel {
        tracing::info!(bastion = %t.target, "SSH tunnel open");
    }
    let secrets = Secrets {
        password: args.password().map_err(|e| anyhow::anyhow!(e))?,
        ssl_mode: args.ssl_mode,
        ssl_ca: args.ssl_ca.clone(),
        idle_transaction: None,
    };
    let settings = PoolSettings {
        size: args.pool_size.max(1),
        connect_timeout: Duration::from_secs(args.connect_timeout.max(1)),
        statement_timeout: Duration::from_secs(args.query_timeout.max(1)),
    };
    let registry = Registry::open(&specs, &secrets, settings).map_err(|e| anyhow::anyhow!(e))?;
    tracing::info!(databases = %registry.describe(), "sql-server starting");
    let limits = args.limits();
    let custom = sql_server::custom::from_args(&args, &registry).map_err(|e| anyhow::anyhow!(e))?;
    let options = shared::serve::ServeOptions {
        writes: false,
        ..Default::default()
    };
    shared::serve::run_with(
        {
            let server = SqlServer::with_custom(registry, limits, &custom, args.custom_tools_only);
            move || server.clone()
        },
        &args.common,
        options,
    )
    .await
}

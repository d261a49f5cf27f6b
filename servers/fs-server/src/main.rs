//! fs-server's entry point: parse options, then serve, run `doctor` or `healthcheck`.

use fs_server::{config::FsArgs, doctor, sandbox::Sandbox, server::FsServer};
use shared::config::{self, Command};
use std::sync::Arc;

fn main() -> anyhow::Result<()> {
    let invocation = config::parse::<FsArgs>();
    let args = invocation.args;
    match invocation.command {
        Command::Doctor => {
            let code = doctor::run(&args);
            let runtime = shared::serve::runtime(&args.common)?;
            std::process::exit(runtime.block_on(shared::auth::doctor::finish(code, &args.common)));
        }
        Command::Healthcheck => std::process::exit(shared::healthcheck::run(args.common.http)),
        Command::Serve => {}
    }
    let runtime = shared::serve::runtime(&args.common)?;
    runtime.block_on(serve(args))
}

async fn serve(args: FsArgs) -> anyhow::Result<()> {
    shared::logging::init(args.common.log_format);
    let roots = args.all_roots();
    if roots.is_empty() {
        anyhow::bail!(
            "no root directory given: pass one or more, e.g. `fs-server ~/project` (see --help)"
        );
    }
    let sandbox = Arc::new(
        Sandbox::open(&roots)
            .map_err(|e| anyhow::anyhow!("{e} (run `fs-server doctor` for details)"))?,
    );
    tracing::info!(roots = roots.len(), "fs-server starting");
    let limits = fs_server::config::Limits::from_args(&args);
    let options = shared::serve::ServeOptions {
        writes: args.allow_write,
        ..Default::default()
    };
    shared::serve::run_with(
        {
            let server = FsServer::new(sandbox, limits);
            move || server.for_new_session()
        },
        &args.common,
        options,
    )
    .await
}

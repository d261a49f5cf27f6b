//! fs-server's entry point: parse options, then serve or run `doctor`.

use fs_server::{config::FsArgs, doctor, sandbox::Sandbox, server::FsServer};
use shared::config::{self, Command};
use std::sync::Arc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let invocation = config::parse::<FsArgs>();
    let args = invocation.args;
    if invocation.command == Command::Doctor {
        std::process::exit(doctor::run(&args));
    }
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
    let limits = fs_server::server::Limits::from_args(&args);
    shared::serve::run(
        {
            let server = FsServer::new(sandbox, limits);
            move || server.for_new_session()
        },
        &args.common,
    )
    .await
}

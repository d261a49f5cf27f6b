//! `fake-apis github|notion [--port N]`: serves a fake API seeded with demo data
//! until interrupted. The first line on stdout is the base URL to give a server
//! (`--api-url`); the fake's controls are under `/_fake/` on the same port.
//! For GitHub, `--app-id` with `--app-public-key` also registers a GitHub App
//! whose JWTs `POST /app/installations/{id}/access_tokens` trades for
//! installation tokens.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use fake_apis::github::{AppConfig, DEFAULT_TOKEN_TTL_SECS, GithubState};

#[derive(Parser)]
#[command(
    about = "Serve a stateful fake of the GitHub or Notion API on 127.0.0.1 (tests and demos only)."
)]
struct Args {
    /// Which API to fake.
    api: Api,
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// GitHub only: register a GitHub App with this id (a JWT's `iss`).
    #[arg(long, requires = "app_public_key")]
    app_id: Option<u64>,
    /// The app's client id, also accepted as a JWT's `iss`.
    #[arg(long, requires = "app_id")]
    app_client_id: Option<String>,
    /// The app's RSA public key (PEM file) its JWTs are checked against.
    #[arg(long, value_name = "PATH", requires = "app_id")]
    app_public_key: Option<PathBuf>,
    /// An installation of the app (on the demo user's account); repeatable.
    #[arg(long, value_name = "ID", default_value = "67890", requires = "app_id")]
    app_installation_id: Vec<u64>,
    /// How long an installation token lives, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TOKEN_TTL_SECS)]
    installation_token_ttl: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Api {
    Github,
    Notion,
}

/// The GitHub state the flags ask for: the demo seed, with the app if any.
fn github_state(args: &Args) -> Result<GithubState, String> {
    let state = GithubState::demo();
    let (Some(app_id), Some(path)) = (args.app_id, &args.app_public_key) else {
        return Ok(state);
    };
    let pem = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the app's public key {}: {e}", path.display()))?;
    let mut config = AppConfig::new(app_id, &pem, 0);
    config.client_id = args.app_client_id.clone();
    config.installation_ids = args.app_installation_id.clone();
    config.token_ttl_secs = args.installation_token_ttl;
    state.register_app(config)?;
    Ok(state)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    if args.api == Api::Notion && args.app_id.is_some() {
        eprintln!("fake-apis: the --app-* flags are for the GitHub fake");
        std::process::exit(2);
    }
    let base_url = match args.api {
        Api::Github => {
            let state = github_state(&args).unwrap_or_else(|e| {
                eprintln!("fake-apis: {e}");
                std::process::exit(2);
            });
            fake_apis::github::start_with(state, args.port)
                .await?
                .base_url
        }
        Api::Notion => fake_apis::notion::start(args.port).await?.base_url,
    };
    println!("{base_url}");
    eprintln!("fake API listening at {base_url}; controls under /_fake/; Ctrl-C stops it");
    tokio::signal::ctrl_c().await
}

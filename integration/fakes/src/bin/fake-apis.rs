//! `fake-apis github|notion [--port N]`: serves a fake API seeded with demo data
//! until interrupted. The first line on stdout is the base URL to give a server
//! (`--api-url`); the fake's controls are under `/_fake/` on the same port.

use clap::{Parser, ValueEnum};

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
}

#[derive(Clone, Copy, ValueEnum)]
enum Api {
    Github,
    Notion,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let base_url = match args.api {
        Api::Github => fake_apis::github::start(args.port).await?.base_url,
        Api::Notion => fake_apis::notion::start(args.port).await?.base_url,
    };
    println!("{base_url}");
    eprintln!("fake API listening at {base_url}; controls under /_fake/; Ctrl-C stops it");
    tokio::signal::ctrl_c().await
}

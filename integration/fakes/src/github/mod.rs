//! The fake GitHub REST API (being built; see the github-server issue).

use std::sync::Arc;

use crate::faults::Faults;

/// A running fake GitHub.
pub struct FakeGithub {
    /// What a server takes as its API base URL, e.g. `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub faults: Arc<Faults>,
}

/// Starts the fake on 127.0.0.1:`port` (0 picks one), seeded with demo data.
pub async fn start(port: u16) -> std::io::Result<FakeGithub> {
    let faults = Faults::new(
        |status, message| serde_json::json!({"message": message, "status": status.to_string()}),
    );
    let app = faults.control_routes();
    let (addr, _) = crate::spawn(app, port).await?;
    Ok(FakeGithub {
        base_url: format!("http://{addr}"),
        faults,
    })
}

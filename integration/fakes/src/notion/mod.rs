//! The fake Notion API (being built; see the notion-server issue).

use std::sync::Arc;

use crate::faults::Faults;

/// A running fake Notion.
pub struct FakeNotion {
    /// What a server takes as its API base URL: `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    pub faults: Arc<Faults>,
}

/// Starts the fake on 127.0.0.1:`port` (0 picks one), seeded with demo data.
pub async fn start(port: u16) -> std::io::Result<FakeNotion> {
    let faults = Faults::new(
        |status, message| serde_json::json!({"object": "error", "status": status, "code": "internal_server_error", "message": message}),
    );
    let app = faults.control_routes();
    let (addr, _) = crate::spawn(app, port).await?;
    Ok(FakeNotion {
        base_url: format!("http://{addr}/v1"),
        faults,
    })
}

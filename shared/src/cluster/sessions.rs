//! 2025-11-25 sessions in Redis: what rmcp needs to restore a session on any
//! replica (the client's `initialize` parameters, rmcp's `SessionState`), and who
//! opened it (the caller's binding key, a digest). Both expire after the idle
//! timeout and are refreshed while the session is used.
//!
//! Keys: `<prefix>:session:<server>:<id>` and `<prefix>:owner:<server>:<id>`.

use std::time::Duration;

use rmcp::transport::streamable_http_server::session::store::SessionState;

use super::Cluster;
use super::link::Feature;

/// Sessions of one server, shared by its replicas.
#[derive(Debug, Clone)]
pub struct SharedSessions {
    cluster: Cluster,
    server: String,
    idle: Duration,
}

impl SharedSessions {
    /// Sessions of the server named `server`, ending after `idle` unused.
    pub fn new(cluster: Cluster, server: &str, idle: Duration) -> Self {
        Self {
            cluster,
            server: server.to_string(),
            idle,
        }
    }

    fn state_key(&self, id: &str) -> String {
        self.cluster.key(&["session", &self.server, id])
    }

    fn owner_key(&self, id: &str) -> String {
        self.cluster.key(&["owner", &self.server, id])
    }

    fn ttl_ms(&self) -> u64 {
        self.idle.as_millis().max(1) as u64
    }

    /// Sets `key` to `value` for one idle period; `false` when Redis cannot.
    async fn set_for_idle_period(&self, key: String, value: String) -> bool {
        let ttl = self.ttl_ms();
        self.cluster
            .link()
            .run(Feature::Sessions, |mut c| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("PX")
                    .arg(ttl)
                    .query_async::<()>(&mut c)
                    .await
            })
            .await
            .is_some()
    }

    /// Shares session `id`'s state; `false` when Redis cannot take it.
    pub async fn store(&self, id: &str, state: &SessionState) -> bool {
        let Ok(value) = serde_json::to_string(state) else {
            return false;
        };
        self.set_for_idle_period(self.state_key(id), value).await
    }

    /// Session `id`'s shared state: `Some(None)` unknown, `None` Redis cannot answer.
    pub async fn load(&self, id: &str) -> Option<Option<SessionState>> {
        let key = self.state_key(id);
        let raw: Option<String> = self
            .cluster
            .link()
            .run(Feature::Sessions, |mut c| async move {
                redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await?;
        Some(raw.and_then(|raw| serde_json::from_str(&raw).ok()))
    }

    /// Records who opened session `id`.
    pub async fn bind_owner(&self, id: &str, binding_key: &str) -> bool {
        self.set_for_idle_period(self.owner_key(id), binding_key.to_string())
            .await
    }

    /// Who opened session `id`: `Some(None)` unknown, `None` Redis cannot answer.
    pub async fn owner(&self, id: &str) -> Option<Option<String>> {
        let key = self.owner_key(id);
        self.cluster
            .link()
            .run(Feature::Sessions, |mut c| async move {
                redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await
    }

    /// Keeps session `id` (state and owner) for another idle period.
    pub async fn refresh(&self, id: &str) {
        let (state, owner, ttl) = (self.state_key(id), self.owner_key(id), self.ttl_ms());
        let _: Option<()> = self
            .cluster
            .link()
            .run(Feature::Sessions, |mut c| async move {
                redis::pipe()
                    .cmd("PEXPIRE")
                    .arg(state)
                    .arg(ttl)
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(owner)
                    .arg(ttl)
                    .ignore()
                    .query_async(&mut c)
                    .await
            })
            .await;
    }

    /// Forgets session `id` (its client ended it).
    pub async fn delete(&self, id: &str) {
        let (state, owner) = (self.state_key(id), self.owner_key(id));
        let _: Option<()> = self
            .cluster
            .link()
            .run(Feature::Sessions, |mut c| async move {
                redis::cmd("DEL")
                    .arg(state)
                    .arg(owner)
                    .query_async(&mut c)
                    .await
            })
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::tests::test_cluster;
    use rmcp::model::InitializeRequestParams;

    #[tokio::test]
    async fn a_session_stored_by_one_replica_loads_on_another_until_deleted() {
        let Some(cluster) = test_cluster().await else {
            return;
        };
        let a = SharedSessions::new(cluster.clone(), "fs-server", Duration::from_secs(60));
        let b = SharedSessions::new(cluster.clone(), "fs-server", Duration::from_secs(60));
        let other_server = SharedSessions::new(cluster, "sql-server", Duration::from_secs(60));
        let mut params = InitializeRequestParams::default();
        params.client_info.name = "replica-test".into();
        assert!(a.store("s1", &SessionState::new(params)).await);
        assert!(a.bind_owner("s1", "owner-digest").await);
        let loaded = b.load("s1").await.unwrap().expect("shared");
        assert_eq!(loaded.initialize_params.client_info.name, "replica-test");
        assert_eq!(
            b.owner("s1").await.unwrap().as_deref(),
            Some("owner-digest")
        );
        assert!(
            other_server.load("s1").await.unwrap().is_none(),
            "servers do not mix"
        );
        b.refresh("s1").await;
        a.delete("s1").await;
        assert!(b.load("s1").await.unwrap().is_none());
        assert!(b.owner("s1").await.unwrap().is_none());
    }
}

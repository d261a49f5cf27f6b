//! Fetching a block's nested children recursively, within bounds: a depth limit,
//! a budget of blocks per call, and at most N child-list requests in flight (every
//! list is read to its end, 100 blocks per request). Child pages and databases are
//! never entered: they are pages of their own. A duplicate synced block is read
//! through its original, whose content it shows.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::{BoxFuture, FutureExt, join_all};
use serde_json::Value;
use shared::upstream::{CursorPage, UpstreamError};
use tokio::sync::Semaphore;

use crate::blocks_to_md::{BlockNode, Children};
use crate::client::NotionClient;

/// The bounds of one fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// Levels of blocks shown: a page's top-level blocks are level 1, and children of
    /// a block at this level are left out with a note.
    pub max_depth: usize,
    /// Child-list requests in flight at once.
    pub concurrency: usize,
    /// Most blocks fetched in all.
    pub max_blocks: usize,
}

/// Where blocks come from (the Notion API, or a fake in tests).
pub trait BlockSource: Send + Sync {
    /// One page of a block's children.
    fn children_page<'a>(
        &'a self,
        block_id: &'a str,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<CursorPage<Value>, UpstreamError>>;
}

impl BlockSource for NotionClient {
    fn children_page<'a>(
        &'a self,
        block_id: &'a str,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<CursorPage<Value>, UpstreamError>> {
        NotionClient::children_page(self, block_id, cursor).boxed()
    }
}

/// One call's fetcher: shares the concurrency limit and block budget.
pub struct Fetcher<S> {
    source: S,
    limits: FetchLimits,
    permits: Arc<Semaphore>,
    fetched: AtomicUsize,
    failures: AtomicUsize,
}

impl<S: BlockSource> Fetcher<S> {
    /// A fetcher reading from `source` within `limits`.
    pub fn new(source: S, limits: FetchLimits) -> Self {
        Self {
            source,
            permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            limits,
            fetched: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
        }
    }

    /// Blocks fetched so far.
    pub fn fetched(&self) -> usize {
        self.fetched.load(Ordering::Relaxed)
    }

    /// Child lists that could not be read (each shown as a note in place).
    pub fn failures(&self) -> usize {
        self.failures.load(Ordering::Relaxed)
    }

    /// One page of `block_id`'s children, counted against the budget.
    pub async fn page(
        &self,
        block_id: &str,
        cursor: Option<&str>,
    ) -> Result<CursorPage<Value>, UpstreamError> {
        let _permit = self.permits.acquire().await.ok();
        let page = self.source.children_page(block_id, cursor).await?;
        self.fetched
            .fetch_add(page.results.len(), Ordering::Relaxed);
        Ok(page)
    }

    /// All of a block's children, page by page.
    async fn all_children(&self, block_id: &str) -> Result<Vec<Value>, UpstreamError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.page(block_id, cursor.as_deref()).await?;
            out.extend(page.results);
            match page.next_cursor.filter(|_| page.has_more) {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// `block` (at nesting `depth`, 1 for a page's top-level blocks) with its
    /// descendants as far as the bounds allow.
    pub fn subtree(&self, block: Value, depth: usize) -> BoxFuture<'_, BlockNode> {
        async move {
            let kind = block["type"].as_str().unwrap_or_default();
            let has_children = block["has_children"].as_bool().unwrap_or(false);
            if !has_children || matches!(kind, "child_page" | "child_database") {
                return BlockNode::leaf(block);
            }
            let id = block["id"].as_str().unwrap_or_default().to_string();
            if depth >= self.limits.max_depth {
                let note = format!(
                    "nested content not loaded (deeper than the depth limit of {}); read it with get_page {{\"page_id\": \"{id}\"}}",
                    self.limits.max_depth
                );
                return node(block, Children::NotFetched(note));
            }
            if self.fetched() >= self.limits.max_blocks {
                let note = format!(
                    "nested content not loaded (this call's budget of {} blocks is spent); read it with get_page {{\"page_id\": \"{id}\"}}",
                    self.limits.max_blocks
                );
                return node(block, Children::NotFetched(note));
            }
            // A duplicate synced block shows its original's content.
            let source_id = block["synced_block"]["synced_from"]["block_id"]
                .as_str()
                .unwrap_or(&id)
                .to_string();
            match self.all_children(&source_id).await {
                Ok(kids) => {
                    let nodes = join_all(kids.into_iter().map(|k| self.subtree(k, depth + 1))).await;
                    node(block, Children::Loaded(nodes))
                }
                Err(e) => {
                    self.failures.fetch_add(1, Ordering::Relaxed);
                    let note = format!(
                        "nested content could not be loaded ({e}); retry with get_page {{\"page_id\": \"{id}\"}}"
                    );
                    node(block, Children::NotFetched(note))
                }
            }
        }
        .boxed()
    }
}

fn node(block: Value, children: Children) -> BlockNode {
    BlockNode { block, children }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    /// Blocks by parent id, served in pages of `page_size`, counting requests and the
    /// most requests in flight at once.
    #[derive(Default)]
    pub(crate) struct FakeSource {
        pub children: HashMap<String, Vec<Value>>,
        pub page_size: usize,
        pub requests: Mutex<Vec<String>>,
        pub in_flight: AtomicUsize,
        pub max_in_flight: AtomicUsize,
    }

    impl FakeSource {
        pub(crate) fn paragraph(id: &str, text: &str, has_children: bool) -> Value {
            json!({"object": "block", "id": id, "type": "paragraph", "has_children": has_children,
                   "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}, "plain_text": text}]}})
        }
    }

    impl BlockSource for FakeSource {
        fn children_page<'a>(
            &'a self,
            block_id: &'a str,
            cursor: Option<&'a str>,
        ) -> BoxFuture<'a, Result<CursorPage<Value>, UpstreamError>> {
            async move {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_in_flight.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                self.requests
                    .lock()
                    .unwrap()
                    .push(format!("{block_id}@{}", cursor.unwrap_or("")));
                let all = self.children.get(block_id).cloned().unwrap_or_default();
                let from: usize = cursor.map_or(0, |c| c.parse().unwrap());
                let size = if self.page_size == 0 {
                    100
                } else {
                    self.page_size
                };
                let to = (from + size).min(all.len());
                Ok(CursorPage {
                    results: all[from..to].to_vec(),
                    next_cursor: (to < all.len()).then(|| to.to_string()),
                    has_more: to < all.len(),
                })
            }
            .boxed()
        }
    }

    fn limits(max_depth: usize) -> FetchLimits {
        FetchLimits {
            max_depth,
            concurrency: 2,
            max_blocks: 10_000,
        }
    }

    #[tokio::test]
    async fn reads_every_page_of_every_child_list() {
        let mut source = FakeSource {
            page_size: 3,
            ..Default::default()
        };
        let kids: Vec<Value> = (0..7)
            .map(|i| FakeSource::paragraph(&format!("k{i}"), &format!("kid {i}"), i == 0))
            .collect();
        source.children.insert("root".into(), kids);
        source.children.insert(
            "k0".into(),
            (0..5)
                .map(|i| FakeSource::paragraph(&format!("g{i}"), "grandchild", false))
                .collect(),
        );
        let fetcher = Fetcher::new(source, limits(8));
        let root = FakeSource::paragraph("root", "root", true);
        let tree = fetcher.subtree(root, 1).await;
        let Children::Loaded(kids) = &tree.children else {
            panic!("{tree:?}")
        };
        assert_eq!(kids.len(), 7);
        let Children::Loaded(grand) = &kids[0].children else {
            panic!()
        };
        assert_eq!(grand.len(), 5);
        assert_eq!(fetcher.fetched(), 12);
    }

    #[tokio::test]
    async fn depth_is_bounded_and_says_how_to_continue() {
        let mut source = FakeSource::default();
        for d in 0..5 {
            source.children.insert(
                format!("b{d}"),
                vec![FakeSource::paragraph(&format!("b{}", d + 1), "x", true)],
            );
        }
        let fetcher = Fetcher::new(source, limits(2));
        let tree = fetcher
            .subtree(FakeSource::paragraph("b0", "x", true), 1)
            .await;
        // Levels 1 and 2 are shown; level 2's children are left with a note.
        let Children::Loaded(l2) = &tree.children else {
            panic!()
        };
        let Children::NotFetched(note) = &l2[0].children else {
            panic!("{:?}", l2[0])
        };
        assert!(note.contains("\"page_id\": \"b1\""), "{note}");
    }

    #[tokio::test]
    async fn a_synced_copy_reads_its_original() {
        let mut source = FakeSource::default();
        source.children.insert(
            "orig".into(),
            vec![FakeSource::paragraph("o1", "shared", false)],
        );
        let copy = json!({"object": "block", "id": "copy", "type": "synced_block", "has_children": true,
                          "synced_block": {"synced_from": {"type": "block_id", "block_id": "orig"}}});
        let fetcher = Fetcher::new(source, limits(8));
        let tree = fetcher.subtree(copy, 1).await;
        let Children::Loaded(kids) = &tree.children else {
            panic!("{tree:?}")
        };
        assert_eq!(kids[0].block["id"], "o1");
    }

    #[tokio::test]
    async fn requests_in_flight_stay_within_the_limit() {
        let mut source = FakeSource::default();
        let kids: Vec<Value> = (0..20)
            .map(|i| FakeSource::paragraph(&format!("k{i}"), "x", true))
            .collect();
        source.children.insert("root".into(), kids);
        for i in 0..20 {
            source.children.insert(
                format!("k{i}"),
                vec![FakeSource::paragraph(&format!("leaf{i}"), "y", false)],
            );
        }
        let fetcher = Fetcher::new(source, limits(8));
        let _ = fetcher
            .subtree(FakeSource::paragraph("root", "r", true), 1)
            .await;
        assert!(fetcher.source.max_in_flight.load(Ordering::SeqCst) <= 2);
        assert_eq!(fetcher.fetched(), 40);
    }
}

//! What tests use to set up and inspect the fake directly: find seeded objects,
//! create pages with block trees of a given shape, read a page back as a tree.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::blocks::{NewBlock, block_text};
use super::rich_text;
use super::store::{DemoIds, Parent, State, Store};

/// One block of a page, with its (visible) children.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    pub id: String,
    /// The block type (`child_page` for a sub-page).
    pub kind: String,
    /// Its plain text (rich text, table cells, expression, URL or title).
    pub text: String,
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// This node and its descendants.
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(TreeNode::count).sum::<usize>()
    }
}

/// A block of `kind` with plain `text` and children (for building trees).
pub fn text_block(kind: &str, text: &str, children: Vec<NewBlock>) -> NewBlock {
    let mut payload = json!({"rich_text": [rich_text::text(text)], "color": "default"});
    if kind == "to_do" {
        payload["checked"] = json!(false);
    }
    if kind.starts_with("heading_") {
        payload["is_toggleable"] = json!(!children.is_empty());
    }
    NewBlock {
        kind: kind.into(),
        payload,
        children,
    }
}

/// Blocks in a uniform shape: `shape[0]` at the top, each with `shape[1]`
/// children, and so on. Texts are `"{label} NNNN (level L)"`, numbered from
/// `*next` in depth-first order (so every text is unique and easy to count).
pub fn shaped_blocks(label: &str, shape: &[usize], next: &mut usize) -> Vec<NewBlock> {
    fn level(label: &str, shape: &[usize], depth: usize, next: &mut usize) -> Vec<NewBlock> {
        let Some((&n, rest)) = shape.split_first() else {
            return Vec::new();
        };
        (0..n)
            .map(|_| {
                *next += 1;
                let text = format!("{label} {:04} (level {depth})", *next);
                let children = level(label, rest, depth + 1, next);
                let kind = match depth {
                    1 if !children.is_empty() => "toggle",
                    1 => "paragraph",
                    2 => "bulleted_list_item",
                    _ => "numbered_list_item",
                };
                text_block(kind, &text, children)
            })
            .collect()
    }
    level(label, shape, 1, next)
}

fn tree_of(st: &State, id: &str) -> Vec<TreeNode> {
    st.visible_children(id)
        .into_iter()
        .filter_map(|c| {
            let block = st.block_json(&c)?;
            let kind = block["type"].as_str().unwrap_or_default().to_string();
            let text = block_text(&kind, &block[&kind]);
            let children = if kind == "child_page" {
                Vec::new()
            } else {
                tree_of(st, &c)
            };
            Some(TreeNode {
                id: c,
                kind,
                text,
                children,
            })
        })
        .collect()
}

fn flatten(nodes: &[TreeNode], out: &mut Vec<String>) {
    for n in nodes {
        out.push(n.text.clone());
        flatten(&n.children, out);
    }
}

impl Store {
    /// The ids of the demo seed's objects (when the fake was seeded).
    pub fn demo(&self) -> Option<DemoIds> {
        self.lock().demo.clone()
    }

    /// The oldest page (not in the trash) with exactly this title.
    pub fn find_page(&self, title: &str) -> Option<String> {
        let st = self.lock();
        let mut hits: Vec<(u64, String)> = st
            .pages
            .values()
            .filter(|p| !p.meta.in_trash && st.title_of(&p.id).as_deref() == Some(title))
            .map(|p| (p.meta.seq, p.id.clone()))
            .collect();
        hits.sort();
        hits.into_iter().next().map(|(_, id)| id)
    }

    /// The data source with exactly this title.
    pub fn find_data_source(&self, title: &str) -> Option<String> {
        let st = self.lock();
        st.data_sources
            .values()
            .find(|d| rich_text::plain(&json!(d.title)) == title)
            .map(|d| d.id.clone())
    }

    /// A new empty page under `parent` (a page id; the workspace when `None`).
    pub fn add_page(&self, parent: Option<&str>, title: &str) -> String {
        self.add_page_with_blocks(parent, title, Vec::new())
    }

    /// A new page holding `blocks` (no request limits apply).
    pub fn add_page_with_blocks(
        &self,
        parent: Option<&str>,
        title: &str,
        blocks: Vec<NewBlock>,
    ) -> String {
        let mut st = self.lock();
        let parent = parent.map_or(Parent::Workspace, |p| Parent::Page(p.to_string()));
        let props = HashMap::from([("title".to_string(), json!([rich_text::text(title)]))]);
        st.create_page(parent, props, Value::Null, blocks)
    }

    /// A new page whose blocks have the uniform `shape` (see [`shaped_blocks`];
    /// texts `"Block NNNN (level L)"`). `[100, 2, 1]` makes 100 top-level blocks,
    /// each with 2 children, each with 1: 500 blocks in three levels.
    pub fn add_page_with_tree(&self, parent: Option<&str>, title: &str, shape: &[usize]) -> String {
        let blocks = shaped_blocks("Block", shape, &mut 0);
        self.add_page_with_blocks(parent, title, blocks)
    }

    /// A page's or block's visible blocks, recursively (sub-pages are leaves).
    pub fn tree(&self, id: &str) -> Vec<TreeNode> {
        tree_of(&self.lock(), id)
    }

    /// Every block text under `id`, depth first.
    pub fn texts(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        flatten(&self.tree(id), &mut out);
        out
    }

    /// Direct visible children of a page or block.
    pub fn count_children(&self, id: &str) -> usize {
        self.lock().visible_children(id).len()
    }

    /// Visible blocks at every level under a page or block.
    pub fn count_descendants(&self, id: &str) -> usize {
        self.tree(id).iter().map(TreeNode::count).sum()
    }

    /// A page as `GET /v1/pages/{id}` answers it.
    pub fn page(&self, id: &str) -> Option<Value> {
        self.lock().page_json(id, false)
    }

    /// A block as `GET /v1/blocks/{id}` answers it.
    pub fn block(&self, id: &str) -> Option<Value> {
        self.lock().block_json(id)
    }

    /// A page's plain-text title.
    pub fn title(&self, id: &str) -> Option<String> {
        self.lock().title_of(id)
    }

    /// The row ids of a data source (trashed ones included), oldest first.
    pub fn rows(&self, data_source: &str) -> Vec<String> {
        self.lock()
            .data_sources
            .get(data_source)
            .map(|d| d.rows.clone())
            .unwrap_or_default()
    }

    /// The plain texts of the comments on a page or block.
    pub fn comments_on(&self, id: &str) -> Vec<String> {
        let st = self.lock();
        st.comments
            .iter()
            .filter(|c| matches!(&c.parent, Parent::Page(p) | Parent::Block(p) if p == id))
            .map(|c| rich_text::plain(&json!(c.rich_text)))
            .collect()
    }

    /// Lets the next `successes` block appends (`PATCH /v1/blocks/{id}/children`)
    /// through, then fails every later one with `status` (e.g. 500) without
    /// writing anything: a write that stops halfway.
    pub fn fail_appends_after(&self, successes: usize, status: u16) {
        self.lock().append_failure = Some((successes, status));
    }

    /// Appends succeed again.
    pub fn stop_failing_appends(&self) {
        self.lock().append_failure = None;
    }

    /// How many pages and blocks the fake holds (trash included).
    pub fn object_counts(&self) -> (usize, usize) {
        let st = self.lock();
        (st.pages.len(), st.blocks.len())
    }
}

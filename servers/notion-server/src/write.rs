//! Writing block trees within the API's limits, and saying exactly what landed when
//! a multi-request write stops halfway.
//!
//! One append request carries at most 100 blocks at its top level, at most 1,000 block
//! elements in all, under ~400 KB, and two levels of nesting: a block goes with the
//! leading run of its children that have no children themselves (up to 100). The
//! rest of its children are appended to its id (from the response) by follow-up
//! requests, before any later sibling is sent. So at every moment what exists is a
//! prefix of the document in reading order, and a failure can say: these lines
//! landed, this block is the first missing one, resend from here.

use futures::future::BoxFuture;
use serde_json::Value;
use shared::upstream::UpstreamError;

use crate::md_to_blocks::Node;

/// Most blocks at the top level of one request.
pub const MAX_CHILDREN: usize = 100;
/// Most block elements in one request.
pub const MAX_ELEMENTS: usize = 1000;
/// The JSON size one request stays under (Notion caps requests at 500 KB).
pub const MAX_BYTES: usize = 400_000;

/// Where appended blocks go (the Notion API, or a recorder in tests).
pub trait BlockSink: Send + Sync {
    /// Appends `children` under `parent` (after block `after` when given) and
    /// returns the created blocks' ids in order.
    fn append<'a>(
        &'a self,
        parent: &'a str,
        children: Vec<Value>,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, UpstreamError>>;
}

impl BlockSink for crate::client::NotionClient {
    fn append<'a>(
        &'a self,
        parent: &'a str,
        children: Vec<Value>,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, UpstreamError>> {
        Box::pin(self.append_children(parent, children, after))
    }
}

/// A block's JSON with its first `inline` children nested in it.
pub fn payload(node: &Node, inline: usize) -> Value {
    let mut block = node.block.clone();
    if inline > 0 {
        let kind = node.kind().to_string();
        let kids: Vec<Value> = node.children[..inline]
            .iter()
            .map(|c| c.block.clone())
            .collect();
        block[kind.as_str()]["children"] = Value::Array(kids);
    }
    block
}

/// How many of a node's children travel inside its own request: the leading run of
/// childless children, at most [`MAX_CHILDREN`].
pub fn inline_count(node: &Node) -> usize {
    node.children
        .iter()
        .take(MAX_CHILDREN)
        .take_while(|c| c.children.is_empty())
        .count()
}

/// The next request's nodes, from `start`: `(end, inline counts)`. The batch ends
/// after a node with children left for follow-up requests (so they are written
/// before its later siblings), and when `whole_only`, before such a node instead
/// (page creation cannot return the ids follow-ups need).
pub fn plan(nodes: &[Node], start: usize, whole_only: bool) -> (usize, Vec<usize>) {
    let mut inline = Vec::new();
    let (mut elements, mut bytes) = (0, 0);
    let mut end = start;
    while end < nodes.len() && inline.len() < MAX_CHILDREN {
        let node = &nodes[end];
        let n = inline_count(node);
        let size = 1 + n;
        let weight = payload(node, n).to_string().len();
        if !inline.is_empty() && (elements + size > MAX_ELEMENTS || bytes + weight > MAX_BYTES) {
            break;
        }
        let deferred = n < node.children.len();
        if deferred && whole_only {
            break;
        }
        inline.push(n);
        elements += size;
        bytes += weight;
        end += 1;
        if deferred {
            break;
        }
    }
    (end, inline)
}

/// How far a write got.
#[derive(Debug, Default)]
pub struct Progress {
    /// Blocks that landed (every level).
    pub written: usize,
    /// The id of the last top-level block that landed.
    pub last_top: Option<String>,
}

/// Where a write stopped.
#[derive(Debug)]
pub struct Stopped {
    /// Why the write stopped.
    pub error: UpstreamError,
    /// The block (or page) the failing request appended to.
    pub parent: String,
    /// Line the parent block came from, when it is a block this write created.
    pub parent_line: Option<usize>,
    /// The first block that did not land: its line and a short description.
    pub first_missing_line: usize,
    /// A short excerpt of that block, for the message.
    pub first_missing: String,
    /// When the failure was inside a nested block: the line of the next top-level
    /// block, which was not written either.
    pub next_top_line: Option<usize>,
}

/// Appends `nodes` under `parent` in reading order (see the module docs). `after`
/// places the first blocks after that block; later requests follow the last block
/// written. `context` describes the enclosing call for nested follow-ups.
pub fn append_all<'a, S: BlockSink>(
    sink: &'a S,
    parent: &'a str,
    nodes: &'a [Node],
    after: Option<String>,
    context: Context,
    progress: &'a mut Progress,
) -> BoxFuture<'a, Result<(), Stopped>> {
    Box::pin(async move {
        let mut after = after;
        let mut start = 0;
        while start < nodes.len() {
            let (end, inline) = plan(nodes, start, false);
            let batch = &nodes[start..end];
            let children: Vec<Value> = batch
                .iter()
                .zip(&inline)
                .map(|(n, &k)| payload(n, k))
                .collect();
            let next_top_line = if context.nested {
                context.next_top_line
            } else {
                None
            };
            let stopped = |error| Stopped {
                error,
                parent: parent.to_string(),
                parent_line: context.parent_line,
                first_missing_line: batch[0].line,
                first_missing: batch[0].excerpt(),
                next_top_line,
            };
            let ids = match sink.append(parent, children, after.as_deref()).await {
                Ok(ids) if ids.len() == batch.len() => ids,
                Ok(ids) => {
                    return Err(stopped(UpstreamError::Decode {
                        url: format!("blocks/{parent}/children"),
                        detail: format!(
                            "{} block(s) sent but {} id(s) returned",
                            batch.len(),
                            ids.len()
                        ),
                    }));
                }
                Err(e) => return Err(stopped(e)),
            };
            progress.written += batch.len() + inline.iter().sum::<usize>();
            if !context.nested {
                progress.last_top = ids.last().cloned();
            }
            if after.is_some() {
                after = ids.last().cloned();
            }
            for ((node, &k), id) in batch.iter().zip(&inline).zip(&ids) {
                if k < node.children.len() {
                    let inner = Context {
                        nested: true,
                        parent_line: Some(node.line),
                        next_top_line: if context.nested {
                            context.next_top_line
                        } else {
                            nodes.get(end).map(|n| n.line)
                        },
                    };
                    append_all(sink, id, &node.children[k..], None, inner, progress).await?;
                }
            }
            start = end;
        }
        Ok(())
    })
}

/// Where a call to [`append_all`] sits in the write.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// True for follow-up requests filling a block this write created.
    pub nested: bool,
    /// The line of the block being filled, when it is one this write created.
    pub parent_line: Option<usize>,
    /// When nested: the line of the next top-level block, not yet written.
    pub next_top_line: Option<usize>,
}

/// The message for a write that stopped: what landed, what did not, how to finish
/// without duplicates. `target` is the page (or block) the write was for, `total` its
/// block count, `created` whether the page itself was created by this call.
/// When the write was placed with `after`, `after` is the block the rest must follow.
pub fn describe(
    stop: &Stopped,
    target: &str,
    total: usize,
    written: usize,
    created: bool,
    after: Option<&str>,
) -> String {
    let place = after
        .map(|a| format!(" and after \"{a}\""))
        .unwrap_or_default();
    let mut msg = String::new();
    if created {
        msg.push_str(&format!(
            "The page was created (id {target}), but writing its content stopped: {}. ",
            stop.error
        ));
    } else {
        msg.push_str(&format!("Writing to {target} stopped: {}. ", stop.error));
    }
    msg.push_str(&format!(
        "{written} of {total} blocks landed: everything before Markdown line {} is in Notion, in order. ",
        stop.first_missing_line
    ));
    match (stop.parent_line, stop.parent == target) {
        (Some(parent_line), false) => {
            msg.push_str(&format!(
                "Missing: the nested content of the block from line {parent_line} (block id {}) from line {} on ({}), ",
                stop.parent, stop.first_missing_line, stop.first_missing
            ));
            match stop.next_top_line {
                Some(next) => msg.push_str(&format!(
                    "and everything from line {next} on. To finish, call append_markdown with page_id \"{}\" and the nested lines {}..{} (unindented), then append_markdown with page_id \"{target}\"{place} and the Markdown from line {next} on.",
                    stop.parent,
                    stop.first_missing_line,
                    next.saturating_sub(1)
                )),
                None => msg.push_str(&format!(
                    "which is the end of the document. To finish, call append_markdown with page_id \"{}\" and the nested lines from {} on (unindented).",
                    stop.parent, stop.first_missing_line
                )),
            }
        }
        _ => msg.push_str(&format!(
            "Missing: everything from line {} on ({}). To finish, call append_markdown with page_id \"{target}\"{place} and only the Markdown from line {} on.",
            stop.first_missing_line, stop.first_missing, stop.first_missing_line
        )),
    }
    if matches!(stop.error, UpstreamError::OutcomeUnknown { .. }) {
        msg.push_str(" Caution: the last request timed out, so the blocks from that line may have landed after all; read the page with get_page before resending.");
    }
    msg
}

#[cfg(test)]
mod tests;

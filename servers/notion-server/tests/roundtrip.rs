//! Markdown -> blocks -> Markdown keeps the meaning: the fixture covering every
//! supported block type comes back byte for byte, and parsing the output again
//! gives the same blocks.

use notion_server::blocks_to_md::{self, BlockNode};
use notion_server::md_to_blocks::{self, Node};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/all_blocks.md");

/// The blocks as the API would return them after a write: ids, `has_children`, and
/// children listed separately.
fn as_read_back(nodes: &[Node], next_id: &mut u32) -> Vec<BlockNode> {
    nodes
        .iter()
        .map(|n| {
            *next_id += 1;
            let mut block: Value = n.block.clone();
            block["id"] = Value::String(format!("{:08x}-0000-4000-8000-000000000000", *next_id));
            block["has_children"] = Value::Bool(!n.children.is_empty());
            let kids = as_read_back(&n.children, next_id);
            if kids.is_empty() {
                BlockNode::leaf(block)
            } else {
                BlockNode::with_children(block, kids)
            }
        })
        .collect()
}

fn blocks_only(nodes: &[Node]) -> Vec<(Value, Value)> {
    nodes
        .iter()
        .map(|n| {
            (
                n.block.clone(),
                serde_json::json!(blocks_only(&n.children).len()),
            )
        })
        .collect()
}

#[test]
fn fixture_round_trips_exactly() {
    let nodes = md_to_blocks::parse(FIXTURE).expect("fixture parses");
    let back = blocks_to_md::render(&as_read_back(&nodes, &mut 0));
    let want = FIXTURE.trim_end();
    if back != want {
        for (i, (a, b)) in want.lines().zip(back.lines()).enumerate() {
            assert_eq!(a, b, "first difference at line {}", i + 1);
        }
        assert_eq!(back, want);
    }
}

#[test]
fn rendering_then_parsing_gives_the_same_blocks() {
    let first = md_to_blocks::parse(FIXTURE).unwrap();
    let md = blocks_to_md::render(&as_read_back(&first, &mut 0));
    let second = md_to_blocks::parse(&md).unwrap();
    assert_eq!(blocks_only(&first), blocks_only(&second));
    fn same(a: &[Node], b: &[Node]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x.block, y.block);
            same(&x.children, &y.children);
        }
    }
    same(&first, &second);
}

#[test]
fn tricky_text_survives_the_round_trip() {
    let md = "Price: $5 * 3 = 15, a_b, 2 < 3, [not a link], `x`, #hash, ~tilde~\n\n1\\. not a list";
    let nodes = md_to_blocks::parse(md).unwrap();
    let back = blocks_to_md::render(&as_read_back(&nodes, &mut 0));
    let again = md_to_blocks::parse(&back).unwrap();
    let text = |n: &[Node]| {
        n.iter()
            .map(|x| notion_server::rich_text::plain_text(&x.block["paragraph"]["rich_text"]))
            .collect::<Vec<_>>()
    };
    assert_eq!(text(&nodes), text(&again));
    assert_eq!(text(&nodes)[1], "1. not a list");
}

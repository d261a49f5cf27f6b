//! Markdown to blocks: every block type, inline formatting, nesting, and the
//! API limits (2,000 characters per text object, 100 objects per array).

use super::*;

fn kinds(nodes: &[Node]) -> Vec<&str> {
    nodes.iter().map(Node::kind).collect()
}

fn text_of(node: &Node) -> String {
    rich_text::plain_text(&node.block[node.kind()]["rich_text"])
}

#[test]
fn headings_paragraphs_and_dividers() {
    let nodes = parse("# One\n\n## Two\n\n### Three\n\n#### Four\n\nplain text\n\n---\n").unwrap();
    assert_eq!(
        kinds(&nodes),
        [
            "heading_1",
            "heading_2",
            "heading_3",
            "heading_3",
            "paragraph",
            "divider"
        ]
    );
    assert_eq!(text_of(&nodes[3]), "Four");
    assert_eq!(nodes[4].line, 9);
}

#[test]
fn inline_formatting_becomes_annotations() {
    let nodes = parse("a **b** *c* ~~d~~ `e` [f](https://x.dev) $g$ <u>h</u>").unwrap();
    let items = nodes[0].block["paragraph"]["rich_text"].as_array().unwrap();
    let find = |t: &str| {
        items
            .iter()
            .find(|i| i["text"]["content"] == t)
            .unwrap_or_else(|| panic!("{t} in {items:?}"))
            .clone()
    };
    assert_eq!(find("b")["annotations"]["bold"], true);
    assert_eq!(find("c")["annotations"]["italic"], true);
    assert_eq!(find("d")["annotations"]["strikethrough"], true);
    assert_eq!(find("e")["annotations"]["code"], true);
    assert_eq!(find("f")["text"]["link"]["url"], "https://x.dev");
    assert_eq!(find("h")["annotations"]["underline"], true);
    assert!(
        items
            .iter()
            .any(|i| i["type"] == "equation" && i["equation"]["expression"] == "g")
    );
}

#[test]
fn nested_lists_and_todos_keep_their_structure() {
    let md = "- a\n  - b\n    1. c\n- [x] done\n- [ ] open\n";
    let nodes = parse(md).unwrap();
    assert_eq!(kinds(&nodes), ["bulleted_list_item", "to_do", "to_do"]);
    assert_eq!(nodes[1].block["to_do"]["checked"], true);
    assert_eq!(nodes[2].block["to_do"]["checked"], false);
    let b = &nodes[0].children[0];
    assert_eq!(text_of(b), "b");
    assert_eq!(b.children[0].kind(), "numbered_list_item");
    assert_eq!(text_of(&b.children[0]), "c");
    assert_eq!(b.children[0].line, 3);
}

#[test]
fn loose_items_and_bold_starts_are_kept() {
    let nodes = parse("- **bold** start\n\n  second paragraph\n").unwrap();
    assert_eq!(text_of(&nodes[0]), "bold start");
    assert_eq!(nodes[0].children[0].kind(), "paragraph");
}

#[test]
fn quotes_callouts_and_toggles() {
    let md = "> quoted\n>\n> more\n\n> [!TIP]\n> 🚀 go\n\n<details>\n<summary>Title *x*</summary>\n\ninside\n\n</details>\n";
    let nodes = parse(md).unwrap();
    assert_eq!(kinds(&nodes), ["quote", "callout", "toggle"]);
    assert_eq!(text_of(&nodes[0]), "quoted");
    assert_eq!(kinds(&nodes[0].children), ["paragraph"]);
    let callout = &nodes[1].block["callout"];
    assert_eq!(callout["icon"]["emoji"], "🚀");
    assert_eq!(callout["color"], "green_background");
    assert_eq!(rich_text::plain_text(&callout["rich_text"]), "go");
    assert_eq!(text_of(&nodes[2]), "Title x");
    assert_eq!(text_of(&nodes[2].children[0]), "inside");
}

#[test]
fn code_tables_math_and_media() {
    let md = "```py\nprint(1)\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n$$x^2$$\n\n![alt](https://e.x/i.png)\n\n[Video: demo](https://e.x/v.mp4)\n\n[Bookmark](https://e.x)\n";
    let nodes = parse(md).unwrap();
    assert_eq!(
        kinds(&nodes),
        ["code", "table", "equation", "image", "video", "bookmark"]
    );
    assert_eq!(nodes[0].block["code"]["language"], "python");
    assert_eq!(text_of(&nodes[0]), "print(1)");
    let table = &nodes[1];
    assert_eq!(table.block["table"]["table_width"], 2);
    assert_eq!(table.block["table"]["has_column_header"], true);
    assert_eq!(kinds(&table.children), ["table_row", "table_row"]);
    assert_eq!(nodes[2].block["equation"]["expression"], "x^2");
    assert_eq!(
        nodes[3].block["image"]["external"]["url"],
        "https://e.x/i.png"
    );
    assert_eq!(
        rich_text::plain_text(&nodes[4].block["video"]["caption"]),
        "demo"
    );
}

#[test]
fn an_image_inside_text_becomes_its_own_block() {
    let nodes = parse("before ![i](https://e.x/i.png) after").unwrap();
    assert_eq!(kinds(&nodes), ["paragraph", "image", "paragraph"]);
}

#[test]
fn a_relative_image_is_refused_before_writing() {
    let err = parse("text\n\n![d](./d.png)").unwrap_err();
    assert!(err.contains("line 3") && err.contains("./d.png"), "{err}");
}

#[test]
fn long_text_is_split_at_2000_characters() {
    let long = "x".repeat(4500);
    let nodes = parse(&long).unwrap();
    let items = nodes[0].block["paragraph"]["rich_text"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i["text"]["content"].as_str().unwrap().chars().count() <= 2000)
    );
    let code = parse(&format!("```\n{}\n```", "y".repeat(2500))).unwrap();
    assert_eq!(
        code[0].block["code"]["rich_text"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn a_paragraph_over_100_text_objects_is_split() {
    let md: String = (0..150).map(|i| format!("**b{i}** n ")).collect();
    let nodes = parse(&md).unwrap();
    assert!(nodes.len() >= 3, "{}", nodes.len());
    for n in &nodes {
        assert!(n.block["paragraph"]["rich_text"].as_array().unwrap().len() <= 100);
    }
}

#[test]
fn html_comments_are_dropped_and_other_html_kept_as_text() {
    let nodes = parse("<!-- note -->\n\n<div>hi</div>\n").unwrap();
    assert_eq!(kinds(&nodes), ["paragraph"]);
    assert_eq!(text_of(&nodes[0]), "<div>hi</div>");
}

#[test]
fn languages_map_to_notion_names() {
    assert_eq!(notion_language("rust"), "rust");
    assert_eq!(notion_language("ts"), "typescript");
    assert_eq!(notion_language("C++"), "c++");
    assert_eq!(notion_language(""), "plain text");
    assert_eq!(notion_language("brainfuck"), "plain text");
    assert_eq!(notion_language("python title=x.py"), "python");
}

#[test]
fn emoji_icons_are_recognised() {
    assert_eq!(split_emoji("💡 idea"), Some(("💡", "idea")));
    assert_eq!(split_emoji("⚠️ careful"), Some(("⚠️", "careful")));
    assert_eq!(split_emoji("👩‍💻 dev"), Some(("👩‍💻", "dev")));
    assert_eq!(split_emoji("plain"), None);
    assert_eq!(split_emoji("é accent"), None);
}

#[test]
fn every_fixture_block_type_is_produced() {
    let md = include_str!("../../tests/fixtures/all_blocks.md");
    let nodes = parse(md).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    fn walk<'a>(nodes: &'a [Node], seen: &mut std::collections::BTreeSet<&'a str>) {
        for n in nodes {
            seen.insert(n.kind());
            walk(&n.children, seen);
        }
    }
    walk(&nodes, &mut seen);
    for kind in [
        "heading_1",
        "heading_2",
        "heading_3",
        "paragraph",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "toggle",
        "quote",
        "callout",
        "code",
        "divider",
        "table",
        "table_row",
        "image",
        "video",
        "pdf",
        "file",
        "audio",
        "bookmark",
        "embed",
        "equation",
    ] {
        assert!(seen.contains(kind), "{kind} missing from {seen:?}");
    }
}

#[test]
fn loose_task_lists_are_still_to_dos() {
    let nodes = parse("- [ ] a\n\n- [x] b\n").unwrap();
    assert_eq!(kinds(&nodes), ["to_do", "to_do"]);
    assert_eq!(nodes[1].block["to_do"]["checked"], true);
    assert_eq!(text_of(&nodes[0]), "a");
}

#[test]
fn toggles_survive_odd_html() {
    let nodes = parse("<details>\n<summary>open</summary>\n\nnever closed\n").unwrap();
    assert_eq!(kinds(&nodes), ["toggle"]);
    assert_eq!(text_of(&nodes[0].children[0]), "never closed");
    let nodes = parse("</details>\n\ntext\n").unwrap();
    assert_eq!(kinds(&nodes), ["paragraph"]);
    let nodes = parse(
        "- item\n\n  <details>\n  <summary>in list</summary>\n\n  body\n\n  </details>\n- next\n",
    )
    .unwrap();
    assert_eq!(kinds(&nodes), ["bulleted_list_item", "bulleted_list_item"]);
    let toggle = &nodes[0].children[0];
    assert_eq!(toggle.kind(), "toggle");
    assert_eq!(text_of(&toggle.children[0]), "body");
}

#[test]
fn empty_and_whitespace_markdown_gives_no_blocks() {
    assert!(parse("").unwrap().is_empty());
    assert!(parse("\n\n   \n").unwrap().is_empty());
}

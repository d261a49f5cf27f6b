//! Batching (100 children, 1,000 elements, two levels per request), order, and the
//! partial-failure report, against a recording sink.

use super::*;
use crate::md_to_blocks::parse;
use std::sync::Mutex;

/// One recorded append: parent, children, `after`.
type Call = (String, Vec<Value>, Option<String>);

/// Records every append and answers with fresh ids; fails the request numbered
/// `fail_at` (1-based) when set.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<Call>>,
    fail_at: Option<usize>,
    timeout: bool,
}

impl BlockSink for Recorder {
    fn append<'a>(
        &'a self,
        parent: &'a str,
        children: Vec<Value>,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, UpstreamError>> {
        Box::pin(async move {
            let mut calls = self.calls.lock().unwrap();
            let n = calls.len() + 1;
            if self.fail_at == Some(n) {
                return Err(if self.timeout {
                    UpstreamError::OutcomeUnknown {
                        method: shared::upstream::Method::PATCH,
                        url: format!("blocks/{parent}/children"),
                    }
                } else {
                    UpstreamError::Status {
                        url: format!("blocks/{parent}/children"),
                        status: 500,
                        attempts: 1,
                        message: "boom".into(),
                    }
                });
            }
            let ids = (0..children.len()).map(|i| format!("r{n}b{i}")).collect();
            calls.push((parent.to_string(), children, after.map(str::to_string)));
            Ok(ids)
        })
    }
}

/// Levels of nesting in one request's children (1 = no nested children).
fn depth(blocks: &[Value]) -> usize {
    blocks
        .iter()
        .map(|b| {
            let kind = b["type"].as_str().unwrap();
            match b[kind]["children"].as_array() {
                Some(kids) => 1 + depth(kids),
                None => 1,
            }
        })
        .max()
        .unwrap_or(0)
}

fn elements(blocks: &[Value]) -> usize {
    blocks
        .iter()
        .map(|b| {
            let kind = b["type"].as_str().unwrap();
            1 + b[kind]["children"].as_array().map_or(0, |k| elements(k))
        })
        .sum()
}

async fn run(md: &str, sink: &Recorder) -> (Result<(), Stopped>, usize, usize) {
    let nodes = parse(md).unwrap();
    let mut progress = Progress::default();
    let r = append_all(
        sink,
        "page",
        &nodes,
        None,
        Context::default(),
        &mut progress,
    )
    .await;
    (r, progress.written, crate::md_to_blocks::count(&nodes))
}

#[tokio::test]
async fn top_level_blocks_go_in_batches_of_100() {
    let md: String = (0..250).map(|i| format!("paragraph {i}\n\n")).collect();
    let sink = Recorder::default();
    let (r, written, total) = run(&md, &sink).await;
    r.unwrap();
    assert_eq!((written, total), (250, 250));
    let calls = sink.calls.lock().unwrap();
    let sizes: Vec<usize> = calls.iter().map(|c| c.1.len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert!(calls.iter().all(|c| c.0 == "page"));
}

#[tokio::test]
async fn deep_nesting_is_sent_two_levels_at_a_time_in_order() {
    let md = "- a\n  - b\n    - c\n      - d\n- e\n";
    let sink = Recorder::default();
    let (r, written, total) = run(md, &sink).await;
    r.unwrap();
    assert_eq!((written, total), (5, 5));
    let calls = sink.calls.lock().unwrap();
    for c in calls.iter() {
        assert!(depth(&c.1) <= 2, "{:?}", c.1);
    }
    let text = |v: &Value| {
        let k = v["type"].as_str().unwrap();
        crate::rich_text::plain_text(&v[k]["rich_text"])
    };
    // a alone; then b under a; then c (with d inline) under b; then e under the page.
    assert_eq!(calls[0].0, "page");
    assert_eq!(text(&calls[0].1[0]), "a");
    assert_eq!(calls[1].0, "r1b0");
    assert_eq!(text(&calls[1].1[0]), "b");
    assert_eq!(calls[2].0, "r2b0");
    assert_eq!(text(&calls[2].1[0]), "c");
    assert_eq!(
        text(&calls[2].1[0]["bulleted_list_item"]["children"][0]),
        "d"
    );
    assert_eq!(calls[3].0, "page");
    assert_eq!(text(&calls[3].1[0]), "e");
}

#[tokio::test]
async fn leaf_children_travel_with_their_parent() {
    let md = "- a\n  - b\n  - c\n- d\n";
    let sink = Recorder::default();
    run(md, &sink).await.0.unwrap();
    let calls = sink.calls.lock().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(depth(&calls[0].1), 2);
    assert_eq!(elements(&calls[0].1), 4);
}

#[tokio::test]
async fn a_table_over_100_rows_continues_under_the_table() {
    let mut md = String::from("| h |\n|---|\n");
    for i in 0..149 {
        md.push_str(&format!("| r{i} |\n"));
    }
    let sink = Recorder::default();
    let (r, written, total) = run(&md, &sink).await;
    r.unwrap();
    assert_eq!((written, total), (151, 151));
    let calls = sink.calls.lock().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[0].1[0]["table"]["children"].as_array().unwrap().len(),
        100
    );
    assert_eq!(calls[1].0, "r1b0");
    assert_eq!(calls[1].1.len(), 50);
    assert!(calls[1].1.iter().all(|b| b["type"] == "table_row"));
}

#[tokio::test]
async fn a_request_stays_under_1000_block_elements() {
    let mut md = String::new();
    for i in 0..100 {
        md.push_str(&format!("- item {i}\n"));
        for j in 0..20 {
            md.push_str(&format!("  - sub {j}\n"));
        }
    }
    let sink = Recorder::default();
    let (r, written, total) = run(&md, &sink).await;
    r.unwrap();
    assert_eq!(written, total);
    let calls = sink.calls.lock().unwrap();
    assert!(calls.len() >= 3);
    for c in calls.iter() {
        assert!(elements(&c.1) <= MAX_ELEMENTS);
        assert!(c.1.len() <= MAX_CHILDREN);
    }
}

#[tokio::test]
async fn a_failure_says_exactly_what_landed() {
    let md: String = (0..250).map(|i| format!("paragraph {i}\n\n")).collect();
    let sink = Recorder {
        fail_at: Some(2),
        ..Default::default()
    };
    let (r, written, total) = run(&md, &sink).await;
    let stop = r.unwrap_err();
    assert_eq!(written, 100);
    // Paragraph 100 starts on line 201.
    assert_eq!(stop.first_missing_line, 201);
    let msg = describe(&stop, "page", total, written, false, None);
    assert!(msg.contains("100 of 250 blocks landed"), "{msg}");
    assert!(msg.contains("before Markdown line 201"), "{msg}");
    assert!(msg.contains("\"paragraph 100\""), "{msg}");
    assert!(msg.contains("from line 201 on"), "{msg}");
    assert!(!msg.contains("Caution"), "{msg}");
}

#[tokio::test]
async fn a_nested_failure_names_the_block_to_complete() {
    let md = "- a\n  - b\n    - c\n- e\n";
    let sink = Recorder {
        fail_at: Some(2),
        ..Default::default()
    };
    let (r, written, total) = run(md, &sink).await;
    let stop = r.unwrap_err();
    assert_eq!((written, total), (1, 4));
    let msg = describe(&stop, "page", total, written, false, None);
    assert!(msg.contains("block from line 1 (block id r1b0)"), "{msg}");
    assert!(msg.contains("from line 2 on"), "{msg}");
    assert!(msg.contains("everything from line 4 on"), "{msg}");
}

#[tokio::test]
async fn a_timeout_warns_the_last_request_may_have_landed() {
    let md: String = (0..150).map(|i| format!("p{i}\n\n")).collect();
    let sink = Recorder {
        fail_at: Some(1),
        timeout: true,
        ..Default::default()
    };
    let (r, written, total) = run(&md, &sink).await;
    let msg = describe(&r.unwrap_err(), "page", total, written, true, None);
    assert!(msg.contains("The page was created (id page)"), "{msg}");
    assert!(msg.contains("may have landed"), "{msg}");
}

#[tokio::test]
async fn after_moves_along_with_each_batch() {
    let md: String = (0..150).map(|i| format!("p{i}\n\n")).collect();
    let nodes = parse(&md).unwrap();
    let sink = Recorder::default();
    let mut progress = Progress::default();
    append_all(
        &sink,
        "page",
        &nodes,
        Some("anchor".into()),
        Context::default(),
        &mut progress,
    )
    .await
    .unwrap();
    let calls = sink.calls.lock().unwrap();
    assert_eq!(calls[0].2.as_deref(), Some("anchor"));
    assert_eq!(calls[1].2.as_deref(), Some("r1b99"));
}

#[test]
fn page_creation_takes_only_whole_blocks() {
    let nodes = parse("intro\n\n- a\n  - b\n    - c\n\nend\n").unwrap();
    let (end, inline) = plan(&nodes, 0, true);
    assert_eq!((end, inline), (1, vec![0]));
    let (end, _) = plan(&nodes, 1, false);
    assert_eq!(end, 2);
}

#[tokio::test]
async fn a_placed_write_says_where_the_rest_goes() {
    let md: String = (0..150).map(|i| format!("p{i}\n\n")).collect();
    let nodes = parse(&md).unwrap();
    let sink = Recorder {
        fail_at: Some(2),
        ..Default::default()
    };
    let mut progress = Progress::default();
    let stop = append_all(
        &sink,
        "page",
        &nodes,
        Some("anchor".into()),
        Context::default(),
        &mut progress,
    )
    .await
    .unwrap_err();
    assert_eq!(progress.last_top.as_deref(), Some("r1b99"));
    let msg = describe(
        &stop,
        "page",
        150,
        progress.written,
        false,
        progress.last_top.as_deref(),
    );
    assert!(
        msg.contains("page_id \"page\" and after \"r1b99\""),
        "{msg}"
    );
}

//! Property values flattened for reading and converted for writing.

use super::*;

fn rt(text: &str) -> Value {
    json!([{"type": "text", "text": {"content": text}, "plain_text": text}])
}

#[test]
fn every_property_type_flattens_to_a_readable_value() {
    let props = json!({
        "Name": {"type": "title", "title": rt("Launch")},
        "Notes": {"type": "rich_text", "rich_text": rt("long text")},
        "Budget": {"type": "number", "number": 12.5},
        "Stage": {"type": "select", "select": {"name": "Beta", "color": "blue"}},
        "Tags": {"type": "multi_select", "multi_select": [{"name": "a"}, {"name": "b"}]},
        "Status": {"type": "status", "status": {"name": "In progress"}},
        "Due": {"type": "date", "date": {"start": "2025-07-01", "end": "2025-07-03", "time_zone": null}},
        "When": {"type": "date", "date": null},
        "Owner": {"type": "people", "people": [{"object": "user", "id": "u1", "name": "Ada"}, {"object": "user", "id": "u2"}]},
        "Done": {"type": "checkbox", "checkbox": true},
        "Site": {"type": "url", "url": "https://x.dev"},
        "Mail": {"type": "email", "email": "a@x.dev"},
        "Phone": {"type": "phone_number", "phone_number": "+1 555"},
        "Score": {"type": "formula", "formula": {"type": "number", "number": 42}},
        "Label": {"type": "formula", "formula": {"type": "string", "string": "hot"}},
        "Next": {"type": "formula", "formula": {"type": "date", "date": {"start": "2025-08-01"}}},
        "Links": {"type": "relation", "relation": [{"id": "p1"}, {"id": "p2"}], "has_more": true},
        "Total": {"type": "rollup", "rollup": {"type": "number", "number": 7, "function": "sum"}},
        "Names": {"type": "rollup", "rollup": {"type": "array", "array": [
            {"type": "title", "title": rt("x")}, {"type": "number", "number": 3}]}},
        "Created": {"type": "created_time", "created_time": "2025-01-01T00:00:00.000Z"},
        "Edited": {"type": "last_edited_time", "last_edited_time": "2025-01-02T00:00:00.000Z"},
        "Author": {"type": "created_by", "created_by": {"object": "user", "id": "u3", "name": "Linus"}},
        "Editor": {"type": "last_edited_by", "last_edited_by": {"object": "user", "id": "u4"}},
        "Ticket": {"type": "unique_id", "unique_id": {"prefix": "ENG", "number": 12}},
        "Seq": {"type": "unique_id", "unique_id": {"prefix": null, "number": 5}},
        "Files": {"type": "files", "files": [
            {"name": "a.pdf", "type": "file", "file": {"url": "https://s3/a.pdf"}},
            {"name": "b", "type": "external", "external": {"url": "https://e/b.png"}}]}
    });
    let flat = flatten_all(&props);
    let want = json!({
        "Name": "Launch", "Notes": "long text", "Budget": 12.5, "Stage": "Beta",
        "Tags": ["a", "b"], "Status": "In progress", "Due": "2025-07-01 → 2025-07-03",
        "When": null, "Owner": ["Ada", "u2"], "Done": true, "Site": "https://x.dev",
        "Mail": "a@x.dev", "Phone": "+1 555", "Score": 42, "Label": "hot",
        "Next": "2025-08-01", "Links": ["p1", "p2", "…"], "Total": 7, "Names": ["x", 3],
        "Created": "2025-01-01T00:00:00.000Z", "Edited": "2025-01-02T00:00:00.000Z",
        "Author": "Linus", "Editor": "u4", "Ticket": "ENG-12", "Seq": 5,
        "Files": ["https://s3/a.pdf", "https://e/b.png"]
    });
    assert_eq!(Value::Object(flat), want);
    assert_eq!(display(&json!(["a", null, 3])), "a, 3");
    assert_eq!(title(&json!({"properties": props})), "Launch");
}

fn schema() -> Value {
    json!({
        "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
        "Notes": {"type": "rich_text", "rich_text": {}},
        "Budget": {"type": "number", "number": {"format": "dollar"}},
        "Stage": {"type": "select", "select": {"options": [{"name": "Beta"}]}},
        "Tags": {"type": "multi_select", "multi_select": {"options": []}},
        "Status": {"type": "status", "status": {"options": [], "groups": []}},
        "Due": {"type": "date", "date": {}},
        "Owner": {"type": "people", "people": {}},
        "Done": {"type": "checkbox", "checkbox": {}},
        "Site": {"type": "url", "url": {}},
        "Links": {"type": "relation", "relation": {"data_source_id": "ds2"}},
        "Files": {"type": "files", "files": {}},
        "Score": {"type": "formula", "formula": {"expression": "1"}}
    })
}

#[test]
fn simple_values_convert_with_the_schema() {
    let input: Map<String, Value> = serde_json::from_value(json!({
        "name": "Launch **v2**",
        "Notes": "see [docs](https://x.dev)",
        "Budget": "12.5",
        "Stage": "Beta",
        "Tags": "a, b",
        "Status": "Done",
        "Due": "2025-07-01/2025-07-03",
        "Owner": ["1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"],
        "Done": "yes",
        "Site": null,
        "Links": "https://www.notion.so/Page-2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7",
        "Files": ["https://e.x/a.pdf"]
    }))
    .unwrap();
    let out = convert(Some(&schema()), &input).unwrap();
    assert_eq!(out["Name"]["title"][1]["annotations"]["bold"], true);
    assert_eq!(
        out["Notes"]["rich_text"][1]["text"]["link"]["url"],
        "https://x.dev"
    );
    assert_eq!(out["Budget"], json!({"number": 12.5}));
    assert_eq!(out["Stage"], json!({"select": {"name": "Beta"}}));
    assert_eq!(
        out["Tags"],
        json!({"multi_select": [{"name": "a"}, {"name": "b"}]})
    );
    assert_eq!(out["Status"], json!({"status": {"name": "Done"}}));
    assert_eq!(
        out["Due"],
        json!({"date": {"start": "2025-07-01", "end": "2025-07-03"}})
    );
    assert_eq!(
        out["Owner"],
        json!({"people": [{"object": "user", "id": "1a2b3c4d-5e6f-47a8-b9c0-d1e2f3a4b5c6"}]})
    );
    assert_eq!(out["Done"], json!({"checkbox": true}));
    assert_eq!(out["Site"], json!({"url": null}));
    assert_eq!(
        out["Links"],
        json!({"relation": [{"id": "2b3c4d5e-6f7a-48b9-c0d1-e2f3a4b5c6d7"}]})
    );
    assert_eq!(
        out["Files"]["files"][0]["external"]["url"],
        "https://e.x/a.pdf"
    );
}

#[test]
fn typed_values_pass_through() {
    let input: Map<String, Value> =
        serde_json::from_value(json!({"Stage": {"select": {"name": "Beta"}}})).unwrap();
    let out = convert(Some(&schema()), &input).unwrap();
    assert_eq!(out["Stage"], json!({"select": {"name": "Beta"}}));
}

#[test]
fn problems_are_all_reported_before_writing() {
    let input: Map<String, Value> = serde_json::from_value(json!({
        "Nope": 1, "Score": 3, "Budget": "lots", "Due": "next week"
    }))
    .unwrap();
    let err = convert(Some(&schema()), &input).unwrap_err();
    assert!(err.contains("unknown property `Nope`"), "{err}");
    assert!(err.contains("Name (title)"), "{err}");
    assert!(
        err.contains("`Score` (formula): computed by Notion"),
        "{err}"
    );
    assert!(err.contains("`lots` is not a number"), "{err}");
    assert!(err.contains("not an ISO 8601 date"), "{err}");
}

#[test]
fn a_page_under_a_page_has_only_a_title() {
    let input: Map<String, Value> = serde_json::from_value(json!({"title": "Hello"})).unwrap();
    let out = convert(None, &input).unwrap();
    assert_eq!(out["title"]["title"][0]["text"]["content"], "Hello");
    let bad: Map<String, Value> = serde_json::from_value(json!({"Status": "x"})).unwrap();
    assert!(convert(None, &bad).unwrap_err().contains("only `title`"));
}

#[test]
fn schema_description_lists_types_and_options() {
    let s = describe_schema(&json!({
        "Stage": {"type": "select", "select": {"options": [{"name": "Alpha"}, {"name": "Beta"}]}},
        "Status": {"type": "status", "status": {"options": [{"name": "Todo"}], "groups": [{"name": "To-do"}]}},
        "Score": {"type": "formula", "formula": {"expression": "prop(\"x\")"}}
    }));
    assert!(s.contains("- Stage (select): Alpha, Beta"), "{s}");
    assert!(s.contains("- Status (status): Todo (groups: To-do)"), "{s}");
    assert!(s.contains("[read-only]"), "{s}");
}

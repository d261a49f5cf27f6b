//! Facts about Notion's API that notion-server and the fake Notion each keep a copy
//! of: the code languages a `code` block accepts and the property types a write
//! cannot set. The fake follows Notion; when Notion changes, both copies change, and
//! this test fails until they agree again.

use std::collections::BTreeSet;

/// The items of `list`, checked for repeats.
fn set<'a>(name: &str, list: &[&'a str]) -> BTreeSet<&'a str> {
    let set: BTreeSet<&str> = list.iter().copied().collect();
    assert_eq!(set.len(), list.len(), "{name} names an item twice");
    set
}

/// Both sides' lists, and what only one side has.
fn assert_same(what: &str, server: &[&str], fake: &[&str]) {
    let server = set(&format!("notion-server's {what}"), server);
    let fake = set(&format!("the fake's {what}"), fake);
    let only_server: Vec<_> = server.difference(&fake).collect();
    let only_fake: Vec<_> = fake.difference(&server).collect();
    assert!(
        only_server.is_empty() && only_fake.is_empty(),
        "{what} drifted: only in notion-server {only_server:?}, only in the fake {only_fake:?}"
    );
}

#[test]
fn code_languages_match_the_fake() {
    assert_same(
        "code languages",
        notion_server::code_language::LANGUAGES,
        fake_apis::notion::blocks::LANGUAGES,
    );
}

#[test]
fn read_only_property_types_match_the_fake() {
    assert_same(
        "read-only property types",
        notion_server::properties::READ_ONLY,
        fake_apis::notion::properties::READ_ONLY,
    );
}

//! The demo workspace ("Acme Robotics"): a "Team Handbook" page using every block
//! type, its "Engineering Onboarding" sub-page, a "Projects" database (one data
//! source, 25 rows, every property type), comments, and a "Big page" of 500
//! blocks in three levels whose child lists run past 100 entries.
//!
//! The seed goes through the same checks as requests (in [`Mode::Seed`], which
//! lifts the per-request limits) and uses fixed timestamps and ids, so it is the
//! same in every run.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::blocks::{BlockParser, Mode, NewBlock};
use super::properties::{self, PropSchema, options, status_options};
use super::rich_text;
use super::store::{DemoIds, Parent, State};
use super::time;
use super::tree::{shaped_blocks, text_block};

fn t(s: &str) -> Value {
    json!({"type": "text", "text": {"content": s}})
}

fn styled(s: &str, annotation: &str) -> Value {
    json!({"type": "text", "text": {"content": s}, "annotations": {annotation: true}})
}

fn colored(s: &str, color: &str) -> Value {
    json!({"type": "text", "text": {"content": s}, "annotations": {"color": color}})
}

fn link(s: &str, url: &str) -> Value {
    json!({"type": "text", "text": {"content": s, "link": {"url": url}}})
}

fn eq(expression: &str) -> Value {
    json!({"type": "equation", "equation": {"expression": expression}})
}

fn mention(kind: &str, body: Value) -> Value {
    json!({"type": "mention", "mention": {"type": kind, kind: body}})
}

fn blk(kind: &str, rich: Vec<Value>) -> Value {
    json!({"type": kind, kind: {"rich_text": rich}})
}

fn p(s: &str) -> Value {
    blk("paragraph", vec![t(s)])
}

fn li(s: &str) -> Value {
    blk("bulleted_list_item", vec![t(s)])
}

fn num(s: &str) -> Value {
    blk("numbered_list_item", vec![t(s)])
}

fn with(mut block: Value, key: &str, value: Value) -> Value {
    let kind = block["type"].as_str().unwrap_or_default().to_string();
    block[kind][key] = value;
    block
}

fn nest(block: Value, children: Vec<Value>) -> Value {
    with(block, "children", json!(children))
}

fn media(kind: &str, url: &str, caption: &str) -> Value {
    json!({"type": kind, kind: {"type": "external", "external": {"url": url}, "caption": [t(caption)]}})
}

fn row(cells: &[&str]) -> Value {
    let cells: Vec<Value> = cells.iter().map(|c| json!([t(c)])).collect();
    json!({"type": "table_row", "table_row": {"cells": cells}})
}

fn parse(st: &State, blocks: Vec<Value>) -> Vec<NewBlock> {
    BlockParser::new(st, Mode::Seed)
        .children(&json!(blocks), "seed", 1, "page", None)
        .unwrap_or_else(|e| panic!("the demo seed is invalid: {}", e.message))
}

fn title_props(title: &str) -> HashMap<String, Value> {
    HashMap::from([("title".to_string(), json!([rich_text::text(title)]))])
}

fn emoji(e: &str) -> Value {
    json!({"type": "emoji", "emoji": e})
}

fn later(st: &mut State, minutes: i64) {
    st.clock = st.clock.map(|c| c + minutes * 60);
}

struct People {
    maya: String,
    jonas: String,
    priya: String,
    luis: String,
}

/// Fills an empty state with the demo workspace.
pub fn seed(st: &mut State) {
    st.clock = Some(time::unix_of(2025, 5, 12, 8, 30));
    let people = People {
        maya: st.add_user("Maya Chen", "maya.chen@acme-robotics.example"),
        jonas: st.add_user("Jonas Weber", "jonas.weber@acme-robotics.example"),
        priya: st.add_user("Priya Raman", "priya.raman@acme-robotics.example"),
        luis: st.add_user("Luis Ortega", "luis.ortega@acme-robotics.example"),
    };
    let handbook = st.create_page(
        Parent::Workspace,
        title_props("Team Handbook"),
        emoji("📘"),
        Vec::new(),
    );
    later(st, 5);
    let blocks = parse(st, handbook_blocks(&people));
    st.insert_blocks(&handbook, blocks, None);
    later(st, 20);
    let onboarding_blocks = parse(st, onboarding_blocks(&people));
    let onboarding = st.create_page(
        Parent::Page(handbook.clone()),
        title_props("Engineering Onboarding"),
        emoji("🛠️"),
        onboarding_blocks,
    );
    later(st, 15);
    let (database, data_source) = projects(st, &handbook, &people);
    later(st, 10);
    let closing = parse(
        st,
        vec![p(
            "Questions about this handbook go to #handbook; changes are reviewed every quarter.",
        )],
    );
    st.insert_blocks(&handbook, closing, None);
    st.touch(&handbook);
    comments(st, &handbook, &people);
    later(st, 30);
    let big_page = big_page(st);
    st.clock = None;
    st.demo = Some(DemoIds {
        handbook_page: handbook,
        onboarding_page: onboarding,
        projects_database: database,
        projects_data_source: data_source,
        big_page,
        users: vec![people.maya, people.jonas, people.priya, people.luis],
    });
}

fn handbook_blocks(people: &People) -> Vec<Value> {
    vec![
        blk("heading_1", vec![t("Welcome to Acme Robotics")]),
        blk(
            "paragraph",
            vec![
                t("This handbook explains how we plan, build, review and ship. Ask "),
                mention("user", json!({"id": people.maya})),
                t(" if anything is unclear. Last reviewed on "),
                mention("date", json!({"start": "2025-05-09"})),
                t("."),
            ],
        ),
        with(
            blk(
                "callout",
                vec![
                    t("New here? Start with the "),
                    styled("first-week checklist", "bold"),
                    t(" below and book your hardware safety induction."),
                ],
            ),
            "icon",
            emoji("📌"),
        ),
        blk("heading_2", vec![t("Our values")]),
        nest(
            blk("bulleted_list_item", vec![styled("Safety first", "bold")]),
            vec![
                nest(
                    li("Every robot in the lab has a physical stop button."),
                    vec![
                        li("Test it at the start of each shift."),
                        li("Report a faulty button in #lab-safety at once."),
                    ],
                ),
                li("Nobody runs motion tests alone."),
            ],
        ),
        nest(
            blk(
                "bulleted_list_item",
                vec![styled("Ship small, ship often", "bold")],
            ),
            vec![li(
                "A reviewed pull request a day beats a big bang once a month.",
            )],
        ),
        blk(
            "bulleted_list_item",
            vec![
                styled("Write things down", "bold"),
                t(": decisions live in "),
                styled("this workspace", "italic"),
                t(", not in chat."),
            ],
        ),
        blk("heading_2", vec![t("Your first week")]),
        num("Collect your laptop and badge from IT (ground floor, room 0.14)."),
        nest(
            num("Read the security policy and sign it in the HR portal."),
            vec![num(
                "Turn on two-factor authentication for every work account.",
            )],
        ),
        num("Pair with your onboarding buddy on a real ticket."),
        with(
            blk("to_do", vec![t("Set up your development environment")]),
            "checked",
            json!(true),
        ),
        blk("to_do", vec![t("Complete the hardware safety induction")]),
        blk("to_do", vec![t("Introduce yourself in #general")]),
        nest(
            with(
                blk("heading_3", vec![t("Frequently asked questions")]),
                "is_toggleable",
                json!(true),
            ),
            vec![
                nest(
                    blk("toggle", vec![t("Where do I find the VPN configuration?")]),
                    vec![p(
                        "In the IT portal under Downloads → VPN. Sign in with your SSO account.",
                    )],
                ),
                nest(
                    blk("toggle", vec![t("How do I book the test track?")]),
                    vec![p(
                        "Use the #test-track channel; slots are two hours and need a second person present.",
                    )],
                ),
            ],
        ),
        nest(
            blk("toggle", vec![t("Expense policy")]),
            vec![
                p("Keep receipts for everything over €25 and submit them within 30 days."),
                nest(
                    li("Travel"),
                    vec![li("Book trains over flights for trips under 600 km.")],
                ),
                li("Equipment under €200 needs no pre-approval."),
            ],
        ),
        blk("heading_2", vec![t("Tools we use")]),
        nest(
            json!({"type": "table", "table": {"table_width": 3, "has_column_header": true, "has_row_header": false}}),
            vec![
                row(&["Area", "Tool", "Where to ask"]),
                row(&["Source code", "code.acme-robotics.example", "#dev-infra"]),
                row(&[
                    "Builds",
                    "CI runners (one per firmware target)",
                    "#dev-infra",
                ]),
                row(&["Chat", "Team chat", "#it-help"]),
                row(&["Documents", "This workspace", "#handbook"]),
            ],
        ),
        blk("heading_2", vec![t("Engineering notes")]),
        with(
            with(
                blk(
                    "code",
                    vec![t(
                        "git clone https://code.acme-robotics.example/firmware/controller.git\ncd controller\nmake setup && make test",
                    )],
                ),
                "language",
                json!("bash"),
            ),
            "caption",
            json!([t("Building the controller firmware locally")]),
        ),
        with(
            blk(
                "code",
                vec![t(
                    "/// Caps a requested wheel speed at the zone's limit.\npub fn clamp_speed(requested: f32, zone_limit: f32) -> f32 {\n    requested.clamp(-zone_limit, zone_limit)\n}",
                )],
            ),
            "language",
            json!("rust"),
        ),
        blk(
            "paragraph",
            vec![
                t("Stopping distance grows with the square of speed, "),
                eq("d = \\frac{v^2}{2a}"),
                t(", so halving the speed quarters the distance. Style: "),
                styled("bold", "bold"),
                t(", "),
                styled("italic", "italic"),
                t(", "),
                styled("struck", "strikethrough"),
                t(", "),
                styled("underlined", "underline"),
                t(", "),
                styled("inline code", "code"),
                t(", "),
                colored("red text", "red"),
                t(" and a "),
                link(
                    "link to the safety standard",
                    "https://standards.example.org/iso-10218",
                ),
                t(". See also "),
                mention(
                    "link_preview",
                    json!({"url": "https://code.acme-robotics.example/firmware/controller"}),
                ),
                t("."),
            ],
        ),
        json!({"type": "equation", "equation": {"expression": "v_{max} = \\sqrt{2 a d}"}}),
        blk(
            "quote",
            vec![t("Make it work, make it right, make it fast.")],
        ),
        with(
            with(
                blk(
                    "callout",
                    vec![t(
                        "Never disable the speed limiter on a robot outside the test cage.",
                    )],
                ),
                "icon",
                emoji("⚠️"),
            ),
            "color",
            json!("yellow_background"),
        ),
        json!({"type": "divider", "divider": {}}),
        blk("heading_2", vec![t("Media and references")]),
        media(
            "image",
            "https://images.acme-robotics.example/lab/overview.jpg",
            "The robotics lab, second floor",
        ),
        json!({"type": "image", "image": {"type": "file", "file": {"url": "https://files.acme-robotics.example/secure/handbook/floor-plan.png?X-Expires=3600", "expiry_time": "2025-05-12T09:30:00.000Z"}, "caption": [t("Floor plan (uploaded)")]}}),
        media(
            "video",
            "https://video.acme-robotics.example/safety-induction.mp4",
            "Safety induction, 12 minutes",
        ),
        media(
            "pdf",
            "https://files.acme-robotics.example/policies/security-policy.pdf",
            "Security policy v3",
        ),
        with(
            media(
                "file",
                "https://files.acme-robotics.example/forms/expense-form.xlsx",
                "Expense claim form",
            ),
            "name",
            json!("expense-form.xlsx"),
        ),
        json!({"type": "bookmark", "bookmark": {"url": "https://standards.example.org/iso-10218", "caption": [t("Robot safety standard, summary")]}}),
        json!({"type": "embed", "embed": {"url": "https://maps.acme-robotics.example/campus", "caption": []}}),
        json!({"type": "link_preview", "link_preview": {"url": "https://code.acme-robotics.example/firmware/controller/pull/482"}}),
        blk("heading_2", vec![t("More")]),
    ]
}

fn onboarding_blocks(people: &People) -> Vec<Value> {
    vec![
        blk("heading_1", vec![t("Engineering Onboarding")]),
        blk(
            "paragraph",
            vec![
                t("Your buddy for the first month is "),
                mention("user", json!({"id": people.jonas})),
                t("."),
            ],
        ),
        num("Get access to the code server and the CI dashboard."),
        num("Build the firmware and flash a bench controller."),
        num("Fix one small bug labelled good-first-issue."),
        with(
            blk(
                "code",
                vec![t("make flash TARGET=bench-controller PORT=/dev/ttyUSB0")],
            ),
            "language",
            json!("shell"),
        ),
    ]
}

/// Budget band: `if(prop("Budget") >= 50000, "Large", if(empty(prop("Budget")), "Unbudgeted", "Small"))`.
fn budget_band(props: &Map<String, Value>) -> Value {
    let band = match props.get("Budget").and_then(|b| b["number"].as_f64()) {
        None => "Unbudgeted",
        Some(b) if b >= 50_000.0 => "Large",
        Some(_) => "Small",
    };
    json!({"type": "string", "string": band})
}

/// A demo project: name, status, owner, due date, tags, budget, code path, summary.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
    Option<i64>,
    Option<&'static str>,
    &'static str,
);

fn projects(st: &mut State, handbook: &str, people: &People) -> (String, String) {
    let mut band = PropSchema::new(
        "Budget band",
        "formula",
        json!({"expression": "if(prop(\"Budget\") >= 50000, \"Large\", if(empty(prop(\"Budget\")), \"Unbudgeted\", \"Small\"))"}),
    );
    band.formula = Some(budget_band);
    let schema = vec![
        PropSchema::new("Name", "title", json!({})),
        PropSchema::new(
            "Status",
            "status",
            status_options(&[
                ("To-do", &[("Not started", "gray")]),
                (
                    "In progress",
                    &[("In progress", "blue"), ("Blocked", "red")],
                ),
                ("Complete", &[("Done", "green")]),
            ]),
        ),
        PropSchema::new("Owner", "people", json!({})),
        PropSchema::new("Due", "date", json!({})),
        PropSchema::new(
            "Tags",
            "multi_select",
            options(&[
                ("Hardware", "orange"),
                ("Software", "blue"),
                ("Design", "pink"),
                ("Research", "purple"),
                ("Ops", "gray"),
                ("Customer", "green"),
            ]),
        ),
        PropSchema::new("Budget", "number", json!({"format": "euro"})),
        PropSchema::new("Done", "checkbox", json!({})),
        PropSchema::new("URL", "url", json!({})),
        PropSchema::new("Summary", "rich_text", json!({})),
        PropSchema::new("ID", "unique_id", json!({"prefix": "PRJ"})),
        PropSchema::new("Contact", "email", json!({})),
        PropSchema::new("Phone", "phone_number", json!({})),
        PropSchema::new("Spec", "files", json!({})),
        PropSchema::new("Depends on", "relation", json!({})),
        PropSchema::new(
            "Dependencies",
            "rollup",
            json!({"relation_property_name": "Depends on", "relation_property_id": crate::notion::ids::short("Depends on"), "rollup_property_name": "Name", "rollup_property_id": "title", "function": "count"}),
        ),
        band,
        PropSchema::new("Created", "created_time", json!({})),
        PropSchema::new("Last edited", "last_edited_time", json!({})),
        PropSchema::new("Created by", "created_by", json!({})),
    ];
    let (db, ds) = st.create_database(
        Parent::Page(handbook.to_string()),
        "Projects",
        emoji("🗂️"),
        schema,
    );
    if let Some(d) = st.data_sources.get_mut(&ds) {
        let i = properties::find(&d.schema, "Depends on").unwrap_or_default();
        d.schema[i].config = json!({"data_source_id": ds, "database_id": db, "type": "single_property", "single_property": {}});
    }
    let owner = |who: &str| match who {
        "maya" => people.maya.clone(),
        "jonas" => people.jonas.clone(),
        "priya" => people.priya.clone(),
        _ => people.luis.clone(),
    };
    // name, status, owner, due, tags, budget, url path, summary
    let rows: [Row; 25] = [
        (
            "Warehouse robot firmware 2.4",
            "In progress",
            "jonas",
            Some("2025-07-15"),
            &["Software", "Hardware"],
            Some(42_000),
            Some("firmware/controller/milestone/24"),
            "Smoother acceleration profiles and a watchdog for the drive bus.",
        ),
        (
            "Battery thermal redesign",
            "In progress",
            "priya",
            Some("2025-08-01"),
            &["Hardware", "Research"],
            Some(68_000),
            None,
            "New cell spacing and a passive heat spreader for summer warehouses.",
        ),
        (
            "Customer portal redesign",
            "Not started",
            "luis",
            Some("2025-09-30"),
            &["Design", "Customer"],
            Some(35_000),
            None,
            "Self-service fleet reports and ticket tracking for customers.",
        ),
        (
            "Lidar calibration tool",
            "Done",
            "jonas",
            Some("2025-04-18"),
            &["Software"],
            Some(12_000),
            Some("tools/lidar-calibration"),
            "One-click calibration replacing the spreadsheet procedure.",
        ),
        (
            "Safety certification ISO 10218",
            "In progress",
            "maya",
            Some("2025-10-31"),
            &["Ops", "Hardware"],
            Some(90_000),
            None,
            "External audit of the AMR-200 platform.",
        ),
        (
            "Fleet dashboard v2",
            "Blocked",
            "luis",
            Some("2025-07-01"),
            &["Software", "Customer"],
            Some(28_000),
            Some("web/fleet-dashboard"),
            "Waiting on the remote diagnostics API.",
        ),
        (
            "Gripper force sensor",
            "Done",
            "priya",
            Some("2025-03-28"),
            &["Hardware"],
            Some(51_000),
            None,
            "Strain-gauge sensor in the two-finger gripper.",
        ),
        (
            "Path planning benchmarks",
            "Not started",
            "jonas",
            Some("2025-11-15"),
            &["Research", "Software"],
            Some(8_000),
            None,
            "Compare the planners on ten recorded warehouse maps.",
        ),
        (
            "Spare parts inventory cleanup",
            "Done",
            "maya",
            Some("2025-02-14"),
            &["Ops"],
            Some(3_000),
            None,
            "Counted, labelled and re-shelved the parts store.",
        ),
        (
            "Docking station prototype",
            "In progress",
            "priya",
            Some("2025-08-22"),
            &["Hardware", "Design"],
            Some(74_000),
            None,
            "Contact-based charging dock with alignment guides.",
        ),
        (
            "Onboarding videos",
            "Not started",
            "maya",
            None,
            &["Ops"],
            Some(6_000),
            None,
            "Short videos for the first-week checklist.",
        ),
        (
            "Remote diagnostics API",
            "In progress",
            "luis",
            Some("2025-07-30"),
            &["Software", "Customer"],
            Some(39_000),
            Some("services/diagnostics"),
            "Read robot health and logs without a site visit.",
        ),
        (
            "Motor controller EMC testing",
            "Blocked",
            "jonas",
            Some("2025-06-20"),
            &["Hardware", "Ops"],
            Some(22_000),
            None,
            "Lab booking pending; pre-scan found two emissions peaks.",
        ),
        (
            "Pick rate analytics",
            "Done",
            "luis",
            Some("2025-05-09"),
            &["Software", "Research"],
            Some(15_000),
            Some("analytics/pick-rate"),
            "Per-shift pick rates and their causes.",
        ),
        (
            "Trade fair demo cell",
            "Not started",
            "maya",
            Some("2025-10-10"),
            &["Customer", "Design"],
            Some(47_000),
            None,
            "Portable demo cell for the autumn logistics fair.",
        ),
        (
            "Wheel encoder supplier switch",
            "In progress",
            "priya",
            Some("2025-07-25"),
            &["Hardware", "Ops"],
            Some(18_000),
            None,
            "Qualify the second encoder supplier.",
        ),
        (
            "Simulation environment upgrade",
            "Done",
            "jonas",
            Some("2025-04-30"),
            &["Software", "Research"],
            Some(26_000),
            Some("sim/environment"),
            "Faster physics and recorded-map import.",
        ),
        (
            "Field service handbook",
            "In progress",
            "maya",
            Some("2025-08-15"),
            &["Ops", "Customer"],
            Some(9_000),
            None,
            "Procedures for on-site technicians.",
        ),
        (
            "Obstacle detection night mode",
            "Not started",
            "jonas",
            Some("2025-12-01"),
            &["Research", "Software"],
            Some(31_000),
            None,
            "Detection in unlit aisles using the depth camera.",
        ),
        (
            "Charging schedule optimiser",
            "Done",
            "luis",
            Some("2025-03-14"),
            &["Software"],
            Some(11_000),
            Some("services/charging"),
            "Staggers charging to avoid peak tariffs.",
        ),
        (
            "Enclosure injection moulds",
            "Blocked",
            "priya",
            Some("2025-09-12"),
            &["Hardware"],
            Some(120_000),
            None,
            "Supplier quote expired; re-tendering.",
        ),
        (
            "Customer pilot: Nordlicht Logistics",
            "In progress",
            "luis",
            Some("2025-08-29"),
            &["Customer"],
            Some(55_000),
            None,
            "Six robots in the Hamburg warehouse for twelve weeks.",
        ),
        (
            "Robot arm cable management",
            "Not started",
            "priya",
            Some("2025-10-24"),
            &["Hardware", "Design"],
            Some(7_000),
            None,
            "Route cables inside the arm to stop snagging.",
        ),
        (
            "Incident review process",
            "Done",
            "maya",
            Some("2025-01-31"),
            &["Ops"],
            None,
            None,
            "Blameless reviews within five days of an incident.",
        ),
        (
            "Firmware OTA update channel",
            "In progress",
            "jonas",
            Some("2025-09-19"),
            &["Software", "Ops"],
            Some(46_000),
            Some("firmware/ota"),
            "Signed over-the-air updates with staged roll-out.",
        ),
    ];
    let mut ids = Vec::new();
    for (i, (name, status, who, due, tags, budget, url, summary)) in rows.into_iter().enumerate() {
        later(st, 7);
        let owner_id = owner(who);
        let email = st.user(&owner_id).and_then(|u| u.email.clone());
        let mut input = json!({
            "Name": {"title": [t(name)]},
            "Status": {"status": {"name": status}},
            "Owner": {"people": [{"id": owner_id}]},
            "Due": {"date": due.map(|d| json!({"start": d}))},
            "Tags": {"multi_select": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>()},
            "Budget": {"number": budget},
            "Done": {"checkbox": status == "Done"},
            "URL": {"url": url.map(|u| format!("https://code.acme-robotics.example/{u}"))},
            "Summary": {"rich_text": [t(summary)]},
            "Contact": {"email": email},
        });
        if i % 4 == 1 {
            input["Phone"] = json!({"phone_number": format!("+49 40 5550 12{i:02}")});
        }
        if i % 5 == 0 {
            let slug: String = name
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-");
            input["Spec"] = json!({"files": [{"name": format!("{slug}-spec.pdf"), "external": {"url": format!("https://files.acme-robotics.example/specs/{slug}.pdf")}}]});
        }
        let mut schema = st.data_sources[&ds].schema.clone();
        let props = properties::write_row(st, &mut schema, &input)
            .unwrap_or_else(|e| panic!("the demo seed's row {name} is invalid: {}", e.message));
        if let Some(d) = st.data_sources.get_mut(&ds) {
            d.schema = schema;
        }
        let content = if i < 3 {
            parse(
                st,
                vec![
                    blk("heading_2", vec![t("Goal")]),
                    p(summary),
                    blk("to_do", vec![t("Kick-off meeting held")]),
                    blk("to_do", vec![t("Budget approved")]),
                ],
            )
        } else {
            Vec::new()
        };
        let id = st.create_page(Parent::DataSource(ds.clone()), props, Value::Null, content);
        ids.push(id);
    }
    for (from, deps) in [
        (24usize, &[0usize][..]),
        (21, &[11, 5]),
        (9, &[1]),
        (5, &[11]),
    ] {
        let input = json!({"Depends on": {"relation": deps.iter().map(|d| json!({"id": ids[*d]})).collect::<Vec<_>>()}});
        let mut schema = st.data_sources[&ds].schema.clone();
        if let Ok(props) = properties::write_row(st, &mut schema, &input)
            && let Some(page) = st.pages.get_mut(&ids[from])
        {
            page.props.extend(props);
        }
    }
    (db, ds)
}

fn comments(st: &mut State, handbook: &str, people: &People) {
    let first = st.add_comment(
        Parent::Page(handbook.to_string()),
        None,
        vec![rich_text::text(
            "Could we add a section on the on-call rota? New starters keep asking about it.",
        )],
        Some(&people.priya),
    );
    later(st, 45);
    st.add_comment(
        Parent::Page(handbook.to_string()),
        Some(first.discussion_id),
        vec![rich_text::text(
            "Good idea. I'll draft it this week and link it from \"Your first week\".",
        )],
        Some(&people.maya),
    );
    let warning = st.children[handbook].iter().find(|id| {
        st.blocks
            .get(*id)
            .is_some_and(|b| b.kind == "callout" && b.payload["color"] == "yellow_background")
    });
    if let Some(warning) = warning.cloned() {
        later(st, 10);
        st.add_comment(
            Parent::Block(warning),
            None,
            vec![rich_text::text(
                "Worth adding that the limiter key lives in the red box by the cage door.",
            )],
            Some(&people.jonas),
        );
    }
}

/// 500 blocks: 140 at the top; the first has 150 children (its first child 105
/// more), the second 105. Texts are `Entry NNNN (level L)`, numbered depth-first.
fn big_page(st: &mut State) -> String {
    let mut next = 0;
    let mut blocks = Vec::new();
    // First top-level block: 150 children, the first of which has 105 children.
    next += 1;
    let first_text = format!("Entry {next:04} (level 1)");
    let mut second_level = Vec::new();
    next += 1;
    let deep_text = format!("Entry {next:04} (level 2)");
    let deep = shaped_blocks("Entry", &[105], &mut next)
        .into_iter()
        .map(|b| {
            text_block(
                "numbered_list_item",
                &b_text(&b).replace("(level 1)", "(level 3)"),
                Vec::new(),
            )
        })
        .collect();
    second_level.push(text_block("bulleted_list_item", &deep_text, deep));
    second_level.extend(level_two(&mut next, 149));
    blocks.push(text_block("toggle", &first_text, second_level));
    // Second top-level block: 105 children.
    next += 1;
    let second_text = format!("Entry {next:04} (level 1)");
    let children = level_two(&mut next, 105);
    blocks.push(text_block("toggle", &second_text, children));
    // 138 more top-level paragraphs.
    blocks.extend(shaped_blocks("Entry", &[138], &mut next));
    debug_assert_eq!(next, 500);
    st.create_page(
        Parent::Workspace,
        title_props("Big page"),
        emoji("📚"),
        blocks,
    )
}

fn b_text(b: &NewBlock) -> String {
    rich_text::plain(&b.payload["rich_text"])
}

fn level_two(next: &mut usize, n: usize) -> Vec<NewBlock> {
    shaped_blocks("Entry", &[n], next)
        .into_iter()
        .map(|b| {
            text_block(
                "bulleted_list_item",
                &b_text(&b).replace("(level 1)", "(level 2)"),
                Vec::new(),
            )
        })
        .collect()
}

//! The fake's state: users, pages (with their properties), blocks and their ordered
//! children, databases and their data sources (schema and rows), comments; and how
//! each renders as the JSON Notion answers with.
//!
//! A page is also a block (a `child_page` in its parent's children), a database a
//! `child_database`; children lists hold the ids of all three kinds in order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value, json};

use super::blocks::NewBlock;
use super::ids::{self, IdGen};
use super::properties::{self, PropSchema};
use super::rich_text;
use super::time;

/// A workspace member or the integration's bot.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub bot: bool,
}

/// Where an object lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    Workspace,
    Page(String),
    Block(String),
    /// A row of this data source.
    DataSource(String),
    Database(String),
}

/// What every object carries.
#[derive(Debug, Clone)]
pub struct Meta {
    pub created: String,
    pub edited: String,
    pub created_by: String,
    pub edited_by: String,
    pub in_trash: bool,
    /// Creation order, to break ties between equal timestamps.
    pub seq: u64,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub id: String,
    pub parent: Parent,
    /// Property values keyed by property id (`title` for a page outside a data
    /// source), as Notion answers them without the `id`/`type` wrapper.
    pub props: HashMap<String, Value>,
    pub icon: Value,
    pub cover: Value,
    pub meta: Meta,
    /// The `unique_id` number of a data-source row.
    pub unique: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub id: String,
    pub parent: Parent,
    pub kind: String,
    /// The type-specific object (`paragraph: {...}`), without children.
    pub payload: Value,
    pub meta: Meta,
}

#[derive(Debug, Clone)]
pub struct Database {
    pub id: String,
    pub parent: Parent,
    pub title: Vec<Value>,
    pub is_inline: bool,
    pub icon: Value,
    pub data_sources: Vec<String>,
    pub meta: Meta,
}

#[derive(Debug, Clone)]
pub struct DataSource {
    pub id: String,
    pub database_id: String,
    pub title: Vec<Value>,
    pub schema: Vec<PropSchema>,
    /// Row page ids in creation order.
    pub rows: Vec<String>,
    pub next_unique: u64,
    pub meta: Meta,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: String,
    pub discussion_id: String,
    pub parent: Parent,
    pub rich_text: Vec<Value>,
    pub meta: Meta,
}

/// Ids of the demo seed's objects.
#[derive(Debug, Clone, Default)]
pub struct DemoIds {
    pub handbook_page: String,
    pub onboarding_page: String,
    pub projects_database: String,
    pub projects_data_source: String,
    pub big_page: String,
    pub users: Vec<String>,
}

/// Everything the fake knows.
#[derive(Clone)]
pub struct State {
    pub ids: IdGen,
    seq: u64,
    /// A fixed Unix time (while seeding); the real clock when `None`.
    pub clock: Option<i64>,
    pub bot_id: String,
    pub users: Vec<User>,
    pub pages: HashMap<String, Page>,
    pub blocks: HashMap<String, Block>,
    pub databases: HashMap<String, Database>,
    pub data_sources: HashMap<String, DataSource>,
    /// Ordered children (blocks, pages, databases) of a page or block.
    pub children: HashMap<String, Vec<String>>,
    /// Pages and databases at the workspace's top level.
    pub workspace: Vec<String>,
    pub comments: Vec<Comment>,
    pub demo: Option<DemoIds>,
    /// Block appends still allowed before they fail with this status (a fault for
    /// testing writes that stop halfway); `None`: never fail.
    pub append_failure: Option<(usize, u16)>,
}

/// The kind of object an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Page,
    Block,
    Database,
    DataSource,
}

impl State {
    /// An empty workspace with its bot user.
    pub fn new() -> Self {
        let mut ids = IdGen::new(0x005E_ED0F_F4CE);
        let bot_id = ids.uuid();
        Self {
            ids,
            seq: 0,
            clock: None,
            users: vec![User {
                id: bot_id.clone(),
                name: "Fake Notion Integration".into(),
                email: None,
                bot: true,
            }],
            bot_id,
            pages: HashMap::new(),
            blocks: HashMap::new(),
            databases: HashMap::new(),
            data_sources: HashMap::new(),
            children: HashMap::new(),
            workspace: Vec::new(),
            comments: Vec::new(),
            demo: None,
            append_failure: None,
        }
    }

    pub fn now(&self) -> String {
        time::iso_minute(self.clock.unwrap_or_else(time::now_unix))
    }

    /// Fresh metadata, made by `by` (the bot when `None`).
    pub fn meta(&mut self, by: Option<&str>) -> Meta {
        self.seq += 1;
        let now = self.now();
        let by = by.unwrap_or(&self.bot_id).to_string();
        Meta {
            created: now.clone(),
            edited: now,
            created_by: by.clone(),
            edited_by: by,
            in_trash: false,
            seq: self.seq,
        }
    }

    pub fn add_user(&mut self, name: &str, email: &str) -> String {
        let id = self.ids.uuid();
        self.users.push(User {
            id: id.clone(),
            name: name.into(),
            email: Some(email.into()),
            bot: false,
        });
        id
    }

    pub fn kind_of(&self, id: &str) -> Option<Kind> {
        if self.pages.contains_key(id) {
            Some(Kind::Page)
        } else if self.blocks.contains_key(id) {
            Some(Kind::Block)
        } else if self.databases.contains_key(id) {
            Some(Kind::Database)
        } else if self.data_sources.contains_key(id) {
            Some(Kind::DataSource)
        } else {
            None
        }
    }

    pub fn meta_of(&self, id: &str) -> Option<&Meta> {
        match self.kind_of(id)? {
            Kind::Page => Some(&self.pages[id].meta),
            Kind::Block => Some(&self.blocks[id].meta),
            Kind::Database => Some(&self.databases[id].meta),
            Kind::DataSource => Some(&self.data_sources[id].meta),
        }
    }

    fn meta_mut(&mut self, id: &str) -> Option<&mut Meta> {
        match self.kind_of(id)? {
            Kind::Page => self.pages.get_mut(id).map(|p| &mut p.meta),
            Kind::Block => self.blocks.get_mut(id).map(|b| &mut b.meta),
            Kind::Database => self.databases.get_mut(id).map(|d| &mut d.meta),
            Kind::DataSource => self.data_sources.get_mut(id).map(|d| &mut d.meta),
        }
    }

    /// Marks an object edited now by the bot.
    pub fn touch(&mut self, id: &str) {
        let now = self.now();
        let bot = self.bot_id.clone();
        if let Some(meta) = self.meta_mut(id) {
            meta.edited = now;
            meta.edited_by = bot;
        }
    }

    pub fn set_trash(&mut self, id: &str, in_trash: bool) {
        if let Some(meta) = self.meta_mut(id) {
            meta.in_trash = in_trash;
        }
        self.touch(id);
    }

    pub fn in_trash(&self, id: &str) -> bool {
        self.meta_of(id).is_some_and(|m| m.in_trash)
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// A user object as Notion answers it (a partial one for unknown ids).
    pub fn user_json(&self, id: &str) -> Value {
        let Some(u) = self.user(id) else {
            return json!({"object": "user", "id": id});
        };
        if u.bot {
            json!({
                "object": "user", "id": u.id, "name": u.name, "avatar_url": null, "type": "bot",
                "bot": {"owner": {"type": "workspace", "workspace": true}, "workspace_name": "Acme Robotics"},
            })
        } else {
            json!({
                "object": "user", "id": u.id, "name": u.name, "avatar_url": null, "type": "person",
                "person": {"email": u.email},
            })
        }
    }

    fn user_ref(id: &str) -> Value {
        json!({"object": "user", "id": id})
    }

    /// The plain-text title of a page, database or data source.
    pub fn title_of(&self, id: &str) -> Option<String> {
        match self.kind_of(id)? {
            Kind::Page => Some(rich_text::plain(&self.page_title_items(id))),
            Kind::Database => Some(rich_text::plain(&json!(self.databases[id].title))),
            Kind::DataSource => Some(rich_text::plain(&json!(self.data_sources[id].title))),
            Kind::Block => None,
        }
    }

    /// A page's title as rich text.
    pub fn page_title_items(&self, id: &str) -> Value {
        let Some(page) = self.pages.get(id) else {
            return json!([]);
        };
        let key = match &page.parent {
            Parent::DataSource(ds) => self
                .data_sources
                .get(ds)
                .and_then(|d| d.schema.iter().find(|p| p.kind == "title"))
                .map(|p| p.id.clone())
                .unwrap_or_else(|| "title".into()),
            _ => "title".into(),
        };
        page.props.get(&key).cloned().unwrap_or_else(|| json!([]))
    }

    pub fn url_of(&self, id: &str) -> String {
        let title = self.title_of(id).unwrap_or_default();
        let slug: Vec<String> = title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if slug.is_empty() {
            format!("https://www.notion.so/{}", ids::compact(id))
        } else {
            format!(
                "https://www.notion.so/{}-{}",
                slug.join("-"),
                ids::compact(id)
            )
        }
    }

    pub fn parent_json(&self, parent: &Parent, legacy: bool) -> Value {
        match parent {
            Parent::Workspace => json!({"type": "workspace", "workspace": true}),
            Parent::Page(id) => json!({"type": "page_id", "page_id": id}),
            Parent::Block(id) => json!({"type": "block_id", "block_id": id}),
            Parent::Database(id) => json!({"type": "database_id", "database_id": id}),
            Parent::DataSource(ds) => {
                let db = self
                    .data_sources
                    .get(ds)
                    .map(|d| d.database_id.clone())
                    .unwrap_or_default();
                if legacy {
                    json!({"type": "database_id", "database_id": db})
                } else {
                    json!({"type": "data_source_id", "data_source_id": ds, "database_id": db})
                }
            }
        }
    }

    fn meta_fields(meta: &Meta, out: &mut Map<String, Value>) {
        out.insert("created_time".into(), json!(meta.created));
        out.insert("last_edited_time".into(), json!(meta.edited));
        out.insert("created_by".into(), Self::user_ref(&meta.created_by));
        out.insert("last_edited_by".into(), Self::user_ref(&meta.edited_by));
        out.insert("archived".into(), json!(meta.in_trash));
        out.insert("in_trash".into(), json!(meta.in_trash));
    }

    /// A page object (`legacy`: the 2022-06-28 shape of a row's parent).
    pub fn page_json(&self, id: &str, legacy: bool) -> Option<Value> {
        let page = self.pages.get(id)?;
        let properties = match &page.parent {
            Parent::DataSource(ds) => match self.data_sources.get(ds) {
                Some(ds) => properties::render_row(self, page, ds),
                None => json!({}),
            },
            _ => {
                json!({"title": {"id": "title", "type": "title", "title": self.page_title_items(id)}})
            }
        };
        let mut out = Map::new();
        out.insert("object".into(), json!("page"));
        out.insert("id".into(), json!(id));
        Self::meta_fields(&page.meta, &mut out);
        out.insert("is_locked".into(), json!(false));
        out.insert("cover".into(), page.cover.clone());
        out.insert("icon".into(), page.icon.clone());
        out.insert("parent".into(), self.parent_json(&page.parent, legacy));
        out.insert("properties".into(), properties);
        out.insert("url".into(), json!(self.url_of(id)));
        out.insert("public_url".into(), Value::Null);
        Some(Value::Object(out))
    }

    /// Whether any child of `id` is still visible (not in the trash).
    pub fn has_children(&self, id: &str) -> bool {
        self.children
            .get(id)
            .is_some_and(|c| c.iter().any(|k| !self.in_trash(k)))
    }

    /// The children of a page or block that a listing shows, in order.
    pub fn visible_children(&self, id: &str) -> Vec<String> {
        self.children
            .get(id)
            .map(|c| c.iter().filter(|k| !self.in_trash(k)).cloned().collect())
            .unwrap_or_default()
    }

    /// A block object; a page answers as a `child_page`, a database as a
    /// `child_database`.
    pub fn block_json(&self, id: &str) -> Option<Value> {
        let (kind, payload, parent, meta) = if let Some(b) = self.blocks.get(id) {
            (b.kind.clone(), b.payload.clone(), &b.parent, &b.meta)
        } else if let Some(p) = self.pages.get(id) {
            let title = self.title_of(id).unwrap_or_default();
            (
                "child_page".into(),
                json!({ "title": title }),
                &p.parent,
                &p.meta,
            )
        } else if let Some(d) = self.databases.get(id) {
            let title = self.title_of(id).unwrap_or_default();
            (
                "child_database".into(),
                json!({ "title": title }),
                &d.parent,
                &d.meta,
            )
        } else {
            return None;
        };
        let mut out = Map::new();
        out.insert("object".into(), json!("block"));
        out.insert("id".into(), json!(id));
        out.insert("parent".into(), self.parent_json(parent, false));
        Self::meta_fields(meta, &mut out);
        let has_children = kind != "child_database" && self.has_children(id);
        out.insert("has_children".into(), json!(has_children));
        out.insert("type".into(), json!(kind));
        out.insert(kind, payload);
        Some(Value::Object(out))
    }

    /// A database container: in 2025-09-03 it lists its data sources; in the legacy
    /// shape it carries the (first) data source's properties itself.
    pub fn database_json(&self, id: &str, legacy: bool) -> Option<Value> {
        let db = self.databases.get(id)?;
        let mut out = Map::new();
        out.insert("object".into(), json!("database"));
        out.insert("id".into(), json!(id));
        Self::meta_fields(&db.meta, &mut out);
        out.insert("title".into(), json!(db.title));
        out.insert("description".into(), json!([]));
        out.insert("parent".into(), self.parent_json(&db.parent, false));
        out.insert("is_inline".into(), json!(db.is_inline));
        out.insert("is_locked".into(), json!(false));
        out.insert("icon".into(), db.icon.clone());
        out.insert("cover".into(), Value::Null);
        out.insert("url".into(), json!(self.url_of(id)));
        out.insert("public_url".into(), Value::Null);
        if legacy {
            let first = db
                .data_sources
                .first()
                .and_then(|d| self.data_sources.get(d));
            let props = first.map(|d| properties::schema_json(&d.schema));
            out.insert("properties".into(), props.unwrap_or_else(|| json!({})));
        } else {
            let sources: Vec<Value> = db
                .data_sources
                .iter()
                .map(|d| json!({"id": d, "name": self.title_of(d).unwrap_or_default()}))
                .collect();
            out.insert("data_sources".into(), json!(sources));
        }
        Some(Value::Object(out))
    }

    /// A data source: its schema and where it lives.
    pub fn data_source_json(&self, id: &str) -> Option<Value> {
        let ds = self.data_sources.get(id)?;
        let db = self.databases.get(&ds.database_id)?;
        let mut out = Map::new();
        out.insert("object".into(), json!("data_source"));
        out.insert("id".into(), json!(id));
        Self::meta_fields(&ds.meta, &mut out);
        out.insert("title".into(), json!(ds.title));
        out.insert("description".into(), json!([]));
        out.insert("properties".into(), properties::schema_json(&ds.schema));
        out.insert(
            "parent".into(),
            json!({"type": "database_id", "database_id": ds.database_id}),
        );
        out.insert(
            "database_parent".into(),
            self.parent_json(&db.parent, false),
        );
        out.insert("is_inline".into(), json!(db.is_inline));
        out.insert("icon".into(), db.icon.clone());
        out.insert("cover".into(), Value::Null);
        out.insert("url".into(), json!(self.url_of(&ds.database_id)));
        out.insert("public_url".into(), Value::Null);
        Some(Value::Object(out))
    }

    pub fn comment_json(&self, c: &Comment) -> Value {
        let (parent_key, parent_id) = match &c.parent {
            Parent::Page(id) => ("page_id", id),
            Parent::Block(id) => ("block_id", id),
            _ => ("page_id", &c.id),
        };
        json!({
            "object": "comment",
            "id": c.id,
            "parent": {"type": parent_key, parent_key: parent_id},
            "discussion_id": c.discussion_id,
            "created_time": c.meta.created,
            "last_edited_time": c.meta.edited,
            "created_by": Self::user_ref(&c.meta.created_by),
            "rich_text": c.rich_text,
            "display_name": {"type": "integration", "resolved_name": self.user(&c.meta.created_by).map(|u| u.name.clone())},
        })
    }

    /// The parent that blocks appended under `id` get.
    fn parent_for_children(&self, id: &str) -> Parent {
        if self.pages.contains_key(id) {
            Parent::Page(id.into())
        } else {
            Parent::Block(id.into())
        }
    }

    /// Adds `ids` to `parent`'s children after `after` (at the end when `None`).
    fn link_children(&mut self, parent: &str, new: &[String], after: Option<&str>) {
        let list = self.children.entry(parent.to_string()).or_default();
        let at = after
            .and_then(|a| list.iter().position(|x| x == a))
            .map_or(list.len(), |p| p + 1);
        list.splice(at..at, new.iter().cloned());
    }

    /// Creates blocks (and their descendants) under a page or block; returns the
    /// ids of the top-level ones.
    pub fn insert_blocks(
        &mut self,
        parent_id: &str,
        blocks: Vec<NewBlock>,
        after: Option<&str>,
    ) -> Vec<String> {
        let parent = self.parent_for_children(parent_id);
        let mut created = Vec::with_capacity(blocks.len());
        for nb in blocks {
            let id = self.ids.uuid();
            let meta = self.meta(None);
            self.blocks.insert(
                id.clone(),
                Block {
                    id: id.clone(),
                    parent: parent.clone(),
                    kind: nb.kind,
                    payload: nb.payload,
                    meta,
                },
            );
            if !nb.children.is_empty() {
                self.insert_blocks(&id, nb.children, None);
            }
            created.push(id);
        }
        self.link_children(parent_id, &created, after);
        created
    }

    /// Creates a page; `props` are keyed by property id (`title` outside a data
    /// source).
    pub fn create_page(
        &mut self,
        parent: Parent,
        props: HashMap<String, Value>,
        icon: Value,
        children: Vec<NewBlock>,
    ) -> String {
        let id = self.ids.uuid();
        let meta = self.meta(None);
        let unique = match &parent {
            Parent::DataSource(ds) => self.data_sources.get_mut(ds).map(|d| {
                d.next_unique += 1;
                d.rows.push(id.clone());
                d.next_unique
            }),
            _ => None,
        };
        match &parent {
            Parent::Page(p) | Parent::Block(p) => {
                self.link_children(&p.clone(), std::slice::from_ref(&id), None)
            }
            Parent::Workspace => self.workspace.push(id.clone()),
            _ => {}
        }
        self.pages.insert(
            id.clone(),
            Page {
                id: id.clone(),
                parent,
                props,
                icon,
                cover: Value::Null,
                meta,
                unique,
            },
        );
        self.insert_blocks(&id, children, None);
        id
    }

    /// Creates a database with one data source; returns (database id, data source
    /// id).
    pub fn create_database(
        &mut self,
        parent: Parent,
        title: &str,
        icon: Value,
        schema: Vec<PropSchema>,
    ) -> (String, String) {
        let db_id = self.ids.uuid();
        let ds_id = self.ids.uuid();
        let meta = self.meta(None);
        match &parent {
            Parent::Page(p) | Parent::Block(p) => {
                self.link_children(&p.clone(), std::slice::from_ref(&db_id), None)
            }
            Parent::Workspace => self.workspace.push(db_id.clone()),
            _ => {}
        }
        self.databases.insert(
            db_id.clone(),
            Database {
                id: db_id.clone(),
                parent,
                title: vec![rich_text::text(title)],
                is_inline: false,
                icon,
                data_sources: vec![ds_id.clone()],
                meta: meta.clone(),
            },
        );
        self.data_sources.insert(
            ds_id.clone(),
            DataSource {
                id: ds_id.clone(),
                database_id: db_id.clone(),
                title: vec![rich_text::text(title)],
                schema,
                rows: Vec::new(),
                next_unique: 0,
                meta,
            },
        );
        (db_id, ds_id)
    }

    /// Adds a comment (a new discussion unless `discussion_id` is given).
    pub fn add_comment(
        &mut self,
        parent: Parent,
        discussion_id: Option<String>,
        rich_text: Vec<Value>,
        by: Option<&str>,
    ) -> Comment {
        let id = self.ids.uuid();
        let discussion_id = discussion_id.unwrap_or_else(|| self.ids.uuid());
        let meta = self.meta(by);
        let comment = Comment {
            id,
            discussion_id,
            parent,
            rich_text,
            meta,
        };
        self.comments.push(comment.clone());
        comment
    }

    /// The page a block belongs to (itself for a page).
    pub fn page_of(&self, id: &str) -> Option<String> {
        let mut at = id.to_string();
        for _ in 0..64 {
            if self.pages.contains_key(&at) {
                return Some(at);
            }
            match &self.blocks.get(&at)?.parent {
                Parent::Page(p) | Parent::Block(p) => at = p.clone(),
                _ => return None,
            }
        }
        None
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

/// A shared handle on the fake's state (cheap to clone).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Mutex<State>>,
}

impl Store {
    pub fn new(state: State) -> Self {
        Self {
            inner: Arc::new(Mutex::new(state)),
        }
    }

    /// The state, locked (never hold it across an `.await`).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

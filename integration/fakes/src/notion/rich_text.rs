//! Rich text: request items (`text`, `mention`, `equation`, with optional
//! `annotations`) checked against Notion's limits and completed into the objects
//! Notion answers with (`plain_text`, `href`, every annotation).

use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::ids;
use super::store::State;
use super::validation::{self as v, MAX_EQUATION, MAX_RICH_TEXT_ITEMS, MAX_TEXT};

/// A rich-text array from a request, completed.
pub fn parse(value: &Value, path: &str, st: &State) -> ApiResult<Vec<Value>> {
    let items = v::array(value, path, MAX_RICH_TEXT_ITEMS)?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_item(item, &format!("{path}[{i}]"), st))
        .collect()
}

/// An optional rich-text array (`[]` when absent).
pub fn parse_opt(value: &Value, path: &str, st: &State) -> ApiResult<Vec<Value>> {
    if value.is_null() {
        Ok(Vec::new())
    } else {
        parse(value, path, st)
    }
}

fn parse_item(item: &Value, path: &str, st: &State) -> ApiResult<Value> {
    let obj = v::object(item, path)?;
    let kind = match obj.get("type").and_then(Value::as_str) {
        Some(k) => k.to_string(),
        None => ["text", "mention", "equation"]
            .into_iter()
            .find(|k| obj.contains_key(*k))
            .ok_or_else(|| ApiError::missing(&format!("{path}.text")))?
            .to_string(),
    };
    let annotations = annotations(&item["annotations"], &format!("{path}.annotations"))?;
    let (body, plain, href) = match kind.as_str() {
        "text" => {
            let p = format!("{path}.text");
            v::object(&item["text"], &p)?;
            let content = v::bounded(&item["text"]["content"], &format!("{p}.content"), MAX_TEXT)?;
            let link = match &item["text"]["link"] {
                Value::Null => None,
                l => Some(v::url(&l["url"], &format!("{p}.link.url"))?),
            };
            (
                json!({"content": content, "link": link.as_ref().map(|u| json!({"url": u}))}),
                content.to_string(),
                link,
            )
        }
        "equation" => {
            let p = format!("{path}.equation.expression");
            let expression = v::bounded(&item["equation"]["expression"], &p, MAX_EQUATION)?;
            (
                json!({ "expression": expression }),
                expression.to_string(),
                None,
            )
        }
        "mention" => mention(&item["mention"], &format!("{path}.mention"), st)?,
        other => {
            return Err(ApiError::body(
                &format!("{path}.type"),
                format!("should be `text`, `mention` or `equation`, instead was `{other}`."),
            ));
        }
    };
    Ok(json!({
        "type": kind,
        kind: body,
        "annotations": annotations,
        "plain_text": plain,
        "href": href,
    }))
}

fn annotations(value: &Value, path: &str) -> ApiResult<Value> {
    let mut out = json!({
        "bold": false, "italic": false, "strikethrough": false,
        "underline": false, "code": false, "color": "default",
    });
    if value.is_null() {
        return Ok(out);
    }
    let obj = v::object(value, path)?;
    for (key, val) in obj {
        match key.as_str() {
            "bold" | "italic" | "strikethrough" | "underline" | "code" => {
                out[key] = json!(v::flag(val, &format!("{path}.{key}"), false)?);
            }
            "color" => out["color"] = json!(v::color(val, &format!("{path}.color"), "default")?),
            _ => {
                return Err(ApiError::not_present(
                    &format!("{path}.{key}"),
                    "not an annotation",
                ));
            }
        }
    }
    Ok(out)
}

/// A mention's body, plain text and link.
fn mention(m: &Value, path: &str, st: &State) -> ApiResult<(Value, String, Option<String>)> {
    let obj = v::object(m, path)?;
    let kind = match obj.get("type").and_then(Value::as_str) {
        Some(k) => k.to_string(),
        None => [
            "user",
            "page",
            "database",
            "data_source",
            "date",
            "link_preview",
        ]
        .into_iter()
        .find(|k| obj.contains_key(*k))
        .ok_or_else(|| ApiError::missing(&format!("{path}.type")))?
        .to_string(),
    };
    let inner = &m[&kind];
    let id_at = |p: &str| -> ApiResult<String> {
        let raw = v::string(&inner["id"], p)?;
        ids::parse(raw).ok_or_else(|| ApiError::expected(p, "a valid uuid", &inner["id"]))
    };
    let p = format!("{path}.{kind}");
    Ok(match kind.as_str() {
        "user" => {
            let id = id_at(&format!("{p}.id"))?;
            let name = st
                .user(&id)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "Anonymous".into());
            (
                json!({"type": "user", "user": st.user_json(&id)}),
                format!("@{name}"),
                None,
            )
        }
        "page" | "database" | "data_source" => {
            let id = id_at(&format!("{p}.id"))?;
            let title = st.title_of(&id).unwrap_or_else(|| "Untitled".into());
            let href = format!("https://www.notion.so/{}", ids::compact(&id));
            (
                json!({"type": kind, kind.as_str(): {"id": id}}),
                title,
                Some(href),
            )
        }
        "date" => {
            let start = v::string(&inner["start"], &format!("{p}.start"))?;
            let end = inner["end"].as_str();
            let plain = match end {
                Some(e) => format!("{start} → {e}"),
                None => start.to_string(),
            };
            (
                json!({"type": "date", "date": {"start": start, "end": end, "time_zone": inner["time_zone"]}}),
                plain,
                None,
            )
        }
        "link_preview" => {
            let url = v::url(&inner["url"], &format!("{p}.url"))?;
            (
                json!({"type": "link_preview", "link_preview": {"url": url}}),
                url.clone(),
                Some(url),
            )
        }
        other => {
            return Err(ApiError::body(
                &format!("{path}.type"),
                format!("should be a supported mention type, instead was `{other}`."),
            ));
        }
    })
}

/// The plain text of a rich-text array (stored or rendered).
pub fn plain(items: &Value) -> String {
    items
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["plain_text"].as_str()).collect())
        .unwrap_or_default()
}

/// A plain text item, completed (for stored titles).
pub fn text(content: &str) -> Value {
    json!({
        "type": "text",
        "text": {"content": content, "link": null},
        "annotations": {
            "bold": false, "italic": false, "strikethrough": false,
            "underline": false, "code": false, "color": "default",
        },
        "plain_text": content,
        "href": null,
    })
}

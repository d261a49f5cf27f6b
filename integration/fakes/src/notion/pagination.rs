//! Cursor pagination: `start_cursor` and `page_size` (1..=100, default 100) from the
//! query string (GET) or the body (POST); a cursor is the id of the first item of
//! the next page; answers are `{"object":"list","results":…,"next_cursor":…,
//! "has_more":…,"type":…,"<type>":{}}`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};

pub const MAX_PAGE_SIZE: usize = 100;

/// Which slice of a list to answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageRequest {
    pub start_cursor: Option<String>,
    pub page_size: usize,
}

impl PageRequest {
    /// From a GET's query string.
    pub fn from_query(query: &HashMap<String, String>) -> ApiResult<Self> {
        let page_size = match query.get("page_size").map(|s| s.trim()) {
            None | Some("") => MAX_PAGE_SIZE,
            Some(raw) => {
                let n: i64 = raw.parse().map_err(|_| {
                    ApiError::validation(format!(
                        "query failed validation: query.page_size should be a number, instead was `{raw}`."
                    ))
                })?;
                check_size(n, "query failed validation: query.page_size")?
            }
        };
        let start_cursor = query
            .get("start_cursor")
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        Ok(Self {
            start_cursor,
            page_size,
        })
    }

    /// From a POST's body.
    pub fn from_body(body: &Value) -> ApiResult<Self> {
        let page_size = match &body["page_size"] {
            Value::Null => MAX_PAGE_SIZE,
            Value::Number(n) if n.as_i64().is_some() => check_size(
                n.as_i64().unwrap_or_default(),
                "body failed validation: body.page_size",
            )?,
            other => return Err(ApiError::expected("body.page_size", "a number", other)),
        };
        let start_cursor = match &body["start_cursor"] {
            Value::Null => None,
            Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            other => return Err(ApiError::expected("body.start_cursor", "a string", other)),
        };
        Ok(Self {
            start_cursor,
            page_size,
        })
    }

    /// The page of `items` (each with its id, the cursor) this request asks for,
    /// and the cursor of the next page.
    pub fn slice<T>(&self, items: Vec<(String, T)>) -> ApiResult<(Vec<T>, Option<String>)> {
        let start = match &self.start_cursor {
            None => 0,
            Some(cursor) => {
                let wanted = super::ids::parse(cursor).unwrap_or_else(|| cursor.clone());
                items
                    .iter()
                    .position(|(id, _)| *id == wanted)
                    .ok_or_else(|| {
                        ApiError::validation(format!("start_cursor provided is invalid: {cursor}"))
                    })?
            }
        };
        let mut rest = items.into_iter().skip(start);
        let page: Vec<T> = rest.by_ref().take(self.page_size).map(|(_, t)| t).collect();
        let next = rest.next().map(|(id, _)| id);
        Ok((page, next))
    }
}

fn check_size(n: i64, what: &str) -> ApiResult<usize> {
    if n > MAX_PAGE_SIZE as i64 {
        return Err(ApiError::validation(format!(
            "{what} should be ≤ `{MAX_PAGE_SIZE}`, instead was `{n}`."
        )));
    }
    if n < 1 {
        return Err(ApiError::validation(format!(
            "{what} should be ≥ `1`, instead was `{n}`."
        )));
    }
    Ok(n as usize)
}

/// A Notion list response.
pub fn list(results: Vec<Value>, next_cursor: Option<String>, kind: &str) -> Value {
    json!({
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor.is_some(),
        "type": kind,
        kind: {},
        "request_id": super::error::request_id(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_by_cursor() {
        let items: Vec<(String, u32)> = (0..250).map(|i| (format!("id{i}"), i)).collect();
        let req = PageRequest {
            start_cursor: None,
            page_size: 100,
        };
        let (first, next) = req.slice(items.clone()).unwrap();
        assert_eq!((first.len(), next.as_deref()), (100, Some("id100")));
        let req = PageRequest {
            start_cursor: Some("id200".into()),
            page_size: 100,
        };
        let (last, next) = req.slice(items.clone()).unwrap();
        assert_eq!((last.len(), next), (50, None));
        let bad = PageRequest {
            start_cursor: Some("nope".into()),
            page_size: 10,
        };
        assert!(bad.slice(items).is_err());
    }

    #[test]
    fn sizes_are_checked() {
        let q = |s: &str| HashMap::from([("page_size".to_string(), s.to_string())]);
        assert_eq!(PageRequest::from_query(&q("5")).unwrap().page_size, 5);
        assert!(PageRequest::from_query(&q("101")).is_err());
        assert!(PageRequest::from_query(&q("0")).is_err());
        assert!(PageRequest::from_query(&q("x")).is_err());
        assert_eq!(
            PageRequest::from_body(&json!({})).unwrap().page_size,
            MAX_PAGE_SIZE
        );
        assert!(PageRequest::from_body(&json!({"page_size": 101})).is_err());
    }
}

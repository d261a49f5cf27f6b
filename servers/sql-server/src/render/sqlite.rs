//! SQLite values by their storage class (see [`super`] for the JSON rules).
//!
//! SQLite types belong to values, not columns: an INTEGER is a number (or a string past
//! 2^53), REAL a number, TEXT a string, BLOB base64. A column declared BOOLEAN turns
//! 0/1 into `false`/`true`. Dates are whatever text or number the database stores.

use serde_json::Value;
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, TypeInfo, ValueRef};

use super::{bytes, float, int, text_or_bytes};

/// One column value as JSON; `declared` is the column's declared type.
pub fn value(v: SqliteValueRef<'_>, declared: &SqliteTypeInfo) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let storage = v.type_info().name().to_string();
    match storage.as_str() {
        "INTEGER" | "BOOLEAN" | "DATE" | "TIME" | "DATETIME" | "NUMERIC" => {
            match <i64 as Decode<Sqlite>>::decode(v) {
                Ok(n) if declared.name() == "BOOLEAN" && (n == 0 || n == 1) => Value::Bool(n == 1),
                Ok(n) => int(n),
                Err(_) => Value::Null,
            }
        }
        "REAL" => <f64 as Decode<Sqlite>>::decode(v).map_or(Value::Null, float),
        "BLOB" => <&[u8] as Decode<Sqlite>>::decode(v).map_or(Value::Null, bytes),
        _ => <&[u8] as Decode<Sqlite>>::decode(v).map_or(Value::Null, text_or_bytes),
    }
}

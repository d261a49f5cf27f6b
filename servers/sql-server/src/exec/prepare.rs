//! The steps every engine takes the same way between getting a connection and reading
//! rows: prepare the statement through the single-statement protocol, check that the
//! values fill its placeholders, and name its result columns.
//!
//! An engine's executor implements [`Driver`] for its sqlx database type and calls
//! [`prepare`]; binding values and reading rows stay in the engine's own module.

use sqlx::{AssertSqlSafe, Column as _, Executor, SqlSafeStr, Statement, TypeInfo};

use super::{Column, ExecError, Failure};
use crate::engine::Engine;

/// What the shared steps need to know about one engine's sqlx driver.
pub(crate) trait Driver: sqlx::Database {
    /// The engine this driver serves (it names the placeholder syntax in messages).
    const ENGINE: Engine;

    /// The type name a result column is shown with; by default the driver's own.
    fn type_name(ty: &Self::TypeInfo) -> String {
        ty.name().to_string()
    }
}

/// A prepared statement whose placeholders the values fill, with its result columns.
pub(crate) struct Prepared<DB: Driver> {
    /// The driver's statement, ready for binding.
    pub(crate) statement: DB::Statement,
    /// The result columns as the prepare step reports them.
    pub(crate) columns: Vec<Column>,
    /// The driver's type of each result column, in order.
    pub(crate) types: Vec<DB::TypeInfo>,
}

/// Prepares `sql` (one statement: the protocol refuses more) and checks that `values`
/// values fill its placeholders.
pub(crate) async fn prepare<DB: Driver>(
    conn: &mut DB::Connection,
    sql: &str,
    values: usize,
) -> Result<Prepared<DB>, Failure>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let statement = conn
        .prepare(AssertSqlSafe(sql.to_string()).into_sql_str())
        .await?;
    let expected = match statement.parameters() {
        Some(sqlx::Either::Left(types)) => types.len(),
        Some(sqlx::Either::Right(n)) => n,
        None => 0,
    };
    check_placeholders(DB::ENGINE, expected, values).map_err(Failure::Exec)?;
    let columns = statement
        .columns()
        .iter()
        .map(|c| Column {
            name: c.name().to_string(),
            type_name: DB::type_name(c.type_info()),
        })
        .collect();
    let types = statement
        .columns()
        .iter()
        .map(|c| c.type_info().clone())
        .collect();
    Ok(Prepared {
        statement,
        columns,
        types,
    })
}

/// The one placeholder-count check: a statement with `expected` placeholders needs as
/// many values.
fn check_placeholders(engine: Engine, expected: usize, given: usize) -> Result<(), ExecError> {
    if expected == given {
        return Ok(());
    }
    Err(ExecError::Params(format!(
        "The statement has {expected} placeholder(s) ({}) but params has {given} value(s). Pass one value per placeholder, in order.",
        engine.placeholder_hint(expected)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(engine: Engine, expected: usize, given: usize) -> String {
        match check_placeholders(engine, expected, given) {
            Err(ExecError::Params(m)) => m,
            other => panic!("expected a params error, got {other:?}"),
        }
    }

    #[test]
    fn placeholder_counts_name_each_engines_syntax() {
        assert!(check_placeholders(Engine::Postgres, 2, 2).is_ok());
        assert_eq!(
            message(Engine::Postgres, 2, 1),
            "The statement has 2 placeholder(s) ($1 … $2) but params has 1 value(s). Pass one value per placeholder, in order."
        );
        assert_eq!(
            message(Engine::Postgres, 0, 1),
            "The statement has 0 placeholder(s) ($1 … $1) but params has 1 value(s). Pass one value per placeholder, in order."
        );
        for engine in [Engine::MySql, Engine::Sqlite] {
            assert_eq!(
                message(engine, 1, 0),
                "The statement has 1 placeholder(s) (?) but params has 0 value(s). Pass one value per placeholder, in order."
            );
        }
    }
}

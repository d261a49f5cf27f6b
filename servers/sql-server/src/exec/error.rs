//! What can go wrong running a statement, each with a message that tells the model
//! what to do next. Connection failures name the database and its redacted URL; no
//! message ever carries a password.

use std::time::Duration;

use crate::db::Database;

/// A failed statement.
#[derive(Debug, Clone)]
pub enum ExecError {
    /// No connection could be made (or kept).
    Unreachable {
        /// The driver's reason.
        detail: String,
        /// Which database, once known (its name and redacted URL).
        context: String,
    },
    /// The SQLite file is not there (the message names it and where it was sought).
    MissingFile(String),
    /// The statement ran past its time limit and was stopped on the server.
    Timeout(Duration),
    /// The client cancelled the request; the statement was stopped on the server.
    Cancelled,
    /// The parameters do not fit the statement.
    Params(String),
    /// The database refused or failed the statement.
    Database {
        /// The database's message, with where in the statement when it says.
        message: String,
        /// Whether the refusal came from the read-only transaction or session.
        read_only: bool,
    },
    /// Anything else (a bug, or an unexpected driver error).
    Internal(String),
}

impl ExecError {
    /// Adds the database's name and redacted URL to connection errors.
    pub fn for_database(self, db: &Database) -> Self {
        match self {
            ExecError::Unreachable { detail, .. } => {
                match crate::db::missing_sqlite_file(&db.url) {
                    Some(missing) => {
                        ExecError::MissingFile(format!("Database `{}`: {missing}", db.name))
                    }
                    None => ExecError::Unreachable {
                        detail,
                        context: format!("database `{}` ({}, {})", db.name, db.engine, db.url),
                    },
                }
            }
            other => other,
        }
    }

    /// Whether this error means the connection itself is gone (retry on a fresh one).
    pub fn connection_lost(e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => {
                let code = code_of(db.as_ref());
                // PostgreSQL: admin/crash shutdown, cannot connect now, connection
                // exceptions, and a session ended by idle_in_transaction_session_timeout.
                code.starts_with("57P")
                    || code.starts_with("08")
                    || code == "25P03"
                    // MySQL/MariaDB: server shutdown, connection killed, gone away/lost.
                    || matches!(code.as_str(), "1053" | "1927" | "2006" | "2013" | "4031")
                    || is_gone(db.message())
            }
            _ => false,
        }
    }

    /// Maps a driver error from the connect/setup phase.
    pub fn unreachable(e: &sqlx::Error) -> Self {
        ExecError::Unreachable {
            detail: match e {
                sqlx::Error::PoolTimedOut => "timed out waiting for a connection".to_string(),
                other => other.to_string(),
            },
            context: String::new(),
        }
    }

    /// Maps a driver error from the statement itself, with `sql` for error positions.
    pub fn from_statement(e: sqlx::Error, sql: &str, timeout: Duration) -> Self {
        Self::from_statement_at(e, sql, 0, timeout)
    }

    /// As [`ExecError::from_statement`], for a statement sent with `offset` characters
    /// of sql-server's own text before the user's `sql`.
    pub fn from_statement_at(e: sqlx::Error, sql: &str, offset: usize, timeout: Duration) -> Self {
        if Self::connection_lost(&e) || matches!(e, sqlx::Error::PoolTimedOut) {
            return Self::unreachable(&e);
        }
        let sqlx::Error::Database(db) = &e else {
            return ExecError::Internal(e.to_string());
        };
        let code = code_of(db.as_ref());
        let message = db.message().to_string();
        match code.as_str() {
            // PostgreSQL query_canceled: statement_timeout or a cancel request.
            "57014" if message.contains("timeout") => return ExecError::Timeout(timeout),
            "57014" => return ExecError::Cancelled,
            // MySQL max_execution_time, MariaDB max_statement_time.
            "3024" | "1969" => return ExecError::Timeout(timeout),
            // MySQL/MariaDB query interrupted (KILL QUERY).
            "1317" => return ExecError::Cancelled,
            _ => {}
        }
        let read_only = matches!(code.as_str(), "25006" | "1792" | "1290" | "8")
            || message.contains("read-only")
            || message.contains("readonly");
        let mut text = if code.is_empty() {
            message.clone()
        } else {
            format!("{message} (code {code})")
        };
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            if let Some(detail) = pg.detail() {
                text.push_str(&format!("\nDetail: {detail}"));
            }
            if let Some(hint) = pg.hint() {
                text.push_str(&format!("\nHint: {hint}"));
            }
            if let Some(sqlx::postgres::PgErrorPosition::Original(pos)) = pg.position()
                && pos > offset
            {
                text.push_str(&format!("\n{}", point_at(sql, pos - offset)));
            }
        }
        ExecError::Database {
            message: text,
            read_only,
        }
    }
}

/// The error code: PostgreSQL's SQLSTATE, MySQL's error number, SQLite's result code.
fn code_of(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return my.number().to_string();
    }
    db.code().map(|c| c.into_owned()).unwrap_or_default()
}

fn is_gone(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("gone away") || m.contains("lost connection") || m.contains("shutdown")
}

/// `near: …text…` around a 1-based character position, with a caret.
fn point_at(sql: &str, pos: usize) -> String {
    let chars: Vec<char> = sql.chars().collect();
    let at = pos.saturating_sub(1).min(chars.len());
    let start = at.saturating_sub(30);
    let end = (at + 30).min(chars.len());
    let snippet: String = chars[start..end]
        .iter()
        .map(|c| if c.is_whitespace() { ' ' } else { *c })
        .collect();
    format!(
        "At character {pos}: {snippet}\n{}^",
        " ".repeat("At character ".len() + pos.to_string().len() + 2 + (at - start))
    )
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExecError::Unreachable { detail, context } => write!(
                f,
                "Cannot reach {}: {detail}. Check that the database server is running and reachable, then retry; `sql-server doctor` diagnoses the connection.",
                if context.is_empty() {
                    "the database"
                } else {
                    context
                }
            ),
            ExecError::MissingFile(message) => f.write_str(message),
            ExecError::Timeout(t) => write!(
                f,
                "The statement ran longer than {} s and was stopped on the database server. Narrow it (a WHERE clause, a LIMIT, fewer joins), check its plan with the explain tool, or pass a larger timeout_seconds if the server allows it.",
                t.as_secs_f64()
            ),
            ExecError::Cancelled => {
                f.write_str("The statement was cancelled and stopped on the database server.")
            }
            ExecError::Params(m) => f.write_str(m),
            ExecError::Database { message, read_only } => {
                write!(f, "The database refused the statement: {message}")?;
                if *read_only {
                    f.write_str("\nThis server is read-only: it can only read data.")?;
                }
                Ok(())
            }
            ExecError::Internal(m) => write!(f, "Internal error: {m}"),
        }
    }
}

impl std::error::Error for ExecError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_position() {
        let text = point_at("SELECT nme FROM t", 8);
        let lines: Vec<&str> = text.lines().collect();
        let caret = lines[1].find('^').unwrap();
        assert_eq!(&lines[0][caret..caret + 3], "nme");
    }
}

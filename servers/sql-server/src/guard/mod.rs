//! The parser gate: the server-side layer of the read-only guarantee.
//!
//! [`check`] accepts exactly one reading statement and refuses everything else with a
//! message that says why and what to do instead. In order:
//!
//! 1. [`lexer`] reads the text as the target server would and refuses a second
//!    statement, an unterminated string or comment, and MySQL executable comments.
//! 2. `sqlparser` tokenizes the same text; if it disagrees with the server-faithful
//!    lexer about comments or quoted tokens, the text is refused (the classic "dialect
//!    comment lexing" bypasses live in that gap).
//! 3. `sqlparser` parses it; exactly one statement of an allowed kind must result:
//!    a query (`SELECT`, `WITH … SELECT`, `VALUES`, `TABLE`), `EXPLAIN` of a query
//!    without `ANALYZE`, `SHOW`/`DESCRIBE` on MySQL, `SHOW name` on PostgreSQL, and
//!    read-only `PRAGMA`s on SQLite.
//! 4. A walk over the whole tree refuses data-modifying CTEs and subqueries, locking
//!    reads (`FOR UPDATE`/`FOR SHARE`), `SELECT … INTO`, and calls to the functions in
//!    [`deny`].
//!
//! The gate is one layer of three; the engines enforce read-only on their own (see
//! `exec`), so a gap here is not a write.

pub mod deny;
pub mod lexer;

use std::ops::ControlFlow;
use std::sync::LazyLock;

use sqlparser::ast::{
    Expr, ObjectName, Query, Select, SetExpr, Statement, TableFactor, Visit, Visitor,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::engine::Engine;
use lexer::LexError;

/// What a statement is, once approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SELECT, WITH … SELECT, VALUES, TABLE.
    Query,
    /// EXPLAIN (without ANALYZE) of a query.
    Explain,
    /// SHOW …, DESCRIBE … (MySQL), SHOW name (PostgreSQL).
    Show,
    /// A read-only SQLite PRAGMA.
    Pragma,
}

/// An approved statement: the text to send (a trailing `;` removed) and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    /// The statement to run, as approved.
    pub sql: String,
    /// What kind of statement it is.
    pub kind: Kind,
}

/// Why a statement was refused, written for the model: the reason and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(pub String);

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const READ_ONLY: &str = "sql-server is read-only: it runs exactly one reading statement per call (SELECT, WITH … SELECT, VALUES, EXPLAIN without ANALYZE, SHOW/DESCRIBE on MySQL, SHOW on PostgreSQL, read-only PRAGMA on SQLite).";

fn refuse(reason: impl std::fmt::Display, advice: &str) -> Rejection {
    Rejection(format!("Refused: {reason}. {advice}"))
}

/// Statements whose approval is remembered, and the longest one remembered.
const REMEMBERED: u64 = 512;
const REMEMBERED_LEN: usize = 4096;

/// Approvals of recently checked statements. The verdict depends only on the text and
/// the engine, so a statement sent again (a parameterized query with new `params`, a
/// retry) is not parsed again; parsing is most of the gate's cost.
static APPROVED: LazyLock<moka::sync::Cache<(Engine, String), Approved>> =
    LazyLock::new(|| moka::sync::Cache::new(REMEMBERED));

/// Checks one statement for `engine`; see the module docs for the rules.
pub fn check(sql: &str, engine: Engine) -> Result<Approved, Rejection> {
    if sql.len() > REMEMBERED_LEN {
        return check_text(sql, engine);
    }
    let key = (engine, sql.to_string());
    if let Some(approved) = APPROVED.get(&key) {
        return Ok(approved);
    }
    let approved = check_text(sql, engine)?;
    APPROVED.insert(key, approved.clone());
    Ok(approved)
}

/// [`check`] without the memory of earlier approvals.
fn check_text(sql: &str, engine: Engine) -> Result<Approved, Rejection> {
    if sql.trim().is_empty() {
        return Err(refuse(
            "the SQL is empty",
            "Pass one statement, e.g. {\"sql\": \"SELECT 1\"}.",
        ));
    }
    let lexed = lexer::lex(sql, engine).map_err(|e| lex_rejection(e, sql))?;
    let text = sql[..lexed.end].trim();
    if text.is_empty() {
        return Err(refuse("the SQL holds only comments or `;`", READ_ONLY));
    }
    let dialect = dialect(engine);
    let tokens = agree_with_parser_lexer(text, dialect.as_ref(), &lexed, engine)?;
    if engine == Engine::Sqlite
        && let Some(kind) = sqlite_pragma(tokens.iter().map(|t| &t.token))
    {
        return kind.map(|kind| Approved {
            sql: text.to_string(),
            kind,
        });
    }
    // The parser reads the tokens already checked above (tokenizing once).
    let statements = Parser::new(dialect.as_ref())
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| {
            refuse(
                format_args!("the SQL parser could not read this as {engine} SQL ({e})"),
                "Fix the syntax; if it is valid SQL that the parser does not know, rewrite it with more common syntax.",
            )
        })?;
    let [statement] = statements.as_slice() else {
        return Err(refuse(
            format_args!("found {} statements", statements.len()),
            "Send one statement per call.",
        ));
    };
    let kind = statement_kind(statement, engine)?;
    let mut inspector = Inspector { depth: 0 };
    if let ControlFlow::Break(rejection) = statement.visit(&mut inspector) {
        return Err(rejection);
    }
    Ok(Approved {
        sql: text.to_string(),
        kind,
    })
}

/// Checks a statement meant for the `explain` tool: it must be a plain query.
pub fn check_explainable(sql: &str, engine: Engine) -> Result<Approved, Rejection> {
    let approved = check(sql, engine)?;
    if approved.kind != Kind::Query {
        return Err(refuse(
            "explain takes a query (SELECT, WITH … SELECT, VALUES), without the EXPLAIN keyword",
            "Pass just the query, e.g. {\"sql\": \"SELECT * FROM orders WHERE customer_id = 7\"}.",
        ));
    }
    Ok(approved)
}

/// sqlparser's dialect for `engine`.
pub fn dialect(engine: Engine) -> Box<dyn Dialect> {
    match engine {
        Engine::Postgres => Box::new(PostgreSqlDialect {}),
        Engine::MySql => Box::new(MySqlDialect {}),
        Engine::Sqlite => Box::new(SQLiteDialect {}),
    }
}

fn lex_rejection(e: LexError, sql: &str) -> Rejection {
    match e {
        LexError::Unterminated(what) => refuse(
            format_args!("a {what} is never closed"),
            "Close it, or remove it.",
        ),
        LexError::ExecutableComment { .. } => refuse(
            "the SQL holds a MySQL executable comment (/*! … */ or /*M! … */), which the server runs as code",
            "Remove it; write the SQL plainly.",
        ),
        LexError::SeveralStatements { at } => {
            let rest: String = sql[at..].chars().take(40).collect();
            refuse(
                format_args!("more than one statement (a second one starts at `{rest}`)"),
                "Send one statement per call; this server never runs statements that change data or session state.",
            )
        }
    }
}

/// Refuses text on which sqlparser's tokenizer and the server-faithful lexer disagree;
/// returns the tokens.
fn agree_with_parser_lexer(
    text: &str,
    dialect: &dyn Dialect,
    lexed: &lexer::Lexed,
    engine: Engine,
) -> Result<Vec<TokenWithSpan>, Rejection> {
    let tokens = Tokenizer::new(dialect, text)
        .tokenize_with_location()
        .map_err(|e| {
            refuse(
                format_args!("the SQL could not be tokenized ({e})"),
                "Fix the quoting or comments.",
            )
        })?;
    let mut comments = Vec::new();
    let mut quoted = 0;
    for token in &tokens {
        match &token.token {
            Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) => {
                comments.push(comment.trim_end_matches('\n').to_string());
            }
            Token::Whitespace(Whitespace::MultiLineComment(c)) => comments.push(c.clone()),
            Token::Word(w) if w.quote_style.is_some() => quoted += 1,
            Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::TripleSingleQuotedString(_)
            | Token::TripleDoubleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::SingleQuotedByteStringLiteral(_)
            | Token::DoubleQuotedByteStringLiteral(_)
            | Token::TripleSingleQuotedByteStringLiteral(_)
            | Token::TripleDoubleQuotedByteStringLiteral(_)
            | Token::SingleQuotedRawStringLiteral(_)
            | Token::DoubleQuotedRawStringLiteral(_)
            | Token::TripleSingleQuotedRawStringLiteral(_)
            | Token::TripleDoubleQuotedRawStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::QuoteDelimitedStringLiteral(_)
            | Token::NationalQuoteDelimitedStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_) => quoted += 1,
            _ => {}
        }
    }
    if comments != lexed.comments || quoted != lexed.quoted {
        return Err(refuse(
            format_args!(
                "the SQL parser and the {engine} server would read the comments or quotes in this text differently"
            ),
            "Remove the comments and use plain quoting.",
        ));
    }
    Ok(tokens)
}

/// SQLite's `PRAGMA [schema.]name [= value | (value)]`, read from the tokens (sqlparser
/// accepts only literal arguments, but SQLite also takes bare names, as in
/// `PRAGMA table_info(orders)`). `None` when the text is not a PRAGMA.
fn sqlite_pragma<'t>(tokens: impl Iterator<Item = &'t Token>) -> Option<Result<Kind, Rejection>> {
    let words: Vec<&Token> = tokens
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let is_word = |t: &Token, kw: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
    if !words.first().is_some_and(|t| is_word(t, "pragma")) {
        return None;
    }
    let mut rest = &words[1..];
    // Optional `schema.` prefix.
    if let [Token::Word(_), Token::Period, tail @ ..] = rest {
        rest = tail;
    }
    let malformed = || {
        Some(Err(refuse(
            "this PRAGMA is not of the form PRAGMA name, PRAGMA name(argument)",
            "Write e.g. PRAGMA table_info(orders), or query SELECT * FROM pragma_table_info('orders').",
        )))
    };
    let Some((Token::Word(name), args)) = rest.split_first().map(|(n, a)| (*n, a)) else {
        return malformed();
    };
    let name = ObjectName::from(vec![sqlparser::ast::Ident::new(name.value.clone())]);
    match args {
        [] => Some(pragma_kind(&name, false, false)),
        [Token::Eq, ..] => Some(pragma_kind(&name, true, true)),
        [Token::LParen, _, Token::RParen] => Some(pragma_kind(&name, true, false)),
        _ => malformed(),
    }
}

/// The kind of an allowed top-level statement, or why it is refused.
fn statement_kind(statement: &Statement, engine: Engine) -> Result<Kind, Rejection> {
    match statement {
        Statement::Query(_) => Ok(Kind::Query),
        Statement::Explain {
            analyze,
            statement: inner,
            options,
            ..
        } => {
            let analyze_option = options.iter().flatten().any(|o| {
                o.name.value.eq_ignore_ascii_case("analyze")
                    && !o.arg.as_ref().is_some_and(|a| {
                        let a = a.to_string().to_ascii_lowercase();
                        matches!(a.as_str(), "false" | "off" | "0")
                    })
            });
            if *analyze || analyze_option {
                return Err(refuse(
                    "EXPLAIN ANALYZE executes the statement",
                    "Use the explain tool (it shows the plan without running the statement), or plain EXPLAIN.",
                ));
            }
            if !matches!(**inner, Statement::Query(_)) {
                return Err(refuse(
                    "EXPLAIN is allowed only for queries",
                    "Explain a SELECT, e.g. EXPLAIN SELECT * FROM orders WHERE id = 1.",
                ));
            }
            Ok(Kind::Explain)
        }
        Statement::ExplainTable { .. } if engine == Engine::MySql => Ok(Kind::Show),
        Statement::ShowVariable { .. } if engine != Engine::Sqlite => Ok(Kind::Show),
        Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowCreate { .. }
        | Statement::ShowVariables { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowDatabases { .. }
        | Statement::ShowSchemas { .. }
        | Statement::ShowFunctions { .. }
        | Statement::ShowCollation { .. }
        | Statement::ShowCharset(_)
        | Statement::ShowViews { .. }
        | Statement::ShowProcessList { .. }
            if engine == Engine::MySql =>
        {
            Ok(Kind::Show)
        }
        Statement::Pragma { name, value, is_eq } if engine == Engine::Sqlite => {
            pragma_kind(name, value.is_some(), *is_eq)
        }
        other => Err(refuse_statement(other)),
    }
}

/// Read-only SQLite pragmas: those that only report, with or without an argument.
fn pragma_kind(name: &ObjectName, has_value: bool, is_eq: bool) -> Result<Kind, Rejection> {
    const REPORT_ONLY: &[&str] = &[
        "table_list",
        "database_list",
        "collation_list",
        "function_list",
        "module_list",
        "pragma_list",
        "compile_options",
        "application_id",
        "user_version",
        "schema_version",
        "data_version",
        "page_count",
        "page_size",
        "freelist_count",
        "encoding",
        "journal_mode",
        "auto_vacuum",
        "foreign_keys",
        "integrity_check",
        "quick_check",
        "foreign_key_check",
    ];
    const WITH_ARGUMENT: &[&str] = &[
        "table_info",
        "table_xinfo",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
    ];
    let pragma = last_part(name).to_ascii_lowercase();
    let allowed = if is_eq {
        false
    } else if has_value {
        WITH_ARGUMENT.contains(&pragma.as_str())
    } else {
        REPORT_ONLY.contains(&pragma.as_str())
    };
    if allowed {
        Ok(Kind::Pragma)
    } else {
        Err(refuse(
            format_args!(
                "PRAGMA {pragma}{} can change the database or connection",
                if is_eq || has_value {
                    " with a value"
                } else {
                    ""
                }
            ),
            "Only reporting pragmas are allowed, e.g. PRAGMA table_info(orders) or SELECT * FROM pragma_index_list('orders').",
        ))
    }
}

fn refuse_statement(statement: &Statement) -> Rejection {
    let shown = statement.to_string();
    let head: String = shown
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let (reason, advice) = match statement {
        Statement::Insert(_)
        | Statement::Update(_)
        | Statement::Delete(_)
        | Statement::Merge(_)
        | Statement::Truncate(_)
        | Statement::Copy { .. }
        | Statement::LoadData { .. } => ("it changes data", "To look at data, use SELECT."),
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. }
        | Statement::Set(_)
        | Statement::Reset(_)
        | Statement::Discard { .. }
        | Statement::Use(_)
        | Statement::Lock(_)
        | Statement::LockTables { .. }
        | Statement::UnlockTables => (
            "it controls transactions, locks or session state",
            "Each query already runs alone in a read-only transaction; just send the SELECT.",
        ),
        _ => (
            "it is not a reading statement (DDL, maintenance, procedures or privileges)",
            "To inspect the schema use list_schemas, list_tables and describe_table.",
        ),
    };
    refuse(format_args!("`{head} …` {reason}"), advice)
}

fn last_part(name: &ObjectName) -> String {
    name.0
        .last()
        .map(|p| match p.as_ident() {
            Some(ident) => ident.value.clone(),
            None => p.to_string(),
        })
        .unwrap_or_default()
}

/// Walks the whole statement for nested writes, locks, INTO and denied functions.
struct Inspector {
    depth: usize,
}

impl Visitor for Inspector {
    type Break = Rejection;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Rejection> {
        self.depth += 1;
        if self.depth > 1 && !matches!(statement, Statement::Query(_)) {
            return ControlFlow::Break(refuse(
                "the query contains a data-modifying statement (for example WITH x AS (DELETE … RETURNING …))",
                "Remove the INSERT/UPDATE/DELETE part; this server only reads.",
            ));
        }
        ControlFlow::Continue(())
    }

    fn post_visit_statement(&mut self, _statement: &Statement) -> ControlFlow<Rejection> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Rejection> {
        if !query.locks.is_empty() {
            return ControlFlow::Break(refuse(
                "locking reads (FOR UPDATE / FOR SHARE / FOR NO KEY UPDATE / FOR KEY SHARE) take row locks",
                "Remove the FOR … clause; plain SELECT sees the same rows.",
            ));
        }
        modifying_set_expr(&query.body)
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<Rejection> {
        if select.into.is_some() {
            return ControlFlow::Break(refuse(
                "SELECT … INTO creates a table or writes variables",
                "Remove the INTO clause; the rows come back to you directly.",
            ));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<Rejection> {
        if let Expr::Function(f) = expr {
            return denied(&f.name);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Rejection> {
        match factor {
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            }
            | TableFactor::Function { name, .. } => denied(name),
            _ => ControlFlow::Continue(()),
        }
    }
}

fn modifying_set_expr(body: &SetExpr) -> ControlFlow<Rejection> {
    match body {
        SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
            ControlFlow::Break(refuse(
                "the query contains a data-modifying part (INSERT/UPDATE/DELETE/MERGE in a CTE or subquery)",
                "Remove it; this server only reads.",
            ))
        }
        SetExpr::SetOperation { left, right, .. } => {
            modifying_set_expr(left)?;
            modifying_set_expr(right)
        }
        _ => ControlFlow::Continue(()),
    }
}

fn denied(name: &ObjectName) -> ControlFlow<Rejection> {
    let function = last_part(name);
    match deny::denied_function(&function) {
        Some(why) => ControlFlow::Break(refuse(
            format_args!("{function}() {why}"),
            "Remove that call. Functions with side effects, file access, locks or sleeps are not allowed even in a read-only query.",
        )),
        None => ControlFlow::Continue(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Engine; 3] = [Engine::Postgres, Engine::MySql, Engine::Sqlite];

    fn ok(sql: &str, engine: Engine) -> Approved {
        check(sql, engine).unwrap_or_else(|e| panic!("{engine}: {sql:?} refused: {e}"))
    }

    fn refused(sql: &str, engine: Engine) -> String {
        match check(sql, engine) {
            Ok(a) => panic!("{engine}: {sql:?} was approved as {a:?}"),
            Err(r) => r.0,
        }
    }

    #[test]
    fn a_remembered_approval_holds_only_for_its_engine() {
        let sql = "SHOW search_path";
        let first = ok(sql, Engine::Postgres);
        assert_eq!(ok(sql, Engine::Postgres), first);
        assert_eq!(check_text(sql, Engine::Postgres), Ok(first));
        refused(sql, Engine::Sqlite);
        // Refusals are never remembered as approvals.
        refused("DROP TABLE t", Engine::Postgres);
        refused("DROP TABLE t", Engine::Postgres);
    }

    #[test]
    fn reading_statements_pass() {
        for engine in ALL {
            assert_eq!(ok("SELECT 1", engine).kind, Kind::Query);
            ok(
                "WITH t AS (SELECT 1 AS x) SELECT x FROM t ORDER BY x LIMIT 5",
                engine,
            );
            ok(
                "SELECT a.id, count(*) FROM a JOIN b ON a.id = b.a_id GROUP BY a.id HAVING count(*) > 1",
                engine,
            );
            ok("SELECT 1 UNION ALL SELECT 2", engine);
            ok("SELECT * FROM t WHERE x IN (SELECT y FROM u)", engine);
        }
        ok(
            "SELECT * FROM orders WHERE id = $1 AND note = 'a;b'",
            Engine::Postgres,
        );
        ok("SELECT * FROM orders WHERE id = ?", Engine::MySql);
        assert_eq!(ok("SHOW TABLES", Engine::MySql).kind, Kind::Show);
        assert_eq!(ok("DESCRIBE orders", Engine::MySql).kind, Kind::Show);
        assert_eq!(ok("SHOW search_path", Engine::Postgres).kind, Kind::Show);
        assert_eq!(
            ok("PRAGMA table_info(orders)", Engine::Sqlite).kind,
            Kind::Pragma
        );
        assert_eq!(
            ok("EXPLAIN SELECT * FROM t", Engine::Postgres).kind,
            Kind::Explain
        );
        assert_eq!(
            ok("EXPLAIN QUERY PLAN SELECT * FROM t", Engine::Sqlite).kind,
            Kind::Explain
        );
        ok("EXPLAIN (FORMAT JSON) SELECT 1", Engine::Postgres);
    }

    #[test]
    fn trailing_semicolon_is_removed() {
        assert_eq!(ok("SELECT 1;  ", Engine::Postgres).sql, "SELECT 1");
    }

    #[test]
    fn writes_ddl_and_session_changes_are_refused() {
        for engine in ALL {
            for sql in [
                "INSERT INTO t VALUES (1)",
                "UPDATE t SET x = 1",
                "DELETE FROM t",
                "DROP TABLE t",
                "CREATE TABLE x (a INT)",
                "ALTER TABLE t ADD COLUMN y INT",
                "COMMIT",
                "BEGIN",
            ] {
                refused(sql, engine);
            }
        }
        refused("SET transaction_read_only = off", Engine::Postgres);
        refused("TRUNCATE t", Engine::Postgres);
        refused("SET SESSION TRANSACTION READ WRITE", Engine::MySql);
        refused("PRAGMA query_only = 0", Engine::Sqlite);
        refused("PRAGMA journal_mode(WAL)", Engine::Sqlite);
        refused("ATTACH DATABASE 'x.db' AS x", Engine::Sqlite);
        refused("VACUUM", Engine::Sqlite);
    }

    #[test]
    fn stacked_statements_are_refused() {
        for engine in ALL {
            let r = refused("SELECT 1; DROP TABLE t", engine);
            assert!(r.contains("more than one statement"), "{r}");
            refused("COMMIT; DROP TABLE t", engine);
        }
    }

    #[test]
    fn data_modifying_ctes_are_refused() {
        let r = refused(
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            Engine::Postgres,
        );
        assert!(r.contains("data-modifying"), "{r}");
        refused(
            "WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM i",
            Engine::Postgres,
        );
        refused(
            "WITH u AS (UPDATE t SET x = 1 RETURNING x) SELECT 1",
            Engine::Postgres,
        );
    }

    #[test]
    fn locking_reads_and_select_into_are_refused() {
        assert!(refused("SELECT * FROM t FOR UPDATE", Engine::Postgres).contains("locking"));
        refused("SELECT * FROM t FOR SHARE", Engine::Postgres);
        refused("SELECT * FROM t FOR UPDATE", Engine::MySql);
        assert!(refused("SELECT * INTO newt FROM t", Engine::Postgres).contains("INTO"));
    }

    #[test]
    fn denied_functions_anywhere_are_refused() {
        assert!(refused("SELECT nextval('s')", Engine::Postgres).contains("nextval"));
        refused("SELECT * FROM nextval('s')", Engine::Postgres);
        refused("SELECT pg_catalog.pg_sleep(10)", Engine::Postgres);
        refused(
            "SELECT x FROM t WHERE x = (SELECT pg_read_file('/etc/passwd'))",
            Engine::Postgres,
        );
        refused("SELECT * FROM pg_ls_dir('.')", Engine::Postgres);
        refused("SELECT SLEEP(5)", Engine::MySql);
        refused("SELECT `sleep`(5)", Engine::MySql);
        refused("SELECT BENCHMARK(100000000, MD5('a'))", Engine::MySql);
        refused("SELECT LOAD_FILE('/etc/passwd')", Engine::MySql);
        refused("SELECT load_extension('x')", Engine::Sqlite);
        refused(
            "SELECT count(*) FROM t GROUP BY x HAVING max(pg_sleep(1)) IS NULL",
            Engine::Postgres,
        );
    }

    #[test]
    fn explain_analyze_is_refused() {
        let r = refused("EXPLAIN ANALYZE SELECT 1", Engine::Postgres);
        assert!(r.contains("explain tool"), "{r}");
        refused("EXPLAIN (ANALYZE) SELECT 1", Engine::Postgres);
        refused("EXPLAIN (ANALYZE true) SELECT 1", Engine::Postgres);
        refused("EXPLAIN ANALYZE SELECT 1", Engine::MySql);
        refused("EXPLAIN DELETE FROM t", Engine::Postgres);
    }

    #[test]
    fn mysql_executable_comments_are_refused() {
        let r = refused("SELECT 1 /*!50000 , SLEEP(5) */", Engine::MySql);
        assert!(r.contains("executable comment"), "{r}");
        refused("/*! DROP TABLE t */ SELECT 1", Engine::MySql);
    }

    #[test]
    fn lexing_tricks_are_refused() {
        refused("SELECT 1 --1; DROP TABLE t", Engine::MySql);
        refused("SELECT 1 -- x\r; DROP TABLE t", Engine::Postgres);
        refused("SELECT 1 AS a$$; DROP TABLE t; --$$", Engine::Postgres);
        refused(r"SELECT 'a\\'; DROP TABLE t; -- '", Engine::MySql);
        refused("SELECT 1 /* a /* b */ ; DROP TABLE t; /* */", Engine::MySql);
    }

    #[test]
    fn explain_tool_wants_a_plain_query() {
        assert!(check_explainable("SELECT 1", Engine::Postgres).is_ok());
        assert!(check_explainable("EXPLAIN SELECT 1", Engine::Postgres).is_err());
        assert!(check_explainable("SHOW TABLES", Engine::MySql).is_err());
    }
}

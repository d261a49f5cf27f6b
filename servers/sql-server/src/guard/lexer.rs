//! A lexer that reads SQL the way each database server does, for the one question the
//! gate cannot leave to a general-purpose parser: where strings, comments and statements
//! begin and end *for the server that will run the text*.
//!
//! Published read-only bypasses hide a second statement or a side effect where a
//! checker and the server disagree about lexing: `--1` (a comment to some checkers, a
//! minus sign to MySQL), nested block comments (PostgreSQL nests, MySQL and SQLite do
//! not), backslash escapes (MySQL strings, PostgreSQL `E''` strings), dollar quoting and
//! `$` inside PostgreSQL identifiers, `\r` ending a PostgreSQL line comment, and MySQL's
//! executable comments (`/*! … */`, `/*M! … */`) that the server runs as code. This
//! module follows each server's own lexer rules and reports what it saw, so the gate can
//! refuse any text on which it and the parser disagree.

use crate::engine::Engine;

/// What the server-faithful lexer found in one SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexed {
    /// Byte offset where the statement ends: the first top-level `;`, or the text's end.
    /// Only whitespace, comments and further `;` may follow it.
    pub end: usize,
    /// The comments before `end`, in order: the text inside `/* */`, or after `--`/`#`
    /// up to the end of the line.
    pub comments: Vec<String>,
    /// How many quoted tokens (string literals and quoted identifiers) precede `end`.
    pub quoted: usize,
}

/// Why the text cannot be one safe statement, lexically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexError {
    /// A string, quoted identifier or comment never ends.
    Unterminated(&'static str),
    /// A MySQL/MariaDB executable comment (`/*!…*/` or `/*M!…*/`): the server runs it.
    ExecutableComment {
        /// Byte offset where it starts.
        at: usize,
    },
    /// Something other than whitespace or comments follows a top-level `;`.
    SeveralStatements {
        /// Byte offset of what follows the `;`.
        at: usize,
    },
}

/// Lexes `sql` as `engine`'s server would (PostgreSQL with `standard_conforming_strings`
/// on, which sql-server sets on every connection; MySQL with backslash escapes and `"`
/// strings, which it also sets).
pub fn lex(sql: &str, engine: Engine) -> Result<Lexed, LexError> {
    Lexer {
        b: sql.as_bytes(),
        sql,
        engine,
        i: 0,
        comments: Vec::new(),
        quoted: 0,
    }
    .run()
}

struct Lexer<'a> {
    b: &'a [u8],
    sql: &'a str,
    engine: Engine,
    i: usize,
    comments: Vec<String>,
    quoted: usize,
}

/// Whitespace as the servers' lexers define it (space, \t, \n, \v, \f, \r).
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// A byte that can continue an identifier (non-ASCII bytes count, as in the servers).
fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.b.get(self.i + ahead).copied()
    }

    fn prev_is_ident(&self) -> bool {
        self.i > 0 && is_ident_byte(self.b[self.i - 1])
    }

    fn run(mut self) -> Result<Lexed, LexError> {
        let mut end = None;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if let Some(comment) = self.comment_start()? {
                let text = self.comment(comment)?;
                if end.is_none() {
                    self.comments.push(text);
                }
                continue;
            }
            if end.is_some() {
                // After the statement's `;` only trivia and more `;` may follow.
                if is_space(c) || c == b';' {
                    self.i += 1;
                    continue;
                }
                return Err(LexError::SeveralStatements { at: self.i });
            }
            match c {
                b';' => {
                    end = Some(self.i);
                    self.i += 1;
                }
                b'\'' => {
                    let backslash = self.engine == Engine::MySql || self.pg_escape_string();
                    self.quoted_run(b'\'', backslash, "string literal")?;
                }
                b'"' => {
                    let backslash = self.engine == Engine::MySql;
                    self.quoted_run(b'"', backslash, "double-quoted string or identifier")?;
                }
                b'`' if self.engine != Engine::Postgres => {
                    self.quoted_run(b'`', false, "backquoted identifier")?;
                }
                b'[' if self.engine == Engine::Sqlite => {
                    match self.b[self.i + 1..].iter().position(|&x| x == b']') {
                        Some(p) => self.i += p + 2,
                        None => return Err(LexError::Unterminated("[bracketed] identifier")),
                    }
                    self.quoted += 1;
                }
                b'$' if self.engine == Engine::Postgres && !self.prev_is_ident() => {
                    self.dollar()?;
                }
                _ => self.i += 1,
            }
        }
        Ok(Lexed {
            end: end.unwrap_or(self.b.len()),
            comments: self.comments,
            quoted: self.quoted,
        })
    }

    /// PostgreSQL `E'…'` (or `e'…'`): the only PostgreSQL strings with backslash escapes.
    fn pg_escape_string(&self) -> bool {
        self.engine == Engine::Postgres
            && self.i > 0
            && matches!(self.b[self.i - 1], b'e' | b'E')
            && (self.i < 2 || !is_ident_byte(self.b[self.i - 2]))
    }

    /// Skips a quoted run starting at `self.i` (the opening quote); a doubled quote stands
    /// for itself, and with `backslash` a `\` escapes the next byte.
    fn quoted_run(
        &mut self,
        quote: u8,
        backslash: bool,
        what: &'static str,
    ) -> Result<(), LexError> {
        let mut j = self.i + 1;
        loop {
            match self.b.get(j) {
                None => return Err(LexError::Unterminated(what)),
                Some(b'\\') if backslash => j += 2,
                Some(&c) if c == quote => {
                    if self.b.get(j + 1) == Some(&quote) {
                        j += 2;
                    } else {
                        self.i = j + 1;
                        self.quoted += 1;
                        return Ok(());
                    }
                }
                Some(_) => j += 1,
            }
        }
    }

    /// PostgreSQL `$tag$…$tag$` (tag may be empty); `$1` and a lone `$` are not quotes.
    fn dollar(&mut self) -> Result<(), LexError> {
        let start = self.i;
        let mut j = start + 1;
        if self.b.get(j).is_some_and(|c| c.is_ascii_digit()) {
            self.i = j;
            return Ok(());
        }
        while let Some(&c) = self.b.get(j) {
            if c == b'$' {
                break;
            }
            let ok = if j == start + 1 {
                c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
            } else {
                c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
            };
            if !ok {
                self.i += 1;
                return Ok(());
            }
            j += 1;
        }
        if self.b.get(j) != Some(&b'$') {
            self.i += 1;
            return Ok(());
        }
        let tag = &self.sql[start..=j];
        match self.sql[j + 1..].find(tag) {
            Some(p) => {
                self.i = j + 1 + p + tag.len();
                self.quoted += 1;
                Ok(())
            }
            None => Err(LexError::Unterminated("dollar-quoted string")),
        }
    }

    /// Whether a comment starts at `self.i`, and which kind.
    fn comment_start(&self) -> Result<Option<Comment>, LexError> {
        let c = self.b[self.i];
        let next = self.peek(1);
        if c == b'-' && next == Some(b'-') {
            // MySQL needs whitespace (or the end) after `--`; `--1` is minus minus one.
            if self.engine == Engine::MySql && !self.peek(2).is_none_or(is_space) {
                return Ok(None);
            }
            return Ok(Some(Comment::Line(2)));
        }
        if c == b'#' && self.engine == Engine::MySql {
            return Ok(Some(Comment::Line(1)));
        }
        if c == b'/' && next == Some(b'*') {
            if self.engine == Engine::MySql
                && (self.peek(2) == Some(b'!')
                    || (matches!(self.peek(2), Some(b'M' | b'm')) && self.peek(3) == Some(b'!')))
            {
                return Err(LexError::ExecutableComment { at: self.i });
            }
            return Ok(Some(Comment::Block));
        }
        Ok(None)
    }

    /// Consumes one comment and returns its text.
    fn comment(&mut self, kind: Comment) -> Result<String, LexError> {
        match kind {
            Comment::Line(prefix) => {
                let start = self.i + prefix;
                // PostgreSQL ends a line comment at \n or \r; MySQL and SQLite only at \n.
                let stop = self.b[start..]
                    .iter()
                    .position(|&c| c == b'\n' || (c == b'\r' && self.engine == Engine::Postgres))
                    .map_or(self.b.len(), |p| start + p);
                self.i = stop;
                Ok(self.sql[start..stop].to_string())
            }
            Comment::Block => {
                let start = self.i + 2;
                let nests = self.engine == Engine::Postgres;
                let mut depth = 1;
                let mut j = start;
                while j < self.b.len() {
                    if nests && self.b[j] == b'/' && self.b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if self.b[j] == b'*' && self.b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        if depth == 0 {
                            self.i = j + 2;
                            return Ok(self.sql[start..j].to_string());
                        }
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                if self.engine == Engine::Sqlite {
                    // SQLite lets a block comment run to the end of the text.
                    self.i = self.b.len();
                    return Ok(self.sql[start..].to_string());
                }
                Err(LexError::Unterminated("block comment"))
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Comment {
    /// A line comment with a prefix of this many bytes (`--` or `#`).
    Line(usize),
    Block,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(sql: &str, engine: Engine) -> Result<usize, LexError> {
        lex(sql, engine).map(|l| l.end)
    }

    #[test]
    fn a_trailing_semicolon_ends_the_statement() {
        assert_eq!(end("SELECT 1;  -- done\n", Engine::Postgres), Ok(8));
        assert_eq!(end("SELECT 1", Engine::Sqlite), Ok(8));
        assert_eq!(end("SELECT 1;;", Engine::MySql), Ok(8));
    }

    #[test]
    fn a_second_statement_is_seen_in_every_engine() {
        for engine in [Engine::Postgres, Engine::MySql, Engine::Sqlite] {
            assert!(matches!(
                end("SELECT 1; DROP TABLE t", engine),
                Err(LexError::SeveralStatements { .. })
            ));
        }
    }

    #[test]
    fn semicolons_inside_strings_and_identifiers_do_not_count() {
        assert_eq!(end("SELECT ';', \"a;b\"", Engine::Postgres), Ok(17));
        assert_eq!(end("SELECT `a;b`, 'x'';'", Engine::MySql), Ok(20));
        assert_eq!(end("SELECT [a;b]", Engine::Sqlite), Ok(12));
        assert_eq!(end("SELECT $$;$$, $q$ ; $q$", Engine::Postgres), Ok(23));
    }

    #[test]
    fn mysql_double_dash_needs_whitespace() {
        // `--1` is arithmetic in MySQL, so the `;` is real.
        assert!(matches!(
            end("SELECT 1 --1; DROP TABLE t", Engine::MySql),
            Err(LexError::SeveralStatements { .. })
        ));
        // In PostgreSQL it is a comment that hides the rest of the line.
        assert_eq!(end("SELECT 1 --1; DROP TABLE t", Engine::Postgres), Ok(26));
        assert_eq!(end("SELECT 1 -- ; DROP TABLE t", Engine::MySql), Ok(26));
    }

    #[test]
    fn mysql_hash_comments_and_executable_comments() {
        assert_eq!(end("SELECT 1 # ; x", Engine::MySql), Ok(14));
        assert!(matches!(
            end("SELECT 1 # ; x", Engine::Postgres),
            Err(LexError::SeveralStatements { .. })
        ));
        assert!(matches!(
            lex("SELECT 1 /*!50000 , SLEEP(5) */", Engine::MySql),
            Err(LexError::ExecutableComment { at: 9 })
        ));
        assert!(matches!(
            lex("SELECT /*M! 1, */ 2", Engine::MySql),
            Err(LexError::ExecutableComment { .. })
        ));
        assert!(lex("SELECT /*+ MAX_EXECUTION_TIME(1) */ 1", Engine::MySql).is_ok());
    }

    #[test]
    fn block_comments_nest_only_in_postgres() {
        let sql = "SELECT 1 /* a /* b */ ; DROP TABLE t; /* */";
        // PostgreSQL: the outer comment never closes.
        assert_eq!(
            lex(sql, Engine::Postgres),
            Err(LexError::Unterminated("block comment"))
        );
        // MySQL: the comment ends at the first `*/`, so the DROP is a second statement.
        assert!(matches!(
            end(sql, Engine::MySql),
            Err(LexError::SeveralStatements { .. })
        ));
        let nested = "SELECT 1 /* a /* b */ ; DROP TABLE t; */";
        assert_eq!(end(nested, Engine::Postgres), Ok(nested.len()));
    }

    #[test]
    fn backslashes_follow_each_server() {
        // MySQL: \' does not end the string, so everything is one string.
        let one = r"SELECT 'a\'; DROP TABLE t; -- '";
        assert_eq!(end(one, Engine::MySql), Ok(one.len()));
        // PostgreSQL standard strings: \ is literal, the string ends early.
        assert!(matches!(
            end(r"SELECT 'a\'; DROP TABLE t; -- '", Engine::Postgres),
            Err(LexError::SeveralStatements { .. })
        ));
        // PostgreSQL E'' strings do have escapes.
        assert_eq!(end(r"SELECT E'a\'; x'", Engine::Postgres), Ok(16));
        // MySQL: 'a\\' ends after the escaped backslash.
        assert!(matches!(
            end(r"SELECT 'a\\'; DROP TABLE t; -- '", Engine::MySql),
            Err(LexError::SeveralStatements { .. })
        ));
    }

    #[test]
    fn postgres_dollar_rules() {
        // `$` inside an identifier is not a dollar quote.
        assert!(matches!(
            end("SELECT 1 AS a$$; DROP TABLE t; --$$", Engine::Postgres),
            Err(LexError::SeveralStatements { .. })
        ));
        // A positional parameter is not a quote either.
        assert_eq!(end("SELECT $1; ", Engine::Postgres), Ok(9));
        assert_eq!(
            lex("SELECT $x$ never closed", Engine::Postgres),
            Err(LexError::Unterminated("dollar-quoted string"))
        );
    }

    #[test]
    fn postgres_line_comments_end_at_carriage_return() {
        assert!(matches!(
            end("SELECT 1 -- x\r; DROP TABLE t", Engine::Postgres),
            Err(LexError::SeveralStatements { .. })
        ));
        assert_eq!(end("SELECT 1 -- x\r; y", Engine::Sqlite), Ok(17));
    }

    #[test]
    fn comments_and_quotes_are_reported() {
        let l = lex("SELECT /* c1 */ 'a', \"b\" -- c2\n", Engine::Postgres).unwrap();
        assert_eq!(l.comments, vec![" c1 ".to_string(), " c2".to_string()]);
        assert_eq!(l.quoted, 2);
    }

    #[test]
    fn sqlite_block_comment_may_run_to_the_end() {
        assert_eq!(end("SELECT 1 /* ; DROP TABLE t", Engine::Sqlite), Ok(26));
    }
}

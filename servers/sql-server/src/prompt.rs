//! The `explore_database` prompt: a first message that teaches a model how to find its
//! way around an unfamiliar database with this server's tools, with the database's
//! schema overview attached when it can be read.

use rmcp::model::{Prompt, PromptArgument};

/// The prompt's name in `prompts/list`.
pub const NAME: &str = "explore_database";

/// The prompt as listed.
pub fn definition() -> Prompt {
    Prompt::new(
        NAME,
        Some("Explore an unfamiliar database: map its tables and relationships, then answer a question with careful, bounded read-only queries."),
        Some(vec![
            PromptArgument::new("database")
                .with_description("Configured database name; empty for the default."),
            PromptArgument::new("question").with_description(
                "What you want to find out, e.g. 'Which customers ordered most last month?'",
            ),
        ]),
    )
    .with_title("Explore a database")
}

/// The message text, given the database's name, engine, and overview (or why it is
/// missing).
pub fn text(database: &str, engine: &str, question: Option<&str>, overview: &str) -> String {
    let goal = question
        .filter(|q| !q.trim().is_empty())
        .map(|q| format!("My question: {q}\n\n"))
        .unwrap_or_default();
    let placeholders = if engine.starts_with("PostgreSQL") {
        "$1, $2, …"
    } else {
        "?"
    };
    format!(
        "{goal}You are exploring the {engine} database `{database}` through sql-server's read-only tools. Work like this:\n\
         1. Orient yourself with the schema map below (also the resource sql://{database}); use list_schemas and list_tables (with filter) when it is cut or you need other schemas.\n\
         2. Before querying a table, call describe_table for its columns, keys and foreign keys; follow foreign keys (→) to find join paths.\n\
         3. Look at a few rows first (SELECT … LIMIT 5) to learn value formats; check cardinalities with count(*) and GROUP BY before joining large tables.\n\
         4. Put values in placeholders ({placeholders}) with the params argument instead of writing them into the SQL.\n\
         5. Keep results small: aggregate, filter and LIMIT. If a result says it was truncated, page with ORDER BY + LIMIT/OFFSET or a keyset condition.\n\
         6. For slow or complex queries, check the plan with explain first; every statement is stopped after the server's timeout.\n\
         7. Everything is read-only: one SELECT-style statement per call. State assumptions and show the SQL you used when you answer.\n\n\
         Schema map:\n{overview}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_carries_the_question_and_the_overview() {
        let t = text(
            "shop",
            "SQLite",
            Some("Top customers?"),
            "main.orders (table): id INTEGER PK",
        );
        assert!(t.starts_with("My question: Top customers?"));
        assert!(t.contains("main.orders"));
        assert!(t.contains("(?)"));
    }
}

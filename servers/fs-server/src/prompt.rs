//! The `explore_folder` prompt: a first message that teaches a model how to find its
//! way around an unfamiliar folder with fs-server's read tools, answering the user's
//! question with evidence (file paths and line numbers) instead of guesses.

use rmcp::model::{Prompt, PromptArgument};

/// The prompt's name.
pub const NAME: &str = "explore_folder";

/// The prompt as listed.
pub fn definition() -> Prompt {
    Prompt::new(
        NAME,
        Some("Explore a folder or code base under the allowed roots: map its layout, then answer a question citing the files and lines it found."),
        Some(vec![
            PromptArgument::new("question").with_description(
                "What you want to find out, e.g. 'Where is the config file parsed?'",
            ),
            PromptArgument::new("path").with_description(
                "Folder to start from (absolute, or relative to the first root); empty for the roots.",
            ),
        ]),
    )
    .with_title("Explore a folder")
}

/// The message text, given the question, where to start, and the roots served.
pub fn text(question: Option<&str>, start: Option<&str>, roots: &str) -> String {
    let goal = question
        .map(|q| format!("My question: {q}\n\n"))
        .unwrap_or_default();
    let start = start
        .map(|p| format!("Start in {p}."))
        .unwrap_or_else(|| "Start at the roots.".to_string());
    format!(
        "{goal}You are exploring files through fs-server's read tools. The allowed roots are: {roots}. {start} Work like this:\n\
         1. Get the layout with directory_tree (depth 2 or 3) or list_directory; read README and build files first.\n\
         2. Find names with search_files (glob patterns such as **/*.toml) and contents with grep (a regular expression; narrow it with include globs).\n\
         3. Read only what you need: read_text_file with offset and limit on large files, read_multiple_files for several small ones.\n\
         4. Follow the evidence: imports, calls and configuration keys lead to the next file.\n\
         5. Answer with the paths and line numbers you relied on, and say what you did not check."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_carries_the_question_start_and_roots() {
        let t = text(Some("Where is main?"), Some("/src"), "/home/me/project");
        assert!(t.starts_with("My question: Where is main?"));
        assert!(t.contains("Start in /src."));
        assert!(t.contains("/home/me/project"));
        assert!(text(None, None, "/r").contains("Start at the roots."));
    }
}

//! The language of a fenced code block: Notion accepts only its own list of names
//! ([`LANGUAGES`]), so a fence's info string is mapped onto it ([`notion_language`]),
//! common aliases included (`ts`, `py`, `sh` …), and anything else becomes
//! `plain text`.

/// Notion's code languages (the API refuses others), as its validation error lists
/// them. The fake Notion keeps its own copy; `tests/e2e/notion_fake_drift.rs`
/// fails when the two differ.
pub const LANGUAGES: &[&str] = &[
    "abap",
    "abc",
    "agda",
    "arduino",
    "ascii art",
    "assembly",
    "bash",
    "basic",
    "bnf",
    "c",
    "c#",
    "c++",
    "clojure",
    "coffeescript",
    "coq",
    "css",
    "dart",
    "dhall",
    "diff",
    "docker",
    "ebnf",
    "elixir",
    "elm",
    "erlang",
    "f#",
    "flow",
    "fortran",
    "gherkin",
    "glsl",
    "go",
    "graphql",
    "groovy",
    "haskell",
    "hcl",
    "html",
    "idris",
    "java",
    "javascript",
    "json",
    "julia",
    "kotlin",
    "latex",
    "less",
    "lisp",
    "livescript",
    "llvm ir",
    "lua",
    "makefile",
    "markdown",
    "markup",
    "matlab",
    "mathematica",
    "mermaid",
    "nix",
    "notion formula",
    "objective-c",
    "ocaml",
    "pascal",
    "perl",
    "php",
    "plain text",
    "powershell",
    "prolog",
    "protobuf",
    "purescript",
    "python",
    "r",
    "racket",
    "reason",
    "ruby",
    "rust",
    "sass",
    "scala",
    "scheme",
    "scss",
    "shell",
    "smalltalk",
    "solidity",
    "sql",
    "swift",
    "toml",
    "typescript",
    "vb.net",
    "verilog",
    "vhdl",
    "visual basic",
    "webassembly",
    "xml",
    "yaml",
    "java/c/c++/c#",
];

/// A fence's info string as its language and its `title="…"` caption, if any.
pub(crate) fn split_info(info: &str) -> (&str, Option<&str>) {
    let info = info.trim();
    let Some(at) = info.find("title=\"") else {
        return (info, None);
    };
    let rest = &info[at + "title=\"".len()..];
    let caption = rest.rfind('"').map(|end| &rest[..end]);
    (info[..at].trim(), caption.filter(|c| !c.is_empty()))
}

/// The Notion language for a fence's info string (`plain text` when unknown).
pub fn notion_language(info: &str) -> &'static str {
    let lang = info.trim().to_ascii_lowercase();
    if let Some(known) = LANGUAGES.iter().find(|l| **l == lang) {
        return known;
    }
    let first = lang.split_whitespace().next().unwrap_or_default();
    let alias = match first {
        "js" | "jsx" | "mjs" | "cjs" | "node" => "javascript",
        "ts" | "tsx" => "typescript",
        "py" | "python3" => "python",
        "rb" => "ruby",
        "rs" => "rust",
        "sh" | "zsh" | "console" | "shell-session" | "fish" => "shell",
        "yml" => "yaml",
        "md" => "markdown",
        "cpp" | "cc" | "cxx" | "hpp" | "h++" => "c++",
        "h" => "c",
        "cs" | "csharp" => "c#",
        "fsharp" | "fs" => "f#",
        "golang" => "go",
        "kt" | "kts" => "kotlin",
        "dockerfile" => "docker",
        "tex" => "latex",
        "ps1" | "pwsh" => "powershell",
        "proto" => "protobuf",
        "make" | "mk" => "makefile",
        "objc" | "objectivec" => "objective-c",
        "hs" => "haskell",
        "ex" | "exs" => "elixir",
        "erl" => "erlang",
        "clj" | "cljs" => "clojure",
        "vb" => "visual basic",
        "wasm" | "wat" => "webassembly",
        "htm" | "xhtml" => "html",
        "jsonc" | "json5" => "json",
        "tf" | "terraform" => "hcl",
        "patch" => "diff",
        "postgres" | "postgresql" | "mysql" | "sqlite" | "plsql" => "sql",
        "svg" => "xml",
        other => other,
    };
    LANGUAGES
        .iter()
        .find(|l| **l == alias)
        .copied()
        .unwrap_or("plain text")
}

//! Integration tests for `directory_tree`, `search_files` and `grep` on temporary trees.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fs_server::control::Control;
use fs_server::error::FsError;
use fs_server::sandbox::Sandbox;
use fs_server::tools::browse::{DirectoryTreeParams, directory_tree};
use fs_server::tools::grep::{CaseMode, GrepParams, grep};
use fs_server::tools::search::{SearchFilesParams, search_files};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// Writes `files` (relative path, contents) under a new temporary directory.
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        write(dir.path(), rel, text.as_bytes());
    }
    dir
}

fn write(base: &Path, rel: &str, bytes: &[u8]) {
    let path = base.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn sandbox(dir: &TempDir) -> (Sandbox, PathBuf) {
    let sb = Sandbox::open(&[dir.path().to_path_buf()]).unwrap();
    let root = sb.roots()[0].path.clone();
    (sb, root)
}

/// `123:text`, a matching line of grep output.
fn is_match_line(line: &str) -> bool {
    line.split_once(':')
        .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn ctl() -> Control {
    Control::detached()
}

fn cancelled() -> Control {
    let token = CancellationToken::new();
    token.cancel();
    Control::new(token, Arc::new(|_| {}))
}

fn tree_params(path: &Path) -> DirectoryTreeParams {
    DirectoryTreeParams {
        path: path.display().to_string(),
        max_depth: None,
        max_entries: None,
        respect_gitignore: None,
        include_hidden: None,
        exclude: None,
    }
}

fn search_params(pattern: &str) -> SearchFilesParams {
    SearchFilesParams {
        pattern: pattern.into(),
        path: None,
        include_hidden: None,
        respect_gitignore: None,
        exclude: None,
        max_results: None,
    }
}

fn grep_params(pattern: &str) -> GrepParams {
    GrepParams {
        pattern: pattern.into(),
        path: None,
        literal: None,
        case: None,
        glob: None,
        context: None,
        max_results: None,
        include_hidden: None,
        respect_gitignore: None,
        files_only: None,
    }
}

// ------------------------------------------------------------------ directory_tree

#[test]
fn tree_is_sorted_indented_and_summarised() {
    let dir = tree(&[
        ("b.txt", ""),
        ("a/z.rs", ""),
        ("a/y.rs", ""),
        ("c/d/e.md", ""),
    ]);
    let (sb, root) = sandbox(&dir);
    let out = directory_tree(&sb, &tree_params(&root), &ctl()).unwrap();
    let expected = format!(
        "{}/\n  a/\n    y.rs\n    z.rs\n  b.txt\n  c/\n    d/\n      e.md\n4 directories",
        root.display()
    )
    .replace("4 directories", "3 directories, 4 files shown.\n");
    assert_eq!(out, expected);
}

#[test]
fn tree_respects_gitignore_without_git_dir_and_can_ignore_it() {
    let dir = tree(&[
        (".gitignore", "target/\n*.log\n"),
        ("target/x", ""),
        ("a.log", ""),
        ("src/main.rs", ""),
    ]);
    let (sb, root) = sandbox(&dir);
    let out = directory_tree(&sb, &tree_params(&root), &ctl()).unwrap();
    assert!(out.contains("main.rs"));
    assert!(!out.contains("target"), "{out}");
    assert!(!out.contains("a.log"), "{out}");

    let mut p = tree_params(&root);
    p.respect_gitignore = Some(false);
    let out = directory_tree(&sb, &p, &ctl()).unwrap();
    assert!(out.contains("  target/\n    x\n"), "{out}");
    assert!(out.contains("a.log"), "{out}");
}

#[test]
fn tree_of_subdirectory_applies_gitignore_of_the_root() {
    let dir = tree(&[
        (".gitignore", "*.log\n"),
        ("sub/keep.rs", ""),
        ("sub/drop.log", ""),
    ]);
    let (sb, root) = sandbox(&dir);
    let out = directory_tree(&sb, &tree_params(&root.join("sub")), &ctl()).unwrap();
    assert!(out.contains("keep.rs"), "{out}");
    assert!(!out.contains("drop.log"), "{out}");
}

#[test]
fn tree_hidden_entries_are_optional_and_git_dir_is_skipped() {
    let dir = tree(&[
        (".env", ""),
        (".config/x", ""),
        (".git/HEAD", ""),
        ("v.txt", ""),
    ]);
    let (sb, root) = sandbox(&dir);
    let out = directory_tree(&sb, &tree_params(&root), &ctl()).unwrap();
    assert!(!out.contains(".env") && !out.contains(".config"), "{out}");
    let mut p = tree_params(&root);
    p.include_hidden = Some(true);
    let out = directory_tree(&sb, &p, &ctl()).unwrap();
    assert!(out.contains(".env") && out.contains(".config/"), "{out}");
    assert!(!out.contains(".git/"), "{out}");
}

#[test]
fn tree_exclude_globs_prune_names_and_paths() {
    let dir = tree(&[
        ("node_modules/x/y.js", ""),
        ("docs/build/i.html", ""),
        ("docs/a.md", ""),
        ("m.min.js", ""),
        ("k.js", ""),
    ]);
    let (sb, root) = sandbox(&dir);
    let mut p = tree_params(&root);
    p.exclude = Some(vec![
        "node_modules".into(),
        "docs/build".into(),
        "*.min.js".into(),
    ]);
    let out = directory_tree(&sb, &p, &ctl()).unwrap();
    assert!(
        !out.contains("node_modules") && !out.contains("build") && !out.contains("min.js"),
        "{out}"
    );
    assert!(out.contains("a.md") && out.contains("k.js"), "{out}");
}

#[test]
fn tree_max_depth_stops_and_says_so() {
    let dir = tree(&[("a/b/c/d.txt", "")]);
    let (sb, root) = sandbox(&dir);
    let mut p = tree_params(&root);
    p.max_depth = Some(2);
    let out = directory_tree(&sb, &p, &ctl()).unwrap();
    assert!(out.contains("    b/\n"), "{out}");
    assert!(!out.contains(" c/\n"), "{out}");
    assert!(
        out.contains("Directories at depth 2 are not expanded"),
        "{out}"
    );
    assert!(out.contains("raise `max_depth` (up to 20)"), "{out}");
}

#[test]
fn tree_entry_cap_shows_shallow_levels_and_notice() {
    let mut files = vec![("top.txt".to_string(), "")];
    for i in 0..30 {
        files.push((format!("big/f{i:02}.txt"), ""));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let dir = tree(&files);
    let (sb, root) = sandbox(&dir);
    let mut p = tree_params(&root);
    p.max_entries = Some(5);
    let out = directory_tree(&sb, &p, &ctl()).unwrap();
    assert!(out.contains("  big/ (… 27 more entries)\n"), "{out}");
    assert!(out.contains("  top.txt\n"), "{out}");
    assert!(
        out.contains("Truncated at max_entries=5: 27 more entries not shown"),
        "{out}"
    );
    assert!(
        out.contains("call directory_tree on one of those directories"),
        "{out}"
    );
    assert!(out.contains("raise `max_entries` (up to 5000)"), "{out}");
}

#[cfg(unix)]
#[test]
fn tree_shows_symlinks_without_descending() {
    let outside = tree(&[("secret/inner.txt", "")]);
    let dir = tree(&[("real/x.txt", "")]);
    std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink("real", dir.path().join("rel")).unwrap();
    let (sb, root) = sandbox(&dir);
    let out = directory_tree(&sb, &tree_params(&root), &ctl()).unwrap();
    assert!(
        out.contains("  out -> (a path outside the allowed roots)\n"),
        "{out}"
    );
    assert!(
        !out.contains(&outside.path().display().to_string()),
        "outside path revealed: {out}"
    );
    assert!(out.contains("  rel -> real\n"), "{out}");
    assert!(!out.contains("inner.txt"), "{out}");
    assert!(out.contains("2 symlinks"), "{out}");
}

#[test]
fn tree_errors_are_actionable() {
    let dir = tree(&[("f.txt", "")]);
    let (sb, root) = sandbox(&dir);
    let err = directory_tree(&sb, &tree_params(&root.join("f.txt")), &ctl()).unwrap_err();
    assert!(matches!(err, FsError::NotADirectory { .. }), "{err}");
    let err = directory_tree(&sb, &tree_params(&root.join("nope")), &ctl()).unwrap_err();
    assert!(matches!(err, FsError::NotFound { .. }), "{err}");
    let err = directory_tree(&sb, &tree_params(Path::new("/etc")), &ctl()).unwrap_err();
    assert!(matches!(err, FsError::OutsideRoots { .. }), "{err}");
    let err = directory_tree(&sb, &tree_params(&root), &cancelled()).unwrap_err();
    assert!(matches!(err, FsError::Cancelled));
}

// ------------------------------------------------------------------ search_files

#[test]
fn search_files_matches_names_at_any_depth_sorted() {
    let dir = tree(&[
        ("Cargo.toml", ""),
        ("a/config.rs", ""),
        ("a/b/app_config.toml", ""),
        ("z.rs", ""),
    ]);
    let (sb, root) = sandbox(&dir);
    let out = search_files(&sb, &search_params("*config*"), &ctl()).unwrap();
    let expected = format!(
        "{r}/a/b/app_config.toml\n{r}/a/config.rs\n2 matches.\n",
        r = root.display()
    );
    assert_eq!(out, expected);
}

#[test]
fn search_files_with_slash_matches_relative_paths_and_lists_dirs() {
    let dir = tree(&[
        ("src/a.rs", ""),
        ("src/deep/b.rs", ""),
        ("c.rs", ""),
        ("src/tests/t.txt", ""),
    ]);
    let (sb, root) = sandbox(&dir);
    let out = search_files(&sb, &search_params("src/*.rs"), &ctl()).unwrap();
    assert_eq!(out, format!("{}/src/a.rs\n1 match.\n", root.display()));
    let out = search_files(&sb, &search_params("**/*.rs"), &ctl()).unwrap();
    assert!(out.ends_with("3 matches.\n"), "{out}");
    let out = search_files(&sb, &search_params("tests"), &ctl()).unwrap();
    assert_eq!(out, format!("{}/src/tests/\n1 match.\n", root.display()));
    let mut p = search_params("*.rs");
    p.path = Some(root.join("src").display().to_string());
    let out = search_files(&sb, &p, &ctl()).unwrap();
    assert!(
        out.ends_with("2 matches.\n") && !out.contains("/c.rs"),
        "{out}"
    );
}

#[test]
fn search_files_filters_gitignore_hidden_and_excludes() {
    let dir = tree(&[
        (".gitignore", "gen/\n"),
        ("gen/x.rs", ""),
        (".hid/y.rs", ""),
        ("vendor/v.rs", ""),
        ("ok.rs", ""),
    ]);
    let (sb, root) = sandbox(&dir);
    let mut p = search_params("*.rs");
    p.exclude = Some(vec!["vendor".into()]);
    let out = search_files(&sb, &p, &ctl()).unwrap();
    assert_eq!(out, format!("{}/ok.rs\n1 match.\n", root.display()));
    p.include_hidden = Some(true);
    p.respect_gitignore = Some(false);
    let out = search_files(&sb, &p, &ctl()).unwrap();
    assert!(
        out.contains("/gen/x.rs") && out.contains("/.hid/y.rs"),
        "{out}"
    );
    assert!(!out.contains("vendor"), "{out}");
}

#[test]
fn search_files_truncates_deterministically_with_notice() {
    let names: Vec<String> = (0..50).map(|i| format!("d{}/f{i:02}.txt", i % 7)).collect();
    let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "")).collect();
    let dir = tree(&files);
    let (sb, root) = sandbox(&dir);
    let mut p = search_params("*.txt");
    p.max_results = Some(3);
    let out = search_files(&sb, &p, &ctl()).unwrap();
    let r = root.display();
    assert!(
        out.starts_with(&format!("{r}/d0/f00.txt\n{r}/d0/f07.txt\n{r}/d0/f14.txt\n")),
        "{out}"
    );
    assert!(
        out.contains("Truncated: showing the first 3 of 50 matches"),
        "{out}"
    );
    assert!(out.contains("raise `max_results` (up to 10000)"), "{out}");
}

#[test]
fn search_files_errors_and_cancellation() {
    let dir = tree(&[("a.rs", "")]);
    let (sb, _) = sandbox(&dir);
    let err = search_files(&sb, &search_params("a["), &ctl()).unwrap_err();
    assert!(matches!(err, FsError::InvalidPattern { .. }), "{err}");
    let err = search_files(&sb, &search_params("*.rs"), &cancelled()).unwrap_err();
    assert!(matches!(err, FsError::Cancelled));
    let out = search_files(&sb, &search_params("*.py"), &ctl()).unwrap();
    assert!(
        out.starts_with("0 matches for \"*.py\". Skipped: hidden entries"),
        "{out}"
    );
}

// ------------------------------------------------------------------ grep

#[test]
fn grep_output_has_headings_line_numbers_and_summary() {
    let dir = tree(&[
        ("b.rs", "one\nfn main() {}\n"),
        ("a/x.rs", "fn a() {}\nzzz\nfn b() {}\n"),
    ]);
    let (sb, root) = sandbox(&dir);
    let out = grep(&sb, &grep_params("fn "), &ctl()).unwrap();
    let r = root.display();
    assert_eq!(
        out,
        format!(
            "{r}/a/x.rs\n1:fn a() {{}}\n3:fn b() {{}}\n\n{r}/b.rs\n2:fn main() {{}}\n\n3 matching lines in 2 files (2 searched).\n"
        )
    );
}

#[test]
fn grep_glob_includes_and_negations() {
    let dir = tree(&[
        ("a.rs", "hit\n"),
        ("b.py", "hit\n"),
        ("tests/c.rs", "hit\n"),
    ]);
    let (sb, _) = sandbox(&dir);
    let mut p = grep_params("hit");
    p.glob = Some(vec!["*.rs".into()]);
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(
        out.contains("/a.rs\n") && out.contains("/tests/c.rs\n") && !out.contains("b.py"),
        "{out}"
    );
    p.glob = Some(vec!["*.rs".into(), "!tests/**".into()]);
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(
        out.contains("/a.rs\n") && !out.contains("c.rs") && !out.contains("b.py"),
        "{out}"
    );
    // An include glob overrides the hidden/gitignore filters for the files it names.
    write(dir.path(), ".hidden.rs", b"hit\n");
    p.glob = Some(vec!["*.rs".into()]);
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(out.contains("/.hidden.rs\n"), "{out}");
    fs::remove_file(dir.path().join(".hidden.rs")).unwrap();
    p.glob = Some(vec!["!*.py".into()]);
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(out.contains("2 matching lines in 2 files"), "{out}");
}

#[test]
fn grep_literal_vs_regex() {
    let dir = tree(&[("f.txt", "axb\na.b\n")]);
    let (sb, _) = sandbox(&dir);
    let out = grep(&sb, &grep_params("a.b"), &ctl()).unwrap();
    assert!(out.contains("1:axb\n2:a.b\n"), "{out}");
    let mut p = grep_params("a.b");
    p.literal = Some(true);
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(out.contains("2:a.b\n") && !out.contains("axb"), "{out}");
    let mut p = grep_params("f(");
    p.literal = Some(true);
    assert!(grep(&sb, &p, &ctl()).is_ok());
}

#[test]
fn grep_case_modes() {
    let dir = tree(&[("f.txt", "Hello\nhello\nHELLO\n")]);
    let (sb, _) = sandbox(&dir);
    let count = |pattern: &str, case: Option<CaseMode>| {
        let mut p = grep_params(pattern);
        p.case = case;
        let out = grep(&sb, &p, &ctl()).unwrap();
        out.lines().filter(|l| is_match_line(l)).count()
    };
    assert_eq!(count("hello", None), 1);
    assert_eq!(count("hello", Some(CaseMode::Sensitive)), 1);
    assert_eq!(count("hello", Some(CaseMode::Insensitive)), 3);
    assert_eq!(count("hello", Some(CaseMode::Smart)), 3);
    assert_eq!(count("Hello", Some(CaseMode::Smart)), 1);
}

#[test]
fn grep_context_lines_and_group_breaks() {
    let text: String = (1..=12)
        .map(|i| {
            if i == 3 || i == 10 {
                "MATCH\n".to_string()
            } else {
                format!("l{i}\n")
            }
        })
        .collect();
    let dir = tree(&[("f.txt", &text)]);
    let (sb, _) = sandbox(&dir);
    let mut p = grep_params("MATCH");
    p.context = Some(1);
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(
        out.contains("\n2-l2\n3:MATCH\n4-l4\n--\n9-l9\n10:MATCH\n11-l11\n\n"),
        "{out}"
    );
    p.context = Some(50); // capped at 10: all lines, one group
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(
        out.contains("1-l1\n") && out.contains("12-l12\n") && !out.contains("--"),
        "{out}"
    );
}

#[test]
fn grep_skips_binary_files() {
    let dir = tree(&[("t.txt", "needle\n")]);
    write(dir.path(), "b.bin", b"needle\x00\x01\x02needle\n");
    let (sb, root) = sandbox(&dir);
    let out = grep(&sb, &grep_params("needle"), &ctl()).unwrap();
    assert!(out.contains("t.txt") && !out.contains("b.bin"), "{out}");
    assert!(out.contains("1 binary file skipped"), "{out}");
    let mut p = grep_params("needle");
    p.path = Some(root.join("b.bin").display().to_string());
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(
        out.starts_with("No matches (1 file searched). 1 binary file skipped."),
        "{out}"
    );
}

#[test]
fn grep_invalid_regex_explains_and_suggests_literal() {
    let dir = tree(&[("f.txt", "x\n")]);
    let (sb, _) = sandbox(&dir);
    let err = grep(&sb, &grep_params("foo(bar"), &ctl()).unwrap_err();
    assert!(matches!(err, FsError::InvalidPattern { .. }));
    let text = err.to_string();
    assert!(text.contains("invalid pattern \"foo(bar\""), "{text}");
    assert!(text.contains("unclosed group"), "{text}");
    assert!(text.contains("set literal: true"), "{text}");
    let err = grep(&sb, &grep_params(""), &ctl()).unwrap_err();
    assert!(matches!(err, FsError::InvalidArgument(_)), "{err}");
    let mut p = grep_params("x");
    p.glob = Some(vec!["a[".into()]);
    let err = grep(&sb, &p, &ctl()).unwrap_err();
    assert!(matches!(err, FsError::InvalidPattern { .. }), "{err}");
}

#[test]
fn grep_max_results_stops_early_and_says_truncated() {
    let text = "hit\n".repeat(100);
    let names: Vec<String> = (0..40).map(|i| format!("d/f{i}.txt")).collect();
    let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), text.as_str())).collect();
    let dir = tree(&files);
    let (sb, _) = sandbox(&dir);
    let mut p = grep_params("hit");
    p.max_results = Some(150);
    let out = grep(&sb, &p, &ctl()).unwrap();
    let shown = out.lines().filter(|l| l.ends_with(":hit")).count();
    assert_eq!(shown, 150, "{out}");
    // Which files hold the 150 depends on the order the threads reached them.
    assert!(out.contains("150 matching lines in "), "{out}");
    assert!(
        out.contains("Truncated: stopped at max_results=150 matching lines"),
        "{out}"
    );
    assert!(out.contains("raise `max_results` (up to 5000)"), "{out}");
    // Stopped early: far fewer than 40 files were searched.
    let searched: usize = out
        .split(" files (")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(searched < 40, "{out}");
}

#[test]
fn grep_files_only_lists_paths() {
    let dir = tree(&[("a.txt", "x\nx\n"), ("b.txt", "x\n"), ("c.txt", "y\n")]);
    let (sb, root) = sandbox(&dir);
    let mut p = grep_params("x");
    p.files_only = Some(true);
    let out = grep(&sb, &p, &ctl()).unwrap();
    let r = root.display();
    assert_eq!(
        out,
        format!("{r}/a.txt\n{r}/b.txt\n\n2 matching files (3 searched).\n")
    );
}

#[test]
fn grep_cancelled_returns_cancelled() {
    let dir = tree(&[("a.txt", "x\n")]);
    let (sb, _) = sandbox(&dir);
    let err = grep(&sb, &grep_params("x"), &cancelled()).unwrap_err();
    assert!(matches!(err, FsError::Cancelled));
}

#[cfg(unix)]
#[test]
fn grep_never_reads_through_symlinks_leaving_the_root() {
    let outside = tree(&[("secret.txt", "TOPSECRET\n"), ("dir/s.txt", "TOPSECRET\n")]);
    let dir = tree(&[("ok.txt", "public\n")]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path().join("dir"), dir.path().join("dirlink")).unwrap();
    let (sb, _) = sandbox(&dir);
    let mut p = grep_params("TOPSECRET");
    p.include_hidden = Some(true);
    p.respect_gitignore = Some(false);
    p.glob = Some(vec!["*.txt".into()]);
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(out.starts_with("No matches"), "{out}");
    assert!(!out.contains("TOPSECRET\n"), "{out}");
}

#[test]
fn grep_multibyte_text_and_long_lines() {
    let long = format!("ünïcödé {}\n", "é".repeat(600));
    let dir = tree(&[("u.txt", &format!("日本語のテキスト\nöl\n{long}"))]);
    let (sb, _) = sandbox(&dir);
    let out = grep(&sb, &grep_params("テキスト"), &ctl()).unwrap();
    assert!(out.contains("1:日本語のテキスト\n"), "{out}");
    let mut p = grep_params("ÖL");
    p.case = Some(CaseMode::Insensitive);
    assert!(grep(&sb, &p, &ctl()).unwrap().contains("2:öl\n"));
    let out = grep(&sb, &grep_params("ünïcödé"), &ctl()).unwrap();
    let line = out.lines().find(|l| l.starts_with("3:")).unwrap();
    assert_eq!(line.chars().count(), 2 + 500 + 1, "{line}");
    assert!(line.ends_with('…'));
}

#[test]
fn grep_single_file_and_directory_paths() {
    let dir = tree(&[
        ("a/x.txt", "k\n"),
        ("b/y.txt", "k\n"),
        (".gitignore", "*.log\n"),
        ("a/z.log", "k\n"),
    ]);
    let (sb, root) = sandbox(&dir);
    let mut p = grep_params("k");
    p.path = Some(root.join("a").display().to_string());
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(
        out.contains("/a/x.txt") && !out.contains("y.txt") && !out.contains("z.log"),
        "{out}"
    );
    p.path = Some("a/z.log".into()); // relative, and named explicitly: searched
    let out = grep(&sb, &p, &ctl()).unwrap();
    assert!(out.contains("/a/z.log\n1:k\n"), "{out}");
    p.path = Some("missing".into());
    assert!(matches!(
        grep(&sb, &p, &ctl()).unwrap_err(),
        FsError::NotFound { .. }
    ));
    p.path = Some("/etc".into());
    assert!(matches!(
        grep(&sb, &p, &ctl()).unwrap_err(),
        FsError::OutsideRoots { .. }
    ));
}

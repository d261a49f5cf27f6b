//! The write tools through the crate's API, on temporary trees: each tool's happy
//! path and refusals, all-or-nothing edits, hashes for optimistic concurrency,
//! permissions, line endings, and writes that try to leave the root.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use fs_server::error::FsError;
use fs_server::sandbox::{Sandbox, TEMP_MARKER};
use fs_server::tools::edit::{EditFileParams, EditOp, edit_file};
use fs_server::tools::read::{ReadTextParams, read_text_with_hash};
use fs_server::tools::write::{
    AppendFileParams, CopyPathParams, CreateDirectoryParams, DeletePathParams, MovePathParams,
    WriteFileParams, append_file, copy_path, create_directory, delete_path, move_path, write_file,
};

const SECRET: &str = "OUTSIDE-SECRET";

/// `tmp/root` (served) with `a.txt`, `src/lib.rs`, and links: `out -> tmp/outside`,
/// `dangling -> tmp/outside/created.txt`, `rel_out -> ../outside/x`.
struct Tree {
    tmp: tempfile::TempDir,
    sb: Sandbox,
    root: PathBuf,
}

impl Tree {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        fs::create_dir_all(t.join("root/src")).unwrap();
        fs::create_dir_all(t.join("outside")).unwrap();
        fs::write(t.join("root/a.txt"), "alpha\nbeta\ngamma\n").unwrap();
        fs::write(t.join("root/src/lib.rs"), "fn main() {\n    old();\n}\n").unwrap();
        fs::write(t.join("outside/secret"), SECRET).unwrap();
        symlink(t.join("outside"), t.join("root/out")).unwrap();
        symlink(t.join("outside/created.txt"), t.join("root/dangling")).unwrap();
        symlink("../outside/x", t.join("root/rel_out")).unwrap();
        let sb = Sandbox::open(&[t.join("root")]).unwrap();
        let root = sb.roots()[0].path.clone();
        Tree { tmp, sb, root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    fn outside_untouched(&self) {
        let outside = self.tmp.path().join("outside");
        let names: Vec<_> = fs::read_dir(&outside)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["secret"], "something was created outside the root");
        assert_eq!(fs::read_to_string(outside.join("secret")).unwrap(), SECRET);
    }

    fn no_temp_files(&self) {
        for entry in walk(&self.root) {
            let name = entry.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.contains(TEMP_MARKER), "temporary file left: {name}");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn wf(path: &str, content: &str) -> WriteFileParams {
    WriteFileParams {
        path: path.into(),
        content: content.into(),
        create_parents: None,
        expected_sha256: None,
    }
}

fn op(old: &str, new: &str) -> EditOp {
    EditOp {
        old_text: old.into(),
        new_text: new.into(),
        replace_all: None,
    }
}

fn ef(path: &str, edits: Vec<EditOp>) -> EditFileParams {
    EditFileParams {
        path: path.into(),
        edits,
        dry_run: None,
        expected_sha256: None,
    }
}

/// The `[sha256: ...]` a tool-call read reports.
fn read_hash(sb: &Sandbox, path: &str) -> (String, String) {
    let p = ReadTextParams::for_path(path);
    let out = read_text_with_hash(sb, &p, 1 << 20).unwrap();
    let (text, tail) = out.rsplit_once("[sha256: ").unwrap();
    (text.to_string(), tail[..64].to_string())
}

fn hash_in(result: &str) -> String {
    let at = result.find("sha256: ").expect("result reports a hash") + 8;
    result[at..at + 64].to_string()
}

// --------------------------------------------------------------------------- write_file

#[test]
fn write_file_creates_replaces_and_reports() {
    let t = Tree::new();
    let out = write_file(&t.sb, &wf("new.txt", "hello\n")).unwrap();
    assert!(out.starts_with("Created "), "{out}");
    assert!(out.contains("(6 bytes, permissions 0"), "{out}");
    assert_eq!(t.read("new.txt"), "hello\n");

    fs::set_permissions(t.path("a.txt"), fs::Permissions::from_mode(0o640)).unwrap();
    let out = write_file(&t.sb, &wf("a.txt", "replaced\n")).unwrap();
    assert!(out.contains("9 bytes written (was 17 bytes)"), "{out}");
    assert!(out.contains("permissions 0640 kept"), "{out}");
    assert_eq!(mode(&t.path("a.txt")), 0o640);
    assert_eq!(hash_in(&out), read_hash(&t.sb, "a.txt").1);

    let out = write_file(&t.sb, &wf("a.txt", "replaced\n")).unwrap();
    assert!(out.starts_with("Unchanged"), "{out}");
    t.no_temp_files();
}

#[test]
fn write_file_parents_only_when_asked() {
    let t = Tree::new();
    let err = write_file(&t.sb, &wf("x/y/z.txt", "z")).unwrap_err();
    assert!(matches!(err, FsError::ParentMissing { .. }), "{err}");
    assert!(err.to_string().contains("create_parents"), "{err}");
    assert!(!t.path("x").exists());
    let p = WriteFileParams {
        create_parents: Some(true),
        ..wf("x/y/z.txt", "z")
    };
    let out = write_file(&t.sb, &p).unwrap();
    assert!(out.contains("Created directories: "), "{out}");
    assert_eq!(t.read("x/y/z.txt"), "z");
}

#[test]
fn write_file_refuses_a_directory_and_the_root() {
    let t = Tree::new();
    let err = write_file(&t.sb, &wf("src", "x")).unwrap_err();
    assert!(
        matches!(err, FsError::WouldReplaceDirectory { .. }),
        "{err}"
    );
    assert!(t.path("src/lib.rs").exists());
    for root in ["", ".", t.root.to_str().unwrap()] {
        let err = write_file(&t.sb, &wf(root, "x")).unwrap_err();
        assert!(matches!(err, FsError::RootProtected { .. }), "{err}");
    }
}

#[test]
fn writes_never_leave_the_root() {
    let attempts = [
        "dangling",                // dangling link pointing out (CVE-2025-53109)
        "out/secret",              // through a link to an outside dir
        "out/new/deeper.txt",      // not-yet-existing path under it
        "rel_out",                 // relative dangling link leading out
        "../outside/secret",       // plain ..
        "src/../../outside/x",     // .. after a real directory
        "missing/../../outside/x", // .. after a missing component
        "OUTSIDE_ABS",             // absolute path outside
    ];
    for attempt in attempts {
        // A fresh tree each time, so every attempt meets the original links.
        let t = Tree::new();
        let abs = t.tmp.path().join("outside/secret").display().to_string();
        let path = if attempt == "OUTSIDE_ABS" {
            abs.as_str()
        } else {
            attempt
        };
        let p = WriteFileParams {
            create_parents: Some(true),
            ..wf(path, "pwned")
        };
        assert!(
            write_file(&t.sb, &p).is_err(),
            "write_file {path} succeeded"
        );
        let a = AppendFileParams {
            path: path.into(),
            content: "pwned".into(),
            create: Some(true),
            create_parents: Some(true),
            expected_sha256: None,
        };
        assert!(
            append_file(&t.sb, &a).is_err(),
            "append_file {path} succeeded"
        );
        let e = ef(path, vec![op(SECRET, "pwned")]);
        assert!(
            edit_file(&t.sb, &e, 1 << 16).is_err(),
            "edit_file {path} succeeded"
        );
        let c = CreateDirectoryParams { path: path.into() };
        assert!(
            create_directory(&t.sb, &c).is_err(),
            "create_directory {path}"
        );
        let c = CopyPathParams {
            source: "a.txt".into(),
            destination: path.into(),
            overwrite: Some(true),
            create_parents: Some(true),
        };
        assert!(copy_path(&t.sb, &c).is_err(), "copy_path onto {path}");
        let m = MovePathParams {
            source: "a.txt".into(),
            destination: path.into(),
            overwrite: Some(true),
            create_parents: Some(true),
        };
        // Moving onto a link replaces the link itself (an entry inside the root); any
        // other destination here is refused.
        if move_path(&t.sb, &m).is_ok() {
            assert!(
                ["dangling", "rel_out"].contains(&path),
                "move_path onto {path}"
            );
            assert!(t.path(path).is_file());
        }
        t.outside_untouched();
    }
}

#[test]
fn write_through_an_in_root_link_writes_the_target() {
    let t = Tree::new();
    symlink("a.txt", t.path("link")).unwrap();
    symlink("not-yet.txt", t.path("to_new")).unwrap();
    write_file(&t.sb, &wf("link", "via link\n")).unwrap();
    assert_eq!(t.read("a.txt"), "via link\n");
    assert!(fs::symlink_metadata(t.path("link")).unwrap().is_symlink());
    write_file(
        &t.sb,
        &wf("to_new", "created through a dangling in-root link\n"),
    )
    .unwrap();
    assert!(t.read("not-yet.txt").starts_with("created through"));
}

#[test]
fn write_file_with_a_stale_hash_is_refused() {
    let t = Tree::new();
    let (_, hash) = read_hash(&t.sb, "a.txt");
    fs::write(t.path("a.txt"), "changed by someone else\n").unwrap();
    let p = WriteFileParams {
        expected_sha256: Some(hash.clone()),
        ..wf("a.txt", "mine\n")
    };
    let err = write_file(&t.sb, &p).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, FsError::Conflict { .. }), "{msg}");
    assert!(
        msg.contains(&hash) && msg.contains("Re-read the file"),
        "{msg}"
    );
    assert_eq!(t.read("a.txt"), "changed by someone else\n");
    let (_, current) = read_hash(&t.sb, "a.txt");
    assert!(msg.contains(&current), "{msg}");
    let p = WriteFileParams {
        expected_sha256: Some(format!("sha256:{}", current.to_uppercase())),
        ..wf("a.txt", "mine\n")
    };
    write_file(&t.sb, &p).unwrap();
    assert_eq!(t.read("a.txt"), "mine\n");
}

// --------------------------------------------------------------------------- edit_file

#[test]
fn edit_dry_run_shows_the_diff_and_writes_nothing() {
    let t = Tree::new();
    let before = fs::read(t.path("a.txt")).unwrap();
    let p = EditFileParams {
        dry_run: Some(true),
        ..ef("a.txt", vec![op("beta", "BETA")])
    };
    let out = edit_file(&t.sb, &p, 1 << 16).unwrap();
    assert!(out.starts_with("Dry run:"), "{out}");
    assert!(out.contains("-beta\n+BETA\n"), "{out}");
    assert!(out.contains("```diff\n--- "), "{out}");
    assert_eq!(fs::read(t.path("a.txt")).unwrap(), before);
    // Its hash applies exactly what was previewed.
    let p = EditFileParams {
        expected_sha256: Some(hash_in(&out)),
        ..ef("a.txt", vec![op("beta", "BETA")])
    };
    let out = edit_file(&t.sb, &p, 1 << 16).unwrap();
    assert!(out.starts_with("Edited "), "{out}");
    assert!(out.contains("(+1 -1 lines)"), "{out}");
    assert!(out.contains("-beta\n+BETA\n"), "{out}");
    assert_eq!(t.read("a.txt"), "alpha\nBETA\ngamma\n");
    assert_eq!(hash_in(&out), read_hash(&t.sb, "a.txt").1);
    t.no_temp_files();
}

#[test]
fn a_failing_edit_leaves_the_file_byte_identical() {
    let t = Tree::new();
    fs::write(t.path("a.txt"), "one\r\ntwo\r\ntwo\r\nthree").unwrap();
    let before = fs::read(t.path("a.txt")).unwrap();
    let ino = fs::metadata(t.path("a.txt")).unwrap();
    let cases = [
        vec![op("one", "1"), op("nowhere", "x")],
        vec![op("one", "1"), op("two", "2")], // second is ambiguous
        vec![op("one", "1"), op("", "x")],
    ];
    for edits in cases {
        let err = edit_file(&t.sb, &ef("a.txt", edits), 1 << 16).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("edit 2 of 2 failed"), "{msg}");
        assert!(msg.contains("the file is unchanged"), "{msg}");
        assert_eq!(fs::read(t.path("a.txt")).unwrap(), before);
    }
    use std::os::unix::fs::MetadataExt;
    assert_eq!(fs::metadata(t.path("a.txt")).unwrap().ino(), ino.ino());
    let err = edit_file(&t.sb, &ef("a.txt", vec![op("two", "2")]), 1 << 16).unwrap_err();
    assert!(err.to_string().contains("matches 2 times"), "{err}");
}

#[test]
fn edits_keep_crlf_final_newline_permissions_and_dollars() {
    let t = Tree::new();
    fs::write(t.path("w.txt"), "a = 1\r\nb = 2\r\nc = 3").unwrap();
    fs::set_permissions(t.path("w.txt"), fs::Permissions::from_mode(0o640)).unwrap();
    let edits = vec![
        op("b = 2\n", "b = \"$1 ${HOME} $$\"\nb2 = 4\n"),
        op("c = 3", "c = 30\n"),
    ];
    let out = edit_file(&t.sb, &ef("w.txt", edits), 1 << 16).unwrap();
    assert_eq!(
        fs::read_to_string(t.path("w.txt")).unwrap(),
        "a = 1\r\nb = \"$1 ${HOME} $$\"\r\nb2 = 4\r\nc = 30"
    );
    assert_eq!(mode(&t.path("w.txt")), 0o640);
    assert!(out.contains("without a final newline"), "{out}");
}

#[test]
fn edit_tolerates_indentation_only_when_unambiguous() {
    let t = Tree::new();
    let e = ef("src/lib.rs", vec![op("old();\n", "new();\nmore();\n")]);
    let out = edit_file(&t.sb, &e, 1 << 16).unwrap();
    // `old();` occurs exactly once: an exact match, nothing re-indented.
    assert_eq!(
        t.read("src/lib.rs"),
        "fn main() {\n    new();\nmore();\n}\n"
    );
    assert!(!out.contains("ignoring indentation"), "{out}");
    fs::write(
        t.path("src/lib.rs"),
        "fn main() {\n    if a {\n        go();\n    }\n}\n",
    )
    .unwrap();
    let e = ef(
        "src/lib.rs",
        vec![op("if a {\n    go();\n}", "if b {\n    stop();\n}")],
    );
    let out = edit_file(&t.sb, &e, 1 << 16).unwrap();
    assert!(out.contains("ignoring indentation"), "{out}");
    assert_eq!(
        t.read("src/lib.rs"),
        "fn main() {\n    if b {\n        stop();\n    }\n}\n"
    );
}

#[test]
fn edit_refuses_binary_missing_and_directories() {
    let t = Tree::new();
    fs::write(t.path("bin.dat"), b"\xff\xfe\x00binary").unwrap();
    let err = edit_file(&t.sb, &ef("bin.dat", vec![op("binary", "x")]), 1 << 16).unwrap_err();
    assert!(matches!(err, FsError::NotText { .. }), "{err}");
    let err = edit_file(&t.sb, &ef("nope.txt", vec![op("a", "b")]), 1 << 16).unwrap_err();
    assert!(matches!(err, FsError::NotFound { .. }), "{err}");
    let err = edit_file(&t.sb, &ef("src", vec![op("a", "b")]), 1 << 16).unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
    let err = edit_file(&t.sb, &ef("a.txt", vec![]), 1 << 16).unwrap_err();
    assert!(err.to_string().contains("edits is empty"), "{err}");
}

#[test]
fn concurrent_hash_checked_changes_lose_nothing() {
    const ROUNDS: usize = 25;
    let t = Tree::new();
    fs::write(t.path("shared.txt"), "END\n").unwrap();
    let sb = std::sync::Arc::new(t.sb);
    let workers: Vec<_> = ["A", "B", "C"]
        .into_iter()
        .map(|who| {
            let sb = sb.clone();
            std::thread::spawn(move || {
                let mut conflicts = 0;
                for i in 0..ROUNDS {
                    loop {
                        let (text, hash) = read_hash(&sb, "shared.txt");
                        let line = format!("{who}-{i}\n");
                        let result = if i % 2 == 0 {
                            let p = WriteFileParams {
                                expected_sha256: Some(hash),
                                ..wf(
                                    "shared.txt",
                                    &text.replace("END\n", &format!("{line}END\n")),
                                )
                            };
                            write_file(&sb, &p)
                        } else {
                            let p = EditFileParams {
                                expected_sha256: Some(hash),
                                ..ef("shared.txt", vec![op("END\n", &format!("{line}END\n"))])
                            };
                            edit_file(&sb, &p, 1 << 16)
                        };
                        match result {
                            Ok(_) => break,
                            Err(FsError::Conflict { .. }) => conflicts += 1,
                            Err(e) => panic!("{who}-{i}: {e}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let text = fs::read_to_string(t.root.join("shared.txt")).unwrap();
    for who in ["A", "B", "C"] {
        for i in 0..ROUNDS {
            assert!(text.contains(&format!("{who}-{i}\n")), "{who}-{i} lost");
        }
    }
    assert_eq!(text.lines().count(), 3 * ROUNDS + 1);
    eprintln!("{conflicts} conflicts were detected and retried");
}

// --------------------------------------------------------------------------- append_file

#[test]
fn append_creates_appends_and_checks_hashes() {
    let t = Tree::new();
    let a = |path: &str, content: &str| AppendFileParams {
        path: path.into(),
        content: content.into(),
        create: None,
        create_parents: None,
        expected_sha256: None,
    };
    let out = append_file(&t.sb, &a("log.md", "- one\n")).unwrap();
    assert!(out.starts_with("Created "), "{out}");
    fs::set_permissions(t.path("log.md"), fs::Permissions::from_mode(0o600)).unwrap();
    let out = append_file(&t.sb, &a("log.md", "- two\n")).unwrap();
    assert!(out.contains("Appended 6 bytes"), "{out}");
    assert!(out.contains("was 6 bytes, now 12"), "{out}");
    assert_eq!(t.read("log.md"), "- one\n- two\n");
    assert_eq!(mode(&t.path("log.md")), 0o600);
    assert_eq!(hash_in(&out), read_hash(&t.sb, "log.md").1);
    let p = AppendFileParams {
        expected_sha256: Some("0".repeat(64)),
        ..a("log.md", "- three\n")
    };
    assert!(matches!(
        append_file(&t.sb, &p),
        Err(FsError::Conflict { .. })
    ));
    let p = AppendFileParams {
        create: Some(false),
        ..a("absent.md", "x")
    };
    assert!(matches!(
        append_file(&t.sb, &p),
        Err(FsError::NotFound { .. })
    ));
    assert!(!t.path("absent.md").exists());
    fs::write(t.path("nonl.txt"), "no newline").unwrap();
    let out = append_file(&t.sb, &a("nonl.txt", " continued")).unwrap();
    assert!(out.contains("continues its last line"), "{out}");
    let err = append_file(&t.sb, &a("src", "x")).unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
}

// --------------------------------------------------------------------------- create_directory

#[test]
fn create_directory_nested_existing_and_blocked() {
    let t = Tree::new();
    let c = |p: &str| CreateDirectoryParams { path: p.into() };
    let out = create_directory(&t.sb, &c("x/y/z")).unwrap();
    assert!(out.contains("and its missing parents"), "{out}");
    assert!(t.path("x/y/z").is_dir());
    let out = create_directory(&t.sb, &c("x/y/z")).unwrap();
    assert!(out.contains("already exists"), "{out}");
    let err = create_directory(&t.sb, &c("a.txt")).unwrap_err();
    assert!(matches!(err, FsError::AlreadyExists { .. }), "{err}");
    let err = create_directory(&t.sb, &c("a.txt/sub")).unwrap_err();
    assert!(matches!(err, FsError::NotADirectory { .. }), "{err}");
}

// --------------------------------------------------------------------------- move_path

fn mv(from: &str, to: &str, overwrite: bool) -> MovePathParams {
    MovePathParams {
        source: from.into(),
        destination: to.into(),
        overwrite: Some(overwrite),
        create_parents: None,
    }
}

#[test]
fn move_renames_and_refuses_to_overwrite_unless_asked() {
    let t = Tree::new();
    fs::write(t.path("b.txt"), "bee\n").unwrap();
    let err = move_path(&t.sb, &mv("a.txt", "b.txt", false)).unwrap_err();
    assert!(matches!(err, FsError::AlreadyExists { .. }), "{err}");
    assert!(err.to_string().contains("overwrite"), "{err}");
    assert_eq!(t.read("b.txt"), "bee\n");
    let out = move_path(&t.sb, &mv("a.txt", "b.txt", true)).unwrap();
    assert!(out.contains("It replaced a file"), "{out}");
    assert_eq!(t.read("b.txt"), "alpha\nbeta\ngamma\n");
    assert!(!t.path("a.txt").exists());
    let out = move_path(&t.sb, &mv("src", "lib", false)).unwrap();
    assert!(out.contains("(directory)"), "{out}");
    assert!(t.path("lib/lib.rs").exists());
    let err = move_path(&t.sb, &mv("lib", "lib/inner", false)).unwrap_err();
    assert!(err.to_string().contains("into itself"), "{err}");
    let err = move_path(&t.sb, &mv("b.txt", "lib", true)).unwrap_err();
    assert!(matches!(err, FsError::AlreadyExists { .. }), "{err}");
    let err = move_path(&t.sb, &mv(".", "elsewhere", false)).unwrap_err();
    assert!(matches!(err, FsError::RootProtected { .. }), "{err}");
    let p = MovePathParams {
        create_parents: Some(true),
        ..mv("b.txt", "deep/er/b.txt", false)
    };
    move_path(&t.sb, &p).unwrap();
    assert!(t.path("deep/er/b.txt").exists());
}

#[test]
fn moving_a_link_moves_the_link() {
    let t = Tree::new();
    move_path(&t.sb, &mv("out", "renamed_out", false)).unwrap();
    assert!(
        fs::symlink_metadata(t.path("renamed_out"))
            .unwrap()
            .is_symlink()
    );
    t.outside_untouched();
    // A relative link that would point out of the root from its new place stays put.
    fs::create_dir_all(t.path("d/e")).unwrap();
    symlink("../../a.txt", t.path("d/e/up")).unwrap();
    let err = move_path(&t.sb, &mv("d/e/up", "up", false)).unwrap_err();
    assert!(err.to_string().contains("outside the roots"), "{err}");
    assert!(fs::symlink_metadata(t.path("d/e/up")).is_ok());
    assert!(fs::symlink_metadata(t.path("up")).is_err());
}

#[test]
fn move_between_roots() {
    let t = Tree::new();
    let second = t.tmp.path().join("second");
    fs::create_dir_all(&second).unwrap();
    let sb = Sandbox::open(&[t.root.clone(), second.clone()]).unwrap();
    let dest = second.join("a.txt").display().to_string();
    move_path(&sb, &mv("a.txt", &dest, false)).unwrap();
    assert_eq!(
        fs::read_to_string(second.join("a.txt")).unwrap(),
        "alpha\nbeta\ngamma\n"
    );
    assert!(!t.path("a.txt").exists());
}

// --------------------------------------------------------------------------- copy_path

fn cp(from: &str, to: &str, overwrite: bool) -> CopyPathParams {
    CopyPathParams {
        source: from.into(),
        destination: to.into(),
        overwrite: Some(overwrite),
        create_parents: None,
    }
}

#[test]
fn copy_files_and_trees() {
    let t = Tree::new();
    fs::set_permissions(t.path("a.txt"), fs::Permissions::from_mode(0o640)).unwrap();
    let out = copy_path(&t.sb, &cp("a.txt", "a2.txt", false)).unwrap();
    assert!(
        out.contains("Copied file") && out.contains("17 bytes"),
        "{out}"
    );
    assert_eq!(mode(&t.path("a2.txt")), 0o640);
    let err = copy_path(&t.sb, &cp("src/lib.rs", "a2.txt", false)).unwrap_err();
    assert!(matches!(err, FsError::AlreadyExists { .. }), "{err}");
    let out = copy_path(&t.sb, &cp("src/lib.rs", "a2.txt", true)).unwrap();
    assert!(out.contains("replacing the file there"), "{out}");
    assert_eq!(t.read("a2.txt"), t.read("src/lib.rs"));
    assert_eq!(
        mode(&t.path("a2.txt")),
        0o640,
        "replaced file keeps its mode"
    );

    fs::create_dir_all(t.path("src/nested")).unwrap();
    fs::write(t.path("src/nested/n.rs"), "n").unwrap();
    symlink("../lib.rs", t.path("src/nested/to_lib")).unwrap();
    symlink("/etc/passwd", t.path("src/nested/abs_out")).unwrap();
    let out = copy_path(&t.sb, &cp("src", "src_copy", false)).unwrap();
    assert!(out.contains("2 files"), "{out}");
    assert!(
        out.contains("Not copied (1 entries)") && out.contains("abs_out"),
        "{out}"
    );
    assert_eq!(t.read("src_copy/nested/to_lib"), t.read("src/lib.rs"));
    assert!(fs::symlink_metadata(t.path("src_copy/nested/abs_out")).is_err());
    let err = copy_path(&t.sb, &cp("src", "src_copy", true)).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let err = copy_path(&t.sb, &cp("src", "src/inside", false)).unwrap_err();
    assert!(err.to_string().contains("into itself"), "{err}");
    let err = copy_path(&t.sb, &cp("out/secret", "stolen", false)).unwrap_err();
    assert!(matches!(err, FsError::Escape { .. }), "{err}");
    assert!(!t.path("stolen").exists());
    t.no_temp_files();
}

// --------------------------------------------------------------------------- delete_path

fn del(path: &str, recursive: bool, dry_run: bool) -> DeletePathParams {
    DeletePathParams {
        path: path.into(),
        recursive: Some(recursive),
        dry_run: Some(dry_run),
    }
}

#[test]
fn delete_files_links_and_directories() {
    let t = Tree::new();
    let out = delete_path(&t.sb, &del("a.txt", false, false)).unwrap();
    assert_eq!(
        out,
        format!("Deleted file {} (17 bytes).\n", t.path("a.txt").display())
    );
    let out = delete_path(&t.sb, &del("out", false, false)).unwrap();
    assert!(out.contains("symbolic link"), "{out}");
    t.outside_untouched();

    let out = delete_path(&t.sb, &del("src", false, true)).unwrap();
    assert!(
        out.starts_with("Dry run") && out.contains("recursive"),
        "{out}"
    );
    let err = delete_path(&t.sb, &del("src", false, false)).unwrap_err();
    assert!(
        matches!(err, FsError::DirectoryNotEmpty { entries: 1, .. }),
        "{err}"
    );
    assert!(t.path("src/lib.rs").exists());
    let out = delete_path(&t.sb, &del("src", true, false)).unwrap();
    assert!(out.contains("1 file"), "{out}");
    assert!(!t.path("src").exists());
    fs::create_dir(t.path("empty")).unwrap();
    let out = delete_path(&t.sb, &del("empty", false, false)).unwrap();
    assert!(out.contains("empty directory"), "{out}");
    for root in ["", ".", "src/..", t.root.to_str().unwrap()] {
        let err = delete_path(&t.sb, &del(root, true, false)).unwrap_err();
        assert!(
            matches!(err, FsError::RootProtected { .. }),
            "{root}: {err}"
        );
    }
    let err = delete_path(&t.sb, &del("out/secret", false, false)).unwrap_err();
    assert!(
        err.to_string().contains("not found") || matches!(err, FsError::Escape { .. }),
        "{err}"
    );
    t.outside_untouched();
    assert!(t.root.exists());
    t.no_temp_files();
}

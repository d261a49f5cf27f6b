//! Tests of the write side of the sandbox: slots, temporary files, tree copies and
//! removal.

use super::*;
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};

thread_local! {
    /// Makes this thread's atomic writes use a named temporary file, as on
    /// filesystems without `O_TMPFILE`.
    pub(super) static NAMED_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `tmp/root/{a.txt, sub/}`, `tmp/outside/secret`, and links `root/out ->
/// outside/`, `root/dangling -> outside/new.txt`, `root/in -> a.txt`.
fn setup() -> (tempfile::TempDir, Sandbox, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir_all(t.path().join("outside")).unwrap();
    fs::write(root.join("a.txt"), "old").unwrap();
    fs::write(t.path().join("outside/secret"), "SECRET").unwrap();
    symlink(t.path().join("outside"), root.join("out")).unwrap();
    symlink(t.path().join("outside/new.txt"), root.join("dangling")).unwrap();
    symlink("a.txt", root.join("in")).unwrap();
    let sb = Sandbox::open(&[root]).unwrap();
    let root = sb.roots()[0].path.clone();
    (t, sb, root)
}

fn write(sb: &Sandbox, input: &str, content: &str) -> FsResult<Written> {
    let r = sb.resolve_for_write(input)?;
    let (slot, _) = sb.slot(&r, false)?;
    slot.write_atomic(
        WriteOptions {
            overwrite: true,
            mode_if_new: None,
        },
        |f| io::Write::write_all(f, content.as_bytes()),
    )
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn replace_keeps_mode_and_leaves_no_temp_file() {
    let (_t, sb, root) = setup();
    fs::set_permissions(root.join("a.txt"), fs::Permissions::from_mode(0o640)).unwrap();
    let w = write(&sb, "a.txt", "new content").unwrap();
    assert!(!w.created);
    assert_eq!((w.bytes, w.previous_size, w.mode), (11, Some(3), 0o640));
    assert_eq!(
        fs::read_to_string(root.join("a.txt")).unwrap(),
        "new content"
    );
    assert_eq!(mode(&root.join("a.txt")), 0o640);
    assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
}

#[test]
fn named_temp_files_work_too_and_are_cleaned_up() {
    let (_t, sb, root) = setup();
    NAMED_ONLY.set(true);
    fs::set_permissions(root.join("a.txt"), fs::Permissions::from_mode(0o600)).unwrap();
    write(&sb, "a.txt", "named").unwrap();
    write(&sb, "fresh.txt", "new").unwrap();
    let failed = {
        let r = sb.resolve_for_write("a.txt").unwrap();
        let (slot, _) = sb.slot(&r, false).unwrap();
        let opts = WriteOptions {
            overwrite: true,
            mode_if_new: None,
        };
        slot.write_atomic(opts, |_| Err(io::Error::other("disk on fire")))
    };
    NAMED_ONLY.set(false);
    assert!(failed.unwrap_err().to_string().contains("disk on fire"));
    assert_eq!(fs::read_to_string(root.join("a.txt")).unwrap(), "named");
    assert_eq!(mode(&root.join("a.txt")), 0o600);
    assert_eq!(fs::read_to_string(root.join("fresh.txt")).unwrap(), "new");
    assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
}

#[test]
fn setuid_bits_are_dropped_and_reported() {
    let (_t, sb, root) = setup();
    fs::set_permissions(root.join("a.txt"), fs::Permissions::from_mode(0o4755)).unwrap();
    let w = write(&sb, "a.txt", "x").unwrap();
    assert_eq!(mode(&root.join("a.txt")), 0o755);
    assert!(
        w.notes.iter().any(|n| n.contains("setuid")),
        "{:?}",
        w.notes
    );
}

#[test]
fn hard_links_are_reported() {
    let (_t, sb, root) = setup();
    fs::hard_link(root.join("a.txt"), root.join("twin")).unwrap();
    let w = write(&sb, "a.txt", "x").unwrap();
    assert!(
        w.notes.iter().any(|n| n.contains("2 hard links")),
        "{:?}",
        w.notes
    );
    assert_eq!(fs::read_to_string(root.join("twin")).unwrap(), "old");
}

#[test]
fn writing_through_an_in_root_link_writes_its_target() {
    let (_t, sb, root) = setup();
    write(&sb, "in", "via link").unwrap();
    assert_eq!(fs::read_to_string(root.join("a.txt")).unwrap(), "via link");
    assert!(fs::symlink_metadata(root.join("in")).unwrap().is_symlink());
}

#[test]
fn links_out_and_dangling_links_out_are_refused() {
    let (t, sb, _root) = setup();
    for input in [
        "dangling",
        "out/secret",
        "out/new.txt",
        "out/deeper/new.txt",
    ] {
        let err = write(&sb, input, "pwned").unwrap_err();
        assert!(matches!(err, FsError::Escape { .. }), "{input}: {err}");
    }
    assert_eq!(names(&t.path().join("outside")), ["secret"]);
    assert_eq!(
        fs::read_to_string(t.path().join("outside/secret")).unwrap(),
        "SECRET"
    );
}

#[test]
fn the_root_itself_is_refused() {
    let (_t, sb, root) = setup();
    for input in ["", ".", "sub/..", root.to_str().unwrap()] {
        let err = sb.resolve_for_write(input).unwrap_err();
        assert!(
            matches!(err, FsError::RootProtected { .. }),
            "{input}: {err}"
        );
        let err = sb.resolve_entry(input, "deleted").unwrap_err();
        assert!(err.to_string().contains("cannot be deleted"), "{err}");
    }
}

#[test]
fn nested_root_cannot_be_removed_through_the_outer_one() {
    let (t, _sb, root) = setup();
    let sb = Sandbox::open(&[t.path().join("root"), root.join("sub")]).unwrap();
    let err = sb.resolve_entry(root.join("sub").to_str().unwrap(), "deleted");
    assert!(matches!(err, Err(FsError::RootProtected { .. })), "{err:?}");
}

#[test]
fn directories_are_not_replaced_and_no_overwrite_means_none() {
    let (_t, sb, _root) = setup();
    let err = write(&sb, "sub", "x").unwrap_err();
    assert!(
        matches!(err, FsError::WouldReplaceDirectory { .. }),
        "{err}"
    );
    let r = sb.resolve_for_write("a.txt").unwrap();
    let (slot, _) = sb.slot(&r, false).unwrap();
    let err = slot
        .write_atomic(WriteOptions::default(), |_| Ok(()))
        .unwrap_err();
    assert!(matches!(err, FsError::AlreadyExists { .. }), "{err}");
}

#[test]
fn missing_parents_are_refused_or_created() {
    let (_t, sb, root) = setup();
    let r = sb.resolve_for_write("x/y/z.txt").unwrap();
    assert!(matches!(
        sb.slot(&r, false),
        Err(FsError::ParentMissing { .. })
    ));
    let (slot, created) = sb.slot(&r, true).unwrap();
    assert_eq!(created, [root.join("x"), root.join("x/y")]);
    slot.write_atomic(WriteOptions::default(), |f| io::Write::write_all(f, b"z"))
        .unwrap();
    assert_eq!(fs::read_to_string(root.join("x/y/z.txt")).unwrap(), "z");
    let err = sb.resolve_for_write("a.txt/child").unwrap_err();
    assert!(matches!(err, FsError::NotADirectory { .. }), "{err}");
}

#[test]
fn new_file_mode_follows_umask_or_given_mode() {
    let (_t, sb, root) = setup();
    let r = sb.resolve_for_write("exec.sh").unwrap();
    let (slot, _) = sb.slot(&r, false).unwrap();
    let opts = WriteOptions {
        overwrite: false,
        mode_if_new: Some(0o750),
    };
    let w = slot.write_atomic(opts, |_| Ok(())).unwrap();
    assert!(w.created);
    assert_eq!(mode(&root.join("exec.sh")), 0o750);
}

#[test]
fn a_link_swapped_in_after_resolution_is_not_followed() {
    let (t, sb, root) = setup();
    let r = sb.resolve_for_write("a.txt").unwrap();
    let (slot, _) = sb.slot(&r, false).unwrap();
    fs::remove_file(root.join("a.txt")).unwrap();
    symlink(t.path().join("outside/secret"), root.join("a.txt")).unwrap();
    assert!(matches!(slot.open_read("edit"), Err(FsError::Raced { .. })));
    let err = slot
        .write_atomic(
            WriteOptions {
                overwrite: true,
                mode_if_new: None,
            },
            |f| io::Write::write_all(f, b"pwned"),
        )
        .unwrap_err();
    assert!(matches!(err, FsError::Raced { .. }), "{err}");
    assert!(matches!(
        slot.append(b"pwned", true),
        Err(FsError::Raced { .. })
    ));
    assert_eq!(
        fs::read_to_string(t.path().join("outside/secret")).unwrap(),
        "SECRET"
    );
}

#[test]
fn a_parent_swapped_for_a_link_out_does_not_redirect_the_write() {
    let (t, sb, root) = setup();
    let r = sb.resolve_for_write("sub/f.txt").unwrap();
    let (slot, _) = sb.slot(&r, false).unwrap();
    fs::rename(root.join("sub"), root.join("moved")).unwrap();
    symlink(t.path().join("outside"), root.join("sub")).unwrap();
    slot.write_atomic(WriteOptions::default(), |f| io::Write::write_all(f, b"in"))
        .unwrap();
    assert_eq!(names(&t.path().join("outside")), ["secret"]);
    assert_eq!(fs::read_to_string(root.join("moved/f.txt")).unwrap(), "in");
}

#[test]
fn append_in_place_reports_a_joined_line() {
    let (_t, sb, root) = setup();
    let r = sb.resolve_for_write("a.txt").unwrap();
    let (slot, _) = sb.slot(&r, false).unwrap();
    let a = slot.append(b" more\n", true).unwrap();
    assert_eq!((a.created, a.previous_size, a.bytes), (false, 3, 6));
    assert!(a.joined_last_line);
    assert_eq!(
        fs::read_to_string(root.join("a.txt")).unwrap(),
        "old more\n"
    );
    let r = sb.resolve_for_write("new.log").unwrap();
    let (slot, _) = sb.slot(&r, false).unwrap();
    assert!(slot.append(b"x", true).unwrap().created);
}

#[test]
fn rename_respects_overwrite() {
    let (_t, sb, root) = setup();
    fs::write(root.join("b.txt"), "b").unwrap();
    let slot = |p: &str| {
        sb.slot(&sb.resolve_entry(p, "moved").unwrap(), false)
            .unwrap()
            .0
    };
    let err = slot("a.txt").rename_to(&slot("b.txt"), false).unwrap_err();
    assert!(matches!(err, FsError::AlreadyExists { .. }), "{err}");
    slot("a.txt").rename_to(&slot("b.txt"), true).unwrap();
    assert_eq!(fs::read_to_string(root.join("b.txt")).unwrap(), "old");
    slot("b.txt").rename_to(&slot("sub/c.txt"), false).unwrap();
    assert_eq!(fs::read_to_string(root.join("sub/c.txt")).unwrap(), "old");
}

#[test]
fn remove_needs_recursive_for_a_full_directory() {
    let (t, sb, root) = setup();
    fs::write(root.join("sub/f"), "12345").unwrap();
    fs::create_dir(root.join("sub/d")).unwrap();
    let slot = sb
        .slot(&sb.resolve_entry("sub", "deleted").unwrap(), false)
        .unwrap()
        .0;
    let err = slot.remove(false).unwrap_err();
    assert!(
        matches!(err, FsError::DirectoryNotEmpty { entries: 2, .. }),
        "{err}"
    );
    let removed = slot.remove(true).unwrap();
    assert_eq!((removed.contents.files, removed.contents.dirs), (1, 1));
    assert_eq!(removed.contents.bytes, 5);
    assert!(!root.join("sub").exists());
    // Deleting a link to the outside deletes the link only.
    let slot = sb
        .slot(&sb.resolve_entry("out", "deleted").unwrap(), false)
        .unwrap()
        .0;
    assert_eq!(slot.remove(false).unwrap().kind, EntryKind::Symlink);
    assert_eq!(names(&t.path().join("outside")), ["secret"]);
    assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
}

#[test]
fn copy_tree_keeps_in_root_links_and_skips_the_rest() {
    let (_t, sb, root) = setup();
    fs::create_dir_all(root.join("tree/deep")).unwrap();
    fs::write(root.join("tree/deep/f.sh"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(
        root.join("tree/deep/f.sh"),
        fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    fs::set_permissions(root.join("tree/deep"), fs::Permissions::from_mode(0o700)).unwrap();
    symlink("deep/f.sh", root.join("tree/rel")).unwrap();
    symlink("../../outside/secret", root.join("tree/escape")).unwrap();
    symlink("/etc/passwd", root.join("tree/abs")).unwrap();
    let from = sb.slot(&sb.resolve("tree").unwrap(), false).unwrap().0;
    // Same depth as the source, so `../../outside` still leads out from there.
    let to = sb
        .slot(&sb.resolve_for_write("copy").unwrap(), false)
        .unwrap()
        .0;
    let report = sb.copy_tree(&from, &to, 100).unwrap();
    assert_eq!(
        (report.stats.files, report.stats.dirs, report.stats.links),
        (1, 1, 3)
    );
    assert_eq!(report.skipped.len(), 2, "{:?}", report.skipped);
    assert!(
        report
            .skipped
            .iter()
            .all(|s| s.contains("outside the roots"))
    );
    let copy = root.join("copy");
    assert_eq!(fs::read_to_string(copy.join("rel")).unwrap(), "#!/bin/sh\n");
    assert!(!copy.join("escape").exists() && !copy.join("abs").exists());
    assert_eq!(mode(&copy.join("deep/f.sh")), 0o750);
    assert_eq!(mode(&copy.join("deep")), 0o700);
    assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
    // One level deeper, the same relative link stays inside (and is copied).
    let to = sb
        .slot(&sb.resolve_for_write("sub/copy").unwrap(), false)
        .unwrap()
        .0;
    let report = sb.copy_tree(&from, &to, 100).unwrap();
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert!(fs::symlink_metadata(root.join("sub/copy/escape")).is_ok());
}

#[test]
fn copy_tree_over_the_limit_leaves_nothing() {
    let (_t, sb, root) = setup();
    for i in 0..5 {
        fs::write(root.join(format!("sub/f{i}")), "x").unwrap();
    }
    let from = sb.slot(&sb.resolve("sub").unwrap(), false).unwrap().0;
    let to = sb
        .slot(&sb.resolve_for_write("copy").unwrap(), false)
        .unwrap()
        .0;
    let err = sb.copy_tree(&from, &to, 3).unwrap_err();
    assert!(matches!(err, FsError::TooBig { .. }), "{err}");
    assert!(!root.join("copy").exists());
    assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
}

#[test]
fn temp_names_are_marked_and_fit_the_name_limit() {
    let name = temp_name(std::ffi::OsStr::new("notes.txt"));
    let name = name.to_string_lossy();
    assert!(name.starts_with(".notes.txt.fs-server-tmp-"), "{name}");
    assert_eq!(name.len(), ".notes.txt.fs-server-tmp-".len() + 12);
    let long = "é".repeat(127);
    assert!(temp_name(std::ffi::OsStr::new(&long)).len() <= 255);
    assert_ne!(temp_name("a".as_ref()), temp_name("a".as_ref()));
}

#[test]
fn relative_writes_go_where_the_parent_exists() {
    let (t, _sb, _root) = setup();
    fs::create_dir_all(t.path().join("second/only-here")).unwrap();
    let sb = Sandbox::open(&[t.path().join("root"), t.path().join("second")]).unwrap();
    let r = sb.resolve_for_write("only-here/new.txt").unwrap();
    assert_eq!(r.root, 1);
    let r = sb.resolve_for_write("nowhere/new.txt").unwrap();
    assert_eq!(r.root, 0);
}

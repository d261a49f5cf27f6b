//! Escape corpus: every known way out of a root, tried through the crate's public
//! sandbox API. Each escape must be refused and the outside content never returned;
//! links and paths that stay inside a root must keep working.

use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use fs_server::error::FsError;
use fs_server::sandbox::{Resolved, Sandbox};

const SECRET: &str = "TOP-SECRET-OUTSIDE";

/// A temporary tree:
///
/// ```text
/// tmp/
///   root/            the sandbox root
///     a.txt          "inside a"
///     sub/b.txt      "inside b"
///   root-evil/secret sibling with a shared name prefix
///   outside/secret   outside directory
///   secret           outside file
///   second/c.txt     a second root (only in `two_roots`)
/// ```
struct Tree {
    tmp: tempfile::TempDir,
}

impl Tree {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path();
        for d in ["root/sub", "root-evil", "outside", "second/deep"] {
            std::fs::create_dir_all(t.join(d)).unwrap();
        }
        std::fs::write(t.join("root/a.txt"), "inside a").unwrap();
        std::fs::write(t.join("root/sub/b.txt"), "inside b").unwrap();
        std::fs::write(t.join("root-evil/secret"), SECRET).unwrap();
        std::fs::write(t.join("outside/secret"), SECRET).unwrap();
        std::fs::write(t.join("secret"), SECRET).unwrap();
        std::fs::write(t.join("second/c.txt"), "inside c").unwrap();
        std::fs::write(t.join("second/a.txt"), "second a").unwrap();
        Tree { tmp }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn root(&self) -> PathBuf {
        self.path("root")
    }

    fn link(&self, target: impl AsRef<Path>, at: &str) {
        symlink(target, self.root().join(at)).unwrap();
    }

    fn sandbox(&self) -> Sandbox {
        Sandbox::open(&[self.root()]).expect("open sandbox")
    }

    fn two_roots(&self) -> Sandbox {
        Sandbox::open(&[self.root(), self.path("second")]).expect("open sandbox")
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn read(sb: &Sandbox, r: &Resolved) -> Result<String, FsError> {
    let mut f = sb.open_file(r)?;
    let mut out = String::new();
    f.read_to_string(&mut out).unwrap();
    Ok(out)
}

fn read_input(sb: &Sandbox, input: &str) -> Result<String, FsError> {
    let r = sb.resolve(input)?;
    read(sb, &r)
}

/// Asserts that `input` is refused at resolve time and no outside content leaks.
fn assert_refused(sb: &Sandbox, input: &str) -> FsError {
    match sb.resolve(input) {
        Ok(r) => {
            let content = read(sb, &r);
            panic!("{input:?} resolved to {r:?}; reading gave {content:?}");
        }
        Err(e) => {
            assert!(!e.to_string().contains(SECRET));
            e
        }
    }
}

fn assert_escape(sb: &Sandbox, input: &str) {
    let e = assert_refused(sb, input);
    assert!(matches!(e, FsError::Escape { .. }), "{input:?}: {e}");
}

fn assert_outside(sb: &Sandbox, input: &str) {
    let e = assert_refused(sb, input);
    assert!(matches!(e, FsError::OutsideRoots { .. }), "{input:?}: {e}");
}

#[test]
fn absolute_path_outside_every_root() {
    let t = Tree::new();
    let sb = t.sandbox();
    assert_outside(&sb, s(&t.path("secret")));
    assert_outside(&sb, s(&t.path("outside/secret")));
    assert_outside(&sb, "/etc/passwd");
    assert_outside(&sb, "/");
}

#[test]
fn sibling_with_shared_prefix_is_outside() {
    let t = Tree::new();
    let sb = t.sandbox();
    assert_outside(&sb, s(&t.path("root-evil/secret")));
    assert_outside(&sb, s(&t.path("root-evil")));
}

#[test]
fn dotdot_climbing_out() {
    let t = Tree::new();
    let sb = t.sandbox();
    assert_escape(&sb, "../secret");
    assert_escape(&sb, "..");
    assert_escape(&sb, "a/../../secret");
    assert_escape(&sb, "sub/../../secret");
    assert_escape(&sb, "sub/../../root-evil/secret");
    assert_escape(&sb, "./sub/./../../outside/secret");
    assert_escape(&sb, s(&t.root().join("../secret")));
    assert_escape(&sb, s(&t.root().join("sub/../../secret")));
}

#[test]
fn dotdot_after_missing_components() {
    let t = Tree::new();
    let sb = t.sandbox();
    assert_escape(&sb, "missing/../../secret");
    assert_escape(&sb, "missing/deeper/../../../secret");
    assert_escape(&sb, "sub/missing/../../../outside/secret");
    // Climbing that stays inside is fine.
    let r = sb.resolve("missing/../a.txt").unwrap();
    assert_eq!(read(&sb, &r).unwrap(), "inside a");
}

#[test]
fn link_to_outside_file() {
    let t = Tree::new();
    t.link(t.path("secret"), "abs-out");
    t.link("../secret", "rel-out");
    let sb = t.sandbox();
    assert_escape(&sb, "abs-out");
    assert_escape(&sb, "rel-out");
    assert_escape(&sb, s(&t.root().join("rel-out")));
}

#[test]
fn link_to_outside_dir_then_child() {
    let t = Tree::new();
    t.link(t.path("outside"), "abs-dir");
    t.link("../outside", "rel-dir");
    t.link("..", "parent");
    let sb = t.sandbox();
    for input in [
        "abs-dir",
        "abs-dir/secret",
        "rel-dir/secret",
        "parent/secret",
        "parent/root/a.txt",
        "sub/../rel-dir/secret",
    ] {
        assert_escape(&sb, input);
    }
}

#[test]
fn link_to_sibling_with_shared_prefix() {
    let t = Tree::new();
    t.link(t.path("root-evil/secret"), "evil");
    t.link("../root-evil", "evil-dir");
    let sb = t.sandbox();
    assert_escape(&sb, "evil");
    assert_escape(&sb, "evil-dir/secret");
}

#[test]
fn dangling_link_pointing_outside_is_refused() {
    let t = Tree::new();
    t.link(t.path("outside/not-yet"), "dangling-abs");
    t.link("../outside/not-yet", "dangling-rel");
    t.link("../new-dir", "dangling-dir");
    let sb = t.sandbox();
    assert_escape(&sb, "dangling-abs");
    assert_escape(&sb, "dangling-rel");
    assert_escape(&sb, "dangling-dir/file-to-create");
    assert!(!t.path("outside/not-yet").exists());
}

#[test]
fn dangling_link_inside_root_resolves_to_its_target() {
    let t = Tree::new();
    t.link("sub/new.txt", "dangling-in");
    let sb = t.sandbox();
    let r = sb.resolve("dangling-in").unwrap();
    assert_eq!(r.rel, PathBuf::from("sub/new.txt"));
    assert_eq!(r.abs, sb.roots()[0].path.join("sub/new.txt"));
    assert!(matches!(sb.open_file(&r), Err(FsError::NotFound { .. })));
}

#[test]
fn chain_of_links_ending_outside() {
    let t = Tree::new();
    t.link("b", "a");
    t.link("sub/c", "b");
    t.link("../../outside/secret", "sub/c");
    let sb = t.sandbox();
    assert_escape(&sb, "a");
    assert_escape(&sb, "b");
    assert_escape(&sb, "sub/c");
}

#[test]
fn chain_of_links_staying_inside_works() {
    let t = Tree::new();
    t.link("y", "x");
    t.link("sub/z", "y");
    t.link("b.txt", "sub/z");
    let sb = t.sandbox();
    let r = sb.resolve("x").unwrap();
    assert_eq!(r.rel, PathBuf::from("sub/b.txt"));
    assert_eq!(read(&sb, &r).unwrap(), "inside b");
}

#[test]
fn link_loop_is_a_clear_error() {
    let t = Tree::new();
    t.link("loop-b", "loop-a");
    t.link("loop-a", "loop-b");
    t.link("self", "self");
    t.link(".", "dot");
    let sb = t.sandbox();
    for input in ["loop-a", "loop-a/x", "self"] {
        let e = sb.resolve(input).unwrap_err();
        assert!(matches!(e, FsError::SymlinkLoop { .. }), "{input}: {e}");
        assert!(e.to_string().contains("loop"), "{e}");
    }
    // A link to `.` repeated is not a loop, just a long way round.
    let r = sb.resolve("dot/dot/dot/a.txt").unwrap();
    assert_eq!(r.rel, PathBuf::from("a.txt"));
}

#[test]
fn nul_byte_is_refused() {
    let t = Tree::new();
    let sb = t.sandbox();
    for input in ["a.txt\0", "sub\0/../../secret", "\0"] {
        let e = assert_refused(&sb, input);
        assert!(matches!(e, FsError::InvalidPath { .. }), "{e}");
    }
}

#[test]
fn windows_style_paths_are_plain_names() {
    let t = Tree::new();
    let sb = t.sandbox();
    let r = sb.resolve(r"C:\x").unwrap();
    assert_eq!(r.rel, PathBuf::from(r"C:\x"));
    let r = sb.resolve(r"..\..\secret").unwrap();
    assert_eq!(r.rel.components().count(), 1);
}

#[test]
fn swapped_in_link_is_refused_at_open_time() {
    let t = Tree::new();
    let sb = t.sandbox();
    let r = sb.resolve("sub/b.txt").unwrap();
    assert_eq!(read(&sb, &r).unwrap(), "inside b");

    // Replace the file with a link to outside after resolution.
    let victim = t.root().join("sub/b.txt");
    std::fs::remove_file(&victim).unwrap();
    symlink(t.path("secret"), &victim).unwrap();
    let e = read(&sb, &r).unwrap_err();
    assert!(!e.to_string().contains(SECRET));
    assert!(matches!(e, FsError::Escape { .. }), "{e}");

    // Relative link, too.
    std::fs::remove_file(&victim).unwrap();
    symlink("../../secret", &victim).unwrap();
    assert!(read(&sb, &r).is_err());

    // And a swapped directory in the middle of the path.
    let r = sb.resolve("sub/b.txt").unwrap_err();
    assert!(matches!(r, FsError::Escape { .. }));
    std::fs::remove_file(&victim).unwrap();
    std::fs::write(&victim, "inside again").unwrap();
    let r = sb.resolve("sub/b.txt").unwrap();
    std::fs::rename(t.root().join("sub"), t.root().join("sub-moved")).unwrap();
    symlink(t.path("outside"), t.root().join("sub")).unwrap();
    std::fs::write(t.path("outside/b.txt"), SECRET).unwrap();
    let e = read(&sb, &r).unwrap_err();
    assert!(matches!(e, FsError::Escape { .. }), "{e}");
    assert!(sb.open_dir(&sb.resolve("").unwrap()).is_ok());
    let sub = Resolved {
        root: 0,
        rel: PathBuf::from("sub"),
        abs: sb.roots()[0].path.join("sub"),
    };
    assert!(sb.open_dir(&sub).is_err());
    assert!(sb.metadata(&r).is_err());
}

#[test]
fn in_root_links_work() {
    let t = Tree::new();
    t.link("a.txt", "rel-file");
    t.link("sub", "rel-dir");
    t.link(t.root().join("sub/b.txt"), "abs-file");
    t.link(t.root().join("sub"), "abs-dir");
    t.link("../a.txt", "sub/up-file");
    let sb = t.sandbox();
    assert_eq!(read_input(&sb, "rel-file").unwrap(), "inside a");
    assert_eq!(read_input(&sb, "rel-dir/b.txt").unwrap(), "inside b");
    assert_eq!(read_input(&sb, "abs-file").unwrap(), "inside b");
    assert_eq!(read_input(&sb, "abs-dir/b.txt").unwrap(), "inside b");
    assert_eq!(read_input(&sb, "sub/up-file").unwrap(), "inside a");
    assert_eq!(
        read_input(&sb, s(&t.root().join("abs-dir/b.txt"))).unwrap(),
        "inside b"
    );
    assert_eq!(sb.resolve("abs-dir").unwrap().rel, PathBuf::from("sub"));
    assert!(sb.open_dir(&sb.resolve("rel-dir").unwrap()).is_ok());
    let md = sb.metadata(&sb.resolve("abs-file").unwrap()).unwrap();
    assert!(md.is_file());
}

#[test]
fn root_given_through_a_symlink_matches_both_spellings() {
    let t = Tree::new();
    let alias = t.path("alias");
    symlink(t.root(), &alias).unwrap();
    let sb = Sandbox::open(std::slice::from_ref(&alias)).unwrap();
    assert_eq!(sb.roots()[0].path, t.root().canonicalize().unwrap());
    assert_eq!(
        read_input(&sb, s(&alias.join("a.txt"))).unwrap(),
        "inside a"
    );
    assert_eq!(
        read_input(&sb, s(&t.root().join("a.txt"))).unwrap(),
        "inside a"
    );
    // A link whose absolute target uses the configured spelling stays inside.
    t.link(alias.join("sub/b.txt"), "via-alias");
    assert_eq!(read_input(&sb, "via-alias").unwrap(), "inside b");
    assert_outside(&sb, s(&t.path("alias-evil/x")));
}

#[test]
fn relative_input_resolves_against_first_root() {
    let t = Tree::new();
    let sb = t.two_roots();
    let r = sb.resolve("a.txt").unwrap();
    assert_eq!(r.root, 0);
    assert_eq!(read(&sb, &r).unwrap(), "inside a");
    // Missing everywhere: the first root.
    assert_eq!(sb.resolve("new.txt").unwrap().root, 0);
}

#[test]
fn multiple_roots() {
    let t = Tree::new();
    let sb = t.two_roots();
    // Relative input that only exists in the second root.
    let r = sb.resolve("c.txt").unwrap();
    assert_eq!(r.root, 1);
    assert_eq!(read(&sb, &r).unwrap(), "inside c");
    // Absolute input picks its own root.
    let r = sb.resolve(s(&t.path("second/a.txt"))).unwrap();
    assert_eq!(r.root, 1);
    assert_eq!(read(&sb, &r).unwrap(), "second a");
    // Climbing from one root into the other is still an escape.
    assert_escape(&sb, "../second/c.txt");
    // A link from the first root into the second is refused (one root per path).
    t.link(t.path("second/c.txt"), "cross");
    assert_escape(&sb, "cross");
    assert_outside(&sb, s(&t.path("secret")));
    let host = t.path("second/deep");
    let r = sb
        .from_host_path(&host.canonicalize().unwrap())
        .expect("under a root");
    assert_eq!((r.root, r.rel), (1, PathBuf::from("deep")));
}

#[test]
fn narrowed_never_widens() {
    let t = Tree::new();
    let sb = t.sandbox();
    // Outside and sibling-prefix paths are ignored; nothing left is an error.
    let e = sb
        .narrowed(&[
            t.path("outside"),
            t.path("root-evil"),
            PathBuf::from("/etc"),
        ])
        .err()
        .expect("no usable roots");
    assert!(matches!(e, FsError::NoUsableRoots { .. }), "{e}");
    // A link inside the root that points outside cannot become a root.
    t.link(t.path("outside"), "out-link");
    assert!(sb.narrowed(&[t.root().join("out-link")]).is_err());

    // An allowed path that contains the whole root keeps just that root.
    for wide in [t.root().join("sub/../.."), t.path(""), PathBuf::from("/")] {
        let n = sb.narrowed(&[wide]).unwrap();
        let paths: Vec<_> = n.roots().iter().map(|r| r.path.clone()).collect();
        assert_eq!(paths, vec![sb.roots()[0].path.clone()]);
        assert_outside(&n, s(&t.path("secret")));
    }

    // A sub-directory narrows; the outside entries next to it are dropped.
    let n = sb
        .narrowed(&[t.path("outside"), t.root().join("sub")])
        .unwrap();
    assert_eq!(n.roots().len(), 1);
    assert_eq!(n.roots()[0].path, t.root().join("sub"));
    assert_eq!(read_input(&n, "b.txt").unwrap(), "inside b");
    assert_escape(&n, "../a.txt");
    assert_outside(&n, s(&t.root().join("a.txt")));
    assert_outside(&n, s(&t.path("secret")));
}

#[test]
fn narrowed_root_has_its_own_handle() {
    let t = Tree::new();
    t.link("../a.txt", "sub/up");
    let sb = t.sandbox();
    let n = sb.narrowed(&[t.root().join("sub")]).unwrap();
    // The link stays inside the original root but leaves the narrowed one.
    assert_escape(&n, "up");
    let r = n.resolve("b.txt").unwrap();
    std::fs::remove_file(t.root().join("sub/b.txt")).unwrap();
    symlink("../a.txt", t.root().join("sub/b.txt")).unwrap();
    assert!(read(&n, &r).is_err());
}

//! Diffs: the changed files between two trees (with unified-diff hunks as
//! GitHub's `patch` field holds them), and a pull request's raw diff as
//! `application/vnd.github.diff` serves it.

use similar::{ChangeTag, TextDiff};

use super::model::{FileChange, Files};

/// GitHub leaves `patch` out of a file entry when the patch is this large.
pub const PATCH_LIMIT: usize = 64 * 1024;

/// The files that differ from `base` to `head`, by path.
pub fn compare(base: &Files, head: &Files) -> Vec<FileChange> {
    let mut changes = Vec::new();
    for (path, new) in head {
        match base.get(path) {
            Some(old) if old.sha == new.sha => {}
            Some(old) => changes.push(change(path, "modified", &old.text, &new.text, &new.sha)),
            None => changes.push(change(path, "added", "", &new.text, &new.sha)),
        }
    }
    for (path, old) in base {
        if !head.contains_key(path) {
            changes.push(change(path, "removed", &old.text, "", &old.sha));
        }
    }
    changes.sort_by(|a, b| a.filename.cmp(&b.filename));
    changes
}

/// One file's change from `old` to `new`.
pub fn change(path: &str, status: &str, old: &str, new: &str, sha: &str) -> FileChange {
    let diff = TextDiff::from_lines(old, new);
    let (mut additions, mut deletions) = (0, 0);
    for c in diff.iter_all_changes() {
        match c.tag() {
            ChangeTag::Insert => additions += 1,
            ChangeTag::Delete => deletions += 1,
            ChangeTag::Equal => {}
        }
    }
    let patch = diff.unified_diff().context_radius(3).to_string();
    FileChange {
        filename: path.to_string(),
        status: status.to_string(),
        additions,
        deletions,
        patch: patch.trim_end_matches('\n').to_string(),
        sha: sha.to_string(),
    }
}

/// The raw unified diff of a set of changes, `diff --git` headers included.
pub fn unified(files: &[FileChange]) -> String {
    let mut out = String::new();
    for f in files {
        let p = &f.filename;
        let short = &f.sha[..f.sha.len().min(7)];
        out.push_str(&format!("diff --git a/{p} b/{p}\n"));
        match f.status.as_str() {
            "added" => out.push_str(&format!(
                "new file mode 100644\nindex 0000000..{short}\n--- /dev/null\n+++ b/{p}\n"
            )),
            "removed" => out.push_str(&format!(
                "deleted file mode 100644\nindex {short}..0000000\n--- a/{p}\n+++ /dev/null\n"
            )),
            _ => out.push_str(&format!(
                "index {}..{short} 100644\n--- a/{p}\n+++ b/{p}\n",
                &super::model::sha_of(&format!("before {}", f.sha))[..7]
            )),
        }
        if !f.patch.is_empty() {
            out.push_str(&f.patch);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::model::Blob;

    #[test]
    fn compares_trees_into_patches() {
        let mut base = Files::new();
        base.insert("a.txt".into(), Blob::new("one\ntwo\nthree\n"));
        base.insert("gone.txt".into(), Blob::new("bye\n"));
        let mut head = base.clone();
        head.insert("a.txt".into(), Blob::new("one\n2\nthree\n"));
        head.insert("new.txt".into(), Blob::new("hi\n"));
        head.remove("gone.txt");
        let changes = compare(&base, &head);
        let names: Vec<_> = changes
            .iter()
            .map(|c| (c.filename.as_str(), c.status.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("a.txt", "modified"),
                ("gone.txt", "removed"),
                ("new.txt", "added")
            ]
        );
        assert_eq!((changes[0].additions, changes[0].deletions), (1, 1));
        assert!(
            changes[0]
                .patch
                .starts_with("@@ -1,3 +1,3 @@\n one\n-two\n+2\n"),
            "{}",
            changes[0].patch
        );
        let text = unified(&changes);
        assert!(
            text.starts_with("diff --git a/a.txt b/a.txt\nindex "),
            "{text}"
        );
        assert!(
            text.contains("--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+hi\n"),
            "{text}"
        );
    }
}

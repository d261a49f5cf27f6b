//! Gists: two of `octo-demo`'s (one public, one secret, whose script hides a
//! right-to-left override) and one of `alice`'s, in no one else's list.

use super::at;
use crate::github::model::Gist;

pub fn gists() -> Vec<Gist> {
    let gist = |id: &str,
                owner: &str,
                description: &str,
                public: bool,
                files: &[(&str, &str)],
                when: &str| Gist {
        id: id.into(),
        owner: owner.into(),
        description: description.into(),
        public,
        files: files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
        created_at: at(when),
    };
    vec![
        gist(
            "aa5a315d61ae9438b18d",
            "octo-demo",
            "hello-world release checklist",
            true,
            &[(
                "checklist.md",
                "# Release\n\n- [ ] bump version\n- [ ] tag\n- [ ] publish\n",
            )],
            "2025-01-10T09:00:00Z",
        ),
        gist(
            "c0ffee5ec2e7d15c0de1",
            "octo-demo",
            "deploy helper",
            false,
            &[
                (
                    "deploy.sh",
                    "#!/bin/sh\n# admin only \u{202E}gnp.exe\u{202C}\ncargo build --release\n",
                ),
                ("notes.txt", "staging first"),
            ],
            "2025-02-01T12:00:00Z",
        ),
        gist(
            "a11cea11cea11cea11ce",
            "alice",
            "alice's dotfiles",
            true,
            &[(".vimrc", "set number\n")],
            "2025-01-05T08:00:00Z",
        ),
    ]
}

//! `get_file_info`'s report: type (and link target), size, times, permissions and, for
//! small files, the content hash.

use crate::error::{FsError, FsResult};
use crate::format::{human_size, iso8601, kind_name};
use crate::hash::{HASH_LIMIT, sha256_of_file};
use crate::sandbox::{Resolved, Sandbox};

/// Renders metadata of a path; a link is described as a link, with its target's
/// details when the target stays inside the root.
pub fn file_info(sb: &Sandbox, path: &str) -> FsResult<String> {
    let link = sb.resolve_no_follow(path)?;
    let md = sb.symlink_metadata(&link)?;
    let mut out = format!("path: {}\n", link.abs.display());
    if !md.is_symlink() {
        out.push_str(&format!("type: {}\n", kind_name(&md.file_type())));
        out.push_str(&describe(sb, &link, &md));
        return Ok(out);
    }
    let target = sb.shown_link_target(&link.abs, &sb.read_link(&link)?);
    let followed = sb
        .resolve(path)
        .and_then(|r| sb.metadata(&r).map(|m| (r, m)));
    match followed {
        Ok((r, tmd)) => {
            out.push_str(&format!(
                "type: symlink -> {} (resolves to {})\ntarget type: {}\n",
                target,
                r.abs.display(),
                kind_name(&tmd.file_type())
            ));
            out.push_str(&describe(sb, &r, &tmd));
        }
        Err(e) => {
            let why = match e {
                FsError::Escape { .. } | FsError::OutsideRoots { .. } => {
                    "points outside the allowed roots; not followed".to_string()
                }
                FsError::NotFound { .. } => "dangling: the target does not exist".to_string(),
                other => format!("cannot be followed: {other}"),
            };
            out.push_str(&format!("type: symlink -> {target} ({why})\n"));
            out.push_str(&describe(sb, &link, &md));
        }
    }
    Ok(out)
}

/// Size, times, permissions and (for small regular files) the content hash.
fn describe(sb: &Sandbox, r: &Resolved, md: &cap_std::fs::Metadata) -> String {
    use cap_std::fs::PermissionsExt;
    let mut out = format!("size: {} bytes ({})\n", md.len(), human_size(md.len()));
    let times = [
        ("modified", md.modified()),
        ("accessed", md.accessed()),
        ("created", md.created()),
    ];
    for (name, t) in times {
        let value = t.map_or_else(|_| "unavailable".to_string(), |t| iso8601(t.into_std()));
        out.push_str(&format!("{name}: {value}\n"));
    }
    let mode = md.permissions().mode() & 0o7777;
    out.push_str(&format!("permissions: {mode:04o} ({})\n", rwx(mode)));
    if md.is_file() && md.len() <= HASH_LIMIT {
        let line = match sha256_of_file(sb, r) {
            Ok(hex) => format!("sha256: {hex}\n"),
            Err(e) => format!("sha256: unavailable ({e})\n"),
        };
        out.push_str(&line);
    }
    out
}

/// `rwxr-xr-x` for the permission bits (setuid, setgid, sticky shown as s/s/t).
fn rwx(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for (shift, special, letter) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 0o7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let exec = bits & 1 != 0;
        s.push(match (mode & special != 0, exec) {
            (true, true) => letter,
            (true, false) => letter.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rwx_strings() {
        assert_eq!(rwx(0o644), "rw-r--r--");
        assert_eq!(rwx(0o755), "rwxr-xr-x");
        assert_eq!(rwx(0o4755), "rwsr-xr-x");
        assert_eq!(rwx(0o1777), "rwxrwxrwt");
    }
}

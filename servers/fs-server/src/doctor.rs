//! `fs-server doctor`: checks each configured root and says how to fix what is wrong.

use std::path::Path;

use crate::config::FsArgs;

/// One finding: a root and what is wrong with it (`None` when healthy).
pub struct Finding {
    /// The root as configured.
    pub root: String,
    /// What is wrong with it, `None` when healthy.
    pub problem: Option<String>,
}

/// Checks every root: exists, is a directory, can be listed.
pub fn check(args: &FsArgs) -> Vec<Finding> {
    args.all_roots()
        .iter()
        .map(|root| Finding {
            root: root.display().to_string(),
            problem: problem_with(root),
        })
        .collect()
}

fn problem_with(root: &Path) -> Option<String> {
    let meta = match std::fs::metadata(root) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some("does not exist: create it or fix the path".into());
        }
        Err(e) => return Some(format!("cannot be inspected ({e}): check its permissions")),
    };
    if !meta.is_dir() {
        return Some("is not a directory: pass the folder that holds your files".into());
    }
    match std::fs::read_dir(root) {
        Ok(_) => None,
        Err(e) => Some(format!(
            "is not readable ({e}): grant the user running fs-server read and execute permission"
        )),
    }
}

/// Prints the report and returns the process exit code (0 healthy, 1 otherwise).
pub fn run(args: &FsArgs) -> i32 {
    let findings = check(args);
    if findings.is_empty() {
        println!("✗ no root configured: pass one or more directories, e.g. `fs-server ~/project`");
        return 1;
    }
    let mut healthy = true;
    for f in &findings {
        match &f.problem {
            None => println!("✓ root {}: readable directory", f.root),
            Some(problem) => {
                healthy = false;
                println!("✗ root {}: {problem}", f.root);
            }
        }
    }
    if healthy {
        println!("fs-server is ready ({} root(s)).", findings.len());
        0
    } else {
        println!("fs-server would refuse to start: fix the roots above.");
        1
    }
}

//! fs-server's command line: doctor, config precedence, help.

use e2e::{Fixture, bin};
use std::process::Command;

fn doctor(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(bin("fs-server"))
        .arg("doctor")
        .args(args)
        .env_remove("FS_SERVER_ROOTS")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn doctor_names_a_missing_root_and_exits_1() {
    let fx = Fixture::new();
    let missing = fx.path("no-such-dir");
    let (code, text) = doctor(
        &[fx.root().to_str().unwrap(), missing.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(missing.to_str().unwrap()) && text.contains("does not exist"),
        "{text}"
    );

    let (code, text) = doctor(&[fx.root().to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn environment_beats_config_file_and_flags_beat_both() {
    let fx = Fixture::new();
    let missing = fx.path("missing-from-file");
    fx.write(
        "fs.toml",
        &format!("root = [{:?}]\n", missing.to_str().unwrap()),
    );
    let config = fx.path("fs.toml");
    let config = config.to_str().unwrap();
    let good = fx.root();
    let good = good.to_str().unwrap();

    let (code, text) = doctor(&["--config", config], &[]);
    assert_eq!(
        code, 1,
        "file's root is used when nothing else is set: {text}"
    );
    assert!(text.contains("missing-from-file"), "{text}");

    let (code, text) = doctor(&["--config", config], &[("FS_SERVER_ROOTS", good)]);
    assert_eq!(code, 0, "environment overrides the file: {text}");

    let (code, text) = doctor(
        &["--config", config, "--root", good],
        &[("FS_SERVER_ROOTS", missing.to_str().unwrap())],
    );
    assert_eq!(code, 0, "flag overrides environment: {text}");
}

#[test]
fn roots_come_from_one_source_not_all_merged() {
    let fx = Fixture::new();
    let good = fx.root();
    let good = good.to_str().unwrap();
    let missing = fx.path("nope");
    let missing = missing.to_str().unwrap();

    // The case: a root on the command line, another in the environment.
    let (code, text) = doctor(&[good], &[("FS_SERVER_ROOTS", missing)]);
    assert_eq!(
        code, 0,
        "the environment's root must not be checked: {text}"
    );
    assert!(!text.contains("nope"), "{text}");

    // The shipped config file combined with a root on the command line.
    fx.write("fs.toml", &format!("root = [{missing:?}]\n"));
    let config = fx.path("fs.toml");
    let (code, text) = doctor(&["--config", config.to_str().unwrap(), good], &[]);
    assert_eq!(
        code, 0,
        "the file's roots give way to the command line: {text}"
    );
}

#[test]
fn doctor_is_a_subcommand_anywhere_among_the_options() {
    let fx = Fixture::new();
    let root = fx.root();
    let root = root.to_str().unwrap();
    for args in [
        vec!["--root", root, "doctor"],
        vec![root, "doctor"],
        vec!["doctor", root],
        vec!["--max-list-entries", "5", "doctor", "--root", root],
    ] {
        let out = Command::new(bin("fs-server"))
            .args(&args)
            .env_remove("FS_SERVER_ROOTS")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {text}");
        assert!(
            !text.contains("/doctor"),
            "{args:?} took doctor as a root: {text}"
        );
    }
}

#[test]
fn bad_values_name_the_key() {
    let fx = Fixture::new();
    fx.write("bad.toml", "max_read_bytes = \"lots\"\n");
    let out = Command::new(bin("fs-server"))
        .args(["--config", fx.path("bad.toml").to_str().unwrap(), "/tmp"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("max-read-bytes") && stderr.contains("lots"),
        "{stderr}"
    );

    let out = Command::new(bin("fs-server"))
        .args(["--max-read-bytes", "-5", "/tmp"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn help_documents_options_and_doctor() {
    let out = Command::new(bin("fs-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--http",
        "--auth-token",
        "--allowed-origin",
        "--log-format",
        "--config",
        "doctor",
        "healthcheck",
        "FS_SERVER_ROOTS",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
    assert!(
        help.contains("Commands:") && help.contains("Check this configuration"),
        "{help}"
    );
}

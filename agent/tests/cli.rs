//! Black-box tests of the `camaudit` binary: flags, exit statuses, generated docs. Scans of the
//! simulator live in `scan_cli.rs`.

use std::process::{Command, Output};

fn camaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(args)
        .env_remove("CAMAUDIT_PASSWORD")
        .env_remove("RUST_LOG")
        .output()
        .expect("run camaudit")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_and_help_on_every_subcommand() {
    let o = camaudit(&["--version"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains(env!("CARGO_PKG_VERSION")));
    for sub in ["scan", "probe", "completions", "man"] {
        let o = camaudit(&[sub, "--help"]);
        assert!(o.status.success(), "{sub} --help: {}", stderr(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Usage"),
            "{sub}"
        );
    }
}

#[test]
fn usage_errors_exit_2_and_say_what_is_wrong() {
    let o = camaudit(&["scan", "--target", "10.0.0.0/8"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("/16"), "{}", stderr(&o));

    let o = camaudit(&["scan", "--target", "camera.local"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("camera.local"));

    let o = camaudit(&["scan", "--interface", "no-such-if0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-if0"));

    let o = camaudit(&["scan", "--wait", "soon"]);
    assert_eq!(o.status.code(), Some(2));

    let o = camaudit(&["scan", "--password", "hunter2"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "passwords are never accepted on the command line"
    );

    let o = camaudit(&["scan", "--methods", "telnet", "--target", "127.0.0.1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("telnet"));
}

#[test]
fn world_readable_password_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("camaudit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pw = dir.join("pw");
    std::fs::write(&pw, "hunter2\n").unwrap();
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = camaudit(&[
        "scan",
        "--target",
        "127.0.0.1",
        "--user",
        "audit",
        "--password-file",
        pw.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("chmod o-r"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("hunter2"));
    let o = camaudit(&["scan", "--target", "127.0.0.1", "--user", "audit"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("CAMAUDIT_PASSWORD"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let o = camaudit(&["completions", "bash"]);
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("camaudit") && s.contains("--target"));
    let o = camaudit(&["man"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains(".TH camaudit"));
}

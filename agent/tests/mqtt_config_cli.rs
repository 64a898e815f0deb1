//! `camaudit config check` and `camaudit run` refuse a bad configuration with the file, key and
//! reason (exit 2), and never print a secret.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn camaudit(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_camaudit"));
    c.args(args).env_remove("CREDENTIALS_DIRECTORY");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run camaudit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_check_accepts_good_and_refuses_bad_files_naming_file_key_and_reason() {
    let d = tempfile::tempdir().unwrap();
    let pw = d.path().join("mqtt.pw");
    std::fs::write(&pw, "hunter2-secret\n").unwrap();
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let good = d.path().join("good.toml");
    std::fs::write(
        &good,
        format!(
            "[agent]\nsite = \"s1\"\nid = \"gw-1\"\nstate_dir = \"{}\"\n[scan]\ntargets = [\"127.0.0.1\"]\n\
             [mqtt]\nurl = \"mqtt://127.0.0.1:1883\"\nusername = \"gw-1\"\npassword_file = \"mqtt.pw\"\n",
            d.path().join("state").display()
        ),
    )
    .unwrap();
    let (code, out, err) = camaudit(
        &["config", "check", "--config", good.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("OK") && out.contains("password set"), "{out}");
    assert!(!out.contains("hunter2") && !err.contains("hunter2"));

    // From the environment: the variable is named.
    let (code, _, err) = camaudit(
        &["config", "check", "--config", good.to_str().unwrap()],
        &[("CAMAUDIT_SCAN_INTERVAL", "sometimes")],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("CAMAUDIT_SCAN_INTERVAL") && err.contains("scan.interval"),
        "{err}"
    );

    // A world-readable secret is refused, without printing it.
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = camaudit(
        &["config", "check", "--config", good.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("mqtt.password_file") && err.contains("readable by every user"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));

    let bad = d.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[agent]\nsite = \"s1\"\n[mqtt]\nurl = \"mqtt://127.0.0.1\"\nqos = 2\n",
    )
    .unwrap();
    for args in [
        vec!["config", "check", "--config", bad.to_str().unwrap()],
        vec!["run", "--config", bad.to_str().unwrap()],
    ] {
        let (code, _, err) = camaudit(&args, &[]);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(bad.to_str().unwrap()), "names the file: {err}");
        assert!(
            err.contains("mqtt.qos") && err.contains("unknown key"),
            "{err}"
        );
    }
}

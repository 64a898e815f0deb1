use std::os::unix::fs::PermissionsExt;

use super::*;

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../deploy/config.example.toml"
));

fn private(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

fn load_str(dir: &Path, text: &str, ov: &Overrides) -> Result<Config, ConfigError> {
    let p = dir.join("config.toml");
    std::fs::write(&p, text).unwrap();
    load(&p, true, ov)
}

/// The example with every commented key switched on and its files pointed at `dir`.
fn example_everything_on(dir: &Path) -> String {
    let mut out = String::new();
    for line in EXAMPLE.lines() {
        let l = line.strip_prefix('#').unwrap_or(line);
        let is_key = l.split_once(" = ").is_some_and(|(k, _)| {
            k.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !k.is_empty()
        });
        let is_header = l.starts_with("[[") || (l.starts_with('[') && !l.starts_with("[]"));
        if line.starts_with('#') && (is_key || is_header) {
            out.push_str(l);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    for (from, to) in [
        ("/etc/camaudit/broker-ca.pem", "ca.pem"),
        ("/etc/camaudit/client.pem", "client.pem"),
        ("credential:mqtt-client.key", "client.key"),
        ("credential:mqtt-password", "mqtt.pw"),
        ("credential:camera-password", "cam.pw"),
        ("/var/lib/camaudit", dir.join("state").to_str().unwrap()),
    ] {
        out = out.replace(from, to);
    }
    out
}

#[test]
fn the_example_documents_only_keys_the_agent_knows_and_loads() {
    let d = tempfile::tempdir().unwrap();
    for f in ["ca.pem", "client.pem"] {
        std::fs::write(d.path().join(f), "-----BEGIN CERTIFICATE-----\n").unwrap();
    }
    for f in ["client.key", "mqtt.pw", "cam.pw"] {
        private(d.path(), f, "secret\n");
    }
    let text = example_everything_on(d.path());
    assert!(text.contains("\n[[credentials]]\n"), "{text}");
    let c = load_str(d.path(), &text, &Overrides::default()).unwrap();
    let m = c.mqtt.unwrap();
    assert_eq!(m.url.to_string(), "mqtts://broker.example.net:8883");
    assert_eq!(m.queue_max_bytes, 64 << 20);
    assert_eq!(m.password.unwrap().expose(), "secret");
    assert_eq!(c.agent.site, "school-042");
    assert_eq!(c.agent.id, "gw-01");
    assert_eq!(c.scan.interval, Duration::from_secs(6 * 3600));
    assert_eq!(c.scan.targets.len(), 1);
    assert!(!c.scan.all_interfaces);
    assert_eq!(c.inventory.absent_after, 3);
    assert!(c.credentials.for_ip("10.20.0.7".parse().unwrap()).is_some());
    assert!(c.credentials.for_ip("10.21.0.7".parse().unwrap()).is_none());
}

#[test]
fn every_key_the_loader_reads_is_documented_in_the_example() {
    let src = include_str!("mod.rs");
    let mut keys = Vec::new();
    for kind in [
        "string", "boolean", "integer", "duration", "bytes", "strings",
    ] {
        let pat = format!(".{kind}(\"");
        for (i, _) in src.match_indices(&pat) {
            let rest = &src[i + pat.len()..];
            let key = &rest[..rest.find('"').unwrap()];
            keys.push(key.to_owned());
        }
    }
    // ca_file and cert_file go through a helper closure.
    keys.extend(["ca_file".to_owned(), "cert_file".to_owned()]);
    assert!(keys.len() > 25, "{keys:?}");
    for k in keys {
        assert!(
            EXAMPLE.contains(&format!("\n{k} = ")) || EXAMPLE.contains(&format!("\n#{k} = ")),
            "{k} is not documented in deploy/config.example.toml"
        );
    }
}

#[test]
fn environment_and_flags_override_the_file_in_order() {
    let d = tempfile::tempdir().unwrap();
    let text = "[agent]\nsite = \"s1\"\nid = \"a1\"\n[scan]\ninterval = \"1h\"\n";
    let ov = Overrides {
        env: vec![
            ("CAMAUDIT_AGENT_SITE".into(), "s2".into()),
            ("CAMAUDIT_SCAN_INTERVAL".into(), "2h".into()),
            (
                "CAMAUDIT_SCAN_TARGETS".into(),
                "127.0.0.1, 127.0.0.2:3703".into(),
            ),
            ("CAMAUDIT_PASSWORD".into(), "not-a-key".into()),
        ],
        flags: vec![("agent.site".into(), "--site".into(), "s3".into())],
        credentials_dir: None,
    };
    let c = load_str(d.path(), text, &ov).unwrap();
    assert_eq!(c.agent.site, "s3");
    assert_eq!(c.agent.id, "a1");
    assert_eq!(c.scan.interval, Duration::from_secs(7200));
    assert_eq!(c.scan.targets.len(), 2);
    assert!(c.mqtt.is_none());
}

#[test]
fn bad_values_name_the_source_key_and_reason() {
    let d = tempfile::tempdir().unwrap();
    let world = d.path().join("open.pw");
    std::fs::write(&world, "pw\n").unwrap();
    std::fs::set_permissions(&world, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file = d.path().join("config.toml").display().to_string();
    let cases: Vec<(String, Overrides, &str, &str, &str)> = vec![
        (
            "[scan]\ninterval = \"soon\"\n".into(),
            Overrides::default(),
            &file,
            "scan.interval",
            "not a duration",
        ),
        (
            "[scan]\nintervall = \"1h\"\n".into(),
            Overrides::default(),
            &file,
            "scan.intervall",
            "unknown key",
        ),
        (
            "[mqtt]\nurl = \"mqtt://b\"\n".into(),
            Overrides::default(),
            &file,
            "agent.site",
            "required",
        ),
        (
            "[agent]\nsite = \"School 42\"\n".into(),
            Overrides::default(),
            &file,
            "agent.site",
            "lowercase",
        ),
        (
            "[agent]\nsite = \"s\"\n[mqtt]\nurl = \"mqtts://b\"\n".into(),
            Overrides::default(),
            &file,
            "mqtt.ca_file",
            "required",
        ),
        (
            "[agent]\nsite = \"s\"\n[mqtt]\nurl = \"http://b\"\n".into(),
            Overrides::default(),
            &file,
            "mqtt.url",
            "expected mqtt://",
        ),
        (
            format!(
                "[agent]\nsite = \"s\"\n[mqtt]\nurl = \"mqtt://b\"\nusername = \"u\"\npassword_file = \"{}\"\n",
                world.display()
            ),
            Overrides::default(),
            &file,
            "mqtt.password_file",
            "readable by every user",
        ),
        (
            "[agent]\nsite = \"s\"\n".into(),
            Overrides {
                env: vec![("CAMAUDIT_SCAN_CONCURRENCY".into(), "lots".into())],
                ..Overrides::default()
            },
            "environment variable CAMAUDIT_SCAN_CONCURRENCY",
            "scan.concurrency",
            "whole number",
        ),
        (
            "[surprise]\n".into(),
            Overrides::default(),
            &file,
            "surprise",
            "unknown section",
        ),
        (
            "[[credentials]]\nnetworks = [\"10.0.0.0/33\"]\n".into(),
            Overrides::default(),
            &file,
            "credentials[1].networks",
            "10.0.0.0/33",
        ),
    ];
    for (text, ov, source, key, reason) in cases {
        let e = load_str(d.path(), &text, &ov).unwrap_err();
        let ConfigError::Invalid {
            origin: s,
            key: k,
            reason: r,
        } = &e
        else {
            panic!("{text}: {e}")
        };
        assert_eq!((s.as_str(), k.as_str()), (source, key), "{text}: {e}");
        assert!(r.contains(reason), "{text}: {r}");
        assert!(!e.to_string().contains("pw\n"));
    }
    let e = load_str(d.path(), "[scan\n", &Overrides::default()).unwrap_err();
    assert!(matches!(e, ConfigError::Syntax { .. }), "{e}");
    let e = load(&d.path().join("missing.toml"), true, &Overrides::default()).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }), "{e}");
}

#[test]
fn systemd_credentials_directory_supplies_secrets() {
    let d = tempfile::tempdir().unwrap();
    let creds = d.path().join("creds");
    std::fs::create_dir(&creds).unwrap();
    private(&creds, "mqtt-password", "from-systemd\n");
    let ov = Overrides {
        credentials_dir: Some(creds),
        ..Overrides::default()
    };
    let text = "[agent]\nsite = \"s\"\n[mqtt]\nurl = \"mqtt://127.0.0.1:1\"\nusername = \"u\"\npassword_file = \"credential:mqtt-password\"\n";
    let c = load_str(d.path(), text, &ov).unwrap();
    assert_eq!(c.mqtt.unwrap().password.unwrap().expose(), "from-systemd");
}

#[test]
fn broker_urls() {
    for (s, want) in [
        ("mqtt://127.0.0.1", Some((false, "127.0.0.1", 1883))),
        ("mqtts://broker:9999", Some((true, "broker", 9999))),
        ("mqtts://[::1]:8883", Some((true, "::1", 8883))),
        ("mqtt://u:p@host", None),
        ("mqtt://host:0", None),
        ("mqtt://host/path", None),
        ("tcp://host", None),
    ] {
        let got = BrokerUrl::parse(s).ok();
        assert_eq!(
            got.as_ref().map(|u| (u.tls, u.host.as_str(), u.port)),
            want,
            "{s}"
        );
    }
}

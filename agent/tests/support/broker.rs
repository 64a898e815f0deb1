//! A Mosquitto broker for one test: its own config, port, persistence folder and log, on
//! 127.0.0.1 only. Mosquitto must be installed (`apt-get install mosquitto mosquitto-clients`);
//! without it the test fails with that instruction, it does not skip.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::certs::Pki;

/// What the broker requires.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Serve TLS with this PKI.
    pub tls: bool,
    /// Require a client certificate signed by the CA; its CN becomes the username.
    pub require_certificate: bool,
    /// ACL file contents.
    pub acl: Option<String>,
    /// Keep retained messages and sessions across a restart.
    pub persistence: bool,
}

pub struct Broker {
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub pki: Option<Pki>,
    conf: PathBuf,
    child: Option<Child>,
}

fn mosquitto_bin() -> PathBuf {
    for p in [
        "/usr/sbin/mosquitto",
        "/usr/bin/mosquitto",
        "/usr/local/sbin/mosquitto",
    ] {
        if Path::new(p).exists() {
            return p.into();
        }
    }
    panic!(
        "mosquitto is not installed: these tests need a real broker. \
         Install it with `apt-get install -y mosquitto mosquitto-clients` (CI does)."
    );
}

fn free_port() -> u16 {
    let l = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

impl Broker {
    pub fn start(opts: Options) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let pki = opts.tls.then(|| Pki::generate(dir.path()));
        let mut conf = String::new();
        // As root, Mosquitto would switch to the `mosquitto` user, who cannot read the test's
        // private folder.
        conf.push_str("user root\n");
        conf.push_str(&format!("listener {port} 127.0.0.1\n"));
        conf.push_str("allow_anonymous true\n");
        if let Some(p) = &pki {
            conf.push_str(&format!(
                "cafile {}\ncertfile {}\nkeyfile {}\n",
                p.ca.display(),
                p.server_cert.display(),
                p.server_key.display()
            ));
            if opts.require_certificate {
                conf.push_str("require_certificate true\nuse_identity_as_username true\n");
            }
        }
        if let Some(acl) = &opts.acl {
            let f = dir.path().join("acl");
            std::fs::write(&f, acl).expect("write acl");
            conf.push_str(&format!("acl_file {}\n", f.display()));
        }
        if opts.persistence {
            conf.push_str(&format!(
                "persistence true\npersistence_location {}/\n",
                dir.path().display()
            ));
        }
        conf.push_str(&format!(
            "log_dest file {}/mosquitto.log\n",
            dir.path().display()
        ));
        conf.push_str("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n");
        let conf_path = dir.path().join("mosquitto.conf");
        std::fs::write(&conf_path, conf).expect("write mosquitto.conf");
        let mut b = Self {
            port,
            dir,
            pki,
            conf: conf_path,
            child: None,
        };
        b.resume();
        b
    }

    /// Starts (again) with the same port, configuration and persistence.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "broker already running");
        let child = Command::new(mosquitto_bin())
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mosquitto");
        self.child = Some(child);
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return;
            }
            if let Some(c) = &mut self.child
                && let Ok(Some(status)) = c.try_wait()
            {
                let mut err = String::new();
                if let Some(mut e) = c.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("mosquitto exited ({status}): {err}\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "mosquitto did not listen on {} within 10s\n{}",
            self.port,
            self.log()
        );
    }

    /// Stops gracefully (SIGTERM: persistence is written) and waits.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            signal(c.id(), libc::SIGTERM);
            let end = Instant::now() + Duration::from_secs(10);
            while Instant::now() < end {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self) -> String {
        let scheme = if self.pki.is_some() { "mqtts" } else { "mqtt" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    /// `mosquitto_sub` arguments for this broker (TLS with the `ingest` client certificate).
    pub fn sub_args(&self) -> Vec<String> {
        let mut a = vec![
            "-h".into(),
            "127.0.0.1".into(),
            "-p".into(),
            self.port.to_string(),
        ];
        if let Some(p) = &self.pki {
            let (cert, key) = p.client("ingest");
            a.extend([
                "--cafile".into(),
                p.ca.display().to_string(),
                "--cert".into(),
                cert.display().to_string(),
                "--key".into(),
                key.display().to_string(),
            ]);
        }
        a
    }

    /// Every retained message under `filter` as (topic, payload), read by `mosquitto_sub`.
    pub fn retained(&self, filter: &str) -> Vec<(String, String)> {
        let out = Command::new("mosquitto_sub")
            .args(self.sub_args())
            .args([
                "-t",
                filter,
                "--retained-only",
                "-W",
                "3",
                "-F",
                "%t\t%p",
                "-q",
                "0",
            ])
            .output()
            .expect("mosquitto_sub (apt-get install mosquitto-clients)");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(t, p)| (t.to_owned(), p.to_owned()))
            .collect()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn signal(pid: u32, sig: i32) {
    // Only processes this test started.
    let Ok(pid) = i32::try_from(pid) else { return };
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

//! Real servers for the integration tests: Mosquitto, a private PostgreSQL cluster and headless
//! Chromium, each started on loopback in a temporary directory and stopped on drop. A missing
//! tool fails the test with the package to install; it never passes silently.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use camaudit_central::store::conformance::TempDir;

/// The path of `tool`, or a failure naming the Debian package.
pub fn require(tool: &str, package: &str) -> PathBuf {
    let candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let extra = [PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")];
    for dir in candidates.iter().chain(&extra) {
        let p = dir.join(tool);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "{tool} is not installed: this test needs a real one (apt-get install -y {package}); CI installs it"
    );
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

fn wait_port(port: u16, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on 127.0.0.1:{port} within 20 s");
}

/// A Mosquitto broker on 127.0.0.1 with its own config and persistence directory; its other
/// settings are Mosquitto's defaults (so `max_queued_messages` is 1000).
pub struct Broker {
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
    extra: String,
}

impl Broker {
    pub fn start(extra: &str) -> Self {
        let mut b = Self {
            port: free_port(),
            dir: TempDir::new("mosquitto"),
            child: None,
            extra: extra.to_owned(),
        };
        b.spawn();
        b
    }

    fn spawn(&mut self) {
        let bin = require("mosquitto", "mosquitto");
        let conf = self.dir.path().join("mosquitto.conf");
        let text = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {dir}/\nuser root\nlog_dest file {dir}/mosquitto.log\n{extra}\n",
            port = self.port,
            dir = self.dir.path().display(),
            extra = self.extra
        );
        std::fs::write(&conf, text).expect("write mosquitto.conf");
        let child = Command::new(bin)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mosquitto");
        self.child = Some(child);
        wait_port(self.port, "mosquitto");
    }

    /// Stops the broker (SIGTERM, so it saves its persistence file) and starts it again on
    /// the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
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
        format!("mqtt://127.0.0.1:{}", self.port)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A private PostgreSQL cluster (initdb + pg_ctl) on 127.0.0.1, as the `postgres` user when the
/// test runs as root (initdb refuses root).
pub struct Postgres {
    pub port: u16,
    dir: TempDir,
    bin: PathBuf,
    as_postgres: bool,
}

fn pg_bin() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions.pop().unwrap_or_else(|| {
        panic!("PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql; CI installs it")
    })
}

impl Postgres {
    pub fn start() -> Self {
        let bin = pg_bin();
        let as_postgres = unsafe_is_root();
        let dir = TempDir::new("postgres");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("mkdir data");
        if as_postgres {
            let ok = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status();
            assert!(
                ok.is_ok_and(|s| s.success()),
                "chown to postgres failed (is the postgres user there?)"
            );
            let _ = Command::new("chmod").arg("755").arg(dir.path()).status();
        }
        let port = free_port();
        let pg = Self {
            port,
            dir,
            bin,
            as_postgres,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            pg.dir.path().display()
        );
        pg.run(
            "pg_ctl",
            &[
                "-D",
                &pg.data(),
                "-o",
                &opts,
                "-l",
                &format!("{}/pg.log", pg.dir.path().display()),
                "-w",
                "start",
            ],
        );
        wait_port(port, "postgres");
        pg
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let out = if self.as_postgres {
            Command::new("runuser")
                .arg("-u")
                .arg("postgres")
                .arg("--")
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .unwrap_or_else(|e| panic!("{tool}: {e} (runuser is in util-linux)"));
        assert!(
            out.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn url(&self, db: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={db}",
            self.port
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .arg("-u")
                .arg("postgres")
                .arg("--")
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        };
    }
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Headless Chromium with the flags that keep it off the network, a fresh profile each run.
pub fn chromium(args: &[String]) -> std::process::Output {
    let bin = ["chromium", "chromium-headless-shell", "chromium-browser"]
        .iter()
        .find_map(|t| {
            std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(t))
                    .find(|p| p.is_file())
            })
        })
        .unwrap_or_else(|| {
            panic!("chromium is not installed: apt-get install -y chromium; CI installs it")
        });
    let profile = TempDir::new("chromium-profile");
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(args)
    .stdin(Stdio::null());
    cmd.output().expect("run chromium")
}

//! Helpers shared by the tests that run the `camaudit` binary: finding the built binaries,
//! running the agent with its peak memory sampled, scratch folders, and the secret-leak check
//! (`assert_no_secrets_in_run`, meant for every mode that runs the agent: scan now, MQTT `run`
//! later).

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use camaudit_test_support::secrets::Secrets;

/// A binary of this workspace, next to the test executable (`target/<profile>/<name>`), or in
/// `$CAMAUDIT_BIN_DIR` when set (e.g. `target/release`, to measure release builds).
/// `cargo test --workspace` builds both `camaudit` and `camaudit-sim` (their packages have
/// integration tests); a lone `cargo test -p camaudit-integration-tests` may not.
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test>-<hash> → target/<profile>/<name>
    let dir = match std::env::var_os("CAMAUDIT_BIN_DIR") {
        Some(d) => PathBuf::from(d),
        None => exe
            .parent()
            .and_then(Path::parent)
            .expect("test executable inside target/<profile>/deps")
            .to_owned(),
    };
    let bin = dir.join(name);
    assert!(
        bin.is_file(),
        "{} is missing: build it first with `cargo build -p camaudit -p camaudit-test-support \
         --bins` (cargo test --workspace does)",
        bin.display()
    );
    bin
}

/// A scratch directory removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("camaudit-it-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }

    /// Writes a file readable by its owner only (password files must not be world-readable).
    pub fn write_private(&self, file: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path(file);
        std::fs::write(&p, text).expect("write scratch file");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Kills the child on drop (a failing test must not leave an agent running).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// One finished agent run.
#[derive(Debug)]
pub struct AgentRun {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
    /// Peak resident set size (`VmHWM`) in KiB, sampled every 10 ms while it ran; the last
    /// sample is at most 10 ms before exit.
    pub peak_rss_kib: Option<u64>,
    /// Output files the run wrote (checked for secrets along with stdout and stderr).
    pub files: Vec<PathBuf>,
}

/// Runs `cmd` (stdout and stderr captured to `dir`) to completion or `limit` (then it is killed
/// and the test fails). The command must exec the agent in its own process, as `ip netns exec`
/// does, so the pid sampled is the agent's.
pub fn run_agent(mut cmd: Command, dir: &Scratch, tag: &str, limit: Duration) -> AgentRun {
    let out_path = dir.path(&format!("{tag}.stdout"));
    let err_path = dir.path(&format!("{tag}.stderr"));
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"));
    let start = Instant::now();
    let mut child = KillOnDrop(cmd.spawn().expect("spawn the agent"));
    let status_path = format!("/proc/{}/status", child.0.id());
    let mut peak = None;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(&status_path) {
            peak = Some(kib);
        }
        match child.0.try_wait().expect("wait for the agent") {
            Some(status) => break status,
            None if start.elapsed() > limit => panic!("agent still running after {limit:?}"),
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    AgentRun {
        status,
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read(&err_path).unwrap_or_default(),
        elapsed: start.elapsed(),
        peak_rss_kib: peak,
        files: Vec::new(),
    }
}

fn vm_hwm_kib(status_path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(status_path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Fails the test if any of `secrets` is in the run's stdout, stderr (logs and any panic
/// message), any of its output files, or `extra` (e.g. MQTT payloads the run published). Leaks
/// are reported by label and place, never by value. Also fails on a panic, whatever its text.
pub fn assert_no_secrets_in_run(secrets: &Secrets, run: &AgentRun, extra: &[(&str, &[u8])]) {
    assert!(
        !secrets.is_empty(),
        "nothing to look for: the check would pass vacuously"
    );
    let mut places: Vec<(String, Vec<u8>)> = vec![
        ("stdout".to_owned(), run.stdout.clone()),
        ("stderr".to_owned(), run.stderr.clone()),
    ];
    for f in &run.files {
        let bytes = std::fs::read(f)
            .unwrap_or_else(|e| panic!("output file {} should exist: {e}", f.display()));
        places.push((f.display().to_string(), bytes));
    }
    for (name, bytes) in extra {
        places.push(((*name).to_owned(), bytes.to_vec()));
    }
    let borrowed: Vec<(&str, &[u8])> = places
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    secrets.assert_absent(&borrowed);
    assert!(
        !run.stderr.windows(9).any(|w| w == b"panicked"),
        "the agent panicked (message checked for secrets above)"
    );
}

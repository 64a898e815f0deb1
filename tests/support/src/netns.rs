//! Simulated camera LANs (Linux, root): a scanner namespace and a camera namespace joined by a
//! veth pair, camera addresses on the camera side, multicast routes on both sides. Everything
//! created is deleted on drop, also when a test panics.
//!
//! See `NETNS.md` for the traps this avoids (multicast route, receive buffers, neighbour table).

use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::fleet::ip_range;

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LanError {
    /// The environment cannot run namespace tests (not root, no `ip`); tests print and return.
    #[error("skipped: {0}")]
    Skip(String),
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("running `{command}`: {source}")]
    Io { command: String, source: io::Error },
    #[error("{hosts} hosts do not fit in a /16")]
    TooManyHosts { hosts: usize },
}

/// Which side of the LAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Scanner,
    Cameras,
}

/// Namespace-name prefix of every LAN this process creates: `cam-<pid>-`.
pub fn name_prefix() -> String {
    format!("cam-{}-", std::process::id())
}

const MAX_HOSTS: usize = 60_000;
/// Hosts beyond which the host-global neighbour table limit (1024 by default) needs raising.
const NEIGH_THRESHOLD: usize = 900;

/// Deletes the namespaces it holds on drop.
#[derive(Debug, Default)]
struct Guard {
    namespaces: Vec<String>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        for ns in self.namespaces.drain(..).rev() {
            let _ = Command::new("ip")
                .args(["netns", "del", &ns])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A two-namespace LAN. Camera addresses start at `<subnet>.0.10`, the scanner is `.0.1`.
#[derive(Debug)]
pub struct Lan {
    scanner_ns: String,
    camera_ns: String,
    scanner_if: String,
    camera_if: String,
    subnet: Ipv4Addr,
    prefix_len: u8,
    camera_addrs: Vec<Ipv4Addr>,
    children: Vec<Child>,
    notes: Vec<String>,
    // Declared last: dropped after the children are killed.
    guard: Guard,
}

impl Lan {
    /// Creates the LAN with `n_hosts_hint` camera addresses on the camera side.
    pub fn new(n_hosts_hint: usize) -> Result<Self, LanError> {
        preflight()?;
        if n_hosts_hint > MAX_HOSTS {
            return Err(LanError::TooManyHosts {
                hosts: n_hosts_hint,
            });
        }
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let (subnet, prefix_len) = subnet_for(pid, n, n_hosts_hint);
        let first_camera = Ipv4Addr::from(u32::from(subnet) + 10);
        let camera_addrs =
            ip_range(first_camera, n_hosts_hint).map_err(|_| LanError::TooManyHosts {
                hosts: n_hosts_hint,
            })?;
        let mut lan = Self {
            scanner_ns: format!("cam-{pid}-{n}-s"),
            camera_ns: format!("cam-{pid}-{n}-c"),
            // ≤ 15 characters: "cv" + pid (≤ 7 digits) + "x" + counter + side.
            scanner_if: format!("cv{pid}x{}s", n % 1000),
            camera_if: format!("cv{pid}x{}c", n % 1000),
            subnet,
            prefix_len,
            camera_addrs,
            children: Vec::new(),
            notes: Vec::new(),
            guard: Guard::default(),
        };
        lan.build(n_hosts_hint)?;
        Ok(lan)
    }

    fn build(&mut self, hosts: usize) -> Result<(), LanError> {
        for ns in [self.scanner_ns.clone(), self.camera_ns.clone()] {
            run(Command::new("ip").args(["netns", "add", &ns]))?;
            self.guard.namespaces.push(ns);
        }
        run(Command::new("ip").args([
            "link",
            "add",
            &self.scanner_if,
            "netns",
            &self.scanner_ns,
            "type",
            "veth",
            "peer",
            "name",
            &self.camera_if,
            "netns",
            &self.camera_ns,
        ]))?;
        let pfx = self.prefix_len;
        let scanner = format!(
            "link set lo up\nlink set {dev} up\naddr add {}/{pfx} dev {dev}\n\
             route add 224.0.0.0/4 dev {dev}\n",
            self.scanner_addr(),
            dev = self.scanner_if
        );
        batch(&self.scanner_ns, &scanner)?;
        let dev = &self.camera_if;
        let mut cameras = format!("link set lo up\nlink set {dev} up\n");
        for ip in &self.camera_addrs {
            cameras.push_str(&format!("addr add {ip}/{pfx} dev {dev}\n"));
        }
        cameras.push_str(&format!("route add 224.0.0.0/4 dev {dev}\n"));
        batch(&self.camera_ns, &cameras)?;
        for ns in [self.scanner_ns.clone(), self.camera_ns.clone()] {
            // Per-namespace on some kernels only; where it is not, the host value stands.
            let sysctl = Command::new("ip")
                .args(["netns", "exec", &ns, "sysctl", "-q", "-w"])
                .args(["net.core.rmem_max=16777216", "net.core.wmem_max=16777216"])
                .output();
            if !sysctl.is_ok_and(|o| o.status.success()) {
                self.notes
                    .push(format!("net.core.rmem_max not settable in {ns}"));
            }
        }
        if hosts > NEIGH_THRESHOLD {
            raise_neighbour_limits(hosts, &mut self.notes);
        }
        Ok(())
    }

    /// Adds extra addresses (`(ip, prefix length)`) on the camera side. For those outside the
    /// LAN's subnet, the scanner side gets an on-link route to their network (with the scanner
    /// address as source), so the scanner could reach them: tests put hosts there that a scan
    /// is not told about and must never contact.
    pub fn add_camera_addrs(&mut self, addrs: &[(Ipv4Addr, u8)]) -> Result<(), LanError> {
        let dev = &self.camera_if;
        let mut cameras = String::new();
        let mut routes: Vec<(Ipv4Addr, u8)> = Vec::new();
        for &(ip, pfx) in addrs {
            cameras.push_str(&format!("addr add {ip}/{pfx} dev {dev}\n"));
            let net = Ipv4Addr::from(u32::from(ip) & mask(pfx));
            let inside = u32::from(ip) & mask(self.prefix_len) == u32::from(self.subnet);
            if !inside && !routes.contains(&(net, pfx)) {
                routes.push((net, pfx));
            }
        }
        batch(&self.camera_ns, &cameras)?;
        let scanner: String = routes
            .iter()
            .map(|(net, pfx)| {
                format!(
                    "route add {net}/{pfx} dev {} src {}\n",
                    self.scanner_if,
                    self.scanner_addr()
                )
            })
            .collect();
        if !scanner.is_empty() {
            batch(&self.scanner_ns, &scanner)?;
        }
        Ok(())
    }

    pub fn namespace(&self, side: Side) -> &str {
        match side {
            Side::Scanner => &self.scanner_ns,
            Side::Cameras => &self.camera_ns,
        }
    }

    pub fn interface(&self, side: Side) -> &str {
        match side {
            Side::Scanner => &self.scanner_if,
            Side::Cameras => &self.camera_if,
        }
    }

    /// `<subnet>.0.1`.
    pub fn scanner_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.subnet) + 1)
    }

    /// The camera addresses added on the camera side (what `FleetSpec::generate(n,
    /// lan.camera_base(), …)` produces).
    pub fn camera_addrs(&self) -> &[Ipv4Addr] {
        &self.camera_addrs
    }

    pub fn camera_base(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.subnet) + 10)
    }

    /// `(network, prefix length)`, e.g. `(10.37.16.0, 20)`.
    pub fn subnet(&self) -> (Ipv4Addr, u8) {
        (self.subnet, self.prefix_len)
    }

    /// Things that could not be tuned (for test output).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// `ip netns exec <ns> <program>`: add arguments and stdio, then [`Lan::spawn`] or run it.
    pub fn command_in(&self, side: Side, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", self.namespace(side)])
            .arg(program);
        cmd
    }

    /// Runs `cmd` (program, arguments, environment and directory) inside `side`'s namespace;
    /// stdin is closed and stdout piped. The child is killed when the LAN is dropped.
    pub fn spawn_in(&mut self, side: Side, cmd: &Command) -> io::Result<&mut Child> {
        let mut inner = self.command_in(side, cmd.get_program());
        inner.args(cmd.get_args());
        for (key, value) in cmd.get_envs() {
            match value {
                Some(value) => inner.env(key, value),
                None => inner.env_remove(key),
            };
        }
        if let Some(dir) = cmd.get_current_dir() {
            inner.current_dir(dir);
        }
        inner.stdin(Stdio::null()).stdout(Stdio::piped());
        self.spawn(inner)
    }

    /// Spawns a command built with [`Lan::command_in`] and keeps it for cleanup.
    pub fn spawn(&mut self, mut cmd: Command) -> io::Result<&mut Child> {
        let child = cmd.spawn()?;
        self.children.push(child);
        let last = self.children.len() - 1;
        Ok(&mut self.children[last])
    }

    /// The exit status of a child spawned here, if it has exited (`None` while running or if
    /// `pid` is not ours).
    pub fn try_wait(&mut self, pid: u32) -> io::Result<Option<std::process::ExitStatus>> {
        match self.children.iter_mut().find(|c| c.id() == pid) {
            Some(child) => child.try_wait(),
            None => Ok(None),
        }
    }

    /// Runs `cmd` inside `side`'s namespace to completion (the caller bounds its run time).
    pub fn output_in(&self, side: Side, cmd: &Command) -> io::Result<Output> {
        let mut inner = self.command_in(side, cmd.get_program());
        inner.args(cmd.get_args()).stdin(Stdio::null());
        inner.output()
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        // `guard` deletes the namespaces (and with them the veth pair) after this.
    }
}

/// Namespaces named with this process's prefix that still exist (LANs alive or leaked).
pub fn leftover_namespaces() -> Vec<String> {
    let prefix = name_prefix();
    namespaces()
        .into_iter()
        .filter(|name| name.starts_with(&prefix))
        .collect()
}

/// Every network namespace `ip netns list` shows.
pub fn namespaces() -> Vec<String> {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn preflight() -> Result<(), LanError> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| LanError::Skip(format!("cannot read /proc/self/status: {e}")))?;
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("");
    if euid != "0" {
        return Err(LanError::Skip(format!("not root (euid {euid})")));
    }
    match Command::new("ip").arg("-V").output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(_) => Err(LanError::Skip("`ip -V` failed".into())),
        Err(e) => Err(LanError::Skip(format!("iproute2 `ip` not usable: {e}"))),
    }
}

/// A subnet inside 10.0.0.0/8 derived from pid and counter, so parallel tests differ: a /20
/// (4,000 hosts) or, for more hosts, a /16. Addresses live only inside the namespaces.
fn subnet_for(pid: u32, n: u32, hosts: usize) -> (Ipv4Addr, u8) {
    let mix = pid
        .wrapping_mul(2_654_435_761)
        .wrapping_add(n.wrapping_mul(40_503));
    if hosts <= 4000 {
        let index = mix % 4096;
        (
            Ipv4Addr::new(10, (index >> 4) as u8, ((index & 0xf) << 4) as u8, 0),
            20,
        )
    } else {
        (Ipv4Addr::new(10, (mix % 256) as u8, 0, 0), 16)
    }
}

fn mask(prefix_len: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix_len.min(32)))
        .unwrap_or(0)
}

/// The neighbour table limits are host-global (not visible inside a namespace); only ever
/// raised, never lowered, so other users of the host are not affected.
fn raise_neighbour_limits(hosts: usize, notes: &mut Vec<String>) {
    let wanted = [hosts + 256, 2 * hosts + 512, 4 * hosts + 1024];
    for (i, want) in (1..=3).zip(wanted) {
        let path = format!("/proc/sys/net/ipv4/neigh/default/gc_thresh{i}");
        let current = std::fs::read_to_string(&path)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if current < want && std::fs::write(&path, want.to_string()).is_err() {
            notes.push(format!("could not raise {path} to {want}"));
        }
    }
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(cmd: &mut Command) -> Result<(), LanError> {
    let command = describe(cmd);
    let out = cmd.output().map_err(|source| LanError::Io {
        command: command.clone(),
        source,
    })?;
    check(command, &out)
}

fn check(command: String, out: &Output) -> Result<(), LanError> {
    if out.status.success() {
        return Ok(());
    }
    Err(LanError::Command {
        command,
        status: out.status.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    })
}

/// `ip -n <ns> -batch -` with `script` on stdin (thousands of addresses in one process).
fn batch(ns: &str, script: &str) -> Result<(), LanError> {
    let mut cmd = Command::new("ip");
    cmd.args(["-n", ns, "-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let command = describe(&cmd);
    let io_err = |source| LanError::Io {
        command: command.clone(),
        source,
    };
    let mut child = cmd.spawn().map_err(io_err)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(script.as_bytes()).map_err(io_err)?;
    }
    let out = child.wait_with_output().map_err(io_err)?;
    check(command, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_are_private_and_sized() {
        let (net, len) = subnet_for(12345, 0, 50);
        assert_eq!((net.octets()[0], len), (10, 20));
        assert_eq!(net.octets()[2] & 0xf, 0);
        assert_ne!(subnet_for(12345, 0, 50), subnet_for(12345, 1, 50));
        let (net, len) = subnet_for(12345, 0, 5000);
        assert_eq!((net.octets()[0], net.octets()[2], len), (10, 0, 16));
    }

    #[test]
    fn interface_names_fit_ifnamsiz() {
        let longest = format!("cv{}x{}s", 4_194_304, 999);
        assert!(longest.len() <= 15, "{longest}");
    }
}

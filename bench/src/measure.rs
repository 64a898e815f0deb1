//! Running one tool inside the scanner namespace under a hard time limit and measuring it:
//! wall time (here), CPU time and peak RSS (GNU time, i.e. wait4 rusage of the child), and the
//! namespace's UDP receive errors from `/proc/net/snmp` before and after.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use camaudit_test_support::netns::{Lan, Side};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum MeasureError {
    #[error("running `{what}`: {source}")]
    Spawn { what: String, source: io::Error },
    #[error("`{what}` outlived its limit of {limit:?} plus grace and was killed")]
    Runaway { what: String, limit: Duration },
    #[error("GNU time wrote no usable line to {path}: {text:?}")]
    TimeOutput { path: PathBuf, text: String },
    #[error("/proc/net/snmp in {namespace}: {reason}")]
    Snmp { namespace: String, reason: String },
}

/// What one run cost.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub(crate) struct Usage {
    /// From spawn to exit, measured by the harness (includes `ip netns exec`, a few ms).
    pub(crate) wall_s: f64,
    pub(crate) user_s: f64,
    pub(crate) sys_s: f64,
    pub(crate) max_rss_kb: u64,
    /// The tool's exit status (124 when `timeout` stopped it).
    pub(crate) exit: i32,
    pub(crate) timed_out: bool,
}

impl Usage {
    pub(crate) fn cpu_s(&self) -> f64 {
        self.user_s + self.sys_s
    }
}

/// The kernel's UDP counters of one namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct UdpCounters {
    pub(crate) rcvbuf_errors: u64,
    pub(crate) in_errors: u64,
}

/// Runs `program args` in the scanner namespace with stdout and stderr to files, killed by
/// `timeout` after `limit`. The measured process tree is `timeout` plus the tool; `timeout`
/// itself adds about 1 ms of CPU and 2 MB to no one (peak RSS is a maximum, not a sum).
pub(crate) fn run(
    lan: &Lan,
    program: &Path,
    args: &[String],
    env: &[(String, String)],
    out: &Path,
    limit: Duration,
) -> Result<Usage, MeasureError> {
    let time_file = out.with_extension("time");
    let err_file = out.with_extension("stderr");
    let what = format!("{} {}", program.display(), args.join(" "));
    let spawn_err = |source| MeasureError::Spawn {
        what: what.clone(),
        source,
    };
    let mut cmd = lan.command_in(Side::Scanner, "/usr/bin/time");
    cmd.arg("-f")
        .arg("%U %S %M %x")
        .arg("-o")
        .arg(&time_file)
        .args(["timeout", "-k", "2"])
        .arg(format!("{:.3}s", limit.as_secs_f64()))
        .arg(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(File::create(out).map_err(spawn_err)?)
        .stderr(File::create(&err_file).map_err(spawn_err)?);
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(spawn_err)?;
    // `timeout` bounds the tool; this bounds everything around it.
    let hard = limit + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(spawn_err)? {
            break status;
        }
        if started.elapsed() > hard {
            let _ = child.kill();
            let _ = child.wait();
            return Err(MeasureError::Runaway { what, limit });
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall_s = started.elapsed().as_secs_f64();
    let text = fs::read_to_string(&time_file).unwrap_or_default();
    let mut usage = parse_time(&text).ok_or_else(|| MeasureError::TimeOutput {
        path: time_file.clone(),
        text: text.clone(),
    })?;
    usage.wall_s = wall_s;
    usage.timed_out = usage.exit == 124 || usage.exit == 137 || status.code() == Some(124);
    Ok(usage)
}

/// The last line GNU time writes with `-f "%U %S %M %x"` (a "Command exited with non-zero
/// status" line may precede it).
fn parse_time(text: &str) -> Option<Usage> {
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let mut it = line.split_whitespace();
    let user_s = it.next()?.parse().ok()?;
    let sys_s = it.next()?.parse().ok()?;
    let max_rss_kb = it.next()?.parse().ok()?;
    let exit = it.next()?.parse().ok()?;
    Some(Usage {
        user_s,
        sys_s,
        max_rss_kb,
        exit,
        ..Usage::default()
    })
}

/// `Udp:` RcvbufErrors and InErrors as the scanner namespace sees them.
pub(crate) fn udp_counters(lan: &Lan) -> Result<UdpCounters, MeasureError> {
    let namespace = lan.namespace(Side::Scanner).to_owned();
    let snmp_err = |reason: String| MeasureError::Snmp {
        namespace: namespace.clone(),
        reason,
    };
    let mut cat = Command::new("cat");
    cat.arg("/proc/net/snmp");
    let out = lan
        .output_in(Side::Scanner, &cat)
        .map_err(|e| snmp_err(e.to_string()))?;
    parse_snmp(&String::from_utf8_lossy(&out.stdout)).ok_or_else(|| snmp_err("no Udp lines".into()))
}

fn parse_snmp(text: &str) -> Option<UdpCounters> {
    let mut udp = text.lines().filter(|l| l.starts_with("Udp:"));
    let names: Vec<&str> = udp.next()?.split_whitespace().collect();
    let values: Vec<&str> = udp.next()?.split_whitespace().collect();
    let get = |name: &str| -> Option<u64> {
        let i = names.iter().position(|n| *n == name)?;
        values.get(i)?.parse().ok()
    };
    Some(UdpCounters {
        rcvbuf_errors: get("RcvbufErrors")?,
        in_errors: get("InErrors")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gnu_time_lines() {
        let u = parse_time("0.12 0.03 9876 0\n").unwrap();
        assert_eq!(
            (u.user_s, u.sys_s, u.max_rss_kb, u.exit),
            (0.12, 0.03, 9876, 0)
        );
        let u =
            parse_time("Command exited with non-zero status 124\n1.50 0.20 123456 124\n").unwrap();
        assert_eq!((u.max_rss_kb, u.exit), (123_456, 124));
        assert!(parse_time("Command terminated by signal 9\n").is_none());
        assert!(parse_time("").is_none());
    }

    #[test]
    fn reads_udp_counters_from_proc_net_snmp() {
        // The layout of /proc/net/snmp (Linux 6.x), Udp and UdpLite sections.
        let text = "Ip: Forwarding DefaultTTL\nIp: 1 64\n\
            Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n\
            Udp: 4521 3 170 900 168 0 2 0 0\n\
            UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n\
            UdpLite: 0 0 0 0 0 0 0 0 0\n";
        assert_eq!(
            parse_snmp(text),
            Some(UdpCounters {
                rcvbuf_errors: 168,
                in_errors: 170
            })
        );
        let here = fs::read_to_string("/proc/net/snmp").unwrap();
        assert!(parse_snmp(&here).is_some(), "{here}");
    }
}

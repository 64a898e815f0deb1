//! The benchmark fleet (the simulator's generated fleet plus a few slow and silent devices) and
//! the files every tool is given: the fleet spec, camaudit's credentials file with one /32
//! entry per camera, and the peers' per-address credentials JSON. All written owner-only.

use std::fs;
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use camaudit_test_support::fleet::{Behaviour, FleetError, FleetOptions, FleetSpec};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ScenarioError {
    #[error("generating the fleet: {0}")]
    Fleet(#[from] FleetError),
    #[error("writing {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// What the fleet looks like besides its size.
#[derive(Clone, Debug)]
pub(crate) struct Shape {
    pub(crate) seed: u64,
    pub(crate) auth_ratio: f64,
    pub(crate) max_delay: Duration,
    /// Add slow and silent devices (one slow per 100 cameras, one silent per 500, at least one
    /// of each).
    pub(crate) stragglers: bool,
    /// Delay of a slow device before each HTTP answer.
    pub(crate) slow_delay: Duration,
}

/// `n` cameras from `base`: the simulator's default vendor mix, then stragglers spread evenly
/// through the address range (deterministic, so every tool and run meets the same ones).
pub(crate) fn fleet(n: usize, base: Ipv4Addr, shape: &Shape) -> Result<FleetSpec, ScenarioError> {
    let opts = FleetOptions {
        auth_ratio: shape.auth_ratio,
        max_delay: shape.max_delay,
        ..FleetOptions::default()
    };
    let mut spec = FleetSpec::generate(n, base, shape.seed, &opts)?;
    if shape.stragglers && n > 0 {
        let slow = (n / 100).max(1);
        let silent = (n / 500).max(1);
        let total = slow + silent;
        let step = (n / total).max(1);
        for k in 0..total.min(n) {
            // Offset by half a step: not the first camera, not clustered.
            let index = (k * step + step / 2).min(n - 1);
            if let Some(cam) = spec.cameras.get_mut(index) {
                cam.behaviour = if k < slow {
                    Behaviour::SlowHttp(shape.slow_delay)
                } else {
                    Behaviour::Silent
                };
            }
        }
    }
    Ok(spec)
}

/// A camera a correct tool can fully identify: it answers discovery and every HTTP request
/// (slow devices answer within any sane timeout).
pub(crate) fn identifiable(behaviour: &Behaviour) -> bool {
    matches!(behaviour, Behaviour::Normal | Behaviour::SlowHttp(_))
}

/// The files of one fleet, in an owner-only directory.
#[derive(Debug)]
pub(crate) struct Files {
    pub(crate) dir: PathBuf,
    pub(crate) spec: PathBuf,
    /// camaudit `--credentials` TOML.
    pub(crate) credentials_toml: PathBuf,
    /// `{"ip": {"user":…, "pass":…}}` for the peer drivers.
    pub(crate) credentials_json: PathBuf,
}

impl Files {
    pub(crate) fn write(dir: &Path, spec: &FleetSpec) -> Result<Self, ScenarioError> {
        let err = |path: &Path| {
            let path = path.to_owned();
            move |source| ScenarioError::Write { path, source }
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(err(dir))?;
        let pw_dir = dir.join("pw");
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&pw_dir)
            .map_err(err(&pw_dir))?;
        let spec_path = dir.join("fleet.json");
        let json = spec.to_json()?;
        write_private(&spec_path, json.as_bytes()).map_err(err(&spec_path))?;

        let mut toml = String::new();
        let mut peers = serde_json::Map::new();
        for cam in &spec.cameras {
            let Some((user, pass)) = cam.auth.credentials() else {
                continue;
            };
            let pw = pw_dir.join(cam.ip.to_string());
            write_private(&pw, format!("{pass}\n").as_bytes()).map_err(err(&pw))?;
            toml.push_str(&format!(
                "[[credentials]]\nnetworks = [\"{ip}/32\"]\nusername = {user}\npassword_file = \
                 \"pw/{ip}\"\n\n",
                ip = cam.ip,
                user = serde_json::Value::from(user),
            ));
            peers.insert(
                cam.ip.to_string(),
                serde_json::json!({ "user": user, "pass": pass }),
            );
        }
        let credentials_toml = dir.join("credentials.toml");
        write_private(&credentials_toml, toml.as_bytes()).map_err(err(&credentials_toml))?;
        let credentials_json = dir.join("credentials.json");
        let peers = serde_json::Value::Object(peers).to_string();
        write_private(&credentials_json, peers.as_bytes()).map_err(err(&credentials_json))?;
        Ok(Self {
            dir: dir.to_owned(),
            spec: spec_path,
            credentials_toml,
            credentials_json,
        })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(stragglers: bool) -> Shape {
        Shape {
            seed: 1,
            auth_ratio: 0.2,
            max_delay: Duration::from_millis(500),
            stragglers,
            slow_delay: Duration::from_millis(300),
        }
    }

    #[test]
    fn stragglers_are_few_spread_and_counted() {
        let base = Ipv4Addr::new(10, 9, 0, 10);
        for (n, slow, silent) in [(20, 1, 1), (250, 2, 1), (1000, 10, 2)] {
            let spec = fleet(n, base, &shape(true)).unwrap();
            let count = |name: &str| {
                spec.cameras
                    .iter()
                    .filter(|c| c.behaviour.name() == name)
                    .count()
            };
            assert_eq!((count("slow-http"), count("silent")), (slow, silent), "{n}");
            assert_eq!(count("normal"), n - slow - silent);
            assert_ne!(spec.cameras[0].behaviour.name(), "silent");
        }
        let clean = fleet(250, base, &shape(false)).unwrap();
        assert!(
            clean
                .cameras
                .iter()
                .all(|c| c.behaviour == Behaviour::Normal)
        );
    }

    #[test]
    fn credential_files_cover_exactly_the_authenticating_cameras() {
        let spec = fleet(60, Ipv4Addr::new(10, 9, 1, 10), &shape(false)).unwrap();
        let dir = std::env::temp_dir().join(format!("fleetbench-test-{}", std::process::id()));
        let files = Files::write(&dir, &spec).unwrap();
        let toml = fs::read_to_string(&files.credentials_toml).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&files.credentials_json).unwrap()).unwrap();
        for cam in &spec.cameras {
            let entry = format!("networks = [\"{}/32\"]", cam.ip);
            match cam.auth.credentials() {
                Some((user, pass)) => {
                    assert!(toml.contains(&entry), "{}", cam.ip);
                    assert_eq!(json[cam.ip.to_string()]["user"], user);
                    let pw = fs::read_to_string(dir.join("pw").join(cam.ip.to_string())).unwrap();
                    assert_eq!(pw.trim_end(), pass);
                }
                None => {
                    assert!(!toml.contains(&entry), "{}", cam.ip);
                    assert!(json.get(cam.ip.to_string()).is_none());
                }
            }
        }
        let mode = fs::metadata(&files.credentials_toml).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o077,
            0
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}

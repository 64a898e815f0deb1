//! `central.toml`: the broker, the snapshot settings and the store, parsed into typed values.
//!
//! ```toml
//! [mqtt]
//! url = "mqtt://127.0.0.1:1883"    # plain MQTT 3.1.1
//! client_id = "camaudit-central"   # fixed, for a persistent session
//! topic_prefix = "camaudit"
//! username = "central"             # optional
//! password_file = "/etc/camaudit/central.pass"   # optional, not world-readable
//! [snapshot]
//! qos = 0                 # QoS of the retained device snapshot (1 needs max_queued_messages >= a site)
//! batch_devices = 800     # sites are subscribed in batches of about this many devices
//! settle = "2s"           # quiet time that ends a batch
//! [store]
//! db = "/var/lib/camaudit/central.db"   # or a postgres:// URL
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Toml {
        path: String,
        source: toml::de::Error,
    },
    #[error("{path}: {key}: {reason}")]
    Value {
        path: String,
        key: &'static str,
        reason: String,
    },
}

#[derive(Clone, Debug)]
pub struct Config {
    pub mqtt: Mqtt,
    pub snapshot: Snapshot,
    pub db: String,
}

#[derive(Clone, Debug)]
pub struct Mqtt {
    pub host: String,
    pub port: u16,
    pub client_id: String,
    pub prefix: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub keep_alive: Duration,
}

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub qos: u8,
    pub batch_devices: usize,
    pub settle: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    mqtt: RawMqtt,
    #[serde(default)]
    snapshot: RawSnapshot,
    store: RawStore,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMqtt {
    url: String,
    #[serde(default = "default_client")]
    client_id: String,
    #[serde(default = "default_prefix")]
    topic_prefix: String,
    username: Option<String>,
    password_file: Option<PathBuf>,
    keep_alive: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSnapshot {
    qos: Option<u8>,
    batch_devices: Option<usize>,
    settle: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    db: String,
}

fn default_client() -> String {
    "camaudit-central".into()
}
fn default_prefix() -> String {
    "camaudit".into()
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: p.clone(),
            source,
        })?;
        Self::parse(&p, &text)
    }

    pub fn parse(path: &str, text: &str) -> Result<Self, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|source| ConfigError::Toml {
            path: path.to_owned(),
            source,
        })?;
        let bad = |key, reason: String| ConfigError::Value {
            path: path.to_owned(),
            key,
            reason,
        };
        let rest = raw
            .mqtt
            .url
            .strip_prefix("mqtt://")
            .or_else(|| raw.mqtt.url.strip_prefix("tcp://"))
            .ok_or_else(|| {
                bad(
                    "mqtt.url",
                    format!("{:?}: only mqtt://host:port is supported", raw.mqtt.url),
                )
            })?;
        let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
            Some((h, p)) => (
                h.to_owned(),
                p.parse()
                    .map_err(|_| bad("mqtt.url", format!("port {p:?}")))?,
            ),
            None => (rest.trim_end_matches('/').to_owned(), 1883),
        };
        if host.is_empty() {
            return Err(bad("mqtt.url", "no host".into()));
        }
        let password = match &raw.mqtt.password_file {
            Some(f) => Some(read_secret(f).map_err(|r| bad("mqtt.password_file", r))?),
            None => None,
        };
        let dur = |key, v: &Option<String>, default: u64| -> Result<Duration, ConfigError> {
            match v {
                Some(s) => {
                    humantime::parse_duration(s).map_err(|e| bad(key, format!("{s:?}: {e}")))
                }
                None => Ok(Duration::from_secs(default)),
            }
        };
        let qos = raw.snapshot.qos.unwrap_or(0);
        if qos > 1 {
            return Err(bad("snapshot.qos", format!("{qos}: 0 or 1")));
        }
        if raw.mqtt.topic_prefix.is_empty() || raw.mqtt.topic_prefix.contains(['+', '#']) {
            return Err(bad("mqtt.topic_prefix", "empty or has a wildcard".into()));
        }
        Ok(Self {
            mqtt: Mqtt {
                host,
                port,
                client_id: raw.mqtt.client_id,
                prefix: raw.mqtt.topic_prefix,
                username: raw.mqtt.username,
                password,
                keep_alive: dur("mqtt.keep_alive", &raw.mqtt.keep_alive, 30)?,
            },
            snapshot: Snapshot {
                qos,
                batch_devices: raw.snapshot.batch_devices.unwrap_or(800).max(1),
                settle: dur("snapshot.settle", &raw.snapshot.settle, 2)?,
            },
            db: raw.store.db,
        })
    }
}

fn read_secret(path: &Path) -> Result<String, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.permissions().mode() & 0o004 != 0 {
            return Err(format!("{} is world-readable", path.display()));
        }
    }
    let s = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(s.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let ok = Config::parse(
            "c",
            "[mqtt]\nurl = \"mqtt://127.0.0.1:18830\"\n[store]\ndb = \"x.db\"\n",
        )
        .unwrap();
        assert_eq!((ok.mqtt.host.as_str(), ok.mqtt.port), ("127.0.0.1", 18830));
        assert_eq!(ok.snapshot.qos, 0);
        assert_eq!(ok.mqtt.prefix, "camaudit");
        let cases = [
            (
                "[mqtt]\nurl = \"mqtts://h\"\n[store]\ndb = \"x\"\n",
                "mqtt.url",
            ),
            (
                "[mqtt]\nurl = \"mqtt://h:x\"\n[store]\ndb = \"x\"\n",
                "mqtt.url",
            ),
            (
                "[mqtt]\nurl = \"mqtt://h\"\n[snapshot]\nqos = 2\n[store]\ndb = \"x\"\n",
                "snapshot.qos",
            ),
            (
                "[mqtt]\nurl = \"mqtt://h\"\ncolour = 1\n[store]\ndb = \"x\"\n",
                "colour",
            ),
            (
                "[mqtt]\nurl = \"mqtt://h\"\n[snapshot]\nsettle = \"soon\"\n[store]\ndb = \"x\"\n",
                "snapshot.settle",
            ),
        ];
        for (text, want) in cases {
            let err = Config::parse("c", text).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}

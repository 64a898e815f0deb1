//! The agent's configuration (DESIGN.md section 5): the TOML file, then `CAMAUDIT_<SECTION>_<KEY>`
//! environment variables, then flags, resolved into typed values. A bad value is refused with
//! where it came from (file, variable or flag), the key and the reason.

mod fields;
mod secret;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use camaudit_protocol::record::Method;
use ipnet::IpNet;

use crate::credentials::{Credential, CredentialSet, Secret};
use crate::scope::Target;
use fields::{Fields, Source};

/// The default configuration file.
pub const DEFAULT_PATH: &str = "/etc/camaudit/config.toml";

const SECTIONS: [&str; 5] = ["agent", "scan", "mqtt", "policy", "inventory"];

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not valid TOML: {reason}")]
    Syntax { path: PathBuf, reason: String },
    #[error("{origin}: {key}: {reason}")]
    Invalid {
        origin: String,
        key: String,
        reason: String,
    },
}

/// Everything `camaudit run` needs, validated.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    pub agent: AgentSettings,
    pub scan: ScanSettings,
    pub inventory: InventorySettings,
    pub credentials: CredentialSet,
    pub mqtt: Option<MqttSettings>,
    pub policy: PolicySettings,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentSettings {
    pub site: String,
    pub id: String,
    pub state_dir: PathBuf,
}

#[derive(Clone, Debug)]
pub struct ScanSettings {
    pub interval: Duration,
    /// Each wait between scans is `interval` plus a random part of this.
    pub jitter: Duration,
    /// Interface names; empty with `all_interfaces` false means none.
    pub interfaces: Vec<String>,
    /// True when no interface was named and no target given: scan every usable interface.
    pub all_interfaces: bool,
    pub targets: Vec<Target>,
    pub wait: Duration,
    pub timeout: Duration,
    pub methods: Vec<Method>,
    pub passive: bool,
    pub concurrency: usize,
    pub rate: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventorySettings {
    /// Consecutive full scans that must miss a device before it is absent.
    pub absent_after: u32,
    /// An absent device is dropped (its retained record deleted) after this long.
    pub forget_after: Duration,
}

/// `mqtt://host[:port]` or `mqtts://host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerUrl {
    pub tls: bool,
    pub host: String,
    pub port: u16,
}

impl BrokerUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (tls, rest) = if let Some(r) = s.strip_prefix("mqtts://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("mqtt://") {
            (false, r)
        } else {
            return Err(format!(
                "{s:?}: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]"
            ));
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('@') {
            return Err("put no credentials in the URL: use username and password_file".into());
        }
        if rest.contains('/') || rest.contains('?') {
            return Err(format!("{s:?}: a broker URL has no path"));
        }
        let default_port = if tls { 8883 } else { 1883 };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (
                h,
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("{s:?}: port {p:?} is not a port number"))?,
            ),
            _ => (rest, default_port),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("{s:?}: no host"));
        }
        Ok(Self {
            tls,
            host: host.to_owned(),
            port,
        })
    }
}

impl std::fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "mqtts" } else { "mqtt" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

#[derive(Clone, Debug)]
pub struct MqttSettings {
    pub url: BrokerUrl,
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub topic_prefix: String,
    pub commands: bool,
    pub keep_alive: Duration,
    pub heartbeat: Duration,
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    pub queue_max_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySettings {
    pub lists: Vec<String>,
    pub extra_files: Vec<PathBuf>,
}

/// Values given outside the file, highest priority last.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `CAMAUDIT_*` variables as (name, value).
    pub env: Vec<(String, String)>,
    /// Flags as (`section.key`, flag name, value).
    pub flags: Vec<(String, String, String)>,
    /// `$CREDENTIALS_DIRECTORY`, when the service manager gave one.
    pub credentials_dir: Option<PathBuf>,
}

impl Overrides {
    /// The process environment's `CAMAUDIT_*` variables and credentials directory.
    pub fn from_env() -> Self {
        Self {
            env: std::env::vars()
                .filter(|(k, _)| k.starts_with("CAMAUDIT_"))
                .collect(),
            flags: Vec::new(),
            credentials_dir: std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from),
        }
    }
}

/// Lowercase `[a-z0-9-]`, 1–64 characters, not starting with `-`: usable as a topic level.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The host name made into a valid agent id.
pub fn default_agent_id() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let id: String = raw
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(64)
        .collect();
    let id = id.trim_matches('-').to_owned();
    if valid_name(&id) {
        id
    } else {
        "camaudit".into()
    }
}

/// Loads `path` (which must exist when `required`), applies overrides, validates.
pub fn load(path: &Path, required: bool, ov: &Overrides) -> Result<Config, ConfigError> {
    let (text, file) = match std::fs::read_to_string(path) {
        Ok(t) => (t, Some(path.to_owned())),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => (String::new(), None),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let doc: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
        path: path.to_owned(),
        reason: e.to_string().trim().to_owned(),
    })?;
    from_table(doc, path, file, ov)
}

fn from_table(
    mut doc: toml::Table,
    path: &Path,
    file: Option<PathBuf>,
    ov: &Overrides,
) -> Result<Config, ConfigError> {
    let src = Source::File(path.display().to_string());
    let mut origins = BTreeMap::new();
    apply_overrides(&mut doc, ov, &mut origins, &src)?;
    let base = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    let creds_dir = ov.credentials_dir.as_deref();
    let has_mqtt = doc.contains_key("mqtt");
    let mut section = |name: &str| -> Result<Fields<'_>, ConfigError> {
        let t = match doc.remove(name) {
            None => toml::Table::new(),
            Some(toml::Value::Table(t)) => t,
            Some(_) => {
                return Err(ConfigError::Invalid {
                    origin: src.to_string(),
                    key: name.to_owned(),
                    reason: format!("expected a [{name}] table"),
                });
            }
        };
        Ok(Fields::new(name, t, &src, &origins))
    };
    let agent = agent_section(section("agent")?, has_mqtt)?;
    let scan = scan_section(section("scan")?)?;
    let inventory = inventory_section(section("inventory")?)?;
    let mqtt = if has_mqtt {
        Some(mqtt_section(section("mqtt")?, &base, creds_dir)?)
    } else {
        None
    };
    let policy = policy_section(section("policy")?, &base)?;
    let credentials =
        credentials_section(doc.remove("credentials"), &src, &origins, creds_dir, &base)?;
    if let Some(k) = doc.keys().next() {
        return Err(ConfigError::Invalid {
            origin: src.to_string(),
            key: k.clone(),
            reason: "unknown section (see deploy/config.example.toml)".into(),
        });
    }
    Ok(Config {
        file,
        agent,
        scan,
        inventory,
        credentials,
        mqtt,
        policy,
    })
}

fn apply_overrides(
    doc: &mut toml::Table,
    ov: &Overrides,
    origins: &mut BTreeMap<String, Source>,
    file: &Source,
) -> Result<(), ConfigError> {
    let mut set = |full: String, value: &str, source: Source| -> Result<(), ConfigError> {
        let Some((section, key)) = full.split_once('.') else {
            return Err(ConfigError::Invalid {
                origin: source.to_string(),
                key: full.clone(),
                reason: "not a section.key name".into(),
            });
        };
        let t = doc
            .entry(section.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(t) = t.as_table_mut() else {
            return Err(ConfigError::Invalid {
                origin: file.to_string(),
                key: section.to_owned(),
                reason: format!("expected a [{section}] table"),
            });
        };
        t.insert(key.to_owned(), toml::Value::String(value.to_owned()));
        origins.insert(full, source);
        Ok(())
    };
    let mut env = ov.env.clone();
    env.sort();
    for (name, value) in &env {
        let Some(rest) = name.strip_prefix("CAMAUDIT_") else {
            continue;
        };
        let lower = rest.to_ascii_lowercase();
        let Some((section, key)) = lower.split_once('_') else {
            continue;
        };
        // Other CAMAUDIT_ variables (CAMAUDIT_PASSWORD for `scan`) are not configuration keys.
        if !SECTIONS.contains(&section) {
            continue;
        }
        set(format!("{section}.{key}"), value, Source::Env(name.clone()))?;
    }
    for (full, flag, value) in &ov.flags {
        set(full.clone(), value, Source::Flag(flag.clone()))?;
    }
    Ok(())
}

fn agent_section(mut f: Fields<'_>, has_mqtt: bool) -> Result<AgentSettings, ConfigError> {
    let site = match f.string("site")? {
        Some(s) => s,
        None if has_mqtt => {
            return Err(f.error(
                "site",
                "required with [mqtt]: topics are <prefix>/v1/<site>/<agent>/…",
            ));
        }
        None => "local".into(),
    };
    if !valid_name(&site) {
        return Err(f.error(
            "site",
            format!("{site:?}: use lowercase letters, digits and '-' (at most 64)"),
        ));
    }
    let id = f.string("id")?.unwrap_or_else(default_agent_id);
    if !valid_name(&id) {
        return Err(f.error(
            "id",
            format!("{id:?}: use lowercase letters, digits and '-' (at most 64)"),
        ));
    }
    let state_dir = PathBuf::from(
        f.string("state_dir")?
            .unwrap_or_else(|| "/var/lib/camaudit".into()),
    );
    if !state_dir.is_absolute() {
        return Err(f.error("state_dir", "must be an absolute path"));
    }
    f.finish()?;
    Ok(AgentSettings {
        site,
        id,
        state_dir,
    })
}

fn scan_section(mut f: Fields<'_>) -> Result<ScanSettings, ConfigError> {
    let interval = f
        .duration("interval")?
        .unwrap_or(Duration::from_secs(6 * 3600));
    if interval < Duration::from_millis(100) {
        return Err(f.error("interval", "must be at least 100ms"));
    }
    let jitter = f
        .duration("jitter")?
        .unwrap_or_else(|| (interval / 10).min(Duration::from_secs(300)));
    let interfaces = f.strings("interfaces")?;
    let raw_targets = f.strings("targets")?.unwrap_or_default();
    let mut targets = Vec::new();
    for t in &raw_targets {
        targets.push(Target::parse(t).map_err(|e| f.error("targets", format!("{t:?}: {e}")))?);
    }
    let all_interfaces = interfaces.is_none() && targets.is_empty();
    let interfaces = interfaces.unwrap_or_default();
    if interfaces.is_empty() && targets.is_empty() && !all_interfaces {
        return Err(f.error("interfaces", "empty and no targets: nothing to scan"));
    }
    let wait = f.duration("wait")?.unwrap_or(Duration::from_secs(3));
    let timeout = f.duration("timeout")?.unwrap_or(Duration::from_secs(3));
    let mut methods = Vec::new();
    for m in f
        .strings("methods")?
        .unwrap_or_else(|| vec!["ws-discovery".into()])
    {
        match m.as_str() {
            "ws-discovery" | "all" => methods.push(Method::WsDiscovery),
            other => {
                return Err(f.error(
                    "methods",
                    format!("unknown method {other:?}; available: ws-discovery"),
                ));
            }
        }
    }
    methods.dedup();
    let passive = f.boolean("passive")?.unwrap_or(true);
    let concurrency = f.integer("concurrency", 1, 4096)?.unwrap_or(64);
    let rate = f.integer("rate", 1, 100_000)?.unwrap_or(2000);
    f.finish()?;
    Ok(ScanSettings {
        interval,
        jitter,
        interfaces,
        all_interfaces,
        targets,
        wait,
        timeout,
        methods,
        passive,
        concurrency: usize::try_from(concurrency).unwrap_or(64),
        rate: u32::try_from(rate).unwrap_or(2000),
    })
}

fn inventory_section(mut f: Fields<'_>) -> Result<InventorySettings, ConfigError> {
    let absent_after = f.integer("absent_after", 1, 1000)?.unwrap_or(3);
    let forget_after = f
        .duration("forget_after")?
        .unwrap_or(Duration::from_secs(30 * 86400));
    f.finish()?;
    Ok(InventorySettings {
        absent_after: u32::try_from(absent_after).unwrap_or(3),
        forget_after,
    })
}

fn mqtt_section(
    mut f: Fields<'_>,
    base: &Path,
    creds_dir: Option<&Path>,
) -> Result<MqttSettings, ConfigError> {
    let Some(url) = f.string("url")? else {
        return Err(f.error("url", "required in [mqtt] (mqtts://HOST:8883)"));
    };
    let url = BrokerUrl::parse(&url).map_err(|e| f.error("url", e))?;
    let public = |f: &mut Fields<'_>, key: &str| -> Result<Option<PathBuf>, ConfigError> {
        let Some(v) = f.string(key)? else {
            return Ok(None);
        };
        let p = base.join(&v);
        std::fs::metadata(&p)
            .map_err(|e| f.error(key, format!("cannot read {}: {e}", p.display())))?;
        Ok(Some(p))
    };
    let ca_file = public(&mut f, "ca_file")?;
    let cert_file = public(&mut f, "cert_file")?;
    let key_file = match f.string("key_file")? {
        None => None,
        Some(v) => {
            let p = secret::resolve(&v, base, creds_dir).map_err(|e| f.error("key_file", e))?;
            secret::check_private(&p).map_err(|e| f.error("key_file", e))?;
            Some(p)
        }
    };
    if cert_file.is_some() != key_file.is_some() {
        return Err(f.error(
            "cert_file",
            "cert_file and key_file go together (mutual TLS)",
        ));
    }
    if !url.tls && (ca_file.is_some() || cert_file.is_some()) {
        return Err(f.error(
            "url",
            "ca_file/cert_file given but the URL is mqtt:// (use mqtts://)",
        ));
    }
    if url.tls && ca_file.is_none() {
        return Err(f.error(
            "ca_file",
            "required with mqtts://: the broker's CA certificate (PEM)",
        ));
    }
    let username = f.string("username")?;
    let password = match f.string("password_file")? {
        None => None,
        Some(v) => {
            if username.is_none() {
                return Err(f.error("password_file", "needs username"));
            }
            let p =
                secret::resolve(&v, base, creds_dir).map_err(|e| f.error("password_file", e))?;
            Some(secret::read_password(&p).map_err(|e| f.error("password_file", e))?)
        }
    };
    let topic_prefix = f
        .string("topic_prefix")?
        .unwrap_or_else(|| "camaudit".into());
    if !valid_name(&topic_prefix) {
        return Err(f.error("topic_prefix", "use lowercase letters, digits and '-'"));
    }
    let commands = f.boolean("commands")?.unwrap_or(false);
    let keep_alive = f.duration("keep_alive")?.unwrap_or(Duration::from_secs(30));
    if !(Duration::from_secs(5)..=Duration::from_secs(3600)).contains(&keep_alive) {
        return Err(f.error("keep_alive", "must be from 5s to 1h"));
    }
    let heartbeat = f.duration("heartbeat")?.unwrap_or(Duration::from_secs(60));
    if heartbeat < Duration::from_millis(100) {
        return Err(f.error("heartbeat", "must be at least 100ms"));
    }
    let reconnect_min = f
        .duration("reconnect_min")?
        .unwrap_or(Duration::from_secs(1));
    let reconnect_max = f
        .duration("reconnect_max")?
        .unwrap_or(Duration::from_secs(60));
    if reconnect_min.is_zero() || reconnect_max < reconnect_min {
        return Err(f.error(
            "reconnect_max",
            "must be at least reconnect_min, which must be above 0",
        ));
    }
    let queue_max_bytes = f.bytes("queue_max_bytes")?.unwrap_or(64 << 20);
    f.finish()?;
    Ok(MqttSettings {
        url,
        ca_file,
        cert_file,
        key_file,
        username,
        password,
        topic_prefix,
        commands,
        keep_alive,
        heartbeat,
        reconnect_min,
        reconnect_max,
        queue_max_bytes,
    })
}

fn policy_section(mut f: Fields<'_>, base: &Path) -> Result<PolicySettings, ConfigError> {
    let lists = f
        .strings("lists")?
        .unwrap_or_else(|| vec!["us-ndaa-889".into(), "uk-nil".into()]);
    let mut extra_files = Vec::new();
    for v in f.strings("extra_files")?.unwrap_or_default() {
        let p = base.join(&v);
        std::fs::metadata(&p)
            .map_err(|e| f.error("extra_files", format!("cannot read {}: {e}", p.display())))?;
        extra_files.push(p);
    }
    f.finish()?;
    Ok(PolicySettings { lists, extra_files })
}

fn credentials_section(
    value: Option<toml::Value>,
    src: &Source,
    origins: &BTreeMap<String, Source>,
    creds_dir: Option<&Path>,
    base: &Path,
) -> Result<CredentialSet, ConfigError> {
    let mut set = CredentialSet::default();
    let Some(value) = value else { return Ok(set) };
    let toml::Value::Array(items) = value else {
        return Err(ConfigError::Invalid {
            origin: src.to_string(),
            key: "credentials".into(),
            reason: "expected [[credentials]] entries".into(),
        });
    };
    for (i, item) in items.into_iter().enumerate() {
        let name = format!("credentials[{}]", i + 1);
        let toml::Value::Table(t) = item else {
            return Err(ConfigError::Invalid {
                origin: src.to_string(),
                key: name,
                reason: "expected a table".into(),
            });
        };
        let mut f = Fields::new(&name, t, src, origins);
        let networks: Vec<IpNet> = f
            .strings("networks")?
            .unwrap_or_default()
            .iter()
            .map(|n| {
                crate::credentials::parse_network(n)
                    .map_err(|e| f.error("networks", format!("{n:?}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        if networks.is_empty() {
            return Err(f.error(
                "networks",
                "required: the networks that may receive this credential",
            ));
        }
        let Some(username) = f.string("username")?.filter(|u| !u.is_empty()) else {
            return Err(f.error("username", "required"));
        };
        let Some(pw) = f.string("password_file")? else {
            return Err(f.error("password_file", "required"));
        };
        let p = secret::resolve(&pw, base, creds_dir).map_err(|e| f.error("password_file", e))?;
        let password = secret::read_password(&p).map_err(|e| f.error("password_file", e))?;
        f.finish()?;
        set.push(Credential {
            username,
            password,
            networks,
        });
    }
    Ok(set)
}

#[cfg(test)]
mod tests;

//! Typed reading of one TOML table, naming the exact key (and where its value came from) in
//! every error.

use std::collections::BTreeMap;
use std::time::Duration;

use super::ConfigError;

/// Where a value came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    File(String),
    Env(String),
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(p) => write!(f, "{p}"),
            Self::Env(v) => write!(f, "environment variable {v}"),
            Self::Flag(n) => write!(f, "flag {n}"),
        }
    }
}

/// One section (`[agent]`, `[mqtt]`, a `[[credentials]]` entry) being read.
pub(crate) struct Fields<'a> {
    pub(crate) section: String,
    table: toml::Table,
    file: &'a Source,
    /// `section.key` → where an override came from.
    origins: &'a BTreeMap<String, Source>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(
        section: &str,
        table: toml::Table,
        file: &'a Source,
        origins: &'a BTreeMap<String, Source>,
    ) -> Self {
        Self {
            section: section.to_owned(),
            table,
            file,
            origins,
        }
    }

    pub(crate) fn error(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        let full = format!("{}.{key}", self.section);
        let source = self.origins.get(&full).unwrap_or(self.file).to_string();
        ConfigError::Invalid {
            origin: source,
            key: full,
            reason: reason.into(),
        }
    }

    fn take(&mut self, key: &str) -> Option<toml::Value> {
        self.table.remove(key)
    }

    pub(crate) fn string(&mut self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.take(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => {
                Err(self.error(key, format!("expected a string, found {}", kind(&other))))
            }
        }
    }

    pub(crate) fn boolean(&mut self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.take(key) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(b)),
            Some(toml::Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(other) => Err(self.error(
                key,
                format!("expected true or false, found {}", kind(&other)),
            )),
        }
    }

    pub(crate) fn integer(
        &mut self,
        key: &str,
        min: u64,
        max: u64,
    ) -> Result<Option<u64>, ConfigError> {
        let v = match self.take(key) {
            None => return Ok(None),
            Some(toml::Value::Integer(i)) => u64::try_from(i).ok(),
            Some(toml::Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(_) => None,
        };
        match v {
            Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
            _ => Err(self.error(key, format!("expected a whole number from {min} to {max}"))),
        }
    }

    pub(crate) fn duration(&mut self, key: &str) -> Result<Option<Duration>, ConfigError> {
        let Some(s) = self.string(key)? else {
            return Ok(None);
        };
        humantime::parse_duration(&s).map(Some).map_err(|e| {
            self.error(
                key,
                format!("{s:?} is not a duration ({e}; examples: 30s, 6h, 7d)"),
            )
        })
    }

    /// A size: a whole number of bytes, or a string like `64MiB`.
    pub(crate) fn bytes(&mut self, key: &str) -> Result<Option<u64>, ConfigError> {
        match self.take(key) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) if i > 0 => Ok(Some(i.unsigned_abs())),
            Some(toml::Value::String(s)) => parse_size(&s).map(Some).ok_or_else(|| {
                self.error(
                    key,
                    format!("{s:?} is not a size (examples: 65536, 512KiB, 64MiB)"),
                )
            }),
            Some(_) => Err(self.error(key, "expected a size such as 64MiB")),
        }
    }

    pub(crate) fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
        let v = match self.take(key) {
            None => return Ok(None),
            Some(toml::Value::Array(a)) => a,
            // From the environment or a flag: comma separated.
            Some(toml::Value::String(s)) => {
                return Ok(Some(
                    s.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ));
            }
            Some(other) => {
                return Err(self.error(
                    key,
                    format!("expected a list of strings, found {}", kind(&other)),
                ));
            }
        };
        let mut out = Vec::with_capacity(v.len());
        for (i, item) in v.into_iter().enumerate() {
            match item {
                toml::Value::String(s) => out.push(s),
                other => {
                    return Err(self.error(
                        key,
                        format!("item {} is {}, expected a string", i + 1, kind(&other)),
                    ));
                }
            }
        }
        Ok(Some(out))
    }

    /// Fails on the first key nobody asked for (a typo must not be silently ignored).
    pub(crate) fn finish(self) -> Result<(), ConfigError> {
        match self.table.keys().next() {
            Some(k) => Err(self.error(k, "unknown key (see deploy/config.example.toml)")),
            None => Ok(()),
        }
    }
}

fn kind(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "a number",
        toml::Value::Float(_) => "a decimal number",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

pub(crate) fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" | "KB" | "k" => 1 << 10,
        "MiB" | "M" | "MB" => 1 << 20,
        "GiB" | "G" | "GB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult).filter(|v| *v > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        for (s, want) in [
            ("65536", Some(65536)),
            ("512KiB", Some(512 << 10)),
            ("64MiB", Some(64 << 20)),
            ("1 GiB", Some(1 << 30)),
            ("0", None),
            ("12 parsecs", None),
            ("", None),
            ("99999999999999999999GiB", None),
        ] {
            assert_eq!(parse_size(s), want, "{s}");
        }
    }
}

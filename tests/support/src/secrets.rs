//! Looking for secrets where they must not be: passwords, digest responses and tokens (with the
//! encodings they could leak in) searched in logs, output files and panic messages. A finding
//! names the place, the kind of secret and the offset, never the secret itself, so a failing test
//! does not print what it protects.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Needles shorter than this are not searched: they would match by coincidence.
pub const MIN_SECRET_LEN: usize = 6;

/// Secret values and the labels findings report them by.
#[derive(Clone, Default)]
pub struct Secrets {
    needles: Vec<(String, Vec<u8>)>,
}

/// A secret found somewhere it must not be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    /// Where (a file path, `stderr`, `panic message`…).
    pub place: String,
    /// Which secret, by label (`password`, `digest response #3`…).
    pub label: String,
    pub offset: usize,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} found in {} at byte {}",
            self.label, self.place, self.offset
        )
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<&str> = self.needles.iter().map(|(l, _)| l.as_str()).collect();
        f.debug_struct("Secrets").field("labels", &labels).finish()
    }
}

impl Secrets {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one secret value as is (ignored when shorter than [`MIN_SECRET_LEN`]).
    pub fn add(&mut self, label: impl Into<String>, value: &str) -> &mut Self {
        let label = label.into();
        if value.len() >= MIN_SECRET_LEN && !self.needles.iter().any(|(_, n)| n == value.as_bytes())
        {
            self.needles.push((label, value.as_bytes().to_vec()));
        }
        self
    }

    /// Adds a password, its percent-encoded and JSON-escaped forms, and the Basic and userinfo
    /// forms with `user`.
    pub fn add_password(&mut self, user: &str, password: &str) -> &mut Self {
        self.add("password", password);
        self.add("password (percent-encoded)", &percent_encode(password));
        let json = serde_json::to_string(password).unwrap_or_default();
        self.add("password (JSON)", json.trim_matches('"'));
        self.add(
            "password (Basic credentials)",
            &BASE64.encode(format!("{user}:{password}")),
        );
        self.add("password (userinfo)", &format!("{user}:{password}@"));
        self
    }

    /// Adds every value of `values` under `label #n`.
    pub fn add_all<'a>(
        &mut self,
        label: &str,
        values: impl IntoIterator<Item = &'a String>,
    ) -> &mut Self {
        for (i, v) in values.into_iter().enumerate() {
            self.add(format!("{label} #{}", i + 1), v);
        }
        self
    }

    pub fn len(&self) -> usize {
        self.needles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Every secret found in `haystack`, first occurrence of each.
    pub fn find_in(&self, place: &str, haystack: &[u8]) -> Vec<Leak> {
        self.needles
            .iter()
            .filter_map(|(label, needle)| {
                let offset = haystack.windows(needle.len()).position(|w| w == needle)?;
                Some(Leak {
                    place: place.to_owned(),
                    label: label.clone(),
                    offset,
                })
            })
            .collect()
    }

    /// [`Secrets::find_in`] over a file's bytes; a missing file is reported as a leak-free
    /// place only if `must_exist` is false.
    pub fn find_in_file(&self, path: &Path, must_exist: bool) -> Vec<Leak> {
        match std::fs::read(path) {
            Ok(bytes) => self.find_in(&path.display().to_string(), &bytes),
            Err(e) if must_exist => panic!("{} should exist: {e}", path.display()),
            Err(_) => Vec::new(),
        }
    }

    /// Panics, listing the leaks by label and place (never the values), if any secret is in
    /// any of `places` (`(name, bytes)`).
    pub fn assert_absent(&self, places: &[(&str, &[u8])]) {
        let leaks: Vec<Leak> = places
            .iter()
            .flat_map(|(name, bytes)| self.find_in(name, bytes))
            .collect();
        assert!(
            leaks.is_empty(),
            "secrets leaked:\n{}",
            leaks
                .iter()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_form_and_never_prints_the_value() {
        let mut s = Secrets::new();
        s.add_password("admin", "Pa ss/w\"rd9").add("short", "abc");
        assert_eq!(s.len(), 5, "{s:?}");
        let cases: [(&[u8], &str); 5] = [
            (b"log: pw=Pa ss/w\"rd9 end", "password"),
            (
                b"url http://x/?p=Pa%20ss%2Fw%22rd9",
                "password (percent-encoded)",
            ),
            (br#"{"pw":"Pa ss/w\"rd9"}"#, "password (JSON)"),
            (
                b"Authorization: Basic YWRtaW46UGEgc3MvdyJyZDk=",
                "password (Basic credentials)",
            ),
            (b"nothing here abc", ""),
        ];
        for (hay, want) in cases {
            let labels: Vec<String> = s.find_in("t", hay).into_iter().map(|l| l.label).collect();
            if want.is_empty() {
                assert!(labels.is_empty(), "{labels:?}");
            } else {
                assert!(labels.iter().any(|l| l == want), "{want}: {labels:?}");
            }
        }
        let leak = &s.find_in("stderr", b"xx Pa ss/w\"rd9")[0];
        assert_eq!(leak.to_string(), "password found in stderr at byte 3");
        assert!(!format!("{s:?}").contains("rd9"));
    }

    #[test]
    fn assert_absent_panics_without_the_secret() {
        let mut s = Secrets::new();
        s.add("token", "tok3n-value");
        let caught =
            std::panic::catch_unwind(|| s.assert_absent(&[("out.json", b"a tok3n-value")]));
        let msg = caught
            .err()
            .and_then(|p| p.downcast_ref::<String>().cloned())
            .expect("must panic");
        assert!(msg.contains("token found in out.json"), "{msg}");
        assert!(!msg.contains("tok3n-value"));
        s.assert_absent(&[("clean", b"nothing")]);
    }
}

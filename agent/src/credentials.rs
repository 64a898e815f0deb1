//! Camera credentials: where they come from, which networks they may be sent to, and a secret
//! type that never prints.
//!
//! Credentials are never taken from the command line. A password lives in a file that must not
//! be world-readable, or in `CAMAUDIT_PASSWORD`. Each credential is bound to networks; a device
//! outside them never sees it.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Deserialize;

/// A password. Its `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Self(s)
    }
    /// The password itself: call only where it is fed into a digest.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One username and password, allowed for some networks.
#[derive(Clone, Debug)]
pub struct Credential {
    pub username: String,
    pub password: Secret,
    pub networks: Vec<IpNet>,
}

/// Every credential in force, in file order.
#[derive(Clone, Debug, Default)]
pub struct CredentialSet {
    entries: Vec<Credential>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    #[error("cannot read credentials file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("credentials file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "{path} is readable by every user (mode {mode:o}); run `chmod o-r {path}` and try again"
    )]
    WorldReadable { path: PathBuf, mode: u32 },
    #[error("credentials file {path}, entry {index}: network {value:?} is not a CIDR ({reason})")]
    BadNetwork {
        path: PathBuf,
        index: usize,
        value: String,
        reason: String,
    },
    #[error("credentials file {path}, entry {index}: {message}")]
    Entry {
        path: PathBuf,
        index: usize,
        message: String,
    },
    #[error("password file {path} is empty")]
    EmptyPassword { path: PathBuf },
    #[error("--user needs a password: give --password-file FILE or set CAMAUDIT_PASSWORD")]
    NoPassword,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    credentials: Vec<FileEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    networks: Vec<String>,
    username: String,
    password_file: PathBuf,
}

impl CredentialSet {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn push(&mut self, c: Credential) {
        self.entries.push(c);
    }

    /// The first credential whose networks contain `ip`.
    pub fn for_ip(&self, ip: IpAddr) -> Option<&Credential> {
        self.entries
            .iter()
            .find(|c| c.networks.iter().any(|n| n.contains(&ip)))
    }

    /// Loads a credentials file (`[[credentials]]` entries). Relative `password_file` paths are
    /// resolved against the credentials file's folder.
    pub fn load(path: &Path) -> Result<Self, CredentialError> {
        let text = read_private(path)?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        let mut set = Self::default();
        for e in parse_file(&text, path)? {
            let password = read_password_file(&base.join(&e.password_file))?;
            set.push(Credential {
                username: e.username,
                password,
                networks: e.networks,
            });
        }
        Ok(set)
    }
}

/// One `[[credentials]]` entry as written and checked, its password file not yet read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialEntry {
    pub networks: Vec<IpNet>,
    pub username: String,
    /// As written (relative paths are relative to the credentials file).
    pub password_file: PathBuf,
}

/// Parses and checks the text of a credentials file without touching the file system; `path`
/// only names the file in errors. [`CredentialSet::load`] is this plus the file reads.
pub fn parse_file(text: &str, path: &Path) -> Result<Vec<CredentialEntry>, CredentialError> {
    let doc: FileDoc = toml::from_str(text).map_err(|e| CredentialError::Parse {
        path: path.to_owned(),
        message: e.message().to_owned(),
    })?;
    let mut out = Vec::with_capacity(doc.credentials.len());
    for (i, e) in doc.credentials.into_iter().enumerate() {
        let index = i + 1;
        if e.username.is_empty() {
            return Err(CredentialError::Entry {
                path: path.to_owned(),
                index,
                message: "username is empty".into(),
            });
        }
        if e.networks.is_empty() {
            return Err(CredentialError::Entry {
                path: path.to_owned(),
                index,
                message: "networks is empty: say which networks may receive this credential".into(),
            });
        }
        let mut networks = Vec::new();
        for n in &e.networks {
            networks.push(
                parse_network(n).map_err(|reason| CredentialError::BadNetwork {
                    path: path.to_owned(),
                    index,
                    value: n.clone(),
                    reason,
                })?,
            );
        }
        out.push(CredentialEntry {
            networks,
            username: e.username,
            password_file: e.password_file,
        });
    }
    Ok(out)
}

/// Parses `10.0.0.0/24` or a bare address (a /32 or /128).
pub fn parse_network(s: &str) -> Result<IpNet, String> {
    if let Ok(n) = s.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    s.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|e| e.to_string())
}

/// Reads the first line of a password file, refusing world-readable files.
pub fn read_password_file(path: &Path) -> Result<Secret, CredentialError> {
    let text = read_private(path)?;
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if line.is_empty() {
        return Err(CredentialError::EmptyPassword {
            path: path.to_owned(),
        });
    }
    Ok(Secret::new(line.to_owned()))
}

fn read_private(path: &Path) -> Result<String, CredentialError> {
    use std::os::unix::fs::PermissionsExt;
    let read_err = |source| CredentialError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o004 != 0 {
        return Err(CredentialError::WorldReadable {
            path: path.to_owned(),
            mode,
        });
    }
    std::fs::read_to_string(path).map_err(read_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("camaudit-cred-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn loads_entries_and_binds_them_to_networks() {
        let d = tempdir("ok");
        write(&d, "pw", "s3cret\nignored\n", 0o600);
        let f = write(
            &d,
            "creds.toml",
            "[[credentials]]\nnetworks = [\"10.20.0.0/24\", \"10.30.0.5\"]\nusername = \"audit\"\npassword_file = \"pw\"\n",
            0o600,
        );
        let set = CredentialSet::load(&f).unwrap();
        let c = set.for_ip("10.20.0.31".parse().unwrap()).unwrap();
        assert_eq!(c.username, "audit");
        assert_eq!(c.password.expose(), "s3cret");
        assert!(set.for_ip("10.30.0.5".parse().unwrap()).is_some());
        assert!(set.for_ip("10.20.1.1".parse().unwrap()).is_none());
        assert!(!format!("{set:?}").contains("s3cret"));
    }

    #[test]
    fn refuses_world_readable_files_and_bad_networks() {
        let d = tempdir("bad");
        let pw = write(&d, "pw", "x\n", 0o644);
        assert!(matches!(
            read_password_file(&pw),
            Err(CredentialError::WorldReadable { .. })
        ));
        write(&d, "pw2", "x\n", 0o600);
        let f = write(
            &d,
            "c.toml",
            "[[credentials]]\nnetworks = [\"10.20.0.0/33\"]\nusername = \"a\"\npassword_file = \"pw2\"\n",
            0o600,
        );
        let e = CredentialSet::load(&f).unwrap_err().to_string();
        assert!(e.contains("entry 1") && e.contains("10.20.0.0/33"), "{e}");
        let f = write(&d, "c2.toml", "[[credentials]]\nnetwork = []\n", 0o600);
        assert!(matches!(
            CredentialSet::load(&f),
            Err(CredentialError::Parse { .. })
        ));
    }
}

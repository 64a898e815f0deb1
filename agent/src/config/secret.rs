//! Where secret files live (a path, or a systemd credential) and reading them safely.

use std::path::{Path, PathBuf};

use crate::credentials::{self, Secret};

/// Resolves a secret file reference. `credential:NAME` and relative paths name a file in the
/// systemd credentials directory (`$CREDENTIALS_DIRECTORY`, from `LoadCredential=`) when the
/// service has one; otherwise relative paths are relative to the configuration file's folder.
pub(crate) fn resolve(
    value: &str,
    base: &Path,
    creds_dir: Option<&Path>,
) -> Result<PathBuf, String> {
    if let Some(name) = value.strip_prefix("credential:") {
        if name.is_empty() || name.contains('/') || name == ".." {
            return Err(format!("{value:?}: a credential name is one file name"));
        }
        let Some(dir) = creds_dir else {
            return Err(format!(
                "{value:?} names a systemd credential but CREDENTIALS_DIRECTORY is not set \
                 (use LoadCredential= in the unit, or give a path)"
            ));
        };
        return Ok(dir.join(name));
    }
    let p = Path::new(value);
    if p.is_absolute() {
        return Ok(p.to_owned());
    }
    Ok(match creds_dir {
        Some(dir) => dir.join(p),
        None => base.join(p),
    })
}

/// Reads the first line of a password file; refuses world-readable files.
pub(crate) fn read_password(path: &Path) -> Result<Secret, String> {
    credentials::read_password_file(path).map_err(|e| e.to_string())
}

/// Checks that a private key file exists and is not world-readable.
pub(crate) fn check_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o004 != 0 {
        return Err(format!(
            "{} is readable by every user (mode {mode:o}); run `chmod o-r {}`",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_paths_and_credentials() {
        let base = Path::new("/etc/camaudit");
        let creds = Path::new("/run/credentials/camaudit.service");
        let cases: [(&str, Option<&Path>, Result<&str, ()>); 7] = [
            ("/abs/pw", None, Ok("/abs/pw")),
            ("/abs/pw", Some(creds), Ok("/abs/pw")),
            ("pw", None, Ok("/etc/camaudit/pw")),
            (
                "pw",
                Some(creds),
                Ok("/run/credentials/camaudit.service/pw"),
            ),
            (
                "credential:mqtt-pw",
                Some(creds),
                Ok("/run/credentials/camaudit.service/mqtt-pw"),
            ),
            ("credential:mqtt-pw", None, Err(())),
            ("credential:../x", Some(creds), Err(())),
        ];
        for (v, dir, want) in cases {
            let got = resolve(v, base, dir);
            match want {
                Ok(p) => assert_eq!(got.unwrap(), PathBuf::from(p), "{v}"),
                Err(()) => assert!(got.is_err(), "{v}"),
            }
        }
    }

    #[test]
    fn refuses_world_readable_secrets() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pw");
        std::fs::write(&p, "s3cret\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = read_password(&p).unwrap_err();
        assert!(e.contains("readable by every user"), "{e}");
        assert!(!e.contains("s3cret"));
        assert!(check_private(&p).is_err());
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(read_password(&p).unwrap().expose(), "s3cret");
        assert!(check_private(&p).is_ok());
    }
}

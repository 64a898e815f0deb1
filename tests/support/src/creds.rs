//! Credentials files for a simulated fleet, as an operator would write them: one
//! `[[credentials]]` entry per camera that needs a login, bound to that camera's /32, with its
//! password in a private file beside it.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::fleet::FleetSpec;

/// Writes `credentials.toml` and one password file per camera into `dir` (mode 0600) and
/// returns the path of the TOML file. Cameras in `withhold` get no entry.
pub fn write_credentials(
    spec: &FleetSpec,
    dir: &Path,
    withhold: &[std::net::Ipv4Addr],
) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let mut toml = String::new();
    for cam in &spec.cameras {
        if withhold.contains(&cam.ip) {
            continue;
        }
        let Some((user, pass)) = cam.auth.credentials() else {
            continue;
        };
        let pw_name = format!("pw-{}", cam.ip);
        private_write(&dir.join(&pw_name), &format!("{pass}\n"))?;
        toml.push_str(&format!(
            "[[credentials]]\nnetworks = [\"{}/32\"]\nusername = \"{}\"\npassword_file = \"{}\"\n\n",
            cam.ip, user, pw_name
        ));
    }
    let path = dir.join("credentials.toml");
    private_write(&path, &toml)?;
    Ok(path)
}

fn private_write(path: &Path, text: &str) -> io::Result<()> {
    std::fs::write(path, text)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

//! TLS material generated per test with rcgen: a CA, the broker's certificate (127.0.0.1 and
//! localhost), client certificates whose CN is the client's name, and a rogue CA.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

pub struct Pki {
    dir: PathBuf,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    ca_params: CertificateParams,
    ca_key_pem: String,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write key");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

impl Pki {
    pub fn generate(dir: &Path) -> Self {
        let ca_key = KeyPair::generate().expect("ca key");
        let params = ca_params("camaudit test CA");
        let ca_cert = params.self_signed(&ca_key).expect("ca cert");
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, ca_cert.pem()).expect("write ca");
        let pki = Self {
            dir: dir.to_owned(),
            ca,
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            ca_params: params,
            ca_key_pem: ca_key.serialize_pem(),
        };
        pki.issue(
            vec!["127.0.0.1".into(), "localhost".into()],
            "broker",
            &pki.server_cert,
            &pki.server_key,
        );
        pki
    }

    fn issue(&self, sans: Vec<String>, cn: &str, cert: &Path, key: &Path) {
        let ca_key = KeyPair::from_pem(&self.ca_key_pem).expect("ca key");
        let issuer = Issuer::new(self.ca_params.clone(), ca_key);
        let k = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(sans).expect("params");
        p.distinguished_name.push(DnType::CommonName, cn);
        let c = p.signed_by(&k, &issuer).expect("sign");
        std::fs::write(cert, c.pem()).expect("write cert");
        write_private(key, &k.serialize_pem());
    }

    /// A client certificate (CN = `name`) signed by the test CA: (cert, key) paths.
    pub fn client(&self, name: &str) -> (PathBuf, PathBuf) {
        let cert = self.dir.join(format!("client-{name}.pem"));
        let key = self.dir.join(format!("client-{name}.key"));
        if !cert.exists() {
            self.issue(Vec::new(), name, &cert, &key);
        }
        (cert, key)
    }

    /// A client certificate for `name` signed by a CA the broker does not trust.
    pub fn rogue_client(&self, name: &str) -> (PathBuf, PathBuf) {
        let rogue_key = KeyPair::generate().expect("rogue ca key");
        let rogue = Issuer::new(ca_params("rogue CA"), rogue_key);
        let k = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name.push(DnType::CommonName, name);
        let c = p.signed_by(&k, &rogue).expect("sign");
        let cert = self.dir.join(format!("rogue-{name}.pem"));
        let key = self.dir.join(format!("rogue-{name}.key"));
        std::fs::write(&cert, c.pem()).expect("write");
        write_private(&key, &k.serialize_pem());
        (cert, key)
    }
}

//! TLS for the broker connection: rustls with the ring provider (no aws-lc), trust anchored in
//! a private CA file, and an optional client certificate for mutual TLS.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("CA file {path}: {reason}")]
    Ca { path: PathBuf, reason: String },
    #[error("client certificate {path}: {reason}")]
    Cert { path: PathBuf, reason: String },
    #[error("client key {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// Makes ring the process-wide rustls provider (a no-op when one is installed already).
pub fn install_ring_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client configuration trusting only the CAs in `ca_file`, with `client` (certificate chain
/// and key PEM files) for mutual TLS.
pub fn client_config(
    ca_file: &Path,
    client: Option<(&Path, &Path)>,
) -> Result<Arc<ClientConfig>, TlsError> {
    install_ring_provider();
    let ca_err = |reason: String| TlsError::Ca {
        path: ca_file.to_owned(),
        reason,
    };
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca_file).map_err(|e| ca_err(e.to_string()))?;
    for c in certs {
        let c = c.map_err(|e| ca_err(e.to_string()))?;
        roots.add(c).map_err(|e| ca_err(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(ca_err("no certificate in the file".into()));
    }
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                .and_then(|it| it.collect::<Result<_, _>>())
                .map_err(|e| TlsError::Cert {
                    path: cert.to_owned(),
                    reason: e.to_string(),
                })?;
            if chain.is_empty() {
                return Err(TlsError::Cert {
                    path: cert.to_owned(),
                    reason: "no certificate in the file".into(),
                });
            }
            // The error of a key parse never contains key material.
            let k = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
                path: key.to_owned(),
                reason: e.to_string(),
            })?;
            builder
                .with_client_auth_cert(chain, k)
                .map_err(|e| TlsError::Config(e.to_string()))?
        }
    };
    Ok(Arc::new(config))
}

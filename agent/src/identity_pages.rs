//! Vendor identity pages over HTTP: Hikvision ISAPI `/ISAPI/System/deviceInfo` and Dahua
//! `magicBox.cgi?action=getSystemInfo`. Read with GET only, from the device's own address, and
//! answered with HTTP Digest only when the device asks and credentials are configured for its
//! network (never Basic). The `Server` banner and login realms are kept as evidence whatever the
//! outcome; a login demanded where no credentials are configured is not an error. A transport
//! failure costs one request timeout.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use camaudit_attribution::VendorReply;
use camaudit_protocol::record::AuthUsed;
use camaudit_protocol::{isapi, magicbox};
use tracing::debug;

use crate::discovery::{IdentitySource, VendorIdentity};
use crate::http;
use crate::interrogate::{Ctx, observe_http, random_hex};

/// An identity page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Page {
    /// Hikvision family.
    IsapiDeviceInfo,
    /// Dahua family.
    MagicBoxSystemInfo,
}

impl Page {
    pub fn path(self) -> &'static str {
        match self {
            Self::IsapiDeviceInfo => isapi::DEVICE_INFO_PATH,
            Self::MagicBoxSystemInfo => magicbox::SYSTEM_INFO_PATH,
        }
    }

    pub fn source(self) -> IdentitySource {
        match self {
            Self::IsapiDeviceInfo => IdentitySource::Isapi,
            Self::MagicBoxSystemInfo => IdentitySource::MagicBox,
        }
    }

    /// The page a device of this maker family serves, by canonical maker name.
    pub fn for_maker(maker: &str) -> Option<Self> {
        use camaudit_attribution::Maker;
        match Maker::from_name(maker).map(Maker::family)? {
            Maker::Hikvision => Some(Self::IsapiDeviceInfo),
            Maker::Dahua => Some(Self::MagicBoxSystemInfo),
            _ => None,
        }
    }
}

/// What reading one page gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRead {
    pub page: Page,
    pub identity: Option<VendorIdentity>,
    pub http_servers: Vec<String>,
    pub realms: Vec<String>,
    pub auth: AuthUsed,
    pub errors: Vec<String>,
}

/// GETs `page` from `ip:port`. Never fails: problems are recorded in `errors`.
pub async fn read(ip: Ipv4Addr, port: u16, page: Page, ctx: &Ctx) -> PageRead {
    let mut out = PageRead {
        page,
        identity: None,
        http_servers: Vec::new(),
        realms: Vec::new(),
        auth: AuthUsed::NotTried,
        errors: Vec::new(),
    };
    let addr = SocketAddr::new(IpAddr::V4(ip), port);
    let host = if port == 80 {
        ip.to_string()
    } else {
        addr.to_string()
    };
    let req = http::Request::get(addr, &host, page.path());
    let what = page.source().describe();
    let credential = ctx.credentials.for_ip(IpAddr::V4(ip));
    let has_credentials = credential.is_some();
    let sent = match credential {
        Some(c) => http::send_with_digest(
            &req,
            &ctx.limits,
            &c.username,
            c.password.expose(),
            &random_hex(16),
        )
        .await
        .map(|(resp, outcome)| {
            out.realms.extend(outcome.realms);
            (resp, outcome.digest_used)
        }),
        None => http::send(&req, &ctx.limits).await.map(|r| (r, false)),
    };
    let (resp, digest_used) = match sent {
        Ok(r) => r,
        Err(e) => {
            out.errors.push(format!("{what}: {e}"));
            return out;
        }
    };
    observe_http(&resp, &mut out.http_servers, &mut out.realms);
    debug!(%ip, page = page.path(), status = resp.status, bytes = resp.body.len(), "identity page");
    match resp.status {
        200 => {
            out.auth = if digest_used {
                AuthUsed::HttpDigest
            } else {
                AuthUsed::None
            };
            match parse(page, &resp.body) {
                Ok(id) => out.identity = Some(id),
                Err(e) => out.errors.push(format!("{what}: {e}")),
            }
        }
        // A login page without configured credentials is the normal state of a device we
        // only found, not an error: its realm is kept, the access stays untried.
        401 if !has_credentials => {}
        401 => {
            out.auth = AuthUsed::Failed;
            out.errors.push(if digest_used {
                format!("{what}: the device refused our credentials")
            } else {
                format!("{what}: the device offered no usable Digest challenge")
            });
        }
        s => out.errors.push(format!("{what}: HTTP status {s}")),
    }
    out
}

/// Why a page body gave no identity.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    #[error(transparent)]
    Isapi(#[from] isapi::Error),
    #[error(transparent)]
    MagicBox(#[from] magicbox::Error),
    #[error("the device answered with ISAPI status {code:?} ({text})")]
    Refused { code: Option<i64>, text: String },
}

/// The identity in a page body.
pub fn parse(page: Page, body: &[u8]) -> Result<VendorIdentity, PageError> {
    match page {
        Page::IsapiDeviceInfo => match isapi::parse_device_info(body)? {
            isapi::Response::DeviceInfo(d) => Ok(VendorIdentity {
                source: IdentitySource::Isapi,
                manufacturer: d.manufacturer.clone(),
                model: d.model.clone(),
                serial: d.serial.clone(),
                mac: d.mac,
                firmware: d.firmware(),
                http_port: None,
                reply: Some(VendorReply::IsapiDeviceInfo {
                    manufacturer: d.manufacturer.clone(),
                    oem_code: d.oem_code.clone(),
                    model: d.model.clone(),
                }),
            }),
            isapi::Response::Status(s) => Err(PageError::Refused {
                code: s.status_code,
                text: s.status_string.unwrap_or_default(),
            }),
            _ => Err(PageError::Refused {
                code: None,
                text: "unknown reply".into(),
            }),
        },
        Page::MagicBoxSystemInfo => {
            let info = magicbox::parse(body)?;
            Ok(VendorIdentity {
                source: IdentitySource::MagicBox,
                manufacturer: info.vendor.clone(),
                model: info.model().map(str::to_owned),
                serial: info.serial.clone(),
                mac: None,
                firmware: info.software_version.clone(),
                http_port: None,
                reply: info
                    .update_serial
                    .clone()
                    .map(|update_serial| VendorReply::DahuaUpdateSerial { update_serial }),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../protocol/fixtures/real/",
                $name
            ))
        };
    }

    #[test]
    fn identity_from_real_pages() {
        let table: [(Page, &[u8], &str, Option<VendorReply>); 3] = [
            (
                Page::IsapiDeviceInfo,
                fixture!("hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml"),
                "manufacturer=hikvision; model=DS-2CD2386G2-IU; \
                 serial=DS-2CD2386G2-IU00000000AAWRJ00000000; mac=a6:63:9e:f8:01:09; \
                 firmware=V5.7.18 build 240826",
                Some(VendorReply::IsapiDeviceInfo {
                    manufacturer: Some("hikvision".into()),
                    oem_code: Some("1".into()),
                    model: Some("DS-2CD2386G2-IU".into()),
                }),
            ),
            (
                Page::MagicBoxSystemInfo,
                fixture!("amcrest-ip4m-1041b-magicbox-getsysteminfo.txt"),
                "model=IP4M-1041B; serial=12345",
                Some(VendorReply::DahuaUpdateSerial {
                    update_serial: "IPC-AW46WN-S2".into(),
                }),
            ),
            (
                Page::MagicBoxSystemInfo,
                fixture!("lorex-nvr-dhi-nvr4108hs-8p-4ks2-magicbox-getsysteminfo.txt"),
                "serial=ND0219110NNNNN",
                Some(VendorReply::DahuaUpdateSerial {
                    update_serial: "DHI-NVR4108HS-8P-4KS2".into(),
                }),
            ),
        ];
        for (page, body, summary, reply) in table {
            let id = parse(page, body).unwrap();
            assert_eq!(id.summary(), summary);
            assert_eq!(id.reply, reply);
            assert_eq!(id.source, page.source());
        }
        assert!(parse(Page::IsapiDeviceInfo, b"<html>login</html>").is_err());
        assert!(parse(Page::MagicBoxSystemInfo, b"Error\r\nBad Request!\r\n").is_err());
    }

    #[test]
    fn pages_by_maker_family() {
        assert_eq!(Page::for_maker("Hikvision"), Some(Page::IsapiDeviceInfo));
        assert_eq!(Page::for_maker("Dahua"), Some(Page::MagicBoxSystemInfo));
        assert_eq!(Page::for_maker("Axis"), None);
        assert_eq!(Page::for_maker("nobody"), None);
    }
}

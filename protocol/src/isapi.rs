//! Hikvision ISAPI identity page: `GET /ISAPI/System/deviceInfo` and its `<DeviceInfo>` reply
//! (also the `<ResponseStatus>` a device sends instead when it refuses).
//!
//! Read-only by construction: this module only names the GET path ([`DEVICE_INFO_PATH`]) and
//! parses the reply. It never builds a PUT/POST body (`/ISAPI/Security/…`, `/ISAPI/System/reboot`,
//! `/ISAPI/System/factoryReset`, activation or user changes).
//!
//! The schema namespace varies by brand and generation (`hikvision.com`, `isapi.org`,
//! `std-cgi.com`, `std-cgi.org`, `isapi.com`, each `/ver20/XMLSchema`), and trimmed replies carry
//! none; elements are matched on their local name under any of these, or under no namespace.

use crate::mac::Mac;
use crate::xml;

/// The identity page.
pub const DEVICE_INFO_PATH: &str = "/ISAPI/System/deviceInfo";
/// The same page on pre-ISAPI firmware.
pub const LEGACY_DEVICE_INFO_PATH: &str = "/System/deviceInfo";
/// Schema namespaces seen on devices and in client code.
pub const NAMESPACES: [&str; 5] = [
    "http://www.hikvision.com/ver20/XMLSchema",
    "http://www.isapi.org/ver20/XMLSchema",
    "http://www.std-cgi.com/ver20/XMLSchema",
    "http://www.std-cgi.org/ver20/XMLSchema",
    "http://www.isapi.com/ver20/XMLSchema",
];
/// Largest body we read; a deviceInfo page is about 1.5 KiB.
pub const MAX_BODY: usize = 64 * 1024;

const LIMITS: xml::Limits = xml::Limits {
    max_bytes: MAX_BODY,
    max_depth: 16,
    max_elements: 1024,
    max_text: 4096,
};
const MAX_VALUE: usize = 256;
/// Hosts whose `/verNN/XMLSchema` namespaces are ISAPI schemas.
const HOSTS: [&str; 5] = [
    "hikvision.com",
    "isapi.org",
    "std-cgi.com",
    "std-cgi.org",
    "isapi.com",
];

/// Why a body is not an ISAPI reply we can read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("ISAPI body is not well-formed XML: {0}")]
    Xml(#[from] xml::Error),
    #[error("ISAPI body has root <{found}> in namespace {namespace:?}, expected <DeviceInfo>")]
    UnexpectedRoot {
        found: String,
        namespace: Option<String>,
    },
}

/// What `/ISAPI/System/deviceInfo` returned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    DeviceInfo(Box<DeviceInfo>),
    /// `<ResponseStatus>`: the device refused or failed (e.g. status 4 "Invalid Operation").
    Status(ResponseStatus),
}

/// An ISAPI `<ResponseStatus>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseStatus {
    pub status_code: Option<i64>,
    pub status_string: Option<String>,
    pub sub_status_code: Option<String>,
}

/// The fields of `<DeviceInfo>` that identify a device and its maker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The schema namespace the reply used (`None` when it declared none): an OEM signal.
    pub namespace: Option<String>,
    /// User-set name.
    pub device_name: Option<String>,
    /// A UUID whose tail is often the MAC.
    pub device_id: Option<String>,
    pub device_description: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub sub_serial: Option<String>,
    pub mac: Option<Mac>,
    pub firmware_version: Option<String>,
    pub firmware_released_date: Option<String>,
    pub firmware_version_info: Option<String>,
    pub encoder_version: Option<String>,
    pub encoder_released_date: Option<String>,
    pub boot_version: Option<String>,
    pub hardware_version: Option<String>,
    pub device_type: Option<String>,
    /// Missing on many units; lower-case `hikvision` on genuine ones.
    pub manufacturer: Option<String>,
    /// `1` on genuine Hikvision units.
    pub oem_code: Option<String>,
    pub customized_info: Option<String>,
    pub market_type: Option<String>,
}

impl DeviceInfo {
    /// Firmware version and build in one string, the way SADP and ONVIF report it:
    /// `V5.7.18` + `build 240826` → `V5.7.18 build 240826`.
    pub fn firmware(&self) -> Option<String> {
        let v = self.firmware_version.as_deref()?;
        Some(match self.firmware_released_date.as_deref() {
            Some(d) => format!("{v} {d}"),
            None => v.to_owned(),
        })
    }
}

/// True for a namespace URI an ISAPI device may put its schema under: `http(s)://[www.]HOST/verNN/XMLSchema`
/// for the known hosts.
pub fn is_isapi_namespace(uri: &str) -> bool {
    let Some(rest) = uri
        .strip_prefix("http://")
        .or_else(|| uri.strip_prefix("https://"))
    else {
        return false;
    };
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let Some((host, path)) = rest.split_once('/') else {
        return false;
    };
    let version_ok = path
        .strip_suffix("/XMLSchema")
        .and_then(|v| v.strip_prefix("ver"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()));
    version_ok && HOSTS.iter().any(|h| host.eq_ignore_ascii_case(h))
}

fn accepted(ns: Option<&str>) -> bool {
    ns.is_none_or(is_isapi_namespace)
}

/// Parses the body of `GET /ISAPI/System/deviceInfo`.
pub fn parse_device_info(body: &[u8]) -> Result<Response, Error> {
    let doc = xml::parse_with(body, LIMITS)?;
    let root = doc.root();
    let field = |name: &str| {
        root.children()
            .find(|c| accepted(c.namespace()) && c.local_name() == name)
            .and_then(|c| xml::clean_value(c.text(), MAX_VALUE))
    };
    let unexpected = || Error::UnexpectedRoot {
        found: root.local_name().chars().take(64).collect(),
        namespace: root.namespace().map(|n| n.chars().take(128).collect()),
    };
    if !accepted(root.namespace()) {
        return Err(unexpected());
    }
    match root.local_name() {
        "DeviceInfo" => {}
        "ResponseStatus" => {
            return Ok(Response::Status(ResponseStatus {
                status_code: field("statusCode").and_then(|s| s.parse().ok()),
                status_string: field("statusString"),
                sub_status_code: field("subStatusCode"),
            }));
        }
        _ => return Err(unexpected()),
    }
    Ok(Response::DeviceInfo(Box::new(DeviceInfo {
        namespace: root.namespace().map(str::to_owned),
        device_name: field("deviceName"),
        device_id: field("deviceID"),
        device_description: field("deviceDescription"),
        model: field("model"),
        serial: field("serialNumber"),
        sub_serial: field("subSerialNumber"),
        mac: field("macAddress").and_then(|s| Mac::parse(&s).ok()),
        firmware_version: field("firmwareVersion"),
        firmware_released_date: field("firmwareReleasedDate"),
        firmware_version_info: field("firmwareVersionInfo"),
        encoder_version: field("encoderVersion"),
        encoder_released_date: field("encoderReleasedDate"),
        boot_version: field("bootVersion"),
        hardware_version: field("hardwareVersion"),
        device_type: field("deviceType"),
        manufacturer: field("manufacturer"),
        oem_code: field("OEMCode"),
        customized_info: field("customizedInfo"),
        market_type: field("marketType"),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/real/",
                $name
            ))
        };
    }

    fn info(body: &[u8]) -> DeviceInfo {
        match parse_device_info(body) {
            Ok(Response::DeviceInfo(d)) => *d,
            other => panic!("expected DeviceInfo, got {other:?}"),
        }
    }

    #[test]
    fn hikvision_ds_2cd2386g2_iu() {
        let d = info(fixture!("hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml"));
        assert_eq!(d.namespace.as_deref(), Some(NAMESPACES[0]));
        assert_eq!(d.model.as_deref(), Some("DS-2CD2386G2-IU"));
        assert_eq!(
            d.serial.as_deref(),
            Some("DS-2CD2386G2-IU00000000AAWRJ00000000")
        );
        assert_eq!(
            d.mac.map(|m| m.to_string()).as_deref(),
            Some("a6:63:9e:f8:01:09")
        );
        assert_eq!(d.firmware().as_deref(), Some("V5.7.18 build 240826"));
        assert_eq!(d.encoder_version.as_deref(), Some("V7.3"));
        assert_eq!(d.hardware_version.as_deref(), Some("0x0"));
        assert_eq!(d.device_type.as_deref(), Some("IPCamera"));
        assert_eq!(d.manufacturer.as_deref(), Some("hikvision"));
        assert_eq!(d.oem_code.as_deref(), Some("1"));
        assert_eq!(
            d.device_id.as_deref(),
            Some("6aff4000-1f90-00b0-0000-000c00000000")
        );
        assert_eq!(d.device_name.as_deref(), Some("yard"));
        assert_eq!(d.firmware_version_info.as_deref(), Some("B-R-G5-0"));
        assert_eq!(d.sub_serial.as_deref(), Some("J00000000"));
        assert_eq!((d.customized_info, d.market_type), (None, None));
    }

    #[test]
    fn lts_oem_without_namespace() {
        let d = info(fixture!("lts-cmip7352w-isapi-deviceinfo-trimmed.xml"));
        assert_eq!(d.namespace, None);
        assert_eq!(d.model.as_deref(), Some("CMIP7352W"));
        assert_eq!(d.serial.as_deref(), Some("CMIP7352W20170428AAWR756864499"));
        assert_eq!(
            d.mac.map(|m| m.to_string()).as_deref(),
            Some("14:2f:fd:02:1a:36")
        );
        assert_eq!(d.firmware().as_deref(), Some("V5.6.2"));
        assert_eq!(d.device_name.as_deref(), Some("Back Porch"));
        assert_eq!((d.manufacturer, d.oem_code), (None, None));
    }

    #[test]
    fn every_known_namespace_and_prefixes_are_accepted() {
        let hik = std::str::from_utf8(fixture!("hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml"))
            .unwrap();
        for ns in NAMESPACES
            .iter()
            .copied()
            .chain(["https://isapi.org/ver10/XMLSchema"])
        {
            let body = hik.replace(NAMESPACES[0], ns);
            let d = info(body.as_bytes());
            assert_eq!(d.namespace.as_deref(), Some(ns));
            assert_eq!(d.model.as_deref(), Some("DS-2CD2386G2-IU"), "{ns}");
        }
        let prefixed = r#"<h:DeviceInfo xmlns:h="http://www.std-cgi.com/ver20/XMLSchema">
            <h:model>ACR4-40</h:model><h:customizedInfo>X</h:customizedInfo>
            <h:marketType>2</h:marketType></h:DeviceInfo>"#;
        let d = info(prefixed.as_bytes());
        assert_eq!(d.model.as_deref(), Some("ACR4-40"));
        assert_eq!(d.customized_info.as_deref(), Some("X"));
        assert_eq!(d.market_type.as_deref(), Some("2"));
    }

    #[test]
    fn namespace_rule() {
        let cases = [
            ("http://www.hikvision.com/ver20/XMLSchema", true),
            ("http://isapi.com/ver20/XMLSchema", true),
            ("http://www.ISAPI.org/ver10/XMLSchema", true),
            ("http://www.hikvision.com/ver20/XMLSchemaX", false),
            ("http://www.hikvision.com/verX/XMLSchema", false),
            ("http://www.example.com/ver20/XMLSchema", false),
            ("http://www.onvif.org/ver10/schema", false),
            ("urn:x", false),
        ];
        for (uri, want) in cases {
            assert_eq!(is_isapi_namespace(uri), want, "{uri}");
        }
    }

    #[test]
    fn response_status_and_foreign_documents() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ResponseStatus version="1.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<requestURL>/ISAPI/System/deviceInfo</requestURL><statusCode>4</statusCode>
<statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode>
</ResponseStatus>"#;
        let Ok(Response::Status(s)) = parse_device_info(body) else {
            panic!("not a status")
        };
        assert_eq!(s.status_code, Some(4));
        assert_eq!(s.status_string.as_deref(), Some("Invalid Operation"));
        assert_eq!(s.sub_status_code.as_deref(), Some("notSupport"));

        // A DeviceInfo from another schema (an ONVIF-ish one) is not ISAPI.
        let other = br#"<DeviceInfo xmlns="http://www.onvif.org/ver10/schema"><model>x</model></DeviceInfo>"#;
        assert!(matches!(
            parse_device_info(other),
            Err(Error::UnexpectedRoot { .. })
        ));
        assert!(matches!(
            parse_device_info(b"<html><body>401</body></html>"),
            Err(Error::UnexpectedRoot { .. })
        ));
        assert!(matches!(parse_device_info(b""), Err(Error::Xml(_))));
        assert!(matches!(
            parse_device_info(b"<!DOCTYPE d [<!ENTITY x \"y\">]><DeviceInfo/>"),
            Err(Error::Xml(xml::Error::Dtd))
        ));
    }
}

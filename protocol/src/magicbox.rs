//! Dahua identity pages under `/cgi-bin/magicBox.cgi` (`getSystemInfo`, `getDeviceType`,
//! `getVendor`, `getSoftwareVersion`, `getSerialNo`, `getDeviceClass`): their GET paths and a
//! parser for the `key=value` lines they return.
//!
//! Read-only by construction: only the `get…` identity actions above are named here. This module
//! never names `magicBox.cgi?action=reboot`, `shutdown`, `resetSystemEx`, `configManager.cgi`
//! `setConfig`, or any user/password action.
//!
//! Dahua OEM units (Amcrest, Lorex, Intelbras…) answer with their own `deviceType` but keep the
//! Dahua model in `updateSerial`: a direct OEM tell.

/// `getSystemInfo`: deviceType, serialNumber, updateSerial, hardwareVersion, processor…
pub const SYSTEM_INFO_PATH: &str = "/cgi-bin/magicBox.cgi?action=getSystemInfo";
/// `getDeviceType`: `type=DH-XVR5108C-X`.
pub const DEVICE_TYPE_PATH: &str = "/cgi-bin/magicBox.cgi?action=getDeviceType";
/// `getVendor`: `vendor=Dahua` (or the OEM's name).
pub const VENDOR_PATH: &str = "/cgi-bin/magicBox.cgi?action=getVendor";
/// `getSoftwareVersion`: `version=2.800.0000000.13.R,build:2020-01-01`.
pub const SOFTWARE_VERSION_PATH: &str = "/cgi-bin/magicBox.cgi?action=getSoftwareVersion";
/// `getSerialNo`: `sn=…`.
pub const SERIAL_NO_PATH: &str = "/cgi-bin/magicBox.cgi?action=getSerialNo";
/// `getDeviceClass`: `class=IPC`.
pub const DEVICE_CLASS_PATH: &str = "/cgi-bin/magicBox.cgi?action=getDeviceClass";
/// Every identity page, in the order worth asking.
pub const IDENTITY_PATHS: [&str; 6] = [
    SYSTEM_INFO_PATH,
    DEVICE_TYPE_PATH,
    VENDOR_PATH,
    SOFTWARE_VERSION_PATH,
    SERIAL_NO_PATH,
    DEVICE_CLASS_PATH,
];
/// Largest body we read; these pages are a few hundred bytes.
pub const MAX_BODY: usize = 16 * 1024;

/// Most lines read.
const MAX_LINES: usize = 128;
/// Longest value kept.
const MAX_VALUE: usize = 512;

/// Why a body is not a magicBox reply we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("magicBox body is {len} bytes, over the {MAX_BODY}-byte limit")]
    TooLarge { len: usize },
    #[error("magicBox body has more than {MAX_LINES} lines")]
    TooManyLines,
    #[error("device answered with an error: {message:?}")]
    Device { message: String },
    #[error("magicBox body holds no key=value line")]
    NoPairs,
}

/// Identity fields from one or more magicBox pages. [`MagicBoxInfo::merge`] combines pages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MagicBoxInfo {
    /// `deviceType` (getSystemInfo): the model, or a numeric class such as `31` on NVRs.
    pub device_type: Option<String>,
    /// `type` (getDeviceType): the model, with the `DH-` prefix on genuine units.
    pub type_name: Option<String>,
    /// `serialNumber` (getSystemInfo) or `sn` (getSerialNo).
    pub serial: Option<String>,
    /// `updateSerial`: the Dahua firmware family/model behind an OEM name.
    pub update_serial: Option<String>,
    pub update_serial_cloud_upgrade: Option<String>,
    pub hardware_version: Option<String>,
    pub processor: Option<String>,
    pub app_auto_start: Option<String>,
    /// `vendor` (getVendor).
    pub vendor: Option<String>,
    /// `version` (getSoftwareVersion).
    pub software_version: Option<String>,
    /// `class` (getDeviceClass).
    pub device_class: Option<String>,
}

impl MagicBoxInfo {
    /// The retail model: `type` if known, else `deviceType` unless it is a bare number.
    pub fn model(&self) -> Option<&str> {
        self.type_name.as_deref().or_else(|| {
            self.device_type
                .as_deref()
                .filter(|t| !t.bytes().all(|c| c.is_ascii_digit()))
        })
    }

    /// Fills every field still empty from `other` (another page of the same device).
    pub fn merge(&mut self, other: Self) {
        macro_rules! take {
            ($($f:ident),*) => { $( if self.$f.is_none() { self.$f = other.$f; } )* };
        }
        take!(
            device_type,
            type_name,
            serial,
            update_serial,
            update_serial_cloud_upgrade,
            hardware_version,
            processor,
            app_auto_start,
            vendor,
            software_version,
            device_class
        );
    }
}

/// Parses any magicBox identity page.
pub fn parse(body: &[u8]) -> Result<MagicBoxInfo, Error> {
    let pairs = pairs(body)?;
    let mut info = MagicBoxInfo::default();
    for (key, value) in pairs {
        let slot = match key.as_str() {
            "deviceType" => &mut info.device_type,
            "type" => &mut info.type_name,
            "serialNumber" | "sn" => &mut info.serial,
            "updateSerial" => &mut info.update_serial,
            "updateSerialCloudUpgrade" => &mut info.update_serial_cloud_upgrade,
            "hardwareVersion" => &mut info.hardware_version,
            "processor" => &mut info.processor,
            "appAutoStart" => &mut info.app_auto_start,
            "vendor" => &mut info.vendor,
            "version" => &mut info.software_version,
            "class" => &mut info.device_class,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    Ok(info)
}

/// The `key=value` lines of a body, split on the first `=`, trimmed, empty values dropped.
/// CRLF and LF both end lines.
pub fn pairs(body: &[u8]) -> Result<Vec<(String, String)>, Error> {
    if body.len() > MAX_BODY {
        return Err(Error::TooLarge { len: body.len() });
    }
    let text = String::from_utf8_lossy(body);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut out = Vec::new();
    let mut first = true;
    let mut count = 0usize;
    while let Some(line) = lines.next() {
        count += 1;
        if count > MAX_LINES {
            return Err(Error::TooManyLines);
        }
        // Dahua's failure body is "Error\r\nBad Request!\r\n" (or similar) with status 200/400.
        if first && line.eq_ignore_ascii_case("error") {
            let message = lines
                .next()
                .unwrap_or_default()
                .chars()
                .take(MAX_VALUE)
                .collect();
            return Err(Error::Device { message });
        }
        first = false;
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if !is_key(k) || v.is_empty() {
            continue;
        }
        out.push((
            k.chars().take(MAX_VALUE).collect(),
            v.chars().take(MAX_VALUE).collect(),
        ));
    }
    if out.is_empty() {
        return Err(Error::NoPairs);
    }
    Ok(out)
}

/// Dahua keys are identifiers, possibly dotted and indexed (`table.Network.eth0.IPAddress`,
/// `netInterface[0].Name`). Anything else (`<?xml version`, HTML) is not a key.
fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'[' | b']' | b'-'))
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

    #[test]
    fn every_system_info_capture() {
        struct Case {
            file: &'static [u8],
            device_type: Option<&'static str>,
            model: Option<&'static str>,
            serial: &'static str,
            update_serial: &'static str,
            processor: &'static str,
            hardware: Option<&'static str>,
        }
        let cases = [
            Case {
                file: fixture!("amcrest-ip4m-1041b-magicbox-getsysteminfo.txt"),
                device_type: Some("IP4M-1041B"),
                model: Some("IP4M-1041B"),
                serial: "12345",
                update_serial: "IPC-AW46WN-S2",
                processor: "SSC327DE",
                hardware: Some("1.00"),
            },
            Case {
                file: fixture!("dahua-ipc-hdw5831r-ze-magicbox-getsysteminfo.txt"),
                device_type: Some("IPC-HDW5831R-ZE"),
                model: Some("IPC-HDW5831R-ZE"),
                serial: "4X7C5A1ZAG21L3F",
                update_serial: "IPC-HDW5830R-Z",
                processor: "S3LM",
                hardware: Some("1.00"),
            },
            Case {
                file: fixture!("lorex-nvr-dhi-nvr4108hs-8p-4ks2-magicbox-getsysteminfo.txt"),
                device_type: Some("31"),
                model: None,
                serial: "ND0219110NNNNN",
                update_serial: "DHI-NVR4108HS-8P-4KS2",
                processor: "ST7108",
                hardware: None,
            },
            Case {
                file: fixture!("dahua-dh-nvr608h-128-4ks3-i-magicbox-getsysteminfo.txt"),
                device_type: Some("31"),
                model: None,
                serial: "AJ0C56APAZ4145B",
                update_serial: "DH-NVR608H-128-4KS3/I",
                processor: "ST7108",
                hardware: None,
            },
            Case {
                file: fixture!("dahua-xvr5108c-x-magicbox-getsysteminfo.txt"),
                device_type: None,
                model: None,
                serial: "...",
                update_serial: "XVR5108C-X",
                processor: "ST7108",
                hardware: None,
            },
        ];
        for c in cases {
            let i = parse(c.file).unwrap();
            assert_eq!(
                i.device_type.as_deref(),
                c.device_type,
                "{}",
                c.update_serial
            );
            assert_eq!(i.model(), c.model, "{}", c.update_serial);
            assert_eq!(i.serial.as_deref(), Some(c.serial));
            assert_eq!(i.update_serial.as_deref(), Some(c.update_serial));
            assert_eq!(i.processor.as_deref(), Some(c.processor));
            assert_eq!(i.hardware_version.as_deref(), c.hardware);
        }
        let a = parse(fixture!("amcrest-ip4m-1041b-magicbox-getsysteminfo.txt")).unwrap();
        assert_eq!(
            a.update_serial_cloud_upgrade.as_deref(),
            Some("IPC-AW46WN-.....")
        );
        assert_eq!(a.app_auto_start.as_deref(), Some("true"));
        // Split on the first '=' only; the colon blob is one value.
        let d = parse(fixture!("dahua-ipc-hdw5831r-ze-magicbox-getsysteminfo.txt")).unwrap();
        assert!(
            d.update_serial_cloud_upgrade
                .unwrap()
                .starts_with("IPC-HDW5830R-Z:07:01:08")
        );
    }

    #[test]
    fn device_type_page_and_merge() {
        let t = parse(fixture!("dahua-xvr5108c-x-magicbox-getdevicetype.txt")).unwrap();
        assert_eq!(
            t.type_name.as_deref(),
            Some("DH-XVR5108C-X"),
            "trailing space trimmed"
        );
        let mut s = parse(fixture!("dahua-xvr5108c-x-magicbox-getsysteminfo.txt")).unwrap();
        assert_eq!(s.model(), None);
        s.merge(t);
        assert_eq!(s.model(), Some("DH-XVR5108C-X"));
        assert_eq!(s.update_serial.as_deref(), Some("XVR5108C-X"));
    }

    #[test]
    fn small_pages_and_crlf() {
        let vendor = parse(b"vendor=Amcrest\r\n").unwrap();
        assert_eq!(vendor.vendor.as_deref(), Some("Amcrest"));
        let version = parse(b"version=2.800.0000000.13.R,build:2020-01-01\r\n").unwrap();
        assert_eq!(
            version.software_version.as_deref(),
            Some("2.800.0000000.13.R,build:2020-01-01")
        );
        let sn = parse(b"sn=6C01E93PAG69A7D\r\n").unwrap();
        assert_eq!(sn.serial.as_deref(), Some("6C01E93PAG69A7D"));
        let class = parse(b"class=IPC\r\n").unwrap();
        assert_eq!(class.device_class.as_deref(), Some("IPC"));
    }

    #[test]
    fn rejects_errors_and_junk() {
        assert_eq!(
            parse(b"Error\r\nBad Request!\r\n"),
            Err(Error::Device {
                message: "Bad Request!".into()
            })
        );
        assert_eq!(parse(b""), Err(Error::NoPairs));
        assert_eq!(
            parse(b"<html><body>401 Unauthorized</body></html>"),
            Err(Error::NoPairs)
        );
        assert_eq!(parse(b"=x\r\nk=\r\n"), Err(Error::NoPairs));
        assert_eq!(
            parse(b"<?xml version=\"1.0\"?>\n<a b=\"c\"/>"),
            Err(Error::NoPairs)
        );
        assert_eq!(
            parse(&vec![b'a'; MAX_BODY + 1]),
            Err(Error::TooLarge { len: MAX_BODY + 1 })
        );
        assert_eq!(
            parse("a=b\n".repeat(200).as_bytes()),
            Err(Error::TooManyLines)
        );
        // First value wins; unknown keys are ignored.
        let i = parse(b"deviceType=A\r\ndeviceType=B\r\nfoo=bar\r\n").unwrap();
        assert_eq!(i.device_type.as_deref(), Some("A"));
    }
}

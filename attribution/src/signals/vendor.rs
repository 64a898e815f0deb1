//! Replies to vendor-only protocols and APIs: SADP, DHIP, Hikvision ISAPI, Dahua CGI.
//!
//! Only Hikvision-family firmware answers SADP and serves ISAPI; only Dahua-family firmware
//! answers DHIP and reports an `updateSerial`. One such reply settles the maker.

use super::{Group, Hit, Strength, bounded, model};
use crate::VendorReply;
use crate::makers::Maker;

/// Evidence from one vendor reply, plus the brand the reply names, if any.
pub(crate) fn reply(r: &VendorReply, hits: &mut Vec<Hit>) -> Option<String> {
    match r {
        VendorReply::Sadp {
            model: m,
            serial: _,
            oem_info,
        } => {
            let value = m
                .as_deref()
                .map(bounded)
                .filter(|v| !v.is_empty())
                .unwrap_or("SADP reply");
            let mut detail = String::from(
                "answered Hikvision SADP (UDP 37020), spoken only by Hikvision-family firmware",
            );
            if let Some(oem) = oem_info.as_deref().map(bounded).filter(|v| !v.is_empty()) {
                detail.push_str("; OEMInfo ");
                detail.push_str(oem);
            }
            hits.push(
                Hit::new("sadp-reply", value, Group::Vendor)
                    .pointing(Maker::Hikvision, Strength::Vendor)
                    .detail(detail),
            );
            None
        }
        VendorReply::Dhip {
            vendor,
            device_type,
            serial: _,
        } => {
            let value = device_type
                .as_deref()
                .map(bounded)
                .filter(|v| !v.is_empty())
                .unwrap_or("DHIP reply");
            let mut detail = String::from(
                "answered Dahua DHIP (UDP 37810), spoken only by Dahua-family firmware",
            );
            let vendor = vendor.as_deref().map(bounded).filter(|v| !v.is_empty());
            if let Some(v) = vendor {
                detail.push_str("; Vendor ");
                detail.push_str(v);
            }
            hits.push(
                Hit::new("dhip-reply", value, Group::Vendor)
                    .pointing(Maker::Dahua, Strength::Vendor)
                    .detail(detail),
            );
            vendor.map(str::to_owned)
        }
        VendorReply::IsapiDeviceInfo {
            manufacturer,
            oem_code,
            model: _,
        } => {
            let code = oem_code.as_deref().map(str::trim).filter(|v| !v.is_empty());
            let value = code.unwrap_or("ISAPI deviceInfo");
            let detail = match code {
                Some("1") => {
                    "served Hikvision ISAPI deviceInfo; OEMCode 1 is Hikvision's own firmware"
                        .to_owned()
                }
                Some(c) => format!(
                    "served Hikvision ISAPI deviceInfo; OEMCode {} marks OEM firmware",
                    bounded(c)
                ),
                None => "served Hikvision ISAPI deviceInfo".to_owned(),
            };
            hits.push(
                Hit::new("isapi-oem", value, Group::Vendor)
                    .pointing(Maker::Hikvision, Strength::Vendor)
                    .detail(detail),
            );
            manufacturer
                .as_deref()
                .map(bounded)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        }
        VendorReply::DahuaUpdateSerial { update_serial } => {
            let value = bounded(update_serial);
            let detail = match model::family(value) {
                Some(t) if t.maker == Maker::Dahua => format!(
                    "Dahua CGI names the Dahua firmware family {value} ({})",
                    t.label
                ),
                _ => format!("Dahua CGI names the Dahua firmware family {value}"),
            };
            hits.push(
                Hit::new("dahua-update-serial", value, Group::Vendor)
                    .pointing(Maker::Dahua, Strength::Vendor)
                    .detail(detail),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_replies_settle_the_family() {
        // Values from protocol/fixtures/real: hikvision-ds-2cd2385g1-i-sadp-probematch.xml,
        // intelbras-ss3530-mf-face-w-dhip-notifydevinfo.json,
        // amcrest-ip4m-1041b-magicbox-getsysteminfo.txt, hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml.
        let table: Vec<(VendorReply, &str, Maker, Option<&str>)> = vec![
            (
                VendorReply::Sadp {
                    model: Some("DS-2CD2385G1-I".into()),
                    serial: None,
                    oem_info: None,
                },
                "sadp-reply",
                Maker::Hikvision,
                None,
            ),
            (
                VendorReply::Dhip {
                    vendor: Some("Intelbras".into()),
                    device_type: Some("SS 3530 MF FACE W".into()),
                    serial: None,
                },
                "dhip-reply",
                Maker::Dahua,
                Some("Intelbras"),
            ),
            (
                VendorReply::DahuaUpdateSerial {
                    update_serial: "IPC-AW46WN-S2".into(),
                },
                "dahua-update-serial",
                Maker::Dahua,
                None,
            ),
            (
                VendorReply::IsapiDeviceInfo {
                    manufacturer: Some("hikvision".into()),
                    oem_code: Some("1".into()),
                    model: None,
                },
                "isapi-oem",
                Maker::Hikvision,
                Some("hikvision"),
            ),
        ];
        for (r, signal, maker, brand) in table {
            let mut hits = Vec::new();
            assert_eq!(reply(&r, &mut hits).as_deref(), brand, "{r:?}");
            assert_eq!(hits.len(), 1);
            assert_eq!(
                (hits[0].signal, hits[0].indicates, hits[0].strength),
                (signal, Some(maker), Strength::Vendor)
            );
        }
    }
}

//! camaudit-attribution: names the company that really made a device, with the evidence, and
//! applies the policy lists. Pure: observations in, verdict out; no I/O, no clock.
//!
//! Layout: [`makers`] (canonical maker names), `brands` (what devices call themselves),
//! [`oui`] (IEEE MAC prefixes, generated table in `oui_table`), `signals` (one extractor per
//! kind of evidence), `verdict` (weighing), [`policy`] (the lists), [`explain`] (plain words).

pub mod explain;
pub mod makers;
pub mod oui;
pub mod policy;

mod brands;
mod oui_table;
mod signals;
mod verdict;

use camaudit_protocol::mac::Mac;
use camaudit_protocol::record::Attribution;

pub use explain::explain;
pub use makers::Maker;
pub use oui::{OuiEntry, OuiError, OuiRegistry, Registry};
pub use policy::{PolicyError, PolicyList, PolicySet};

use signals::identity::{self, BrandSeen};
use signals::{Group, Hit, Strength, bounded, firmware, model, serial, stack, vendor};

/// Everything the agent learned about one device that may say who made it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    pub mac: Option<Mac>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub hardware_id: Option<String>,
    /// Raw ONVIF scope URIs (from WS-Discovery or GetScopes).
    pub scopes: Vec<String>,
    /// XAddrs from discovery and GetCapabilities/GetServices.
    pub xaddrs: Vec<String>,
    /// Namespace URIs declared in the device's SOAP replies.
    pub namespaces: Vec<String>,
    /// Realms of HTTP Digest/Basic challenges.
    pub realms: Vec<String>,
    /// HTTP `Server` header values.
    pub http_servers: Vec<String>,
    /// WS-Discovery endpoint reference.
    pub endpoint: Option<String>,
    /// Replies to vendor-only discovery protocols and APIs.
    pub vendor: Vec<VendorReply>,
}

/// A reply to a protocol or API only one maker family's firmware speaks: the extension point
/// for the SADP, DHIP, ISAPI and Dahua CGI probes. One such reply settles the maker.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VendorReply {
    /// A Hikvision SADP `inquiry` answer (UDP 37020).
    Sadp {
        model: Option<String>,
        serial: Option<String>,
        oem_info: Option<String>,
    },
    /// A Dahua DHIP `client.notifyDevInfo` answer (UDP 37810).
    Dhip {
        vendor: Option<String>,
        device_type: Option<String>,
        serial: Option<String>,
    },
    /// Hikvision ISAPI `/ISAPI/System/deviceInfo`.
    IsapiDeviceInfo {
        manufacturer: Option<String>,
        oem_code: Option<String>,
        model: Option<String>,
    },
    /// Dahua `magicBox.cgi?action=getSystemInfo`: the `updateSerial` line.
    DahuaUpdateSerial { update_serial: String },
}

/// Attributes devices, optionally with a full IEEE registry for makers outside the built-in
/// table.
#[derive(Clone, Debug, Default)]
pub struct Attributor {
    registry: Option<OuiRegistry>,
}

/// Most entries examined per list field (namespaces, XAddrs, realms, banners, replies).
const MAX_ITEMS: usize = 64;

impl Attributor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `registry` for MAC prefixes the built-in table does not know.
    pub fn with_registry(mut self, registry: OuiRegistry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Attributes one device.
    pub fn attribute(&self, obs: &Observation) -> Attribution {
        let mut hits: Vec<Hit> = Vec::with_capacity(8);
        let oui_brand = obs.mac.as_ref().and_then(|m| self.mac_oui(m, &mut hits));
        let mut reply_brand = None;
        for r in obs.vendor.iter().take(MAX_ITEMS) {
            if let Some(name) = vendor::reply(r, &mut hits) {
                reply_brand = reply_brand.or_else(|| recognised_brand(&name));
            }
        }
        let maker_brand = obs
            .manufacturer
            .as_deref()
            .and_then(|m| identity::manufacturer("onvif-manufacturer", m, &mut hits));
        let scopes = identity::scopes(&obs.scopes, &mut hits);

        let mut series_brand = None;
        if let Some(m) = obs.model.as_deref().map(bounded)
            && let Some(t) = model::family(m)
        {
            series_brand = t.brand.and_then(recognised_brand);
            hits.push(trait_hit("model-family", m, Group::Model, t));
        }
        for r in &obs.vendor {
            if let VendorReply::Sadp { model: Some(m), .. }
            | VendorReply::Dhip {
                device_type: Some(m),
                ..
            } = r
                && series_brand.is_none()
            {
                series_brand = model::family(m)
                    .and_then(|t| t.brand)
                    .and_then(recognised_brand);
            }
        }
        if let Some(fw) = obs.firmware.as_deref().map(bounded)
            && let Some(t) = firmware::format(fw)
        {
            hits.push(trait_hit("firmware-format", fw, Group::Firmware, t));
        }
        // A serial from a vendor reply counts when the device reported none over ONVIF.
        let reply_serial = obs.vendor.iter().find_map(|r| match r {
            VendorReply::Sadp { serial, .. } | VendorReply::Dhip { serial, .. } => {
                serial.as_deref()
            }
            _ => None,
        });
        if let Some(sn) = obs.serial.as_deref().or(reply_serial).map(bounded)
            && let Some(t) = serial::layout(sn)
        {
            hits.push(
                Hit::new("serial-format", sn, Group::Serial)
                    .pointing(t.t.maker, t.t.strength)
                    .detail(t.detail),
            );
        }
        if let Some(id) = obs.hardware_id.as_deref().map(bounded)
            && let Some(t) = serial::hardware_id(id)
        {
            hits.push(trait_hit("hardware-id", id, Group::HardwareId, t));
        }
        list_hits(
            &obs.namespaces,
            "onvif-namespace",
            Group::Stack,
            stack::namespace,
            &mut hits,
        );
        list_hits(
            &obs.xaddrs,
            "xaddr-path",
            Group::Stack,
            stack::xaddr,
            &mut hits,
        );
        list_hits(
            &obs.realms,
            "auth-realm",
            Group::Realm,
            stack::realm,
            &mut hits,
        );
        list_hits(
            &obs.http_servers,
            "http-server",
            Group::Banner,
            stack::http_server,
            &mut hits,
        );

        let brand = maker_brand
            .or(scopes.brand)
            .or(reply_brand)
            .or(oui_brand)
            .or(series_brand);
        verdict::decide(hits, brand)
    }

    /// The `mac-oui` evidence; returns the brand when the registrant is a brand owner.
    fn mac_oui(&self, mac: &Mac, hits: &mut Vec<Hit>) -> Option<BrandSeen> {
        let entry =
            oui::lookup(mac).or_else(|| self.registry.as_ref().and_then(|r| r.lookup(mac)))?;
        let value = oui::prefix_text(mac, entry.registry);
        let mut detail = format!("IEEE {} {}", entry.registry, entry.organization);
        if let Some(note) = entry.note {
            detail.push_str("; ");
            detail.push_str(note);
        }
        if let Some(m) = entry.maker {
            hits.push(
                Hit::new("mac-oui", &value, Group::Oui)
                    .pointing(m, Strength::Strong)
                    .detail(detail),
            );
            return None;
        }
        let Some(display) = entry.brand else {
            hits.push(Hit::new("mac-oui", &value, Group::Oui).detail(detail));
            return None;
        };
        let known = brands::by_display(display);
        detail.push_str("; a brand owner: cameras sold under this brand are often made by an OEM");
        let mut hit = Hit::new("mac-oui", &value, Group::Identity).detail(detail);
        if let Some(brands::Relation::Oem(m)) = known.map(|b| b.relation) {
            hit = hit.pointing(m, Strength::Weak);
        }
        hits.push(hit);
        Some(BrandSeen {
            display: display.to_owned(),
            known,
        })
    }
}

fn trait_hit(signal: &'static str, value: &str, group: Group, t: signals::Trait) -> Hit {
    Hit::new(signal, value, group)
        .pointing(t.maker, t.strength)
        .detail(t.label)
}

fn recognised_brand(name: &str) -> Option<BrandSeen> {
    brands::recognise(name)
        .filter(|b| b.relation != brands::Relation::Placeholder)
        .map(|b| BrandSeen {
            display: b.display.to_owned(),
            known: Some(b),
        })
}

/// One hit per distinct trait found in a list field (forty namespaces name one stack).
fn list_hits(
    items: &[String],
    signal: &'static str,
    group: Group,
    f: impl Fn(&str) -> Option<signals::Trait>,
    hits: &mut Vec<Hit>,
) {
    let mut seen: Vec<&'static str> = Vec::new();
    for item in items.iter().take(MAX_ITEMS) {
        let item = bounded(item);
        let Some(t) = f(item) else { continue };
        if seen.contains(&t.label) {
            continue;
        }
        seen.push(t.label);
        hits.push(
            Hit::new(signal, item, group)
                .pointing(t.maker, t.strength)
                .detail(t.label),
        );
    }
}

/// Attributes one device with the built-in tables.
pub fn attribute(obs: &Observation) -> Attribution {
    Attributor::new().attribute(obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random strings: ASCII, separators, multi-byte characters and
    /// the prefixes the extractors look for, so every matcher sees hostile input.
    fn garbage(seed: &mut u64, max: usize) -> String {
        const PIECES: &[&str] = &[
            "DS-",
            "IPC-",
            "SD",
            "NVR",
            "V5.",
            "2.800.",
            ".R",
            "build ",
            "AAWR",
            "2019",
            "Login to ",
            "AXIS_",
            "onvif://www.onvif.org/",
            "name/",
            "hardware/",
            "%",
            "%e1%ba",
            "%zz",
            "/",
            " ",
            "_",
            "-",
            ".",
            "é",
            "€",
            "𝄞",
            "\u{0}",
            "Hikvision",
            "Dahua",
            "\t",
            "0",
            "9",
            "Z",
            "http://",
            "/onvif/hik_ext",
        ];
        let mut out = String::new();
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let n = usize::try_from(*seed >> 58).unwrap_or(0) % max;
        for _ in 0..n {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = usize::try_from(*seed >> 40).unwrap_or(0) % PIECES.len();
            out.push_str(PIECES[i]);
        }
        out
    }

    #[test]
    fn hostile_observations_never_panic_and_stay_bounded() {
        let mut seed = 7u64;
        let policy = PolicySet::builtin();
        for round in 0..3000 {
            let mut g = |max| garbage(&mut seed, max);
            let obs = Observation {
                mac: Mac::parse(&format!("{:012x}", round * 7919)).ok(),
                manufacturer: Some(g(40)),
                model: Some(g(40)),
                firmware: Some(g(40)),
                serial: Some(g(60)),
                hardware_id: Some(g(8)),
                scopes: (0..4).map(|_| g(30)).collect(),
                xaddrs: vec![g(20)],
                namespaces: vec![g(20)],
                realms: vec![g(20)],
                http_servers: vec![g(10)],
                endpoint: None,
                vendor: vec![
                    VendorReply::Sadp {
                        model: Some(g(20)),
                        serial: Some(g(40)),
                        oem_info: Some(g(10)),
                    },
                    VendorReply::DahuaUpdateSerial {
                        update_serial: g(20),
                    },
                ],
            };
            let a = attribute(&obs);
            let _ = policy.evaluate(&a);
            let _ = explain(&a);
            assert!(a.evidence.len() < 64, "round {round}");
            assert!(
                a.evidence
                    .iter()
                    .all(|e| e.value.len() <= signals::MAX_FIELD),
                "round {round}"
            );
        }
        // Very long values are cut, not copied whole into the evidence.
        let long = "DS-2CD".repeat(10_000);
        let a = attribute(&Observation {
            model: Some(long),
            ..Observation::default()
        });
        assert_eq!(a.maker.as_deref(), Some("Hikvision"));
        assert!(
            a.evidence
                .iter()
                .all(|e| e.value.len() <= signals::MAX_FIELD)
        );
    }

    #[test]
    fn a_runtime_registry_names_registrants_outside_the_table() {
        let csv = "Registry,Assignment,Organization Name,Organization Address\r\n\
MA-L,043926,China Dragon Technology Limited,\"B4 Bldg.Haoshan 1st Industry Park, Shenzhen Guangdong CN 518104 \"\r\n";
        let attributor = Attributor::new().with_registry(OuiRegistry::from_csv(csv).unwrap());
        // The EYEPLUS camera of home-assistant/core#63399: a Wi-Fi module maker's prefix.
        let obs = Observation {
            mac: Mac::parse("04:39:26:42:bb:a3").ok(),
            manufacturer: Some("EYEPLUS".into()),
            ..Observation::default()
        };
        let a = attributor.attribute(&obs);
        assert_eq!((a.maker, a.brand.as_deref()), (None, Some("EYEPLUS")));
        let oui = a.evidence.iter().find(|e| e.signal == "mac-oui").unwrap();
        assert_eq!(oui.value, "04:39:26");
        assert_eq!(oui.indicates, None);
        assert_eq!(
            oui.detail.as_deref(),
            Some("IEEE MA-L China Dragon Technology Limited")
        );
        // Without the registry the prefix is simply unknown.
        assert!(
            attribute(&obs)
                .evidence
                .iter()
                .all(|e| e.signal != "mac-oui")
        );
    }

    #[test]
    fn design_md_example_device() {
        // DESIGN.md section 2: an LTS-labelled Hikvision answering SADP.
        let obs = Observation {
            mac: Mac::parse("44:19:b6:a1:b2:c3").ok(),
            manufacturer: Some("LTS".into()),
            model: Some("CMIP3042W-28M".into()),
            firmware: Some("V5.5.0 build 170725".into()),
            hardware_id: Some("88".into()),
            vendor: vec![VendorReply::Sadp {
                model: Some("DS-2CD2042WD-I".into()),
                serial: None,
                oem_info: None,
            }],
            ..Observation::default()
        };
        let a = attribute(&obs);
        assert_eq!(a.maker.as_deref(), Some("Hikvision"));
        assert_eq!(a.brand.as_deref(), Some("LTS"));
        assert!(a.rebrand);
        assert_eq!(
            a.confidence,
            Some(camaudit_protocol::record::Confidence::High)
        );
        let oui = a.evidence.iter().find(|e| e.signal == "mac-oui").unwrap();
        assert_eq!(
            (
                oui.value.as_str(),
                oui.indicates.as_deref(),
                oui.detail.as_deref()
            ),
            (
                "44:19:b6",
                Some("Hikvision"),
                Some("IEEE MA-L Hangzhou Hikvision Digital Technology Co.,Ltd.")
            )
        );
        let sadp = a
            .evidence
            .iter()
            .find(|e| e.signal == "sadp-reply")
            .unwrap();
        assert_eq!(
            (sadp.value.as_str(), sadp.indicates.as_deref()),
            ("DS-2CD2042WD-I", Some("Hikvision"))
        );
        let p = PolicySet::builtin().evaluate(&a);
        assert!(p.restricted);
        assert_eq!(p.lists, ["us-ndaa-889", "uk-nil"]);
        assert_eq!(
            explain(&a).get(1).map(String::as_str),
            Some(
                "MAC 44:19:b6 is registered to Hangzhou Hikvision Digital Technology Co.,Ltd. (IEEE MA-L) → Hikvision"
            )
        );
    }
}

//! One device record from everything a scan learned about it. A [`Sighting`] is one discovery
//! reply with what interrogation and identity pages added; sightings are grouped by MAC, then
//! by IP; their identities are combined field by field (ONVIF first, then the vendor pages,
//! then the vendor discovery replies); attribution and policy weigh all of it; and every
//! source's own identity is kept as evidence.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use camaudit_attribution::{Observation, PolicySet};
use camaudit_protocol::mac::Mac;
use camaudit_protocol::record::{Access, AuthUsed, Device, Evidence, Reported};
use camaudit_protocol::wsdiscovery::Scopes;

use crate::discovery::{Found, IdentitySource, VendorIdentity, key_values};
use crate::identity_pages::PageRead;
use crate::interrogate::Identity;
use crate::url::strip_userinfo;

/// One discovery reply and what reading the device added to it.
#[derive(Clone, Debug)]
pub struct Sighting {
    pub found: Found,
    pub onvif: Identity,
    pub pages: Vec<PageRead>,
}

impl Sighting {
    pub fn new(found: Found, onvif: Identity) -> Self {
        Self {
            found,
            onvif,
            pages: Vec::new(),
        }
    }

    /// Vendor identities: the pages first (read with credentials, they are the fullest), then
    /// the discovery reply.
    fn vendor_identities(&self) -> impl Iterator<Item = &VendorIdentity> {
        self.pages
            .iter()
            .filter_map(|p| p.identity.as_ref())
            .chain(self.found.vendor.as_ref())
    }
}

/// The records of a whole scan: sightings of one device merged into one record.
pub fn devices(
    sightings: Vec<Sighting>,
    arp: &[(Ipv4Addr, Mac)],
    policy: &PolicySet,
    seen_at: &str,
) -> Vec<Device> {
    let mut devices: Vec<Device> = group(sightings, arp)
        .into_iter()
        .map(|g| device(&g, policy, seen_at))
        .collect();
    // Keys name MQTT topics: two records must never share one. Records kept apart despite a
    // shared (weak) MAC fall back to their address.
    let mut seen = std::collections::HashSet::new();
    for d in &mut devices {
        if !seen.insert(d.key.clone()) {
            d.key = Device::key_for(None, &d.ip);
            seen.insert(d.key.clone());
        }
    }
    devices
}

/// The record of one sighting (`camaudit probe`).
pub fn assemble(
    f: Found,
    id: Identity,
    arp: &[(Ipv4Addr, Mac)],
    policy: &PolicySet,
    seen_at: &str,
) -> Device {
    let s = Sighting::new(f, id);
    let mac = find_mac(&s, arp);
    device(&[(s, mac)], policy, seen_at)
}

type Part = (Sighting, Option<(Mac, &'static str)>);

/// Groups sightings by MAC; a sighting without a MAC joins the first group at its address, or
/// one of its own per address. A MAC guessed from an endpoint-reference tail does not count
/// here (Dahua's random uuids end in 12 hex digits too), nor does one from the neighbour table
/// (proxy ARP, a NAT box or a bridge shows one MAC for many addresses, and two hosts must not
/// become one record); the record still uses them when nothing better is known.
fn group(sightings: Vec<Sighting>, arp: &[(Ipv4Addr, Mac)]) -> Vec<Vec<Part>> {
    let mut groups: Vec<Vec<Part>> = Vec::new();
    let mut by_mac: HashMap<Mac, usize> = HashMap::new();
    let mut by_ip: HashMap<Ipv4Addr, usize> = HashMap::new();
    let mut without = Vec::new();
    for s in sightings {
        let mac = find_mac(&s, arp);
        let Some((m, _)) = mac.filter(|(_, src)| !matches!(*src, "endpoint" | "neighbour")) else {
            without.push((s, mac));
            continue;
        };
        let ip = s.found.ip;
        let i = *by_mac.entry(m).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        by_ip.entry(ip).or_insert(i);
        if let Some(g) = groups.get_mut(i) {
            g.push((s, mac));
        }
    }
    for (s, mac) in without {
        let i = *by_ip.entry(s.found.ip).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(g) = groups.get_mut(i) {
            g.push((s, mac));
        }
    }
    groups
}

/// MAC, in order of trust: the device's own GetNetworkInterfaces, its SADP/DHIP reply, its
/// ISAPI page, the kernel neighbour table, an ONVIF MAC scope, the EUI-64 of an IPv6
/// link-local XAddr, the endpoint-reference tail.
fn find_mac(s: &Sighting, arp: &[(Ipv4Addr, Mac)]) -> Option<(Mac, &'static str)> {
    let usable = |m: &Mac| m.0 != [0; 6] && !m.is_multicast();
    let (f, id) = (&s.found, &s.onvif);
    if let Some(ifs) = &id.interfaces {
        let m = ifs
            .interfaces
            .iter()
            .filter(|i| i.enabled != Some(false))
            .filter_map(|i| i.hw_address.as_deref().and_then(|h| Mac::parse(h).ok()))
            .find(usable);
        if let Some(m) = m {
            return Some((m, "onvif"));
        }
    }
    let mut vendor: Vec<&VendorIdentity> = s.vendor_identities().collect();
    vendor.sort_by_key(|v| mac_rank(v.source));
    if let Some((m, src)) = vendor
        .iter()
        .find_map(|v| v.mac.filter(usable).map(|m| (m, v.source.as_str())))
    {
        return Some((m, src));
    }
    if let Some((_, m)) = arp.iter().find(|(ip, m)| *ip == f.ip && usable(m)) {
        return Some((*m, "neighbour"));
    }
    let mut scopes = f.scopes.clone();
    scopes.extend(id.scopes.iter().cloned());
    if let Some(m) = Scopes::parse(&scopes)
        .mac
        .and_then(|s| Mac::parse(&s).ok())
        .filter(usable)
    {
        return Some((m, "scope"));
    }
    if let Some(m) = f.xaddrs.iter().find_map(|x| eui64_mac(x)).filter(usable) {
        return Some((m, "eui64"));
    }
    if let Some(m) = f.endpoint.as_deref().and_then(endpoint_mac).filter(usable) {
        return Some((m, "endpoint"));
    }
    None
}

/// Discovery replies describe the interface that sent them; pages may name another one.
fn mac_rank(s: IdentitySource) -> u8 {
    match s {
        IdentitySource::Sadp | IdentitySource::Dhip => 0,
        _ => 1,
    }
}

/// Which vendor identity fills a field first: pages, then discovery replies.
fn identity_rank(s: IdentitySource) -> u8 {
    match s {
        IdentitySource::Isapi => 0,
        IdentitySource::MagicBox => 1,
        IdentitySource::Sadp => 2,
        IdentitySource::Dhip => 3,
    }
}

/// The MAC inside an EUI-64 IPv6 address (`fe80::b6a3:82ff:fe0f:d92d` → `b4:a3:82:0f:d9:2d`).
fn eui64_mac(xaddr: &str) -> Option<Mac> {
    let u = crate::url::DeviceUrl::parse(xaddr)?;
    let IpAddr::V6(v6) = u.ip()? else { return None };
    let o = v6.octets();
    if o[11] != 0xff || o[12] != 0xfe {
        return None;
    }
    Some(Mac([o[8] ^ 0x02, o[9], o[10], o[13], o[14], o[15]]))
}

/// Many cameras end their endpoint uuid with their MAC (`urn:uuid:…-b4a3820fd92d`).
fn endpoint_mac(endpoint: &str) -> Option<Mac> {
    let tail = endpoint.rsplit('-').next()?;
    if tail.len() != 12 {
        return None;
    }
    let m = Mac::parse(tail).ok()?;
    (!m.is_local()).then_some(m)
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// What a group of sightings says, before attribution.
struct Combined {
    reported: Reported,
    observation: Observation,
    vendor: Vec<VendorIdentity>,
}

fn combine(parts: &[&Sighting], mac: Option<Mac>) -> Combined {
    let mut scopes = Vec::new();
    let mut all_xaddrs = Vec::new();
    let mut namespaces = Vec::new();
    let mut realms = Vec::new();
    let mut servers = Vec::new();
    let mut vendor: Vec<VendorIdentity> = Vec::new();
    for s in parts {
        for x in s.found.scopes.iter().chain(&s.onvif.scopes) {
            push_unique(&mut scopes, x.clone());
        }
        for x in s.found.xaddrs.iter().chain(&s.onvif.capability_xaddrs) {
            push_unique(&mut all_xaddrs, strip_userinfo(x));
        }
        for x in &s.onvif.namespaces {
            push_unique(&mut namespaces, x.clone());
        }
        let pages_realms = s.pages.iter().flat_map(|p| &p.realms);
        for r in s.onvif.realms.iter().chain(pages_realms) {
            push_unique(&mut realms, r.clone());
        }
        let pages_servers = s.pages.iter().flat_map(|p| &p.http_servers);
        for h in s.onvif.http_servers.iter().chain(pages_servers) {
            push_unique(&mut servers, h.clone());
        }
        for v in s.vendor_identities() {
            push_unique(&mut vendor, v.clone());
        }
    }
    vendor.sort_by_key(|v| identity_rank(v.source));
    let onvif = parts.iter().find(|s| s.onvif.info.is_some());
    let info = onvif.and_then(|s| s.onvif.info.clone()).unwrap_or_default();
    let decoded = Scopes::parse(&scopes);
    let pick = |own: Option<String>, field: fn(&VendorIdentity) -> Option<&String>| {
        own.or_else(|| vendor.iter().find_map(|v| field(v).cloned()))
    };
    let reported = Reported {
        manufacturer: pick(info.manufacturer.clone(), |v| v.manufacturer.as_ref()),
        model: pick(info.model.clone(), |v| v.model.as_ref()).or_else(|| decoded.hardware.clone()),
        firmware: pick(info.firmware_version.clone(), |v| v.firmware.as_ref()),
        serial: pick(info.serial_number.clone(), |v| v.serial.as_ref()),
        hardware_id: info.hardware_id.clone(),
        hostname: parts.iter().find_map(|s| s.onvif.hostname.clone()),
    };
    let observation = Observation {
        mac,
        // Vendor names reach attribution through their replies, never as an ONVIF
        // manufacturer.
        manufacturer: info.manufacturer.clone().or_else(|| decoded.name.clone()),
        model: reported.model.clone(),
        firmware: reported.firmware.clone(),
        serial: reported.serial.clone(),
        hardware_id: reported.hardware_id.clone(),
        scopes,
        xaddrs: all_xaddrs,
        namespaces,
        realms,
        http_servers: servers,
        endpoint: parts.iter().find_map(|s| s.found.endpoint.clone()),
        vendor: vendor.iter().filter_map(|v| v.reply.clone()).collect(),
    };
    Combined {
        reported,
        observation,
        vendor,
    }
}

/// The maker attribution names from one sighting alone (no neighbour table): used to pick the
/// identity page worth reading before the record is built.
pub fn maker_hint(s: &Sighting) -> Option<String> {
    let mac = find_mac(s, &[]).map(|(m, _)| m);
    camaudit_attribution::attribute(&combine(&[s], mac).observation).maker
}

fn device(group: &[Part], policy: &PolicySet, seen_at: &str) -> Device {
    let parts: Vec<&Sighting> = group.iter().map(|(s, _)| s).collect();
    let (mac, mac_source) = group
        .iter()
        .filter_map(|(_, m)| *m)
        .min_by_key(|(_, src)| MAC_SOURCES.iter().position(|x| x == src))
        .map_or((None, None), |(m, s)| (Some(m), Some(s)));
    let c = combine(&parts, mac);
    let mut attribution = camaudit_attribution::attribute(&c.observation);
    let onvif_info = parts.iter().find_map(|s| s.onvif.info.as_ref());
    if !c.vendor.is_empty() {
        if let Some(i) = onvif_info {
            attribution.evidence.push(Evidence {
                signal: "onvif-identity".into(),
                value: key_values(&[
                    ("manufacturer", i.manufacturer.as_deref()),
                    ("model", i.model.as_deref()),
                    ("serial", i.serial_number.as_deref()),
                    ("firmware", i.firmware_version.as_deref()),
                ]),
                indicates: None,
                detail: Some("ONVIF GetDeviceInformation".into()),
            });
        }
        for v in &c.vendor {
            let evidence = Evidence {
                signal: format!("{}-identity", v.source.as_str()),
                value: v.summary(),
                indicates: None,
                detail: Some(v.source.describe().into()),
            };
            push_unique(&mut attribution.evidence, evidence);
        }
    }
    let policy = policy.evaluate(&attribution);
    let first = parts.first().map(|s| &s.found);
    let ip = first.map(|f| f.ip.to_string()).unwrap_or_default();
    let mut xaddrs = Vec::new();
    let mut discovered_by = Vec::new();
    for s in &parts {
        for x in &s.found.xaddrs {
            push_unique(&mut xaddrs, strip_userinfo(x));
        }
        push_unique(&mut discovered_by, s.found.method);
    }
    discovered_by.sort();
    Device {
        key: Device::key_for(mac.as_ref(), &ip),
        ip,
        mac,
        mac_source: mac_source.map(str::to_owned),
        endpoint: c.observation.endpoint.as_deref().map(strip_userinfo),
        xaddrs,
        discovered_by,
        reported: c.reported,
        attribution,
        policy,
        access: access(&parts),
        first_seen: seen_at.to_owned(),
        last_seen: seen_at.to_owned(),
    }
}

/// Every MAC source, most trusted first.
const MAC_SOURCES: [&str; 9] = [
    "onvif",
    "sadp",
    "dhip",
    "isapi",
    "magicbox",
    "neighbour",
    "scope",
    "eui64",
    "endpoint",
];

/// ONVIF's access outcome when ONVIF was tried, else the best page outcome; every error.
fn access(parts: &[&Sighting]) -> Access {
    let rank = |a: AuthUsed| match a {
        AuthUsed::WsSecurity | AuthUsed::HttpDigest => 0,
        AuthUsed::None => 1,
        AuthUsed::Failed => 2,
        _ => 3,
    };
    let onvif = parts
        .iter()
        .map(|s| s.onvif.auth)
        .filter(|a| *a != AuthUsed::NotTried)
        .min_by_key(|a| rank(*a));
    let pages = parts
        .iter()
        .flat_map(|s| s.pages.iter().map(|p| p.auth))
        .min_by_key(|a| rank(*a));
    let mut errors = Vec::new();
    for s in parts {
        for e in s
            .onvif
            .errors
            .iter()
            .chain(s.pages.iter().flat_map(|p| &p.errors))
        {
            push_unique(&mut errors, e.clone());
        }
    }
    Access {
        auth: onvif.or(pages).unwrap_or_default(),
        errors,
    }
}

#[cfg(test)]
mod tests {
    use camaudit_protocol::record::Method;
    use camaudit_protocol::{dhip, onvif, sadp};

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
    fn recovers_macs_from_eui64_and_endpoint_tails() {
        // hikvision-ds-2cd3955fwd-iws-probematch.xml: both carry b4:a3:82:0f:d9:2d.
        let m = eui64_mac("http://[fe80::b6a3:82ff:fe0f:d92d]/onvif/device_service").unwrap();
        assert_eq!(m.to_string(), "b4:a3:82:0f:d9:2d");
        let m = endpoint_mac("urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d").unwrap();
        assert_eq!(m.to_string(), "b4:a3:82:0f:d9:2d");
        assert!(eui64_mac("http://[fe80::1]/x").is_none());
        assert!(endpoint_mac("urn:uuid:abc").is_none());
    }

    fn sadp_found(ip: &str) -> Found {
        let sadp::Message::Reply(r) =
            sadp::parse(fixture!("hikvision-ds-2cd2385g1-i-sadp-probematch.xml")).unwrap()
        else {
            panic!()
        };
        Found {
            vendor: Some(VendorIdentity::from_sadp(&r)),
            method: Method::Sadp,
            ..Found::direct(ip.parse().unwrap(), Vec::new())
        }
    }

    fn dhip_found(ip: &str) -> Found {
        let dhip::Message::DevInfo(r) =
            dhip::parse_body(fixture!("dahua-ipc-hdw1431t1-s4-dhip-notifydevinfo.json")).unwrap()
        else {
            panic!()
        };
        Found {
            vendor: Some(VendorIdentity::from_dhip(&r)),
            method: Method::Dhip,
            ..Found::direct(ip.parse().unwrap(), Vec::new())
        }
    }

    /// The DS-2CD2385G1-I's own WS-Discovery reply (body fragment) as a WS-Discovery sighting.
    fn wsd_found(ip: &str) -> Found {
        let body = fixture!("hikvision-ds-2cd2385g1-i-probematch-body-fragment.xml");
        let text = String::from_utf8_lossy(body);
        let between = |open: &str, close: &str| {
            let a = text.find(open).unwrap() + open.len();
            let b = text[a..].find(close).unwrap() + a;
            text[a..b].to_owned()
        };
        let scopes = between("<d:Scopes>", "</d:Scopes>");
        Found {
            method: Method::WsDiscovery,
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            ..Found::direct(ip.parse().unwrap(), Vec::new())
        }
    }

    fn onvif_info(manufacturer: &str, model: &str) -> Identity {
        Identity {
            info: Some(onvif::DeviceInformation {
                manufacturer: Some(manufacturer.into()),
                model: Some(model.into()),
                ..Default::default()
            }),
            auth: AuthUsed::None,
            ..Identity::default()
        }
    }

    #[test]
    fn one_device_answering_two_methods_is_one_record_with_both_identities() {
        let policy = PolicySet::builtin();
        let sightings = vec![
            Sighting::new(
                wsd_found("192.168.124.40"),
                onvif_info("LTS", "CMIP3042W-28M"),
            ),
            Sighting::new(sadp_found("192.168.124.40"), Identity::default()),
            // A Dahua device heard over DHIP only.
            Sighting::new(dhip_found("192.168.124.17"), Identity::default()),
        ];
        let devices = devices(sightings, &[], &policy, "2026-01-01T00:00:00Z");
        assert_eq!(devices.len(), 2, "{devices:#?}");
        let hik = &devices[0];
        assert_eq!(hik.key, "5850ed1fe385");
        assert_eq!(hik.mac_source.as_deref(), Some("sadp"));
        assert_eq!(hik.discovered_by, [Method::WsDiscovery, Method::Sadp]);
        // ONVIF's own words first, SADP fills the rest.
        assert_eq!(hik.reported.manufacturer.as_deref(), Some("LTS"));
        assert_eq!(hik.reported.model.as_deref(), Some("CMIP3042W-28M"));
        assert_eq!(
            hik.reported.serial.as_deref(),
            Some("DS-2CD2385G1-I20200414AAWRE33842150")
        );
        assert_eq!(
            hik.reported.firmware.as_deref(),
            Some("V5.6.2 build 190701")
        );
        assert_eq!(hik.attribution.maker.as_deref(), Some("Hikvision"));
        assert!(hik.attribution.rebrand);
        let signals: Vec<&str> = hik
            .attribution
            .evidence
            .iter()
            .map(|e| e.signal.as_str())
            .collect();
        for s in ["mac-oui", "sadp-reply", "onvif-identity", "sadp-identity"] {
            assert!(signals.contains(&s), "{s} missing from {signals:?}");
        }
        let raw = hik
            .attribution
            .evidence
            .iter()
            .find(|e| e.signal == "sadp-identity")
            .unwrap();
        assert!(raw.value.contains("model=DS-2CD2385G1-I"), "{}", raw.value);

        let dahua = &devices[1];
        assert_eq!(
            (dahua.key.as_str(), dahua.discovered_by.as_slice()),
            ("08eded87427a", [Method::Dhip].as_slice())
        );
        assert_eq!(dahua.reported.model.as_deref(), Some("IPC-HDW1431T1-S4"));
        assert_eq!(
            dahua.reported.firmware.as_deref(),
            Some("2.800.0000000.13.R")
        );
        assert_eq!(dahua.attribution.maker.as_deref(), Some("Dahua"));
        assert!(dahua.policy.restricted);
        assert_eq!(dahua.access.auth, AuthUsed::NotTried);
    }

    #[test]
    fn an_endpoint_guess_does_not_keep_a_device_apart() {
        let policy = PolicySet::builtin();
        // Dahua endpoints are random version-4 uuids: the tail is no MAC.
        let wsd = Found {
            method: Method::WsDiscovery,
            endpoint: Some("uuid:5d3c2b1a-0f9e-4d8c-b7a6-123456789abc".into()),
            ..Found::direct("192.168.124.17".parse().unwrap(), Vec::new())
        };
        let sightings = vec![
            Sighting::new(wsd, Identity::default()),
            Sighting::new(dhip_found("192.168.124.17"), Identity::default()),
        ];
        let devices = devices(sightings, &[], &policy, "t");
        assert_eq!(devices.len(), 1, "{devices:#?}");
        assert_eq!(
            (devices[0].key.as_str(), devices[0].mac_source.as_deref()),
            ("08eded87427a", Some("dhip"))
        );
        // Alone, the guess is still the best there is.
        let lone = Found {
            endpoint: Some("urn:uuid:18ec6401-3aa0-11b5-83f6-b4a3820fd92d".into()),
            ..Found::direct("192.168.124.40".parse().unwrap(), Vec::new())
        };
        let d = assemble(lone, Identity::default(), &[], &policy, "t");
        assert_eq!(d.mac_source.as_deref(), Some("endpoint"));
    }

    #[test]
    fn sightings_without_a_mac_merge_by_address() {
        let policy = PolicySet::builtin();
        // WS-Discovery found the device, its MAC unknown (no GetNetworkInterfaces, no
        // neighbour entry); SADP at the same address knows it.
        let mut wsd = wsd_found("192.168.124.40");
        wsd.scopes.retain(|s| !s.contains("/MAC/"));
        let lone = wsd_found("192.168.124.99");
        let sightings = vec![
            Sighting::new(wsd.clone(), onvif_info("HIKVISION", "DS-2CD2385G1-I")),
            Sighting::new(sadp_found("192.168.124.40"), Identity::default()),
            Sighting::new(
                Found {
                    scopes: Vec::new(),
                    ..lone
                },
                Identity::default(),
            ),
        ];
        let devices = devices(sightings, &[], &policy, "t");
        let keys: Vec<&str> = devices.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["5850ed1fe385", "ip-192.168.124.99"]);
        assert_eq!(
            devices[0].discovered_by,
            [Method::WsDiscovery, Method::Sadp]
        );
    }

    #[test]
    fn one_neighbour_mac_for_two_addresses_keeps_two_records() {
        // Behind proxy ARP or a bridge, the neighbour table shows one MAC for many hosts.
        let policy = PolicySet::builtin();
        let shared = Mac::parse("02:42:ac:11:00:02").unwrap();
        let arp = [
            ("192.168.124.41".parse().unwrap(), shared),
            ("192.168.124.42".parse().unwrap(), shared),
        ];
        let mut a = wsd_found("192.168.124.41");
        let mut b = wsd_found("192.168.124.42");
        for f in [&mut a, &mut b] {
            f.scopes.retain(|s| !s.contains("/MAC/"));
            f.endpoint = None;
            f.xaddrs.retain(|x| !x.contains('['));
        }
        let sightings = vec![
            Sighting::new(a, Identity::default()),
            Sighting::new(b, Identity::default()),
        ];
        let devices = devices(sightings, &arp, &policy, "t");
        let ips: Vec<&str> = devices.iter().map(|d| d.ip.as_str()).collect();
        assert_eq!(ips, ["192.168.124.41", "192.168.124.42"]);
        let keys: Vec<&str> = devices.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["0242ac110002", "ip-192.168.124.42"]);
    }
}

//! Device records and scan reports built directly from the protocol's record types (the live
//! scan's attribution is not needed to test publishing).

use camaudit_protocol::mac::Mac;
use camaudit_protocol::record::{
    Access, Attribution, AuthUsed, Confidence, Device, Method, Policy, Reported, SCAN_SCHEMA,
    ScanReport, Summary,
};

/// Camera `n` (distinct MAC and IP), with `firmware`; every third is a restricted rebrand.
pub fn camera(n: u32, firmware: &str) -> Device {
    let b = n.to_be_bytes();
    let mac = Mac([0x44, 0x19, 0xb6, b[1], b[2], b[3]]);
    let ip = format!("10.20.{}.{}", (n / 250) % 250, n % 250 + 1);
    let restricted = n.is_multiple_of(3);
    Device {
        key: mac.key(),
        ip: ip.clone(),
        mac: Some(mac),
        mac_source: Some("neighbour".into()),
        endpoint: Some(format!("urn:uuid:00000000-0000-0000-0000-{}", mac.key())),
        xaddrs: vec![format!("http://{ip}/onvif/device_service")],
        discovered_by: vec![Method::WsDiscovery],
        reported: Reported {
            manufacturer: Some(if restricted { "LTS" } else { "Axis" }.into()),
            model: Some(format!("MODEL-{n}")),
            firmware: Some(firmware.into()),
            serial: Some(format!("SN{n:08}")),
            hardware_id: None,
            hostname: None,
        },
        attribution: Attribution {
            maker: Some(if restricted { "Hikvision" } else { "Axis" }.into()),
            brand: Some(if restricted { "LTS" } else { "Axis" }.into()),
            rebrand: restricted,
            confidence: Some(Confidence::High),
            evidence: Vec::new(),
        },
        policy: Policy {
            restricted,
            lists: if restricted {
                vec!["us-ndaa-889".into(), "uk-nil".into()]
            } else {
                Vec::new()
            },
        },
        access: Access {
            auth: AuthUsed::None,
            errors: Vec::new(),
        },
        first_seen: "2026-11-29T10:00:00Z".into(),
        last_seen: "2026-11-29T10:00:00Z".into(),
    }
}

/// A scan report holding `devices`.
pub fn report(devices: Vec<Device>) -> ScanReport {
    ScanReport {
        schema: SCAN_SCHEMA.into(),
        scan_id: "replaced-by-the-agent".into(),
        camaudit_version: "test".into(),
        site: None,
        agent: "test".into(),
        started_at: "2026-11-29T10:00:00Z".into(),
        finished_at: "2026-11-29T10:00:01Z".into(),
        interfaces: Vec::new(),
        methods: vec![Method::WsDiscovery],
        summary: Summary::of(&devices),
        devices,
    }
}

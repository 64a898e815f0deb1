//! Runs every row of tests/data/identities.toml: real identities from public sources.

use camaudit_attribution::{Maker, Observation, PolicySet, attribute, explain};
use camaudit_protocol::mac::Mac;
use serde::Deserialize;

const DATA: &str = include_str!("data/identities.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    device: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    source: String,
    manufacturer: Option<String>,
    model: Option<String>,
    firmware: Option<String>,
    serial: Option<String>,
    mac: Option<String>,
    hardware_id: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    expected_maker: Option<String>,
    expected_rebrand: bool,
}

impl Row {
    fn observation(&self) -> Observation {
        Observation {
            mac: self
                .mac
                .as_deref()
                .map(|m| Mac::parse(m).unwrap_or_else(|e| panic!("{}: {e}", self.source))),
            manufacturer: self.manufacturer.clone(),
            model: self.model.clone(),
            firmware: self.firmware.clone(),
            serial: self.serial.clone(),
            hardware_id: self.hardware_id.clone(),
            scopes: self.scopes.clone(),
            ..Observation::default()
        }
    }
}

#[test]
fn public_identities_are_attributed_and_policed() {
    let file: File = toml::from_str(DATA).expect("identities.toml parses");
    let policy = PolicySet::builtin();
    let (mut oem_rebrands, mut non_prc) = (0, 0);
    let mut failures = Vec::new();
    for row in &file.device {
        assert!(row.source.len() > 10, "every row cites its source");
        let a = attribute(&row.observation());
        let p = policy.evaluate(&a);
        let expected = row
            .expected_maker
            .as_deref()
            .map(|m| Maker::from_name(m).unwrap_or_else(|| panic!("{m}")));
        if a.maker.as_deref() != row.expected_maker.as_deref() || a.rebrand != row.expected_rebrand
        {
            failures.push(format!(
                "{}: got maker {:?} rebrand {}, want {:?} {}\n  {}",
                row.source,
                a.maker,
                a.rebrand,
                row.expected_maker,
                row.expected_rebrand,
                explain(&a).join("\n  ")
            ));
            continue;
        }
        match expected {
            // Every Hikvision- or Dahua-made device is restricted under both lists.
            Some(Maker::Hikvision | Maker::Dahua) => {
                assert_eq!(p.lists, ["us-ndaa-889", "uk-nil"], "{}", row.source);
                oem_rebrands += usize::from(a.rebrand);
            }
            // No device of a maker outside the PRC is ever restricted.
            Some(m) if !matches!(m.country(), "CN" | "HK") => {
                assert!(!p.restricted, "{}: {m} restricted", row.source);
                non_prc += 1;
            }
            Some(_) => {}
            None => assert!(!p.restricted && a.confidence.is_none(), "{}", row.source),
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(file.device.len() >= 40, "{} rows", file.device.len());
    assert!(
        oem_rebrands >= 10,
        "{oem_rebrands} Hikvision/Dahua rebrands"
    );
    assert!(non_prc >= 10, "{non_prc} non-PRC devices");
    println!(
        "{} rows, {oem_rebrands} Hikvision/Dahua rebrands, {non_prc} non-PRC",
        file.device.len()
    );
}

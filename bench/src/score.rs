//! Scoring a tool's output against the simulator's ground truth: which cameras it found, which
//! it identified completely (manufacturer, model, firmware, serial and MAC all equal), and which
//! it reported with a wrong value.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use camaudit_test_support::fleet::{FleetSpec, parse_mac};

use crate::scenario::identifiable;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ScoreError {
    #[error("camaudit output is not a camaudit.scan/1 JSON report: {0}")]
    Report(String),
}

/// What a tool said about one device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    pub(crate) ip: Option<Ipv4Addr>,
    pub(crate) manufacturer: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) firmware: Option<String>,
    pub(crate) serial: Option<String>,
    pub(crate) mac: Option<[u8; 6]>,
}

/// How one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Score {
    pub(crate) cameras: usize,
    /// Cameras that answer discovery and every HTTP request.
    pub(crate) identifiable: usize,
    /// Distinct fleet addresses the tool reported.
    pub(crate) found: usize,
    /// Found with all five fields equal to the truth.
    pub(crate) identified: usize,
    /// Found with at least one field present and different from the truth.
    pub(crate) wrong: usize,
    /// Identifiable cameras not fully identified (a sample of addresses, for the notes).
    pub(crate) incomplete_sample: Vec<String>,
    /// Output records whose address is not a fleet camera (or is missing).
    pub(crate) strays: usize,
}

/// The devices of a `camaudit scan --format json` report.
pub(crate) fn from_camaudit(json: &str) -> Result<Vec<Observed>, ScoreError> {
    let report: serde_json::Value =
        serde_json::from_str(json).map_err(|e| ScoreError::Report(e.to_string()))?;
    let devices = report
        .get("devices")
        .and_then(|d| d.as_array())
        .ok_or_else(|| ScoreError::Report("no `devices` array".into()))?;
    Ok(devices
        .iter()
        .map(|d| {
            let reported = d.get("reported").unwrap_or(&serde_json::Value::Null);
            Observed {
                ip: text(d, "ip").and_then(|s| s.parse().ok()),
                manufacturer: text(reported, "manufacturer"),
                model: text(reported, "model"),
                firmware: text(reported, "firmware"),
                serial: text(reported, "serial"),
                mac: text(d, "mac").and_then(|m| mac(&m)),
            }
        })
        .collect())
}

/// The peers' JSON lines `{ip, manufacturer, model, firmware, serial, mac}`; lines that are not
/// JSON objects are skipped.
pub(crate) fn from_lines(text: &str) -> Vec<Observed> {
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.is_object())
        .map(|v| Observed {
            ip: self::text(&v, "ip").and_then(|s| s.parse().ok()),
            manufacturer: self::text(&v, "manufacturer"),
            model: self::text(&v, "model"),
            firmware: self::text(&v, "firmware"),
            serial: self::text(&v, "serial"),
            mac: self::text(&v, "mac").and_then(|m| mac(&m)),
        })
        .collect()
}

fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|s| s.as_str()).map(str::to_owned)
}

/// `44:19:b6:a1:b2:c3`, `44-19-B6-…` or `4419b6a1b2c3`.
fn mac(s: &str) -> Option<[u8; 6]> {
    if let Some(m) = parse_mac(s.trim()) {
        return Some(m);
    }
    let hex: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    if hex.len() != 12
        || s.chars()
            .any(|c| !c.is_ascii_hexdigit() && c != ':' && c != '-')
    {
        return None;
    }
    let mut out = [0u8; 6];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// `wire_mac` is the MAC every simulated camera shares on the wire (the camera side of the veth
/// pair): a tool that reads it from the neighbour table reports it for every camera, which is
/// right on a real LAN and says nothing here, so it counts as no MAC rather than a wrong one.
pub(crate) fn score(spec: &FleetSpec, observed: &[Observed], wire_mac: Option<[u8; 6]>) -> Score {
    let truth: HashMap<Ipv4Addr, _> = spec.cameras.iter().map(|c| (c.ip, c)).collect();
    // A tool may report a device twice (two interfaces, two endpoints): keep its best record.
    let mut best: HashMap<Ipv4Addr, (usize, bool)> = HashMap::new();
    let mut strays = 0;
    for o in observed {
        let Some(cam) = o.ip.and_then(|ip| truth.get(&ip)) else {
            strays += 1;
            continue;
        };
        let id = &cam.identity;
        let fields = [
            (o.manufacturer.as_deref(), id.manufacturer.as_str()),
            (o.model.as_deref(), id.model.as_str()),
            (o.firmware.as_deref(), id.firmware.as_str()),
            (o.serial.as_deref(), id.serial.as_str()),
        ];
        let mut equal = fields
            .iter()
            .filter(|(got, want)| *got == Some(*want))
            .count();
        let mut wrong = fields
            .iter()
            .any(|(got, want)| got.is_some_and(|g| g != *want));
        match o.mac.filter(|m| Some(*m) != wire_mac) {
            Some(m) if m == id.mac => equal += 1,
            Some(_) => wrong = true,
            None => {}
        }
        let entry = best.entry(cam.ip).or_insert((0, false));
        if equal > entry.0 || (equal == entry.0 && !wrong) {
            *entry = (equal, wrong);
        }
    }
    let mut incomplete_sample = Vec::new();
    for cam in &spec.cameras {
        let complete = best.get(&cam.ip).is_some_and(|&(equal, _)| equal == 5);
        if identifiable(&cam.behaviour) && !complete && incomplete_sample.len() < 8 {
            incomplete_sample.push(cam.ip.to_string());
        }
    }
    Score {
        cameras: spec.cameras.len(),
        identifiable: spec
            .cameras
            .iter()
            .filter(|c| identifiable(&c.behaviour))
            .count(),
        found: best.len(),
        identified: best.values().filter(|&&(equal, _)| equal == 5).count(),
        wrong: best.values().filter(|&&(_, wrong)| wrong).count(),
        incomplete_sample,
        strays,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use camaudit_test_support::fleet::Behaviour;

    use super::*;
    use crate::scenario::{Shape, fleet};

    fn spec() -> FleetSpec {
        let shape = Shape {
            seed: 4,
            auth_ratio: 0.2,
            max_delay: Duration::from_millis(500),
            stragglers: true,
            slow_delay: Duration::from_millis(300),
        };
        fleet(30, Ipv4Addr::new(10, 8, 0, 10), &shape).unwrap()
    }

    fn exact(c: &camaudit_test_support::CameraSpec) -> Observed {
        Observed {
            ip: Some(c.ip),
            manufacturer: Some(c.identity.manufacturer.clone()),
            model: Some(c.identity.model.clone()),
            firmware: Some(c.identity.firmware.clone()),
            serial: Some(c.identity.serial.clone()),
            mac: Some(c.identity.mac),
        }
    }

    #[test]
    fn counts_found_identified_wrong_and_strays() {
        let spec = spec();
        let mut obs: Vec<Observed> = spec.cameras.iter().map(exact).collect();
        let all = score(&spec, &obs, None);
        assert_eq!((all.found, all.identified, all.wrong), (30, 30, 0));
        assert_eq!(
            all.identifiable, 29,
            "the one silent camera is not identifiable"
        );
        // Missing serial: found, not identified, not wrong.
        obs[0].serial = None;
        // Another camera's MAC: wrong.
        obs[1].mac = Some(spec.cameras[2].identity.mac);
        // Only an address: found.
        obs[3] = Observed {
            ip: obs[3].ip,
            ..Observed::default()
        };
        obs.push(Observed {
            ip: Some(Ipv4Addr::new(10, 8, 9, 9)),
            ..Observed::default()
        });
        // A duplicate, complete record for camera 3 wins over the bare one.
        obs.push(exact(&spec.cameras[3]));
        obs.remove(5);
        let s = score(&spec, &obs, None);
        assert_eq!((s.found, s.identified, s.wrong, s.strays), (29, 27, 1, 1));
        // The shared wire MAC of the simulator is neither right nor wrong.
        let wire = spec.cameras[2].identity.mac;
        let s = score(&spec, &obs, Some(wire));
        assert_eq!((s.found, s.identified, s.wrong), (29, 26, 0));
        let ip = |i: usize| spec.cameras[i].ip.to_string();
        assert!(s.incomplete_sample.starts_with(&[ip(0), ip(1)]));
        if spec.cameras[5].behaviour == Behaviour::Normal {
            assert!(s.incomplete_sample.contains(&ip(5)));
        }
    }

    #[test]
    fn reads_camaudit_reports_and_peer_lines() {
        let report = r#"{"schema":"camaudit.scan/1","devices":[
            {"ip":"10.8.0.10","mac":"44:19:b6:01:02:03",
             "reported":{"manufacturer":"HIKVISION","model":"DS-2CD2012-I","firmware":null,"serial":"X"}},
            {"ip":"10.8.0.11","reported":{}}]}"#;
        let devices = from_camaudit(report).unwrap();
        assert_eq!(devices.len(), 2);
        assert_eq!(devices[0].mac, Some([0x44, 0x19, 0xb6, 1, 2, 3]));
        assert_eq!(devices[0].firmware, None);
        assert_eq!(devices[1].ip, Some(Ipv4Addr::new(10, 8, 0, 11)));
        assert!(from_camaudit("{}").is_err());
        assert!(from_camaudit("not json").is_err());

        let lines = "{\"ip\":\"10.8.0.12\",\"mac\":\"4419B6010203\",\"serial\":\"S\"}\n\
                     garbage\n{\"ip\":\"10.8.0.13\",\"mac\":\"44-19-b6-01-02-0g\",\"error\":\"x\"}\n";
        let peers = from_lines(lines);
        assert_eq!(peers.len(), 2);
        assert_eq!(peers[0].mac, Some([0x44, 0x19, 0xb6, 1, 2, 3]));
        assert_eq!(peers[1].mac, None);
    }
}

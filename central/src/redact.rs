//! Redaction of shared outputs: site names, IP addresses and serial numbers.
//!
//! Applied to the [`Estate`] before rendering, so every format is redacted alike. Sites become
//! `site-0001`… in site-id order (stable within one report, not reversible); their agents
//! become `agent-0001`…, since agent ids are often host names carrying the site's name.

use std::collections::BTreeMap;

use crate::model::Estate;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Redact {
    pub sites: bool,
    pub ips: bool,
    pub serials: bool,
}

pub const HIDDEN: &str = "[redacted]";

impl Redact {
    /// `sites,ips,serials` (any subset).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut r = Self::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "sites" => r.sites = true,
                "ips" => r.ips = true,
                "serials" => r.serials = true,
                other => return Err(format!("cannot redact {other:?}: sites, ips or serials")),
            }
        }
        Ok(r)
    }

    pub fn any(self) -> bool {
        self.sites || self.ips || self.serials
    }
}

pub fn apply(e: &mut Estate, r: Redact) {
    if r.sites {
        sites(e);
        e.redacted.push("sites".into());
    }
    if r.ips {
        for d in &mut e.devices {
            d.ip = HIDDEN.into();
            for ev in &mut d.evidence {
                if ev.signal.contains("ip") || ev.value.parse::<std::net::IpAddr>().is_ok() {
                    ev.value = HIDDEN.into();
                }
            }
            for c in &mut d.record_changes {
                if c.field == "ip" {
                    c.old = c.old.as_ref().map(|_| HIDDEN.into());
                    c.new = c.new.as_ref().map(|_| HIDDEN.into());
                }
            }
        }
        e.redacted.push("ips".into());
    }
    if r.serials {
        for d in &mut e.devices {
            d.serial = d.serial.as_ref().map(|_| HIDDEN.into());
            for ev in &mut d.evidence {
                if ev.signal.contains("serial") {
                    ev.value = HIDDEN.into();
                }
            }
            for c in &mut d.record_changes {
                if c.field == "serial" {
                    c.old = c.old.as_ref().map(|_| HIDDEN.into());
                    c.new = c.new.as_ref().map(|_| HIDDEN.into());
                }
            }
        }
        e.redacted.push("serials".into());
    }
}

fn sites(e: &mut Estate) {
    let mut ids: Vec<String> = e.sites.iter().map(|s| s.site_id.clone()).collect();
    ids.extend(e.devices.iter().map(|d| d.site_id.clone()));
    ids.extend(e.exceptions.iter().map(|x| x.site_id.clone()));
    ids.sort();
    ids.dedup();
    let site: BTreeMap<String, String> = ids
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, format!("site-{:04}", i + 1)))
        .collect();
    let mut agent_ids: Vec<(String, String)> = e
        .agents
        .iter()
        .map(|a| (a.site_id.clone(), a.agent.clone()))
        .collect();
    agent_ids.sort();
    agent_ids.dedup();
    let agent: BTreeMap<(String, String), String> = agent_ids
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, format!("agent-{:04}", i + 1)))
        .collect();
    let s = |id: &mut String| {
        if let Some(p) = site.get(id.as_str()) {
            id.clone_from(p);
        }
    };
    let a = |site_id: &str, id: &mut String| {
        if let Some(p) = agent.get(&(site_id.to_owned(), id.clone())) {
            id.clone_from(p);
        }
    };
    for r in &mut e.sites {
        s(&mut r.site_id);
        r.name = r.site_id.clone();
    }
    for d in &mut e.devices {
        a(&d.site_id, &mut d.agent);
        s(&mut d.site_id);
        d.hostname = d.hostname.as_ref().map(|_| HIDDEN.into());
        if let Some(c) = &mut d.contract {
            s(&mut c.site_id);
        }
    }
    for x in &mut e.exceptions {
        s(&mut x.site_id);
    }
    for r in e
        .changes
        .new_restricted
        .iter_mut()
        .chain(&mut e.changes.regressions)
        .chain(&mut e.changes.disappearances)
    {
        s(&mut r.site_id);
    }
    for r in e.agents.iter_mut().chain(&mut e.changes.silent_agents) {
        a(&r.site_id, &mut r.agent);
        s(&mut r.site_id);
    }
    for list in [
        &mut e.coverage.sites_never_scanned,
        &mut e.coverage.sites_silent,
        &mut e.coverage.unregistered_sites,
    ] {
        for id in list.iter_mut() {
            s(id);
        }
    }
    // Warnings are free text naming sites: keep only their count.
    let n = e.warnings.len();
    if n > 0 {
        e.warnings = vec![format!(
            "{n} input(s) could not be applied (details withheld: sites redacted)"
        )];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_flag() {
        assert_eq!(
            Redact::parse("sites, serials"),
            Ok(Redact {
                sites: true,
                ips: false,
                serials: true
            })
        );
        assert!(Redact::parse("names").is_err());
        assert!(!Redact::parse("").unwrap().any());
    }
}

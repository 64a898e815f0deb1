//! Weighing signals into a verdict: the maker, the confidence, and the brand.
//!
//! Rules (DESIGN.md section 3):
//! - Signals are tallied per corporate family (Pelco and Avigilon count for Motorola
//!   Solutions), once per [`Group`]: a name scope repeating the ONVIF manufacturer adds nothing.
//! - When any hardware signal (anything but the device's own name) is strong, the family with
//!   the strongest hardware evidence wins, whatever the label says; both sides stay in the
//!   evidence. Otherwise the best total wins. A tie at the top is no verdict: unknown stays
//!   unknown.
//! - Confidence: a vendor-protocol reply → high; a strong signal backed by a second group →
//!   high; one strong signal → medium; weak signals only → low. An OEM-brand hint ("Amcrest
//!   sells Dahua") does not count as a second group, and a strong hardware signal for another
//!   family lowers the confidence one step.
//! - `rebrand`: the brand the device shows is not the maker's own name. Subsidiary brands
//!   (EZVIZ, HiLook, Imou) count as rebrands: the label does not name the parent, and the
//!   evidence detail names the subsidiary.

use camaudit_protocol::record::{Attribution, Confidence, Evidence};

use crate::brands::Relation;
use crate::makers::Maker;
use crate::signals::identity::BrandSeen;
use crate::signals::{Group, Hit, Strength};

const GROUPS: [Group; 10] = [
    Group::Identity,
    Group::Oui,
    Group::Model,
    Group::Firmware,
    Group::Serial,
    Group::HardwareId,
    Group::Stack,
    Group::Realm,
    Group::Banner,
    Group::Vendor,
];

fn group_index(g: Group) -> usize {
    GROUPS.iter().position(|&x| x == g).unwrap_or(0)
}

fn weight(s: Option<Strength>) -> u32 {
    match s {
        None => 0,
        Some(Strength::Weak) => 1,
        Some(Strength::Strong) => 4,
        Some(Strength::Vendor) => 16,
    }
}

#[derive(Clone, Copy)]
struct Tally {
    family: Maker,
    best: [Option<Strength>; GROUPS.len()],
}

impl Tally {
    fn hardware(&self) -> u32 {
        self.best.iter().skip(1).map(|&s| weight(s)).sum()
    }

    fn identity(&self) -> u32 {
        weight(self.best.first().copied().flatten())
    }

    fn hardware_best(&self) -> Option<Strength> {
        self.best.iter().skip(1).copied().max().flatten()
    }

    fn confidence(&self) -> Confidence {
        let vendor = self.best.contains(&Some(Strength::Vendor));
        let strong = self
            .best
            .iter()
            .filter(|&&s| s >= Some(Strength::Strong))
            .count();
        // An OEM-brand hint is a weak identity signal: it does not corroborate.
        let groups = self
            .best
            .iter()
            .enumerate()
            .filter(|&(i, s)| s.is_some() && !(i == 0 && *s == Some(Strength::Weak)))
            .count();
        if vendor || (strong >= 1 && groups >= 2) {
            Confidence::High
        } else if strong >= 1 {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }
}

/// The unique element with the greatest key, or `None` on a tie at the top.
fn unique_max<K: Ord + Copy>(tallies: &[Tally], key: impl Fn(&Tally) -> K) -> Option<Tally> {
    let top = tallies.iter().map(&key).max()?;
    let mut winners = tallies.iter().filter(|t| key(t) == top);
    let first = *winners.next()?;
    winners.next().is_none().then_some(first)
}

fn lower(c: Confidence) -> Confidence {
    match c {
        Confidence::High => Confidence::Medium,
        Confidence::Medium | Confidence::Low => Confidence::Low,
    }
}

/// Turns the hits and the brand the device shows into the attribution record.
pub(crate) fn decide(mut hits: Vec<Hit>, brand: Option<BrandSeen>) -> Attribution {
    dedup(&mut hits);
    let mut tallies: Vec<Tally> = Vec::with_capacity(4);
    for h in &hits {
        let Some(m) = h.indicates else { continue };
        let family = m.family();
        let i = group_index(h.group);
        let t = match tallies.iter_mut().find(|t| t.family == family) {
            Some(t) => t,
            None => {
                tallies.push(Tally {
                    family,
                    best: [None; GROUPS.len()],
                });
                let Some(t) = tallies.last_mut() else {
                    continue;
                };
                t
            }
        };
        if let Some(slot) = t.best.get_mut(i) {
            *slot = (*slot).max(Some(h.strength));
        }
    }

    let hardware_decides = tallies
        .iter()
        .any(|t| t.hardware_best() >= Some(Strength::Strong));
    let winner = if hardware_decides {
        unique_max(&tallies, |t| (t.hardware(), t.hardware() + t.identity()))
    } else {
        unique_max(&tallies, |t| t.hardware() + t.identity())
    };

    let maker = winner.map(|w| most_specific(&hits, w.family));
    let confidence = winner.map(|w| {
        let contested = tallies
            .iter()
            .any(|t| t.family != w.family && t.hardware_best() >= Some(Strength::Strong));
        let vendor = w.best.contains(&Some(Strength::Vendor));
        if contested && !vendor {
            lower(w.confidence())
        } else {
            w.confidence()
        }
    });

    let rebrand = match (&brand, maker) {
        (Some(b), Some(m)) => {
            !matches!(b.known.map(|k| k.relation), Some(Relation::Own(own)) if own.family() == m.family())
        }
        _ => false,
    };

    Attribution {
        maker: maker.map(|m| m.name().to_owned()),
        brand: brand.map(|b| b.display),
        rebrand,
        confidence,
        evidence: hits.into_iter().map(into_evidence).collect(),
    }
}

/// Within the winning family, the maker named by the strongest hit that names a member
/// rather than the group (Pelco rather than Motorola Solutions).
fn most_specific(hits: &[Hit], family: Maker) -> Maker {
    hits.iter()
        .filter_map(|h| {
            h.indicates
                .filter(|m| m.family() == family && *m != family)
                .map(|m| (h.strength, m))
        })
        .max_by_key(|&(s, _)| s)
        .map_or(family, |(_, m)| m)
}

fn dedup(hits: &mut Vec<Hit>) {
    let mut i = 0;
    while i < hits.len() {
        let dup = hits.get(..i).is_some_and(|before| {
            before.iter().any(|b| {
                hits.get(i)
                    .is_some_and(|h| b.signal == h.signal && b.value == h.value)
            })
        });
        if dup {
            hits.remove(i);
        } else {
            i += 1;
        }
    }
}

fn into_evidence(h: Hit) -> Evidence {
    Evidence {
        signal: h.signal.to_owned(),
        value: h.value,
        indicates: h.indicates.map(|m| m.name().to_owned()),
        detail: h.detail.map(|d| d.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brands;

    fn hit(signal: &'static str, group: Group, maker: Option<Maker>, strength: Strength) -> Hit {
        let h = Hit::new(signal, signal, group);
        match maker {
            Some(m) => h.pointing(m, strength),
            None => h,
        }
    }

    fn seen(s: &str) -> Option<BrandSeen> {
        let known = brands::recognise(s);
        Some(BrandSeen {
            display: known.map_or(s, |b| b.display).to_owned(),
            known,
        })
    }

    #[test]
    fn confidence_rules() {
        use Group::{Banner, Firmware, Identity, Model, Oui, Serial, Stack};
        use Strength::{Strong, Weak};
        let h = Some(Maker::Hikvision);
        let d = Some(Maker::Dahua);
        let table: Vec<(Vec<Hit>, Option<&str>, Option<Confidence>)> = vec![
            // One vendor-only reply.
            (
                vec![hit("sadp-reply", Group::Vendor, h, Strength::Vendor)],
                Some("Hikvision"),
                Some(Confidence::High),
            ),
            // Two independent signals agree.
            (
                vec![
                    hit("mac-oui", Oui, h, Strong),
                    hit("serial-format", Serial, h, Strong),
                ],
                Some("Hikvision"),
                Some(Confidence::High),
            ),
            (
                vec![
                    hit("mac-oui", Oui, h, Strong),
                    hit("http-server", Banner, h, Weak),
                ],
                Some("Hikvision"),
                Some(Confidence::High),
            ),
            // One strong signal.
            (
                vec![hit("mac-oui", Oui, h, Strong)],
                Some("Hikvision"),
                Some(Confidence::Medium),
            ),
            // The same group twice is one signal.
            (
                vec![
                    hit("onvif-manufacturer", Identity, h, Strong),
                    hit("scope-name", Identity, h, Strong),
                ],
                Some("Hikvision"),
                Some(Confidence::Medium),
            ),
            // An OEM-brand hint does not corroborate.
            (
                vec![
                    hit("onvif-manufacturer", Identity, d, Weak),
                    hit("model-family", Model, d, Strong),
                ],
                Some("Dahua"),
                Some(Confidence::Medium),
            ),
            // Weak only.
            (
                vec![
                    hit("http-server", Banner, h, Weak),
                    hit("xaddr-path", Stack, h, Weak),
                ],
                Some("Hikvision"),
                Some(Confidence::Low),
            ),
            // Conflict: the label says Hikvision, the hardware says Dahua; hardware wins.
            (
                vec![
                    hit("onvif-manufacturer", Identity, h, Strong),
                    hit("mac-oui", Oui, d, Strong),
                ],
                Some("Dahua"),
                Some(Confidence::Medium),
            ),
            // Strong hardware against weak hardware: the strong side wins.
            (
                vec![
                    hit("http-server", Banner, h, Weak),
                    hit("mac-oui", Oui, d, Strong),
                ],
                Some("Dahua"),
                Some(Confidence::Medium),
            ),
            // Strong hardware on both sides: the stronger total wins, one step less sure.
            (
                vec![
                    hit("mac-oui", Oui, d, Strong),
                    hit("serial-format", Serial, h, Strong),
                    hit("firmware-format", Firmware, h, Strong),
                ],
                Some("Hikvision"),
                Some(Confidence::Medium),
            ),
            // A tie is no verdict.
            (
                vec![
                    hit("mac-oui", Oui, d, Strong),
                    hit("serial-format", Serial, h, Strong),
                ],
                None,
                None,
            ),
            // Nothing points anywhere.
            (
                vec![hit("onvif-manufacturer", Identity, None, Weak)],
                None,
                None,
            ),
            (vec![], None, None),
        ];
        for (i, (hits, maker, confidence)) in table.into_iter().enumerate() {
            let n = hits.len();
            let a = decide(hits, None);
            assert_eq!(
                (a.maker.as_deref(), a.confidence),
                (maker, confidence),
                "case {i}"
            );
            assert_eq!(
                a.evidence.len(),
                n,
                "case {i}: every signal stays in the evidence"
            );
        }
    }

    #[test]
    fn family_members_are_named_specifically() {
        let hits = vec![
            hit(
                "mac-oui",
                Group::Oui,
                Some(Maker::MotorolaSolutions),
                Strength::Strong,
            ),
            hit(
                "onvif-manufacturer",
                Group::Identity,
                Some(Maker::Pelco),
                Strength::Strong,
            ),
        ];
        let a = decide(hits, seen("Pelco"));
        assert_eq!(
            (a.maker.as_deref(), a.confidence, a.rebrand),
            (Some("Pelco"), Some(Confidence::High), false)
        );
    }

    #[test]
    fn rebrand_means_the_label_is_not_the_makers_name() {
        let oui = || {
            vec![hit(
                "mac-oui",
                Group::Oui,
                Some(Maker::Hikvision),
                Strength::Strong,
            )]
        };
        let table = [
            ("HIKVISION", false),
            ("LTS", true),
            ("TRENDnet", true),
            ("EZVIZ", true),
            ("HiLook", true),
            ("Some Unknown Brand", true),
        ];
        for (label, rebrand) in table {
            let a = decide(oui(), seen(label));
            assert_eq!(a.rebrand, rebrand, "{label}");
        }
        assert!(!decide(oui(), None).rebrand);
        assert!(!decide(vec![], seen("EYEPLUS")).rebrand);
    }

    #[test]
    fn duplicate_evidence_is_dropped() {
        let a = decide(
            vec![
                hit(
                    "model-family",
                    Group::Model,
                    Some(Maker::Dahua),
                    Strength::Strong,
                ),
                hit(
                    "model-family",
                    Group::Model,
                    Some(Maker::Dahua),
                    Strength::Strong,
                ),
            ],
            None,
        );
        assert_eq!(a.evidence.len(), 1);
    }
}

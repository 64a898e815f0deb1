//! Signals: each piece of an observation that points at a maker, with its strength.
//!
//! Extractors in the submodules turn observation fields into [`Hit`]s; `verdict` weighs them.
//! Hits of one [`Group`] are not independent of each other (a name scope and the ONVIF
//! manufacturer are both the device naming itself), so agreement is counted per group.

pub(crate) mod firmware;
pub(crate) mod identity;
pub(crate) mod model;
pub(crate) mod pattern;
pub(crate) mod serial;
pub(crate) mod stack;
pub(crate) mod vendor;

use std::borrow::Cow;

use crate::makers::Maker;

/// How much one signal alone says about the maker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Strength {
    /// A hint shared with other stacks (an HTTP banner, an ONVIF extension namespace).
    Weak,
    /// A trait of one maker's hardware or firmware (OUI, serial layout, firmware format).
    Strong,
    /// A reply to a protocol only that maker's firmware speaks (SADP, DHIP).
    Vendor,
}

/// Signals in one group share a source and are not independent of each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Group {
    /// What the device calls itself (ONVIF manufacturer, name scope, brand-owner OUI).
    Identity,
    Oui,
    Model,
    Firmware,
    Serial,
    HardwareId,
    /// The SOAP/ONVIF software stack: namespaces, XAddr paths, scope set.
    Stack,
    Realm,
    Banner,
    Vendor,
}

/// One signal found in an observation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) signal: &'static str,
    pub(crate) value: String,
    pub(crate) indicates: Option<Maker>,
    pub(crate) strength: Strength,
    pub(crate) group: Group,
    pub(crate) detail: Option<Cow<'static, str>>,
}

impl Hit {
    pub(crate) fn new(signal: &'static str, value: &str, group: Group) -> Self {
        Self {
            signal,
            value: value.to_owned(),
            indicates: None,
            strength: Strength::Weak,
            group,
            detail: None,
        }
    }

    pub(crate) fn pointing(mut self, maker: Maker, strength: Strength) -> Self {
        self.indicates = Some(maker);
        self.strength = strength;
        self
    }

    pub(crate) fn detail(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// A maker trait recognised in a string (model number, firmware version, serial).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Trait {
    pub(crate) maker: Maker,
    pub(crate) strength: Strength,
    /// What was recognised, in words, for the evidence detail.
    pub(crate) label: &'static str,
    /// The brand the trait belongs to when it is a sub-brand's or reseller's series (EZVIZ
    /// CS-…, Amcrest IPnM-…): the brand shown when the device states none.
    pub(crate) brand: Option<&'static str>,
}

impl Trait {
    pub(crate) const fn branded(self, brand: &'static str) -> Self {
        Self {
            brand: Some(brand),
            ..self
        }
    }
}

pub(crate) const fn strong(maker: Maker, label: &'static str) -> Trait {
    Trait {
        maker,
        strength: Strength::Strong,
        label,
        brand: None,
    }
}

pub(crate) const fn weak(maker: Maker, label: &'static str) -> Trait {
    Trait {
        maker,
        strength: Strength::Weak,
        label,
        brand: None,
    }
}

/// Longest field value examined; longer values are cut (camera strings are untrusted).
pub(crate) const MAX_FIELD: usize = 256;

/// `s` cut to at most [`MAX_FIELD`] bytes on a character boundary, trimmed.
pub(crate) fn bounded(s: &str) -> &str {
    let s = s.trim();
    if s.len() <= MAX_FIELD {
        return s;
    }
    let mut end = MAX_FIELD;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

//! The evidence of an attribution in plain words, for `camaudit probe`.

use camaudit_protocol::record::{Attribution, Confidence, Evidence};

/// One line for the verdict, then one line per piece of evidence:
/// "MAC 44:19:b6 is registered to Hangzhou Hikvision Digital Technology Co.,Ltd. (IEEE MA-L) → Hikvision".
pub fn explain(a: &Attribution) -> Vec<String> {
    let mut out = Vec::with_capacity(a.evidence.len() + 1);
    out.push(verdict_line(a));
    out.extend(
        a.evidence
            .iter()
            .map(|e| evidence_line(e, a.maker.as_deref())),
    );
    out
}

fn verdict_line(a: &Attribution) -> String {
    let confidence = match a.confidence {
        Some(Confidence::High) => "high",
        Some(Confidence::Medium) => "medium",
        Some(Confidence::Low) => "low",
        None => "none",
    };
    match (&a.maker, &a.brand) {
        (Some(m), Some(b)) if a.rebrand => {
            format!("Made by {m} (confidence {confidence}), sold as {b}: a rebrand.")
        }
        (Some(m), _) => format!("Made by {m} (confidence {confidence})."),
        (None, Some(b)) => {
            format!("Maker unknown: the device calls itself {b}, but nothing shows who made it.")
        }
        (None, None) => {
            "Maker unknown: no signal names the company that made this device.".to_owned()
        }
    }
}

fn arrow(e: &Evidence, maker: Option<&str>) -> String {
    match (e.indicates.as_deref(), maker) {
        (Some(i), Some(m)) if i != m => format!(" → {i} (overruled)"),
        (Some(i), _) => format!(" → {i}"),
        (None, _) => String::new(),
    }
}

fn evidence_line(e: &Evidence, maker: Option<&str>) -> String {
    let to = arrow(e, maker);
    let detail = e.detail.as_deref().unwrap_or("");
    let with_detail = |head: String| {
        if detail.is_empty() {
            format!("{head}{to}")
        } else {
            format!("{head}: {detail}{to}")
        }
    };
    match e.signal.as_str() {
        "mac-oui" => {
            // Detail written by the attributor: "IEEE <registry> <organisation>[; note]".
            let (registration, note) = detail.split_once("; ").unwrap_or((detail, ""));
            let registration = registration.strip_prefix("IEEE ").unwrap_or(registration);
            let (registry, org) = registration.split_once(' ').unwrap_or(("", registration));
            let note = if note.is_empty() {
                String::new()
            } else {
                format!(" ({note})")
            };
            format!(
                "MAC {} is registered to {org} (IEEE {registry}){note}{to}",
                e.value
            )
        }
        "onvif-manufacturer" => with_detail(format!(
            "The device calls itself \"{}\" (ONVIF manufacturer)",
            e.value
        )),
        "scope-name" => with_detail(format!("Its discovery scopes name it \"{}\"", e.value)),
        "model-family" => with_detail(format!("Model {}", e.value)),
        "firmware-format" => with_detail(format!("Firmware {}", e.value)),
        "serial-format" => with_detail(format!("Serial number {}", e.value)),
        "hardware-id" => with_detail(format!("Hardware id {}", e.value)),
        "onvif-namespace" => with_detail(format!("Its SOAP replies declare {}", e.value)),
        "xaddr-path" => with_detail(format!("It serves {}", e.value)),
        "scope-set" => with_detail(format!("It announces the scopes {}", e.value)),
        "auth-realm" => with_detail(format!("Its login realm is \"{}\"", e.value)),
        "http-server" => with_detail(format!("Its web server says \"{}\"", e.value)),
        "sadp-reply" | "dhip-reply" if !detail.is_empty() => format!("It {detail}{to}"),
        "sadp-reply" | "dhip-reply" => format!(
            "It answered a vendor-only discovery protocol ({}){to}",
            e.value
        ),
        "isapi-oem" | "dahua-update-serial" => with_detail(format!("Vendor API value {}", e.value)),
        other => with_detail(format!("{other} {}", e.value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(signal: &str, value: &str, indicates: Option<&str>, detail: Option<&str>) -> Evidence {
        Evidence {
            signal: signal.into(),
            value: value.into(),
            indicates: indicates.map(Into::into),
            detail: detail.map(Into::into),
        }
    }

    #[test]
    fn design_example_reads_as_plain_words() {
        let a = Attribution {
            maker: Some("Hikvision".into()),
            brand: Some("LTS".into()),
            rebrand: true,
            confidence: Some(Confidence::High),
            evidence: vec![
                ev(
                    "mac-oui",
                    "44:19:b6",
                    Some("Hikvision"),
                    Some("IEEE MA-L Hangzhou Hikvision Digital Technology Co.,Ltd."),
                ),
                ev(
                    "sadp-reply",
                    "DS-2CD2042WD-I",
                    Some("Hikvision"),
                    Some(
                        "answered Hikvision SADP (UDP 37020), spoken only by Hikvision-family firmware",
                    ),
                ),
                ev("onvif-manufacturer", "HIKVISION", Some("Dahua"), None),
                ev(
                    "mac-oui",
                    "3c:8c:f8",
                    None,
                    Some("IEEE MA-L TRENDnet, Inc.; a brand owner"),
                ),
            ],
        };
        assert_eq!(
            explain(&a),
            [
                "Made by Hikvision (confidence high), sold as LTS: a rebrand.",
                "MAC 44:19:b6 is registered to Hangzhou Hikvision Digital Technology Co.,Ltd. (IEEE MA-L) → Hikvision",
                "It answered Hikvision SADP (UDP 37020), spoken only by Hikvision-family firmware → Hikvision",
                "The device calls itself \"HIKVISION\" (ONVIF manufacturer) → Dahua (overruled)",
                "MAC 3c:8c:f8 is registered to TRENDnet, Inc. (IEEE MA-L) (a brand owner)",
            ]
        );
    }

    #[test]
    fn unknown_makers_say_so() {
        let a = Attribution {
            brand: Some("EYEPLUS".into()),
            ..Attribution::default()
        };
        assert_eq!(
            explain(&a),
            ["Maker unknown: the device calls itself EYEPLUS, but nothing shows who made it."]
        );
        assert_eq!(
            explain(&Attribution::default()),
            ["Maker unknown: no signal names the company that made this device."]
        );
    }
}

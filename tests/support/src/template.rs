//! Response templates: a captured response cut into literal runs and identity fields, so a
//! camera replays the capture byte for byte with only its own values substituted.

use std::fmt::Write;
use std::net::Ipv4Addr;

use time::{OffsetDateTime, PrimitiveDateTime};

use crate::fleet::Identity;

/// Errors building a template from a fixture (a fixture table that no longer matches its file).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    #[error("template {template}: substitution needle {needle:?} not found")]
    NeedleMissing {
        template: &'static str,
        needle: &'static str,
    },
    #[error("template {template}: date/time element {element} not found")]
    DateTimeMissing {
        template: &'static str,
        element: &'static str,
    },
    #[error("template {template}: fixture has no {what}")]
    Shape {
        template: &'static str,
        what: &'static str,
    },
}

/// A value substituted into a template at render time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Manufacturer,
    Model,
    Firmware,
    Serial,
    HardwareId,
    Hostname,
    PctManufacturer,
    PctModel,
    PctSerial,
    /// Axis hardware scope: the model without its `AXIS ` prefix, percent-encoded.
    PctAxisHardware,
    Ip,
    /// An IPv4 link-local address derived from the MAC (`169.254.m4.m5`).
    LinkLocalV4,
    /// `ip` on port 80, `ip:port` otherwise (XAddrs that omit the default port).
    HostPort,
    /// Always `ip:port` (firmware that writes `:80` explicitly).
    IpPort,
    MacLowerColon,
    MacUpperColon,
    MacUpperPlain,
    /// The EUI-64 interface id of the MAC (`c256:e3ff:fef9:5568`), for IPv6 link-local text.
    Eui64Iid,
    /// The uuid part of the endpoint reference.
    Uuid,
    ReplyMessageId,
    RelatesTo,
    MessageNumber,
    Utc(TimePart),
    Local(TimePart),
    /// `44-19-b6-a1-b2-c3` (SADP).
    MacLowerDash,
    /// The camera's HTTP port.
    HttpPort,
    /// `.1` of the camera's /24, standing in for its gateway.
    Gateway,
    /// The firmware as SADP writes it: no space before `build` (`V5.6.2build 190701`).
    SadpFirmware,
    /// The firmware up to its first comma (`2.800.0000000.13.R, Build Date …` → `2.800.0000000.13.R`).
    FirmwareShort,
    /// The firmware before ` build` (ISAPI `firmwareVersion`).
    FirmwareVersion,
    /// `build …` of the firmware, or nothing (ISAPI `firmwareReleasedDate`).
    FirmwareBuild,
    /// A per-camera 64-hex-digit value derived from the serial (SADP `Salt`).
    Salt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimePart {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

/// A piece of a substitution: literal text or a field.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Piece {
    Lit(&'static str),
    F(Field),
}

/// Replace every occurrence of `needle` by `with`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sub {
    pub(crate) needle: &'static str,
    pub(crate) with: &'static [Piece],
}

pub(crate) const fn sub(needle: &'static str, with: &'static [Piece]) -> Sub {
    Sub { needle, with }
}

/// Everything a render needs besides the identity.
pub(crate) struct RenderCtx<'a> {
    pub(crate) identity: &'a Identity,
    pub(crate) ip: Ipv4Addr,
    pub(crate) http_port: u16,
    pub(crate) relates_to: &'a str,
    pub(crate) reply_message_id: &'a str,
    pub(crate) message_number: u32,
    /// The camera's clock (UTC).
    pub(crate) now: OffsetDateTime,
}

#[derive(Clone, Debug)]
enum Part {
    Lit(&'static str),
    F(Field),
}

/// A compiled template.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// Escape text fields for a JSON string instead of XML text.
    json: bool,
    /// Local time minus UTC as the capture recorded it.
    local_offset_secs: i64,
    size_hint: usize,
}

impl Template {
    /// Cuts `src` at every occurrence of every needle (leftmost first, longest wins at the same
    /// position) and at the date/time elements when `date_time` is set.
    pub(crate) fn compile(
        name: &'static str,
        src: &'static str,
        subs: &[Sub],
        date_time: bool,
    ) -> Result<Self, TemplateError> {
        let mut cuts: Vec<(usize, usize, Vec<Piece>)> = Vec::new();
        for s in subs {
            let mut found = false;
            for (at, _) in src.match_indices(s.needle) {
                found = true;
                cuts.push((at, at + s.needle.len(), s.with.to_vec()));
            }
            if !found {
                return Err(TemplateError::NeedleMissing {
                    template: name,
                    needle: s.needle,
                });
            }
        }
        let mut local_offset_secs = 0;
        if date_time {
            let (dt_cuts, offset) = date_time_cuts(name, src)?;
            cuts.extend(dt_cuts);
            local_offset_secs = offset;
        }
        cuts.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut parts = Vec::new();
        let mut pos = 0;
        for (start, end, pieces) in cuts {
            if start < pos {
                continue;
            }
            if let Some(lit) = src.get(pos..start).filter(|l| !l.is_empty()) {
                parts.push(Part::Lit(lit));
            }
            parts.extend(pieces.into_iter().map(|p| match p {
                Piece::Lit(l) => Part::Lit(l),
                Piece::F(f) => Part::F(f),
            }));
            pos = end;
        }
        if let Some(rest) = src.get(pos..).filter(|l| !l.is_empty()) {
            parts.push(Part::Lit(rest));
        }
        Ok(Self {
            parts,
            json: false,
            local_offset_secs,
            size_hint: src.len() + 64,
        })
    }

    /// The same template with text fields escaped for JSON strings.
    pub(crate) fn json(mut self) -> Self {
        self.json = true;
        self
    }

    fn text_into(&self, text: &str, out: &mut String) {
        if self.json {
            json_escape_into(text, out);
        } else {
            xml_escape_into(text, out);
        }
    }

    pub(crate) fn render(&self, ctx: &RenderCtx<'_>) -> String {
        let mut out = String::with_capacity(self.size_hint);
        for part in &self.parts {
            match part {
                Part::Lit(text) => out.push_str(text),
                Part::F(field) => self.render_field(*field, ctx, &mut out),
            }
        }
        out
    }

    fn render_field(&self, field: Field, ctx: &RenderCtx<'_>, out: &mut String) {
        let id = ctx.identity;
        let mac = id.mac;
        match field {
            Field::Manufacturer => self.text_into(&id.manufacturer, out),
            Field::Model => self.text_into(&id.model, out),
            Field::Firmware => self.text_into(&id.firmware, out),
            Field::Serial => self.text_into(&id.serial, out),
            Field::HardwareId => self.text_into(&id.hardware_id, out),
            Field::Hostname => self.text_into(&id.hostname, out),
            Field::SadpFirmware => self.text_into(&id.firmware.replacen(" build", "build", 1), out),
            Field::FirmwareShort => {
                self.text_into(id.firmware.split(',').next().unwrap_or_default(), out);
            }
            Field::FirmwareVersion => {
                let (version, _) = id
                    .firmware
                    .split_once(" build")
                    .unwrap_or((&id.firmware, ""));
                self.text_into(version, out);
            }
            Field::FirmwareBuild => {
                if let Some((_, build)) = id.firmware.split_once(" build") {
                    out.push_str("build");
                    self.text_into(build, out);
                }
            }
            Field::Salt => {
                let digest = crate::auth::sha256_hex(&format!("salt:{}", id.serial));
                out.push_str(&digest);
            }
            Field::MacLowerDash => out.push_str(&crate::fleet::format_mac(&mac).replace(':', "-")),
            Field::HttpPort => push(out, format_args!("{}", ctx.http_port)),
            Field::Gateway => {
                let [a, b, c, _] = ctx.ip.octets();
                push(out, format_args!("{a}.{b}.{c}.1"));
            }
            Field::PctManufacturer => pct_encode_into(&id.manufacturer, out),
            Field::PctModel => pct_encode_into(&id.model, out),
            Field::PctSerial => pct_encode_into(&id.serial, out),
            Field::PctAxisHardware => {
                pct_encode_into(id.model.strip_prefix("AXIS ").unwrap_or(&id.model), out);
            }
            Field::Ip => push(out, format_args!("{}", ctx.ip)),
            Field::LinkLocalV4 => push(out, format_args!("169.254.{}.{}", mac[4], mac[5].max(1))),
            Field::HostPort if ctx.http_port == 80 => push(out, format_args!("{}", ctx.ip)),
            Field::HostPort | Field::IpPort => {
                push(out, format_args!("{}:{}", ctx.ip, ctx.http_port));
            }
            Field::MacLowerColon => out.push_str(&crate::fleet::format_mac(&mac)),
            Field::MacUpperColon => {
                out.push_str(&crate::fleet::format_mac(&mac).to_ascii_uppercase());
            }
            Field::MacUpperPlain => mac.iter().for_each(|b| push(out, format_args!("{b:02X}"))),
            Field::Eui64Iid => push(
                out,
                format_args!(
                    "{:x}:{:x}:{:x}:{:x}",
                    u16::from_be_bytes([mac[0] ^ 0x02, mac[1]]),
                    u16::from_be_bytes([mac[2], 0xff]),
                    u16::from_be_bytes([0xfe, mac[3]]),
                    u16::from_be_bytes([mac[4], mac[5]])
                ),
            ),
            Field::Uuid => out.push_str(id.endpoint.rsplit(':').next().unwrap_or(&id.endpoint)),
            Field::ReplyMessageId => out.push_str(ctx.reply_message_id),
            Field::RelatesTo => xml_escape_into(ctx.relates_to, out),
            Field::MessageNumber => push(out, format_args!("{}", ctx.message_number)),
            Field::Utc(part) => time_part(ctx.now, part, out),
            Field::Local(part) => {
                let offset = time::Duration::seconds(self.local_offset_secs);
                time_part(ctx.now.checked_add(offset).unwrap_or(ctx.now), part, out);
            }
        }
    }
}

fn push(out: &mut String, args: std::fmt::Arguments<'_>) {
    // Writing to a String cannot fail.
    let _ = out.write_fmt(args);
}

fn time_part(t: OffsetDateTime, part: TimePart, out: &mut String) {
    match part {
        TimePart::Year => push(out, format_args!("{}", t.year())),
        TimePart::Month => push(out, format_args!("{}", u8::from(t.month()))),
        TimePart::Day => push(out, format_args!("{}", t.day())),
        TimePart::Hour => push(out, format_args!("{}", t.hour())),
        TimePart::Minute => push(out, format_args!("{}", t.minute())),
        TimePart::Second => push(out, format_args!("{}", t.second())),
    }
}

const PARTS: [(&str, TimePart); 6] = [
    ("Year", TimePart::Year),
    ("Month", TimePart::Month),
    ("Day", TimePart::Day),
    ("Hour", TimePart::Hour),
    ("Minute", TimePart::Minute),
    ("Second", TimePart::Second),
];

type Cut = (usize, usize, Vec<Piece>);

/// Cuts at the text of the Year…Second children of `UTCDateTime` and `LocalDateTime` (the
/// latter is optional: Pelco omits it), and the local offset the capture implies.
fn date_time_cuts(name: &'static str, src: &'static str) -> Result<(Vec<Cut>, i64), TemplateError> {
    let (utc_cuts, utc) = block_cuts(name, src, "UTCDateTime>", Field::Utc)?.ok_or(
        TemplateError::DateTimeMissing {
            template: name,
            element: "UTCDateTime",
        },
    )?;
    let Some((local_cuts, local)) = block_cuts(name, src, "LocalDateTime>", Field::Local)? else {
        return Ok((utc_cuts, 0));
    };
    let offset = (local.assume_utc() - utc.assume_utc()).whole_seconds();
    Ok((utc_cuts.into_iter().chain(local_cuts).collect(), offset))
}

fn block_cuts(
    name: &'static str,
    src: &'static str,
    block: &str,
    field: fn(TimePart) -> Field,
) -> Result<Option<(Vec<Cut>, PrimitiveDateTime)>, TemplateError> {
    let Some(start) = src.find(block) else {
        return Ok(None);
    };
    let end = src[start + block.len()..]
        .find(block)
        .map(|e| start + block.len() + e)
        .ok_or(TemplateError::Shape {
            template: name,
            what: "closing date/time block",
        })?;
    let mut cuts = Vec::new();
    let mut values = [0i64; 6];
    for (slot, (element, part)) in values.iter_mut().zip(PARTS) {
        let missing = TemplateError::DateTimeMissing {
            template: name,
            element,
        };
        let (text_start, text_end) = element_text(src, start, end, element).ok_or(missing)?;
        *slot = src[text_start..text_end]
            .trim()
            .parse()
            .map_err(|_| TemplateError::Shape {
                template: name,
                what: "numeric date/time value",
            })?;
        cuts.push((text_start, text_end, vec![Piece::F(field(part))]));
    }
    let bad = || TemplateError::Shape {
        template: name,
        what: "valid captured date/time",
    };
    let [year, rest @ ..] = values;
    let [month, day, hour, minute, second] = rest.map(|v| u8::try_from(v).ok());
    let full_year = i32::try_from(year).map_err(|_| bad())?;
    let month = month
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let date = time::Date::from_calendar_date(full_year, month, day.ok_or_else(bad)?)
        .map_err(|_| bad())?;
    let clock = time::Time::from_hms(
        hour.ok_or_else(bad)?,
        minute.ok_or_else(bad)?,
        second.ok_or_else(bad)?,
    )
    .map_err(|_| bad())?;
    Ok(Some((cuts, PrimitiveDateTime::new(date, clock))))
}

/// The text range of the first `<prefix:element>` (or unprefixed) inside `from..to`.
fn element_text(src: &str, from: usize, to: usize, element: &str) -> Option<(usize, usize)> {
    let window = src.get(from..to)?;
    let prefixed = format!(":{element}>");
    let bare = format!("<{element}>");
    let at = window.find(&prefixed).map(|i| i + prefixed.len());
    let at = at.or_else(|| window.find(&bare).map(|i| i + bare.len()))?;
    let len = window[at..].find('<')?;
    Some((from + at, from + at + len))
}

pub(crate) fn xml_escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// The inside of a JSON string: quotes, backslashes and control characters escaped.
pub(crate) fn json_escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => push(out, format_args!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters (scope values).
pub(crate) fn pct_encode_into(text: &str, out: &mut String) {
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            push(out, format_args!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            manufacturer: "ACME & Co".into(),
            model: "AXIS X/1".into(),
            firmware: "1.0".into(),
            serial: "S1".into(),
            mac: [0xc0, 0x56, 0xe3, 0xf9, 0x55, 0x68],
            hardware_id: "88".into(),
            hostname: "h".into(),
            endpoint: "urn:uuid:11111111-2222-3333-4444-555555555555".into(),
        }
    }

    fn ctx(identity: &Identity, port: u16) -> RenderCtx<'_> {
        RenderCtx {
            identity,
            ip: Ipv4Addr::new(10, 1, 2, 3),
            http_port: port,
            relates_to: "urn:uuid:<x>",
            reply_message_id: "uuid:r",
            message_number: 7,
            now: time::macros::datetime!(2024-01-02 03:04:05 UTC),
        }
    }

    #[test]
    fn fields_render_in_every_format() {
        const SUBS: &[Sub] = &[
            sub("MANU", &[Piece::F(Field::Manufacturer)]),
            sub("SCOPE", &[Piece::Lit("name/"), Piece::F(Field::PctModel)]),
            sub("HW", &[Piece::F(Field::PctAxisHardware)]),
            sub("HOST", &[Piece::F(Field::HostPort)]),
            sub("MACS", &[Piece::F(Field::MacUpperPlain)]),
            sub("EUI", &[Piece::F(Field::Eui64Iid)]),
            sub("UUID", &[Piece::F(Field::Uuid)]),
            sub("REL", &[Piece::F(Field::RelatesTo)]),
        ];
        let t = Template::compile(
            "t",
            "MANU|SCOPE|HW|HOST|MACS|EUI|UUID|REL|MANU",
            SUBS,
            false,
        )
        .unwrap();
        let id = identity();
        assert_eq!(
            t.render(&ctx(&id, 80)),
            "ACME &amp; Co|name/AXIS%20X%2F1|X%2F1|10.1.2.3|C056E3F95568|c256:e3ff:fef9:5568|\
             11111111-2222-3333-4444-555555555555|urn:uuid:&lt;x&gt;|ACME &amp; Co"
        );
        assert!(t.render(&ctx(&id, 8080)).contains("|10.1.2.3:8080|"));
    }

    #[test]
    fn longest_needle_wins_at_same_position() {
        const SUBS: &[Sub] = &[
            sub("DS-1", &[Piece::F(Field::Model)]),
            sub("DS-1X99", &[Piece::F(Field::Serial)]),
        ];
        let t = Template::compile("t", "<m>DS-1</m><s>DS-1X99</s>", SUBS, false).unwrap();
        assert_eq!(t.render(&ctx(&identity(), 80)), "<m>AXIS X/1</m><s>S1</s>");
    }

    #[test]
    fn missing_needle_is_an_error() {
        const SUBS: &[Sub] = &[sub("nowhere", &[])];
        assert!(matches!(
            Template::compile("t", "text", SUBS, false),
            Err(TemplateError::NeedleMissing {
                needle: "nowhere",
                ..
            })
        ));
    }

    #[test]
    fn date_time_follows_camera_clock_and_capture_offset() {
        let src = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../protocol/fixtures/real/unbranded-gx728mf-ir28-getsystemdateandtime.xml"
        ));
        let t = Template::compile("gsdt", src, &[], true).unwrap();
        assert_eq!(t.local_offset_secs, -5 * 3600);
        let out = t.render(&ctx(&identity(), 80));
        assert!(out.contains("<tt:Hour>3</tt:Hour>"));
        assert!(out.contains("<tt:Hour>22</tt:Hour>"));
        assert!(out.contains("<tt:Day>1</tt:Day>"));
        assert!(out.contains("<tt:Year>2024</tt:Year>"));
        assert_eq!(out.len(), src.len() - 2, "only the values changed: {out}");
    }
}

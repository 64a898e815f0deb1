//! WS-Security UsernameToken with PasswordDigest (OASIS WSS UsernameToken Profile 1.0, as ONVIF
//! Core section 5.12 uses it): the digest and the `<wsse:Security>` SOAP header element.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha1::{Digest as _, Sha1};

use crate::ns;

const PASSWORD_DIGEST_TYPE: &str = "http://docs.oasis-open.org/wss/2004/01/\
oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
const BASE64_BINARY_TYPE: &str = "http://docs.oasis-open.org/wss/2004/01/\
oasis-200401-wss-soap-message-security-1.0#Base64Binary";

/// A WS-Security UsernameToken with PasswordDigest.
#[derive(Clone)]
pub struct UsernameToken {
    pub username: String,
    /// Base64 of the raw nonce.
    pub nonce_b64: String,
    /// `wsu:Created`, UTC, e.g. `2010-09-16T07:50:45Z`.
    pub created: String,
    /// Base64(SHA1(nonce ‖ created ‖ password)).
    pub digest_b64: String,
}

impl UsernameToken {
    /// `nonce` is the raw nonce (16 random bytes from the caller); `created` is the camera's
    /// notion of now in UTC, since cameras reject tokens outside a window around their clock.
    pub fn new(username: &str, password: &str, nonce: &[u8], created: &str) -> Self {
        let mut sha = Sha1::new();
        sha.update(nonce);
        sha.update(created.as_bytes());
        sha.update(password.as_bytes());
        Self {
            username: username.to_owned(),
            nonce_b64: BASE64.encode(nonce),
            created: created.to_owned(),
            digest_b64: BASE64.encode(sha.finalize()),
        }
    }

    /// The `<wsse:Security>` header element (namespaces declared on it).
    ///
    /// `xmlns:s` is declared too, so the element stands alone wherever it is placed; it is the
    /// SOAP 1.2 envelope namespace the request builder uses, so the redeclaration is harmless.
    pub fn header_xml(&self) -> String {
        let mut out = String::with_capacity(768 + self.username.len());
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            concat!(
                r#"<wsse:Security s:mustUnderstand="1" xmlns:s="{soap}" xmlns:wsse="{wsse}" "#,
                r#"xmlns:wsu="{wsu}"><wsse:UsernameToken><wsse:Username>{user}</wsse:Username>"#,
                r#"<wsse:Password Type="{pw_type}">{digest}</wsse:Password>"#,
                r#"<wsse:Nonce EncodingType="{nonce_type}">{nonce}</wsse:Nonce>"#,
                r#"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"#,
            ),
            soap = ns::SOAP12,
            wsse = ns::WSSE,
            wsu = ns::WSU,
            user = XmlText(&self.username),
            pw_type = PASSWORD_DIGEST_TYPE,
            digest = XmlText(&self.digest_b64),
            nonce_type = BASE64_BINARY_TYPE,
            nonce = XmlText(&self.nonce_b64),
            created = XmlText(&self.created),
        );
        out
    }
}

impl std::fmt::Debug for UsernameToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsernameToken")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Escapes text content and attribute values. Characters XML 1.0 forbids (most C0 controls)
/// are dropped: there is no way to carry them, and the fields are ours or the operator's.
struct XmlText<'a>(&'a str);

impl std::fmt::Display for XmlText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in self.0.chars() {
            match c {
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '&' => f.write_str("&amp;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                '\t' | '\n' | '\r' => f.write_char(c)?,
                c if c < ' ' => {}
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    use quick_xml::{NsReader, XmlVersion};

    use super::*;

    /// ONVIF Application Programmer's Guide, section 6.1.1.3 (also in PROTOCOLS.md).
    const GUIDE_NONCE_B64: &str = "LKqI6G/AikKCQrN0zqZFlg==";
    const GUIDE_CREATED: &str = "2010-09-16T07:50:45Z";
    const GUIDE_PASSWORD: &str = "userpassword";
    const GUIDE_DIGEST: &str = "tuOSpGlFlIXsozq4HFNeeGeFLEI=";

    fn guide_token(username: &str) -> UsernameToken {
        let nonce = BASE64
            .decode(GUIDE_NONCE_B64)
            .expect("test vector is base64");
        UsernameToken::new(username, GUIDE_PASSWORD, &nonce, GUIDE_CREATED)
    }

    #[test]
    fn digest_matches_onvif_programmers_guide_vector() {
        let token = guide_token("user");
        assert_eq!(token.digest_b64, GUIDE_DIGEST);
        assert_eq!(token.nonce_b64, GUIDE_NONCE_B64);
        assert_eq!(token.created, GUIDE_CREATED);
    }

    #[test]
    fn digest_depends_on_every_input() {
        let nonce = BASE64
            .decode(GUIDE_NONCE_B64)
            .expect("test vector is base64");
        let base = UsernameToken::new("u", GUIDE_PASSWORD, &nonce, GUIDE_CREATED).digest_b64;
        let other_pw = UsernameToken::new("u", "userpassworD", &nonce, GUIDE_CREATED).digest_b64;
        let other_time =
            UsernameToken::new("u", GUIDE_PASSWORD, &nonce, "2010-09-16T07:50:46Z").digest_b64;
        let other_nonce = UsernameToken::new("u", GUIDE_PASSWORD, &nonce[1..], GUIDE_CREATED);
        assert_ne!(base, other_pw);
        assert_ne!(base, other_time);
        assert_ne!(base, other_nonce.digest_b64);
    }

    struct Element {
        ns: String,
        local: String,
        attrs: Vec<(String, String)>,
        text: String,
    }

    /// Reads the header back by namespace URI + local name.
    fn read_back(xml: &str) -> Vec<Element> {
        let mut reader = NsReader::from_str(xml);
        let mut out: Vec<Element> = Vec::new();
        loop {
            match reader
                .read_resolved_event()
                .expect("header is well-formed XML")
            {
                (ResolveResult::Bound(ns), Event::Start(e)) => {
                    let ns = ns.as_ref().to_owned();
                    let local = e.local_name().as_ref().to_owned();
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.expect("well-formed attribute");
                            let key = a.key.as_ref().to_owned();
                            let value = a
                                .normalized_value(XmlVersion::Implicit1_0)
                                .expect("escaped value")
                                .into_owned();
                            (key, value)
                        })
                        .collect();
                    out.push(Element {
                        ns,
                        local,
                        attrs,
                        text: String::new(),
                    });
                }
                (_, Event::Text(t)) => {
                    if let Some(last) = out.last_mut() {
                        last.text.push_str(&t.xml10_content());
                    }
                }
                (_, Event::GeneralRef(r)) => {
                    let name = r.xml10_content();
                    let resolved = quick_xml::escape::resolve_xml_entity(&name)
                        .expect("only predefined entities");
                    if let Some(last) = out.last_mut() {
                        last.text.push_str(resolved);
                    }
                }
                (_, Event::Eof) => break,
                (ResolveResult::Unbound, Event::Start(e)) => {
                    panic!("unbound element {:?}", e.name())
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn header_xml_resolves_namespaces_and_carries_values() {
        let token = guide_token("admin");
        let elements = read_back(&token.header_xml());
        let names: Vec<(&str, &str)> = elements
            .iter()
            .map(|e| (e.ns.as_str(), e.local.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (ns::WSSE, "Security"),
                (ns::WSSE, "UsernameToken"),
                (ns::WSSE, "Username"),
                (ns::WSSE, "Password"),
                (ns::WSSE, "Nonce"),
                (ns::WSU, "Created"),
            ]
        );
        let text = |local: &str| {
            elements
                .iter()
                .find(|e| e.local == local)
                .map(|e| e.text.as_str())
                .expect("element")
        };
        assert_eq!(text("Username"), "admin");
        assert_eq!(text("Password"), GUIDE_DIGEST);
        assert_eq!(text("Nonce"), GUIDE_NONCE_B64);
        assert_eq!(text("Created"), GUIDE_CREATED);
        let attr = |local: &str, key: &str| {
            elements
                .iter()
                .find(|e| e.local == local)
                .and_then(|e| e.attrs.iter().find(|(k, _)| k == key))
                .map(|(_, v)| v.clone())
                .expect("attribute")
        };
        assert_eq!(attr("Password", "Type"), PASSWORD_DIGEST_TYPE);
        assert!(attr("Password", "Type").ends_with("#PasswordDigest"));
        assert!(attr("Nonce", "EncodingType").ends_with("#Base64Binary"));
        assert_eq!(attr("Security", "s:mustUnderstand"), "1");
        assert_eq!(attr("Security", "xmlns:s"), ns::SOAP12);
    }

    #[test]
    fn header_xml_escapes_username() {
        let cases = [
            ("a<b>&\"c'", "a<b>&\"c'"),
            ("</wsse:Username><evil/>", "</wsse:Username><evil/>"),
            ("ctl\u{0}\u{1b}x", "ctlx"),
            ("Jäsøn Doe", "Jäsøn Doe"),
        ];
        for (username, expected) in cases {
            let xml = guide_token(username).header_xml();
            let elements = read_back(&xml);
            let got = elements
                .iter()
                .find(|e| e.local == "Username")
                .map(|e| e.text.as_str());
            assert_eq!(got, Some(expected), "username {username:?} in {xml}");
            assert_eq!(elements.len(), 6, "no injected elements for {username:?}");
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let token = guide_token("admin");
        let shown = format!("{token:?} {token:#?}");
        assert!(shown.contains("admin"));
        for secret in [GUIDE_DIGEST, GUIDE_NONCE_B64, GUIDE_PASSWORD, GUIDE_CREATED] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
    }
}

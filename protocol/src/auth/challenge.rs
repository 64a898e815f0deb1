//! `WWW-Authenticate` parsing (RFC 9110 section 11.6.1 syntax; Digest parameters per RFC 7616
//! section 3.3) and the choice of the digest challenge to answer.

use super::{Algorithm, Error};

/// Longest `WWW-Authenticate` value we parse. Real cameras send well under 512 bytes.
pub const MAX_HEADER_LEN: usize = 4096;

/// One `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Challenge {
    Digest(DigestChallenge),
    /// `Basic realm=…`: recorded (the realm is evidence), never answered over plain HTTP.
    Basic {
        realm: Option<String>,
    },
    /// Any other scheme, as sent. A Digest challenge we cannot answer (no `nonce`, or an
    /// algorithm such as `SHA-512-256` that we do not implement) is also `Other`.
    Other {
        scheme: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestChallenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `qop` options offered (e.g. `["auth", "auth-int"]`); empty for RFC 2069 style.
    pub qop: Vec<String>,
    pub stale: bool,
    pub userhash: bool,
}

/// Parses one `WWW-Authenticate` header value (which may hold several challenges).
///
/// Scheme and parameter names, `algorithm`, `stale` and `userhash` values are matched
/// case-insensitively; `qop` options are lowercased. A missing `realm` is an empty realm, a
/// missing `algorithm` is MD5 (RFC 7616 section 3.3). The first of duplicate parameters wins.
pub fn parse_www_authenticate(value: &str) -> Result<Vec<Challenge>, Error> {
    if value.len() > MAX_HEADER_LEN {
        return Err(Error::TooLong {
            len: value.len(),
            max: MAX_HEADER_LEN,
        });
    }
    let raw = Lexer::new(value).challenges()?;
    if raw.is_empty() {
        return Err(Error::Malformed("no challenge"));
    }
    Ok(raw.into_iter().map(RawChallenge::into_challenge).collect())
}

/// Picks the strongest digest challenge we support (SHA-256 over MD5; qop=auth required
/// unless none offered).
///
/// A `-sess` algorithm without `qop` is skipped: its HA1 needs a cnonce that RFC 2617 forbids
/// sending without `qop`. Among equals the first offered wins.
pub fn best_digest(challenges: &[Challenge]) -> Option<&DigestChallenge> {
    let mut best: Option<&DigestChallenge> = None;
    for challenge in challenges {
        let Challenge::Digest(digest) = challenge else {
            continue;
        };
        let Some(rank) = rank(digest) else { continue };
        if best
            .and_then(self::rank)
            .is_none_or(|best_rank| rank > best_rank)
        {
            best = Some(digest);
        }
    }
    best
}

fn rank(digest: &DigestChallenge) -> Option<u8> {
    let qop_ok = digest.qop.is_empty() || digest.qop.iter().any(|q| q == "auth");
    if !qop_ok || (digest.qop.is_empty() && digest.algorithm.is_session()) {
        return None;
    }
    Some(match digest.algorithm {
        Algorithm::Sha256 => 4,
        Algorithm::Sha256Sess => 3,
        Algorithm::Md5 => 2,
        Algorithm::Md5Sess => 1,
    })
}

/// A challenge before interpretation: scheme and parameters as sent (quoted strings unescaped).
struct RawChallenge<'a> {
    scheme: &'a str,
    params: Vec<(&'a str, String)>,
}

impl RawChallenge<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    fn into_challenge(self) -> Challenge {
        if self.scheme.eq_ignore_ascii_case("basic") {
            return Challenge::Basic {
                realm: self.param("realm").map(str::to_owned),
            };
        }
        if self.scheme.eq_ignore_ascii_case("digest")
            && let Some(digest) = self.digest()
        {
            return Challenge::Digest(digest);
        }
        Challenge::Other {
            scheme: self.scheme.to_owned(),
        }
    }

    fn digest(&self) -> Option<DigestChallenge> {
        let algorithm = match self.param("algorithm") {
            Some(token) => Algorithm::from_token(token)?,
            None => Algorithm::Md5,
        };
        let qop = self
            .param("qop")
            .unwrap_or_default()
            .split(',')
            .map(|q| q.trim().to_ascii_lowercase())
            .filter(|q| !q.is_empty())
            .collect();
        Some(DigestChallenge {
            realm: self.param("realm").unwrap_or_default().to_owned(),
            nonce: self.param("nonce")?.to_owned(),
            opaque: self.param("opaque").map(str::to_owned),
            algorithm,
            qop,
            stale: self.flag("stale"),
            userhash: self.flag("userhash"),
        })
    }
}

/// Cursor over the header value. Every step consumes input or returns an error, so parsing
/// is linear in the (capped) input length.
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.src
            .as_bytes()
            .get(self.pos.checked_add(offset)?)
            .copied()
    }

    fn skip_while(&mut self, pred: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&pred) {
            self.pos += 1;
        }
    }

    fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        self.skip_while(pred);
        // Predicates only accept ASCII, so both ends are char boundaries.
        self.src.get(start..self.pos).unwrap_or_default()
    }

    fn challenges(mut self) -> Result<Vec<RawChallenge<'a>>, Error> {
        let mut out: Vec<RawChallenge<'a>> = Vec::new();
        loop {
            self.skip_while(|b| is_ws(b) || b == b',');
            if self.peek().is_none() {
                return Ok(out);
            }
            let name = self.take_while(is_tchar);
            if name.is_empty() {
                return Err(Error::Malformed(
                    "expected an auth scheme or a parameter name",
                ));
            }
            self.skip_while(is_ws);
            if self.peek() == Some(b'=') {
                self.pos += 1;
                let value = self.param_value()?;
                let Some(current) = out.last_mut() else {
                    return Err(Error::Malformed("parameter before any auth scheme"));
                };
                current.params.push((name, value));
            } else {
                out.push(RawChallenge {
                    scheme: name,
                    params: Vec::new(),
                });
                self.skip_token68();
            }
        }
    }

    fn param_value(&mut self) -> Result<String, Error> {
        self.skip_while(is_ws);
        if self.peek() == Some(b'"') {
            return self.quoted_string();
        }
        // Lenient: cameras send unquoted values that are not strict tokens (base64 nonces).
        let value = self.take_while(|b| b.is_ascii_graphic() && b != b',' && b != b'"');
        if self.peek() == Some(b'"') {
            return Err(Error::Malformed("quote inside an unquoted parameter value"));
        }
        Ok(value.to_owned())
    }

    fn quoted_string(&mut self) -> Result<String, Error> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(Error::Malformed("unterminated quoted string"));
            };
            self.pos += 1;
            let b = match b {
                b'"' => break,
                b'\\' => {
                    let Some(escaped) = self.peek() else {
                        return Err(Error::Malformed("unterminated quoted string"));
                    };
                    self.pos += 1;
                    escaped
                }
                b => b,
            };
            if (b < 0x20 && b != b'\t') || b == 0x7f {
                return Err(Error::Malformed("control character in a quoted string"));
            }
            out.push(b);
        }
        // Only ASCII delimiters were removed from valid UTF-8, so this cannot fail.
        String::from_utf8(out).map_err(|_| Error::Malformed("quoted string is not UTF-8"))
    }

    /// After a scheme, skips an RFC 9110 `token68` credential (`Negotiate YII…==`) if one is
    /// there, so that it is not taken for the next scheme.
    fn skip_token68(&mut self) {
        let save = self.pos;
        self.skip_while(is_ws);
        let mut len = 0usize;
        while self.peek_at(len).is_some_and(is_token68_char) {
            len += 1;
        }
        let body = len;
        while self.peek_at(len) == Some(b'=') {
            len += 1;
        }
        let mut end = len;
        while self.peek_at(end).is_some_and(is_ws) {
            end += 1;
        }
        let ends_item = matches!(self.peek_at(end), None | Some(b','));
        if body > 0 && ends_item {
            self.pos += end;
        } else {
            self.pos = save;
        }
    }
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// RFC 9110 section 5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANNERS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/real/http-banners-and-auth-challenges.txt"
    ));
    const RTSP_ADDED: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/real/http-rtsp-auth-challenges-added.txt"
    ));

    /// `(field, value)` of every data line of the fixture compilations.
    fn fixture_values() -> Vec<(&'static str, &'static str)> {
        [BANNERS, RTSP_ADDED]
            .iter()
            .flat_map(|text| text.lines())
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (meta, value) = line.split_once(" | value: ")?;
                let field = meta.split(" | ").nth(1)?;
                Some((field, value))
            })
            .collect()
    }

    fn digest(challenge: &Challenge) -> &DigestChallenge {
        match challenge {
            Challenge::Digest(d) => d,
            other => panic!("expected a Digest challenge, got {other:?}"),
        }
    }

    fn realms(challenges: &[Challenge]) -> Vec<String> {
        challenges
            .iter()
            .filter_map(|c| match c {
                Challenge::Digest(d) => Some(d.realm.clone()),
                Challenge::Basic { realm } => realm.clone(),
                Challenge::Other { .. } => None,
            })
            .collect()
    }

    /// Every real `WWW-Authenticate` (and echoed `Authorization`, same auth-param syntax) value
    /// in the fixtures parses, with the realm the device sent.
    #[test]
    fn real_challenges_parse_with_their_realms() {
        let parsed: Vec<Vec<String>> = fixture_values()
            .into_iter()
            .filter(|(field, _)| {
                field.contains("WWW-Authenticate") || field.contains("Authorization")
            })
            .map(|(_, value)| {
                let challenges =
                    parse_www_authenticate(value).unwrap_or_else(|e| panic!("{value}: {e}"));
                realms(&challenges)
            })
            .collect();
        let expected: Vec<Vec<&str>> = vec![
            vec!["hikvision"],
            vec!["Login to 2J01018PAA00813"],
            vec!["Login to 4K049EBPAG1D7E7"],
            vec!["Login to 4H01D66PAJ2FA64"],
            vec!["Login to 11839e10161ff4ebab8e3260b8779f14"],
            vec!["Login to ND011811000000"],
            vec!["AXIS_00408CEF081C"],
            vec!["AXIS_00408CEF081C"],
            vec!["Use 'live' as User Name"],
            vec!["TP-LINK IP-Camera"],
            vec!["IP Camera(D1486)"],
            vec!["IP Camera(J2914)"],
            vec!["IP Camera(FB997)"],
            vec!["IP Camera(21388)"],
            vec!["IP Camera(51253)", "…"],
            vec!["AXIS_WS_ACCC8E3A0A8F"],
            vec!["Login to 2J01018PAA00813"],
        ];
        assert_eq!(parsed, expected);
    }

    #[test]
    fn real_challenge_details() {
        let values: Vec<&str> = fixture_values()
            .into_iter()
            .filter(|(field, _)| field.contains("WWW-Authenticate"))
            .map(|(_, v)| v)
            .collect();
        let find = |needle: &str| {
            let value = values
                .iter()
                .find(|v| v.contains(needle))
                .expect("fixture line");
            parse_www_authenticate(value).expect("real challenge parses")
        };

        let dahua = find("Login to 2J01018PAA00813");
        let d = digest(&dahua[0]);
        assert_eq!(d.nonce, "b252aWYtZGlnZXN0OjQzMjYxNjc5MTQw");
        assert_eq!(d.qop, ["auth"]);
        assert_eq!(d.opaque.as_deref(), Some(""));
        assert_eq!(
            (d.algorithm, d.stale, d.userhash),
            (Algorithm::Md5, false, false)
        );

        let dahua_2069 = find("Login to 4K049EBPAG1D7E7");
        let d = digest(&dahua_2069[0]);
        assert!(d.qop.is_empty());
        assert_eq!(d.opaque, None);
        assert_eq!(best_digest(&dahua_2069), Some(d));

        let axis = find("Digest realm=\"AXIS_00408CEF081C\"");
        let d = digest(&axis[0]);
        assert_eq!(d.nonce, "00054cecY7165349339ae05f7017797d6b0aaad38f6ff45");
        assert!(!d.stale);

        let bosch = find("Use 'live'");
        let d = digest(&bosch[0]);
        assert_eq!((d.algorithm, d.stale), (Algorithm::Md5, false));
        assert_eq!(d.nonce, "18e62d241a5358a9650640fa72c1773c");

        assert_eq!(
            find("hikvision"),
            [Challenge::Basic {
                realm: Some("hikvision".into())
            }]
        );
        assert_eq!(best_digest(&find("hikvision")), None);

        let hik_both = find("IP Camera(51253)");
        assert_eq!(hik_both.len(), 2);
        assert_eq!(digest(&hik_both[0]).nonce, "…");
        assert_eq!(
            hik_both[1],
            Challenge::Basic {
                realm: Some("…".into())
            }
        );
    }

    fn parse_ok(value: &str) -> Vec<Challenge> {
        parse_www_authenticate(value).unwrap_or_else(|e| panic!("{value:?}: {e}"))
    }

    #[test]
    fn syntax_variants() {
        let cases: Vec<(&str, Vec<Challenge>)> = vec![
            (
                "DIGEST REALM=\"r\", NONCE=n, ALGORITHM=sha-256, QOP=\"AUTH\", STALE=TRUE",
                vec![Challenge::Digest(DigestChallenge {
                    realm: "r".into(),
                    nonce: "n".into(),
                    opaque: None,
                    algorithm: Algorithm::Sha256,
                    qop: vec!["auth".into()],
                    stale: true,
                    userhash: false,
                })],
            ),
            (
                r#"Digest realm="a \"quoted\" \\ realm",nonce="x\y",opaque="",userhash=true,algorithm="MD5-SESS",qop=" auth-int , auth,""#,
                vec![Challenge::Digest(DigestChallenge {
                    realm: r#"a "quoted" \ realm"#.into(),
                    nonce: "xy".into(),
                    opaque: Some(String::new()),
                    algorithm: Algorithm::Md5Sess,
                    qop: vec!["auth-int".into(), "auth".into()],
                    stale: false,
                    userhash: true,
                })],
            ),
            (
                "Negotiate YII/abc+==, Basic realm=\"x\", NTLM, Bearer",
                vec![
                    Challenge::Other {
                        scheme: "Negotiate".into(),
                    },
                    Challenge::Basic {
                        realm: Some("x".into()),
                    },
                    Challenge::Other {
                        scheme: "NTLM".into(),
                    },
                    Challenge::Other {
                        scheme: "Bearer".into(),
                    },
                ],
            ),
            ("basic", vec![Challenge::Basic { realm: None }]),
            (
                " , Basic  realm = \"spaced\" ,, ",
                vec![Challenge::Basic {
                    realm: Some("spaced".into()),
                }],
            ),
            (
                "Basic realm=\"first\", realm=\"second\"",
                vec![Challenge::Basic {
                    realm: Some("first".into()),
                }],
            ),
            // Unusable Digest challenges are kept as `Other`.
            (
                "Digest realm=\"no nonce\"",
                vec![Challenge::Other {
                    scheme: "Digest".into(),
                }],
            ),
            (
                "Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512-256",
                vec![Challenge::Other {
                    scheme: "Digest".into(),
                }],
            ),
            // Unquoted base64 nonce, missing commas between parameters.
            (
                "Digest nonce=ab/c+d== realm=\"r\"",
                vec![Challenge::Digest(DigestChallenge {
                    realm: "r".into(),
                    nonce: "ab/c+d==".into(),
                    opaque: None,
                    algorithm: Algorithm::Md5,
                    qop: Vec::new(),
                    stale: false,
                    userhash: false,
                })],
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_ok(value), expected, "{value}");
        }
    }

    #[test]
    fn malformed_values_are_errors() {
        let long = ",".repeat(10_000);
        let cases: Vec<(&str, &str)> = vec![
            ("", "no challenge"),
            (" ,, ,", "no challenge"),
            ("Digest realm=\"unterminated", "unterminated quoted string"),
            (
                "Digest realm=\"ends in escape\\",
                "unterminated quoted string",
            ),
            (
                "Digest realm=\"nul\0\"",
                "control character in a quoted string",
            ),
            (
                "Digest realm=\"line\r\nX-Injected: 1\"",
                "control character in a quoted string",
            ),
            ("realm=\"no scheme\"", "parameter before any auth scheme"),
            (
                "Digest realm=a\"b\"",
                "quote inside an unquoted parameter value",
            ),
            ("\0Digest", "expected an auth scheme or a parameter name"),
            (
                "Dïgest realm=x",
                "expected an auth scheme or a parameter name",
            ),
            ("Digest (x)", "expected an auth scheme or a parameter name"),
        ];
        for (value, reason) in cases {
            match parse_www_authenticate(value) {
                Err(Error::Malformed(got)) => assert_eq!(got, reason, "{value:?}"),
                other => panic!("{value:?}: expected Malformed({reason}), got {other:?}"),
            }
        }
        assert!(matches!(
            parse_www_authenticate(&long),
            Err(Error::TooLong {
                len: 10_000,
                max: MAX_HEADER_LEN
            })
        ));
    }

    #[test]
    fn best_digest_prefers_sha256_and_skips_unusable() {
        let cases = [
            // RFC 7616 section 3.7 order: SHA-256 first, then MD5.
            (
                "Digest realm=\"r\", nonce=\"a\", algorithm=MD5, qop=\"auth\", \
                 Digest realm=\"r\", nonce=\"b\", algorithm=SHA-256, qop=\"auth\"",
                Some("b"),
            ),
            (
                "Digest nonce=a, algorithm=MD5-sess, qop=auth, Digest nonce=b",
                Some("b"),
            ),
            (
                "Digest nonce=a, algorithm=MD5-sess, qop=auth, Digest nonce=b, qop=auth-int",
                Some("a"),
            ),
            ("Digest nonce=a, algorithm=SHA-256-sess", None),
            (
                "Digest nonce=a, algorithm=SHA-256-sess, qop=auth",
                Some("a"),
            ),
            (
                "Digest nonce=a, algorithm=SHA-512-256, qop=auth, Digest nonce=b, qop=auth",
                Some("b"),
            ),
            ("Digest nonce=a, qop=auth-int", None),
            ("Digest nonce=a, Digest nonce=b", Some("a")),
            ("Basic realm=x", None),
        ];
        for (value, expected) in cases {
            let challenges = parse_ok(value);
            let got = best_digest(&challenges).map(|d| d.nonce.as_str());
            assert_eq!(got, expected, "{value}");
        }
        assert_eq!(best_digest(&[]), None);
    }

    /// Fixture lines, whole and value-only, plus hostile inputs: no panic, bounded work.
    #[test]
    fn sweep_never_panics() {
        let mut inputs: Vec<String> = [BANNERS, RTSP_ADDED]
            .iter()
            .flat_map(|text| text.lines())
            .flat_map(|line| {
                let value = line.split_once(" | value: ").map_or(line, |(_, v)| v);
                [line.to_owned(), value.to_owned()]
            })
            .collect();
        let hostile = [
            "\"".to_owned(),
            "=".to_owned(),
            "Digest ====".to_owned(),
            "Digest realm".to_owned(),
            "Digest realm=".to_owned(),
            "Digest realm=\"\\".to_owned(),
            "Digest \0\0\0".to_owned(),
            ",".repeat(10_000),
            ",".repeat(MAX_HEADER_LEN),
            "Digest a=b,".repeat(MAX_HEADER_LEN / 11),
            "Basic ".repeat(MAX_HEADER_LEN / 6),
            format!("Digest realm=\"{}\"", "\\\"".repeat(2000)),
            format!("Negotiate {}", "=".repeat(4000)),
            "\u{feff}Digest realm=\"bom\"".to_owned(),
        ];
        inputs.extend(hostile);
        // Deterministic pseudo-random inputs over the characters the grammar cares about.
        let alphabet = b"Digest Basic realm=nonce\"\\,= \t\0\x7f/+qop";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let mut s = Vec::new();
            for _ in 0..(state % 64) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            inputs.push(String::from_utf8_lossy(&s).into_owned());
        }
        for input in &inputs {
            if let Ok(challenges) = parse_www_authenticate(input) {
                assert!(!challenges.is_empty(), "{input:?}");
                assert!(input.len() <= MAX_HEADER_LEN);
                let _ = best_digest(&challenges);
            }
        }
    }
}

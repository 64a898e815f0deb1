//! One HTTP Digest round trip (RFC 7616): ask without credentials, answer a usable digest
//! challenge once on a new connection. Basic is never answered: it would put the password on
//! the wire in clear text.

use std::time::Instant;

use camaudit_protocol::auth::{self, Algorithm, Challenge};

use super::{HttpError, Limits, Request, Response, Stage, send};

/// Most distinct realms kept from one 401 (a camera sends one or two).
const MAX_REALMS: usize = 8;

/// What happened on the way to the response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DigestOutcome {
    /// The request was resent with an `Authorization: Digest` header.
    pub digest_used: bool,
    /// The algorithm answered, when `digest_used`.
    pub algorithm: Option<Algorithm>,
    /// Realms of the Digest and Basic challenges in the 401, in order, without duplicates.
    /// Realms are attribution evidence (Dahua `Login to <serial>`, Axis `AXIS_<MAC>`).
    pub realms: Vec<String>,
    /// A Basic challenge was offered and no usable Digest one, so no credentials were sent.
    pub basic_withheld: bool,
}

/// Sends `req` without credentials; on a 401 with a usable Digest challenge, resends it once
/// with an `Authorization` computed for `username`/`password` (nonce count 1, `cnonce` from
/// the caller). Any other response, including a 401 offering only Basic, is returned as is.
/// `limits.total_timeout` bounds both exchanges together.
pub async fn send_with_digest(
    req: &Request<'_>,
    limits: &Limits,
    username: &str,
    password: &str,
    cnonce: &str,
) -> Result<(Response, DigestOutcome), HttpError> {
    let start = Instant::now();
    let first = send(
        &Request {
            authorization: None,
            ..*req
        },
        limits,
    )
    .await?;
    if first.status != 401 {
        return Ok((first, DigestOutcome::default()));
    }
    let challenges = challenges(&first, req);
    let mut outcome = DigestOutcome {
        realms: realms(&challenges),
        ..DigestOutcome::default()
    };
    let Some(challenge) = auth::best_digest(&challenges) else {
        outcome.basic_withheld = challenges
            .iter()
            .any(|c| matches!(c, Challenge::Basic { .. }));
        tracing::debug!(addr = %req.addr, basic = outcome.basic_withheld, "401 without a usable digest challenge");
        return Ok((first, outcome));
    };
    let authorization = auth::digest_authorization(
        challenge,
        username,
        password,
        req.method.as_str(),
        req.path,
        cnonce,
        1,
    );
    tracing::debug!(addr = %req.addr, realm = %challenge.realm, algorithm = %challenge.algorithm, "answering digest challenge");
    outcome.digest_used = true;
    outcome.algorithm = Some(challenge.algorithm);
    let remaining = limits.total_timeout.saturating_sub(start.elapsed());
    if remaining.is_zero() {
        return Err(HttpError::Timeout {
            addr: req.addr,
            stage: Stage::Connect,
        });
    }
    let limits = &Limits {
        total_timeout: remaining,
        ..*limits
    };
    let second = send(
        &Request {
            authorization: Some(&authorization),
            ..*req
        },
        limits,
    )
    .await?;
    Ok((second, outcome))
}

/// Every challenge of every `WWW-Authenticate` header; malformed headers are skipped.
fn challenges(response: &Response, req: &Request<'_>) -> Vec<Challenge> {
    let mut out = Vec::new();
    for value in response.headers_all("www-authenticate") {
        match auth::parse_www_authenticate(value) {
            Ok(parsed) => out.extend(parsed),
            Err(err) => tracing::debug!(addr = %req.addr, %err, "ignoring WWW-Authenticate header"),
        }
    }
    out
}

fn realms(challenges: &[Challenge]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for challenge in challenges {
        let realm = match challenge {
            Challenge::Digest(d) => Some(&d.realm),
            Challenge::Basic { realm } => realm.as_ref(),
            Challenge::Other { .. } => None,
        };
        if let Some(realm) = realm.filter(|r| !r.is_empty() && !out.contains(r)) {
            if out.len() == MAX_REALMS {
                break;
            }
            out.push(realm.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use tokio::io::AsyncWriteExt;

    use super::super::test_server::{header_of, read_request, serve};
    use super::*;

    const USER: &str = "admin";
    const PASSWORD: &str = "S3cret-pw";
    const CNONCE: &str = "0a4f113b";
    const PATH: &str = "/onvif/device_service";

    fn limits() -> Limits {
        Limits {
            total_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(1),
            ..Limits::default()
        }
    }

    /// A camera that answers the first request with 401 + `challenge` headers and the second
    /// with 200 if, and only if, its Authorization is what the protocol code computes from the
    /// challenge the server itself sent. Returns each request it saw.
    async fn digest_camera(
        challenge_headers: Vec<String>,
    ) -> (SocketAddr, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
        serve(3, move |i, mut stream| {
            let challenge_headers = challenge_headers.clone();
            async move {
                let request = read_request(&mut stream).await;
                let reply = if i == 0 {
                    assert_eq!(
                        header_of(&request, "authorization"),
                        None,
                        "first request is anonymous"
                    );
                    let www: String = challenge_headers
                        .iter()
                        .map(|h| format!("WWW-Authenticate: {h}\r\n"))
                        .collect();
                    format!("HTTP/1.1 401 Unauthorized\r\n{www}Content-Length: 0\r\n\r\n")
                } else {
                    let challenges: Vec<Challenge> = challenge_headers
                        .iter()
                        .flat_map(|h| {
                            auth::parse_www_authenticate(h).expect("server's own challenge")
                        })
                        .collect();
                    let expected = auth::best_digest(&challenges).map(|c| {
                        auth::digest_authorization(c, USER, PASSWORD, "POST", PATH, CNONCE, 1)
                    });
                    let got = header_of(&request, "authorization");
                    if got.is_some() && got == expected {
                        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n<ok>yes</ok>\n".to_owned()
                    } else {
                        "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n".to_owned()
                    }
                };
                let _ = stream.write_all(reply.as_bytes()).await;
                request
            }
        })
        .await
    }

    fn post(addr: SocketAddr) -> Request<'static> {
        Request::post(
            addr,
            "camera",
            PATH,
            "application/soap+xml",
            b"<s:Envelope/>",
        )
    }

    #[tokio::test]
    async fn digest_round_trip_md5_and_sha256() {
        let dahua = "Digest realm=\"Login to 2J01018PAA00813\",qop=\"auth\",nonce=\"b252aWYtZGlnZXN0OjQzMjYxNjc5MTQw\",opaque=\"\",stale=\"false\"";
        let cases = [
            (vec![dahua.to_owned()], Algorithm::Md5, vec!["Login to 2J01018PAA00813"]),
            (
                vec![
                    "Digest realm=\"IP Camera(D1486)\", algorithm=MD5, qop=\"auth\", nonce=\"n-md5\"".to_owned(),
                    "Digest realm=\"IP Camera(D1486)\", algorithm=SHA-256, qop=\"auth\", nonce=\"n-sha\", opaque=\"o\"".to_owned(),
                    "Basic realm=\"fallback\"".to_owned(),
                ],
                Algorithm::Sha256,
                vec!["IP Camera(D1486)", "fallback"],
            ),
        ];
        for (headers, algorithm, realms) in cases {
            let (addr, server) = digest_camera(headers).await;
            let (resp, outcome) = send_with_digest(&post(addr), &limits(), USER, PASSWORD, CNONCE)
                .await
                .expect("exchange");
            assert_eq!(resp.status, 200, "server verified the digest");
            assert_eq!(resp.body, b"<ok>yes</ok>\n");
            assert!(outcome.digest_used && !outcome.basic_withheld);
            assert_eq!(outcome.algorithm, Some(algorithm));
            assert_eq!(outcome.realms, realms);
            let requests = server.await.expect("server");
            assert_eq!(requests.len(), 2);
            assert!(
                requests[1].ends_with(b"\r\n\r\n<s:Envelope/>"),
                "body resent"
            );
            for request in &requests {
                assert!(
                    !request
                        .windows(PASSWORD.len())
                        .any(|w| w == PASSWORD.as_bytes())
                );
            }
        }
    }

    #[tokio::test]
    async fn wrong_password_gets_one_retry_only() {
        let (addr, server) =
            digest_camera(vec!["Digest realm=\"r\", qop=auth, nonce=\"n\"".to_owned()]).await;
        let (resp, outcome) = send_with_digest(&post(addr), &limits(), USER, "wrong", CNONCE)
            .await
            .expect("exchange");
        assert_eq!(resp.status, 401);
        assert!(outcome.digest_used);
        assert_eq!(server.await.expect("server").len(), 2);
    }

    #[tokio::test]
    async fn basic_only_never_sends_the_password() {
        let (addr, server) = serve(2, |_, mut stream| async move {
            let request = read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"hikvision\"\r\nContent-Length: 0\r\n\r\n")
                .await;
            request
        })
        .await;
        let (resp, outcome) = send_with_digest(&post(addr), &limits(), USER, PASSWORD, CNONCE)
            .await
            .expect("exchange");
        assert_eq!(resp.status, 401);
        assert_eq!(
            outcome,
            DigestOutcome {
                digest_used: false,
                algorithm: None,
                realms: vec!["hikvision".into()],
                basic_withheld: true
            }
        );
        let requests = server.await.expect("server");
        assert_eq!(requests.len(), 1, "no second request");
        assert_eq!(header_of(&requests[0], "authorization"), None);
        assert!(
            !requests[0]
                .windows(PASSWORD.len())
                .any(|w| w == PASSWORD.as_bytes())
        );
    }

    #[tokio::test]
    async fn no_challenge_no_retry() {
        for reply in [
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"x\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
        ] {
            let (addr, server) = serve(2, move |_, mut stream| async move {
                read_request(&mut stream).await;
                let _ = stream.write_all(reply.as_bytes()).await;
            })
            .await;
            let (resp, outcome) = send_with_digest(&post(addr), &limits(), USER, PASSWORD, CNONCE)
                .await
                .expect("exchange");
            assert_eq!(outcome, DigestOutcome::default(), "{reply}");
            assert!(resp.status == 200 || resp.status == 401);
            assert_eq!(server.await.expect("server").len(), 1);
        }
    }

    /// Two slow exchanges share one total timeout: a device cannot double its cost.
    #[tokio::test]
    async fn both_exchanges_share_the_total_timeout() {
        let (addr, _server) = serve(2, |_, mut stream| async move {
            read_request(&mut stream).await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            let _ = stream
                .write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\nContent-Length: 0\r\n\r\n")
                .await;
        })
        .await;
        let limits = Limits {
            total_timeout: Duration::from_millis(600),
            ..limits()
        };
        let start = Instant::now();
        let err = send_with_digest(&post(addr), &limits, USER, PASSWORD, CNONCE)
            .await
            .expect_err("second exchange runs out of time");
        let elapsed = start.elapsed();
        assert!(
            matches!(
                err,
                HttpError::Timeout {
                    stage: Stage::Head,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            elapsed >= Duration::from_millis(600) && elapsed < Duration::from_millis(900),
            "{elapsed:?}"
        );
    }
}

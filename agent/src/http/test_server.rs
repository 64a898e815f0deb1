//! Hand-written loopback HTTP servers for the client tests. Loopback only; every loop is
//! bounded in count and time.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// How long the server waits for the first connection, then for each further one.
const FIRST_ACCEPT: Duration = Duration::from_secs(3);
const NEXT_ACCEPT: Duration = Duration::from_millis(300);

/// Binds `127.0.0.1:0` and runs `handler` on up to `max_conns` connections, one after the
/// other. The task ends when no further connection arrives in time, returning what each
/// handler returned (so a test can count connections and inspect requests).
pub(super) async fn serve<F, Fut, T>(
    max_conns: usize,
    mut handler: F,
) -> (SocketAddr, JoinHandle<Vec<T>>)
where
    F: FnMut(usize, TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        let mut results = Vec::new();
        for i in 0..max_conns {
            let wait = if i == 0 { FIRST_ACCEPT } else { NEXT_ACCEPT };
            let Ok(Ok((stream, _))) = timeout(wait, listener.accept()).await else {
                break;
            };
            results.push(handler(i, stream).await);
        }
        results
    });
    (addr, task)
}

/// A loopback address with nothing listening (bound, then released).
pub(super) async fn refused_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    listener.local_addr().expect("local addr")
}

/// Reads one request (head and Content-Length body), at most 64 KiB and 2 s.
pub(super) async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        while buf.len() < 64 * 1024 {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let body_len = header_of(&buf, "content-length")
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + body_len {
                    break;
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let _ = timeout(Duration::from_secs(2), read).await;
    buf
}

/// The first header `name` of a raw request, via httparse.
pub(super) fn header_of(request: &[u8], name: &str) -> Option<String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Request::new(&mut headers);
    parsed.parse(request).ok()?;
    parsed
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| String::from_utf8_lossy(h.value).into_owned())
}

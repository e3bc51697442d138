//! Three ways to send one HTTP/1 request and read its answer, from the heaviest to the
//! lightest. Each sends `Connection: close`, so the server closes first and keeps the
//! TIME_WAIT socket: a client that runs 10,000 requests again and again never runs short of
//! ephemeral ports (BENCHMARKS.md, in the suite "concurrency by example", has the runs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The lean client's read buffer. The server's whole answer (about 130 bytes of status line,
/// headers and `waited 1000 ms`) fits: a buffer sized for what is read, not 8 KiB by habit.
pub const READ_BUFFER: usize = 512;

/// Where the requests go: `GET path` on `addr`, with `Host: host`.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub host: String,
    pub path: String,
    /// The body the server answers with, to check every answer.
    pub expected: String,
}

/// Requests handed to the client so far, and answered so far: their difference is the number
/// in flight, read by the sampler at the moment of peak memory.
#[derive(Default)]
pub struct Counts {
    pub sent: AtomicUsize,
    pub done: AtomicUsize,
}

impl Counts {
    pub fn in_flight(&self) -> usize {
        self.sent
            .load(Relaxed)
            .saturating_sub(self.done.load(Relaxed))
    }
}

/// The lean client: a tokio `TcpStream`, one request written from a buffer that all the
/// connections share (it never changes), and the answer read into a 512-byte buffer and
/// parsed with httparse. Nothing else per connection but the task and the socket.
pub async fn lean(target: &Target, request: &[u8], counts: &Counts) -> Result<(), String> {
    let mut stream = TcpStream::connect(target.addr)
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(request).await.map_err(|e| e.to_string())?;
    counts.sent.fetch_add(1, Relaxed);
    let mut buf = Vec::with_capacity(READ_BUFFER);
    let body_len = loop {
        if buf.len() == READ_BUFFER {
            return Err(format!("answer longer than {READ_BUFFER} bytes"));
        }
        if stream.read_buf(&mut buf).await.map_err(|e| e.to_string())? == 0 {
            return Err("connection closed before the answer was complete".into());
        }
        let mut headers = [httparse::EMPTY_HEADER; 8];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(head)) => {
                if response.code != Some(200) {
                    return Err(format!("status {:?}", response.code));
                }
                let length = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok())
                    .ok_or("no content-length")?;
                if buf.len() >= head + length {
                    break (head, length);
                }
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(format!("bad answer: {e}")),
        }
    };
    let body = &buf[body_len.0..body_len.0 + body_len.1];
    check(body, target)?;
    // Read to the server's close, so that the server, not this client, closes first.
    let _ = stream.read(&mut [0u8; 1]).await;
    counts.done.fetch_add(1, Relaxed);
    Ok(())
}

/// A bare hyper HTTP/1 connection per request: hyper's read and write buffers and its
/// dispatch channel come with it, and the connection runs in a second task.
pub async fn hyper(target: &Target, counts: &Counts) -> Result<(), String> {
    let stream = TcpStream::connect(target.addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get(target.path.as_str())
        .header(hyper::header::HOST, target.host.as_str())
        .header(hyper::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    counts.sent.fetch_add(1, Relaxed);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    check(&body.to_bytes(), target)?;
    let _ = driver.await;
    counts.done.fetch_add(1, Relaxed);
    Ok(())
}

/// reqwest, as most programs would write it: one shared `Client`, one `get` per request.
pub async fn reqwest(
    client: &reqwest::Client,
    url: &str,
    target: &Target,
    counts: &Counts,
) -> Result<(), String> {
    let request = client.get(url).header(reqwest::header::CONNECTION, "close");
    counts.sent.fetch_add(1, Relaxed);
    let response = request.send().await.map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()));
    }
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    check(&body, target)?;
    counts.done.fetch_add(1, Relaxed);
    Ok(())
}

fn check(body: &[u8], target: &Target) -> Result<(), String> {
    if body == target.expected.as_bytes() {
        Ok(())
    } else {
        Err(format!(
            "unexpected answer {:?}",
            String::from_utf8_lossy(body)
        ))
    }
}

/// Which client: `lean`, `hyper` or `reqwest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Client {
    Reqwest,
    Hyper,
    Lean,
}

/// Runs `requests` requests at once with `client` and returns the errors, and the size of one
/// request's future (the state its task holds while it waits).
pub async fn run_all(
    client: Client,
    target: Arc<Target>,
    requests: usize,
    counts: Arc<Counts>,
) -> (Vec<String>, usize) {
    match client {
        Client::Lean => {
            let request: Arc<[u8]> = format!(
                "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.path, target.host
            )
            .into_bytes()
            .into();
            spawn_all(requests, || {
                let (target, counts, request) = (target.clone(), counts.clone(), request.clone());
                async move { lean(&target, &request, &counts).await }
            })
            .await
        }
        Client::Hyper => {
            spawn_all(requests, || {
                let (target, counts) = (target.clone(), counts.clone());
                async move { hyper(&target, &counts).await }
            })
            .await
        }
        Client::Reqwest => {
            let shared = reqwest::Client::new();
            let url: Arc<str> = format!("http://{}{}", target.host, target.path).into();
            spawn_all(requests, || {
                let (target, counts, url, shared) =
                    (target.clone(), counts.clone(), url.clone(), shared.clone());
                async move { reqwest(&shared, &url, &target, &counts).await }
            })
            .await
        }
    }
}

async fn spawn_all<F, Fut>(requests: usize, one: F) -> (Vec<String>, usize)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    let mut future_bytes = 0;
    for _ in 0..requests {
        let future = one();
        future_bytes = std::mem::size_of_val(&future);
        tasks.spawn(future);
    }
    let mut errors = Vec::new();
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => errors.push(e),
            Err(e) => errors.push(format!("task failed: {e}")),
        }
    }
    (errors, future_bytes)
}

/// One lean connection taken apart, step by step, on a one-thread runtime where nothing else
/// allocates: the heap bytes of its task (spawned, not yet run), of connecting its socket
/// (tokio's registration with the I/O driver), and of its read buffer.
pub fn anatomy(target: &Target) -> Option<[i64; 3]> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        // A first connection first: the driver's one-time tables are not a connection's cost.
        // (kept open: a closed socket's registration is freed later, inside the next step).
        let first = TcpStream::connect(target.addr).await.ok()?;
        let before = crate::heap::snapshot().total();
        let stream = TcpStream::connect(target.addr).await.ok()?;
        let socket = crate::heap::snapshot().total() - before;
        let before = crate::heap::snapshot().total();
        let buffer: Vec<u8> = Vec::with_capacity(READ_BUFFER);
        let read_buffer = crate::heap::snapshot().total() - before;
        drop((first, stream, buffer));
        let (target, counts) = (Arc::new(target.clone()), Arc::new(Counts::default()));
        let request: Arc<[u8]> = Arc::from(&b"GET / HTTP/1.1\r\n\r\n"[..]);
        let before = crate::heap::snapshot().total();
        let task = tokio::spawn(async move { lean(&target, &request, &counts).await });
        let task_bytes = crate::heap::snapshot().total() - before;
        task.abort();
        let _ = task.await;
        Some([task_bytes, socket, read_buffer])
    })
}

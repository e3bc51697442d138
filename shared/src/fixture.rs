//! A loopback HTTP server for the request programs and their tests: `GET /delay/{ms}` answers
//! `200 OK` after `ms` milliseconds, standing in for a slow remote service.
//!
//! It runs on its own OS thread with its own single-threaded tokio runtime, so that any
//! program (threads, tokio, smol, async-std) can use it without sharing a runtime with it.
//! It binds 127.0.0.1 on a port the kernel picks, and stops when dropped.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// The longest delay the fixture accepts; longer ones get `400 Bad Request`.
pub const MAX_DELAY_MS: u64 = 60_000;

/// The listen backlog asked for. tokio's `TcpListener::bind` asks for 1024, and with a
/// thousand clients connecting at once the kernel drops SYNs past it, the clients retry after
/// a second, and a 1 s request takes 2 s. The kernel caps this at `net.core.somaxconn`.
const BACKLOG: u32 = 65_535;

/// A running fixture. Dropping it stops the server and joins its thread.
pub struct Fixture {
    addr: SocketAddr,
    answered: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Fixture {
    /// Starts the server on 127.0.0.1 and a free port, and returns once it is listening.
    pub fn start() -> io::Result<Fixture> {
        let answered = Arc::new(AtomicU64::new(0));
        let (stop_tx, stop_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let counter = Arc::clone(&answered);
        let thread = std::thread::Builder::new()
            .name("http-fixture".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match listen() {
                        Ok(listener) => {
                            let _ = ready_tx.send(listener.local_addr());
                            serve(listener, counter, stop_rx).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let addr = ready_rx
            .recv()
            .map_err(|_| io::Error::other("the fixture thread ended before listening"))??;
        Ok(Fixture {
            addr,
            answered,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The address it listens on (127.0.0.1 and the port the kernel picked).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL that answers after `delay`.
    pub fn delay_url(&self, delay: Duration) -> String {
        format!("{}/delay/{}", self.url(), delay.as_millis())
    }

    /// How many requests it has answered, with any status.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn listen() -> io::Result<tokio::net::TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    socket.listen(BACKLOG)
}

async fn serve(
    listener: tokio::net::TcpListener,
    answered: Arc<AtomicU64>,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted:
                // keep serving the others, after a pause so as not to spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let answered = Arc::clone(&answered);
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let answered = Arc::clone(&answered);
                async move {
                    let response = respond(req).await;
                    answered.fetch_add(1, Ordering::Relaxed);
                    Ok::<_, Infallible>(response)
                }
            });
            // A client that hangs up early is not the fixture's problem.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn respond(req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if req.method() != Method::GET {
        return text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n".into());
    }
    if path == "/" {
        return text(StatusCode::OK, "try GET /delay/{ms}\n".into());
    }
    let Some(ms) = path.strip_prefix("/delay/") else {
        return text(StatusCode::NOT_FOUND, format!("no route for {path}\n"));
    };
    match ms.parse::<u64>() {
        Ok(ms) if ms <= MAX_DELAY_MS => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            text(StatusCode::OK, format!("waited {ms} ms\n"))
        }
        _ => text(
            StatusCode::BAD_REQUEST,
            format!("delay must be 0..={MAX_DELAY_MS} ms, got {ms:?}\n"),
        ),
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Instant;

    /// A bare HTTP/1.1 GET over a std socket: the fixture must work with any client.
    fn get(fixture: &Fixture, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(fixture.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        let status = response[9..12].parse().unwrap();
        let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
        (status, body)
    }

    #[test]
    fn delays_then_answers() {
        let f = Fixture::start().unwrap();
        assert!(f.addr().ip().is_loopback());
        let start = Instant::now();
        let (status, body) = get(&f, "/delay/150");
        assert_eq!(status, 200);
        assert_eq!(body, "waited 150 ms\n");
        assert!(start.elapsed() >= Duration::from_millis(150));
        assert_eq!(f.answered(), 1);
        assert!(f.delay_url(Duration::from_millis(7)).ends_with("/delay/7"));
    }

    #[test]
    fn concurrent_requests_overlap() {
        let f = Fixture::start().unwrap();
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..20 {
                s.spawn(|| assert_eq!(get(&f, "/delay/300").0, 200));
            }
        });
        // Twenty 300 ms waits one after another would take 6 s.
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(f.answered(), 20);
    }

    #[test]
    fn bad_paths_get_errors_not_hangs() {
        let f = Fixture::start().unwrap();
        assert_eq!(get(&f, "/nope").0, 404);
        assert_eq!(get(&f, "/delay/abc").0, 400);
        assert_eq!(get(&f, "/delay/60001").0, 400);
        assert_eq!(get(&f, "/").0, 200);
    }

    #[test]
    fn stops_when_dropped() {
        let f = Fixture::start().unwrap();
        let addr = f.addr();
        drop(f);
        assert!(TcpStream::connect(addr).is_err());
    }
}

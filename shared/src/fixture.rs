//! A loopback HTTP server for the request programs and their tests: `GET /delay/{ms}` answers
//! `200 OK` after `ms` milliseconds, standing in for a slow remote service.
//!
//! It runs on its own OS thread with its own single-threaded tokio runtime, so that any
//! program (threads, tokio, smol, async-std) can use it without sharing a runtime with it.
//! It binds 127.0.0.1 on a port the kernel picks, and stops when dropped. It counts the
//! `/delay` requests in flight, and the most that were ever in flight at once: the server's own
//! witness of how concurrent a client really was. Under a test that sets `WITNESS_GATE=N`
//! (see the `witness` module's `gate`) it holds the first N `/delay` requests until all N have
//! arrived, so that "N in flight at once" is certain rather than likely.

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
    stats: Arc<Stats>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Fixture {
    /// Starts the server on 127.0.0.1 and a free port, and returns once it is listening.
    pub fn start() -> io::Result<Fixture> {
        let stats = Arc::new(Stats::default());
        let (stop_tx, stop_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let counter = Arc::clone(&stats);
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
            stats,
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
        self.stats.answered.load(Ordering::Relaxed)
    }

    /// The most `/delay` requests that were in flight at the server at once.
    pub fn peak_in_flight(&self) -> u64 {
        self.stats.peak.load(Ordering::Relaxed)
    }
}

/// What the server counts, shared by its connections.
struct Stats {
    answered: AtomicU64,
    in_flight: AtomicU64,
    peak: AtomicU64,
    /// `/delay` requests that have arrived so far, watched by the gate.
    arrived: tokio::sync::watch::Sender<u64>,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            answered: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            arrived: tokio::sync::watch::Sender::new(0),
        }
    }
}

/// One `/delay` request in flight; dropping it (answered, or the client hung up and hyper
/// dropped the handler) takes it off the count, so the count cannot drift.
struct InFlight<'a>(&'a Stats);

impl<'a> InFlight<'a> {
    fn enter(stats: &'a Stats) -> InFlight<'a> {
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak.fetch_max(now, Ordering::SeqCst);
        stats.arrived.send_modify(|n| *n += 1);
        InFlight(stats)
    }

    // test witness {
    /// Under `WITNESS_GATE=N`, waits until N requests have arrived (a watch channel, so no
    /// wake-up is lost), or until the witness timeout says the client was not concurrent.
    async fn gate(&self) {
        let Some(n) = crate::witness::gate() else {
            return;
        };
        let mut arrived = self.0.arrived.subscribe();
        let _ =
            tokio::time::timeout(crate::witness::timeout(), arrived.wait_for(|a| *a >= n)).await;
    }
    // test witness }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
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
    stats: Arc<Stats>,
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
        let stats = Arc::clone(&stats);
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let stats = Arc::clone(&stats);
                async move {
                    let response = respond(req, &stats).await;
                    stats.answered.fetch_add(1, Ordering::Relaxed);
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

async fn respond(req: Request<Incoming>, stats: &Stats) -> Response<Full<Bytes>> {
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
            let in_flight = InFlight::enter(stats);
            in_flight.gate().await; // test witness: holds N requests under WITNESS_GATE=N
            // Not even a zero sleep for 0: tokio's timer would round it up to its next 1 ms
            // tick, and `/delay/0` would measure the timer instead of the request.
            if ms > 0 {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            drop(in_flight); // answered: off the count (a client that hangs up drops it too)
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

    /// Polls `done` every 5 ms; 30 s only guards against a hang.
    fn eventually(what: &str, done: impl Fn() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn requests_in_flight_are_counted_and_hang_ups_uncounted() {
        let f = Fixture::start().unwrap();
        // Twenty connections, each with a request that waits a minute: all twenty stay open,
        // so the server must come to hold all twenty at once.
        let clients: Vec<TcpStream> = (0..20)
            .map(|_| {
                let mut c = TcpStream::connect(f.addr()).unwrap();
                write!(c, "GET /delay/60000 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
                c
            })
            .collect();
        eventually("20 in flight", || f.peak_in_flight() == 20);
        // The clients hang up: hyper drops the handlers, and the count goes back to zero.
        drop(clients);
        eventually("0 in flight", || {
            f.stats.in_flight.load(Ordering::SeqCst) == 0
        });
        assert_eq!(get(&f, "/delay/0").0, 200);
        assert_eq!(f.peak_in_flight(), 20);
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

//! A loopback HTTP server that tells a concurrent client from a sequential one, for certain.
//!
//! It holds each request it receives until `gate` requests have arrived (so a client that
//! waits for one answer before sending the next request never gets past the first), and
//! counts the requests in flight: from the moment a request is read until just before its
//! answer is written. A client that keeps at most K requests in flight therefore never makes
//! the count exceed K, even though it sends the next request as soon as an answer arrives.
//! If the gate has not filled after [`PATIENCE`](crate::PATIENCE), the server gives up
//! holding (that request and all later ones pass at once), so a sequential client finishes
//! with a peak of 1 instead of hanging.
//!
//! Routes: `GET /delay/{ms}` answers `200` with the body `waited {ms} ms` after `{ms}`
//! milliseconds (counted after the gate opens). `GET /status/{code}/turn/{k}` answers `{code}`
//! (body `status {code}`) in turn, after the gate opens: turn 0 first, and turn k only once
//! the client has closed the connection of turn k - 1, which it does when it has read that
//! answer whole; so a client finishes such requests in the order of their turns, whatever the
//! order it sent them in, and each outcome says by its status which request it was. If a turn
//! does not come within [`PATIENCE`](crate::PATIENCE), the turns are given up (every answer
//! goes at once). Any other path answers `404`. Every answer closes its connection. Standard
//! library threads only: one thread per connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::PATIENCE;

/// What the connection threads share.
struct State {
    gate: usize,
    held: Mutex<Hold>,
    opened: Condvar,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    stop: AtomicBool,
    turns: Mutex<Turns>,
    turned: Condvar,
}

/// The turn whose answer goes next, and whether waiting for turns has been given up.
struct Turns {
    next: usize,
    gave_up: bool,
}

/// Requests arrived so far, and whether waiting for the rest has been given up.
struct Hold {
    arrived: usize,
    gave_up: bool,
}

impl State {
    /// Waits until `gate` requests have arrived, or until patience runs out (then for nobody
    /// any more).
    fn hold(&self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.arrived += 1;
        if held.arrived >= self.gate || held.gave_up {
            self.opened.notify_all();
            return;
        }
        let (mut held, waited) = self
            .opened
            .wait_timeout_while(held, PATIENCE, |h| h.arrived < self.gate && !h.gave_up)
            .unwrap_or_else(|e| e.into_inner());
        if waited.timed_out() {
            held.gave_up = true;
            self.opened.notify_all();
        }
    }

    /// Waits until it is turn `k`'s go, or until patience runs out (then for nobody any more).
    fn wait_turn(&self, k: usize) {
        let turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
        let (mut turns, waited) = self
            .turned
            .wait_timeout_while(turns, PATIENCE, |t| t.next != k && !t.gave_up)
            .unwrap_or_else(|e| e.into_inner());
        if waited.timed_out() {
            turns.gave_up = true;
            self.turned.notify_all();
        }
    }

    /// Turn `k` is over: the next one may go.
    fn end_turn(&self, k: usize) {
        let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
        turns.next = turns.next.max(k + 1);
        self.turned.notify_all();
    }
}

/// A running server; dropping it stops it from accepting connections.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
}

impl Server {
    /// Starts a server on a free loopback port that holds every request until `gate` have
    /// arrived (`gate` 1: no holding).
    pub fn start(gate: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let addr = listener.local_addr().expect("the listener's address");
        let state = Arc::new(State {
            gate: gate.max(1),
            held: Mutex::new(Hold {
                arrived: 0,
                gave_up: false,
            }),
            opened: Condvar::new(),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            turns: Mutex::new(Turns {
                next: 0,
                gave_up: false,
            }),
            turned: Condvar::new(),
        });
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    let state = Arc::clone(&shared);
                    std::thread::spawn(move || serve(stream, &state));
                }
            }
        });
        Server { addr, state }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL of `/delay/{ms}`.
    pub fn delay_url(&self, ms: u64) -> String {
        format!("{}/delay/{ms}", self.url())
    }

    /// The URL of `/status/{code}/turn/{k}`: answered `code`, in turn `k` (see the module).
    pub fn turn_url(&self, code: u16, k: usize) -> String {
        format!("{}/status/{code}/turn/{k}", self.url())
    }

    /// The most requests that were in flight at once.
    pub fn peak(&self) -> usize {
        self.state.peak.load(Ordering::SeqCst)
    }

    /// Requests received so far.
    pub fn arrived(&self) -> usize {
        self.state
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .arrived
    }

    /// Whether the server stopped holding requests because the gate did not fill in time.
    pub fn gave_up(&self) -> bool {
        self.state
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .gave_up
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the flag and ends.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// One connection: one request, one answer, then close.
fn serve(stream: TcpStream, state: &State) {
    let _ = stream.set_read_timeout(Some(PATIENCE));
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return; // the accepting thread's wake-up, or a client that hung up
    }
    // The headers, up to the blank line; a body is never expected (GET only).
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.peak.fetch_max(now, Ordering::SeqCst);
    state.hold();
    let path = request_line.split_whitespace().nth(1).unwrap_or("");
    let turn = in_turn(path);
    if let Some((_, k)) = turn {
        state.wait_turn(k);
    }
    let (status, body) = match (path.strip_prefix("/delay/").map(str::parse::<u64>), turn) {
        (Some(Ok(ms)), _) => {
            std::thread::sleep(Duration::from_millis(ms));
            ("200 OK".to_string(), format!("waited {ms} ms\n"))
        }
        (_, Some((code, _))) => (format!("{code} Status"), format!("status {code}\n")),
        _ => ("404 Not Found".into(), format!("no route {path}\n")),
    };
    // Off the count before the answer leaves: a client that sends its next request as soon
    // as this answer arrives finds this one already uncounted.
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = &stream;
    let _ = stream.write_all(answer.as_bytes());
    let _ = stream.flush();
    if let Some((_, k)) = turn {
        // The client closes the connection once it has read this answer whole (it was told
        // `connection: close`, and the server's side is shut): only then may the next turn's
        // answer go.
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut scrap = [0u8; 256];
        while matches!(stream.read(&mut scrap), Ok(got) if got > 0) {}
        state.end_turn(k);
    }
}

/// `/status/{code}/turn/{k}`: the status to answer and the turn.
fn in_turn(path: &str) -> Option<(u16, usize)> {
    let rest = path.strip_prefix("/status/")?;
    let (code, k) = rest.split_once("/turn/")?;
    let code: u16 = code.parse().ok()?;
    ((200..600).contains(&code)).then_some((code, k.parse().ok()?))
}

/// A blocking GET of `url` (`http://host:port/path` only): the body of a `200` answer, or an
/// error saying what went wrong (including any other status). For checkers that need to call
/// a server from plain threads.
pub fn get(url: &str) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| Error::new(ErrorKind::InvalidInput, format!("not http://: {url}")))?;
    let (host, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(PATIENCE * 2))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| Error::new(ErrorKind::InvalidData, "no end of headers"))?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        return Err(Error::other(format!("{url}: status {status}")));
    }
    Ok(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_of_three_holds_until_three_arrive_and_counts_them() {
        let server = Server::start(3);
        let url = server.delay_url(5);
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || get(&url))
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap(), "waited 5 ms\n");
        }
        assert_eq!((server.peak(), server.arrived()), (3, 3));
        assert!(!server.gave_up());
        assert!(get(&format!("{}/nope", server.url())).is_err());
    }

    #[test]
    fn turns_are_answered_in_order_whatever_order_they_were_sent_in() {
        let server = Server::start(3);
        // Sent in the order 2, 0, 1 (each on a thread of its own, all held at the gate).
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = [(2, 202), (0, 200), (1, 201)]
            .into_iter()
            .map(|(k, code)| {
                let (url, order) = (server.turn_url(code, k), std::sync::Arc::clone(&order));
                std::thread::spawn(move || {
                    let answer = get(&url);
                    order.lock().unwrap().push(k);
                    answer
                })
            })
            .collect();
        let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(answers[0].is_err(), "202 is not a 200 for `get`");
        assert_eq!(
            answers[1].as_ref().ok().map(String::as_str),
            Some("status 200\n")
        );
        assert_eq!(*order.lock().unwrap(), [0, 1, 2]);
    }
}

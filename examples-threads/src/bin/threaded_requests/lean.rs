//! The lean blocking client: a std `TcpStream`, the request written in one call, the answer
//! read into a 512-byte buffer on the thread's stack and parsed with httparse. No connection
//! pool, no per-connection heap: what a thread holds while it waits is its stack and its
//! socket. The same client as `connection_memory`'s lean one, without async.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The whole answer (a status line, a few headers and `waited 1000 ms`: about 130 bytes)
/// fits: a buffer sized for what is read.
const READ_BUFFER: usize = 512;

/// `GET http://host:port/path`, blocking; the status code of a complete answer.
pub fn get(url: &str, timeout: Duration) -> Result<u16, String> {
    let rest = url.strip_prefix("http://").ok_or("not an http:// URL")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; READ_BUFFER];
    let mut filled = 0;
    let status = loop {
        if filled == READ_BUFFER {
            return Err(format!("answer longer than {READ_BUFFER} bytes"));
        }
        let n = stream.read(&mut buf[filled..]).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the answer was complete".into());
        }
        filled += n;
        let mut headers = [httparse::EMPTY_HEADER; 8];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf[..filled]) {
            Ok(httparse::Status::Complete(head)) => {
                let length = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok())
                    .ok_or("no content-length in the answer")?;
                if filled >= head + length {
                    break response.code.ok_or("no status code")?;
                }
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(format!("bad answer: {e}")),
        }
    };
    // Wait for the server's close (the request said `Connection: close`), so that the
    // server's end, not this one, keeps the socket in TIME_WAIT.
    let _ = stream.read(&mut buf[..1]);
    Ok(status)
}

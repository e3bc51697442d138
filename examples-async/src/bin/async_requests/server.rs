//! The server to call: a `--url` taken apart, reached once before any request, and enough
//! open files for a socket per request in flight.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// `--url http://host[:port][/path]` to the base URL and `host:port`; a malformed one is
/// refused.
pub fn base_and_host(url: &str) -> Result<(String, String), String> {
    let base = url.trim_end_matches('/').to_string();
    let rest = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("--url must start with http:// (got {url})"))?;
    let host = rest.split('/').next().unwrap_or(rest);
    // An explicit port, checked here: a malformed one is a bad argument, not a failed request.
    match host.rsplit_once(':') {
        Some((name, port)) if !name.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0) => {
            Ok((base.clone(), host.to_string()))
        }
        _ => Err(format!(
            "--url must look like http://127.0.0.1:3000, with a port from 1 to 65535 (got {url})"
        )),
    }
}

/// The server's address, once a connection to it has been opened (and closed).
pub fn reach(host: &str) -> Result<SocketAddr, String> {
    let addr = host
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("cannot resolve {host}"))?;
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("cannot connect: {e}"))?;
    Ok(addr)
}

/// Raise the soft open-file limit to the hard one, and refuse clearly when that is not enough.
pub fn ensure_open_files(needed: u64) -> Result<(), String> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| e.to_string())?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(|e| e.to_string())?;
    }
    if needed > hard {
        return Err(format!(
            "{needed} open files needed, the limit is {hard}: use fewer --requests, or --url with the server in another process"
        ));
    }
    Ok(())
}

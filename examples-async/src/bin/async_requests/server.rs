//! The server to call: a `--url` taken apart, reached once before any request, and enough
//! open files for a socket per request in flight.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// The base URL and the `HOST:PORT` part of a `--url` that clap already checked.
pub fn base_and_host(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let host = rest.split('/').next().unwrap_or(rest);
    (url.to_string(), host.to_string())
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

/// Raise the soft open-file limit to the hard one, and refuse clearly when that is not enough:
/// a socket for each request (and 64 to spare), and with the server in this process
/// (`server_here`) its end of each request too.
pub fn ensure_open_files(requests: u64, server_here: bool) -> Result<(), String> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| e.to_string())?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(|e| e.to_string())?;
    }
    let clients = requests + 64;
    let needed = if server_here {
        clients + requests
    } else {
        clients
    };
    if needed > hard {
        // --url is named only where moving the server out would be enough.
        let or_url = if server_here && clients <= hard {
            ", or --url with the server in another process"
        } else {
            ""
        };
        return Err(format!(
            "{needed} open files needed, the limit is {hard}: use fewer --requests{or_url}"
        ));
    }
    Ok(())
}

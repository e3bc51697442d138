//! smol and async-std: the same hyper client on two other runtimes, through smol-hyper.
//!
//! hyper does not pick a runtime: it needs a socket and a way to spawn its connection task.
//! The two functions below differ in exactly that (marked CHANGED), plus where their threads
//! come from: smol's global executor runs on one thread unless `SMOL_THREADS` says more, so
//! the smol version runs an executor of its own on one thread per core, as async-std's global
//! executor does. Porting async-std code to smol also changes one meaning: a dropped async-std
//! `JoinHandle` detaches its task, a dropped smol `Task` cancels it, hence the `.detach()`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use crate::Outcome;
use crate::tokio_reqwest::error_chain;

/// smol: an executor of our own, run on one thread per core; the I/O reactor is smol's.
pub fn on_smol(addr: SocketAddr, url: &str, n: usize) -> Result<Vec<Outcome>, String> {
    let ex = Arc::new(smol::Executor::new());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (stop, stopped) = smol::channel::unbounded::<()>();
    let outcomes = std::thread::scope(|s| {
        for _ in 1..threads {
            let (ex, stopped) = (Arc::clone(&ex), stopped.clone());
            s.spawn(move || smol::block_on(ex.run(stopped.recv())));
        }
        let outcomes = smol::block_on(ex.run(async {
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    let url = url.to_string();
                    let ex2 = Arc::clone(&ex);
                    ex.spawn(async move {
                        timed(async {
                            let stream = smol::net::TcpStream::connect(addr).await?; // CHANGED
                            // CHANGED: without `.detach()` the dropped Task would cancel the
                            // connection, and the request would never be answered.
                            get(stream, &url, |conn| ex2.spawn(conn).detach()).await
                        })
                        .await
                    })
                })
                .collect();
            let mut outcomes = Vec::with_capacity(n);
            for t in tasks {
                outcomes.push(t.await);
            }
            outcomes
        }));
        drop(stop); // closes the channel: the helper threads' `recv` ends, and so do they
        outcomes
    });
    Ok(outcomes)
}

/// async-std: DISCONTINUED upstream. Its own TcpStream and spawn, on its global executor (one
/// thread per core); the JoinHandle it returns detaches the task when dropped.
pub fn on_async_std(addr: SocketAddr, url: &str, n: usize) -> Result<Vec<Outcome>, String> {
    Ok(async_std::task::block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let url = url.to_string();
                async_std::task::spawn(async move {
                    timed(async {
                        let stream = async_std::net::TcpStream::connect(addr).await?; // CHANGED
                        get(stream, &url, |conn| {
                            async_std::task::spawn(conn); // CHANGED: dropped, it runs on
                        })
                        .await
                    })
                    .await
                })
            })
            .collect();
        let mut outcomes = Vec::with_capacity(n);
        for t in tasks {
            outcomes.push(t.await);
        }
        outcomes
    }))
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One GET over one connection with hyper's low-level HTTP/1 client, on any runtime whose
/// sockets implement the `futures` I/O traits (smol-hyper adapts them to hyper's).
async fn get<S, F>(stream: S, url: &str, spawn: F) -> Result<u16, BoxError>
where
    S: futures::AsyncRead + futures::AsyncWrite + Unpin + Send + 'static,
    F: FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>),
{
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;
    let io = smol_hyper::rt::FuturesIo::new(stream);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    // The connection future drives the socket; it runs as a task of its own.
    spawn(Box::pin(async move {
        let _ = conn.await;
    }));
    let uri: hyper::Uri = url.parse()?;
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let request = hyper::Request::get(uri.path())
        .header(hyper::header::HOST, authority)
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    response.into_body().collect().await?; // read the body: the request is complete
    Ok(status)
}

/// One request, timed. A panic inside it (a bug) becomes a failed request that says so, as a
/// tokio `JoinError` does in the reqwest version, rather than unwinding through `block_on`.
async fn timed(request: impl Future<Output = Result<u16, BoxError>>) -> Outcome {
    use futures::FutureExt;
    let start = Instant::now();
    let result = match std::panic::AssertUnwindSafe(request).catch_unwind().await {
        Ok(result) => result.map_err(|e| error_chain(e.as_ref())),
        Err(panic) => {
            let message = (panic.downcast_ref::<&str>().copied())
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str));
            Err(format!("the task panicked: {}", message.unwrap_or("?")))
        }
    };
    (result, start.elapsed())
}

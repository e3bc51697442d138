//! # Giving up on a slow call
//!
//! Guide: "Asyncio", timeouts and cancellation. Program: examples-async/src/bin/timeouts/main.rs
//! (`cargo run -p examples-async --bin timeouts -- --part timeout`).
//!
//! A call to a server that never answers would keep its caller waiting forever. `within`
//! runs `work` but gives it only `limit`: if `work` has not finished by then, stop waiting
//! for it (a future that is no longer polled is dropped, which cancels it where it waits) and
//! answer an error of kind `io::ErrorKind::TimedOut`. A call that finishes in time gives its
//! own answer: its value, or its own error as an `io::Error` that carries the call's error
//! message, of any kind but `TimedOut` (`io::Error::other(e)` makes one of kind `Other`). As
//! written, `within` waits for as long as `work` takes. Keep the signature.
//!
//! Check it: `cargo exercise check timeout`. The checker runs on tokio's paused clock: time
//! moves only when every task waits, so "gave up after exactly `limit`" is certain, not timed.

use std::io;
use std::time::Duration;

/// `work`, given `limit`: unfinished by then, it is dropped (cancelled where it waits) and the
/// answer is an error of kind `TimedOut`; an error of its own comes back as an error too.
pub async fn within<T, E>(
    limit: Duration,
    work: impl Future<Output = Result<T, E>>,
) -> io::Result<T>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let _ = limit; // unused: the call may take as long as it likes
    work.await.map_err(io::Error::other)
}

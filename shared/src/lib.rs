//! Measuring and reporting for the concurrency-by-example programs.
//!
//! This crate is deliberately small, and nothing in it teaches concurrency: it only measures
//! and prints. A program copied out of the suite can drop it by deleting its measurement lines.
//!
//! - [`measure`] runs a closure and returns wall time, user and system CPU time and peak RSS
//!   (CPU time of waited-for children too); [`peak_rss_kib`] reads this process's peak
//!   memory the way that is not fooled by `execve`; [`Stopwatch`] is the plain timer.
//! - [`fmt_duration`], [`fmt_kib`] and [`fmt_ratio`] format figures the same way everywhere.
//! - [`Table`] prints an aligned table; [`Record`] is the measured part of a `--json` object.
//! - [`Timeline`] records which lane (dish, task, request) ran when, on which OS thread, and
//!   draws it as an ASCII chart.
//! - [`cli`] makes a program behave like a command-line tool: quiet when its stdout closes,
//!   clean (no temporary files, no children left) after Ctrl-C or SIGTERM.
//! - [`witness`] gives the tests deterministic proof of a mechanism (workers inside a parallel
//!   section at once, requests in flight at once) instead of timed ratios.
//! - `fixture::Fixture` (cargo feature `fixture`) is a loopback HTTP server answering
//!   `GET /delay/{ms}` after `ms` milliseconds.

pub mod cli;
mod format;
mod measure;
mod record;
mod table;
mod timeline;
pub mod witness;

#[cfg(feature = "fixture")]
pub mod fixture;

pub use format::{
    SHOWN, fmt_count, fmt_duration, fmt_faster, fmt_kib, fmt_kib_f64, fmt_ratio, speedup_shows,
    speedup_verdict,
};
pub use measure::{
    Measurement, Stopwatch, Usage, Who, measure, peak_rss_kib, proc_status_kib, proc_status_kib_of,
    usage,
};
pub use record::{Record, print_json};
pub use table::Table;
pub use timeline::{Span, SpanGuard, Timeline};

//! The measured part of a program's `--json` output.

use serde::{Deserialize, Serialize};

use crate::Measurement;

/// The fields every comparison program reports, with the same names and units everywhere, so
/// that `compare` and scripts can read any of them. A program puts it inside its own row with
/// `#[serde(flatten)]`:
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Row {
///     approach: &'static str,
///     requests: u32,
///     #[serde(flatten)]
///     measured: shared::Record,
/// }
/// let (_, m) = shared::measure(|| ());
/// let row = Row { approach: "tokio", requests: 10, measured: shared::Record::from(&m) };
/// let json = serde_json::to_value(&row).unwrap();
/// assert_eq!(json["approach"], "tokio");
/// assert!(json["wall_s"].is_f64() && json["peak_rss_kib"].is_u64());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// CPU seconds, user plus system, of the process and its waited-for children.
    pub cpu_s: f64,
    /// Peak resident memory of the process in KiB (see [`Measurement::peak_rss_kib`]).
    pub peak_rss_kib: u64,
}

impl From<&Measurement> for Record {
    fn from(m: &Measurement) -> Self {
        Record {
            wall_s: m.wall.as_secs_f64(),
            cpu_s: m.cpu().as_secs_f64(),
            peak_rss_kib: m.peak_rss_kib,
        }
    }
}

/// Prints `value` as one line of JSON on stdout: the whole output of a program run with
/// `--json`, so that a script can parse it without skipping anything.
pub fn print_json<T: Serialize>(value: &T) {
    // Serializing plain structs of numbers and strings cannot fail.
    let line = serde_json::to_string(value).expect("a plain struct serializes");
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn round_trips_and_counts_children() {
        let m = Measurement {
            wall: Duration::from_millis(1500),
            user: Duration::from_millis(200),
            system: Duration::from_millis(100),
            peak_rss_kib: 4096,
            children_user: Duration::from_millis(50),
            children_system: Duration::from_millis(50),
            voluntary_switches: 3,
            involuntary_switches: 1,
        };
        let r = Record::from(&m);
        assert_eq!(r.wall_s, 1.5);
        assert!((r.cpu_s - 0.4).abs() < 1e-9);
        assert_eq!(r.peak_rss_kib, 4096);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r);
    }
}

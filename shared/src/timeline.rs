//! Who ran when: spans recorded by lane (a dish, a task, a request) and drawn as ASCII, one
//! row per lane, one letter per OS thread, so that interleaving on one thread and parallel
//! running on several can be seen at a glance.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

/// One stretch of time during which `lane` was running on the thread `thread`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub lane: String,
    pub thread: ThreadId,
    /// The thread's name, or `ThreadId(n)` for an unnamed one.
    pub thread_name: String,
    /// Offsets from the timeline's origin.
    pub start: Duration,
    pub end: Duration,
}

/// A thread-safe recorder of [`Span`]s. Share it by reference (or in an `Arc`) with the
/// threads or tasks being watched; recording takes a short lock, so it is for lessons about
/// who runs when, not for timing hot loops.
///
/// ```
/// let timeline = shared::Timeline::new();
/// {
///     let _running = timeline.span("pasta");
///     std::thread::sleep(std::time::Duration::from_millis(5));
/// }
/// let chart = timeline.render(20);
/// assert!(chart.contains("pasta |AAAAAAAAAAAAAAAAAAAA|"));
/// ```
#[derive(Debug)]
pub struct Timeline {
    origin: Instant,
    spans: Mutex<Vec<Span>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new()
    }
}

/// Records a span from its creation to its drop. Keep it alive while the lane runs, and drop
/// it before an `.await` or a blocking wait, so that waiting does not count as running.
#[must_use = "the span ends when this guard is dropped"]
pub struct SpanGuard<'a> {
    timeline: &'a Timeline,
    lane: String,
    start: Instant,
}

impl Drop for SpanGuard<'_> {
    fn drop(&mut self) {
        self.timeline
            .record(std::mem::take(&mut self.lane), self.start, Instant::now());
    }
}

impl Timeline {
    /// A timeline whose time zero is now.
    pub fn new() -> Self {
        Timeline {
            origin: Instant::now(),
            spans: Mutex::new(Vec::new()),
        }
    }

    /// Records that `lane` ran on the current thread from `start` to `end`.
    pub fn record(&self, lane: impl Into<String>, start: Instant, end: Instant) {
        let current = thread::current();
        let span = Span {
            lane: lane.into(),
            thread: current.id(),
            thread_name: current
                .name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{:?}", current.id())),
            start: start.saturating_duration_since(self.origin),
            end: end.saturating_duration_since(self.origin),
        };
        self.lock().push(span);
    }

    /// Starts a span of `lane` on the current thread; it is recorded when the guard drops.
    pub fn span(&self, lane: impl Into<String>) -> SpanGuard<'_> {
        SpanGuard {
            timeline: self,
            lane: lane.into(),
            start: Instant::now(),
        }
    }

    /// Every span recorded so far, in the order they ended.
    pub fn spans(&self) -> Vec<Span> {
        self.lock().clone()
    }

    /// Threads that ran at least one span, in order of first appearance, with their names.
    pub fn threads(&self) -> Vec<(ThreadId, String)> {
        let mut seen: Vec<(ThreadId, String)> = Vec::new();
        let mut spans = self.spans();
        spans.sort_by_key(|s| s.start);
        for s in spans {
            if !seen.iter().any(|(id, _)| *id == s.thread) {
                seen.push((s.thread, s.thread_name));
            }
        }
        seen
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Span>> {
        // A panic while pushing cannot leave the Vec half-written, so a poisoned lock still
        // holds good data.
        self.spans.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Draws the spans as a chart `width` columns wide: one row per lane (in order of first
    /// start), each column a slice of time, filled with the letter of the thread that ran the
    /// lane then (`*` where two threads did, in one slice), then a legend of the letters.
    pub fn render(&self, width: usize) -> String {
        let width = width.max(1);
        let mut spans = self.spans();
        spans.sort_by_key(|s| s.start);
        let threads = self.threads();
        let letter = |id: ThreadId| -> char {
            let i = threads.iter().position(|(t, _)| *t == id).unwrap_or(0);
            // A..Z then a..z then '#': enough for any lesson's thread count.
            match i {
                0..=25 => (b'A' + i as u8) as char,
                26..=51 => (b'a' + (i - 26) as u8) as char,
                _ => '#',
            }
        };
        let total = spans
            .iter()
            .map(|s| s.end)
            .max()
            .unwrap_or_default()
            .max(Duration::from_nanos(1));
        // Integer arithmetic on nanoseconds, so that a span ending exactly on a cell boundary
        // does not spill into the next cell through rounding.
        let total_ns = total.as_nanos();
        let cell_of = |d: Duration, round_up: bool| -> usize {
            let scaled = d.as_nanos() * width as u128;
            let cell = scaled / total_ns + u128::from(round_up && !scaled.is_multiple_of(total_ns));
            cell as usize
        };

        let mut lanes: Vec<String> = Vec::new();
        for s in &spans {
            if !lanes.contains(&s.lane) {
                lanes.push(s.lane.clone());
            }
        }
        let label = lanes.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:label$} 0{:>w$}",
            "",
            crate::fmt_duration(total),
            w = width + 1
        );
        for lane in &lanes {
            let mut cells = vec![' '; width];
            for s in spans.iter().filter(|s| &s.lane == lane) {
                let first = cell_of(s.start, false);
                // A span always shows at least one cell, however short.
                let last = cell_of(s.end, true).max(first + 1);
                for cell in &mut cells[first.min(width - 1)..last.min(width)] {
                    let l = letter(s.thread);
                    *cell = if *cell == ' ' || *cell == l { l } else { '*' };
                }
            }
            let row: String = cells.into_iter().collect();
            let _ = writeln!(out, "{lane:label$} |{row}|");
        }
        let legend: Vec<String> = threads
            .iter()
            .map(|(id, name)| format!("{} = {name}", letter(*id)))
            .collect();
        let _ = writeln!(out, "threads: {}", legend.join(", "));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_lanes_on_one_thread_share_a_letter() {
        let t = Timeline::new();
        let o = t.origin;
        let ms = Duration::from_millis;
        t.record("pasta", o, o + ms(10));
        t.record("pizza", o + ms(10), o + ms(20));
        t.record("pasta", o + ms(20), o + ms(30));
        t.record("pizza", o + ms(30), o + ms(40));
        let chart = t.render(8);
        let rows: Vec<&str> = chart.lines().collect();
        assert_eq!(rows[1], "pasta |AA  AA  |", "{chart}");
        assert_eq!(rows[2], "pizza |  AA  AA|", "{chart}");
        assert!(rows[3].starts_with("threads: A = "), "{chart}");
    }

    #[test]
    fn parallel_lanes_get_one_letter_per_thread() {
        let t = Timeline::new();
        thread::scope(|s| {
            for (name, lane) in [("chef-1", "pasta"), ("chef-2", "salad")] {
                let t = &t;
                thread::Builder::new()
                    .name(name.into())
                    .spawn_scoped(s, move || {
                        let _g = t.span(lane);
                        thread::sleep(Duration::from_millis(30));
                    })
                    .unwrap();
            }
        });
        assert_eq!(t.threads().len(), 2);
        let chart = t.render(10);
        let letters: Vec<char> = chart
            .lines()
            .skip(1)
            .take(2)
            .map(|row| {
                row.split('|')
                    .nth(1)
                    .unwrap()
                    .trim()
                    .chars()
                    .next()
                    .unwrap()
            })
            .collect();
        assert_ne!(letters[0], letters[1], "{chart}");
        assert!(
            chart.contains("chef-1") && chart.contains("chef-2"),
            "{chart}"
        );
    }

    #[test]
    fn empty_and_tiny_timelines_render() {
        let t = Timeline::new();
        assert!(t.render(0).contains("threads:"));
        let now = Instant::now();
        t.record("blink", now, now);
        assert!(t.render(5).contains("blink |"));
    }
}

//! The front of `background_task`: a status line redrawn every frame, which records the gap
//! between frames (how responsive the front was) and how many frames it drew mid-work.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redraws the status line (on stderr, when it is a terminal) and records the gap since the
/// previous frame.
pub struct Front {
    pub terminal: bool,
    pub last: Instant,
    pub gaps: Vec<Duration>,
    /// Frames drawn while the work was under way (neither 0% nor done).
    pub during: usize,
    /// For a long run with stderr not a terminal: a line of progress this often, and when the
    /// last one was printed.
    pub lines: Option<(Duration, Instant)>,
}

impl Front {
    pub fn new() -> Self {
        Front {
            terminal: std::io::stderr().is_terminal(),
            last: Instant::now(),
            gaps: Vec::new(),
            during: 0,
            lines: None,
        }
    }

    pub fn draw(&mut self, label: &str, done: u64, limit: u64) {
        let now = Instant::now();
        self.gaps.push(now - self.last);
        self.last = now;
        self.during += usize::from(done > 0 && done < limit);
        let percent = done * 100 / limit;
        let bar = "#".repeat((percent / 5) as usize);
        if self.terminal {
            eprint!("\r{label:>7} [{bar:<20}] {percent:>3}%");
            let _ = std::io::stderr().flush();
        } else if let Some((every, last)) = &mut self.lines
            && now - *last >= *every
        {
            eprintln!("  {label}: {percent}% (numbers below {done} checked)");
            *last = now;
        }
    }

    pub fn max_gap(&self) -> Duration {
        self.gaps.iter().copied().max().unwrap_or_default()
    }
}

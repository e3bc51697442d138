//! The ledger's report: every job either answered exactly once or never sent, and what
//! the signal (if one came) stopped.

use std::process::ExitCode;

use crate::Ledger;
use shared::fmt_count;

/// The ledger: every job either answered exactly once or never sent.
pub fn report(l: &Ledger, jobs: usize) -> ExitCode {
    let done = l.answers.iter().filter(|a| a.len() == 1).count();
    let not_started = l.sent.iter().filter(|&&n| n == 0).count();
    let twice = l.sent.iter().filter(|&&n| n > 1).count();
    let lost = (0..l.sent.len())
        .filter(|&i| l.sent[i] > 0 && l.answers[i].len() != 1)
        .count();
    // Jobs are handed out in order, so the ones never sent are the last ones.
    let first_left = l.sent.iter().position(|&n| n == 0).map(|i| i + 1);
    // With no signal (--interrupt-after 0 and nobody pressed Ctrl-C) every job simply ran.
    let mut at_signal = String::new();
    if l.announced {
        at_signal = format!(" ({} of them in flight at the signal)", l.after_stop);
    }
    println!(
        "{}: {done} done{at_signal}, {not_started} not started{}; lost {lost}, done twice {twice}",
        fmt_count(jobs, "job", "jobs"),
        first_left.map_or(String::new(), |f| format!(
            " (from job {f} on: run them next time)"
        )),
    );
    if done + not_started == jobs && lost == 0 && twice == 0 {
        let how = if !l.announced {
            "no signal came while jobs were left, so every job ran and there was nothing to drain"
        } else if l.after_stop == 0 {
            "stopped between jobs: nothing was in flight, so there was nothing to drain"
        } else {
            "drained cleanly: every worker finished its job and exited"
        };
        println!("{how}; nothing lost, nothing twice");
        ExitCode::SUCCESS
    } else {
        let lost = fmt_count(lost, "job", "jobs");
        eprintln!("error: {lost} lost, {twice} done twice");
        ExitCode::FAILURE
    }
}

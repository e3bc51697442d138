//! `start_simple`: the profile names the stage that took longer, version 2 makes that one
//! concurrent and version 3 the other; the fetch threads and the rayon workers really were
//! inside at once, and the verdicts agree with the figures printed above them.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, ms, run};

const START_SIMPLE: &str = env!("CARGO_BIN_EXE_start_simple");

/// Runs `start_simple` under a witness and checks what holds whatever the machine's speed.
fn check(pages: usize, delay_ms: &str, work: &str) {
    let w = Witness::new();
    let p = pages.to_string();
    let args = ["--pages", &p, "--delay-ms", delay_ms, "--work", work];
    let r = w.run(START_SIMPLE, &args, None);
    // Whichever version made it concurrent, every page's fetch thread was inside the fetching
    // stage at once, and every busy rayon thread inside the computing stage at once.
    assert!(w.count(&format!("fetch-{pages}")) >= pages, "{}", r.stdout);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let busy = cores.min(pages);
    assert!(w.count(&format!("rayon-{busy}")) >= busy, "{}", r.stdout);

    // The profile's verdict is the stage that took longer, as printed.
    let profile = r.line("profile of version 1");
    let stage = |name: &str| {
        let rest = profile.split(&format!("{name} ")).nth(1).unwrap();
        ms(rest.split(" (").next().unwrap())
    };
    let (fetch, compute) = (stage("fetching"), stage("computing"));
    let fetching = profile.ends_with("fetching dominates");
    assert!(
        fetching || profile.ends_with("computing dominates"),
        "{profile}"
    );
    assert_eq!(fetching, fetch >= compute, "{profile}");
    // Version 2 makes that stage concurrent, version 3 the other.
    let (dominant, other) = if fetching {
        ("concurrent fetching", "parallel computing")
    } else {
        ("parallel computing", "concurrent fetching")
    };
    assert!(r.line("2: ").contains(dominant), "{}", r.stdout);
    assert!(r.line("3: ").contains(other), "{}", r.stdout);

    // The closing verdict agrees with the two ratios it prints.
    let closing = r.line("concurrency on the dominant stage:");
    let ratio = |after: &str| -> f64 {
        let rest = closing.split(after).nth(1).unwrap();
        rest.split('x').next().unwrap().trim().parse().unwrap()
    };
    let (on_dominant, on_other) = (ratio("dominant stage:"), ratio("other stage:"));
    // Shown: the dominant stage's change gained a fifth or more, and a tenth more than the
    // other's (the printed ratios are rounded to a tenth, hence the margins).
    if closing.contains("profile first, then change the part that takes the time") {
        assert!(
            on_dominant >= 1.1 * on_other - 0.11 && on_dominant >= 1.15,
            "{closing}"
        );
    } else {
        assert!(closing.contains("this run did not show"), "{closing}");
        assert!(
            on_dominant < 1.1 * on_other + 0.11 || on_dominant < 1.25,
            "{closing}"
        );
    }
    assert!(closing.contains("same answer each way"), "{closing}");
}

#[test]
fn concurrency_goes_where_the_profile_says_the_time_went() {
    // Fetching should dominate here (8 pages of 150 ms, a few ms of primes each), and
    // computing in the second run (waits of 1 ms, heavy primes); the checks hold either way.
    check(8, "150", "20000");
    check(4, "1", "300000");
    assert_refused(START_SIMPLE, &["--pages", "0"]);
    // One page: nothing to overlap, nothing to split.
    assert_refused(START_SIMPLE, &["--pages", "1"]);
    assert_refused(START_SIMPLE, &["--work", "1"]);
    // Past the cap on dividing, --pages is named only where 2 pages alone bring it under.
    for (work, advice) in [
        ("10000000", "lower --work or --pages\n"),
        ("30000000", "lower --work\n"),
    ] {
        let r = run(START_SIMPLE, &["--work", work, "--pages", "10"]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.ends_with(advice), "{}", r.stderr);
    }
}

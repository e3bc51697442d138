//! `data_analysis`: the merged map-reduce answer equals one sequential pass, for any split,
//! with every worker process (and thread) at its range at the same moment.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, run, survivors};

const DATA_ANALYSIS: &str = env!("CARGO_BIN_EXE_data_analysis");

#[test]
fn merged_answers_equal_the_sequential_pass() {
    for workers in ["2", "3", "7"] {
        let w = Witness::new();
        let r = w.run(
            DATA_ANALYSIS,
            &["--rows", "50000", "--workers", workers, "--top", "3"],
            None,
        );
        // The map ran in parallel: all W workers were inside their ranges at one moment.
        let n: usize = workers.parse().unwrap();
        assert_eq!(w.count(&format!("processes-{workers}")), n);
        assert_eq!(w.count(&format!("threads-{workers}")), n);
        for approach in ["sequential", "processes", "threads"] {
            assert_eq!(r.row(approach).last(), Some(&"equal"), "{}", r.stdout);
        }
        // Every row is counted once: the regions' orders add up to the rows generated.
        let orders: u64 = ["north", "south", "east", "west", "central", "islands"]
            .iter()
            .map(|region| r.row(region)[1].parse::<u64>().unwrap())
            .sum();
        assert_eq!(orders, 50_000, "{}", r.stdout);
        assert_eq!(r.line("top 3 products").matches('#').count(), 3);
        assert!(r.stdout.contains("merged equal to the sequential pass"));
    }
    // Fewer products sold than --top asks for: the line says how many it lists, not "top 1000".
    let r = run(DATA_ANALYSIS, &["--rows", "1000", "--top", "1000"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let line = r.line("all ");
    let listed: usize = line["all ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(listed < 1000, "{line}");
    assert!(
        line.contains("products sold (fewer than --top 1000)"),
        "{line}"
    );
    assert_eq!(line.matches('#').count(), listed, "{line}");
    assert!(!r.stdout.contains("top 1000 products"), "{}", r.stdout);
    assert_refused(DATA_ANALYSIS, &["--rows", "0"]);
    assert_refused(DATA_ANALYSIS, &["--rows", "1"]); // nothing to split and merge
    assert_refused(DATA_ANALYSIS, &["--workers", "0"]);
    assert_refused(DATA_ANALYSIS, &["--workers", "1"]); // one range: nothing to merge
    assert_refused(DATA_ANALYSIS, &["--top", "x"]);
    // 100,000,000 rows would write about 3 GiB of CSV: past the cap on disk, refused first.
    assert_refused(DATA_ANALYSIS, &["--rows", "100000000"]);
    assert_eq!(
        survivors(DATA_ANALYSIS),
        Vec::<u32>::new(),
        "workers left running"
    );
}

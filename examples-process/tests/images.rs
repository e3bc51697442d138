//! `image_processing`: sequential, rayon and worker processes write the same files, byte for
//! byte, and the parallel runs are faster on two cores.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, ms, run, survivors, timing_lock};

const IMAGE_PROCESSING: &str = env!("CARGO_BIN_EXE_image_processing");

#[test]
fn every_run_writes_the_same_bytes() {
    let _t = timing_lock();
    let r = run(
        IMAGE_PROCESSING,
        &["--images", "8", "--size", "256", "--workers", "2"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("16 output files identical byte for byte in all three runs"),
        "{}",
        r.stdout
    );
    let (seq, rayon, procs) = (r.row("sequential"), r.row("rayon"), r.row("processes"));
    assert_eq!((rayon[1], procs[1]), ("2", "2"));
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        // About 2x measured; 1.3x leaves room for a noisy machine.
        assert!(ms(rayon[2]) * 1.3 < ms(seq[2]), "{}", r.stdout);
        assert!(ms(procs[2]) * 1.3 < ms(seq[2]), "{}", r.stdout);
    }
    // Odd shapes: one image, more workers than images, a tiny size.
    let r = run(
        IMAGE_PROCESSING,
        &["--images", "3", "--size", "16", "--workers", "5"],
    );
    assert!(
        r.stdout.contains("6 output files identical"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    assert_refused(IMAGE_PROCESSING, &["--images", "0"]);
    assert_refused(IMAGE_PROCESSING, &["--size", "8"]);
    assert_refused(IMAGE_PROCESSING, &["--size", "100000"]);
    assert_eq!(
        survivors(IMAGE_PROCESSING),
        Vec::<u32>::new(),
        "workers left running"
    );
}

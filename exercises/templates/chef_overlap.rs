//! # One chef, several dishes at once
//!
//! Guide: "Concurrency vs parallelism". Program: examples-async/src/bin/chef.rs
//! (`cargo run -p examples-async --bin chef`).
//!
//! One chef can cook three dishes at once because most of a dish is waiting (simmering), and
//! while one dish waits the chef works on another. `cook_all` gets the dishes as futures and
//! cooks them all, returning how many failed (a dish whose task panicked). As written it
//! starts a dish only when the one before is done, so the waits add up. Make the waits
//! overlap: start every dish before awaiting any. Keep the signature.
//!
//! Check it: `cargo exercise check chef_overlap`. The checker cooks on one thread with tokio's
//! paused clock, where time moves only when every task waits, so the total it measures is
//! exact: cooked at once, the dishes take as long as the longest wait, not the sum of the
//! waits.

/// Cooks every dish, each a task of its own; returns how many failed (a task that panicked).
pub async fn cook_all<F>(dishes: impl Iterator<Item = F>) -> usize
where
    F: Future<Output = ()> + Send + 'static,
{
    // region: examples-async/src/bin/chef.rs chef_overlap
    // starter {
    // | let mut failed = 0;
    // | for dish in dishes {
    // |     // Spawned, then awaited at once: the next dish starts only when this one is done.
    // |     failed += usize::from(tokio::spawn(dish).await.is_err());
    // | }
    // | failed
    // starter }
}

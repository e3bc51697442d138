// Two threads incrementing one plain counter: the data race the guide warns about. Rust
// refuses it: a value can have one mutable borrow at a time, and threads would need two.
use std::thread;

fn main() {
    let mut counter = 0u64;
    thread::scope(|s| {
        s.spawn(|| counter += 1);
        s.spawn(|| counter += 1);
    });
    println!("{counter}");
}

// An Rc's reference count is a plain integer: two threads changing it at once would race.
// Rc is not Send, so it cannot be moved to another thread; Arc (an atomic count) can.
use std::rc::Rc;
use std::thread;

fn main() {
    let shared = Rc::new(vec![1, 2, 3]);
    let copy = Rc::clone(&shared);
    let handle = thread::spawn(move || copy.len());
    println!("{} {}", shared.len(), handle.join().unwrap());
}

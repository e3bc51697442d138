//! The work of `background_task`: whether a number is prime, by trial division by odd numbers
//! up to its square root, slow enough for a front to have something to wait for.

pub fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

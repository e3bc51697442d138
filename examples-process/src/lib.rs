//! This crate's programs live in `src/bin/`, one file each, and share no code with each
//! other. This library is empty: it only gives cargo a target until the first program lands.

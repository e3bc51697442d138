//! The data set: sales rows generated into a CSV file, seeded so that every run analyses the
//! same file, and what such a file takes on disk.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use shared::{fmt_duration, measure};

const REGIONS: [&str; 6] = ["north", "south", "east", "west", "central", "islands"];

/// Writes the data set: seeded, so every run analyses the same file.
pub fn generate(path: &Path, rows: u64) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "order,region,product,quantity,price_cents")?;
    let mut rng = fastrand::Rng::with_seed(2024);
    for order in 0..rows {
        // Skewed: low product numbers sell more, so the top-k means something.
        let product = rng.u32(0..1000).min(rng.u32(0..1000));
        writeln!(
            out,
            "{order},{},{product},{},{}",
            REGIONS[rng.usize(0..REGIONS.len())],
            rng.u32(1..=20),
            rng.u64(99..=99_999)
        )?;
    }
    out.flush()
}

/// The longest line `generate` writes for `rows` rows, in bytes: the order number's digits,
/// the longest region, a product (3 digits), a quantity (2), a price (5), 4 commas, a newline.
pub fn max_line_bytes(rows: u64) -> u128 {
    let digits = rows.max(1).ilog10() + 1;
    u128::from(digits) + 7 + 3 + 2 + 5 + 4 + 1
}

/// Writes the data set into a new temporary directory (one that Ctrl-C removes too) and says
/// how big it is and how long it took.
pub fn prepare(rows: u64) -> Result<(tempfile::TempDir, PathBuf), String> {
    let dir =
        shared::cli::temp_dir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let path = dir.path().join("sales.csv");
    let (generated, m) = measure(|| generate(&path, rows));
    generated.map_err(|e| format!("cannot write the data set: {e}"))?;
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "generated {rows} rows ({:.1} MiB) in {}",
        size as f64 / 1_048_576.0,
        fmt_duration(m.wall)
    );
    Ok((dir, path))
}

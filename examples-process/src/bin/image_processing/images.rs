//! The work on one image, and the plumbing around the three runs: drawing the inputs, the
//! progress bars, and comparing the files the runs wrote.

use std::path::{Path, PathBuf};

use image::imageops::{self, FilterType};
use image::{ImageFormat, Rgb, RgbImage};
use indicatif::{ProgressBar, ProgressStyle};

/// Draws input image `i`: a colour gradient with rings centred differently per image.
pub fn draw(i: u32, size: u32) -> RgbImage {
    let (cx, cy) = ((i * 97) % size, (i * 61 + size / 3) % size);
    RgbImage::from_fn(size, size, |x, y| {
        let (dx, dy) = (x.abs_diff(cx), y.abs_diff(cy));
        let ring = ((dx * dx + dy * dy) / (size / 8 + 1)) % 32 < 16;
        let base = [
            (x * 255 / size) as u8,
            (y * 255 / size) as u8,
            ((x + y + i * 13) % 256) as u8,
        ];
        if ring {
            Rgb(base)
        } else {
            Rgb(base.map(|c| 255 - c))
        }
    })
}

/// Draws input `i` and saves it as a PNG in `dir`.
pub fn save_input(dir: &Path, i: u32, size: u32) -> Result<PathBuf, String> {
    let path = dir.join(format!("img{i:04}.png"));
    draw(i, size)
        .save_with_format(&path, ImageFormat::Png)
        .map(|()| path)
        .map_err(|e| e.to_string())
}

/// The pipeline for one image: decode, half size, blur, grey, save; and a thumbnail.
pub fn process(input: &Path, out_dir: &Path) -> Result<(), String> {
    let img = image::open(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let half = img.resize_exact(img.width() / 2, img.height() / 2, FilterType::Triangle);
    let blurred = imageops::blur(&half, 2.0);
    let grey = imageops::grayscale(&blurred);
    let stem = input
        .file_stem()
        .map_or("image".into(), |s| s.to_string_lossy().to_string());
    grey.save_with_format(out_dir.join(format!("{stem}_grey.png")), ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    let thumb = imageops::thumbnail(&grey, 64, 64);
    thumb
        .save_with_format(out_dir.join(format!("{stem}_thumb.jpg")), ImageFormat::Jpeg)
        .map_err(|e| e.to_string())
}

/// Refuses a run past `cli`'s caps (`DISK_CAP`, `MEMORY_CAP`), before any work: on disk,
/// every input PNG (no bigger than its raw pixels, for these images) and three runs' grey
/// half-size PNGs and thumbnails; in memory, `busy` images in the pipeline at once, each
/// holding about 15 bytes per input pixel at its peak (measured: the decoded image, the
/// resize's and the blur's buffers).
pub fn footprint(images: u32, size: u32, busy: u32) -> Result<(), std::process::ExitCode> {
    let pixels = u128::from(size) * u128::from(size);
    let disk = u128::from(images) * (pixels * 3 + 3 * (pixels / 4 + 64 * 64 * 3));
    let memory = u128::from(busy) * pixels * 16;
    shared::cli::cap_bytes("disk", disk, shared::cli::DISK_CAP, "--images or --size")?;
    shared::cli::cap_bytes(
        "memory",
        memory,
        shared::cli::MEMORY_CAP,
        "--size or --workers",
    )
}

pub fn bar(len: u64, label: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {elapsed}")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_prefix(label.to_string());
    pb
}

/// The names of the files in `dir`, sorted.
fn names(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        names.push(PathBuf::from(entry.map_err(|e| e.to_string())?.file_name()));
    }
    names.sort();
    Ok(names)
}

/// How many files `first` holds, and whether every other folder holds the same names with the
/// same bytes. Two files in memory at a time, whatever the batch.
pub fn identical(first: &Path, others: &[PathBuf]) -> Result<(usize, bool), String> {
    let expected = names(first)?;
    for dir in others {
        if names(dir)? != expected {
            return Ok((expected.len(), false));
        }
        for name in &expected {
            let read = |d: &Path| std::fs::read(d.join(name)).map_err(|e| e.to_string());
            if read(first)? != read(dir)? {
                return Ok((expected.len(), false));
            }
        }
    }
    Ok((expected.len(), true))
}

//! What an evidence image costs: `cargo run --release --example evidence_bench [-- --runs N]`.
//!
//! For a 2 MP phone photo with a full EXIF block, a 1170 × 2532 phone screenshot and a 12 MP
//! photo, times `evidence::clean` (decode, orient, scale, encode) and the whole pipeline
//! (clean, pad, age-encrypt to 3 X25519 recipients) over N runs (30 by default), and prints
//! the sizes and the peak resident memory of each case.

use std::time::Instant;

use fluister::crypto;
use fluister::evidence::{self, ImageLimits};

// The crafted inputs the tests use: a photo with EXIF, GPS, XMP and a thumbnail; a screenshot
// PNG with text chunks.
#[path = "../tests/common/images.rs"]
mod images;

fn main() {
    let runs = runs_from_args();
    let recipients: Vec<age::x25519::Recipient> = (0..3)
        .map(|_| age::x25519::Identity::generate().to_public())
        .collect();
    let recipients: Vec<&dyn age::Recipient> = recipients
        .iter()
        .map(|r| r as &dyn age::Recipient)
        .collect();
    let limits = ImageLimits::default();

    println!("{runs} runs each; times in ms: min / median / p95 / max\n");
    let cases = [
        (
            "2 MP photo 1632×1224 JPEG, EXIF",
            images::jpeg_with_exif(1632, 1224),
        ),
        (
            "screenshot 1170×2532 PNG, text chunks",
            images::png_with_text(1170, 2532),
        ),
        (
            "12 MP photo 4000×3000 JPEG, EXIF",
            images::jpeg_with_exif(4000, 3000),
        ),
    ];
    for (name, source) in cases {
        reset_peak_rss();
        let mut clean_ms = Vec::with_capacity(runs);
        let mut total_ms = Vec::with_capacity(runs);
        let mut sizes = (0, 0, 0, (0, 0), "");
        for _ in 0..runs {
            let started = Instant::now();
            let clean = evidence::clean(&source, &limits).expect("the crafted image is clean-able");
            let cleaned = started.elapsed();
            let (width, height, media) = (clean.width, clean.height, clean.media_type.mime());
            let clean_len = clean.bytes.len();
            let padded = evidence::pad(clean.bytes);
            let padded_len = padded.len();
            let sealed = crypto::encrypt(&recipients, &padded).expect("age encrypts in memory");
            let total = started.elapsed();
            clean_ms.push(cleaned.as_secs_f64() * 1e3);
            total_ms.push(total.as_secs_f64() * 1e3);
            sizes = (clean_len, padded_len, sealed.len(), (width, height), media);
        }
        let (clean_len, padded_len, sealed_len, (width, height), media) = sizes;
        println!("{name}");
        println!(
            "  source {:>9} bytes → {media} {width}×{height}: {clean_len} bytes, padded \
             {padded_len}, sealed {sealed_len}",
            source.len()
        );
        println!("  decode+orient+scale+encode  {}", summary(&mut clean_ms));
        println!("  + pad + encrypt (3 keys)    {}", summary(&mut total_ms));
        match peak_rss_kib() {
            Some(kib) => println!("  peak RSS {:.1} MiB\n", kib as f64 / 1024.0),
            None => println!("  peak RSS unknown (no /proc/self/status)\n"),
        }
    }
}

fn runs_from_args() -> usize {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--runs") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .filter(|&n: &usize| n > 0)
            .unwrap_or_else(|| {
                eprintln!("--runs needs a positive number, e.g. --runs 30");
                std::process::exit(2)
            }),
        None => 30,
    }
}

fn summary(ms: &mut [f64]) -> String {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    format!(
        "{:>7.1} / {:>7.1} / {:>7.1} / {:>7.1}",
        ms[0],
        at(0.5),
        at(0.95),
        ms[ms.len() - 1]
    )
}

/// Linux resets the peak (VmHWM) to the current RSS when "5" is written to clear_refs.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

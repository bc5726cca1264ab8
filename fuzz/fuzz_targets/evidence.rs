//! The evidence pipeline, `evidence::clean`: sniffing by content, the JPEG/GIF/WebP structure
//! walks, decoding under limits, turning upright, scaling down and re-encoding.
//!
//! Input: byte 0 picks the limits (even: a small set, 4 MP and 512 px sides, so each run is
//! quick and the scaling paths are reached by small images; odd: the server's defaults, 50 MP
//! and 3072 px); the rest is the uploaded file.
//!
//! Checks: no panic; a cleaned image is never larger than `limits.output_bytes()`; its first
//! bytes say the media type it claims; it decodes, to the width and height it claims; its area
//! is within the screenshot limit, and a photo (JPEG source) within the longest-side limit.
#![no_main]

use std::io::Cursor;

use fluister::evidence::{self, ImageLimits, MediaType, SourceFormat};
use image::ImageFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let limits = if pick & 1 == 0 {
        ImageLimits {
            max_pixels: 4_000_000,
            max_side: 512,
            ..ImageLimits::default()
        }
    } else {
        ImageLimits::default()
    };
    let Ok(clean) = evidence::clean(file, &limits) else {
        return;
    };
    assert!(clean.bytes.len() <= limits.output_bytes());
    assert_eq!(MediaType::sniff(&clean.bytes), Some(clean.media_type));
    let format = match clean.media_type {
        MediaType::Jpeg => ImageFormat::Jpeg,
        MediaType::Png => ImageFormat::Png,
    };
    let decoded = image::ImageReader::with_format(Cursor::new(&clean.bytes), format)
        .decode()
        .expect("a cleaned image decodes");
    assert_eq!(
        (decoded.width(), decoded.height()),
        (clean.width, clean.height)
    );
    assert!(clean.width > 0 && clean.height > 0);
    let side = u64::from(limits.max_side);
    assert!(u64::from(clean.width) * u64::from(clean.height) <= 2 * side * side);
    if evidence::sniff(file) == Some(SourceFormat::Jpeg) {
        assert!(clean.width.max(clean.height) <= limits.max_side);
    }
});

//! The evidence image pipeline on crafted files: what a phone, an editor or an attacker sends,
//! straight into `fluister::evidence::clean`, without HTTP.

mod common;

use common::images::*;
use fluister::evidence::{self, ImageLimits, ImageProblem, MediaType, clean};
use image::{Rgb, RgbImage};

fn limits() -> ImageLimits {
    ImageLimits::default()
}

fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes)
        .expect("a cleaned image decodes")
        .to_rgb8()
}

/// Whether a pixel is clearly the red mark (JPEG blurs its colours a little).
fn is_mark(p: &Rgb<u8>) -> bool {
    p[0] > 200 && p[1] < 70 && p[2] < 70
}

#[test]
fn a_phone_photo_loses_exif_gps_serial_xmp_iptc_icc_comment_and_thumbnail() {
    let source = jpeg_with_exif(400, 300);
    for needle in [SERIAL, GPS_LATITUDE, XMP, IPTC, ICC, COMMENT, THUMB] {
        assert!(
            source.windows(needle.len()).any(|w| w == needle),
            "the crafted source carries {:?}",
            String::from_utf8_lossy(needle)
        );
    }

    let out = clean(&source, &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Jpeg);
    assert_clean(&out.bytes);
}

#[test]
fn a_phone_photo_is_turned_upright_by_its_orientation_tag() {
    // 400 × 300 pixels tagged "turn 90° clockwise": upright it is 300 × 400.
    let out = clean(&jpeg_with_exif(400, 300), &limits()).unwrap();
    assert_eq!((out.width, out.height), (300, 400));

    let upright = decode(&out.bytes);
    assert_eq!(upright.dimensions(), (300, 400));
    // The mark was top-left in the stored pixels; turned clockwise it is top-right.
    assert!(
        is_mark(upright.get_pixel(300 - 10, 10)),
        "{:?}",
        upright.get_pixel(290, 10)
    );
    assert!(
        !is_mark(upright.get_pixel(10, 10)),
        "{:?}",
        upright.get_pixel(10, 10)
    );
    assert!(!is_mark(upright.get_pixel(10, 390)));
    assert!(!is_mark(upright.get_pixel(290, 390)));
}

#[test]
fn a_photo_without_orientation_keeps_its_mark_top_left() {
    let out = clean(&photo_jpeg(400, 300), &limits()).unwrap();
    assert_eq!((out.width, out.height), (400, 300));
    let pixels = decode(&out.bytes);
    assert!(is_mark(pixels.get_pixel(10, 10)));
    assert!(!is_mark(pixels.get_pixel(390, 10)));
}

#[test]
fn a_progressive_jpeg_with_restart_markers_is_read_to_its_end() {
    let source = fixture("progressive-restart.jpg");
    let out = clean(&source, &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Jpeg);
    assert_eq!((out.width, out.height), (64, 48));
    assert_clean(&out.bytes);
    assert!(is_mark(decode(&out.bytes).get_pixel(2, 2)));
    assert_eq!(
        clean(&source[..source.len() / 2], &limits()).unwrap_err(),
        ImageProblem::Unreadable
    );
}

#[test]
fn a_png_loses_its_text_exif_and_icc_chunks() {
    let source = png_with_text(300, 500);
    for needle in [PNG_TEXT, PNG_ZTXT, PNG_ITXT, SERIAL, ICC] {
        assert!(source.windows(needle.len()).any(|w| w == needle));
    }
    let out = clean(&source, &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Png);
    assert_eq!((out.width, out.height), (300, 500));
    assert_clean(&out.bytes);
    // Lossless: the pixels are exactly the screenshot's.
    assert_eq!(decode(&out.bytes), screenshot(300, 500));
}

#[test]
fn bytes_after_the_image_end_are_gone() {
    for source in [photo_jpeg(200, 150), png_with_text(200, 150)] {
        let with_trailer = with_trailing(&source, TRAILER);
        let out = clean(&with_trailer, &limits()).unwrap();
        assert_clean(&out.bytes);
    }
    // A trailer that holds another whole JPEG (as MPO and Ultra HDR files do) is not read.
    let two = with_trailing(&photo_jpeg(64, 48), &jpeg_with_exif(64, 48));
    let out = clean(&two, &limits()).unwrap();
    assert_eq!((out.width, out.height), (64, 48));
    assert_clean(&out.bytes);
}

#[test]
fn a_png_bomb_is_refused_from_its_header() {
    let bomb = png_bomb();
    assert!(bomb.len() < 4096, "the bomb is {} bytes", bomb.len());
    assert_eq!(
        clean(&bomb, &limits()).unwrap_err(),
        ImageProblem::TooManyPixels {
            width: 60_000,
            height: 60_000
        }
    );
}

#[test]
fn a_jpeg_bomb_is_refused_from_its_header() {
    assert_eq!(
        clean(&jpeg_bomb(), &limits()).unwrap_err(),
        ImageProblem::TooManyPixels {
            width: 65_000,
            height: 65_000
        }
    );
}

#[test]
fn renamed_files_that_are_not_images_are_refused() {
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00evidence.jpg".to_vec();
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    let text = "Hij zei dat ik morgen niet naar school moet komen."
        .as_bytes()
        .to_vec();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let html = b"<!DOCTYPE html><img src=x onerror=alert(1)>".to_vec();
    // A JPEG with its magic bytes shifted by one: content decides, not the name.
    let shifted = with_trailing(b" ", &photo_jpeg(32, 32));
    for bytes in [zip, pdf, text, svg, html, shifted] {
        assert_eq!(
            clean(&bytes, &limits()).unwrap_err(),
            ImageProblem::NotAnImage
        );
    }
}

#[test]
fn truncated_files_are_unreadable() {
    let jpeg = jpeg_with_exif(400, 300);
    let png = png_with_text(300, 200);
    let gif = gif_two_frames();
    let webp = webp_lossless(120, 80);
    for (name, bytes) in [
        ("jpeg", &jpeg),
        ("png", &png),
        ("gif", &gif),
        ("webp", &webp),
    ] {
        for cut in [bytes.len() / 2, bytes.len() - 20] {
            assert_eq!(
                clean(&bytes[..cut], &limits()).unwrap_err(),
                ImageProblem::Unreadable,
                "{name} cut to {cut} of {} bytes",
                bytes.len()
            );
        }
    }
    // Cut right after the EXIF thumbnail's own EOI, before any of the photo's pixels: that
    // EOI must not count as the photo's.
    let thumbnail_end = jpeg.windows(2).position(|w| w == [0xFF, 0xD9]).unwrap() + 2;
    assert!(thumbnail_end < jpeg.len() / 4);
    assert_eq!(
        clean(&jpeg[..thumbnail_end], &limits()).unwrap_err(),
        ImageProblem::Unreadable
    );
}

#[test]
fn a_file_over_the_size_limit_is_too_big() {
    let jpeg = photo_jpeg(300, 200);
    let small = ImageLimits {
        file_bytes: 1000,
        ..limits()
    };
    assert_eq!(
        clean(&jpeg, &small).unwrap_err(),
        ImageProblem::TooBig {
            bytes: jpeg.len(),
            max: 1000
        }
    );
}

#[test]
fn a_gif_keeps_its_first_frame_as_a_png() {
    let out = clean(&gif_two_frames(), &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Png);
    assert_eq!((out.width, out.height), (32, 24));
    assert_clean(&out.bytes);
    let pixels = decode(&out.bytes);
    assert!(
        pixels.pixels().all(|p| *p == Rgb([255, 0, 0])),
        "the red frame"
    );
}

#[test]
fn a_lossless_webp_becomes_a_png_with_the_same_pixels() {
    let out = clean(&webp_lossless(120, 80), &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Png);
    assert_clean(&out.bytes);
    assert_eq!(decode(&out.bytes), photo(120, 80));
}

#[test]
fn a_lossy_webp_becomes_a_jpeg() {
    let out = clean(&fixture("lossy.webp"), &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Jpeg);
    assert_eq!((out.width, out.height), (64, 48));
    assert_clean(&out.bytes);
    assert!(is_mark(decode(&out.bytes).get_pixel(2, 2)));
}

#[test]
fn a_lossy_webp_with_exif_is_turned_upright_and_loses_the_exif() {
    let source = webp_with_exif(&fixture("lossy.webp"));
    assert!(source.windows(SERIAL.len()).any(|w| w == SERIAL));
    let out = clean(&source, &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Jpeg);
    assert_eq!((out.width, out.height), (48, 64));
    assert_clean(&out.bytes);
    let upright = decode(&out.bytes);
    assert!(
        is_mark(upright.get_pixel(48 - 3, 2)),
        "{:?}",
        upright.get_pixel(45, 2)
    );
}

#[test]
fn a_lossy_webp_with_alpha_is_flattened_onto_white() {
    // Left half fully transparent, right half opaque blue (0, 0, 200).
    let out = clean(&fixture("lossy-alpha.webp"), &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Jpeg);
    assert_clean(&out.bytes);
    let pixels = decode(&out.bytes);
    let white = pixels.get_pixel(4, 16);
    let blue = pixels.get_pixel(27, 16);
    assert!(
        white.0.iter().all(|&c| c > 240),
        "transparent became {white:?}"
    );
    assert!(
        blue[2] > 170 && blue[0] < 40 && blue[1] < 40,
        "blue became {blue:?}"
    );
}

#[test]
fn an_animated_webp_keeps_its_first_frame() {
    // Both are two frames, red then blue; one made lossless, one lossy.
    for (name, media_type) in [
        ("animated-lossless.webp", MediaType::Png),
        ("animated-lossy.webp", MediaType::Jpeg),
    ] {
        let out = clean(&fixture(name), &limits()).unwrap();
        assert_eq!(out.media_type, media_type, "{name}");
        assert_eq!((out.width, out.height), (32, 24), "{name}");
        assert_clean(&out.bytes);
        let centre = *decode(&out.bytes).get_pixel(16, 12);
        assert!(
            centre[0] > 200 && centre[2] < 60,
            "{name}: first frame is red, got {centre:?}"
        );
    }
}

#[test]
fn a_phone_screenshot_stays_a_png_at_full_size() {
    let out = clean(&png_with_text(1170, 2532), &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Png);
    assert_eq!((out.width, out.height), (1170, 2532));
    assert_clean(&out.bytes);
}

#[test]
fn a_12_megapixel_photo_is_scaled_to_the_longest_side() {
    let out = clean(&photo_jpeg(4000, 3000), &limits()).unwrap();
    assert_eq!(out.media_type, MediaType::Jpeg);
    assert_eq!((out.width, out.height), (3072, 2304));
    assert_eq!(decode(&out.bytes).dimensions(), (3072, 2304));
    assert_clean(&out.bytes);
}

#[test]
fn padding_hides_the_exact_length() {
    let out = clean(&jpeg_with_exif(400, 300), &limits()).unwrap();
    let len = out.bytes.len();
    let padded = evidence::pad(out.bytes.clone());
    assert!(padded.len() >= 64 * 1024 && padded.len() >= len);
    assert_eq!(&padded[..len], &out.bytes[..]);
    // Still a clean, decodable image: the padding is zeros after the end.
    assert_clean(&padded);
    assert_eq!(decode(&padded).dimensions(), (300, 400));
}

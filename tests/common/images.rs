//! Crafted evidence images: photos with EXIF, GPS, a serial number, XMP, IPTC, an ICC profile,
//! a comment and a thumbnail; PNGs with text, eXIf and iCCP chunks; trailers and bombs; and
//! [`assert_clean`], which walks a cleaned file and fails unless only pixels are left.
#![allow(dead_code)]

use std::io::Cursor;

use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb, RgbImage, Rgba};

/// Camera make, in IFD0.
pub const MAKE: &[u8] = b"MAKE-SENTINEL-4471";
/// Camera model, in IFD0.
pub const MODEL: &[u8] = b"MODEL-SENTINEL-2093";
/// BodySerialNumber (0xA431) in the EXIF IFD: the camera serial that can name a pupil.
pub const SERIAL: &[u8] = b"SERIAL-7Q3K9ZX2";
/// CameraOwnerName (0xA430) in the EXIF IFD.
pub const OWNER: &[u8] = b"OWNER-SENTINEL-7710";
/// GPSMapDatum in the GPS IFD, so the GPS block has a searchable string too.
pub const GPS_DATUM: &[u8] = b"GPS-SENTINEL-5203";
/// GPSLatitude 52/1, 5/1, 1234/100 as stored: three little-endian rationals.
pub const GPS_LATITUDE: &[u8] = &[
    52, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0xD2, 0x04, 0, 0, 100, 0, 0, 0,
];
/// GPSLongitude 4/1, 53/1, 5678/100 as stored.
pub const GPS_LONGITUDE: &[u8] = &[
    4, 0, 0, 0, 1, 0, 0, 0, 53, 0, 0, 0, 1, 0, 0, 0, 0x2E, 0x16, 0, 0, 100, 0, 0, 0,
];
/// In the XMP packet (JPEG APP1).
pub const XMP: &[u8] = b"XMP-SENTINEL-5521";
/// In the IPTC by-line (JPEG APP13, Photoshop 3.0).
pub const IPTC: &[u8] = b"IPTC-SENTINEL-6150";
/// In the ICC profile's description (JPEG APP2, PNG iCCP).
pub const ICC: &[u8] = b"ICC-SENTINEL-3377";
/// The JPEG comment (COM).
pub const COMMENT: &[u8] = b"COMMENT-SENTINEL-8812";
/// A comment inside the EXIF thumbnail.
pub const THUMB: &[u8] = b"THUMB-SENTINEL-6604";
/// PNG tEXt.
pub const PNG_TEXT: &[u8] = b"PNG-TEXT-SENTINEL-3141";
/// PNG zTXt (stored uncompressed inside its zlib stream, so it is searchable in the source).
pub const PNG_ZTXT: &[u8] = b"PNG-ZTXT-SENTINEL-1618";
/// PNG iTXt.
pub const PNG_ITXT: &[u8] = b"PNG-ITXT-SENTINEL-2718";
/// Bytes appended after the image end by [`with_trailing`] in the tests.
pub const TRAILER: &[u8] = b"TRAILER-SENTINEL-9001";

/// Every sentinel: none may occur in a cleaned file.
pub const SENTINELS: &[&[u8]] = &[
    MAKE,
    MODEL,
    SERIAL,
    OWNER,
    GPS_DATUM,
    GPS_LATITUDE,
    GPS_LONGITUDE,
    XMP,
    IPTC,
    ICC,
    COMMENT,
    THUMB,
    PNG_TEXT,
    PNG_ZTXT,
    PNG_ITXT,
    TRAILER,
];

/// Strings that name a metadata block; none may occur in a cleaned file.
pub const METADATA_MARKERS: &[&[u8]] = &[
    b"Exif",
    b"http://ns.adobe.com/xap",
    b"ICC_PROFILE",
    b"Photoshop",
];

/// The colour of the mark in the top-left corner of [`photo`], so tests can tell which way up
/// a picture came out.
pub const MARK: Rgb<u8> = Rgb([255, 0, 0]);

/// A photo-like picture: gradients and noise (so it compresses like a photo), with a pure red
/// square in the top-left corner, an eighth of the shorter side wide.
pub fn photo(width: u32, height: u32) -> RgbImage {
    let mark = (width.min(height) / 8).max(1);
    let mut state = 0x9E37_79B9_u32;
    ImageBuffer::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        if x < mark && y < mark {
            return MARK;
        }
        let noise = (state & 31) as i32 - 16;
        let ramp = |v: u32, span: u32| ((v * 200 / span.max(1)) as i32 + 20 + noise).clamp(0, 255);
        Rgb([
            ramp(x, width) as u8,
            ramp(y, height) as u8,
            ramp(x + y, width + height) as u8 / 2,
        ])
    })
}

/// [`photo`] as a JPEG from the `image` crate's encoder.
pub fn photo_jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(
        &DynamicImage::ImageRgb8(photo(width, height)),
        ImageFormat::Jpeg,
    )
}

/// A screenshot-like picture: flat colours, chat bubbles with sharp-edged "text".
pub fn screenshot(width: u32, height: u32) -> RgbImage {
    ImageBuffer::from_fn(width, height, |x, y| {
        let row = y % 180;
        let left = (y / 180) % 2 == 0;
        let in_bubble = row > 20
            && row < 160
            && if left {
                x > 40 && x < width * 2 / 3
            } else {
                x > width / 3 && x + 40 < width
            };
        if !in_bubble {
            return if y < 140 {
                Rgb([245, 245, 245])
            } else {
                Rgb([255, 255, 255])
            };
        }
        let glyph = ((x / 3) * 7 + (y / 4) * 13) % 11 < 4 && row % 40 > 10 && row % 40 < 32;
        match (glyph, left) {
            (true, _) => Rgb([20, 20, 20]),
            (false, true) => Rgb([230, 230, 235]),
            (false, false) => Rgb([0, 132, 255]),
        }
    })
}

/// A photo as a phone writes it: [`photo_jpeg`] with, right after SOI, an APP1 EXIF block
/// (IFD0 with Make, Model, Orientation 6 = turn 90° clockwise, an EXIF IFD with the body serial
/// number and owner, a GPS IFD near Delft, and IFD1 with a JPEG thumbnail that has its own
/// comment), an APP1 XMP packet, an APP2 ICC profile, an APP13 IPTC block, and a COM comment.
///
/// The pixels are `width` × `height`; upright, the picture is `height` × `width` and the red
/// mark sits in its top-right corner.
pub fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let jpeg = photo_jpeg(width, height);
    let mut segments = Vec::new();

    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff(6, true));
    segments.extend(segment(0xE1, &exif));

    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend(xmp_packet());
    segments.extend(segment(0xE1, &xmp));

    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend(icc_profile());
    segments.extend(segment(0xE2, &icc));

    segments.extend(segment(0xED, &iptc()));
    segments.extend(segment(0xFE, COMMENT));

    splice_after_soi(&jpeg, &segments)
}

/// A screenshot PNG with, before its IDAT, tEXt, zTXt and iTXt chunks, an eXIf chunk (the same
/// EXIF as [`jpeg_with_exif`] but Orientation 1) and an iCCP chunk.
pub fn png_with_text(width: u32, height: u32) -> Vec<u8> {
    let png = encode(
        &DynamicImage::ImageRgb8(screenshot(width, height)),
        ImageFormat::Png,
    );
    let mut chunks = Vec::new();

    let mut text = b"Comment\0".to_vec();
    text.extend(PNG_TEXT);
    chunks.extend(png_chunk(b"tEXt", &text));

    let mut ztxt = b"Description\0\0".to_vec();
    ztxt.extend(zlib_stored(PNG_ZTXT));
    chunks.extend(png_chunk(b"zTXt", &ztxt));

    // Keyword, compression flag 0, method 0, empty language tag, empty translated keyword.
    let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    itxt.extend(b"<x:xmpmeta><rdf:Description dc:creator=\"");
    itxt.extend(PNG_ITXT);
    itxt.extend(b"\"/></x:xmpmeta>");
    chunks.extend(png_chunk(b"iTXt", &itxt));

    chunks.extend(png_chunk(b"eXIf", &tiff(1, false)));

    let mut iccp = b"ICC profile\0\0".to_vec();
    iccp.extend(zlib_stored(&icc_profile()));
    chunks.extend(png_chunk(b"iCCP", &iccp));

    let idat = first_png_chunk(&png, b"IDAT").expect("the encoder writes an IDAT");
    let mut out = png[..idat].to_vec();
    out.extend(chunks);
    out.extend(&png[idat..]);
    out
}

/// `bytes` with `trailer` appended after the image end.
pub fn with_trailing(bytes: &[u8], trailer: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.extend(trailer);
    out
}

/// A 1 KiB PNG whose header claims 60,000 × 60,000 RGB pixels (10.8 GB decoded), with the start
/// of a valid zlib stream of zeros in its IDAT.
pub fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, adaptive filters, no interlace
    png.extend(png_chunk(b"IHDR", &ihdr));
    // zlib header, then one non-final stored block of 1,024 zeros (filter byte 0 and black).
    let mut idat = vec![0x78, 0x01, 0x00];
    idat.extend(1024u16.to_le_bytes());
    idat.extend((!1024u16).to_le_bytes());
    idat.extend([0u8; 1024]);
    png.extend(png_chunk(b"IDAT", &idat));
    png.extend(png_chunk(b"IEND", b""));
    png
}

/// A small JPEG whose SOF0 claims 65,000 × 65,000 pixels.
pub fn jpeg_bomb() -> Vec<u8> {
    let mut jpeg = photo_jpeg(16, 16);
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has SOF0");
    // FF C0, length (2), precision (1), height (2), width (2).
    jpeg[sof + 5..sof + 7].copy_from_slice(&65_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&65_000u16.to_be_bytes());
    jpeg
}

/// A 32 × 24 GIF with two frames: all red, then all blue.
pub fn gif_two_frames() -> Vec<u8> {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame};
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        for colour in [Rgba([255, 0, 0, 255]), Rgba([0, 0, 255, 255])] {
            let frame = Frame::from_parts(
                ImageBuffer::from_pixel(32, 24, colour),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            );
            encoder.encode_frame(frame).expect("encodes in memory");
        }
    }
    out
}

/// [`photo`] as a lossless WebP (all the `image` crate's encoder writes).
pub fn webp_lossless(width: u32, height: u32) -> Vec<u8> {
    encode(
        &DynamicImage::ImageRgb8(photo(width, height)),
        ImageFormat::WebP,
    )
}

/// A fixture from `tests/data` (see its README for how each was made).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A lossy WebP (a simple-format VP8 file) moved into the extended format with an EXIF chunk:
/// Orientation 6 and the same serial, GPS and owner as [`jpeg_with_exif`].
pub fn webp_with_exif(simple_lossy: &[u8]) -> Vec<u8> {
    assert_eq!(&simple_lossy[12..16], b"VP8 ", "a simple lossy WebP");
    let vp8 = &simple_lossy[12..];
    // The VP8 key frame header: 3-byte tag, start code 9D 01 2A, then 14-bit width and height.
    let width = u32::from(u16::from_le_bytes([vp8[14], vp8[15]]) & 0x3FFF);
    let height = u32::from(u16::from_le_bytes([vp8[16], vp8[17]]) & 0x3FFF);
    let mut vp8x = vec![0x08, 0, 0, 0]; // flags: EXIF present
    vp8x.extend(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend(&(height - 1).to_le_bytes()[..3]);

    let mut body = b"WEBP".to_vec();
    body.extend(riff_chunk(b"VP8X", &vp8x));
    body.extend(vp8);
    body.extend(riff_chunk(b"EXIF", &tiff(6, false)));
    let mut out = b"RIFF".to_vec();
    out.extend(u32::try_from(body.len()).unwrap().to_le_bytes());
    out.extend(body);
    out
}

/// Panics with a clear message unless `bytes` holds only pixels: (a) a PNG whose chunks are
/// exactly those `image`'s encoder writes (IHDR, IDAT, IEND), each with a correct CRC, or (b) a
/// JPEG whose markers are only SOI, APP0 (JFIF), DQT, SOF0/SOF2, DHT, DRI, SOS with its
/// entropy-coded data, and EOI. Nothing but zero padding may follow the end; no sentinel and
/// no metadata marker may occur anywhere.
pub fn assert_clean(bytes: &[u8]) {
    let end = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_end(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg_end(bytes)
    } else {
        panic!(
            "neither PNG nor JPEG: starts {:02X?}",
            &bytes[..bytes.len().min(8)]
        );
    };
    if let Some(at) = bytes[end..].iter().position(|&b| b != 0) {
        panic!(
            "{} non-zero bytes after the image end (first at {})",
            bytes.len() - end,
            end + at
        );
    }
    for needle in SENTINELS.iter().chain(METADATA_MARKERS) {
        if let Some(at) = find(bytes, needle) {
            panic!(
                "{:?} survived cleaning, at byte {at}",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

/// Checks the chunk list; returns the offset just after IEND.
fn png_end(bytes: &[u8]) -> usize {
    let mut at = 8;
    let mut types = Vec::new();
    loop {
        let head = bytes
            .get(at..at + 8)
            .unwrap_or_else(|| panic!("PNG ends inside a chunk header at {at}; chunks {types:?}"));
        let len = u32::from_be_bytes(head[..4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = head[4..8].try_into().unwrap();
        let name = String::from_utf8_lossy(&kind).into_owned();
        let data = bytes
            .get(at + 8..at + 8 + len)
            .unwrap_or_else(|| panic!("PNG chunk {name} runs past the end"));
        let stored = bytes
            .get(at + 8 + len..at + 12 + len)
            .unwrap_or_else(|| panic!("PNG chunk {name} has no CRC"));
        let mut crc_input = kind.to_vec();
        crc_input.extend(data);
        assert_eq!(
            u32::from_be_bytes(stored.try_into().unwrap()),
            crc32(&crc_input),
            "bad CRC on {name}"
        );
        assert!(
            matches!(&kind, b"IHDR" | b"IDAT" | b"IEND"),
            "PNG chunk {name} is not one the encoder should write; chunks so far {types:?}"
        );
        types.push(name);
        at += 12 + len;
        if &kind == b"IEND" {
            assert_eq!(types.first().map(String::as_str), Some("IHDR"), "{types:?}");
            return at;
        }
    }
}

/// Checks the marker list; returns the offset just after EOI.
fn jpeg_end(bytes: &[u8]) -> usize {
    let mut at = 2;
    let mut markers = vec!["SOI".to_string()];
    loop {
        assert_eq!(
            bytes.get(at),
            Some(&0xFF),
            "expected a marker at {at}; markers so far {markers:?}"
        );
        let marker = *bytes
            .get(at + 1)
            .unwrap_or_else(|| panic!("JPEG ends inside a marker; {markers:?}"));
        if marker == 0xD9 {
            return at + 2;
        }
        let len = bytes
            .get(at + 2..at + 4)
            .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize)
            .unwrap_or_else(|| panic!("JPEG ends inside marker {marker:02X}"));
        let payload = bytes
            .get(at + 4..at + 2 + len)
            .unwrap_or_else(|| panic!("JPEG segment {marker:02X} runs past the end"));
        let name = match marker {
            0xE0 => {
                assert!(
                    payload.starts_with(b"JFIF\0"),
                    "APP0 that is not JFIF: {:?}",
                    String::from_utf8_lossy(&payload[..payload.len().min(5)])
                );
                "APP0"
            }
            0xDB => "DQT",
            0xC0 => "SOF0",
            0xC2 => "SOF2",
            0xC4 => "DHT",
            0xDD => "DRI",
            0xDA => "SOS",
            other => panic!(
                "JPEG marker {other:02X} is not one a clean file may have; markers so far \
                 {markers:?}"
            ),
        };
        markers.push(name.to_string());
        at += 2 + len;
        if marker == 0xDA {
            // Entropy-coded data: runs to the next 0xFF not followed by 0x00 or a restart.
            loop {
                let ff = at
                    + bytes[at..]
                        .iter()
                        .position(|&b| b == 0xFF)
                        .unwrap_or_else(|| panic!("scan data runs to the end without EOI"));
                match bytes.get(ff + 1) {
                    Some(0x00) | Some(0xD0..=0xD7) => at = ff + 2,
                    Some(_) => {
                        at = ff;
                        break;
                    }
                    None => panic!("scan data runs to the end without EOI"),
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encodes in memory");
    out.into_inner()
}

/// A JPEG segment: marker, big-endian length (counting itself), payload.
fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 2).expect("a segment holds at most 65,533 bytes");
    let mut out = vec![0xFF, marker];
    out.extend(len.to_be_bytes());
    out.extend(payload);
    out
}

fn splice_after_soi(jpeg: &[u8], segments: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let mut out = jpeg[..2].to_vec();
    out.extend(segments);
    out.extend(&jpeg[2..]);
    out
}

fn xmp_packet() -> Vec<u8> {
    let mut xmp = b"<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
        <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF \
        xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description \
        xmlns:dc=\"http://purl.org/dc/elements/1.1/\" dc:creator=\""
        .to_vec();
    xmp.extend(XMP);
    xmp.extend(b"\"/></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>");
    xmp
}

/// APP13: Photoshop 3.0 image resource 0x0404 (IPTC) with a By-line (2:80) record.
fn iptc() -> Vec<u8> {
    let mut record = vec![0x1C, 0x02, 0x50];
    record.extend(u16::try_from(IPTC.len()).unwrap().to_be_bytes());
    record.extend(IPTC);
    if record.len() % 2 == 1 {
        record.push(0);
    }
    let mut out = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    out.extend(u32::try_from(record.len()).unwrap().to_be_bytes());
    out.extend(record);
    out
}

/// A 132-byte ICC-shaped blob: a header with the right size and signature and the sentinel in
/// its padding. Decoders keep it as opaque bytes; nothing here interprets it.
fn icc_profile() -> Vec<u8> {
    let mut icc = vec![0u8; 132];
    icc[..4].copy_from_slice(&132u32.to_be_bytes());
    icc[12..16].copy_from_slice(b"mntr");
    icc[16..20].copy_from_slice(b"RGB ");
    icc[20..24].copy_from_slice(b"XYZ ");
    icc[36..40].copy_from_slice(b"acsp");
    icc[100..100 + ICC.len()].copy_from_slice(ICC);
    icc
}

/// One IFD entry: tag, type, count and the little-endian value bytes.
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    data: Vec<u8>,
}

const BYTE: u16 = 1;
const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;

fn ascii(tag: u16, text: &[u8]) -> Entry {
    let mut data = text.to_vec();
    data.push(0);
    Entry {
        tag,
        kind: ASCII,
        count: data.len() as u32,
        data,
    }
}

fn short(tag: u16, value: u16) -> Entry {
    Entry {
        tag,
        kind: SHORT,
        count: 1,
        data: value.to_le_bytes().to_vec(),
    }
}

fn long(tag: u16, value: u32) -> Entry {
    Entry {
        tag,
        kind: LONG,
        count: 1,
        data: value.to_le_bytes().to_vec(),
    }
}

fn rationals(tag: u16, raw: &[u8]) -> Entry {
    Entry {
        tag,
        kind: RATIONAL,
        count: (raw.len() / 8) as u32,
        data: raw.to_vec(),
    }
}

/// Bytes an IFD takes: count, entries, next-IFD offset, and the values that do not fit in 4
/// bytes (each padded to an even length).
fn ifd_len(entries: &[Entry]) -> usize {
    let outside: usize = entries
        .iter()
        .filter(|e| e.data.len() > 4)
        .map(|e| e.data.len() + e.data.len() % 2)
        .sum();
    2 + 12 * entries.len() + 4 + outside
}

/// Writes an IFD at `out.len()` (an offset from the TIFF header), values after the entries.
fn write_ifd(out: &mut Vec<u8>, entries: &[Entry], next: u32) {
    let mut data_at = out.len() + 2 + 12 * entries.len() + 4;
    let mut data = Vec::new();
    out.extend(u16::try_from(entries.len()).unwrap().to_le_bytes());
    for e in entries {
        out.extend(e.tag.to_le_bytes());
        out.extend(e.kind.to_le_bytes());
        out.extend(e.count.to_le_bytes());
        if e.data.len() <= 4 {
            let mut inline = e.data.clone();
            inline.resize(4, 0);
            out.extend(inline);
        } else {
            out.extend(u32::try_from(data_at).unwrap().to_le_bytes());
            data.extend(&e.data);
            if e.data.len() % 2 == 1 {
                data.push(0);
            }
            data_at += e.data.len() + e.data.len() % 2;
        }
    }
    out.extend(next.to_le_bytes());
    out.extend(data);
}

fn set_long(entries: &mut [Entry], tag: u16, value: u32) {
    let e = entries
        .iter_mut()
        .find(|e| e.tag == tag)
        .expect("the tag is there");
    e.data = value.to_le_bytes().to_vec();
}

/// A little-endian TIFF structure as phones write into EXIF: IFD0 → EXIF IFD, GPS IFD, and
/// (with `thumbnail`) IFD1 holding a small JPEG that carries [`THUMB`] in a comment.
fn tiff(orientation: u16, thumbnail: bool) -> Vec<u8> {
    let mut ifd0 = vec![
        ascii(0x010F, MAKE),
        ascii(0x0110, MODEL),
        short(0x0112, orientation),
        ascii(0x0131, b"Fluister test suite"),
        ascii(0x0132, b"2026:03:14 15:09:26"),
        long(0x8769, 0), // ExifIFD pointer, set below
        long(0x8825, 0), // GPS IFD pointer, set below
    ];
    let exif = vec![
        ascii(0x9003, b"2026:03:14 15:09:26"),
        ascii(0xA430, OWNER),
        ascii(0xA431, SERIAL),
    ];
    let gps = vec![
        Entry {
            tag: 0x0000, // GPSVersionID 2.3.0.0
            kind: BYTE,
            count: 4,
            data: vec![2, 3, 0, 0],
        },
        ascii(0x0001, b"N"),
        rationals(0x0002, GPS_LATITUDE),
        ascii(0x0003, b"E"),
        rationals(0x0004, GPS_LONGITUDE),
        ascii(0x0012, GPS_DATUM),
    ];
    let thumb = thumbnail_jpeg();
    let mut ifd1 = vec![
        short(0x0103, 6),                                  // Compression: JPEG
        long(0x0201, 0),                                   // JPEGInterchangeFormat
        long(0x0202, u32::try_from(thumb.len()).unwrap()), // JPEGInterchangeFormatLength
    ];

    let ifd0_at = 8;
    let exif_at = ifd0_at + ifd_len(&ifd0);
    let gps_at = exif_at + ifd_len(&exif);
    let ifd1_at = gps_at + ifd_len(&gps);
    let thumb_at = ifd1_at + ifd_len(&ifd1);
    set_long(&mut ifd0, 0x8769, exif_at as u32);
    set_long(&mut ifd0, 0x8825, gps_at as u32);
    set_long(&mut ifd1, 0x0201, thumb_at as u32);

    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    write_ifd(&mut out, &ifd0, if thumbnail { ifd1_at as u32 } else { 0 });
    write_ifd(&mut out, &exif, 0);
    write_ifd(&mut out, &gps, 0);
    if thumbnail {
        write_ifd(&mut out, &ifd1, 0);
        assert_eq!(out.len(), thumb_at);
        out.extend(thumb);
    }
    out
}

/// A 16 × 12 JPEG with a comment, as cameras embed for previews.
fn thumbnail_jpeg() -> Vec<u8> {
    splice_after_soi(&photo_jpeg(16, 12), &segment(0xFE, THUMB))
}

/// A PNG chunk: length, type, data, CRC over type and data.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    out.extend(kind);
    out.extend(data);
    out.extend(crc32(&out[4..]).to_be_bytes());
    out
}

/// The offset of the first chunk of `kind` in a PNG.
fn first_png_chunk(png: &[u8], kind: &[u8; 4]) -> Option<usize> {
    let mut at = 8;
    while let Some(head) = png.get(at..at + 8) {
        if &head[4..8] == kind {
            return Some(at);
        }
        at += 12 + u32::from_be_bytes(head[..4].try_into().unwrap()) as usize;
    }
    None
}

/// A RIFF chunk: type, little-endian size, data, pad byte to an even length.
fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_vec();
    out.extend(u32::try_from(data.len()).unwrap().to_le_bytes());
    out.extend(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A zlib stream holding `data` in one stored (uncompressed) deflate block.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).expect("one stored block holds at most 65,535 bytes");
    let mut out = vec![0x78, 0x01, 0x01]; // zlib header; final stored block
    out.extend(len.to_le_bytes());
    out.extend((!len).to_le_bytes());
    out.extend(data);
    out.extend(adler32(data).to_be_bytes());
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// CRC-32 (ISO-HDLC, as PNG uses), bit by bit: slow and obviously right.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

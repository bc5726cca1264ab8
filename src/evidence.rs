//! Evidence images: decoded under limits, turned upright, re-encoded so only the pixels survive.
//!
//! A phone photo carries GPS coordinates, the camera's serial number, often a thumbnail of the
//! uncropped original, and editing software adds XMP and comments; any of these can name the
//! pupil who sent it. Stripping known metadata fields is a losing game, so nothing is copied:
//! every image is decoded to pixels and written anew by an encoder that is given no ICC profile
//! and no EXIF. Bytes after the image end, other frames and unknown chunks are never read out.
//!
//! The decoders are the `image` crate's, held to three limits: the file size, the pixel count
//! (checked from the header before any pixel buffer exists, against decompression bombs), and
//! the size of the output, to which larger images are scaled down (photos by their longest side,
//! screenshots by their area).
//!
//! This module knows nothing of HTTP; the web layer maps [`ImageProblem`] to a message.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat,
    ImageReader, Limits, RgbImage, RgbaImage,
};

/// The largest source file, in bytes, by default (10 MiB); the server config can change it.
pub const FILE_BYTES_DEFAULT: usize = 10 * 1024 * 1024;
/// Most images per report or follow-up.
pub const FILES_MAX: usize = 5;
/// The most pixels a source image may have by default: a 48 MP phone photo (8064 × 6048) passes,
/// a decompression bomb claiming 60,000 × 60,000 does not.
pub const MAX_PIXELS_DEFAULT: u64 = 50_000_000;
/// The longest side of a cleaned image by default; see [`ImageLimits::max_side`].
pub const MAX_SIDE_DEFAULT: u32 = 3072;

/// JPEG quality of the re-encoded photos: text and faces stay clear without visible blocks;
/// the 2 MP test photo comes out near 450 KB.
const JPEG_QUALITY: u8 = 85;
/// The longest side a source may have whatever its pixel count: the most a JPEG or GIF header
/// can say. A thinner, taller PNG is no photo or screenshot.
const SOURCE_SIDE_MAX: u32 = 65_535;
/// What a decoder may allocate while reading the header and the chunks before the pixels (PNG
/// text and ICC profiles, line buffers). A compressed iCCP or zTXt bomb hits this instead of
/// taking hundreds of megabytes for metadata that is thrown away.
const HEADER_ALLOC: u64 = 64 * 1024 * 1024;
/// The `gif` crate refuses frames over 50 MB of RGBA on its own; stay under that so a large GIF
/// is reported as too many pixels rather than as unreadable.
const GIF_PIXELS_MAX: u64 = 50_000_000 / 4;

/// The limits one image is decoded under.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// The largest source file, in bytes.
    pub file_bytes: usize,
    /// The most pixels (width × height) a source image may claim in its header.
    pub max_pixels: u64,
    /// The longest side of a cleaned photo (JPEG output); larger photos are scaled down to it.
    /// Screenshots and drawings (PNG output) are limited by area instead, to twice this squared
    /// (18.9 MP by default), so a long scrolling screenshot keeps its text readable.
    ///
    /// 3072 by default. Phone screenshots (1170 × 2532, 1290 × 2796) pass untouched, so chat text
    /// stays sharp. A 12 MP photo (4032 × 3024) shrinks to 3072 × 2304: still plenty to see
    /// faces and read signs, at about 60% of the pixels, bytes and encoding time. Resampling by
    /// a non-integer factor also mixes every output pixel from several sensor pixels, which
    /// weakens (it does not remove) the sensor-noise pattern that can tie a photo to the camera
    /// that took it (Lukáš, Fridrich and Goljan, "Digital camera identification from sensor
    /// pattern noise", 2006). Values above 65,535, the most a JPEG can hold, are treated as that.
    pub max_side: u32,
}

/// The largest cleaned image whatever the settings: what an adviser's client takes (with
/// padding) in one answer.
pub const OUTPUT_BYTES_MAX: usize = 64 * 1024 * 1024;

impl ImageLimits {
    /// The largest cleaned image: twice the largest source file, at most `OUTPUT_BYTES_MAX`.
    pub fn output_bytes(&self) -> usize {
        self.file_bytes.saturating_mul(2).min(OUTPUT_BYTES_MAX)
    }
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            file_bytes: FILE_BYTES_DEFAULT,
            max_pixels: MAX_PIXELS_DEFAULT,
            max_side: MAX_SIDE_DEFAULT,
        }
    }
}

/// What the cleaned image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MediaType {
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
}

impl MediaType {
    /// The type a cleaned image's first bytes say it is: what an adviser's client checks a
    /// decrypted attachment against.
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        match sniff(bytes)? {
            SourceFormat::Jpeg => Some(MediaType::Jpeg),
            SourceFormat::Png => Some(MediaType::Png),
            SourceFormat::Gif | SourceFormat::WebP => None,
        }
    }

    /// The MIME type, as served and as named in the sealed document.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Png => "png",
            MediaType::Jpeg => "jpg",
        }
    }
}

/// An image with nothing but its pixels: freshly encoded, upright, within the limits.
pub struct CleanImage {
    pub bytes: Vec<u8>,
    pub media_type: MediaType,
    pub width: u32,
    pub height: u32,
}

/// Shows the shape, never the bytes.
impl std::fmt::Debug for CleanImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleanImage")
            .field("media_type", &self.media_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Why an image was refused. Carries no image content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    /// The content is not JPEG, PNG, WebP or GIF, whatever its name or declared type says.
    #[error("the file is not a JPEG, PNG, WebP or GIF image; attach a photo or a screenshot")]
    NotAnImage,
    /// The source file is larger than the limit.
    #[error(
        "the file has {bytes} bytes, more than the {max} allowed; attach a smaller photo or a \
         screenshot"
    )]
    TooBig { bytes: usize, max: usize },
    /// The header claims more pixels than the limit (a decompression bomb, or a huge photo).
    /// Both are 0 when a decoder refused before it had read the dimensions.
    #[error(
        "the image claims {width} × {height} pixels, more than we accept; attach a smaller photo \
         or a screenshot"
    )]
    TooManyPixels { width: u32, height: u32 },
    /// The file is truncated or damaged: decoding failed.
    #[error("the image is damaged or incomplete; attach it again or take a new screenshot")]
    Unreadable,
}

/// A source format, told by content alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
    Gif,
    WebP,
}

impl SourceFormat {
    fn image_format(self) -> ImageFormat {
        match self {
            SourceFormat::Jpeg => ImageFormat::Jpeg,
            SourceFormat::Png => ImageFormat::Png,
            SourceFormat::Gif => ImageFormat::Gif,
            SourceFormat::WebP => ImageFormat::WebP,
        }
    }
}

/// Which source format the bytes are, by their magic bytes only; never by name or declared type.
pub fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(SourceFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(SourceFormat::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(SourceFormat::Gif)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(SourceFormat::WebP)
    } else {
        None
    }
}

/// Decodes `bytes` under `limits`, turns the image upright by its orientation tag, scales it
/// down to `limits.max_side`, and encodes the pixels alone.
///
/// JPEG and lossy WebP become JPEG (alpha flattened onto white); PNG, GIF and lossless WebP
/// become PNG, RGBA only if some pixel is not fully opaque. GIF and animated WebP keep their
/// first frame. A file that ends before its image data does (a JPEG without its EOI marker, a
/// PNG without IEND) is [`ImageProblem::Unreadable`], never a half-grey picture.
pub fn clean(bytes: &[u8], limits: &ImageLimits) -> Result<CleanImage, ImageProblem> {
    if bytes.len() > limits.file_bytes {
        return Err(ImageProblem::TooBig {
            bytes: bytes.len(),
            max: limits.file_bytes,
        });
    }
    let source = sniff(bytes).ok_or(ImageProblem::NotAnImage)?;
    let output = match source {
        SourceFormat::Jpeg if jpeg_reaches_eoi(bytes) => MediaType::Jpeg,
        // zune-jpeg (behind `image`) fills a truncated scan with grey and reports success.
        SourceFormat::Jpeg => return Err(ImageProblem::Unreadable),
        SourceFormat::Gif if gif_is_complete(bytes) => MediaType::Png,
        // Only the first frame is decoded, so a cut in a later one would go unnoticed.
        SourceFormat::Gif => return Err(ImageProblem::Unreadable),
        SourceFormat::Png => MediaType::Png,
        SourceFormat::WebP => match webp_kind(bytes) {
            Some(WebPKind::Lossy) => MediaType::Jpeg,
            Some(WebPKind::Lossless) => MediaType::Png,
            None => return Err(ImageProblem::Unreadable),
        },
    };
    let (image, orientation) = decode(bytes, source, limits)?;
    let max_side = limits.max_side.clamp(1, SOURCE_SIDE_MAX);
    // Photos are limited by their longest side. Screenshots (PNG) by their area instead: a
    // scrolling screenshot of a whole chat (1080 × 20,000) must keep its text readable, and a
    // screenshot carries no sensor noise to weaken.
    let target = |w: u32, h: u32| match output {
        MediaType::Jpeg => scaled_size(w, h, max_side),
        MediaType::Png => scaled_to_area(w, h, 2 * u64::from(max_side).pow(2)),
    };

    // Scale before turning: the size is the same either way, and there are fewer pixels to turn.
    let mut image = match output {
        MediaType::Jpeg => {
            let rgb = flatten_onto_white(image);
            DynamicImage::ImageRgb8(match target(rgb.width(), rgb.height()) {
                Some((w, h)) => downscale_rgb(&rgb, w, h),
                None => rgb,
            })
        }
        MediaType::Png if has_transparency(&image) => {
            let rgba = image.into_rgba8();
            DynamicImage::ImageRgba8(match target(rgba.width(), rgba.height()) {
                Some((w, h)) => downscale_rgba(rgba, w, h),
                None => rgba,
            })
        }
        MediaType::Png => {
            let rgb = image.into_rgb8();
            DynamicImage::ImageRgb8(match target(rgb.width(), rgb.height()) {
                Some((w, h)) => downscale_rgb(&rgb, w, h),
                None => rgb,
            })
        }
    };
    image.apply_orientation(orientation);

    let (width, height) = (image.width(), image.height());
    let (bytes, output) = encode_within(image, output, limits.output_bytes())?;
    Ok(CleanImage {
        bytes,
        media_type: output,
        width,
        height,
    })
}

/// Reads the header, refuses too many pixels before any pixel buffer exists, then decodes the
/// first frame. Returns the pixels and the orientation the file asks for.
fn decode(
    bytes: &[u8],
    source: SourceFormat,
    limits: &ImageLimits,
) -> Result<(DynamicImage, Orientation), ImageProblem> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), source.image_format());
    // No width or height limit yet, so the decoder reads the header and we learn the
    // dimensions to report; only what the header chunks may take is limited here.
    let mut header_limits = Limits::default();
    header_limits.max_alloc = Some(HEADER_ALLOC);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(|e| problem(e, (0, 0)))?;

    let (width, height) = decoder.dimensions();
    let too_many = ImageProblem::TooManyPixels { width, height };
    if width == 0 || height == 0 {
        return Err(ImageProblem::Unreadable);
    }
    let max_pixels = match source {
        SourceFormat::Gif => limits.max_pixels.min(GIF_PIXELS_MAX),
        _ => limits.max_pixels,
    };
    if u64::from(width) * u64::from(height) > max_pixels
        || width > SOURCE_SIDE_MAX
        || height > SOURCE_SIDE_MAX
    {
        return Err(too_many);
    }

    let mut pixel_limits = Limits::default();
    pixel_limits.max_image_width = Some(SOURCE_SIDE_MAX);
    pixel_limits.max_image_height = Some(SOURCE_SIDE_MAX);
    // One RGBA frame at the pixel limit: what the GIF decoder's frame buffer may take.
    pixel_limits.max_alloc = Some(max_pixels.saturating_mul(4));
    decoder
        .set_limits(pixel_limits)
        .map_err(|e| problem(e, (width, height)))?;
    // `DynamicImage::from_decoder` allocates the whole buffer without consulting the limits
    // (image 0.25 reserves it only in `ImageReader::decode`); 8 bytes a pixel is RGBA16.
    if decoder.total_bytes() > max_pixels.saturating_mul(8) {
        return Err(too_many);
    }

    // A damaged EXIF block must not cost the picture; it is then shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| problem(e, (width, height)))?;
    Ok((image, orientation))
}

/// What a decoder error means for the pupil.
fn problem(error: ImageError, (width, height): (u32, u32)) -> ImageProblem {
    match error {
        ImageError::Limits(_) => ImageProblem::TooManyPixels { width, height },
        _ => ImageProblem::Unreadable,
    }
}

/// Encodes pixels with no metadata: the encoders are given neither an ICC profile nor EXIF.
///
/// JPEG: SOI, APP0 (JFIF), SOF0, DQT, DHT, SOS, EOI. PNG: IHDR, IDAT, IEND.
/// Encodes as `output`, within `most` bytes. A PNG can come out far larger than the file that
/// was sent (a small lossless WebP of noise): such an image is sent as a photo (JPEG) instead;
/// if even that is too big, it is refused.
fn encode_within(
    image: DynamicImage,
    output: MediaType,
    most: usize,
) -> Result<(Vec<u8>, MediaType), ImageProblem> {
    let (width, height) = (image.width(), image.height());
    let mut output = output;
    let mut bytes = encode(&image, output)?;
    if bytes.len() > most && output == MediaType::Png {
        output = MediaType::Jpeg;
        bytes = encode(&DynamicImage::ImageRgb8(flatten_onto_white(image)), output)?;
    }
    if bytes.len() > most {
        return Err(ImageProblem::TooManyPixels { width, height });
    }
    Ok((bytes, output))
}

fn encode(image: &DynamicImage, output: MediaType) -> Result<Vec<u8>, ImageProblem> {
    let mut out = Vec::new();
    // An encoder error here is a bug or out-of-memory, not the pupil's file; it still must not
    // become a stored attachment.
    let result = match (output, image) {
        (MediaType::Jpeg, DynamicImage::ImageRgb8(rgb)) => {
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(rgb)
        }
        (MediaType::Png, DynamicImage::ImageRgb8(rgb)) => png_encoder(&mut out).write_image(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            ExtendedColorType::Rgb8,
        ),
        (MediaType::Png, DynamicImage::ImageRgba8(rgba)) => png_encoder(&mut out).write_image(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            ExtendedColorType::Rgba8,
        ),
        _ => return Err(ImageProblem::Unreadable),
    };
    result.map_err(|_| ImageProblem::Unreadable)?;
    Ok(out)
}

/// Balanced deflate with adaptive filters: a phone screenshot in ~20 ms at a tenth of the size
/// the fast setting writes (measured on 1170 × 2532).
fn png_encoder(out: &mut Vec<u8>) -> PngEncoder<&mut Vec<u8>> {
    PngEncoder::new_with_quality(out, CompressionType::Default, FilterType::Adaptive)
}

/// Whether some pixel is not fully opaque.
fn has_transparency(image: &DynamicImage) -> bool {
    match image {
        DynamicImage::ImageLumaA8(i) => i.pixels().any(|p| p[1] != u8::MAX),
        DynamicImage::ImageRgba8(i) => i.pixels().any(|p| p[3] != u8::MAX),
        DynamicImage::ImageLumaA16(i) => i.pixels().any(|p| p[1] != u16::MAX),
        DynamicImage::ImageRgba16(i) => i.pixels().any(|p| p[3] != u16::MAX),
        DynamicImage::ImageRgba32F(i) => i.pixels().any(|p| p[3] < 1.0),
        _ => false,
    }
}

/// RGB8 for a JPEG, transparent parts shown as on a white page (as a browser shows them).
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !has_transparency(&image) {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (to, from) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(from[3]);
        for c in 0..3 {
            let v = (u32::from(from[c]) * a + 255 * (255 - a) + 127) / 255;
            to[c] = u8::try_from(v).unwrap_or(u8::MAX);
        }
    }
    rgb
}

/// The size to scale to so the longest side is `max_side`, or `None` if it already fits.
fn scaled_size(width: u32, height: u32, max_side: u32) -> Option<(u32, u32)> {
    let long = width.max(height);
    if long <= max_side {
        return None;
    }
    let scale = |side: u32| {
        let v = (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(v).unwrap_or(max_side).clamp(1, max_side)
    };
    Some((scale(width), scale(height)))
}

/// The size to scale to so there are at most `max_area` pixels, or `None` if it already fits.
fn scaled_to_area(width: u32, height: u32, max_area: u64) -> Option<(u32, u32)> {
    let area = u64::from(width) * u64::from(height);
    if area <= max_area {
        return None;
    }
    let factor = (max_area as f64 / area as f64).sqrt();
    let scale = |side: u32| ((f64::from(side) * factor).floor() as u32).clamp(1, side);
    let (w, h) = (scale(width), scale(height));
    // A side rounded up to 1 pixel leaves the other to carry the limit alone.
    let w = w.min(
        u32::try_from(max_area / u64::from(h))
            .unwrap_or(u32::MAX)
            .max(1),
    );
    let h = h.min(
        u32::try_from(max_area / u64::from(w))
            .unwrap_or(u32::MAX)
            .max(1),
    );
    Some((w, h))
}

fn downscale_rgb(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let pixels = downscale::<3>(image.as_raw(), image.width(), image.height(), width, height);
    RgbImage::from_raw(width, height, pixels).expect("downscale returns width × height × 3 bytes")
}

/// Scales with premultiplied alpha, so the colour of fully transparent pixels (often black)
/// does not bleed into the edges of what is visible.
fn downscale_rgba(mut image: RgbaImage, width: u32, height: u32) -> RgbaImage {
    for p in image.pixels_mut() {
        let a = u32::from(p[3]);
        for c in 0..3 {
            p[c] = u8::try_from((u32::from(p[c]) * a + 127) / 255).unwrap_or(u8::MAX);
        }
    }
    let pixels = downscale::<4>(image.as_raw(), image.width(), image.height(), width, height);
    let mut out = RgbaImage::from_raw(width, height, pixels)
        .expect("downscale returns width × height × 4 bytes");
    for p in out.pixels_mut() {
        let a = u32::from(p[3]);
        for c in 0..3 {
            p[c] = match a {
                0 => 0,
                _ => u8::try_from((u32::from(p[c]) * 255 + a / 2) / a).unwrap_or(u8::MAX),
            };
        }
    }
    out
}

/// Fixed-point weights carry 14 bits: 255 × 2^14 × taps stays far inside an i32.
const WEIGHT_BITS: u32 = 14;
const WEIGHT_ONE: i32 = 1 << WEIGHT_BITS;

/// For each output position: the first source position it reads, and its weights.
struct Taps {
    first: Vec<usize>,
    /// `weights[bounds[o]..bounds[o + 1]]` belong to output `o`.
    bounds: Vec<usize>,
    weights: Vec<i32>,
}

impl Taps {
    /// A triangle (tent) filter as wide as the scale factor: each output pixel averages the
    /// source pixels it covers, so fine detail is smoothed rather than aliased. Its output is
    /// within one level of `image::imageops::resize` with `FilterType::Triangle`, which does
    /// the same in f32 RGBA and took 4× the time and 5× the memory (4000 × 3000 to 3072 × 2304:
    /// 420 ms against ~100 ms, measured).
    fn triangle(src: u32, dst: u32) -> Taps {
        let src_len = usize::try_from(src).unwrap_or(usize::MAX).max(1);
        let ratio = f64::from(src) / f64::from(dst.max(1));
        let support = ratio.max(1.0);
        let mut taps = Taps {
            first: Vec::with_capacity(dst as usize),
            bounds: Vec::with_capacity(dst as usize + 1),
            weights: Vec::new(),
        };
        taps.bounds.push(0);
        let mut float = Vec::new();
        for o in 0..dst {
            let center = (f64::from(o) + 0.5) * ratio;
            // `as` saturates: a negative start becomes 0.
            let left = ((center - support).floor() as usize).min(src_len - 1);
            let right = ((center + support).ceil() as usize).clamp(left + 1, src_len);
            float.clear();
            float.extend((left..right).map(|i| {
                let distance = ((i as f64 + 0.5 - center) / support).abs();
                (1.0 - distance).max(0.0)
            }));
            let sum: f64 = float.iter().sum();
            let start = taps.weights.len();
            if sum > 0.0 {
                taps.weights.extend(
                    float
                        .iter()
                        .map(|w| (w / sum * f64::from(WEIGHT_ONE)).round() as i32),
                );
            } else {
                taps.weights.extend(float.iter().map(|_| 0));
            }
            // Make the weights sum to exactly one, so flat areas keep their exact colour.
            let total: i32 = taps.weights[start..].iter().sum();
            if let Some(largest) = taps.weights[start..].iter_mut().max() {
                *largest += WEIGHT_ONE - total;
            }
            taps.first.push(left);
            taps.bounds.push(taps.weights.len());
        }
        taps
    }

    fn of(&self, o: usize) -> (usize, &[i32]) {
        (
            self.first[o],
            &self.weights[self.bounds[o]..self.bounds[o + 1]],
        )
    }
}

fn to_u8(acc: i32) -> u8 {
    u8::try_from((acc >> WEIGHT_BITS).clamp(0, 255)).unwrap_or(u8::MAX)
}

/// Separable downscale of 8-bit pixels with `C` channels, rows first then columns.
fn downscale<const C: usize>(src: &[u8], width: u32, height: u32, nw: u32, nh: u32) -> Vec<u8> {
    let (w, nw_us, nh_us) = (width as usize, nw as usize, nh as usize);

    // Vertical pass first: whole rows at a time, which the compiler vectorises.
    let rowlen = w * C;
    let rows = Taps::triangle(height, nh);
    let mut mid = vec![0u8; rowlen * nh_us];
    let mut acc = vec![0i32; rowlen];
    for (o, out_row) in mid.chunks_exact_mut(rowlen).enumerate() {
        let (top, weights) = rows.of(o);
        acc.fill(WEIGHT_ONE / 2);
        for (k, &weight) in weights.iter().enumerate() {
            let start = (top + k) * rowlen;
            let src_row = &src[start..start + rowlen];
            for (a, &s) in acc.iter_mut().zip(src_row) {
                *a += weight * i32::from(s);
            }
        }
        for (d, &a) in out_row.iter_mut().zip(&acc) {
            *d = to_u8(a);
        }
    }

    let cols = Taps::triangle(width, nw);
    let mut out = vec![0u8; nw_us * C * nh_us];
    for (mid_row, out_row) in mid
        .chunks_exact(rowlen)
        .zip(out.chunks_exact_mut(nw_us * C))
    {
        for (o, pixel) in out_row.chunks_exact_mut(C).enumerate() {
            let (left, weights) = cols.of(o);
            let span = &mid_row[left * C..(left + weights.len()) * C];
            let mut acc = [WEIGHT_ONE / 2; C];
            for (&weight, s) in weights.iter().zip(span.chunks_exact(C)) {
                for c in 0..C {
                    acc[c] += weight * i32::from(s[c]);
                }
            }
            for c in 0..C {
                pixel[c] = to_u8(acc[c]);
            }
        }
    }
    out
}

/// Walks the JPEG's segments to its EOI marker, skipping segment payloads by their length (an
/// EXIF thumbnail ends in its own EOI) and entropy-coded data by its byte stuffing.
///
/// Bytes after the EOI (trailers, a second picture in an MPO or Ultra HDR file) are allowed:
/// the decoder never reads them and the output never holds them.
fn jpeg_reaches_eoi(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI
    while let Some(marker_at) = next_jpeg_marker(bytes, at) {
        let Some(&marker) = bytes.get(marker_at + 1) else {
            return false;
        };
        match marker {
            0xD9 => return true,
            // Standalone markers: restart markers inside a scan, TEM.
            0x01 | 0xD0..=0xD7 => at = marker_at + 2,
            _ => {
                let Some(len) = bytes.get(marker_at + 2..marker_at + 4) else {
                    return false;
                };
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if len < 2 {
                    return false;
                }
                at = marker_at + 2 + len;
            }
        }
    }
    false
}

/// The position of the next marker at or after `from`: 0xFF followed by neither 0x00 (a
/// stuffed 0xFF in entropy-coded data) nor 0xFF (fill).
fn next_jpeg_marker(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let ff = at + bytes.get(at..)?.iter().position(|&b| b == 0xFF)?;
        match *bytes.get(ff + 1)? {
            0x00 => at = ff + 2,
            0xFF => at = ff + 1,
            _ => return Some(ff),
        }
    }
}

/// Walks a GIF's blocks: every block it starts must be whole. The trailer (0x3B) may be
/// missing, as some encoders leave it out, but only at a block boundary.
fn gif_is_complete(bytes: &[u8]) -> bool {
    /// The size of a colour table the packed field announces, if any.
    fn table(packed: u8) -> usize {
        if packed & 0x80 == 0 {
            0
        } else {
            3 << ((packed & 7) + 1)
        }
    }
    /// Skips data sub-blocks up to and including their zero terminator.
    fn sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
        loop {
            let len = usize::from(*bytes.get(at)?);
            at += 1 + len;
            if len == 0 {
                return Some(at);
            }
        }
    }
    // Header (6) and logical screen descriptor (7), then the global colour table.
    let Some(&packed) = bytes.get(10) else {
        return false;
    };
    let mut at = 13 + table(packed);
    loop {
        let next = match bytes.get(at) {
            None => return at == bytes.len(),
            Some(0x3B) => return true,
            // Extension: introducer, label, sub-blocks.
            Some(0x21) => sub_blocks(bytes, at + 2),
            // Image: descriptor (10 bytes with its separator), local colour table, LZW
            // minimum code size, sub-blocks.
            Some(0x2C) => match bytes.get(at + 9) {
                Some(&packed) => sub_blocks(bytes, at + 10 + table(packed) + 1),
                None => None,
            },
            Some(_) => None,
        };
        match next {
            Some(next) if next <= bytes.len() => at = next,
            _ => return false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WebPKind {
    Lossy,
    Lossless,
}

/// Whether a WebP's first image is lossy (VP8, with or without ALPH) or lossless (VP8L), after
/// checking that every chunk lies inside the file.
///
/// The check matters: `image-webp` 0.2 allocates a chunk's declared size before reading it
/// (the EXIF chunk, to read the orientation), so a 200-byte file could ask for 4 GiB.
/// `None` if the file is truncated or has no image chunk.
fn webp_kind(bytes: &[u8]) -> Option<WebPKind> {
    let riff_size = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    let end = usize::try_from(riff_size).ok()?.checked_add(8)?;
    let mut rest = bytes.get(12..end)?;
    let mut kind = None;
    while !rest.is_empty() {
        let fourcc = rest.get(0..4)?;
        let size = u32::from_le_bytes(rest.get(4..8)?.try_into().ok()?);
        let size = usize::try_from(size).ok()?;
        let payload = rest.get(8..8usize.checked_add(size)?)?;
        if kind.is_none() {
            kind = match fourcc {
                b"VP8 " | b"ALPH" => Some(WebPKind::Lossy),
                b"VP8L" => Some(WebPKind::Lossless),
                // An animation frame: 16 bytes of frame header, then its image chunks.
                b"ANMF" => match payload.get(16..20)? {
                    b"VP8 " | b"ALPH" => Some(WebPKind::Lossy),
                    b"VP8L" => Some(WebPKind::Lossless),
                    _ => return None,
                },
                _ => None,
            };
        }
        // Chunks are padded to an even length; a missing pad byte at the very end is harmless.
        let padded = size + (size & 1);
        rest = rest.get(8 + padded..).unwrap_or(&[]);
    }
    kind
}

/// The smallest padded size, so most screenshots and small photos look alike.
const PAD_FLOOR: usize = 64 * 1024;

/// Pads an attachment before encryption so the ciphertext's length says little about the image.
///
/// Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication
/// with PURBs", PETS 2019): a length L is rounded up to a multiple of 2^(E − S), where
/// E = ⌊log₂ L⌋ and S = ⌊log₂ E⌋ + 1, so only O(log log L) bits of the length show and the
/// overhead stays under 12%; never below 64 KiB. Pads with zero bytes, which image viewers
/// ignore after the PNG IEND or JPEG EOI; the adviser client trims to the real length it learns
/// from the sealed document.
pub fn pad(mut bytes: Vec<u8>) -> Vec<u8> {
    let target = padded_len(bytes.len());
    bytes.resize(target, 0);
    bytes
}

/// The size [`pad`] makes an attachment of `len` bytes.
pub fn padded_len(len: usize) -> usize {
    padme(len).max(PAD_FLOOR)
}

/// The Padmé length for `len`.
fn padme(len: usize) -> usize {
    if len < 2 {
        return len;
    }
    let e = len.ilog2();
    let s = e.ilog2() + 1;
    let last_bits = e - s;
    let mask = (1usize << last_bits) - 1;
    // Only an absurd length near usize::MAX could overflow; it then stays unpadded.
    len.checked_add(mask).map_or(len, |l| l & !mask)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GenericImageView, ImageBuffer, Luma, Rgb, Rgba};

    fn encode_as(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).expect("encodes in memory");
        out.into_inner()
    }

    /// Gradients and a little noise, so it compresses like a photo.
    fn photo(width: u32, height: u32) -> RgbImage {
        let mut state = 0x2545_F491_u32;
        ImageBuffer::from_fn(width, height, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state & 15) as i32 - 8;
            let ramp = |v: u32, span: u32| ((v * 255 / span) as i32 + noise).clamp(0, 255) as u8;
            Rgb([ramp(x, width), ramp(y, height), ramp(x + y, width + height)])
        })
    }

    fn png_chunk_types(png: &[u8]) -> Vec<String> {
        let mut types = Vec::new();
        let mut at = 8;
        while let Some(head) = png.get(at..at + 8) {
            let len = u32::from_be_bytes(head[..4].try_into().unwrap()) as usize;
            types.push(String::from_utf8_lossy(&head[4..]).into_owned());
            at += 12 + len;
        }
        types
    }

    #[test]
    fn sniffs_by_content_only() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(SourceFormat::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(SourceFormat::Png));
        assert_eq!(sniff(b"GIF89a..."), Some(SourceFormat::Gif));
        assert_eq!(sniff(b"GIF87a..."), Some(SourceFormat::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(SourceFormat::WebP));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"%PDF-1.7\n"), None);
        assert_eq!(sniff(b"PK\x03\x04"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\xFF\xD8"), None);
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        let limits = ImageLimits::default();
        for bytes in [
            &b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"[..],
            b"PK\x03\x04\x14\0\0\0\x08\0",
            b"Dit is geen foto.\n",
            b"",
        ] {
            assert_eq!(clean(bytes, &limits).unwrap_err(), ImageProblem::NotAnImage);
        }
    }

    #[test]
    fn refuses_a_file_over_the_size_limit_before_reading_it() {
        let jpeg = encode_as(&DynamicImage::ImageRgb8(photo(64, 48)), ImageFormat::Jpeg);
        let limits = ImageLimits {
            file_bytes: jpeg.len() - 1,
            ..ImageLimits::default()
        };
        assert_eq!(
            clean(&jpeg, &limits).unwrap_err(),
            ImageProblem::TooBig {
                bytes: jpeg.len(),
                max: jpeg.len() - 1
            }
        );
        // A file of exactly the limit passes.
        let limits = ImageLimits {
            file_bytes: jpeg.len(),
            ..limits
        };
        assert!(clean(&jpeg, &limits).is_ok());
    }

    #[test]
    fn a_jpeg_stays_a_jpeg_of_the_same_size() {
        let jpeg = encode_as(&DynamicImage::ImageRgb8(photo(320, 200)), ImageFormat::Jpeg);
        let out = clean(&jpeg, &ImageLimits::default()).unwrap();
        assert_eq!(out.media_type, MediaType::Jpeg);
        assert_eq!((out.width, out.height), (320, 200));
        let back = image::load_from_memory_with_format(&out.bytes, ImageFormat::Jpeg).unwrap();
        assert_eq!(back.dimensions(), (320, 200));
    }

    #[test]
    fn a_grey_jpeg_becomes_an_rgb_jpeg() {
        let grey = ImageBuffer::from_fn(40, 30, |x, y| Luma([(x * 5 + y) as u8]));
        let jpeg = encode_as(&DynamicImage::ImageLuma8(grey), ImageFormat::Jpeg);
        let out = clean(&jpeg, &ImageLimits::default()).unwrap();
        assert_eq!(out.media_type, MediaType::Jpeg);
        let back = image::load_from_memory(&out.bytes).unwrap();
        assert_eq!(
            (back.dimensions(), back.color()),
            ((40, 30), image::ColorType::Rgb8)
        );
    }

    #[test]
    fn pixel_limit_counts_width_times_height() {
        let png = encode_as(&DynamicImage::ImageRgb8(photo(100, 50)), ImageFormat::Png);
        let limits = ImageLimits {
            max_pixels: 100 * 50 - 1,
            ..ImageLimits::default()
        };
        assert_eq!(
            clean(&png, &limits).unwrap_err(),
            ImageProblem::TooManyPixels {
                width: 100,
                height: 50
            }
        );
        let limits = ImageLimits {
            max_pixels: 100 * 50,
            ..limits
        };
        assert!(clean(&png, &limits).is_ok());
    }

    #[test]
    fn opaque_png_becomes_rgb8_and_transparent_png_keeps_alpha() {
        let opaque = DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(photo(40, 30)).into_rgba8());
        let clean_opaque = clean(
            &encode_as(&opaque, ImageFormat::Png),
            &ImageLimits::default(),
        )
        .unwrap();
        assert_eq!(clean_opaque.media_type, MediaType::Png);
        let back = image::load_from_memory(&clean_opaque.bytes).unwrap();
        assert_eq!(back.color(), image::ColorType::Rgb8);
        assert_eq!(back.to_rgb8(), opaque.to_rgb8(), "PNG is lossless");

        let mut see_through = opaque.into_rgba8();
        see_through.put_pixel(3, 4, Rgba([10, 20, 30, 0]));
        see_through.put_pixel(5, 6, Rgba([10, 20, 30, 128]));
        let clean_alpha = clean(
            &encode_as(&DynamicImage::ImageRgba8(see_through), ImageFormat::Png),
            &ImageLimits::default(),
        )
        .unwrap();
        let back = image::load_from_memory(&clean_alpha.bytes).unwrap();
        assert_eq!(back.color(), image::ColorType::Rgba8);
        assert_eq!(back.to_rgba8().get_pixel(5, 6)[3], 128);
        assert_eq!(back.to_rgba8().get_pixel(3, 4)[3], 0);
    }

    #[test]
    fn sixteen_bit_png_becomes_eight_bit() {
        let deep = ImageBuffer::from_fn(30, 20, |x, y| {
            Rgb([(x * 2000) as u16, (y * 3000) as u16, 65535u16])
        });
        let png = encode_as(&DynamicImage::ImageRgb16(deep), ImageFormat::Png);
        let out = clean(&png, &ImageLimits::default()).unwrap();
        let back = image::load_from_memory(&out.bytes).unwrap();
        assert_eq!(back.color(), image::ColorType::Rgb8);
        assert_eq!(back.to_rgb8().get_pixel(0, 0), &Rgb([0, 0, 255]));
    }

    #[test]
    fn grey_png_is_written_as_rgb8() {
        let grey = ImageBuffer::from_fn(16, 16, |x, _| Luma([(x * 16) as u8]));
        let png = encode_as(&DynamicImage::ImageLuma8(grey), ImageFormat::Png);
        let out = clean(&png, &ImageLimits::default()).unwrap();
        assert_eq!(
            image::load_from_memory(&out.bytes).unwrap().color(),
            image::ColorType::Rgb8
        );
    }

    #[test]
    fn encoders_write_only_the_pixel_chunks_and_markers() {
        let png = encode_as(&DynamicImage::ImageRgb8(photo(50, 40)), ImageFormat::Png);
        let clean_png = clean(&png, &ImageLimits::default()).unwrap();
        assert_eq!(png_chunk_types(&clean_png.bytes), ["IHDR", "IDAT", "IEND"]);

        let jpeg = encode_as(&DynamicImage::ImageRgb8(photo(50, 40)), ImageFormat::Jpeg);
        let clean_jpeg = clean(&jpeg, &ImageLimits::default()).unwrap();
        let b = &clean_jpeg.bytes;
        assert_eq!(&b[..4], [0xFF, 0xD8, 0xFF, 0xE0], "SOI, then APP0");
        assert_eq!(&b[6..11], b"JFIF\0");
        assert_eq!(&b[b.len() - 2..], [0xFF, 0xD9], "ends with EOI");
        assert!(!b.windows(4).any(|w| w == b"Exif"));
    }

    #[test]
    fn a_large_photo_is_scaled_to_the_longest_side_a_screenshot_to_an_area() {
        let jpeg = encode_as(&DynamicImage::ImageRgb8(photo(300, 120)), ImageFormat::Jpeg);
        let limits = ImageLimits {
            max_side: 100,
            ..ImageLimits::default()
        };
        let out = clean(&jpeg, &limits).unwrap();
        assert_eq!((out.width, out.height), (100, 40));
        let back = image::load_from_memory(&out.bytes).unwrap();
        assert_eq!(back.dimensions(), (100, 40));

        // Portrait, odd ratio: the short side is rounded, never 0.
        let tall = encode_as(&DynamicImage::ImageRgb8(photo(3, 700)), ImageFormat::Jpeg);
        let out = clean(&tall, &limits).unwrap();
        assert_eq!((out.width, out.height), (1, 100));

        // A PNG keeps its shape within 2 × 100² pixels: 300 × 120 fits, 600 × 120 does not.
        let png = encode_as(&DynamicImage::ImageRgb8(photo(150, 120)), ImageFormat::Png);
        assert_eq!(clean(&png, &limits).unwrap().width, 150);
        let png = encode_as(&DynamicImage::ImageRgb8(photo(600, 120)), ImageFormat::Png);
        let out = clean(&png, &limits).unwrap();
        assert!(u64::from(out.width) * u64::from(out.height) <= 20_000);
        assert!(
            (out.width, out.height) == (316, 63),
            "{} × {}",
            out.width,
            out.height
        );
    }

    #[test]
    fn scaled_size_keeps_the_aspect_ratio() {
        assert_eq!(scaled_size(4000, 3000, 3072), Some((3072, 2304)));
        assert_eq!(scaled_size(3000, 4000, 3072), Some((2304, 3072)));
        assert_eq!(scaled_size(1170, 2532, 3072), None);
        assert_eq!(scaled_size(3072, 3072, 3072), None);
        assert_eq!(scaled_size(65_535, 1, 3072), Some((3072, 1)));
    }

    #[test]
    fn a_png_that_grows_too_large_is_sent_as_a_photo_or_refused() {
        // Noise compresses badly as PNG (~270 KB for 300 × 300) and better as JPEG.
        let mut state = 0x2545_f491_u32;
        let noise = DynamicImage::ImageRgb8(RgbImage::from_fn(300, 300, |_, _| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
        }));
        let (png, kind) = encode_within(noise.clone(), MediaType::Png, usize::MAX).unwrap();
        assert_eq!(kind, MediaType::Png);
        let (jpeg, kind) = encode_within(noise.clone(), MediaType::Png, png.len() - 1).unwrap();
        assert_eq!(kind, MediaType::Jpeg, "fell back to a photo");
        assert!(jpeg.len() < png.len());
        assert_eq!(
            encode_within(noise, MediaType::Png, 2_000).err(),
            Some(ImageProblem::TooManyPixels {
                width: 300,
                height: 300
            }),
            "not even a JPEG fits in 2 KB"
        );
        let limits = ImageLimits {
            file_bytes: 1_000,
            ..ImageLimits::default()
        };
        assert_eq!(limits.output_bytes(), 2_000);
        assert_eq!(ImageLimits::default().output_bytes(), 20 * 1024 * 1024);
    }

    #[test]
    fn screenshots_are_limited_by_area_so_long_ones_stay_readable() {
        let max = 2 * 3072u64 * 3072;
        assert_eq!(scaled_to_area(1290, 2796, max), None);
        assert_eq!(scaled_to_area(1080, 17_000, max), None);
        let (w, h) = scaled_to_area(1080, 20_000, max).unwrap();
        assert!(u64::from(w) * u64::from(h) <= max);
        assert!(w >= 1000 && h >= 18_500, "{w} × {h}");
        assert_eq!(scaled_to_area(60_000, 1, 10), Some((10, 1)));
        assert_eq!(scaled_to_area(1, 60_000, 10), Some((1, 10)));
    }

    #[test]
    fn downscale_keeps_flat_colour_exact_and_averages_detail() {
        let flat = RgbImage::from_pixel(97, 61, Rgb([12, 200, 77]));
        let small = downscale_rgb(&flat, 30, 19);
        assert!(small.pixels().all(|p| *p == Rgb([12, 200, 77])));

        // A one-pixel checkerboard halved is mid-grey, not an aliasing pattern.
        let checker = ImageBuffer::from_fn(64, 64, |x, y| {
            if (x + y) % 2 == 0 {
                Rgb([0u8, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let half = downscale_rgb(&checker, 32, 32);
        assert!(
            half.pixels().all(|p| (120..=135).contains(&p[0])),
            "{:?}",
            half.get_pixel(5, 5)
        );
    }

    #[test]
    fn downscale_matches_the_image_crate_triangle_filter() {
        let src = photo(401, 293);
        let ours = downscale_rgb(&src, 150, 97);
        let theirs = image::imageops::resize(&src, 150, 97, image::imageops::FilterType::Triangle);
        let worst = ours
            .as_raw()
            .iter()
            .zip(theirs.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst <= 2, "differs by {worst} levels");
    }

    #[test]
    fn transparent_pixels_do_not_darken_edges_when_scaled() {
        // Left half transparent black, right half opaque white.
        let img = ImageBuffer::from_fn(40, 10, |x, _| {
            if x < 20 {
                Rgba([0u8, 0, 0, 0])
            } else {
                Rgba([255, 255, 255, 255])
            }
        });
        let small = downscale_rgba(img, 10, 3);
        for p in small.pixels().filter(|p| p[3] > 0) {
            assert!(p[0] >= 254, "edge darkened to {p:?}");
        }
    }

    #[test]
    fn flattening_puts_transparency_on_white() {
        let mut img = RgbaImage::from_pixel(2, 1, Rgba([0, 0, 0, 0]));
        img.put_pixel(1, 0, Rgba([0, 0, 0, 128]));
        let rgb = flatten_onto_white(DynamicImage::ImageRgba8(img));
        assert_eq!(rgb.get_pixel(0, 0), &Rgb([255, 255, 255]));
        assert_eq!(rgb.get_pixel(1, 0), &Rgb([127, 127, 127]));
    }

    #[test]
    fn a_jpeg_without_its_end_is_unreadable_even_though_the_decoder_would_guess() {
        let jpeg = encode_as(&DynamicImage::ImageRgb8(photo(200, 150)), ImageFormat::Jpeg);
        assert!(jpeg_reaches_eoi(&jpeg));
        for cut in [jpeg.len() - 1, jpeg.len() / 2, 40, 4] {
            assert!(!jpeg_reaches_eoi(&jpeg[..cut]), "cut at {cut}");
            assert_eq!(
                clean(&jpeg[..cut], &ImageLimits::default()).unwrap_err(),
                ImageProblem::Unreadable,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn the_jpeg_walk_skips_stuffed_bytes_and_segment_payloads() {
        // SOI, an APP1 whose payload holds a fake EOI, a scan with a stuffed FF00 and a
        // restart marker, then EOI.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00];
        assert!(!jpeg_reaches_eoi(&jpeg));
        jpeg.extend([0xFF, 0xDA, 0x00, 0x03, 0x01, 0x12, 0xFF, 0x00, 0x34]);
        jpeg.extend([0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD9]);
        assert!(jpeg_reaches_eoi(&jpeg));
        // A zero length is corrupt, not a loop.
        assert!(!jpeg_reaches_eoi(&[
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00, 0xFF, 0xD9
        ]));
    }

    #[test]
    fn truncated_png_and_gif_are_unreadable() {
        let img = DynamicImage::ImageRgb8(photo(120, 90));
        for format in [ImageFormat::Png, ImageFormat::Gif] {
            let bytes = encode_as(&img, format);
            for cut in [bytes.len() / 2, bytes.len() * 9 / 10] {
                assert_eq!(
                    clean(&bytes[..cut], &ImageLimits::default()).unwrap_err(),
                    ImageProblem::Unreadable,
                    "{format:?} cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn the_gif_walk_needs_every_block_but_not_the_trailer() {
        let gif = encode_as(&DynamicImage::ImageRgb8(photo(40, 30)), ImageFormat::Gif);
        assert_eq!(gif.last(), Some(&0x3B));
        assert!(gif_is_complete(&gif));
        assert!(
            gif_is_complete(&gif[..gif.len() - 1]),
            "no trailer, block boundary"
        );
        for cut in [gif.len() - 2, gif.len() / 2, 20, 11] {
            assert!(!gif_is_complete(&gif[..cut]), "cut at {cut}");
        }
    }

    #[test]
    fn webp_chunks_must_lie_inside_the_file() {
        let lossless = encode_as(&DynamicImage::ImageRgb8(photo(20, 20)), ImageFormat::WebP);
        assert_eq!(webp_kind(&lossless), Some(WebPKind::Lossless));
        assert_eq!(webp_kind(&lossless[..lossless.len() - 1]), None);

        // VP8X saying "EXIF follows", then an EXIF chunk claiming 4 GiB.
        let mut bomb = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x08\0\0\0\x0f\0\0\x0f\0\0".to_vec();
        bomb.extend(b"EXIF\xff\xff\xff\xffII*\0");
        let riff = u32::try_from(bomb.len() - 8).unwrap().to_le_bytes();
        bomb[4..8].copy_from_slice(&riff);
        assert_eq!(webp_kind(&bomb), None);
        assert_eq!(
            clean(&bomb, &ImageLimits::default()).unwrap_err(),
            ImageProblem::Unreadable
        );
    }

    #[test]
    fn webp_lossless_becomes_png() {
        let img = DynamicImage::ImageRgb8(photo(33, 21));
        let webp = encode_as(&img, ImageFormat::WebP);
        let out = clean(&webp, &ImageLimits::default()).unwrap();
        assert_eq!(out.media_type, MediaType::Png);
        assert_eq!(
            image::load_from_memory(&out.bytes).unwrap().to_rgb8(),
            img.to_rgb8()
        );
    }

    #[test]
    fn media_type_names() {
        assert_eq!(MediaType::Png.mime(), "image/png");
        assert_eq!(MediaType::Jpeg.mime(), "image/jpeg");
        assert_eq!(MediaType::Png.extension(), "png");
        assert_eq!(MediaType::Jpeg.extension(), "jpg");
        assert_eq!(
            serde_json::to_string(&MediaType::Jpeg).unwrap(),
            "\"image/jpeg\""
        );
        assert_eq!(
            serde_json::from_str::<MediaType>("\"image/png\"").unwrap(),
            MediaType::Png
        );
    }

    #[test]
    fn debug_of_a_clean_image_shows_no_bytes() {
        let out = CleanImage {
            bytes: vec![0xAB; 3],
            media_type: MediaType::Png,
            width: 1,
            height: 2,
        };
        let shown = format!("{out:?}");
        assert!(
            shown.contains("len: 3") && !shown.contains("171"),
            "{shown}"
        );
    }

    #[test]
    fn padme_lengths() {
        assert_eq!(padme(0), 0);
        assert_eq!(padme(1), 1);
        assert_eq!(padme(9), 10);
        assert_eq!(padme(100_000), 100_352); // E 16, S 5: multiples of 2^11
        assert_eq!(padme(1 << 20), 1 << 20);
        assert_eq!(padme((1 << 20) + 1), (1 << 20) + (1 << 15)); // E 20, S 5: 2^15
        assert_eq!(padme(usize::MAX), usize::MAX);
    }

    #[test]
    fn pad_has_a_floor_zero_bytes_and_little_overhead() {
        let padded = pad(vec![7; 10]);
        assert_eq!(padded.len(), PAD_FLOOR);
        assert_eq!(&padded[..10], [7; 10]);
        assert!(padded[10..].iter().all(|&b| b == 0));
        assert_eq!(pad(vec![1; PAD_FLOOR]).len(), PAD_FLOOR);

        let mut sizes = std::collections::BTreeSet::new();
        for len in (PAD_FLOOR..4 * 1024 * 1024).step_by(4099) {
            let padded = padme(len).max(PAD_FLOOR);
            assert!(padded >= len);
            assert!(padded - len <= len / 8, "{len} padded to {padded}");
            sizes.insert(padded);
        }
        // About a thousand lengths land on a few dozen sizes.
        assert!(sizes.len() < 250, "{} sizes", sizes.len());
    }
}

//! Image sniffing and thumbnails for uploaded files.
//!
//! Uploads are untrusted, so decoding is careful:
//! - the format comes from the file's magic bytes ([`sniff`]), never from its name;
//! - the header is read first, and an image whose declared size exceeds
//!   [`ThumbLimits::max_pixels`], or whose decode is estimated to need more than
//!   [`ThumbLimits::max_alloc`] bytes, is never decoded (a decompression bomb gets no thumbnail);
//! - the decoder also runs with [`image::Limits`] set, and under `catch_unwind`, so a decoder
//!   bug that panics costs the thumbnail, not the upload.
//!
//! Output format: a JPEG source gives a JPEG thumbnail (quality 85); PNG, GIF and WebP sources
//! give a PNG thumbnail (keeping transparency). Animated GIF and WebP give their first frame.
//! A JPEG's EXIF orientation is applied, so camera photos come out upright.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

/// The image formats Questlog makes thumbnails for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
    WebP,
}

impl ImageKind {
    /// The MIME type of a file of this kind.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::WebP => "image/webp",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            ImageKind::Png => ImageFormat::Png,
            ImageKind::Jpeg => ImageFormat::Jpeg,
            ImageKind::Gif => ImageFormat::Gif,
            ImageKind::WebP => ImageFormat::WebP,
        }
    }
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The kind of image `head` (the first bytes of a file; 16 are enough) starts like, by its
/// magic bytes. `None` for anything else, including a head too short to tell.
pub fn sniff(head: &[u8]) -> Option<ImageKind> {
    if head.starts_with(PNG_MAGIC) {
        Some(ImageKind::Png)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(ImageKind::Gif)
    } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some(ImageKind::WebP)
    } else {
        None
    }
}

/// An encoded thumbnail.
#[derive(Debug, Clone)]
pub struct Thumb {
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg` (see the module docs).
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// What a thumbnail may cost.
#[derive(Debug, Clone, Copy)]
pub struct ThumbLimits {
    /// The thumbnail fits in `max_side`×`max_side`.
    pub max_side: u32,
    /// Images whose header declares more pixels than this are not decoded.
    pub max_pixels: u64,
    /// Images whose decode is estimated to allocate more bytes than this are not decoded.
    pub max_alloc: u64,
}

impl Default for ThumbLimits {
    fn default() -> Self {
        ThumbLimits {
            max_side: 256,
            max_pixels: 40_000_000,
            max_alloc: 256 * 1024 * 1024,
        }
    }
}

/// Reads the complete image file at `path`, which [`sniff`] says is of `kind`, and makes a
/// thumbnail no larger than `max_side`×`max_side` with the image's aspect ratio (a smaller
/// image keeps its size). `None` when the file is not a well-formed image of `kind`, when it is
/// over the limits, or when anything at all goes wrong: a thumbnail is optional.
///
/// Blocking (file I/O and CPU): call it from `spawn_blocking`.
pub fn make_thumbnail(path: &Path, kind: ImageKind, limits: ThumbLimits) -> Option<Thumb> {
    guarded(|| match thumbnail(path, kind, limits) {
        Ok(thumb) => Some(thumb),
        Err(skip) => {
            tracing::debug!(path = %path.display(), ?kind, "no thumbnail: {skip}");
            None
        }
    })
}

/// Runs `f`, turning a panic into `None`.
fn guarded<T>(f: impl FnOnce() -> Option<T>) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        tracing::warn!("an image decoder panicked; no thumbnail");
        None
    })
}

/// Why an image got no thumbnail (for the log).
#[derive(Debug, thiserror::Error)]
enum Skip {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file does not start like {0:?}")]
    NotKind(ImageKind),
    #[error("not a valid image: {0}")]
    Image(#[from] image::ImageError),
    #[error("malformed JPEG structure")]
    BadJpeg,
    #[error("the JPEG has no end marker (truncated)")]
    Truncated,
    #[error("empty image ({0}×{1})")]
    Empty(u32, u32),
    #[error("{0}×{1} pixels is over the limit")]
    TooManyPixels(u32, u32),
    #[error("decoding would need about {0} bytes, over the limit")]
    TooMuchMemory(u64),
    #[error("thumbnail size limit is zero")]
    NoSide,
}

fn thumbnail(path: &Path, kind: ImageKind, limits: ThumbLimits) -> Result<Thumb, Skip> {
    if limits.max_side == 0 {
        return Err(Skip::NoSide);
    }
    let mut file = File::open(path)?;
    let file_len = file.metadata()?.len();
    let mut head = [0u8; 32];
    let head_len = read_up_to(&mut file, &mut head)?;
    let head = &head[..head_len];
    if sniff(head) != Some(kind) {
        return Err(Skip::NotKind(kind));
    }
    // The JPEG layout decides how much memory its decoder needs beyond the output buffer.
    let jpeg = match kind {
        ImageKind::Jpeg => {
            // The JPEG decoder reads the whole file into memory before anything else.
            if file_len > limits.max_alloc {
                return Err(Skip::TooMuchMemory(file_len));
            }
            let layout = jpeg_layout(&mut file)?;
            // The JPEG decoder fills in whatever a truncated file lacks; a file cut short
            // gets no thumbnail rather than a half-grey one.
            if !has_end_marker(&mut file)? {
                return Err(Skip::Truncated);
            }
            Some(layout)
        }
        _ => None,
    };
    file.seek(SeekFrom::Start(0))?;

    let mut reader = ImageReader::with_format(BufReader::new(file), kind.format());
    reader.limits(image_limits(limits, limits.max_alloc));
    // Reads the header only.
    let mut decoder = reader.into_decoder()?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(Skip::Empty(width, height));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(Skip::TooManyPixels(width, height));
    }
    let output = decoder.total_bytes();
    let needed = output.saturating_add(decoder_overhead(kind, width, height, file_len, head, jpeg));
    if needed > limits.max_alloc {
        return Err(Skip::TooMuchMemory(needed));
    }
    // What is left after the output buffer bounds the decoders' own reservations (a GIF frame
    // that does not cover the whole screen, for one).
    decoder.set_limits(image_limits(limits, limits.max_alloc - output))?;
    // Only JPEG's orientation is read: its metadata is already in memory, whereas other
    // decoders would allocate whatever size a metadata chunk declares.
    let orientation = match kind {
        ImageKind::Jpeg => decoder.orientation().unwrap_or(Orientation::NoTransforms),
        _ => Orientation::NoTransforms,
    };

    let image = DynamicImage::from_decoder(decoder)?;
    let (tw, th) = fit(width, height, limits.max_side);
    let mut small = if (tw, th) == (width, height) {
        image
    } else {
        let small = image.thumbnail_exact(tw, th);
        drop(image);
        small
    };
    small.apply_orientation(orientation);
    encode(&small, kind)
}

/// Reads until `buf` is full or the file ends; returns how much was read.
fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn image_limits(limits: ThumbLimits, max_alloc: u64) -> image::Limits {
    let side = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    let mut l = image::Limits::default();
    l.max_image_width = Some(side);
    l.max_image_height = Some(side);
    l.max_alloc = Some(max_alloc);
    l
}

/// An upper estimate of what the decoder of `kind` allocates besides the output buffer, from
/// reading the decoders: zune-jpeg keeps the whole file in memory, plus every coefficient
/// (i16) of every component when the image is progressive or its components come in separate
/// scans; image-webp uses an RGBA scratch frame for lossless images without alpha (or the
/// YUV planes of a lossy one), and for an animation a canvas and a frame; the PNG and GIF
/// decoders stream rows into the output (a GIF frame smaller than the screen goes through a
/// frame buffer that the decoder reserves against `image::Limits`).
fn decoder_overhead(
    kind: ImageKind,
    width: u32,
    height: u32,
    file_len: u64,
    head: &[u8],
    jpeg: Option<JpegLayout>,
) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    match kind {
        ImageKind::Png | ImageKind::Gif => 0,
        ImageKind::Jpeg => {
            let coefficients = match jpeg {
                Some(JpegLayout {
                    whole_coefficients: true,
                    components,
                }) => {
                    // Planes are padded to whole MCUs (at most 32 pixels a side).
                    let padded = (u64::from(width) + 32) * (u64::from(height) + 32);
                    2 * u64::from(components) * padded
                }
                _ => 0,
            };
            file_len.saturating_add(coefficients)
        }
        ImageKind::WebP => {
            let animated = head.len() > 20 && &head[12..16] == b"VP8X" && head[20] & 0x02 != 0;
            if animated { 10 * pixels } else { 4 * pixels }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct JpegLayout {
    components: u8,
    /// The decoder holds all coefficients (progressive, or not all components in the first
    /// scan) rather than streaming rows of blocks.
    whole_coefficients: bool,
}

/// Walks a JPEG's marker segments up to the first scan, reading only their headers, and
/// leaves the file at the start of that scan's entropy-coded data.
fn jpeg_layout(file: &mut File) -> Result<JpegLayout, Skip> {
    file.seek(SeekFrom::Start(2))?; // past SOI
    let mut frame: Option<(u8, u8)> = None; // (SOF marker, component count)
    // A real file has a handful of segments before its first scan; don't walk a crafted maze.
    for _ in 0..4096 {
        let mut byte = [0u8; 1];
        file.read_exact(&mut byte).map_err(|_| Skip::BadJpeg)?;
        if byte[0] != 0xFF {
            return Err(Skip::BadJpeg);
        }
        let mut marker = 0xFF;
        // Any number of 0xFF fill bytes may precede a marker.
        let mut fills = 0;
        while marker == 0xFF {
            file.read_exact(&mut byte).map_err(|_| Skip::BadJpeg)?;
            marker = byte[0];
            fills += 1;
            if fills > 64 {
                return Err(Skip::BadJpeg);
            }
        }
        // Markers without a length.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        if marker == 0x00 || marker == 0xD8 || marker == 0xD9 {
            return Err(Skip::BadJpeg);
        }
        let mut len = [0u8; 2];
        file.read_exact(&mut len).map_err(|_| Skip::BadJpeg)?;
        let len = u16::from_be_bytes(len);
        if len < 2 {
            return Err(Skip::BadJpeg);
        }
        let body = u64::from(len - 2);
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            // precision, height (2), width (2), component count
            let mut sof = [0u8; 6];
            if body < 6 {
                return Err(Skip::BadJpeg);
            }
            file.read_exact(&mut sof).map_err(|_| Skip::BadJpeg)?;
            frame = Some((marker, sof[5]));
            file.seek(SeekFrom::Current(body as i64 - 6))?;
        } else if marker == 0xDA {
            let (sof, components) = frame.ok_or(Skip::BadJpeg)?;
            let mut count = [0u8; 1];
            if body < 1 {
                return Err(Skip::BadJpeg);
            }
            file.read_exact(&mut count).map_err(|_| Skip::BadJpeg)?;
            file.seek(SeekFrom::Current(body as i64 - 1))?;
            let sequential = matches!(sof, 0xC0 | 0xC1);
            return Ok(JpegLayout {
                components,
                whole_coefficients: !sequential || count[0] != components,
            });
        } else {
            file.seek(SeekFrom::Current(body as i64))?;
        }
    }
    Err(Skip::BadJpeg)
}

/// Whether the rest of the file, from the first scan's data on, holds an end-of-image marker.
/// Entropy-coded data never contains 0xFF followed by anything but 0x00 or a restart marker,
/// so the first 0xFF 0xD9 is the real end (data appended after it, as some phones do, is
/// ignored).
fn has_end_marker(file: &mut File) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut after_ff = false;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        if after_ff && chunk[0] == 0xD9 {
            return Ok(true);
        }
        let mut from = 0;
        while let Some(i) = chunk[from..].iter().position(|&b| b == 0xD9) {
            let at = from + i;
            if at > 0 && chunk[at - 1] == 0xFF {
                return Ok(true);
            }
            from = at + 1;
        }
        after_ff = chunk[n - 1] == 0xFF;
    }
}

/// The size that fits `width`×`height` in `side`×`side` with the same aspect ratio, never
/// larger than the original and never zero.
fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    if width <= side && height <= side {
        return (width, height);
    }
    let scale = |short: u32, long: u32| -> u32 {
        let scaled = (u64::from(short) * u64::from(side) + u64::from(long) / 2) / u64::from(long);
        scaled.clamp(1, u64::from(side)) as u32
    };
    if width >= height {
        (side, scale(height, width))
    } else {
        (scale(width, height), side)
    }
}

fn encode(image: &DynamicImage, kind: ImageKind) -> Result<Thumb, Skip> {
    let mut bytes = Vec::new();
    let content_type = match kind {
        ImageKind::Jpeg => {
            let encoder = JpegEncoder::new_with_quality(&mut bytes, 85);
            if image.color().has_color() {
                DynamicImage::ImageRgb8(image.to_rgb8()).write_with_encoder(encoder)?;
            } else {
                DynamicImage::ImageLuma8(image.to_luma8()).write_with_encoder(encoder)?;
            }
            ImageKind::Jpeg.content_type()
        }
        ImageKind::Png | ImageKind::Gif | ImageKind::WebP => {
            let encoder = PngEncoder::new(&mut bytes);
            let color = image.color();
            let eight_bit = match (color.has_color(), color.has_alpha()) {
                (true, true) => DynamicImage::ImageRgba8(image.to_rgba8()),
                (true, false) => DynamicImage::ImageRgb8(image.to_rgb8()),
                (false, true) => DynamicImage::ImageLumaA8(image.to_luma_alpha8()),
                (false, false) => DynamicImage::ImageLuma8(image.to_luma8()),
            };
            eight_bit.write_with_encoder(encoder)?;
            ImageKind::Png.content_type()
        }
    };
    Ok(Thumb {
        bytes,
        content_type,
        width: image.width(),
        height: image.height(),
    })
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};
    use std::time::Instant;

    use image::codecs::gif::GifEncoder;
    use image::codecs::webp::WebPEncoder;
    use image::{Delay, Frame, GenericImageView, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    const RED: [u8; 3] = [220, 20, 20];
    const BLUE: [u8; 3] = [20, 20, 220];

    /// Left half red, right half blue.
    fn halves(width: u32, height: u32) -> RgbaImage {
        RgbaImage::from_fn(width, height, |x, _| {
            let [r, g, b] = if x < width / 2 { RED } else { BLUE };
            Rgba([r, g, b, 255])
        })
    }

    fn encode_as(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        match format {
            ImageFormat::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8())
                .write_to(&mut out, format)
                .unwrap(),
            _ => image.write_to(&mut out, format).unwrap(),
        }
        out.into_inner()
    }

    fn kind_of(format: ImageFormat) -> ImageKind {
        match format {
            ImageFormat::Png => ImageKind::Png,
            ImageFormat::Jpeg => ImageKind::Jpeg,
            ImageFormat::Gif => ImageKind::Gif,
            ImageFormat::WebP => ImageKind::WebP,
            other => panic!("no kind for {other:?}"),
        }
    }

    fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        file.flush().unwrap();
        file
    }

    fn thumb_of(bytes: &[u8], kind: ImageKind) -> Option<Thumb> {
        let file = file_with(bytes);
        make_thumbnail(file.path(), kind, ThumbLimits::default())
    }

    /// Decodes a thumbnail as the format its content type names.
    fn decode_thumb(thumb: &Thumb) -> DynamicImage {
        let format = match thumb.content_type {
            "image/png" => ImageFormat::Png,
            "image/jpeg" => ImageFormat::Jpeg,
            other => panic!("unexpected thumbnail type {other}"),
        };
        assert_eq!(image::guess_format(&thumb.bytes).unwrap(), format);
        image::load_from_memory_with_format(&thumb.bytes, format).unwrap()
    }

    fn assert_close(actual: Rgba<u8>, expected: [u8; 3]) {
        for c in 0..3 {
            assert!(
                actual[c].abs_diff(expected[c]) <= 24,
                "pixel {actual:?} is not close to {expected:?}"
            );
        }
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A small PNG whose IHDR is rewritten to declare `width`×`height` (the CRC is fixed up, so
    /// only the pixel data gives the lie).
    fn png_declaring(width: u32, height: u32, image: DynamicImage) -> Vec<u8> {
        let mut png = encode_as(&image, ImageFormat::Png);
        assert_eq!(&png[12..16], b"IHDR");
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    /// A hand-made GIF: a `screen` logical screen with one 1×1-pixel-of-data frame that
    /// declares `frame` as its size.
    fn gif_declaring(screen: (u16, u16), frame: (u16, u16)) -> Vec<u8> {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&screen.0.to_le_bytes());
        gif.extend_from_slice(&screen.1.to_le_bytes());
        gif.extend_from_slice(&[0x80, 0, 0]); // a two-colour global table
        gif.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        gif.push(0x2C);
        gif.extend_from_slice(&[0, 0, 0, 0]);
        gif.extend_from_slice(&frame.0.to_le_bytes());
        gif.extend_from_slice(&frame.1.to_le_bytes());
        gif.push(0);
        // LZW, minimum code size 2: clear, index 0, end.
        gif.extend_from_slice(&[2, 2, 0x44, 0x01, 0]);
        gif.push(0x3B);
        gif
    }

    #[test]
    fn sniffs_by_magic_bytes() {
        let png = encode_as(&halves(4, 4).into(), ImageFormat::Png);
        let jpeg = encode_as(&halves(4, 4).into(), ImageFormat::Jpeg);
        let gif = encode_as(&halves(4, 4).into(), ImageFormat::Gif);
        let webp = encode_as(&halves(4, 4).into(), ImageFormat::WebP);
        assert_eq!(sniff(&png[..16]), Some(ImageKind::Png));
        assert_eq!(sniff(&jpeg[..16]), Some(ImageKind::Jpeg));
        assert_eq!(sniff(&gif[..16]), Some(ImageKind::Gif));
        assert_eq!(sniff(&webp[..16]), Some(ImageKind::WebP));
        assert_eq!(sniff(b"GIF87a"), Some(ImageKind::Gif));
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(&png[..7]), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEB"), None);
        assert_eq!(sniff(b"hello, world. this is text"), None);
        assert_eq!(sniff(b"%PDF-1.7\n"), None);
        assert_eq!(ImageKind::Png.content_type(), "image/png");
        assert_eq!(ImageKind::Jpeg.content_type(), "image/jpeg");
        assert_eq!(ImageKind::Gif.content_type(), "image/gif");
        assert_eq!(ImageKind::WebP.content_type(), "image/webp");
    }

    #[test]
    fn each_format_gets_a_thumbnail_that_keeps_the_ratio() {
        for (format, content_type) in [
            (ImageFormat::Png, "image/png"),
            (ImageFormat::Jpeg, "image/jpeg"),
            (ImageFormat::Gif, "image/png"),
            (ImageFormat::WebP, "image/png"),
        ] {
            let bytes = encode_as(&halves(1000, 500).into(), format);
            let kind = sniff(&bytes[..16]).unwrap();
            assert_eq!(kind, kind_of(format));
            let thumb = thumb_of(&bytes, kind).unwrap_or_else(|| panic!("{format:?}: no thumb"));
            assert_eq!(thumb.content_type, content_type, "{format:?}");
            assert_eq!((thumb.width, thumb.height), (256, 128), "{format:?}");
            let decoded = decode_thumb(&thumb).to_rgba8();
            assert_eq!(decoded.dimensions(), (256, 128), "{format:?}");
            assert_close(*decoded.get_pixel(20, 64), RED);
            assert_close(*decoded.get_pixel(235, 64), BLUE);
        }
    }

    #[test]
    fn portrait_and_extreme_ratios_fit_the_box() {
        let bytes = encode_as(&halves(500, 1000).into(), ImageFormat::Png);
        let thumb = thumb_of(&bytes, ImageKind::Png).unwrap();
        assert_eq!((thumb.width, thumb.height), (128, 256));

        let bytes = encode_as(&halves(3000, 2).into(), ImageFormat::Png);
        let thumb = thumb_of(&bytes, ImageKind::Png).unwrap();
        assert_eq!((thumb.width, thumb.height), (256, 1));

        assert_eq!(fit(1000, 500, 256), (256, 128));
        assert_eq!(fit(500, 1000, 256), (128, 256));
        assert_eq!(fit(257, 256, 256), (256, 255));
        assert_eq!(fit(256, 256, 256), (256, 256));
        assert_eq!(fit(40_000, 1, 256), (256, 1));
        assert_eq!(fit(1, 65_535, 256), (1, 256));
        assert_eq!(fit(100, 50, 256), (100, 50));
    }

    #[test]
    fn a_small_image_is_not_upscaled() {
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Gif,
            ImageFormat::WebP,
        ] {
            let bytes = encode_as(&halves(100, 50).into(), format);
            let thumb = thumb_of(&bytes, kind_of(format)).unwrap();
            assert_eq!((thumb.width, thumb.height), (100, 50), "{format:?}");
            assert_eq!(decode_thumb(&thumb).dimensions(), (100, 50), "{format:?}");
        }
    }

    #[test]
    fn transparency_survives_in_a_png_thumbnail() {
        let image = RgbaImage::from_fn(600, 300, |x, _| {
            if x < 300 {
                Rgba([0, 0, 0, 0])
            } else {
                Rgba([RED[0], RED[1], RED[2], 255])
            }
        });
        let bytes = encode_as(&image.into(), ImageFormat::Png);
        let thumb = decode_thumb(&thumb_of(&bytes, ImageKind::Png).unwrap()).to_rgba8();
        assert_eq!(thumb.dimensions(), (256, 128));
        assert_eq!(thumb.get_pixel(10, 10)[3], 0);
        assert_eq!(thumb.get_pixel(250, 10)[3], 255);
    }

    #[test]
    fn a_grey_jpeg_gives_a_grey_jpeg() {
        let grey = image::GrayImage::from_fn(800, 400, |x, _| image::Luma([(x / 4) as u8]));
        let bytes = encode_as(&DynamicImage::ImageLuma8(grey), ImageFormat::Png);
        let bytes = {
            let mut out = Vec::new();
            let decoded = image::load_from_memory(&bytes).unwrap();
            decoded
                .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
                .unwrap();
            out
        };
        let thumb = thumb_of(&bytes, ImageKind::Jpeg).unwrap();
        assert_eq!(thumb.content_type, "image/jpeg");
        let decoded = decode_thumb(&thumb);
        assert_eq!(decoded.color(), image::ColorType::L8);
        assert_eq!(decoded.dimensions(), (256, 128));
    }

    #[test]
    fn jpeg_exif_orientation_is_applied() {
        // A little-endian TIFF header with one IFD entry: orientation (0x0112) = 6, "rotate
        // 90° clockwise to display".
        let mut exif = b"II*\0".to_vec();
        exif.extend_from_slice(&8u32.to_le_bytes());
        exif.extend_from_slice(&1u16.to_le_bytes());
        exif.extend_from_slice(&0x0112u16.to_le_bytes());
        exif.extend_from_slice(&3u16.to_le_bytes());
        exif.extend_from_slice(&1u32.to_le_bytes());
        exif.extend_from_slice(&6u16.to_le_bytes());
        exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let image = DynamicImage::from(halves(1000, 500)).to_rgb8();
        let mut bytes = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut bytes, 90);
        encoder.set_exif_metadata(exif).unwrap();
        encoder
            .write_image(&image, 1000, 500, image::ExtendedColorType::Rgb8)
            .unwrap();

        let thumb = thumb_of(&bytes, ImageKind::Jpeg).unwrap();
        assert_eq!((thumb.width, thumb.height), (128, 256));
        let decoded = decode_thumb(&thumb).to_rgba8();
        // The red left half is now on top.
        assert_close(*decoded.get_pixel(64, 20), RED);
        assert_close(*decoded.get_pixel(64, 235), BLUE);
    }

    #[test]
    fn an_animated_gif_gives_its_first_frame() {
        let frame = |rgb: [u8; 3]| {
            let image = RgbaImage::from_pixel(600, 300, Rgba([rgb[0], rgb[1], rgb[2], 255]));
            Frame::from_parts(image, 0, 0, Delay::from_numer_denom_ms(100, 1))
        };
        let mut bytes = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut bytes);
            encoder
                .encode_frames([frame(RED), frame(BLUE), frame(BLUE)])
                .unwrap();
        }
        let thumb = thumb_of(&bytes, ImageKind::Gif).unwrap();
        assert_eq!((thumb.width, thumb.height), (256, 128));
        let decoded = decode_thumb(&thumb).to_rgba8();
        assert_close(*decoded.get_pixel(128, 64), RED);
    }

    /// The VP8L bitstream of a lossless WebP of `image`, as image writes it.
    fn vp8l_of(image: &RgbaImage) -> Vec<u8> {
        let mut webp = Vec::new();
        WebPEncoder::new_lossless(&mut webp)
            .encode(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::Rgba8,
            )
            .unwrap();
        assert_eq!(&webp[12..16], b"VP8L");
        let len = u32::from_le_bytes(webp[16..20].try_into().unwrap()) as usize;
        webp[20..20 + len].to_vec()
    }

    fn chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = fourcc.to_vec();
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
        out
    }

    fn u24(v: u32) -> [u8; 3] {
        let b = v.to_le_bytes();
        [b[0], b[1], b[2]]
    }

    /// An animated WebP (VP8X + ANIM + one ANMF per frame), each frame covering the canvas.
    fn animated_webp(frames: &[RgbaImage]) -> Vec<u8> {
        let (w, h) = frames[0].dimensions();
        let mut vp8x = vec![0x02 | 0x10, 0, 0, 0];
        vp8x.extend_from_slice(&u24(w - 1));
        vp8x.extend_from_slice(&u24(h - 1));
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &vp8x));
        body.extend(chunk(b"ANIM", &[0, 0, 0, 0, 0, 0]));
        for frame in frames {
            let mut anmf = Vec::new();
            anmf.extend_from_slice(&u24(0));
            anmf.extend_from_slice(&u24(0));
            anmf.extend_from_slice(&u24(w - 1));
            anmf.extend_from_slice(&u24(h - 1));
            anmf.extend_from_slice(&u24(100));
            anmf.push(0b10); // no blending, no disposal
            anmf.extend(chunk(b"VP8L", &vp8l_of(frame)));
            body.extend(chunk(b"ANMF", &anmf));
        }
        chunk(b"RIFF", &body)
    }

    #[test]
    fn an_animated_webp_gives_its_first_frame() {
        let solid =
            |rgb: [u8; 3]| RgbaImage::from_pixel(600, 300, Rgba([rgb[0], rgb[1], rgb[2], 255]));
        let bytes = animated_webp(&[solid(RED), solid(BLUE)]);
        assert_eq!(sniff(&bytes[..16]), Some(ImageKind::WebP));
        let thumb = thumb_of(&bytes, ImageKind::WebP).unwrap();
        assert_eq!((thumb.width, thumb.height), (256, 128));
        let decoded = decode_thumb(&thumb).to_rgba8();
        assert_close(*decoded.get_pixel(128, 64), RED);
    }

    #[test]
    fn non_images_and_broken_images_give_none() {
        assert!(thumb_of(b"just some notes, not a picture\n", ImageKind::Png).is_none());
        assert!(thumb_of(b"", ImageKind::Png).is_none());
        assert!(thumb_of(b"", ImageKind::Jpeg).is_none());
        assert!(thumb_of(PNG_MAGIC, ImageKind::Png).is_none());

        // A noisy PNG (so it does not compress to nothing), cut in half.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let noise = RgbImage::from_fn(400, 200, |_, _| {
            let v = next().to_le_bytes();
            Rgb([v[0], v[1], v[2]])
        });
        let png = encode_as(&noise.into(), ImageFormat::Png);
        assert!(thumb_of(&png, ImageKind::Png).is_some());
        assert!(thumb_of(&png[..png.len() / 2], ImageKind::Png).is_none());
        assert!(thumb_of(&png[..40], ImageKind::Png).is_none());

        // Random bytes behind each format's magic.
        let random: Vec<u8> = (0..4096).map(|_| next() as u8).collect();
        for (magic, kind) in [
            (PNG_MAGIC, ImageKind::Png),
            (&b"\xFF\xD8\xFF"[..], ImageKind::Jpeg),
            (b"GIF89a", ImageKind::Gif),
            (b"RIFF\x00\x10\x00\x00WEBP", ImageKind::WebP),
        ] {
            let mut bytes = magic.to_vec();
            bytes.extend_from_slice(&random);
            assert!(thumb_of(&bytes, kind).is_none(), "{kind:?}");
        }

        // A JPEG cut short (the decoder itself would fill the rest in grey).
        let jpeg = encode_as(&halves(400, 200).into(), ImageFormat::Jpeg);
        assert!(thumb_of(&jpeg, ImageKind::Jpeg).is_some());
        assert!(thumb_of(&jpeg[..jpeg.len() - 2], ImageKind::Jpeg).is_none());
        assert!(thumb_of(&jpeg[..jpeg.len() / 2], ImageKind::Jpeg).is_none());
        assert!(thumb_of(&jpeg[..300], ImageKind::Jpeg).is_none());
        // Data appended after the end marker (phones do this) is fine.
        let mut trailer = jpeg.clone();
        trailer.extend_from_slice(&random[..1000]);
        assert!(thumb_of(&trailer, ImageKind::Jpeg).is_some());

        // A good image of another kind than the caller says.
        let jpeg = encode_as(&halves(64, 64).into(), ImageFormat::Jpeg);
        assert!(thumb_of(&jpeg, ImageKind::Png).is_none());

        // A file that does not exist.
        let missing = std::env::temp_dir().join("questlog-thumbs-no-such-file.png");
        assert!(make_thumbnail(&missing, ImageKind::Png, ThumbLimits::default()).is_none());
    }

    #[test]
    fn a_png_bomb_is_not_decoded() {
        let bomb = png_declaring(60_000, 60_000, halves(1, 1).into());
        assert!(bomb.len() < 100, "{} bytes", bomb.len());
        let started = Instant::now();
        assert!(thumb_of(&bomb, ImageKind::Png).is_none());
        assert!(
            started.elapsed().as_secs() < 5,
            "took {:?}",
            started.elapsed()
        );
        let file = file_with(&bomb);
        let Err(Skip::TooManyPixels(60_000, 60_000)) =
            thumbnail(file.path(), ImageKind::Png, ThumbLimits::default())
        else {
            panic!("the bomb was not refused for its size");
        };

        // Under the pixel cap, but 16-bit RGBA: 6000×6000×8 bytes is over 256 MiB.
        let deep =
            DynamicImage::ImageRgba16(image::ImageBuffer::from_pixel(1, 1, Rgba([1u16, 2, 3, 4])));
        let deep = png_declaring(6_000, 6_000, deep);
        let file = file_with(&deep);
        let Err(Skip::TooMuchMemory(_)) =
            thumbnail(file.path(), ImageKind::Png, ThumbLimits::default())
        else {
            panic!("the deep bomb was not refused for its memory");
        };
    }

    #[test]
    fn huge_declared_gif_and_jpeg_sizes_give_none() {
        // Check the hand-made GIF is well formed first.
        let sane = gif_declaring((1, 1), (1, 1));
        let thumb = thumb_of(&sane, ImageKind::Gif).unwrap();
        assert_eq!((thumb.width, thumb.height), (1, 1));

        let screen = gif_declaring((65_535, 65_535), (1, 1));
        let file = file_with(&screen);
        let Err(Skip::TooManyPixels(65_535, 65_535)) =
            thumbnail(file.path(), ImageKind::Gif, ThumbLimits::default())
        else {
            panic!("the huge GIF screen was not refused");
        };
        // A small screen with a huge frame: the frame buffer is refused by image::Limits.
        assert!(thumb_of(&gif_declaring((10, 10), (60_000, 60_000)), ImageKind::Gif).is_none());

        // A JPEG whose frame header says 65535×65535.
        let mut jpeg = encode_as(&halves(16, 16).into(), ImageFormat::Jpeg);
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        let file = file_with(&jpeg);
        let Err(Skip::TooManyPixels(65_535, 65_535)) =
            thumbnail(file.path(), ImageKind::Jpeg, ThumbLimits::default())
        else {
            panic!("the huge JPEG was not refused");
        };
    }

    #[test]
    fn the_memory_budget_is_honoured() {
        let bytes = encode_as(&halves(1000, 1000).into(), ImageFormat::Png);
        let file = file_with(&bytes);
        let tight = ThumbLimits {
            max_alloc: 1024 * 1024,
            ..ThumbLimits::default()
        };
        assert!(make_thumbnail(file.path(), ImageKind::Png, tight).is_none());
        assert!(make_thumbnail(file.path(), ImageKind::Png, ThumbLimits::default()).is_some());

        let few_pixels = ThumbLimits {
            max_pixels: 999_999,
            ..ThumbLimits::default()
        };
        assert!(make_thumbnail(file.path(), ImageKind::Png, few_pixels).is_none());

        // A JPEG file larger than the budget is not even read.
        let jpeg = encode_as(&halves(256, 256).into(), ImageFormat::Jpeg);
        let file = file_with(&jpeg);
        let small_budget = ThumbLimits {
            max_alloc: jpeg.len() as u64 - 1,
            ..ThumbLimits::default()
        };
        let Err(Skip::TooMuchMemory(_)) = thumbnail(file.path(), ImageKind::Jpeg, small_budget)
        else {
            panic!("a JPEG over the budget was read");
        };
        let file = file_with(&bytes);

        let no_side = ThumbLimits {
            max_side: 0,
            ..ThumbLimits::default()
        };
        assert!(make_thumbnail(file.path(), ImageKind::Png, no_side).is_none());
    }

    #[test]
    fn jpeg_layout_reads_the_frame_and_first_scan() {
        let jpeg = encode_as(&halves(64, 32).into(), ImageFormat::Jpeg);
        let file = file_with(&jpeg);
        let layout = jpeg_layout(&mut File::open(file.path()).unwrap()).unwrap();
        assert_eq!(layout.components, 3);
        assert!(!layout.whole_coefficients);

        // The same file marked progressive (SOF2) holds every coefficient.
        let mut progressive = jpeg.clone();
        let sof = progressive
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .unwrap();
        progressive[sof + 1] = 0xC2;
        let file = file_with(&progressive);
        let layout = jpeg_layout(&mut File::open(file.path()).unwrap()).unwrap();
        assert!(layout.whole_coefficients);

        // Structure errors.
        let file = file_with(&jpeg[..sof]);
        assert!(jpeg_layout(&mut File::open(file.path()).unwrap()).is_err());
        let file = file_with(b"\xFF\xD8\xFF\xDA\x00\x08\x03");
        assert!(jpeg_layout(&mut File::open(file.path()).unwrap()).is_err());
    }

    #[test]
    fn a_panic_becomes_none() {
        let got: Option<u32> = guarded(|| panic!("a decoder bug"));
        assert_eq!(got, None);
        assert_eq!(guarded(|| Some(7)), Some(7));
    }

    /// Not an assertion on time: prints how long a camera-sized JPEG takes in this build.
    #[test]
    fn measure_a_4000_by_3000_jpeg() {
        // Smooth gradients with some noise, so the file is photo-sized (about 3 MB).
        let mut noise = 1u64;
        let image = RgbImage::from_fn(4000, 3000, |x, y| {
            noise = noise
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let n = (noise >> 60) as u8;
            Rgb([
                (x / 16) as u8 ^ n,
                ((y / 12) as u8).wrapping_add(n),
                ((x + y) / 28) as u8,
            ])
        });
        let mut bytes = Vec::new();
        image
            .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 90))
            .unwrap();
        let file = file_with(&bytes);
        let started = Instant::now();
        let thumb = make_thumbnail(file.path(), ImageKind::Jpeg, ThumbLimits::default()).unwrap();
        let took = started.elapsed();
        assert_eq!((thumb.width, thumb.height), (256, 192));
        println!(
            "4000x3000 JPEG ({} KiB): thumbnail {}x{} ({} bytes) in {took:?}",
            bytes.len() / 1024,
            thumb.width,
            thumb.height,
            thumb.bytes.len()
        );
    }
}

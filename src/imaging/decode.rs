//! Decoding: format sniffing, header facts, and one scaled decode that serves every derived
//! image.
//!
//! In: a file's bytes. Out: the format, the stored dimensions, and upright RGB pixels no larger
//! than needed for the preview. Invariants: a JPEG is never decoded at full resolution to make a
//! preview (DCT scaling picks 1/2, 1/4 or 1/8); an image declaring more pixels than the profile's
//! limit is refused from its header, before any pixel buffer is allocated; orientation is applied
//! to the small image, never the large one.
//!
//! Size: about 900 lines of code and 240 of tests, kept in one file on purpose: the format
//! dispatch, the JPEG paths (libjpeg-turbo, its 12-bit path, jpeg-decoder, `image`) and the
//! orientation and fitting they share are one decision tree, read top to bottom; each other
//! format's decoder has its own file beside it.

use std::io::Cursor;

use fast_image_resize as fr;
use image::{DynamicImage, ImageFormat, RgbImage, metadata::Orientation};

use crate::photo::{Damage, Format};

/// What the first bytes say a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// An image format.
    Image(Format),
    /// Not an image: what it looks like instead.
    Other(&'static str),
}

/// Recognises a file by its magic bytes, never by its extension.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Sniffed::Image(Format::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Sniffed::Image(Format::Png)
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Sniffed::Image(Format::Tiff)
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        Sniffed::Image(Format::Webp)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Sniffed::Image(Format::Gif)
    } else if starts(b"BM") && bytes.len() > 26 {
        Sniffed::Image(Format::Bmp)
    } else if at(4, b"ftyp")
        && [
            &b"heic"[..],
            b"heix",
            b"hevc",
            b"mif1",
            b"msf1",
            b"heim",
            b"heis",
            b"avif",
        ]
        .iter()
        .any(|b| at(8, b))
    {
        Sniffed::Image(Format::Heic)
    } else if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        Sniffed::Image(Format::Jxl)
    } else if starts(b"%PDF") {
        Sniffed::Other("PDF")
    } else if starts(b"PK\x03\x04") {
        Sniffed::Other("zip / Office document")
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Sniffed::Other("Office 97-2003 document")
    } else if at(4, b"ftyp") {
        Sniffed::Other("video (MP4/MOV)")
    } else {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
        if head.contains("<html") || head.contains("<!doctype html") {
            Sniffed::Other("HTML")
        } else if std::str::from_utf8(&bytes[..bytes.len().min(512)]).is_ok() {
            Sniffed::Other("text")
        } else {
            Sniffed::Other("unknown data")
        }
    }
}

/// Why pixels could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The header declares more pixels than allowed.
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// The decoder refused the data.
    Failed(String),
    /// A kind of image this build has no decoder for (`format` names it), though another
    /// build does: the cargo `feature` that makes it.
    Unsupported {
        /// What the image is, as a finding names it ("HEIC", "12-bit JPEG").
        format: String,
        /// The cargo feature whose build reads it.
        feature: Option<String>,
    },
}

/// The result of decoding one image.
#[derive(Debug)]
pub struct Decoded {
    /// Stored width (before orientation).
    pub width: u32,
    /// Stored height.
    pub height: u32,
    /// CMYK colour.
    pub cmyk: bool,
    /// The data ended early; the pixels below the break are grey.
    pub truncated: bool,
    /// The image data is corrupt (see `entropy`): where and how, when it is.
    pub corrupt: Option<Damage>,
    /// How many pages (images) the file holds, when more than one: only the first is decoded.
    pub pages: Option<u32>,
    /// Upright pixels, long edge at most the requested size (smaller images are kept as they are).
    pub pixels: RgbImage,
}

impl Decoded {
    /// A whole single-page picture, decoded without damage.
    pub fn whole(width: u32, height: u32, pixels: RgbImage) -> Decoded {
        Decoded {
            width,
            height,
            cmyk: false,
            truncated: false,
            corrupt: None,
            pages: None,
            pixels,
        }
    }
}

/// A JPEG decoder this build has. Both decode at a reduced DCT scale; a JPEG the first choice
/// cannot read goes to the next (libjpeg-turbo, then jpeg-decoder, then `image`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JpegDecoder {
    /// jpeg-decoder, pure Rust: the default build needs nothing but cargo.
    Rust,
    /// libjpeg-turbo, built from source by the `turbojpeg` feature: 1.4x as fast on a noisy
    /// 12 MP photo (hot bench), and its warnings name truncated and corrupt data.
    #[cfg(feature = "turbojpeg")]
    Turbo,
}

impl JpegDecoder {
    /// The fastest decoder in this build: what `decode` uses.
    #[cfg(feature = "turbojpeg")]
    pub const BEST: JpegDecoder = JpegDecoder::Turbo;
    /// The fastest decoder in this build: what `decode` uses.
    #[cfg(not(feature = "turbojpeg"))]
    pub const BEST: JpegDecoder = JpegDecoder::Rust;

    /// Every decoder in this build, fastest first (for benchmarks and tests).
    pub const ALL: &'static [JpegDecoder] = &[
        #[cfg(feature = "turbojpeg")]
        JpegDecoder::Turbo,
        JpegDecoder::Rust,
    ];

    /// The library's name, as reports and benchmarks print it.
    pub fn name(self) -> &'static str {
        match self {
            JpegDecoder::Rust => "jpeg-decoder",
            #[cfg(feature = "turbojpeg")]
            JpegDecoder::Turbo => "libjpeg-turbo",
        }
    }
}

/// Decodes an image scaled so its long edge is at least `min_long_edge` where the image is that
/// large, applies `orientation`, and resizes it to at most `min_long_edge`. JPEGs go to this
/// build's fastest decoder ([`JpegDecoder::BEST`]).
///
/// # Errors
/// `TooManyPixels` from the header alone; `Failed` when no decoder can read the data.
pub fn decode(
    bytes: &[u8],
    format: Format,
    orientation: Option<u16>,
    min_long_edge: u32,
    max_pixels: u64,
) -> Result<Decoded, DecodeError> {
    decode_using(
        JpegDecoder::BEST,
        bytes,
        format,
        orientation,
        min_long_edge,
        max_pixels,
    )
}

/// [`decode()`] with the JPEG decoder to try first named.
///
/// # Errors
/// As [`decode()`].
pub fn decode_using(
    decoder: JpegDecoder,
    bytes: &[u8],
    format: Format,
    orientation: Option<u16>,
    min_long_edge: u32,
    max_pixels: u64,
) -> Result<Decoded, DecodeError> {
    let mut decoded = match format {
        Format::Jpeg => decode_jpeg(decoder, bytes, &|_, _| min_long_edge, max_pixels)?,
        _ => decode_other(bytes, format, max_pixels)?,
    };
    let pixels = std::mem::take(&mut decoded.pixels);
    // JPEG XL, HEIC and AVIF decoders turn the picture as the codestream or container says; an
    // EXIF orientation inside them is not to be applied again.
    let orientation = match format {
        Format::Jxl | Format::Heic => None,
        _ => orientation,
    };
    // Most often the DCT scale gave the size asked for: no resize, and no copy.
    let resized = if fit_size(pixels.width(), pixels.height(), min_long_edge) == pixels.dimensions()
    {
        pixels
    } else {
        fit(&pixels, min_long_edge)
    };
    decoded.pixels = match orientation
        .and_then(|o| u8::try_from(o).ok())
        .and_then(Orientation::from_exif)
    {
        Some(o) if o != Orientation::NoTransforms => orient(&resized, o),
        _ => resized,
    };
    Ok(decoded)
}

/// Turns a picture as EXIF orientation `o` says, the same as `image`'s `apply_orientation`.
/// The turns that swap the axes read the source in 32 × 32 tiles that stay in cache, where
/// `image` walks it pixel by pixel down whole columns. Each tile row is one walk with a fixed
/// stride: a quarter turn of a 1000 px preview takes 0.9 ms, 2.6 ms when each pixel's source
/// was worked out afresh (hot bench `derive/turn the preview a quarter`).
pub fn orient(image: &RgbImage, o: Orientation) -> RgbImage {
    let (w, h) = image.dimensions();
    let (w, h) = (w as isize, h as isize);
    // The source pixel of destination (x, y) is `origin + x * step_x + y * step_y`, counted in
    // pixels of the source: every turn and flip is affine.
    let (origin, step_x, step_y) = match o {
        Orientation::NoTransforms => return image.clone(),
        Orientation::FlipHorizontal => (w - 1, -1, w),
        Orientation::Rotate180 => (w * h - 1, -1, -w),
        Orientation::FlipVertical => ((h - 1) * w, 1, -w),
        Orientation::Rotate90FlipH => (0, w, 1),
        Orientation::Rotate90 => ((h - 1) * w, -w, 1),
        Orientation::Rotate270FlipH => (w * h - 1, -w, -1),
        Orientation::Rotate270 => (w - 1, w, -1),
    };
    let swaps = step_x.abs() != 1;
    let (dw, dh) = if swaps { (h, w) } else { (w, h) };
    let (dw, dh) = (dw as usize, dh as usize);
    let src = image.as_raw();
    let mut out = vec![0u8; 3 * dw * dh];
    // The turns walk the source down its columns: 32 × 32 tiles keep those rows in cache.
    const TILE: usize = 32;
    for ty in (0..dh).step_by(TILE) {
        for tx in (0..dw).step_by(TILE) {
            let x_end = (tx + TILE).min(dw);
            for y in ty..(ty + TILE).min(dh) {
                let mut from = origin + tx as isize * step_x + y as isize * step_y;
                let row = &mut out[3 * (y * dw + tx)..3 * (y * dw + x_end)];
                for pixel in row.chunks_exact_mut(3) {
                    let s = 3 * from as usize;
                    pixel.copy_from_slice(&src[s..s + 3]);
                    from += step_x;
                }
            }
        }
    }
    RgbImage::from_raw(dw as u32, dh as u32, out).expect("the buffer matches the size")
}

/// How much smaller than its box a scaled decode may come out, for [`decode_to_fit()`]: a
/// 1000 px preview at 1/2 scale (500 px) serves a 547 px contact-sheet cell, enlarged by 9%
/// (276 dpi where the page is 300: no print shows it), and costs a third of a full decode.
pub const FIT_SLACK: f64 = 1.1;

/// Decodes an image to the largest size with its aspect ratio inside `box_w` × `box_h`, without
/// orientation: for the previews this tool wrote, which are upright already. A JPEG is decoded
/// at the smallest DCT scale within [`FIT_SLACK`] of that size, then resized to it exactly.
/// Limited to 100 megapixels.
///
/// # Errors
/// As [`decode()`]; `Failed` for bytes that are not an image.
pub fn decode_to_fit(bytes: &[u8], box_w: u32, box_h: u32) -> Result<RgbImage, DecodeError> {
    const LIMIT: u64 = 100_000_000;
    let need = |width: u32, height: u32| {
        let (w, h) = fit_box(width, height, box_w, box_h);
        (f64::from(w.max(h)) / FIT_SLACK).ceil() as u32
    };
    let decoded = match sniff(bytes) {
        Sniffed::Image(Format::Jpeg) => decode_jpeg(JpegDecoder::BEST, bytes, &need, LIMIT)?,
        Sniffed::Image(format) => decode_other(bytes, format, LIMIT)?,
        Sniffed::Other(what) => return Err(DecodeError::Failed(format!("not an image: {what}"))),
    };
    let pixels = decoded.pixels;
    let (w, h) = fit_box(pixels.width(), pixels.height(), box_w, box_h);
    Ok(if (w, h) == pixels.dimensions() {
        pixels
    } else {
        resize(&pixels, w, h)
    })
}

/// The largest size with the aspect ratio of `width` × `height` inside a box, enlarging where the
/// image is smaller than the box.
pub fn fit_box(width: u32, height: u32, box_w: u32, box_h: u32) -> (u32, u32) {
    let (width, height) = (width.max(1), height.max(1));
    let scale = (f64::from(box_w) / f64::from(width)).min(f64::from(box_h) / f64::from(height));
    (
        ((f64::from(width) * scale) as u32).clamp(1, box_w.max(1)),
        ((f64::from(height) * scale) as u32).clamp(1, box_h.max(1)),
    )
}

fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), DecodeError> {
    if u64::from(width) * u64::from(height) > max_pixels {
        Err(DecodeError::TooManyPixels { width, height })
    } else {
        Ok(())
    }
}

/// The long edge a decode must reach, from the image's stored width and height.
type Need<'a> = &'a dyn Fn(u32, u32) -> u32;

fn decode_jpeg(
    decoder: JpegDecoder,
    bytes: &[u8],
    need: Need<'_>,
    max_pixels: u64,
) -> Result<Decoded, DecodeError> {
    // A file that ends inside a segment (often before any image data: a big EXIF block, then
    // nothing) failed because it is cut short, and is said so.
    match decode_jpeg_whole(decoder, bytes, need, max_pixels) {
        Err(DecodeError::Failed(reason))
            if reason != "truncated" && super::cut::jpeg_is_cut(bytes) =>
        {
            Err(DecodeError::Failed("truncated".into()))
        }
        other => other,
    }
}

/// [`decode_jpeg`] before a failure is told apart from a file cut short.
fn decode_jpeg_whole(
    decoder: JpegDecoder,
    bytes: &[u8],
    need: Need<'_>,
    max_pixels: u64,
) -> Result<Decoded, DecodeError> {
    // 12-bit samples (DCT-coded) and arithmetic coding: libjpeg-turbo reads them, no pure-Rust
    // decoder does (lossless JPEG of any precision, jpeg-decoder reads).
    let frame = super::jpeg_frame(bytes);
    let precision = frame.map_or(8, |f| f.precision);
    let twelve_bit = frame.is_some_and(|f| f.precision == 12 && !f.lossless);
    #[cfg(feature = "turbojpeg")]
    if twelve_bit
        && decoder == JpegDecoder::Turbo
        && let Some(done) = turbo12::decode(bytes, need, max_pixels)
    {
        return done;
    }
    let rust_cannot = if twelve_bit {
        Some("12-bit JPEG")
    } else if frame.is_some_and(|f| f.arithmetic) && decoder == JpegDecoder::Rust {
        Some("arithmetic-coded JPEG")
    } else {
        None
    };
    if let Some(format) = rust_cannot {
        if let Some(frame) = frame {
            check_pixels(frame.width, frame.height, max_pixels)?;
        }
        return Err(DecodeError::Unsupported {
            format: format.into(),
            feature: Some("turbojpeg".into()),
        });
    }
    match decoder {
        #[cfg(feature = "turbojpeg")]
        JpegDecoder::Turbo => match turbo::decode(bytes, need, max_pixels) {
            Some(done) => done,
            None => decode_jpeg_rust(bytes, precision, need, max_pixels),
        },
        JpegDecoder::Rust => decode_jpeg_rust(bytes, precision, need, max_pixels),
    }
}

thread_local! {
    /// The pixel buffer of a photo this worker is done with, for the next decode to fill.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Hands back the pixels of a decode the caller is done with: the worker's next decode fills
/// the same memory instead of allocating and zeroing 2.25 MB for a 1000 px preview. (Only
/// libjpeg-turbo decodes into a buffer it is given.)
pub fn recycle(pixels: RgbImage) {
    if cfg!(feature = "turbojpeg") {
        SPARE.set(pixels.into_raw());
    }
}

/// Where a decoder made every block after a break from the same made-up coefficients, the
/// bottom right of the picture repeats one block (or MCU) over and over: a last row that ends
/// that way is worth a walk through the data (rare, and exact). `raw` holds rows of `width`
/// pixels of `channels` bytes.
fn damage_below(raw: &[u8], width: usize, channels: usize, bytes: &[u8]) -> Option<Damage> {
    let row = width * channels;
    let flat_tail = raw.len() >= row && row > 0 && tail_repeats(&raw[raw.len() - row..], channels);
    if flat_tail { corrupt(bytes) } else { None }
}

/// jpeg-decoder, `image` where it fails; `precision` is the frame header's sample precision.
fn decode_jpeg_rust(
    bytes: &[u8],
    precision: u8,
    need: Need<'_>,
    max_pixels: u64,
) -> Result<Decoded, DecodeError> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let header = decoder.read_info().ok().and_then(|()| decoder.info());
    let Some(info) = header else {
        return decode_with_image(bytes, Format::Jpeg, max_pixels);
    };
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_pixels(width, height, max_pixels)?;
    let request = u16::try_from(need(width, height)).unwrap_or(u16::MAX);
    let scaled = decoder.scale(request, request);
    let result = scaled.and_then(|(w, h)| decoder.decode().map(|p| (w, h, p)));
    let (w, h, raw) = match result {
        Ok(ok) => ok,
        Err(jpeg_decoder::Error::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            // A truncated stream: take what the permissive decoder can show, and say so.
            let mut partial = decode_with_image(bytes, Format::Jpeg, max_pixels)
                .map_err(|_| DecodeError::Failed("truncated".into()))?;
            partial.truncated = true;
            return Ok(partial);
        }
        Err(_) => {
            // The other decoder may still make a picture; whether the data is whole is asked of
            // the data itself.
            let mut other = decode_with_image(bytes, Format::Jpeg, max_pixels)?;
            other.corrupt = corrupt(bytes);
            return Ok(other);
        }
    };
    // Lossless JPEG past 8 bits comes as 16-bit samples (native byte order), whatever
    // `pixel_format` says: brought down to 8 bits here.
    let samples = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    let (raw, format) = if precision > 8 && samples < 4 {
        let top = (1u32 << precision.min(16)) - 1;
        let eight: Vec<u8> = raw
            .chunks_exact(2)
            .map(|b| {
                ((u32::from(u16::from_ne_bytes([b[0], b[1]])).min(top) * 255 + top / 2) / top) as u8
            })
            .collect();
        let format = match samples {
            1 => jpeg_decoder::PixelFormat::L8,
            _ => jpeg_decoder::PixelFormat::RGB24,
        };
        (eight, format)
    } else {
        (raw, info.pixel_format)
    };
    let damage = damage_below(&raw, usize::from(w), samples, bytes);
    let (w, h) = (u32::from(w), u32::from(h));
    let pixels = match format {
        jpeg_decoder::PixelFormat::RGB24 => RgbImage::from_raw(w, h, raw),
        jpeg_decoder::PixelFormat::L8 => {
            image::GrayImage::from_raw(w, h, raw).map(|g| DynamicImage::ImageLuma8(g).into_rgb8())
        }
        // CMYK is rare: the general decoder handles its colour.
        _ => None,
    };
    match pixels {
        Some(pixels) => Ok(Decoded {
            width,
            height,
            cmyk: false,
            truncated: false,
            corrupt: damage,
            pages: None,
            pixels,
        }),
        None => {
            let mut other = decode_with_image(bytes, Format::Jpeg, max_pixels)?;
            other.cmyk = info.pixel_format == jpeg_decoder::PixelFormat::CMYK32;
            other.corrupt = damage;
            Ok(other)
        }
    }
}

/// libjpeg-turbo, behind the `turbojpeg` feature.
#[cfg(feature = "turbojpeg")]
mod turbo {
    use std::cell::RefCell;

    use image::RgbImage;
    use turbojpeg::{Colorspace, Decompressor, Error, Image, PixelFormat, ScalingFactor};

    use super::{Damage, DecodeError, Decoded, check_pixels, corrupt};

    thread_local! {
        /// One decompressor per worker thread, made on first use.
        static DECOMPRESSOR: RefCell<Option<Decompressor>> = const { RefCell::new(None) };
    }

    /// Decodes at the smallest of 1/8, 1/4 and 1/2 (or full size) whose long edge still
    /// reaches what `need` asks of the stored size. `None` when libjpeg-turbo cannot make this
    /// picture (CMYK, lossless, a fatal error): the next decoder tries.
    ///
    /// libjpeg's warnings are the data's own account of damage: "Premature end of JPEG file"
    /// is a truncated file (the rest of the picture is grey), "Corrupt JPEG data: …" corrupt
    /// coded data. The walk through the coded data names the damage where it can, so both
    /// builds report it in the same words.
    pub(super) fn decode(
        bytes: &[u8],
        need: super::Need<'_>,
        max_pixels: u64,
    ) -> Option<Result<Decoded, DecodeError>> {
        DECOMPRESSOR.with_borrow_mut(|slot| {
            if slot.is_none() {
                *slot = Decompressor::new().ok();
            }
            let decompressor = slot.as_mut()?;
            let header = decompressor.read_header(bytes).ok()?;
            if header.is_lossless
                || matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK)
            {
                return None;
            }
            let width = u32::try_from(header.width).ok()?;
            let height = u32::try_from(header.height).ok()?;
            if let Err(e) = check_pixels(width, height, max_pixels) {
                return Some(Err(e));
            }
            // Only 1/8, 1/4 and 1/2 have SIMD inverse DCTs; 3/8 or 5/8 compute less but in
            // plain C, and cost more.
            let long = header.width.max(header.height);
            let min_long_edge = need(width, height) as usize;
            let factor = [
                ScalingFactor::ONE_EIGHTH,
                ScalingFactor::ONE_QUARTER,
                ScalingFactor::ONE_HALF,
            ]
            .into_iter()
            .find(|f| f.scale(long) >= min_long_edge)
            .unwrap_or(ScalingFactor::ONE);
            decompressor.set_scaling_factor(factor).ok()?;
            let scaled = header.scaled(factor);
            // libjpeg writes every pixel of the buffer (rows past a break grey), so a buffer
            // an earlier photo left needs no zeroing.
            let mut pixels = super::SPARE.take();
            pixels.resize(3 * scaled.width * scaled.height, 0);
            let image = Image {
                pixels: &mut pixels[..],
                width: scaled.width,
                pitch: 3 * scaled.width,
                height: scaled.height,
                format: PixelFormat::RGB,
            };
            let (truncated, warned) = match decompressor.decompress(bytes, image) {
                Ok(()) => (false, None),
                Err(Error::TurboJpegError(message))
                    if message.starts_with("Premature end of JPEG file") =>
                {
                    (true, None)
                }
                Err(Error::TurboJpegError(message)) if message.starts_with("Corrupt JPEG data") => {
                    (false, Some(message))
                }
                Err(_) => return None,
            };
            // libjpeg warns of every break the walk finds (data that runs out, bytes left
            // over, a code no table has, a missing restart marker), so a silent decode needs
            // no walk.
            let corrupt =
                warned.map(|message| corrupt(bytes).unwrap_or(Damage::Decoder { message }));
            let (w, h) = (
                u32::try_from(scaled.width).ok()?,
                u32::try_from(scaled.height).ok()?,
            );
            Some(Ok(Decoded {
                width,
                height,
                cmyk: false,
                truncated,
                corrupt,
                pages: None,
                pixels: RgbImage::from_raw(w, h, pixels)?,
            }))
        })
    }
}

/// libjpeg-turbo's 12-bit path, behind the `turbojpeg` feature (the `turbojpeg` crate wraps only
/// the 8-bit one, so this calls the TurboJPEG API itself).
#[cfg(feature = "turbojpeg")]
mod turbo12 {
    use std::ffi::{CStr, c_int};

    use image::RgbImage;
    use turbojpeg::raw;

    use super::{Damage, DecodeError, Decoded, Need, check_pixels, corrupt};

    /// A TurboJPEG decompressor, destroyed when dropped.
    struct Handle(raw::tjhandle);

    impl Drop for Handle {
        fn drop(&mut self) {
            // SAFETY: made by `tj3Init` and destroyed once, here.
            unsafe { raw::tj3Destroy(self.0) }
        }
    }

    impl Handle {
        fn get(&self, param: raw::TJPARAM) -> c_int {
            // SAFETY: a live handle; reading a parameter has no other effect.
            unsafe { raw::tj3Get(self.0, param as c_int) }
        }

        /// Whether the last failure was only a warning (the picture was made, perhaps
        /// damaged).
        fn last_error_is_warning(&self) -> bool {
            // SAFETY: a live handle; reading the last error's code has no other effect.
            unsafe { raw::tj3GetErrorCode(self.0) == raw::TJERR_TJERR_WARNING as c_int }
        }

        fn message(&self) -> String {
            // SAFETY: a live handle; the string is libjpeg-turbo's, copied out at once.
            unsafe { CStr::from_ptr(raw::tj3GetErrorStr(self.0)) }
                .to_string_lossy()
                .into_owned()
        }
    }

    /// Decodes a 12-bit (DCT-coded) JPEG at the smallest of 1/8, 1/4 and 1/2 (or full size)
    /// whose long edge reaches what `need` asks, and brings its samples down to 8 bits. `None`
    /// when libjpeg-turbo cannot read it (the caller then says which build can).
    pub(in crate::imaging) fn decode(
        bytes: &[u8],
        need: Need<'_>,
        max_pixels: u64,
    ) -> Option<Result<Decoded, DecodeError>> {
        // SAFETY: `tj3Init` returns a new handle or null.
        let handle = Handle(unsafe { raw::tj3Init(raw::TJINIT_TJINIT_DECOMPRESS as c_int) });
        if handle.0.is_null() {
            return None;
        }
        let size = raw::size_t::try_from(bytes.len()).ok()?;
        // SAFETY: `bytes` outlives the call, `size` is its length.
        if unsafe { raw::tj3DecompressHeader(handle.0, bytes.as_ptr(), size) } != 0 {
            return None;
        }
        let width = u32::try_from(handle.get(raw::TJPARAM_TJPARAM_JPEGWIDTH)).ok()?;
        let height = u32::try_from(handle.get(raw::TJPARAM_TJPARAM_JPEGHEIGHT)).ok()?;
        let colorspace = handle.get(raw::TJPARAM_TJPARAM_COLORSPACE);
        if handle.get(raw::TJPARAM_TJPARAM_PRECISION) != 12
            || handle.get(raw::TJPARAM_TJPARAM_LOSSLESS) != 0
            || [raw::TJCS_TJCS_CMYK, raw::TJCS_TJCS_YCCK].contains(&(colorspace as raw::TJCS))
        {
            return None;
        }
        if let Err(e) = check_pixels(width, height, max_pixels) {
            return Some(Err(e));
        }
        let long = width.max(height);
        let min_long_edge = need(width, height);
        let denom = [8, 4, 2]
            .into_iter()
            .find(|d| long.div_ceil(*d) >= min_long_edge)
            .unwrap_or(1);
        let factor = raw::tjscalingfactor {
            num: 1,
            denom: denom as c_int,
        };
        // SAFETY: a live handle; 1/8, 1/4 and 1/2 are scaling factors libjpeg-turbo has.
        if unsafe { raw::tj3SetScalingFactor(handle.0, factor) } != 0 {
            return None;
        }
        let (w, h) = (width.div_ceil(denom), height.div_ceil(denom));
        let (w_us, h_us) = (usize::try_from(w).ok()?, usize::try_from(h).ok()?);
        let mut samples = vec![0i16; 3 * w_us * h_us];
        let pitch = c_int::try_from(3 * w_us).ok()?;
        // SAFETY: `samples` holds `h` rows of `pitch` samples, what a scaled RGB decode of this
        // header writes; `bytes` outlives the call.
        let status = unsafe {
            raw::tj3Decompress12(
                handle.0,
                bytes.as_ptr(),
                size,
                samples.as_mut_ptr(),
                pitch,
                raw::TJPF_TJPF_RGB as c_int,
            )
        };
        let (truncated, corrupt) = if status == 0 {
            (false, None)
        } else {
            let warning = handle.last_error_is_warning();
            let message = handle.message();
            match (warning, message.starts_with("Premature end of JPEG file")) {
                (true, true) => (true, None),
                (true, false) => (
                    false,
                    Some(corrupt(bytes).unwrap_or(Damage::Decoder { message })),
                ),
                (false, _) => return Some(Err(DecodeError::Failed(message))),
            }
        };
        // 0–4095 to 0–255, rounded.
        let pixels: Vec<u8> = samples
            .iter()
            .map(|&v| ((i32::from(v).clamp(0, 4095) * 255 + 2047) / 4095) as u8)
            .collect();
        Some(Ok(Decoded {
            truncated,
            corrupt,
            ..Decoded::whole(width, height, RgbImage::from_raw(w, h, pixels)?)
        }))
    }
}

/// Whether a row of pixels ends in at least four repeats of a pattern of 1 to 32 pixels
/// (a quarter of the row at least): what a decoder's made-up blocks look like.
fn tail_repeats(row: &[u8], channels: usize) -> bool {
    let width = row.len() / channels;
    [1, 2, 4, 8, 16, 32].into_iter().any(|period| {
        let shift = period * channels;
        if width < period * 4 {
            return false;
        }
        // Pixels from the right that equal the one a period further right.
        let same = row[..row.len() - shift]
            .chunks_exact(channels)
            .rev()
            .zip(row[shift..].chunks_exact(channels).rev())
            .take_while(|(a, b)| a == b)
            .count();
        same + period >= (period * 4).max(width / 4)
    })
}

/// Why the JPEG's coded data is corrupt, when the walk finds it so.
fn corrupt(bytes: &[u8]) -> Option<Damage> {
    match super::entropy::check(bytes) {
        super::entropy::Entropy::Corrupt(reason) => Some(reason),
        _ => None,
    }
}

fn image_format(format: Format) -> Option<ImageFormat> {
    Some(match format {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        Format::Tiff => ImageFormat::Tiff,
        Format::Webp => ImageFormat::WebP,
        Format::Gif => ImageFormat::Gif,
        Format::Bmp => ImageFormat::Bmp,
        Format::Heic | Format::Jxl => return None,
    })
}

/// Full decode of every format but JPEG: TIFF by [`super::tiff`], JPEG XL by [`super::jxl`],
/// HEIC and AVIF by [`super::heif`] (with the `heif` feature), the rest through `image`, with
/// what arrived of a PNG, BMP or GIF cut short ([`super::cut`]).
fn decode_other(bytes: &[u8], format: Format, max_pixels: u64) -> Result<Decoded, DecodeError> {
    match format {
        Format::Tiff => return super::tiff::decode(bytes, max_pixels),
        Format::Jxl => return super::jxl::decode(bytes, max_pixels),
        #[cfg(feature = "heif")]
        Format::Heic => return super::heif::decode(bytes, max_pixels),
        #[cfg(not(feature = "heif"))]
        Format::Heic => {
            return Err(DecodeError::Unsupported {
                format: format.name().to_string(),
                feature: Some("heif".into()),
            });
        }
        _ => {}
    }
    let result = decode_with_image(bytes, format, max_pixels);
    match (format, result) {
        (_, Err(DecodeError::TooManyPixels { width, height })) => {
            Err(DecodeError::TooManyPixels { width, height })
        }
        (Format::Png, Err(e)) => match super::cut::png(bytes) {
            Some(partial) => Ok(partial),
            None if super::cut::png_is_cut(bytes) => Err(DecodeError::Failed("truncated".into())),
            None => Err(e),
        },
        (Format::Bmp, Err(e)) => super::cut::bmp(bytes).unwrap_or(Err(e)),
        (Format::Gif, Err(e)) if super::cut::gif_without_unknown_extensions(bytes).is_some() => {
            let known = super::cut::gif_without_unknown_extensions(bytes).unwrap_or_default();
            match decode_with_image(&known, format, max_pixels) {
                Err(DecodeError::Failed(_)) => Err(e),
                other => other,
            }
        }
        (Format::Gif, result) if super::cut::gif_is_cut(bytes) => match result {
            Ok(mut decoded) => {
                decoded.truncated = true;
                Ok(decoded)
            }
            Err(_) => Err(DecodeError::Failed("truncated".into())),
        },
        (_, result) => result,
    }
}

/// Full decode through `image`, for every format but the JPEG fast path, with limits.
fn decode_with_image(
    bytes: &[u8],
    format: Format,
    max_pixels: u64,
) -> Result<Decoded, DecodeError> {
    let image_format = image_format(format)
        .ok_or_else(|| DecodeError::Failed(format!("{} is not supported", format.name())))?;
    let reader = |max_alloc: u64| {
        let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image_format);
        reader.limits(limits(max_alloc));
        reader
    };
    let (width, height) = reader(HEADER_BYTES)
        .into_dimensions()
        .map_err(|e| DecodeError::Failed(e.to_string()))?;
    check_pixels(width, height, max_pixels)?;
    // Room for this file's pixels at 16 bits per channel with alpha, plus slack: its own size,
    // not the largest allowed, since the bound also covers what is inflated beside the picture.
    let pixels = u64::from(width) * u64::from(height);
    let image = reader(pixels.saturating_mul(8).saturating_add(64 << 20))
        .decode()
        .map_err(|e| DecodeError::Failed(e.to_string()))?;
    Ok(Decoded::whole(width, height, image.into_rgb8()))
}

/// What an `image` decoder may allocate while it reads a file's header and metadata: far above
/// any real colour profile, XMP or IPTC block, far below what a deflate bomb in one of them
/// inflates to (a 1 MB PNG whose iCCP inflated to a gigabyte took a gigabyte). A chunk past it
/// is left out; the picture is kept.
pub const HEADER_BYTES: u64 = 16 << 20;

/// `image`'s limits with `max_alloc` as the only bound (the picture's size is checked against
/// the profile's pixel limit separately).
pub fn limits(max_alloc: u64) -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_alloc);
    limits
}

/// The size that fits `long_edge`, keeping the aspect ratio, never upscaling.
pub fn fit_size(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_edge || long == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(long_edge) / f64::from(long);
    let w = (f64::from(width) * scale).round().max(1.0) as u32;
    let h = (f64::from(height) * scale).round().max(1.0) as u32;
    (w, h)
}

/// Resizes to fit `long_edge` (Lanczos3, SIMD); an image already small enough is returned as is.
pub fn fit(image: &RgbImage, long_edge: u32) -> RgbImage {
    let (w, h) = fit_size(image.width(), image.height(), long_edge);
    resize(image, w, h)
}

/// Resizes to exactly `width` × `height` (Lanczos3, SIMD). Shrinking by 3x or more starts with
/// 2x2 box averages (exact halving, no aliasing) until the rest is under 3x: the Lanczos pass
/// then reads a quarter of the pixels with half the taps each, and the result differs from a
/// direct Lanczos shrink by under 1.5 grey levels on average (tested). Enlarging (a sheet cell
/// a little bigger than its decode) is Catmull-Rom: as sharp at such small factors, with four
/// taps instead of six.
pub fn resize(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    if (width, height) == image.dimensions() {
        return image.clone();
    }
    if image.width() >= 3 * width && image.height() >= 3 * height {
        let half = convolve(
            image,
            image.width().div_ceil(2),
            image.height().div_ceil(2),
            fr::FilterType::Box,
        );
        return resize(&half, width, height);
    }
    let filter = match width > image.width() || height > image.height() {
        true => fr::FilterType::CatmullRom,
        false => fr::FilterType::Lanczos3,
    };
    convolve(image, width, height, filter)
}

fn convolve(image: &RgbImage, width: u32, height: u32, filter: fr::FilterType) -> RgbImage {
    let src = fr::images::ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        fr::PixelType::U8x3,
    )
    .expect("an RgbImage buffer matches its size");
    let mut dst = fr::images::Image::new(width, height, fr::PixelType::U8x3);
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(filter));
    // The buffer between the passes is the new width by the old height: a worker keeps it for
    // small resizes, but a large picture's (150 MB for a 100-megapixel scan's first halving)
    // is made afresh and freed, or every worker would hold one for the rest of the run.
    let between = u64::from(width) * u64::from(image.height()) * 3;
    if between > KEPT_RESIZE_BUFFER {
        fr::Resizer::new()
            .resize(&src, &mut dst, &options)
            .expect("same pixel type on both sides");
    } else {
        RESIZER.with_borrow_mut(|resizer| {
            resizer
                .resize(&src, &mut dst, &options)
                .expect("same pixel type on both sides")
        });
    }
    RgbImage::from_raw(width, height, dst.into_vec()).expect("the resizer fills the buffer")
}

/// The largest buffer between a resize's passes a worker keeps (see [`convolve`]).
const KEPT_RESIZE_BUFFER: u64 = 16 << 20;

thread_local! {
    /// Each worker keeps its resizer: the buffer between the two passes (720 KB for a
    /// thumbnail of a preview) is allocated and zeroed once, not for every resize.
    static RESIZER: std::cell::RefCell<fr::Resizer> = std::cell::RefCell::new(fr::Resizer::new());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_ending_in_repeated_blocks_is_told_from_a_photo() {
        // RGB: 100 pixels of a gradient, then 60 of a repeating 8-pixel block.
        let mut row: Vec<u8> = (0..100u8).flat_map(|x| [x, x / 2, 255 - x]).collect();
        let block: Vec<u8> = (0..8u8).flat_map(|x| [x * 20, 7, 9]).collect();
        for _ in 0..8 {
            row.extend(&block);
        }
        assert!(tail_repeats(&row, 3));
        let photo: Vec<u8> = (0..160u32)
            .flat_map(|x| [(x * 7 % 251) as u8, (x % 13) as u8, 3])
            .collect();
        assert!(!tail_repeats(&photo, 3));
        assert!(tail_repeats(&[0u8; 30], 3), "a flat row");
        assert!(!tail_repeats(&[1, 2, 3], 3), "too short to tell");
    }

    /// A 1600 x 1200 photo-like picture (smooth gradients and some edges), as a JPEG.
    fn sample_jpeg() -> (RgbImage, Vec<u8>) {
        let image = RgbImage::from_fn(1600, 1200, |x, y| {
            let edge = if (x / 200 + y / 150) % 2 == 0 { 40 } else { 0 };
            image::Rgb([
                (x * 255 / 1600) as u8,
                (y * 255 / 1200) as u8,
                (((x + y) / 11) % 200) as u8 + edge,
            ])
        });
        let jpeg = crate::imaging::encode_jpeg_rust(&image, 92).unwrap();
        (image, jpeg)
    }

    fn mean_difference(a: &RgbImage, b: &RgbImage) -> f64 {
        assert_eq!(a.dimensions(), b.dimensions());
        let sum: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(&p, &q)| u64::from(p.abs_diff(q)))
            .sum();
        sum as f64 / a.as_raw().len() as f64
    }

    #[test]
    fn every_jpeg_decoder_scales_down_and_draws_the_same_picture() {
        let (image, jpeg) = sample_jpeg();
        let expected = fit(&image, 400);
        for &decoder in JpegDecoder::ALL {
            let decoded =
                decode_using(decoder, &jpeg, Format::Jpeg, None, 400, 100_000_000).unwrap();
            assert_eq!((decoded.width, decoded.height), (1600, 1200), "{decoder:?}");
            assert_eq!(decoded.pixels.dimensions(), (400, 300), "{decoder:?}");
            assert!(
                !decoded.truncated && decoded.corrupt.is_none(),
                "{decoder:?}"
            );
            let diff = mean_difference(&decoded.pixels, &expected);
            assert!(
                diff < 3.0,
                "{decoder:?} differs by {diff:.2} grey levels on average"
            );
        }
        // Turned as EXIF says (6: 90 degrees clockwise): portrait.
        for &decoder in JpegDecoder::ALL {
            let decoded =
                decode_using(decoder, &jpeg, Format::Jpeg, Some(6), 400, 100_000_000).unwrap();
            assert_eq!(decoded.pixels.dimensions(), (300, 400), "{decoder:?}");
        }
    }

    #[test]
    fn every_jpeg_decoder_says_truncated_and_refuses_bombs_from_the_header() {
        let (_, jpeg) = sample_jpeg();
        let cut = &jpeg[..jpeg.len() * 2 / 3];
        for &decoder in JpegDecoder::ALL {
            let decoded = decode_using(decoder, cut, Format::Jpeg, None, 400, 100_000_000)
                .expect("a truncated JPEG still gives its top");
            assert!(decoded.truncated, "{decoder:?}");
            let err = decode_using(decoder, &jpeg, Format::Jpeg, None, 400, 1_000_000).unwrap_err();
            assert_eq!(
                err,
                DecodeError::TooManyPixels {
                    width: 1600,
                    height: 1200
                },
                "{decoder:?}"
            );
        }
    }

    #[test]
    fn a_buffer_handed_back_leaves_nothing_of_its_photo_in_the_next() {
        // On a thread of its own: its spare buffer starts empty.
        std::thread::spawn(|| {
            let (_, jpeg) = sample_jpeg();
            let cut = &jpeg[..jpeg.len() / 2];
            let decode =
                |bytes: &[u8]| decode(bytes, Format::Jpeg, None, 400, 100_000_000).unwrap();
            let fresh = decode(cut);
            assert!(fresh.truncated);
            // A white picture's pixels handed back, then the truncated photo decoded into
            // them: the rows past the break are the decoder's grey, not the white left over.
            let white = RgbImage::from_pixel(800, 600, image::Rgb([255, 255, 255]));
            recycle(white);
            let reused = decode(cut);
            assert!(fresh.pixels == reused.pixels);
            recycle(reused.pixels);
            assert!(decode(&jpeg).pixels == decode(&jpeg).pixels);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_preview_fits_its_box_from_the_smallest_scale_within_the_slack() {
        let (image, jpeg) = sample_jpeg();
        // A 440 x 400 box holds 440 x 330: 1/4 scale (400 px) is within 10% of it, enlarged.
        let fitted = decode_to_fit(&jpeg, 440, 400).unwrap();
        assert_eq!(fitted.dimensions(), (440, 330));
        let diff = mean_difference(&fitted, &resize(&image, 440, 330));
        assert!(diff < 4.0, "differs by {diff:.2} grey levels on average");
        // The height binds: 600 x 450 in a 900 x 450 box.
        assert_eq!(
            decode_to_fit(&jpeg, 900, 450).unwrap().dimensions(),
            (600, 450)
        );
        // Larger than the photo: enlarged to the box.
        assert_eq!(
            decode_to_fit(&jpeg, 2000, 2000).unwrap().dimensions(),
            (2000, 1500)
        );
        assert!(decode_to_fit(b"%PDF-1.4", 100, 100).is_err());
    }

    #[test]
    fn a_large_shrink_halves_first_and_keeps_the_picture() {
        let (image, _) = sample_jpeg();
        let direct = convolve(&image, 256, 192, fr::FilterType::Lanczos3);
        let small = resize(&image, 256, 192);
        assert_eq!(small.dimensions(), (256, 192));
        let diff = mean_difference(&small, &direct);
        assert!(diff < 1.5, "differs by {diff:.2} grey levels on average");
        // A flat colour stays exactly that colour through the halvings.
        let flat = RgbImage::from_pixel(1001, 777, image::Rgb([200, 100, 7]));
        assert!(
            resize(&flat, 100, 77)
                .pixels()
                .all(|p| p.0 == [200, 100, 7])
        );
    }

    #[test]
    fn orient_turns_as_image_does_for_every_exif_orientation() {
        let picture =
            RgbImage::from_fn(70, 45, |x, y| image::Rgb([x as u8, y as u8, (x * y) as u8]));
        for exif in 1..=8u8 {
            let o = Orientation::from_exif(exif).unwrap();
            let mut expected = DynamicImage::ImageRgb8(picture.clone());
            expected.apply_orientation(o);
            assert_eq!(
                orient(&picture, o),
                expected.into_rgb8(),
                "orientation {exif}"
            );
        }
    }

    #[test]
    fn fit_box_keeps_aspect_in_either_direction() {
        assert_eq!(fit_box(4000, 3000, 547, 470), (547, 410));
        assert_eq!(fit_box(3000, 4000, 547, 470), (352, 470));
        assert_eq!(fit_box(100, 50, 400, 400), (400, 200));
        assert_eq!(fit_box(0, 0, 10, 10), (10, 10));
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"%PDF-1.4 ..."), Sniffed::Other("PDF"));
        assert_eq!(sniff(b"<!DOCTYPE html><html>"), Sniffed::Other("HTML"));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Sniffed::Image(Format::Jpeg)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0"),
            Sniffed::Image(Format::Heic)
        );
    }

    #[test]
    fn fit_keeps_aspect_and_never_upscales() {
        assert_eq!(fit_size(4000, 3000, 1000), (1000, 750));
        assert_eq!(fit_size(3000, 4000, 320), (240, 320));
        assert_eq!(fit_size(800, 600, 1000), (800, 600));
    }

    #[test]
    fn refuses_bombs_from_the_header() {
        // A PNG header declaring 60000 x 60000 pixels, with no pixel data at all.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(60000u32.to_be_bytes());
        png.extend(60000u32.to_be_bytes());
        png.extend([8, 2, 0, 0, 0]);
        let crc = crc32(&png[12..]);
        png.extend(crc.to_be_bytes());
        for chunk in [&b"IDAT"[..], b"IEND"] {
            png.extend(0u32.to_be_bytes());
            png.extend(chunk);
            png.extend(crc32(chunk).to_be_bytes());
        }
        let err = decode(&png, Format::Png, None, 1000, 200_000_000).unwrap_err();
        assert_eq!(
            err,
            DecodeError::TooManyPixels {
                width: 60000,
                height: 60000
            }
        );
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
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
}

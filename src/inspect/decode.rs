//! Decoding: format sniffing, header facts, and one scaled decode that serves every derived
//! image.
//!
//! In: a file's bytes. Out: the format, the stored dimensions, and upright RGB pixels no larger
//! than needed for the preview. Invariants: a JPEG is never decoded at full resolution to make a
//! preview (DCT scaling picks 1/2, 1/4 or 1/8); an image declaring more pixels than the profile's
//! limit is refused from its header, before any pixel buffer is allocated; orientation is applied
//! to the small image, never the large one.

use std::io::Cursor;

use fast_image_resize as fr;
use image::{DynamicImage, ImageFormat, RgbImage, metadata::Orientation};

use crate::photo::Format;

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
    /// The image data is corrupt (see `entropy`): why, when it is.
    pub corrupt: Option<String>,
    /// Upright pixels, long edge at most the requested size (smaller images are kept as they are).
    pub pixels: RgbImage,
}

/// Decodes an image scaled so its long edge is at least `min_long_edge` where the image is that
/// large, applies `orientation`, and resizes it to at most `min_long_edge`.
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
    let mut decoded = match format {
        Format::Jpeg => decode_jpeg(bytes, min_long_edge, max_pixels)?,
        _ => decode_with_image(bytes, format, max_pixels)?,
    };
    let resized = fit(&decoded.pixels, min_long_edge);
    let mut image = DynamicImage::ImageRgb8(resized);
    if let Some(o) = orientation
        .and_then(|o| u8::try_from(o).ok())
        .and_then(Orientation::from_exif)
    {
        image.apply_orientation(o);
    }
    decoded.pixels = image.into_rgb8();
    Ok(decoded)
}

fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), DecodeError> {
    if u64::from(width) * u64::from(height) > max_pixels {
        Err(DecodeError::TooManyPixels { width, height })
    } else {
        Ok(())
    }
}

fn decode_jpeg(bytes: &[u8], min_long_edge: u32, max_pixels: u64) -> Result<Decoded, DecodeError> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let header = decoder.read_info().ok().and_then(|()| decoder.info());
    let Some(info) = header else {
        return decode_with_image(bytes, Format::Jpeg, max_pixels);
    };
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_pixels(width, height, max_pixels)?;
    let request = u16::try_from(min_long_edge).unwrap_or(u16::MAX);
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
    // Where the data runs out early the decoder makes every block after it from the same
    // made-up coefficients: the bottom right of the picture repeats one block (or MCU) over and
    // over. A last row that ends that way is worth a walk through the data (rare, and exact).
    let channels = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::L16 => 2,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    let row = w as usize * channels;
    let flat_tail = raw.len() >= row && row > 0 && tail_repeats(&raw[raw.len() - row..], channels);
    let damage = if flat_tail { corrupt(bytes) } else { None };
    let (w, h) = (u32::from(w), u32::from(h));
    let pixels = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => RgbImage::from_raw(w, h, raw),
        jpeg_decoder::PixelFormat::L8 => {
            image::GrayImage::from_raw(w, h, raw).map(|g| DynamicImage::ImageLuma8(g).into_rgb8())
        }
        // CMYK and 16-bit greyscale are rare: the general decoder handles their colour.
        _ => None,
    };
    match pixels {
        Some(pixels) => Ok(Decoded {
            width,
            height,
            cmyk: false,
            truncated: false,
            corrupt: damage,
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
fn corrupt(bytes: &[u8]) -> Option<String> {
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

/// Full decode through `image`, for every format but the JPEG fast path, with limits.
fn decode_with_image(
    bytes: &[u8],
    format: Format,
    max_pixels: u64,
) -> Result<Decoded, DecodeError> {
    let image_format = image_format(format)
        .ok_or_else(|| DecodeError::Failed(format!("{} is not supported", format.name())))?;
    let reader = || {
        let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image_format);
        let mut limits = image::Limits::default();
        // Room for the decoded image at 16 bits per channel with alpha, plus slack.
        limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
        reader.limits(limits);
        reader
    };
    let (width, height) = reader()
        .into_dimensions()
        .map_err(|e| DecodeError::Failed(e.to_string()))?;
    check_pixels(width, height, max_pixels)?;
    let image = reader()
        .decode()
        .map_err(|e| DecodeError::Failed(e.to_string()))?;
    Ok(Decoded {
        width,
        height,
        cmyk: false,
        truncated: false,
        corrupt: None,
        pixels: image.into_rgb8(),
    })
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

/// Resizes to exactly `width` × `height` (Lanczos3, SIMD).
pub fn resize(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    if (width, height) == image.dimensions() {
        return image.clone();
    }
    let src = fr::images::ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        fr::PixelType::U8x3,
    )
    .expect("an RgbImage buffer matches its size");
    let mut dst = fr::images::Image::new(width, height, fr::PixelType::U8x3);
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    fr::Resizer::new()
        .resize(&src, &mut dst, &options)
        .expect("same pixel type on both sides");
    RgbImage::from_raw(width, height, dst.into_vec()).expect("the resizer fills the buffer")
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

//! Image coding, one service for every stage: sniffing a format, decoding any photo a unit
//! sends (upright, scaled, within a memory budget, a file cut short kept as far as it goes),
//! fitting a picture to a size, and encoding JPEGs.
//!
//! In: bytes and pixels. Out: pixels and JPEG bytes. Used by `inspect` (the only stage that
//! decodes drops' photos), `dedupe` (the thumbnails' luma), `render`, `sheets`, `template`,
//! `book` and `package` (derived pictures). Invariants: nothing here reads or writes files or
//! knows a stage; every third-party decoder is called inside `boundary`'s guard by the caller
//! that hands it untrusted bytes; with the `turbojpeg` feature libjpeg-turbo decodes and
//! encodes JPEGs, otherwise pure-Rust crates do.

pub mod ccitt;
pub mod cut;
pub mod decode;
pub mod entropy;
#[cfg(feature = "heif")]
pub mod heif;
pub mod jxl;
pub mod tiff;

/// Encodes RGB pixels as a baseline JPEG.
///
/// # Errors
/// When the encoder fails (an empty image, or a side over 65,535 pixels).
pub fn encode_jpeg(image: &image::RgbImage, quality: u8) -> std::io::Result<Vec<u8>> {
    // Below quality 90 chroma is subsampled 4:2:0, at 90 and above it is kept 4:4:4.
    #[cfg(feature = "turbojpeg")]
    {
        // libjpeg-turbo's encoder is 2.6x as fast as jpeg-encoder on a 1000 px preview (hot bench).
        let (width, height) = image.dimensions();
        let subsamp = match quality < 90 {
            true => turbojpeg::Subsamp::Sub2x2,
            false => turbojpeg::Subsamp::None,
        };
        let pixels = turbojpeg::Image {
            pixels: image.as_raw().as_slice(),
            width: width as usize,
            pitch: 3 * width as usize,
            height: height as usize,
            format: turbojpeg::PixelFormat::RGB,
        };
        let mut compressor = turbojpeg::Compressor::new().map_err(std::io::Error::other)?;
        compressor
            .set_quality(i32::from(quality))
            .and_then(|()| compressor.set_subsamp(subsamp))
            .and_then(|()| compressor.compress_to_vec(pixels))
            .map_err(std::io::Error::other)
    }
    #[cfg(not(feature = "turbojpeg"))]
    {
        // jpeg-encoder (AVX2 where the CPU has it) is several times faster than image's
        // encoder, which was half of a photo's time.
        encode_jpeg_rust(image, quality)
    }
}

/// [`encode_jpeg()`] with jpeg-encoder, the pure-Rust encoder.
///
/// # Errors
/// When the encoder fails (an empty image, or a side over 65,535 pixels).
pub fn encode_jpeg_rust(image: &image::RgbImage, quality: u8) -> std::io::Result<Vec<u8>> {
    let (width, height) = image.dimensions();
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(std::io::Error::other(format!(
            "{width}x{height} is too large for a JPEG"
        )));
    };
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, quality)
        .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(std::io::Error::other)?;
    Ok(bytes)
}

/// The longest edge a derived thumbnail is read with (they are a few hundred pixels across): a
/// damaged header asking for more is not believed.
const MAX_THUMBNAIL_EDGE: usize = 4096;

/// A JPEG's luma plane (Y of YCbCr, the grey of a grey JPEG): the decoder leaves out the colour
/// planes' transforms and the colour conversion, a third of the time of decoding to RGB and
/// weighing the channels. With the `turbojpeg` feature, libjpeg-turbo's (half zune-jpeg's time
/// on these thumbnails, see `benches/README.md`).
#[cfg(feature = "turbojpeg")]
pub fn grey_jpeg(bytes: &[u8]) -> Option<image::GrayImage> {
    use turbojpeg::{Decompressor, Image, PixelFormat};
    let mut decompressor = Decompressor::new().ok()?;
    let header = decompressor.read_header(bytes).ok()?;
    if header.width.max(header.height) > MAX_THUMBNAIL_EDGE {
        return None;
    }
    let mut pixels = vec![0u8; header.width * header.height];
    let image = Image {
        pixels: &mut pixels[..],
        width: header.width,
        pitch: header.width,
        height: header.height,
        format: PixelFormat::GRAY,
    };
    decompressor.decompress(bytes, image).ok()?;
    image::GrayImage::from_raw(
        u32::try_from(header.width).ok()?,
        u32::try_from(header.height).ok()?,
        pixels,
    )
}

/// A JPEG's luma plane (Y of YCbCr, the grey of a grey JPEG): the decoder leaves out the colour
/// planes' transforms and the colour conversion, a third of the time of decoding to RGB and
/// weighing the channels.
#[cfg(not(feature = "turbojpeg"))]
pub fn grey_jpeg(bytes: &[u8]) -> Option<image::GrayImage> {
    use zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(MAX_THUMBNAIL_EDGE)
        .set_max_height(MAX_THUMBNAIL_EDGE);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let pixels = decoder.decode().ok()?;
    let info = decoder.info()?;
    image::GrayImage::from_raw(u32::from(info.width), u32::from(info.height), pixels)
}

/// A JPEG's frame header: size, colour components, sample precision (bits), and how it is
/// coded (progressive, lossless, arithmetic rather than Huffman).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JpegFrame {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) components: u8,
    pub(crate) precision: u8,
    pub(crate) progressive: bool,
    pub(crate) lossless: bool,
    pub(crate) arithmetic: bool,
}

/// The first frame header (SOFn) of a JPEG, found by walking its marker segments.
pub(crate) fn jpeg_frame(bytes: &[u8]) -> Option<JpegFrame> {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        if marker == 0x01 || (0xD0..=0xD8).contains(&marker) {
            at += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let frame = bytes.get(at + 4..at + 10)?;
            // SOF0–3 Huffman, SOF9–11 arithmetic (baseline/extended, progressive, lossless);
            // SOF5–7 and SOF13–15 are their hierarchical forms.
            return Some(JpegFrame {
                precision: frame[0],
                height: u32::from(u16::from_be_bytes([frame[1], frame[2]])),
                width: u32::from(u16::from_be_bytes([frame[3], frame[4]])),
                components: frame[5],
                progressive: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
                lossless: matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF),
                arithmetic: marker >= 0xC9,
            });
        }
        if marker == 0xDA || len < 2 {
            return None;
        }
        at += 2 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_jpeg_reads_the_luma_plane_and_refuses_what_is_not_a_jpeg() {
        let rgb = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
        });
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgb8(rgb.clone())
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        let grey = grey_jpeg(&bytes).expect("a JPEG decodes");
        assert_eq!(grey.dimensions(), (64, 48));
        // Within a few levels of the colours weighed into luma (the JPEG's rounding aside).
        for (x, y, g) in grey.enumerate_pixels() {
            let [r, gr, b] = rgb.get_pixel(x, y).0.map(f64::from);
            let luma = 0.299 * r + 0.587 * gr + 0.114 * b;
            assert!((f64::from(g.0[0]) - luma).abs() <= 6.0, "({x}, {y})");
        }
        assert!(grey_jpeg(b"%PDF-1.4 not a photo").is_none());
        assert!(grey_jpeg(&bytes[..bytes.len() / 3]).is_none_or(|g| g.dimensions() == (64, 48)));
        assert!(grey_jpeg(&[]).is_none());
    }
}

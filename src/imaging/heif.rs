//! HEIC/HEIF and AVIF decoding through the system's libheif (the `heif` feature): the primary
//! image, upright, as RGB.
//!
//! In: a HEIF-family file's bytes (HEVC or AV1 coded, single images and grids, 8 to 12 bits).
//! Out: the primary image as RGB8, with the container's transformations applied by libheif
//! (`irot`, `imir`, `clap`), which is what makes it upright: an EXIF orientation inside the
//! container is informative only and never applied again. EXIF and XMP are read from the
//! container by `metadata` and `xmp` like a JPEG's, without libheif.
//! Invariants: the pixel count is checked against the limit from the primary image's `ispe`
//! before anything is decoded; one decoding thread per file (files are decoded in parallel).

use image::RgbImage;
use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};

use super::decode::{DecodeError, Decoded};

/// Decodes the primary image: see the module's header.
///
/// # Errors
/// `TooManyPixels` from the header; `Failed` when libheif cannot read the file (`truncated`
/// when its data ends early).
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, DecodeError> {
    let failed = |e: libheif_rs::HeifError| {
        let text = format!("{e:?}");
        if text.contains("EndOfData") || text.contains("End of data") {
            DecodeError::Failed("truncated".into())
        } else {
            DecodeError::Failed(format!("HEIF: {}", e.message))
        }
    };
    let mut context = HeifContext::read_from_bytes(bytes).map_err(failed)?;
    context.set_max_decoding_threads(1);
    let handle = context.primary_image_handle().map_err(failed)?;
    // The stored size (`ispe`, before `irot`), as a JPEG's is before its EXIF orientation.
    let (width, height) = match (
        u32::try_from(handle.ispe_width()),
        u32::try_from(handle.ispe_height()),
    ) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => (handle.width(), handle.height()),
    };
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeError::TooManyPixels { width, height });
    }
    let image = LibHeif::new()
        .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None)
        .map_err(failed)?;
    let plane = image
        .planes()
        .interleaved
        .ok_or_else(|| DecodeError::Failed("HEIF: no interleaved RGB plane".into()))?;
    let (w, h) = (plane.width, plane.height);
    let row = w as usize * 3;
    let mut rgb = Vec::with_capacity(row * h as usize);
    for y in 0..h as usize {
        let start = y * plane.stride;
        let line = plane
            .data
            .get(start..start + row)
            .ok_or_else(|| DecodeError::Failed("HEIF: a short plane".into()))?;
        rgb.extend_from_slice(line);
    }
    let pixels = RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| DecodeError::Failed("HEIF: the image does not match its size".into()))?;
    Ok(Decoded::whole(width, height, pixels))
}

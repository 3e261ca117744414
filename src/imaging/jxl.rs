//! JPEG XL decoding through jxl-oxide (pure Rust): the first frame, upright, as RGB.
//!
//! In: a JPEG XL file's bytes (bare codestream or container). Out: its first frame as RGB8 with
//! the codestream's orientation applied (JPEG XL's orientation is the codestream's, never an
//! EXIF tag's), and whether the data ended early: a truncated file gives what its loaded groups
//! show (progressive passes, or the groups that arrived), the rest as the decoder leaves it.
//! Invariants: the pixel count is checked against the limit from the image header, before the
//! renderer allocates any frame; one thread per file (files are decoded in parallel already).

use image::RgbImage;
use jxl_oxide::{InitializeResult, JxlImage, JxlThreadPool};

use super::decode::{DecodeError, Decoded};

/// Decodes the first frame of a JPEG XL image: see the module's header.
///
/// # Errors
/// `TooManyPixels` from the header; `Failed` when the header or every frame is unreadable
/// (`truncated` when the file ends before a frame could begin).
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, DecodeError> {
    let failed =
        |e: Box<dyn std::error::Error + Send + Sync>| DecodeError::Failed(format!("JPEG XL: {e}"));
    let mut uninit = JxlImage::builder()
        .pool(JxlThreadPool::none())
        .build_uninit();
    uninit.feed_bytes(bytes).map_err(failed)?;
    let mut image = match uninit.try_init().map_err(failed)? {
        InitializeResult::Initialized(image) => image,
        InitializeResult::NeedMoreData(_) => return Err(DecodeError::Failed("truncated".into())),
    };
    let size = &image.image_header().size;
    let (width, height) = (size.width, size.height);
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeError::TooManyPixels { width, height });
    }
    let complete = image.num_loaded_keyframes() > 0;
    let render = if complete {
        image.render_frame(0)
    } else {
        image.render_loading_frame()
    };
    let render = render.map_err(|e| match complete {
        true => failed(e),
        false => DecodeError::Failed("truncated".into()),
    })?;
    let mut stream = render.stream_no_alpha();
    let (w, h, channels) = (stream.width(), stream.height(), stream.channels() as usize);
    let mut samples = vec![0u8; w as usize * h as usize * channels];
    stream.write_to_buffer(&mut samples);
    let rgb: Vec<u8> = match channels {
        3 => samples,
        1 => samples.iter().flat_map(|&g| [g, g, g]).collect(),
        2 => samples.chunks_exact(2).flat_map(|p| [p[0]; 3]).collect(),
        // CMYK: the black channel follows the colour channels.
        4 => samples
            .chunks_exact(4)
            .flat_map(|p| {
                let k = u32::from(p[3]);
                [p[0], p[1], p[2]].map(|c| (u32::from(c) * k / 255) as u8)
            })
            .collect(),
        n => {
            return Err(DecodeError::Failed(format!("JPEG XL: {n} colour channels")));
        }
    };
    Ok(Decoded {
        width,
        height,
        cmyk: channels == 4,
        truncated: !complete,
        corrupt: None,
        pages: None,
        pixels: RgbImage::from_raw(w, h, rgb).ok_or_else(|| {
            DecodeError::Failed("JPEG XL: the frame does not match its size".into())
        })?,
    })
}

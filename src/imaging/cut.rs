//! PNG, BMP and GIF files the `image` decoders refuse whole or misread: cut short (what arrived,
//! as a picture, and the word that the rest is missing), or a GIF with an extension block of a
//! kind the decoder does not know (left out, as GIF readers do).
//!
//! In: the bytes of a file `image` could not decode (PNG, BMP, GIF) or decoded (GIF). Out: the
//! rows that arrived as RGB8 with the rest grey (PNG, BMP), whether a GIF's blocks run past the
//! file's end, or the GIF without its unknown extension blocks. Invariants: only called after the pixel count was checked from the header;
//! a BMP is padded at most to the size its header declares.

use std::io::Cursor;

use image::RgbImage;

use super::decode::{DecodeError, Decoded};

/// The rows of a non-interlaced PNG that arrived before its data broke off; `None` when the
/// header is unreadable, the PNG is interlaced, or every row arrived (the fault is elsewhere).
/// [`png_is_cut`] tells an interlaced one cut short.
pub fn png(bytes: &[u8]) -> Option<Decoded> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let info = reader.info();
    if info.interlaced {
        return None;
    }
    let (width, height) = (info.width, info.height);
    let (colour, _) = reader.output_color_type();
    let channels = colour.samples();
    let mut pixels = RgbImage::from_pixel(width, height, image::Rgb([128, 128, 128]));
    let mut y = 0;
    while let Ok(Some(row)) = reader.next_row() {
        if y >= height {
            break;
        }
        let data = row.data();
        for (x, p) in data.chunks_exact(channels).take(width as usize).enumerate() {
            let rgb = match channels {
                1 | 2 => [p[0]; 3],
                _ => [p[0], p[1], p[2]],
            };
            pixels.put_pixel(x as u32, y, image::Rgb(rgb));
        }
        y += 1;
    }
    (y > 0 && y < height).then_some(Decoded {
        truncated: true,
        ..Decoded::whole(width, height, pixels)
    })
}

/// Whether a JPEG ends before its end-of-image marker: inside a segment, between segments, or
/// in the entropy-coded data of its last scan. False for bytes whose marker structure breaks
/// before their end (damaged, not cut short), and for anything after an end-of-image marker.
pub fn jpeg_is_cut(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut at = 2;
    loop {
        // Fill bytes before a marker are allowed.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&ff), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            // Ends between segments (or on a lone 0xFF).
            return true;
        };
        if ff != 0xFF {
            return false;
        }
        at += 2;
        match marker {
            0xD9 => return false,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(length) = bytes
            .get(at..at + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return true;
        };
        if length < 2 {
            return false;
        }
        at += length;
        if at > bytes.len() {
            return true;
        }
        if marker == 0xDA {
            // Entropy-coded data: up to the next marker that is neither a stuffed zero nor a
            // restart.
            loop {
                match memchr::memchr(0xFF, &bytes[at..]) {
                    None => return true,
                    Some(i) => at += i,
                }
                match bytes.get(at + 1) {
                    None => return true,
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => at += 1,
                    Some(_) => break,
                }
            }
        }
    }
}

/// Whether a PNG ends before its `IEND` chunk.
pub fn png_is_cut(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"IEND").is_none()
}

/// A BMP shorter than its header says, padded with zeros to that size and decoded: the rows
/// that arrived, the rest black (zeros: also the end of an RLE image). `None` when the file is
/// not short.
pub fn bmp(bytes: &[u8]) -> Option<Result<Decoded, DecodeError>> {
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let declared = u32_at(2)? as usize;
    let offset = u32_at(10)? as usize;
    let header = u32_at(14)?;
    // BITMAPCOREHEADER (OS/2) has 16-bit sizes and no compression field.
    let (width, height, bits, compression) = if header == 12 {
        let u16_at = |at: usize| {
            bytes
                .get(at..at + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
        };
        (
            u32::from(u16_at(18)?),
            u32::from(u16_at(20)?),
            u32::from(u16_at(24)?),
            0,
        )
    } else {
        let h = u32_at(22)? as i32;
        let bits = bytes
            .get(28..30)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))?;
        (u32_at(18)?, h.unsigned_abs(), u32::from(bits), u32_at(30)?)
    };
    // A header may declare any sizes: a product past 64 bits is no cut file to pad.
    let stride = (u64::from(width) * u64::from(bits)).div_ceil(32) * 4;
    let raw = stride
        .checked_mul(u64::from(height))?
        .checked_add(offset as u64)?;
    // Uncompressed data has a known size; RLE data has the size the header declares.
    let whole = if compression == 0 {
        raw.max(declared as u64)
    } else {
        declared as u64
    };
    let whole = usize::try_from(whole).ok()?;
    if whole <= bytes.len() || whole > bytes.len().saturating_mul(64).max(1 << 20) {
        return None;
    }
    let mut padded = bytes.to_vec();
    padded.resize(whole, 0);
    let image = image::load_from_memory_with_format(&padded, image::ImageFormat::Bmp);
    Some(
        image
            .map(|image| Decoded {
                truncated: true,
                ..Decoded::whole(image.width(), image.height(), image.into_rgb8())
            })
            .map_err(|_| DecodeError::Failed("truncated".into())),
    )
}

/// Whether a GIF's blocks run past the file's end before its trailer.
pub fn gif_is_cut(bytes: &[u8]) -> bool {
    let Some(&flags) = bytes.get(10) else {
        return true;
    };
    let mut at = 13 + gif_table(flags);
    loop {
        match bytes.get(at) {
            None => return true,
            Some(0x21) => match gif_sub_blocks(bytes, at + 2) {
                Some(next) => at = next,
                None => return true,
            },
            Some(0x2C) => {
                let Some(&local) = bytes.get(at + 9) else {
                    return true;
                };
                // Descriptor, local table, LZW minimum code size, then the data.
                match gif_sub_blocks(bytes, at + 10 + gif_table(local) + 1) {
                    Some(next) => at = next,
                    None => return true,
                }
            }
            // The trailer, or something no GIF has: not a cut.
            Some(_) => return false,
        }
    }
}

/// The GIF without its extension blocks of unknown kinds (labels other than plain text, graphic
/// control, comment and application); `None` when it has none, or its blocks are unreadable.
pub fn gif_without_unknown_extensions(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut at = 13 + gif_table(*bytes.get(10)?);
    let mut kept = bytes.get(..at)?.to_vec();
    let mut dropped = false;
    loop {
        match *bytes.get(at)? {
            0x21 => {
                let label = *bytes.get(at + 1)?;
                let next = gif_sub_blocks(bytes, at + 2)?;
                if matches!(label, 0x01 | 0xF9 | 0xFE | 0xFF) {
                    kept.extend_from_slice(&bytes[at..next]);
                } else {
                    dropped = true;
                }
                at = next;
            }
            0x2C => {
                let local = *bytes.get(at + 9)?;
                let next = gif_sub_blocks(bytes, at + 10 + gif_table(local) + 1)?;
                kept.extend_from_slice(&bytes[at..next]);
                at = next;
            }
            _ => {
                kept.extend_from_slice(&bytes[at..]);
                return dropped.then_some(kept);
            }
        }
    }
}

/// The length in bytes of the colour table a GIF screen or image descriptor's `flags` announce.
fn gif_table(flags: u8) -> usize {
    if flags & 0x80 != 0 {
        3 << ((flags & 7) + 1)
    } else {
        0
    }
}

/// Walks a GIF's data sub-blocks from `at`: where the byte after their terminator is, or `None`
/// when they run past the end.
fn gif_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *bytes.get(at)? as usize;
        at += 1 + len;
        if len == 0 {
            return Some(at);
        }
    }
}

#[cfg(test)]
mod tests {

    /// Headers from a fuzzing run: sizes whose product passes 64 bits, and a header that ends
    /// inside its bit count. Neither is a cut file to pad, and neither may panic.
    #[test]
    fn impossible_bmp_headers_are_not_padded() {
        let mut huge = b"BM\xae\0\0\0\0\0\0\x006\0\0\0(\0\0\0".to_vec();
        huge.extend([
            0x07, 0, 0, 0xc8, 0x5a, 0x1e, 0xc8, 0x5a, 0x1e, 0xc8, 0x5a, 0x1e,
        ]);
        huge.extend([0xc8, 0x5a, 0x1e, 0xc8, 0, 0, 0, 0x5a]);
        assert!(bmp(&huge).is_none());
        assert!(bmp(&huge[..29]).is_none());
    }
    use super::*;

    #[test]
    fn a_jpeg_cut_anywhere_is_told_from_a_whole_or_damaged_one() {
        let root = env!("CARGO_MANIFEST_DIR");
        for name in [
            "drops/克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg",
            "formats/jpeg-progressive.jpg",
            "formats/jpeg-lossless.jpg",
            "formats/jpeg-cmyk.jpg",
            "formats/jpeg-arithmetic.jpg",
        ] {
            let jpeg = std::fs::read(format!("{root}/fixtures/{name}")).unwrap();
            jpeg_cut_at_every_place(&jpeg, name);
        }
        // Damaged, not cut: a marker's place holds something else.
        let mut damaged = vec![0xFF, 0xD8];
        damaged.extend(b"not a marker at all");
        assert!(!jpeg_is_cut(&damaged));
        assert!(!jpeg_is_cut(b"%PDF-1.4"));
    }

    fn jpeg_cut_at_every_place(jpeg: &[u8], name: &str) {
        assert!(!jpeg_is_cut(jpeg), "{name}");
        // Bytes after the end-of-image marker (a phone's trailer) do not make it cut.
        let mut trailer = jpeg.to_vec();
        trailer.extend(b"trailer");
        assert!(!jpeg_is_cut(&trailer), "{name}");
        // Cut inside the first segments, their data, the scan, and just before the end marker.
        let step = (jpeg.len() / 97).max(1);
        for cut in (3..jpeg.len())
            .step_by(step)
            .chain([jpeg.len() - 2, jpeg.len() - 1])
        {
            assert!(jpeg_is_cut(&jpeg[..cut]), "{name} cut at {cut}");
        }
    }

    #[test]
    fn a_gif_cut_inside_its_first_frame_is_told_from_a_whole_one() {
        // Header, a 1 x 1 screen without a table, one frame with one data block, the trailer.
        let mut gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec();
        gif.extend(b"\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x4C\x01\x00\x3B");
        assert!(!gif_is_cut(&gif));
        assert!(gif_is_cut(&gif[..gif.len() - 3]));
        assert!(gif_is_cut(&gif[..8]));
        // An extension of an unknown kind (label 0x99) after the screen: left out.
        let mut odd = gif[..13].to_vec();
        odd.extend(b"\x21\x99\x02ab\x00");
        odd.extend(&gif[13..]);
        assert_eq!(gif_without_unknown_extensions(&odd), Some(gif.clone()));
        assert_eq!(gif_without_unknown_extensions(&gif), None);
    }
}

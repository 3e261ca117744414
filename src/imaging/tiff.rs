//! TIFF decoding: the first page of any TIFF a scanner, camera, fax or archive writes, as RGB.
//!
//! In: a TIFF file's bytes. Out: the first full-resolution page as RGB8 pixels (not yet turned
//! by its Orientation tag: [`super::decode`] does that), how many pages the file holds, and
//! whether its data ends early (the rows decoded before the break are kept, the rest is grey).
//!
//! Read here: strips and tiles, contiguous and separate planes; no compression, LZW, Deflate,
//! PackBits, JPEG (grey, RGB, YCbCr at any subsampling), old-style JPEG with its interchange
//! stream, CCITT modified Huffman, G3 (1-D and 2-D) and G4; 1, 2, 4, 8, 16, 32 and 64-bit
//! samples, unsigned, signed and floating point, with the horizontal and floating-point
//! predictors; grey (either polarity), RGB, RGBA, palette, CMYK, YCbCr, CIE Lab and ICC Lab.
//! The directory is parsed here (plain and BigTIFF); the codecs are crates: weezl (LZW), flate2
//! (Deflate), zune-jpeg (JPEG), fax (CCITT, with [`super::ccitt`] for the codings it does not
//! decode whole).
//!
//! Invariants: the pixel count is checked against the limit from the directory before any
//! pixel buffer is allocated; every offset and count is checked against the file; no codec
//! writes more than the chunk it fills (a compression bomb stops at the chunk's size).
//!
//! Size: about 1,050 lines of code and 110 of tests, kept in one file on purpose: one TIFF
//! directory reader whose parts (tags, chunk layout, codecs, predictors, sample scaling,
//! colour) all work on one `Page`; the CCITT codes, the one part that stands alone, are in
//! `ccitt.rs`.

use std::collections::HashMap;
use std::io::Read;

use image::RgbImage;

use super::decode::{DecodeError, Decoded};
use crate::photo::Damage;

/// Directory entries read at most from one IFD (real files have a few dozen).
const MAX_ENTRIES: u64 = 4096;
/// Pages counted at most (a longer chain is counted as this many).
const MAX_PAGES: u32 = 10_000;
/// The largest strip or tile accepted, in decoded bytes.
const MAX_CHUNK: u64 = 1 << 30;

/// Decodes the first page of a TIFF: see the module's header.
///
/// # Errors
/// `TooManyPixels` from the directory alone; `Failed` for a layout or codec this reader does not
/// know, or when not one strip or tile could be decoded.
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, DecodeError> {
    if bytes.len() < 16 {
        // The header alone, or less: a TIFF cut short (the sniffer saw its first bytes).
        return Err(DecodeError::Failed("truncated".into()));
    }
    let file = File::open(bytes).ok_or_else(|| failed("not a TIFF header"))?;
    // Writers put the directory after the data: a file cut short loses it first.
    if usize::try_from(file.first).map_or(true, |at| at >= bytes.len()) {
        return Err(DecodeError::Failed("truncated".into()));
    }
    let first = file
        .ifd(file.first)
        .ok_or_else(|| failed("the first directory is unreadable"))?;
    // The declared size first: a bomb is refused as one whatever else its directory gets wrong.
    if let (Some(width), Some(height)) = (first.uint(256), first.uint(257))
        && width.saturating_mul(height) > max_pixels
    {
        let side = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        return Err(DecodeError::TooManyPixels {
            width: side(width),
            height: side(height),
        });
    }
    let page = Page::read(&first)?;
    let (width, height) = (page.width, page.height);
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeError::TooManyPixels { width, height });
    }
    let (pages, cut) = file.pages();
    let mut decoded = if page.compression == 6 {
        old_jpeg(bytes, &first, &page)?
    } else {
        page.decode(bytes, &file)?
    };
    decoded.pages = (pages > 1).then_some(pages);
    decoded.truncated |= cut;
    Ok(decoded)
}

fn failed(reason: impl Into<String>) -> DecodeError {
    DecodeError::Failed(format!("TIFF: {}", reason.into()))
}

/// The file: byte order, plain or BigTIFF, where the first directory is.
struct File<'a> {
    bytes: &'a [u8],
    little: bool,
    big: bool,
    first: u64,
}

/// One directory entry: its type, count, and where its value's bytes start.
#[derive(Clone, Copy)]
struct Entry {
    kind: u16,
    count: u64,
    at: usize,
}

/// One directory: its entries by tag, and the offset of the next.
struct Ifd<'a> {
    file: &'a File<'a>,
    entries: HashMap<u16, Entry>,
    next: u64,
}

impl<'a> File<'a> {
    fn open(bytes: &'a [u8]) -> Option<File<'a>> {
        let little = match bytes.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let mut file = File {
            bytes,
            little,
            big: false,
            first: 0,
        };
        match file.uint(2, 2)? {
            42 => file.first = file.uint(4, 4)?,
            43 => {
                file.big = true;
                file.first = file.uint(8, 8)?;
            }
            _ => return None,
        }
        Some(file)
    }

    /// An unsigned integer of `size` bytes at `at`, in the file's byte order.
    fn uint(&self, at: usize, size: usize) -> Option<u64> {
        let raw = self.bytes.get(at..at.checked_add(size)?)?;
        Some(if self.little {
            raw.iter().rev().fold(0, |v, &b| (v << 8) | u64::from(b))
        } else {
            raw.iter().fold(0, |v, &b| (v << 8) | u64::from(b))
        })
    }

    fn ifd(&self, offset: u64) -> Option<Ifd<'_>> {
        let at = usize::try_from(offset).ok()?;
        let (count_size, entry_size, inline) = if self.big { (8, 20, 8) } else { (2, 12, 4) };
        let count = self.uint(at, count_size)?.min(MAX_ENTRIES);
        let mut entries = HashMap::new();
        let start = at + count_size;
        for i in 0..count as usize {
            let e = start + i * entry_size;
            let (Some(tag), Some(kind)) = (self.uint(e, 2), self.uint(e + 2, 2)) else {
                break;
            };
            let n = if self.big {
                self.uint(e + 4, 8)
            } else {
                self.uint(e + 4, 4)
            };
            let (Some(n), Some(size)) = (n, type_size(kind as u16)) else {
                continue;
            };
            let value = e + if self.big { 12 } else { 8 };
            let at = if n.saturating_mul(size as u64) <= inline as u64 {
                value
            } else {
                match self
                    .uint(value, inline)
                    .and_then(|o| usize::try_from(o).ok())
                {
                    Some(o) => o,
                    None => continue,
                }
            };
            entries.entry(tag as u16).or_insert(Entry {
                kind: kind as u16,
                count: n,
                at,
            });
        }
        let next = self
            .uint(
                start + count as usize * entry_size,
                if self.big { 8 } else { 4 },
            )
            .unwrap_or(0);
        Some(Ifd {
            file: self,
            entries,
            next,
        })
    }

    /// Pages in the main chain of directories (reduced-resolution copies not counted), and
    /// whether the chain points past the file's end (a file cut short after its first page).
    fn pages(&self) -> (u32, bool) {
        let mut seen = std::collections::HashSet::new();
        let (mut offset, mut pages) = (self.first, 0u32);
        while offset != 0 && pages < MAX_PAGES && seen.insert(offset) {
            let Some(ifd) = self.ifd(offset) else {
                let past_end = usize::try_from(offset).map_or(true, |o| o >= self.bytes.len());
                return (pages.max(1), past_end);
            };
            if ifd.uint(254).unwrap_or(0) & 1 == 0 {
                pages += 1;
            }
            offset = ifd.next;
        }
        (pages.max(1), false)
    }
}

fn type_size(kind: u16) -> Option<usize> {
    Some(match kind {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => return None,
    })
}

impl Ifd<'_> {
    /// Every value of an integer tag (BYTE, SHORT, LONG, LONG8, IFD), or `None` when absent,
    /// of another type, or running past the file's end.
    fn uints(&self, tag: u16) -> Option<Vec<u64>> {
        let e = self.entries.get(&tag)?;
        let size = match e.kind {
            1 | 7 => 1,
            3 => 2,
            4 | 13 => 4,
            16 | 18 => 8,
            _ => return None,
        };
        let count = usize::try_from(e.count).ok()?;
        let end = e.at.checked_add(count.checked_mul(size)?)?;
        if end > self.file.bytes.len() {
            return None;
        }
        (0..count)
            .map(|i| self.file.uint(e.at + i * size, size))
            .collect()
    }

    fn uint(&self, tag: u16) -> Option<u64> {
        self.uints(tag)?.first().copied()
    }

    /// The bytes of a BYTE or UNDEFINED tag.
    fn bytes(&self, tag: u16) -> Option<&[u8]> {
        let e = self.entries.get(&tag)?;
        let end = e.at.checked_add(usize::try_from(e.count).ok()?)?;
        self.file.bytes.get(e.at..end)
    }
}

/// What one page's directory says about its pixels.
struct Page {
    width: u32,
    height: u32,
    bits: u32,
    samples: usize,
    /// SampleFormat: 1 unsigned, 2 signed, 3 floating point.
    format: u64,
    photometric: u64,
    compression: u64,
    planar: bool,
    predictor: u64,
    fill_order_reversed: bool,
    /// Chunk size: the tile, or the image's width by the rows per strip.
    chunk_w: u32,
    chunk_h: u32,
    tiled: bool,
    offsets: Vec<u64>,
    counts: Vec<u64>,
    colormap: Vec<u64>,
    jpeg_tables: Option<Vec<u8>>,
    subsampling: (u64, u64),
    t4_options: u64,
}

impl Page {
    fn read(ifd: &Ifd<'_>) -> Result<Page, DecodeError> {
        let width = ifd.uint(256).ok_or_else(|| failed("no width"))?;
        let height = ifd.uint(257).ok_or_else(|| failed("no height"))?;
        let (width, height) = match (u32::try_from(width), u32::try_from(height)) {
            (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
            _ => return Err(failed(format!("dimensions {width} x {height}"))),
        };
        let samples = ifd.uint(277).unwrap_or(1).clamp(1, 64) as usize;
        let bits = ifd.uints(258).unwrap_or_else(|| vec![1]);
        if bits.iter().any(|&b| b != bits[0]) {
            return Err(failed(format!("mixed bits per sample {bits:?}")));
        }
        let bits = bits[0] as u32;
        let format = ifd.uint(339).unwrap_or(1);
        let compression = ifd.uint(259).unwrap_or(1);
        let fax = matches!(compression, 2..=4);
        let photometric = match ifd.uint(262) {
            Some(p) => p,
            None if fax => 0,
            None if samples >= 3 => 2,
            None => 1,
        };
        let ok_bits = match format {
            3 => matches!(bits, 16 | 32 | 64),
            1 | 2 => matches!(bits, 1 | 2 | 4 | 8 | 16 | 32),
            _ => false,
        };
        if !ok_bits {
            return Err(failed(format!(
                "{bits}-bit samples of format {format} are not supported"
            )));
        }
        let tiled = ifd.entries.contains_key(&322);
        let (chunk_w, chunk_h, offsets, counts) = if tiled {
            let tw = ifd.uint(322).unwrap_or(0);
            let th = ifd.uint(323).unwrap_or(0);
            (tw, th, ifd.uints(324), ifd.uints(325))
        } else {
            let rows = ifd.uint(278).unwrap_or(u64::from(height));
            (
                u64::from(width),
                rows.clamp(1, u64::from(height)),
                ifd.uints(273),
                ifd.uints(279),
            )
        };
        let planar = ifd.uint(284).unwrap_or(1) == 2 && samples > 1;
        let chunk_samples = if planar { 1 } else { samples as u64 };
        let chunk_bytes = (chunk_w * chunk_samples * u64::from(bits)).div_ceil(8) * chunk_h;
        if chunk_w == 0 || chunk_h == 0 || chunk_w > 1 << 20 || chunk_bytes > MAX_CHUNK {
            return Err(failed(format!("chunks of {chunk_w} x {chunk_h}")));
        }
        let offsets = offsets.ok_or_else(|| failed("no strip or tile offsets"))?;
        let counts = match counts {
            Some(counts) => counts,
            // Uncompressed data may leave out its byte counts: each chunk is its full size.
            None if compression == 1 => vec![chunk_bytes; offsets.len()],
            None => return Err(failed("no strip or tile byte counts")),
        };
        let subsampling = match ifd.uints(530).as_deref() {
            Some([h, v, ..]) => (*h, *v),
            _ => (2, 2),
        };
        Ok(Page {
            width,
            height,
            bits,
            samples,
            format,
            photometric,
            compression,
            planar,
            predictor: ifd.uint(317).unwrap_or(1),
            fill_order_reversed: ifd.uint(266) == Some(2),
            chunk_w: chunk_w as u32,
            chunk_h: chunk_h as u32,
            tiled,
            offsets,
            counts,
            colormap: ifd.uints(320).unwrap_or_default(),
            jpeg_tables: ifd.bytes(347).map(<[u8]>::to_vec),
            subsampling,
            t4_options: ifd.uint(292).unwrap_or(0),
        })
    }

    /// Samples held in one chunk per pixel.
    fn chunk_samples(&self) -> usize {
        if self.planar { 1 } else { self.samples }
    }

    fn decode(&self, bytes: &[u8], file: &File<'_>) -> Result<Decoded, DecodeError> {
        let colour = Colour::of(self)?;
        let (w, h) = (self.width as usize, self.height as usize);
        let spp = self.samples;
        // Each sample scaled to 8 bits, interleaved; what is never decoded stays mid-grey.
        let mut samples = colour.fill(spp).repeat(w * h);
        let across = w.div_ceil(self.chunk_w as usize);
        let down = h.div_ceil(self.chunk_h as usize);
        let planes = if self.planar { spp } else { 1 };
        let (mut truncated, mut decoded_any, mut error) = (false, false, None);
        for plane in 0..planes {
            for index in 0..across * down {
                let chunk = plane * across * down + index;
                let (x0, y0) = (
                    (index % across) * self.chunk_w as usize,
                    (index / across) * self.chunk_h as usize,
                );
                let cols = if self.tiled { self.chunk_w as usize } else { w };
                let rows = if self.tiled {
                    self.chunk_h as usize
                } else {
                    (self.chunk_h as usize).min(h - y0)
                };
                let (Some(&offset), Some(&count)) =
                    (self.offsets.get(chunk), self.counts.get(chunk))
                else {
                    truncated = true;
                    continue;
                };
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                let end = usize::try_from(offset.saturating_add(count)).unwrap_or(usize::MAX);
                let data = bytes.get(start.min(bytes.len())..end.min(bytes.len()));
                let data = data.unwrap_or_default();
                if end > bytes.len() {
                    truncated = true;
                }
                if data.is_empty() {
                    continue;
                }
                if self.inflates_in_place() {
                    let row_bytes = w * spp;
                    let rows_here = &mut samples[y0 * row_bytes..(y0 + rows) * row_bytes];
                    let result = self.inflate_into(data, rows_here, row_bytes, file.little);
                    // What is not whole rows that arrived goes back to the fill, like any
                    // row never decoded.
                    let kept = result.as_ref().map_or(0, |&(kept, _)| kept);
                    let fill = colour.fill(spp);
                    for (i, b) in rows_here[kept..].iter_mut().enumerate() {
                        *b = fill[i % spp];
                    }
                    match result {
                        Ok((_, whole)) => {
                            truncated |= !whole;
                            decoded_any = true;
                        }
                        Err(_) if end > bytes.len() => truncated = true,
                        Err(e) => {
                            error.get_or_insert(e);
                        }
                    }
                    continue;
                }
                match self.chunk(data, cols, rows, file.little) {
                    Ok((raw, whole)) => {
                        truncated |= !whole;
                        decoded_any = true;
                        self.place(&raw, &mut samples, plane, x0, y0, cols, rows, file.little);
                    }
                    Err(e) => {
                        if end > bytes.len() {
                            truncated = true;
                        } else {
                            error.get_or_insert(e);
                        }
                    }
                }
            }
        }
        if !decoded_any {
            return Err(match error {
                Some(e) => failed(e),
                None if truncated => DecodeError::Failed("truncated".into()),
                None => failed("no image data"),
            });
        }
        let pixels = colour.to_rgb(self, samples);
        Ok(Decoded {
            width: self.width,
            height: self.height,
            cmyk: self.photometric == 5,
            truncated,
            corrupt: error.map(|e| Damage::Decoder {
                message: format!("TIFF: {e}"),
            }),
            pages: None,
            pixels,
        })
    }

    /// One chunk's samples as stored, uncompressed and with its predictor undone: `rows` rows
    /// of `cols` pixels, each row padded to a byte; and whether the data held all of it.
    fn chunk(
        &self,
        data: &[u8],
        cols: usize,
        rows: usize,
        little: bool,
    ) -> Result<(Vec<u8>, bool), String> {
        let row_bytes = (cols * self.chunk_samples() * self.bits as usize).div_ceil(8);
        let size = row_bytes * rows;
        match self.compression {
            7 => return self.jpeg(data, cols, rows).map(|raw| (raw, true)),
            2..=4 => return self.fax(data, cols, rows),
            _ => {}
        }
        let mut out = vec![0u8; size];
        let (kept, whole) = self.inflate_into(data, &mut out, row_bytes, little)?;
        out.truncate(kept);
        Ok((out, whole))
    }

    /// Whether a strip's bytes, once inflated, are the page's own rows: 8-bit samples,
    /// interleaved, in strips, under a byte-stream compression. Such a strip is inflated
    /// straight into the page (no chunk buffer, no copy).
    fn inflates_in_place(&self) -> bool {
        !self.tiled
            && !self.planar
            && Scale::of(self) == Scale::Plain
            && matches!(self.compression, 1 | 5 | 8 | 32946 | 32773)
    }

    /// Inflates a byte-stream chunk (none, LZW, Deflate, PackBits) into `out` and undoes its
    /// predictor: the bytes of the whole rows that arrived, and whether the data held all of
    /// `out`. Bytes past the whole rows may be written.
    fn inflate_into(
        &self,
        data: &[u8],
        out: &mut [u8],
        row_bytes: usize,
        little: bool,
    ) -> Result<(usize, bool), String> {
        let filled = match self.compression {
            1 => {
                let n = data.len().min(out.len());
                out[..n].copy_from_slice(&data[..n]);
                n
            }
            5 => lzw(data, out),
            8 | 32946 => fill_from(flate2::read::ZlibDecoder::new(data), out),
            32773 => packbits(data, out),
            other => return Err(format!("compression {other} is not supported")),
        };
        if filled == 0 && !out.is_empty() {
            return Err("a chunk's data could not be decompressed".into());
        }
        // Only whole rows that arrived are kept: the rest of the chunk stays grey.
        let kept = filled - filled % row_bytes.max(1);
        self.undo_predictor(&mut out[..kept], row_bytes, little)?;
        Ok((kept, filled == out.len()))
    }

    fn undo_predictor(&self, out: &mut [u8], row_bytes: usize, little: bool) -> Result<(), String> {
        let spc = self.chunk_samples();
        match (self.predictor, self.bits) {
            (1, _) => {}
            (2, 8) => {
                for row in out.chunks_exact_mut(row_bytes) {
                    for i in spc..row.len() {
                        row[i] = row[i].wrapping_add(row[i - spc]);
                    }
                }
            }
            (2, 16 | 32) => {
                let size = self.bits as usize / 8;
                let read = |b: &[u8]| -> u32 {
                    let it = b.iter().map(|&x| u32::from(x));
                    if little {
                        it.rev().fold(0, |v, x| (v << 8) | x)
                    } else {
                        it.fold(0, |v, x| (v << 8) | x)
                    }
                };
                for row in out.chunks_exact_mut(row_bytes) {
                    let n = row.len() / size;
                    for i in spc..n {
                        let prev = read(&row[(i - spc) * size..(i - spc + 1) * size]);
                        let cur = read(&row[i * size..(i + 1) * size]);
                        let sum = cur.wrapping_add(prev);
                        let bytes = sum.to_be_bytes();
                        let bytes = &bytes[4 - size..];
                        let dst = &mut row[i * size..(i + 1) * size];
                        if little {
                            dst.iter_mut()
                                .zip(bytes.iter().rev())
                                .for_each(|(d, s)| *d = *s);
                        } else {
                            dst.copy_from_slice(bytes);
                        }
                    }
                }
            }
            (3, 16 | 32 | 64) => {
                // Bytes differenced across the row, each sample's bytes split into planes
                // (most significant first): undo both, then store in the file's byte order.
                let size = self.bits as usize / 8;
                let mut plain = vec![0u8; row_bytes];
                for row in out.chunks_exact_mut(row_bytes) {
                    for i in spc..row.len() {
                        row[i] = row[i].wrapping_add(row[i - spc]);
                    }
                    let n = row.len() / size;
                    for i in 0..n {
                        for b in 0..size {
                            let at = if little { size - 1 - b } else { b };
                            plain[i * size + at] = row[b * n + i];
                        }
                    }
                    row.copy_from_slice(&plain);
                }
            }
            (p, bits) => return Err(format!("predictor {p} on {bits}-bit samples")),
        }
        Ok(())
    }

    /// A JPEG-compressed chunk (with the directory's shared tables), its components as stored:
    /// grey, RGB or YCbCr with the chroma brought to full size.
    fn jpeg(&self, data: &[u8], cols: usize, rows: usize) -> Result<Vec<u8>, String> {
        use zune_core::{bytestream::ZCursor, options::DecoderOptions};
        if self.bits != 8 {
            return Err(format!("{}-bit JPEG is not supported", self.bits));
        }
        let stream = match &self.jpeg_tables {
            Some(tables) if tables.len() >= 4 && data.len() >= 2 => {
                let mut joined = tables[..tables.len() - 2].to_vec();
                joined.extend_from_slice(&data[2..]);
                joined
            }
            _ => data.to_vec(),
        };
        // A chunk's JPEG may not be larger than the chunk (give or take a block of padding):
        // a hostile one declaring more is refused before its pixels are allocated.
        let limits = DecoderOptions::default()
            .set_max_width(cols + 16)
            .set_max_height(rows + 16);
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(&stream), limits);
        decoder
            .decode_headers()
            .map_err(|e| format!("JPEG: {e:?}"))?;
        let input = decoder.input_colorspace().ok_or("JPEG: no colour space")?;
        // YCbCr is converted by the JPEG decoder (SIMD); anything else comes as stored.
        let out = match (self.photometric, input.num_components()) {
            (6, 3) => zune_core::colorspace::ColorSpace::RGB,
            _ => input,
        };
        decoder.set_options(limits.jpeg_set_out_colorspace(out));
        let raw = decoder.decode().map_err(|e| format!("JPEG: {e:?}"))?;
        let info = decoder.info().ok_or("JPEG: no header")?;
        let (jw, jh) = (usize::from(info.width), usize::from(info.height));
        let comps = input.num_components();
        if comps != self.chunk_samples() || raw.len() < jw * jh * comps {
            return Err(format!(
                "JPEG of {comps} components where the directory says {}",
                self.chunk_samples()
            ));
        }
        // Into the chunk's size (a strip's JPEG may be shorter or padded).
        let mut out = vec![0u8; cols * rows * comps];
        let copy = jw.min(cols) * comps;
        for y in 0..jh.min(rows) {
            out[y * cols * comps..y * cols * comps + copy]
                .copy_from_slice(&raw[y * jw * comps..y * jw * comps + copy]);
        }
        Ok(out)
    }

    /// A CCITT-compressed chunk as 1-bit rows in the page's polarity.
    fn fax(&self, data: &[u8], cols: usize, rows: usize) -> Result<(Vec<u8>, bool), String> {
        let width = u16::try_from(cols).map_err(|_| "a fax wider than 65535 pixels")?;
        let height = u16::try_from(rows).map_err(|_| "a fax strip over 65535 rows")?;
        let reversed: Vec<u8>;
        let data = if self.fill_order_reversed {
            reversed = data.iter().map(|b| b.reverse_bits()).collect();
            &reversed
        } else {
            data
        };
        let row_bytes = cols.div_ceil(8);
        let mut out = vec![0u8; row_bytes * rows];
        // The codec's "black" runs are the 1 bits, whatever the photometric interpretation
        // then makes of them (as libtiff does).
        let mut y = 0;
        let mut line = |transitions: &[u16]| {
            if y >= rows {
                return;
            }
            let row = &mut out[y * row_bytes..(y + 1) * row_bytes];
            for (x, colour) in fax::decoder::pels(transitions, width).enumerate() {
                if colour == fax::Color::Black {
                    row[x / 8] |= 0x80 >> (x % 8);
                }
            }
            y += 1;
        };
        match self.compression {
            4 => {
                fax::decoder::decode_g4(data.iter().copied(), width, Some(height), &mut line);
            }
            3 if self.t4_options & 1 == 0 => {
                fax::decoder::decode_g3(data.iter().copied(), &mut line);
            }
            3 => {
                super::ccitt::group3_2d(data, width, rows, &mut line);
            }
            _ => {
                super::ccitt::modified_huffman(data, width, rows, &mut line);
            }
        }
        if y == 0 {
            return Err("the fax data could not be decoded".into());
        }
        // A one-dimensional Group 3 stream may end without the code after its last line: that
        // line is lost by the decoder, not by the file.
        let lost_at_end = usize::from(self.compression == 3 && self.t4_options & 1 == 0);
        Ok((out, y + lost_at_end >= rows))
    }

    /// Copies a decoded chunk's samples into the page's interleaved 8-bit samples.
    #[allow(clippy::too_many_arguments)]
    fn place(
        &self,
        raw: &[u8],
        samples: &mut [u8],
        plane: usize,
        x0: usize,
        y0: usize,
        cols: usize,
        rows: usize,
        little: bool,
    ) {
        let (w, h) = (self.width as usize, self.height as usize);
        let spp = self.samples;
        let spc = self.chunk_samples();
        let row_bytes = (cols * spc * self.bits as usize).div_ceil(8);
        let visible = cols.min(w.saturating_sub(x0));
        let scale = Scale::of(self);
        for r in 0..rows.min(h.saturating_sub(y0)) {
            let Some(row) = raw.get(r * row_bytes..(r + 1) * row_bytes) else {
                break;
            };
            let dst_row =
                &mut samples[((y0 + r) * w + x0) * spp..((y0 + r) * w + x0 + visible) * spp];
            if self.bits == 8 && !self.planar && scale == Scale::Plain {
                dst_row.copy_from_slice(&row[..visible * spp]);
                continue;
            }
            for x in 0..visible {
                for s in 0..spc {
                    let i = x * spc + s;
                    let value = scale.to_u8(sample(row, i, self.bits, little), self.bits);
                    dst_row[x * spp + if self.planar { plane } else { s }] = value;
                }
            }
        }
    }
}

/// The `i`th sample of a row of `bits`-bit samples, its bits as stored.
fn sample(row: &[u8], i: usize, bits: u32, little: bool) -> u64 {
    match bits {
        8 => u64::from(row[i]),
        1 | 2 | 4 => {
            let bit = i * bits as usize;
            let byte = row[bit / 8];
            let shift = 8 - bits as usize - bit % 8;
            u64::from((byte >> shift) & ((1u8 << bits) - 1))
        }
        _ => {
            let size = bits as usize / 8;
            let b = &row[i * size..(i + 1) * size];
            if little {
                b.iter().rev().fold(0, |v, &x| (v << 8) | u64::from(x))
            } else {
                b.iter().fold(0, |v, &x| (v << 8) | u64::from(x))
            }
        }
    }
}

/// How a stored sample becomes 8 bits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scale {
    /// 8-bit unsigned: as it is.
    Plain,
    /// Unsigned of any depth: scaled to 0–255.
    Unsigned,
    /// Signed: negative values black, the positive range scaled to 0–255.
    Signed,
    /// Floating point: 0.0–1.0 scaled to 0–255.
    Float,
    /// Palette indices and Lab: the top 8 bits as stored (Lab's a and b are signed).
    Raw,
}

impl Scale {
    fn of(page: &Page) -> Scale {
        match (page.photometric, page.format, page.bits) {
            (3 | 8 | 9, _, _) => Scale::Raw,
            (_, 3, _) => Scale::Float,
            (_, 2, _) => Scale::Signed,
            (_, _, 8) => Scale::Plain,
            _ => Scale::Unsigned,
        }
    }

    fn to_u8(self, v: u64, bits: u32) -> u8 {
        match self {
            Scale::Plain => v as u8,
            Scale::Unsigned => match bits {
                1 | 2 | 4 => (v * 255 / ((1 << bits) - 1)) as u8,
                _ => (v >> (bits - 8)) as u8,
            },
            Scale::Signed => {
                let signed = (v << (64 - bits)) as i64 >> (64 - bits);
                let top = (1i64 << (bits - 1)) - 1;
                (signed.max(0) * 255 / top) as u8
            }
            Scale::Float => {
                let f = match bits {
                    16 => f16_to_f32(v as u16),
                    32 => f32::from_bits(v as u32),
                    _ => f64::from_bits(v) as f32,
                };
                if f.is_nan() {
                    0
                } else {
                    (f.clamp(0.0, 1.0) * 255.0).round() as u8
                }
            }
            Scale::Raw => match bits {
                1 | 2 | 4 | 8 => v as u8,
                _ => (v >> (bits - 8)) as u8,
            },
        }
    }
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f32::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f32.powi(-24),
        31 => f32::INFINITY,
        _ => (1.0 + frac / 1024.0) * 2f32.powi(exp - 15),
    }
}

/// How a page's samples become RGB.
enum Colour {
    Grey {
        white_is_zero: bool,
    },
    Rgb,
    Palette(Vec<[u8; 3]>),
    Cmyk,
    YCbCr,
    /// CIE L*a*b* (a and b signed) or ICC Lab (a and b offset by 128).
    Lab {
        icc: bool,
    },
}

impl Colour {
    fn of(page: &Page) -> Result<Colour, DecodeError> {
        let spp = page.samples;
        let need = |n: usize| {
            if spp >= n {
                Ok(())
            } else {
                Err(failed(format!(
                    "photometric {} with {spp} samples",
                    page.photometric
                )))
            }
        };
        Ok(match page.photometric {
            0 | 1 => Colour::Grey {
                white_is_zero: page.photometric == 0,
            },
            2 => {
                need(3)?;
                Colour::Rgb
            }
            3 => {
                let n = 1usize << page.bits.min(16);
                if page.bits > 8 || page.colormap.len() < 3 * n {
                    return Err(failed("a palette image without its colour map"));
                }
                let map = &page.colormap;
                Colour::Palette(
                    (0..n)
                        .map(|i| {
                            [map[i], map[n + i], map[2 * n + i]].map(|v| (v >> 8).min(255) as u8)
                        })
                        .collect(),
                )
            }
            5 => {
                need(4)?;
                Colour::Cmyk
            }
            6 => {
                need(3)?;
                if page.compression == 7 {
                    // The JPEG decoder gives RGB.
                    Colour::Rgb
                } else if page.subsampling != (1, 1) {
                    return Err(failed("subsampled YCbCr is read only when JPEG-compressed"));
                } else {
                    Colour::YCbCr
                }
            }
            8 | 9 => {
                need(3)?;
                Colour::Lab {
                    icc: page.photometric == 9,
                }
            }
            p => {
                return Err(failed(format!(
                    "photometric interpretation {p} is not supported"
                )));
            }
        })
    }

    /// The samples of a pixel never decoded: what shows as mid-grey.
    fn fill(&self, spp: usize) -> Vec<u8> {
        let mut fill = vec![128u8; spp];
        match self {
            Colour::Cmyk => fill[..3].fill(0),
            Colour::Lab { icc: false } => fill[1..3].fill(0),
            _ => {}
        }
        fill
    }

    fn to_rgb(&self, page: &Page, samples: Vec<u8>) -> RgbImage {
        let (w, h) = (page.width, page.height);
        let spp = page.samples;
        if spp == 3 && matches!(self, Colour::Rgb) {
            return RgbImage::from_raw(w, h, samples).expect("sized to the page");
        }
        let mut rgb = Vec::with_capacity(w as usize * h as usize * 3);
        for p in samples.chunks_exact(spp) {
            let px = match self {
                Colour::Grey { white_is_zero } => {
                    let g = if *white_is_zero { 255 - p[0] } else { p[0] };
                    [g, g, g]
                }
                Colour::Rgb => [p[0], p[1], p[2]],
                Colour::Palette(map) => map.get(usize::from(p[0])).copied().unwrap_or_default(),
                Colour::Cmyk => {
                    let k = 255 - u32::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| ((255 - u32::from(c)) * k / 255) as u8)
                }
                Colour::YCbCr => ycbcr(p[0], p[1], p[2]),
                Colour::Lab { icc } => {
                    let l = f32::from(p[0]) * 100.0 / 255.0;
                    let (a, b) = if *icc {
                        (f32::from(p[1]) - 128.0, f32::from(p[2]) - 128.0)
                    } else {
                        (f32::from(p[1] as i8), f32::from(p[2] as i8))
                    };
                    lab_to_srgb(l, a, b)
                }
            };
            rgb.extend_from_slice(&px);
        }
        RgbImage::from_raw(w, h, rgb).expect("sized to the page")
    }
}

/// Full-range BT.601, as JPEG and TIFF's default YCbCr coefficients define it.
fn ycbcr(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (f32::from(y), f32::from(cb) - 128.0, f32::from(cr) - 128.0);
    [
        y + 1.402 * cr,
        y - 0.344_136 * cb - 0.714_136 * cr,
        y + 1.772 * cb,
    ]
    .map(|v| v.round().clamp(0.0, 255.0) as u8)
}

/// CIE L*a*b* (D65 white) to sRGB.
fn lab_to_srgb(l: f32, a: f32, b: f32) -> [u8; 3] {
    let fy = (l + 16.0) / 116.0;
    let (fx, fz) = (fy + a / 500.0, fy - b / 200.0);
    let inverse = |t: f32| {
        if t > 6.0 / 29.0 {
            t * t * t
        } else {
            3.0 * (6.0f32 / 29.0).powi(2) * (t - 4.0 / 29.0)
        }
    };
    let (x, y, z) = (0.950_47 * inverse(fx), inverse(fy), 1.088_83 * inverse(fz));
    let linear = [
        3.240_454_2 * x - 1.537_138_5 * y - 0.498_531_4 * z,
        -0.969_266 * x + 1.876_010_8 * y + 0.041_556 * z,
        0.055_643_4 * x - 0.204_025_9 * y + 1.057_225_2 * z,
    ];
    linear.map(|c| {
        let c = c.clamp(0.0, 1.0);
        let s = if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        };
        (s * 255.0).round() as u8
    })
}

/// LZW as TIFF writes it (MSB first, the early code-size switch); bytes written.
fn lzw(data: &[u8], out: &mut [u8]) -> usize {
    let mut decoder = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
    let (mut read, mut written) = (0, 0);
    while written < out.len() {
        let result = decoder.decode_bytes(&data[read..], &mut out[written..]);
        read += result.consumed_in;
        written += result.consumed_out;
        match result.status {
            Ok(weezl::LzwStatus::Ok) if result.consumed_in + result.consumed_out > 0 => {}
            _ => break,
        }
    }
    written
}

/// Reads until `out` is full or the stream ends or breaks; bytes written.
fn fill_from(mut reader: impl Read, out: &mut [u8]) -> usize {
    let mut written = 0;
    while written < out.len() {
        match reader.read(&mut out[written..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => written += n,
        }
    }
    written
}

/// PackBits run-length decoding; bytes written.
fn packbits(data: &[u8], out: &mut [u8]) -> usize {
    let (mut i, mut o) = (0, 0);
    while i < data.len() && o < out.len() {
        let n = data[i] as i8;
        i += 1;
        if n >= 0 {
            let len = (n as usize + 1).min(data.len() - i).min(out.len() - o);
            out[o..o + len].copy_from_slice(&data[i..i + len]);
            i += n as usize + 1;
            o += len;
        } else if n != -128 {
            let Some(&byte) = data.get(i) else { break };
            let len = (1 - n as isize) as usize;
            let len = len.min(out.len() - o);
            out[o..o + len].fill(byte);
            i += 1;
            o += len;
        }
    }
    o
}

/// Old-style JPEG (compression 6): the page's JPEG interchange stream, decoded whole.
fn old_jpeg(bytes: &[u8], ifd: &Ifd<'_>, page: &Page) -> Result<Decoded, DecodeError> {
    let (Some(at), Some(len)) = (ifd.uint(513), ifd.uint(514)) else {
        return Err(failed("old-style JPEG without its interchange stream"));
    };
    let start = usize::try_from(at).map_err(|_| failed("offset"))?;
    let end = usize::try_from(at.saturating_add(len))
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let stream = bytes
        .get(start..end)
        .ok_or_else(|| failed("the JPEG stream lies outside the file"))?;
    let image = image::load_from_memory_with_format(stream, image::ImageFormat::Jpeg)
        .map_err(|e| failed(format!("old-style JPEG: {e}")))?;
    Ok(Decoded::whole(page.width, page.height, image.into_rgb8()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian 8-bit grey TIFF of `width` x `height`, one strip per row, its directory
    /// first (so a cut keeps it), each row's pixels `row * 10`.
    fn grey_strips(width: u32, height: u32) -> Vec<u8> {
        let entries: [(u16, u16, u32, u32); 8] = [
            (256, 4, 1, width),
            (257, 4, 1, height),
            (258, 3, 1, 8),
            (259, 3, 1, 1),
            (262, 3, 1, 1),
            (273, 4, height, 0),
            (278, 4, 1, 1),
            (279, 4, height, 0),
        ];
        let ifd_len = 2 + entries.len() * 12 + 4;
        let offsets_at = 8 + ifd_len as u32;
        let counts_at = offsets_at + 4 * height;
        let data_at = counts_at + 4 * height;
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend((entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            let value = match tag {
                273 => offsets_at,
                279 => counts_at,
                _ => value,
            };
            tiff.extend(tag.to_le_bytes());
            tiff.extend(kind.to_le_bytes());
            tiff.extend(count.to_le_bytes());
            tiff.extend(value.to_le_bytes());
        }
        tiff.extend(0u32.to_le_bytes());
        for row in 0..height {
            tiff.extend((data_at + row * width).to_le_bytes());
        }
        for _ in 0..height {
            tiff.extend(width.to_le_bytes());
        }
        for row in 0..height {
            tiff.extend(std::iter::repeat_n((row * 10) as u8, width as usize));
        }
        tiff
    }

    /// A size bomb is refused as one even when the rest of its directory is absurd too (tiles
    /// of 2^30 pixels a side): `too_many_pixels`, from the declared size, before anything else.
    #[test]
    fn a_declared_size_over_the_limit_is_refused_before_the_rest_is_checked() {
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        let entries: [(u16, u16, u32, u32); 6] = [
            (256, 4, 1, 60_000),
            (257, 4, 1, 60_000),
            (258, 3, 1, 8),
            (262, 3, 1, 1),
            (322, 4, 1, 1 << 30),
            (323, 4, 1, 1 << 30),
        ];
        tiff.extend((entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            tiff.extend(tag.to_le_bytes());
            tiff.extend(kind.to_le_bytes());
            tiff.extend(count.to_le_bytes());
            tiff.extend(value.to_le_bytes());
        }
        tiff.extend([0u8; 32]);
        assert_eq!(
            decode(&tiff, 200_000_000).unwrap_err(),
            DecodeError::TooManyPixels {
                width: 60_000,
                height: 60_000
            }
        );
    }

    #[test]
    fn a_tiff_cut_short_keeps_the_strips_that_arrived() {
        let whole = grey_strips(16, 10);
        let decoded = decode(&whole, 1000).unwrap();
        assert!(!decoded.truncated && decoded.pages.is_none());
        assert_eq!(decoded.pixels.get_pixel(3, 9).0, [90, 90, 90]);
        // Cut in the middle of row 6: rows 0-5 as they were, the rest grey.
        let cut = &whole[..whole.len() - 16 * 3 - 8];
        let decoded = decode(cut, 1000).unwrap();
        assert!(decoded.truncated);
        assert_eq!(decoded.pixels.get_pixel(3, 5).0, [50, 50, 50]);
        assert_eq!(decoded.pixels.get_pixel(3, 6).0, [128, 128, 128]);
        assert_eq!(decoded.pixels.get_pixel(3, 9).0, [128, 128, 128]);
        // Refused from the directory alone.
        assert_eq!(
            decode(&whole, 100).unwrap_err(),
            DecodeError::TooManyPixels {
                width: 16,
                height: 10
            }
        );
        // Cut before the directory: truncated, nothing to show.
        assert_eq!(
            decode(&whole[..6], 1000).unwrap_err(),
            DecodeError::Failed("truncated".into())
        );
    }

    #[test]
    fn packbits_reads_runs_and_literals_and_stops_at_the_buffer() {
        let data = [0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA];
        let mut out = [0u8; 10];
        assert_eq!(packbits(&data, &mut out), 10);
        assert_eq!(
            out,
            [0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA]
        );
        let mut short = [0u8; 2];
        assert_eq!(packbits(&data, &mut short), 2);
    }

    #[test]
    fn samples_of_every_depth_scale_to_eight_bits() {
        assert_eq!(Scale::Unsigned.to_u8(3, 2), 255);
        assert_eq!(Scale::Unsigned.to_u8(1, 1), 255);
        assert_eq!(Scale::Unsigned.to_u8(0x8000, 16), 128);
        assert_eq!(Scale::Signed.to_u8(0xFFFF, 16), 0, "-1 is black");
        assert_eq!(Scale::Signed.to_u8(32767, 16), 255);
        assert_eq!(Scale::Float.to_u8(u64::from(0.5f32.to_bits()), 32), 128);
        assert_eq!(Scale::Float.to_u8(0x3C00, 16), 255, "1.0 as a half float");
        assert_eq!(sample(&[0b1011_0100], 1, 2, false), 0b11);
        assert_eq!(sample(&[0x12, 0x34], 0, 16, true), 0x3412);
    }

    #[test]
    fn lab_and_ycbcr_greys_stay_grey() {
        assert_eq!(lab_to_srgb(100.0, 0.0, 0.0), [255, 255, 255]);
        let [r, g, b] = lab_to_srgb(53.39, 0.0, 0.0);
        assert!(r.abs_diff(128) <= 1 && r == g && g == b, "{r} {g} {b}");
        assert_eq!(ycbcr(77, 128, 128), [77, 77, 77]);
    }
}

//! Embedded metadata: the EXIF block of JPEG, TIFF, PNG and WebP files, and the container walks
//! the XMP and IPTC readers share (JPEG marker segments, TIFF IFD0 entries).
//!
//! In: the file's bytes, already in memory. Out: `Exif` facts (date taken with its UTC offset,
//! orientation, make and model, GPS, text fields, UserComment decoded by its charset prefix and
//! the Windows XP* properties). Invariant: a broken EXIF block yields what could be read and never
//! an error or a panic: metadata is never a reason to stop; every offset is bounds-checked.

use exif::{Context, In, Reader, Tag, Value};
use std::io::Cursor;

use crate::photo::Exif;
use crate::text::decode_text;

/// Windows Explorer properties, stored as UTF-16LE bytes in IFD0.
const XP_TITLE: Tag = Tag(Context::Tiff, 0x9C9B);
const XP_COMMENT: Tag = Tag(Context::Tiff, 0x9C9C);
const XP_AUTHOR: Tag = Tag(Context::Tiff, 0x9C9D);
const XP_KEYWORDS: Tag = Tag(Context::Tiff, 0x9C9E);
const XP_SUBJECT: Tag = Tag(Context::Tiff, 0x9C9F);

/// Reads the EXIF facts of a file, or `None` when it has no readable EXIF block.
pub fn exif(bytes: &[u8]) -> Option<Exif> {
    exif_checked(bytes).0
}

/// Reads the EXIF facts as [`exif()`] does, and says what is wrong with the EXIF block when the
/// file has one that does not read cleanly: the reader's first complaint. A JPEG's complaints
/// count only when it has an EXIF block (a file cut short elsewhere is reported as truncated,
/// not as damaged EXIF); in containers other than JPEG and TIFF only a block read in part counts.
pub fn exif_checked(bytes: &[u8]) -> (Option<Exif>, Option<String>) {
    let whole_block = if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg_segments(bytes)
            .iter()
            .any(|(marker, payload)| *marker == 0xE1 && payload.starts_with(b"Exif\0\0"))
    } else {
        tiff_byte_order(bytes).is_some()
    };
    let mut damage = None;
    let exif = read_exif(bytes, whole_block, &mut damage);
    (exif, damage)
}

/// The body of [`exif_checked`]: the facts, with the first complaint left in `damage`.
fn read_exif(bytes: &[u8], whole_block: bool, damage: &mut Option<String>) -> Option<Exif> {
    let reader = || {
        let mut reader = Reader::new();
        reader.continue_on_error(true);
        reader
    };
    let mut partial = |r: Result<exif::Exif, exif::Error>| match r {
        Ok(parsed) => Some(parsed),
        Err(exif::Error::NotFound(_)) => None,
        Err(e) => match e.distill_partial_result(|errors| {
            if let Some(first) = errors.first() {
                damage.get_or_insert_with(|| first.to_string());
            }
        }) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                if whole_block {
                    damage.get_or_insert_with(|| e.to_string());
                }
                None
            }
        },
    };
    let parsed = match tiff_with_ifd_pointers(bytes) {
        Some(patched) => partial(reader().read_raw(patched)),
        None => partial(reader().read_from_container(&mut Cursor::new(bytes))),
    };
    // A WebP EXIF chunk that starts with the JPEG-style `Exif\0\0` header (written by some
    // phone apps and converters) is refused by the container reader: read its TIFF block.
    let parsed = match parsed {
        Some(parsed) => parsed,
        None => partial(reader().read_raw(webp_exif_block(bytes)?.to_vec()))?,
    };
    let text = |tag: Tag| {
        parsed
            .get_field(tag, In::PRIMARY)
            .and_then(|f| ascii(&f.value))
    };
    let xp = |tag: Tag| {
        parsed
            .get_field(tag, In::PRIMARY)
            .and_then(|f| utf16(&f.value))
    };
    // The offset belongs to the date it qualifies: OffsetTimeOriginal to DateTimeOriginal,
    // OffsetTime to DateTime.
    let (date_taken, offset) = match text(Tag::DateTimeOriginal).and_then(|d| normalise_date(&d)) {
        Some(date) => (Some(date), text(Tag::OffsetTimeOriginal)),
        None => (
            text(Tag::DateTime).and_then(|d| normalise_date(&d)),
            text(Tag::OffsetTime),
        ),
    };
    let offset = date_taken
        .as_ref()
        .and(offset)
        .and_then(|o| normalise_offset(&o));
    // The first Orientation of IFD0 in file order (a block may hold several; the later ones
    // are duplicates), as a number even when a writer stored it as text.
    let orientation = parsed
        .fields()
        .find(|f| f.tag == Tag::Orientation && f.ifd_num == In::PRIMARY)
        .and_then(|f| match &f.value {
            Value::Ascii(_) => ascii(&f.value)?.parse().ok(),
            value => value.get_uint(0),
        })
        .and_then(|o| u16::try_from(o).ok())
        .filter(|o| (1..=8).contains(o));
    let user_comment = parsed
        .get_field(Tag::UserComment, In::PRIMARY)
        .and_then(|f| user_comment(&f.value, parsed.little_endian()));
    Some(Exif {
        date_taken,
        offset,
        orientation,
        make: text(Tag::Make),
        model: text(Tag::Model),
        gps: gps(&parsed),
        description: text(Tag::ImageDescription),
        artist: text(Tag::Artist),
        user_comment,
        xp_title: xp(XP_TITLE),
        xp_comment: xp(XP_COMMENT),
        xp_author: xp(XP_AUTHOR),
        xp_subject: xp(XP_SUBJECT),
        xp_keywords: xp(XP_KEYWORDS),
    })
}

/// An ASCII-typed value: cameras and Chinese Windows put GBK or UTF-8 there too.
fn ascii(value: &Value) -> Option<String> {
    let bytes = match value {
        Value::Ascii(parts) => parts.first()?.as_slice(),
        Value::Byte(bytes) | Value::Undefined(bytes, _) => bytes.as_slice(),
        _ => return None,
    };
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = decode_text(&bytes[..end]);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A Windows XP* property: UTF-16LE, NUL-terminated.
fn utf16(value: &Value) -> Option<String> {
    let bytes = match value {
        Value::Byte(bytes) | Value::Undefined(bytes, _) => bytes,
        _ => return None,
    };
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    let text = String::from_utf16_lossy(&units);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// EXIF UserComment: an 8-byte charset prefix, then the text. `ASCII\0\0\0` (cameras and
/// Chinese Windows put UTF-8 or GBK there too, so the bytes are detected), `UNICODE\0` (UTF-16,
/// in the TIFF block's byte order unless a BOM or the NUL pattern of the text says otherwise),
/// `JIS\0\0\0\0\0` (JIS X 0208, read as ISO-2022-JP), all NUL (undefined: detected). Text
/// that is only padding (NULs, spaces) or holds control characters (binary maker data some
/// cameras put there) is `None`.
fn user_comment(value: &Value, little_endian: bool) -> Option<String> {
    let bytes = match value {
        Value::Undefined(bytes, _) | Value::Byte(bytes) => bytes.as_slice(),
        Value::Ascii(parts) => parts.first()?.as_slice(),
        _ => return None,
    };
    let (prefix, body) = bytes.split_at_checked(8).unwrap_or((&[], bytes));
    let text = match prefix {
        b"ASCII\0\0\0" | [0, 0, 0, 0, 0, 0, 0, 0] => decode_text(trim_nul(body)),
        b"UNICODE\0" => utf16_comment(body, little_endian),
        b"JIS\0\0\0\0\0" => encoding_rs::ISO_2022_JP
            .decode_without_bom_handling(trim_nul(body))
            .0
            .into_owned(),
        // No (or an unknown) prefix: the whole value is the text.
        _ => decode_text(trim_nul(bytes)),
    };
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let binary = text
        .chars()
        .any(|c| c == '\u{FFFD}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t')));
    (!text.is_empty() && !binary).then(|| text.to_string())
}

/// The bytes before the first NUL.
fn trim_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// UTF-16 text of a UserComment. The standard says "the byte order of the TIFF block", but
/// Windows writes little-endian whatever the block says: a BOM wins, then the side the NUL
/// high bytes of ASCII text fall on, then the TIFF order.
fn utf16_comment(body: &[u8], tiff_little_endian: bool) -> String {
    let (little_endian, body) = match body {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => {
            let pairs = body.chunks_exact(2);
            let even_nul = pairs.clone().filter(|p| p[0] == 0 && p[1] != 0).count();
            let odd_nul = pairs.filter(|p| p[1] == 0 && p[0] != 0).count();
            let little_endian = match even_nul.cmp(&odd_nul) {
                std::cmp::Ordering::Greater => false,
                std::cmp::Ordering::Less => true,
                std::cmp::Ordering::Equal => tiff_little_endian,
            };
            (little_endian, body)
        }
    };
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| {
            if little_endian {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// `+08:00` (also `+0800`, `+08`) → `+08:00`; anything else (`   :  `, blanks) → `None`.
fn normalise_offset(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (sign, rest) = raw.split_at_checked(1)?;
    if sign != "+" && sign != "-" {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let shape_ok = rest.chars().all(|c| c.is_ascii_digit() || c == ':');
    let (hours, minutes) = match digits.len() {
        2 => (digits.as_str(), "00"),
        4 => digits.split_at(2),
        _ => return None,
    };
    let (h, m): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (shape_ok && h <= 14 && m < 60).then(|| format!("{sign}{hours}:{minutes}"))
}

/// The TIFF block of a WebP `EXIF` chunk that starts with `Exif\0\0`.
fn webp_exif_block(bytes: &[u8]) -> Option<&[u8]> {
    if !bytes.starts_with(b"RIFF") || bytes.get(8..12) != Some(b"WEBP") {
        return None;
    }
    let mut pos: usize = 12;
    while let Some(header) = bytes.get(pos..pos.checked_add(8)?) {
        let len = usize::try_from(u32::from_le_bytes(header[4..8].try_into().ok()?)).ok()?;
        let data = bytes.get(pos + 8..(pos + 8).checked_add(len)?)?;
        if &header[..4] == b"EXIF" {
            return data.strip_prefix(b"Exif\0\0");
        }
        pos = pos + 8 + len + (len & 1);
    }
    None
}

/// How many bytes follow a JPEG's end-of-image marker, when some do and nothing known put them
/// there: an MPF image set (phones' depth and HDR frames), a preview JPEG, a camera's trailer,
/// AFCP and IPTC trailers and a few stray bytes are known. `None` for other files, for a JPEG
/// that ends at its marker, and for one whose marker is never reached (a truncated file says so
/// elsewhere). On 343 camera and sample files, 26 have bytes after the end; 3 are not of a
/// known kind.
pub fn bytes_after_end(bytes: &[u8]) -> Option<u64> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2;
    loop {
        // A marker: fill bytes, then the code.
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos)?;
        pos += 1;
        match marker {
            0xD9 => break,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(pos)?, *bytes.get(pos + 1)?]));
        if marker == 0xE2 && bytes.get(pos + 2..pos + 6) == Some(b"MPF\0") {
            return None;
        }
        pos = pos.checked_add(len)?;
        if marker == 0xDA {
            // Entropy-coded data: up to the first 0xFF that is neither stuffing (FF 00) nor a
            // restart marker (FF D0..D7).
            loop {
                pos += memchr::memchr(0xFF, bytes.get(pos..)?)?;
                match *bytes.get(pos + 1)? {
                    0x00 | 0xD0..=0xD7 => pos += 2,
                    0xFF => pos += 1,
                    _ => break,
                }
            }
        } else if bytes.get(pos) != Some(&0xFF) {
            return None;
        }
    }
    let tail = &bytes[pos..];
    // Left alone, because cameras and photo tools put them there: a few stray bytes, a camera's
    // trailer (its card padding starts with zeros), a preview JPEG, an AFCP or IPTC trailer.
    let harmless = tail.len() <= 16
        || tail[0] == 0
        || memchr::memmem::find(tail, &[0xFF, 0xD8, 0xFF]).is_some()
        || tail.starts_with(b"AXS!")
        || tail.starts_with(&[0x1C, 0x02]);
    (!harmless).then_some(tail.len() as u64)
}

/// A copy of a TIFF file whose IFD0 points to its EXIF, GPS or interoperability IFD with an
/// entry of type IFD (13) instead of LONG (4), with those types set to LONG (the EXIF reader only
/// follows LONG pointers; drone cameras write IFD). `None` when there is nothing to patch.
fn tiff_with_ifd_pointers(bytes: &[u8]) -> Option<Vec<u8>> {
    let little_endian = tiff_byte_order(bytes)?;
    let entries = ifd0_entries(bytes, little_endian)?;
    let pointer_entries: Vec<usize> = entries
        .filter(|&(_, tag, kind)| matches!(tag, 0x8769 | 0x8825 | 0xA005) && kind == 13)
        .map(|(at, _, _)| at + 2)
        .collect();
    if pointer_entries.is_empty() {
        return None;
    }
    let mut patched = bytes.to_vec();
    let long: [u8; 2] = if little_endian { [4, 0] } else { [0, 4] };
    for at in pointer_entries {
        patched.get_mut(at..at + 2)?.copy_from_slice(&long);
    }
    Some(patched)
}

/// `Some(true)` for a little-endian classic TIFF, `Some(false)` for big-endian.
fn tiff_byte_order(bytes: &[u8]) -> Option<bool> {
    match bytes.get(..4)? {
        [b'I', b'I', 42, 0] => Some(true),
        [b'M', b'M', 0, 42] => Some(false),
        _ => None,
    }
}

/// Reads a `u16` or `u32` at `at` in the TIFF's byte order, bounds-checked.
fn tiff_uint(bytes: &[u8], at: usize, width: usize, little_endian: bool) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(width)?)?;
    let value = b.iter().enumerate().fold(0usize, |acc, (i, &byte)| {
        let shift = if little_endian {
            8 * i
        } else {
            8 * (width - 1 - i)
        };
        acc | (usize::from(byte) << shift)
    });
    Some(value)
}

/// The entries of IFD0 as `(entry offset, tag, type)`.
fn ifd0_entries(
    bytes: &[u8],
    little_endian: bool,
) -> Option<impl Iterator<Item = (usize, u16, u16)> + '_> {
    let ifd = tiff_uint(bytes, 4, 4, little_endian)?;
    let count = tiff_uint(bytes, ifd, 2, little_endian)?;
    Some((0..count).map_while(move |i| {
        let at = ifd.checked_add(2 + 12 * i)?;
        let tag = u16::try_from(tiff_uint(bytes, at, 2, little_endian)?).ok()?;
        let kind = u16::try_from(tiff_uint(bytes, at + 2, 2, little_endian)?).ok()?;
        Some((at, tag, kind))
    }))
}

/// The marker segments of a JPEG before its image data, as `(marker, payload)` pairs (the
/// payload without the two length bytes). Stops at SOS or EOI, at a length that runs past the
/// end, and at bytes that are not a marker: what came before is still returned.
pub(crate) fn jpeg_segments(bytes: &[u8]) -> Vec<(u8, &[u8])> {
    let mut segments = Vec::new();
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return segments;
    }
    let mut pos = 2;
    while bytes.get(pos) == Some(&0xFF) {
        // Any number of 0xFF fill bytes may precede a marker.
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else {
            break;
        };
        pos += 1;
        match marker {
            0xD9 | 0xDA | 0x00 => break,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(&[hi, lo]) = bytes.get(pos..pos + 2) else {
            break;
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        let Some(payload) = (len >= 2).then(|| bytes.get(pos + 2..pos + len)).flatten() else {
            break;
        };
        segments.push((marker, payload));
        pos += len;
    }
    segments
}

/// The value bytes of tag `tag` in IFD0 of a TIFF file (classic TIFF, either byte order), or
/// `None` when the file is not a TIFF, has no such tag, or the value runs past the end.
pub(crate) fn tiff_ifd0_value(bytes: &[u8], tag: u16) -> Option<&[u8]> {
    let little_endian = tiff_byte_order(bytes)?;
    let (entry, _, kind) = ifd0_entries(bytes, little_endian)?.find(|&(_, t, _)| t == tag)?;
    let unit = match kind {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => return None,
    };
    let len = tiff_uint(bytes, entry + 4, 4, little_endian)?.checked_mul(unit)?;
    let start = if len <= 4 {
        entry + 8
    } else {
        tiff_uint(bytes, entry + 8, 4, little_endian)?
    };
    bytes.get(start..start.checked_add(len)?)
}

/// `2018:09:15 10:20:00` → `2018-09-15 10:20:00`; placeholder dates (`0000:00:00`) → `None`.
/// Anything not shaped `YYYY?MM?DD` (digits, one ASCII separator each) is `None`, so the two
/// separators replaced are single bytes whatever text follows.
fn normalise_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let b = raw.as_bytes();
    let digits = |at: usize, n: usize| {
        b.get(at..at + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let separator = |at: usize| b.get(at).is_some_and(|c| c.is_ascii_punctuation());
    if !(digits(0, 4) && separator(4) && digits(5, 2) && separator(7) && digits(8, 2)) {
        return None;
    }
    let year: i32 = raw[..4].parse().ok()?;
    if !(1900..=2100).contains(&year) {
        return None;
    }
    let mut out: String = raw.chars().take(19).collect();
    out.replace_range(4..5, "-");
    out.replace_range(7..8, "-");
    Some(out)
}

fn gps(parsed: &exif::Exif) -> Option<(f64, f64)> {
    let coordinate = |tag: Tag, reference: Tag, negative: &str| -> Option<f64> {
        let field = parsed.get_field(tag, In::PRIMARY)?;
        // RATIONAL as the standard says; some phones write SRATIONAL.
        let parts: Vec<(f64, bool)> = match &field.value {
            Value::Rational(parts) => parts.iter().map(|r| (r.to_f64(), r.denom == 0)).collect(),
            Value::SRational(parts) => parts.iter().map(|r| (r.to_f64(), r.denom == 0)).collect(),
            _ => return None,
        };
        if parts.len() < 3 || parts.iter().any(|&(_, zero)| zero) {
            return None;
        }
        let degrees = parts[0].0 + parts[1].0 / 60.0 + parts[2].0 / 3600.0;
        let sign = parsed
            .get_field(reference, In::PRIMARY)
            .and_then(|f| ascii(&f.value))
            .is_some_and(|r| r.eq_ignore_ascii_case(negative));
        Some(if sign { -degrees } else { degrees })
    };
    let lat = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, "S")?;
    let lon = coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, "W")?;
    // Round to 1e-6 degrees (about 10 cm) so reports do not carry float noise.
    let round = |v: f64| (v * 1e6).round() / 1e6;
    ((lat, lon) != (0.0, 0.0)).then(|| (round(lat), round(lon)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, the given segments, a scan with stuffed and restart bytes, EOI, then `after`.
    fn jpeg_with(segments: &[(u8, &[u8])], after: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        for (marker, payload) in segments {
            bytes.extend([0xFF, *marker]);
            bytes.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
            bytes.extend(*payload);
        }
        bytes.extend([0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
        bytes.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD9]);
        bytes.extend(after);
        bytes
    }

    #[test]
    fn bytes_after_the_end_are_counted_unless_expected() {
        assert_eq!(bytes_after_end(&jpeg_with(&[], b"")), None);
        assert_eq!(
            bytes_after_end(&jpeg_with(&[], &[0; 64])),
            None,
            "zero padding"
        );
        let tail: Vec<u8> = (1..41u8).map(|b| b.wrapping_mul(37) | 1).collect();
        assert_eq!(bytes_after_end(&jpeg_with(&[], &tail)), Some(40));
        assert_eq!(
            bytes_after_end(&jpeg_with(&[], &[1, 2, 3])),
            None,
            "stray bytes"
        );
        let mut padded = vec![0u8; 400];
        padded[7] = 0x72;
        assert_eq!(
            bytes_after_end(&jpeg_with(&[], &padded)),
            None,
            "card padding"
        );
        let preview = jpeg_with(&[], b"");
        assert_eq!(
            bytes_after_end(&jpeg_with(&[], &preview)),
            None,
            "a preview JPEG"
        );
        // An MPF image set keeps its other images after the first one's end.
        let mpf = jpeg_with(&[(0xE2, b"MPF\0II*\0")], &tail);
        assert_eq!(bytes_after_end(&mpf), None);
        // Cut inside the scan: the end is never reached, and that is reported elsewhere.
        let cut = jpeg_with(&[], b"");
        assert_eq!(bytes_after_end(&cut[..cut.len() - 3]), None);
        assert_eq!(bytes_after_end(b"not a jpeg"), None);
    }

    #[test]
    fn exif_damage_is_named_only_for_a_block_that_is_there() {
        assert_eq!(exif_checked(&jpeg_with(&[], b"")).1, None);
        // IFD0 claims 5 entries in a block that ends after the count.
        let broken: &[u8] = b"Exif\0\0II*\0\x08\0\0\0\x05\0";
        assert!(exif_checked(&jpeg_with(&[(0xE1, broken)], b"")).1.is_some());
    }

    #[test]
    fn normalises_dates() {
        assert_eq!(
            normalise_date("2018:09:15 10:20:00").as_deref(),
            Some("2018-09-15 10:20:00")
        );
        assert_eq!(normalise_date("0000:00:00 00:00:00"), None);
        assert_eq!(normalise_date("    "), None);
        // Multi-byte characters where the separators belong: no panic, no date.
        assert_eq!(normalise_date("2018é09:15 10:20:00"), None);
        assert_eq!(normalise_date("2018:0é:15 10:20:00"), None);
        assert_eq!(
            normalise_date("2018-09-15 上午10:20").as_deref(),
            Some("2018-09-15 上午10:20")
        );
    }

    #[test]
    fn decodes_xp_utf16() {
        let mut bytes: Vec<u8> = "科普开放日"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        bytes.extend([0, 0]);
        assert_eq!(utf16(&Value::Byte(bytes)).as_deref(), Some("科普开放日"));
    }

    #[test]
    fn no_exif_is_none() {
        assert_eq!(exif(b"not an image"), None);
    }

    #[test]
    fn reads_the_windows_fixture() {
        let bytes = include_bytes!("../../fixtures/metadata/exif-utf16.jpg");
        let exif = exif(bytes).expect("the fixture has EXIF");
        assert_eq!(
            exif,
            Exif {
                date_taken: Some("2018-09-15 10:20:00".into()),
                offset: Some("+08:00".into()),
                make: Some("SONY".into()),
                model: Some("CYBERSHOT".into()),
                user_comment: Some("化学实验演示，摄于新疆大学。".into()),
                xp_title: Some("2018年全国科普日新疆大学实验室开放日".into()),
                xp_comment: Some("新疆大学化学学院学生为中学生演示趣味化学实验。".into()),
                xp_author: Some("张伟".into()),
                xp_subject: Some("实验室开放日".into()),
                xp_keywords: Some("科普日;化学".into()),
                ..Exif::default()
            }
        );
    }

    fn comment(bytes: &[u8], little_endian: bool) -> Option<String> {
        user_comment(&Value::Undefined(bytes.to_vec(), 0), little_endian)
    }

    #[test]
    fn user_comment_follows_its_charset_prefix() {
        let utf16 = |text: &str, le: bool| -> Vec<u8> {
            let mut b = b"UNICODE\0".to_vec();
            b.extend(
                text.encode_utf16()
                    .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() }),
            );
            b
        };
        // UTF-16 in the TIFF's order, either order.
        assert_eq!(
            comment(&utf16("科普日", true), true).as_deref(),
            Some("科普日")
        );
        assert_eq!(
            comment(&utf16("科普日", false), false).as_deref(),
            Some("科普日")
        );
        // Windows writes little-endian into big-endian blocks: ASCII shows it.
        assert_eq!(
            comment(&utf16("Day 2019 科普日", true), false).as_deref(),
            Some("Day 2019 科普日")
        );
        // A BOM wins over the block's order.
        let mut bom = b"UNICODE\0\xFF\xFE".to_vec();
        bom.extend("科普".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(comment(&bom, false).as_deref(), Some("科普"));
        // ASCII prefix with UTF-8 or GBK inside; trailing NULs and spaces.
        assert_eq!(
            comment("ASCII\0\0\0新疆大学\0\0  ".as_bytes(), true).as_deref(),
            Some("新疆大学")
        );
        let mut gbk = b"ASCII\0\0\0".to_vec();
        gbk.extend(
            &*encoding_rs::GBK
                .encode("新疆大学化学学院学生演示趣味化学实验")
                .0,
        );
        assert_eq!(
            comment(&gbk, true).as_deref(),
            Some("新疆大学化学学院学生演示趣味化学实验")
        );
        // JIS (ISO-2022-JP).
        assert_eq!(
            comment(b"JIS\0\0\0\0\0\x1b$B4A;z\x1b(B", true).as_deref(),
            Some("漢字")
        );
        // Undefined prefix: detected.
        assert_eq!(
            comment(b"\0\0\0\0\0\0\0\0Science Day", true).as_deref(),
            Some("Science Day")
        );
        // No prefix at all.
        assert_eq!(comment(b"Hi", true).as_deref(), Some("Hi"));
        // Padding only, or binary maker data.
        assert_eq!(comment(&[0; 64], true), None);
        assert_eq!(comment(b"ASCII\0\0\0                ", true), None);
        assert_eq!(
            comment(b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x10", true),
            None
        );
        // A lone surrogate (after a big-endian BOM) is not text.
        assert_eq!(comment(b"UNICODE\0\xFE\xFF\xD8\x00", false), None);
        assert_eq!(comment(b"", true), None);
    }

    #[test]
    fn normalises_offsets() {
        for (raw, want) in [
            ("+08:00", Some("+08:00")),
            ("-05:00", Some("-05:00")),
            ("+0530", Some("+05:30")),
            ("+08", Some("+08:00")),
            ("   :  ", None),
            ("08:00", None),
            ("+25:00", None),
            ("+08:61", None),
            ("", None),
            ("+科普", None),
        ] {
            assert_eq!(normalise_offset(raw).as_deref(), want, "{raw:?}");
        }
    }

    /// A little-endian TIFF: IFD0 with `entries` (tag, type, count, value or offset), then
    /// `data` at offset 8 + 2 + 12 * n + 4.
    fn tiff(entries: &[(u16, u16, u32, u32)], data: &[u8]) -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        t.extend(u16::try_from(entries.len()).unwrap().to_le_bytes());
        for &(tag, kind, count, value) in entries {
            t.extend(tag.to_le_bytes());
            t.extend(kind.to_le_bytes());
            t.extend(count.to_le_bytes());
            t.extend(value.to_le_bytes());
        }
        t.extend(0u32.to_le_bytes());
        t.extend(data);
        t
    }

    #[test]
    fn orientation_as_text_and_duplicates_take_the_first() {
        // Orientation "6" as ASCII (inline), then a SHORT duplicate saying 3.
        let t = tiff(
            &[
                (0x0112, 2, 2, u32::from_le_bytes(*b"6\0\0\0")),
                (0x0112, 3, 1, 3),
            ],
            &[],
        );
        assert_eq!(exif(&t).and_then(|e| e.orientation), Some(6));
    }

    #[test]
    fn follows_ifd_typed_pointers_and_webp_exif_headers() {
        // IFD0: an Exif IFD pointer of type IFD (13). Exif IFD at 26: DateTimeOriginal.
        let date = b"2016:01:06 10:11:06\0";
        let exif_ifd_at = 8 + 2 + 12 + 4;
        let mut exif_ifd = 1u16.to_le_bytes().to_vec();
        exif_ifd.extend(0x9003u16.to_le_bytes());
        exif_ifd.extend(2u16.to_le_bytes());
        exif_ifd.extend(20u32.to_le_bytes());
        exif_ifd.extend(
            u32::try_from(exif_ifd_at + 2 + 12 + 4)
                .unwrap()
                .to_le_bytes(),
        );
        exif_ifd.extend(0u32.to_le_bytes());
        exif_ifd.extend(date);
        let t = tiff(
            &[(0x8769, 13, 1, u32::try_from(exif_ifd_at).unwrap())],
            &exif_ifd,
        );
        assert_eq!(
            exif(&t).and_then(|e| e.date_taken).as_deref(),
            Some("2016-01-06 10:11:06")
        );
        // The same block in a WebP EXIF chunk behind a JPEG-style `Exif\0\0` header.
        let mut fixed = t.clone();
        fixed[12..14].copy_from_slice(&4u16.to_le_bytes());
        let chunk = [&b"Exif\0\0"[..], &fixed].concat();
        let mut webp = b"RIFF\0\0\0\0WEBPEXIF".to_vec();
        webp.extend(u32::try_from(chunk.len()).unwrap().to_le_bytes());
        webp.extend(&chunk);
        let riff_size = u32::try_from(webp.len() - 8).unwrap().to_le_bytes();
        webp[4..8].copy_from_slice(&riff_size);
        assert_eq!(
            exif(&webp).and_then(|e| e.date_taken).as_deref(),
            Some("2016-01-06 10:11:06")
        );
    }

    #[test]
    fn container_walks_are_bounds_checked() {
        // A segment running past the end is not returned; the ones before are.
        let bytes = b"\xFF\xD8\xFF\xE0\x00\x04ab\xFF\xE1\x00\x10abc";
        assert_eq!(jpeg_segments(bytes), vec![(0xE0, &b"ab"[..])]);
        assert!(jpeg_segments(b"\xFF\xD8\xFF\xE1\x00\x01").is_empty());
        assert!(jpeg_segments(b"\xFF\xD8\xFF\xFF\xFF").is_empty());
        // Fill bytes and RST markers are skipped; SOS ends the walk.
        let bytes = b"\xFF\xD8\xFF\xFF\xD0\xFF\xE2\x00\x03x\xFF\xDA\x00\x03y\xFF\xE3\x00\x03z";
        assert_eq!(jpeg_segments(bytes), vec![(0xE2, &b"x"[..])]);
        // TIFF values: inline, at an offset, past the end, an IFD past the end.
        let t = tiff(&[(700, 1, 2, u32::from_le_bytes(*b"ok\0\0"))], &[]);
        assert_eq!(tiff_ifd0_value(&t, 700), Some(&b"ok"[..]));
        let t = tiff(&[(700, 1, 5, 26)], b"hello");
        assert_eq!(tiff_ifd0_value(&t, 700), Some(&b"hello"[..]));
        let t = tiff(&[(700, 1, 50, 26)], b"hello");
        assert_eq!(tiff_ifd0_value(&t, 700), None);
        let t = tiff(&[(700, 4, u32::MAX, 26)], b"hello");
        assert_eq!(tiff_ifd0_value(&t, 700), None);
        let mut t = tiff(&[(700, 1, 5, 26)], b"hello");
        t[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(tiff_ifd0_value(&t, 700), None);
        for cut in 0..t.len() {
            let _ = exif(&t[..cut]);
            let _ = tiff_ifd0_value(&t[..cut], 700);
        }
    }
}

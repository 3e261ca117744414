//! Embedded metadata: the EXIF block of JPEG, TIFF, PNG and WebP files.
//!
//! In: the file's bytes, already in memory. Out: `Exif` facts (date taken, orientation, make and
//! model, GPS, text fields and the Windows XP* properties). Invariant: a broken EXIF block yields
//! what could be read and never an error: metadata is never a reason to stop.

use exif::{Context, In, Reader, Tag, Value};
use std::io::Cursor;

use crate::photo::Exif;
use crate::tags::sheet::decode_text;

/// Windows Explorer properties, stored as UTF-16LE bytes in IFD0.
const XP_TITLE: Tag = Tag(Context::Tiff, 0x9C9B);
const XP_COMMENT: Tag = Tag(Context::Tiff, 0x9C9C);
const XP_AUTHOR: Tag = Tag(Context::Tiff, 0x9C9D);
const XP_KEYWORDS: Tag = Tag(Context::Tiff, 0x9C9E);
const XP_SUBJECT: Tag = Tag(Context::Tiff, 0x9C9F);

/// Reads the EXIF facts of a file, or `None` when it has no readable EXIF block.
pub fn exif(bytes: &[u8]) -> Option<Exif> {
    let parsed = Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(bytes))
        .or_else(|e| e.distill_partial_result(|_| {}))
        .ok()?;
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
    let date_taken = text(Tag::DateTimeOriginal)
        .or_else(|| text(Tag::DateTime))
        .and_then(|d| normalise_date(&d));
    let orientation = parsed
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|o| u16::try_from(o).ok())
        .filter(|o| (1..=8).contains(o));
    Some(Exif {
        date_taken,
        orientation,
        make: text(Tag::Make),
        model: text(Tag::Model),
        gps: gps(&parsed),
        description: text(Tag::ImageDescription),
        artist: text(Tag::Artist),
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

/// `2018:09:15 10:20:00` → `2018-09-15 10:20:00`; placeholder dates (`0000:00:00`) → `None`.
fn normalise_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let b = raw.as_bytes();
    if b.len() < 10 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year: i32 = raw[..4].parse().ok()?;
    if !(1900..=2100).contains(&year) {
        return None;
    }
    let mut out: String = raw.chars().take(19).collect();
    if out.len() >= 10 && out.is_char_boundary(10) {
        out.replace_range(4..5, "-");
        out.replace_range(7..8, "-");
    }
    Some(out)
}

fn gps(parsed: &exif::Exif) -> Option<(f64, f64)> {
    let coordinate = |tag: Tag, reference: Tag, negative: &str| -> Option<f64> {
        let field = parsed.get_field(tag, In::PRIMARY)?;
        let Value::Rational(parts) = &field.value else {
            return None;
        };
        if parts.len() < 3 || parts.iter().any(|r| r.denom == 0) {
            return None;
        }
        let degrees = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
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

    #[test]
    fn normalises_dates() {
        assert_eq!(
            normalise_date("2018:09:15 10:20:00").as_deref(),
            Some("2018-09-15 10:20:00")
        );
        assert_eq!(normalise_date("0000:00:00 00:00:00"), None);
        assert_eq!(normalise_date("    "), None);
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
}

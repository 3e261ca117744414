//! Text from units: bytes decoded whatever their encoding, and text made inert in the
//! spreadsheets lightbox writes.
//!
//! Decoding ([`decode_text`]): sheets, side notes and EXIF text fields arrive as UTF-8, GBK or
//! another legacy encoding with nothing saying which. In: bytes. Out: a `String`, by the BOM
//! when there is one, then strict UTF-8, then the encoding chardetng guesses for a Chinese
//! user (GBK read as GB18030, its superset). Never fails: undecodable bytes become U+FFFD.
//! A zip entry's raw name ([`decode_zip_name`]): UTF-8 when valid, else GB18030 (what Chinese
//! Windows writes when the zip does not flag UTF-8). A file or folder name on disk
//! ([`decode_os_name`]) likewise: a drop unzipped or copied from Chinese Windows without
//! converting its names holds GBK bytes, which are names staff can read, not mojibake.
//!
//! Making inert ([`inert`]). In: one CSV cell holding text a unit supplied or a file gave (caption, event, place,
//! photographer, unit, file name, path, a message quoting them). Out: the same text, with a
//! leading single quote `'` when its first character is one a spreadsheet would start a formula
//! with: `=`, `+`, `-`, `@`, tab or carriage return (OWASP's advice against CSV injection).
//! Every other cell comes back unchanged and unallocated, so the output stays deterministic.
//! Invariants: the tool's own numbers (sizes, counts, years, pixels) and codes are never passed
//! through here; nothing in lightbox reads the CSVs back (`report.json` and `manifest.json` keep
//! the original values for programs), so there is no function that strips the quote again.
//! Workbooks (xlsx) need no quote: their cells of unit text are written as strings.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula when they come first.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` made inert for a CSV: prefixed with `'` when it starts with `=`, `+`, `-`, `@`, tab
/// or carriage return, otherwise returned as it is.
pub fn inert(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Decodes sheet bytes: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return text.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(bytes, true);
            let encoding = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
            let encoding = if encoding == encoding_rs::GBK {
                encoding_rs::GB18030
            } else {
                encoding
            };
            encoding.decode_without_bom_handling(bytes).0.into_owned()
        }
    }
}

/// Decodes a zip entry's raw name: UTF-8 when it is valid UTF-8 (flagged or not), otherwise
/// GB18030, the superset of the GBK that Chinese Windows writes.
pub fn decode_zip_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(name) => name.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(raw)
            .0
            .into_owned(),
    }
}

/// Decodes a file or folder name as staff read it: UTF-8 when it is valid UTF-8, otherwise
/// GB18030 (a drop unzipped with a tool that kept the zip's GBK bytes, or copied from a disk
/// mounted without converting). Only for display and tags: files are opened by their real path.
pub fn decode_os_name(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        decode_zip_name(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_a_quote() {
        for (cell, want) in [
            ("=1+1", "'=1+1"),
            ("+86 138", "'+86 138"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=cmd", "'\t=cmd"),
            ("\r=cmd", "'\r=cmd"),
            (
                "=HYPERLINK(\"http://x\",\"点击\")",
                "'=HYPERLINK(\"http://x\",\"点击\")",
            ),
        ] {
            let got = inert(cell);
            assert_eq!(got, want, "{cell:?}");
            assert!(matches!(got, Cow::Owned(_)), "{cell:?}");
        }
    }

    #[test]
    fn other_text_is_unchanged_and_borrowed() {
        for cell in [
            "",
            "IMG_0001.jpg",
            "克拉玛依市科协组织科技工作者走进校园，为学生讲解科学知识。",
            "a=1+1",
            "2015+克拉玛依市+科普进校园+01.jpg",
            " =1+1",
            "'=1+1",
            "\n=1+1",
        ] {
            let got = inert(cell);
            assert_eq!(got, cell);
            assert!(matches!(got, Cow::Borrowed(_)), "{cell:?}");
        }
    }
}

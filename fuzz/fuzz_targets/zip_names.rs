//! Fuzz zip entry names: `ingest::decode_zip_name` (UTF-8, else GB18030) then
//! `ingest::is_unsafe_zip_name` on the decoded name.
//!
//! In: arbitrary bytes as the raw name stored in a zip's central directory.
//!
//! Must hold: no panic, no hang, bounded memory, and the safety property the code states ("true
//! when a zip entry name would land outside the folder it is unpacked into"), checked here
//! against an independent oracle: with `/` and `\` both taken as separators, a decoded name
//!   * that has a `..` component, or
//!   * that starts with `/` or `\` (absolute, or a UNC path), or
//!   * that starts with an ASCII letter followed by `:` (a Windows drive, `C:\x` or `C:x`)
//!
//! is reported unsafe. Also on the raw bytes: valid UTF-8 decodes to itself, and a raw name
//! whose `/`-separated components include `..`, or that starts with `/`, is still reported unsafe
//! after decoding (GB18030 never folds the ASCII bytes `.` and `/` into a multi-byte character).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightbox::ingest::{decode_zip_name, is_unsafe_zip_name};

fn escapes(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    let drive = matches!(
        (chars.next(), chars.next()),
        (Some(letter), Some(':')) if letter.is_ascii_alphabetic()
    );
    if name.split(['/', '\\']).any(|part| part == "..") {
        Some("a `..` component")
    } else if name.starts_with(['/', '\\']) {
        Some("an absolute path")
    } else if drive {
        Some("a drive letter")
    } else {
        None
    }
}

fuzz_target!(|data: &[u8]| {
    let name = decode_zip_name(data);
    let unsafe_name = is_unsafe_zip_name(&name);
    if let Some(why) = escapes(&name) {
        assert!(unsafe_name, "{name:?} has {why} but is not reported unsafe");
    }
    if let Ok(utf8) = std::str::from_utf8(data) {
        assert_eq!(name, utf8, "valid UTF-8 must decode to itself");
    }
    let raw_escapes =
        data.starts_with(b"/") || data.split(|&b| b == b'/').any(|part| part == b"..");
    if raw_escapes {
        assert!(
            unsafe_name,
            "raw {data:?} escapes (decoded {name:?}) but is not reported unsafe"
        );
    }
});

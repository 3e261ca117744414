//! Fuzz the embedded-metadata readers: EXIF (`inspect::metadata::exif`), XMP
//! (`inspect::xmp::read`) and IPTC (`inspect::iptc::read` and the IIM record parser
//! `inspect::iptc::parse`).
//!
//! In: arbitrary bytes, fed as they are, then wrapped as the payload of a JPEG APP1 `Exif\0\0`
//! segment (FF D8, FF E1, length, `Exif\0\0`, data, FF D9) so the fuzzer reaches the TIFF/IFD
//! parser without first having to discover the JPEG container, then as an APP1 XMP packet and an
//! APP13 `Photoshop 3.0` segment for the same reason.
//!
//! Must hold: no panic (including arithmetic overflow and out-of-bounds slicing), no hang (an IFD
//! loop or a self-referencing offset terminates), bounded memory (a declared count or length
//! never allocates more than the input can back). Metadata is never a reason to stop: a broken
//! block yields `None` or partial facts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightbox::inspect::{iptc, metadata, xmp};

/// Payload bytes that fit one JPEG marker segment next to `signature` (the length field is a u16
/// that counts itself).
fn segment(marker: u8, signature: &[u8], data: &[u8]) -> Vec<u8> {
    let room = usize::from(u16::MAX) - 2 - signature.len();
    let data = &data[..data.len().min(room)];
    let length = u16::try_from(2 + signature.len() + data.len()).expect("bounded above");
    let mut jpeg = Vec::with_capacity(data.len() + signature.len() + 8);
    jpeg.extend_from_slice(&[0xFF, 0xD8, 0xFF, marker]);
    jpeg.extend_from_slice(&length.to_be_bytes());
    jpeg.extend_from_slice(signature);
    jpeg.extend_from_slice(data);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

fn read_all(bytes: &[u8]) {
    let _ = metadata::exif(bytes);
    let _ = xmp::read(bytes);
    let _ = iptc::read(bytes);
    let _ = iptc::parse(bytes);
}

fuzz_target!(|data: &[u8]| {
    read_all(data);
    read_all(&segment(0xE1, b"Exif\0\0", data));
    read_all(&segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0", data));
    read_all(&segment(0xED, b"Photoshop 3.0\0", data));
});

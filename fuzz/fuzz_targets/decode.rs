//! Fuzz image decoding: `inspect::decode::sniff` (magic bytes), then, for an image format,
//! `inspect::decode::decode` with a 256-pixel long edge and a 4-megapixel limit, then what
//! `inspect::photo` does next with the same bytes and pixels: `dedupe::jpeg_quality` (the DQT
//! reader, for a JPEG) and `fingerprint::Fingerprint::of` on the decoded preview. The same path
//! every photo takes, with a small pixel limit so a fuzzed header cannot ask for a large buffer.
//!
//! In: arbitrary bytes as a file's content.
//!
//! Must hold: no panic (a bad image is a `DecodeError`, never a crash), no hang, bounded memory:
//! a header declaring more than 4 000 000 pixels is refused as `TooManyPixels` before any pixel
//! buffer exists, and no decode allocates much beyond `max_pixels * 8 + 64 MiB`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightbox::fingerprint::Fingerprint;
use lightbox::inspect::decode::{self, DecodeError, Sniffed};
use lightbox::photo::Format;

const MAX_PIXELS: u64 = 4_000_000;
const LONG_EDGE: u32 = 256;

fuzz_target!(|data: &[u8]| {
    let Sniffed::Image(format) = decode::sniff(data) else {
        return;
    };
    if format == Format::Jpeg {
        let _ = lightbox::inspect::quality::jpeg_quality(data);
    }
    match decode::decode(data, format, None, LONG_EDGE, MAX_PIXELS) {
        Ok(decoded) => {
            assert!(
                u64::from(decoded.width) * u64::from(decoded.height) <= MAX_PIXELS,
                "decoded {}x{} over the pixel limit",
                decoded.width,
                decoded.height
            );
            let (w, h) = decoded.pixels.dimensions();
            assert!(
                w.max(h) <= LONG_EDGE,
                "preview {w}x{h} larger than the long edge"
            );
            let _ = Fingerprint::of(&decoded.pixels);
        }
        Err(DecodeError::TooManyPixels { width, height }) => {
            assert!(u64::from(width) * u64::from(height) > MAX_PIXELS);
        }
        Err(DecodeError::Failed(_) | DecodeError::Unsupported { .. }) => {}
    }
});

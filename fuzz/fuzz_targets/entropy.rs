//! Fuzz the walk through a JPEG's Huffman-coded data: `inspect::entropy::check`, which the
//! inspector runs on pictures that look cut off.
//!
//! In: arbitrary bytes, as they are and behind a JPEG start marker (so the fuzzer reaches the
//! segment and scan parsers at once).
//!
//! Must hold: no panic, no hang, bounded memory; a file without a start marker is `Unknown`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightbox::inspect::entropy::{Entropy, check};

fuzz_target!(|data: &[u8]| {
    let result = check(data);
    if !data.starts_with(&[0xFF, 0xD8]) {
        assert_eq!(result, Entropy::Unknown);
    }
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend_from_slice(data);
    let _ = check(&jpeg);
});

//! Fuzz the tag-sheet readers units send alongside their photos: `tags::sheet::read` (a workbook
//! told by its bytes, xlsx/xls/ods through calamine, otherwise CSV), `tags::sheet::read_csv` and
//! the charset guesser `text::decode_text`.
//!
//! In: arbitrary bytes as the content of `fuzz.xlsx` / `fuzz.csv` (the names only label rows).
//!
//! Must hold: no panic (a bad sheet is an `Err` reason, never a crash), no hang, bounded memory
//! (a workbook declaring a huge used range or a deflate bomb inside the xlsx must not allocate
//! far beyond what the input backs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightbox::tags::sheet;

fuzz_target!(|data: &[u8]| {
    let _ = sheet::read(data, "fuzz.xlsx");
    let _ = sheet::read_csv(data, "fuzz.csv");
    let _ = lightbox::text::decode_text(data);
});

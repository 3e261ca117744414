//! Parts: a package too large for one transfer, as several complete bags, each zipped.
//!
//! In: the packaged photos' sizes in package order and a size limit (`--split-size`); a
//! finished bag folder. Out: the photos' split into parts (ranges of the package order) and a
//! zip of one bag.
//! Invariants: a photo is never split across parts, and parts keep the package order; a part
//! holds at least one photo, so a photo larger than the limit is a part of its own; the zip
//! stores every file as it is (no recompression), sorted, `bagit.txt` first, under one folder
//! named like the zip, with a fixed timestamp and mode, UTF-8 names (flagged as such) and
//! zip64 for a file of 4 GiB or more: the same bag gives a byte-identical zip.

use std::fs;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::Path;

use crate::broken::{Doing, Step};

use crate::broken::BadSize;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Room each photo takes in a part beyond its bytes: its zip headers (local, central, zip64),
/// its lines in the manifests and the manifest table, its picture in the 图录 (at most
/// [`crate::package::book::catalogue::PREVIEW_BUDGET`]) and its row in the 汇总表 ([`LISTED_ROW`]).
pub const PER_PHOTO_OVERHEAD: u64 =
    1024 + crate::package::book::catalogue::PREVIEW_BUDGET as u64 + LISTED_ROW;

/// Room a photo's row takes in a 汇总表: its 96-pixel thumbnail (2–6 KB) and its text.
pub const LISTED_ROW: u64 = 16 << 10;

/// Room a part keeps for its tag files, manifests and the fixed part of its reading copies (the
/// 图录's font subset and pages, the 汇总表's other sheets).
pub const PER_PART_OVERHEAD: u64 = 1 << 20;

/// Reads a size such as `2GB`, `700MB`, `1.5G`, `650MiB` or `123456` (bytes). K, M, G, T are
/// decimal (1000), KiB, MiB, GiB, TiB binary (1024); a trailing `B` is optional.
///
/// # Errors
/// When the text is not a positive size.
pub fn parse_size(text: &str) -> Result<u64, BadSize> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| BadSize::NotANumber { text: text.into() })?;
    let unit = unit.trim();
    let factor: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" => 1_000,
        "M" | "MB" => 1_000_000,
        "G" | "GB" => 1_000_000_000,
        "T" | "TB" => 1_000_000_000_000,
        "KI" | "KIB" => 1 << 10,
        "MI" | "MIB" => 1 << 20,
        "GI" | "GIB" => 1 << 30,
        "TI" | "TIB" => 1 << 40,
        _ => {
            return Err(BadSize::UnknownUnit {
                text: text.into(),
                unit: unit.into(),
            });
        }
    };
    let bytes = number * factor as f64;
    if !(bytes >= 1.0 && bytes.is_finite()) {
        return Err(BadSize::NotPositive { text: text.into() });
    }
    Ok(bytes as u64)
}

/// Splits photos of `sizes` (in package order) into consecutive parts of at most `limit` bytes
/// each, counting [`PER_PHOTO_OVERHEAD`] per photo and [`PER_PART_OVERHEAD`] per part, and in
/// part 1 a [`LISTED_ROW`] for every photo of the package (its 汇总表 lists them all). A photo
/// larger than that is a part of its own. No photos give one empty part.
pub fn plan(sizes: &[u64], limit: u64) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut used = PER_PART_OVERHEAD.saturating_add(LISTED_ROW.saturating_mul(sizes.len() as u64));
    for (i, &size) in sizes.iter().enumerate() {
        let cost = size.saturating_add(PER_PHOTO_OVERHEAD);
        if i > start && used.saturating_add(cost) > limit {
            parts.push(start..i);
            start = i;
            used = PER_PART_OVERHEAD;
        }
        used = used.saturating_add(cost);
    }
    parts.push(start..sizes.len());
    parts
}

/// The name of part `index` (from 1) of `count` of the package named `name`:
/// `name-2of5`.
pub fn part_name(name: &str, index: usize, count: usize) -> String {
    format!("{name}-{index}of{count}")
}

/// The zip's timestamp for every entry: `date` (`YYYY-MM-DD`) at midnight, or 1980-01-01 when it
/// cannot be read.
pub fn zip_time(date: &str) -> DateTime {
    let mut parts = date.split('-').map(|p| p.parse::<u16>().ok());
    let (y, m, d) = (
        parts.next().flatten(),
        parts.next().flatten(),
        parts.next().flatten(),
    );
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) => {
            DateTime::from_date_and_time(y, m as u8, d as u8, 0, 0, 0).unwrap_or_default()
        }
        _ => DateTime::default(),
    }
}

/// Writes the bag folder `bag` as the zip `to`: its files under the folder `root/`, stored,
/// `bagit.txt` first and the rest sorted, each stamped `time`.
///
/// # Errors
/// When a file cannot be read or the zip cannot be written (the error names which).
pub fn zip_bag(bag: &Path, root: &str, to: &Path, time: DateTime) -> anyhow::Result<()> {
    zip_bag_from(bag, root, to, time, ZIP64_FROM)
}

/// Entries of this many bytes or more are written with zip64 sizes (the classic fields hold
/// less than 4 GiB).
const ZIP64_FROM: u64 = u32::MAX as u64;

/// [`zip_bag`], with zip64 entries from `zip64_from` bytes (tests lower it to write zip64 with
/// small files).
fn zip_bag_from(
    bag: &Path,
    root: &str,
    to: &Path,
    time: DateTime,
    zip64_from: u64,
) -> anyhow::Result<()> {
    let mut files = super::bag::files_below(bag)?;
    files.sort_by(|a, b| (a.0 != "bagit.txt", &a.0).cmp(&(b.0 != "bagit.txt", &b.0)));
    let out = fs::File::create(to).doing(|| Step::Write(to.to_path_buf()))?;
    let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, out));
    for (path, size) in files {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(time)
            .unix_permissions(0o644)
            .large_file(size >= zip64_from);
        let name = format!("{root}/{path}");
        zip.start_file(name.as_str(), options)
            .doing(|| Step::IntoZip {
                name: name.clone(),
                zip: to.to_path_buf(),
            })?;
        let full = bag.join(&path);
        let mut file = fs::File::open(&full).doing(|| Step::Read(full.to_path_buf()))?;
        std::io::copy(&mut file, &mut zip).doing(|| Step::IntoZip {
            name: name.clone(),
            zip: to.to_path_buf(),
        })?;
    }
    let mut out = zip.finish().doing(|| Step::Write(to.to_path_buf()))?;
    out.flush().doing(|| Step::Write(to.to_path_buf()))?;
    out.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .doing(|| Step::Write(to.to_path_buf()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("700MB"), Ok(700_000_000));
        assert_eq!(parse_size("1.5G"), Ok(1_500_000_000));
        assert_eq!(parse_size("650MiB"), Ok(650 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        let text = |t: &str| t.to_string();
        assert_eq!(
            parse_size("0"),
            Err(BadSize::NotPositive { text: text("0") })
        );
        assert_eq!(
            parse_size("lots"),
            Err(BadSize::NotANumber { text: text("lots") })
        );
        assert_eq!(
            parse_size("3 parsecs"),
            Err(BadSize::UnknownUnit {
                text: text("3 parsecs"),
                unit: text("parsecs")
            })
        );
    }

    #[test]
    fn parts_keep_photos_whole_and_in_order() {
        let mb = 1_000_000;
        // Part 1 keeps room for the whole package's rows in its 汇总表.
        let limit = 3 * mb + PER_PART_OVERHEAD + 3 * PER_PHOTO_OVERHEAD + 5 * LISTED_ROW;
        assert_eq!(plan(&[mb, mb, mb, mb, mb], limit), [0..3, 3..5]);
        assert_eq!(plan(&[mb, mb, mb, mb, mb], limit - 1), [0..2, 2..5]);
        // A photo larger than the limit is a part of its own.
        assert_eq!(plan(&[mb, 10 * mb, mb], limit), [0..1, 1..2, 2..3]);
        assert_eq!(plan(&[], limit), vec![std::ops::Range { start: 0, end: 0 }]);
        assert_eq!(part_name("pkg", 2, 5), "pkg-2of5");
    }

    /// What is written with zip64 sizes reads back in Python's `zipfile`, entry for entry, and
    /// only entries from the limit on are zip64 (their local header carries the zip64 extra
    /// field, id 0x0001). The limit is lowered to a few bytes: a 4 GiB photo is not needed to
    /// write the same headers.
    #[test]
    fn entries_past_the_limit_are_zip64_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let bag = dir.path().join("bag");
        fs::create_dir_all(bag.join("data/2015")).unwrap();
        fs::write(bag.join("bagit.txt"), "BagIt-Version: 1.0\n").unwrap();
        fs::write(bag.join("data/2015/大.jpg"), b"a photo past the limit").unwrap();
        fs::write(bag.join("data/2015/小.jpg"), b"small").unwrap();
        let zip = dir.path().join("pkg-1of1.zip");
        zip_bag_from(&bag, "pkg-1of1", &zip, zip_time("2023-09-16"), 10).unwrap();
        assert_eq!(ZIP64_FROM, 0xFFFF_FFFF, "the classic fields' limit");
        // Each local header: its name, then whether its extra field starts with the zip64 id.
        let bytes = fs::read(&zip).unwrap();
        let mut zip64 = Vec::new();
        for at in 0..bytes.len().saturating_sub(30) {
            if bytes[at..at + 4] == [0x50, 0x4b, 0x03, 0x04] {
                let le = |i: usize| usize::from(u16::from_le_bytes([bytes[i], bytes[i + 1]]));
                let (name_len, extra_len) = (le(at + 26), le(at + 28));
                let name = String::from_utf8_lossy(&bytes[at + 30..at + 30 + name_len]);
                let extra = &bytes[at + 30 + name_len..at + 30 + name_len + extra_len];
                zip64.push((name.into_owned(), extra.starts_with(&[0x01, 0x00])));
            }
        }
        assert_eq!(
            zip64,
            [
                ("pkg-1of1/bagit.txt".to_string(), true),
                ("pkg-1of1/data/2015/大.jpg".to_string(), true),
                ("pkg-1of1/data/2015/小.jpg".to_string(), false),
            ]
        );
        let Ok(out) = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys,zipfile\n\
                 z=zipfile.ZipFile(sys.argv[1])\n\
                 assert z.testzip() is None\n\
                 print(z.read('pkg-1of1/data/2015/大.jpg').decode())",
            ])
            .arg(&zip)
            .output()
        else {
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text, "a photo past the limit\n");
    }

    #[test]
    fn the_zip_time_is_the_date() {
        let time = zip_time("2023-09-16");
        assert_eq!((time.year(), time.month(), time.day()), (2023, 9, 16));
        assert_eq!(zip_time("not a date"), DateTime::default());
    }
}

//! Makes a benchmark intake from real photos: `UNITS` unit folders of `PER_UNIT` JPEGs each,
//! every photo a real corpus photo scaled to `WIDTH` x `HEIGHT` (4000 x 3000 by default),
//! quality 90, with its original EXIF block kept, named the way units name files; plus a few
//! planted exact copies across units (`PLANTED=n` sets how many). Deterministic: the same
//! arguments give the same files.
//!
//! In: a corpus folder of JPEGs (default `../shared/corpus`). Out: `OUT/<unit>/<name>.jpg`.
//! Usage: `cargo run --release --example make_corpus -- OUT [UNITS] [PER_UNIT] [CORPUS]`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs;
use std::path::{Path, PathBuf};

const UNITS: [&str; 14] = [
    "乌鲁木齐市科协",
    "克拉玛依市科协",
    "吐鲁番市科协",
    "哈密市科协",
    "昌吉州科协",
    "博州科协",
    "巴州科协",
    "阿克苏地区科协",
    "克州科协",
    "喀什地区科协",
    "和田地区科协",
    "伊犁州科协",
    "塔城地区科协",
    "阿勒泰地区科协",
];
const PLACES: [&str; 14] = [
    "乌鲁木齐市",
    "克拉玛依市",
    "吐鲁番市",
    "哈密市",
    "昌吉州",
    "博州",
    "巴州",
    "阿克苏地区",
    "克州",
    "喀什地区",
    "和田地区",
    "伊犁州",
    "塔城地区",
    "阿勒泰地区",
];
const EVENTS: [&str; 6] = [
    "科普进校园",
    "科普大篷车进社区",
    "科技馆开放日",
    "科普讲座",
    "青少年科技创新大赛",
    "科普日主场活动",
];

/// The EXIF APP1 segment of a JPEG (marker included), if any.
fn exif_segment(jpeg: &[u8]) -> Option<&[u8]> {
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if marker == 0xE1 && jpeg.get(at + 4..at + 10) == Some(b"Exif\0\0") {
            return jpeg.get(at..at + 2 + len);
        }
        if marker == 0xDA {
            break;
        }
        at += 2 + len;
    }
    None
}

fn sources(corpus: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(corpus)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg"))
        })
        .filter(|p| {
            let Ok(bytes) = fs::read(p) else { return false };
            bytes.len() > 150_000
                && image::load_from_memory(&bytes).is_ok_and(|i| i.width().max(i.height()) >= 1000)
        })
        .collect();
    found.sort();
    found
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let out = PathBuf::from(args.first().ok_or_else(|| {
        anyhow::anyhow!("usage: make_corpus OUT [UNITS] [PER_UNIT] [CORPUS] [WIDTH] [HEIGHT]")
    })?);
    let units: usize = args.get(1).map_or(Ok(8), |a| a.parse())?;
    let per_unit: usize = args.get(2).map_or(Ok(25), |a| a.parse())?;
    let corpus = PathBuf::from(
        args.get(3)
            .cloned()
            .unwrap_or_else(|| "../shared/corpus".into()),
    );
    let width: u32 = args.get(4).map_or(Ok(4000), |a| a.parse())?;
    let height: u32 = args.get(5).map_or(Ok(3000), |a| a.parse())?;
    let pool = sources(&corpus);
    anyhow::ensure!(
        !pool.is_empty(),
        "no usable JPEGs under {}",
        corpus.display()
    );
    let mut made = 0;
    for unit_idx in 0..units.min(UNITS.len()) {
        let unit_dir = out.join(UNITS[unit_idx]);
        fs::create_dir_all(&unit_dir)?;
        for n in 0..per_unit {
            let pick = &pool[(unit_idx * per_unit + n) % pool.len()];
            let bytes = fs::read(pick)?;
            let image = image::load_from_memory(&bytes)?.resize_to_fill(
                width,
                height,
                image::imageops::FilterType::Triangle,
            );
            // Vary each copy a little so photos from the same source are not identical.
            let mut rgb = image.into_rgb8();
            let shift = ((unit_idx * 31 + n * 7) % 23) as u8;
            for pixel in rgb.pixels_mut() {
                pixel.0[2] = pixel.0[2].saturating_add(shift);
            }
            let encoded = lightbox::inspect::encode_jpeg_rust(&rgb, 90)?;
            let mut jpeg = encoded[..2].to_vec();
            if let Some(exif) = exif_segment(&bytes) {
                jpeg.extend_from_slice(exif);
            }
            jpeg.extend_from_slice(&encoded[2..]);
            let year = 2005 + (unit_idx + n) % 19;
            let name = format!(
                "{year}+{}+{}+{:02}.jpg",
                PLACES[unit_idx],
                EVENTS[n % EVENTS.len()],
                n + 1
            );
            fs::write(unit_dir.join(name), &jpeg)?;
            made += 1;
        }
    }
    // Planted exact copies: photos of one unit sent again by the next, the first photo of
    // each of the first units by default, or `PLANTED` of them, unit after unit.
    let n_units = units.min(UNITS.len());
    let planted = std::env::var("PLANTED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or((n_units / 2).min(24));
    for i in 0..planted {
        let from = out.join(UNITS[i % n_units]);
        let to = out.join(UNITS[(i + 1) % n_units]);
        let mut photos: Vec<PathBuf> = fs::read_dir(&from)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                !p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("转发_")
            })
            .collect();
        photos.sort();
        if let Some(photo) = photos.get(i / n_units) {
            fs::copy(
                photo,
                to.join(format!(
                    "转发_{}",
                    photo.file_name().unwrap().to_string_lossy()
                )),
            )?;
            made += 1;
        }
    }
    println!(
        "{made} photos in {} units under {}",
        units.min(UNITS.len()),
        out.display()
    );
    Ok(())
}

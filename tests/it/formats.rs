//! Every image format and variant lightbox reads: the files of `fixtures/formats/` (made by
//! `scripts/make-format-fixtures.sh` from one corpus photo), whole and cut short, run through
//! `lightbox run` together.
//!
//! In: `fixtures/formats/*` and `fixtures/formats/reference/*.png` (what vipsthumbnail made of
//! each file). Out: for each whole file, that it decoded with no error about its data, that its
//! thumbnail is upright and within [`BOUND`] of vipsthumbnail's; for each cut file, the
//! `truncated` finding, with the picture kept where its format lets a decoder keep one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use image::RgbImage;
use lightbox::photo::{Check, Severity};
use lightbox::report::ItemReport;

use crate::env::{Run, fixtures};

/// The largest mean absolute difference (grey levels of 255, over every channel of every pixel)
/// between lightbox's thumbnail and vipsthumbnail's of the same file. Both keep the 192 × 128
/// fixtures at their size, so what differs is the decoders' rounding (and a lossy codec's
/// upsampling) plus the thumbnail's own JPEG coding, which alone costs 4.4 on these detailed
/// pixels (the lossless variants, identical once decoded). The same picture upside down is 70
/// and more off.
const BOUND: f64 = 8.0;

/// Where the cut copies are cut: this share of each file's bytes.
const CUT_AT: f64 = 0.6;

/// Findings about a file's data that no whole fixture may have.
const DATA_ERRORS: &[&str] = &[
    "truncated",
    "corrupt_data",
    "decode_failed",
    "decoder_crashed",
    "unsupported_format",
    "too_many_pixels",
];

/// Formats whose cut copies keep a picture: the data that arrived is decoded, the rest grey.
/// (A TIFF whose directory follows its data, as these do, loses the directory with the cut;
/// HEIF-family files are decoded whole by libheif or not at all, lossless JPEG by
/// jpeg-decoder.)
const KEEP_A_PICTURE: &[&str] = &["jpeg-", "png-rgb16", "png-palette", "bmp-", "jxl-"];

/// Exceptions to [`KEEP_A_PICTURE`].
const CUT_TO_NOTHING: &[&str] = &["jpeg-lossless"];

fn formats() -> PathBuf {
    fixtures().join("formats")
}

fn variants() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(formats())
        .expect("fixtures/formats is there")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 45, "{} fixtures", files.len());
    files
}

fn is_heif(name: &str) -> bool {
    name.ends_with(".heic") || name.ends_with(".avif")
}

/// The cargo feature whose build reads this fixture, when this build does not: HEIF-family
/// files need libheif (`heif`); 12-bit and arithmetic-coded JPEG, libjpeg-turbo (`turbojpeg`).
fn needs_feature(name: &str) -> Option<&'static str> {
    if is_heif(name) && !cfg!(feature = "heif") {
        Some("heif")
    } else if ["jpeg-12bit.jpg", "jpeg-arithmetic.jpg"].contains(&name)
        && !cfg!(feature = "turbojpeg")
    {
        Some("turbojpeg")
    } else {
        None
    }
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

fn codes(item: &ItemReport, severity: Severity) -> Vec<&'static str> {
    item.findings
        .iter()
        .filter(|f| f.finding.severity == severity)
        .map(|f| f.finding.check.code())
        .collect()
}

fn thumbnail(work: &Path, item: &ItemReport) -> RgbImage {
    let photo = item.photo.as_ref().expect("an image");
    let path = work
        .join("derived/thumbs")
        .join(format!("{}.jpg", photo.content.to_hex()));
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: no thumbnail ({e})", item.path))
        .into_rgb8()
}

#[test]
#[allow(
    clippy::print_stderr,
    reason = "the measured differences are the test's figures"
)]
fn every_format_decodes_upright_like_vipsthumbnail_and_cut_copies_say_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("drops").join("格式");
    let cut = dir.path().join("drops").join("截断");
    std::fs::create_dir_all(&whole).unwrap();
    std::fs::create_dir_all(&cut).unwrap();
    for path in variants() {
        let name = path.file_name().unwrap();
        std::fs::copy(&path, whole.join(name)).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let keep = (bytes.len() as f64 * CUT_AT) as usize;
        std::fs::write(cut.join(name), &bytes[..keep]).unwrap();
    }
    let run = Run::new(&dir.path().join("drops"), &["--quiet"]);
    let report = run.report();
    let items: BTreeMap<(String, String), &ItemReport> = report
        .items
        .iter()
        .map(|i| {
            let mut parts = i.path.rsplit('/');
            let name = parts.next().unwrap().to_string();
            let unit = parts.next().unwrap_or_default().to_string();
            (name, unit)
        })
        .zip(report.items.iter())
        .map(|((name, unit), item)| ((unit, name), item))
        .collect();
    let item = |unit: &str, name: &str| {
        *items
            .get(&(unit.to_string(), name.to_string()))
            .unwrap_or_else(|| panic!("{unit}/{name} is missing from the report"))
    };

    let mut failures = Vec::new();
    let mut figures = Vec::new();
    for path in variants() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let it = item("格式", &name);
        let errors = codes(it, Severity::Error);
        if let Some(feature) = needs_feature(&name) {
            // Without its library: a clear finding naming the build that reads the file.
            let named = it.findings.iter().any(|f| {
                matches!(&f.finding.check, Check::UnsupportedFormat { feature: Some(f), .. } if f == feature)
            });
            if !named {
                failures.push(format!(
                    "{name}: {errors:?}, not unsupported_format ({feature})"
                ));
            }
            continue;
        }
        if let Some(bad) = errors.iter().find(|c| DATA_ERRORS.contains(c)) {
            failures.push(format!("{name}: {bad} ({:?})", it.findings));
            continue;
        }
        let thumb = thumbnail(&run.work, it);
        let stem = name.rsplit_once('.').unwrap().0;
        let reference = image::open(formats().join("reference").join(format!("{stem}.png")))
            .unwrap()
            .into_rgb8();
        if thumb.dimensions() != reference.dimensions() {
            failures.push(format!(
                "{name}: thumbnail {:?}, vipsthumbnail {:?} (not upright?)",
                thumb.dimensions(),
                reference.dimensions()
            ));
            continue;
        }
        let diff = mean_abs_diff(&thumb, &reference);
        // The bound tells a right picture from a wrong one: the same picture upside down is
        // far off.
        let turned = mean_abs_diff(&thumb, &image::imageops::rotate180(&reference));
        figures.push(format!("{name} {diff:.2} (turned {turned:.1})"));
        if diff >= BOUND || turned < 2.0 * BOUND {
            failures.push(format!(
                "{name}: differs from vipsthumbnail by {diff:.2} (upside down {turned:.2})"
            ));
        }
    }
    eprintln!(
        "mean absolute difference from vipsthumbnail:\n{}",
        figures.join("\n")
    );

    // What the files say besides their pixels.
    let multi = item("格式", "tiff-multipage.tif");
    let pages: Vec<u32> = multi
        .findings
        .iter()
        .filter_map(|f| match f.finding.check {
            Check::MultiPage { pages } => Some(pages),
            _ => None,
        })
        .collect();
    assert_eq!(pages, [3], "{:?}", multi.findings);
    assert!(codes(multi, Severity::Info).contains(&"multi_page"));
    for name in ["tiff-cmyk.tif", "jpeg-cmyk.jpg"] {
        assert!(item("格式", name).photo.as_ref().unwrap().cmyk, "{name}");
    }
    // EXIF inside the HEIF container is read like a JPEG's, with or without libheif.
    for name in ["heic-8bit-exif.heic", "avif-8bit-exif.avif"] {
        let photo = item("格式", name).photo.as_ref().unwrap();
        assert_eq!(
            photo.exif.date_taken.as_deref(),
            Some("2015-09-19 10:20:30"),
            "{name}"
        );
    }

    // Cut copies: truncated, never a crash, and a picture where the format allows one.
    for path in variants() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let it = item("截断", &name);
        let errors = codes(it, Severity::Error);
        if needs_feature(&name).is_some() {
            continue;
        }
        if !errors.contains(&"truncated") {
            failures.push(format!("cut {name}: {errors:?}, not truncated"));
        }
        let decoded = it.photo.as_ref().is_some_and(|p| p.decoded);
        let keeps = KEEP_A_PICTURE.iter().any(|p| name.starts_with(p))
            && !CUT_TO_NOTHING.iter().any(|p| name.starts_with(p));
        if keeps && !decoded {
            failures.push(format!("cut {name}: no picture kept"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every format's decoder refuses a picture over the pixel limit from its header: the limit
/// below the fixtures' 24,576 pixels gives their stored size, not a picture.
#[test]
fn every_format_is_refused_over_the_pixel_limit_from_its_header() {
    use lightbox::inspect::decode::{self, DecodeError, Sniffed};
    for path in variants() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if is_heif(&name) && !cfg!(feature = "heif") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let Sniffed::Image(format) = decode::sniff(&bytes) else {
            panic!("{name} is not sniffed as an image");
        };
        match decode::decode(&bytes, format, None, 320, 20_000) {
            Err(DecodeError::TooManyPixels { width, height }) => {
                assert_eq!(width * height, 192 * 128, "{name}: {width} x {height}");
            }
            other => panic!("{name}: {:?}", other.map(|d| d.pixels.dimensions())),
        }
    }
}

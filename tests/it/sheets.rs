//! Contact sheets as curators use them: page images and a PDF per sheet (several past
//! `pdf_pages`) whose Chinese text is real text in an embedded subset font; sheets by year
//! instead of unit; PNG pages; `--font`.
//!
//! In: `fixtures/drops`, `assets/fonts`. Out: assertions on the files under `WORK/sheets`: page
//! sizes, the PDF's pages, fonts and text mapping (its ToUnicode maps, inflated), folder names.

use std::io::Read;
use std::path::Path;

use crate::env::{Run, drops, lightbox};

/// The streams of a PDF, inflated where they are Flate-compressed.
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = pdf;
    while let Some(start) = find(rest, b"stream") {
        let mut body = &rest[start + 6..];
        if body.starts_with(b"\r\n") {
            body = &body[2..];
        } else if body.starts_with(b"\n") {
            body = &body[1..];
        }
        let Some(end) = find(body, b"endstream") else {
            break;
        };
        let raw = &body[..end];
        let mut inflated = Vec::new();
        match flate2::read::ZlibDecoder::new(raw).read_to_end(&mut inflated) {
            Ok(_) => out.push(inflated),
            Err(_) => out.push(raw.to_vec()),
        }
        rest = &body[end + 9..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn pages_in(folder: &Path, ext: &str) -> usize {
    std::fs::read_dir(folder)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(ext)
        })
        .count()
}

#[test]
fn each_unit_has_a_pdf_with_real_chinese_text_in_an_embedded_subset_font() {
    let run = Run::new(&drops(), &["--quiet"]);
    let unit = "喀什地区科协";
    let folder = run.work.join("sheets").join(unit);
    let pdf = std::fs::read(folder.join(format!("{unit}.pdf"))).expect("the unit's PDF");
    assert!(pdf.starts_with(b"%PDF-"));
    // As many pages as page images; A4 in points.
    let images = pages_in(&folder, ".jpg");
    assert!(images >= 1);
    assert_eq!(pdf_pages(&pdf), images);
    let text = String::from_utf8_lossy(&pdf).replace("/Type /", "/Type/");
    let media: Vec<f64> = text
        .replace("/MediaBox [", "/MediaBox[")
        .split("/MediaBox[")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .map(|nums| {
            nums.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(media.len(), 4, "{media:?}");
    assert!(
        (media[2] - 595.2).abs() < 1.0 && (media[3] - 841.9).abs() < 1.0,
        "A4 in points: {media:?}"
    );
    // The font is embedded (a font file stream), subset (a tagged name, ABCDEF+), and much
    // smaller than the 1.5 MB font.
    assert!(text.contains("/FontFile"), "no embedded font program");
    let tagged = text
        .replace("/BaseFont /", "/BaseFont/")
        .split("/BaseFont/")
        .skip(1)
        .any(|rest| rest.as_bytes().get(6) == Some(&b'+'));
    assert!(tagged, "the embedded font is not a subset");
    assert!(pdf.len() < 1_500_000, "{} bytes", pdf.len());
    // Every character of the header's unit name is mapped back to Unicode: the text can be
    // searched and copied, it is not a picture of text.
    let maps: Vec<String> = streams(&pdf)
        .iter()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .filter(|s| s.contains("begincmap"))
        .collect();
    assert!(!maps.is_empty(), "no ToUnicode map");
    for c in unit.chars() {
        let hex = format!("<{:04X}>", c as u32);
        assert!(
            maps.iter().any(|m| m.to_uppercase().contains(&hex)),
            "{c} ({hex}) is not in the text mapping"
        );
    }
}

/// A profile file in `dir`: the embedded profile with each `(from, to)` replaced (every one must
/// apply).
fn profile_with(dir: &Path, changes: &[(&str, &str)]) -> std::path::PathBuf {
    let mut toml = lightbox::profile::DEFAULT_TOML.to_string();
    for (from, to) in changes {
        assert!(toml.contains(from), "the embedded profile has no `{from}`");
        toml = toml.replace(from, to);
    }
    let path = dir.join("profile.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

#[test]
fn sheets_by_year_mix_units_and_png_pages_when_the_profile_asks() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with(
        dir.path(),
        &[
            ("format = \"jpeg\"", "format = \"png\""),
            ("pdf = true", "pdf = false"),
        ],
    );
    let run = Run::new(
        &drops(),
        &[
            "--quiet",
            "--sheets-by",
            "year",
            "--profile",
            profile.to_str().unwrap(),
        ],
    );
    let sheets = run.work.join("sheets");
    let mut folders: Vec<String> = std::fs::read_dir(&sheets)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert!(folders.contains(&"2015".to_string()), "{folders:?}");
    assert!(folders.contains(&"年份不详".to_string()), "{folders:?}");
    let page = sheets.join("2015").join("2015-01.png");
    let image = image::open(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
    assert_eq!(
        (image.width(), image.height()),
        (1240, 1754),
        "A4 at 150 dpi"
    );
    assert_eq!(pages_in(&sheets.join("2015"), ".pdf"), 0, "pdf = false");
    assert_eq!(pages_in(&sheets.join("2015"), ".jpg"), 0, "format = png");
}

/// Pages of a PDF: its page objects.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf).replace("/Type /", "/Type/");
    text.matches("/Type/Page").count() - text.matches("/Type/Pages").count()
}

#[test]
fn a_sheet_longer_than_pdf_pages_is_split_into_pdfs_named_with_their_pages() {
    let dir = tempfile::tempdir().unwrap();
    // One photo a page, at most two pages a PDF.
    let profile = profile_with(
        dir.path(),
        &[
            ("columns = 4", "columns = 1"),
            ("rows = 5", "rows = 1"),
            ("pdf_pages = 10", "pdf_pages = 2"),
        ],
    );
    let run = Run::new(
        &drops(),
        &["--quiet", "--profile", profile.to_str().unwrap()],
    );
    let unit = "喀什地区科协";
    let folder = run.work.join("sheets").join(unit);
    let images = pages_in(&folder, ".jpg");
    assert!(images >= 3, "{images} pages: too few to split");
    assert!(
        !folder.join(format!("{unit}.pdf")).exists(),
        "one whole PDF"
    );
    let mut pages = 0;
    for first in (1..=images).step_by(2) {
        let last = (first + 1).min(images);
        let name = format!("{unit}-pages-{first:02}-{last:02}.pdf");
        let pdf = std::fs::read(folder.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(pdf.starts_with(b"%PDF-"), "{name}");
        assert_eq!(pdf_pages(&pdf), last + 1 - first, "{name}");
        pages += pdf_pages(&pdf);
    }
    assert_eq!(pages, images, "every page in exactly one PDF");
    assert_eq!(pages_in(&folder, ".pdf"), images.div_ceil(2));
    // A sheet that fits keeps its one PDF under the sheet's name: the test above.
}

#[test]
fn another_font_is_used_when_given_and_a_bad_one_is_refused() {
    let fonts = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts");
    let regular = Run::new(&drops(), &["--quiet"]);
    let ink = |run: &Run| {
        let page = run.work.join("sheets/新疆大学/新疆大学-01.jpg");
        let image = image::open(page).unwrap().into_luma8();
        // The header band only (a fourteenth of the page): the same photos below.
        let band = image.height() / 14;
        (0..image.width())
            .flat_map(|x| (0..band).map(move |y| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y).0[0] < 100)
            .count()
    };
    let thin = ink(&regular);
    // A rerun into the same work folder with another font: the unchanged sheets are drawn
    // anew, not kept from the last run.
    let rerun = lightbox([
        std::ffi::OsStr::new("run"),
        drops().as_os_str(),
        std::ffi::OsStr::new("--out"),
        regular.work.as_os_str(),
        std::ffi::OsStr::new("--quiet"),
        std::ffi::OsStr::new("--font"),
        fonts.join("NotoSansSC-Bold-subset.otf").as_os_str(),
    ]);
    assert_eq!(rerun.status.code(), Some(1));
    let thick = ink(&regular);
    assert!(
        thick as f64 > thin as f64 * 1.2,
        "bold header ink {thick} vs regular {thin}"
    );
    let not_a_font = fonts.join("LICENSE-OFL.txt");
    let out = lightbox([
        std::ffi::OsStr::new("run"),
        drops().as_os_str(),
        std::ffi::OsStr::new("--out"),
        tempfile::tempdir().unwrap().path().as_os_str(),
        std::ffi::OsStr::new("--font"),
        not_a_font.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("LICENSE-OFL.txt"), "{stderr}");
}

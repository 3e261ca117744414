//! A curator's "not the same photo": a photo and its resized copy are grouped as one photo and
//! the copy left out, until a decisions file declares them different photos; then both are
//! packaged, and a later package without the file still packages both (the catalog keeps it).
//!
//! In: a drop generated from a fixture photo (the photo in one unit, a smaller copy of it in
//! another, both with complete 汇总表 rows). Out: assertions on `report.json`, the package's
//! manifest and the catalog.

use std::ffi::OsStr;
use std::path::Path;

use image::ImageEncoder;
use lightbox::dedupe::GroupKind;
use lightbox::package::{PackageSummary, SkipCode};
use lightbox::photo::Status;
use lightbox::review::content_key;

use crate::env::{Run, drops, lightbox};

const ORIGINAL: &str = "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg";
const COPY: &str = "喀什地区科协/科普进校园.jpg";

/// The photo in one unit, a copy at three quarters of its size (re-encoded) in another, each
/// with its unit's sheet row.
fn photo_and_copy(root: &Path) {
    let (a, b) = (root.join("克拉玛依市科协"), root.join("喀什地区科协"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::copy(drops().join(ORIGINAL), root.join(ORIGINAL)).unwrap();
    let photo = image::open(drops().join(ORIGINAL)).unwrap().into_rgb8();
    let (w, h) = photo.dimensions();
    let small = image::imageops::resize(
        &photo,
        w * 3 / 4,
        h * 3 / 4,
        image::imageops::FilterType::Triangle,
    );
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .write_image(
            small.as_raw(),
            small.width(),
            small.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    std::fs::write(root.join(COPY), bytes).unwrap();
    let sheet = |file: &str, place: &str, caption: &str, photographer: &str| {
        format!(
            "序号,文件名,年份,地州市,活动名称,图片说明,摄影者\r\n1,{file},2015,{place},科普进校园,{caption},{photographer}\r\n"
        )
    };
    std::fs::write(
        a.join("汇总表.csv"),
        sheet(
            "2015+克拉玛依市+科普进校园+01.jpg",
            "克拉玛依市",
            "克拉玛依市科协组织科技工作者走进校园，为学生讲解科学知识。",
            "王建国",
        ),
    )
    .unwrap();
    std::fs::write(
        b.join("汇总表.csv"),
        sheet(
            "科普进校园.jpg",
            "喀什地区",
            "喀什地区科协在疏附县中学开展科普进校园活动，学生观看科学实验。",
            "阿依古丽",
        ),
    )
    .unwrap();
}

/// `lightbox package WORK --to PKG [--decisions FILE]`: the manifest and the exit code.
fn package(work: &Path, to: &Path, decisions: Option<&Path>) -> (PackageSummary, i32) {
    let mut args = vec![
        OsStr::new("package"),
        work.as_os_str(),
        OsStr::new("--to"),
        to.as_os_str(),
    ];
    if let Some(d) = decisions {
        args.extend([OsStr::new("--decisions"), d.as_os_str()]);
    }
    let out = lightbox(&args);
    let code = out.status.code().expect("exited normally");
    assert!(
        code == 0 || code == 1,
        "lightbox package failed ({code}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::env::assert_valid_bag(to);
    let manifest = std::fs::read(to.join("data/manifest.json")).expect("manifest.json");
    (
        serde_json::from_slice(&manifest).expect("manifest.json parses"),
        code,
    )
}

fn originals(manifest: &PackageSummary) -> Vec<&str> {
    manifest
        .entries
        .iter()
        .map(|e| e.original.as_str())
        .collect()
}

#[test]
fn a_copy_declared_a_different_photo_is_packaged_and_stays_packaged() {
    let dir = tempfile::tempdir().unwrap();
    let collection = dir.path().join("drops");
    photo_and_copy(&collection);
    let run = Run::new(&collection, &["--quiet"]);
    assert_eq!(run.code(), 0, "{}{}", run.stdout(), run.stderr());
    let report = run.report();
    let item = |path: &str| crate::env::item(&report, path);
    let (original, copy) = (item(ORIGINAL), item(COPY));

    // Grouped as one photo: the copy is left out for the original (more pixels).
    assert_eq!(
        report.duplicate_groups.len(),
        1,
        "{:#?}",
        report.duplicate_groups
    );
    let group = &report.duplicate_groups[0];
    assert_eq!(group.kind, GroupKind::Duplicate);
    assert_eq!(group.keeper, Some(original.index));
    assert_eq!(
        (original.status, copy.status),
        (Status::Accepted, Status::Duplicate)
    );
    let pkg = dir.path().join("pkg");
    let (before, code) = package(&run.work, &pkg, None);
    assert_eq!(originals(&before), [ORIGINAL], "the copy is left out");
    assert!(before.skipped.is_empty(), "{:?}", before.skipped);
    assert_eq!(code, 0);

    // The curator says they are different photos (as the page exports it: a < b).
    let (x, y) = (content_key(original), content_key(copy));
    let (a, b) = if x < y { (x, y) } else { (y, x) };
    let decisions = dir.path().join("decisions.json");
    std::fs::write(
        &decisions,
        serde_json::json!({
            "format": 1,
            "report": report.catalog,
            "decisions": [],
            "keepers": [],
            "distinct": [{"a": a, "b": b}],
        })
        .to_string(),
    )
    .unwrap();
    let (after, code) = package(&run.work, &pkg, Some(&decisions));
    assert_eq!(
        originals(&after),
        [ORIGINAL, COPY],
        "both photos are packaged"
    );
    assert!(after.skipped.is_empty(), "{:?}", after.skipped);
    assert_eq!(code, 0);
    // The copy goes in as a photo of its own: its own tags, its own bytes.
    let entry = &after.entries[1];
    assert_eq!(
        (
            entry.place.as_str(),
            entry.photographer.as_str(),
            entry.content.as_str()
        ),
        ("喀什地区", "阿依古丽", content_key(copy).as_str())
    );
    assert_eq!(entry.file, "2015/2015+喀什地区+科普进校园+01.jpg");
    assert_eq!(
        std::fs::read(pkg.join("data").join(&entry.file)).unwrap(),
        std::fs::read(collection.join(COPY)).unwrap()
    );

    // Kept in the catalog: a later package without the file still packages both.
    let (again, code) = package(&run.work, &pkg, None);
    assert_eq!(originals(&again), [ORIGINAL, COPY]);
    assert_eq!(code, 0);
    let catalog = lightbox::catalog::Catalog::open(&run.work.join("catalog.sqlite")).unwrap();
    assert_eq!(catalog.distinct_pairs().unwrap(), [(a.clone(), b.clone())]);
    drop(catalog);

    // A later run on the same work folder never groups the pair again: both photos stand on
    // their own, nothing is left out, and the review page and the package agree.
    let rerun = lightbox([
        OsStr::new("run"),
        collection.as_os_str(),
        OsStr::new("--out"),
        run.work.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    assert_eq!(rerun.status.code(), Some(0), "{rerun:?}");
    let report: lightbox::report::Report =
        serde_json::from_slice(&std::fs::read(run.work.join("report.json")).unwrap()).unwrap();
    assert!(
        report.duplicate_groups.is_empty(),
        "{:#?}",
        report.duplicate_groups
    );
    for path in [ORIGINAL, COPY] {
        assert_eq!(
            crate::env::item(&report, path).status,
            Status::Accepted,
            "{path}"
        );
    }
    let (regrouped, code) = package(&run.work, &pkg, None);
    assert_eq!(originals(&regrouped), [ORIGINAL, COPY]);
    assert_eq!(code, 0);

    // A curator's reject of the copy still wins over the split.
    std::fs::write(
        &decisions,
        serde_json::json!({
            "format": 1,
            "decisions": [{"content": content_key(copy), "path": COPY, "decision": "reject"}],
        })
        .to_string(),
    )
    .unwrap();
    let (rejected, code) = package(&run.work, &pkg, Some(&decisions));
    assert_eq!(originals(&rejected), [ORIGINAL]);
    assert_eq!(
        rejected
            .skipped
            .iter()
            .map(|s| (s.original.as_str(), s.code))
            .collect::<Vec<_>>(),
        [(COPY, SkipCode::CuratorRejected)]
    );
    assert_eq!(code, 0);
}

#[test]
fn a_split_copy_missing_tags_is_left_out_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let collection = dir.path().join("drops");
    photo_and_copy(&collection);
    // The copy's unit sent no sheet: the copy has neither caption nor photographer. The run
    // does not check a duplicate against the profile; the package does once it is split.
    std::fs::remove_file(collection.join("喀什地区科协/汇总表.csv")).unwrap();
    let run = Run::new(&collection, &["--quiet", "--lang", "en"]);
    let report = run.report();
    let copy = crate::env::item(&report, COPY);
    assert_eq!(copy.status, Status::Duplicate);
    let original = crate::env::item(&report, ORIGINAL);
    let decisions = dir.path().join("decisions.json");
    let (x, y) = (content_key(original), content_key(copy));
    let (a, b) = if x < y { (x, y) } else { (y, x) };
    std::fs::write(
        &decisions,
        serde_json::json!({"format": 1, "distinct": [{"a": a, "b": b}]}).to_string(),
    )
    .unwrap();
    let pkg = dir.path().join("pkg");
    let out = lightbox([
        OsStr::new("package"),
        run.work.as_os_str(),
        OsStr::new("--to"),
        pkg.as_os_str(),
        OsStr::new("--decisions"),
        decisions.as_os_str(),
        OsStr::new("--lang"),
        OsStr::new("en"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the unit must act: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: PackageSummary =
        serde_json::from_slice(&std::fs::read(pkg.join("data").join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(originals(&manifest), [ORIGINAL]);
    assert_eq!(manifest.skipped.len(), 1, "{:?}", manifest.skipped);
    let skipped = &manifest.skipped[0];
    assert_eq!(
        (skipped.original.as_str(), skipped.code),
        (COPY, SkipCode::DistinctWithErrors)
    );
    assert!(
        skipped
            .reason
            .starts_with("the curator declared it a different photo")
            && skipped.reason.contains("caption")
            && skipped.reason.contains("photographer"),
        "{}",
        skipped.reason
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{COPY}: {}", skipped.reason)),
        "{stdout}"
    );

    // Checked with another profile than the run's: refused, saying what to do.
    let other = dir.path().join("other.toml");
    let text =
        lightbox::profile::DEFAULT_TOML.replacen("name = \"cast-2023\"", "name = \"another\"", 1);
    assert_ne!(text, lightbox::profile::DEFAULT_TOML);
    std::fs::write(&other, text).unwrap();
    let out = lightbox([
        OsStr::new("package"),
        run.work.as_os_str(),
        OsStr::new("--to"),
        pkg.as_os_str(),
        OsStr::new("--profile"),
        other.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--profile") && stderr.contains(COPY),
        "{stderr}"
    );
    assert_eq!(
        originals(
            &serde_json::from_slice(
                &std::fs::read(pkg.join("data").join("manifest.json")).unwrap()
            )
            .unwrap()
        ),
        [ORIGINAL],
        "the package before stays whole"
    );
}

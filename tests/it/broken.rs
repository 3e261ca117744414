//! The must-not-panic corpus: every file of `fixtures/broken/` (made by its `make.py`) plus the
//! cases git cannot hold (a symlink out of the drop, a symlink loop, a named pipe called
//! `photo.jpg`, a name that is not UTF-8), run through `lightbox run` together.
//!
//! In: `fixtures/broken/`, files made here. Out: for each file, the status and the finding the
//! report gives it; the run itself ends normally (exit 1: there are findings) and loses nothing.

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;

use lightbox::photo::{Severity, Status};

use crate::env::{Run, fixtures};

/// (file, status, error finding it must have; `None`: no error about the file itself).
const EXPECTED: &[(&str, Status, Option<&str>)] = &[
    ("zero-byte.jpg", Status::Rejected, Some("empty_file")),
    (
        "truncated-at-10pct.jpg",
        Status::Rejected,
        Some("truncated"),
    ),
    (
        "truncated-at-50pct.jpg",
        Status::Rejected,
        Some("truncated"),
    ),
    (
        "truncated-at-90pct.jpg",
        Status::Rejected,
        Some("truncated"),
    ),
    ("pdf-named.jpg", Status::Rejected, Some("not_an_image")),
    ("html-named.jpg", Status::Rejected, Some("not_an_image")),
    // Refused from the header, before any pixel is allocated.
    (
        "bomb-60000x60000.png",
        Status::Rejected,
        Some("too_many_pixels"),
    ),
    (
        "bomb-60000x60000.jpg",
        Status::Rejected,
        Some("too_many_pixels"),
    ),
    ("png-bad-crc.png", Status::Rejected, Some("decode_failed")),
    // Decodes; rejected only for its size (600 px), not for its 16 bits.
    (
        "tiff-16bit.tif",
        Status::Rejected,
        Some("long_edge_too_small"),
    ),
    // Usable photos whose only fault is missing tags.
    ("cmyk.jpg", Status::NeedsInfo, None),
    // The entropy-coded data is garbage without markers: both decoders make a picture of it
    // without a word, so the walk through the Huffman-coded data tells.
    (
        "corrupt-huffman.jpg",
        Status::Rejected,
        Some("corrupt_data"),
    ),
];

/// Files whose metadata blocks are broken, or with bytes after the image, whose pixels are the
/// same good picture: never rejected (metadata is never a reason), read as far as it goes,
/// nothing invented, and the damage named in an info finding: (file, code, what it names).
const BROKEN_METADATA: &[(&str, &str, &str)] = &[
    ("exif-offset-outside.jpg", "metadata_damaged", "EXIF"),
    ("exif-ifd-loop.jpg", "metadata_damaged", "EXIF"),
    ("xmp-not-xml.jpg", "metadata_damaged", "XMP"),
    ("iptc-length-past-end.jpg", "metadata_damaged", "IPTC"),
    ("garbage-after-eoi.jpg", "data_after_end", "5000"),
];

#[test]
fn every_broken_file_gets_its_finding_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let drop = dir.path().join("drops").join("破损");
    std::fs::create_dir_all(&drop).unwrap();
    for entry in std::fs::read_dir(fixtures().join("broken")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e != "py" && e != "md") {
            std::fs::copy(&path, drop.join(path.file_name().unwrap())).unwrap();
        }
    }
    std::os::unix::fs::symlink("/etc/passwd", drop.join("link-outside.jpg")).unwrap();
    std::os::unix::fs::symlink("loop-b.jpg", drop.join("loop-a.jpg")).unwrap();
    std::os::unix::fs::symlink("loop-a.jpg", drop.join("loop-b.jpg")).unwrap();
    let fifo = drop.join("photo.jpg");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // 测试.jpg in GBK bytes: not UTF-8.
    let gbk = std::ffi::OsStr::from_bytes(b"\xb2\xe2\xca\xd4.jpg");
    let photo = fixtures().join("drops/克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg");
    std::fs::copy(photo, drop.join(gbk)).unwrap();

    let run = Run::new(&dir.path().join("drops"), &["--quiet"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let report = run.report();
    let by_name: BTreeMap<&str, _> = report
        .items
        .iter()
        .map(|i| (i.path.rsplit('/').next().unwrap(), i))
        .collect();
    let errors = |name: &str| -> Vec<&str> {
        by_name[name]
            .findings
            .iter()
            .filter(|f| f.finding.severity == Severity::Error)
            .map(|f| f.finding.check.code())
            .collect()
    };
    for &(name, status, error) in EXPECTED {
        let item = by_name
            .get(name)
            .unwrap_or_else(|| panic!("{name} is missing from the report"));
        assert_eq!(item.status, status, "{name}: {:?}", item.findings);
        match error {
            Some(code) => assert!(errors(name).contains(&code), "{name}: {:?}", errors(name)),
            None => assert!(
                errors(name).iter().all(|c| *c == "missing_field"),
                "{name}: {:?}",
                errors(name)
            ),
        }
    }
    // Damage is named where it is, and only there: a cut file is truncated, not "damaged EXIF".
    let damage_codes = ["metadata_damaged", "data_after_end"];
    for &(name, _, _) in EXPECTED {
        let codes: Vec<&str> = by_name[name]
            .findings
            .iter()
            .map(|f| f.finding.check.code())
            .collect();
        assert!(
            !codes.iter().any(|c| damage_codes.contains(c)),
            "{name}: {codes:?}"
        );
    }
    for &(name, code, names) in BROKEN_METADATA {
        let item = by_name[name];
        let info: Vec<&lightbox::report::ReportedFinding> = item
            .findings
            .iter()
            .filter(|f| f.finding.check.code() == code)
            .collect();
        assert_eq!(info.len(), 1, "{name}: {:?}", item.findings);
        assert_eq!(info[0].finding.severity, Severity::Info, "{name}");
        assert!(
            info[0].message.contains(names),
            "{name}: {}",
            info[0].message
        );
        assert_ne!(item.status, Status::Rejected, "{name}: {:?}", item.findings);
        let photo = item.photo.as_ref().expect("inspected");
        assert!(photo.decoded && photo.width == 1200, "{name}");
        assert!(
            item.tags.caption.is_none() && item.tags.year.is_none(),
            "{name}: nothing is invented from a broken block: {:?}",
            item.tags
        );
    }
    // The cases made here: refused without being read, each saying why.
    for (name, code) in [
        ("link-outside.jpg", "symlink"),
        ("loop-a.jpg", "symlink"),
        ("loop-b.jpg", "symlink"),
        ("photo.jpg", "not_regular_file"),
    ] {
        let item = by_name
            .get(name)
            .unwrap_or_else(|| panic!("{name} is missing"));
        assert_eq!(item.status, Status::Rejected, "{name}");
        assert_eq!(errors(name), [code], "{name}");
    }
    // The non-UTF-8 name is listed (its GBK bytes read as the name staff see) and inspected.
    let odd = by_name
        .get("测试.jpg")
        .expect("the file with a GBK name is in the report by its name");
    assert!(odd.photo.as_ref().is_some_and(|p| p.decoded), "{:?}", odd);
    // Nothing lost: every file made is in the report.
    let made = std::fs::read_dir(&drop).unwrap().count();
    assert_eq!(report.items.len(), made);
}

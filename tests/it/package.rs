//! `lightbox package`: accepted photos renamed into year folders of a bag's `data/`, manifests
//! with SHA-256 that match the files, identical manifests for the same input, atomic
//! replacement. (The bag itself, its parts and `lightbox verify`: `bag.rs`.)
//!
//! In: a run of `fixtures/drops`. Out: assertions on the package folder.

use std::ffi::OsStr;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::env::{Run, drops, lightbox};

fn package(work: &Path, to: &Path) -> std::process::Output {
    let out = lightbox([
        OsStr::new("package"),
        work.as_os_str(),
        OsStr::new("--to"),
        to.as_os_str(),
    ]);
    if out.status.success() {
        crate::env::assert_valid_bag(to);
    }
    out
}

fn files_below(root: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(root).unwrap().display().to_string())
        .collect();
    files.sort();
    files
}

#[test]
fn packages_accepted_photos_renamed_with_manifests_and_checksums() {
    let run = Run::new(&drops(), &["--quiet"]);
    let pkg = run.dir.path().join("pkg");
    let out = package(&run.work, &pkg);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        files_below(&pkg),
        [
            "bag-info.txt",
            "bagit.txt",
            "data/2015/2015+克拉玛依市+科普进校园+01.jpg",
            "data/2015/2015+克拉玛依市+科普进校园+02.jpg",
            "data/2016/2016+克拉玛依市+科普大篷车进社区+01.jpg",
            "data/2017/2017+克拉玛依市+全国科普日科普展览+01.jpg",
            "data/2018/2018+乌鲁木齐市+2018年全国科普日新疆大学实验室开放日+01.jpg",
            "data/manifest.csv",
            "data/manifest.json",
            "data/图录.pdf",
            "data/汇总表.xlsx",
            "manifest-sha256.txt",
            "manifest-sha512.txt",
            "tagmanifest-sha256.txt",
            "tagmanifest-sha512.txt",
        ]
    );
    let data = pkg.join("data");
    // The originals are copied unchanged.
    let original = std::fs::read(drops().join("克拉玛依市科协/IMG_2041.JPG")).unwrap();
    assert_eq!(
        std::fs::read(data.join("2017/2017+克拉玛依市+全国科普日科普展览+01.jpg")).unwrap(),
        original
    );

    let manifest: lightbox::package::PackageSummary =
        serde_json::from_slice(&std::fs::read(pkg.join("data/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.entries.len(), 5);
    assert!(manifest.skipped.is_empty());
    for entry in &manifest.entries {
        let bytes = std::fs::read(data.join(&entry.file)).unwrap();
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha, entry.sha256, "{}", entry.file);
        assert_eq!(entry.bytes, bytes.len() as u64);
    }
    let first = &manifest.entries[0];
    assert_eq!(
        first.original,
        "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg"
    );
    assert_eq!(
        (
            first.year,
            first.place.as_str(),
            first.unit.as_str(),
            first.photographer.as_str()
        ),
        (2015, "克拉玛依市", "克拉玛依市科协", "王建国")
    );

    let csv = std::fs::read(pkg.join("data/manifest.csv")).unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 6);
    insta::assert_snapshot!("fixture_manifest_csv", text);

    let sums = std::fs::read_to_string(pkg.join("manifest-sha256.txt")).unwrap();
    assert!(sums.contains(&format!("{}  data/{}\n", first.sha256, first.file)));
    let sums = std::fs::read_to_string(pkg.join("manifest-sha512.txt")).unwrap();
    assert!(sums.contains(&format!("{}  data/{}\n", first.sha512, first.file)));
    assert_eq!(first.sha512.len(), 128);

    // Again, over the existing package: byte-identical manifests, nothing left beside it.
    let read_all = || {
        [
            "data/manifest.csv",
            "data/manifest.json",
            "data/汇总表.xlsx",
            "data/图录.pdf",
        ]
        .map(|name| std::fs::read(pkg.join(name)).unwrap())
    };
    let before = read_all();
    std::fs::write(pkg.join("stale.txt"), b"from an older package").unwrap();
    let out = package(&run.work, &pkg);
    assert!(out.status.success());
    assert!(before == read_all(), "the same files, byte for byte");
    assert!(
        !pkg.join("stale.txt").exists(),
        "the package is replaced whole"
    );
    let mut beside: Vec<String> = std::fs::read_dir(run.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, ["pkg", "work"], "no staging folders left behind");
}

#[test]
fn manifests_are_identical_across_runs() {
    let manifest = |jobs: &str| {
        let run = Run::new(&drops(), &["--quiet", "--jobs", jobs]);
        let pkg = run.dir.path().join("pkg");
        assert!(package(&run.work, &pkg).status.success());
        (
            std::fs::read(pkg.join("data/manifest.csv")).unwrap(),
            std::fs::read(pkg.join("data/manifest.json")).unwrap(),
            std::fs::read(pkg.join("data/汇总表.xlsx")).unwrap(),
            std::fs::read(pkg.join("data/图录.pdf")).unwrap(),
        )
    };
    // The workbook and the catalogue too: byte for byte (the date they carry is the day's).
    assert!(manifest("1") == manifest("2"));
}

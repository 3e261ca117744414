//! The catalog across runs: unchanged files are not read again, a new unit costs about itself,
//! a photo accepted earlier is recognised and never packaged twice, a locked catalog stops a
//! second run with a clear message.
//!
//! In: copies of `fixtures/drops` in temporary folders. Out: assertions on reports, stdout and
//! packages.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;

use lightbox::photo::{Check, Status};

use crate::env::{Run, drops, lightbox};

/// Copies a folder tree (symlinks as symlinks).
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).follow_links(false) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        let file_type = entry.file_type();
        if file_type.is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else if file_type.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn run_into(drops: &Path, work: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&OsStr> = vec![
        "run".as_ref(),
        drops.as_os_str(),
        "--out".as_ref(),
        work.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    lightbox(&args)
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_rerun_reads_no_unchanged_file_and_writes_the_same_report() {
    let root = tempfile::tempdir().unwrap();
    let collection = root.path().join("drops");
    copy_tree(&drops(), &collection);
    let work = root.path().join("work");
    let first = run_into(&collection, &work, &[]);
    assert!(
        stdout(&first).contains("本次读取 30 个文件，0 个未改变"),
        "{}",
        stdout(&first)
    );
    let report = fs::read(work.join("report.json")).unwrap();

    let again = run_into(&collection, &work, &[]);
    assert!(
        stdout(&again).contains("本次读取 0 个文件，30 个未改变"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        fs::read(work.join("report.json")).unwrap(),
        report,
        "same input, same report"
    );

    // Proof that unchanged files are not read: new bytes behind the same size and time go
    // unnoticed; a new time makes lightbox read the file again.
    let photo = collection.join("克拉玛依市科协/IMG_2041.JPG");
    let modified = fs::metadata(&photo).unwrap().modified().unwrap();
    let mut bytes = fs::read(&photo).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x55;
    fs::write(&photo, &bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(&photo)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let blind = run_into(&collection, &work, &[]);
    assert!(stdout(&blind).contains("本次读取 0 个文件"));
    assert_eq!(fs::read(work.join("report.json")).unwrap(), report);
    fs::File::options()
        .write(true)
        .open(&photo)
        .unwrap()
        .set_modified(modified + std::time::Duration::from_secs(60))
        .unwrap();
    let seen = run_into(&collection, &work, &[]);
    assert!(
        stdout(&seen).contains("本次读取 1 个文件，29 个未改变"),
        "{}",
        stdout(&seen)
    );
    assert_ne!(
        fs::read(work.join("report.json")).unwrap(),
        report,
        "the changed bytes are seen"
    );
}

#[test]
fn a_new_unit_costs_about_itself() {
    let root = tempfile::tempdir().unwrap();
    let collection = root.path().join("drops");
    copy_tree(&drops(), &collection);
    let later = root.path().join("later");
    fs::create_dir_all(&later).unwrap();
    fs::rename(collection.join("喀什地区科协"), later.join("喀什地区科协")).unwrap();
    let work = root.path().join("work");
    let first = run_into(&collection, &work, &["--lang", "en"]);
    assert!(
        stdout(&first).contains("read 20 files, 0 unchanged"),
        "{}",
        stdout(&first)
    );
    fs::rename(later.join("喀什地区科协"), collection.join("喀什地区科协")).unwrap();
    let second = run_into(&collection, &work, &["--lang", "en"]);
    assert!(
        stdout(&second).contains("read 10 files, 20 unchanged"),
        "{}",
        stdout(&second)
    );
}

#[test]
fn a_photo_accepted_earlier_is_recognised_and_never_packaged_twice() {
    let root = tempfile::tempdir().unwrap();
    let week1 = root.path().join("week1");
    let week2 = root.path().join("week2");
    fs::create_dir_all(week1.join("克拉玛依市科协")).unwrap();
    for name in [
        "汇总表.csv",
        "IMG_2041.JPG",
        "2015+克拉玛依市+科普进校园+01.jpg",
    ] {
        fs::copy(
            drops().join("克拉玛依市科协").join(name),
            week1.join("克拉玛依市科协").join(name),
        )
        .unwrap();
    }
    // A week later another unit forwards one of the same photos.
    fs::create_dir_all(week2.join("独山子区科协")).unwrap();
    fs::copy(
        drops().join("克拉玛依市科协/IMG_2041.JPG"),
        week2.join("独山子区科协/IMG_2041.JPG"),
    )
    .unwrap();
    fs::copy(
        drops().join("新疆大学/科普开放日.jpg"),
        week2.join("独山子区科协/科普开放日.jpg"),
    )
    .unwrap();

    let work = root.path().join("work");
    run_into(&week1, &work, &[]);
    let pkg1 = root.path().join("pkg1");
    let out = lightbox([
        OsStr::new("package"),
        work.as_os_str(),
        "--to".as_ref(),
        pkg1.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::env::assert_valid_bag(&pkg1);
    assert!(
        pkg1.join("data")
            .join("2017/2017+克拉玛依市+全国科普日科普展览+01.jpg")
            .exists()
    );

    run_into(&week2, &work, &[]);
    let report =
        lightbox::report::Report::from_json(&fs::read(work.join("report.json")).unwrap()).unwrap();
    let copy = report
        .items
        .iter()
        .find(|i| i.path == "独山子区科协/IMG_2041.JPG")
        .unwrap();
    assert_eq!(copy.status, Status::Duplicate);
    let checks: Vec<&Check> = copy.findings.iter().map(|f| &f.finding.check).collect();
    assert!(checks.iter().any(|c| matches!(c, Check::SeenBefore { unit, path } if unit == "克拉玛依市科协" && path == "克拉玛依市科协/IMG_2041.JPG")), "{checks:?}");
    assert!(
        checks.iter().any(|c| matches!(c, Check::AlreadyPackaged { file, unit, .. } if file == "2017/2017+克拉玛依市+全国科普日科普展览+01.jpg" && unit == "克拉玛依市科协")),
        "{checks:?}"
    );
    let message = &copy
        .findings
        .iter()
        .find(|f| f.finding.check.code() == "already_packaged")
        .unwrap()
        .message;
    assert!(
        message.contains("2017+克拉玛依市+全国科普日科普展览+01.jpg")
            && message.contains("克拉玛依市科协"),
        "{message}"
    );

    let pkg2 = root.path().join("pkg2");
    let out = lightbox([
        OsStr::new("package"),
        work.as_os_str(),
        "--to".as_ref(),
        pkg2.as_os_str(),
    ]);
    assert!(out.status.success());
    crate::env::assert_valid_bag(&pkg2);
    let manifest: lightbox::package::PackageSummary =
        serde_json::from_slice(&fs::read(pkg2.join("data").join("manifest.json")).unwrap())
            .unwrap();
    let originals: Vec<&str> = manifest
        .entries
        .iter()
        .map(|e| e.original.as_str())
        .collect();
    assert_eq!(
        originals,
        ["独山子区科协/科普开放日.jpg"],
        "the photo already sent is not packaged again"
    );
    // The second package's bag says which one it follows.
    let info = |pkg: &std::path::Path, label: &str| -> Option<String> {
        fs::read_to_string(pkg.join("bag-info.txt"))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{label}: ")).map(str::to_string))
    };
    let first = info(&pkg1, "External-Identifier").unwrap();
    let second = info(&pkg2, "External-Identifier").unwrap();
    assert_ne!(first, second);
    assert_eq!(info(&pkg1, "Follows-Package"), None);
    assert_eq!(info(&pkg2, "Follows-Package"), Some(first.clone()));
    // Made again, the second package still follows the first.
    let out = lightbox([
        OsStr::new("package"),
        work.as_os_str(),
        "--to".as_ref(),
        pkg2.as_os_str(),
    ]);
    assert!(out.status.success());
    crate::env::assert_valid_bag(&pkg2);
    assert_eq!(info(&pkg2, "Follows-Package"), Some(first));
}

#[test]
fn a_second_run_on_a_locked_catalog_exits_2_with_a_clear_message() {
    let run = Run::new(&drops(), &["--quiet"]);
    let held = lightbox::catalog::Catalog::open(&run.work.join("catalog.sqlite")).unwrap();
    // In the default language, and in English.
    let out = run_into(&drops(), &run.work, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("正被另一个 lightbox 使用") && stderr.contains("catalog.sqlite"),
        "{stderr}"
    );
    let out = run_into(&drops(), &run.work, &["--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("in use by another lightbox") && stderr.contains("catalog.sqlite"),
        "{stderr}"
    );
    drop(held);
}

#[test]
fn bytes_sent_twice_are_decoded_once_in_a_run_and_not_again_in_a_later_one() {
    let root = tempfile::tempdir().unwrap();
    let collection = root.path().join("drops");
    let photo = drops().join("克拉玛依市科协/IMG_2041.JPG");
    let other = drops().join("新疆大学/科普开放日.jpg");
    for (unit, name, from) in [
        ("克拉玛依市科协", "IMG_2041.JPG", &photo),
        ("克拉玛依市科协", "科普开放日.jpg", &other),
        ("独山子区科协", "转发_IMG_2041.JPG", &photo),
    ] {
        fs::create_dir_all(collection.join(unit)).unwrap();
        fs::copy(from, collection.join(unit).join(name)).unwrap();
    }
    let work = root.path().join("work");
    // Runs again, checks the summary's count of files read, and returns the report.
    let run = |said: &str| {
        let out = run_into(&collection, &work, &["--lang", "en"]);
        assert!(stdout(&out).contains(said), "{}", stdout(&out));
        lightbox::report::Report::from_json(&fs::read(work.join("report.json")).unwrap()).unwrap()
    };
    let facts = |report: &lightbox::report::Report, path: &str| {
        let item = report.items.iter().find(|i| i.path == path).unwrap();
        serde_json::to_string(item.photo.as_ref().expect("inspected")).unwrap()
    };
    let report = run(
        "read 3 files, 0 unchanged (not read again); 1 the same bytes as a file \
                      inspected before (not decoded again)",
    );
    let original = facts(&report, "克拉玛依市科协/IMG_2041.JPG");
    // The copy carries every fact decoding gives (size, perceptual hash, derived images).
    assert!(original.contains("\"perceptual\""), "{original}");
    assert_eq!(facts(&report, "独山子区科协/转发_IMG_2041.JPG"), original);

    // A later drop with a third copy, in a new place: read and hashed, not decoded.
    fs::create_dir_all(collection.join("白碱滩区科协")).unwrap();
    fs::copy(&photo, collection.join("白碱滩区科协/老照片.jpg")).unwrap();
    let report = run(
        "read 1 files, 3 unchanged (not read again); 1 the same bytes as a file \
                      inspected before (not decoded again)",
    );
    assert_eq!(facts(&report, "白碱滩区科协/老照片.jpg"), original);

    // Without its derived images an earlier inspection is not enough: the first copy a worker
    // reaches is decoded again, the others take its inspection.
    fs::remove_dir_all(work.join("derived")).unwrap();
    let report = run(
        "read 4 files, 0 unchanged (not read again); 2 the same bytes as a file \
                      inspected before (not decoded again)",
    );
    let again = report
        .items
        .iter()
        .find(|i| i.path == "白碱滩区科协/老照片.jpg")
        .unwrap();
    let content = again.photo.as_ref().unwrap().content.to_hex();
    assert!(
        work.join(format!("derived/previews/{content}.jpg"))
            .exists()
            && work.join(format!("derived/thumbs/{content}.jpg")).exists()
    );
}

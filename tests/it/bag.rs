//! The package as a BagIt bag, its zipped parts, and `lightbox verify`: the Library of
//! Congress's validator (`python3 -m bagit`) accepts every bag made here, Python's `zipfile`
//! and 7-Zip read every part with its Chinese names, the same work gives byte-identical bags and
//! zips, and verify names each damaged, missing, extra file and a cut zip.
//!
//! In: runs of `fixtures/drops`. Out: assertions on the bag's files, the zips, and verify's exit
//! codes and messages. When python3's bagit or 7z is missing the assertion that needs it is
//! skipped with a note, except under CI (`CI` set), where it fails.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::env::{Run, bagit_valid, drops, have, lightbox};

/// `lightbox [--lang en] ARGS...`: (exit code, stdout, stderr).
fn lb(args: &[&OsStr]) -> (i32, String, String) {
    let out = lightbox(args);
    (
        out.status.code().expect("exited normally"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn package(work: &Path, to: &Path, extra: &[&str]) {
    let mut args = vec![
        OsStr::new("package"),
        work.as_os_str(),
        OsStr::new("--to"),
        to.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let (code, _, stderr) = lb(&args);
    assert_eq!(code, 0, "{stderr}");
}

fn verify(paths: &[&Path]) -> (i32, String, String) {
    let mut args = vec![OsStr::new("--lang"), OsStr::new("en"), OsStr::new("verify")];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    lb(&args)
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

const PHOTOS: [&str; 5] = [
    "2015/2015+克拉玛依市+科普进校园+01.jpg",
    "2015/2015+克拉玛依市+科普进校园+02.jpg",
    "2016/2016+克拉玛依市+科普大篷车进社区+01.jpg",
    "2017/2017+克拉玛依市+全国科普日科普展览+01.jpg",
    "2018/2018+乌鲁木齐市+2018年全国科普日新疆大学实验室开放日+01.jpg",
];

const TAG_FILES: [&str; 6] = [
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    "manifest-sha512.txt",
    "tagmanifest-sha256.txt",
    "tagmanifest-sha512.txt",
];

#[test]
fn the_package_is_a_valid_bag_and_verify_names_each_damage() {
    let run = Run::new(&drops(), &["--quiet"]);
    let pkg = run.dir.path().join("pkg");
    package(&run.work, &pkg, &["--contact-name", "张伟"]);

    // bag-info.txt: who sends it (the profile's, a flag over it), what and when.
    let info = std::fs::read_to_string(pkg.join("bag-info.txt")).unwrap();
    let masked: String = info
        .lines()
        .map(|l| match l.split_once(": ") {
            Some((label @ ("Bagging-Date" | "External-Identifier" | "Bag-Size"), _)) => {
                format!("{label}: [masked]\n")
            }
            // The bytes of the 图录's and 汇总表's pictures follow the JPEG encoder (the fast
            // build's differs); the count of files does not.
            Some(("Payload-Oxum", oxum)) => {
                let files = oxum.split_once('.').map_or("", |(_, files)| files);
                format!("Payload-Oxum: [bytes].{files}\n")
            }
            _ => format!("{l}\n"),
        })
        .collect();
    insta::assert_snapshot!("fixture_bag_info", masked);
    let date = info
        .lines()
        .find_map(|l| l.strip_prefix("Bagging-Date: "))
        .unwrap();
    let modified = std::fs::metadata(run.work.join("report.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        date,
        lightbox::pipeline::date_of(modified),
        "the run's date"
    );
    assert_eq!(
        std::fs::read_to_string(pkg.join("bagit.txt")).unwrap(),
        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    );
    let manifest = std::fs::read_to_string(pkg.join("manifest-sha256.txt")).unwrap();
    let listed: Vec<&str> = manifest
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    let mut expected: Vec<String> = PHOTOS.iter().map(|p| format!("data/{p}")).collect();
    expected.extend(
        [
            "data/manifest.csv",
            "data/manifest.json",
            "data/图录.pdf",
            "data/汇总表.xlsx",
        ]
        .map(String::from),
    );
    assert_eq!(listed, expected);

    if let Some((valid, log)) = bagit_valid(&pkg) {
        assert!(valid, "bagit.py rejects the package: {log}");
    }
    let (code, stdout, stderr) = verify(&[&pkg]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("whole"), "{stdout}");

    // The same work again: byte-identical tag files.
    let before: Vec<Vec<u8>> = TAG_FILES
        .iter()
        .map(|f| std::fs::read(pkg.join(f)).unwrap())
        .collect();
    package(&run.work, &pkg, &["--contact-name", "张伟"]);
    for (name, bytes) in TAG_FILES.iter().zip(before) {
        assert_eq!(std::fs::read(pkg.join(name)).unwrap(), bytes, "{name}");
    }

    // One byte flipped, a file deleted, a file added: each named.
    let damaged = run.dir.path().join("damaged");
    copy_tree(&pkg, &damaged);
    let flipped = damaged.join("data").join(PHOTOS[1]);
    let mut bytes = std::fs::read(&flipped).unwrap();
    bytes[1000] ^= 0x01;
    std::fs::write(&flipped, bytes).unwrap();
    std::fs::remove_file(damaged.join("data").join(PHOTOS[3])).unwrap();
    std::fs::write(damaged.join("data/2016/多余的照片.jpg"), b"not sent").unwrap();
    let (code, stdout, _) = verify(&[&damaged]);
    assert_eq!(code, 1, "{stdout}");
    let line = |file: &str, what: &str| {
        stdout
            .lines()
            .any(|l| l.contains(&format!(": data/{file}: ")) && l.contains(what))
    };
    assert!(
        line(PHOTOS[1], "checksum mismatch (SHA-256, SHA-512)"),
        "{stdout}"
    );
    assert!(
        line(PHOTOS[3], "missing (listed in manifest-sha256.txt)"),
        "{stdout}"
    );
    assert!(line("2016/多余的照片.jpg", "extra file"), "{stdout}");
    assert!(line("2016/多余的照片.jpg", "naming rule"), "{stdout}");
    assert!(
        line(
            PHOTOS[3],
            "listed in data/manifest.csv, but not in the package"
        ),
        "{stdout}"
    );
    assert!(
        line(
            PHOTOS[3],
            "listed in data/汇总表.xlsx, but not in the package"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("Payload-Oxum says"), "{stdout}");
    if let Some((valid, _)) = bagit_valid(&damaged) {
        assert!(!valid, "bagit.py finds the damage too");
    }
    // In Chinese too.
    let out = lightbox([OsStr::new("verify"), damaged.as_os_str()]);
    let zh = String::from_utf8_lossy(&out.stdout);
    assert!(
        zh.contains("校验值不符") && zh.contains("缺失") && zh.contains("多余文件"),
        "{zh}"
    );

    // The manifest table against the photos: a row taken out names its photo.
    let table = run.dir.path().join("table");
    copy_tree(&pkg, &table);
    let csv = std::fs::read_to_string(table.join("data/manifest.csv")).unwrap();
    let kept: Vec<&str> = csv
        .split_inclusive("\r\n")
        .filter(|row| !row.starts_with(PHOTOS[2]))
        .collect();
    std::fs::write(table.join("data/manifest.csv"), kept.concat()).unwrap();
    let (code, stdout, _) = verify(&[&table]);
    assert_eq!(code, 1);
    assert!(
        line_in(&stdout, PHOTOS[2], "not listed in data/manifest.csv"),
        "{stdout}"
    );

    // What is no package: exit 2, no panic.
    let garbage = run.dir.path().join("garbage.zip");
    std::fs::write(&garbage, b"\x00\x01 garbage").unwrap();
    let (code, _, stderr) = verify(&[&garbage]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("garbage.zip"), "{stderr}");
    let (code, _, stderr) = verify(&[&run.work]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a bag"), "{stderr}");
}

fn line_in(stdout: &str, file: &str, what: &str) -> bool {
    stdout
        .lines()
        .any(|l| l.contains(&format!(": data/{file}: ")) && l.contains(what))
}

/// The names, stored-ness and UTF-8 flags of a zip's entries, as Python's zipfile reads them,
/// after its own CRC check of every entry (`testzip`).
fn python_zip(zip: &Path) -> Option<Vec<(String, u32, u32)>> {
    if !have("python3", Command::new("python3").arg("--version")) {
        return None;
    }
    let script = "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps([[i.filename,i.compress_type,i.flag_bits] for i in z.infolist()]))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(zip)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zipfile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn extract(zip: &Path, to: &Path) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(zip)
        .arg(to)
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn parts_are_complete_bags_zipped_the_same_every_time() {
    let run = Run::new(&drops(), &["--quiet"]);
    let pkg = run.dir.path().join("pkg");
    package(&run.work, &pkg, &["--split-size", "700KB"]);
    let mut zips: Vec<String> = std::fs::read_dir(&pkg)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    zips.sort();
    // The fixture's photos are 200-570 kB: one part each.
    assert_eq!(
        zips,
        (1..=5)
            .map(|i| format!("pkg-{i}of5.zip"))
            .collect::<Vec<_>>()
    );
    let paths: Vec<PathBuf> = zips.iter().map(|z| pkg.join(z)).collect();

    let mut photos = Vec::new();
    for (i, zip) in paths.iter().enumerate() {
        let root = format!("pkg-{}of5", i + 1);
        // Python's zipfile: names intact, stored, flagged UTF-8 when not ASCII.
        if let Some(entries) = python_zip(zip) {
            for (name, method, flags) in &entries {
                assert!(name.starts_with(&format!("{root}/")), "{name}");
                assert_eq!(*method, 0, "{name} is stored");
                assert_eq!(flags & 0x800 != 0, !name.is_ascii(), "{name}'s UTF-8 flag");
            }
            let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
            assert_eq!(names[0], format!("{root}/bagit.txt"));
            for tag in TAG_FILES {
                assert!(names.contains(&format!("{root}/{tag}").as_str()), "{tag}");
            }
            photos.extend(
                names
                    .iter()
                    .filter_map(|n| n.strip_prefix(&format!("{root}/data/")))
                    .filter(|n| n.ends_with(".jpg"))
                    .map(str::to_string),
            );
            // Each part alone is a valid bag.
            let out = tempfile::tempdir().unwrap();
            extract(zip, out.path());
            if let Some((valid, log)) = bagit_valid(&out.path().join(&root)) {
                assert!(valid, "bagit.py rejects {root}: {log}");
            }
            let info =
                std::fs::read_to_string(out.path().join(&root).join("bag-info.txt")).unwrap();
            assert!(
                info.contains(&format!("Bag-Count: {} of 5\n", i + 1)),
                "{info}"
            );
            assert!(info.contains("Bag-Group-Identifier: cast-2023-"), "{info}");
            let csv =
                std::fs::read_to_string(out.path().join(&root).join("data/manifest.csv")).unwrap();
            assert_eq!(
                csv.lines().count(),
                2,
                "each part's table lists its own photo"
            );
            // Its 汇总表 lists its own photo; part 1's the whole package.
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook(out.path().join(&root).join("data/汇总表.xlsx")).unwrap();
            let listed = book.worksheet_range("照片清单").unwrap().height() - 1;
            assert_eq!(listed, if i == 0 { 5 } else { 1 }, "{root}'s 汇总表");
            // The other parts count the whole package in 统计 too, below their own photo.
            let counts = book.worksheet_range("统计").unwrap();
            let whole = counts
                .cells()
                .any(|(_, _, c)| c.to_string().contains("整个包"));
            assert_eq!(whole, i > 0, "{root}'s 统计");
            assert!(out.path().join(&root).join("data/图录.pdf").is_file());
        }
        // 7-Zip: tests every entry and reads the Chinese names.
        if have("7z", Command::new("7z").arg("i")) {
            let out = Command::new("7z").arg("t").arg(zip).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && text.contains("Everything is Ok"),
                "{text}"
            );
            let out = Command::new("7z")
                .args(["l", "-slt"])
                .arg(zip)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                PHOTOS
                    .iter()
                    .any(|p| text.contains(&format!("Path = {root}/data/{p}\n"))),
                "{text}"
            );
        }
    }
    if !photos.is_empty() {
        photos.sort();
        assert_eq!(photos, PHOTOS, "every photo in exactly one part");
    }

    let (code, stdout, stderr) = verify(&[&pkg]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("[3 of 5]"), "{stdout}");

    // The same work again: byte-identical zips.
    let before: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    package(&run.work, &pkg, &["--split-size", "700KB"]);
    for (path, bytes) in paths.iter().zip(before) {
        assert!(
            std::fs::read(path).unwrap() == bytes,
            "{} changed",
            path.display()
        );
    }

    // A part cut short in transfer, and a byte flipped inside another: each named.
    let cut = run.dir.path().join("pkg-3of5.zip");
    let bytes = std::fs::read(&paths[2]).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let flipped = run.dir.path().join("pkg-4of5.zip");
    let mut bytes = std::fs::read(&paths[3]).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&flipped, bytes).unwrap();
    let (code, stdout, stderr) = verify(&[&paths[0], &cut, &flipped]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("pkg-3of5.zip: pkg-3of5.zip: the zip is damaged or cut short")),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.contains("pkg-4of5.zip: data/")
            && (l.contains("checksum mismatch") || l.contains("cannot be read whole"))),
        "{stdout}"
    );

    // Parts fit the transfer: with room for several photos, each zip (its 汇总表 and 图录
    // included, part 1's 汇总表 listing the whole package) stays within the size asked for.
    // (Over the same package: a photo goes into one package only.)
    let roomy = &pkg;
    package(&run.work, roomy, &["--split-size", "2500KB"]);
    let sizes: Vec<u64> = std::fs::read_dir(roomy)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    assert!((2..5).contains(&sizes.len()), "{sizes:?}");
    assert!(sizes.iter().all(|&s| s <= 2_500_000), "{sizes:?}");
    let (code, stdout, stderr) = verify(&[roomy]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

//! Bad input never stops a run: generated drops with a named pipe, a decompression bomb, hostile
//! zip entry names; broken runs exit 2 with a message naming the path.
//!
//! In: drops generated into temporary folders. Out: assertions on findings and exit codes.

use std::fs;
use std::path::Path;

use lightbox::photo::{Check, Severity, Status};

use crate::env::{Run, lightbox};

/// A small real JPEG made in memory.
fn small_jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    lightbox::inspect::encode_jpeg(&image, 85).unwrap()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Writes a zip of stored entries with raw name bytes and no UTF-8 flag, the way old Windows
/// tools write them (and the way hostile zips carry `../` names).
fn write_raw_zip(path: &Path, entries: &[(&[u8], &[u8])]) {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let fields = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags: no UTF-8 bit
            h.extend(0u16.to_le_bytes()); // stored
            h.extend([0, 0, 0x21, 0]); // time, date
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend([0u8; 6]); // comment length, disk, internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(offset.to_le_bytes());
            }
            h.extend(*name);
            h
        };
        out.extend(fields(0x0403_4b50, false));
        out.extend(*data);
        central.extend(fields(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    fs::write(path, out).unwrap();
}

#[test]
fn named_pipe_bomb_and_hostile_zip_become_findings() {
    let root = tempfile::tempdir().unwrap();
    let drops = root.path().join("drops");
    let unit = drops.join("测试单位");
    fs::create_dir_all(&unit).unwrap();
    // A named pipe called photo.jpg: reading it would block forever.
    let status = std::process::Command::new("mkfifo")
        .arg(unit.join("photo.jpg"))
        .status()
        .unwrap();
    assert!(status.success());
    // A JPEG whose header declares 60000 x 60000 pixels.
    let mut bomb = small_jpeg(16, 16);
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    fs::write(unit.join("2015+克拉玛依市+炸弹.jpg"), &bomb).unwrap();
    // A zip with a GBK name (no UTF-8 flag) and names that escape the folder.
    let photo = small_jpeg(1200, 900);
    let (gbk, _, _) = encoding_rs::GBK.encode("2016+喀什地区+科普活动.jpg");
    write_raw_zip(
        &drops.join("压缩包单位.zip"),
        &[
            (&gbk, &photo),
            (b"../../evil.jpg", &photo),
            (b"/etc/evil.jpg", &photo),
            (b"C:\\evil.jpg", &photo),
        ],
    );

    let run = Run::new(&drops, &[]);
    assert_eq!(run.code(), 1, "stderr: {}", run.stderr());
    let report = run.report();
    let find = |end: &str| crate::env::item(&report, end);
    assert_eq!(
        find("测试单位/photo.jpg").findings[0].finding.check,
        Check::NotRegularFile
    );
    let bomb_item = find("炸弹.jpg");
    assert_eq!(
        bomb_item.findings[0].finding.check,
        Check::TooManyPixels {
            width: 60000,
            height: 60000,
            limit: 200_000_000
        }
    );
    assert_eq!(bomb_item.status, Status::Rejected);
    let good = find("压缩包单位.zip/2016+喀什地区+科普活动.jpg");
    assert_eq!(
        good.tags.place.as_ref().unwrap().value.prefecture(),
        Some("喀什地区")
    );
    assert!(good.photo.as_ref().unwrap().decoded);
    for evil in ["../../evil.jpg", "/etc/evil.jpg", "C:/evil.jpg"] {
        let item = find(&format!("压缩包单位.zip/{evil}"));
        assert_eq!(
            item.findings[0].finding.check,
            Check::UnsafeZipName,
            "{evil}"
        );
    }
    // Nothing was written outside the work folder.
    assert!(!root.path().join("evil.jpg").exists() && !drops.join("evil.jpg").exists());
}

/// A drop unzipped on Linux by a tool that kept the zip's GBK bytes, or copied from a disk
/// mounted without converting: its folder and file names are GBK on disk. They are read as the
/// names staff see, so the unit is its own and the file name's year and place are tags.
#[test]
fn a_folder_with_gbk_names_on_disk_reads_as_chinese() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let drops = dir.path().join("drops");
    let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
    let unit = drops.join(std::ffi::OsStr::from_bytes(&gbk("克拉玛依市科协")));
    let folder = unit.join(std::ffi::OsStr::from_bytes(&gbk("活动照片")));
    fs::create_dir_all(&folder).unwrap();
    let name = gbk("2015+克拉玛依市+科普进校园.jpg");
    fs::write(
        folder.join(std::ffi::OsStr::from_bytes(&name)),
        small_jpeg(1200, 900),
    )
    .unwrap();

    // The same name twice in one folder, once in UTF-8 and once in GBK bytes: two files, two
    // items, neither lost.
    let twice = drops.join("同名单位");
    fs::create_dir_all(&twice).unwrap();
    fs::write(twice.join("2016+喀什地区+科普.jpg"), small_jpeg(1100, 900)).unwrap();
    let gbk_twin = gbk("2016+喀什地区+科普.jpg");
    fs::write(
        twice.join(std::ffi::OsStr::from_bytes(&gbk_twin)),
        small_jpeg(1300, 900),
    )
    .unwrap();

    let run = Run::new(&drops, &["--quiet"]);
    let report = run.report();
    assert_eq!(report.items.len(), 3, "{}", run.stderr());
    let twins: Vec<(&str, u32)> = report
        .items
        .iter()
        .filter(|i| i.unit == "同名单位")
        .map(|i| (i.path.as_str(), i.photo.as_ref().unwrap().width))
        .collect();
    assert_eq!(twins.len(), 2, "{twins:?}");
    assert_eq!(twins[0].0, "同名单位/2016+喀什地区+科普.jpg");
    assert_eq!(twins[1].0, "同名单位/2016+喀什地区+科普.jpg#2");
    let mut widths: Vec<u32> = twins.iter().map(|t| t.1).collect();
    widths.sort();
    assert_eq!(widths, [1100, 1300]);
    let item = crate::env::item(&report, "活动照片/2015+克拉玛依市+科普进校园.jpg");
    assert_eq!(
        item.path,
        "克拉玛依市科协/活动照片/2015+克拉玛依市+科普进校园.jpg"
    );
    assert_eq!(item.unit, "克拉玛依市科协");
    assert_eq!(item.tags.year.as_ref().unwrap().value, 2015);
    assert_eq!(
        item.tags.place.as_ref().unwrap().value.prefecture(),
        Some("克拉玛依市")
    );
    assert!(item.photo.as_ref().unwrap().decoded);
}

/// A zip holding two entries of one name (made by a script, or two folders merged): the zip
/// reader keeps one, and the other is an item of its own saying so, not lost without a word.
#[test]
fn a_zip_with_two_entries_of_one_name_tells_the_one_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let drops = dir.path().join("drops");
    fs::create_dir_all(&drops).unwrap();
    let (first, second, other) = (
        small_jpeg(1100, 900),
        small_jpeg(1300, 900),
        small_jpeg(1200, 900),
    );
    write_raw_zip(
        &drops.join("同名压缩包.zip"),
        &[
            ("活动/2016+喀什地区+科普.jpg".as_bytes(), &first),
            ("活动/2016+喀什地区+科普.jpg".as_bytes(), &second),
            ("活动/2017+喀什地区+讲座.jpg".as_bytes(), &other),
        ],
    );
    let run = Run::new(&drops, &["--quiet"]);
    let report = run.report();
    let paths: Vec<&str> = report.items.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "同名压缩包.zip/活动/2016+喀什地区+科普.jpg",
            "同名压缩包.zip/活动/2017+喀什地区+讲座.jpg",
        ],
        "{}",
        run.stderr()
    );
    assert!(
        report
            .items
            .iter()
            .all(|i| i.photo.as_ref().unwrap().decoded)
    );
    // The one the zip reader could not give is a problem of the zip, under its own name.
    let told: Vec<(&str, &Check)> = report
        .problems
        .iter()
        .map(|p| (p.path.as_str(), &p.finding.finding.check))
        .collect();
    assert_eq!(
        told,
        [(
            "同名压缩包.zip/活动/2016+喀什地区+科普.jpg#2",
            &Check::ZipDuplicateName { count: 2 }
        )]
    );
    assert_eq!(report.problems[0].finding.finding.severity, Severity::Error);
    // The findings file staff open lists it too.
    let findings = fs::read_to_string(run.work.join("findings.csv")).unwrap();
    assert!(
        findings.contains("科普.jpg#2,zip_duplicate_name"),
        "{findings}"
    );
}

#[test]
fn broken_runs_exit_2_naming_the_path() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("no-such-drops");
    let out = lightbox([
        "run".as_ref(),
        missing.as_os_str(),
        "--out".as_ref(),
        root.path().join("w").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-drops"));

    let file = root.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    let drops = root.path().join("drops");
    fs::create_dir_all(drops.join("单位")).unwrap();
    let out = lightbox([
        "run".as_ref(),
        drops.as_os_str(),
        "--out".as_ref(),
        file.join("work").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a-file/work"), "{stderr}");
}

#[test]
fn a_clean_drop_exits_0() {
    let root = tempfile::tempdir().unwrap();
    let unit = root.path().join("drops").join("克拉玛依市科协");
    fs::create_dir_all(&unit).unwrap();
    // Big enough to pass every file check: 2400 x 1800 of noise compresses to over 1 MB.
    let mut seed = 1u32;
    let image = image::RgbImage::from_fn(2400, 1800, |_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let [a, b, c, _] = seed.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let jpeg = lightbox::inspect::encode_jpeg(&image, 90).unwrap();
    assert!(jpeg.len() > 1_000_000);
    fs::write(unit.join("2015+克拉玛依市+科普进校园+01.jpg"), &jpeg).unwrap();
    let sheet = "文件名,图片说明,摄影者\r\n2015+克拉玛依市+科普进校园+01.jpg,2015年9月19日，克拉玛依市科协在第一中学开展科普进校园活动。,王建国\r\n";
    fs::write(unit.join("汇总表.csv"), encoding_rs::GBK.encode(sheet).0).unwrap();
    let run = Run::new(&root.path().join("drops"), &[]);
    let report = run.report();
    assert_eq!(report.summary.accepted, 1, "{:?}", report.items[0].findings);
    assert_eq!(run.code(), 0);
}

#[test]
fn zip_bombs_nested_zips_and_encrypted_entries_are_refused_and_reported() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    let drops = root.path().join("drops");
    fs::create_dir_all(&drops).unwrap();
    // 64 MB of zeros deflates to ~64 KB: a ratio near 1000.
    let path = drops.join("炸弹单位.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("炸弹单位/2015+喀什地区+炸弹.jpg", deflated)
        .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&zeros).unwrap();
    }
    zip.start_file("炸弹单位/照片.zip", deflated).unwrap();
    zip.write_all(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")
        .unwrap();
    zip.start_file("炸弹单位/2016+喀什地区+好照片.jpg", deflated)
        .unwrap();
    zip.write_all(&small_jpeg(1200, 900)).unwrap();
    zip.finish().unwrap();

    // An entry flagged encrypted (general purpose bit 0, in its local and central headers).
    let locked = drops.join("加密单位.zip");
    write_raw_zip(&locked, &[(b"secret.jpg", &small_jpeg(1200, 900))]);
    let mut bytes = fs::read(&locked).unwrap();
    for (signature, flag_at) in [(&b"PK\x03\x04"[..], 6), (&b"PK\x01\x02"[..], 8)] {
        let at = bytes.windows(4).position(|w| w == signature).unwrap();
        bytes[at + flag_at] |= 1;
    }
    fs::write(&locked, bytes).unwrap();

    let run = Run::new(&drops, &["--quiet"]);
    assert_eq!(run.code(), 1, "stderr: {}", run.stderr());
    let report = run.report();
    let find = |end: &str| crate::env::item(&report, end);
    assert_eq!(
        find("加密单位.zip/secret.jpg").findings[0].finding.check,
        Check::EncryptedZipEntry
    );
    let bomb = find("炸弹.jpg");
    assert!(
        matches!(
            bomb.findings[0].finding.check,
            Check::ZipBomb {
                declared: 67_108_864,
                ..
            }
        ),
        "{:?}",
        bomb.findings
    );
    assert!(bomb.findings[0].message.contains("压缩炸弹"));
    assert_eq!(bomb.status, Status::Rejected);
    assert_eq!(find("照片.zip").findings[0].finding.check, Check::NestedZip);
    assert!(find("好照片.jpg").photo.as_ref().unwrap().decoded);
}

/// `lightbox package` with the file size limit set below a photo's size, the way a full disk
/// stops a write half-way (the kernel answers EFBIG instead of ENOSPC; the path through the
/// code is the same).
fn package_with_file_limit(work: &Path, to: &Path, limit: u64, lang: &str) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lightbox"));
    command
        .args(["--lang", lang, "--quiet", "package"])
        .arg(work)
        .arg("--to")
        .arg(to);
    // SAFETY: only async-signal-safe calls (signal, setrlimit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            // Without this the kernel kills the writer with SIGXFSZ instead of failing the write.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let rl = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &raw const rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().expect("the binary runs")
}

#[test]
fn a_package_that_runs_out_of_room_exits_2_says_what_to_do_and_leaves_nothing() {
    let run = Run::new(&crate::env::drops(), &["--quiet"]);
    let to = run.dir.path().join("pkg");
    for (lang, hint) in [("en", "no room left to write"), ("zh", "磁盘空间不足")] {
        let out = package_with_file_limit(&run.work, &to, 64 * 1024, lang);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&to.display().to_string()),
            "names the package: {stderr}"
        );
        assert!(stderr.contains(hint), "says what to do: {stderr}");
        // Nothing half-written: no package, no staging folder beside it.
        assert!(!to.exists());
        let beside: Vec<String> = fs::read_dir(run.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("pkg"))
            .collect();
        assert!(beside.is_empty(), "{beside:?}");
    }
    // With room, the same command makes the package.
    let out = package_with_file_limit(&run.work, &to, 1 << 40, "en");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(to.join("data/manifest.csv").exists() && to.join("tagmanifest-sha512.txt").exists());
}

/// `lightbox run` of `drops` into `work` with the debug builds' crash seam armed for `marker`.
fn run_with_crash_seam(drops: &Path, work: &Path, marker: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lightbox"))
        .args(["--lang", "en", "run"])
        .arg(drops)
        .arg("--out")
        .arg(work)
        .env("LIGHTBOX_TEST_CRASH", marker)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs")
}

#[test]
fn a_decoder_that_panics_on_one_file_costs_that_file_only() {
    let root = tempfile::tempdir().unwrap();
    let drops = root.path().join("drops");
    let unit = drops.join("哈密市科协");
    fs::create_dir_all(&unit).unwrap();
    let good = small_jpeg(640, 480);
    // The same kind of photo, with bytes after its end that the seam recognises.
    let mut bad = small_jpeg(600, 400);
    bad.extend_from_slice(b"LIGHTBOX-SEAM-PANIC");
    fs::write(unit.join("good.jpg"), &good).unwrap();
    fs::write(unit.join("crashes.jpg"), &bad).unwrap();
    fs::write(unit.join("also-good.jpg"), small_jpeg(700, 500)).unwrap();
    let work = root.path().join("work");
    for attempt in ["first run", "rerun from the catalog"] {
        let out = run_with_crash_seam(&drops, &work, "LIGHTBOX-SEAM-PANIC");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{attempt}: {stderr}");
        assert!(
            !stderr.contains("panicked"),
            "{attempt}: the caught panic printed: {stderr}"
        );
        let report =
            lightbox::report::Report::from_json(&fs::read(work.join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report.items.len(), 3, "{attempt}");
        for item in &report.items {
            let checks: Vec<&Check> = item.findings.iter().map(|f| &f.finding.check).collect();
            if item.path.ends_with("crashes.jpg") {
                assert_eq!(item.status, Status::Rejected, "{attempt}");
                let crashed = item
                    .findings
                    .iter()
                    .find(|f| f.finding.check.code() == "decoder_crashed")
                    .unwrap_or_else(|| panic!("{attempt}: {checks:?}"));
                assert!(
                    crashed.message.contains("test seam: a decoder panicked"),
                    "{}",
                    crashed.message
                );
            } else {
                // The other photos were decoded: their thumbnails exist and nothing crashed.
                assert!(
                    checks.iter().all(|c| c.code() != "decoder_crashed"),
                    "{attempt}: {checks:?}"
                );
                assert!(item.has_preview(), "{attempt}: {checks:?}");
                assert!(item.photo.as_ref().unwrap().width >= 640, "{attempt}");
            }
        }
    }
}

/// The items of `work`'s report by path end, each with its finding codes and whether its
/// preview was made.
fn outcomes(work: &Path) -> Vec<(String, Vec<&'static str>, bool)> {
    let report =
        lightbox::report::Report::from_json(&fs::read(work.join("report.json")).unwrap()).unwrap();
    report
        .items
        .iter()
        .map(|item| {
            let codes = item
                .findings
                .iter()
                .map(|f| f.finding.check.code())
                .collect();
            (item.path.clone(), codes, item.has_preview())
        })
        .collect()
}

#[test]
fn a_run_that_aborts_on_one_file_costs_that_run_and_the_next_run_skips_that_file() {
    use std::os::unix::process::ExitStatusExt;
    let root = tempfile::tempdir().unwrap();
    let drops = root.path().join("drops");
    let unit = drops.join("哈密市科协");
    let other = drops.join("吐鲁番市科协");
    fs::create_dir_all(&unit).unwrap();
    fs::create_dir_all(&other).unwrap();
    // A photo whose bytes make the seam abort the process, as a crash in C code would.
    let mut bad = small_jpeg(600, 400);
    bad.extend_from_slice(b"abort-LIGHTBOX-SEAM");
    fs::write(unit.join("aborts.jpg"), &bad).unwrap();
    fs::write(unit.join("good.jpg"), small_jpeg(640, 480)).unwrap();
    fs::write(unit.join("also-good.jpg"), small_jpeg(700, 500)).unwrap();
    // The same bytes sent by another unit under another name.
    fs::write(other.join("copy.jpg"), &bad).unwrap();
    fs::write(other.join("fine.jpg"), small_jpeg(800, 600)).unwrap();
    let work = root.path().join("work");

    let first = run_with_crash_seam(&drops, &work, "abort-LIGHTBOX-SEAM");
    assert_eq!(
        first.status.signal(),
        Some(libc::SIGABRT),
        "the first run dies by the abort: {:?}",
        first.status
    );
    assert!(!work.join("report.json").exists());

    // Without the seam the file would decode: a run that read it would show a preview.
    let again = lightbox(
        ["--lang", "en", "run"]
            .iter()
            .map(std::ffi::OsStr::new)
            .chain([
                drops.as_os_str(),
                std::ffi::OsStr::new("--out"),
                work.as_os_str(),
            ]),
    );
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.code().is_some(),
        "the second run ends: {:?} {}",
        again.status,
        String::from_utf8_lossy(&again.stderr)
    );
    // Four of the five photos were read: the one the first run died on was not.
    assert!(stdout.contains("read 4 files, 1 unchanged"), "{stdout}");
    let items = outcomes(&work);
    assert_eq!(items.len(), 5, "{items:?}");
    for (path, codes, preview) in &items {
        if path.ends_with("aborts.jpg") || path.ends_with("copy.jpg") {
            assert!(codes.contains(&"decoder_crashed"), "{path}: {codes:?}");
            assert!(!preview, "{path} was not decoded");
        } else {
            assert!(!codes.contains(&"decoder_crashed"), "{path}: {codes:?}");
            assert!(preview, "{path} was decoded: {codes:?}");
        }
    }
    let report =
        lightbox::report::Report::from_json(&fs::read(work.join("report.json")).unwrap()).unwrap();
    let message = &crate::env::item(&report, "aborts.jpg").findings[0].message;
    assert!(message.contains("previous run"), "{message}");
    // The journal's slots are gone once a run ends; what it learned stays beside them.
    let journal: Vec<String> = fs::read_dir(work.join("journal"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(journal, vec!["crashed.json".to_string()]);

    // The unit sends the photo again, changed: it is read and decoded; the other unit's copy of
    // the old bytes is still not decoded.
    fs::write(unit.join("aborts.jpg"), small_jpeg(620, 410)).unwrap();
    let third = lightbox(
        ["--lang", "en", "run"]
            .iter()
            .map(std::ffi::OsStr::new)
            .chain([
                drops.as_os_str(),
                std::ffi::OsStr::new("--out"),
                work.as_os_str(),
            ]),
    );
    assert!(third.status.code().is_some(), "{:?}", third.status);
    for (path, codes, preview) in outcomes(&work) {
        if path.ends_with("copy.jpg") {
            assert!(codes.contains(&"decoder_crashed"), "{path}: {codes:?}");
        } else {
            assert!(!codes.contains(&"decoder_crashed"), "{path}: {codes:?}");
            assert!(preview, "{path}: {codes:?}");
        }
    }
}

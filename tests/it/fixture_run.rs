//! `lightbox run` on the sample drops in `fixtures/drops`: counts, reasons, tags and their
//! sources, duplicates, upright thumbnails, untouched sources, stable output.
//!
//! In: `fixtures/drops`, `fixtures/reference/Landscape_1.jpg`. Out: assertions.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use image::RgbImage;
use lightbox::dedupe::{GroupKind, KeepReason};
use lightbox::photo::{Check, Status};
use lightbox::report::{ItemReport, Report};
use lightbox::tags::TagSource;

use crate::env::{Run, drops, fixtures, tree_state};

/// One shared run of the fixtures (each test reads it; none writes into it).
fn shared() -> &'static (Run, Report) {
    static RUN: OnceLock<(Run, Report)> = OnceLock::new();
    RUN.get_or_init(|| {
        let run = Run::new(&drops(), &[]);
        let report = run.report();
        (run, report)
    })
}

fn item<'a>(report: &'a Report, path_end: &str) -> &'a ItemReport {
    report
        .items
        .iter()
        .find(|i| i.path.ends_with(path_end))
        .unwrap_or_else(|| panic!("no item ending in {path_end}"))
}

fn error_codes(item: &ItemReport) -> Vec<&'static str> {
    item.findings
        .iter()
        .filter(|f| f.finding.severity == lightbox::photo::Severity::Error)
        .map(|f| f.finding.check.code())
        .collect()
}

#[test]
fn counts_statuses_per_unit_and_errors_by_reason() {
    let (run, report) = shared();
    assert_eq!(
        run.code(),
        1,
        "findings that block packaging exit 1; stderr: {}",
        run.stderr()
    );
    let s = &report.summary;
    assert_eq!(
        (s.files, s.accepted, s.needs_info, s.rejected, s.duplicates),
        (31, 5, 17, 5, 4)
    );
    let units: Vec<(&str, usize, usize, usize, usize, usize)> = s
        .units
        .iter()
        .map(|u| {
            (
                u.unit.as_str(),
                u.files,
                u.accepted,
                u.needs_info,
                u.rejected,
                u.duplicates,
            )
        })
        .collect();
    assert_eq!(
        units,
        [
            ("克拉玛依市科协", 7, 4, 3, 0, 0),
            ("和田地区科协", 7, 0, 7, 0, 0),
            ("喀什地区科协", 10, 0, 5, 1, 4),
            ("新疆大学", 7, 1, 2, 4, 0),
        ]
    );
    let expected: BTreeMap<String, usize> = [
        ("empty_file", 1),
        ("file_too_small", 1),
        ("long_edge_too_small", 1),
        ("missing_field", 43),
        ("not_an_image", 1),
        ("symlink", 1),
        ("truncated", 1),
        ("year_out_of_range", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(s.errors_by_check, expected);
    // The printed summary says the same.
    assert!(
        run.stdout()
            .contains("共 31 个文件：通过 5，待补信息 17，不可用 5，重复 4（3 组）"),
        "{}",
        run.stdout()
    );
}

#[test]
fn bad_files_become_findings_naming_the_file_and_reason() {
    let (_, report) = shared();
    let truncated = item(report, "新疆大学/损坏的照片.jpg");
    assert_eq!(truncated.status, Status::Rejected);
    assert!(error_codes(truncated).contains(&"truncated"));
    let pdf = item(report, "新疆大学/活动报告.jpg");
    assert_eq!(
        pdf.findings[0].finding.check,
        Check::NotAnImage {
            detected: "PDF".into()
        }
    );
    assert!(pdf.findings[0].message.contains("PDF"));
    let empty = item(report, "新疆大学/IMG_0001.jpg");
    assert_eq!(empty.findings[0].finding.check, Check::EmptyFile);
    let link = item(report, "新疆大学/旧照片.jpg");
    assert_eq!(
        link.findings[0].finding.check,
        Check::Symlink {
            target: "不存在的照片.jpg".into(),
            dangling: true
        }
    );
    for bad in [truncated, pdf, empty, link] {
        assert_eq!(bad.status, Status::Rejected, "{}", bad.path);
    }
    let small = item(report, "喀什地区科协/小图.jpg");
    assert!(error_codes(small).contains(&"long_edge_too_small"));
    assert_eq!(small.status, Status::Rejected);
}

#[test]
fn exact_duplicate_sent_by_two_units_is_grouped_once() {
    let (_, report) = shared();
    let identical: Vec<_> = report
        .duplicate_groups
        .iter()
        .filter(|g| g.kind == GroupKind::Identical)
        .collect();
    assert_eq!(identical.len(), 1);
    let group = identical[0];
    let paths: Vec<&str> = group
        .members
        .iter()
        .map(|&i| report.items[i - 1].path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "克拉玛依市科协/2018+克拉玛依市+科普讲座.jpg",
            "喀什地区科协/2018 喀什地区 科普讲座.jpg"
        ]
    );
    let keeper = group.keeper.expect("identical copies have a keeper");
    assert_eq!(report.items[keeper - 1].path, paths[0]);
    assert_eq!(group.units, ["克拉玛依市科协", "喀什地区科协"]);
    let copy = item(report, "喀什地区科协/2018 喀什地区 科普讲座.jpg");
    assert_eq!(copy.status, Status::Duplicate);
    assert!(
        matches!(&copy.findings[0].finding.check, Check::ExactDuplicate { keeper, .. } if keeper == paths[0])
    );
}

#[test]
fn wechat_copy_and_rotated_copies_are_near_duplicates_with_the_best_copy_kept() {
    let (_, report) = shared();
    let paths = |g: &lightbox::dedupe::Group| -> Vec<String> {
        g.members
            .iter()
            .map(|&i| report.items[i - 1].path.clone())
            .collect()
    };
    let near: Vec<_> = report
        .duplicate_groups
        .iter()
        .filter(|g| g.kind == GroupKind::Duplicate)
        .collect();
    assert_eq!(near.len(), 2, "{:#?}", report.duplicate_groups);
    // The WeChat copy (1280 px, quality 70, no EXIF) of a photo another unit sent at 2048 px:
    // the larger original is kept, across units.
    let wechat = near
        .iter()
        .find(|g| {
            paths(g)
                .iter()
                .any(|p| p.ends_with("微信图片_20230816.jpg"))
        })
        .expect("the WeChat copy is grouped");
    assert_eq!(
        paths(wechat),
        [
            "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg",
            "喀什地区科协/微信图片_20230816.jpg"
        ]
    );
    let keeper = wechat.keeper.expect("a duplicate group has a keeper");
    assert_eq!(
        report.items[keeper - 1].path,
        "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg"
    );
    assert!(matches!(
        wechat.reason,
        Some(KeepReason::MorePixels {
            kept: 3_145_728,
            other: 1_228_800
        })
    ));
    assert_eq!(wechat.units, ["克拉玛依市科协", "喀什地区科协"]);
    // The orientation examples: one picture stored turned three ways (EXIF 3, 6, 8). Upright
    // they are the same photo, so they are one group and two are dropped as copies.
    let turned = near
        .iter()
        .find(|g| paths(g).iter().any(|p| p.contains("流动科技馆进乡村")))
        .expect("the turned copies are grouped");
    assert_eq!(turned.members.len(), 3);
    assert!(
        turned.pairs.iter().all(|p| p.distance <= 4),
        "{:?}",
        turned.pairs
    );
    let dropped = turned
        .members
        .iter()
        .filter(|&&i| report.items[i - 1].status == Status::Duplicate)
        .count();
    assert_eq!(dropped, 2);
    let copy = item(report, "喀什地区科协/微信图片_20230816.jpg");
    assert_eq!(copy.status, Status::Duplicate);
    assert!(
        copy.findings
            .iter()
            .any(|f| f.finding.check.code() == "near_duplicate"),
        "{:?}",
        copy.findings
    );
}

#[test]
fn tags_come_from_sheet_file_name_and_windows_properties_with_sources() {
    let (_, report) = shared();
    // Sheet row whose file name has no extension; GBK sheet.
    let phone = item(report, "克拉玛依市科协/IMG_2041.JPG");
    let year = phone.tags.year.as_ref().unwrap();
    assert_eq!(year.value, 2017);
    assert_eq!(
        year.source,
        TagSource::Sheet {
            sheet: "克拉玛依市科协/汇总表.csv".into(),
            row: 5
        }
    );
    assert!(
        phone
            .tags
            .caption
            .as_ref()
            .unwrap()
            .value
            .starts_with("2017年9月16日，克拉玛依市全国科普日科普展览")
    );
    assert_eq!(phone.status, Status::Accepted);
    // A sheet row with an empty caption cell.
    let no_caption = item(report, "克拉玛依市科协/DSC_0032.JPG");
    assert_eq!(error_codes(no_caption), ["missing_field"]);
    assert_eq!(no_caption.status, Status::NeedsInfo);
    // A county in the file name resolves to its prefecture.
    let county = item(
        report,
        "克拉玛依市科协/2019+独山子区+青少年科技创新大赛.jpg",
    );
    let place = county.tags.place.as_ref().unwrap();
    assert_eq!(
        (
            place.value.value.as_str(),
            place.value.prefecture(),
            &place.source
        ),
        ("独山子区", Some("克拉玛依市"), &TagSource::FileName)
    );
    assert_eq!(
        county.tags.event.as_ref().unwrap().value,
        "青少年科技创新大赛"
    );
    // Full-width separators.
    let wide = item(report, "喀什地区科协/2022＋疏附县＋防震减灾科普.jpg");
    assert_eq!(wide.tags.year.as_ref().unwrap().value, 2022);
    assert_eq!(
        wide.tags.place.as_ref().unwrap().value.prefecture(),
        Some("喀什地区")
    );
    // GBK names inside the zip.
    let zipped = item(
        report,
        "和田地区科协.zip/和田地区科协/2020+墨玉县+科普进万家.jpg",
    );
    assert_eq!(
        zipped.tags.place.as_ref().unwrap().value.prefecture(),
        Some("和田地区")
    );
    // Windows Explorer Title/Comments/Authors (EXIF XP tags, UTF-16LE).
    let xp = item(report, "新疆大学/科普开放日.jpg");
    let t = &xp.tags;
    assert_eq!(t.event.as_ref().unwrap().source, TagSource::XpTitle);
    assert_eq!(t.caption.as_ref().unwrap().source, TagSource::XpComment);
    assert!(
        t.caption
            .as_ref()
            .unwrap()
            .value
            .contains("新疆大学在乌鲁木齐市举办")
    );
    assert_eq!(t.photographer.as_ref().unwrap().value, "张伟");
    assert_eq!(
        t.place.as_ref().unwrap().source,
        TagSource::Caption,
        "place only in the caption is inferred"
    );
    assert_eq!(xp.status, Status::Accepted);
    // Camera names carry no tags; nothing is invented.
    let bare = item(report, "喀什地区科协/IMG_20190918_103512.jpg");
    assert!(bare.tags.year.is_none() && bare.tags.place.is_none() && bare.tags.caption.is_none());
    assert_eq!(bare.tags.unit.as_ref().unwrap().source, TagSource::Drop);
    // Year rules: out of range; camera date disagreeing with the file name.
    assert!(error_codes(item(report, "2001+和田地区+老照片.jpg")).contains(&"year_out_of_range"));
    let clock = item(report, "新疆大学/2017+乌鲁木齐市+天文科普.jpg");
    assert!(clock.findings.iter().any(|f| matches!(
        f.finding.check,
        Check::YearConflict {
            used: 2017,
            other: 2012,
            ..
        }
    )));
    let beijing = item(report, "2016+北京市+全国科普日主场.jpg");
    assert!(
        beijing
            .findings
            .iter()
            .any(|f| f.finding.check.code() == "place_outside_region")
    );
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

#[test]
fn thumbnails_of_orientation_3_6_8_photos_are_upright() {
    let (run, report) = shared();
    let reference = image::open(fixtures().join("reference/Landscape_1.jpg"))
        .unwrap()
        .into_rgb8();
    for (n, orientation) in [(1, 3), (2, 6), (3, 8)] {
        let it = item(report, &format!("流动科技馆进乡村+0{n}.jpg"));
        let photo = it.photo.as_ref().unwrap();
        assert_eq!(photo.exif.orientation, Some(orientation));
        let thumb_path = run
            .work
            .join("derived/thumbs")
            .join(format!("{}.jpg", photo.content.to_hex()));
        let thumb = image::open(&thumb_path).unwrap().into_rgb8();
        assert_eq!(thumb.dimensions(), (320, 213), "landscape once upright");
        let upright =
            image::imageops::resize(&reference, 320, 213, image::imageops::FilterType::Triangle);
        let diff = mean_abs_diff(&thumb, &upright);
        assert!(
            diff < 8.0,
            "orientation {orientation}: mean difference {diff:.1} from the upright reference"
        );
        // The test can fail: the same reference turned upside down is far off.
        let wrong = image::imageops::rotate180(&upright);
        assert!(mean_abs_diff(&thumb, &wrong) > 3.0 * diff.max(4.0));
    }
}

#[test]
fn sources_are_never_written() {
    let before = tree_state(&fixtures());
    let run = Run::new(&drops(), &["--quiet"]);
    assert_eq!(run.code(), 1);
    let pkg = run.dir.path().join("pkg");
    let out = crate::env::lightbox([
        std::ffi::OsStr::new("package"),
        run.work.as_os_str(),
        "--to".as_ref(),
        pkg.as_os_str(),
    ]);
    assert!(out.status.success());
    crate::env::assert_valid_bag(&pkg);
    assert_eq!(tree_state(&fixtures()), before);
}

#[test]
fn findings_csv_opens_in_excel_with_chinese() {
    let (run, report) = shared();
    let bytes = std::fs::read(run.work.join("findings.csv")).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next(), Some("序号,级别,报送单位,文件,检查项,说明"));
    let n_findings: usize =
        report.items.iter().map(|i| i.findings.len()).sum::<usize>() + report.problems.len();
    assert_eq!(
        text.split("\r\n").filter(|l| !l.is_empty()).count(),
        n_findings + 1
    );
    assert!(
        text.contains("新疆大学,新疆大学/IMG_0001.jpg,empty_file,空文件（0 字节），请重新发送")
    );
}

#[test]
fn contact_sheets_one_per_unit() {
    let (run, _) = shared();
    for unit in ["克拉玛依市科协", "和田地区科协", "喀什地区科协", "新疆大学"]
    {
        let page = run
            .work
            .join("sheets")
            .join(unit)
            .join(format!("{unit}-01.jpg"));
        let sheet = image::open(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert_eq!(
            (sheet.width(), sheet.height()),
            (1240, 1754),
            "A4 at 150 dpi"
        );
    }
}

#[test]
fn report_snapshot() {
    let (_, report) = shared();
    // Perceptual hashes come from decoded pixels, and libjpeg-turbo rounds a few of them one
    // grey level apart from jpeg-decoder: each build has its own snapshot.
    let mut settings = insta::Settings::clone_current();
    if cfg!(feature = "turbojpeg") {
        settings.set_snapshot_suffix("turbojpeg");
    }
    settings.bind(|| {
        insta::assert_json_snapshot!("fixture_report", report, {
            ".inputs[]" => "[drops]",
            ".catalog" => "[catalog]",
            ".items[].location.path" => "[path]",
            ".items[].location.zip" => "[zip]",
        });
    });
}

#[test]
fn same_input_gives_byte_identical_report_whatever_the_jobs() {
    let one = Run::new(&drops(), &["--jobs", "1", "--quiet"]);
    let two = Run::new(&drops(), &["--jobs", "2", "--quiet"]);
    let read = |run: &Run, name: &str| std::fs::read(run.work.join(name)).unwrap();
    assert_eq!(read(&one, "report.json"), read(&two, "report.json"));
    assert_eq!(read(&one, "findings.csv"), read(&two, "findings.csv"));
    assert!(one.stdout().is_empty(), "--quiet prints nothing");
    // The packages too: the same manifests and the same files, byte for byte.
    let package = |run: &Run, jobs: &str| {
        let to = run.dir.path().join("pkg");
        let out = crate::env::lightbox([
            std::ffi::OsStr::new("--jobs"),
            std::ffi::OsStr::new(jobs),
            std::ffi::OsStr::new("package"),
            run.work.as_os_str(),
            std::ffi::OsStr::new("--to"),
            to.as_os_str(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        crate::env::assert_valid_bag(&to);
        // Contents only: the times of course differ.
        tree_state(&to)
            .into_iter()
            .map(|(path, state)| {
                (
                    path,
                    state.split(' ').next().unwrap_or_default().to_string(),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let (first, second) = (package(&one, "1"), package(&two, "2"));
    assert!(
        first.keys().any(|k| k.ends_with("manifest.csv")),
        "{first:?}"
    );
    assert!(first.len() > 4, "photos and manifests: {first:?}");
    assert_eq!(first, second);
}

#[test]
fn no_progress_bars_when_stderr_is_not_a_terminal() {
    let (run, _) = shared();
    assert_eq!(run.stderr(), "");
}

#[test]
fn english_messages_with_lang_en() {
    let run = Run::new(&drops(), &["--lang", "en"]);
    let report = run.report();
    let empty = item(&report, "新疆大学/IMG_0001.jpg");
    assert_eq!(
        empty.findings[0].message,
        "empty file (0 bytes): ask for it again"
    );
    assert!(
        run.stdout()
            .contains("31 files: 5 accepted, 17 need info, 5 rejected, 4 duplicates (3 groups)"),
        "{}",
        run.stdout()
    );
}

#[test]
fn timings_list_every_stage_with_its_share_and_change_nothing_else() {
    let run = Run::new(&drops(), &["--lang", "en", "--timings"]);
    let table = run.stderr();
    let stages: Vec<&str> = table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        stages,
        [
            "scan", "inspect", "dedupe", "validate", "report", "sheets", "review", "other", "total"
        ],
        "{table}"
    );
    // Each line: seconds and a share of the run; the shares of the stages and the rest make
    // the whole (within rounding).
    let shares: Vec<f64> = table
        .lines()
        .skip(1)
        .map(|l| {
            let share = l.split_whitespace().nth(2).unwrap();
            share.trim_end_matches('%').parse::<f64>().unwrap()
        })
        .collect();
    let (parts, whole) = shares.split_at(shares.len() - 1);
    assert_eq!(whole, [100.0]);
    assert!((parts.iter().sum::<f64>() - 100.0).abs() < 1.0, "{table}");
    // The report is the one a run without timings writes.
    let plain = Run::new(&drops(), &["--lang", "en"]);
    assert_eq!(run.report().summary, plain.report().summary);
    assert_eq!(
        run.report().duplicate_groups,
        plain.report().duplicate_groups
    );
}

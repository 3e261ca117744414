//! What people read in a package: `汇总表.xlsx` and `图录.pdf`.
//!
//! In: a run of `fixtures/drops`, packaged in Chinese and in English, and rows made up here.
//! Out: assertions on the workbook read with calamine (every cell of the photo list against the
//! manifest, sheet names, frozen header, autofilter), on the same workbook read back through
//! LibreOffice, and on the catalogue's text through `pdftotext`. The tools `.ci/run` installs
//! (`soffice` from libreoffice-calc-nogui, `pdftotext` from poppler-utils): without them those
//! parts panic when `CI` is set, and are skipped with a note otherwise.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx};
use lightbox::lang::Lang;
use lightbox::package::book::{self, BookInfo, Previews, sheet};
use lightbox::package::{ManifestEntry, PackageSummary};

use crate::env::{Run, drops, lightbox};

/// Packages `work` at `to` in `lang`; returns the manifest.
fn package(work: &Path, to: &Path, lang: &str) -> PackageSummary {
    let out = lightbox([
        OsStr::new("package"),
        work.as_os_str(),
        OsStr::new("--to"),
        to.as_os_str(),
        OsStr::new("--lang"),
        OsStr::new(lang),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::env::assert_valid_bag(to);
    serde_json::from_slice(&std::fs::read(to.join("data/manifest.json")).unwrap()).unwrap()
}

/// Whether `tool` runs; when it does not, panics under CI and prints a note otherwise.
fn have(tool: &str, args: &[&str], package: &str, what: &str) -> bool {
    let runs = Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {tool} is missing (apt-get install {package})"
        );
        #[expect(
            clippy::print_stderr,
            reason = "the only way to tell a developer the check did not run"
        )]
        {
            eprintln!("note: {what} not checked: {tool} is missing (apt-get install {package})");
        }
    }
    runs
}

/// A cell as text: numbers written by lightbox are whole numbers.
fn text(cell: &Data) -> String {
    match cell {
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The rows of sheet `name` of the workbook at `path`, as text.
fn rows(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range.rows().map(|r| r.iter().map(text).collect()).collect()
}

/// The XML of a worksheet inside the workbook at `path`.
fn sheet_xml(path: &Path, n: usize) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The photo list's expected cells: the manifest's values, the thumbnail's cell empty.
fn expected(entries: &[ManifestEntry]) -> Vec<Vec<String>> {
    entries
        .iter()
        .enumerate()
        .map(|(n, e)| sheet::row_text(n + 1, e))
        .collect()
}

/// `pdftotext`'s text of `pdf`, without whitespace (lines wrap anywhere).
fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn summary_and_catalogue_show_every_packaged_photo_in_both_languages() {
    let run = Run::new(&drops(), &["--quiet"]);
    let pkg = run.dir.path().join("pkg");
    let manifest = package(&run.work, &pkg, "zh");
    let entries = &manifest.entries;
    assert_eq!(entries.len(), 5);
    let xlsx = pkg.join("data/汇总表.xlsx");
    let book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(book.sheet_names(), ["照片清单", "统计", "说明"]);
    let list = rows(&xlsx, "照片清单");
    assert_eq!(list[0], sheet::headers(Lang::Zh));
    assert_eq!(list[0][sheet::FILE_COLUMN], "文件名");
    assert_eq!(list[1..], expected(entries));
    // Header frozen, autofilter over the list, a thumbnail drawn in each row.
    let xml = sheet_xml(&xlsx, 1);
    assert!(xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#));
    assert!(xml.contains(r#"<autoFilter ref="A1:M6"/>"#), "{xml}");
    let zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let media = zip
        .file_names()
        .filter(|n| n.as_ref().is_ok_and(|n| n.starts_with("xl/media/")))
        .count();
    assert_eq!(media, 5);
    // Counts: 2015–2018 by place, with totals; by unit.
    let counts = rows(&xlsx, "统计");
    assert_eq!(
        counts[1],
        ["年份 \\ 地州市", "乌鲁木齐市", "克拉玛依市", "合计"]
    );
    assert_eq!(counts[2], ["2015", "0", "2", "2"]);
    assert_eq!(counts[6], ["合计", "1", "4", "5"]);
    assert!(counts.iter().any(|r| r[..2] == ["克拉玛依市科协", "4"]));
    let about = rows(&xlsx, "说明");
    assert_eq!(
        about[1][..2],
        ["集合名称", "全国科普日二十周年历史照片征集 · 新疆"]
    );
    assert_eq!(about[5][..2], ["照片数", "5"]);

    let pdf = pkg.join("data/图录.pdf");
    if have(
        "pdftotext",
        &["-v"],
        "poppler-utils",
        "the catalogue's text",
    ) {
        let text = pdf_text(&pdf);
        for wanted in [
            "全国科普日二十周年历史照片征集·新疆",
            "图录",
            "目录",
            "2015年·2张",
        ] {
            assert!(text.contains(wanted), "{wanted} not in {text}");
        }
        for e in entries {
            for field in [&e.caption, &e.file, &e.unit, &e.photographer, &e.event] {
                assert!(
                    text.contains(&squeeze(field)),
                    "{field} not in the catalogue"
                );
            }
        }
    }

    // English, over the same package (a photo goes into one package only): the same files,
    // their contents in English.
    let en = pkg;
    let manifest_en = package(&run.work, &en, "en");
    assert_eq!(manifest_en.entries, manifest.entries);
    let xlsx = en.join("data/汇总表.xlsx");
    let book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(book.sheet_names(), ["Photos", "Counts", "About"]);
    let list = rows(&xlsx, "Photos");
    assert_eq!(list[0][sheet::FILE_COLUMN], "File name");
    assert_eq!(list[1..], expected(entries));
    if have(
        "pdftotext",
        &["-v"],
        "poppler-utils",
        "the catalogue's text",
    ) {
        let text = pdf_text(&en.join("data/图录.pdf"));
        for wanted in [
            "Catalogue",
            "Contents",
            "2015·2photos",
            "Photographer:王建国",
        ] {
            assert!(text.contains(wanted), "{wanted} not in {text}");
        }
    }
}

/// No derived images at all.
struct NoPreviews;

impl Previews for NoPreviews {
    fn thumbnail(&self, _: &ManifestEntry) -> Option<Vec<u8>> {
        None
    }
    fn preview(&self, _: &ManifestEntry) -> Option<Vec<u8>> {
        None
    }
}

/// Converts every sheet of `xlsx` to UTF-8 CSV with LibreOffice into `dir`, in a profile of
/// its own (tests run side by side).
fn soffice_csv(xlsx: &Path, dir: &Path) {
    let profile = format!("-env:UserInstallation=file://{}", dir.join("lo").display());
    let out = Command::new("soffice")
        .arg(profile)
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
        ])
        .arg(dir)
        .arg(xlsx)
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn libreoffice_reads_every_cell_of_the_photo_list_as_the_manifest_has_it() {
    if !have(
        "soffice",
        &["--version"],
        "libreoffice-calc-nogui",
        "the workbook in LibreOffice",
    ) {
        return;
    }
    let run = Run::new(&drops(), &["--quiet"]);
    let pkg = run.dir.path().join("pkg");
    let mut entries = package(&run.work, &pkg, "zh").entries;
    let out = run.dir.path().join("csv");
    soffice_csv(&pkg.join("data/汇总表.xlsx"), &out);
    let list = read_csv(&out.join("汇总表-照片清单.csv"));
    assert_eq!(list[0], sheet::headers(Lang::Zh));
    assert_eq!(list[1..], expected(&entries));
    let about = read_csv(&out.join("汇总表-说明.csv"));
    assert!(about.iter().any(|r| r[..2] == ["照片数", "5"]));

    // Text from units that looks like a formula stays the text it is; no photo has a thumbnail.
    entries[0].caption = "=1+1".into();
    entries[1].caption = "+86 991 1234567".into();
    entries[2].caption = "-5℃的清晨".into();
    entries[3].photographer = "@张".into();
    entries[4].unit = "=HYPERLINK(\"http://example.com\",\"单位\")".into();
    let info = BookInfo {
        title: "测试".into(),
        source_organization: "新疆科协".into(),
        date: "2026-12-03".into(),
        part: Some((2, 3)),
        lang: Lang::En,
    };
    let made = run.dir.path().join("made.xlsx");
    book::write_summary(&made, &entries, None, &info, &NoPreviews).unwrap();
    soffice_csv(&made, &out);
    let list = read_csv(&out.join("made-Photos.csv"));
    let mut wanted = expected(&entries);
    for row in &mut wanted {
        row[1] = "no thumbnail".into();
    }
    assert_eq!(list[1..], wanted);
    let about = read_csv(&out.join("made-About.csv"));
    assert!(about.iter().any(|r| r[..2] == ["Part", "part 2 of 3"]));
}

#[test]
fn with_no_photos_both_files_still_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let info = BookInfo {
        title: "全国科普日二十周年历史照片征集 · 新疆".into(),
        source_organization: String::new(),
        date: "2026-12-03".into(),
        part: None,
        lang: Lang::Zh,
    };
    book::write_both(dir.path(), &[], None, &info, &NoPreviews).unwrap();
    let xlsx: PathBuf = dir.path().join(book::SUMMARY_NAME);
    assert_eq!(rows(&xlsx, "照片清单").len(), 1);
    assert!(
        rows(&xlsx, "说明")
            .iter()
            .any(|r| r[1].contains("没有照片"))
    );
    let pdf = dir.path().join(book::CATALOGUE_NAME);
    if have(
        "pdftotext",
        &["-v"],
        "poppler-utils",
        "the catalogue's text",
    ) {
        assert!(pdf_text(&pdf).contains("本包没有照片"));
    }
}

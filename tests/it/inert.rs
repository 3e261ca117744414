//! Unit text is inert in what lightbox writes: a unit, file name, caption or photographer that
//! starts like a formula gets a leading `'` in `findings.csv` and `manifest.csv`, and is a
//! plain string cell (no formula) in the fill-in workbook.
//!
//! In: a drop generated here, named `=HYPERLINK(1)`, with a photo named `=1+1.jpg` and a photo
//! whose `.txt` note gives a caption `=1+1 …` and a photographer `@赵军`. Out: assertions on the
//! cells of the CSVs and the workbook.

use std::ffi::OsStr;
use std::path::Path;

use lightbox::photo::Status;

use crate::env::{Run, drops, item, lightbox};

const UNIT: &str = "=HYPERLINK(1)";
const CAPTION: &str = "=1+1 阿克苏地区青少年科技创新大赛现场，学生向评委展示自己的发明作品。";

/// The records of a CSV lightbox wrote (after its byte order mark), header first.
fn records(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF])
        .expect("a UTF-8 byte order mark");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect()
}

/// The column named `name` in `header`.
fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// No cell of `rows` starts the way a formula does.
fn assert_no_formula_start(rows: &[Vec<String>], what: &str) {
    for row in rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{what}: {cell:?} in {row:?}"
            );
        }
    }
}

#[test]
fn unit_text_starting_like_a_formula_is_quoted_in_csvs_and_text_in_the_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("drops").join(UNIT);
    std::fs::create_dir_all(&unit).unwrap();
    std::fs::copy(
        drops().join("克拉玛依市科协/DSC_0032.JPG"),
        unit.join("IMG_0103.jpg"),
    )
    .unwrap();
    let note = format!(
        "年份：2019\n地州市：阿克苏地区\n活动名称：青少年科技创新大赛\n图片说明：{CAPTION}\n摄影者：@赵军\n"
    );
    std::fs::write(unit.join("IMG_0103.txt"), note).unwrap();
    std::fs::copy(
        drops().join("克拉玛依市科协/IMG_2041.JPG"),
        unit.join("=1+1.jpg"),
    )
    .unwrap();

    let run = Run::new(&dir.path().join("drops"), &["--quiet", "--lang", "en"]);
    let report = run.report();
    let noted = item(&report, "IMG_0103.jpg");
    assert_eq!(
        noted.tags.caption.as_ref().map(|c| c.value.as_str()),
        Some(CAPTION)
    );
    assert_eq!(noted.status, Status::Accepted, "{:?}", noted.findings);
    let named = item(&report, "=1+1.jpg");
    assert!(!named.findings.is_empty(), "the bare photo has findings");

    // findings.csv: the unit and file cells of the bare photo's findings are quoted.
    let findings = records(&run.work.join("findings.csv"));
    let (unit_col, file_col) = (column(&findings[0], "unit"), column(&findings[0], "file"));
    let rows: Vec<&Vec<String>> = findings
        .iter()
        .filter(|r| r[file_col].ends_with("/=1+1.jpg"))
        .collect();
    assert!(!rows.is_empty(), "{findings:?}");
    for row in rows {
        assert_eq!(row[unit_col], format!("'{UNIT}"));
        assert_eq!(row[file_col], format!("'{UNIT}/=1+1.jpg"));
    }
    assert_no_formula_start(&findings, "findings.csv");

    // manifest.csv: the packaged photo's text cells are quoted, the tool's numbers are not;
    // manifest.json keeps the values as they were.
    let pkg = dir.path().join("pkg");
    let out = lightbox([
        OsStr::new("package"),
        run.work.as_os_str(),
        OsStr::new("--to"),
        pkg.as_os_str(),
        OsStr::new("--lang"),
        OsStr::new("en"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::env::assert_valid_bag(&pkg);
    let manifest = records(&pkg.join("data").join("manifest.csv"));
    assert_eq!(manifest.len(), 2, "{manifest:?}");
    let (header, row) = (&manifest[0], &manifest[1]);
    let cell = |name: &str| row[column(header, name)].as_str();
    assert_eq!(cell("caption"), format!("'{CAPTION}"));
    assert_eq!(cell("photographer"), "'@赵军");
    assert_eq!(cell("unit"), format!("'{UNIT}"));
    assert_eq!(cell("original"), format!("'{UNIT}/IMG_0103.jpg"));
    assert_eq!(cell("year"), "2019");
    assert!(cell("width").parse::<u32>().is_ok(), "{row:?}");
    assert!(cell("bytes").parse::<u64>().is_ok(), "{row:?}");
    assert_no_formula_start(&manifest, "manifest.csv");
    let summary: lightbox::package::PackageSummary =
        serde_json::from_slice(&std::fs::read(pkg.join("data").join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(summary.entries[0].caption, CAPTION);
    assert_eq!(summary.entries[0].photographer, "@赵军");

    // The fill-in workbook: the same text in string cells, and no formula anywhere.
    let template = dir.path().join("template.xlsx");
    let out = lightbox([
        OsStr::new("template"),
        unit.as_os_str(),
        OsStr::new("--to"),
        template.as_os_str(),
        OsStr::new("--lang"),
        OsStr::new("en"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        use calamine::{Data, Reader};
        let mut book = calamine::open_workbook_auto(&template).expect("the template opens");
        let range = book
            .worksheet_range_at(0)
            .expect("a sheet")
            .expect("readable");
        let cells: Vec<&Data> = range.rows().flatten().collect();
        assert!(cells.contains(&&Data::String(CAPTION.into())), "{cells:?}");
        assert!(cells.contains(&&Data::String("@赵军".into())), "{cells:?}");
        assert!(
            cells.contains(&&Data::String("=1+1.jpg".into())),
            "{cells:?}"
        );
        let name = book.sheet_names()[0].clone();
        let formulas = book.worksheet_formula(&name).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no cell is a formula"
        );
    }
}

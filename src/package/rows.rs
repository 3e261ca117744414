//! What a receiver checks names against: the naming rule of the package's photos, and the rows
//! of the 汇总表 (`data/汇总表.xlsx`) and of the manifest table
//! (`data/manifest.csv`).
//!
//! In: a path below `data/`; a table's bytes. Out: why a name is off the rule; the paths the
//! table lists. Invariant: a table that cannot be read is an error with a message, never a
//! panic.

use std::io;

/// Why a photo's path below `data/` is off the naming rule `YYYY/YYYY+地州市+活动名称+NN.jpg`,
/// or `None` when it follows it.
pub fn name_rule(path: &str) -> Option<&'static str> {
    let Some((folder, name)) = path.split_once('/') else {
        return Some("not in a year folder / 不在年份文件夹中");
    };
    if name.contains('/') || folder.len() != 4 || !folder.bytes().all(|b| b.is_ascii_digit()) {
        return Some("not in a year folder / 不在年份文件夹中");
    }
    let Some(stem) = name.strip_suffix(".jpg") else {
        return Some("not a .jpg / 扩展名不是 .jpg");
    };
    let parts: Vec<&str> = stem.split('+').collect();
    if parts.len() != 4 {
        return Some("not 年份+地州市+活动名称+序号 / 不是四段");
    }
    if parts[0] != folder {
        return Some("the year differs from its folder's / 年份与文件夹不符");
    }
    if parts[1].trim().is_empty() || parts[2].trim().is_empty() {
        return Some("no 地州市 or 活动名称 / 缺少地州市或活动名称");
    }
    if parts[3].len() < 2 || !parts[3].bytes().all(|b| b.is_ascii_digit()) {
        return Some("序号 is not a number of two digits or more / 序号不是两位以上数字");
    }
    None
}

/// The `文件名` (`File name`) column of the 汇总表's sheet `照片清单` (`Photos`): each photo's
/// path below `data/`, `/` separated; row 1 is the header.
///
/// # Errors
/// When the workbook cannot be read, or has no such sheet or column (the message says which).
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<String>, String> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<io::Cursor<&[u8]>> =
        calamine::open_workbook_from_rs(io::Cursor::new(bytes))
            .map_err(|e: calamine::XlsxError| e.to_string())?;
    let names = book.sheet_names();
    let sheet = names
        .iter()
        .find(|n| *n == "照片清单" || *n == "Photos")
        .cloned()
        .ok_or("no sheet 照片清单 (Photos) / 没有工作表“照片清单”")?;
    let range = book.worksheet_range(&sheet).map_err(|e| e.to_string())?;
    let mut rows = range.rows();
    let header = rows.next().ok_or("an empty sheet / 工作表为空")?;
    let column = header
        .iter()
        .position(|c| {
            let c = c.to_string();
            c.trim() == "文件名" || c.trim().eq_ignore_ascii_case("File name")
        })
        .ok_or("no column 文件名 (File name) / 没有“文件名”列")?;
    Ok(rows
        .filter_map(|r| r.get(column).map(|c| c.to_string().trim().to_string()))
        .filter(|c| !c.is_empty())
        .collect())
}

/// The first column (`文件名`, `file`) of `manifest.csv` (UTF-8, maybe with a BOM).
///
/// # Errors
/// When the CSV cannot be read.
pub fn csv_rows(bytes: &[u8]) -> Result<Vec<String>, String> {
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        if let Some(file) = record.get(0) {
            // Cells that could read as formulas got a leading `'` (see `inert`).
            let file = file.strip_prefix('\'').unwrap_or(file).trim();
            if !file.is_empty() {
                rows.push(file.to_string());
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_naming_rule() {
        assert_eq!(name_rule("2015/2015+克拉玛依市+科普进校园+01.jpg"), None);
        assert_eq!(name_rule("2015/2015+克拉玛依市+科普进校园+123.jpg"), None);
        assert!(name_rule("2015+克拉玛依市+科普进校园+01.jpg").is_some());
        assert!(name_rule("2015/2016+克拉玛依市+科普进校园+01.jpg").is_some());
        assert!(name_rule("2015/2015+克拉玛依市+科普进校园+1.jpg").is_some());
        assert!(name_rule("2015/2015+克拉玛依市+科普进校园+01.png").is_some());
        assert!(name_rule("2015/2015+克拉玛依市+01.jpg").is_some());
        assert!(name_rule("2015/x/2015+a+b+01.jpg").is_some());
    }

    #[test]
    fn the_book_contract_reads_its_file_names() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("照片清单").unwrap();
        for (col, header) in ["序号", "thumbnail", "文件名", "年份"].iter().enumerate() {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        sheet.write_number(1, 0, 1).unwrap();
        sheet
            .write_string(1, 2, "2015/2015+克拉玛依市+科普进校园+01.jpg")
            .unwrap();
        sheet.write_number(2, 0, 2).unwrap();
        sheet
            .write_string(2, 2, "2016/2016+克拉玛依市+科普大篷车进社区+01.jpg")
            .unwrap();
        book.add_worksheet().set_name("统计").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(
            xlsx_rows(&bytes).unwrap(),
            [
                "2015/2015+克拉玛依市+科普进校园+01.jpg",
                "2016/2016+克拉玛依市+科普大篷车进社区+01.jpg"
            ]
        );
        assert!(xlsx_rows(b"garbage").is_err());
        let mut other = rust_xlsxwriter::Workbook::new();
        other.add_worksheet().set_name("Sheet9").unwrap();
        let err = xlsx_rows(&other.save_to_buffer().unwrap()).unwrap_err();
        assert!(err.contains("照片清单"), "{err}");
    }

    #[test]
    fn the_manifest_table_reads_its_first_column() {
        let csv = "\u{feff}文件名,年份\r\n2015/2015+a+b+01.jpg,2015\r\n'=2016/x.jpg,2016\r\n";
        assert_eq!(
            csv_rows(csv.as_bytes()).unwrap(),
            ["2015/2015+a+b+01.jpg", "=2016/x.jpg"]
        );
    }
}

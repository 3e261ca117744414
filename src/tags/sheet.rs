//! A unit's 汇总表 (summary sheet): one row per photo with its year, place, event, caption and
//! photographer.
//!
//! In: the sheet's bytes (CSV in UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030). Out: the rows,
//! each keyed by the file name it names, or a reason the sheet cannot be used. Invariant: the
//! header row is found by its column names, not assumed to be the first row; cells are trimmed;
//! an unrecognised column is ignored, never guessed.

use std::collections::BTreeMap;

use super::{Place, TagSource, Tagged, Tags};
use crate::profile::Gazetteer;

/// A recognised column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    /// 文件名: the file the row is about.
    FileName,
    /// 年份.
    Year,
    /// 地州市.
    Place,
    /// 活动名称.
    Event,
    /// 图片说明.
    Caption,
    /// 摄影者.
    Photographer,
    /// 报送单位.
    Unit,
}

/// Header names units use for each column, compared after removing spaces.
const COLUMN_NAMES: [(Column, &[&str]); 7] = [
    (
        Column::FileName,
        &[
            "文件名",
            "文件名称",
            "照片名称",
            "图片名称",
            "照片文件名",
            "图片文件名",
            "照片名",
            "filename",
            "file",
            "photo",
        ],
    ),
    (
        Column::Year,
        &[
            "年份",
            "年度",
            "时间",
            "拍摄时间",
            "拍摄年份",
            "拍摄日期",
            "year",
            "date",
        ],
    ),
    (
        Column::Place,
        &["地州市", "地点", "地区", "所在地州市", "地州", "place"],
    ),
    (Column::Event, &["活动名称", "活动", "活动主题", "event"]),
    (
        Column::Caption,
        &[
            "图片说明",
            "照片说明",
            "说明",
            "文字说明",
            "图片简介",
            "caption",
            "description",
        ],
    ),
    (
        Column::Photographer,
        &[
            "摄影者",
            "作者",
            "拍摄者",
            "摄影",
            "摄影师",
            "photographer",
            "author",
        ],
    ),
    (Column::Unit, &["报送单位", "单位", "供稿单位", "unit"]),
];

/// One row of a sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetRow {
    /// The sheet's display path.
    pub sheet: String,
    /// 1-based row number as a spreadsheet shows it.
    pub row: usize,
    /// The file name as written in the row.
    pub file_name: String,
    /// Recognised cells, trimmed, non-empty.
    pub cells: BTreeMap<Column, String>,
}

impl SheetRow {
    /// The row's values as tags, each sourced to this row.
    pub fn tags(&self, gazetteer: &Gazetteer) -> Tags {
        let source = TagSource::Sheet {
            sheet: self.sheet.clone(),
            row: self.row,
        };
        let text = |column| {
            self.cells.get(&column).map(|v| Tagged {
                value: v.clone(),
                source: source.clone(),
            })
        };
        Tags {
            year: self
                .cells
                .get(&Column::Year)
                .and_then(|v| super::parse_year(v))
                .map(|value| Tagged {
                    value,
                    source: source.clone(),
                }),
            place: self.cells.get(&Column::Place).map(|v| Tagged {
                value: Place::new(v, gazetteer),
                source: source.clone(),
            }),
            event: text(Column::Event),
            caption: text(Column::Caption),
            photographer: text(Column::Photographer),
            unit: text(Column::Unit),
        }
    }
}

/// The key rows and files are matched by: the name without extension, full-width forms folded,
/// ASCII lower-cased, surrounding spaces removed.
pub fn match_key(file_name: &str) -> String {
    let folded = super::filename::fold_width(file_name.trim());
    super::filename::stem(&folded).trim().to_ascii_lowercase()
}

/// Decodes sheet bytes: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return text.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(bytes, true);
            let encoding = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
            let encoding = if encoding == encoding_rs::GBK {
                encoding_rs::GB18030
            } else {
                encoding
            };
            encoding.decode_without_bom_handling(bytes).0.into_owned()
        }
    }
}

/// Reads a CSV sheet.
///
/// # Errors
/// A reason, when the sheet has no row naming at least a file column and one tag column.
pub fn read_csv(bytes: &[u8], sheet: &str) -> Result<Vec<SheetRow>, String> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        records.push(
            record
                .iter()
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>(),
        );
    }
    rows_from_table(&records, sheet)
}

/// Finds the header among the first rows and turns the rows below it into `SheetRow`s.
fn rows_from_table(table: &[Vec<String>], sheet: &str) -> Result<Vec<SheetRow>, String> {
    let (header_idx, columns) = table
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, row)| (i, header_columns(row)))
        .find(|(_, cols)| cols.iter().any(|c| c.1 == Column::FileName) && cols.len() >= 2)
        .ok_or_else(|| {
            "no header row with a file-name column (文件名) and a tag column".to_string()
        })?;
    let mut rows = Vec::new();
    for (i, record) in table.iter().enumerate().skip(header_idx + 1) {
        let mut cells = BTreeMap::new();
        for &(idx, column) in &columns {
            if let Some(value) = record.get(idx).filter(|v| !v.is_empty()) {
                cells.entry(column).or_insert_with(|| value.clone());
            }
        }
        let Some(file_name) = cells.remove(&Column::FileName) else {
            continue;
        };
        rows.push(SheetRow {
            sheet: sheet.to_string(),
            row: i + 1,
            file_name,
            cells,
        });
    }
    Ok(rows)
}

fn header_columns(row: &[String]) -> Vec<(usize, Column)> {
    let mut found: Vec<(usize, Column)> = Vec::new();
    for (idx, cell) in row.iter().enumerate() {
        let name: String = cell
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        if let Some((column, _)) = COLUMN_NAMES
            .iter()
            .find(|(_, names)| names.contains(&name.as_str()))
            && !found.iter().any(|(_, c)| c == column)
        {
            found.push((idx, *column));
        }
    }
    found
}

/// True for file names that are sheets (汇总表) rather than photos.
pub fn is_sheet_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".csv")
        || lower.ends_with(".xlsx")
        || lower.ends_with(".xls")
        || lower.ends_with(".ods")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gbk_csv_with_title_row() {
        let text = "克拉玛依市科协照片汇总表,,\r\n序号,文件名,年份,地州市,图片说明\r\n1,IMG_2041,2015年,克拉玛依市,学生参观科技馆\r\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let rows = read_csv(&bytes, "汇总表.csv").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].row, 3);
        assert_eq!(rows[0].file_name, "IMG_2041");
        assert_eq!(rows[0].cells[&Column::Year], "2015年");
        assert_eq!(rows[0].cells[&Column::Caption], "学生参观科技馆");
    }

    #[test]
    fn reads_utf8_bom_and_utf16() {
        let text = "文件名,年份\n a.jpg ,2016\n";
        let mut utf8 = vec![0xEF, 0xBB, 0xBF];
        utf8.extend_from_slice(text.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        for bytes in [utf8, utf16] {
            let rows = read_csv(&bytes, "s.csv").unwrap();
            assert_eq!(rows[0].file_name, "a.jpg");
            assert_eq!(rows[0].cells[&Column::Year], "2016");
        }
    }

    #[test]
    fn refuses_sheet_without_header() {
        assert!(read_csv("a,b\n1,2\n".as_bytes(), "s.csv").is_err());
    }

    #[test]
    fn match_key_folds_extension_width_and_case() {
        assert_eq!(match_key("IMG_2041.JPG"), match_key("img_2041"));
        assert_eq!(
            match_key("２０１５＋克拉玛依市.jpg"),
            match_key("2015+克拉玛依市")
        );
    }
}

//! A unit's 汇总表 (summary sheet): one row per photo with its year, place, event, caption and
//! photographer.
//!
//! In: the sheet's bytes: a workbook (xlsx, xls, ods: told by content, not by extension) or CSV
//! (UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030). Out: the rows, each keyed by the file name
//! it names, or a reason the sheet cannot be used. Invariant: the header row is found by its
//! column names, not assumed to be the first row; cells are trimmed; an unrecognised column is
//! ignored, never guessed.

use std::collections::BTreeMap;

use super::{Place, TagSource, Tagged, Tags, YearText};
use crate::photo::{Check, Finding};
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
    /// 序号: the row's number (recognised so it is never taken for another column).
    Number,
    /// 联系人: who to ask at the unit.
    Contact,
    /// 联系电话.
    Phone,
    /// 内容标识: the photo's blake3 (hex), as `lightbox template` writes it; rows are matched
    /// by it before the file name.
    Content,
}

/// Header names units use for each column, compared after removing spaces.
const COLUMN_NAMES: [(Column, &[&str]); 11] = [
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
        &[
            "地州市",
            "地点",
            "地区",
            "所在地州市",
            "地州",
            "拍摄地点",
            "所属地州市",
            "活动地点",
            "place",
            "location",
        ],
    ),
    (
        Column::Event,
        &[
            "活动名称",
            "活动",
            "活动主题",
            "主题",
            "标题",
            "照片标题",
            "event",
            "title",
        ],
    ),
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
    (
        Column::Unit,
        &[
            "报送单位",
            "单位",
            "供稿单位",
            "报送单位名称",
            "单位名称",
            "unit",
        ],
    ),
    (Column::Number, &["序号", "编号", "no", "no.", "#"]),
    (Column::Content, &["内容标识", "content"]),
    (Column::Contact, &["联系人", "报送人", "contact"]),
    (
        Column::Phone,
        &["联系电话", "电话", "手机", "联系方式", "phone", "tel"],
    ),
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
        cells_to_tags(&self.cells, &self.source(), gazetteer)
    }

    /// What is unclear in the row: a year cell that is ambiguous (`15年`) or not a year.
    pub fn findings(&self) -> Vec<Finding> {
        let Some(text) = self.cells.get(&Column::Year) else {
            return Vec::new();
        };
        let source = self.source().label();
        match super::read_year(text) {
            YearText::Year(_) => Vec::new(),
            YearText::Ambiguous(likely) => vec![Finding::warn(Check::YearAmbiguous {
                text: text.clone(),
                source,
                likely,
            })],
            YearText::Unreadable => vec![Finding::warn(Check::YearUnreadable {
                text: text.clone(),
                source,
            })],
        }
    }

    fn source(&self) -> TagSource {
        TagSource::Sheet {
            sheet: self.sheet.clone(),
            row: self.row,
        }
    }
}

/// Recognised cells as tags, each with `source`: the year parsed (a clear four-digit year only),
/// the place resolved through the gazetteer, text as it stands.
pub fn cells_to_tags(
    cells: &BTreeMap<Column, String>,
    source: &TagSource,
    gazetteer: &Gazetteer,
) -> Tags {
    let text = |column| {
        cells.get(&column).map(|v| Tagged {
            value: v.clone(),
            source: source.clone(),
        })
    };
    Tags {
        year: cells
            .get(&Column::Year)
            .and_then(|v| super::parse_year(v))
            .map(|value| Tagged {
                value,
                source: source.clone(),
            }),
        place: cells.get(&Column::Place).map(|v| Tagged {
            value: Place::new(v, gazetteer),
            source: source.clone(),
        }),
        event: text(Column::Event),
        caption: text(Column::Caption),
        photographer: text(Column::Photographer),
        unit: text(Column::Unit),
    }
}

/// The column a header (or a `key：value` line) names, compared without spaces or case.
pub fn column_named(name: &str) -> Option<Column> {
    let name: String = super::filename::fold_width(name)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    COLUMN_NAMES
        .iter()
        .find(|(_, names)| names.contains(&name.as_str()))
        .map(|(column, _)| *column)
}

/// The key rows and files are matched by: the name in Unicode NFKC (composed, compatibility
/// forms folded: a name typed on a Mac matches one typed on Windows), full-width forms folded,
/// without extension, ASCII lower-cased, surrounding spaces removed.
pub fn match_key(file_name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let normal: String = file_name.trim().nfkc().collect();
    let folded = super::filename::fold_width(&normal);
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

/// Reads a sheet of any kind units send: a workbook (xlsx, xls, ods, told by its bytes) or CSV.
///
/// # Errors
/// A reason, when the workbook cannot be opened or no sheet in it has a header row.
pub fn read(bytes: &[u8], sheet: &str) -> Result<Vec<SheetRow>, String> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        read_workbook(bytes, sheet)
    } else {
        read_csv(bytes, sheet)
    }
}

/// Reads the first worksheet of a workbook that has a header row. Row numbers are the ones the
/// spreadsheet shows; a worksheet after the first is named in the source (`表.xlsx:Sheet2`).
fn read_workbook(bytes: &[u8], sheet: &str) -> Result<Vec<SheetRow>, String> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("the workbook cannot be opened: {e}"))?;
    let mut reason = "the workbook has no worksheet".to_string();
    for (n, name) in book.sheet_names().into_iter().enumerate() {
        let range = match book.worksheet_range(&name) {
            Ok(range) => range,
            Err(e) => {
                reason = format!("worksheet {name} cannot be read: {e}");
                continue;
            }
        };
        let top = range.start().map_or(0, |(row, _)| row as usize);
        let mut table: Vec<Vec<String>> = vec![Vec::new(); top.min(1000)];
        table.extend(range.rows().map(|row| row.iter().map(cell_text).collect()));
        let label = if n == 0 {
            sheet.to_string()
        } else {
            format!("{sheet}:{name}")
        };
        match rows_from_table(&table, &label) {
            Ok(rows) => return Ok(rows),
            Err(e) => reason = e,
        }
    }
    Err(reason)
}

/// A workbook cell as the text a person sees: whole numbers without `.0`, dates as
/// `YYYY-MM-DD`.
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        calamine::Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        other => other.to_string().trim().to_string(),
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
        .enumerate()
        .filter(|(_, row)| row.iter().any(|c| !c.is_empty()))
        .take(10)
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
        if let Some(column) = column_named(cell)
            && !found.iter().any(|(_, c)| *c == column)
        {
            found.push((idx, column));
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

    /// A workbook the way units fill one in: a merged title row, a blank row, the header, then
    /// rows with a numeric year, a date-typed year, a name without extension and a phone number.
    fn workbook() -> Vec<u8> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .merge_range(
                0,
                0,
                0,
                5,
                "新疆大学全国科普日历史照片汇总表",
                &Format::new(),
            )
            .unwrap();
        for (col, name) in [
            "序号",
            "照片名称",
            "拍摄时间",
            "地州市",
            "图片说明",
            "联系电话",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(2, col as u16, *name).unwrap();
        }
        sheet.write_number(3, 0, 1).unwrap();
        sheet.write_string(3, 1, "IMG_0001").unwrap();
        sheet.write_number(3, 2, 2016).unwrap();
        sheet.write_string(3, 3, "乌鲁木齐").unwrap();
        sheet.write_string(3, 4, "天文科普").unwrap();
        sheet.write_number(3, 5, 13_912_345_678.0).unwrap();
        sheet.write_number(4, 0, 2).unwrap();
        sheet.write_string(4, 1, "DSC_0002.JPG").unwrap();
        let date = ExcelDateTime::from_ymd(2018, 9, 15).unwrap();
        sheet
            .write_datetime_with_format(4, 2, &date, &Format::new().set_num_format("yyyy-mm-dd"))
            .unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn reads_xlsx_below_a_title_with_typed_cells() {
        let rows = read(&workbook(), "新疆大学/汇总表.xlsx").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].row, rows[0].file_name.as_str()), (4, "IMG_0001"));
        assert_eq!(rows[0].cells[&Column::Year], "2016");
        assert_eq!(rows[0].cells[&Column::Phone], "13912345678");
        assert_eq!(rows[1].cells[&Column::Year], "2018-09-15");
        assert_eq!(
            super::super::parse_year(&rows[1].cells[&Column::Year]),
            Some(2018)
        );
        // Told by content: the same bytes named `.xls` (as units do) read the same.
        assert_eq!(read(&workbook(), "汇总表.xls").unwrap().len(), 2);
    }

    #[test]
    fn a_broken_workbook_is_a_reason_not_a_panic() {
        let mut bytes = workbook();
        bytes.truncate(bytes.len() / 2);
        assert!(read(&bytes, "汇总表.xlsx").is_err());
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0];
        assert!(read(&ole, "汇总表.xls").is_err());
    }

    #[test]
    fn header_names_vary() {
        for (name, column) in [
            ("图片名称", Column::FileName),
            ("拍 摄 者", Column::Photographer),
            ("文字说明", Column::Caption),
            ("报送单位", Column::Unit),
            ("联系人", Column::Contact),
            ("ＦｉｌｅＮａｍｅ", Column::FileName),
        ] {
            assert_eq!(column_named(name), Some(column), "{name}");
        }
        assert_eq!(column_named("备注"), None);
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
        // Decomposed (as macOS writes names) and composed forms match.
        assert_eq!(match_key("Cafe\u{301} 1.JPG"), match_key("Caf\u{e9} 1"));
    }
}

//! A unit's 汇总表 (summary sheet): one row per photo with its year, place, event, caption and
//! photographer.
//!
//! In: the sheet's bytes: a workbook (xlsx, xls, ods: told by content, not by extension) or CSV
//! (UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030). Out: the rows, each keyed by the file name
//! it names, and what was left unread (rows past [`MAX_ROWS`], values outside the table), or a
//! reason the sheet cannot be used. Invariant: the header row is found by its column names, not
//! assumed to be the first row; cells are trimmed; an unrecognised column is ignored, never
//! guessed; memory is bounded by the rows and columns kept, not by the sheet's extent (an xlsx
//! or CSV is read cell by cell; an ods is measured before calamine reads it whole).
//!
//! Size: about 820 lines of code and 510 of tests, kept in one file on purpose: the three
//! readers (xlsx, ods and xls through calamine, CSV) meet in one header search and one row
//! builder, and the bounds on memory are only checkable when read together; `xls.rs` measures
//! an xls apart.

pub use crate::photo::tags::{Limit, MAX_ROWS, SheetProblem};
use crate::text::decode_text;
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

/// Columns the header is looked for in (Excel 2003's whole width).
pub const HEADER_COLUMNS: usize = 256;

/// Non-empty rows at the top of a sheet the header is looked for in.
pub const HEADER_ROWS: usize = 10;

/// Merged ranges of a worksheet taken into account at most (a value merged down over several
/// rows counts for each of them); more are ignored.
pub const MAX_MERGES: usize = 10_000;

/// Columns past the header's last non-empty cell still counted as part of the table (a remark
/// without a heading); a value further right is outside the table.
pub const COLUMN_MARGIN: usize = 16;

/// Worksheets of a workbook searched for a header row at most.
pub const MAX_SHEETS: usize = 64;

/// Cells the used rectangle of an ods worksheet may span: calamine reads an ods whole and
/// allocates that rectangle, so a larger one is refused before the workbook is opened (see
/// [`ods_extent`]).
pub const MAX_WHOLE_CELLS: u64 = 4_000_000;

/// A sheet's rows and what of it was left unread.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    /// The rows naming a file, in sheet order.
    pub rows: Vec<SheetRow>,
    /// What was not read, for staff to check by hand.
    pub limits: Vec<Limit>,
}

/// A cell's address as a spreadsheet shows it, from 0-based row and column (`XFD1048576`).
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        String::from_utf8_lossy(&letters),
        u64::from(row) + 1
    )
}

/// The first bytes of a zip (an xlsx or ods).
const ZIP: &[u8] = b"PK\x03\x04";

/// What one part of a workbook that the reader holds whole may inflate to. A unit's 汇总表 of
/// some thousand rows has shared strings of a few megabytes.
pub const MAX_PART_BYTES: u64 = 64 << 20;

/// Checks that each part calamine reads whole (every XML part but an xlsx's worksheets, which
/// are streamed cell by cell) inflates to at most [`MAX_PART_BYTES`], by inflating it into
/// nothing: its declared size may lie. A zip that cannot be listed is left to the reader to
/// refuse.
fn parts_fit(bytes: &[u8]) -> Result<(), SheetProblem> {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(());
    };
    for index in 0..zip.len() {
        let Ok(mut part) = zip.by_index(index) else {
            continue;
        };
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let read_whole = (name.ends_with(".xml") || name.ends_with(".rels"))
            && !name.starts_with("xl/worksheets/");
        if !read_whole {
            continue;
        }
        let inflated = std::io::copy(
            &mut (&mut part).take(MAX_PART_BYTES + 1),
            &mut std::io::sink(),
        );
        if inflated.is_ok_and(|n| n > MAX_PART_BYTES) {
            return Err(SheetProblem::PartTooLarge {
                part: name,
                limit: MAX_PART_BYTES,
            });
        }
    }
    Ok(())
}

/// The first bytes of an OLE compound file (an xls).
const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads a sheet of any kind units send: a workbook (xlsx, xls, ods, told by its bytes) or CSV.
///
/// # Errors
/// Why, when the workbook cannot be opened or no sheet in it has a header row.
pub fn read(bytes: &[u8], sheet: &str) -> Result<Sheet, SheetProblem> {
    if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        read_workbook(bytes, sheet)
    } else {
        read_csv(bytes, sheet)
    }
}

/// Reads the first worksheet of a workbook that has a header row, among the first
/// [`MAX_SHEETS`]. Row numbers are the ones the spreadsheet shows; a worksheet after the first is
/// named in the source (`表.xlsx:Sheet2`).
///
/// Each part the reader holds whole (shared strings, styles, an ods's content) must inflate
/// to at most [`MAX_PART_BYTES`] ([`SheetProblem::PartTooLarge`] otherwise: a deflate bomb
/// of a few hundred kilobytes once took a gigabyte). An xlsx is streamed cell by cell: only
/// the header search's rows and the header's columns are kept, so a stray far cell costs
/// nothing. An xls or ods is read whole by calamine when it is
/// opened (each worksheet's used rectangle allocated), so each is measured first: an ods whose
/// rectangle passes [`MAX_WHOLE_CELLS`] is refused; an xls is bounded by [`super::xls`] (cells
/// far outside the table left out and told, worksheets past [`MAX_SHEETS`] emptied) and refused
/// only when what is left still passes it. A BIFF8 xls is read as Unicode whatever its code
/// page record says (WPS and Chinese Excel write 936 there; calamine would then misread every
/// string). A value merged down over several rows (one event for a few photos) counts for each
/// of them, in an xlsx and an xls.
fn read_workbook(bytes: &[u8], sheet: &str) -> Result<Sheet, SheetProblem> {
    use calamine::Reader;
    use std::borrow::Cow;
    use std::io::Cursor;
    if bytes.starts_with(ZIP) {
        parts_fit(bytes)?;
    }
    let ods = ods_measure(bytes);
    if let Some(OdsMeasure {
        largest: (table, cells),
        ..
    }) = &ods
        && *cells > MAX_WHOLE_CELLS
    {
        return Err(SheetProblem::TooManyCells {
            format: "ods".into(),
            worksheet: Some(table.clone()),
            cells: *cells,
            limit: MAX_WHOLE_CELLS,
        });
    }
    let cannot = |e: &dyn std::fmt::Display| SheetProblem::NotAWorkbook {
        detail: e.to_string(),
    };
    let mut left_out = Vec::new();
    let mut book: calamine::Sheets<Cursor<Cow<'_, [u8]>>> = if bytes.starts_with(OLE) {
        let bounded = super::xls::bound(bytes).ok_or_else(|| {
            cannot(&"its compound-file structure cannot be followed (save it again as xlsx)")
        })?;
        if !super::xls::fits(&bounded) {
            return Err(SheetProblem::TooManyCells {
                format: "xls".into(),
                worksheet: None,
                cells: bounded.cells,
                limit: MAX_WHOLE_CELLS,
            });
        }
        let mut options = calamine::XlsOptions::default();
        if bounded.biff8 {
            options.force_codepage = Some(1200);
        }
        left_out = bounded.left_out;
        let xls = calamine::Xls::new_with_options(Cursor::new(Cow::Owned(bounded.bytes)), options)
            .map_err(|e| cannot(&e))?;
        calamine::Sheets::Xls(xls)
    } else {
        calamine::open_workbook_auto_from_rs(Cursor::new(Cow::Borrowed(bytes)))
            .map_err(|e| cannot(&e))?
    };
    let names = book.sheet_names();
    let mut reason = SheetProblem::NoWorksheet;
    for (n, name) in names.iter().enumerate().take(MAX_SHEETS) {
        let label = if n == 0 {
            sheet.to_string()
        } else {
            format!("{sheet}:{name}")
        };
        let mut table = Table::new(&label);
        if let Some(&(count, first)) = left_out.get(n) {
            table.outside = (count, first);
        }
        let merges = match &mut book {
            calamine::Sheets::Xlsx(xlsx) => xlsx.merge_cells_by_sheet_name(name).ok(),
            calamine::Sheets::Xls(xls) => xls.merge_cells_by_sheet_name(name).ok(),
            calamine::Sheets::Ods(_) => {
                let merges = ods.as_ref().and_then(|o| o.merges.get(name.as_str()));
                merges.map(|m| {
                    m.iter()
                        .map(|&(start, end)| calamine::Dimensions { start, end })
                        .collect()
                })
            }
            _ => None,
        };
        table.merged(merges.unwrap_or_default().iter().map(|d| (d.start, d.end)));
        let fed = match &mut book {
            calamine::Sheets::Xlsx(xlsx) => feed_xlsx(xlsx, name, &mut table),
            other => other
                .worksheet_range(name)
                .map(|range| {
                    let (top, left) = range.start().unwrap_or((0, 0));
                    for (r, c, cell) in range.used_cells() {
                        // Positions fit: calamine's ranges are within a sheet's u32 bounds.
                        let (row, col) = (top + r as u32, left + c as u32);
                        if !table.cell(row, col, || cell_text(cell)) {
                            break;
                        }
                    }
                })
                .map_err(|e| e.to_string()),
        };
        if let Err(detail) = fed {
            reason = SheetProblem::WorksheetUnreadable {
                worksheet: name.clone(),
                detail,
            };
            continue;
        }
        match table.finish() {
            Some(found) => return Ok(found),
            None => {
                reason = SheetProblem::NoHeader {
                    searched: (n + 1).min(names.len()),
                    worksheets: names.len(),
                };
            }
        }
    }
    Err(reason)
}

/// Streams an xlsx worksheet's cells into `table` (no rectangle allocated), stopping when the
/// table needs no more.
fn feed_xlsx<RS: std::io::Read + std::io::Seek>(
    xlsx: &mut calamine::Xlsx<RS>,
    name: &str,
    table: &mut Table,
) -> Result<(), String> {
    let mut cells = xlsx
        .worksheet_cells_reader(name)
        .map_err(|e| e.to_string())?;
    while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
        let (row, col) = cell.get_position();
        let value = cell.get_value();
        if matches!(value, calamine::DataRef::Empty) {
            continue;
        }
        if !table.cell(row, col, || cell_text(&value.clone().into())) {
            break;
        }
    }
    Ok(())
}

/// The ods worksheet with the largest used rectangle and its cell count, read by streaming
/// `content.xml` (repeats counted, no cell kept); `None` when the bytes are not an ods.
pub fn ods_extent(bytes: &[u8]) -> Option<(String, u64)> {
    ods_measure(bytes).map(|m| m.largest)
}

/// A merged range of cells: its top-left and bottom-right (row, column), 0-based.
pub type Merged = ((u32, u32), (u32, u32));

/// What streaming an ods's `content.xml` tells before calamine reads it.
#[derive(Debug, Default)]
pub struct OdsMeasure {
    /// The worksheet with the largest used rectangle, and its cell count.
    pub largest: (String, u64),
    /// Each worksheet's merged ranges down several rows ((top, left), (bottom, right)), at
    /// most [`MAX_MERGES`] in all.
    pub merges: BTreeMap<String, Vec<Merged>>,
}

/// [`ods_extent`] with the merged ranges; `None` when the bytes are not an ods.
pub fn ods_measure(bytes: &[u8]) -> Option<OdsMeasure> {
    use quick_xml::events::{BytesStart, Event};
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut mime = String::new();
    zip.by_name("mimetype")
        .ok()?
        .take(100)
        .read_to_string(&mut mime)
        .ok()?;
    if mime.trim() != "application/vnd.oasis.opendocument.spreadsheet" {
        return None;
    }
    let content = zip.by_name("content.xml").ok()?;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let repeats = |e: &BytesStart, key: &str| -> u64 {
        e.try_get_attribute(key)
            .ok()
            .flatten()
            .and_then(|a| a.value.trim().parse().ok())
            .unwrap_or(1)
    };
    let mut buf = Vec::new();
    let mut largest: Option<(String, u64)> = None;
    let mut merges: BTreeMap<String, Vec<Merged>> = BTreeMap::new();
    let mut merge_count = 0;
    // The current table: its name, the next row and column, the used rectangle
    // (top, left, bottom, right; bottom and right exclusive).
    let mut name = String::new();
    let (mut row, mut col, mut row_repeats) = (0u64, 0u64, 1u64);
    let mut used: Option<(u64, u64, u64, u64)> = None;
    loop {
        let event = xml.read_event_into(&mut buf).ok()?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            match e.name().as_ref() {
                "table:table" => {
                    name = e
                        .try_get_attribute("table:name")
                        .ok()
                        .flatten()
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default();
                    (row, used) = (0, None);
                }
                "table:table-row" => {
                    row_repeats = repeats(e, "table:number-rows-repeated");
                    col = 0;
                    if empty {
                        row = row.saturating_add(row_repeats);
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let n = repeats(e, "table:number-columns-repeated");
                    let down = repeats(e, "table:number-rows-spanned");
                    if down > 1 && merge_count < MAX_MERGES {
                        let across = repeats(e, "table:number-columns-spanned");
                        let at = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
                        let bottom_right = (
                            at(row.saturating_add(down - 1)),
                            at(col.saturating_add(across.max(1) - 1)),
                        );
                        merges
                            .entry(name.clone())
                            .or_default()
                            .push(((at(row), at(col)), bottom_right));
                        merge_count += 1;
                    }
                    let valued = !empty
                        || e.try_get_attribute("office:value-type")
                            .ok()
                            .flatten()
                            .is_some();
                    if valued {
                        let bottom = row.saturating_add(row_repeats);
                        let right = col.saturating_add(n);
                        let (t, l, b, r) = used.unwrap_or((row, col, bottom, right));
                        used = Some((t.min(row), l.min(col), b.max(bottom), r.max(right)));
                    }
                    col = col.saturating_add(n);
                }
                _ => {}
            }
        }
        match &event {
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(row_repeats);
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                let cells = used.map_or(0, |(t, l, b, r)| (b - t).saturating_mul(r - l));
                if largest.as_ref().is_none_or(|(_, most)| cells > *most) {
                    largest = Some((name.clone(), cells));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Some(OdsMeasure {
        largest: largest?,
        merges,
    })
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

/// Reads a CSV sheet, with the same bounds as a workbook's.
///
/// # Errors
/// Why, when a record cannot be parsed or no row names a file column and one tag column.
pub fn read_csv(bytes: &[u8], sheet: &str) -> Result<Sheet, SheetProblem> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut table = Table::new(sheet);
    'records: for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| SheetProblem::BadCsv {
            detail: e.to_string(),
        })?;
        let row = u32::try_from(row).unwrap_or(u32::MAX);
        for (col, cell) in record.iter().enumerate() {
            let cell = cell.trim();
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            if !cell.is_empty() && !table.cell(row, col, || cell.to_string()) {
                break 'records;
            }
        }
    }
    table.finish().ok_or(SheetProblem::NoHeader {
        searched: 1,
        worksheets: 1,
    })
}

/// A range merged down several rows, as one column sees it: top row, bottom row, the range's
/// top-left cell.
type MergedDown = (u32, u32, (u32, u32));

/// A sheet read cell by cell in row order, keeping only what the table needs: the first
/// [`HEADER_ROWS`] non-empty rows (their first [`HEADER_COLUMNS`] columns) while the header is
/// looked for, then the header's columns of up to [`MAX_ROWS`] rows.
struct Table {
    sheet: String,
    /// The row being filled: its 0-based number and its kept cells by column.
    current: Option<(u32, BTreeMap<usize, String>)>,
    /// While the header is looked for: the non-empty rows seen so far.
    seen_rows: usize,
    /// The header once found: its columns, and the rightmost column still in the table.
    header: Option<(Vec<(usize, Column)>, usize)>,
    /// True when no header was found in the rows searched: nothing more is read.
    gave_up: bool,
    rows: Vec<SheetRow>,
    /// Rows naming a file after `MAX_ROWS` kept.
    more_rows: usize,
    /// Values outside the table: how many, and the first's position.
    outside: (usize, Option<(u32, u32)>),
    /// Merged ranges down several rows, by column: (top row, bottom row, top-left cell),
    /// sorted by top; at most [`MAX_MERGES`] ranges, over the first [`HEADER_COLUMNS`] and
    /// [`COLUMN_MARGIN`] columns.
    merges: BTreeMap<u32, Vec<MergedDown>>,
    /// The top-left cells of those ranges.
    merge_anchors: std::collections::HashSet<(u32, u32)>,
    /// The values of merged ranges' top-left cells met so far.
    anchors: BTreeMap<(u32, u32), String>,
}

impl Table {
    fn new(sheet: &str) -> Self {
        Table {
            sheet: sheet.to_string(),
            current: None,
            seen_rows: 0,
            header: None,
            gave_up: false,
            rows: Vec::new(),
            more_rows: 0,
            outside: (0, None),
            merges: BTreeMap::new(),
            merge_anchors: std::collections::HashSet::new(),
            anchors: BTreeMap::new(),
        }
    }

    /// Takes the worksheet's merged ranges: a value merged down over rows fills each of them.
    fn merged(&mut self, ranges: impl Iterator<Item = Merged>) {
        let widest = (HEADER_COLUMNS + COLUMN_MARGIN) as u32;
        for ((top, left), (bottom, right)) in ranges
            .filter(|((top, left), (bottom, _))| top < bottom && *left < widest)
            .take(MAX_MERGES)
        {
            for col in left..=right.min(widest) {
                let ranges = self.merges.entry(col).or_default();
                ranges.push((top, bottom, (top, left)));
            }
            self.merge_anchors.insert((top, left));
        }
        for ranges in self.merges.values_mut() {
            ranges.sort_unstable();
        }
    }

    /// The value merged down onto (`row`, `col`) from a range's top-left cell above it.
    fn merged_value(&self, row: u32, col: u32) -> Option<&String> {
        let ranges = self.merges.get(&col)?;
        // The last range starting above the row (ranges in one column do not overlap).
        let before = ranges.partition_point(|(top, _, _)| *top < row);
        let (_, bottom, anchor) = ranges.get(before.checked_sub(1)?)?;
        (row <= *bottom).then(|| self.anchors.get(anchor))?
    }

    /// Takes a non-empty cell (its text made only when kept); false once nothing more is
    /// needed.
    fn cell(&mut self, row: u32, col: u32, text: impl FnOnce() -> String) -> bool {
        if self.current.as_ref().is_some_and(|(r, _)| *r != row) {
            self.end_row();
        }
        if self.gave_up {
            return false;
        }
        let idx = col as usize;
        let in_table = match &self.header {
            None => idx < HEADER_COLUMNS,
            Some((_, right)) => idx <= *right,
        };
        if !in_table {
            self.outside.0 += 1;
            self.outside.1.get_or_insert((row, col));
            return true;
        }
        let wanted = match &self.header {
            None => true,
            Some((columns, _)) => columns.iter().any(|(c, _)| *c == idx),
        };
        let (_, cells) = self.current.get_or_insert_with(|| (row, BTreeMap::new()));
        if wanted {
            let text = text();
            if !text.is_empty() {
                if self.merge_anchors.contains(&(row, col)) {
                    self.anchors.insert((row, col), text.clone());
                }
                cells.insert(idx, text);
            }
        }
        true
    }

    /// Ends the row being filled: a header candidate, or a data row.
    fn end_row(&mut self) {
        let Some((row, cells)) = self.current.take() else {
            return;
        };
        if cells.is_empty() {
            return;
        }
        let Some((columns, _)) = &self.header else {
            self.seen_rows += 1;
            let width = cells.keys().next_back().map_or(0, |c| c + 1);
            let mut line = vec![String::new(); width];
            for (c, v) in cells {
                line[c] = v;
            }
            let columns = header_columns(&line);
            if columns.iter().any(|c| c.1 == Column::FileName) && columns.len() >= 2 {
                self.header = Some((columns, width - 1 + COLUMN_MARGIN));
            } else if self.seen_rows >= HEADER_ROWS {
                self.gave_up = true;
            }
            return;
        };
        let mut found = BTreeMap::new();
        for &(idx, column) in columns {
            let merged = || self.merged_value(row, idx as u32);
            if let Some(value) = cells.get(&idx).or_else(merged) {
                found.entry(column).or_insert_with(|| value.clone());
            }
        }
        let Some(file_name) = found.remove(&Column::FileName) else {
            return;
        };
        if self.rows.len() >= MAX_ROWS {
            self.more_rows += 1;
            return;
        }
        self.rows.push(SheetRow {
            sheet: self.sheet.clone(),
            row: row as usize + 1,
            file_name,
            cells: found,
        });
    }

    /// The rows and limits; `None` when the sheet has no header row.
    fn finish(mut self) -> Option<Sheet> {
        self.end_row();
        self.header.as_ref()?;
        let mut limits = Vec::new();
        if self.more_rows > 0 {
            limits.push(Limit::RowsBeyond {
                sheet: self.sheet.clone(),
                last_kept: self.rows.last().map_or(0, |r| r.row),
                more: self.more_rows,
            });
        }
        if let (count, Some((row, col))) = self.outside {
            limits.push(Limit::CellsOutside {
                sheet: self.sheet.clone(),
                count,
                first: cell_name(row, col),
            });
        }
        Some(Sheet {
            rows: self.rows,
            limits,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn reads_gbk_csv_with_title_row() {
        let text = "克拉玛依市科协照片汇总表,,\r\n序号,文件名,年份,地州市,图片说明\r\n1,IMG_2041,2015年,克拉玛依市,学生参观科技馆\r\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let rows = read_csv(&bytes, "汇总表.csv").unwrap().rows;
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
            let rows = read_csv(&bytes, "s.csv").unwrap().rows;
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
        let rows = read(&workbook(), "新疆大学/汇总表.xlsx").unwrap().rows;
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
        assert_eq!(read(&workbook(), "汇总表.xls").unwrap().rows.len(), 2);
    }

    /// An xlsx of under a megabyte whose shared strings inflate past the bound (a deflate bomb:
    /// calamine would hold every string, 1.1 GB for 20 million) is refused from the inflated
    /// size, not the declared one; the same workbook rewritten with the part inside the bound
    /// reads.
    #[test]
    fn a_workbook_part_that_inflates_past_the_bound_is_refused_before_it_is_read() {
        use std::io::{Read, Write};
        let whole = workbook();
        let rewrite = |padding: usize| {
            let mut source = zip::ZipArchive::new(std::io::Cursor::new(&whole)).unwrap();
            let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let deflated = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            for i in 0..source.len() {
                let mut part = source.by_index(i).unwrap();
                let name = part.name().unwrap().to_string();
                let mut data = Vec::new();
                part.read_to_end(&mut data).unwrap();
                out.start_file(name.as_str(), deflated).unwrap();
                if name == "xl/sharedStrings.xml" {
                    // Whitespace before the closing tag: the strings are the same.
                    let close = data.len() - "</sst>".len();
                    out.write_all(&data[..close]).unwrap();
                    let spaces = vec![b' '; 1 << 20];
                    for _ in 0..padding {
                        out.write_all(&spaces).unwrap();
                    }
                    out.write_all(&data[close..]).unwrap();
                } else {
                    out.write_all(&data).unwrap();
                }
            }
            out.finish().unwrap().into_inner()
        };
        let bomb = rewrite((MAX_PART_BYTES >> 20) as usize + 1);
        assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
        assert_eq!(
            read(&bomb, "汇总表.xlsx").unwrap_err(),
            SheetProblem::PartTooLarge {
                part: "xl/sharedStrings.xml".into(),
                limit: MAX_PART_BYTES
            }
        );
        let padded = rewrite(2);
        assert_eq!(read(&padded, "汇总表.xlsx").unwrap().rows.len(), 2);
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
        assert!(matches!(
            read_csv("a,b\n1,2\n".as_bytes(), "s.csv"),
            Err(SheetProblem::NoHeader { .. })
        ));
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

    /// A workbook with `文件名`, `年份` in A1:B1 and `rows` rows below.
    fn table_book(rows: u32) -> rust_xlsxwriter::Workbook {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "文件名").unwrap();
        sheet.write_string(0, 1, "年份").unwrap();
        for row in 1..=rows {
            sheet.write_string(row, 0, format!("IMG_{row}")).unwrap();
            sheet.write_number(row, 1, 2016).unwrap();
        }
        book
    }

    /// Someone pressed Ctrl+End and typed: one value at XFD1048576. calamine's whole-range read
    /// would allocate the 16384 x 1048576 rectangle (half a terabyte) and abort the process.
    #[test]
    fn a_stray_far_cell_is_told_not_allocated() {
        let mut book = table_book(2);
        book.worksheet_from_index(0)
            .unwrap()
            .write(1_048_575, 16_383, "x")
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 20_000, "a small file: {}", bytes.len());
        let sheet = read(&bytes, "汇总表.xlsx").unwrap();
        let names: Vec<_> = sheet
            .rows
            .iter()
            .map(|r| (r.row, r.file_name.as_str()))
            .collect();
        assert_eq!(names, [(2, "IMG_1"), (3, "IMG_2")]);
        assert_eq!(sheet.rows[0].cells[&Column::Year], "2016");
        assert_eq!(
            sheet.limits,
            [Limit::CellsOutside {
                sheet: "汇总表.xlsx".into(),
                count: 1,
                first: "XFD1048576".into(),
            }]
        );
        assert!(crate::messages::limit(&sheet.limits[0], Lang::Zh).contains("XFD1048576"));
    }

    #[test]
    fn rows_past_the_cap_are_counted_not_kept() {
        let bytes = table_book(MAX_ROWS as u32 + 3).save_to_buffer().unwrap();
        let sheet = read(&bytes, "汇总表.xlsx").unwrap();
        assert_eq!(sheet.rows.len(), MAX_ROWS);
        assert_eq!(sheet.rows.last().unwrap().row, MAX_ROWS + 1);
        assert_eq!(
            sheet.limits,
            [Limit::RowsBeyond {
                sheet: "汇总表.xlsx".into(),
                last_kept: MAX_ROWS + 1,
                more: 3,
            }]
        );
        let en = crate::messages::limit(&sheet.limits[0], Lang::En);
        assert!(en.contains("3 more rows"), "{en}");
    }

    #[test]
    fn a_remark_beside_the_table_is_ignored_but_far_values_are_told() {
        let mut book = table_book(1);
        let ws = book.worksheet_from_index(0).unwrap();
        ws.write_string(1, 3, "备注").unwrap();
        ws.write_string(1, 1 + COLUMN_MARGIN as u16 + 1, "far")
            .unwrap();
        let sheet = read(&book.save_to_buffer().unwrap(), "s.xlsx").unwrap();
        assert_eq!(sheet.rows.len(), 1);
        assert!(matches!(
            &sheet.limits[..],
            [Limit::CellsOutside { count: 1, first, .. }] if first == "S2"
        ));
    }

    #[test]
    fn the_table_is_found_among_many_sheets_and_the_search_is_bounded() {
        let mut book = rust_xlsxwriter::Workbook::new();
        for n in 0..5 {
            book.add_worksheet()
                .write_string(0, 0, format!("说明 {n}"))
                .unwrap();
        }
        let ws = book.add_worksheet().set_name("照片").unwrap();
        ws.write_string(0, 0, "文件名").unwrap();
        ws.write_string(0, 1, "年份").unwrap();
        ws.write_string(1, 0, "a.jpg").unwrap();
        let sheet = read(&book.save_to_buffer().unwrap(), "表.xlsx").unwrap();
        assert_eq!(sheet.rows[0].sheet, "表.xlsx:照片");

        let mut book = rust_xlsxwriter::Workbook::new();
        for _ in 0..MAX_SHEETS + 1 {
            book.add_worksheet().write_string(0, 0, "说明").unwrap();
        }
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "文件名").unwrap();
        ws.write_string(0, 1, "年份").unwrap();
        ws.write_string(1, 0, "a.jpg").unwrap();
        let reason = read(&book.save_to_buffer().unwrap(), "表.xlsx").unwrap_err();
        assert_eq!(
            reason,
            SheetProblem::NoHeader {
                searched: MAX_SHEETS,
                worksheets: MAX_SHEETS + 2
            }
        );
    }

    #[test]
    fn merged_header_cells_keep_their_column() {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        // 文件名 over A1:B2 (across and down), 年份 over C1:C2, the rows from row 3.
        ws.merge_range(0, 0, 1, 1, "文件名", &Format::new())
            .unwrap();
        ws.merge_range(0, 2, 1, 2, "年份", &Format::new()).unwrap();
        ws.write_string(2, 0, "a.jpg").unwrap();
        ws.write_number(2, 2, 2017).unwrap();
        let sheet = read(&book.save_to_buffer().unwrap(), "s.xlsx").unwrap();
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].row, 3);
        assert_eq!(sheet.rows[0].cells[&Column::Year], "2017");
        assert!(sheet.limits.is_empty());
    }

    #[test]
    fn cell_names_are_spreadsheet_addresses() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(1, 25), "Z2");
        assert_eq!(cell_name(2, 26), "AA3");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }

    /// An ods workbook (a zip of XML) whose one table has `rows` (`table:table-row` elements).
    fn ods(rows: &str) -> Vec<u8> {
        ods_book(&[("Sheet1", rows.to_string())])
    }

    /// An ods workbook of named tables, each with its rows.
    fn ods_book(tables: &[(&str, String)]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        zip.start_file("META-INF/manifest.xml", stored).unwrap();
        zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
        zip.start_file("content.xml", stored).unwrap();
        let tables: String = tables
            .iter()
            .map(|(name, rows)| format!(r#"<table:table table:name="{name}">{rows}</table:table>"#))
            .collect();
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        )
        .unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn ods_text(text: &str) -> String {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
        )
    }

    fn ods_table() -> String {
        format!(
            "<table:table-row>{}{}</table:table-row><table:table-row>{}{}</table:table-row>",
            ods_text("文件名"),
            ods_text("年份"),
            ods_text("a.jpg"),
            r#"<table:table-cell office:value-type="float" office:value="2015"><text:p>2015</text:p></table:table-cell>"#
        )
    }

    #[test]
    fn reads_an_ods() {
        let bytes = ods(&ods_table());
        assert_eq!(ods_extent(&bytes), Some(("Sheet1".into(), 4)));
        let sheet = read(&bytes, "汇总表.ods").unwrap();
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].file_name, "a.jpg");
        assert_eq!(sheet.rows[0].cells[&Column::Year], "2015");
    }

    /// calamine reads an ods whole, allocating the used rectangle: a value at row 5001, column
    /// 16000 would make it 80 million cells (gigabytes). The rectangle is measured first.
    #[test]
    fn an_ods_with_a_stray_far_cell_is_refused_before_it_is_opened() {
        let stray = format!(
            r#"<table:table-row table:number-rows-repeated="4998"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="15999"/>{}</table:table-row>"#,
            ods_text("x")
        );
        let bytes = ods(&format!("{}{stray}", ods_table()));
        let (_, cells) = ods_extent(&bytes).unwrap();
        assert_eq!(cells, 5001 * 16_000);
        let reason = read(&bytes, "汇总表.ods").unwrap_err();
        assert!(
            matches!(reason, SheetProblem::TooManyCells { cells: 80_016_000, ref format, .. } if format == "ods"),
            "{reason:?}"
        );
        // Not an ods: nothing measured.
        assert_eq!(ods_extent(&workbook()), None);
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/sheets")
                .join(name),
        )
        .unwrap()
    }

    /// The rows of `sheet` as (file name, year, place, event, caption start, photographer).
    fn tagged(sheet: &Sheet) -> Vec<[String; 6]> {
        sheet
            .rows
            .iter()
            .map(|r| {
                let cell = |c| r.cells.get(&c).cloned().unwrap_or_default();
                let caption: String = cell(Column::Caption).chars().take(12).collect();
                [
                    r.file_name.clone(),
                    cell(Column::Year),
                    cell(Column::Place),
                    cell(Column::Event),
                    caption,
                    cell(Column::Photographer),
                ]
            })
            .collect()
    }

    /// What the fixtures' table holds (scripts/make_sheet_fixtures.py).
    fn fixture_rows() -> Vec<[String; 6]> {
        [
            [
                "IMG_0101.jpg",
                "2015",
                "哈密市",
                "全国科普日主场活动",
                "2015年9月19日，哈",
                "王建国",
            ],
            [
                "IMG_0102.jpg",
                "2015",
                "哈密市",
                "全国科普日主场活动",
                "科技工作者为中小学生演示",
                "王建国",
            ],
            [
                "老照片（一）.jpg",
                "2008",
                "吐鲁番市",
                "科普大篷车进乡村",
                "二〇〇八年科普大篷车开进",
                "阿不都·热合曼",
            ],
        ]
        .map(|row| row.map(String::from))
        .to_vec()
    }

    /// An xls as WPS and Chinese Excel save it: BIFF8 with 936 in its code page record (read as
    /// such, every string would be garbled), a title merged over the table, one event merged
    /// down over two photos.
    #[test]
    fn reads_a_wps_xls_with_code_page_936_and_a_merged_event() {
        let bytes = fixture("wps-cp936.xls");
        let sheet = read(&bytes, "汇总表.xls").unwrap();
        assert_eq!(tagged(&sheet), fixture_rows());
        assert_eq!(sheet.rows[0].row, 3);
        assert!(sheet.limits.is_empty(), "{:?}", sheet.limits);
        // Taken at its code page's word, the header is not 文件名 but mojibake.
        use calamine::Reader;
        let mut plain =
            calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.as_slice())).unwrap();
        let range = plain.worksheet_range_at(0).unwrap().unwrap();
        let header = range.get_value((1, 1)).map(|c| c.to_string());
        assert_ne!(header.as_deref(), Some("文件名"));
    }

    /// A value typed at IV65536, the last cell of an xls: calamine would allocate 16.7 million
    /// cells for the sheet (536 MB); it is left out before calamine reads the file, and told.
    #[test]
    fn an_xls_with_a_value_at_its_last_cell_is_read_and_the_value_told() {
        let sheet = read(&fixture("stray-far-cell.xls"), "汇总表.xls").unwrap();
        assert_eq!(tagged(&sheet), fixture_rows());
        assert_eq!(
            sheet.limits,
            vec![Limit::CellsOutside {
                sheet: "汇总表.xls".into(),
                count: 1,
                first: "IV65536".into(),
            }]
        );
    }

    /// 70 worksheets, the table on the third (after a note and an empty sheet).
    #[test]
    fn reads_the_table_of_an_xls_of_many_worksheets() {
        let sheet = read(&fixture("many-sheets.xls"), "汇总表.xls").unwrap();
        assert_eq!(tagged(&sheet)[2], fixture_rows()[2]);
        assert_eq!(sheet.rows.len(), 3);
        assert_eq!(sheet.rows[0].sheet, "汇总表.xls:汇总表");
    }

    /// An ods of several tables (a note first), Chinese text, a value merged down two rows.
    #[test]
    fn reads_an_ods_of_several_tables_with_a_merged_event() {
        let header: String = ["文件名", "年份", "地州市", "活动名称", "图片说明", "摄影者"]
            .iter()
            .map(|t| ods_text(t))
            .collect();
        let row = |cells: &[&str]| -> String {
            let cells: String = cells
                .iter()
                .map(|c| match *c {
                    "MERGED" => r#"<table:table-cell table:number-rows-spanned="2" office:value-type="string"><text:p>全国科普日主场活动</text:p></table:table-cell>"#.to_string(),
                    "COVERED" => "<table:covered-table-cell/>".to_string(),
                    text => ods_text(text),
                })
                .collect();
            format!("<table:table-row>{cells}</table:table-row>")
        };
        let table = [
            format!("<table:table-row>{header}</table:table-row>"),
            row(&[
                "IMG_0101.jpg",
                "2015",
                "哈密市",
                "MERGED",
                "2015年9月19日，哈密市科协在市文化广场举办",
                "王建国",
            ]),
            row(&[
                "IMG_0102.jpg",
                "2015",
                "哈密市",
                "COVERED",
                "科技工作者为中小学生演示机器人编程",
                "王建国",
            ]),
            row(&[
                "老照片（一）.jpg",
                "2008",
                "吐鲁番市",
                "科普大篷车进乡村",
                "二〇〇八年科普大篷车开进鄯善县乡村",
                "阿不都·热合曼",
            ]),
        ]
        .concat();
        let note = format!(
            "<table:table-row>{}</table:table-row>",
            ods_text("填表说明")
        );
        let bytes = ods_book(&[("说明", note), ("汇总表", table)]);
        let sheet = read(&bytes, "汇总表.ods").unwrap();
        assert_eq!(tagged(&sheet), fixture_rows());
        assert_eq!(sheet.rows[0].sheet, "汇总表.ods:汇总表");
        assert!(sheet.limits.is_empty(), "{:?}", sheet.limits);
    }

    /// A million rows of eight cells (a few kilobytes, repeated rows): calamine would allocate
    /// all of them; the sheet is measured and refused before it is opened.
    #[test]
    fn an_ods_of_a_million_rows_is_refused_by_measure() {
        let row: String = (0..8).map(|_| ods_text("x")).collect();
        let rows = format!(
            r#"{}<table:table-row table:number-rows-repeated="1000000">{row}</table:table-row>"#,
            ods_table()
        );
        let bytes = ods(&rows);
        assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
        let reason = read(&bytes, "汇总表.ods").unwrap_err();
        assert!(
            matches!(
                reason,
                SheetProblem::TooManyCells {
                    cells: 8_000_016,
                    ..
                }
            ),
            "{reason:?}"
        );
    }
}

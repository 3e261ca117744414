//! `汇总表.xlsx`: the package's photo list as a workbook.
//!
//! In: the packaged photos' manifest rows (in package order), the whole bag's rows when they are
//! one part of it, the bag's details and the photos' thumbnails. Out: the workbook's bytes, three
//! sheets: `照片清单` (`Photos`: one row per photo, a small thumbnail in each, header frozen,
//! autofilter on, captions wrapped), `统计` (`Counts`: photos by year × 地州市 with totals, and by
//! 报送单位) and `说明` (`About`: the bag's details and what each column means).
//! Invariants: row 1 of `照片清单` is the header and its `文件名` (`File name`) column holds
//! exactly [`ManifestEntry::file`] (a contract `lightbox verify` reads); every text a unit
//! supplied is a string cell, never a formula; counts are numbers, not formulas; the same input
//! gives the same bytes (the creation date is the bag's date, the zip entries carry the zip
//! epoch).

use std::collections::BTreeMap;

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Image, Workbook,
    Worksheet,
};

use super::{BookInfo, Counts, Previews, year_label};
use crate::lang::Lang;
use crate::manifest::ManifestEntry;
use crate::messages::{self, Label, PhotoColumn, Phrase, label};

/// Long edge of the embedded thumbnails, in pixels (the workbook stays small: ~3 KB a photo).
const THUMB_EDGE: u32 = 96;
/// JPEG quality of the embedded thumbnails.
const THUMB_QUALITY: u8 = 75;
/// Height of a photo's row in points: the thumbnail's (96 px wide at most, 72 px high).
const ROW_HEIGHT: f64 = 54.0;
/// Points per wrapped line of text in a row.
const LINE_HEIGHT: f64 = 15.0;
/// Excel's highest row, in points.
const MAX_ROW_HEIGHT: f64 = 409.0;
/// A cell holds at most this many UTF-16 units here (Excel's limit is 32,767).
const MAX_CELL: usize = 32_000;

/// One column of `照片清单`: what it is, and its width bounds in characters (a CJK character
/// counts two).
struct Column {
    column: PhotoColumn,
    min: f64,
    max: f64,
}

const fn column(column: PhotoColumn, (min, max): (f64, f64)) -> Column {
    Column { column, min, max }
}

/// The index of the `文件名` column (the contract with `lightbox verify`).
pub const FILE_COLUMN: usize = 2;
/// The index of the caption column (a fixed width, wrapped).
const CAPTION_COLUMN: usize = 7;
/// The index of the thumbnail column.
const THUMB_COLUMN: usize = 1;

const COLUMNS: [Column; 13] = [
    column(PhotoColumn::Number, (5.0, 8.0)),
    column(PhotoColumn::Thumbnail, (14.0, 14.0)),
    column(PhotoColumn::File, (20.0, 60.0)),
    column(PhotoColumn::Year, (6.0, 8.0)),
    column(PhotoColumn::Place, (8.0, 20.0)),
    column(PhotoColumn::County, (6.0, 16.0)),
    column(PhotoColumn::Event, (10.0, 40.0)),
    column(PhotoColumn::Caption, (50.0, 50.0)),
    column(PhotoColumn::Photographer, (8.0, 16.0)),
    column(PhotoColumn::Unit, (10.0, 30.0)),
    column(PhotoColumn::Pixels, (12.0, 14.0)),
    column(PhotoColumn::Bytes, (12.0, 16.0)),
    column(PhotoColumn::Sha256, (66.0, 66.0)),
];

/// The three sheets' names in `lang`: photos, counts, about.
pub fn sheet_names(lang: Lang) -> [&'static str; 3] {
    [Label::PhotosSheet, Label::CountsSheet, Label::AboutSheet].map(|l| label(l, lang))
}

/// The headers of the photo list in `lang`, in column order.
pub fn headers(lang: Lang) -> Vec<&'static str> {
    COLUMNS
        .iter()
        .map(|c| messages::photo_column(c.column, lang))
        .collect()
}

/// The text cells of one photo's row as the photo list shows them (the thumbnail's cell empty,
/// the numbers as text): what a reader of the workbook compares with the manifest.
pub fn row_text(number: usize, e: &ManifestEntry) -> Vec<String> {
    vec![
        number.to_string(),
        String::new(),
        e.file.clone(),
        e.year.to_string(),
        e.place.clone(),
        e.county.clone(),
        e.event.clone(),
        e.caption.clone(),
        e.photographer.clone(),
        e.unit.clone(),
        format!("{}×{}", e.width, e.height),
        e.bytes.to_string(),
        e.sha256.clone(),
    ]
}

/// The workbook's formats.
struct Formats {
    header: Format,
    text: Format,
    wrapped: Format,
    number: Format,
    bytes: Format,
    heading: Format,
    bold: Format,
    missing: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            header: Format::new()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            text: cell.clone(),
            wrapped: cell.clone().set_text_wrap(),
            number: cell.clone().set_align(FormatAlign::Right),
            bytes: cell.clone().set_num_format("#,##0"),
            missing: cell
                .set_font_color(Color::RGB(0x787878))
                .set_align(FormatAlign::Center),
            heading: Format::new().set_bold().set_font_size(13),
            bold: Format::new().set_bold().set_border(FormatBorder::Thin),
        }
    }
}

/// The workbook's bytes (see the module's header). `previews` gives each photo's thumbnail; a
/// photo without one gets a labelled cell.
///
/// # Errors
/// When the workbook cannot be built.
pub fn summary(
    entries: &[ManifestEntry],
    whole: Option<&[ManifestEntry]>,
    info: &BookInfo,
    previews: &dyn Previews,
) -> anyhow::Result<Vec<u8>> {
    let lang = info.lang;
    let (y, m, d) = info.ymd();
    let mut book = Workbook::new();
    let properties = DocProperties::new()
        .set_title(info.title.as_str())
        .set_company(info.source_organization.as_str())
        .set_author(info.source_organization.as_str())
        .set_creation_datetime(&ExcelDateTime::from_ymd(y, m, d)?);
    book.set_properties(&properties);
    let formats = Formats::new();
    let [photos, counts, about] = sheet_names(lang);
    photo_list(
        book.add_worksheet().set_name(photos)?,
        entries,
        lang,
        previews,
        &formats,
    )?;
    let sheet = book.add_worksheet().set_name(counts)?;
    let row = count_tables(sheet, 0, entries, lang, &formats, false)?;
    if let Some(whole) = whole.filter(|w| w.len() != entries.len() || info.part.is_some()) {
        count_tables(sheet, row + 1, whole, lang, &formats, true)?;
    }
    sheet.set_column_width(0, 16)?;
    about_sheet(
        book.add_worksheet().set_name(about)?,
        entries,
        whole,
        info,
        &formats,
    )?;
    Ok(book.save_to_buffer()?)
}

/// Display width of `text` in characters: a wide (CJK) character counts two.
fn display_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2.0 } else { 1.0 })
        .sum()
}

/// `text` cut to what a cell holds, with an ellipsis when cut.
fn cell_text(text: &str) -> std::borrow::Cow<'_, str> {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL {
            return format!("{}…", &text[..at]).into();
        }
    }
    text.into()
}

/// Writes a unit's text as a string cell (never a formula), or a blank cell when empty.
fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: &Format,
) -> anyhow::Result<()> {
    if text.is_empty() {
        sheet.write_blank(row, col, format)?;
    } else {
        sheet.write_string_with_format(row, col, cell_text(text), format)?;
    }
    Ok(())
}

/// The photo list: header, one row per photo, widths to fit, header frozen, autofilter.
fn photo_list(
    sheet: &mut Worksheet,
    entries: &[ManifestEntry],
    lang: Lang,
    previews: &dyn Previews,
    formats: &Formats,
) -> anyhow::Result<()> {
    let mut widths: Vec<f64> = headers(lang).iter().map(|h| display_width(h)).collect();
    for (col, header) in headers(lang).iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &formats.header)?;
    }
    sheet.set_row_height(0, 2.0 * LINE_HEIGHT)?;
    for (n, e) in entries.iter().enumerate() {
        let values = row_text(n + 1, e);
        for (col, value) in values.iter().enumerate() {
            widths[col] = widths[col].max(display_width(value) + 1.0);
        }
    }
    for (col, c) in COLUMNS.iter().enumerate() {
        let width = widths[col].clamp(c.min, c.max);
        sheet.set_column_width(col as u16, width)?;
        widths[col] = width;
    }
    let no_thumbnail = label(Label::NoThumbnail, lang);
    for (n, e) in entries.iter().enumerate() {
        let row = (n + 1) as u32;
        let values = row_text(n + 1, e);
        // Lines of the wrapped caption (and of any column at its widest) set the row's height.
        let lines = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| (display_width(v) / (w - 1.0).max(1.0)).ceil())
            .fold(1.0f64, f64::max);
        sheet.set_row_height(row, (lines * LINE_HEIGHT).clamp(ROW_HEIGHT, MAX_ROW_HEIGHT))?;
        sheet.write_number_with_format(row, 0, (n + 1) as f64, &formats.number)?;
        match previews.thumbnail(e).and_then(|bytes| small_image(&bytes)) {
            Some(image) => {
                sheet.write_blank(row, THUMB_COLUMN as u16, &formats.text)?;
                sheet.insert_image_fit_to_cell(row, THUMB_COLUMN as u16, &image, true)?;
            }
            None => {
                sheet.write_string_with_format(
                    row,
                    THUMB_COLUMN as u16,
                    no_thumbnail,
                    &formats.missing,
                )?;
            }
        }
        write_text(sheet, row, FILE_COLUMN as u16, &e.file, &formats.text)?;
        if e.year == 0 {
            sheet.write_blank(row, 3, &formats.number)?;
        } else {
            sheet.write_number_with_format(row, 3, f64::from(e.year), &formats.number)?;
        }
        for (col, text) in [
            (4, &e.place),
            (5, &e.county),
            (6, &e.event),
            (CAPTION_COLUMN, &e.caption),
            (8, &e.photographer),
            (9, &e.unit),
        ] {
            write_text(sheet, row, col as u16, text, &formats.wrapped)?;
        }
        sheet.write_string_with_format(row, 10, &values[10], &formats.number)?;
        sheet.write_number_with_format(row, 11, e.bytes as f64, &formats.bytes)?;
        write_text(sheet, row, 12, &e.sha256, &formats.text)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, entries.len() as u32, (COLUMNS.len() - 1) as u16)?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// A thumbnail made small for the workbook; `None` when the bytes are not an image.
fn small_image(bytes: &[u8]) -> Option<Image> {
    let pixels = crate::imaging::decode::decode_to_fit(bytes, THUMB_EDGE, THUMB_EDGE).ok()?;
    let jpeg = crate::imaging::encode_jpeg(&pixels, THUMB_QUALITY).ok()?;
    Image::new_from_buffer(&jpeg).ok()
}

/// Writes the counts of `entries` from `row` on: by year × 地州市 (with totals), then by unit;
/// `whole`: they are the whole package's (a part's sheet counts both). Returns the row after
/// the last one written.
fn count_tables(
    sheet: &mut Worksheet,
    mut row: u32,
    entries: &[ManifestEntry],
    lang: Lang,
    formats: &Formats,
    whole: bool,
) -> anyhow::Result<u32> {
    let unknown = label(Label::Unknown, lang);
    let named = |s: &str| match s.trim() {
        "" => unknown.to_string(),
        s => s.to_string(),
    };
    let total = label(Label::Total, lang);
    let mut grid: BTreeMap<i32, BTreeMap<String, usize>> = BTreeMap::new();
    let mut places: BTreeMap<String, usize> = BTreeMap::new();
    let mut units: BTreeMap<String, usize> = BTreeMap::new();
    for e in entries {
        *grid
            .entry(e.year)
            .or_default()
            .entry(named(&e.place))
            .or_default() += 1;
        *places.entry(named(&e.place)).or_default() += 1;
        *units.entry(named(&e.unit)).or_default() += 1;
    }
    let heading = messages::phrase(&Phrase::PhotosByYearAndPlace { whole }, lang);
    sheet.write_string_with_format(row, 0, heading, &formats.heading)?;
    row += 1;
    let year_header = label(Label::YearByPlace, lang);
    sheet.write_string_with_format(row, 0, year_header, &formats.header)?;
    for (col, place) in places.keys().enumerate() {
        sheet.write_string_with_format(row, col as u16 + 1, place, &formats.header)?;
        sheet.set_column_width(col as u16 + 1, display_width(place).clamp(8.0, 24.0) + 1.0)?;
    }
    let total_col = places.len() as u16 + 1;
    sheet.write_string_with_format(row, total_col, total, &formats.header)?;
    row += 1;
    for (year, by_place) in &grid {
        sheet.write_string_with_format(row, 0, year_label(*year, lang), &formats.bold)?;
        for (col, place) in places.keys().enumerate() {
            let n = by_place.get(place).copied().unwrap_or(0);
            sheet.write_number_with_format(row, col as u16 + 1, n as f64, &formats.number)?;
        }
        let sum: usize = by_place.values().sum();
        sheet.write_number_with_format(row, total_col, sum as f64, &formats.bold)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, total, &formats.bold)?;
    for (col, n) in places.values().enumerate() {
        sheet.write_number_with_format(row, col as u16 + 1, *n as f64, &formats.bold)?;
    }
    sheet.write_number_with_format(row, total_col, entries.len() as f64, &formats.bold)?;
    row += 2;
    let heading = messages::phrase(&Phrase::PhotosByUnit { whole }, lang);
    sheet.write_string_with_format(row, 0, heading, &formats.heading)?;
    row += 1;
    let (unit_header, photos_header) = (label(Label::Unit, lang), label(Label::Photos, lang));
    sheet.write_string_with_format(row, 0, unit_header, &formats.header)?;
    sheet.write_string_with_format(row, 1, photos_header, &formats.header)?;
    row += 1;
    let mut by_count: Vec<(&String, &usize)> = units.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (unit, n) in by_count {
        write_text(sheet, row, 0, unit, &formats.text)?;
        sheet.write_number_with_format(row, 1, *n as f64, &formats.number)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, total, &formats.bold)?;
    sheet.write_number_with_format(row, 1, entries.len() as f64, &formats.bold)?;
    Ok(row + 2)
}

/// The about sheet: the bag's details, then what each column of the photo list holds.
fn about_sheet(
    sheet: &mut Worksheet,
    entries: &[ManifestEntry],
    whole: Option<&[ManifestEntry]>,
    info: &BookInfo,
    formats: &Formats,
) -> anyhow::Result<()> {
    let lang = info.lang;
    let counts = Counts::of(entries);
    let years = match (counts.years.first(), counts.years.last()) {
        (Some(a), Some(b)) if a != b => format!("{}–{}", year_label(*a, lang), b),
        (Some(a), _) => year_label(*a, lang),
        _ => "—".into(),
    };
    let part = info
        .part_label()
        .unwrap_or_else(|| label(Label::WholeBag, lang).into());
    let mut details: Vec<(Label, String)> = vec![
        (Label::Collection, info.title.clone()),
        (Label::SourceOrganization, info.source_organization.clone()),
        (Label::PackageDate, info.date.clone()),
        (Label::Part, part),
        (Label::Photos, counts.photos.to_string()),
        (Label::Units, counts.units.to_string()),
        (Label::Years, years),
    ];
    if let Some(whole) = whole.filter(|_| info.part.is_some()) {
        details.push((Label::PhotosInWholePackage, whole.len().to_string()));
    }
    if entries.is_empty() {
        details.push((Label::Note, label(Label::NoPhotosInPart, lang).into()));
    }
    let heading = label(Label::ThePackage, lang);
    sheet.write_string_with_format(0, 0, heading, &formats.heading)?;
    let mut row = 1;
    for (name, value) in &details {
        sheet.write_string_with_format(row, 0, label(*name, lang), &formats.bold)?;
        write_text(sheet, row, 1, value, &formats.wrapped)?;
        row += 1;
    }
    row += 1;
    let [photos, counts_sheet, _] = sheet_names(lang);
    let heading = messages::phrase(
        &Phrase::Columns {
            photos,
            counts: counts_sheet,
        },
        lang,
    );
    sheet.write_string_with_format(row, 0, heading, &formats.heading)?;
    row += 1;
    for c in &COLUMNS {
        let name = messages::photo_column(c.column, lang);
        let about = messages::photo_column_about(c.column, lang);
        sheet.write_string_with_format(row, 0, name, &formats.bold)?;
        sheet.write_string_with_format(row, 1, about, &formats.wrapped)?;
        row += 1;
    }
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, 70)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::book::tests::entry;
    use calamine::{Data, Reader, Xlsx};

    struct NoPreviews;

    impl Previews for NoPreviews {
        fn thumbnail(&self, _: &ManifestEntry) -> Option<Vec<u8>> {
            None
        }
        fn preview(&self, _: &ManifestEntry) -> Option<Vec<u8>> {
            None
        }
    }

    fn info(lang: Lang) -> BookInfo {
        BookInfo {
            title: "全国科普日二十周年历史照片征集 · 新疆".into(),
            source_organization: "新疆维吾尔自治区科学技术协会".into(),
            date: "2026-12-03".into(),
            part: None,
            lang,
        }
    }

    fn read(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
        Xlsx::new(std::io::Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn captions_that_look_like_formulas_stay_text_and_the_counts_add_up() {
        let mut entries = vec![
            entry("2015/a.jpg", 2015, "克拉玛依市", "克拉玛依市科协"),
            entry("2016/b.jpg", 2016, "乌鲁木齐市", "乌鲁木齐市科协"),
            entry("2016/c.jpg", 2016, "克拉玛依市", "克拉玛依市科协"),
        ];
        entries[0].caption = "=HYPERLINK(\"http://x\",\"y\")".into();
        entries[1].caption = "+1".into();
        entries[2].photographer = "@王".into();
        entries[2].caption = "长".repeat(40_000);
        let bytes = summary(&entries, None, &info(Lang::Zh), &NoPreviews).unwrap();
        assert_eq!(
            bytes,
            summary(&entries, None, &info(Lang::Zh), &NoPreviews).unwrap()
        );
        let mut book = read(bytes);
        assert_eq!(book.sheet_names(), ["照片清单", "统计", "说明"]);
        let list = book.worksheet_range("照片清单").unwrap();
        assert_eq!(list.get_size(), (4, 13));
        assert_eq!(
            list.get((1, 7)),
            Some(&Data::String("=HYPERLINK(\"http://x\",\"y\")".into()))
        );
        assert_eq!(list.get((2, 7)), Some(&Data::String("+1".into())));
        assert_eq!(list.get((3, 8)), Some(&Data::String("@王".into())));
        assert_eq!(list.get((1, 1)), Some(&Data::String("无缩略图".into())));
        let Some(Data::String(long)) = list.get((3, 7)) else {
            panic!("the long caption is a string")
        };
        assert!(long.ends_with('…') && long.chars().count() < 32_767);
        let formulas = book.worksheet_formula("照片清单").unwrap();
        assert!(formulas.cells().all(|(_, _, f)| f.is_empty()));
        let counts = book.worksheet_range("统计").unwrap();
        // Places in name order: 乌鲁木齐市, 克拉玛依市, then the total.
        assert_eq!(counts.get((1, 1)), Some(&Data::String("乌鲁木齐市".into())));
        assert_eq!(counts.get((2, 0)), Some(&Data::String("2015".into())));
        assert_eq!(counts.get((3, 1)), Some(&Data::Float(1.0)));
        assert_eq!(counts.get((3, 3)), Some(&Data::Float(2.0)));
        assert_eq!(counts.get((4, 2)), Some(&Data::Float(2.0)));
        assert_eq!(counts.get((4, 3)), Some(&Data::Float(3.0)));
    }

    #[test]
    fn a_part_counts_itself_then_the_whole_package() {
        let whole = [
            entry("2015/a.jpg", 2015, "克拉玛依市", "克拉玛依市科协"),
            entry("2016/b.jpg", 2016, "乌鲁木齐市", "乌鲁木齐市科协"),
            entry("2016/c.jpg", 2016, "", ""),
        ];
        let mut part = info(Lang::En);
        part.part = Some((2, 2));
        let bytes = summary(&whole[1..], Some(&whole), &part, &NoPreviews).unwrap();
        let mut book = read(bytes);
        let counts = book.worksheet_range("Counts").unwrap();
        let text: Vec<String> = counts.rows().map(|r| r[0].to_string()).collect();
        let at = |wanted: &str| text.iter().position(|t| t == wanted);
        assert!(at("Photos by year and place").is_some());
        let whole_at = at("Photos by year and place (the whole package)").unwrap();
        // The whole package's grand total, below its own table: 3 photos, one place unknown.
        assert!(text[whole_at..].iter().any(|t| t == "(unknown)"));
        let total_row = whole_at + 4;
        assert_eq!(
            counts.get((total_row, 0)),
            Some(&Data::String("Total".into()))
        );
        assert_eq!(counts.get((total_row, 4)), Some(&Data::Float(3.0)));
        let about = book.worksheet_range("About").unwrap();
        let pairs: Vec<(String, String)> = about
            .rows()
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect();
        assert!(pairs.contains(&("Part".into(), "part 2 of 2".into())));
        assert!(pairs.contains(&("Photos in the whole package".into(), "3".into())));
    }

    #[test]
    fn no_photos_is_a_valid_workbook_that_says_so() {
        let bytes = summary(&[], None, &info(Lang::En), &NoPreviews).unwrap();
        let mut book = read(bytes);
        assert_eq!(book.sheet_names(), ["Photos", "Counts", "About"]);
        let list = book.worksheet_range("Photos").unwrap();
        assert_eq!(
            list.get((0, FILE_COLUMN)),
            Some(&Data::String("File name".into()))
        );
        assert_eq!(list.get_size().0, 1);
        let about = book.worksheet_range("About").unwrap();
        assert!(
            about
                .rows()
                .any(|r| r.iter().any(|c| c.to_string().contains("holds no photos")))
        );
    }
}

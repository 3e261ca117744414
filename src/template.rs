//! The fill-in 汇总表 a unit gets back: `lightbox template DROP`.
//!
//! In: the report of a run over one unit's drop and the thumbnails it made. Out: an xlsx
//! workbook, one row per photo: a small upright thumbnail in the row, everything lightbox
//! already knows filled in, each required cell still missing highlighted, what is wrong with the
//! photo, and its content id (`内容标识`, blake3). When the unit sends it back filled in,
//! `lightbox run` reads it like any sheet and matches rows by content id first, so a unit that
//! renamed its files still matches. Invariants: the workbook is written atomically; refused
//! files (not photos) get no row, duplicates get none (their keeper has one).

use std::path::Path;

use crate::broken::{Doing, Step};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Image, Workbook, Worksheet};

use crate::lang::Lang;
use crate::messages::{self, Label, Phrase, TemplateColumn};
use crate::photo::DerivedDirs;
use crate::photo::{Field, Severity, Status};
use crate::report::{ItemReport, Report};

/// Height of a row with its thumbnail, in points.
const ROW_HEIGHT: f64 = 60.0;
/// Long edge of the embedded thumbnails, in pixels (small: the workbook goes by WeChat).
const THUMB_EDGE: u32 = 120;

/// The columns, in order, each with its width in characters.
const COLUMNS: [(TemplateColumn, f64); 12] = [
    (TemplateColumn::Number, 6.0),
    (TemplateColumn::Thumbnail, 14.0),
    (TemplateColumn::File, 28.0),
    (TemplateColumn::Year, 8.0),
    (TemplateColumn::Place, 14.0),
    (TemplateColumn::Event, 22.0),
    (TemplateColumn::Caption, 48.0),
    (TemplateColumn::Photographer, 12.0),
    (TemplateColumn::Unit, 16.0),
    (TemplateColumn::Contact, 10.0),
    (TemplateColumn::Problems, 40.0),
    (TemplateColumn::Content, 20.0),
];

/// What `template` wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateSummary {
    /// Rows written (one per photo).
    pub rows: usize,
    /// Required cells still empty (highlighted).
    pub missing: usize,
}

/// Writes the fill-in sheet for the units of `report` (made by a run over their drops) to `to`.
///
/// # Errors
/// When the workbook cannot be built or written; the message names the path.
pub fn write(
    report: &Report,
    dirs: &DerivedDirs,
    required: &[Field],
    lang: Lang,
    to: &Path,
) -> anyhow::Result<TemplateSummary> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(messages::label(Label::TemplateSheet, lang))?;
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_align(FormatAlign::Center);
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let missing_cell = cell.clone().set_background_color(Color::RGB(0xFFEB9C));
    let units: Vec<&str> = report
        .summary
        .units
        .iter()
        .map(|u| u.unit.as_str())
        .collect();
    let heading = messages::phrase(&Phrase::TemplateHeading { units: &units }, lang);
    sheet.merge_range(0, 0, 0, (COLUMNS.len() - 1) as u16, &heading, &title)?;
    sheet.set_row_height(0, 24)?;
    for (col, (column, width)) in COLUMNS.iter().enumerate() {
        let col = col as u16;
        let name = messages::template_column(*column, lang);
        sheet.write_string_with_format(1, col, name, &header)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_freeze_panes(2, 0)?;

    let mut summary = TemplateSummary::default();
    let photos = report
        .items
        .iter()
        .filter(|i| i.photo.is_some() && i.status != Status::Duplicate);
    for (n, item) in photos.enumerate() {
        let row = (n + 2) as u32;
        summary.rows += 1;
        sheet.set_row_height(row, ROW_HEIGHT)?;
        let values = row_values(item, n + 1);
        for (col, value) in values.iter().enumerate() {
            let field = field_of(col);
            let missing = value.is_empty() && field.is_some_and(|f| required.contains(&f));
            summary.missing += usize::from(missing);
            let format = if missing { &missing_cell } else { &cell };
            write_cell(sheet, row, col as u16, value, format)?;
        }
        if let Some(image) = thumbnail(item, dirs) {
            sheet.insert_image_fit_to_cell(row, 1, &image, true)?;
        }
    }
    let bytes = book
        .save_to_buffer()
        .doing(|| Step::Build(to.to_path_buf()))?;
    crate::output::write_atomic(to, &bytes).map_err(|e| crate::broken::Broken::NotWritable {
        path: to.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(summary)
}

/// The tag field a column holds, if any.
fn field_of(col: usize) -> Option<Field> {
    match col {
        3 => Some(Field::Year),
        4 => Some(Field::Place),
        5 => Some(Field::Event),
        6 => Some(Field::Caption),
        7 => Some(Field::Photographer),
        8 => Some(Field::Unit),
        _ => None,
    }
}

/// The cells of one photo's row, in column order (the thumbnail cell empty).
fn row_values(item: &ItemReport, number: usize) -> Vec<String> {
    let t = &item.tags;
    let text = |v: &Option<crate::photo::Tagged<String>>| {
        v.as_ref().map(|t| t.value.clone()).unwrap_or_default()
    };
    let place = t
        .place
        .as_ref()
        .map(|p| p.value.prefecture().unwrap_or(&p.value.value).to_string())
        .unwrap_or_default();
    // The unit column is filled only from a real source, not from the drop's name alone.
    let unit = t
        .unit
        .as_ref()
        .filter(|u| u.source != crate::photo::TagSource::Drop)
        .map(|u| u.value.clone())
        .unwrap_or_else(|| item.unit.clone());
    let problems: Vec<String> = item
        .findings
        .iter()
        .filter(|f| f.finding.severity >= Severity::Warn)
        .filter(|f| !matches!(f.finding.check, crate::photo::Check::MissingField { .. }))
        .map(|f| f.message.clone())
        .collect();
    vec![
        number.to_string(),
        String::new(),
        item.path
            .rsplit('/')
            .next()
            .unwrap_or(&item.path)
            .to_string(),
        t.year
            .as_ref()
            .map(|y| y.value.to_string())
            .unwrap_or_default(),
        place,
        text(&t.event),
        text(&t.caption),
        text(&t.photographer),
        unit,
        String::new(),
        problems.join("；"),
        item.photo
            .as_ref()
            .map(|p| p.content.to_hex())
            .unwrap_or_default(),
    ]
}

/// Writes one cell: the number and year columns (the tool's own) as numbers when they are
/// numbers, every other value as a string with `write_string`, so text from the unit that starts
/// with `=`, `+`, `-` or `@` stays text and is never read as a formula (no quote needed).
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &str,
    format: &Format,
) -> anyhow::Result<()> {
    if value.is_empty() {
        sheet.write_blank(row, col, format)?;
    } else if col == 0 || col == 3 {
        match value.parse::<f64>() {
            Ok(n) => sheet.write_number_with_format(row, col, n, format)?,
            Err(_) => sheet.write_string_with_format(row, col, value, format)?,
        };
    } else {
        sheet.write_string_with_format(row, col, value, format)?;
    }
    Ok(())
}

/// The photo's upright thumbnail, made smaller for the workbook; none when there is none.
fn thumbnail(item: &ItemReport, dirs: &DerivedDirs) -> Option<Image> {
    let photo = item.photo.as_ref()?;
    let bytes = std::fs::read(dirs.thumbnail(&photo.content)).ok()?;
    let image = image::load_from_memory(&bytes).ok()?.into_rgb8();
    let small = crate::imaging::decode::fit(&image, THUMB_EDGE);
    let jpeg = crate::imaging::encode_jpeg(&small, 80).ok()?;
    Image::new_from_buffer(&jpeg).ok()
}

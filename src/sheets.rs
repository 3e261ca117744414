//! Sheets: the run's contact sheets, a sheet per unit (or year, or event), drawn from the
//! report's items and the derived previews.
//!
//! In: the items' positions grouped by sheet, the items on disk, the run's configuration, the
//! catalog (what each sheet was drawn from last time). Out: `WORK/sheets/<sheet>/` with its pages
//! (JPEG or PNG) and PDFs, swapped into place whole; each sheet's input fingerprint for the
//! catalog. Invariants: a sheet whose items, header and layout are unchanged keeps its pages
//! (linked, not redrawn); one page in memory per worker; the drawing is `render.rs`'s.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::broken::{Doing, Step};
use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::config::RunConfig;
use crate::lang::Lang;
use crate::messages::{self, Label, Phrase};
use crate::output;
use crate::photo::DerivedDirs;
use crate::photo::Status;
use crate::profile::{PageFormat, SheetGroup};
use crate::progress::Progress;
use crate::render::{self, SheetHeader};
use crate::report::{ItemReport, Summary};
use crate::spill::Spill;

/// The sheet pages written and each unit's sheet input fingerprint.
pub(crate) type SheetsWritten = (Vec<String>, Vec<(String, String)>);

/// Writes every unit's contact sheet pages into a staging folder, then swaps it into place. A
/// unit whose sheet inputs (its items, header and layout) are unchanged since the last run keeps
/// its pages: they are copied, not redrawn. `sheets` are the titles and item positions in
/// `items`; a sheet's items are read from disk while it is planned and again while it is drawn.
/// Returns the pages and each unit's input fingerprint.
pub(crate) fn write_sheets(
    sheets: Vec<(String, Vec<usize>)>,
    items: &Spill<ItemReport>,
    config: &RunConfig,
    dirs: &DerivedDirs,
    catalog: &Catalog,
    progress: &dyn Progress,
) -> anyhow::Result<SheetsWritten> {
    let target = config.work.join("sheets");
    let staging = output::staging_dir(&target).doing(|| Step::Stage(target.to_path_buf()))?;
    let layout = &config.profile.sheets;
    let load = |positions: &[usize]| -> std::io::Result<Vec<ItemReport>> {
        positions.iter().map(|&p| items.get(p)).collect()
    };
    progress.stage("sheets", sheets.len() as u64);
    // First, on this thread (the catalog is not shared): what each sheet holds and whether its
    // pages from the last run can stay.
    let mut planned = Vec::with_capacity(sheets.len());
    for (title, positions) in sheets {
        let sheet_items = load(&positions)?;
        let refs: Vec<&ItemReport> = sheet_items.iter().collect();
        let header = SheetHeader {
            counts: group_counts(&refs, config.lang),
            title: title.clone(),
            date: config.date.clone(),
            show_unit: layout.group_by != SheetGroup::Unit,
        };
        let folder = safe_folder_name(&title);
        fs::create_dir_all(staging.path().join(&folder))?;
        let input = sheet_input(&refs, &header, config);
        let key = format!("{:?}:{title}", layout.group_by);
        let kept = if catalog.sheet_input(&key).as_deref() == Some(input.as_str()) {
            keep_pages(&target.join(&folder), &staging.path().join(&folder))
        } else {
            None
        };
        planned.push((positions, header, folder, key, input, kept));
    }
    // Then the drawing, a sheet per worker; results stay in sheet order.
    let drawn: Vec<anyhow::Result<Vec<String>>> = planned
        .par_iter()
        .map(|(positions, header, folder, _, _, kept)| {
            let names = match kept {
                Some(names) => Ok(names.clone()),
                None => load(positions)
                    .map_err(anyhow::Error::from)
                    .and_then(|sheet_items| {
                        let refs: Vec<&ItemReport> = sheet_items.iter().collect();
                        draw_sheet(&refs, header, config, dirs, &staging.path().join(folder))
                    })
                    .doing(|| Step::Sheet(folder.clone())),
            };
            progress.advance(1);
            names
        })
        .collect();
    let mut written = Vec::new();
    let mut inputs = Vec::new();
    for ((_, _, folder, key, input, _), names) in planned.into_iter().zip(drawn) {
        written.extend(names?.iter().map(|n| format!("sheets/{folder}/{n}")));
        inputs.push((key, input));
    }
    output::replace_dir(staging, &target).doing(|| Step::Place(target.to_path_buf()))?;
    progress.finish();
    Ok((written, inputs))
}

/// Draws one sheet into `folder`: its pages (`<folder>-NN.jpg` or `.png`) and its PDF
/// (`<folder>.pdf`, or `<folder>-pages-NN-NN.pdf` files past the layout's `pdf_pages`). Returns
/// the file names written.
fn draw_sheet(
    items: &[&ItemReport],
    header: &SheetHeader,
    config: &RunConfig,
    dirs: &DerivedDirs,
    folder: &Path,
) -> anyhow::Result<Vec<String>> {
    let layout = &config.profile.sheets;
    let name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut names = Vec::new();
    // Each page is encoded and written as soon as it is drawn: one page in memory per worker.
    let mut write_page = |n: usize, page: &image::RgbImage| -> anyhow::Result<()> {
        let (file, bytes) = match layout.format {
            PageFormat::Jpeg => (
                format!("{name}-{:02}.jpg", n + 1),
                // Quality 85 halves the chroma: black text and grey rules live in the luma,
                // and the page costs half the time it did at 90 (4:4:4).
                crate::imaging::encode_jpeg(page, 85)?,
            ),
            PageFormat::Png => {
                let mut bytes = Vec::new();
                image::ImageEncoder::write_image(
                    image::codecs::png::PngEncoder::new(&mut bytes),
                    page.as_raw(),
                    page.width(),
                    page.height(),
                    image::ExtendedColorType::Rgb8,
                )?;
                (format!("{name}-{:02}.png", n + 1), bytes)
            }
        };
        fs::write(folder.join(&file), bytes)?;
        names.push(file);
        Ok(())
    };
    let style = render::SheetStyle {
        layout,
        dirs,
        lang: config.lang,
        font: &config.font,
    };
    // A sheet longer than the layout's `pdf_pages` is several PDFs, named with their pages
    // (counted from 1, as the pages say).
    let mut pdfs = Vec::new();
    let mut write_pdf = |part: render::PdfPart, bytes: Vec<u8>| -> anyhow::Result<()> {
        let file = match part.whole() {
            true => format!("{name}.pdf"),
            false => format!(
                "{name}-pages-{:02}-{:02}.pdf",
                part.first + 1,
                part.last + 1
            ),
        };
        fs::write(folder.join(&file), bytes)?;
        pdfs.push(file);
        Ok(())
    };
    let output = render::SheetOutput {
        page: &mut write_page,
        pdf: match layout.pdf {
            true => Some(&mut write_pdf),
            false => None,
        },
    };
    render::render_sheet(items, header, &style, output)?;
    names.extend(pdfs);
    Ok(names)
}

/// The sheet an item goes on, as a sort key: the first part puts "unknown" last.
pub(crate) fn sheet_key(item: &ItemReport, by: SheetGroup, lang: Lang) -> (u8, String) {
    let unknown = |label: Label| messages::label(label, lang).to_string();
    match by {
        SheetGroup::Unit => (0, item.unit.clone()),
        SheetGroup::Year => match &item.tags.year {
            Some(year) => (0, year.value.to_string()),
            None => (1, unknown(Label::NoYear)),
        },
        SheetGroup::Event => match &item.tags.event {
            Some(event) => (0, event.value.clone()),
            None => (1, unknown(Label::NoEvent)),
        },
    }
}

/// The sheets to draw, in order: each with its title and its items' positions (in report
/// order), from the items noted under their [`sheet_key`].
pub(crate) fn sheet_groups(
    members: BTreeMap<(u8, String), Vec<usize>>,
    summary: &Summary,
    by: SheetGroup,
) -> Vec<(String, Vec<usize>)> {
    let mut sheets: Vec<(String, Vec<usize>)> =
        members.into_iter().map(|((_, k), v)| (k, v)).collect();
    if by == SheetGroup::Unit {
        // Units keep the report's order (the order of their drops).
        let order: Vec<&str> = summary.units.iter().map(|u| u.unit.as_str()).collect();
        sheets.sort_by_key(|(unit, _)| order.iter().position(|u| u == unit));
    }
    sheets
}

/// The counts line of a sheet's header.
fn group_counts(items: &[&ItemReport], lang: Lang) -> String {
    let count = |status: Status| items.iter().filter(|i| i.status == status).count();
    let (accepted, needs_info, rejected, duplicates) = (
        count(Status::Accepted),
        count(Status::NeedsInfo),
        count(Status::Rejected),
        count(Status::Duplicate),
    );
    let statuses = Phrase::Statuses {
        files: items.len(),
        accepted,
        needs_info,
        rejected,
        duplicates,
    };
    messages::phrase(&statuses, lang)
}

/// The fingerprint of everything a unit's pages are drawn from.
fn sheet_input(items: &[&ItemReport], header: &SheetHeader, config: &RunConfig) -> String {
    let mut hasher = blake3::Hasher::new();
    for item in items {
        hasher.update(&serde_json::to_vec(item).unwrap_or_default());
    }
    let layout = serde_json::to_vec(&config.profile.sheets).unwrap_or_default();
    hasher.update(&layout);
    for part in [&header.title, &header.date, &header.counts] {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    hasher.update(
        format!(
            "{:?} {} {}",
            config.lang,
            env!("CARGO_PKG_VERSION"),
            config.font.id()
        )
        .as_bytes(),
    );
    hasher.finalize().to_hex().to_string()
}

/// Copies a unit's existing pages into the staging folder; `None` when there are none.
fn keep_pages(old: &Path, new: &Path) -> Option<Vec<String>> {
    let mut names: Vec<String> = fs::read_dir(old)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| [".jpg", ".png", ".pdf"].iter().any(|ext| n.ends_with(ext)))
        .collect();
    names.sort();
    if names.is_empty() {
        return None;
    }
    for name in &names {
        if fs::hard_link(old.join(name), new.join(name)).is_err() {
            fs::copy(old.join(name), new.join(name)).ok()?;
        }
    }
    Some(names)
}

fn safe_folder_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.trim().is_empty() {
        "_".to_string()
    } else {
        cleaned
    }
}

//! Package: the accepted photos for CAST, renamed `年份+地州市+活动名称+序号.jpg` in year
//! folders, as a BagIt 1.0 bag (RFC 8493) a receiver checks with any BagIt validator or with
//! `lightbox verify`; or, with `--split-size`, as several complete bags, each zipped.
//!
//! In: a work folder's `report.json` and the original sources it names. Out: the package folder:
//! `bagit.txt`, `bag-info.txt`, `manifest-sha256.txt`, `manifest-sha512.txt`, their tag
//! manifests, and the payload under `data/`: `<year>/<name>.jpg`, `manifest.csv` (UTF-8 with
//! BOM), `manifest.json`, and the reading copies (see [`write_reading_copies`]). Split, the
//! package folder holds `<name>-1of3.zip`, ... instead, each a bag of its own (see [`parts`]).
//! A duplicate a curator declared a different photo from its group's keeper ("not the same
//! photo" on the review page) is not a copy: it goes in on its own when the profile's checks,
//! which a duplicate never went through, find no error.
//! Invariants: built in a staging folder beside the target and renamed into place at the end,
//! so the target is either the old package or the whole new one; the payload is written first
//! and the bag's manifests last, over whatever `data/` then holds; a source whose bytes changed
//! since the run is left out with a reason, never packaged unchecked; the same report and sources
//! give byte-identical bags and zips (`Bagging-Date` is the date of `report.json`, the run's,
//! never the clock's); the report's items and the manifest's rows wait on disk, so memory holds a
//! sort key and the checksums per packaged photo, not its record.

mod assemble;
pub mod bag;
pub mod book;
pub mod parts;
pub mod receive;
pub mod rows;
mod select;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::broken::{Doing, Step};
use serde::{Deserialize, Serialize};

pub use crate::manifest::ManifestEntry;
pub use assemble::Part;
use assemble::{BagPlan, base_info, identifier};
use select::{Chosen, select};

use crate::catalog::{Catalog, Packaged};
use crate::lang::Lang;
use crate::messages::{self, LeftOut};
use crate::output;
use crate::photo::decisions::Decisions;
use crate::photo::{ContentHash, Format, Source};
use crate::profile::{PackageInfo, Profile};
use crate::progress::Progress;
use crate::reading;
use crate::report::ItemReport;
use crate::spill::{Spill, SpillWriter};
use crate::text::inert;

/// JPEG quality for photos converted from other formats: visually lossless.
const CONVERT_QUALITY: u8 = 92;

/// Why a photo that could have gone into the package did not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCode {
    /// A curator rejected it on the review page.
    CuratorRejected,
    /// A curator chose another copy of its group as the keeper.
    CuratorKeeper,
    /// A curator accepted it, but it still has errors the unit must fix.
    AcceptedWithErrors,
    /// Another package already holds it.
    AlreadyPackaged,
    /// Its source changed (or vanished) since the run.
    SourceChanged,
    /// Its source could not be read, or converted to JPEG.
    Unreadable,
    /// A curator declared it a different photo from its group's keeper, so it is not a copy,
    /// but it has errors the unit must fix (the profile's checks, made as it is packaged).
    DistinctWithErrors,
}

impl SkipCode {
    /// Whether staff must act: the source changed or broke, or a curator's accept cannot be
    /// honoured. A curator's own choices and photos packaged before are not problems.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            SkipCode::SourceChanged
                | SkipCode::Unreadable
                | SkipCode::AcceptedWithErrors
                | SkipCode::DistinctWithErrors
        )
    }
}

/// A photo that could have been packaged but was not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The original path.
    pub original: String,
    /// Why, as a code.
    pub code: SkipCode,
    /// Why, for people.
    pub reason: String,
}

/// `manifest.json`: what `package` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageSummary {
    /// The packaged photos, in package order.
    pub entries: Vec<ManifestEntry>,
    /// Candidates left out, with reasons: curators' choices first, then in item order.
    pub skipped: Vec<Skipped>,
}

/// Characters Windows and zip tools refuse in file names, replaced with `_`.
fn safe_name_part(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    cleaned.trim().trim_matches('.').chars().take(50).collect()
}

/// What `package` did: how many photos it packaged, and the candidates it left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageOutcome {
    /// Photos packaged (the rows of the manifests).
    pub packaged: usize,
    /// The package's `External-Identifier`.
    pub identifier: String,
    /// The `External-Identifier` of the package made before it, when there was one.
    pub follows: Option<String>,
    /// The zipped parts' file names, in order (empty when not split).
    pub parts: Vec<String>,
    /// Candidates left out, with reasons, as `manifest.json` lists them.
    pub skipped: Vec<Skipped>,
}

impl PackageOutcome {
    /// Whether a left-out photo needs staff's attention (see [`SkipCode::is_problem`]).
    pub fn has_problems(&self) -> bool {
        self.skipped.iter().any(|s| s.code.is_problem())
    }
}

/// What `lightbox package` is told beyond the work folder and the target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageOptions {
    /// Write the package as zipped parts of at most this many bytes each (`--split-size`).
    pub split_size: Option<u64>,
    /// Overrides of the profile's `[package]` section: each non-empty value wins.
    pub info: PackageInfo,
}

/// Builds the package of `work` at `to`. The report's items wait on disk, and so do the
/// manifest's rows until they are written (anonymous files beside `to`, where the package needs
/// room anyway): what the package holds in memory per photo is its sort key and checksums.
/// `profile` is the run's: it checks the duplicates a curator declared different photos (the run
/// did not), and its `[package]` section fills `bag-info.txt`.
///
/// # Errors
/// When the report cannot be read, or the package cannot be written (the error names the path);
/// nothing is left half-written at `to`. When a photo a curator split from its group is to be
/// checked and `profile` is not the one the run used.
///
/// Progress: `copy` (a step per selected photo), then for each bag `summary` (a step per row of
/// its 汇总表) and `catalogue` (a step per photo of its 图录), and for each part `zip`.
pub fn package(
    work: &Path,
    to: &Path,
    decisions: Option<&Path>,
    profile: &Profile,
    lang: Lang,
    options: &PackageOptions,
    progress: &dyn Progress,
) -> anyhow::Result<PackageOutcome> {
    let report_path = work.join("report.json");
    if !report_path.exists() {
        return Err(crate::broken::Broken::NoReport {
            work: work.display().to_string(),
        }
        .into());
    }
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Somewhere to write, before anything is read: the package is made beside where it goes.
    if let Err(e) = fs::create_dir_all(parent).and_then(|()| tempfile::tempfile_in(parent)) {
        return Err(crate::broken::Broken::PackageNotWritable {
            to: to.display().to_string(),
            reason: e.to_string(),
        }
        .into());
    }
    let (report, items) =
        crate::report::read_spilled(&report_path, parent).doing(|| Step::Package {
            work: work.to_path_buf(),
            to: to.to_path_buf(),
        })?;
    // The run's date, not the clock's: the same work folder gives the same bag.
    let date = fs::metadata(&report_path)
        .and_then(|m| m.modified())
        .map(crate::output::date_of)
        .doing(|| Step::Read(report_path.to_path_buf()))?;
    let package_id = std::path::absolute(to)
        .doing(|| Step::Resolve(to.to_path_buf()))?
        .display()
        .to_string();
    let mut catalog = Catalog::open(&crate::report::catalog_path(work, &report.catalog))?;
    // A package killed before its end left its staging folder (or the old package, moved
    // aside) beside the target; the catalog's lock keeps other packages of this work out.
    output::remove_leftovers(parent, &[&format!(".{name}.staging-"), ".lightbox-old-"])
        .doing(|| Step::Tidy(parent.to_path_buf()))?;
    // Decisions from the review page are kept in the catalog: a later package (or a package
    // after a rerun) honours them without the file.
    if let Some(path) = decisions {
        catalog.record_decisions(&Decisions::load(path)?)?;
    }
    let decisions = catalog.decisions()?;
    let follows = catalog.previous_package(&package_id)?;
    // Photos another package already holds are never packaged twice.
    let mut elsewhere = |content: &ContentHash| -> anyhow::Result<Option<Packaged>> {
        let held = catalog.packaged(content)?;
        Ok(held.into_iter().find(|p| p.package != package_id))
    };
    let (selected, skipped) = select(&report, &items, &decisions, profile, &mut elsewhere, lang)?;
    let staging = output::staging_dir(to).doing(|| Step::Stage(to.to_path_buf()))?;
    let data = staging.path().join("data");
    let (entries, skipped) = build(&items, selected, skipped, &data, parent, lang, progress)
        .doing(|| Step::WritePackage(to.to_path_buf()))?;
    let identifier = identifier(&profile.name, &date, &entries)?;
    let info = base_info(profile, options, &date, &identifier, follows.as_deref());
    let bag = BagPlan {
        book: crate::package::book::BookInfo {
            title: match options.info.title.trim() {
                "" => profile.book_title().to_string(),
                title => title.to_string(),
            },
            source_organization: info.get("Source-Organization").unwrap_or("").to_string(),
            date: date.clone(),
            part: None,
            lang,
        },
        info,
        date,
        identifier: identifier.clone(),
        derived: crate::photo::DerivedDirs::in_work(work),
        lang,
    };
    let parts = match options.split_size {
        None => {
            bag.write(
                staging.path(),
                &entries,
                0..entries.len(),
                &skipped,
                None,
                progress,
            )
            .doing(|| Step::WritePackage(to.to_path_buf()))?;
            Vec::new()
        }
        Some(limit) => bag
            .write_parts(staging.path(), &name, &entries, &skipped, limit, progress)
            .doing(|| Step::WriteParts(to.to_path_buf()))?,
    };
    output::replace_dir(staging, to).doing(|| Step::Place(to.to_path_buf()))?;
    let held = entries.iter().filter_map(|e| match e {
        Ok(e) => ContentHash::from_hex(&e.content).map(|c| Ok((c, e.file, e.unit, e.original))),
        Err(e) => Some(Err(e)),
    });
    catalog.record_package(&package_id, &identifier, held)?;
    Ok(PackageOutcome {
        packaged: entries.len(),
        identifier,
        follows,
        parts,
        skipped,
    })
}

/// Writes the reading copies into a bag's `data/`: the 汇总表 ([`crate::package::book::SUMMARY_NAME`],
/// one row per photo, its `文件名` the photo's path below `data/`) and the 图录
/// ([`crate::package::book::CATALOGUE_NAME`]), after its photos and manifest table and before its
/// checksums, so the bag's manifests cover them. `own` are the positions in `entries` of the
/// photos this bag holds; `listed` those the 汇总表 lists: the same, except in part 1 of several,
/// which lists (and counts) the whole collection; the other parts count the whole package in
/// their 统计 below their own photos. The 图录 shows the bag's own photos. The rows are read back
/// into memory for them (a few hundred bytes a photo), the pictures one at a time from
/// `previews`. Progress: the stages `summary` and `catalogue`, a step per photo.
///
/// # Errors
/// When a row cannot be read back or a reading copy cannot be written.
pub fn write_reading_copies(
    data: &Path,
    entries: &Spill<ManifestEntry>,
    own: Range<usize>,
    listed: Range<usize>,
    book: &crate::package::book::BookInfo,
    previews: &dyn crate::package::book::Previews,
    progress: &dyn Progress,
) -> anyhow::Result<()> {
    // Every row of the package, read back once (a few hundred bytes a photo): this bag's own
    // are a slice of them, and so are the rows its 汇总表 lists.
    let all = entries
        .iter()
        .collect::<std::io::Result<Vec<_>>>()
        .doing(|| Step::ReadBack)?;
    let rows = &all[own.clone()];
    // A part that lists only its own photos counts the whole package too, below its own.
    let whole = (listed != (0..all.len())).then_some(&all[..]);
    let counted = Counted { previews, progress };
    progress.stage("summary", listed.len() as u64);
    crate::package::book::write_summary(
        &data.join(crate::package::book::SUMMARY_NAME),
        &all[listed],
        whole,
        book,
        &counted,
    )?;
    progress.finish();
    progress.stage("catalogue", rows.len() as u64);
    crate::package::book::write_catalogue(
        &data.join(crate::package::book::CATALOGUE_NAME),
        rows,
        book,
        &counted,
    )?;
    progress.finish();
    Ok(())
}

/// Previews that count each answer as a step: the 汇总表 asks for each of its photos' thumbnail
/// once, the 图录 for each of its photos' preview once, and the pictures are what takes their
/// time.
struct Counted<'a> {
    previews: &'a dyn crate::package::book::Previews,
    progress: &'a dyn Progress,
}

impl crate::package::book::Previews for Counted<'_> {
    fn thumbnail(&self, entry: &ManifestEntry) -> Option<Vec<u8>> {
        let bytes = self.previews.thumbnail(entry);
        self.progress.advance(1);
        bytes
    }

    fn preview(&self, entry: &ManifestEntry) -> Option<Vec<u8>> {
        let bytes = self.previews.preview(entry);
        self.progress.advance(1);
        bytes
    }
}

/// Orders the selected photos and gives each its package name.
fn plan(mut selected: Vec<Chosen>) -> Vec<(Chosen, String)> {
    selected.sort_by(|a, b| a.key.cmp(&b.key));
    let mut counters: BTreeMap<(i32, String, String), u32> = BTreeMap::new();
    selected
        .into_iter()
        .map(|chosen| {
            let (year, place, event, _) = &chosen.key;
            let n = counters
                .entry((*year, place.clone(), event.clone()))
                .or_default();
            *n += 1;
            let name = format!("{year}/{year}+{place}+{event}+{n:02}.jpg");
            (chosen, name)
        })
        .collect()
}

fn place_name(item: &ItemReport) -> String {
    item.tags
        .place
        .as_ref()
        .map(|p| safe_name_part(p.value.prefecture().unwrap_or(&p.value.value)))
        .unwrap_or_default()
}

/// Copies (or converts) each selected photo into `dir` under its package name. Returns the manifest's rows (on disk, a spill in `spill_dir`) and
/// the candidates left out.
fn build(
    items: &Spill<ItemReport>,
    selected: Vec<Chosen>,
    mut skipped: Vec<Skipped>,
    dir: &Path,
    spill_dir: &Path,
    lang: Lang,
    progress: &dyn Progress,
) -> anyhow::Result<(Spill<ManifestEntry>, Vec<Skipped>)> {
    let mut entries =
        SpillWriter::create(spill_dir).doing(|| Step::TempFile(spill_dir.to_path_buf()))?;
    progress.stage("copy", selected.len() as u64);
    for (chosen, name) in plan(selected) {
        let item = chosen.item(items).doing(|| Step::ReadBack)?;
        match copy_one(&item, &name, dir, lang)? {
            Ok(entry) => {
                entries.push(&entry)?;
            }
            Err(left_out) => skipped.extend(left_out),
        }
        progress.advance(1);
    }
    progress.finish();
    let entries = entries.finish()?;
    Ok((entries, skipped))
}

/// Copies one selected photo into the package as `name` (below `dir`), converted to JPEG when
/// it is not one: its manifest row, or why it was left out (`None`: not a photo at all).
///
/// # Errors
/// When the package cannot be written.
fn copy_one(
    item: &ItemReport,
    name: &str,
    dir: &Path,
    lang: Lang,
) -> anyhow::Result<Result<ManifestEntry, Option<Skipped>>> {
    let Some(photo) = &item.photo else {
        return Ok(Err(None));
    };
    let source = Source {
        unit: item.unit.clone(),
        path: item.path.clone(),
        folders: Vec::new(),
        file_name: String::new(),
        location: item.location.clone(),
        size: item.size,
        modified: None,
    };
    let left_out = |code, reason| {
        Ok(Err(Some(Skipped {
            original: item.path.clone(),
            code,
            reason,
        })))
    };
    let original = match reading::read(&source, u64::MAX / 2) {
        Ok(bytes) if ContentHash::of(&bytes) == photo.content => bytes,
        Ok(_) => {
            let reason = messages::left_out(&LeftOut::SourceChanged, lang);
            return left_out(SkipCode::SourceChanged, reason);
        }
        Err(e) => return left_out(SkipCode::SourceChanged, e),
    };
    let (bytes, converted_from) = if photo.format == Format::Jpeg {
        (original, String::new())
    } else {
        match convert_to_jpeg(&original, photo.format, photo.exif.orientation) {
            Ok(jpeg) => (jpeg, photo.format.name().to_string()),
            Err(e) => return left_out(SkipCode::Unreadable, e),
        }
    };
    let target: PathBuf = dir.join(name);
    fs::create_dir_all(target.parent().expect("package names have a year folder"))
        .doing(|| Step::Create(target.to_path_buf()))?;
    fs::write(&target, &bytes).doing(|| Step::Write(target.to_path_buf()))?;
    Ok(Ok(entry(item, name, &bytes, converted_from)))
}

/// A photo of another format as the JPEG the package holds: decoded whole by the decoder that
/// inspected it (every TIFF, HEIC, AVIF and JPEG XL it read, not only what `image` reads), turned
/// upright (a JPEG made here carries no orientation tag), encoded at [`CONVERT_QUALITY`].
fn convert_to_jpeg(
    bytes: &[u8],
    format: Format,
    orientation: Option<u16>,
) -> Result<Vec<u8>, String> {
    use crate::imaging::decode::DecodeError;
    // The photo passed the profile's pixel bound when it was inspected.
    let decoded = crate::imaging::decode::decode(bytes, format, orientation, u32::MAX, u64::MAX)
        .map_err(|e| match e {
            DecodeError::Failed(reason) => reason,
            other => format!("{other:?}"),
        })?;
    crate::imaging::encode_jpeg(&decoded.pixels, CONVERT_QUALITY).map_err(|e| e.to_string())
}

fn entry(item: &ItemReport, file: &str, bytes: &[u8], converted_from: String) -> ManifestEntry {
    let t = &item.tags;
    let text = |v: &Option<crate::photo::Tagged<String>>| {
        v.as_ref().map(|t| t.value.clone()).unwrap_or_default()
    };
    let county = match t.place.as_ref().and_then(|p| p.value.resolved.clone()) {
        Some(crate::profile::PlaceMatch::Prefecture {
            county: Some(c), ..
        }) => c,
        _ => String::new(),
    };
    let mut sources = Vec::new();
    if let Some(v) = &t.year {
        sources.push(format!("year={}", v.source.label()));
    }
    if let Some(v) = &t.place {
        sources.push(format!("place={}", v.source.label()));
    }
    for (name, v) in [
        ("event", &t.event),
        ("caption", &t.caption),
        ("photographer", &t.photographer),
        ("unit", &t.unit),
    ] {
        if let Some(v) = v {
            sources.push(format!("{name}={}", v.source.label()));
        }
    }
    let photo = item.photo.as_ref().expect("packaged items are photos");
    // Both checksums in one pass over the bytes in memory.
    let digests = bag::Digests::of(bytes);
    ManifestEntry {
        file: file.to_string(),
        year: t.year.as_ref().map(|y| y.value).unwrap_or_default(),
        place: place_name(item),
        county,
        event: text(&t.event),
        caption: text(&t.caption),
        photographer: text(&t.photographer),
        unit: text(&t.unit),
        original: item.path.clone(),
        width: photo.width,
        height: photo.height,
        bytes: bytes.len() as u64,
        converted_from,
        sha256: digests.sha256,
        sha512: digests.sha512,
        content: photo.content.to_hex(),
        sources: sources.join("; "),
    }
}

/// Writes `manifest.csv`: UTF-8 with a BOM, CRLF, one row per packaged photo, each read as it
/// is written. Every cell of text from the unit or its files (name, place, county, event,
/// caption, photographer, unit, original path, sources) goes through [`inert`], so a leading
/// `=`, `+`, `-`, `@`, tab or CR gets a `'`; the numbers, format name and hashes are the tool's
/// own and are written as they are. `manifest.json` keeps the original values.
///
/// # Errors
/// When `out` cannot be written, or a row cannot be read.
pub fn write_manifest_csv<I>(out: &mut dyn Write, entries: I, lang: Lang) -> anyhow::Result<()>
where
    I: Iterator<Item = std::io::Result<ManifestEntry>>,
{
    let header = messages::manifest_header(lang);
    let mut writer = crate::report::excel_csv(out, &header)?;
    for e in entries {
        let e = e?;
        let (year, width, height, bytes) = (
            e.year.to_string(),
            e.width.to_string(),
            e.height.to_string(),
            e.bytes.to_string(),
        );
        let row = [
            inert(&e.file),
            year.as_str().into(),
            inert(&e.place),
            inert(&e.county),
            inert(&e.event),
            inert(&e.caption),
            inert(&e.photographer),
            inert(&e.unit),
            inert(&e.original),
            width.as_str().into(),
            height.as_str().into(),
            bytes.as_str().into(),
            e.converted_from.as_str().into(),
            e.sha256.as_str().into(),
            e.content.as_str().into(),
            inert(&e.sources),
        ];
        writer.write_record(row.iter().map(|cell| cell.as_bytes()))?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every format inspection reads goes into the package as an upright JPEG of the whole
    /// picture, like what vipsthumbnail made of it (the fixtures' references, made upright):
    /// not only the formats `image` reads (it lost JPEG-compressed TIFF and JPEG XL).
    #[test]
    fn every_format_that_decodes_converts_upright_to_jpeg() {
        use crate::imaging::decode::{Sniffed, sniff};
        let formats = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats");
        let mut files: Vec<PathBuf> = fs::read_dir(&formats)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        let mut converted = 0;
        let mut failures = Vec::new();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = fs::read(&path).unwrap();
            let Sniffed::Image(format) = sniff(&bytes) else {
                panic!("{name} is not an image");
            };
            let heif = matches!(format, Format::Heic);
            if format == Format::Jpeg || (heif && !cfg!(feature = "heif")) {
                continue;
            }
            let orientation = crate::inspect::metadata::exif(&bytes).and_then(|e| e.orientation);
            let jpeg = match convert_to_jpeg(&bytes, format, orientation) {
                Ok(jpeg) => jpeg,
                Err(e) => {
                    failures.push(format!("{name}: {e}"));
                    continue;
                }
            };
            let made = image::load_from_memory(&jpeg).unwrap().into_rgb8();
            let stem = name.rsplit_once('.').unwrap().0;
            let reference = image::open(formats.join("reference").join(format!("{stem}.png")))
                .unwrap()
                .into_rgb8();
            if made.dimensions() != reference.dimensions() {
                failures.push(format!(
                    "{name}: {:?}, upright {:?}",
                    made.dimensions(),
                    reference.dimensions()
                ));
                continue;
            }
            let diff = made
                .as_raw()
                .iter()
                .zip(reference.as_raw())
                .map(|(a, b)| f64::from(a.abs_diff(*b)))
                .sum::<f64>()
                / made.as_raw().len() as f64;
            if diff >= 8.0 {
                failures.push(format!("{name}: differs from vipsthumbnail by {diff:.2}"));
            }
            converted += 1;
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(converted >= 30, "{converted} converted");
    }

    #[test]
    fn names_are_safe_for_windows() {
        assert_eq!(safe_name_part("科普/进校园:第1期?"), "科普_进校园_第1期_");
        assert_eq!(safe_name_part("  ..x.. "), "x");
    }
}

//! Package: the accepted photos for CAST, renamed `年份+地州市+活动名称+序号.jpg` in year
//! folders, with manifests Excel opens correctly and checksums a receiver can verify.
//!
//! In: a work folder's `report.json` and the original sources it names. Out: the package folder:
//! `<year>/<name>.jpg`, `manifest.csv` (UTF-8 with BOM), `manifest.json`, `sha256sums.txt`.
//! A duplicate a curator declared a different photo from its group's keeper ("not the same
//! photo" on the review page) is not a copy: it goes in on its own when the profile's checks,
//! which a duplicate never went through, find no error.
//! Invariants: built in a staging folder beside the target and renamed into place at the end,
//! so the target is either the old package or the whole new one; a source whose bytes changed
//! since the run is left out with a reason, never packaged unchecked; the same report and sources
//! give byte-identical manifests; the report's items and the manifest's rows wait on disk, so
//! memory holds a sort key per packaged photo, not its record, until the rows are read back
//! whole for the 汇总表 and 图录 (src/book: a row and a catalogue picture per photo).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, Packaged};
use crate::ingest;
use crate::lang::Lang;
use crate::output;
use crate::photo::{Check, ContentHash, Format, Severity, Source, Status};
use crate::profile::Profile;
use crate::report::{ItemReport, Report};
use crate::review::{self, Decisions, Verdict};
use crate::spill::{Spill, SpillWriter};
use crate::text::inert;

/// JPEG quality for photos converted from other formats: visually lossless.
const CONVERT_QUALITY: u8 = 92;

/// What was being done when an item waiting on disk could not be read back.
const READ_BACK: &str = "reading the report's items back";

/// One packaged photo, as the manifests list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path inside the package, e.g. `2015/2015+克拉玛依市+科普进校园+01.jpg`.
    pub file: String,
    /// 年份.
    pub year: i32,
    /// 地州市 (full name).
    pub place: String,
    /// The county or district, when the source named one.
    pub county: String,
    /// 活动名称.
    pub event: String,
    /// 图片说明.
    pub caption: String,
    /// 摄影者.
    pub photographer: String,
    /// 报送单位.
    pub unit: String,
    /// The original path in the drop.
    pub original: String,
    /// Width and height in pixels, as stored.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bytes of the packaged file.
    pub bytes: u64,
    /// Converted from another format (empty when the original JPEG is copied unchanged).
    pub converted_from: String,
    /// SHA-256 of the packaged file.
    pub sha256: String,
    /// blake3 of the original (the catalog's content id).
    pub content: String,
    /// Where each value came from, e.g. `year=file name; caption=汇总表.csv#3`.
    pub sources: String,
}

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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `package` did: how many photos it packaged, and the candidates it left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageOutcome {
    /// Photos packaged (the rows of the manifests).
    pub packaged: usize,
    /// Candidates left out, with reasons, as `manifest.json` lists them.
    pub skipped: Vec<Skipped>,
}

impl PackageOutcome {
    /// Whether a left-out photo needs staff's attention (see [`SkipCode::is_problem`]).
    pub fn has_problems(&self) -> bool {
        self.skipped.iter().any(|s| s.code.is_problem())
    }
}

/// Builds the package of `work` at `to`. The report's items wait on disk, and so do the
/// manifest's rows until they are written (anonymous files beside `to`, where the package needs
/// room anyway): what the package holds in memory per photo is its sort key. `profile` is the
/// run's: it checks the duplicates a curator declared different photos (the run did not).
///
/// # Errors
/// When the report cannot be read, or the package cannot be written (the error names the path);
/// nothing is left half-written at `to`. When a photo a curator split from its group is to be
/// checked and `profile` is not the one the run used.
pub fn package(
    work: &Path,
    to: &Path,
    decisions: Option<&Path>,
    profile: &Profile,
    lang: Lang,
) -> anyhow::Result<PackageOutcome> {
    let report_path = work.join("report.json");
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (report, items) = crate::report::read_spilled(&report_path, parent).with_context(|| {
        format!(
            "packaging {} at {} (`lightbox run` makes the report)",
            work.display(),
            to.display()
        )
    })?;
    let package_id = std::path::absolute(to)
        .with_context(|| format!("resolving {}", to.display()))?
        .display()
        .to_string();
    let mut catalog = Catalog::open(&crate::report::catalog_path(work, &report.catalog))?;
    // A package killed before its end left its staging folder (or the old package, moved
    // aside) beside the target; the catalog's lock keeps other packages of this work out.
    output::remove_leftovers(parent, &[&format!(".{name}.staging-"), ".lightbox-old-"])
        .with_context(|| {
            format!(
                "cleaning up after an interrupted package in {}",
                parent.display()
            )
        })?;
    // Decisions from the review page are kept in the catalog: a later package (or a package
    // after a rerun) honours them without the file.
    if let Some(path) = decisions {
        catalog.record_decisions(&Decisions::load(path)?)?;
    }
    let decisions = catalog.decisions()?;
    // Photos another package already holds are never packaged twice.
    let mut elsewhere = |content: &ContentHash| -> anyhow::Result<Option<Packaged>> {
        let held = catalog.packaged(content)?;
        Ok(held.into_iter().find(|p| p.package != package_id))
    };
    let (selected, skipped) = select(&report, &items, &decisions, profile, &mut elsewhere, lang)?;
    let staging = output::staging_dir(to)
        .with_context(|| format!("creating a staging folder beside {}", to.display()))?;
    let (entries, skipped) = build(&items, selected, skipped, staging.path(), parent, lang)
        .with_context(|| format!("writing the package at {}", to.display()))?;
    // What people read: 汇总表.xlsx and 图录.pdf, from the rows (held in memory for them, a few
    // hundred bytes a photo) and the work folder's derived images.
    let rows = entries
        .iter()
        .collect::<std::io::Result<Vec<_>>>()
        .context("reading the manifest's rows back")?;
    let info = crate::book::BookInfo {
        title: profile.book_title().to_string(),
        source_organization: String::new(),
        date: crate::pipeline::today(),
        part: None,
        lang,
    };
    let derived = crate::inspect::DerivedDirs::in_work(work);
    crate::book::write_both(staging.path(), &rows, None, &info, &derived)?;
    output::replace_dir(staging, to)
        .with_context(|| format!("moving the package into place at {}", to.display()))?;
    let held = entries.iter().filter_map(|e| match e {
        Ok(e) => ContentHash::from_hex(&e.content).map(|c| Ok((c, e.file, e.unit, e.original))),
        Err(e) => Some(Err(e)),
    });
    catalog.record_package(&package_id, held)?;
    Ok(PackageOutcome {
        packaged: entries.len(),
        skipped,
    })
}

/// A photo going into the package: its item, the item whose tags fill its gaps (a curator's
/// keeper takes the automatic keeper's), and its place in the package's order.
struct Chosen {
    /// (year, place, event, index): the package's order, and its names' parts.
    key: (i32, String, String, usize),
    /// The item's position in the report.
    position: usize,
    /// The position of the item whose tags fill this one's gaps.
    fill_from: Option<usize>,
}

impl Chosen {
    fn of(item: &ItemReport, position: usize, fill_from: Option<usize>) -> Chosen {
        let t = &item.tags;
        Chosen {
            key: (
                t.year.as_ref().map(|y| y.value).unwrap_or_default(),
                place_name(item),
                t.event
                    .as_ref()
                    .map(|e| safe_name_part(&e.value))
                    .unwrap_or_default(),
                item.index,
            ),
            position,
            fill_from,
        }
    }

    /// The item as packaged: read back, with the gaps in its tags filled.
    fn item(&self, items: &Spill<ItemReport>) -> std::io::Result<ItemReport> {
        let mut item = items.get(self.position)?;
        if let Some(from) = self.fill_from {
            item.tags.fill_from(&items.get(from)?.tags);
        }
        Ok(item)
    }
}

/// Decides what goes in: accepted photos, less those a curator rejected and those another
/// package holds; a curator's keeper replaces the automatic one of its group (taking the
/// automatic keeper's tags where it lacks its own); a duplicate a curator declared a different
/// photo from its group's keeper, and from the group's other photos so declared, goes in on its
/// own when `profile`'s checks find no error. Every candidate left out is returned with its
/// reason. The items are read back one at a time (a group's members together, only when a
/// curator chose a keeper or split a photo from its group). `elsewhere` tells which other
/// package holds a content.
///
/// # Errors
/// When an item cannot be read back, or `elsewhere` fails; when a split photo is to be checked
/// and `profile` is not the run's.
fn select(
    report: &Report,
    items: &Spill<ItemReport>,
    decisions: &Decisions,
    profile: &Profile,
    elsewhere: &mut dyn FnMut(&ContentHash) -> anyhow::Result<Option<Packaged>>,
    lang: Lang,
) -> anyhow::Result<(Vec<Chosen>, Vec<Skipped>)> {
    let zh = lang == Lang::Zh;
    let mut skipped = Vec::new();
    let mut skip = |item: &ItemReport, code: SkipCode, reason: String| {
        skipped.push(Skipped {
            original: item.path.clone(),
            code,
            reason,
        });
    };
    let has_errors = |item: &ItemReport| {
        item.findings
            .iter()
            .any(|f| f.finding.severity == Severity::Error)
    };
    let distinct: BTreeSet<(&str, &str)> = decisions
        .distinct
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str()))
        .collect();
    let is_distinct = |x: &ItemReport, y: &ItemReport| {
        let (x, y) = (review::content_key(x), review::content_key(y));
        let (a, b) = if x <= y { (x, y) } else { (y, x) };
        a != b && distinct.contains(&(a.as_str(), b.as_str()))
    };
    // Keeper overrides: automatic keeper → the curator's, when the automatic keeper would go in
    // and the curator's choice can. The curator's choice is found by path first (identical
    // copies share their content), then by content (the copy moved or was renamed since the
    // page was made).
    let mut overrides: BTreeMap<usize, usize> = BTreeMap::new();
    // Duplicates declared different photos from their group's keeper (the curator's, when it
    // replaces the automatic one) and from each other so declared, by item index.
    let mut split: BTreeSet<usize> = BTreeSet::new();
    // Without a curator's keeper or a split photo nothing is overridden or split, and no group's
    // members are read.
    let groups = match decisions.keepers.is_empty() && decisions.distinct.is_empty() {
        true => &[][..],
        false => &report.duplicate_groups[..],
    };
    for group in groups {
        let Some(auto) = group.keeper else { continue };
        let mut members = BTreeMap::new();
        for &m in &group.members {
            if let Some(position) = m.checked_sub(1).filter(|&p| p < items.len()) {
                members.insert(m, items.get(position).context(READ_BACK)?);
            }
        }
        let by_index = |index: usize| members.get(&index);
        let Some(auto_item) = by_index(auto) else {
            continue;
        };
        let others = || group.members.iter().copied().filter(|&m| m != auto);
        let by_path = others().find(|&m| {
            by_index(m).is_some_and(|i| decisions.keepers.iter().any(|k| k.path == i.path))
        });
        let auto_key = review::content_key(auto_item);
        let by_content = || {
            others().find(|&m| {
                by_index(m).is_some_and(|i| {
                    let key = review::content_key(i);
                    key != auto_key && decisions.keepers.iter().any(|k| k.content == key)
                })
            })
        };
        let auto_chosen = decisions.keepers.iter().any(|k| k.path == auto_item.path);
        let chosen = match auto_chosen {
            true => None,
            false => by_path.or_else(by_content),
        };
        // A chosen copy that can replace the keeper: not one the curator declared a different
        // photo from it (that one is no copy: it goes in on its own, below), nor rejected, nor
        // with errors; and the automatic keeper would have gone in.
        let replaces = |m: &usize| {
            by_index(*m).is_some_and(|c| {
                auto_item.status == Status::Accepted
                    && !is_distinct(c, auto_item)
                    && !has_errors(c)
                    && decisions.verdict(&review::content_key(c)) != Some(Verdict::Reject)
            })
        };
        let keeper = match chosen.filter(replaces) {
            Some(chosen) => {
                overrides.insert(auto, chosen);
                chosen
            }
            None => auto,
        };
        // The photos of the group: the keeper's, then each duplicate declared a different photo
        // from every photo found so far (the curator's choice first, then in path order); any
        // other duplicate is a copy of one of them. Whether a photo then goes in (its verdict,
        // its errors) does not change which photos its copies are.
        let Some(keeper_item) = by_index(keeper) else {
            continue;
        };
        let mut photos = vec![keeper_item];
        let order = chosen
            .into_iter()
            .chain(group.members.iter().copied())
            .filter(|&m| m != keeper && m != auto);
        for m in order {
            let Some(item) = by_index(m) else { continue };
            if item.status == Status::Duplicate
                && !split.contains(&m)
                && photos.iter().all(|p| is_distinct(item, p))
            {
                split.insert(m);
                photos.push(item);
            }
        }
    }
    let mut selected = Vec::new();
    for (position, item) in items.iter().enumerate() {
        let item = item.context(READ_BACK)?;
        let key = review::content_key(&item);
        let verdict = decisions.verdict(&key);
        let is_split = item.status == Status::Duplicate && split.contains(&item.index);
        if is_split && verdict != Some(Verdict::Reject) {
            let errors = split_errors(&item, report, profile, lang)?;
            if !errors.is_empty() {
                skip(
                    &item,
                    SkipCode::DistinctWithErrors,
                    if zh {
                        format!(
                            "审核人认定不是同一张照片，但仍有错误未解决，请单位补齐：{}",
                            errors.join("；")
                        )
                    } else {
                        format!(
                            "the curator declared it a different photo, but errors remain for the unit to fix: {}",
                            errors.join("; ")
                        )
                    },
                );
                continue;
            }
        }
        let candidate = item.status == Status::Accepted || is_split;
        if let Some(&chosen) = overrides.get(&item.index) {
            let mut replacement = items.get(chosen - 1).context(READ_BACK)?;
            replacement.tags.fill_from(&item.tags);
            skip(
                &item,
                SkipCode::CuratorKeeper,
                if zh {
                    format!("审核人改为保留 {}", replacement.path)
                } else {
                    format!("the curator kept {} instead", replacement.path)
                },
            );
            selected.push(Chosen::of(&replacement, chosen - 1, Some(position)));
            continue;
        }
        if !candidate {
            if verdict == Some(Verdict::Accept) && item.status != Status::Duplicate {
                skip(
                    &item,
                    SkipCode::AcceptedWithErrors,
                    if zh {
                        "审核人采用，但仍有错误未解决，请单位补齐".into()
                    } else {
                        "accepted by the curator, but errors remain for the unit to fix".into()
                    },
                );
            }
            continue;
        }
        if verdict == Some(Verdict::Reject) {
            skip(
                &item,
                SkipCode::CuratorRejected,
                if zh {
                    "审核人不采用".into()
                } else {
                    "rejected by the curator".into()
                },
            );
            continue;
        }
        let held = match &item.photo {
            Some(photo) => elsewhere(&photo.content)?,
            None => None,
        };
        if let Some(held) = held {
            let check = Check::AlreadyPackaged {
                file: held.file,
                package: held.package,
                unit: held.unit,
            };
            skip(&item, SkipCode::AlreadyPackaged, check.message(lang));
            continue;
        }
        selected.push(Chosen::of(&item, position, None));
    }
    Ok((selected, skipped))
}

/// The errors of a duplicate a curator split from its group, as messages: its own (inspection)
/// and those the profile's checks find now (the run does not check a duplicate against the
/// profile), each once.
///
/// # Errors
/// When `profile` is not the one the run used (by name): its checks would not be the run's.
fn split_errors(
    item: &ItemReport,
    report: &Report,
    profile: &Profile,
    lang: Lang,
) -> anyhow::Result<Vec<String>> {
    anyhow::ensure!(
        profile.name == report.profile,
        "{} was declared a different photo from its group by a curator, so lightbox package \
         checks it with the run's profile; the run used {}, lightbox package was given {}: pass \
         lightbox package the run's --profile",
        item.path,
        report.profile,
        profile.name
    );
    let mut messages: Vec<String> = Vec::new();
    let mut add = |message: String| {
        if !messages.contains(&message) {
            messages.push(message);
        }
    };
    for f in &item.findings {
        if f.finding.severity == Severity::Error {
            add(f.finding.check.message(lang));
        }
    }
    if let Some(photo) = &item.photo {
        let mut found = crate::validate::file(photo, profile);
        if photo.decoded {
            found.extend(crate::validate::tags(&item.tags, profile));
        }
        for f in found {
            if f.severity == Severity::Error {
                add(f.check.message(lang));
            }
        }
    }
    Ok(messages)
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

/// Copies (or converts) each selected photo into `dir` under its package name, then writes the
/// manifests and checksums. Returns the manifest's rows (on disk, a spill in `spill_dir`) and
/// the candidates left out.
fn build(
    items: &Spill<ItemReport>,
    selected: Vec<Chosen>,
    mut skipped: Vec<Skipped>,
    dir: &Path,
    spill_dir: &Path,
    lang: Lang,
) -> anyhow::Result<(Spill<ManifestEntry>, Vec<Skipped>)> {
    let mut entries = SpillWriter::create(spill_dir)
        .with_context(|| format!("making a temporary file in {}", spill_dir.display()))?;
    for (chosen, name) in plan(selected) {
        let item = chosen.item(items).context(READ_BACK)?;
        let Some(photo) = &item.photo else { continue };
        let source = Source {
            unit: item.unit.clone(),
            path: item.path.clone(),
            folders: Vec::new(),
            file_name: String::new(),
            location: item.location.clone(),
            size: item.size,
            modified: None,
        };
        let original = match ingest::read(&source, u64::MAX / 2) {
            Ok(bytes) if ContentHash::of(&bytes) == photo.content => bytes,
            Ok(_) => {
                skipped.push(Skipped {
                    original: item.path.clone(),
                    code: SkipCode::SourceChanged,
                    reason: changed_reason(lang),
                });
                continue;
            }
            Err(e) => {
                skipped.push(Skipped {
                    original: item.path.clone(),
                    code: SkipCode::SourceChanged,
                    reason: e,
                });
                continue;
            }
        };
        let (bytes, converted_from) = if photo.format == Format::Jpeg {
            (original, String::new())
        } else {
            match convert_to_jpeg(&original) {
                Ok(jpeg) => (jpeg, photo.format.name().to_string()),
                Err(e) => {
                    skipped.push(Skipped {
                        original: item.path.clone(),
                        code: SkipCode::Unreadable,
                        reason: e,
                    });
                    continue;
                }
            }
        };
        let target: PathBuf = dir.join(&name);
        fs::create_dir_all(target.parent().expect("package names have a year folder"))
            .with_context(|| format!("creating {}", target.display()))?;
        fs::write(&target, &bytes).with_context(|| format!("writing {}", target.display()))?;
        entries.push(&entry(&item, &name, &bytes, converted_from))?;
    }
    let entries = entries.finish()?;
    let create = |name: &str| -> anyhow::Result<BufWriter<fs::File>> {
        let file = fs::File::create(dir.join(name)).with_context(|| format!("writing {name}"))?;
        Ok(BufWriter::new(file))
    };
    let mut csv = create("manifest.csv")?;
    write_manifest_csv(&mut csv, entries.iter(), lang).context("writing manifest.csv")?;
    csv.into_inner()
        .map_err(|e| e.into_error())
        .context("writing manifest.csv")?;
    let mut json = create("manifest.json")?;
    let view = ManifestView {
        entries: crate::report::Streamed::new(entries.iter()),
        skipped: &skipped,
    };
    serde_json::to_writer_pretty(&mut json, &view).context("writing manifest.json")?;
    drop(view);
    json.write_all(b"\n")
        .and_then(|()| json.flush())
        .context("writing manifest.json")?;
    let mut sums = create("sha256sums.txt")?;
    for e in entries.iter() {
        let e = e.context("reading the manifest's rows back")?;
        writeln!(sums, "{}  {}", e.sha256, e.file).context("writing sha256sums.txt")?;
    }
    sums.flush().context("writing sha256sums.txt")?;
    Ok((entries, skipped))
}

/// `manifest.json` as written: [`PackageSummary`]'s fields, the rows streamed.
#[derive(Serialize)]
#[serde(bound(serialize = "crate::report::Streamed<I>: Serialize"))]
struct ManifestView<'a, I> {
    entries: crate::report::Streamed<I>,
    skipped: &'a [Skipped],
}

fn changed_reason(lang: Lang) -> String {
    match lang {
        Lang::Zh => "原文件在运行后已改变，请重新运行 lightbox run".into(),
        Lang::En => "the source changed since the run: rerun lightbox run".into(),
    }
}

fn convert_to_jpeg(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let image = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
    crate::inspect::encode_jpeg(&image.into_rgb8(), CONVERT_QUALITY).map_err(|e| e.to_string())
}

fn entry(item: &ItemReport, file: &str, bytes: &[u8], converted_from: String) -> ManifestEntry {
    let t = &item.tags;
    let text = |v: &Option<crate::tags::Tagged<String>>| {
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
        sha256: hex(&Sha256::digest(bytes)),
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
    let header: [&str; 16] = match lang {
        Lang::Zh => [
            "文件名",
            "年份",
            "地州市",
            "区县",
            "活动名称",
            "图片说明",
            "摄影者",
            "报送单位",
            "原文件名",
            "宽",
            "高",
            "字节",
            "格式转换",
            "SHA-256",
            "内容哈希(BLAKE3)",
            "信息来源",
        ],
        Lang::En => [
            "file",
            "year",
            "place",
            "county",
            "event",
            "caption",
            "photographer",
            "unit",
            "original",
            "width",
            "height",
            "bytes",
            "converted_from",
            "sha256",
            "content_blake3",
            "sources",
        ],
    };
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
    use crate::dedupe::{Group, GroupKind, KeepReason};
    use crate::photo::Finding;
    use crate::report::ReportedFinding;
    use crate::review::{Decision, DistinctPair, Keeper};
    use serde_json::json;

    #[test]
    fn names_are_safe_for_windows() {
        assert_eq!(safe_name_part("科普/进校园:第1期?"), "科普_进校园_第1期_");
        assert_eq!(safe_name_part("  ..x.. "), "x");
    }

    /// A photo of the report: `bytes` its content (all 32 bytes of its hash), `complete` whether
    /// it has every tag the embedded profile requires (else no caption and no photographer).
    fn photo_item(index: usize, bytes: u8, status: Status, complete: bool) -> ItemReport {
        let source = json!({"from": "file_name"});
        let mut tags = json!({
            "year": {"value": 2015, "source": source},
            "place": {"value": {"value": "克拉玛依市", "resolved": {"kind": "prefecture", "code": "6502", "name": "克拉玛依市"}}, "source": source},
            "event": {"value": "科普进校园", "source": source},
            "unit": {"value": "克拉玛依市科协", "source": {"from": "drop"}},
        });
        if complete {
            tags["caption"] = json!({"value": "克拉玛依市科协组织科技工作者走进校园，为学生讲解科学知识。", "source": source});
            tags["photographer"] = json!({"value": "王建国", "source": source});
        }
        let mut item: ItemReport = serde_json::from_value(json!({
            "index": index, "unit": "u", "path": format!("u/{index}.jpg"),
            "location": {"kind": "file", "path": format!("/d/u/{index}.jpg")},
            "size": 2_000_000, "status": status,
            "photo": {"content": ContentHash([bytes; 32]).to_hex(), "bytes": 2_000_000, "format": "jpeg",
                      "width": 4000, "height": 3000, "cmyk": false, "exif": {}, "decoded": true},
            "tags": tags, "findings": []
        }))
        .expect("an item");
        if status == Status::Duplicate {
            let check = Check::ExactDuplicate {
                keeper: "u/1.jpg".into(),
                reason: "more_pixels".into(),
            };
            item.findings
                .push(ReportedFinding::new(&Finding::info(check), Lang::Zh));
        }
        item
    }

    /// A report of `items` (statuses as given) with one duplicate group of them, kept by `keeper`.
    struct Case {
        report: Report,
        items: Spill<ItemReport>,
        _dir: tempfile::TempDir,
    }

    fn case(items: Vec<ItemReport>, keeper: usize) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let mut report: Report = serde_json::from_value(json!({
            "format": crate::report::FORMAT_VERSION, "tool": "lightbox test", "profile": "cast-2023",
            "lang": "zh", "inputs": [], "summary": crate::report::Summary::default(), "problems": [],
            "side_files": [], "duplicate_groups": [], "catalog": "catalog.sqlite", "items": []
        }))
        .expect("a report");
        report.duplicate_groups.push(Group {
            kind: GroupKind::Duplicate,
            content: items[keeper - 1].photo.as_ref().unwrap().content,
            keeper: Some(keeper),
            members: items.iter().map(|i| i.index).collect(),
            units: vec!["u".into()],
            reason: Some(KeepReason::FirstByPath),
            pairs: Vec::new(),
            filled: Vec::new(),
        });
        let mut spill = SpillWriter::create(dir.path()).unwrap();
        for item in &items {
            spill.push(item).unwrap();
        }
        Case {
            report,
            items: spill.finish().unwrap(),
            _dir: dir,
        }
    }

    fn key(bytes: u8) -> String {
        ContentHash([bytes; 32]).to_hex()
    }

    fn pair(x: u8, y: u8) -> DistinctPair {
        DistinctPair::new(&key(x), &key(y)).unwrap()
    }

    fn decisions(distinct: Vec<DistinctPair>) -> Decisions {
        Decisions {
            format: 1,
            distinct,
            ..Decisions::default()
        }
    }

    /// What `select` chose (item index, and the index whose tags fill its gaps) and left out
    /// (path, code, reason).
    type Selection = (Vec<(usize, Option<usize>)>, Vec<(String, SkipCode, String)>);

    fn run_select(
        case: &Case,
        decisions: &Decisions,
        profile: &Profile,
    ) -> anyhow::Result<Selection> {
        let (selected, skipped) = select(
            &case.report,
            &case.items,
            decisions,
            profile,
            &mut |_| Ok(None),
            Lang::Zh,
        )?;
        let mut chosen: Vec<(usize, Option<usize>)> = selected
            .iter()
            .map(|c| (c.position + 1, c.fill_from.map(|p| p + 1)))
            .collect();
        chosen.sort();
        let skipped = skipped
            .into_iter()
            .map(|s| (s.original, s.code, s.reason))
            .collect();
        Ok((chosen, skipped))
    }

    fn chosen(case: &Case, decisions: &Decisions) -> Selection {
        run_select(case, decisions, &Profile::embedded()).unwrap()
    }

    #[test]
    fn a_duplicate_declared_distinct_from_its_keeper_goes_in_on_its_own() {
        use Status::{Accepted, Duplicate};
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, true),
                photo_item(3, 3, Duplicate, true),
            ],
            1,
        );
        assert_eq!(chosen(&case, &decisions(vec![])), (vec![(1, None)], vec![]));
        // As the page exports "not the same photo" on #2: #2 against every other member.
        let split = decisions(vec![pair(2, 1), pair(2, 3)]);
        assert_eq!(
            chosen(&case, &split),
            (vec![(1, None), (2, None)], vec![]),
            "#2 goes in with its own tags; #3 stays a copy of #1"
        );
        // Declared distinct only from #3 (not the keeper): still a copy of the keeper.
        assert_eq!(
            chosen(&case, &decisions(vec![pair(2, 3)])),
            (vec![(1, None)], vec![])
        );
    }

    #[test]
    fn a_split_duplicate_is_checked_against_the_profile_and_a_reject_still_wins() {
        use Status::{Accepted, Duplicate};
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, false),
            ],
            1,
        );
        let split = decisions(vec![pair(1, 2)]);
        let (selected, skipped) = chosen(&case, &split);
        assert_eq!(selected, [(1, None)]);
        assert_eq!(
            skipped,
            [(
                "u/2.jpg".to_string(),
                SkipCode::DistinctWithErrors,
                "审核人认定不是同一张照片，但仍有错误未解决，请单位补齐：缺少图片说明；缺少摄影者"
                    .to_string()
            )],
            "the run never checked the duplicate: the package does"
        );
        assert!(SkipCode::DistinctWithErrors.is_problem());

        // The curator's reject wins over the split, errors or not.
        let mut rejected = split.clone();
        rejected.decisions.push(Decision {
            content: key(2),
            path: "u/2.jpg".into(),
            decision: Verdict::Reject,
        });
        let (selected, skipped) = chosen(&case, &rejected);
        assert_eq!(selected, [(1, None)]);
        assert_eq!(
            skipped,
            [(
                "u/2.jpg".to_string(),
                SkipCode::CuratorRejected,
                "审核人不采用".to_string()
            )]
        );

        // Checked with another profile than the run's: refused, naming what to do.
        let mut other = Profile::embedded();
        other.name = "another".into();
        let err = run_select(&case, &split, &other).unwrap_err().to_string();
        assert!(
            err.contains("u/2.jpg") && err.contains("cast-2023") && err.contains("--profile"),
            "{err}"
        );
    }

    #[test]
    fn split_copies_of_the_same_bytes_go_in_once() {
        use Status::{Accepted, Duplicate};
        // #2 and #3 are the same bytes (another photo than #1), sent twice.
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, true),
                photo_item(3, 2, Duplicate, true),
            ],
            1,
        );
        assert_eq!(
            chosen(&case, &decisions(vec![pair(1, 2)])),
            (vec![(1, None), (2, None)], vec![]),
            "the same bytes are packaged once"
        );
    }

    #[test]
    fn a_split_beside_a_curators_keeper() {
        use Status::{Accepted, Duplicate};
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, true),
                photo_item(3, 3, Duplicate, true),
            ],
            1,
        );
        let keeper = |m: usize| Keeper {
            content: key(m as u8),
            path: format!("u/{m}.jpg"),
        };
        let replaced = (
            "u/1.jpg".to_string(),
            SkipCode::CuratorKeeper,
            "审核人改为保留 u/2.jpg".to_string(),
        );

        // #2 kept instead of #1, #3 split from the group: #2 replaces #1, #3 goes in on its own.
        let mut d = decisions(vec![pair(3, 1), pair(3, 2)]);
        d.keepers.push(keeper(2));
        assert_eq!(
            chosen(&case, &d),
            (vec![(2, Some(1)), (3, None)], vec![replaced.clone()])
        );

        // #3 declared distinct from #1 only, #2 kept: #3 is a copy of the keeper that goes in.
        let mut d = decisions(vec![pair(3, 1)]);
        d.keepers.push(keeper(2));
        assert_eq!(
            chosen(&case, &d),
            (vec![(2, Some(1))], vec![replaced.clone()])
        );

        // #2 kept and split from the others: it is no copy of #1, so it replaces nothing. #1
        // stays the keeper of #3, and #2 goes in on its own, with its own tags.
        let mut d = decisions(vec![pair(2, 1), pair(2, 3)]);
        d.keepers.push(keeper(2));
        assert_eq!(chosen(&case, &d), (vec![(1, None), (2, None)], vec![]));

        // #2 kept, and the automatic keeper #1 split from the others: the same photos go in,
        // #2 for itself and its copy #3.
        let mut d = decisions(vec![pair(1, 2), pair(1, 3)]);
        d.keepers.push(keeper(2));
        assert_eq!(chosen(&case, &d), (vec![(1, None), (2, None)], vec![]));
        // #3 kept instead: #3 goes in for #2.
        let mut d = decisions(vec![pair(1, 2), pair(1, 3)]);
        d.keepers.push(keeper(3));
        assert_eq!(chosen(&case, &d), (vec![(1, None), (3, None)], vec![]));
    }

    #[test]
    fn the_keeper_split_from_the_others_leaves_them_one_photo() {
        use Status::{Accepted, Duplicate};
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, true),
                photo_item(3, 3, Duplicate, true),
            ],
            1,
        );
        // "Not the same photo" on the keeper #1: #2 and #3 are still copies of one photo.
        assert_eq!(
            chosen(&case, &decisions(vec![pair(1, 2), pair(1, 3)])),
            (vec![(1, None), (2, None)], vec![])
        );
        // On every photo: three photos.
        assert_eq!(
            chosen(&case, &decisions(vec![pair(1, 2), pair(1, 3), pair(2, 3)])),
            (vec![(1, None), (2, None), (3, None)], vec![])
        );
        // A photo that goes in for its copies still stands for them when it does not go in
        // (rejected, here): its copies stay out, as the copies of a rejected keeper do.
        let mut d = decisions(vec![pair(1, 2), pair(1, 3)]);
        d.decisions.push(Decision {
            content: key(2),
            path: "u/2.jpg".into(),
            decision: Verdict::Reject,
        });
        let (selected, skipped) = chosen(&case, &d);
        assert_eq!(selected, [(1, None)]);
        assert_eq!(
            skipped
                .iter()
                .map(|(path, code, _)| (path.as_str(), *code))
                .collect::<Vec<_>>(),
            [("u/2.jpg", SkipCode::CuratorRejected)]
        );
    }
}

//! Intake: every file of the scan inspected and tagged, a chunk at a time, into items waiting on
//! disk; and what the later stages ask of an item's history and status.
//!
//! In: the scan's entries, the units' sheet rows, the run's configuration, the catalog (earlier
//! inspections, this run's record) and the crash journal. Out: `Intake`: every item in a spill,
//! in index order, and in memory only each photo's facts for dedupe; the sheet rows no photo
//! matched as problems. Invariants: a file unchanged since an earlier run is not read again; a
//! content already inspected is not decoded again; a chunk's inspections are recorded before its
//! items go to disk; the entries are used up as they go (the list of files shrinks as the facts
//! grow).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use crate::broken::{Doing, Step};

use crate::catalog::{Catalog, RunRecord};
use crate::config::RunConfig;
use crate::dedupe;
use crate::ingest::{self, Entry, Role, Scan};
use crate::inspect::{self, DerivedDirs, Inspection};
use crate::journal::Journal;
use crate::lang::Lang;
use crate::photo::{Check, ContentHash, Finding, Item, Severity, Source, Status};
use crate::profile::Profile;
use crate::progress::Progress;
use crate::report::{Problem, ReportedFinding, SideFile};
use crate::spill::{Spill, SpillWriter};
use crate::tags::{self, Tags, sheet};

/// Files inspected together: the workers share a chunk, then its items go to disk. Large enough
/// that the workers seldom wait for each other at a chunk's end (a photo in 500), small enough
/// that a chunk's inspections are a few megabytes.
pub(crate) const CHUNK: usize = 512;

/// An item as it waits on disk, with what its serialised form leaves out.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Spilled {
    pub(crate) item: Item,
    pub(crate) modified: Option<i64>,
}

/// What inspecting and tagging leave for the later stages: every item on disk, and in memory
/// only what dedupe and the history look-up need.
pub(crate) struct Intake {
    /// Every item (photos and refused files), in index order.
    pub(crate) items: Spill<Spilled>,
    /// Each item's facts for dedupe, by position.
    pub(crate) facts: Vec<dedupe::Facts>,
    /// The locations of this run's files ([`location_id`]).
    pub(crate) here: HashSet<u128>,
    /// (sheet, row number) of the sheet rows photos matched.
    pub(crate) used_rows: BTreeSet<(String, usize)>,
    /// Files that are not photos.
    pub(crate) side_files: Vec<SideFile>,
    /// Photos read and inspected in this run.
    pub(crate) read: usize,
    /// Of those, the ones whose bytes were inspected already: not decoded again.
    pub(crate) copies: usize,
    /// Photos in all.
    pub(crate) photos: usize,
}

/// Inspects and tags every file of the scan, a chunk at a time: each chunk's photos are
/// inspected in parallel (or taken from the catalog), its inspections recorded, its items built
/// and written to disk. The entries are used up as they go: the list of every file shrinks as
/// the facts grow.
pub(crate) fn intake(
    entries: Vec<Entry>,
    config: &RunConfig,
    dirs: &DerivedDirs,
    (catalog, record): (&Catalog, &RunRecord<'_>),
    rows: &SheetRows,
    journal: &Journal,
    progress: &dyn Progress,
) -> anyhow::Result<Intake> {
    let settings = inspect_settings(&config.profile);
    let notes = read_notes(&entries);
    let photos = entries.iter().filter(|e| e.role == Role::Photo).count();
    let mut spill =
        SpillWriter::create(&config.work).doing(|| Step::TempFile(config.work.to_path_buf()))?;
    // Grown as the entries shrink (reserved whole, it would add to the entries' peak).
    let mut facts = Vec::new();
    let mut here = HashSet::with_capacity(entries.len());
    let mut used_rows = BTreeSet::new();
    let mut side_files = Vec::new();
    let mut read = 0;
    let mut copies = 0;
    // Each content is decoded once in a run, and not at all when an earlier run inspected it.
    let reader = catalog.reader();
    let budget = crate::budget::Budget::new(config.profile.files.decode_memory_mb << 20);
    let once = inspect::Once::new(|content| {
        reader
            .as_ref()?
            .inspection(content, &settings)
            .filter(|i| derived_in_place(i, dirs))
    })
    .with_journal(journal)
    .with_budget(&budget);
    progress.stage("inspect", photos as u64);
    // Last first, so each chunk comes off the end.
    let mut rest = entries;
    rest.reverse();
    while !rest.is_empty() {
        let chunk: Vec<Entry> = rest.split_off(rest.len().saturating_sub(CHUNK));
        let chunk: Vec<Entry> = chunk.into_iter().rev().collect();
        if rest.capacity() > 2 * rest.len() + CHUNK {
            rest.shrink_to_fit();
        }
        let sources: Vec<&Source> = chunk
            .iter()
            .filter(|e| e.role == Role::Photo)
            .map(|e| &e.source)
            .collect();
        let inspected =
            inspect_incrementally(&sources, config, dirs, catalog, &settings, &once, progress);
        let ChunkInspections {
            inspections,
            fresh,
            read: n_read,
            copies: n_copies,
        } = inspected;
        record.inspections(&fresh, &settings)?;
        drop(fresh);
        read += n_read;
        copies += n_copies;
        let mut inspections = inspections.into_iter();
        for Entry { source, role } in chunk {
            let (content, photo, findings) = match role {
                Role::Photo => {
                    let inspection = inspections.next().expect("one inspection per photo entry");
                    (inspection.content, inspection.photo, inspection.findings)
                }
                Role::Refused(finding) => (None, None, vec![*finding]),
                Role::Sheet | Role::Side(_) => {
                    let role = match role {
                        Role::Side(role) => role,
                        _ => "sheet".to_string(),
                    };
                    side_files.push(SideFile {
                        unit: source.unit,
                        path: source.path,
                        role,
                    });
                    continue;
                }
            };
            let parts = Parts {
                source,
                content,
                photo,
                findings,
            };
            let item = build_item(spill.len() + 1, parts, rows, &notes, config, &mut used_rows);
            facts.push(dedupe::Facts::of(&item).without_thumbnail());
            here.insert(location_id(&crate::photo::location_key(
                &item.source.location,
            )));
            spill.push(&Spilled {
                modified: item.source.modified,
                item,
            })?;
        }
        record.spill()?;
    }
    progress.finish();
    Ok(Intake {
        items: spill.finish()?,
        facts,
        here,
        used_rows,
        side_files,
        read,
        copies,
        photos,
    })
}

/// A location key, as 128 bits: what the run keeps of each of its files' locations to tell
/// them from other runs' (a collision, at odds of 2⁻¹²⁸, would only hide one "seen before").
fn location_id(key: &str) -> u128 {
    let hash = blake3::hash(key.as_bytes());
    u128::from_le_bytes(hash.as_bytes()[..16].try_into().expect("16 bytes"))
}

/// What inspection results depend on besides the bytes: a cached inspection made with other
/// settings, or by another version, is not reused.
fn inspect_settings(profile: &Profile) -> String {
    format!(
        "lightbox {}; preview {}; thumbnail {}; max_pixels {}; max_bytes {}",
        env!("CARGO_PKG_VERSION"),
        profile.derived.preview,
        profile.derived.thumbnail,
        profile.files.max_pixels,
        profile.files.max_bytes
    )
}

/// A chunk's inspections, in input order.
struct ChunkInspections {
    /// One per source.
    inspections: Vec<Inspection>,
    /// The ones made now, for the catalog to record.
    fresh: Vec<Inspection>,
    /// Sources read.
    read: usize,
    /// Sources read whose bytes were inspected already (in this run or an earlier one).
    copies: usize,
}

/// Inspects the sources the catalog does not know unchanged (in parallel), takes the others'
/// inspections from the catalog, and returns all in input order with the new ones to record.
/// A source an earlier run died reading (the journal's verdict) is not read: its inspection
/// says so, and is recorded like a new one.
/// A source whose bytes `once` has seen takes the inspection of those bytes: from this chunk,
/// from an earlier chunk or run (the catalog), or else it is inspected after all.
fn inspect_incrementally(
    sources: &[&Source],
    config: &RunConfig,
    dirs: &DerivedDirs,
    catalog: &Catalog,
    settings: &str,
    once: &inspect::Once<'_>,
    progress: &dyn Progress,
) -> ChunkInspections {
    let mut fresh = Vec::new();
    let cached: Vec<Option<Inspection>> = sources
        .iter()
        .map(|source| {
            let cached = catalog
                .cached_inspection(source, settings)
                .filter(|i| derived_in_place(i, dirs));
            cached.or_else(|| {
                let (content, check) = once.journal()?.verdict(source)?;
                let crashed = inspect::crashed_before(content, check);
                if content.is_some() {
                    fresh.push(crashed.clone());
                }
                Some(crashed)
            })
        })
        .collect();
    let to_read: Vec<&Source> = sources
        .iter()
        .zip(&cached)
        .filter(|(_, c)| c.is_none())
        .map(|(s, _)| *s)
        .collect();
    let n_read = to_read.len();
    progress.advance((sources.len() - n_read) as u64);
    let outcomes = inspect::photos_once(&to_read, &config.profile, dirs, progress, once);
    let mut elsewhere = |content: &ContentHash| {
        catalog
            .inspection(content, settings)
            .filter(|i| derived_in_place(i, dirs))
    };
    let settled = inspect::settle(
        outcomes,
        &to_read,
        &config.profile,
        dirs,
        once,
        &mut elsewhere,
    );
    let copies = settled
        .iter()
        .filter(|(_, origin)| *origin != inspect::Origin::Fresh)
        .count();
    let mut read = settled.into_iter();
    let inspections = cached
        .into_iter()
        .map(|c| match c {
            Some(inspection) => inspection,
            None => {
                let (inspection, origin) = read.next().expect("one inspection per source read");
                if origin == inspect::Origin::Fresh && inspection.content.is_some() {
                    // Shares the photo's facts: serialised only as the catalog records it.
                    fresh.push(inspection.clone());
                }
                inspection
            }
        })
        .collect();
    ChunkInspections {
        inspections,
        fresh,
        read: n_read,
        copies,
    }
}

/// A cached inspection is only as good as the derived images it promises.
fn derived_in_place(inspection: &Inspection, dirs: &DerivedDirs) -> bool {
    match &inspection.photo {
        Some(photo) if photo.decoded => {
            dirs.preview(&photo.content).exists() && dirs.thumbnail(&photo.content).exists()
        }
        _ => true,
    }
}

/// Marks what the catalog already holds: bytes accepted in an earlier run from another place
/// become duplicates of that copy (never packaged twice); bytes a package holds say where.
/// `run` is the run being recorded; `here` holds its files' locations ([`location_id`]).
pub(crate) fn remember_history(
    item: &mut Item,
    catalog: &Catalog,
    run: i64,
    here: &HashSet<u128>,
) -> anyhow::Result<()> {
    let Some(content) = item.content else {
        return Ok(());
    };
    if item.photo.is_none() {
        return Ok(());
    }
    for packaged in catalog.packaged(&content)? {
        item.findings.push(Finding::info(Check::AlreadyPackaged {
            file: packaged.file,
            package: packaged.package,
            unit: packaged.unit,
        }));
    }
    if item.status == Status::Duplicate {
        return Ok(());
    }
    let earlier = catalog.seen_elsewhere(&content, run, &|l| here.contains(&location_id(l)))?;
    // A copy the same unit had at a place that is gone was moved or renamed, not resent.
    let resent = |s: &&crate::catalog::Seen| {
        s.status == Status::Accepted
            && (s.unit != item.source.unit || crate::catalog::location_exists(&s.location))
    };
    if let Some(seen) = earlier.iter().find(resent) {
        item.findings.push(Finding::info(Check::SeenBefore {
            path: seen.path.clone(),
            unit: seen.unit.clone(),
        }));
        item.status = Status::Duplicate;
    }
    Ok(())
}

/// Every unit's sheet rows, keyed by unit, then by `sheet::match_key`.
pub(crate) type SheetRows = BTreeMap<String, BTreeMap<String, sheet::SheetRow>>;

/// The work folder's folder of returned sheets: `WORK/returned/<unit>/`, one file per return,
/// named `<date>-<time>-汇总表.<ext>` (the desk keeps each upload there). The newest is read as
/// that unit's sheet, before the sheets in its drop: its rows win, and the drops stay read-only.
pub const RETURNED: &str = "returned";

/// The newest returned sheet of each unit of the scan (see [`RETURNED`]).
pub fn returned_sheets(work: &Path, scan: &Scan) -> Vec<Source> {
    let mut out = Vec::new();
    for drop in &scan.drops {
        let folder = work.join(RETURNED).join(&drop.unit);
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let newest = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok().map(|n| (n, e.path())))
            .filter(|(name, _)| ingest::is_sheet_name(name) && !name.starts_with('.'))
            .max_by(|a, b| a.0.cmp(&b.0));
        let Some((file_name, path)) = newest else {
            continue;
        };
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        out.push(Source {
            unit: drop.unit.clone(),
            path: format!("{RETURNED}/{}/{file_name}", drop.unit),
            folders: Vec::new(),
            file_name,
            location: crate::photo::Location::File { path },
            size: meta.len(),
            modified: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_nanos()).ok()),
        });
    }
    out
}

/// Reads every sheet of every unit: the returned ones first (their rows win), then those in the
/// drops.
pub(crate) fn read_sheets(
    scan: &Scan,
    returned: &[Source],
    lang: Lang,
    journal: &Journal,
) -> (SheetRows, Vec<Problem>) {
    let mut rows: SheetRows = BTreeMap::new();
    let mut problems = Vec::new();
    let mut problem = |source: &Source, finding: Finding| {
        problems.push(Problem {
            unit: source.unit.clone(),
            path: source.path.clone(),
            finding: ReportedFinding::new(&finding, lang),
        });
    };
    let in_drops = scan.entries.iter().filter(|e| e.role == Role::Sheet);
    for source in returned.iter().chain(in_drops.map(|e| &e.source)) {
        // A sheet an earlier run died reading is not read again.
        if let Some((_, check)) = journal.verdict(source) {
            problem(source, Finding::error(check));
            continue;
        }
        // The sheet reader (calamine, quick-xml, zip) runs behind the boundary: a panic on one
        // sheet makes that sheet `decoder_crashed`, never the run; the journal names it while
        // it is read, for a crash the boundary cannot catch.
        let reading = journal.reading(source);
        let parsed = ingest::read(source, 50 << 20)
            .map(|bytes| crate::boundary::guarded(|| sheet::read(&bytes, &source.path)));
        drop(reading);
        let parsed = match parsed {
            Ok(Ok(parsed)) => parsed,
            Ok(Err(panic)) => {
                let check = Check::DecoderCrashed {
                    reason: panic,
                    earlier_run: false,
                };
                problem(source, Finding::error(check));
                continue;
            }
            Err(detail) => Err(sheet::SheetProblem::Unreadable { detail }),
        };
        match parsed {
            Ok(sheet::Sheet {
                rows: sheet_rows,
                limits,
            }) => {
                // What was left unread (rows past the cap, values far outside the table): the
                // rows read are used, the rest is told.
                for left in limits {
                    let rows = sheet_rows.len();
                    problem(source, Finding::warn(Check::SheetPartlyRead { rows, left }));
                }
                let unit_rows = rows.entry(source.unit.clone()).or_default();
                for row in sheet_rows {
                    // A returned `lightbox template` names each photo by content too: it still
                    // matches after the unit renamed the file.
                    if let Some(content) = row.cells.get(&sheet::Column::Content) {
                        unit_rows
                            .entry(content_key(content))
                            .or_insert_with(|| row.clone());
                    }
                    unit_rows
                        .entry(sheet::match_key(&row.file_name))
                        .or_insert(row);
                }
            }
            Err(reason) => problem(source, Finding::error(Check::SheetUnreadable { reason })),
        }
    }
    (rows, problems)
}

/// The key a sheet row naming a photo by content is kept under (never a file name's key).
fn content_key(hex: &str) -> String {
    format!("\u{0}content:{}", hex.trim().to_ascii_lowercase())
}

/// The key a photo and the note beside it share: the display path without its extension,
/// lower-cased (`单位/a/IMG_1.JPG` and `单位/a/IMG_1.txt`).
fn note_key(path: &str) -> String {
    let stem = match path.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => stem,
        _ => path,
    };
    stem.to_lowercase()
}

/// Reads every `.txt` note of the drops (up to 64 KB each), keyed by [`note_key`]. A note that
/// cannot be read gives no tags; it is still listed as a side file.
fn read_notes(entries: &[Entry]) -> BTreeMap<String, tags::SideText> {
    entries
        .iter()
        .filter(|e| matches!(&e.role, Role::Side(role) if role == "text"))
        .filter_map(|e| {
            let bytes = ingest::read(&e.source, 64 << 10).ok()?;
            Some((
                note_key(&e.source.path),
                tags::SideText {
                    path: e.source.path.clone(),
                    text: crate::text::decode_text(&bytes),
                },
            ))
        })
        .collect()
}

/// What a file's item is made of before its tags.
struct Parts {
    source: Source,
    content: Option<crate::photo::ContentHash>,
    photo: Option<std::sync::Arc<crate::photo::Photo>>,
    findings: Vec<Finding>,
}

/// Builds the item numbered `index` (a photo or a refused file), resolving its tags; notes the
/// sheet row it matched in `used_rows`.
fn build_item(
    index: usize,
    parts: Parts,
    rows: &SheetRows,
    notes: &BTreeMap<String, tags::SideText>,
    config: &RunConfig,
    used_rows: &mut BTreeSet<(String, usize)>,
) -> Item {
    let Parts {
        source,
        content,
        photo,
        mut findings,
    } = parts;
    let profile = &config.profile;
    let unit_rows = rows.get(&source.unit);
    let by_content = content.map(|c| content_key(&c.to_hex()));
    let row = by_content
        .and_then(|k| unit_rows?.get(&k))
        .or_else(|| unit_rows?.get(&sheet::match_key(&source.file_name)));
    if let Some(row) = row {
        used_rows.insert((row.sheet.clone(), row.row));
    }
    let tags = match &photo {
        Some(photo) => {
            let sides = tags::Sides {
                row,
                txt: notes.get(&note_key(&source.path)),
            };
            let resolved = tags::resolve_with(
                &source,
                (&**photo).into(),
                sides,
                &profile.tags.precedence,
                &profile.gazetteer,
            );
            findings.extend(resolved.findings);
            // A unit that sent a sheet but has no row for this photo.
            if row.is_none()
                && let Some(sheet) = unit_rows
                    .and_then(|r| r.values().next())
                    .map(|r| r.sheet.clone())
            {
                findings.push(Finding::info(Check::NotInSheet { sheet }));
            }
            resolved.tags
        }
        None => Tags::default(),
    };
    Item {
        index,
        source,
        content,
        photo,
        tags,
        findings,
        status: Status::Accepted,
    }
}

/// Sheet rows no photo matched, each once (a row may be kept under its name and its content).
/// `used` holds (sheet, row number) of the rows photos matched.
pub(crate) fn unmatched_rows(
    rows: &SheetRows,
    used: &BTreeSet<(String, usize)>,
    lang: Lang,
) -> Vec<Problem> {
    let mut unmatched = BTreeMap::new();
    for (unit, unit_rows) in rows {
        for row in unit_rows.values() {
            if !used.contains(&(row.sheet.clone(), row.row)) {
                unmatched.insert((row.sheet.clone(), row.row), (unit, row));
            }
        }
    }
    unmatched
        .into_values()
        .map(|(unit, row)| Problem {
            unit: unit.clone(),
            path: row.sheet.clone(),
            finding: ReportedFinding::new(
                &Finding::warn(Check::SheetRowUnmatched {
                    sheet: row.sheet.clone(),
                    row: row.row,
                    file_name: row.file_name.clone(),
                }),
                lang,
            ),
        })
        .collect()
}

/// Adds the policy findings of an item and decides its status.
pub(crate) fn settle(item: &mut Item, profile: &Profile) {
    if item.status == Status::Duplicate {
        return;
    }
    if let Some(photo) = &item.photo {
        item.findings.extend(crate::validate::file(photo, profile));
        if photo.decoded {
            item.findings
                .extend(crate::validate::tags(&item.tags, profile));
        }
    }
    item.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let errors: Vec<&Finding> = item
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    item.status = if item.photo.is_none() || errors.iter().any(|f| f.check.is_file_problem()) {
        Status::Rejected
    } else if !errors.is_empty() {
        Status::NeedsInfo
    } else {
        Status::Accepted
    };
}

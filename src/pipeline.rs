//! The intake, stage by stage: the file a newcomer reads first.
//!
//! In: a `RunConfig` (drops, work folder, profile, language). Out: the run's summary and the
//! files in the work folder: `report.json`, `findings.csv`, `derived/`, `sheets/`, `review/`.
//! Invariants: a bad photo never stops the run (it becomes findings); only a broken run (work
//! folder not writable) is an `Err`; every output appears atomically; the same input gives a
//! byte-identical report; memory per photo is the little dedupe needs (the items wait on disk).

pub use crate::output::date_of;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::broken::{Doing, Step};

use crate::catalog::Catalog;
use crate::dedupe;
use crate::ingest::{self, Scan};
use crate::intake::{self, CHUNK, Intake, Spilled};
use crate::journal::Journal;
use crate::output;
use crate::photo::ContentHash;
use crate::photo::DerivedDirs;
use crate::progress::Progress;
use crate::report::{self, ItemReport, Problem, Report, ReportedFinding, Summary};
use crate::sheets;

pub use crate::config::RunConfig;
use crate::spill::SpillWriter;

/// What a run produced.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The run's counts, as `report.json` has them.
    pub summary: Summary,
    /// Some photo, folder, zip or sheet has an error finding (the binary exits with 1).
    pub blocking: bool,
    /// Contact sheet pages written, relative to the work folder.
    pub sheets: Vec<String>,
    /// Files read and inspected in this run.
    pub read: usize,
    /// Files unchanged since an earlier run, taken from the catalog without reading them.
    pub reused: usize,
    /// Of the files read, those whose bytes were inspected already (another copy in this run,
    /// or any copy in an earlier one): hashed, not decoded again.
    pub copies: usize,
}

/// Runs the whole intake on the current rayon pool.
///
/// What the run holds in memory per photo is its [`dedupe::Facts`] (about half a kilobyte) and
/// a few numbers; the items themselves wait on disk between the stages ([`crate::spill`]), and
/// the report, findings, sheets and review page are written as the items are read back.
///
/// # Errors
/// Only for a broken run: the drops folder is missing or the work folder cannot be written.
pub fn run(config: &RunConfig, progress: &dyn Progress) -> anyhow::Result<RunOutcome> {
    let work = &config.work;
    fs::create_dir_all(work).map_err(|e| crate::broken::Broken::WorkNotWritable {
        path: work.display().to_string(),
        reason: e.to_string(),
    })?;
    let dirs = DerivedDirs::in_work(work);
    dirs.create().doing(|| Step::Create(work.join("derived")))?;
    let catalog = Catalog::open(&config.catalog)?;
    // A run killed before its end left temporary files and staging folders: with the catalog's
    // lock held no other run is writing here, so they can go.
    for dir in [
        work.clone(),
        dirs.thumbs.clone(),
        dirs.previews.clone(),
        work.join("review"),
    ] {
        output::remove_leftovers(&dir, &[".lightbox-", ".sheets.staging-"])
            .doing(|| Step::Tidy(dir.to_path_buf()))?;
    }
    // What a run that died left in its slots: the files it crashed reading are not read again.
    let journal = Journal::open(work).doing(|| Step::OpenJournal(work.to_path_buf()))?;

    // 1. Ingest: list every file of every drop; nothing is read yet.
    progress.stage("scan", 0);
    let scan = if config.units {
        ingest::scan_units(&config.drops)?
    } else {
        ingest::scan(&config.drops)?
    };
    progress.finish();

    // 2. Sheets: each unit's 汇总表 rows, keyed by file name.
    let returned = intake::returned_sheets(work, &scan);
    let (rows, sheet_problems) = intake::read_sheets(&scan, &returned, config.lang, &journal);
    let mut problems: Vec<Problem> = scan
        .problems
        .iter()
        .map(|(unit, path, finding)| Problem {
            unit: unit.clone(),
            path: path.clone(),
            finding: ReportedFinding::new(finding, config.lang),
        })
        .collect();
    problems.extend(sheet_problems);

    // The catalog records the run in one transaction, from now to the end of the run (a run
    // that fails or is killed records nothing): inspections as they are made, then the items.
    let inputs: Vec<String> = config
        .drops
        .iter()
        .map(|d| {
            fs::canonicalize(d)
                .unwrap_or_else(|_| d.clone())
                .display()
                .to_string()
        })
        .collect();
    let record = catalog.begin_run(&serde_json::to_string(&inputs)?, "{}")?;

    // 3–4. Inspect (read, hash, EXIF, decode once, thumbnail and preview; in parallel) and tag
    //      (sheet row, embedded metadata, file and folder names), a chunk of files at a time.
    //      Files unchanged since an earlier run (same place, size and time) are not read again.
    let Scan { drops, entries, .. } = scan;
    let intake = intake::intake(
        entries,
        config,
        &dirs,
        (&catalog, &record),
        &rows,
        &journal,
        progress,
    )?;
    problems.extend(intake::unmatched_rows(
        &rows,
        &intake.used_rows,
        config.lang,
    ));
    drop(rows);
    let Intake {
        items,
        facts,
        here,
        side_files,
        read,
        copies,
        photos,
        ..
    } = intake;

    // 5. Dedupe: identical copies and other copies of one shot (resized, recompressed, cropped,
    //    turned) across units, resolved: the keeper takes the others' tags; bursts reported.
    //    A pair is a copy only when verified on the derived thumbnails; pairs a curator split
    //    are never grouped.
    let distinct: dedupe::Distinct = catalog
        .distinct_pairs()?
        .iter()
        .filter_map(|(a, b)| {
            Some(dedupe::distinct_pair(
                ContentHash::from_hex(a)?,
                ContentHash::from_hex(b)?,
            ))
        })
        .collect();
    progress.stage("dedupe", 0);
    let pictures = dedupe::thumbnails_in(&dirs.thumbs);
    let settings = dedupe::Settings {
        params: &config.profile.dedupe,
        distinct: &distinct,
        pictures: &pictures,
    };
    let mut grouping = dedupe::group_facts(
        &facts,
        &mut |p| items.get(p).map(|s| dedupe::Member::of(&s.item)),
        &mut |p| items.get(p).map(|s| dedupe::thumbnail_of(&s.item)),
        &settings,
    )?;
    drop(facts);
    progress.finish();
    let mut marks = std::mem::take(&mut grouping.marks);
    // Stable: an item's marks keep the order they were made in.
    marks.sort_by_key(|(p, _)| *p);
    let mut marks = marks.into_iter().peekable();

    // 6. Validate: the profile's rules, then each item's status; then what earlier runs and
    //    packages already hold. Each item is counted and recorded, then goes back to disk in
    //    its reported form, noted under the sheet it goes on.
    progress.stage("validate", 0);
    let mut counts = report::Counts::new(&drops, grouping.groups.len(), problems.len());
    let mut reported =
        SpillWriter::<ItemReport>::create(work).doing(|| Step::TempFile(work.to_path_buf()))?;
    let by = config.profile.sheets.group_by;
    let mut sheet_members: BTreeMap<(u8, String), Vec<usize>> = BTreeMap::new();
    for (pos, spilled) in items.iter().enumerate() {
        let Spilled { mut item, modified } = spilled?;
        item.source.modified = modified;
        while let Some((_, mark)) = marks.next_if(|(p, _)| *p == pos) {
            grouping.apply(pos, mark, &mut item);
        }
        intake::settle(&mut item, &config.profile);
        intake::remember_history(&mut item, &catalog, record.id(), &here)?;
        counts.add(&item);
        record.items(std::slice::from_ref(&item))?;
        let item = ItemReport::new(item, config.lang);
        sheet_members
            .entry(sheets::sheet_key(&item, by, config.lang))
            .or_default()
            .push(pos);
        reported.push(&item)?;
        if pos % CHUNK == CHUNK - 1 {
            record.spill()?;
        }
    }
    drop((items, here));
    let items = reported.finish()?;
    let summary = counts.finish();
    record.summary(&serde_json::to_string(&summary)?)?;
    record.spill()?;

    progress.finish();

    // 7. Report: report.json, findings.csv, the items read back one at a time.
    progress.stage("report", 0);
    let head = Report {
        format: report::FORMAT_VERSION,
        tool: format!("lightbox {}", env!("CARGO_PKG_VERSION")),
        profile: config.profile.name.clone(),
        lang: config.lang,
        inputs,
        summary,
        items: Vec::new(),
        duplicate_groups: grouping.groups,
        problems,
        side_files,
        catalog: report::catalog_reference(&config.work, &config.catalog),
    };
    output::write_atomic_with(&work.join("report.json"), |out| {
        report::write_json(&head, items.iter(), out)
    })?;
    output::write_atomic_with(&work.join("findings.csv"), |out| {
        report::write_findings_csv(out, items.iter(), &head.problems, config.lang)
    })?;

    // 8. Review: one set of contact sheet pages per unit (redrawn only when its items changed),
    //    and the offline review page.
    progress.finish();
    let sheets = sheets::sheet_groups(sheet_members, &head.summary, by);
    let (sheets, sheet_inputs) =
        sheets::write_sheets(sheets, &items, config, &dirs, &catalog, progress)?;
    progress.stage("review", 0);
    let review = work.join("review");
    fs::create_dir_all(&review).doing(|| Step::Create(review.to_path_buf()))?;
    let key = report::catalog_path(&config.work, &head.catalog)
        .display()
        .to_string();
    let saved = catalog.decisions()?;
    let page = crate::review::RunView {
        profile: &head.profile,
        groups: &head.duplicate_groups,
        key: &key,
        saved: &saved,
        lang: config.lang,
        live: None,
    };
    output::write_atomic_with(&review.join("index.html"), |out| {
        crate::review::write_page_streamed(out, &page, items.iter())
    })?;

    progress.finish();

    // 9. Catalog: what each sheet was drawn from; then the whole run becomes visible at once.
    record.sheets(&sheet_inputs)?;
    record.commit()?;
    journal
        .finish()
        .doing(|| Step::CloseJournal(work.to_path_buf()))?;
    Ok(RunOutcome {
        blocking: report::blocking(&head.summary, &head.problems),
        summary: head.summary,
        sheets,
        read,
        reused: photos - read,
        copies,
    })
}

/// Today's date as `YYYY-MM-DD` (UTC), for sheet headers.
pub fn today() -> String {
    date_of(std::time::SystemTime::now())
}

/// The path of the report inside a work folder.
pub fn report_path(work: &Path) -> PathBuf {
    work.join("report.json")
}

//! Report: what a run found, as `report.json` (every file with its facts, tags, sources and
//! findings), `findings.csv` (for Excel: UTF-8 with a BOM), and a printable summary.
//!
//! In: the items, groups and problems of a run. Out: bytes and text; nothing is printed here.
//! Read back: a `report.json` whose items go to a spill as they are parsed
//! ([`read_spilled`]), so a later command holds a report of any length in bounded memory.
//! Invariant: the same input gives byte-identical bytes (sorted maps, no clock, no
//! thread-dependent order).
//!
//! Size: about 730 lines of code and 140 of tests: `report.json`'s types and their writer and
//! reader are one format, kept together.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::messages;
use crate::photo::Group;
use crate::photo::Tags;
use crate::photo::{Drop, DropKind};
use crate::photo::{Finding, Item, Location, Photo, Severity, Status};
use crate::spill::{Spill, SpillWriter};
use crate::text::inert;

/// The version of the report format; bumped when a field changes meaning.
pub const FORMAT_VERSION: u32 = 1;

/// A finding with its message in the run's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// What it means, for people.
    pub message: String,
}

impl ReportedFinding {
    /// Attaches the localised message.
    pub fn new(finding: &Finding, lang: Lang) -> Self {
        ReportedFinding {
            message: messages::check(&finding.check, lang),
            finding: finding.clone(),
        }
    }
}

/// One file of a drop, as reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemReport {
    /// 1-based index, printed on contact sheets.
    pub index: usize,
    /// The submitting unit.
    pub unit: String,
    /// Display path.
    pub path: String,
    /// Where the bytes are.
    pub location: Location,
    /// Listed size in bytes.
    pub size: u64,
    /// What happens to it.
    pub status: Status,
    /// Inspection facts (the item's own, shared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo: Option<std::sync::Arc<Photo>>,
    /// Tags with sources.
    pub tags: Tags,
    /// Findings, most severe first.
    pub findings: Vec<ReportedFinding>,
}

impl ItemReport {
    /// Builds the reported form of an item, taking its parts (nothing is copied).
    pub fn new(item: Item, lang: Lang) -> Self {
        ItemReport {
            index: item.index,
            unit: item.source.unit,
            path: item.source.path,
            location: item.source.location,
            size: item.source.size,
            status: item.status,
            photo: item.photo,
            tags: item.tags,
            findings: item
                .findings
                .into_iter()
                .map(|finding| ReportedFinding {
                    message: messages::check(&finding.check, lang),
                    finding,
                })
                .collect(),
        }
    }

    /// True when derived images exist for it.
    pub fn has_preview(&self) -> bool {
        self.photo.as_ref().is_some_and(|p| p.decoded)
    }
}

/// A finding about a folder, zip or sheet rather than a photo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The unit concerned.
    pub unit: String,
    /// The display path.
    pub path: String,
    /// The finding and its message.
    #[serde(flatten)]
    pub finding: ReportedFinding,
}

/// A file that is not a photo (a sheet, a note, a system file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideFile {
    /// The unit.
    pub unit: String,
    /// The display path.
    pub path: String,
    /// What it was taken for.
    pub role: String,
}

/// Counts for one unit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitSummary {
    /// The unit.
    pub unit: String,
    /// Its drop's display path.
    pub path: String,
    /// Folder or zip.
    pub kind: Option<DropKind>,
    /// Files inspected as photos or refused.
    pub files: usize,
    /// Accepted.
    pub accepted: usize,
    /// Needs information from the unit.
    pub needs_info: usize,
    /// Rejected.
    pub rejected: usize,
    /// Duplicates of a kept copy.
    pub duplicates: usize,
}

/// Counts for the whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Files inspected as photos or refused.
    pub files: usize,
    /// Accepted.
    pub accepted: usize,
    /// Needs information.
    pub needs_info: usize,
    /// Rejected.
    pub rejected: usize,
    /// Duplicates.
    pub duplicates: usize,
    /// Duplicate groups.
    pub duplicate_groups: usize,
    /// Error findings by check code (a photo with two errors counts under both).
    pub errors_by_check: BTreeMap<String, usize>,
    /// Warning findings by check code.
    pub warnings_by_check: BTreeMap<String, usize>,
    /// Findings about folders, zips and sheets.
    pub problems: usize,
    /// Per unit, sorted by unit.
    pub units: Vec<UnitSummary>,
}

/// The whole report of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Report format version.
    pub format: u32,
    /// The tool and its version.
    pub tool: String,
    /// The profile's name.
    pub profile: String,
    /// Language of the messages.
    pub lang: Lang,
    /// The DROPS folders, as absolute paths.
    pub inputs: Vec<String>,
    /// Counts.
    pub summary: Summary,
    /// Every file, in index order.
    pub items: Vec<ItemReport>,
    /// Groups of identical copies.
    pub duplicate_groups: Vec<Group>,
    /// Findings about folders, zips and sheets.
    pub problems: Vec<Problem>,
    /// Files that are not photos.
    pub side_files: Vec<SideFile>,
    /// The catalog database this run recorded into: relative to the work folder when inside it
    /// (so the report does not depend on where the work folder is), absolute otherwise.
    pub catalog: String,
}

impl Report {
    /// Parses `report.json`.
    ///
    /// # Errors
    /// When the JSON is not a report of this format.
    pub fn from_json(bytes: &[u8]) -> anyhow::Result<Report> {
        let report: Report = serde_json::from_slice(bytes)?;
        anyhow::ensure!(
            report.format == FORMAT_VERSION,
            "report format {} is not {FORMAT_VERSION}: rerun `lightbox run`",
            report.format
        );
        Ok(report)
    }
}

/// Reads `report.json` at `path` with its items going, one at a time as they are parsed, to a
/// spill in `dir`: the report comes back without them (`items` is empty), and a report of any
/// length is read in memory for its groups, problems and side files, not its items.
///
/// # Errors
/// When the file cannot be read or is not a report of this format (the error names the file),
/// or the spill cannot be written (the error names `dir` and keeps the I/O error, a full disk
/// say).
pub fn read_spilled(path: &Path, dir: &Path) -> anyhow::Result<(Report, Spill<ItemReport>)> {
    use crate::broken::{Doing, Step};
    let reading = || Step::Read(path.to_path_buf());
    let writing = || Step::TempFile(dir.to_path_buf());
    let file = std::fs::File::open(path).doing(reading)?;
    let mut items = SpillWriter::create(dir).doing(writing)?;
    let mut failed = None;
    let mut json = serde_json::Deserializer::from_reader(std::io::BufReader::new(file));
    let seed = HeadSeed {
        items: &mut items,
        failed: &mut failed,
    };
    let head = serde::de::DeserializeSeed::deserialize(seed, &mut json)
        .and_then(|head| json.end().map(|()| head));
    // A spill that could not be written stopped the parsing: its error is the one to tell.
    if let Some(e) = failed {
        return Err(e).doing(writing);
    }
    let head = head.doing(reading)?;
    Ok((head, items.finish().doing(writing)?))
}

/// Parses a report, sending its items to the spill and keeping the rest; the spill's first
/// write error is kept in `failed`.
struct HeadSeed<'w> {
    items: &'w mut SpillWriter<ItemReport>,
    failed: &'w mut Option<std::io::Error>,
}

impl<'de> serde::de::DeserializeSeed<'de> for HeadSeed<'_> {
    type Value = Report;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Report, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for HeadSeed<'_> {
    type Value = Report;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a lightbox report")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Report, A::Error> {
        use serde::de::Error;
        // Field by field, each straight into its type (a report's groups can be as long as its
        // items): the fields of `Report`, every one required, nothing else.
        let mut format = None;
        let mut tool = None;
        let mut profile = None;
        let mut lang = None;
        let mut inputs = None;
        let mut summary = None;
        let mut items = false;
        let mut duplicate_groups = None;
        let mut problems = None;
        let mut side_files = None;
        let mut catalog = None;
        fn once<T>(slot: &mut Option<T>, value: T, key: &str) -> Result<(), String> {
            match slot.replace(value) {
                None => Ok(()),
                Some(_) => Err(format!("duplicate field `{key}`")),
            }
        }
        while let Some(key) = map.next_key::<String>()? {
            let done = match key.as_str() {
                "format" => {
                    let value: u32 = map.next_value()?;
                    // A report of another format is named as such before its items are read.
                    if value != FORMAT_VERSION {
                        return Err(A::Error::custom(format!(
                            "report format {value} is not {FORMAT_VERSION}: rerun `lightbox run`"
                        )));
                    }
                    once(&mut format, value, &key)
                }
                "tool" => once(&mut tool, map.next_value()?, &key),
                "profile" => once(&mut profile, map.next_value()?, &key),
                "lang" => once(&mut lang, map.next_value()?, &key),
                "inputs" => once(&mut inputs, map.next_value()?, &key),
                "summary" => once(&mut summary, map.next_value()?, &key),
                "items" if !items => {
                    items = true;
                    map.next_value_seed(ItemsSeed {
                        items: &mut *self.items,
                        failed: &mut *self.failed,
                    })?;
                    Ok(())
                }
                "duplicate_groups" => once(&mut duplicate_groups, map.next_value()?, &key),
                "problems" => once(&mut problems, map.next_value()?, &key),
                "side_files" => once(&mut side_files, map.next_value()?, &key),
                "catalog" => once(&mut catalog, map.next_value()?, &key),
                _ => Err(format!("unexpected field `{key}`")),
            };
            done.map_err(A::Error::custom)?;
        }
        fn given<T, E: serde::de::Error>(slot: Option<T>, key: &'static str) -> Result<T, E> {
            slot.ok_or_else(|| E::missing_field(key))
        }
        if !items {
            return Err(A::Error::missing_field("items"));
        }
        Ok(Report {
            format: given(format, "format")?,
            tool: given(tool, "tool")?,
            profile: given(profile, "profile")?,
            lang: given(lang, "lang")?,
            inputs: given(inputs, "inputs")?,
            summary: given(summary, "summary")?,
            items: Vec::new(),
            duplicate_groups: given(duplicate_groups, "duplicate_groups")?,
            problems: given(problems, "problems")?,
            side_files: given(side_files, "side_files")?,
            catalog: given(catalog, "catalog")?,
        })
    }
}

/// Copies the report's items to the spill, each as its JSON text (checked as JSON here, read
/// as an item when it is read back), as soon as it is read.
struct ItemsSeed<'w> {
    items: &'w mut SpillWriter<ItemReport>,
    failed: &'w mut Option<std::io::Error>,
}

impl<'de> serde::de::DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ItemsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error;
        while let Some(item) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            if let Err(e) = self.items.push_json(item.get().as_bytes()) {
                let message = e.to_string();
                *self.failed = Some(e);
                return Err(A::Error::custom(message));
            }
        }
        Ok(())
    }
}

/// True when some photo, folder, zip or sheet has an error finding (exit code 1).
pub fn blocking(summary: &Summary, problems: &[Problem]) -> bool {
    summary.rejected + summary.needs_info > 0
        || problems
            .iter()
            .any(|p| p.finding.finding.severity == Severity::Error)
}

/// Serialises the items of a sequence one at a time, each made (read from disk, say) when it is
/// written and dropped after: a long sequence never exists whole in memory. The first error of
/// the sequence ends the writing. Serialises once (a second time, as an empty sequence).
pub(crate) struct Streamed<I>(std::cell::RefCell<Option<I>>);

impl<I> Streamed<I> {
    /// Wraps a sequence.
    pub(crate) fn new(items: I) -> Streamed<I> {
        Streamed(std::cell::RefCell::new(Some(items)))
    }
}

impl<I, T, E> Serialize for Streamed<I>
where
    I: Iterator<Item = Result<T, E>>,
    T: Serialize,
    E: std::fmt::Display,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        for item in self.0.borrow_mut().take().into_iter().flatten() {
            seq.serialize_element(&item.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// A report as written: [`Report`]'s fields, in its order, with the items streamed.
#[derive(Serialize)]
#[serde(bound(serialize = "I: Iterator<Item = Result<T, E>>, T: Serialize, E: std::fmt::Display"))]
struct ReportView<'a, I, T, E> {
    format: u32,
    tool: &'a str,
    profile: &'a str,
    lang: Lang,
    inputs: &'a [String],
    summary: &'a Summary,
    items: Streamed<I>,
    duplicate_groups: &'a [Group],
    problems: &'a [Problem],
    side_files: &'a [SideFile],
    catalog: &'a str,
    #[serde(skip)]
    kind: std::marker::PhantomData<fn() -> (T, E)>,
}

/// Writes `report.json`: `head`'s fields with `items` in place of `head.items` (which are not
/// written), each item serialised as it comes, so a run need not hold its items to report them.
/// The bytes are those of the report holding those items, serialised whole (pretty, with a
/// final newline): what [`Report::from_json`] reads.
///
/// # Errors
/// When `out` cannot be written, or the first error `items` yields.
pub fn write_json<I, T, E>(
    head: &Report,
    items: I,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()>
where
    I: Iterator<Item = Result<T, E>>,
    T: Serialize,
    E: std::fmt::Display,
{
    let view = ReportView {
        format: head.format,
        tool: &head.tool,
        profile: &head.profile,
        lang: head.lang,
        inputs: &head.inputs,
        summary: &head.summary,
        items: Streamed::new(items),
        duplicate_groups: &head.duplicate_groups,
        problems: &head.problems,
        side_files: &head.side_files,
        catalog: &head.catalog,
        kind: std::marker::PhantomData,
    };
    serde_json::to_writer_pretty(&mut *out, &view)?;
    out.write_all(b"\n")
}

/// A [`Summary`] being counted, one item at a time.
pub struct Counts {
    summary: Summary,
    units: BTreeMap<String, UnitSummary>,
}

impl Counts {
    /// Starts counting: every drop is a unit, even one with no files.
    pub fn new(drops: &[Drop], duplicate_groups: usize, problems: usize) -> Counts {
        Counts {
            summary: Summary {
                duplicate_groups,
                problems,
                ..Summary::default()
            },
            units: drops
                .iter()
                .map(|d| {
                    (
                        d.unit.clone(),
                        UnitSummary {
                            unit: d.unit.clone(),
                            path: d.path.clone(),
                            kind: Some(d.kind),
                            ..UnitSummary::default()
                        },
                    )
                })
                .collect(),
        }
    }

    /// Counts an item (with its final status and findings).
    pub fn add(&mut self, item: &Item) {
        let summary = &mut self.summary;
        summary.files += 1;
        let unit = self
            .units
            .entry(item.source.unit.clone())
            .or_insert_with(|| UnitSummary {
                unit: item.source.unit.clone(),
                ..UnitSummary::default()
            });
        unit.files += 1;
        let (total, per_unit) = match item.status {
            Status::Accepted => (&mut summary.accepted, &mut unit.accepted),
            Status::NeedsInfo => (&mut summary.needs_info, &mut unit.needs_info),
            Status::Rejected => (&mut summary.rejected, &mut unit.rejected),
            Status::Duplicate => (&mut summary.duplicates, &mut unit.duplicates),
        };
        *total += 1;
        *per_unit += 1;
        for finding in &item.findings {
            let map = match finding.severity {
                Severity::Error => &mut summary.errors_by_check,
                Severity::Warn => &mut summary.warnings_by_check,
                Severity::Info => continue,
            };
            *map.entry(finding.check.code().to_string()).or_default() += 1;
        }
    }

    /// The summary of every item added.
    pub fn finish(self) -> Summary {
        Summary {
            units: self.units.into_values().collect(),
            ..self.summary
        }
    }
}

/// A CSV writer Excel reads correctly: the UTF-8 byte order mark (so it shows Chinese), then
/// records ending in CRLF, starting with `header`.
///
/// # Errors
/// When `out` cannot be written.
pub fn excel_csv<'w>(
    out: &'w mut dyn std::io::Write,
    header: &[&str],
) -> csv::Result<csv::Writer<&'w mut dyn std::io::Write>> {
    out.write_all(&[0xEF, 0xBB, 0xBF])?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(header)?;
    Ok(writer)
}

/// `findings.csv`: one row per finding, UTF-8 with a BOM so Excel shows Chinese; written to
/// `out` as the items come (from disk, say). The unit, path and message cells carry unit text
/// and go through [`inert`] (a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`); the index,
/// severity and check code are the tool's own.
///
/// # Errors
/// When `out` cannot be written, or the first error `items` yields.
pub fn write_findings_csv<I, T>(
    out: &mut dyn std::io::Write,
    items: I,
    problems: &[Problem],
    lang: Lang,
) -> std::io::Result<()>
where
    I: Iterator<Item = std::io::Result<T>>,
    T: std::borrow::Borrow<ItemReport>,
{
    let mut writer = excel_csv(out, &messages::findings_header(lang))?;
    for item in items {
        let item = item?;
        let item = item.borrow();
        for f in &item.findings {
            let index = item.index.to_string();
            let row: [Cow<str>; 6] = [
                index.as_str().into(),
                messages::severity(f.finding.severity, lang).into(),
                inert(&item.unit),
                inert(&item.path),
                f.finding.check.code().into(),
                inert(&f.message),
            ];
            writer.write_record(row.iter().map(|cell| cell.as_bytes()))?;
        }
    }
    for p in problems {
        let row: [Cow<str>; 6] = [
            "".into(),
            messages::severity(p.finding.finding.severity, lang).into(),
            inert(&p.unit),
            inert(&p.path),
            p.finding.finding.check.code().into(),
            inert(&p.finding.message),
        ];
        writer.write_record(row.iter().map(|cell| cell.as_bytes()))?;
    }
    writer.flush()
}

/// The summary printed at the end of a run.
pub fn summary_text(s: &Summary, lang: Lang) -> String {
    let mut out = String::new();
    let line = |out: &mut String, text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    let said = |summary: messages::Summary<'_>| messages::summary(&summary, lang);
    line(
        &mut out,
        said(messages::Summary::Files {
            files: s.files,
            accepted: s.accepted,
            needs_info: s.needs_info,
            rejected: s.rejected,
            duplicates: s.duplicates,
            groups: s.duplicate_groups,
        }),
    );
    let width = s
        .units
        .iter()
        .map(|u| display_width(&u.unit))
        .max()
        .unwrap_or(0);
    let head = messages::units_header(lang);
    line(
        &mut out,
        format!(
            "  {}{}  {}",
            head[0],
            " ".repeat(width.saturating_sub(display_width(head[0]))),
            head[1..].join("  ")
        ),
    );
    for u in &s.units {
        let pad = " ".repeat(width.saturating_sub(display_width(&u.unit)));
        line(
            &mut out,
            format!(
                "  {}{pad}  {:>5}  {:>5}  {:>5}  {:>5}  {:>5}",
                u.unit, u.files, u.accepted, u.needs_info, u.rejected, u.duplicates
            ),
        );
    }
    if !s.errors_by_check.is_empty() {
        line(&mut out, said(messages::Summary::ErrorsByReason));
        for (code, n) in &s.errors_by_check {
            line(&mut out, format!("  {code}: {n}"));
        }
    }
    if s.problems > 0 {
        line(
            &mut out,
            said(messages::Summary::Problems { count: s.problems }),
        );
    }
    out
}

/// Terminal columns of a string: CJK characters take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// How a report names its catalog: the path relative to `work` when the catalog is inside it
/// (`catalog.sqlite` by default), otherwise the absolute path.
pub fn catalog_reference(work: &Path, catalog: &Path) -> String {
    let absolute = |p: &Path| {
        std::fs::canonicalize(p)
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let (work, catalog) = (absolute(work), absolute(catalog));
    match catalog.strip_prefix(&work) {
        Ok(inside) => inside.to_string_lossy().replace('\\', "/"),
        Err(_) => catalog.display().to_string(),
    }
}

/// The catalog a report names, resolved against the work folder the report is in.
pub fn catalog_path(work: &Path, reference: &str) -> PathBuf {
    let path = Path::new(reference);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::path::absolute(work.join(path)).unwrap_or_else(|_| work.join(path))
    }
}

/// The key decisions are stored under: stable across reruns and across units' copies.
pub fn content_key(item: &ItemReport) -> String {
    match &item.photo {
        Some(photo) => photo.content.to_hex(),
        None => format!("path:{}", item.path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report of two items, each with a finding; one path needs JSON escapes.
    fn sample_report() -> Report {
        let item = |index: usize, path: &str| ItemReport {
            index,
            unit: "克拉玛依市科协".into(),
            path: path.into(),
            location: Location::File {
                path: PathBuf::from("/drops").join(path),
            },
            size: 10,
            status: Status::NeedsInfo,
            photo: None,
            tags: Tags::default(),
            findings: vec![ReportedFinding::new(
                &Finding::error(crate::photo::Check::MissingField {
                    field: crate::photo::Field::Caption,
                }),
                Lang::Zh,
            )],
        };
        Report {
            format: FORMAT_VERSION,
            tool: "lightbox test".into(),
            profile: "cast-2023".into(),
            lang: Lang::Zh,
            inputs: vec!["/drops".into()],
            summary: Summary::default(),
            items: vec![item(1, "a/1.jpg"), item(2, "a/2 \"引号\".jpg")],
            duplicate_groups: Vec::new(),
            problems: Vec::new(),
            side_files: vec![SideFile {
                unit: "克拉玛依市科协".into(),
                path: "a/说明.txt".into(),
                role: "note".into(),
            }],
            catalog: "catalog.sqlite".into(),
        }
    }

    #[test]
    fn a_report_read_back_keeps_its_head_and_sends_its_items_to_a_spill() {
        let dir = tempfile::tempdir().unwrap();
        let mut report = sample_report();
        report.summary.files = 3;
        let mut whole = serde_json::to_vec_pretty(&report).unwrap();
        whole.push(b'\n');
        let path = dir.path().join("report.json");
        std::fs::write(&path, &whole).unwrap();
        let (head, items) = read_spilled(&path, dir.path()).unwrap();
        let back: Vec<ItemReport> = items.iter().map(Result::unwrap).collect();
        assert_eq!(back, report.items);
        report.items.clear();
        assert_eq!(head, report);
        // Nothing but the report is left in the folder: the spill has no name.
        drop(items);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A report of another format is named as such.
        let text = String::from_utf8(whole.clone()).unwrap();
        let other = text.replacen("\"format\": 1,", "\"format\": 7,", 1);
        assert_ne!(other, text);
        std::fs::write(&path, other).unwrap();
        let err = format!("{:#}", read_spilled(&path, dir.path()).unwrap_err());
        assert!(err.contains("report format 7 is not 1"), "{err}");
        assert!(
            err.starts_with(&format!("reading {}", path.display())),
            "{err}"
        );
        // A report cut short (a copy that stopped half-way) is an error, not fewer items.
        std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
        assert!(read_spilled(&path, dir.path()).is_err());
        // So is a field a report does not have, or one it has twice.
        for (from, to) in [
            ("\"catalog\":", "\"catalogue\":"),
            ("\"tool\":", "\"tool\": \"x\", \"tool\":"),
        ] {
            std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
            let err = format!("{:#}", read_spilled(&path, dir.path()).unwrap_err());
            assert!(err.contains("field `"), "{err}");
        }
        // A spill that cannot be made is named, with its I/O error.
        std::fs::write(&path, &whole).unwrap();
        let nowhere = dir.path().join("gone");
        let err = read_spilled(&path, &nowhere).unwrap_err();
        assert!(
            format!("{err:#}").contains(&nowhere.display().to_string()),
            "{err:#}"
        );
        let io = err.chain().find_map(|e| e.downcast_ref::<std::io::Error>());
        assert_eq!(
            io.map(std::io::Error::kind),
            Some(std::io::ErrorKind::NotFound)
        );
        // So is trailing text after the report.
        let mut trailing = whole.clone();
        trailing.extend_from_slice(b"{}");
        std::fs::write(&path, trailing).unwrap();
        assert!(read_spilled(&path, dir.path()).is_err());
    }

    #[test]
    fn a_report_written_item_by_item_is_the_report_serialised_whole() {
        let mut report = sample_report();
        let mut whole = serde_json::to_vec_pretty(&report).unwrap();
        whole.push(b'\n');
        let items = std::mem::take(&mut report.items);
        let mut streamed = Vec::new();
        write_json(
            &report,
            items.iter().map(Ok::<_, std::io::Error>),
            &mut streamed,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(whole).unwrap()
        );
        // No items at all: still an empty list where the items go.
        let mut empty = Vec::new();
        write_json(
            &report,
            std::iter::empty::<std::io::Result<ItemReport>>(),
            &mut empty,
        )
        .unwrap();
        let mut whole = serde_json::to_vec_pretty(&report).unwrap();
        whole.push(b'\n');
        assert_eq!(empty, whole);
        assert_eq!(Report::from_json(&empty).unwrap(), report);
        // An item that cannot be read ends the writing with its error.
        let failing = [Err(std::io::Error::other("gone"))].into_iter();
        let err = write_json::<_, ItemReport, _>(&report, failing, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("gone"), "{err}");
    }
}

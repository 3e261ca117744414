//! Package: the accepted photos for CAST, renamed `年份+地州市+活动名称+序号.jpg` in year
//! folders, with manifests Excel opens correctly and checksums a receiver can verify.
//!
//! In: a work folder's `report.json` and the original sources it names. Out: the package folder:
//! `<year>/<name>.jpg`, `manifest.csv` (UTF-8 with BOM), `manifest.json`, `sha256sums.txt`.
//! Invariants: built in a staging folder beside the target and renamed into place at the end,
//! so the target is either the old package or the whole new one; a source whose bytes changed
//! since the run is left out with a reason, never packaged unchecked; the same report and sources
//! give byte-identical manifests.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, Packaged};
use crate::ingest;
use crate::lang::Lang;
use crate::output;
use crate::photo::{Check, ContentHash, Format, Source, Status};
use crate::report::{ItemReport, Report};
use crate::review::{self, Decisions, Verdict};

/// JPEG quality for photos converted from other formats: visually lossless.
const CONVERT_QUALITY: u8 = 92;

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
}

impl SkipCode {
    /// Whether staff must act: the source changed or broke, or a curator's accept cannot be
    /// honoured. A curator's own choices and photos packaged before are not problems.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            SkipCode::SourceChanged | SkipCode::Unreadable | SkipCode::AcceptedWithErrors
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

/// What `package` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageSummary {
    /// The packaged photos, in package order.
    pub entries: Vec<ManifestEntry>,
    /// Candidates left out, with reasons: curators' choices first, then in item order.
    pub skipped: Vec<Skipped>,
}

impl PackageSummary {
    /// Whether a left-out photo needs staff's attention (see [`SkipCode::is_problem`]).
    pub fn has_problems(&self) -> bool {
        self.skipped.iter().any(|s| s.code.is_problem())
    }
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

/// Builds the package of `work` at `to`.
///
/// # Errors
/// When the report cannot be read, or the package cannot be written (the error names the path);
/// nothing is left half-written at `to`.
pub fn package(
    work: &Path,
    to: &Path,
    decisions: Option<&Path>,
    lang: Lang,
) -> anyhow::Result<PackageSummary> {
    let report_path = work.join("report.json");
    let bytes = fs::read(&report_path).with_context(|| {
        format!(
            "reading {} (run `lightbox run` first)",
            report_path.display()
        )
    })?;
    let report =
        Report::from_json(&bytes).with_context(|| format!("reading {}", report_path.display()))?;
    let package_id = std::path::absolute(to)
        .with_context(|| format!("resolving {}", to.display()))?
        .display()
        .to_string();
    let mut catalog = Catalog::open(&crate::report::catalog_path(work, &report.catalog))?;
    // A package killed before its end left its staging folder (or the old package, moved
    // aside) beside the target; the catalog's lock keeps other packages of this work out.
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
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
    let mut elsewhere = BTreeMap::new();
    for item in &report.items {
        let Some(photo) = &item.photo else { continue };
        if let Some(held) = catalog
            .packaged(&photo.content)?
            .into_iter()
            .find(|p| p.package != package_id)
        {
            elsewhere.insert(item.index, held);
        }
    }
    let (selected, skipped) = select(&report, &decisions, &elsewhere, lang);
    let staging = output::staging_dir(to)
        .with_context(|| format!("creating a staging folder beside {}", to.display()))?;
    let summary = build(&selected, skipped, staging.path(), lang)
        .with_context(|| format!("writing the package at {}", to.display()))?;
    output::replace_dir(staging, to)
        .with_context(|| format!("moving the package into place at {}", to.display()))?;
    let held: Vec<(ContentHash, String, String, String)> = summary
        .entries
        .iter()
        .filter_map(|e| {
            ContentHash::from_hex(&e.content)
                .map(|c| (c, e.file.clone(), e.unit.clone(), e.original.clone()))
        })
        .collect();
    catalog.record_package(&package_id, &held)?;
    Ok(summary)
}

/// Decides what goes in: accepted photos, less those a curator rejected and those another
/// package holds; a curator's keeper replaces the automatic one of its group (taking the
/// automatic keeper's tags where it lacks its own). Every candidate left out is returned with
/// its reason.
fn select(
    report: &Report,
    decisions: &Decisions,
    elsewhere: &BTreeMap<usize, Packaged>,
    lang: Lang,
) -> (Vec<ItemReport>, Vec<Skipped>) {
    let zh = lang == Lang::Zh;
    let mut skipped = Vec::new();
    let mut skip = |item: &ItemReport, code: SkipCode, reason: String| {
        skipped.push(Skipped {
            original: item.path.clone(),
            code,
            reason,
        });
    };
    let by_index = |index: usize| report.items.get(index.wrapping_sub(1));
    // Keeper overrides: automatic keeper → the curator's. The curator's choice is found by path
    // first (identical copies share their content), then by content (the copy moved or was
    // renamed since the page was made).
    let mut overrides: BTreeMap<usize, usize> = BTreeMap::new();
    for group in &report.duplicate_groups {
        let Some(auto) = group.keeper else { continue };
        let others = || group.members.iter().copied().filter(|&m| m != auto);
        let by_path = others().find(|&m| {
            by_index(m).is_some_and(|i| decisions.keepers.iter().any(|k| k.path == i.path))
        });
        let auto_key = by_index(auto).map(review::content_key);
        let by_content = || {
            others().find(|&m| {
                by_index(m).is_some_and(|i| {
                    let key = review::content_key(i);
                    Some(&key) != auto_key.as_ref()
                        && decisions.keepers.iter().any(|k| k.content == key)
                })
            })
        };
        let auto_chosen =
            by_index(auto).is_some_and(|i| decisions.keepers.iter().any(|k| k.path == i.path));
        if auto_chosen {
            continue;
        }
        if let Some(chosen) = by_path.or_else(by_content) {
            overrides.insert(auto, chosen);
        }
    }
    let mut selected = Vec::new();
    for item in &report.items {
        let verdict = decisions.verdict(&review::content_key(item));
        let candidate = item.status == Status::Accepted;
        if let Some(&chosen) = overrides.get(&item.index) {
            let mut replacement = by_index(chosen).expect("group members are items").clone();
            let chosen_verdict = decisions.verdict(&review::content_key(&replacement));
            let errors = replacement
                .findings
                .iter()
                .any(|f| f.finding.severity == crate::photo::Severity::Error);
            if candidate && !errors && chosen_verdict != Some(Verdict::Reject) {
                replacement.tags.fill_from(&item.tags);
                skip(
                    item,
                    SkipCode::CuratorKeeper,
                    if zh {
                        format!("审核人改为保留 {}", replacement.path)
                    } else {
                        format!("the curator kept {} instead", replacement.path)
                    },
                );
                selected.push(replacement);
                continue;
            }
        }
        if !candidate {
            if verdict == Some(Verdict::Accept) && item.status != Status::Duplicate {
                skip(
                    item,
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
                item,
                SkipCode::CuratorRejected,
                if zh {
                    "审核人不采用".into()
                } else {
                    "rejected by the curator".into()
                },
            );
            continue;
        }
        if let Some(held) = elsewhere.get(&item.index) {
            let check = Check::AlreadyPackaged {
                file: held.file.clone(),
                package: held.package.clone(),
                unit: held.unit.clone(),
            };
            skip(item, SkipCode::AlreadyPackaged, check.message(lang));
            continue;
        }
        selected.push(item.clone());
    }
    (selected, skipped)
}

/// Orders the selected items and gives each its package name.
fn plan(selected: &[ItemReport]) -> Vec<(&ItemReport, String)> {
    let mut accepted: Vec<&ItemReport> = selected.iter().collect();
    let key = |i: &ItemReport| {
        let t = &i.tags;
        (
            t.year.as_ref().map(|y| y.value).unwrap_or_default(),
            place_name(i),
            t.event
                .as_ref()
                .map(|e| safe_name_part(&e.value))
                .unwrap_or_default(),
            i.index,
        )
    };
    accepted.sort_by_key(|i| key(i));
    let mut counters: BTreeMap<(i32, String, String), u32> = BTreeMap::new();
    accepted
        .into_iter()
        .map(|item| {
            let (year, place, event, _) = key(item);
            let n = counters
                .entry((year, place.clone(), event.clone()))
                .or_default();
            *n += 1;
            (item, format!("{year}/{year}+{place}+{event}+{n:02}.jpg"))
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

fn build(
    selected: &[ItemReport],
    skipped: Vec<Skipped>,
    dir: &Path,
    lang: Lang,
) -> anyhow::Result<PackageSummary> {
    let mut summary = PackageSummary {
        entries: Vec::new(),
        skipped,
    };
    for (item, name) in plan(selected) {
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
                summary.skipped.push(Skipped {
                    original: item.path.clone(),
                    code: SkipCode::SourceChanged,
                    reason: changed_reason(lang),
                });
                continue;
            }
            Err(e) => {
                summary.skipped.push(Skipped {
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
                    summary.skipped.push(Skipped {
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
        summary
            .entries
            .push(entry(item, &name, &bytes, converted_from));
    }
    fs::write(
        dir.join("manifest.csv"),
        manifest_csv(&summary.entries, lang),
    )
    .context("writing manifest.csv")?;
    let mut json = serde_json::to_vec_pretty(&summary).expect("manifests serialise");
    json.push(b'\n');
    fs::write(dir.join("manifest.json"), json).context("writing manifest.json")?;
    let sums: String = summary
        .entries
        .iter()
        .map(|e| format!("{}  {}\n", e.sha256, e.file))
        .collect();
    fs::write(dir.join("sha256sums.txt"), sums).context("writing sha256sums.txt")?;
    Ok(summary)
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

/// `manifest.csv`: UTF-8 with a BOM, CRLF, one row per packaged photo.
pub fn manifest_csv(entries: &[ManifestEntry], lang: Lang) -> Vec<u8> {
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
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(header).expect("writing to memory");
        for e in entries {
            writer
                .write_record([
                    e.file.as_str(),
                    &e.year.to_string(),
                    &e.place,
                    &e.county,
                    &e.event,
                    &e.caption,
                    &e.photographer,
                    &e.unit,
                    &e.original,
                    &e.width.to_string(),
                    &e.height.to_string(),
                    &e.bytes.to_string(),
                    &e.converted_from,
                    &e.sha256,
                    &e.content,
                    &e.sources,
                ])
                .expect("writing to memory");
        }
        writer.flush().expect("writing to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_for_windows() {
        assert_eq!(safe_name_part("科普/进校园:第1期?"), "科普_进校园_第1期_");
        assert_eq!(safe_name_part("  ..x.. "), "x");
    }
}

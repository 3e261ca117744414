//! Assembling bags: each bag's payload files beyond its photos (the manifest table,
//! `manifest.json`, the reading copies), its `bag-info.txt`, and the split into zipped parts.
//!
//! In: the packaged photos, already under a staging folder's `data/`, and their manifest rows
//! (on disk). Out: complete bags in the staging folder, or zips of them.
//! Invariants: a bag's payload is complete before its manifests are computed (see
//! [`super::bag::finish`]); the identifier comes from the photos' checksums and the date from
//! the run, so the same work gives the same bags.

use std::collections::HashMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::Path;

use crate::broken::{Doing, Step};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{
    ManifestEntry, PackageOptions, Skipped, bag, parts, write_manifest_csv, write_reading_copies,
};
use crate::lang::Lang;
use crate::profile::Profile;
use crate::progress::Progress;
use crate::spill::Spill;

/// The package's `External-Identifier`: the profile, the bagging date and the first 12 hex
/// digits of the SHA-256 of its photos' `sha256  data/<file>` lines. The same photos give the
/// same identifier, split or not.
///
/// # Errors
/// When a manifest row cannot be read back.
pub(super) fn identifier(
    profile: &str,
    date: &str,
    entries: &Spill<ManifestEntry>,
) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    for e in entries.iter() {
        let e = e.doing(|| Step::ReadBack)?;
        hasher.update(format!("{}  data/{}\n", e.sha256, e.file).as_bytes());
    }
    let digest = bag::hex(&hasher.finalize());
    Ok(format!(
        "{profile}-{}-{}",
        date.replace('-', ""),
        &digest[..12]
    ))
}

/// `bag-info.txt` before what each bag adds (its group and count, its size): who sends it
/// (`options` over `profile`), what it is, when, its identifier and the package it follows.
pub(super) fn base_info(
    profile: &Profile,
    options: &PackageOptions,
    date: &str,
    identifier: &str,
    follows: Option<&str>,
) -> bag::BagInfo {
    let pick = |flag: &str, profile: &str| -> String {
        if flag.trim().is_empty() {
            profile.to_string()
        } else {
            flag.to_string()
        }
    };
    let (p, o) = (&profile.package, &options.info);
    let mut info = bag::BagInfo::default();
    info.add(
        "Source-Organization",
        &pick(&o.source_organization, &p.source_organization),
    );
    info.add(
        "Organization-Address",
        &pick(&o.organization_address, &p.organization_address),
    );
    info.add("Contact-Name", &pick(&o.contact_name, &p.contact_name));
    info.add("Contact-Phone", &pick(&o.contact_phone, &p.contact_phone));
    info.add("Contact-Email", &pick(&o.contact_email, &p.contact_email));
    let description = pick(&o.external_description, &p.external_description);
    let description = match description.is_empty() {
        true => profile.title.clone(),
        false => description,
    };
    info.add("External-Description", &description);
    info.add("External-Identifier", identifier);
    info.add("Bagging-Date", date);
    info.add("Follows-Package", follows.unwrap_or(""));
    info
}

/// What every bag of one package shares.
pub(super) struct BagPlan {
    pub(super) info: bag::BagInfo,
    pub(super) date: String,
    pub(super) identifier: String,
    /// What the reading copies print (title, sender, date, language); each bag sets its part.
    pub(super) book: crate::package::book::BookInfo,
    /// Where each photo's thumbnail and preview wait, for the reading copies.
    pub(super) derived: crate::photo::DerivedDirs,
    pub(super) lang: Lang,
}

/// Which part a bag is: its number (from 1) and how many there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// From 1.
    pub index: usize,
    /// How many parts the package has.
    pub count: usize,
}

impl BagPlan {
    /// Completes the bag at `dir`, whose photos of `own` (positions in `entries`) are in place
    /// under `dir/data/`: the payload's other files first (the manifest table, `manifest.json`
    /// with `skipped`, the reading copies), then the tag files over all of `data/`.
    pub(super) fn write(
        &self,
        dir: &Path,
        entries: &Spill<ManifestEntry>,
        own: Range<usize>,
        skipped: &[Skipped],
        part: Option<Part>,
        progress: &dyn Progress,
    ) -> anyhow::Result<()> {
        let data = dir.join("data");
        fs::create_dir_all(&data).doing(|| Step::Create(data.to_path_buf()))?;
        let rows = || entries.iter().skip(own.start).take(own.len());
        write_manifests(&data, rows, skipped, self.lang)?;
        // Part 1 of several lists the whole collection in its reading copies.
        let listed = match part {
            Some(Part { index: 1, .. }) => 0..entries.len(),
            _ => own.clone(),
        };
        let book = crate::package::book::BookInfo {
            part: part.map(|p| (p.index, p.count)),
            ..self.book.clone()
        };
        write_reading_copies(
            &data,
            entries,
            own.clone(),
            listed,
            &book,
            &self.derived,
            progress,
        )?;
        let mut known = HashMap::new();
        for e in rows() {
            let e = e.doing(|| Step::ReadBack)?;
            let digests = bag::Digests {
                sha256: e.sha256,
                sha512: e.sha512,
                bytes: e.bytes,
            };
            known.insert(e.file, digests);
        }
        let mut info = self.info.clone();
        if let Some(part) = part {
            let id = format!("{}-{}of{}", self.identifier, part.index, part.count);
            for (label, value) in &mut info.fields {
                if label == "External-Identifier" {
                    *value = id.clone();
                }
            }
            info.add("Bag-Group-Identifier", &self.identifier);
            info.add("Bag-Count", &format!("{} of {}", part.index, part.count));
        }
        bag::finish(dir, &info, &known)
    }

    /// Splits the photos under `staging/data/` into parts of at most `limit` bytes and writes
    /// each as a bag zipped into `staging/<name>-KofN.zip`; `staging` then holds only the zips.
    /// Returns the zips' names.
    pub(super) fn write_parts(
        &self,
        staging: &Path,
        name: &str,
        entries: &Spill<ManifestEntry>,
        skipped: &[Skipped],
        limit: u64,
        progress: &dyn Progress,
    ) -> anyhow::Result<Vec<String>> {
        let sizes: Vec<u64> = entries
            .iter()
            .map(|e| e.map(|e| e.bytes))
            .collect::<std::io::Result<_>>()
            .doing(|| Step::ReadBack)?;
        let ranges = parts::plan(&sizes, limit);
        let count = ranges.len();
        let all = staging.join("data");
        let time = parts::zip_time(&self.date);
        let mut names = Vec::new();
        for (i, own) in ranges.into_iter().enumerate() {
            let part = Part {
                index: i + 1,
                count,
            };
            let root = parts::part_name(name, part.index, count);
            let dir = staging.join(format!(".{root}"));
            for e in entries.iter().skip(own.start).take(own.len()) {
                let e = e.doing(|| Step::ReadBack)?;
                let target = dir.join("data").join(&e.file);
                fs::create_dir_all(target.parent().expect("package names have a year folder"))
                    .doing(|| Step::Create(target.to_path_buf()))?;
                fs::rename(all.join(&e.file), &target).doing(|| Step::IntoPart {
                    name: e.file.clone(),
                    part: part.index,
                })?;
            }
            let left_out: &[Skipped] = if part.index == 1 { skipped } else { &[] };
            self.write(&dir, entries, own, left_out, Some(part), progress)?;
            let zip = format!("{root}.zip");
            progress.stage("zip", 1);
            parts::zip_bag(&dir, &root, &staging.join(&zip), time)?;
            progress.advance(1);
            progress.finish();
            fs::remove_dir_all(&dir).doing(|| Step::Remove(dir.to_path_buf()))?;
            names.push(zip);
        }
        if all.exists() {
            fs::remove_dir_all(&all).doing(|| Step::Remove(all.to_path_buf()))?;
        }
        Ok(names)
    }
}

/// Writes `manifest.csv` and `manifest.json` into `data`: the rows `rows` gives, and the
/// candidates left out.
fn write_manifests<'a, F, I>(
    data: &Path,
    rows: F,
    skipped: &[Skipped],
    lang: Lang,
) -> anyhow::Result<()>
where
    F: Fn() -> I,
    I: Iterator<Item = std::io::Result<ManifestEntry>> + 'a,
{
    let create = |name: &str| -> anyhow::Result<BufWriter<fs::File>> {
        let file = fs::File::create(data.join(name)).doing(|| Step::Write(data.join(name)))?;
        Ok(BufWriter::new(file))
    };
    let mut csv = create("manifest.csv")?;
    write_manifest_csv(&mut csv, rows(), lang).doing(|| Step::Write(data.join("manifest.csv")))?;
    csv.into_inner()
        .map_err(|e| e.into_error())
        .doing(|| Step::Write(data.join("manifest.csv")))?;
    let mut json = create("manifest.json")?;
    let view = ManifestView {
        entries: crate::report::Streamed::new(rows()),
        skipped,
    };
    serde_json::to_writer_pretty(&mut json, &view)
        .doing(|| Step::Write(data.join("manifest.json")))?;
    drop(view);
    json.write_all(b"\n")
        .and_then(|()| json.flush())
        .doing(|| Step::Write(data.join("manifest.json")))?;
    Ok(())
}

/// `manifest.json` as written: [`PackageSummary`]'s fields, the rows streamed.
#[derive(Serialize)]
#[serde(bound(serialize = "crate::report::Streamed<I>: Serialize"))]
struct ManifestView<'a, I> {
    entries: crate::report::Streamed<I>,
    skipped: &'a [Skipped],
}

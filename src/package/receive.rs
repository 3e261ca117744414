//! The receiver's check (`lightbox verify`): whether a package arrived whole, as a bag folder or
//! as zipped parts, without extracting anything.
//!
//! In: paths, each a bag folder, a package folder of zipped parts, or one part's zip. Out: an
//! [`Outcome`]: what was checked, each finding naming its file and what is wrong, and the paths
//! that could not be read at all.
//! Invariants: nothing given is written or extracted; every payload and tag file is read once,
//! streamed, in parallel on the current rayon pool, and checked against every manifest that
//! lists it; a missing file, an extra file, a wrong checksum, a wrong `Payload-Oxum`, a name off
//! the naming rule and a 汇总表 or manifest table row without its photo or a photo without its
//! row are findings; bad input (garbage, a truncated zip) is a finding or an unreadable path,
//! never a panic.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use zip::ZipArchive;

use super::bag::{Algorithm, BagInfo, Digests, decode_path};
use super::rows::{csv_rows, name_rule, xlsx_rows};
use crate::progress::Progress;
pub use crate::receipt::{Finding, Issue};

/// Files a package writes at the root of `data/` besides the year folders.
pub const PAYLOAD_FILES: [&str; 4] = ["manifest.csv", "manifest.json", "汇总表.xlsx", "图录.pdf"];

/// One bag checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The bag, as given.
    pub bag: String,
    /// Payload files read.
    pub files: usize,
    /// Payload bytes read.
    pub bytes: u64,
    /// Its `Bag-Count`, when it is a part.
    pub part: Option<String>,
}

/// What `lightbox verify` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The bags checked.
    pub checked: Vec<Checked>,
    /// Every bad file, in the order the bags were given, each bag's sorted by file.
    pub findings: Vec<Finding>,
    /// Paths that could not be read as a bag at all, with why.
    pub unreadable: Vec<(String, String)>,
}

impl Outcome {
    /// The exit code: 2 when a path could not be read, 1 with findings, 0 when whole.
    pub fn code(&self) -> u8 {
        if !self.unreadable.is_empty() {
            2
        } else if !self.findings.is_empty() {
            1
        } else {
            0
        }
    }
}

/// Checks each of `paths` (see the module's header), on the current rayon pool. Progress: for
/// each bag the stage `verify`, in bytes read.
pub fn verify(paths: &[PathBuf], progress: &dyn Progress) -> Outcome {
    let mut outcome = Outcome::default();
    // Part 1 of several lists the whole collection: its rows are matched against every part
    // given, by group.
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for path in paths {
        for store in stores(path, &mut outcome) {
            let label = store.label();
            match check(&store, progress) {
                Ok(bag) => {
                    outcome.findings.extend(bag.findings);
                    outcome.checked.push(Checked {
                        bag: label.clone(),
                        files: bag.files,
                        bytes: bag.bytes,
                        part: bag.info.get("Bag-Count").map(str::to_string),
                    });
                    if let Some(id) = bag.info.get("Bag-Group-Identifier") {
                        let group = groups.entry(id.to_string()).or_default();
                        group.photos.extend(bag.photos);
                        group.parts += 1;
                        group.count = bag
                            .info
                            .get("Bag-Count")
                            .and_then(|c| c.split_whitespace().last()?.parse().ok())
                            .unwrap_or(0);
                        if let Some(rows) = bag.whole_rows {
                            group.rows = Some((label, rows));
                        }
                    }
                }
                Err(reason) => outcome.unreadable.push((label, reason)),
            }
        }
    }
    for group in groups.values() {
        let Some((label, (table, rows))) = &group.rows else {
            continue;
        };
        if group.parts < group.count {
            continue;
        }
        for row in rows.difference(&group.photos) {
            outcome.findings.push(Finding {
                bag: label.clone(),
                file: format!("data/{row}"),
                issue: Issue::RowWithoutFile {
                    table: table.clone(),
                },
            });
        }
    }
    outcome
}

/// The parts of one package seen so far.
#[derive(Default)]
struct Group {
    photos: BTreeSet<String>,
    parts: usize,
    count: usize,
    /// The label of part 1 and its table's rows (paths below `data/`).
    rows: Option<(String, (String, BTreeSet<String>))>,
}

/// The bags at `path`: a bag folder, the zips in a package folder, or a zip. What cannot be read
/// goes to `outcome`.
fn stores(path: &Path, outcome: &mut Outcome) -> Vec<Store> {
    let label = path.display().to_string();
    let zh_en = |e: &dyn std::fmt::Display| e.to_string();
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => {
            outcome.unreadable.push((label, zh_en(&e)));
            return Vec::new();
        }
    };
    if meta.is_dir() {
        if path.join("bagit.txt").is_file() {
            return vec![Store::Dir(path.to_path_buf())];
        }
        let mut zips: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")))
                .collect(),
            Err(e) => {
                outcome.unreadable.push((label, zh_en(&e)));
                return Vec::new();
            }
        };
        zips.sort();
        if zips.is_empty() {
            outcome.unreadable.push((
                label,
                "not a bag (no bagit.txt) and no zipped parts / 不是 BagIt 包（没有 bagit.txt），也没有 zip 分卷".into(),
            ));
        }
        return zips.iter().filter_map(|z| open_zip(z, outcome)).collect();
    }
    open_zip(path, outcome).into_iter().collect()
}

/// Opens a part's zip: a damaged zip is a finding, a file that is no zip at all unreadable.
fn open_zip(path: &Path, outcome: &mut Outcome) -> Option<Store> {
    let label = path.display().to_string();
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            outcome.unreadable.push((label, e.to_string()));
            return None;
        }
    };
    let mut head = [0u8; 4];
    let looks_like_zip = (&file).read_exact(&mut head).is_ok() && head == *b"PK\x03\x04";
    let at = match At::new(file) {
        Ok(at) => at,
        Err(e) => {
            outcome.unreadable.push((label, e.to_string()));
            return None;
        }
    };
    match ZipArchive::new(at) {
        Ok(archive) => match zip_index(&archive) {
            Ok((root, index)) => Some(Store::Zip {
                path: path.to_path_buf(),
                archive,
                root,
                index,
            }),
            Err(reason) => {
                outcome.unreadable.push((label, reason));
                None
            }
        },
        Err(e) if looks_like_zip => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            outcome.findings.push(Finding {
                bag: label,
                file: name,
                issue: Issue::DamagedZip {
                    reason: e.to_string(),
                },
            });
            None
        }
        Err(e) => {
            outcome.unreadable.push((
                label,
                format!("neither a bag nor a zip / 既不是 BagIt 包也不是 zip: {e}"),
            ));
            None
        }
    }
}

/// The bag's folder inside a zip (the one folder that holds `bagit.txt`, or the zip's top) and
/// its files: path below that folder → (entry index, size).
type ZipIndex = (String, BTreeMap<String, (usize, u64)>);

fn zip_index(archive: &ZipArchive<At>) -> Result<ZipIndex, String> {
    let mut archive = archive.clone();
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i).map_err(|e| e.to_string())?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().map_err(|e| e.to_string())?.into_owned();
        names.push((name, i, file.size()));
    }
    let root = if names.iter().any(|(n, _, _)| n == "bagit.txt") {
        String::new()
    } else {
        let roots: BTreeSet<&str> = names
            .iter()
            .filter_map(|(n, _, _)| n.strip_suffix("/bagit.txt"))
            .filter(|r| !r.contains('/'))
            .collect();
        match roots.into_iter().next() {
            Some(r) => format!("{r}/"),
            None => {
                return Err(
                    "a zip without a bag (no bagit.txt) / zip 中没有 BagIt 包（没有 bagit.txt）"
                        .into(),
                );
            }
        }
    };
    let index = names
        .into_iter()
        .filter_map(|(n, i, size)| Some((n.strip_prefix(&root)?.to_string(), (i, size))))
        .collect();
    Ok((root, index))
}

/// A file read at positions, so that every worker reading a zip has its own cursor over one
/// open file.
#[derive(Clone)]
struct At {
    file: Arc<File>,
    pos: u64,
    len: u64,
}

impl At {
    fn new(file: File) -> io::Result<At> {
        let len = file.metadata()?.len();
        Ok(At {
            file: Arc::new(file),
            pos: 0,
            len,
        })
    }
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for At {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos =
            pos.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before 0"))?;
        Ok(self.pos)
    }
}

/// Where a bag's files are read from.
enum Store {
    /// A folder.
    Dir(PathBuf),
    /// A zip, not extracted.
    Zip {
        path: PathBuf,
        archive: ZipArchive<At>,
        root: String,
        index: BTreeMap<String, (usize, u64)>,
    },
}

impl Store {
    fn label(&self) -> String {
        match self {
            Store::Dir(p) | Store::Zip { path: p, .. } => p.display().to_string(),
        }
    }

    /// The bag's files (paths below it, `/`, sorted) with their sizes.
    fn files(&self) -> Result<Vec<(String, u64)>, String> {
        match self {
            Store::Dir(dir) => super::bag::files_below(dir).map_err(|e| format!("{e:#}")),
            Store::Zip { index, .. } => {
                Ok(index.iter().map(|(n, (_, s))| (n.clone(), *s)).collect())
            }
        }
    }

    /// Runs `f` over one file of the bag, streamed.
    fn with_reader<T>(
        &self,
        name: &str,
        f: impl FnOnce(&mut dyn Read) -> io::Result<T>,
    ) -> io::Result<T> {
        match self {
            Store::Dir(dir) => f(&mut File::open(dir.join(name))?),
            Store::Zip {
                archive,
                index,
                root,
                ..
            } => {
                let (i, _) = index.get(name).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, format!("{root}{name}"))
                })?;
                let mut archive = archive.clone();
                let mut file = archive.by_index(*i).map_err(io::Error::other)?;
                f(&mut file)
            }
        }
    }

    fn digests(&self, name: &str) -> io::Result<Digests> {
        self.with_reader(name, |r| Digests::read(r))
    }

    /// A small file whole (at most `limit` bytes).
    fn read(&self, name: &str, limit: u64) -> io::Result<Vec<u8>> {
        self.with_reader(name, |r| {
            let mut bytes = Vec::new();
            r.take(limit).read_to_end(&mut bytes)?;
            Ok(bytes)
        })
    }
}

/// One bag's check.
struct BagCheck {
    info: BagInfo,
    findings: Vec<Finding>,
    files: usize,
    bytes: u64,
    /// The photos (paths below `data/`).
    photos: BTreeSet<String>,
    /// Part 1 of several: its table and the rows it lists beyond its own photos.
    whole_rows: Option<(String, BTreeSet<String>)>,
}

/// A table's reader: its bytes → the paths below `data/` its rows name.
type ReadRows = fn(&[u8]) -> Result<Vec<String>, String>;

/// Tag files and tables are read whole up to this size; a larger one is damage.
const SMALL: u64 = 256 << 20;
/// The 汇总表 is read whole up to this size (its thumbnails make it about 4 KB a photo: a
/// quarter of a million photos in one bag).
const LARGE: u64 = 1 << 30;

/// Checks one bag. An error is a bag that cannot be read at all.
fn check(store: &Store, progress: &dyn Progress) -> Result<BagCheck, String> {
    let bag = store.label();
    let files = store.files()?;
    let sizes: BTreeMap<&str, u64> = files.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    if !sizes.contains_key("bagit.txt") {
        return Err("not a bag (no bagit.txt) / 不是 BagIt 包（没有 bagit.txt）".into());
    }
    let mut findings = Vec::new();
    let mut found = |file: &str, issue: Issue| {
        findings.push(Finding {
            bag: bag.clone(),
            file: file.to_string(),
            issue,
        });
    };
    let text = |name: &str| -> Result<String, String> {
        store
            .read(name, SMALL)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| e.to_string())
    };
    match text("bagit.txt") {
        Ok(t) if t.contains("BagIt-Version:") && t.contains("Tag-File-Character-Encoding:") => {}
        Ok(_) => found("bagit.txt", Issue::BadDeclaration),
        Err(reason) => found("bagit.txt", Issue::Unreadable { reason }),
    }
    let info = match sizes.contains_key("bag-info.txt") {
        true => match text("bag-info.txt") {
            Ok(t) => BagInfo::parse(&t),
            Err(reason) => {
                found("bag-info.txt", Issue::Unreadable { reason });
                BagInfo::default()
            }
        },
        false => BagInfo::default(),
    };
    // Every manifest: file → the checksums it must have, by algorithm.
    let mut expected: BTreeMap<String, Vec<(Algorithm, String, String)>> = BTreeMap::new();
    let mut payload_manifests = Vec::new();
    for (name, _) in files.iter().filter(|(n, _)| !n.contains('/')) {
        let Some(algorithm) = Algorithm::of_manifest(name) else {
            continue;
        };
        let tag = name.starts_with("tagmanifest-");
        if !tag {
            payload_manifests.push(name.clone());
        }
        let manifest = match text(name) {
            Ok(t) => t,
            Err(reason) => {
                found(name, Issue::Unreadable { reason });
                continue;
            }
        };
        for (i, line) in manifest.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let Some((sum, path)) = line.split_once([' ', '\t']) else {
                found(name, Issue::BadLine { line: i + 1 });
                continue;
            };
            let path = decode_path(path.trim_start_matches([' ', '\t']));
            let path = path.strip_prefix("./").unwrap_or(&path).to_string();
            if (!tag && !path.starts_with("data/")) || sum.is_empty() {
                found(name, Issue::BadLine { line: i + 1 });
                continue;
            }
            expected.entry(path).or_default().push((
                algorithm,
                sum.to_ascii_lowercase(),
                name.clone(),
            ));
        }
    }
    if payload_manifests.is_empty() {
        found("manifest-sha256.txt", Issue::NoManifest);
    }
    let payload: Vec<&(String, u64)> = files
        .iter()
        .filter(|(n, _)| n.starts_with("data/"))
        .collect();
    for (path, _) in &payload {
        let listed: BTreeSet<&str> = expected
            .get(path.as_str())
            .map(|v| v.iter().map(|(_, _, m)| m.as_str()).collect())
            .unwrap_or_default();
        if listed.is_empty() {
            found(path, Issue::Extra);
            continue;
        }
        for manifest in &payload_manifests {
            if !listed.contains(manifest.as_str()) {
                found(
                    path,
                    Issue::Unlisted {
                        manifest: manifest.clone(),
                    },
                );
            }
        }
    }
    for (path, sums) in &expected {
        if !sizes.contains_key(path.as_str()) {
            for (_, _, manifest) in sums {
                found(
                    path,
                    Issue::Missing {
                        manifest: manifest.clone(),
                    },
                );
            }
        }
    }
    let bytes: u64 = payload.iter().map(|(_, s)| s).sum();
    if let Some(oxum) = info.get("Payload-Oxum") {
        let actual = format!("{bytes}.{}", payload.len());
        if oxum.trim() != actual {
            found(
                "bag-info.txt",
                Issue::Oxum {
                    expected: oxum.trim().to_string(),
                    found: actual,
                },
            );
        }
    }
    // The checksums: every listed file that is there, read once, in parallel; larger first so
    // the workers end together.
    let mut to_read: Vec<(&str, u64)> = expected
        .keys()
        .filter_map(|p| sizes.get(p.as_str()).map(|s| (p.as_str(), *s)))
        .collect();
    to_read.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    progress.stage("verify", to_read.iter().map(|(_, size)| size).sum());
    let read: Vec<(&str, io::Result<Digests>)> = to_read
        .par_iter()
        .map(|(path, size)| {
            let digests = store.digests(path);
            progress.advance(*size);
            (*path, digests)
        })
        .collect();
    progress.finish();
    let mut read = read;
    read.sort_by(|a, b| a.0.cmp(b.0));
    for (path, result) in read {
        match result {
            Ok(digests) => {
                let mut wrong: Vec<&'static str> = expected[path]
                    .iter()
                    .filter(|(algorithm, sum, _)| digests.get(*algorithm) != sum)
                    .map(|(algorithm, _, _)| match algorithm {
                        Algorithm::Sha256 => "SHA-256",
                        Algorithm::Sha512 => "SHA-512",
                    })
                    .collect();
                wrong.dedup();
                if !wrong.is_empty() {
                    found(path, Issue::Checksum { algorithms: wrong });
                }
            }
            Err(e) => found(
                path,
                Issue::Unreadable {
                    reason: e.to_string(),
                },
            ),
        }
    }
    // Names, and the photos.
    let mut photos = BTreeSet::new();
    for (path, _) in &payload {
        let below = &path["data/".len()..];
        if PAYLOAD_FILES.contains(&below) {
            continue;
        }
        match name_rule(below) {
            Some(rule) => found(path, Issue::Name { rule }),
            None => {
                photos.insert(below.to_string());
            }
        }
    }
    // The tables: the 汇总表 and the manifest table, each against the photos. Part 1 of several
    // lists the whole collection in its 汇总表: what it lists beyond its own photos is matched
    // against every part given.
    let part_one_of_many = info
        .get("Bag-Count")
        .is_some_and(|c| c.split_whitespace().next() == Some("1") && !c.ends_with(" 1"));
    let mut whole_rows = None;
    let tables: [(&str, u64, ReadRows); 2] = [
        ("data/汇总表.xlsx", LARGE, xlsx_rows),
        ("data/manifest.csv", SMALL, csv_rows),
    ];
    for (table, limit, read_rows) in tables {
        if !sizes.contains_key(table) {
            continue;
        }
        let rows = store
            .read(table, limit)
            .map_err(|e| e.to_string())
            .and_then(|b| read_rows(&b));
        let rows: BTreeSet<String> = match rows {
            Ok(rows) => rows.into_iter().collect(),
            Err(reason) => {
                found(table, Issue::Unreadable { reason });
                continue;
            }
        };
        for photo in photos.difference(&rows) {
            found(
                &format!("data/{photo}"),
                Issue::NotInTable {
                    table: table.to_string(),
                },
            );
        }
        let beyond: BTreeSet<String> = rows.difference(&photos).cloned().collect();
        if part_one_of_many && table == "data/汇总表.xlsx" {
            whole_rows = Some((table.to_string(), beyond));
        } else {
            for row in beyond {
                found(
                    &format!("data/{row}"),
                    Issue::RowWithoutFile {
                        table: table.to_string(),
                    },
                );
            }
        }
    }
    findings.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(BagCheck {
        info,
        findings,
        files: payload.len(),
        bytes,
        photos,
        whole_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_unreadable_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.zip");
        std::fs::write(&junk, b"not a zip at all").unwrap();
        let cut = dir.path().join("cut.zip");
        std::fs::write(&cut, b"PK\x03\x04 cut short").unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let outcome = verify(
            &[junk, cut, dir.path().join("absent"), empty],
            &crate::progress::Silent,
        );
        assert_eq!(outcome.unreadable.len(), 3, "{outcome:?}");
        assert_eq!(outcome.findings.len(), 1, "{outcome:?}");
        assert!(matches!(
            outcome.findings[0].issue,
            Issue::DamagedZip { .. }
        ));
        assert_eq!(outcome.code(), 2);
    }
}

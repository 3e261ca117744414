//! Ingest: list every file of every drop, folders and zip files alike, without reading contents.
//!
//! In: the DROPS paths from the command line. Out: a `Scan`: every entry found, each with what
//! to do with it (inspect as a photo, read as a sheet, keep as a side file, refuse), plus
//! findings about folders that could not be listed. Invariants: nothing is opened for writing;
//! symbolic links are never followed and only regular files are ever read (a named pipe would
//! block forever); zip entry names are decoded from their raw bytes (GBK when the UTF-8 flag is
//! absent), and so are names on disk that are not UTF-8 (GBK bytes of a drop unzipped or copied
//! from Chinese Windows), files being opened by their real path; names that would escape their
//! folder are refused; output is sorted, so the same input gives the same list.

use std::fs;
use std::path::{Path, PathBuf};

use crate::broken::{Broken, Doing, Step};
use crate::photo::{Check, Finding, Location, Source};
pub use crate::photo::{Drop, DropKind};
pub use crate::reading::{read, read_into};
use crate::text::decode_os_name;
pub use crate::text::decode_zip_name;

/// What to do with an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Inspect it as a photo (whatever its extension: content decides).
    Photo,
    /// A 汇总表 to read.
    Sheet,
    /// A file that is not a photo (a note, a system file): listed, not read.
    Side(String),
    /// Never read, with the reason (boxed: an entry is kept for every file until it is
    /// inspected, and few are refused).
    Refused(Box<Finding>),
}

/// One file found in a drop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where it is.
    pub source: Source,
    /// What to do with it.
    pub role: Role,
}

/// Everything ingest found.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    /// The drops, sorted by unit.
    pub drops: Vec<Drop>,
    /// Every file, sorted by display path.
    pub entries: Vec<Entry>,
    /// Folders or zips that could not be listed: (unit, display path, finding).
    pub problems: Vec<(String, String, Finding)>,
}

/// Names systems leave behind: listed as side files, never inspected.
const SYSTEM_FILES: [&str; 4] = ["thumbs.db", ".ds_store", "desktop.ini", "ehthumbs.db"];

/// Scans the DROPS arguments. Each argument is a collection folder whose sub-folders and zip
/// files are drops (loose files in it form a drop named after the folder), or a single zip.
///
/// # Errors
/// When an argument itself does not exist or is not a folder or zip: a broken run.
pub fn scan(roots: &[PathBuf]) -> anyhow::Result<Scan> {
    let mut scan = Scan::default();
    for root in roots {
        let meta = fs::metadata(root).map_err(|e| Broken::DropsMissing {
            path: root.display().to_string(),
            reason: e.to_string(),
        })?;
        let root = fs::canonicalize(root).doing(|| Step::Resolve(root.clone()))?;
        if meta.is_file() && is_zip_name(&root) {
            let parent = root.parent().unwrap_or(Path::new("/")).to_path_buf();
            scan_zip(&parent, &root, &mut scan);
        } else if meta.is_dir() {
            scan_collection(&root, &mut scan);
        } else {
            return Err(Broken::NotADrop {
                path: root.display().to_string(),
            }
            .into());
        }
    }
    scan.drops.sort_by(|a, b| a.path.cmp(&b.path));
    scan.drops.dedup();
    settle(&mut scan.entries);
    scan.problems.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(scan)
}

/// Scans arguments that are each one unit's drop: a folder (the unit is its name, everything
/// below it is the unit's) or a zip.
///
/// # Errors
/// When an argument does not exist or is not a folder or zip.
pub fn scan_units(units: &[PathBuf]) -> anyhow::Result<Scan> {
    let mut scan = Scan::default();
    for unit_path in units {
        let meta = fs::metadata(unit_path).map_err(|e| Broken::DropsMissing {
            path: unit_path.display().to_string(),
            reason: e.to_string(),
        })?;
        let unit_path = fs::canonicalize(unit_path).doing(|| Step::Resolve(unit_path.clone()))?;
        let parent = unit_path.parent().unwrap_or(Path::new("/")).to_path_buf();
        if meta.is_file() && is_zip_name(&unit_path) {
            scan_zip(&parent, &unit_path, &mut scan);
        } else if meta.is_dir() {
            let unit = display_name(&unit_path);
            scan.drops.push(Drop {
                unit: unit.clone(),
                path: unit.clone(),
                kind: DropKind::Folder,
            });
            walk_folder(&parent, &unit_path, &unit, &mut scan);
        } else {
            return Err(Broken::NotADrop {
                path: unit_path.display().to_string(),
            }
            .into());
        }
    }
    scan.drops.sort_by(|a, b| a.path.cmp(&b.path));
    settle(&mut scan.entries);
    Ok(scan)
}

/// Sorts entries by display path and makes each path name one file. The same file reached
/// twice (drops arguments that overlap) is listed once; different files whose names read the
/// same (a UTF-8 name and the GBK bytes of that name in one folder, two entries of one name in
/// a zip) are all kept, the second and later with `#2`, `#3`, ... after the path, in the order
/// they were found (which is sorted, so the same input names them the same).
fn settle(entries: &mut Vec<Entry>) {
    entries.sort_by(|a, b| a.source.path.cmp(&b.source.path));
    entries
        .dedup_by(|a, b| a.source.path == b.source.path && a.source.location == b.source.location);
    // A run of equal paths starts at `first`, which keeps its name (it is never renamed, so the
    // run's name is read from it).
    let mut renamed = false;
    let mut first = 0;
    for i in 1..entries.len() {
        if entries[i].source.path == entries[first].source.path {
            let name = format!("{}#{}", entries[first].source.path, i - first + 1);
            entries[i].source.path = name;
            renamed = true;
        } else {
            first = i;
        }
    }
    if renamed {
        entries.sort_by(|a, b| a.source.path.cmp(&b.source.path));
    }
}

fn is_zip_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// A file's or folder's name as staff read it (GBK bytes decoded: [`decode_os_name`]).
fn display_name(path: &Path) -> String {
    path.file_name()
        .map(decode_os_name)
        .unwrap_or_else(|| path.display().to_string())
}

fn scan_collection(root: &Path, scan: &mut Scan) {
    let listing = match fs::read_dir(root) {
        Ok(listing) => listing,
        Err(e) => {
            let name = display_name(root);
            scan.problems.push((
                name.clone(),
                name,
                Finding::error(Check::FolderUnreadable {
                    reason: e.to_string(),
                }),
            ));
            return;
        }
    };
    let mut children: Vec<PathBuf> = listing.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    let loose_unit = display_name(root);
    let mut has_loose = false;
    for child in children {
        let Ok(meta) = fs::symlink_metadata(&child) else {
            continue;
        };
        if meta.is_dir() {
            let unit = display_name(&child);
            scan.drops.push(Drop {
                unit: unit.clone(),
                path: unit.clone(),
                kind: DropKind::Folder,
            });
            walk_folder(root, &child, &unit, scan);
        } else if meta.is_file() && is_zip_name(&child) {
            scan_zip(root, &child, scan);
        } else {
            has_loose = true;
            scan.entries
                .push(file_entry(root, &child, &loose_unit, &meta));
        }
    }
    if has_loose {
        scan.drops.push(Drop {
            unit: loose_unit.clone(),
            path: String::new(),
            kind: DropKind::Folder,
        });
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| decode_os_name(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}

fn walk_folder(root: &Path, folder: &Path, unit: &str, scan: &mut Scan) {
    let walker = walkdir::WalkDir::new(folder)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1);
    for item in walker {
        match item {
            Ok(item) => {
                if item.file_type().is_dir() {
                    continue;
                }
                match item.path().symlink_metadata() {
                    Ok(meta) => scan
                        .entries
                        .push(file_entry(root, item.path(), unit, &meta)),
                    Err(e) => scan.problems.push((
                        unit.to_string(),
                        relative(root, item.path()),
                        Finding::error(Check::Unreadable {
                            reason: e.to_string(),
                        }),
                    )),
                }
            }
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| relative(root, p))
                    .unwrap_or_else(|| relative(root, folder));
                let reason = e
                    .io_error()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| e.to_string());
                scan.problems.push((
                    unit.to_string(),
                    path,
                    Finding::error(Check::FolderUnreadable { reason }),
                ));
            }
        }
    }
}

/// Decides what to do with a name found in a drop.
fn role_for_name(file_name: &str) -> Role {
    let lower = file_name.to_lowercase();
    if is_sheet_name(file_name) {
        Role::Sheet
    } else if SYSTEM_FILES.contains(&lower.as_str()) || file_name.starts_with("._") {
        Role::Side("system file".into())
    } else if lower.ends_with(".txt") {
        Role::Side("text".into())
    } else if lower.ends_with(".zip") {
        Role::Refused(Box::new(Finding::error(Check::NestedZip)))
    } else {
        Role::Photo
    }
}

fn file_entry(root: &Path, path: &Path, unit: &str, meta: &fs::Metadata) -> Entry {
    let display = relative(root, path);
    let mut parts: Vec<String> = display.split('/').map(str::to_string).collect();
    let file_name = parts.pop().unwrap_or_default();
    // The first part is the unit's own folder; loose files have none.
    let folders = if parts.first().map(String::as_str) == Some(unit) {
        parts[1..].to_vec()
    } else {
        parts
    };
    let file_type = meta.file_type();
    let role = if file_type.is_symlink() {
        let target = fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        let dangling = fs::metadata(path).is_err();
        Role::Refused(Box::new(Finding::error(Check::Symlink {
            target,
            dangling,
        })))
    } else if !file_type.is_file() {
        Role::Refused(Box::new(Finding::error(Check::NotRegularFile)))
    } else {
        role_for_name(&file_name)
    };
    Entry {
        source: Source {
            unit: unit.to_string(),
            path: display,
            folders,
            file_name,
            location: Location::File {
                path: path.to_path_buf(),
            },
            size: meta.len(),
            modified: modified_ns(meta),
        },
        role,
    }
}

/// A file's modification time in nanoseconds since the epoch.
fn modified_ns(meta: &fs::Metadata) -> Option<i64> {
    let since = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(since.as_nanos()).ok()
}

/// True when a zip entry name would land outside the folder it is unpacked into.
pub fn is_unsafe_zip_name(name: &str) -> bool {
    let name = name.replace('\\', "/");
    let bytes = name.as_bytes();
    name.starts_with('/')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
        || name.split('/').any(|part| part == "..")
}

/// Names carried by more than one entry of a zip's central directory (starting at `start`),
/// with how many carry each: empty when the records are as many as the `kept` entries the zip
/// reader listed (the usual case: one pass over the directory's fixed-size headers). Bounded:
/// at most a million records are walked.
fn shared_names(file: &mut fs::File, start: u64, kept: usize) -> Vec<(String, usize)> {
    use std::collections::BTreeMap;
    use std::io::{BufReader, Read, Seek, SeekFrom};
    if file.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut reader = BufReader::new(file);
    let mut names: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    let mut records = 0usize;
    let mut header = [0u8; 46];
    while records < 1_000_000 && reader.read_exact(&mut header).is_ok() {
        if header[..4] != *b"PK\x01\x02" {
            break;
        }
        let field = |at: usize| usize::from(u16::from_le_bytes([header[at], header[at + 1]]));
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let mut name = vec![0u8; name_len];
        if reader.read_exact(&mut name).is_err() {
            break;
        }
        let skip = i64::try_from(extra_len + comment_len).unwrap_or(0);
        if reader.seek_relative(skip).is_err() {
            break;
        }
        records += 1;
        // Folders are not files: a folder named twice loses nothing.
        if !name.ends_with(b"/") {
            *names.entry(name).or_default() += 1;
        }
    }
    if records <= kept {
        return Vec::new();
    }
    names
        .into_iter()
        .filter(|&(_, count)| count > 1)
        .map(|(name, count)| (decode_zip_name(&name), count))
        .collect()
}

fn scan_zip(root: &Path, zip_path: &Path, scan: &mut Scan) {
    let zip_display = relative(root, zip_path);
    let unit = zip_path.file_stem().map(decode_os_name).unwrap_or_default();
    scan.drops.push(Drop {
        unit: unit.clone(),
        path: zip_display.clone(),
        kind: DropKind::Zip,
    });
    let zip_modified = fs::metadata(zip_path).ok().and_then(|m| modified_ns(&m));
    let archive = fs::File::open(zip_path)
        .map_err(|e| e.to_string())
        .and_then(|f| zip::ZipArchive::new(f).map_err(|e| e.to_string()));
    let mut archive = match archive {
        Ok(archive) => archive,
        Err(reason) => {
            scan.problems.push((
                unit,
                zip_display,
                Finding::error(Check::Unreadable { reason }),
            ));
            return;
        }
    };
    // The zip reader keeps one entry per name: the entries beyond it that share the name are
    // told, so none is lost without a word.
    if let Ok(mut file) = fs::File::open(zip_path) {
        let start = archive.central_directory_start();
        for (name, count) in shared_names(&mut file, start, archive.len()) {
            // The one read keeps the name; the others are told as `#2`, `#3`, ... as two files
            // whose names read the same are listed.
            for n in 2..=count {
                scan.problems.push((
                    unit.clone(),
                    format!("{zip_display}/{name}#{n}"),
                    Finding::error(Check::ZipDuplicateName { count }),
                ));
            }
        }
    }
    for index in 0..archive.len() {
        let entry = match archive.by_index_raw(index) {
            Ok(entry) => entry,
            Err(e) => {
                scan.problems.push((
                    unit.clone(),
                    format!("{zip_display}#{index}"),
                    Finding::error(Check::Unreadable {
                        reason: e.to_string(),
                    }),
                ));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = decode_zip_name(entry.name_raw());
        let unsafe_name = is_unsafe_zip_name(&name);
        let clean = name.replace('\\', "/");
        let mut parts: Vec<String> = clean
            .split('/')
            .filter(|p| !p.is_empty() && *p != "." && *p != "..")
            .map(str::to_string)
            .collect();
        let file_name = parts.pop().unwrap_or_default();
        if parts.first() == Some(&unit) {
            parts.remove(0);
        }
        let role = if unsafe_name {
            Role::Refused(Box::new(Finding::error(Check::UnsafeZipName)))
        } else if entry.encrypted() {
            Role::Refused(Box::new(Finding::error(Check::EncryptedZipEntry)))
        } else if is_zip_bomb(entry.size(), entry.compressed_size()) {
            Role::Refused(Box::new(Finding::error(Check::ZipBomb {
                declared: entry.size(),
                compressed: entry.compressed_size(),
            })))
        } else if entry.is_symlink() {
            Role::Refused(Box::new(Finding::error(Check::Symlink {
                target: String::new(),
                dangling: false,
            })))
        } else if clean.starts_with("__MACOSX/") {
            Role::Side("system file".into())
        } else {
            role_for_name(&file_name)
        };
        scan.entries.push(Entry {
            source: Source {
                unit: unit.clone(),
                path: format!("{zip_display}/{clean}"),
                folders: parts,
                file_name,
                location: Location::ZipEntry {
                    zip: zip_path.to_path_buf(),
                    index,
                    name,
                },
                size: entry.size(),
                modified: zip_modified,
            },
            role,
        });
    }
}

/// A zip entry expanding more than this many times its compressed size is a bomb (photos barely
/// compress: a JPEG deflates by a few percent)…
const BOMB_RATIO: u64 = 100;
/// …once it is this large (small text files may compress that well).
const BOMB_MIN_BYTES: u64 = 8 << 20;

/// Whether a zip entry's declared sizes make it a decompression bomb: refused unread.
fn is_zip_bomb(declared: u64, compressed: u64) -> bool {
    declared > BOMB_MIN_BYTES && declared / compressed.max(1) > BOMB_RATIO
}

/// True for file names that are sheets (汇总表) rather than photos.
pub fn is_sheet_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".csv")
        || lower.ends_with(".xlsx")
        || lower.ends_with(".xls")
        || lower.ends_with(".ods")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_gbk_zip_names() {
        let (gbk, _, _) = encoding_rs::GBK.encode("和田地区科协/2019+和田地区+科普日.jpg");
        assert_eq!(
            decode_zip_name(&gbk),
            "和田地区科协/2019+和田地区+科普日.jpg"
        );
        assert_eq!(decode_zip_name("喀什/a.jpg".as_bytes()), "喀什/a.jpg");
    }

    #[test]
    fn refuses_escaping_zip_names() {
        for name in [
            "../x.jpg",
            "a/../../x",
            "/etc/x",
            "C:\\x.jpg",
            "c:/x",
            "a\\..\\x",
        ] {
            assert!(is_unsafe_zip_name(name), "{name}");
        }
        for name in ["a/b.jpg", "..a.jpg", "a..b/c.jpg"] {
            assert!(!is_unsafe_zip_name(name), "{name}");
        }
    }
}

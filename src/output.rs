//! Atomic output: every file lightbox writes appears whole or not at all.
//!
//! In: a target path and bytes (or a finished staging folder). Out: the file or folder in
//! place. Invariant: content is written to a temporary name in the target's own folder and
//! renamed into place, so a reader never sees half a file and a killed run leaves no partial
//! output under a real name. Also the date (`YYYY-MM-DD`, UTC) that dated outputs are named
//! by ([`date_of`]).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes bytes to a temporary file beside `path`, then renames it into place.
///
/// # Errors
/// When the folder is not writable or the disk is full; the error names the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |out| out.write_all(bytes))
}

/// [`write_atomic()`] for content made as it is written: `write` fills a buffered temporary file
/// beside `path`, which takes its place only when `write` succeeds. A large report never exists
/// whole in memory.
///
/// # Errors
/// When the folder is not writable, or `write` fails; `path` is then untouched.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let with_path = |e: std::io::Error| {
        std::io::Error::new(e.kind(), format!("writing {}: {e}", path.display()))
    };
    let mut builder = tempfile::Builder::new();
    let mut tmp = usual_modes(builder.prefix(".lightbox-"), 0o644)
        .tempfile_in(dir)
        .map_err(with_path)?;
    {
        let mut out = std::io::BufWriter::with_capacity(256 << 10, tmp.as_file_mut());
        write(&mut out).map_err(with_path)?;
        out.flush().map_err(with_path)?;
    }
    tmp.persist(path).map_err(|e| with_path(e.error))?;
    Ok(())
}

/// A staging folder beside `target` (same file system, so the final rename is atomic).
///
/// # Errors
/// When the parent folder is not writable.
pub fn staging_dir(target: &Path) -> std::io::Result<tempfile::TempDir> {
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.staging-");
    let mut builder = tempfile::Builder::new();
    usual_modes(builder.prefix(&prefix), 0o755).tempdir_in(parent)
}

/// Output is for other people too (curators, the receiver of the package): files and folders
/// get the usual modes (`mode`, less the umask's usual bits), not a temporary file's owner-only
/// ones. Elsewhere than Unix the folder's defaults apply.
fn usual_modes<'a, 'b>(
    builder: &'b mut tempfile::Builder<'a, 'b>,
    mode: u32,
) -> &'b mut tempfile::Builder<'a, 'b> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
}
/// Moves a finished staging folder to `target`, replacing what was there. The old content is
/// moved aside first and removed only after the new folder is in place.
///
/// # Errors
/// When a rename fails; the staging folder is then left for inspection.
pub fn replace_dir(staging: tempfile::TempDir, target: &Path) -> std::io::Result<()> {
    let staged: PathBuf = staging.keep();
    if target.exists() {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let old = tempfile::Builder::new()
            .prefix(".lightbox-old-")
            .tempdir_in(parent)?;
        let aside = old.path().join("old");
        fs::rename(target, &aside)?;
        fs::rename(&staged, target)?;
        drop(old);
    } else {
        fs::rename(&staged, target)?;
    }
    Ok(())
}

/// Removes what a killed run left behind in `dir` (not below it): the entries whose names start
/// with one of `prefixes`, such as temporary files, staging folders and old folders moved aside.
/// Returns how many were removed. Call it only while holding the lock that keeps other runs
/// out of `dir`, or their work in progress goes too.
///
/// # Errors
/// When `dir` cannot be listed (a missing `dir` has nothing to remove) or an entry cannot be
/// removed; the error names the entry.
pub fn remove_leftovers(dir: &Path, prefixes: &[&str]) -> std::io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !prefixes.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let path = entry.path();
        let result = if entry.file_type()?.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        result.map_err(|e| {
            std::io::Error::new(e.kind(), format!("removing {}: {e}", path.display()))
        })?;
        removed += 1;
    }
    Ok(removed)
}

/// What staff can do about a broken run's error: its wording is `messages::hint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hint {
    /// No room left on the disk (or a file size limit): free some, or write elsewhere.
    NoRoom,
    /// A folder that cannot be written: choose another, or change its permissions.
    NotWritable,
}

/// What to do about a broken run's error, when its cause is one staff can fix: no room left on
/// the disk (or a file size limit), or a folder that cannot be written. `None` for other errors,
/// whose own message is all there is to say.
pub fn hint(error: &anyhow::Error) -> Option<Hint> {
    use std::io::ErrorKind;
    let kind = error
        .chain()
        .find_map(|e| e.downcast_ref::<std::io::Error>())?
        .kind();
    match kind {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
            Some(Hint::NoRoom)
        }
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => Some(Hint::NotWritable),
        _ => None,
    }
}

/// The date of `time` as `YYYY-MM-DD` (UTC); 1970-01-01 for a time before it.
pub fn date_of(time: std::time::SystemTime) -> String {
    let days = time
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_go_and_everything_else_stays() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join(".lightbox-abc123"), b"half").unwrap();
        fs::create_dir_all(d.join(".sheets.staging-x1/unit")).unwrap();
        fs::write(d.join(".sheets.staging-x1/unit/p1.jpg"), b"page").unwrap();
        fs::write(d.join("report.json"), b"{}").unwrap();
        fs::write(d.join(".hidden"), b"theirs").unwrap();
        let removed = remove_leftovers(d, &[".lightbox-", ".sheets.staging-"]).unwrap();
        assert_eq!(removed, 2);
        let mut left: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".hidden", "report.json"]);
        assert_eq!(remove_leftovers(&d.join("missing"), &[".x"]).unwrap(), 0);
    }

    #[test]
    fn hints_follow_the_cause_through_the_context() {
        use crate::lang::Lang;
        use crate::messages;
        let full = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::StorageFull))
            .context("writing the package at /x/pkg");
        assert_eq!(hint(&full), Some(Hint::NoRoom));
        assert!(messages::hint(Hint::NoRoom, Lang::En).starts_with("no room"));
        assert!(messages::hint(Hint::NoRoom, Lang::Zh).starts_with("磁盘空间不足"));
        let denied = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
            .context("creating /x");
        assert_eq!(hint(&denied), Some(Hint::NotWritable));
        assert!(messages::hint(Hint::NotWritable, Lang::En).contains("cannot be written"));
        assert_eq!(hint(&anyhow::anyhow!("a bad profile")), None);
    }
}

//! Atomic output: every file lightbox writes appears whole or not at all.
//!
//! In: a target path and bytes (or a finished staging folder). Out: the file or folder in
//! place. Invariant: content is written to a temporary name in the target's own folder and
//! renamed into place, so a reader never sees half a file and a killed run leaves no partial
//! output under a real name.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes bytes to a temporary file beside `path`, then renames it into place.
///
/// # Errors
/// When the folder is not writable or the disk is full; the error names the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
    tmp.write_all(bytes).map_err(with_path)?;
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

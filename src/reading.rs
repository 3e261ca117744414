//! Reading a source's bytes, wherever the source lies: a file in a drop's folder, or an entry
//! of a drop's zip, inflated in place (nothing is extracted to disk).
//!
//! In: a `Source` (its location and size) and a limit in bytes. Out: the bytes, or the reason
//! they could not be read, as text for a finding. Invariants: files are opened read-only; a
//! file larger than the limit is an error, never a silent truncation; a zip entry is never
//! inflated past what it declares (plus one byte, to see the lie), so a zip bomb costs at most
//! its declared size.

use std::fs;

use crate::photo::{Location, Source};

/// Reads a source's bytes, at most `limit` bytes (a larger file is an error, not a truncation).
///
/// # Errors
/// The reason, as text for a finding: I/O errors, a file larger than the limit, a zip entry
/// that fails its CRC or is larger than declared.
pub fn read(source: &Source, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    read_into(source, limit, &mut bytes)?;
    Ok(bytes)
}

/// [`read()`] into `bytes` (emptied first), which keeps its capacity: a worker reading photo
/// after photo reuses one buffer.
///
/// # Errors
/// As [`read()`].
pub fn read_into(source: &Source, limit: u64, bytes: &mut Vec<u8>) -> Result<(), String> {
    use std::io::Read;
    bytes.clear();
    match &source.location {
        Location::File { path } => {
            let file = fs::File::open(path).map_err(|e| e.to_string())?;
            bytes.reserve(source.size.min(limit) as usize);
            file.take(limit + 1)
                .read_to_end(bytes)
                .map_err(|e| e.to_string())?;
            if bytes.len() as u64 > limit {
                return Err(format!("larger than {limit} bytes"));
            }
            Ok(())
        }
        Location::ZipEntry { zip, index, .. } => {
            let file = fs::File::open(zip).map_err(|e| e.to_string())?;
            let mut archive = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
            let entry = archive.by_index(*index).map_err(|e| e.to_string())?;
            let declared = entry.size();
            bytes.reserve(declared.min(limit) as usize);
            // Never inflate past what the entry declares (plus one byte, to see the lie).
            entry
                .take(declared.min(limit) + 1)
                .read_to_end(bytes)
                .map_err(|e| e.to_string())?;
            if bytes.len() as u64 > limit {
                return Err(format!("larger than {limit} bytes"));
            }
            if bytes.len() as u64 != declared {
                return Err(format!(
                    "zip entry holds {} bytes, declares {declared}",
                    bytes.len()
                ));
            }
            Ok(())
        }
    }
}

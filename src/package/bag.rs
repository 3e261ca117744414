//! The BagIt 1.0 side of a package (RFC 8493): tag files, payload manifests and tag manifests
//! in SHA-256 and SHA-512, percent-encoded paths, `Payload-Oxum` and `Bag-Size`.
//!
//! In: a bag folder whose payload is complete under `data/`, and what `bag-info.txt` says about
//! it. Out: `bagit.txt`, `bag-info.txt`, `manifest-sha256.txt`, `manifest-sha512.txt`,
//! `tagmanifest-sha256.txt`, `tagmanifest-sha512.txt` beside `data/`.
//! Invariants: every file under `data/` is in both manifests (the payload is walked, so a file
//! written there before [`finish`] is included whatever wrote it); lines are sorted by path, as
//! bytes, so the same payload gives byte-identical tag files; paths are UTF-8 with `/`, CR, LF
//! and `%` percent-encoded; nothing in the tag files comes from the clock.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

use crate::broken::{Doing, Step};
use rayon::prelude::*;
use sha2::{Digest, Sha256, Sha512};

/// `bagit.txt`: the version and the tag files' encoding.
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/// The payload manifests, by algorithm.
pub const MANIFESTS: [(&str, Algorithm); 2] = [
    ("manifest-sha256.txt", Algorithm::Sha256),
    ("manifest-sha512.txt", Algorithm::Sha512),
];

/// The tag manifests, by algorithm.
pub const TAG_MANIFESTS: [(&str, Algorithm); 2] = [
    ("tagmanifest-sha256.txt", Algorithm::Sha256),
    ("tagmanifest-sha512.txt", Algorithm::Sha512),
];

/// A checksum algorithm of the bag's manifests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// Its name in manifest file names (`sha256`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The algorithm of a manifest or tag manifest file name, e.g. `manifest-sha512.txt`.
    pub fn of_manifest(name: &str) -> Option<Algorithm> {
        let algorithm = name
            .strip_prefix("tagmanifest-")
            .or_else(|| name.strip_prefix("manifest-"))?
            .strip_suffix(".txt")?;
        match algorithm {
            "sha256" => Some(Algorithm::Sha256),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

/// A file's checksums and size, from one read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Digests {
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// SHA-512, lower-case hex.
    pub sha512: String,
    /// Bytes read.
    pub bytes: u64,
}

impl Digests {
    /// The checksum of `algorithm`.
    pub fn get(&self, algorithm: Algorithm) -> &str {
        match algorithm {
            Algorithm::Sha256 => &self.sha256,
            Algorithm::Sha512 => &self.sha512,
        }
    }

    /// Both checksums of bytes in memory.
    pub fn of(bytes: &[u8]) -> Digests {
        Digests {
            sha256: hex(&Sha256::digest(bytes)),
            sha512: hex(&Sha512::digest(bytes)),
            bytes: bytes.len() as u64,
        }
    }

    /// Both checksums of what `reader` holds, streamed in 256 KiB reads.
    ///
    /// # Errors
    /// When `reader` fails (a zip entry whose CRC does not match fails at its end).
    pub fn read(reader: &mut dyn Read) -> io::Result<Digests> {
        let mut sha256 = Sha256::new();
        let mut sha512 = Sha512::new();
        let mut buffer = vec![0u8; 256 << 10];
        let mut bytes = 0u64;
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            sha256.update(&buffer[..n]);
            sha512.update(&buffer[..n]);
            bytes += n as u64;
        }
        Ok(Digests {
            sha256: hex(&sha256.finalize()),
            sha512: hex(&sha512.finalize()),
            bytes,
        })
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A path as a manifest writes it (RFC 8493 §2.1.3): `%` as `%25`, LF as `%0A`, CR as `%0D`;
/// everything else, Chinese included, as UTF-8.
pub fn encode_path(path: &str) -> String {
    path.replace('%', "%25")
        .replace('\n', "%0A")
        .replace('\r', "%0D")
}

/// A manifest's path as the file is named: the inverse of [`encode_path`] (other `%` sequences
/// are left as they are).
pub fn decode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at..at + 3).unwrap_or("");
        let (decoded, taken) = match code.to_ascii_uppercase().as_str() {
            "%25" => ("%", 3),
            "%0A" => ("\n", 3),
            "%0D" => ("\r", 3),
            _ => ("%", 1),
        };
        out.push_str(decoded);
        rest = &rest[at + taken..];
    }
    out.push_str(rest);
    out
}

/// `bag-info.txt`'s fields, in the order written. Empty values are left out; a value's line
/// breaks become spaces (one label, one line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BagInfo {
    /// (label, value) pairs, e.g. `("Source-Organization", "…")`. `Payload-Oxum` and `Bag-Size`
    /// are added by [`finish`].
    pub fields: Vec<(String, String)>,
}

impl BagInfo {
    /// Adds a field (left out when `value` is empty).
    pub fn add(&mut self, label: &str, value: &str) {
        let value: String = value
            .split(['\r', '\n'])
            .filter(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        if !value.is_empty() {
            self.fields.push((label.to_string(), value));
        }
    }

    /// The first value of `label`.
    pub fn get(&self, label: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(label))
            .map(|(_, v)| v.as_str())
    }

    /// Reads `bag-info.txt` (continuation lines, starting with a space or tab, join the value
    /// before them). Lines without a label are ignored.
    pub fn parse(text: &str) -> BagInfo {
        let mut info = BagInfo::default();
        for line in text.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = info.fields.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if let Some((label, value)) = line.split_once(':') {
                info.fields
                    .push((label.trim().to_string(), value.trim().to_string()));
            }
        }
        info
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for (label, value) in &self.fields {
            let _ = writeln!(out, "{label}: {value}");
        }
        out
    }
}

/// `Bag-Size`: bytes in decimal units, e.g. `12.3 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    let mut unit = "";
    for u in UNITS {
        value /= 1000.0;
        unit = u;
        if value < 1000.0 {
            break;
        }
    }
    format!("{value:.1} {unit}")
}

/// The files below `root`, as paths relative to `root` with `/`, sorted as bytes, with their
/// sizes.
///
/// # Errors
/// When a folder cannot be listed or a name is not UTF-8.
pub fn files_below(root: &Path) -> anyhow::Result<Vec<(String, u64)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.doing(|| Step::List(root.to_path_buf()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let Some(text) = relative.to_str() else {
            anyhow::bail!("{} is not named in UTF-8", entry.path().display());
        };
        let size = entry
            .metadata()
            .doing(|| Step::Read(entry.path().to_path_buf()))?
            .len();
        files.push((text.replace(std::path::MAIN_SEPARATOR, "/"), size));
    }
    files.sort();
    Ok(files)
}

/// Writes the tag files of the bag at `bag`, whose payload is complete under `bag/data/`:
/// both payload manifests, `bagit.txt`, `bag-info.txt` (`info`, then `Payload-Oxum` and
/// `Bag-Size`), then both tag manifests. `known` gives the checksums of payload files already
/// hashed as they were written (by path relative to `data/`); every other payload file is read
/// here, in parallel.
///
/// # Errors
/// When the payload cannot be read or a tag file cannot be written (the error names it).
pub fn finish(bag: &Path, info: &BagInfo, known: &HashMap<String, Digests>) -> anyhow::Result<()> {
    let data = bag.join("data");
    fs::create_dir_all(&data).doing(|| Step::Create(data.to_path_buf()))?;
    let payload = files_below(&data)?;
    let digests: Vec<Digests> = payload
        .par_iter()
        .map(|(path, _)| match known.get(path) {
            Some(d) => Ok(d.clone()),
            None => {
                let full = data.join(path);
                let mut file = fs::File::open(&full).doing(|| Step::Read(full.to_path_buf()))?;
                Digests::read(&mut file).doing(|| Step::Read(full.to_path_buf()))
            }
        })
        .collect::<anyhow::Result<_>>()?;
    let write = |name: &str, text: &str| -> anyhow::Result<()> {
        fs::write(bag.join(name), text).doing(|| Step::Write(bag.join(name)))
    };
    for (name, algorithm) in MANIFESTS {
        let mut text = String::new();
        for ((path, _), d) in payload.iter().zip(&digests) {
            let _ = writeln!(text, "{}  data/{}", d.get(algorithm), encode_path(path));
        }
        write(name, &text)?;
    }
    write("bagit.txt", BAGIT_TXT)?;
    let bytes: u64 = payload.iter().map(|(_, size)| size).sum();
    let mut info = info.clone();
    info.add("Payload-Oxum", &format!("{bytes}.{}", payload.len()));
    info.add("Bag-Size", &human_size(bytes));
    write("bag-info.txt", &info.text())?;
    let mut tags: Vec<&str> = vec!["bag-info.txt", "bagit.txt"];
    tags.extend(MANIFESTS.iter().map(|(name, _)| *name));
    tags.sort_unstable();
    let tag_digests: Vec<Digests> = tags
        .iter()
        .map(|name| {
            fs::read(bag.join(name))
                .map(|bytes| Digests::of(&bytes))
                .doing(|| Step::Read(bag.join(name)))
        })
        .collect::<anyhow::Result<_>>()?;
    for (name, algorithm) in TAG_MANIFESTS {
        let mut text = String::new();
        for (tag, d) in tags.iter().zip(&tag_digests) {
            let _ = writeln!(text, "{}  {}", d.get(algorithm), tag);
        }
        write(name, &text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded_both_ways() {
        let name = "2015/2015+克拉玛依市+100%科普\n进校园\r+01.jpg";
        let encoded = encode_path(name);
        assert_eq!(
            encoded,
            "2015/2015+克拉玛依市+100%25科普%0A进校园%0D+01.jpg"
        );
        assert_eq!(decode_path(&encoded), name);
        assert_eq!(decode_path("50%+%2x%"), "50%+%2x%");
    }

    #[test]
    fn bag_info_reads_back_and_sizes_read_well() {
        let mut info = BagInfo::default();
        info.add("Source-Organization", "新疆维吾尔自治区科学技术协会");
        info.add("Contact-Name", "");
        info.add("External-Description", "第一行\n第二行");
        let text = info.text();
        assert_eq!(
            text,
            "Source-Organization: 新疆维吾尔自治区科学技术协会\nExternal-Description: 第一行 第二行\n"
        );
        let back = BagInfo::parse(&format!("{text}  folded\n"));
        assert_eq!(
            back.get("external-description"),
            Some("第一行 第二行 folded")
        );
        assert_eq!(human_size(999), "999 bytes");
        assert_eq!(human_size(12_345_678), "12.3 MB");
        assert_eq!(human_size(2_000_000_000), "2.0 GB");
    }

    #[test]
    fn digests_streamed_match_in_memory() {
        let bytes: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(Digests::read(&mut &bytes[..]).unwrap(), Digests::of(&bytes));
        assert_eq!(
            Digests::of(b"").sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

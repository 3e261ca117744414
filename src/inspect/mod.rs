//! Inspect: read each photo once, hash it, read its metadata, decode it once at the smallest
//! useful scale, and write its thumbnail and preview.
//!
//! In: `Source`s to inspect, the profile, the folder for derived images. Out: one `Inspection`
//! per source, in input order (rayon's indexed collect), plus `derived/thumbs/<hash>.jpg` and
//! `derived/previews/<hash>.jpg`. Invariants: a source is read once and never written; a bad
//! file becomes findings, never a panic or an error; derived files are content-addressed, so a
//! rerun finds them in place and two units' copies of one photo share them.

pub mod iptc;
pub mod metadata;
pub mod quality;
pub mod xmp;

#[cfg(feature = "heif")]
pub use crate::imaging::heif;
pub use crate::imaging::{ccitt, cut, decode, encode_jpeg, encode_jpeg_rust, entropy, jxl, tiff};

use std::path::Path;

use rayon::prelude::*;

use crate::output::write_atomic;
use crate::photo::{Check, ContentHash, Finding, Photo, Source};
pub use crate::photo::{DerivedDirs, Inspection};
use crate::profile::Profile;
use crate::progress::Progress;
use decode::{DecodeError, Sniffed};

/// JPEG quality of the derived images: small files that still show detail on a sheet.
const DERIVED_QUALITY: u8 = 82;

impl Inspection {
    fn failed(check: Check) -> Inspection {
        Inspection {
            content: None,
            photo: None,
            findings: vec![Finding::error(check)],
        }
    }
}

/// Inspects every source in parallel on the current rayon pool, in input order. Bytes that
/// come more than once (a photo two units sent) are decoded once: each copy gets the same
/// inspection, as decoding it again would give.
pub fn photos(
    sources: &[&Source],
    profile: &Profile,
    dirs: &DerivedDirs,
    progress: &dyn Progress,
) -> Vec<Inspection> {
    let once = Once::new(|_| None);
    let outcomes = photos_once(sources, profile, dirs, progress, &once);
    settle(outcomes, sources, profile, dirs, &once, &mut |_| None)
        .into_iter()
        .map(|(inspection, _)| inspection)
        .collect()
}

/// What a worker made of one source.
#[derive(Debug)]
pub enum Inspected {
    /// Inspected now: read, hashed, decoded, its derived images written.
    Fresh(Inspection),
    /// Its bytes were inspected by an earlier run ([`Once`]'s `earlier`): read and hashed only.
    Earlier(Inspection),
    /// Its bytes are those of another source of this run, which the first worker to reach them
    /// inspects: read and hashed only. [`settle()`] gives it that inspection.
    Copy(ContentHash),
}

/// The contents a run has taken on so far, shared by its workers across chunks: each content is
/// decoded by the first worker to reach it, once in a run, and not at all when an earlier run's
/// inspection of the same bytes is at hand. Holds 8 bytes a content (a prefix of the hash; two
/// contents sharing one are told apart in [`settle()`], which then inspects the second).
pub struct Once<'a> {
    claimed: std::sync::Mutex<std::collections::HashSet<u64>>,
    earlier: Box<Earlier<'a>>,
    journal: Option<&'a crate::journal::Journal>,
    budget: Option<&'a crate::budget::Budget>,
}

/// An earlier run's inspection of a content, when at hand (see [`Once::new()`]).
type Earlier<'a> = dyn Fn(&ContentHash) -> Option<Inspection> + Sync + 'a;

impl<'a> Once<'a> {
    /// Nothing taken on yet; `earlier` gives an earlier run's inspection of a content (derived
    /// images in place), or `None`.
    pub fn new(earlier: impl Fn(&ContentHash) -> Option<Inspection> + Sync + 'a) -> Once<'a> {
        Once {
            claimed: std::sync::Mutex::default(),
            earlier: Box::new(earlier),
            journal: None,
            budget: None,
        }
    }

    /// The journal each file is recorded in while it is read, if any.
    pub fn journal(&self) -> Option<&'a crate::journal::Journal> {
        self.journal
    }

    /// Makes each decode take its share of `budget` first (see [`decode_cost`]).
    pub fn with_budget(mut self, budget: &'a crate::budget::Budget) -> Once<'a> {
        self.budget = Some(budget);
        self
    }

    /// Records each file in `journal` while it is read, and decodes no bytes the journal says
    /// an earlier run died decoding.
    pub fn with_journal(mut self, journal: &'a crate::journal::Journal) -> Once<'a> {
        self.journal = Some(journal);
        self
    }

    /// Takes `content` on: true for the first caller in the run, false for every later one.
    fn claim(&self, content: &ContentHash) -> bool {
        let mut prefix = [0u8; 8];
        prefix.copy_from_slice(&content.0[..8]);
        // A worker that panicked while holding the set left it whole: an insert cannot tear.
        self.claimed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(u64::from_le_bytes(prefix))
    }
}

/// [`photos()`] without settling the copies: each source is inspected, or found inspected in an
/// earlier run, or found to be a copy of bytes taken on by another source of the run.
pub fn photos_once(
    sources: &[&Source],
    profile: &Profile,
    dirs: &DerivedDirs,
    progress: &dyn Progress,
    once: &Once<'_>,
) -> Vec<Inspected> {
    sources
        .par_iter()
        .map(|source| {
            let inspected = photo_once(source, profile, dirs, once);
            progress.advance(1);
            inspected
        })
        .collect()
}

/// Where a settled inspection came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Inspected in this call (the catalog should record it).
    Fresh,
    /// An earlier run's inspection of the same bytes.
    Earlier,
    /// The inspection of another source with the same bytes, in this call or in `elsewhere`.
    Copy,
}

/// One inspection per source, in order, from the workers' outcomes: a copy takes the inspection
/// of the source of this call with its bytes, else `elsewhere`'s (an earlier chunk of the run),
/// else it is inspected now (two contents whose hashes share the prefix [`Once`] keeps).
pub fn settle(
    outcomes: Vec<Inspected>,
    sources: &[&Source],
    profile: &Profile,
    dirs: &DerivedDirs,
    once: &Once<'_>,
    elsewhere: &mut dyn FnMut(&ContentHash) -> Option<Inspection>,
) -> Vec<(Inspection, Origin)> {
    // Only the contents some copy asks for are kept aside (most chunks have no copies).
    let wanted: std::collections::HashSet<ContentHash> = outcomes
        .iter()
        .filter_map(|o| match o {
            Inspected::Copy(content) => Some(*content),
            _ => None,
        })
        .collect();
    let mut here: std::collections::HashMap<ContentHash, Inspection> = outcomes
        .iter()
        .filter_map(|o| match o {
            Inspected::Fresh(i) | Inspected::Earlier(i) => i
                .content
                .filter(|c| wanted.contains(c))
                .map(|c| (c, i.clone())),
            Inspected::Copy(_) => None,
        })
        .collect();
    outcomes
        .into_iter()
        .zip(sources)
        .map(|(outcome, source)| match outcome {
            Inspected::Fresh(inspection) => (inspection, Origin::Fresh),
            Inspected::Earlier(inspection) => (inspection, Origin::Earlier),
            Inspected::Copy(content) => {
                match here.get(&content).cloned().or_else(|| elsewhere(&content)) {
                    Some(inspection) => (inspection, Origin::Copy),
                    None => {
                        let inspection = photo_in(source, profile, dirs, Some(once));
                        if let Some(content) = inspection.content {
                            here.insert(content, inspection.clone());
                        }
                        (inspection, Origin::Fresh)
                    }
                }
            }
        })
        .collect()
}

thread_local! {
    /// Each worker reads every photo into the same buffer: a photo's megabytes are not mapped,
    /// zeroed and unmapped again for every file.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A worker keeps a read buffer this large at most between photos.
const KEPT_BUFFER: usize = 64 << 20;

/// Inspects one source.
pub fn photo(source: &Source, profile: &Profile, dirs: &DerivedDirs) -> Inspection {
    photo_in(source, profile, dirs, None)
}

/// [`photo()`], recorded in the run's journal while the file is read, its decode within the
/// run's budget (both from `once`).
fn photo_in(
    source: &Source,
    profile: &Profile,
    dirs: &DerivedDirs,
    once: Option<&Once<'_>>,
) -> Inspection {
    let mut reading = once.and_then(|o| o.journal).map(|j| j.reading(source));
    let budget = once.and_then(|o| o.budget);
    read_then(source, profile, |bytes| {
        let content = ContentHash::of(bytes);
        if let Some(reading) = reading.as_mut() {
            reading.hashed(&content);
        }
        inspect_bytes(bytes, content, profile, dirs, budget)
    })
    .unwrap_or_else(|failed| failed)
}

/// The inspection of bytes (hashed as `content`) that an earlier run died reading: `check`
/// says so, nothing is decoded.
pub fn crashed_before(content: Option<ContentHash>, check: Check) -> Inspection {
    Inspection {
        content,
        ..Inspection::failed(check)
    }
}

/// [`photo()`], unless the bytes were taken on before in the run (or an earlier one).
fn photo_once(
    source: &Source,
    profile: &Profile,
    dirs: &DerivedDirs,
    once: &Once<'_>,
) -> Inspected {
    // The file is recorded before it is read (a zip entry is inflated as it is read), and
    // its content once hashed.
    let mut reading = once.journal.map(|j| j.reading(source));
    read_then(source, profile, |bytes| {
        let content = ContentHash::of(bytes);
        if !once.claim(&content) {
            return Inspected::Copy(content);
        }
        if let Some(check) = once.journal.and_then(|j| j.verdict_content(&content)) {
            return Inspected::Fresh(crashed_before(Some(content), check));
        }
        if let Some(reading) = reading.as_mut() {
            reading.hashed(&content);
        }
        match (once.earlier)(&content) {
            Some(earlier) => Inspected::Earlier(earlier),
            None => Inspected::Fresh(inspect_bytes(bytes, content, profile, dirs, once.budget)),
        }
    })
    .unwrap_or_else(Inspected::Fresh)
}

/// Reads a source into the worker's buffer and hands its bytes to `inspect`. A file too large
/// or unreadable is the failed inspection that says so.
fn read_then<T>(
    source: &Source,
    profile: &Profile,
    inspect: impl FnOnce(&[u8]) -> T,
) -> Result<T, Inspection> {
    let files = &profile.files;
    if source.size > files.max_bytes {
        return Err(Inspection::failed(Check::FileTooLarge {
            bytes: source.size,
            max: files.max_bytes,
        }));
    }
    READ_BUFFER.with_borrow_mut(|buffer| {
        let outcome = match crate::reading::read_into(source, files.max_bytes, buffer) {
            Ok(()) => Ok(inspect(buffer)),
            Err(reason) => Err(Inspection::failed(Check::Unreadable { reason })),
        };
        if buffer.capacity() > KEPT_BUFFER {
            *buffer = Vec::new();
        }
        outcome
    })
}

/// Inspects a source's bytes, read whole, whose hash is `content`. The parsers and decoders
/// run behind [`crate::boundary`]: a library that panics on this file makes it
/// `decoder_crashed`, and the worker goes on with the next.
fn inspect_bytes(
    bytes: &[u8],
    content: ContentHash,
    profile: &Profile,
    dirs: &DerivedDirs,
    budget: Option<&crate::budget::Budget>,
) -> Inspection {
    if bytes.is_empty() {
        // Empty bytes have a content hash too: the catalog remembers the file like any other.
        return Inspection {
            content: Some(content),
            ..Inspection::failed(Check::EmptyFile)
        };
    }
    crate::boundary::guarded(|| inspect_image(bytes, content, profile, dirs, budget))
        .unwrap_or_else(|reason| Inspection {
            content: Some(content),
            ..Inspection::failed(Check::DecoderCrashed {
                reason,
                earlier_run: false,
            })
        })
}

/// A test seam, in debug builds only: with `LIGHTBOX_TEST_CRASH` set, a file whose bytes hold
/// its value makes the inspection panic as a decoder would (`abort` as the value's first word
/// aborts the process instead, as a crash in C would).
#[cfg(debug_assertions)]
fn crash_seam(bytes: &[u8]) {
    let Some(marker) = std::env::var_os("LIGHTBOX_TEST_CRASH") else {
        return;
    };
    let marker = marker.to_string_lossy().into_owned();
    if memchr::memmem::find(bytes, marker.as_bytes()).is_some() {
        if marker.starts_with("abort") {
            std::process::abort();
        }
        panic!("test seam: a decoder panicked on {marker}");
    }
}

/// [`inspect_bytes`] on bytes that are not empty: sniff, metadata, decode (within `budget`),
/// derived images.
fn inspect_image(
    bytes: &[u8],
    content: ContentHash,
    profile: &Profile,
    dirs: &DerivedDirs,
    budget: Option<&crate::budget::Budget>,
) -> Inspection {
    #[cfg(debug_assertions)]
    crash_seam(bytes);
    let files = &profile.files;
    let format = match decode::sniff(bytes) {
        Sniffed::Image(format) => format,
        Sniffed::Other(detected) => {
            return Inspection {
                content: Some(content),
                ..Inspection::failed(Check::NotAnImage {
                    detected: detected.to_string(),
                })
            };
        }
    };
    let (exif, exif_damage) = metadata::exif_checked(bytes);
    let exif = exif.unwrap_or_default();
    let (xmp, xmp_damage) = xmp::read_checked(bytes);
    let (iptc, iptc_damage) = iptc::read_checked(bytes);
    // Damaged metadata and stray bytes after the image are worth knowing, never a reason to
    // refuse a photo.
    let mut findings: Vec<Finding> = [
        ("EXIF", exif_damage),
        ("XMP", xmp_damage),
        ("IPTC", iptc_damage),
    ]
    .into_iter()
    .filter_map(|(block, reason)| {
        reason.map(|reason| {
            Finding::info(Check::MetadataDamaged {
                block: block.to_string(),
                reason,
            })
        })
    })
    .collect();
    if let Some(bytes) = metadata::bytes_after_end(bytes) {
        findings.push(Finding::info(Check::DataAfterEnd { bytes }));
    }
    let mut photo = Photo {
        content,
        bytes: bytes.len() as u64,
        format,
        width: 0,
        height: 0,
        cmyk: false,
        exif,
        xmp: xmp.map(Box::new),
        iptc: iptc.map(Box::new),
        perceptual: None,
        jpeg_quality: (format == crate::photo::Format::Jpeg)
            .then(|| quality::jpeg_quality(bytes))
            .flatten(),
        decoded: false,
    };
    // A large decode waits for room in the run's budget; its share is given back as soon as
    // the pixels are made (the preview kept after it is small).
    let held = budget.map(|b| b.take(decode_cost(bytes, format, profile)));
    let decoded = decode::decode(
        bytes,
        format,
        photo.exif.orientation,
        profile.derived.preview,
        files.max_pixels,
    );
    drop(held);
    match decoded {
        Ok(mut decoded) => {
            photo.width = decoded.width;
            photo.height = decoded.height;
            photo.cmyk = decoded.cmyk;
            if decoded.truncated {
                findings.push(Finding::error(Check::Truncated));
            }
            if let Some(pages) = decoded.pages {
                findings.push(Finding::info(Check::MultiPage { pages }));
            }
            if let Some(damage) = decoded.corrupt.take() {
                findings.push(Finding::error(Check::CorruptData {
                    reason: String::new(),
                    damage: Some(damage),
                }));
            }
            // The fingerprint comes from the same upright preview: no second decode.
            photo.perceptual = Some(crate::fingerprint::Fingerprint::of(&decoded.pixels));
            match write_derived(&decoded.pixels, &content, profile, dirs) {
                Ok(()) => photo.decoded = true,
                Err(e) => findings.push(Finding::error(Check::Unreadable {
                    reason: format!("derived image not written: {e}"),
                })),
            }
            decode::recycle(decoded.pixels);
        }
        Err(DecodeError::TooManyPixels { width, height }) => {
            photo.width = width;
            photo.height = height;
            findings.push(Finding::error(Check::TooManyPixels {
                width,
                height,
                limit: files.max_pixels,
            }));
        }
        Err(DecodeError::Unsupported { format, feature }) => {
            findings.push(Finding::error(Check::UnsupportedFormat { format, feature }));
        }
        Err(DecodeError::Failed(reason)) => {
            // Some decoders end their message with a line break: a CSV cell keeps none.
            let reason = reason.trim().to_string();
            let check = match reason.as_str() {
                "truncated" => Check::Truncated,
                _ => Check::DecodeFailed { reason },
            };
            findings.push(Finding::error(check));
        }
    }
    Inspection {
        content: Some(content),
        photo: Some(std::sync::Arc::new(photo)),
        findings,
    }
}

/// The bytes a decode of this image holds at its peak, from its header alone: the pixels a
/// decoder makes at full size (plus their RGB copy) for every format but JPEG; for a JPEG,
/// decoded at a reduced DCT scale, the scaled picture (at 16 bits a sample and again at 8 when
/// it has 12-bit samples), or the whole image's coefficients when it is progressive (two bytes a
/// sample), or the full picture when it is CMYK or lossless. 0 when the header
/// cannot be read or the image is refused from it ([`Profile`]'s `max_pixels`).
pub fn decode_cost(bytes: &[u8], format: crate::photo::Format, profile: &Profile) -> u64 {
    use crate::photo::Format;
    let (pixels, per_pixel) = match format {
        Format::Jpeg => {
            let Some(frame) = crate::imaging::jpeg_frame(bytes) else {
                return 0;
            };
            let pixels = u64::from(frame.width) * u64::from(frame.height);
            let preview = u64::from(profile.derived.preview);
            // The DCT scale keeps the long edge under twice the preview's.
            let scaled = pixels.min(4 * preview * preview);
            let components = u64::from(frame.components);
            match (frame.progressive, frame.components) {
                // Lossless JPEG is decoded whole (no DCT to scale), two bytes a sample past 8
                // bits, then made RGB.
                _ if frame.lossless => (
                    pixels,
                    components * u64::from(frame.precision.div_ceil(8)) + 3,
                ),
                (_, 4) => (pixels, 7),
                (true, _) => (pixels, 6),
                // 12-bit samples are decoded into 16-bit ones, then brought down to 8 bits.
                (false, _) if frame.precision > 8 => (scaled, 9),
                (false, _) => (scaled, 3),
            }
        }
        Format::Heic | Format::Jxl => return 0,
        other => {
            let Some(image_format) = image_format_of(other) else {
                return 0;
            };
            let mut reader =
                image::ImageReader::with_format(std::io::Cursor::new(bytes), image_format);
            // Only the header is read: what is inflated before the picture is bounded.
            reader.limits(decode::limits(decode::HEADER_BYTES));
            let Ok(decoder) = reader.into_decoder() else {
                return 0;
            };
            let (width, height) = image::ImageDecoder::dimensions(&decoder);
            let native = u64::from(image::ImageDecoder::color_type(&decoder).bytes_per_pixel());
            (u64::from(width) * u64::from(height), native + 3)
        }
    };
    if pixels > profile.files.max_pixels {
        0
    } else {
        pixels * per_pixel
    }
}

/// `image`'s name of a format it decodes.
fn image_format_of(format: crate::photo::Format) -> Option<image::ImageFormat> {
    use crate::photo::Format;
    Some(match format {
        Format::Png => image::ImageFormat::Png,
        Format::Tiff => image::ImageFormat::Tiff,
        Format::Webp => image::ImageFormat::WebP,
        Format::Gif => image::ImageFormat::Gif,
        Format::Bmp => image::ImageFormat::Bmp,
        Format::Jpeg | Format::Heic | Format::Jxl => return None,
    })
}

/// Writes the preview and the thumbnail (made from the preview) unless they exist already.
fn write_derived(
    preview: &image::RgbImage,
    content: &ContentHash,
    profile: &Profile,
    dirs: &DerivedDirs,
) -> std::io::Result<()> {
    let preview_path = dirs.preview(content);
    if !preview_path.exists() {
        write_jpeg_atomic(preview, &preview_path)?;
    }
    let thumb_path = dirs.thumbnail(content);
    if !thumb_path.exists() {
        let thumb = decode::fit(preview, profile.derived.thumbnail);
        write_jpeg_atomic(&thumb, &thumb_path)?;
    }
    Ok(())
}

/// Encodes a JPEG and writes it atomically.
///
/// # Errors
/// When encoding or writing fails.
pub fn write_jpeg_atomic(image: &image::RgbImage, path: &Path) -> std::io::Result<()> {
    write_atomic(path, &encode_jpeg(image, DERIVED_QUALITY)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;
    use std::fs;

    /// A unit folder with two copies of one photo and another photo; their sources in order.
    fn copies(root: &Path) -> Vec<Source> {
        let unit = root.join("drops").join("单位");
        fs::create_dir_all(&unit).unwrap();
        let picture = |seed: u32| {
            image::RgbImage::from_fn(640, 480, |x, y| {
                image::Rgb([(x * seed) as u8, (y + seed) as u8, ((x ^ y) * seed) as u8])
            })
        };
        let photo = encode_jpeg(&picture(3), 90).unwrap();
        fs::write(unit.join("a.jpg"), &photo).unwrap();
        fs::write(unit.join("b.jpg"), encode_jpeg(&picture(7), 90).unwrap()).unwrap();
        fs::write(unit.join("c.jpg"), &photo).unwrap();
        let scan = crate::ingest::scan(&[root.join("drops")]).unwrap();
        scan.entries.into_iter().map(|e| e.source).collect()
    }

    /// [`copies()`] in a temporary folder, the embedded profile, and a work folder's dirs.
    fn setup() -> (tempfile::TempDir, Vec<Source>, Profile, DerivedDirs) {
        let root = tempfile::tempdir().unwrap();
        let sources = copies(root.path());
        let dirs = DerivedDirs::in_work(&root.path().join("work"));
        dirs.create().unwrap();
        (root, sources, Profile::embedded(), dirs)
    }

    #[test]
    fn a_content_is_decoded_by_one_worker_and_its_copies_get_the_same_inspection() {
        let (_root, sources, profile, dirs) = setup();
        let refs: Vec<&Source> = sources.iter().collect();
        let once = Once::new(|_| None);
        let outcomes = photos_once(&refs, &profile, &dirs, &Silent, &once);
        let fresh = outcomes
            .iter()
            .filter(|o| matches!(o, Inspected::Fresh(_)))
            .count();
        let copied: Vec<&ContentHash> = outcomes
            .iter()
            .filter_map(|o| match o {
                Inspected::Copy(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!((fresh, copied.len()), (2, 1), "{outcomes:?}");
        let settled = settle(outcomes, &refs, &profile, &dirs, &once, &mut |_| None);
        let origins: Vec<Origin> = settled.iter().map(|(_, o)| *o).collect();
        assert_eq!(origins.iter().filter(|o| **o == Origin::Copy).count(), 1);
        // Every source's inspection is the one inspecting it alone gives.
        for ((inspection, _), source) in settled.iter().zip(&refs) {
            assert_eq!(
                *inspection,
                photo(source, &profile, &dirs),
                "{}",
                source.path
            );
        }
        assert_eq!(settled[0].0, settled[2].0, "a.jpg and c.jpg are one photo");
        assert!(settled[0].0.photo.as_ref().unwrap().perceptual.is_some());
    }

    #[test]
    fn an_earlier_inspection_is_taken_and_a_copy_with_nothing_to_copy_is_inspected() {
        let (_root, sources, profile, dirs) = setup();
        let refs: Vec<&Source> = sources.iter().collect();
        let earlier = photo(refs[0], &profile, &dirs);
        let known = earlier.content.unwrap();
        let once = Once::new(|c| (*c == known).then(|| earlier.clone()));
        let outcomes = photos_once(&refs, &profile, &dirs, &Silent, &once);
        let kinds: Vec<&str> = outcomes
            .iter()
            .map(|o| match o {
                Inspected::Fresh(_) => "fresh",
                Inspected::Earlier(_) => "earlier",
                Inspected::Copy(_) => "copy",
            })
            .collect();
        // a.jpg and c.jpg: one worker finds the earlier inspection, the other waits for it.
        let mut copies_of_a = vec![kinds[0], kinds[2]];
        copies_of_a.sort_unstable();
        assert_eq!((copies_of_a, kinds[1]), (vec!["copy", "earlier"], "fresh"));

        // A copy whose bytes no one here or elsewhere has (two hashes sharing the 8 bytes the
        // run keeps) is inspected after all.
        let alone = settle(
            vec![Inspected::Copy(known)],
            &refs[..1],
            &profile,
            &dirs,
            &once,
            &mut |_| None,
        );
        assert_eq!(alone, vec![(earlier.clone(), Origin::Fresh)]);
        let found = settle(
            vec![Inspected::Copy(known)],
            &refs[2..],
            &profile,
            &dirs,
            &once,
            &mut |c| (*c == known).then(|| earlier.clone()),
        );
        assert_eq!(found, vec![(earlier.clone(), Origin::Copy)]);
    }

    /// What a decode holds, from the header: a baseline JPEG at its reduced scale, a
    /// progressive one whole (its coefficients), a PNG at full size plus its RGB copy, nothing
    /// The frame header tells 12-bit, lossless and arithmetic-coded JPEG apart (the fixtures
    /// libjpeg-turbo's cjpeg made), and the cost of a decode follows: 12-bit samples held at 16
    /// bits and again at 8, a lossless picture decoded whole.
    #[test]
    fn the_frame_header_names_the_kind_of_jpeg() {
        use crate::photo::Format;
        let fixture = |name: &str| {
            std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/formats")
                    .join(name),
            )
            .unwrap()
        };
        let kind = |name: &str| {
            let f = crate::imaging::jpeg_frame(&fixture(name)).unwrap();
            (f.width, f.height, f.precision, f.lossless, f.arithmetic)
        };
        assert_eq!(kind("jpeg-progressive.jpg"), (192, 128, 8, false, false));
        assert_eq!(kind("jpeg-12bit.jpg"), (192, 128, 12, false, false));
        assert_eq!(kind("jpeg-arithmetic.jpg"), (192, 128, 8, false, true));
        assert_eq!(kind("jpeg-lossless.jpg"), (192, 128, 8, true, false));
        assert_eq!(kind("jpeg-lossless16.jpg"), (192, 128, 16, true, false));
        let profile = Profile::embedded();
        let cost = |name: &str| decode_cost(&fixture(name), Format::Jpeg, &profile);
        let pixels = 192 * 128;
        assert_eq!(cost("jpeg-arithmetic.jpg"), pixels * 3);
        assert_eq!(cost("jpeg-12bit.jpg"), pixels * 9);
        assert_eq!(cost("jpeg-lossless.jpg"), pixels * (3 + 3));
        assert_eq!(cost("jpeg-lossless16.jpg"), pixels * (6 + 3));
    }

    /// for an image refused from its header.
    #[test]
    fn the_cost_of_a_decode_is_read_from_the_header() {
        use crate::photo::Format;
        let profile = Profile::embedded();
        let picture = image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([x as u8, y as u8, (x ^ y) as u8])
        });
        let baseline = encode_jpeg_rust(&picture, 85).unwrap();
        assert_eq!(
            decode_cost(&baseline, Format::Jpeg, &profile),
            640 * 480 * 3
        );
        let mut progressive = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut progressive, 85);
        encoder.set_progressive(true);
        encoder
            .encode(picture.as_raw(), 640, 480, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        assert_eq!(
            crate::imaging::jpeg_frame(&progressive).map(|f| (f.width, f.height, f.progressive)),
            Some((640, 480, true))
        );
        assert_eq!(
            decode_cost(&progressive, Format::Jpeg, &profile),
            640 * 480 * 6
        );
        let mut png = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut png),
            picture.as_raw(),
            640,
            480,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
        assert_eq!(decode_cost(&png, Format::Png, &profile), 640 * 480 * 6);
        let mut small = Profile::embedded();
        small.files.max_pixels = 1000;
        assert_eq!(decode_cost(&png, Format::Png, &small), 0);
        assert_eq!(decode_cost(b"\xFF\xD8\xFF", Format::Jpeg, &profile), 0);
    }
}

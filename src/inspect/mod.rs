//! Inspect: read each photo once, hash it, read its metadata, decode it once at the smallest
//! useful scale, and write its thumbnail and preview.
//!
//! In: `Source`s to inspect, the profile, the folder for derived images. Out: one `Inspection`
//! per source, in input order (rayon's indexed collect), plus `derived/thumbs/<hash>.jpg` and
//! `derived/previews/<hash>.jpg`. Invariants: a source is read once and never written; a bad
//! file becomes findings, never a panic or an error; derived files are content-addressed, so a
//! rerun finds them in place and two units' copies of one photo share them.

pub mod decode;
pub mod entropy;
pub mod iptc;
pub mod metadata;
pub mod xmp;

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::output::write_atomic;
use crate::photo::{Check, ContentHash, Finding, Photo, Source};
use crate::profile::Profile;
use crate::progress::Progress;
use decode::{DecodeError, Sniffed};

/// JPEG quality of the derived images: small files that still show detail on a sheet.
const DERIVED_QUALITY: u8 = 82;

/// Where derived images go.
#[derive(Clone, Debug)]
pub struct DerivedDirs {
    /// Thumbnails, `<hash>.jpg`.
    pub thumbs: PathBuf,
    /// Previews, `<hash>.jpg`.
    pub previews: PathBuf,
}

impl DerivedDirs {
    /// The layout inside a work folder.
    pub fn in_work(work: &Path) -> DerivedDirs {
        DerivedDirs {
            thumbs: work.join("derived").join("thumbs"),
            previews: work.join("derived").join("previews"),
        }
    }

    /// Creates the folders.
    ///
    /// # Errors
    /// When they cannot be created.
    pub fn create(&self) -> std::io::Result<()> {
        fs::create_dir_all(&self.thumbs)?;
        fs::create_dir_all(&self.previews)
    }

    /// The thumbnail path of a content hash.
    pub fn thumbnail(&self, content: &ContentHash) -> PathBuf {
        self.thumbs.join(format!("{}.jpg", content.to_hex()))
    }

    /// The preview path of a content hash.
    pub fn preview(&self, content: &ContentHash) -> PathBuf {
        self.previews.join(format!("{}.jpg", content.to_hex()))
    }
}

/// What inspecting one source gave.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Inspection {
    /// blake3 of the bytes, when they could be read.
    pub content: Option<ContentHash>,
    /// The photo's facts, when the file is an image (shared by the item made from it).
    pub photo: Option<std::sync::Arc<Photo>>,
    /// What is wrong with the file itself.
    pub findings: Vec<Finding>,
}

impl Inspection {
    fn failed(check: Check) -> Inspection {
        Inspection {
            content: None,
            photo: None,
            findings: vec![Finding::error(check)],
        }
    }
}

/// Inspects every source in parallel on the current rayon pool, in input order.
pub fn photos(
    sources: &[&Source],
    profile: &Profile,
    dirs: &DerivedDirs,
    progress: &dyn Progress,
) -> Vec<Inspection> {
    sources
        .par_iter()
        .map(|source| {
            let inspection = photo(source, profile, dirs);
            progress.advance(1);
            inspection
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
    let files = &profile.files;
    if source.size > files.max_bytes {
        return Inspection::failed(Check::FileTooLarge {
            bytes: source.size,
            max: files.max_bytes,
        });
    }
    READ_BUFFER.with_borrow_mut(|buffer| {
        let inspection = match crate::ingest::read_into(source, files.max_bytes, buffer) {
            Ok(()) => inspect_bytes(buffer, profile, dirs),
            Err(reason) => Inspection::failed(Check::Unreadable { reason }),
        };
        if buffer.capacity() > KEPT_BUFFER {
            *buffer = Vec::new();
        }
        inspection
    })
}

/// Inspects a source's bytes, read whole.
fn inspect_bytes(bytes: &[u8], profile: &Profile, dirs: &DerivedDirs) -> Inspection {
    let files = &profile.files;
    if bytes.is_empty() {
        // Empty bytes have a content hash too: the catalog remembers the file like any other.
        return Inspection {
            content: Some(ContentHash::of(bytes)),
            ..Inspection::failed(Check::EmptyFile)
        };
    }
    let content = ContentHash::of(bytes);
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
            .then(|| crate::dedupe::jpeg_quality(bytes))
            .flatten(),
        decoded: false,
    };
    match decode::decode(
        bytes,
        format,
        photo.exif.orientation,
        profile.derived.preview,
        files.max_pixels,
    ) {
        Ok(mut decoded) => {
            photo.width = decoded.width;
            photo.height = decoded.height;
            photo.cmyk = decoded.cmyk;
            if decoded.truncated {
                findings.push(Finding::error(Check::Truncated));
            }
            if let Some(reason) = decoded.corrupt.take() {
                findings.push(Finding::error(Check::CorruptData { reason }));
            }
            // The fingerprint comes from the same upright preview: no second decode.
            photo.perceptual = Some(crate::fingerprint::Fingerprint::of(&decoded.pixels));
            match write_derived(&decoded.pixels, &content, profile, dirs) {
                Ok(()) => photo.decoded = true,
                Err(e) => findings.push(Finding::error(Check::Unreadable {
                    reason: format!("derived image not written: {e}"),
                })),
            }
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
        Err(DecodeError::Failed(reason)) => {
            let check = match format {
                crate::photo::Format::Heic | crate::photo::Format::Jxl => {
                    Check::UnsupportedFormat {
                        format: format.name().to_string(),
                    }
                }
                _ if reason == "truncated" => Check::Truncated,
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

/// Encodes RGB pixels as a baseline JPEG.
///
/// # Errors
/// When the encoder fails (an empty image, or a side over 65,535 pixels).
pub fn encode_jpeg(image: &image::RgbImage, quality: u8) -> std::io::Result<Vec<u8>> {
    // Below quality 90 chroma is subsampled 4:2:0, at 90 and above it is kept 4:4:4.
    #[cfg(feature = "turbojpeg")]
    {
        // libjpeg-turbo's encoder is 2.6x as fast as jpeg-encoder on a 1000 px preview (hot bench).
        let (width, height) = image.dimensions();
        let subsamp = match quality < 90 {
            true => turbojpeg::Subsamp::Sub2x2,
            false => turbojpeg::Subsamp::None,
        };
        let pixels = turbojpeg::Image {
            pixels: image.as_raw().as_slice(),
            width: width as usize,
            pitch: 3 * width as usize,
            height: height as usize,
            format: turbojpeg::PixelFormat::RGB,
        };
        let mut compressor = turbojpeg::Compressor::new().map_err(std::io::Error::other)?;
        compressor
            .set_quality(i32::from(quality))
            .and_then(|()| compressor.set_subsamp(subsamp))
            .and_then(|()| compressor.compress_to_vec(pixels))
            .map_err(std::io::Error::other)
    }
    #[cfg(not(feature = "turbojpeg"))]
    {
        // jpeg-encoder (AVX2 where the CPU has it) is several times faster than image's
        // encoder, which was half of a photo's time.
        encode_jpeg_rust(image, quality)
    }
}

/// [`encode_jpeg()`] with jpeg-encoder, the pure-Rust encoder.
///
/// # Errors
/// When the encoder fails (an empty image, or a side over 65,535 pixels).
pub fn encode_jpeg_rust(image: &image::RgbImage, quality: u8) -> std::io::Result<Vec<u8>> {
    let (width, height) = image.dimensions();
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(std::io::Error::other(format!(
            "{width}x{height} is too large for a JPEG"
        )));
    };
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, quality)
        .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(std::io::Error::other)?;
    Ok(bytes)
}

//! The nouns every stage shares: where a file came from (`Source`), what inspection learned about
//! it (`Photo`), and what is wrong with it (`Finding`, `Check`, `Severity`).
//!
//! In: nothing (plain data). Out: serialisable values. Invariant: every value here is data, never
//! a handle; stages pass them by value or reference and never print. What staff read about them
//! (a finding's sentence, a field's column name, a status's label) is not here but in the
//! `messages` module, one file per language, which depends on these nouns.
//!
//! Size: about 860 lines, all data types and their small accessors: `Check`'s variants alone
//! (every finding, each with its values and documented) are about 320; splitting them from
//! `Finding` would only separate a type from its one use.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

pub mod decisions;
pub mod derived;
pub mod embedded;
pub mod groups;
pub mod tags;

pub use derived::DerivedDirs;
pub use embedded::{Iptc, Xmp};
pub use groups::{FilledTag, Group, GroupKind, KeepReason, Pair};
pub use tags::{Layer, Limit, Place, PlaceMatch, SheetProblem, TagSource, Tagged, Tags};

/// The blake3 hash of a file's bytes: the content id of a photo inside lightbox.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    /// Hashes a buffer.
    pub fn of(bytes: &[u8]) -> Self {
        ContentHash(*blake3::hash(bytes).as_bytes())
    }

    /// The lowercase hex form used in file names and reports.
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }

    /// Parses the hex form.
    pub fn from_hex(hex: &str) -> Option<Self> {
        blake3::Hash::from_hex(hex)
            .ok()
            .map(|h| ContentHash(*h.as_bytes()))
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

impl Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(d)?;
        ContentHash::from_hex(&hex).ok_or_else(|| serde::de::Error::custom("bad content hash"))
    }
}

/// Where a file lives: a plain file inside a drop folder, or an entry of a drop zip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A file on disk.
    File {
        /// Absolute path of the file.
        #[serde(with = "os_path")]
        path: PathBuf,
    },
    /// An entry inside a zip file.
    ZipEntry {
        /// Absolute path of the zip file.
        #[serde(with = "os_path")]
        zip: PathBuf,
        /// Index of the entry in the zip's central directory.
        index: usize,
        /// The entry name as decoded (GBK when the UTF-8 flag is absent).
        name: String,
    },
}

/// A path in the report, exactly: as text when it is UTF-8, otherwise as its bytes (a name made
/// on a GBK system and copied as-is), so the package step can still open the file.
mod os_path {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        Bytes { bytes: Vec<u8> },
    }

    pub fn serialize<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
        match path.to_str() {
            Some(text) => Repr::Text(text.to_string()),
            None => Repr::Bytes {
                bytes: path.as_os_str().as_encoded_bytes().to_vec(),
            },
        }
        .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathBuf, D::Error> {
        Ok(match Repr::deserialize(deserializer)? {
            Repr::Text(text) => PathBuf::from(text),
            Repr::Bytes { bytes } => from_bytes(bytes),
        })
    }

    #[cfg(unix)]
    fn from_bytes(bytes: Vec<u8>) -> PathBuf {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }

    #[cfg(not(unix))]
    fn from_bytes(bytes: Vec<u8>) -> PathBuf {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// One file a drop holds, as ingest found it. No contents have been read yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The submitting unit (the drop's folder or zip name), e.g. `克拉玛依市科协`.
    pub unit: String,
    /// Path shown to people: relative to the collection folder, zip entries below the zip's
    /// name, always with `/` separators, e.g. `和田地区科协.zip/和田地区科协/2019+和田地区.jpg`.
    pub path: String,
    /// The folders between the unit and the file (inside a zip too), outermost first.
    pub folders: Vec<String>,
    /// The file name, without folders.
    pub file_name: String,
    /// Where to read the bytes.
    pub location: Location,
    /// Size in bytes as listed (file metadata or the zip's declared size).
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (the zip's, for zip entries): with the
    /// location and size, what tells an unchanged file on a rerun. Not reported.
    #[serde(skip)]
    pub modified: Option<i64>,
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; changes nothing.
    Info,
    /// A curator should look; the photo can still be packaged.
    Warn,
    /// The photo cannot be packaged until this is fixed.
    Error,
}

/// A required or optional per-photo field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// 年份.
    Year,
    /// 地州市.
    Place,
    /// 活动名称.
    Event,
    /// 图片说明.
    Caption,
    /// 摄影者.
    Photographer,
    /// 报送单位.
    Unit,
}

impl Field {
    /// Every field, in sheet order.
    pub const ALL: [Field; 6] = [
        Field::Year,
        Field::Place,
        Field::Event,
        Field::Caption,
        Field::Photographer,
        Field::Unit,
    ];
}

/// Where a picture's coded data is damaged: what the walk through a JPEG's Huffman-coded data
/// found, or a decoder's own words. Worded by `messages` in each language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Damage {
    /// The data runs out after `unit` of the scan's `count` blocks (or block groups).
    EndsEarly {
        /// Blocks (or groups) the data holds.
        unit: u64,
        /// Blocks (or groups) the scan needs.
        count: u64,
    },
    /// Bytes of coded data left over after the last block.
    LeftOver {
        /// How many.
        bytes: u64,
    },
    /// A code no Huffman table has, at a byte of the file.
    UnknownCode {
        /// The byte's offset.
        at: u64,
    },
    /// A Huffman table whose codes outnumber its values.
    ShortTable,
    /// A restart marker missing where it is due.
    RestartMissing {
        /// The marker's number (0–7).
        marker: u8,
        /// The byte's offset.
        at: u64,
    },
    /// A DC difference longer than any sample allows.
    DcTooLong {
        /// Its length in bits.
        bits: u8,
    },
    /// A block with more than 64 coefficients.
    TooManyCoefficients {
        /// How many.
        count: u64,
    },
    /// A decoder's own words (libjpeg-turbo's warning, the TIFF reader's error).
    Decoder {
        /// Its message.
        message: String,
    },
}

/// What a finding is about, with the values that explain it. The serialised `check` name is
/// stable: scripts and fix-lists count findings by it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Check {
    /// The file could not be read at all.
    Unreadable {
        /// The operating system's reason.
        reason: String,
    },
    /// A folder could not be listed.
    FolderUnreadable {
        /// The operating system's reason.
        reason: String,
    },
    /// Zero bytes.
    EmptyFile,
    /// A symbolic link: never followed, so a drop cannot reach outside itself.
    Symlink {
        /// Where it points.
        target: String,
        /// Whether the target exists.
        dangling: bool,
    },
    /// A device, pipe or socket: reading it could block forever.
    NotRegularFile,
    /// The content is not an image, whatever the extension says.
    NotAnImage {
        /// What the content looks like (pdf, html, zip, text, unknown).
        detected: String,
    },
    /// An image format this build cannot decode (HEIC/AVIF without the `heif` feature; 12-bit
    /// or arithmetic-coded JPEG without `turbojpeg`).
    UnsupportedFormat {
        /// The detected format.
        format: String,
        /// The build that reads it, when there is one (`heif`: the cargo feature).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        feature: Option<String>,
    },
    /// An image, but not a JPEG: the package converts it.
    NotJpeg {
        /// The detected format.
        format: String,
    },
    /// The image data ends before the image does.
    Truncated,
    /// The image data is corrupt although a decoder made a picture of it (grey or garbled
    /// blocks): found by walking the Huffman-coded data, or told by the decoder.
    CorruptData {
        /// What is wrong, as a report of an earlier version holds it (English); empty when
        /// `damage` says it.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
        /// What is wrong, with where.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        damage: Option<Damage>,
    },
    /// The decoder refused the image data.
    DecodeFailed {
        /// The decoder's reason.
        reason: String,
    },
    /// A decoder or metadata parser crashed on the file (a panic inside a library, caught at
    /// the boundary around it, or a crash that ended an earlier run while it read this file).
    /// The run went on without it.
    DecoderCrashed {
        /// What the library said, or (for an earlier run) the lightbox that was reading it.
        reason: String,
        /// An earlier run died reading this file (see the `journal` module): this run did not
        /// read it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        earlier_run: bool,
    },
    /// More pixels than the profile allows: refused before decoding (a decompression bomb).
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The profile's limit in pixels.
        limit: u64,
    },
    /// Long edge below the profile's minimum.
    LongEdgeTooSmall {
        /// Long edge in pixels.
        long_edge: u32,
        /// The minimum.
        min: u32,
    },
    /// Long edge or pixel count below what the profile recommends.
    ResolutionLow {
        /// Long edge in pixels.
        long_edge: u32,
        /// Megapixels, rounded to one decimal.
        megapixels: String,
        /// Recommended long edge.
        recommended: u32,
    },
    /// File smaller than the profile's minimum.
    FileTooSmall {
        /// Size in bytes.
        bytes: u64,
        /// The minimum.
        min: u64,
    },
    /// File small enough that it is probably not the original (原图).
    FileSmall {
        /// Size in bytes.
        bytes: u64,
        /// The recommended minimum.
        recommended: u64,
    },
    /// File larger than the profile's maximum.
    FileTooLarge {
        /// Size in bytes.
        bytes: u64,
        /// The maximum.
        max: u64,
    },
    /// File larger than the profile recommends.
    FileLarge {
        /// Size in bytes.
        bytes: u64,
        /// The recommended maximum.
        recommended: u64,
    },
    /// CMYK colour: meant for print, shows wrong on screens.
    Cmyk,
    /// A metadata block (EXIF, XMP, IPTC) is damaged: what could be read was read, nothing was
    /// guessed. Never a reason to refuse the photo.
    MetadataDamaged {
        /// Which block: `EXIF`, `XMP` or `IPTC`.
        block: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Bytes after the end of the JPEG image that no known format puts there (a bad copy, or a
    /// phone's own trailer): ignored, never read as part of the picture.
    DataAfterEnd {
        /// How many bytes follow the end-of-image marker.
        bytes: u64,
    },
    /// A file of several pages (a multi-page TIFF): only the first is the photo shown,
    /// checked and packaged.
    MultiPage {
        /// How many pages the file holds.
        pages: u32,
    },
    /// A required field has no value from any source.
    MissingField {
        /// Which field.
        field: Field,
    },
    /// The year is outside the collection's range.
    YearOutOfRange {
        /// The year found.
        year: i32,
        /// First valid year.
        first: i32,
        /// Last valid year.
        last: i32,
    },
    /// A year the profile accepts with a warning (a precursor event).
    YearPrecursor {
        /// The year found.
        year: i32,
    },
    /// Two sources give different years (the sheet says 2015, the camera's date 2012).
    YearConflict {
        /// The year used.
        used: i32,
        /// Where it came from.
        used_source: String,
        /// The other year.
        other: i32,
        /// Where that came from.
        other_source: String,
    },
    /// Two sources give places in different prefectures.
    PlaceConflict {
        /// The place used, as written.
        used: String,
        /// Where it came from.
        used_source: String,
        /// The other place, as written.
        other: String,
        /// Where that came from.
        other_source: String,
    },
    /// A two-digit year (`15年`): probably 20xx, but the unit must confirm.
    YearAmbiguous {
        /// The value as written.
        text: String,
        /// Where it was written.
        source: String,
        /// The likely year.
        likely: i32,
    },
    /// The unit sent a sheet, but it has no row for this photo.
    NotInSheet {
        /// The sheet's display path.
        sheet: String,
    },
    /// A year value that is not a year.
    YearUnreadable {
        /// The value as written.
        text: String,
        /// Where it was written.
        source: String,
    },
    /// The place does not resolve in the gazetteer.
    PlaceUnknown {
        /// The value as given.
        value: String,
    },
    /// The place is outside the region (e.g. the national venue in Beijing).
    PlaceOutsideRegion {
        /// The value as given.
        value: String,
    },
    /// The place is on a separate reporting line (兵团 cities).
    PlaceSeparateLine {
        /// The value as given.
        value: String,
    },
    /// The caption is shorter or longer than the profile allows.
    CaptionLength {
        /// Length in characters.
        chars: usize,
        /// Minimum.
        min: usize,
        /// Maximum.
        max: usize,
    },
    /// The event name is longer than the profile allows.
    EventTooLong {
        /// Length in characters.
        chars: usize,
        /// Maximum.
        max: usize,
    },
    /// The same bytes were already seen in this run: this copy is not packaged.
    ExactDuplicate {
        /// The copy that is kept.
        keeper: String,
        /// Why that copy was kept.
        reason: String,
    },
    /// Another copy of the same shot (resized, recompressed, cropped, turned or mirrored) is
    /// kept instead: this copy is not packaged.
    NearDuplicate {
        /// The copy that is kept.
        keeper: String,
        /// DCT hash distance to the keeper (differing bits of 64), once turned to match.
        distance: u32,
        /// How the keeper must be turned or mirrored to look like this copy.
        transform: crate::fingerprint::Dihedral,
        /// Why that copy was kept (a `KeepReason` code).
        reason: String,
    },
    /// A similar shot of the same moment (a burst or a reframed shot): the curator chooses,
    /// nothing is dropped.
    Burst {
        /// The other shots of the group, by path.
        others: Vec<String>,
    },
    /// Looks like other photos, but neither a proven copy nor a shot of one moment with them:
    /// shown side by side for the curator, nothing is dropped.
    LooksAlike {
        /// The other photos of the group, by path.
        others: Vec<String>,
    },
    /// A sheet row names a file the drop does not hold.
    SheetRowUnmatched {
        /// The sheet's path.
        sheet: String,
        /// 1-based row number in the sheet.
        row: usize,
        /// The file name the row gives.
        file_name: String,
    },
    /// A sheet could not be read, or has no recognisable header.
    SheetUnreadable {
        /// Why.
        reason: SheetProblem,
    },
    /// Part of a sheet was read and used, the rest left unread: rows past the cap, values far
    /// outside the table, worksheets past the ones searched.
    SheetPartlyRead {
        /// Rows naming a photo that were read (and are used).
        rows: usize,
        /// What was left, and why.
        left: Limit,
    },
    /// A zip entry with a name that would escape its folder (`../x`, `/x`, `C:\x`).
    UnsafeZipName,
    /// An encrypted zip entry.
    EncryptedZipEntry,
    /// A zip entry that would expand far beyond its compressed size (a decompression bomb).
    ZipBomb {
        /// Declared uncompressed bytes.
        declared: u64,
        /// Compressed bytes.
        compressed: u64,
    },
    /// A zip inside a drop: not opened.
    NestedZip,
    /// Several entries of one zip under the same name: the zip reader keeps one of them, so
    /// the others cannot be read (a zip made by a script, or two folders merged into one zip).
    ZipDuplicateName {
        /// How many entries carry the name.
        count: usize,
    },
    /// A file the drop holds that is not a photo and is not read (a sheet, a note, desktop.ini).
    NotAPhoto {
        /// What it was taken for.
        role: String,
    },
    /// The same bytes were accepted in an earlier run from another place: not packaged again.
    SeenBefore {
        /// The earlier copy's path.
        path: String,
        /// The unit that sent it.
        unit: String,
    },
    /// A package already holds these bytes.
    AlreadyPackaged {
        /// The file name in that package.
        file: String,
        /// The package folder.
        package: String,
        /// The unit that sent the packaged copy.
        unit: String,
    },
}

impl Check {
    /// The stable name of the check, as serialised.
    pub fn code(&self) -> &'static str {
        match self {
            Check::Unreadable { .. } => "unreadable",
            Check::FolderUnreadable { .. } => "folder_unreadable",
            Check::EmptyFile => "empty_file",
            Check::Symlink { .. } => "symlink",
            Check::NotRegularFile => "not_regular_file",
            Check::NotAnImage { .. } => "not_an_image",
            Check::UnsupportedFormat { .. } => "unsupported_format",
            Check::NotJpeg { .. } => "not_jpeg",
            Check::Truncated => "truncated",
            Check::CorruptData { .. } => "corrupt_data",
            Check::DecodeFailed { .. } => "decode_failed",
            Check::DecoderCrashed { .. } => "decoder_crashed",
            Check::TooManyPixels { .. } => "too_many_pixels",
            Check::LongEdgeTooSmall { .. } => "long_edge_too_small",
            Check::ResolutionLow { .. } => "resolution_low",
            Check::FileTooSmall { .. } => "file_too_small",
            Check::FileSmall { .. } => "file_small",
            Check::FileTooLarge { .. } => "file_too_large",
            Check::FileLarge { .. } => "file_large",
            Check::Cmyk => "cmyk",
            Check::MetadataDamaged { .. } => "metadata_damaged",
            Check::DataAfterEnd { .. } => "data_after_end",
            Check::MultiPage { .. } => "multi_page",
            Check::MissingField { .. } => "missing_field",
            Check::YearOutOfRange { .. } => "year_out_of_range",
            Check::YearPrecursor { .. } => "year_precursor",
            Check::YearConflict { .. } => "year_conflict",
            Check::PlaceConflict { .. } => "place_conflict",
            Check::YearAmbiguous { .. } => "year_ambiguous",
            Check::YearUnreadable { .. } => "year_unreadable",
            Check::NotInSheet { .. } => "not_in_sheet",
            Check::PlaceUnknown { .. } => "place_unknown",
            Check::PlaceOutsideRegion { .. } => "place_outside_region",
            Check::PlaceSeparateLine { .. } => "place_separate_line",
            Check::CaptionLength { .. } => "caption_length",
            Check::EventTooLong { .. } => "event_too_long",
            Check::ExactDuplicate { .. } => "exact_duplicate",
            Check::NearDuplicate { .. } => "near_duplicate",
            Check::Burst { .. } => "burst",
            Check::LooksAlike { .. } => "looks_alike",
            Check::SheetRowUnmatched { .. } => "sheet_row_unmatched",
            Check::SheetUnreadable { .. } => "sheet_unreadable",
            Check::SheetPartlyRead { .. } => "sheet_partly_read",
            Check::UnsafeZipName => "unsafe_zip_name",
            Check::EncryptedZipEntry => "encrypted_zip_entry",
            Check::ZipBomb { .. } => "zip_bomb",
            Check::NestedZip => "nested_zip",
            Check::ZipDuplicateName { .. } => "zip_duplicate_name",
            Check::NotAPhoto { .. } => "not_a_photo",
            Check::SeenBefore { .. } => "seen_before",
            Check::AlreadyPackaged { .. } => "already_packaged",
        }
    }

    /// True when the finding means the file itself is unusable (as opposed to tags the unit can
    /// still send): these photos are "rejected", the others "needs info".
    pub fn is_file_problem(&self) -> bool {
        !matches!(
            self,
            Check::MissingField { .. }
                | Check::YearOutOfRange { .. }
                | Check::YearPrecursor { .. }
                | Check::YearConflict { .. }
                | Check::PlaceConflict { .. }
                | Check::YearAmbiguous { .. }
                | Check::YearUnreadable { .. }
                | Check::NotInSheet { .. }
                | Check::PlaceUnknown { .. }
                | Check::PlaceOutsideRegion { .. }
                | Check::PlaceSeparateLine { .. }
                | Check::CaptionLength { .. }
                | Check::EventTooLong { .. }
        )
    }
}

/// Something lightbox found about a file, a sheet or a folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// What it is, with its values.
    #[serde(flatten)]
    pub check: Check,
}

impl Finding {
    /// An error finding.
    pub fn error(check: Check) -> Self {
        Finding {
            severity: Severity::Error,
            check,
        }
    }

    /// A warning finding.
    pub fn warn(check: Check) -> Self {
        Finding {
            severity: Severity::Warn,
            check,
        }
    }

    /// An information finding.
    pub fn info(check: Check) -> Self {
        Finding {
            severity: Severity::Info,
            check,
        }
    }
}

/// An image container format, detected from the content's first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// JPEG (JFIF or EXIF).
    Jpeg,
    /// PNG.
    Png,
    /// TIFF.
    Tiff,
    /// WebP.
    Webp,
    /// GIF.
    Gif,
    /// Windows bitmap.
    Bmp,
    /// HEIC / HEIF (phones) and AVIF: the HEIF container.
    Heic,
    /// JPEG XL.
    Jxl,
}

impl Format {
    /// Upper-case name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Tiff => "TIFF",
            Format::Webp => "WebP",
            Format::Gif => "GIF",
            Format::Bmp => "BMP",
            Format::Heic => "HEIC/AVIF",
            Format::Jxl => "JPEG XL",
        }
    }
}

/// Facts read from the embedded EXIF block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Exif {
    /// DateTimeOriginal (or DateTime), as `YYYY-MM-DD HH:MM:SS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_taken: Option<String>,
    /// The UTC offset of `date_taken` (OffsetTimeOriginal, or OffsetTime with DateTime), as
    /// `+08:00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
    /// Orientation tag, 1–8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u16>,
    /// Camera make.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Camera model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// GPS latitude and longitude in decimal degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gps: Option<(f64, f64)>,
    /// ImageDescription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Artist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    /// UserComment, decoded by its 8-byte charset prefix (ASCII, UNICODE, JIS, undefined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_comment: Option<String>,
    /// Windows Explorer "Title" (XPTitle).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xp_title: Option<String>,
    /// Windows Explorer "Comments" (XPComment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xp_comment: Option<String>,
    /// Windows Explorer "Authors" (XPAuthor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xp_author: Option<String>,
    /// Windows Explorer "Subject" (XPSubject).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xp_subject: Option<String>,
    /// Windows Explorer "Tags" (XPKeywords).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xp_keywords: Option<String>,
}

impl Exif {
    /// The year of the date taken, when there is one.
    pub fn year_taken(&self) -> Option<i32> {
        self.date_taken
            .as_deref()
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse().ok())
    }
}

/// Everything inspection learned about one file that is an image, without pixels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    /// Content id.
    pub content: ContentHash,
    /// Bytes actually read.
    pub bytes: u64,
    /// Container format.
    pub format: Format,
    /// Width as stored (before orientation).
    pub width: u32,
    /// Height as stored.
    pub height: u32,
    /// CMYK colour.
    pub cmyk: bool,
    /// Embedded EXIF facts.
    pub exif: Exif,
    /// The embedded XMP packet's descriptive fields, when the file has any (boxed: most photos
    /// have none, and every photo's facts are kept until the run ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xmp: Option<Box<Xmp>>,
    /// The embedded IPTC IIM record's descriptive fields, when the file has any (boxed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iptc: Option<Box<Iptc>>,
    /// What the upright picture looks like (perceptual hashes, grey thumbnail), when it decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perceptual: Option<crate::fingerprint::Fingerprint>,
    /// JPEG quality (1–100) estimated from the quantisation tables, for JPEGs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jpeg_quality: Option<u8>,
    /// Whether the pixels decoded (thumbnail and preview exist).
    pub decoded: bool,
}

impl Photo {
    /// The longer edge in pixels.
    pub fn long_edge(&self) -> u32 {
        self.width.max(self.height)
    }

    /// Pixel count.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// One file of a drop after every stage: what it is, its tags, what is wrong, what happens to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// 1-based number, stable for the same input: the index printed on contact sheets.
    pub index: usize,
    /// Where it came from.
    pub source: Source,
    /// blake3 of its bytes, when they could be read.
    pub content: Option<ContentHash>,
    /// Inspection facts, when the file is an image lightbox could read (shared with the
    /// item's reported form, not copied).
    pub photo: Option<std::sync::Arc<Photo>>,
    /// Tags with their sources.
    pub tags: Tags,
    /// Everything found, most severe first.
    pub findings: Vec<Finding>,
    /// What happens to it.
    pub status: Status,
}

/// What happens to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No errors: goes into the package.
    Accepted,
    /// The file is fine but required tags are missing or wrong: the unit must send them.
    NeedsInfo,
    /// The file itself is unusable.
    Rejected,
    /// Another copy of the same photo is kept instead.
    Duplicate,
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Status; 4] = [
        Status::Accepted,
        Status::NeedsInfo,
        Status::Rejected,
        Status::Duplicate,
    ];
}

/// The identity of a file's location, stable across runs: the absolute path, or the zip's
/// absolute path and the entry's name.
pub fn location_key(location: &Location) -> String {
    match location {
        Location::File { path } => path.display().to_string(),
        Location::ZipEntry { zip, name, .. } => format!("{}\u{0}{name}", zip.display()),
    }
}

/// What inspecting one source gave.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// blake3 of the bytes, when they could be read.
    pub content: Option<ContentHash>,
    /// The photo's facts, when the file is an image (shared by the item made from it).
    pub photo: Option<std::sync::Arc<Photo>>,
    /// What is wrong with the file itself.
    pub findings: Vec<Finding>,
}

/// A drop: one submitting unit's folder or zip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drop {
    /// The unit's name (folder name, or zip name without `.zip`).
    pub unit: String,
    /// Display path, relative to the collection folder.
    pub path: String,
    /// Folder or zip.
    pub kind: DropKind,
}

/// How a drop arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropKind {
    /// A folder.
    Folder,
    /// A zip file.
    Zip,
}

//! The staff-facing wording in English: every finding, label and explanation, as the report,
//! the fix-lists, the sheets and the review page show them.
//!
//! In: a noun from `photo`. Out: its English text. Every `match` over a noun is exhaustive, so a
//! new check or label cannot compile here without its English wording. Reached only through the
//! dispatch in `messages/mod.rs`.

use crate::broken::Broken;
use crate::fingerprint::Dihedral;
use crate::photo::tags::MAX_ROWS;
use crate::photo::{Check, Field, GroupKind, Limit, Severity, Status};
use crate::receipt::Issue;

/// A sentence a member of staff can act on.
pub(super) fn check(check: &Check) -> String {
    match check {
        Check::Unreadable { reason } => format!("cannot be read: {reason}"),
        Check::FolderUnreadable { reason } => format!("folder cannot be listed: {reason}"),
        Check::EmptyFile => "empty file (0 bytes): ask for it again".into(),
        Check::Symlink {
            target,
            dangling: true,
        } => format!("symbolic link to missing {target}: not read"),
        Check::Symlink {
            target,
            dangling: false,
        } => format!("symbolic link to {target}: not followed"),
        Check::NotRegularFile => "not a regular file (pipe or device): not read".into(),
        Check::NotAnImage { detected } => {
            format!("not an image: the content is {detected}, whatever the extension says")
        }
        Check::UnsupportedFormat {
            format,
            feature: Some(feature),
        } if format.ends_with("JPEG") => format!(
            "{format} is not read by this build of lightbox: check it again with a build made with the {feature} feature (cargo build --features {feature}), or ask for an ordinary JPEG as cameras and phones save"
        ),
        Check::UnsupportedFormat {
            format,
            feature: Some(feature),
        } => format!(
            "{format} is not read by this build of lightbox: check it again with a build made with the {feature} feature (cargo build --features {feature}), or ask for a JPEG"
        ),
        Check::UnsupportedFormat {
            format,
            feature: None,
        } => format!("{format} cannot be decoded yet: ask for a JPEG"),
        Check::NotJpeg { format } => {
            format!("{format}, not JPEG: converted to JPEG in the package")
        }
        Check::Truncated => {
            "truncated: the image data ends early; ask for the original again".into()
        }
        Check::CorruptData { reason } => format!(
            "the image data is corrupt ({reason}): part of the picture is missing or garbled; ask for the original again"
        ),
        Check::DecodeFailed { reason } => {
            format!("corrupt image data, cannot be decoded: {reason}")
        }
        Check::DecoderCrashed {
            reason,
            earlier_run: true,
        } => format!(
            "the previous run ({reason}) stopped abruptly while reading this file; it was not read again and was skipped: ask for the original again or in another format"
        ),
        Check::DecoderCrashed {
            reason,
            earlier_run: false,
        } => format!(
            "the decoder crashed on this file ({reason}) and it was skipped; ask for the original again or in another format"
        ),
        Check::TooManyPixels {
            width,
            height,
            limit,
        } => format!(
            "declares {width}×{height}, over the {limit}-pixel limit: refused before decoding"
        ),
        Check::LongEdgeTooSmall { long_edge, min } => {
            format!("long edge {long_edge} px, below the minimum {min} px")
        }
        Check::ResolutionLow {
            long_edge,
            megapixels,
            recommended,
        } => format!(
            "low resolution: long edge {long_edge} px, {megapixels} MP (recommended ≥ {recommended} px)"
        ),
        Check::FileTooSmall { bytes, min } => format!(
            "only {} KB, below the minimum {} KB",
            bytes / 1000,
            min / 1000
        ),
        Check::FileSmall { bytes, recommended } => format!(
            "{} KB, under {} KB: probably recompressed, ask for the original",
            bytes / 1000,
            recommended / 1000
        ),
        Check::FileTooLarge { bytes, max } => format!(
            "{} MB, over the {} MB maximum",
            bytes / 1_000_000,
            max / 1_000_000
        ),
        Check::FileLarge { bytes, recommended } => format!(
            "{} MB, over the recommended {} MB",
            bytes / 1_000_000,
            recommended / 1_000_000
        ),
        Check::Cmyk => "CMYK colour (for print): shows wrong on screens".into(),
        Check::MetadataDamaged { block, reason } => format!(
            "the {block} block is damaged ({reason}): what could be read was read; ask the unit for anything missing"
        ),
        Check::DataAfterEnd { bytes } => format!(
            "{bytes} bytes of extra data after the end of the image (ignored; the picture is not affected)"
        ),
        Check::MultiPage { pages } => format!(
            "the file holds {pages} pages; only the first is used: ask for any other photo among them as a file of its own"
        ),
        Check::MissingField { field } => format!("no {}", field_label(*field)),
        Check::YearOutOfRange { year, first, last } => {
            format!("year {year} is outside {first}–{last}")
        }
        Check::YearPrecursor { year } => {
            format!("year {year} predates the first event: please confirm")
        }
        Check::YearConflict {
            used,
            used_source,
            other,
            other_source,
        } => format!(
            "years disagree: {used_source} says {used}, {other_source} says {other} ({used} used)"
        ),
        Check::PlaceConflict {
            used,
            used_source,
            other,
            other_source,
        } => format!(
            "places disagree: {used_source} says {used}, {other_source} says {other} ({used} used)"
        ),
        Check::YearAmbiguous {
            text,
            source,
            likely,
        } => format!(
            "the year \"{text}\" ({source}) is ambiguous, probably {likely}: ask the unit for all four digits"
        ),
        Check::NotInSheet { sheet } => format!("{sheet} has no row for this photo"),
        Check::YearUnreadable { text, source } => {
            format!("the year \"{text}\" ({source}) cannot be read: ask for a year like 2015")
        }
        Check::PlaceUnknown { value } => format!("place \"{value}\" matches no prefecture"),
        Check::PlaceOutsideRegion { value } => format!("place \"{value}\" is outside the region"),
        Check::PlaceSeparateLine { value } => {
            format!("place \"{value}\" belongs to the XPCC, a separate reporting line")
        }
        Check::CaptionLength { chars, min, max } => {
            format!("caption has {chars} characters, should have {min}–{max}")
        }
        Check::EventTooLong { chars, max } => {
            format!("event name has {chars} characters, more than {max}")
        }
        Check::ExactDuplicate { keeper, reason } => {
            let why = keep_reason(reason);
            format!("identical to {keeper}, which is kept ({why})")
        }
        Check::NearDuplicate {
            keeper,
            distance,
            transform,
            reason,
        } => {
            let why = keep_reason(reason);
            let how = turn(*transform);
            format!(
                "another copy of {keeper} ({how}, distance {distance}/64), which is kept ({why})"
            )
        }
        Check::Burst { others } => format!(
            "similar shot of the same moment as {} (burst): choose which to keep, none was dropped",
            others.join(", ")
        ),
        Check::LooksAlike { others } => format!(
            "looks like {}, but is not shown to be the same photo: none was dropped; if it is, the curator chooses which to keep",
            others.join(", ")
        ),
        Check::SheetRowUnmatched {
            sheet,
            row,
            file_name,
        } => format!("{sheet} row {row} names \"{file_name}\", which the drop does not hold"),
        Check::SheetPartlyRead { rows, left } => format!(
            "sheet partly read: {rows} rows naming a photo were read; {}",
            limit(left)
        ),
        Check::SheetUnreadable { reason } => format!("sheet cannot be read: {reason}"),
        Check::UnsafeZipName => "zip entry name points outside its folder: refused".into(),
        Check::EncryptedZipEntry => "encrypted zip entry: ask for an unencrypted copy".into(),
        Check::ZipBomb {
            declared,
            compressed,
        } => format!(
            "zip entry would expand to {} MB from {} KB (a decompression bomb): not opened",
            declared >> 20,
            compressed >> 10
        ),
        Check::NestedZip => "zip inside a zip: not opened, ask for it unpacked".into(),
        Check::NotAPhoto { role } => format!("not a photo ({role}): not processed as one"),
        Check::SeenBefore { path, unit } => {
            format!("already received in an earlier run ({unit}: {path}): not packaged again")
        }
        Check::AlreadyPackaged {
            file,
            package,
            unit,
        } => format!("already in the package {package} as {file}, sent by {unit}"),
    }
}

/// A finding's severity.
pub(super) fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warn => "warning",
        Severity::Error => "error",
    }
}

/// What happens to an item.
pub(super) fn status(status: Status) -> &'static str {
    match status {
        Status::Accepted => "accepted",
        Status::NeedsInfo => "needs info",
        Status::Rejected => "rejected",
        Status::Duplicate => "duplicate",
    }
}

/// A field's column name.
pub(super) fn field_label(field: Field) -> &'static str {
    match field {
        Field::Year => "year",
        Field::Place => "place",
        Field::Event => "event",
        Field::Caption => "caption",
        Field::Photographer => "photographer",
        Field::Unit => "unit",
    }
}

/// How one copy is turned or mirrored against another.
pub(super) fn turn(transform: Dihedral) -> &'static str {
    match transform {
        Dihedral::Identity => "same orientation",
        Dihedral::MirrorHorizontal => "mirrored left to right",
        Dihedral::MirrorVertical => "mirrored top to bottom",
        Dihedral::Rotate180 => "rotated 180°",
        Dihedral::Transpose => "mirrored about the diagonal",
        Dihedral::Rotate90 => "rotated 90° clockwise",
        Dihedral::Rotate270 => "rotated 90° anticlockwise",
        Dihedral::Transverse => "mirrored about the other diagonal",
    }
}

/// What a group of copies is.
pub(super) fn group_kind(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::Identical => "identical",
        GroupKind::Duplicate => "same shot, other copies",
        GroupKind::Burst => "burst",
        GroupKind::Similar => "looks alike",
    }
}

/// Why a copy was kept, for a `KeepReason` code; any other code reads as the last rule.
pub(super) fn keep_reason(code: &str) -> &'static str {
    match code {
        "intact" => "the other copies are broken",
        "more_pixels" => "more pixels",
        "higher_quality" => "less compressed (higher JPEG quality)",
        "more_complete_tags" => "more complete tags",
        "original" => "the camera original, the others are re-saves",
        _ => "copies equal, first by path",
    }
}

/// What part of a sheet was left unread.
pub(super) fn limit(limit: &Limit) -> String {
    match limit {
        Limit::RowsBeyond {
            sheet,
            last_kept,
            more,
        } => format!(
            "{sheet} was read up to row {last_kept} (at most {MAX_ROWS} rows); {more} more rows were not read: split the sheet and send it again"
        ),
        Limit::CellsOutside {
            sheet,
            count,
            first,
        } => format!(
            "{sheet} has {count} non-empty cells outside the table (the first at {first}), not read; if typed by mistake, delete them"
        ),
    }
}

/// What is wrong with a file of a received bag.
pub(super) fn receipt(issue: &Issue) -> String {
    match issue {
        Issue::BadDeclaration => {
            "not a BagIt declaration (BagIt-Version, Tag-File-Character-Encoding)".into()
        }
        Issue::NoManifest => "no manifest-sha256.txt or manifest-sha512.txt".into(),
        Issue::BadLine { line } => format!("line {line} is not `checksum path`"),
        Issue::Missing { manifest } => format!("missing (listed in {manifest})"),
        Issue::Extra => "extra file (in no manifest)".into(),
        Issue::Unlisted { manifest } => format!("not listed in {manifest}"),
        Issue::Checksum { algorithms } => format!(
            "checksum mismatch ({}): the file is damaged or changed",
            algorithms.join(", ")
        ),
        Issue::Unreadable { reason } => format!("cannot be read whole: {reason}"),
        Issue::Oxum { expected, found } => {
            format!("Payload-Oxum says {expected}, the payload is {found} (bytes.files)")
        }
        Issue::Name { rule } => {
            format!("name off the naming rule (year folder/年份+地州市+活动名称+序号.jpg): {rule}")
        }
        Issue::NotInTable { table } => format!("not listed in {table}"),
        Issue::RowWithoutFile { table } => format!("listed in {table}, but not in the package"),
        Issue::DamagedZip { reason } => {
            format!("the zip is damaged or cut short (an interrupted transfer?): {reason}")
        }
    }
}

pub(super) fn broken(broken: &Broken) -> String {
    match broken {
        Broken::DropsMissing { path, reason } => {
            format!("cannot open the drops folder {path} ({reason}): check the path")
        }
        Broken::NotADrop { path } => {
            format!("{path} is neither a folder nor a zip file: give a drops folder or a zip")
        }
        Broken::WorkNotWritable { path, reason } => {
            format!(
                "cannot create the work folder {path} ({reason}): choose a writable place with --out"
            )
        }
        Broken::CatalogBusy { path, lock } => format!(
            "the catalog {path} is in use by another lightbox: wait for it to finish (or remove {lock} if none is running)"
        ),
        Broken::NoReport { work } => {
            format!("{work} holds no results (report.json): run lightbox run first")
        }
        Broken::Unreadable { what, path, reason } => {
            format!("cannot read the {what} {path} ({reason}): check the path")
        }
        Broken::Invalid { what, path, reason } => {
            format!("{path} is not a usable {what}: {reason}")
        }
        Broken::CannotListen { address, reason } => format!(
            "cannot serve the desk on {address} ({reason}): choose another port (--listen 127.0.0.1:PORT) or leave --listen out and lightbox picks one"
        ),
        Broken::PackageNotWritable { to, reason } => format!(
            "cannot write the package at {to} ({reason}): choose a writable place with room enough with --to"
        ),
    }
}

//! The staff-facing wording in English: every finding, label and explanation, as the report,
//! the fix-lists, the sheets, the package's books, the review page and the CLI show them.
//!
//! In: a noun from `photo` (or `receipt`, `broken`, `output`'s `Hint`, the nouns of
//! `nouns.rs`: labels, phrases, the CLI's closing lines, the workbooks' columns). Out: its
//! English text. Every `match` over a noun is exhaustive, so a new check or label cannot compile
//! here without its English wording. Reached only through the dispatch in `messages/mod.rs`.

use super::nouns::{Label, LeftOut, PhotoColumn, Phrase, Refusal, Summary, TemplateColumn};
use crate::broken::Broken;
use crate::fingerprint::Dihedral;
use crate::output::Hint;
use crate::photo::tags::MAX_ROWS;
use crate::photo::{Check, Damage, Field, GroupKind, Limit, Severity, SheetProblem, Status};
use crate::progress::TableWords;
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
        Check::CorruptData { reason, damage } => {
            let what = damage.as_ref().map_or_else(|| reason.clone(), self::damage);
            format!(
                "the image data is corrupt ({what}): part of the picture is missing or garbled; ask for the original again"
            )
        }
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
        Check::SheetUnreadable { reason } => {
            format!("sheet cannot be read: {}", sheet_problem(reason))
        }
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
        Check::ZipDuplicateName { count } => format!(
            "{count} entries of the zip share this name: only one can be read, the others were not; ask for them renamed apart and zipped again"
        ),
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

/// Why a sheet gave no table.
fn sheet_problem(problem: &SheetProblem) -> String {
    match problem {
        SheetProblem::Unreadable { detail } => detail.clone(),
        SheetProblem::NotAWorkbook { detail } => format!(
            "the workbook is damaged or not an Excel/WPS workbook ({detail}): ask for it saved again as xlsx"
        ),
        SheetProblem::TooManyCells {
            format,
            worksheet,
            cells,
            limit,
        } => format!(
            "{} span {cells} cells (an {format} is read only up to {limit}), most likely a stray value far from the table: delete the stray cells, or save it as xlsx",
            worksheet
                .as_ref()
                .map_or("its worksheets together".to_string(), |w| format!(
                    "worksheet {w}"
                ))
        ),
        SheetProblem::PartTooLarge { part, limit } => format!(
            "its part {part} inflates to more than {} MB, not read: ask for it saved again as xlsx without the extra content, or as csv",
            limit >> 20
        ),
        SheetProblem::WorksheetUnreadable { worksheet, detail } => {
            format!(
                "worksheet {worksheet} cannot be read ({detail}): ask for it saved again as xlsx"
            )
        }
        SheetProblem::BadCsv { detail } => {
            format!("the CSV file is malformed ({detail}): ask for an xlsx")
        }
        SheetProblem::NoWorksheet => "the workbook has no worksheet".into(),
        SheetProblem::NoHeader {
            searched,
            worksheets,
        } => {
            let mut text =
                "no header row with a file-name column (文件名) and a tag column (year, place, caption, ...)".to_string();
            if worksheets > searched {
                text.push_str(&format!(
                    " (only the first {searched} of {worksheets} worksheets were searched)"
                ));
            }
            text
        }
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
        Broken::NotWritable { path, reason } => format!(
            "cannot write {path} ({reason}): choose a writable place with room enough with --to"
        ),
        Broken::PackageNotWritable { to, reason } => format!(
            "cannot write the package at {to} ({reason}): choose a writable place with room enough with --to"
        ),
    }
}

/// Where a picture's coded data is damaged.
pub(super) fn damage(damage: &Damage) -> String {
    match damage {
        Damage::EndsEarly { unit, count } => {
            format!("the image data ends after {unit} of {count} blocks or block groups")
        }
        Damage::LeftOver { bytes } => {
            format!("{bytes} bytes of image data left over after the last block")
        }
        Damage::UnknownCode { at } => format!("a Huffman code no table has, at byte {at}"),
        Damage::ShortTable => "a Huffman table shorter than its counts".into(),
        Damage::RestartMissing { marker, at } => {
            format!("restart marker {marker} missing at byte {at}")
        }
        Damage::DcTooLong { bits } => format!("a DC difference of {bits} bits"),
        Damage::TooManyCoefficients { count } => format!("a block with {count} coefficients"),
        Damage::Decoder { message } => message.clone(),
    }
}

/// A fixed word or phrase.
pub(super) fn label(label: Label) -> &'static str {
    match label {
        Label::DeskTitle => "Photo intake · lightbox",
        Label::FixList => "findings",
        Label::PhotosSheet => "Photos",
        Label::CountsSheet => "Counts",
        Label::AboutSheet => "About",
        Label::NoThumbnail => "no thumbnail",
        Label::Unknown => "(unknown)",
        Label::Total => "Total",
        Label::YearByPlace => "Year \\ Place",
        Label::Unit => "Unit",
        Label::Photos => "Photos",
        Label::ThePackage => "The package",
        Label::Collection => "Collection",
        Label::SourceOrganization => "Source organization",
        Label::PackageDate => "Package date",
        Label::Part => "Part",
        Label::WholeBag => "whole (one part)",
        Label::Units => "Units",
        Label::Years => "Years",
        Label::PhotosInWholePackage => "Photos in the whole package",
        Label::Note => "Note",
        Label::NoPhotosInPart => "this package (part) holds no photos",
        Label::YearUnknown => "year unknown",
        Label::Catalogue => "Catalogue",
        Label::Contents => "Contents",
        Label::NoPhotos => "(no photos)",
        Label::EmptyPackage => "This package holds no photos",
        Label::NoPreview => "no preview",
        Label::NoCaption => "(no caption)",
        Label::PhotographerIs => "Photographer: ",
        Label::UnitIs => "Unit: ",
        Label::FileIs => "File: ",
        Label::CannotPreview => "no preview",
        Label::Burst => "burst",
        Label::Unknowable => "?",
        Label::CaptionMissing => "(no caption)",
        Label::NoYear => "no year",
        Label::NoEvent => "no event",
        Label::TemplateSheet => "Photos",
    }
}

/// `n` and `noun`, with an `s` unless `n` is one.
fn plural(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// A heading or line with values in it.
pub(super) fn phrase(phrase: &Phrase) -> String {
    let whole = |whole: bool| if whole { " (the whole package)" } else { "" };
    match *phrase {
        Phrase::Part { number, of } => format!("part {number} of {of}"),
        Phrase::Counts {
            photos,
            units,
            years,
            span,
        } => {
            let span = match span {
                "" => String::new(),
                span => format!(" ({span})"),
            };
            format!(
                "{} · {} · {}{span}",
                plural(photos, "photo"),
                plural(units, "unit"),
                plural(years, "year")
            )
        }
        Phrase::Year { year: 0, photos } => {
            format!(
                "{} · {}",
                label(Label::YearUnknown),
                plural(photos, "photo")
            )
        }
        Phrase::Year { year, photos } => format!("{year} · {}", plural(photos, "photo")),
        Phrase::PhotosByYearAndPlace { whole: w } => {
            format!("Photos by year and place{}", whole(w))
        }
        Phrase::PhotosByUnit { whole: w } => format!("Photos by unit{}", whole(w)),
        Phrase::Columns { photos, counts } => {
            format!("The columns of “{photos}” (“{counts}” counts by year, place and unit)")
        }
        Phrase::Page { page, pages } => format!("page {page}/{pages}"),
        Phrase::Statuses {
            files,
            accepted,
            needs_info,
            rejected,
            duplicates,
        } => format!(
            "{files} files · {accepted} accepted · {needs_info} need info · {rejected} rejected · {duplicates} duplicates"
        ),
        Phrase::ReviewTitle { profile } => format!("Photo review · {profile}"),
        Phrase::TemplateHeading { units } => format!(
            "{}: photo details (fill in the yellow cells; leave the Content column as it is)",
            units.join(", ")
        ),
    }
}

/// A line the CLI prints when a command ends.
pub(super) fn summary(summary: &Summary) -> String {
    match *summary {
        Summary::Files {
            files,
            accepted,
            needs_info,
            rejected,
            duplicates,
            groups,
        } => format!(
            "{files} files: {accepted} accepted, {needs_info} need info, {rejected} rejected, {duplicates} duplicates ({groups} groups)"
        ),
        Summary::ErrorsByReason => "errors by reason:".into(),
        Summary::Problems { count } => format!("folder, zip or sheet problems: {count}"),
        Summary::Read {
            read,
            unchanged,
            same_bytes,
        } => {
            let copies = match same_bytes {
                0 => String::new(),
                n => format!("; {n} the same bytes as a file inspected before (not decoded again)"),
            };
            format!("read {read} files, {unchanged} unchanged (not read again){copies}")
        }
        Summary::Report { path } => format!("report: {}", path.display()),
        Summary::Packaged { photos, to } => {
            format!("packaged {photos} photos into {}", to.display())
        }
        Summary::Package {
            identifier,
            follows: Some(follows),
        } => format!("package {identifier} (follows {follows})"),
        Summary::Package {
            identifier,
            follows: None,
        } => format!("package {identifier} (the first)"),
        Summary::CannotRead { path, reason } => format!("cannot read {path}: {reason}"),
        Summary::Checked {
            bag,
            part,
            files,
            bytes,
        } => {
            let part = part.map(|p| format!(" [{p}]")).unwrap_or_default();
            format!("checked {bag}{part}: {files} files, {bytes} bytes")
        }
        Summary::Intact => "whole: every file there, every checksum matches".into(),
        Summary::Damaged { findings } => format!("problems: {findings}"),
        Summary::Unverified => "some input could not be read".into(),
        Summary::TemplateWritten { to, rows, missing } => format!(
            "wrote {}: {rows} photos, {missing} required cells to fill in (yellow)",
            to.display()
        ),
        Summary::ProfileOk { path, name } => format!("{}: ok ({name})", path.display()),
        Summary::DeskReady { url } => format!("the desk is ready; open in a browser:\n{url}"),
    }
}

/// Why a package leaves a candidate photo out.
pub(super) fn left_out(left_out: &LeftOut) -> String {
    match *left_out {
        LeftOut::CuratorRejected => "rejected by the curator".into(),
        LeftOut::CuratorKept { path } => format!("the curator kept {path} instead"),
        LeftOut::AcceptedWithErrors => {
            "accepted by the curator, but errors remain for the unit to fix".into()
        }
        LeftOut::DistinctWithErrors { errors } => format!(
            "the curator declared it a different photo, but errors remain for the unit to fix: {}",
            errors.join("; ")
        ),
        LeftOut::SourceChanged => "the source changed since the run: rerun lightbox run".into(),
    }
}

/// What to do about a broken run.
pub(super) fn hint(hint: Hint) -> &'static str {
    match hint {
        Hint::NoRoom => {
            "no room left to write: free some space, or point --out / --to at a disk with more room, then run again. The unfinished output was discarded; nothing already there was changed."
        }
        Hint::NotWritable => {
            "that place cannot be written: choose a folder you can write with --out / --to, or change its permissions, then run again."
        }
    }
}

/// A column's header in the 汇总表's photo list.
pub(super) fn photo_column(column: PhotoColumn) -> &'static str {
    match column {
        PhotoColumn::Number => "No.",
        PhotoColumn::Thumbnail => "Thumbnail",
        PhotoColumn::File => "File name",
        PhotoColumn::Year => "Year",
        PhotoColumn::Place => "Place",
        PhotoColumn::County => "County",
        PhotoColumn::Event => "Event",
        PhotoColumn::Caption => "Caption",
        PhotoColumn::Photographer => "Photographer",
        PhotoColumn::Unit => "Unit",
        PhotoColumn::Pixels => "Pixels (W×H)",
        PhotoColumn::Bytes => "Size (bytes)",
        PhotoColumn::Sha256 => "SHA-256",
    }
}

/// What a column of the 汇总表's photo list holds.
pub(super) fn photo_column_about(column: PhotoColumn) -> &'static str {
    match column {
        PhotoColumn::Number => "the photo's place in this list",
        PhotoColumn::Thumbnail => "a small copy of the photo, to recognise it",
        PhotoColumn::File => {
            "the photo's path in the package: year folder/file name, separated by /"
        }
        PhotoColumn::Year => "the year the photo was taken",
        PhotoColumn::Place => "the prefecture or city where it was taken",
        PhotoColumn::County => "the county or district, when the unit named one",
        PhotoColumn::Event => "the event the photo shows",
        PhotoColumn::Caption => "the unit's caption, in full",
        PhotoColumn::Photographer => "who took the photo",
        PhotoColumn::Unit => "the unit that sent the photo",
        PhotoColumn::Pixels => "width and height of the packaged file, in pixels",
        PhotoColumn::Bytes => "bytes of the packaged file",
        PhotoColumn::Sha256 => "SHA-256 of the packaged file (as in sha256sums.txt)",
    }
}

/// A column's header in the fill-in template.
pub(super) fn template_column(column: TemplateColumn) -> &'static str {
    match column {
        TemplateColumn::Number => "No.",
        TemplateColumn::Thumbnail => "Thumbnail",
        TemplateColumn::File => "File name",
        TemplateColumn::Year => "Year",
        TemplateColumn::Place => "Place",
        TemplateColumn::Event => "Event",
        TemplateColumn::Caption => "Caption",
        TemplateColumn::Photographer => "Photographer",
        TemplateColumn::Unit => "Unit",
        TemplateColumn::Contact => "Contact",
        TemplateColumn::Problems => "Problems",
        TemplateColumn::Content => "Content",
    }
}

/// The header of `findings.csv`.
pub(super) fn findings_header() -> [&'static str; 6] {
    ["index", "severity", "unit", "file", "check", "message"]
}

/// The header of `manifest.csv`.
pub(super) fn manifest_header() -> [&'static str; 16] {
    [
        "file",
        "year",
        "place",
        "county",
        "event",
        "caption",
        "photographer",
        "unit",
        "original",
        "width",
        "height",
        "bytes",
        "converted_from",
        "sha256",
        "content_blake3",
        "sources",
    ]
}

/// The header of a run's table of units.
pub(super) fn units_header() -> [&'static str; 6] {
    [
        "unit",
        "files",
        "accepted",
        "needs info",
        "rejected",
        "duplicates",
    ]
}

/// The words of the timings table.
pub(super) fn timings() -> TableWords {
    TableWords {
        head: ["stage", "seconds", "share", "cpu s", "share"],
        other: "other",
        total: "total",
    }
}

pub(super) fn refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Door { why } => {
            format!(
                "refused: {why}. Open the address lightbox serve printed (with its access token)."
            )
        }
        Refusal::NoDrops => "no drops folder yet (lightbox serve --drops FOLDER)".into(),
        Refusal::DropMissing { path } => format!("{path} does not exist"),
        Refusal::DropOverlapsWork { path } => {
            format!("{path} overlaps the work folder: keep the drops outside it")
        }
        Refusal::NoResults => "no results yet: check the drops first".into(),
        Refusal::BadPartSize { reason } => format!("part size: {reason}"),
        Refusal::NoPackage => "no package yet: build it first".into(),
        Refusal::NotASheet => "a sheet must be xlsx, xls, ods or csv".into(),
        Refusal::EmptySheet => "the file sent is empty".into(),
        Refusal::NoSuchUnit => "no such unit in the last run".into(),
        Refusal::Busy => "a job is running: wait for it to end".into(),
        Refusal::NoJob => "no job runs".into(),
    }
}

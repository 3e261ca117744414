//! The nouns of the wording that is about no one photo: the labels, headings and lines of the
//! package's books (`汇总表.xlsx`, `图录.pdf`), the contact sheets, the fill-in template, the
//! review page and the CLI's closing lines, the columns of the two workbooks, and why the desk
//! refuses a request.
//!
//! In: what a caller has to say, as a noun, with the values it names. Out: nothing here: the
//! nouns hold data only; `messages` words each one in the run's language (`messages::label`,
//! `messages::phrase`, `messages::summary`, `messages::left_out`, `messages::photo_column`,
//! ...), each language's file with an exhaustive `match`, so a new noun does not compile
//! without its wording in every language.

use std::path::Path;

/// A fixed word or phrase staff read: a sheet's name, a heading, a row's name, a placeholder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Label {
    /// The desk's title (`照片整理 · lightbox`), as its page and tab show it.
    DeskTitle,
    /// What a unit's fix-list is called in its file name (`<unit>-问题清单.csv`).
    FixList,
    /// The 汇总表's sheet of the photo list (`照片清单`).
    PhotosSheet,
    /// The 汇总表's sheet of the counts (`统计`).
    CountsSheet,
    /// The 汇总表's sheet that says what the package and the columns are (`说明`).
    AboutSheet,
    /// The 汇总表's cell of a photo without a thumbnail.
    NoThumbnail,
    /// A place or unit left empty, as the 汇总表's counts name it (`（不详）`).
    Unknown,
    /// The 汇总表's row and column of totals (`合计`).
    Total,
    /// The corner of the 汇总表's table of photos by year and place (`年份 \ 地州市`).
    YearByPlace,
    /// The 汇总表's column of units in the counts by unit (`报送单位`).
    Unit,
    /// The 汇总表's count of photos: the column of the counts by unit, a row of the about
    /// sheet (`照片数`).
    Photos,
    /// The heading of the bag's details on the 汇总表's about sheet (`包的信息`).
    ThePackage,
    /// The about sheet's row of the collection's title.
    Collection,
    /// The about sheet's row of who sends the package.
    SourceOrganization,
    /// The about sheet's row of the package's date.
    PackageDate,
    /// The about sheet's row of the part this is (`分卷`).
    Part,
    /// The about sheet's part of a bag in one part (`全部（不分卷）`).
    WholeBag,
    /// The about sheet's row of the count of units.
    Units,
    /// The about sheet's row of the years' span.
    Years,
    /// The about sheet's row of the whole package's photos, for a part of it.
    PhotosInWholePackage,
    /// The about sheet's row of a note.
    Note,
    /// The about sheet's note on a package (or part) without photos.
    NoPhotosInPart,
    /// A photo's year when none is known, in the books (`年份不详`).
    YearUnknown,
    /// What the 图录 is, on its cover and in its title (`图录`).
    Catalogue,
    /// The 图录's contents, its heading and its outline's entry (`目录`).
    Contents,
    /// The 图录's contents of a package without photos.
    NoPhotos,
    /// The 图录's cover of a package without photos.
    EmptyPackage,
    /// The 图录's box of a photo without a preview.
    NoPreview,
    /// The 图录's caption of a photo without one.
    NoCaption,
    /// The 图录's name before a photo's photographer, with its colon (`摄影：`).
    PhotographerIs,
    /// The 图录's name before a photo's unit, with its colon (`报送单位：`).
    UnitIs,
    /// The 图录's name before a photo's file, with its colon (`文件名：`).
    FileIs,
    /// A contact sheet's cell of a photo that cannot be shown (`无法预览`).
    CannotPreview,
    /// A contact sheet's mark on a burst shot waiting for the curator's pick (`连拍`).
    Burst,
    /// A contact sheet's year, place or event when none is known (`？`).
    Unknowable,
    /// A contact sheet's caption of a photo without one (`（缺图片说明）`).
    CaptionMissing,
    /// The contact sheet of the photos without a year, when sheets go by year.
    NoYear,
    /// The contact sheet of the photos without an event, when sheets go by event.
    NoEvent,
    /// The fill-in template's sheet (`汇总表`).
    TemplateSheet,
}

/// A heading or line with values in it, as the books, the contact sheets, the fill-in
/// template and the review page print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phrase<'a> {
    /// Which part of a bag in parts this is (`第 2 部分，共 3 部分`).
    Part {
        /// This part's number, from 1.
        number: usize,
        /// How many parts there are.
        of: usize,
    },
    /// A book's counts of photos, units and years, with the years' span.
    Counts {
        /// Photos.
        photos: usize,
        /// Units.
        units: usize,
        /// Distinct years.
        years: usize,
        /// The years' span as printed (`2015–2017`); empty: none.
        span: &'a str,
    },
    /// A year's heading in the 图录 (and its line in the contents), with its count of photos.
    Year {
        /// The year; 0 when none is known.
        year: i32,
        /// Its photos.
        photos: usize,
    },
    /// The heading of the 汇总表's counts by year and place.
    PhotosByYearAndPlace {
        /// Whether these count the whole package (a part's sheet counts both).
        whole: bool,
    },
    /// The heading of the 汇总表's counts by unit.
    PhotosByUnit {
        /// Whether these count the whole package (a part's sheet counts both).
        whole: bool,
    },
    /// The heading over what each column of the 汇总表's photo list holds.
    Columns {
        /// The photo list's sheet name.
        photos: &'a str,
        /// The counts' sheet name.
        counts: &'a str,
    },
    /// A contact sheet's page number.
    Page {
        /// This page, from 1.
        page: usize,
        /// The sheet's pages.
        pages: usize,
    },
    /// A contact sheet's counts of files by status.
    Statuses {
        /// Files on the sheet.
        files: usize,
        /// Accepted.
        accepted: usize,
        /// Needing information.
        needs_info: usize,
        /// Rejected.
        rejected: usize,
        /// Duplicates.
        duplicates: usize,
    },
    /// The review page's title.
    ReviewTitle {
        /// The profile's name.
        profile: &'a str,
    },
    /// The fill-in template's heading, with what to do.
    TemplateHeading {
        /// The units the template is for.
        units: &'a [&'a str],
    },
}

/// A line the CLI prints when a command ends: what it did, and where the results are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Summary<'a> {
    /// `run`: the files by status.
    Files {
        /// Files.
        files: usize,
        /// Accepted.
        accepted: usize,
        /// Needing information.
        needs_info: usize,
        /// Rejected.
        rejected: usize,
        /// Duplicates.
        duplicates: usize,
        /// Groups of duplicates.
        groups: usize,
    },
    /// `run`: the heading of the errors by check (a `code: count` line each follows).
    ErrorsByReason,
    /// `run`: the problems with folders, zips and sheets.
    Problems {
        /// How many.
        count: usize,
    },
    /// `run`: the files read this time and those taken from an earlier run.
    Read {
        /// Files read.
        read: usize,
        /// Files unchanged since an earlier run (not read again).
        unchanged: usize,
        /// Files with the same bytes as one inspected before (not decoded again).
        same_bytes: usize,
    },
    /// `run`: where the report is.
    Report {
        /// The report's path.
        path: &'a Path,
    },
    /// `package`: the photos packaged, and where.
    Packaged {
        /// Photos packaged.
        photos: usize,
        /// The package's folder.
        to: &'a Path,
    },
    /// `package`: the package's identifier, and the one it follows.
    Package {
        /// This package's identifier.
        identifier: &'a str,
        /// The identifier of the package before it; `None` for the first.
        follows: Option<&'a str>,
    },
    /// `verify`: a package that cannot be read (on stderr, after `lightbox: `).
    CannotRead {
        /// The path, as given.
        path: &'a str,
        /// The system's reason.
        reason: &'a str,
    },
    /// `verify`: a bag checked.
    Checked {
        /// The bag, as given.
        bag: &'a str,
        /// Its `Bag-Count`, when it is a part.
        part: Option<&'a str>,
        /// Payload files read.
        files: usize,
        /// Payload bytes read.
        bytes: u64,
    },
    /// `verify`: every file there, every checksum matching.
    Intact,
    /// `verify`: findings.
    Damaged {
        /// How many.
        findings: usize,
    },
    /// `verify`: an input that could not be read.
    Unverified,
    /// `template`: the workbook written.
    TemplateWritten {
        /// Where.
        to: &'a Path,
        /// Rows (photos).
        rows: usize,
        /// Required cells still empty.
        missing: usize,
    },
    /// `profile --check`: the file is a usable profile, named `name`.
    ProfileOk {
        /// The file.
        path: &'a Path,
        /// The profile's name.
        name: &'a str,
    },
    /// `serve`: the desk is up, at `url`.
    DeskReady {
        /// The desk's address.
        url: &'a str,
    },
}

/// Why a package leaves a candidate photo out, as the package's summary says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeftOut<'a> {
    /// A curator rejected it.
    CuratorRejected,
    /// A curator kept another copy of its group.
    CuratorKept {
        /// The copy kept.
        path: &'a str,
    },
    /// A curator accepted it, but errors remain for the unit to fix.
    AcceptedWithErrors,
    /// A curator declared it a different photo from its group's keeper, but errors remain.
    DistinctWithErrors {
        /// The errors, each a sentence.
        errors: &'a [String],
    },
    /// Its source changed since the run.
    SourceChanged,
}

/// A column of the 汇总表's photo list (`照片清单`, `Photos`): its header is
/// `messages::photo_column`, what it holds `messages::photo_column_about`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PhotoColumn {
    /// The photo's place in the list.
    Number,
    /// A small copy of the photo.
    Thumbnail,
    /// The photo's path in the package (`ManifestEntry::file`).
    File,
    /// The year it was taken.
    Year,
    /// Its 地州市.
    Place,
    /// Its 区县, when the unit named one.
    County,
    /// Its event.
    Event,
    /// Its caption, in full.
    Caption,
    /// Its photographer.
    Photographer,
    /// The unit that sent it.
    Unit,
    /// The packaged file's width × height.
    Pixels,
    /// The packaged file's bytes.
    Bytes,
    /// The packaged file's SHA-256.
    Sha256,
}

/// A column of the fill-in 汇总表 a unit gets back (`lightbox template`): its header is
/// `messages::template_column`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TemplateColumn {
    /// The photo's place in the sheet.
    Number,
    /// A small upright copy of the photo.
    Thumbnail,
    /// The photo's file name.
    File,
    /// The year it was taken.
    Year,
    /// Its 地州市.
    Place,
    /// Its event.
    Event,
    /// Its caption.
    Caption,
    /// Its photographer.
    Photographer,
    /// The unit that sends it.
    Unit,
    /// Who at the unit to ask about it (for the unit to fill in).
    Contact,
    /// What is wrong with the photo.
    Problems,
    /// Its content id (blake3), which matches the row to the photo when the sheet comes back.
    Content,
}

/// Why the desk (`lightbox serve`) refuses a request, as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A request without the desk's token, from a foreign host or origin (the guard's reason,
    /// technical, follows).
    Door {
        /// What the guard found wrong.
        why: String,
    },
    /// A run asked for with no drops folder set.
    NoDrops,
    /// A drops folder given on the page that does not exist.
    DropMissing {
        /// The path as given.
        path: String,
    },
    /// A drops folder given on the page that overlaps the work folder.
    DropOverlapsWork {
        /// The folder.
        path: String,
    },
    /// A package asked for before any run.
    NoResults,
    /// A part size the desk cannot read.
    BadPartSize {
        /// What is wrong with it (it holds the size as typed).
        reason: crate::broken::BadSize,
    },
    /// A verification asked for before any package.
    NoPackage,
    /// A returned sheet that is not a spreadsheet the desk reads.
    NotASheet,
    /// A returned sheet with nothing in it.
    EmptySheet,
    /// A unit that is not one of the last run's.
    NoSuchUnit,
    /// A job asked for while another runs.
    Busy,
    /// A cancel with no job running.
    NoJob,
}

/// A command line the parser refused, as the Chinese CLI says it (the English CLI prints the
/// parser's own words). Argument names are as the parser shows them (`--split-size <SPLIT_SIZE>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Misuse {
    /// A value that is not one of those the argument takes.
    NotOneOf {
        /// The argument.
        arg: String,
        /// The value given.
        value: String,
        /// The values it takes.
        valid: Vec<String>,
        /// The value it most looks like, if one does.
        suggested: Option<String>,
    },
    /// A value the argument's reader refused.
    Invalid {
        /// The argument.
        arg: String,
        /// The value given.
        value: String,
        /// Why.
        why: Unparsed,
    },
    /// An option no command has.
    UnknownOption {
        /// The option as typed.
        arg: String,
        /// The option it most looks like, if one does.
        suggested: Option<String>,
    },
    /// A word the command takes no place for (not an option).
    Unexpected {
        /// The word as typed.
        arg: String,
    },
    /// An option given without its value.
    NoValue {
        /// The option.
        arg: String,
    },
    /// An option given more than once.
    Repeated {
        /// The option.
        arg: String,
    },
    /// A word where a command was expected.
    UnknownCommand {
        /// The word as typed.
        name: String,
        /// The command it most looks like, if one does.
        suggested: Option<String>,
        /// The commands there are.
        valid: Vec<String>,
    },
    /// Arguments the command needs and did not get.
    Missing {
        /// The missing arguments.
        args: Vec<String>,
    },
    /// No command at all.
    NoCommand,
    /// Two arguments that cannot be given together.
    Conflict {
        /// The argument.
        arg: String,
        /// The one it conflicts with, if known.
        with: Option<String>,
    },
    /// An argument given too many or too few values.
    ValueCount {
        /// The argument.
        arg: String,
    },
    /// An argument or value that is not valid UTF-8.
    NotUtf8,
    /// Anything else the parser refused.
    Other,
}

/// Why a value's reader refused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unparsed {
    /// A size (`--split-size`).
    Size(crate::broken::BadSize),
    /// A network address and port (`--listen`).
    Address,
    /// A whole number (`--jobs`).
    Number,
    /// The reader's own words.
    Other(String),
}

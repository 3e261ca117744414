//! The tags a photo carries: year, place, event, caption, photographer and unit, each value
//! with the source it came from, and what the reading of a unit's sheet left unread.
//!
//! In: nothing (plain data, filled by the `tags` stage). Out: serialisable values that the
//! report, the catalog and the package read. Invariant: data only; how a value is read lives in
//! `tags`, how a gazetteer resolves a place in `profile`.

use serde::{Deserialize, Serialize};

use super::Field;

/// Where a tag value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum TagSource {
    /// A row of the unit's sheet (汇总表).
    Sheet {
        /// The sheet's path.
        sheet: String,
        /// 1-based row number.
        row: usize,
    },
    /// The file name.
    FileName,
    /// A same-named `.txt` file beside the photo.
    TextFile {
        /// The text file's display path.
        path: String,
    },
    /// A folder name between the unit and the file.
    Folder {
        /// The folder's name.
        name: String,
    },
    /// EXIF XPTitle (Windows "Title").
    XpTitle,
    /// EXIF XPSubject (Windows "Subject").
    XpSubject,
    /// EXIF XPComment (Windows "Comments").
    XpComment,
    /// EXIF XPAuthor (Windows "Authors").
    XpAuthor,
    /// EXIF ImageDescription.
    ExifDescription,
    /// EXIF Artist.
    ExifArtist,
    /// EXIF DateTimeOriginal.
    ExifDate,
    /// EXIF UserComment.
    ExifUserComment,
    /// A property of the XMP packet.
    Xmp {
        /// The property, prefixed as usual: `dc:description`, `photoshop:City`.
        field: String,
    },
    /// A dataset of the IPTC IIM record.
    Iptc {
        /// The dataset's IPTC name: `Caption-Abstract`, `By-line`, `City`.
        field: String,
    },
    /// The drop's folder or zip name.
    Drop,
    /// Read out of the caption text (inferred, not stated).
    Caption,
}

impl TagSource {
    /// A short label for messages.
    pub fn label(&self) -> String {
        match self {
            TagSource::Sheet { sheet, row } => format!("{sheet}#{row}"),
            TagSource::FileName => "file name".into(),
            TagSource::TextFile { path } => path.clone(),
            TagSource::Folder { name } => format!("folder {name}"),
            TagSource::XpTitle => "XPTitle".into(),
            TagSource::XpSubject => "XPSubject".into(),
            TagSource::XpComment => "XPComment".into(),
            TagSource::XpAuthor => "XPAuthor".into(),
            TagSource::ExifDescription => "EXIF ImageDescription".into(),
            TagSource::ExifArtist => "EXIF Artist".into(),
            TagSource::ExifDate => "EXIF DateTimeOriginal".into(),
            TagSource::ExifUserComment => "EXIF UserComment".into(),
            TagSource::Xmp { field } => format!("XMP {field}"),
            TagSource::Iptc { field } => format!("IPTC {field}"),
            TagSource::Drop => "drop name".into(),
            TagSource::Caption => "caption (inferred)".into(),
        }
    }
}

/// A value with its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tagged<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: TagSource,
}

/// A place value and what the gazetteer made of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The value as the source gave it.
    pub value: String,
    /// What it resolved to, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<PlaceMatch>,
}

/// What a place name resolved to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlaceMatch {
    /// A prefecture of the region.
    Prefecture {
        /// Its code.
        code: String,
        /// Its full name.
        name: String,
        /// The county the value named, if it named one.
        #[serde(skip_serializing_if = "Option::is_none")]
        county: Option<String>,
    },
    /// A place on a separate reporting line.
    SeparateLine,
    /// A place outside the region.
    Outside,
}

/// The tags of one photo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
    /// 年份.
    pub year: Option<Tagged<i32>>,
    /// 地州市.
    pub place: Option<Tagged<Place>>,
    /// 活动名称.
    pub event: Option<Tagged<String>>,
    /// 图片说明.
    pub caption: Option<Tagged<String>>,
    /// 摄影者.
    pub photographer: Option<Tagged<String>>,
    /// 报送单位.
    pub unit: Option<Tagged<String>>,
}

impl Tags {
    /// Whether `field` has a value.
    pub fn has(&self, field: Field) -> bool {
        match field {
            Field::Year => self.year.is_some(),
            Field::Place => self.place.is_some(),
            Field::Event => self.event.is_some(),
            Field::Caption => self.caption.is_some(),
            Field::Photographer => self.photographer.is_some(),
            Field::Unit => self.unit.is_some(),
        }
    }

    /// How many of the six fields have a value.
    pub fn completeness(&self) -> usize {
        Field::ALL.into_iter().filter(|&f| self.has(f)).count()
    }

    /// Fills every empty field from `other`, keeping other's sources.
    pub fn fill_from(&mut self, other: &Tags) {
        fn fill<T: Clone>(a: &mut Option<T>, b: &Option<T>) {
            if a.is_none() {
                a.clone_from(b);
            }
        }
        fill(&mut self.year, &other.year);
        fill(&mut self.place, &other.place);
        fill(&mut self.event, &other.event);
        fill(&mut self.caption, &other.caption);
        fill(&mut self.photographer, &other.photographer);
        fill(&mut self.unit, &other.unit);
    }
}

/// A kind of source tags are read from, as the profile's `[tags] precedence` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The unit's 汇总表 row for the photo.
    Sheet,
    /// A same-named `.txt` beside the photo.
    Txt,
    /// Embedded text: Windows properties, XMP, IPTC, EXIF text fields.
    Embedded,
    /// The file name.
    FileName,
    /// The folders between the unit and the photo, nearest first.
    Folders,
    /// The embedded creation date (XMP photoshop:DateCreated, IPTC DateCreated).
    EmbeddedDate,
    /// The camera's clock (EXIF DateTimeOriginal).
    ExifDate,
}

impl Layer {
    /// Every layer, in the default precedence.
    pub const ALL: [Layer; 7] = [
        Layer::Sheet,
        Layer::Txt,
        Layer::Embedded,
        Layer::FileName,
        Layer::Folders,
        Layer::EmbeddedDate,
        Layer::ExifDate,
    ];
}

/// Rows of a sheet kept at most: a sheet naming more photos than this is read up to here, and
/// the rows after it are told as a [`Limit`].
pub const MAX_ROWS: usize = 200_000;

/// Why a unit's sheet gave no table: said to staff in their language, with the reader's own
/// words (a library's, in English) only as the detail.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SheetProblem {
    /// The file itself could not be read (too large to be a sheet, or the system refused).
    Unreadable {
        /// The reader's words.
        detail: String,
    },
    /// A workbook (zip or compound file) the spreadsheet reader cannot open.
    NotAWorkbook {
        /// The reader's words.
        detail: String,
    },
    /// A workbook whose used rectangle is larger than is read whole (a stray cell far away).
    TooManyCells {
        /// `ods` or `xls`.
        format: String,
        /// The worksheet, when one alone passes the bound (an ods).
        worksheet: Option<String>,
        /// Cells of the rectangle.
        cells: u64,
        /// The bound.
        limit: u64,
    },
    /// A part of a workbook the reader would hold whole (shared strings, styles, an ods's
    /// content) that inflates past the bound: a deflate bomb, or a workbook no unit's table
    /// needs.
    PartTooLarge {
        /// The part's name inside the workbook (`xl/sharedStrings.xml`).
        part: String,
        /// The bound, in bytes.
        limit: u64,
    },
    /// A worksheet the reader fails on.
    WorksheetUnreadable {
        /// The worksheet's name.
        worksheet: String,
        /// The reader's words.
        detail: String,
    },
    /// A CSV record the parser fails on.
    BadCsv {
        /// The parser's words.
        detail: String,
    },
    /// A workbook with no worksheet.
    NoWorksheet,
    /// No row names a file-name column (文件名) and a tag column.
    NoHeader {
        /// Worksheets searched.
        searched: usize,
        /// Worksheets in the workbook (more than searched when there were too many).
        worksheets: usize,
    },
}

/// Part of a sheet that was not read: the rows kept stay usable.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Limit {
    /// Rows naming a file after [`MAX_ROWS`] kept rows.
    RowsBeyond {
        /// The sheet's display path (with `:worksheet` after the first).
        sheet: String,
        /// The last row number kept, as the spreadsheet shows it.
        last_kept: usize,
        /// How many further rows name a file.
        more: usize,
    },
    /// Values outside the table: right of the header's columns, or past the first columns read
    /// while the header is looked for (a stray cell typed at `XFD1048576`).
    CellsOutside {
        /// The sheet's display path.
        sheet: String,
        /// How many non-empty cells.
        count: usize,
        /// The first of them, as a spreadsheet names it (`XFD1048576`).
        first: String,
    },
}

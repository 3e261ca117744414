//! Book: what people read in a package, beside the manifests machines read. `汇总表.xlsx`
//! lists the photos (a row each with its thumbnail), counts them and says what each column
//! means; `图录.pdf` is the printable catalogue: a cover, contents by year, then every photo
//! with its full caption and where it comes from.
//!
//! In: the packaged photos' manifest rows (in package order), the bag's details
//! ([`BookInfo`]) and the work folder's derived images. Out: the two files' bytes, written
//! atomically. Invariants: the same input gives byte-identical files (no clock is read here: the
//! date printed and stamped in both is [`BookInfo::date`]); the file names are always the
//! Chinese ones CAST expects, only their contents follow [`Lang`]; text from the units is
//! written as text, never as a formula; a photo without a derived image gets a labelled empty
//! cell or box; no photos at all still gives two valid files that say so. Both are built in
//! memory: the rows (a few hundred bytes a photo) and, for the PDF, each photo's downscaled
//! preview ([`catalogue::PREVIEW_EDGE`]).

pub mod catalogue;
pub mod sheet;

use std::collections::BTreeSet;
use std::path::Path;

use crate::broken::{Doing, Step};

use crate::lang::Lang;
use crate::manifest::ManifestEntry;
use crate::messages::{self, Label, Phrase};
use crate::photo::ContentHash;
use crate::photo::DerivedDirs;

/// The summary workbook's file name in the package (whatever the language).
pub const SUMMARY_NAME: &str = "汇总表.xlsx";
/// The catalogue's file name in the package (whatever the language).
pub const CATALOGUE_NAME: &str = "图录.pdf";

/// The bag's details the two files print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookInfo {
    /// The collection's title, e.g. `全国科普日二十周年历史照片征集 · 新疆`.
    pub title: String,
    /// Who sends the package (empty: not printed).
    pub source_organization: String,
    /// The package's date, `YYYY-MM-DD`: printed, and the files' creation date.
    pub date: String,
    /// This part's number and the number of parts (from 1), when the bag is split.
    pub part: Option<(usize, usize)>,
    /// The language of headers, labels and sheet names.
    pub lang: Lang,
}

impl BookInfo {
    /// The date as (year, month, day); 1980-01-01 (the zip epoch) when it is not `YYYY-MM-DD`.
    pub fn ymd(&self) -> (u16, u8, u8) {
        let mut parts = self.date.trim().splitn(3, '-').map(str::parse::<u16>);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(Ok(y)), Some(Ok(m)), Some(Ok(d)))
                if (1980..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) =>
            {
                (y, m as u8, d as u8)
            }
            _ => (1980, 1, 1),
        }
    }

    /// "Part n of m" in the book's language; `None` for a bag in one part.
    pub fn part_label(&self) -> Option<String> {
        let (number, of) = self.part?;
        Some(messages::phrase(&Phrase::Part { number, of }, self.lang))
    }
}

/// Counts of a set of photos: how many, from how many units, over which years.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Photos.
    pub photos: usize,
    /// Distinct 报送单位 (an empty unit is not counted).
    pub units: usize,
    /// Distinct years, in order.
    pub years: Vec<i32>,
}

impl Counts {
    /// The counts of `entries`.
    pub fn of(entries: &[ManifestEntry]) -> Counts {
        let units: BTreeSet<&str> = entries
            .iter()
            .map(|e| e.unit.trim())
            .filter(|u| !u.is_empty())
            .collect();
        let years: BTreeSet<i32> = entries.iter().map(|e| e.year).collect();
        Counts {
            photos: entries.len(),
            units: units.len(),
            years: years.into_iter().collect(),
        }
    }

    /// One line: photos, units, years and their span.
    pub fn line(&self, lang: Lang) -> String {
        let span = match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) if a != b => format!("{}–{}", year_label(*a, lang), b),
            (Some(a), _) => year_label(*a, lang),
            _ => String::new(),
        };
        let counts = Phrase::Counts {
            photos: self.photos,
            units: self.units,
            years: self.years.len(),
            span: &span,
        };
        messages::phrase(&counts, lang)
    }
}

/// A year as printed; 0 (no year known) as [`Label::YearUnknown`].
pub fn year_label(year: i32, lang: Lang) -> String {
    match year {
        0 => messages::label(Label::YearUnknown, lang).into(),
        y => y.to_string(),
    }
}

/// Where a photo's derived images are: its thumbnail (for the workbook) and its preview (for
/// the catalogue), by the manifest's content id.
pub trait Previews {
    /// The thumbnail's bytes, if there is one.
    fn thumbnail(&self, entry: &ManifestEntry) -> Option<Vec<u8>>;
    /// The preview's bytes, if there is one.
    fn preview(&self, entry: &ManifestEntry) -> Option<Vec<u8>>;
}

impl Previews for DerivedDirs {
    fn thumbnail(&self, entry: &ManifestEntry) -> Option<Vec<u8>> {
        let content = ContentHash::from_hex(&entry.content)?;
        std::fs::read(DerivedDirs::thumbnail(self, &content)).ok()
    }

    fn preview(&self, entry: &ManifestEntry) -> Option<Vec<u8>> {
        let content = ContentHash::from_hex(&entry.content)?;
        std::fs::read(DerivedDirs::preview(self, &content)).ok()
    }
}

/// Writes `汇总表.xlsx` (see [`sheet::summary`]) to `path`.
///
/// # Errors
/// When the workbook cannot be built or written; the message names the path.
pub fn write_summary(
    path: &Path,
    entries: &[ManifestEntry],
    whole: Option<&[ManifestEntry]>,
    info: &BookInfo,
    previews: &dyn Previews,
) -> anyhow::Result<()> {
    let bytes =
        sheet::summary(entries, whole, info, previews).doing(|| Step::Build(path.to_path_buf()))?;
    crate::output::write_atomic(path, &bytes).doing(|| Step::Write(path.to_path_buf()))
}

/// Writes `图录.pdf` (see [`catalogue::catalogue`]) to `path`.
///
/// # Errors
/// When the PDF cannot be built or written; the message names the path.
pub fn write_catalogue(
    path: &Path,
    entries: &[ManifestEntry],
    info: &BookInfo,
    previews: &dyn Previews,
) -> anyhow::Result<()> {
    let bytes =
        catalogue::catalogue(entries, info, previews).doing(|| Step::Build(path.to_path_buf()))?;
    crate::output::write_atomic(path, &bytes).doing(|| Step::Write(path.to_path_buf()))
}

/// Writes both files into `dir` under their package names: what a package (or each part of a
/// bag) gets. `whole` is the whole bag's rows when `entries` is one part of it.
///
/// # Errors
/// As [`write_summary`] and [`write_catalogue`].
pub fn write_both(
    dir: &Path,
    entries: &[ManifestEntry],
    whole: Option<&[ManifestEntry]>,
    info: &BookInfo,
    previews: &dyn Previews,
) -> anyhow::Result<()> {
    write_summary(&dir.join(SUMMARY_NAME), entries, whole, info, previews)?;
    write_catalogue(&dir.join(CATALOGUE_NAME), entries, info, previews)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn entry(file: &str, year: i32, place: &str, unit: &str) -> ManifestEntry {
        ManifestEntry {
            file: file.into(),
            year,
            place: place.into(),
            county: String::new(),
            event: "科普进校园".into(),
            caption: "2015年9月19日，克拉玛依市科协在第一中学开展科普进校园活动。".into(),
            photographer: "王建国".into(),
            unit: unit.into(),
            original: String::new(),
            width: 4000,
            height: 3000,
            bytes: 2_345_678,
            converted_from: String::new(),
            sha256: "ab".repeat(32),
            sha512: "cd".repeat(64),
            content: "00".repeat(32),
            sources: String::new(),
        }
    }

    #[test]
    fn counts_photos_units_and_years() {
        let entries = [
            entry("a", 2015, "克拉玛依市", "克拉玛依市科协"),
            entry("b", 2017, "克拉玛依市", "克拉玛依市科协"),
            entry("c", 2016, "乌鲁木齐市", "乌鲁木齐市科协"),
            entry("d", 2016, "乌鲁木齐市", " "),
        ];
        let counts = Counts::of(&entries);
        assert_eq!((counts.photos, counts.units), (4, 2));
        assert_eq!(counts.years, [2015, 2016, 2017]);
        assert_eq!(
            counts.line(Lang::Zh),
            "照片 4 张 · 报送单位 2 个 · 年份 3 个（2015–2017）"
        );
        assert_eq!(
            Counts::of(&[]).line(Lang::En),
            "0 photos · 0 units · 0 years"
        );
    }

    #[test]
    fn a_date_that_is_not_a_date_is_the_zip_epoch() {
        let mut info = BookInfo {
            title: String::new(),
            source_organization: String::new(),
            date: "2026-12-03".into(),
            part: None,
            lang: Lang::En,
        };
        assert_eq!(info.ymd(), (2026, 12, 3));
        info.date = "soon".into();
        assert_eq!(info.ymd(), (1980, 1, 1));
        assert_eq!(info.part_label(), None);
        info.part = Some((2, 3));
        assert_eq!(info.part_label().unwrap(), "part 2 of 3");
    }
}

//! Tags: year, place, event, caption, photographer and unit of each photo, each value with the
//! source it came from.
//!
//! In: a `Source`, its EXIF facts, the unit's sheet rows, the profile's gazetteer. Out: `Tags`.
//! Invariant: a value is never invented; every value names its source, and inferred values (a
//! place read out of a caption) say so. Precedence, highest first: the unit's sheet, Windows
//! properties and other embedded text, the file name, the folder names, the camera date, values
//! inferred from the caption.

pub mod filename;
pub mod sheet;

use serde::{Deserialize, Serialize};

use crate::photo::{Exif, Source};
use crate::profile::{Gazetteer, PlaceMatch};
use sheet::SheetRow;

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
            TagSource::Folder { name } => format!("folder {name}"),
            TagSource::XpTitle => "XPTitle".into(),
            TagSource::XpSubject => "XPSubject".into(),
            TagSource::XpComment => "XPComment".into(),
            TagSource::XpAuthor => "XPAuthor".into(),
            TagSource::ExifDescription => "EXIF ImageDescription".into(),
            TagSource::ExifArtist => "EXIF Artist".into(),
            TagSource::ExifDate => "EXIF DateTimeOriginal".into(),
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

impl Place {
    /// Resolves a value through the gazetteer.
    pub fn new(value: &str, gazetteer: &Gazetteer) -> Place {
        Place {
            value: value.trim().to_string(),
            resolved: gazetteer.resolve(value),
        }
    }

    /// The prefecture's full name when the place resolved to one.
    pub fn prefecture(&self) -> Option<&str> {
        match &self.resolved {
            Some(PlaceMatch::Prefecture { name, .. }) => Some(name),
            _ => None,
        }
    }
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
    /// How many of the six fields have a value.
    pub fn completeness(&self) -> usize {
        [
            self.year.is_some(),
            self.place.is_some(),
            self.event.is_some(),
            self.caption.is_some(),
            self.photographer.is_some(),
            self.unit.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count()
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

/// Resolves the tags of one photo from every source, highest precedence first.
pub fn resolve(
    source: &Source,
    exif: Option<&Exif>,
    row: Option<&SheetRow>,
    gazetteer: &Gazetteer,
) -> Tags {
    let mut tags = Tags::default();
    if let Some(row) = row {
        tags.fill_from(&row.tags(gazetteer));
    }
    if let Some(exif) = exif {
        tags.fill_from(&embedded(exif, gazetteer));
    }
    tags.fill_from(
        &filename::parse(&source.file_name, gazetteer).into_tags(TagSource::FileName, gazetteer),
    );
    for folder in source.folders.iter().rev() {
        let source = TagSource::Folder {
            name: folder.clone(),
        };
        tags.fill_from(&filename::parse(folder, gazetteer).into_tags(source, gazetteer));
    }
    if tags.year.is_none()
        && let Some(year) = exif.and_then(Exif::year_taken)
    {
        tags.year = Some(Tagged {
            value: year,
            source: TagSource::ExifDate,
        });
    }
    if let Some(caption) = tags.caption.clone() {
        if tags.place.is_none()
            && let Some((name, _)) = gazetteer.find_in(&caption.value)
        {
            tags.place = Some(Tagged {
                value: Place::new(&name, gazetteer),
                source: TagSource::Caption,
            });
        }
        if tags.year.is_none()
            && let Some(year) = year_in_text(&caption.value)
        {
            tags.year = Some(Tagged {
                value: year,
                source: TagSource::Caption,
            });
        }
    }
    if tags.unit.is_none() {
        tags.unit = Some(Tagged {
            value: source.unit.clone(),
            source: TagSource::Drop,
        });
    }
    tags
}

/// Tags from the embedded metadata: Windows properties first, then EXIF text fields.
fn embedded(exif: &Exif, gazetteer: &Gazetteer) -> Tags {
    let tagged = |value: &Option<String>, source: TagSource| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| Tagged {
                value: v.to_string(),
                source,
            })
    };
    let mut tags = Tags {
        caption: tagged(&exif.xp_comment, TagSource::XpComment).or_else(|| {
            tagged(&exif.description, TagSource::ExifDescription)
                .filter(|t| !is_camera_boilerplate(&t.value))
        }),
        event: tagged(&exif.xp_title, TagSource::XpTitle)
            .or_else(|| tagged(&exif.xp_subject, TagSource::XpSubject)),
        photographer: tagged(&exif.xp_author, TagSource::XpAuthor)
            .or_else(|| tagged(&exif.artist, TagSource::ExifArtist)),
        ..Tags::default()
    };
    // A Windows title often reads like a file name ("2018+乌鲁木齐市+…"): take its parts.
    if let Some(title) = &tags.event {
        let parsed = filename::parse(&title.value, gazetteer);
        if parsed.year.is_some() || parsed.place.is_some() {
            let source = title.source.clone();
            tags.event = None;
            let mut from_title = parsed.into_tags(source, gazetteer);
            from_title.caption = None;
            tags.fill_from(&from_title);
        }
    }
    tags
}

/// Cameras write their own name or placeholders into ImageDescription.
fn is_camera_boilerplate(text: &str) -> bool {
    let t = text.trim().to_ascii_uppercase();
    t.is_empty()
        || t.starts_with("OLYMPUS DIGITAL CAMERA")
        || t.starts_with("SONY DSC")
        || t.starts_with("DIGITAL CAMERA")
        || t == "DCIM"
        || !text.chars().any(|c| c.is_alphabetic())
}

/// The first plausible year written as `2015年` in free text.
pub fn year_in_text(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().collect();
    for i in 0..chars.len().saturating_sub(4) {
        let window = &chars[i..i + 4];
        let before_is_digit = i > 0 && chars[i - 1].is_ascii_digit();
        if !before_is_digit && window.iter().all(char::is_ascii_digit) && chars[i + 4] == '年' {
            let year: i32 = window.iter().collect::<String>().parse().ok()?;
            if (1900..=2099).contains(&year) {
                return Some(year);
            }
        }
    }
    None
}

/// Parses a year from the ways people write it in sheets: `2015`, `2015年`, `2015.9`,
/// `2015-09-19`, `2015/9/19`, `2015年9月`. Returns `None` for anything else.
pub fn parse_year(text: &str) -> Option<i32> {
    let text = filename::fold_width(text.trim());
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() != 4 {
        return None;
    }
    let rest = &text[4..];
    let ok_rest = rest.is_empty() || rest.starts_with(['年', '.', '-', '/', ' ']);
    let year: i32 = digits.parse().ok()?;
    (ok_rest && (1900..=2099).contains(&year)).then_some(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_years_as_written() {
        for (text, year) in [
            ("2015", 2015),
            ("2015年", 2015),
            ("2015.9", 2015),
            ("2015-09-19", 2015),
            ("２０１５年９月", 2015),
            ("2015/9/19", 2015),
        ] {
            assert_eq!(parse_year(text), Some(year), "{text}");
        }
        for text in ["15年", "201", "20150", "abc", "", "3015"] {
            assert_eq!(parse_year(text), None, "{text}");
        }
    }

    #[test]
    fn finds_year_in_caption() {
        assert_eq!(year_in_text("2018年9月15日，新疆大学"), Some(2018));
        assert_eq!(year_in_text("第12018年"), None);
        assert_eq!(year_in_text("没有年份"), None);
    }
}

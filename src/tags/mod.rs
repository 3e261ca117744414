//! Tags: year, place, event, caption, photographer and unit of each photo, each value with the
//! source it came from.
//!
//! In: a `Source`, its embedded metadata (EXIF, XMP, IPTC), the unit's sheet rows, the profile's
//! gazetteer. Out: `Tags`. Invariant: a value is never invented; every value names its source
//! (down to the XMP property or IPTC dataset), and inferred values (a place read out of a
//! caption) say so.
//!
//! Precedence, highest first, is the profile's `[tags] precedence` ([`Layer`]); the default:
//! the unit's sheet; a same-named `.txt` beside the photo; embedded text (below); the file name;
//! the folder names; the embedded creation date (XMP photoshop:DateCreated, then IPTC
//! DateCreated); the camera date (EXIF DateTimeOriginal); then values inferred from the caption.
//! A later layer's different year or place is a conflict finding showing both values and the
//! one used. Within embedded text,
//! Windows properties (what a unit types in Explorer) come first, then XMP, then IPTC, then EXIF:
//! - caption: XPComment > XMP dc:description > IPTC Caption-Abstract > EXIF ImageDescription >
//!   EXIF UserComment (camera boilerplate such as `OLYMPUS DIGITAL CAMERA` is skipped, and a
//!   web address or a file name is never a caption);
//! - event: XPTitle > XPSubject > XMP dc:title > XMP photoshop:Headline > IPTC ObjectName > IPTC
//!   Headline (a title written like a file name, `2018+乌鲁木齐市+…`, gives its parts instead);
//! - place: XMP photoshop:City > XMP Iptc4xmpCore:Location > IPTC City > IPTC Sub-location, the
//!   first the gazetteer knows (cameras and agencies fill these with places of no collection);
//! - photographer: XPAuthor > XMP dc:creator > IPTC By-line > EXIF Artist.
//!
//! In every embedded field, what software writes for "no value" (`null`, `unknown`, `无`, a
//! lone `-`) is no value: the field stays empty and the unit is asked for it.
//!
//! Size: about 530 lines of code and 480 of tests: the precedence above is one rule, and its
//! tests (every layer against every other, conflicts, inferred places) stay beside it.

pub mod filename;
pub mod sheet;
pub mod xls;

use crate::photo::Iptc;
use crate::photo::Xmp;
pub use crate::photo::tags::{Layer, Place, TagSource, Tagged, Tags};
use crate::photo::{Check, Exif, Finding, Photo, Source};
use crate::profile::{Gazetteer, PlaceMatch};
use sheet::SheetRow;

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

/// The embedded metadata of one photo that tags are read from.
#[derive(Clone, Copy, Debug, Default)]
pub struct Embedded<'a> {
    /// EXIF facts.
    pub exif: Option<&'a Exif>,
    /// The XMP packet's fields.
    pub xmp: Option<&'a Xmp>,
    /// The IPTC record's fields.
    pub iptc: Option<&'a Iptc>,
}

impl<'a> From<&'a Photo> for Embedded<'a> {
    fn from(photo: &'a Photo) -> Self {
        Embedded {
            exif: Some(&photo.exif),
            xmp: photo.xmp.as_deref(),
            iptc: photo.iptc.as_deref(),
        }
    }
}

impl<'a> From<Option<&'a Photo>> for Embedded<'a> {
    fn from(photo: Option<&'a Photo>) -> Self {
        photo.map(Embedded::from).unwrap_or_default()
    }
}

impl<'a> From<Option<&'a Exif>> for Embedded<'a> {
    fn from(exif: Option<&'a Exif>) -> Self {
        Embedded {
            exif,
            ..Embedded::default()
        }
    }
}

/// A same-named `.txt` beside a photo: its display path and decoded text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideText {
    /// Display path of the text file.
    pub path: String,
    /// Its text, decoded like a sheet (BOM, UTF-8, GBK).
    pub text: String,
}

impl SideText {
    /// The tags a note gives: lines `年份：2015`, `图片说明：…` (any column name a sheet header
    /// may use) give their fields; a note without such lines is the caption as a whole.
    pub fn tags(&self, gazetteer: &Gazetteer) -> Tags {
        let source = TagSource::TextFile {
            path: self.path.clone(),
        };
        let mut cells = std::collections::BTreeMap::new();
        for line in self.text.lines() {
            let Some((key, value)) = line.split_once(['：', ':']) else {
                continue;
            };
            if let Some(column) = sheet::column_named(key)
                && !value.trim().is_empty()
            {
                cells
                    .entry(column)
                    .or_insert_with(|| value.trim().to_string());
            }
        }
        if cells.is_empty() {
            let text = self.text.trim();
            if text.is_empty() {
                return Tags::default();
            }
            cells.insert(sheet::Column::Caption, text.to_string());
        }
        sheet::cells_to_tags(&cells, &source, gazetteer)
    }
}

/// A photo's tags and what resolving them found: conflicts between sources, unclear years.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The tags, each with its source.
    pub tags: Tags,
    /// Warnings about the values (`year_conflict`, `place_conflict`, `year_ambiguous`, …).
    pub findings: Vec<Finding>,
}

/// What a photo's tags are read from besides the photo itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sides<'a> {
    /// The unit's sheet row for the photo.
    pub row: Option<&'a SheetRow>,
    /// A same-named `.txt` beside it.
    pub txt: Option<&'a SideText>,
}

/// Resolves the tags of one photo from every source in the default precedence (see the module
/// documentation). `embedded` is the photo (`&Photo`) or only its EXIF facts.
pub fn resolve<'a>(
    source: &Source,
    embedded: impl Into<Embedded<'a>>,
    row: Option<&SheetRow>,
    gazetteer: &Gazetteer,
) -> Tags {
    let sides = Sides { row, txt: None };
    resolve_with(source, embedded.into(), sides, &Layer::ALL, gazetteer).tags
}

/// Resolves the tags of one photo, reading the layers in `precedence` order, and reports
/// where sources disagree.
pub fn resolve_with(
    source: &Source,
    meta: Embedded<'_>,
    sides: Sides<'_>,
    precedence: &[Layer],
    gazetteer: &Gazetteer,
) -> Resolved {
    let mut layers: Vec<Tags> = Vec::new();
    let mut findings = Vec::new();
    let year_only = |year: Option<Tagged<i32>>| Tags {
        year,
        ..Tags::default()
    };
    for layer in precedence {
        match layer {
            Layer::Sheet => {
                if let Some(row) = sides.row {
                    layers.push(row.tags(gazetteer));
                    findings.extend(row.findings());
                }
            }
            Layer::Txt => {
                if let Some(txt) = sides.txt {
                    layers.push(txt.tags(gazetteer));
                }
            }
            Layer::Embedded => layers.push(embedded(&meta, gazetteer)),
            Layer::FileName => layers.push(
                filename::parse(&source.file_name, gazetteer)
                    .into_tags(TagSource::FileName, gazetteer),
            ),
            Layer::Folders => {
                for folder in source.folders.iter().rev() {
                    let source = TagSource::Folder {
                        name: folder.clone(),
                    };
                    layers.push(filename::parse(folder, gazetteer).into_tags(source, gazetteer));
                }
            }
            Layer::EmbeddedDate => layers.push(year_only(embedded_year(&meta))),
            Layer::ExifDate => layers.push(year_only(meta.exif.and_then(Exif::year_taken).map(
                |value| Tagged {
                    value,
                    source: TagSource::ExifDate,
                },
            ))),
        }
    }
    let mut tags = Tags::default();
    for layer in &layers {
        tags.fill_from(layer);
    }
    findings.extend(conflicts(&tags, &layers));
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
    Resolved { tags, findings }
}

/// Where a later layer gives another year, or a place in another prefecture, than the one used:
/// one finding per other value, naming its first source.
fn conflicts(used: &Tags, layers: &[Tags]) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(year) = &used.year {
        let mut seen = vec![year.value];
        for other in layers.iter().filter_map(|l| l.year.as_ref()) {
            if !seen.contains(&other.value) {
                seen.push(other.value);
                findings.push(Finding::warn(Check::YearConflict {
                    used: year.value,
                    used_source: year.source.label(),
                    other: other.value,
                    other_source: other.source.label(),
                }));
            }
        }
    }
    if let Some(place) = &used.place
        && let Some(prefecture) = place.value.prefecture()
    {
        let mut seen = vec![prefecture.to_string()];
        for other in layers.iter().filter_map(|l| l.place.as_ref()) {
            let Some(theirs) = other.value.prefecture() else {
                continue;
            };
            if !seen.iter().any(|p| p == theirs) {
                seen.push(theirs.to_string());
                findings.push(Finding::warn(Check::PlaceConflict {
                    used: place.value.value.clone(),
                    used_source: place.source.label(),
                    other: other.value.value.clone(),
                    other_source: other.source.label(),
                }));
            }
        }
    }
    findings
}

/// A trimmed, non-blank value with its source.
/// An embedded text value with its source; empty text and placeholders are no value.
fn tagged(value: Option<&str>, source: TagSource) -> Option<Tagged<String>> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty() && !is_placeholder(v))
        .map(|v| Tagged {
            value: v.to_string(),
            source,
        })
}

fn xmp_source(field: &str) -> TagSource {
    TagSource::Xmp {
        field: field.to_string(),
    }
}

fn iptc_source(field: &str) -> TagSource {
    TagSource::Iptc {
        field: field.to_string(),
    }
}

/// Tags from the embedded text, in the precedence the module documentation gives.
fn embedded(meta: &Embedded<'_>, gazetteer: &Gazetteer) -> Tags {
    let exif = meta.exif.cloned().unwrap_or_default();
    let xmp = meta.xmp.cloned().unwrap_or_default();
    let iptc = meta.iptc.cloned().unwrap_or_default();
    let not_boilerplate = |t: &Tagged<String>| {
        !is_camera_boilerplate(&t.value)
            && Some(t.value.as_str()) != exif.make.as_deref()
            && Some(t.value.as_str()) != exif.model.as_deref()
    };
    // A web address or a file name is a credit or a leftover, never a caption.
    let describes = |t: &Tagged<String>| !is_address_or_file_name(&t.value);
    let caption = [
        tagged(exif.xp_comment.as_deref(), TagSource::XpComment),
        tagged(xmp.description.as_deref(), xmp_source("dc:description")),
        tagged(iptc.caption.as_deref(), iptc_source("Caption-Abstract")),
        tagged(exif.description.as_deref(), TagSource::ExifDescription).filter(not_boilerplate),
        tagged(exif.user_comment.as_deref(), TagSource::ExifUserComment).filter(not_boilerplate),
    ]
    .map(|t| t.filter(describes));
    let event = [
        tagged(exif.xp_title.as_deref(), TagSource::XpTitle),
        tagged(exif.xp_subject.as_deref(), TagSource::XpSubject),
        tagged(xmp.title.as_deref(), xmp_source("dc:title")),
        tagged(xmp.headline.as_deref(), xmp_source("photoshop:Headline")),
        tagged(iptc.object_name.as_deref(), iptc_source("ObjectName")),
        tagged(iptc.headline.as_deref(), iptc_source("Headline")),
    ];
    let photographer = [
        tagged(exif.xp_author.as_deref(), TagSource::XpAuthor),
        tagged(Some(&xmp.creator.join("; ")), xmp_source("dc:creator")),
        tagged(Some(&iptc.by_line.join("; ")), iptc_source("By-line")),
        tagged(exif.artist.as_deref(), TagSource::ExifArtist),
    ];
    let place = [
        tagged(xmp.city.as_deref(), xmp_source("photoshop:City")),
        tagged(xmp.location.as_deref(), xmp_source("Iptc4xmpCore:Location")),
        tagged(iptc.city.as_deref(), iptc_source("City")),
        tagged(iptc.sub_location.as_deref(), iptc_source("Sub-location")),
    ];
    let mut tags = Tags {
        caption: caption.into_iter().flatten().next(),
        event: event.into_iter().flatten().next(),
        photographer: photographer.into_iter().flatten().next(),
        place: place
            .into_iter()
            .flatten()
            .map(|t| Tagged {
                value: Place::new(&t.value, gazetteer),
                source: t.source,
            })
            .find(|t| t.value.resolved.is_some()),
        ..Tags::default()
    };
    // A title (Windows, XMP or IPTC) often reads like a file name ("2018+乌鲁木齐市+…"): take
    // its parts.
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

/// The year of the embedded creation date (XMP photoshop:DateCreated, then IPTC DateCreated):
/// when the photo was taken as the person describing it states it, unlike the camera's clock.
fn embedded_year(meta: &Embedded<'_>) -> Option<Tagged<i32>> {
    let xmp = meta.xmp.and_then(|x| x.date_created.as_deref());
    let iptc = meta.iptc.and_then(|i| i.date_created.as_deref());
    [
        (xmp, xmp_source("photoshop:DateCreated")),
        (iptc, iptc_source("DateCreated")),
    ]
    .into_iter()
    .find_map(|(date, source)| {
        Some(Tagged {
            value: parse_year(date?)?,
            source,
        })
    })
}

/// Cameras write their own name or placeholders into ImageDescription and UserComment.
fn is_camera_boilerplate(text: &str) -> bool {
    let t = text.trim().to_ascii_uppercase();
    t.is_empty()
        || t.starts_with("OLYMPUS DIGITAL CAMERA")
        || t.starts_with("SONY DSC")
        || t.starts_with("DIGITAL CAMERA")
        || t == "DCIM"
        || !text.chars().any(|c| c.is_alphabetic())
}

/// What software writes into a field it has no value for ("null" from a program that printed
/// its empty value, "unknown", "无"), or text with no letter or digit ("-", "……").
fn is_placeholder(text: &str) -> bool {
    const PLACEHOLDERS: [&str; 13] = [
        "null",
        "nil",
        "none",
        "undefined",
        "n/a",
        "unknown",
        "untitled",
        "default",
        "无",
        "暂无",
        "未知",
        "空",
        "不详",
    ];
    let t = text.trim().to_lowercase();
    PLACEHOLDERS.contains(&t.as_str()) || !t.chars().any(char::is_alphanumeric)
}

/// A web address (`https://…`, `www.…`, `dpreview.com`) or a file name (`IMG_0001.JPG`): one
/// word ending in a dot and two to four ASCII letters, or starting with a scheme or `www.`.
fn is_address_or_file_name(text: &str) -> bool {
    let t = text.trim();
    if t.contains(char::is_whitespace) {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("www.")
        || t.rsplit_once('.').is_some_and(|(name, end)| {
            !name.is_empty()
                && (2..=4).contains(&end.len())
                && end.chars().all(|c| c.is_ascii_alphabetic())
        })
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

/// What a year value says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YearText {
    /// A four-digit year.
    Year(i32),
    /// Two digits (`15年`): 2015 is likely, 1915 possible; the unit must confirm.
    Ambiguous(i32),
    /// No year can be read.
    Unreadable,
}

/// Reads a year the ways people write it in sheets: `2015`, `2015年`, `2015.9`, `2015-09-19`,
/// `2015/9/19`, `2015年9月`, full-width digits, Chinese numerals (`二〇一五年`, `二零一五`); a
/// bare two-digit `15年` (or `一五年`) is ambiguous.
pub fn read_year(text: &str) -> YearText {
    let folded = chinese_digits(&filename::fold_width(text.trim()));
    let digits: String = folded.chars().take_while(char::is_ascii_digit).collect();
    let rest = &folded[digits.len()..];
    let ok_rest = rest.is_empty() || rest.starts_with(['年', '.', '-', '/', ' ']);
    match (digits.len(), ok_rest) {
        (4, true) => match digits.parse::<i32>() {
            Ok(year) if (1900..=2099).contains(&year) => YearText::Year(year),
            _ => YearText::Unreadable,
        },
        (2, true) if rest.is_empty() || rest.starts_with('年') => {
            YearText::Ambiguous(2000 + digits.parse::<i32>().unwrap_or_default())
        }
        _ => YearText::Unreadable,
    }
}

/// Parses a year (see [`read_year`]); `None` unless it is a clear four-digit year.
pub fn parse_year(text: &str) -> Option<i32> {
    match read_year(text) {
        YearText::Year(year) => Some(year),
        _ => None,
    }
}

/// Replaces a leading run of Chinese numerals (〇零一二…九) with ASCII digits: `二〇一五年` →
/// `2015年`. Only a run of two or four numerals counts (so `一月` stays words).
fn chinese_digits(text: &str) -> String {
    let digit = |c: char| match c {
        '〇' | '零' | '○' | 'Ｏ' => Some('0'),
        '一' => Some('1'),
        '二' => Some('2'),
        '三' => Some('3'),
        '四' => Some('4'),
        '五' => Some('5'),
        '六' => Some('6'),
        '七' => Some('7'),
        '八' => Some('8'),
        '九' => Some('9'),
        _ => None,
    };
    let run: String = text.chars().map_while(digit).collect();
    if run.chars().count() == 2 || run.chars().count() == 4 {
        let skip: usize = text.chars().take(run.len()).map(char::len_utf8).sum();
        format!("{run}{}", &text[skip..])
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    fn gazetteer() -> Gazetteer {
        Profile::embedded().gazetteer
    }

    /// A photo file with no tags in its name, in a unit's folder.
    fn source() -> Source {
        serde_json::from_value(serde_json::json!({
            "unit": "新疆大学",
            "path": "新疆大学/IMG_0001.jpg",
            "folders": [],
            "file_name": "IMG_0001.jpg",
            "location": {"kind": "file", "path": "/drops/新疆大学/IMG_0001.jpg"},
            "size": 1
        }))
        .expect("a source")
    }

    fn xmp_source_of(field: &str) -> TagSource {
        TagSource::Xmp {
            field: field.into(),
        }
    }

    fn iptc_source_of(field: &str) -> TagSource {
        TagSource::Iptc {
            field: field.into(),
        }
    }

    #[test]
    fn embedded_precedence_xp_then_xmp_then_iptc_then_exif() {
        let g = gazetteer();
        let exif = Exif {
            description: Some("EXIF 说明".into()),
            user_comment: Some("UserComment 说明".into()),
            artist: Some("EXIF 作者".into()),
            ..Exif::default()
        };
        let xmp = Xmp {
            description: Some("XMP 说明".into()),
            title: Some("XMP 活动".into()),
            creator: vec!["甲".into(), "乙".into()],
            city: Some("Paris".into()),
            location: Some("莎车县".into()),
            date_created: Some("2019-09-15".into()),
            ..Xmp::default()
        };
        let iptc = Iptc {
            caption: Some("IPTC 说明".into()),
            object_name: Some("IPTC 活动".into()),
            by_line: vec!["丙".into()],
            city: Some("和田地区".into()),
            date_created: Some("2018-09-15".into()),
            ..Iptc::default()
        };
        let mut meta = Embedded {
            exif: Some(&exif),
            xmp: Some(&xmp),
            iptc: Some(&iptc),
        };
        let tags = resolve(&source(), meta, None, &g);
        let caption = tags.caption.unwrap();
        assert_eq!(
            (caption.value.as_str(), caption.source),
            ("XMP 说明", xmp_source_of("dc:description"))
        );
        let event = tags.event.unwrap();
        assert_eq!(
            (event.value.as_str(), event.source),
            ("XMP 活动", xmp_source_of("dc:title"))
        );
        let photographer = tags.photographer.unwrap();
        assert_eq!(
            (photographer.value.as_str(), photographer.source),
            ("甲; 乙", xmp_source_of("dc:creator"))
        );
        // photoshop:City is not in the gazetteer: the next candidate that is wins.
        let place = tags.place.unwrap();
        assert_eq!(place.value.prefecture(), Some("喀什地区"));
        assert_eq!(place.source, xmp_source_of("Iptc4xmpCore:Location"));
        let year = tags.year.unwrap();
        assert_eq!(
            (year.value, year.source),
            (2019, xmp_source_of("photoshop:DateCreated"))
        );

        // Without XMP, IPTC is next.
        meta.xmp = None;
        let tags = resolve(&source(), meta, None, &g);
        assert_eq!(
            tags.caption.unwrap().source,
            iptc_source_of("Caption-Abstract")
        );
        assert_eq!(tags.event.unwrap().source, iptc_source_of("ObjectName"));
        assert_eq!(tags.photographer.unwrap().source, iptc_source_of("By-line"));
        assert_eq!(tags.place.unwrap().source, iptc_source_of("City"));
        assert_eq!(tags.year.unwrap().value, 2018);

        // Then EXIF: ImageDescription before UserComment, Artist.
        meta.iptc = None;
        let tags = resolve(&source(), meta, None, &g);
        assert_eq!(tags.caption.unwrap().source, TagSource::ExifDescription);
        assert_eq!(tags.photographer.unwrap().source, TagSource::ExifArtist);
        assert_eq!((tags.event, tags.place, tags.year), (None, None, None));
    }

    #[test]
    fn windows_properties_come_first_and_boilerplate_is_skipped() {
        let g = gazetteer();
        let exif = Exif {
            xp_comment: Some("XP 说明".into()),
            xp_author: Some("张伟".into()),
            ..Exif::default()
        };
        let xmp = Xmp {
            description: Some("XMP 说明".into()),
            creator: vec!["甲".into()],
            headline: Some("科普讲座".into()),
            ..Xmp::default()
        };
        let meta = Embedded {
            exif: Some(&exif),
            xmp: Some(&xmp),
            iptc: None,
        };
        let tags = resolve(&source(), meta, None, &g);
        assert_eq!(tags.caption.unwrap().source, TagSource::XpComment);
        assert_eq!(tags.photographer.unwrap().source, TagSource::XpAuthor);
        assert_eq!(
            tags.event.unwrap().source,
            xmp_source_of("photoshop:Headline")
        );

        let camera = Exif {
            make: Some("NIKON".into()),
            description: Some("OLYMPUS DIGITAL CAMERA".into()),
            user_comment: Some("NIKON".into()),
            ..Exif::default()
        };
        assert_eq!(resolve(&source(), Some(&camera), None, &g).caption, None);
        let comment = Exif {
            user_comment: Some("2019年9月15日，和田地区科普日活动".into()),
            ..camera
        };
        let tags = resolve(&source(), Some(&comment), None, &g);
        assert_eq!(tags.caption.unwrap().source, TagSource::ExifUserComment);
        // The caption still lends its year and place, marked as inferred.
        assert_eq!(tags.year.unwrap().source, TagSource::Caption);
        assert_eq!(tags.place.unwrap().source, TagSource::Caption);
    }

    #[test]
    fn placeholders_web_addresses_and_file_names_are_no_value() {
        let g = gazetteer();
        // What a photo sharing site's sample carries: a credit and "null"s.
        let exif = Exif {
            description: Some("null".into()),
            user_comment: Some("dpreview.com".into()),
            artist: Some("NULL".into()),
            xp_author: Some(" 无 ".into()),
            xp_title: Some("-".into()),
            ..Exif::default()
        };
        let xmp = Xmp {
            description: Some("IMG_0001.JPG".into()),
            creator: vec!["unknown".into()],
            ..Xmp::default()
        };
        let meta = Embedded {
            exif: Some(&exif),
            xmp: Some(&xmp),
            iptc: None,
        };
        let tags = resolve(&source(), meta, None, &g);
        assert_eq!(
            (tags.caption, tags.photographer, tags.event),
            (None, None, None)
        );
        // Real values next to them are taken.
        let exif = Exif {
            user_comment: Some("https://example.org/news/2019".into()),
            description: Some("2019年9月15日，和田地区科普日活动现场".into()),
            artist: Some("Phil Askey".into()),
            ..exif
        };
        let tags = resolve(&source(), Some(&exif), None, &g);
        assert_eq!(tags.caption.unwrap().source, TagSource::ExifDescription);
        assert_eq!(tags.photographer.unwrap().value, "Phil Askey");
        for text in ["null", "N/A", "未知", "……", " - "] {
            assert!(is_placeholder(text), "{text}");
        }
        for text in ["王建国", "No. 1", "0", "科普日"] {
            assert!(!is_placeholder(text), "{text}");
        }
        for text in [
            "dpreview.com",
            "www.xast.org.cn",
            "HTTPS://x",
            "DSC_0042.jpeg",
        ] {
            assert!(is_address_or_file_name(text), "{text}");
        }
        for text in ["科普日.活动", "Dr. Wang at the museum", "2019.09", "v1.2"] {
            assert!(!is_address_or_file_name(text), "{text}");
        }
    }

    #[test]
    fn an_xmp_title_written_like_a_file_name_gives_its_parts() {
        let g = gazetteer();
        let xmp = Xmp {
            title: Some("2018+乌鲁木齐市+科普讲座".into()),
            ..Xmp::default()
        };
        let meta = Embedded {
            xmp: Some(&xmp),
            ..Embedded::default()
        };
        let tags = resolve(&source(), meta, None, &g);
        assert_eq!(tags.year.clone().unwrap().value, 2018);
        assert_eq!(tags.year.unwrap().source, xmp_source_of("dc:title"));
        assert_eq!(tags.event.unwrap().value, "科普讲座");
        assert_eq!(tags.place.unwrap().value.prefecture(), Some("乌鲁木齐市"));
    }

    #[test]
    fn the_embedded_date_comes_after_names_and_before_the_camera() {
        let g = gazetteer();
        let exif = Exif {
            date_taken: Some("2012-06-09 21:23:38".into()),
            ..Exif::default()
        };
        let iptc = Iptc {
            date_created: Some("2019".into()),
            ..Iptc::default()
        };
        let meta = Embedded {
            exif: Some(&exif),
            xmp: None,
            iptc: Some(&iptc),
        };
        let year = resolve(&source(), meta, None, &g).year.unwrap();
        assert_eq!(
            (year.value, year.source),
            (2019, iptc_source_of("DateCreated"))
        );
        let mut named = source();
        named.file_name = "2017+喀什地区+科普讲座.jpg".into();
        assert_eq!(
            resolve(&named, meta, None, &g).year.unwrap().source,
            TagSource::FileName
        );
        assert_eq!(
            resolve(&source(), Some(&exif), None, &g)
                .year
                .unwrap()
                .source,
            TagSource::ExifDate
        );
    }

    #[test]
    fn labels_name_the_field() {
        assert_eq!(xmp_source_of("dc:title").label(), "XMP dc:title");
        assert_eq!(iptc_source_of("By-line").label(), "IPTC By-line");
        assert_eq!(TagSource::ExifUserComment.label(), "EXIF UserComment");
    }

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
    fn reads_chinese_numerals_and_flags_two_digit_years() {
        for (text, expected) in [
            ("二〇一五年", YearText::Year(2015)),
            ("二零一五", YearText::Year(2015)),
            ("二〇一五年九月", YearText::Year(2015)),
            ("15年", YearText::Ambiguous(2015)),
            ("１５年", YearText::Ambiguous(2015)),
            ("一五年", YearText::Ambiguous(2015)),
            ("15", YearText::Ambiguous(2015)),
            ("一月", YearText::Unreadable),
            ("不详", YearText::Unreadable),
            ("2015年", YearText::Year(2015)),
        ] {
            assert_eq!(read_year(text), expected, "{text}");
        }
    }

    fn row(cells: &[(sheet::Column, &str)]) -> SheetRow {
        SheetRow {
            sheet: "新疆大学/汇总表.xlsx".into(),
            row: 3,
            file_name: "IMG_0001".into(),
            cells: cells.iter().map(|(c, v)| (*c, v.to_string())).collect(),
        }
    }

    fn camera_2012() -> Exif {
        Exif {
            date_taken: Some("2012-09-01 10:00:00".into()),
            ..Exif::default()
        }
    }

    #[test]
    fn a_conflict_shows_both_values_and_which_won() {
        let g = gazetteer();
        let exif = camera_2012();
        let row = row(&[
            (sheet::Column::Year, "2015"),
            (sheet::Column::Place, "喀什"),
        ]);
        let mut named = source();
        named.file_name = "2016+和田地区+科普日.jpg".into();
        let sides = Sides {
            row: Some(&row),
            txt: None,
        };
        let resolved = resolve_with(&named, Some(&exif).into(), sides, &Layer::ALL, &g);
        assert_eq!(resolved.tags.year.as_ref().unwrap().value, 2015);
        let conflicts: Vec<&Check> = resolved.findings.iter().map(|f| &f.check).collect();
        assert_eq!(
            conflicts,
            [
                &Check::YearConflict {
                    used: 2015,
                    used_source: "新疆大学/汇总表.xlsx#3".into(),
                    other: 2016,
                    other_source: "file name".into(),
                },
                &Check::YearConflict {
                    used: 2015,
                    used_source: "新疆大学/汇总表.xlsx#3".into(),
                    other: 2012,
                    other_source: "EXIF DateTimeOriginal".into(),
                },
                &Check::PlaceConflict {
                    used: "喀什".into(),
                    used_source: "新疆大学/汇总表.xlsx#3".into(),
                    other: "和田地区".into(),
                    other_source: "file name".into(),
                },
            ]
        );
        let message = crate::messages::check(&resolved.findings[1].check, crate::lang::Lang::Zh);
        assert!(
            message.contains("2015") && message.contains("2012") && message.contains("采用"),
            "{message}"
        );
        // A county of the same prefecture is no conflict.
        named.file_name = "2015+莎车县+科普日.jpg".into();
        let calm = resolve_with(
            &named,
            Some(&exif).into(),
            sides,
            &[Layer::Sheet, Layer::FileName],
            &g,
        );
        assert!(calm.findings.is_empty(), "{:?}", calm.findings);
    }

    #[test]
    fn the_profile_orders_the_layers_and_can_leave_one_out() {
        let g = gazetteer();
        let exif = camera_2012();
        let row = row(&[(sheet::Column::Year, "2015")]);
        let mut named = source();
        named.file_name = "2016+和田地区+科普日.jpg".into();
        let sides = Sides {
            row: Some(&row),
            txt: None,
        };
        let names_first = [Layer::FileName, Layer::Sheet, Layer::ExifDate];
        let year = resolve_with(&named, Some(&exif).into(), sides, &names_first, &g)
            .tags
            .year
            .unwrap();
        assert_eq!((year.value, year.source), (2016, TagSource::FileName));
        // Without the camera layer its year is neither used nor a conflict.
        let bare = source();
        let no_camera = resolve_with(
            &bare,
            Some(&exif).into(),
            Sides::default(),
            &[Layer::Sheet],
            &g,
        );
        assert!(no_camera.tags.year.is_none() && no_camera.findings.is_empty());
    }

    #[test]
    fn an_ambiguous_sheet_year_is_flagged_and_a_clear_source_used() {
        let g = gazetteer();
        let exif = camera_2012();
        let row = row(&[(sheet::Column::Year, "12年")]);
        let sides = Sides {
            row: Some(&row),
            txt: None,
        };
        let resolved = resolve_with(&source(), Some(&exif).into(), sides, &Layer::ALL, &g);
        let year = resolved.tags.year.unwrap();
        assert_eq!((year.value, year.source), (2012, TagSource::ExifDate));
        assert_eq!(
            resolved.findings[0].check,
            Check::YearAmbiguous {
                text: "12年".into(),
                source: "新疆大学/汇总表.xlsx#3".into(),
                likely: 2012
            }
        );
    }

    #[test]
    fn a_note_beside_the_photo_gives_fields_or_the_caption() {
        let g = gazetteer();
        let note = SideText {
            path: "新疆大学/IMG_0001.txt".into(),
            text: "年份：2019\r\n地点: 阿克苏\r\n说明：新疆大学师生走进阿克苏地区中学开展科普讲座，学生踊跃提问。\r\n".into(),
        };
        let sides = Sides {
            row: None,
            txt: Some(&note),
        };
        let tags = resolve_with(&source(), Embedded::default(), sides, &Layer::ALL, &g).tags;
        let from = TagSource::TextFile {
            path: "新疆大学/IMG_0001.txt".into(),
        };
        assert_eq!(
            tags.year.as_ref().map(|y| (y.value, &y.source)),
            Some((2019, &from))
        );
        assert_eq!(
            tags.place.as_ref().unwrap().value.prefecture(),
            Some("阿克苏地区")
        );
        assert!(tags.caption.unwrap().value.starts_with("新疆大学师生"));
        let plain = SideText {
            path: "新疆大学/IMG_0001.txt".into(),
            text: "2019年新疆大学科普讲座现场。".into(),
        };
        let sides = Sides {
            row: None,
            txt: Some(&plain),
        };
        let tags = resolve_with(&source(), Embedded::default(), sides, &Layer::ALL, &g).tags;
        assert_eq!(tags.caption.as_ref().unwrap().source, from);
        assert_eq!(
            tags.year.unwrap().value,
            2019,
            "the year read out of the caption"
        );
    }

    #[test]
    fn finds_year_in_caption() {
        assert_eq!(year_in_text("2018年9月15日，新疆大学"), Some(2018));
        assert_eq!(year_in_text("第12018年"), None);
        assert_eq!(year_in_text("没有年份"), None);
    }
}

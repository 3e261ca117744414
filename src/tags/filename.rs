//! Tags written into file and folder names the way units name files:
//! `年份+地州市+活动名称[+序号].jpg`, with `+ _ - ·`, full-width `＋` or spaces between parts.
//!
//! In: a file or folder name. Out: the year, place, event and sequence number it names.
//! Invariant: names without any Chinese character (`IMG_2041.JPG`, `DSC_0032.JPG`,
//! `微信图片_20230816.jpg` aside) yield nothing: camera counters are not years.

use super::{Place, TagSource, Tagged, Tags};
use crate::profile::Gazetteer;

/// What a name says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameParts {
    /// The year.
    pub year: Option<i32>,
    /// The place as written.
    pub place: Option<String>,
    /// The event: the parts that are neither year, place nor sequence.
    pub event: Option<String>,
    /// A trailing sequence number.
    pub sequence: Option<u32>,
}

impl NameParts {
    /// Turns the parts into tags with one source.
    pub fn into_tags(self, source: TagSource, gazetteer: &Gazetteer) -> Tags {
        Tags {
            year: self.year.map(|value| Tagged {
                value,
                source: source.clone(),
            }),
            place: self.place.map(|p| Tagged {
                value: Place::new(&p, gazetteer),
                source: source.clone(),
            }),
            event: self.event.map(|value| Tagged {
                value,
                source: source.clone(),
            }),
            ..Tags::default()
        }
    }
}

/// Prefixes of names that cameras, phones and chat apps give: never tags.
const MACHINE_PREFIXES: [&str; 6] = ["微信图片", "mmexport", "IMG", "DSC", "截图", "Screenshot"];

/// Folds full-width ASCII forms (`２０１５`, `＋`) and the ideographic space to their plain forms.
pub fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

fn has_cjk(text: &str) -> bool {
    text.chars()
        .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c))
}

/// Strips a known image or document extension.
pub fn stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && ext.len() <= 5
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            stem
        }
        _ => name,
    }
}

/// Parses a file or folder name.
pub fn parse(name: &str, gazetteer: &Gazetteer) -> NameParts {
    let folded = fold_width(stem(name));
    if !has_cjk(&folded) || MACHINE_PREFIXES.iter().any(|p| folded.starts_with(p)) {
        return NameParts::default();
    }
    let tokens: Vec<&str> = folded
        .split(['+', '_', '-', '·', ' ', '、', '—'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    let mut parts = NameParts::default();
    let mut event = Vec::new();
    let last = tokens.len().saturating_sub(1);
    for (i, token) in tokens.iter().enumerate() {
        if parts.year.is_none()
            && event.is_empty()
            && parts.place.is_none()
            && let Some(year) = super::parse_year(token).filter(|_| token.len() <= 7)
        {
            parts.year = Some(year);
            continue;
        }
        if parts.place.is_none() && gazetteer.resolve(token).is_some() {
            parts.place = Some((*token).to_string());
            continue;
        }
        if i == last && i > 0 && token.len() <= 3 && token.chars().all(|c| c.is_ascii_digit()) {
            parts.sequence = token.parse().ok();
            continue;
        }
        event.push(*token);
    }
    if !event.is_empty() {
        parts.event = Some(event.join(" "));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    fn p(name: &str) -> NameParts {
        parse(name, &Profile::embedded().gazetteer)
    }

    #[test]
    fn reads_year_place_event_sequence() {
        let parts = p("2015+克拉玛依市+科普进校园+01.jpg");
        assert_eq!(parts.year, Some(2015));
        assert_eq!(parts.place.as_deref(), Some("克拉玛依市"));
        assert_eq!(parts.event.as_deref(), Some("科普进校园"));
        assert_eq!(parts.sequence, Some(1));
    }

    #[test]
    fn reads_every_separator() {
        for name in [
            "2020_喀什_科普日主场活动_01.jpg",
            "2020-喀什-科普日主场活动-01.jpg",
            "2020＋喀什＋科普日主场活动＋01.jpg",
            "2020 喀什 科普日主场活动 01.jpg",
            "2020·喀什·科普日主场活动·01.JPG",
        ] {
            let parts = p(name);
            assert_eq!(parts.year, Some(2020), "{name}");
            assert_eq!(parts.place.as_deref(), Some("喀什"), "{name}");
            assert_eq!(parts.event.as_deref(), Some("科普日主场活动"), "{name}");
            assert_eq!(parts.sequence, Some(1), "{name}");
        }
    }

    #[test]
    fn camera_names_are_not_tags() {
        for name in [
            "IMG_2041.JPG",
            "DSC_0032.JPG",
            "微信图片_20230816.jpg",
            "IMG_20190918_103512.jpg",
            "P1010001.JPG",
        ] {
            assert_eq!(p(name), NameParts::default(), "{name}");
        }
    }

    #[test]
    fn event_only_names_keep_the_event() {
        let parts = p("科普开放日.jpg");
        assert_eq!(parts.year, None);
        assert_eq!(parts.event.as_deref(), Some("科普开放日"));
    }
}

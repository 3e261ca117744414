//! The descriptive metadata a photo embeds: its XMP packet's and its IPTC record's fields, as
//! the file states them.
//!
//! In: nothing (plain data, filled by `inspect::xmp` and `inspect::iptc`, which parse them).
//! Out: serialisable values the `tags` stage reads captions, events, places and photographers
//! from. Invariant: data only, each field as written (no value inferred here).

use serde::{Deserialize, Serialize};

/// The descriptive fields of a photo's XMP, each as the packet states it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Xmp {
    /// dc:title (language alternative resolved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// dc:description (language alternative resolved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// dc:subject: the keywords, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject: Vec<String>,
    /// dc:creator: the authors, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub creator: Vec<String>,
    /// photoshop:Headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// photoshop:City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// photoshop:State (province or region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Iptc4xmpCore:Location (the sub-location: a venue, a district).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// photoshop:DateCreated, as written (`2019-09-15`, `2019-09-15T10:20:00+08:00`, `2019`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_created: Option<String>,
    /// xmp:CreateDate, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
}

/// The descriptive datasets of a photo's IPTC record, decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iptc {
    /// 2:05 ObjectName (often the event or a short title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    /// 2:105 Headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// 2:120 Caption-Abstract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// 2:25 Keywords, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// 2:80 By-line (the photographers), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_line: Vec<String>,
    /// 2:90 City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// 2:92 Sub-location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_location: Option<String>,
    /// 2:95 Province-State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_state: Option<String>,
    /// 2:55 DateCreated, as `YYYY-MM-DD` (`YYYY` or `YYYY-MM` when the rest is `00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_created: Option<String>,
    /// The character set the text was decoded with (`UTF-8`, `GBK`, `windows-1252`...), when the
    /// record holds any non-ASCII text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    /// Whether `charset` was declared by 1:90 (as opposed to detected).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub charset_declared: bool,
}

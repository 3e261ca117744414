//! Manifest: one packaged photo as the package's manifests, its 汇总表 and its 图录 list it.
//!
//! In: nothing; a noun. Out: [`ManifestEntry`], written by `package` (`manifest.csv`,
//! `manifest.json`) and read by `book` (the 汇总表 and the 图录) and by the package's readers.
//! It lives apart from both so that neither depends on the other for it.

use serde::{Deserialize, Serialize};

/// One packaged photo, as the manifests list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path inside the package, e.g. `2015/2015+克拉玛依市+科普进校园+01.jpg`.
    pub file: String,
    /// 年份.
    pub year: i32,
    /// 地州市 (full name).
    pub place: String,
    /// The county or district, when the source named one.
    pub county: String,
    /// 活动名称.
    pub event: String,
    /// 图片说明.
    pub caption: String,
    /// 摄影者.
    pub photographer: String,
    /// 报送单位.
    pub unit: String,
    /// The original path in the drop.
    pub original: String,
    /// Width and height in pixels, as stored.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bytes of the packaged file.
    pub bytes: u64,
    /// Converted from another format (empty when the original JPEG is copied unchanged).
    pub converted_from: String,
    /// SHA-256 of the packaged file.
    pub sha256: String,
    /// SHA-512 of the packaged file (computed in the same pass; empty in manifests written
    /// before bags).
    #[serde(default)]
    pub sha512: String,
    /// blake3 of the original (the catalog's content id).
    pub content: String,
    /// Where each value came from, e.g. `year=file name; caption=汇总表.csv#3`.
    pub sources: String,
}

//! The collection profile: what a collection asks for (years, sizes, fields, places) as data.
//!
//! In: TOML text (the embedded `profiles/cast-2023.toml`, or a file from `--profile`). Out: a
//! validated `Profile`, and place resolution through its gazetteer. Invariant: every threshold a
//! check uses lives here, never in the checks' code, so another collection brings its own file.

use serde::{Deserialize, Serialize};

pub use crate::photo::tags::PlaceMatch;
use std::path::Path;

/// The embedded default profile's TOML text.
pub const DEFAULT_TOML: &str = include_str!("../profiles/cast-2023.toml");

/// Why a profile could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("reading profile {path}")]
    Read {
        /// The profile's path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML does not parse or lacks a field.
    #[error("profile {origin} is not valid: {message}")]
    Invalid {
        /// The profile's path or name.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// A collection profile.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short name, e.g. `cast-2023`.
    pub name: String,
    /// Human title.
    pub title: String,
    /// Year rules.
    pub years: Years,
    /// File rules.
    pub files: Files,
    /// Field rules.
    pub fields: Fields,
    /// Sizes of derived images.
    pub derived: Derived,
    /// Contact sheet layout.
    pub sheets: Sheets,
    /// Where tags are read from, in which order.
    #[serde(default)]
    pub tags: TagRules,
    /// How copies of one photo, bursts and look-alikes are told apart.
    #[serde(default)]
    pub dedupe: NearParams,
    /// Places.
    pub gazetteer: Gazetteer,
    /// Who sends the package, for its `bag-info.txt`.
    #[serde(default)]
    pub package: PackageInfo,
}

/// The `[package]` section: who sends the package and what it holds, as the receiver reads it in
/// `bag-info.txt`. An empty value is left out of the bag; `lightbox package`'s flags override
/// each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PackageInfo {
    /// `Source-Organization`: the organization that sends the package.
    pub source_organization: String,
    /// `Organization-Address`.
    pub organization_address: String,
    /// `Contact-Name`: the person the receiver asks about the package.
    pub contact_name: String,
    /// `Contact-Phone`.
    pub contact_phone: String,
    /// `Contact-Email`.
    pub contact_email: String,
    /// `External-Description`: what the collection is.
    pub external_description: String,
    /// The collection's title on the package's 汇总表.xlsx and on the cover of its 图录.pdf
    /// (empty: the profile's `title`).
    pub title: String,
}

impl Profile {
    /// The collection's title for the package's 汇总表 and 图录: `[package] title`, else `title`.
    pub fn book_title(&self) -> &str {
        match self.package.title.trim() {
            "" => &self.title,
            title => title,
        }
    }
}

/// The bands that tell copies of one photo from bursts, look-alikes and unrelated photos. A
/// pair becomes a candidate through its hashes (or one camera's capture times), is aligned on
/// the 16 × 16 grey thumbnails, and is *verified* on the derived thumbnails at `verify_size`:
/// only verified pairs are duplicates (one copy left out), so these bands are built around one
/// asymmetry: a wrong duplicate loses a distinct photo, a missed one costs a curator a glance.
/// `cargo bench --bench near_truth` prints the distributions behind the defaults, on a half of
/// its corpus it tunes on and a half it only reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NearParams {
    /// Pairs whose DCT hashes (best turn) differ in at most this many bits are candidates...
    pub candidate_radius: u32,
    /// ...when their block hashes (same turn) differ in at most this many bits too.
    pub candidate_block_radius: u32,
    /// Pairs whose block hashes differ in at most this many bits are candidates too...
    pub close_block_radius: u32,
    /// ...when their DCT hashes (same turn) differ in at most this many bits (a reframed shot or a
    /// larger crop: the block hash moves less than the DCT hash).
    pub wide_radius: u32,
    /// A candidate whose aligned 16 × 16 thumbnails mismatch (1 − correlation) by at most this
    /// much is verified on the thumbnails; a larger mismatch is no relation.
    pub nominate_mismatch: f64,
    /// The long edge, in pixels, at which a candidate is verified (at most the derived
    /// thumbnail's).
    pub verify_size: u32,
    /// A duplicate's aligned fine detail correlates at least this well (upright copies).
    pub duplicate_similarity: f64,
    /// The same for a copy that is turned or mirrored against the other: a stronger proof,
    /// since symmetric scenes look like their mirror image.
    pub turned_similarity: f64,
    /// The fine detail (standard deviation, grey levels of 255) both pictures need for a
    /// verification to count: flatter pictures (a white wall, a clear sky) are never duplicates.
    pub min_texture: f64,
    /// How far (share of the picture) a duplicate's view may stick out of the other's: more,
    /// and each shows something the other lacks (a reframed shot, not a crop).
    pub crop_tolerance: f64,
    /// The share of the larger view that a crop must show to count as a copy of it; a smaller
    /// detail cut out of a photo is a photo of its own.
    pub min_crop_area: f64,
    /// Pictures whose aligned detail correlates at least this well look alike: a burst when they
    /// are one moment, otherwise shown side by side as similar (nothing is left out).
    pub similar_similarity: f64,
    /// Shots of one camera within this many seconds are candidates whatever their hashes; shots
    /// further apart are never one moment (never one burst).
    pub burst_seconds: i64,
    /// At most this many neighbours in time are examined per shot (a camera with an unset clock
    /// stamps thousands of photos alike).
    pub burst_neighbours: usize,
}

impl Default for NearParams {
    fn default() -> Self {
        NearParams {
            candidate_radius: 20,
            candidate_block_radius: 16,
            close_block_radius: 10,
            wide_radius: 28,
            nominate_mismatch: 0.15,
            verify_size: 256,
            duplicate_similarity: 0.80,
            turned_similarity: 0.90,
            min_texture: 0.5,
            crop_tolerance: 0.03,
            min_crop_area: 0.6,
            similar_similarity: 0.5,
            burst_seconds: 600,
            burst_neighbours: 8,
        }
    }
}

/// Where tag values come from, highest precedence first: the first layer that has a value for
/// a field gives it; a different value from a later layer is reported as a conflict.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRules {
    /// The layers in precedence order; a layer left out is not read.
    pub precedence: Vec<crate::photo::tags::Layer>,
}

impl Default for TagRules {
    fn default() -> Self {
        TagRules {
            precedence: crate::photo::tags::Layer::ALL.to_vec(),
        }
    }
}

/// Which years a photo may have.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Years {
    /// First valid year.
    pub first: i32,
    /// Last valid year.
    pub last: i32,
    /// Years accepted with a warning.
    #[serde(default)]
    pub warn: Vec<i32>,
}

/// File size and resolution rules.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Files {
    /// Long edge below this is an error.
    pub min_long_edge: u32,
    /// Long edge below this is a warning.
    pub warn_long_edge: u32,
    /// Fewer megapixels than this is a warning.
    pub warn_megapixels: f64,
    /// Fewer bytes is an error.
    pub min_bytes: u64,
    /// Fewer bytes is a warning (probably not the original).
    pub warn_min_bytes: u64,
    /// More bytes is a warning.
    pub warn_max_bytes: u64,
    /// More bytes is an error.
    pub max_bytes: u64,
    /// Images declaring more pixels are refused before decoding.
    pub max_pixels: u64,
    /// Megabytes of decode buffers all workers may hold at once: a decode waits until the
    /// others leave room for it (its size is read from the image's header; see
    /// `inspect::decode_cost`), and one larger than this runs alone.
    #[serde(default = "default_decode_memory_mb")]
    pub decode_memory_mb: u64,
}

fn default_decode_memory_mb() -> u64 {
    2048
}

/// Field rules.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    /// Minimum caption length in characters.
    pub caption_min_chars: usize,
    /// Maximum caption length in characters.
    pub caption_max_chars: usize,
    /// Maximum event name length in characters.
    pub event_max_chars: usize,
    /// Fields a photo must have.
    pub required: Vec<crate::photo::Field>,
}

/// Sizes of the derived images, long edge in pixels.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    /// Thumbnail long edge.
    pub thumbnail: u32,
    /// Preview long edge.
    pub preview: u32,
}

/// Contact sheet page layout.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sheets {
    /// Page width in pixels.
    pub page_width: u32,
    /// Page height in pixels.
    pub page_height: u32,
    /// Cells across.
    pub columns: u32,
    /// Cells down.
    pub rows: u32,
    /// Resolution the page size is given in (A4 at 300 dpi is 2480 × 3508): sets the PDF's
    /// page size in points.
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    /// Resolution of the page images, which are for screens and messages: the PDF is the copy
    /// to print (its photos are the previews themselves, its text is text). At 150 dpi an A4
    /// page is 1240 × 1754 and its cells are drawn from the thumbnails; at 300 dpi they need
    /// the previews, and a page costs four times the pixels.
    #[serde(default = "default_image_dpi")]
    pub image_dpi: u32,
    /// Page image format.
    #[serde(default)]
    pub format: PageFormat,
    /// Also write each sheet as PDF.
    #[serde(default = "default_true")]
    pub pdf: bool,
    /// Pages in one PDF file at most. A longer sheet is written as several PDFs, each named
    /// with its pages: a PDF is built whole in memory (about three times its size, some 280 KB
    /// a photo), so a unit of thousands of photos would otherwise need gigabytes.
    #[serde(default = "default_pdf_pages")]
    pub pdf_pages: u32,
    /// What one sheet holds: a unit's photos, a year's, or an event's.
    #[serde(default)]
    pub group_by: SheetGroup,
}

fn default_dpi() -> u32 {
    300
}

fn default_image_dpi() -> u32 {
    150
}

impl Sheets {
    /// Page image pixels per layout pixel (`image_dpi / dpi`).
    pub fn image_scale(&self) -> f32 {
        self.image_dpi as f32 / self.dpi.max(1) as f32
    }

    /// The size of a page image in pixels, at least 1 × 1.
    pub fn image_size(&self) -> (u32, u32) {
        let scale = f64::from(self.image_dpi) / f64::from(self.dpi.max(1));
        let side = |pixels: u32| ((f64::from(pixels) * scale).round() as u32).max(1);
        (side(self.page_width), side(self.page_height))
    }
}

fn default_true() -> bool {
    true
}

fn default_pdf_pages() -> u32 {
    10
}

/// The image format of contact sheet pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageFormat {
    /// JPEG, quality 90: small, for screens and most printers.
    #[default]
    Jpeg,
    /// PNG: lossless, larger.
    Png,
}

/// What one contact sheet holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetGroup {
    /// One sheet per unit (what it sent, for the unit and for staff).
    #[default]
    Unit,
    /// One sheet per year (for curators choosing across units).
    Year,
    /// One sheet per event (活动名称).
    Event,
}

/// The places of the region.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gazetteer {
    /// The region's name.
    pub region: String,
    /// Its prefecture-level divisions.
    pub prefectures: Vec<Prefecture>,
    /// Places reported on a separate line (a warning).
    #[serde(default)]
    pub separate_line: Vec<String>,
    /// Places outside the region that are still legitimate (a warning).
    #[serde(default)]
    pub outside: Vec<String>,
}

/// A prefecture-level division.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prefecture {
    /// Administrative code, e.g. `6502`.
    pub code: String,
    /// Full name, e.g. `克拉玛依市`.
    pub name: String,
    /// Short and old names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Counties and districts inside it.
    #[serde(default)]
    pub counties: Vec<String>,
}

impl Profile {
    /// The embedded default profile.
    pub fn embedded() -> Profile {
        Profile::parse(DEFAULT_TOML, "cast-2023 (embedded)").expect("the embedded profile is valid")
    }

    /// Reads a profile file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid profile.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Profile::parse(&text, &path.display().to_string())
    }

    /// Parses and validates profile text.
    ///
    /// # Errors
    /// When the TOML is malformed, a field is missing, or values contradict each other.
    pub fn parse(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let invalid = |message: String| ProfileError::Invalid {
            origin: origin.to_string(),
            message,
        };
        let profile: Profile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if profile.years.first > profile.years.last {
            return Err(invalid("years.first is after years.last".into()));
        }
        let f = &profile.files;
        if f.min_long_edge > f.warn_long_edge
            || f.min_bytes > f.warn_min_bytes
            || f.warn_max_bytes > f.max_bytes
        {
            return Err(invalid(
                "files: an error threshold is looser than its warning threshold".into(),
            ));
        }
        if f.decode_memory_mb == 0 {
            return Err(invalid("files: decode_memory_mb must be > 0".into()));
        }
        if profile.derived.thumbnail == 0 || profile.derived.preview < profile.derived.thumbnail {
            return Err(invalid(
                "derived: preview must be at least as large as thumbnail, both > 0".into(),
            ));
        }
        if profile.sheets.columns == 0 || profile.sheets.rows == 0 {
            return Err(invalid("sheets: columns and rows must be > 0".into()));
        }
        if profile.sheets.pdf_pages == 0 {
            return Err(invalid("sheets: pdf_pages must be > 0".into()));
        }
        if profile.sheets.dpi == 0 || profile.sheets.image_dpi == 0 {
            return Err(invalid("sheets: dpi and image_dpi must be > 0".into()));
        }
        let d = &profile.dedupe;
        let share = |v: f64| (0.0..=1.0).contains(&v);
        if !(share(d.nominate_mismatch)
            && share(d.duplicate_similarity)
            && share(d.turned_similarity)
            && share(d.similar_similarity)
            && share(d.crop_tolerance)
            && share(d.min_crop_area))
        {
            return Err(invalid(
                "dedupe: mismatches, similarities, crop_tolerance and min_crop_area are shares \
                 from 0 to 1"
                    .into(),
            ));
        }
        if d.similar_similarity > d.duplicate_similarity
            || d.duplicate_similarity > d.turned_similarity
        {
            return Err(invalid(
                "dedupe: similar_similarity <= duplicate_similarity <= turned_similarity".into(),
            ));
        }
        if d.verify_size < 64 || d.min_texture < 0.0 || d.burst_seconds < 0 {
            return Err(invalid(
                "dedupe: verify_size must be at least 64, min_texture and burst_seconds >= 0"
                    .into(),
            ));
        }
        if profile.gazetteer.prefectures.is_empty() {
            return Err(invalid("gazetteer: no prefectures".into()));
        }
        Ok(profile)
    }
}

impl Gazetteer {
    /// Resolves a place value: a prefecture's full name, alias or county, a separate-line or an
    /// outside place. Surrounding whitespace and a trailing `科协` are ignored.
    pub fn resolve(&self, value: &str) -> Option<PlaceMatch> {
        let value = value.trim();
        let value = value.strip_suffix("科协").unwrap_or(value).trim();
        if value.is_empty() {
            return None;
        }
        for p in &self.prefectures {
            if p.name == value || p.aliases.iter().any(|a| a == value) {
                return Some(PlaceMatch::Prefecture {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    county: None,
                });
            }
        }
        for p in &self.prefectures {
            if let Some(county) = p.counties.iter().find(|c| *c == value) {
                return Some(PlaceMatch::Prefecture {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    county: Some(county.clone()),
                });
            }
        }
        if self.separate_line.iter().any(|s| s == value) {
            return Some(PlaceMatch::SeparateLine);
        }
        if self.outside.iter().any(|s| s == value) {
            return Some(PlaceMatch::Outside);
        }
        None
    }

    /// Finds the first place named inside free text (a caption, a unit name): the longest
    /// name that occurs, earliest first. Used for inferred places.
    pub fn find_in(&self, text: &str) -> Option<(String, PlaceMatch)> {
        let mut best: Option<(usize, usize, &str)> = None;
        let names = self
            .prefectures
            .iter()
            .flat_map(|p| {
                std::iter::once(&p.name)
                    .chain(&p.aliases)
                    .chain(&p.counties)
            })
            .chain(&self.separate_line);
        for name in names {
            if let Some(at) = text.find(name.as_str()) {
                let better = match best {
                    None => true,
                    Some((b_at, b_len, _)) => at < b_at || (at == b_at && name.len() > b_len),
                };
                if better {
                    best = Some((at, name.len(), name));
                }
            }
        }
        best.and_then(|(_, _, name)| self.resolve(name).map(|m| (name.to_string(), m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_profile_states_every_dedupe_band_as_the_defaults() {
        let text = DEFAULT_TOML;
        let section = &text[text.find("[dedupe]").unwrap()..text.find("[gazetteer]").unwrap()];
        let mut table: toml::Table = toml::from_str(section).unwrap();
        let dedupe: NearParams = table.remove("dedupe").unwrap().try_into().unwrap();
        assert_eq!(dedupe, NearParams::default());
        // Every field is written out, so staff see each band they can change.
        let written = toml::to_string(&NearParams::default()).unwrap();
        for line in written.lines() {
            let key = line.split(" =").next().unwrap();
            assert!(section.contains(&format!("\n{key} = ")), "{key} missing");
        }
    }

    #[test]
    fn dedupe_bands_out_of_order_or_range_are_refused() {
        for (band, value) in [
            ("duplicate_similarity", "1.5"),
            ("similar_similarity", "0.95"),
            ("turned_similarity", "0.7"),
            ("verify_size", "16"),
            ("min_crop_area", "-0.1"),
        ] {
            let text = DEFAULT_TOML.replace(
                &format!("\n{band} = "),
                &format!("\n{band} = {value}\n# was "),
            );
            assert!(text != DEFAULT_TOML, "{band}");
            let err = Profile::parse(&text, "test").unwrap_err().to_string();
            assert!(err.contains("dedupe"), "{band}: {err}");
        }
    }

    #[test]
    fn embedded_profile_parses() {
        let p = Profile::embedded();
        assert_eq!(p.name, "cast-2023");
        assert_eq!(p.gazetteer.prefectures.len(), 14);
        assert_eq!((p.years.first, p.years.last), (2004, 2023));
        assert_eq!(p.sheets.pdf_pages, 10);
    }

    #[test]
    fn a_sheet_grid_pdf_or_resolution_of_nothing_is_refused_and_defaults_hold() {
        for (from, to) in [
            ("columns = 4", "columns = 0"),
            ("rows = 5", "rows = 0"),
            ("pdf_pages = 10", "pdf_pages = 0"),
            ("dpi = 300", "dpi = 0"),
            ("image_dpi = 150", "image_dpi = 0"),
        ] {
            let text = DEFAULT_TOML.replace(from, to);
            assert_ne!(text, DEFAULT_TOML);
            let err = Profile::parse(&text, "test").expect_err(to);
            assert!(err.to_string().contains("sheets:"), "{to}: {err}");
        }
        let without = DEFAULT_TOML
            .replace("pdf_pages = 10", "")
            .replace("image_dpi = 150", "");
        let sheets = Profile::parse(&without, "test").unwrap().sheets;
        assert_eq!((sheets.pdf_pages, sheets.image_dpi), (10, 150));
        // A4 at 300 dpi, its page images at 150.
        assert_eq!(sheets.image_size(), (1240, 1754));
        assert_eq!(sheets.image_scale(), 0.5);
    }

    #[test]
    fn resolves_full_names_aliases_and_counties() {
        let g = Profile::embedded().gazetteer;
        let name = |v: &str| match g.resolve(v) {
            Some(PlaceMatch::Prefecture { name, .. }) => Some(name),
            _ => None,
        };
        assert_eq!(name("克拉玛依市").as_deref(), Some("克拉玛依市"));
        assert_eq!(name("克市").as_deref(), Some("克拉玛依市"));
        assert_eq!(name("独山子区").as_deref(), Some("克拉玛依市"));
        assert_eq!(name("吐鲁番地区").as_deref(), Some("吐鲁番市"));
        assert_eq!(name("莎车县").as_deref(), Some("喀什地区"));
        assert_eq!(name("喀什地区科协").as_deref(), Some("喀什地区"));
        assert_eq!(g.resolve("石河子市"), Some(PlaceMatch::SeparateLine));
        assert_eq!(g.resolve("北京市"), Some(PlaceMatch::Outside));
        assert_eq!(g.resolve("火星"), None);
    }

    #[test]
    fn finds_place_inside_caption() {
        let g = Profile::embedded().gazetteer;
        let (name, m) = g
            .find_in("2018年9月，于田县科协在乡村小学开展科普活动")
            .unwrap();
        assert_eq!(name, "于田县");
        assert!(matches!(m, PlaceMatch::Prefecture { name, .. } if name == "和田地区"));
    }

    #[test]
    fn rejects_contradicting_thresholds() {
        let text = DEFAULT_TOML.replace("min_long_edge = 1024", "min_long_edge = 5000");
        assert!(matches!(
            Profile::parse(&text, "t"),
            Err(ProfileError::Invalid { .. })
        ));
    }
}

//! lightbox's metadata readers against a reference no one here wrote: what exiftool reports for
//! every file of the shared corpus (`../shared/corpus`, see its `SOURCES.md`).
//!
//! In: the corpus files, and `fixtures/exiftool/corpus.json`, captured once with exiftool (the
//! command is in `fixtures/exiftool/README.md`). Out: one assertion: every field lightbox reads
//! (EXIF dates, offset, orientation, header dimensions, make and model, GPS, the EXIF, XP, XMP
//! and IPTC text fields) agrees with exiftool's, or the disagreement is listed in `EXCEPTIONS`
//! with the reason. An exception that no longer happens fails the test too, so the table stays
//! true. Without the corpus beside the repository the test says so and checks nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lightbox::inspect::decode::{self, DecodeError, Sniffed};
use lightbox::inspect::{iptc, metadata, xmp};
use serde_json::Value;

/// Disagreements of a build without the `heif` feature: HEIC is not decoded, so no size.
const WITHOUT_HEIF: &[(&str, &str, &str)] = &[
    (
        "exif-samples/heic/IMG_5195.HEIC",
        "dims",
        "HEIC is not decoded",
    ),
    (
        "exif-samples/heic/mobile/iphone_13_pro_max.HEIC",
        "dims",
        "HEIC is not decoded",
    ),
    (
        "exif-samples/heic/samplefilehub.heif",
        "dims",
        "HEIF is not decoded",
    ),
    ("pyexiv2/1.heic", "dims", "HEIC is not decoded"),
    (
        "exiftool-t-images/QuickTime.heic",
        "dims",
        "HEIC is not decoded",
    ),
];

/// Disagreements that are understood: (file relative to the corpus, field, why).
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    // A JPEG XL file of a few bytes: its header is cut short, so the decoder gives no size.
    (
        "exiftool-t-images/JXL.jxl",
        "dims",
        "JPEG XL header cut short",
    ),
    // The frame header says height 0 (the height would follow in a DNL marker, which almost no
    // decoder supports); exiftool prints the 0, lightbox's decoder refuses the frame.
    (
        "metadata-extractor-images/jpg/beach.jpg",
        "dims",
        "height 0 in SOF (DNL) refused",
    ),
    // XMP in a zTXt chunk keyed `Raw profile type xmp` (ImageMagick's form, zlib-compressed):
    // lightbox has no inflater of its own and the PNG decoder it uses only inflates `iTXt` XMP.
    (
        "metadata-extractor-images/png/Issue 204 (dotnet).png",
        "xmp.description",
        "zTXt raw profile XMP not read",
    ),
    (
        "metadata-extractor-images/png/Issue 204 (dotnet).png",
        "xmp.creator",
        "zTXt raw profile XMP not read",
    ),
    (
        "metadata-extractor-images/png/Issue 204 (dotnet).png",
        "xmp.create_date",
        "zTXt raw profile XMP not read",
    ),
    // photoshop:DateCreated holds a Bag of two dates where the schema allows one: lightbox keeps
    // both as written, joined with ", "; exiftool reformats the first as
    // `2009:09:09T17:00:00` and the second as `2009:09:09`, which no rule here reproduces.
    (
        "metadata-extractor-images/jpg/Issue 600 (2).jpg",
        "xmp.date_created",
        "two dates in a single-date property",
    ),
];

/// Every field compared, in report order.
const FIELDS: [&str; 35] = [
    "date_taken",
    "offset",
    "orientation",
    "dims",
    "make",
    "model",
    "gps",
    "description",
    "artist",
    "user_comment",
    "xp_title",
    "xp_comment",
    "xp_author",
    "xp_subject",
    "xp_keywords",
    "xmp.title",
    "xmp.description",
    "xmp.subject",
    "xmp.creator",
    "xmp.city",
    "xmp.state",
    "xmp.headline",
    "xmp.location",
    "xmp.date_created",
    "xmp.create_date",
    "iptc.object_name",
    "iptc.headline",
    "iptc.caption",
    "iptc.keywords",
    "iptc.by_line",
    "iptc.city",
    "iptc.sub_location",
    "iptc.province_state",
    "iptc.date_created",
    "iptc.charset_declared",
];

/// A field's values (empty: absent), compared as text.
type Fields = BTreeMap<&'static str, Vec<String>>;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

fn one(value: Option<impl ToString>) -> Vec<String> {
    value.map(|v| v.to_string()).into_iter().collect()
}

/// What lightbox reads from one file.
fn ours(bytes: &[u8]) -> Fields {
    let exif = metadata::exif(bytes).unwrap_or_default();
    let xmp = xmp::read(bytes).unwrap_or_default();
    let iptc = iptc::read(bytes).unwrap_or_default();
    // Header dimensions: with a pixel limit of 0 every image is refused from its header, so
    // this reads the declared size and decodes nothing.
    let dims = match decode::sniff(bytes) {
        Sniffed::Image(format) => match decode::decode(bytes, format, None, 1, 0) {
            Err(DecodeError::TooManyPixels { width, height }) => Some(format!("{width}x{height}")),
            Ok(decoded) => Some(format!("{}x{}", decoded.width, decoded.height)),
            Err(DecodeError::Failed(_) | DecodeError::Unsupported { .. }) => None,
        },
        Sniffed::Other(_) => None,
    };
    // XMP dates as exiftool prints them: `2008-03-15T09:52:01-04:00` → `2008:03:15 09:52:01-04:00`.
    let xmp_date = |d: &Option<String>| one(d.as_deref().map(exiftool_date_style));
    Fields::from([
        ("date_taken", one(exif.date_taken)),
        ("offset", one(exif.offset)),
        ("orientation", one(exif.orientation)),
        ("dims", one(dims)),
        ("make", one(exif.make)),
        ("model", one(exif.model)),
        (
            "gps",
            one(exif.gps.map(|(lat, lon)| format!("{lat:.6} {lon:.6}"))),
        ),
        ("description", one(exif.description)),
        ("artist", one(exif.artist)),
        ("user_comment", one(exif.user_comment)),
        ("xp_title", one(exif.xp_title)),
        ("xp_comment", one(exif.xp_comment)),
        ("xp_author", one(exif.xp_author)),
        ("xp_subject", one(exif.xp_subject)),
        ("xp_keywords", one(exif.xp_keywords)),
        ("xmp.title", one(xmp.title)),
        ("xmp.description", one(xmp.description)),
        ("xmp.subject", xmp.subject),
        ("xmp.creator", xmp.creator),
        ("xmp.city", one(xmp.city)),
        ("xmp.state", one(xmp.state)),
        ("xmp.headline", one(xmp.headline)),
        ("xmp.location", one(xmp.location)),
        ("xmp.date_created", xmp_date(&xmp.date_created)),
        ("xmp.create_date", xmp_date(&xmp.create_date)),
        ("iptc.object_name", one(iptc.object_name)),
        ("iptc.headline", one(iptc.headline)),
        ("iptc.caption", one(iptc.caption)),
        ("iptc.keywords", iptc.keywords),
        ("iptc.by_line", iptc.by_line),
        ("iptc.city", one(iptc.city)),
        ("iptc.sub_location", one(iptc.sub_location)),
        ("iptc.province_state", one(iptc.province_state)),
        ("iptc.date_created", one(iptc.date_created)),
        (
            "iptc.charset_declared",
            one(iptc.charset.filter(|_| iptc.charset_declared)),
        ),
    ])
}

/// Two `lat lon` texts within 1.5e-6 degrees of each other: lightbox rounds to 1e-6 (about
/// 10 cm), so a value on a rounding boundary may print one unit apart.
fn same_position(a: &[String], b: &[String]) -> bool {
    let parse = |v: &[String]| -> Option<Vec<f64>> {
        v.first()?
            .split(' ')
            .map(|n| n.parse().ok())
            .collect::<Option<Vec<f64>>>()
    };
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => {
            a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1.5e-6)
        }
        _ => false,
    }
}

/// `YYYY-MM-DD[Thh:mm...]` → `YYYY:MM:DD[ hh:mm...]`; anything else unchanged.
fn exiftool_date_style(date: &str) -> String {
    let b = date.as_bytes();
    let iso = b.len() >= 10 && b[4] == b'-' && b[7] == b'-';
    if !iso {
        return date.to_string();
    }
    let mut out = date.to_string();
    out.replace_range(4..5, ":");
    out.replace_range(7..8, ":");
    if out.as_bytes().get(10) == Some(&b'T') {
        out.replace_range(10..11, " ");
    }
    out
}

/// A JSON value as trimmed text (exiftool writes numeric-looking strings as numbers); blank is
/// absent.
fn text(value: Option<&Value>) -> Vec<String> {
    let text = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Array(items)) => {
            return items.iter().flat_map(|v| text(Some(v))).collect();
        }
        Some(other) => other.to_string(),
    };
    if text.is_empty() {
        Vec::new()
    } else {
        vec![text]
    }
}

/// exiftool's `YYYY:MM:DD hh:mm:ss` as lightbox writes EXIF dates (`YYYY-MM-DD hh:mm:ss`);
/// placeholders (`0000:00:00`, blanks) and years outside 1900–2100 are absent.
fn exif_date(value: Option<&Value>) -> Vec<String> {
    text(value)
        .into_iter()
        .filter(|d| {
            d.get(..4)
                .and_then(|y| y.parse::<i32>().ok())
                .is_some_and(|y| (1900..=2100).contains(&y))
        })
        .map(|d| {
            let mut d: String = d.chars().take(19).collect();
            if d.len() >= 10 && d.is_char_boundary(10) {
                d.replace_range(4..5, "-");
                d.replace_range(7..8, "-");
            }
            d
        })
        .collect()
}

/// What exiftool reports for one file, in lightbox's terms. The only conversions are of form,
/// never of content: date separators, `-n` numbers, blanks as absent.
fn theirs(tags: &serde_json::Map<String, Value>) -> Fields {
    let get = |key: &str| text(tags.get(key));
    // lightbox falls back from DateTimeOriginal to IFD0 DateTime (exiftool: ModifyDate), and
    // takes the offset that belongs to the date it used.
    let original = exif_date(tags.get("ExifIFD:DateTimeOriginal"));
    let (date, offset) = if original.is_empty() {
        (
            exif_date(tags.get("IFD0:ModifyDate")),
            get("ExifIFD:OffsetTime"),
        )
    } else {
        (original, get("ExifIFD:OffsetTimeOriginal"))
    };
    let offset = if date.is_empty() { Vec::new() } else { offset };
    let orientation = get("IFD0:Orientation")
        .into_iter()
        .filter(|o| matches!(o.parse::<u16>(), Ok(1..=8)))
        .collect();
    // The frame's size: JPEG SOF (File), PNG IHDR, WebP, GIF, BMP (File), TIFF IFD0.
    let size = |what: &str| {
        ["File", "PNG", "RIFF", "GIF", "IFD0"]
            .iter()
            .find_map(|group| tags.get(&format!("{group}:{what}")))
            .and_then(Value::as_u64)
    };
    let dims = match (size("ImageWidth"), size("ImageHeight")) {
        (Some(w), Some(h)) => vec![format!("{w}x{h}")],
        _ => Vec::new(),
    };
    let coordinate = |key: &str| tags.get(key).and_then(Value::as_f64);
    let gps = match (
        coordinate("Composite:GPSLatitude"),
        coordinate("Composite:GPSLongitude"),
    ) {
        (Some(lat), Some(lon)) if (lat, lon) != (0.0, 0.0) => vec![format!("{lat:.6} {lon:.6}")],
        _ => Vec::new(),
    };
    // IPTC dates: `2010:00:00` means "2010, month and day unknown"; lightbox writes `2010`.
    let iptc_date = get("IPTC:DateCreated")
        .into_iter()
        .map(|d| {
            let d = d.replace(':', "-");
            let d = d.strip_suffix("-00").unwrap_or(&d).to_string();
            d.strip_suffix("-00").unwrap_or(&d).to_string()
        })
        .collect();
    // 1:90 as exiftool names it; lightbox names the encoding it declares, and only for a record
    // holding a non-blank dataset it reads (a record of 1:90 and blanks is no record to lightbox).
    let has_record = tags.iter().any(|(k, v)| {
        k.starts_with("IPTC:") && k != "IPTC:CodedCharacterSet" && !text(Some(v)).is_empty()
    });
    let charset = get("IPTC:CodedCharacterSet")
        .into_iter()
        .filter(|_| has_record)
        .filter_map(|c| match c.as_str() {
            "\u{1b}%G" => Some("UTF-8".to_string()),
            "\u{1b}-A" | "\u{1b}.A" => Some("windows-1252".to_string()),
            "\u{1b}$A" | "\u{1b}$)A" => Some("GBK".to_string()),
            _ => None,
        })
        .collect();
    Fields::from([
        ("date_taken", date),
        ("offset", offset),
        ("orientation", orientation),
        ("dims", dims),
        ("make", get("IFD0:Make")),
        ("model", get("IFD0:Model")),
        ("gps", gps),
        ("description", get("IFD0:ImageDescription")),
        ("artist", get("IFD0:Artist")),
        ("user_comment", get("ExifIFD:UserComment")),
        ("xp_title", get("IFD0:XPTitle")),
        ("xp_comment", get("IFD0:XPComment")),
        ("xp_author", get("IFD0:XPAuthor")),
        ("xp_subject", get("IFD0:XPSubject")),
        ("xp_keywords", get("IFD0:XPKeywords")),
        ("xmp.title", get("XMP-dc:Title")),
        ("xmp.description", get("XMP-dc:Description")),
        ("xmp.subject", get("XMP-dc:Subject")),
        ("xmp.creator", get("XMP-dc:Creator")),
        ("xmp.city", get("XMP-photoshop:City")),
        ("xmp.state", get("XMP-photoshop:State")),
        ("xmp.headline", get("XMP-photoshop:Headline")),
        ("xmp.location", get("XMP-iptcCore:Location")),
        ("xmp.date_created", get("XMP-photoshop:DateCreated")),
        ("xmp.create_date", get("XMP-xmp:CreateDate")),
        ("iptc.object_name", get("IPTC:ObjectName")),
        ("iptc.headline", get("IPTC:Headline")),
        ("iptc.caption", get("IPTC:Caption-Abstract")),
        ("iptc.keywords", get("IPTC:Keywords")),
        ("iptc.by_line", get("IPTC:By-line")),
        ("iptc.city", get("IPTC:City")),
        ("iptc.sub_location", get("IPTC:Sub-location")),
        ("iptc.province_state", get("IPTC:Province-State")),
        ("iptc.date_created", iptc_date),
        ("iptc.charset_declared", charset),
    ])
}

/// The reference, by path relative to the corpus.
fn reference() -> BTreeMap<String, serde_json::Map<String, Value>> {
    let json = include_str!("../../fixtures/exiftool/corpus.json");
    let entries: Vec<serde_json::Map<String, Value>> =
        serde_json::from_str(json).expect("corpus.json parses");
    entries
        .into_iter()
        .map(|mut tags| {
            let file = tags
                .remove("SourceFile")
                .and_then(|v| v.as_str().map(str::to_string))
                .expect("every entry names its file");
            let file = file.strip_prefix("./").unwrap_or(&file).to_string();
            (file, tags)
        })
        .collect()
}

#[test]
#[allow(
    clippy::print_stderr,
    reason = "the skip note is the test's only output"
)]
fn corpus_agrees_with_exiftool() {
    let root = corpus();
    if !root.is_dir() {
        // The corpus is not part of the repository (110 MB of other people's files): a clone
        // without it beside it skips this comparison, saying so; `.ci/run` prints which it was.
        eprintln!(
            "note: {} is missing: exiftool comparison skipped",
            root.display()
        );
        return;
    }
    let reference = reference();
    let mut exceptions = EXCEPTIONS.to_vec();
    if !cfg!(feature = "heif") {
        exceptions.extend_from_slice(WITHOUT_HEIF);
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.expect("the corpus can be listed");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&root).expect("below the root");
            files.push((
                rel.to_string_lossy().replace('\\', "/"),
                entry.path().to_owned(),
            ));
        }
    }
    let listed: BTreeSet<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
    let captured: BTreeSet<&str> = reference.keys().map(String::as_str).collect();
    assert_eq!(
        listed, captured,
        "the corpus and corpus.json list different files: recapture (fixtures/exiftool/README.md)"
    );

    let mut compared = 0;
    let mut agreed = 0;
    let mut disagreements = Vec::new();
    for (rel, path) in &files {
        let bytes = std::fs::read(path).expect("a corpus file can be read");
        let (ours, theirs) = (ours(&bytes), theirs(&reference[rel]));
        for field in FIELDS {
            let (a, b) = (&ours[field], &theirs[field]);
            if a.is_empty() && b.is_empty() {
                continue;
            }
            compared += 1;
            if a == b || (field == "gps" && same_position(a, b)) {
                agreed += 1;
            } else {
                disagreements.push((rel.clone(), field, a.clone(), b.clone()));
            }
        }
    }
    eprintln!(
        "{} files, {compared} comparisons: {agreed} agree, {} disagree ({} exceptions listed)",
        files.len(),
        compared - agreed,
        exceptions.len()
    );
    let explained: BTreeSet<(&str, &str)> = exceptions.iter().map(|&(f, k, _)| (f, k)).collect();
    let found: BTreeSet<(&str, &str)> = disagreements
        .iter()
        .map(|(f, k, _, _)| (f.as_str(), *k))
        .collect();
    let unexplained: Vec<String> = disagreements
        .iter()
        .filter(|(f, k, _, _)| !explained.contains(&(f.as_str(), *k)))
        .map(|(f, k, a, b)| format!("{f}: {k}: lightbox {a:?}, exiftool {b:?}"))
        .collect();
    let stale: Vec<_> = explained.difference(&found).collect();
    assert!(
        unexplained.is_empty(),
        "{} of {compared} comparisons disagree without an explanation:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "exceptions that no longer happen (remove them): {stale:?}"
    );
    // The corpus holds 342 files with EXIF, XMP and IPTC in many forms: a comparison of a few
    // fields would mean a reader stopped reading.
    assert!(
        compared > 1_500 && agreed + exceptions.len() == compared,
        "{compared} comparisons, {agreed} agreeing"
    );
}

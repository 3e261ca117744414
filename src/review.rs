//! Review: the offline review page curators cull on, and the decisions it exports.
//!
//! In: a run's `Report` and the decisions the catalog already holds. Out: `review/index.html`,
//! one self-contained file that works from `file://` with no server and no network: the
//! report's facts, groups (with each pair's evidence) and saved decisions as JSON inside the
//! page, the thumbnails and previews by relative path (`../derived/…`, loaded lazily), the
//! script and styles inline (`assets/review/index.html`). The page draws only the cards in
//! view, so 5,000 photos open as fast as 50; it keeps the curator's changes in the browser's
//! storage, merged over the saved decisions, and exports the result as `decisions.json`, which
//! `lightbox package --decisions` reads back ([`Decisions`]): verdicts, keepers, and the photos
//! a curator declared different photos from the others of their group ([`DistinctPair`]).
//! Invariants: the data is JSON rendered with `textContent`, never as HTML, so captions cannot
//! inject markup; every `<` inside the embedded JSON is escaped, so no value can close the
//! script element.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::lang::Lang;
use crate::messages::Phrase;
use crate::photo::Group;
use crate::photo::Status;
pub use crate::photo::decisions::{Decision, Decisions, DistinctPair, Keeper, Verdict};
pub use crate::report::content_key;
use crate::report::{ItemReport, Report, Streamed};

/// The page template: styles, markup and script; `{{DATA}}`, `{{LANG}}`, `{{TITLE}}` are filled.
const TEMPLATE: &str = include_str!("../assets/review/index.html");

/// One photo as the page's script reads it. Fields in name order: the page's JSON is the same
/// byte for byte whatever the struct's layout.
#[derive(Serialize)]
struct ItemData<'a> {
    bytes: u64,
    camera: Option<String>,
    caption: Option<&'a str>,
    content_key: String,
    event: Option<&'a str>,
    file_name: &'a str,
    findings: Vec<FindingData<'a>>,
    format: Option<&'static str>,
    height: Option<u32>,
    index: usize,
    path: &'a str,
    photographer: Option<&'a str>,
    place: Option<&'a str>,
    place_value: Option<&'a str>,
    preview: Option<String>,
    quality: Option<u8>,
    sources: BTreeMap<&'static str, String>,
    status: Status,
    taken: Option<&'a str>,
    thumb: Option<String>,
    unit: &'a str,
    width: Option<u32>,
    year: Option<i32>,
}

#[derive(Serialize)]
struct FindingData<'a> {
    check: &'static str,
    message: &'a str,
    severity: crate::photo::Severity,
}

fn item_data(item: &ItemReport) -> ItemData<'_> {
    let t = &item.tags;
    let photo = item.photo.as_ref();
    let decoded = photo.filter(|p| p.decoded);
    let derived =
        |kind: &str| decoded.map(|p| format!("../derived/{kind}/{}.jpg", p.content.to_hex()));
    let mut sources = BTreeMap::new();
    let mut source = |name: &'static str, label: Option<String>| {
        if let Some(label) = label {
            sources.insert(name, label);
        }
    };
    source("year", t.year.as_ref().map(|v| v.source.label()));
    source("place", t.place.as_ref().map(|v| v.source.label()));
    source("event", t.event.as_ref().map(|v| v.source.label()));
    source("caption", t.caption.as_ref().map(|v| v.source.label()));
    source(
        "photographer",
        t.photographer.as_ref().map(|v| v.source.label()),
    );
    source("unit", t.unit.as_ref().map(|v| v.source.label()));
    let camera = photo
        .map(|p| {
            [p.exif.make.as_deref(), p.exif.model.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty());
    ItemData {
        bytes: item.size,
        camera,
        caption: t.caption.as_ref().map(|v| v.value.as_str()),
        content_key: content_key(item),
        event: t.event.as_ref().map(|v| v.value.as_str()),
        file_name: item.path.rsplit('/').next().unwrap_or(&item.path),
        findings: item
            .findings
            .iter()
            .map(|f| FindingData {
                check: f.finding.check.code(),
                message: &f.message,
                severity: f.finding.severity,
            })
            .collect(),
        format: photo.map(|p| p.format.name()),
        height: photo.map(|p| p.height),
        index: item.index,
        path: &item.path,
        photographer: t.photographer.as_ref().map(|v| v.value.as_str()),
        place: t
            .place
            .as_ref()
            .map(|p| p.value.prefecture().unwrap_or(&p.value.value)),
        place_value: t.place.as_ref().map(|p| p.value.value.as_str()),
        preview: derived("previews"),
        quality: photo.and_then(|p| p.jpeg_quality),
        sources,
        status: item.status,
        taken: photo.and_then(|p| p.exif.date_taken.as_deref()),
        thumb: derived("thumbs"),
        unit: &item.unit,
        width: photo.map(|p| p.width),
        year: t.year.as_ref().map(|v| v.value),
    }
}

/// A group of copies as the page's script reads it (fields in name order).
#[derive(Serialize)]
struct GroupData<'a> {
    filled: Vec<FilledData>,
    keeper: Option<usize>,
    kind: crate::photo::GroupKind,
    kind_label: &'static str,
    members: &'a [usize],
    pairs: Vec<PairData>,
    reason_text: Option<String>,
    units: &'a [String],
}

/// A pair's evidence as the page shows it (fields in name order; absent values left out).
#[derive(Serialize)]
struct PairData {
    a: usize,
    b: usize,
    /// DCT hash distance, bits of 64.
    distance: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    measured_at: Option<u32>,
    /// Thousandths.
    mismatch: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds_apart: Option<i64>,
    /// Thousandths.
    #[serde(skip_serializing_if = "Option::is_none")]
    similarity: Option<u32>,
    /// The turn's label, when `a` must be turned or mirrored to look like `b`.
    #[serde(skip_serializing_if = "Option::is_none")]
    turn: Option<&'static str>,
}

#[derive(Serialize)]
struct FilledData {
    field: crate::photo::Field,
    from: usize,
}

fn group_data(group: &Group, lang: Lang) -> GroupData<'_> {
    GroupData {
        filled: group
            .filled
            .iter()
            .map(|f| FilledData {
                field: f.field,
                from: f.from,
            })
            .collect(),
        keeper: group.keeper,
        kind: group.kind,
        kind_label: crate::messages::group_kind(group.kind, lang),
        members: &group.members,
        pairs: group
            .pairs
            .iter()
            .map(|p| PairData {
                a: p.a,
                b: p.b,
                distance: p.distance,
                measured_at: p.measured_at,
                mismatch: p.mismatch,
                seconds_apart: p.seconds_apart,
                similarity: p.similarity,
                turn: (p.transform != crate::fingerprint::Dihedral::Identity)
                    .then(|| crate::messages::turn(p.transform, lang)),
            })
            .collect(),
        reason_text: group
            .reason
            .as_ref()
            .map(|r| crate::messages::explain_keep(r, lang)),
        units: &group.units,
    }
}

/// A status and its label, for the page's filters.
#[derive(Serialize)]
struct StatusData {
    code: Status,
    label: &'static str,
}

/// An item as the page's script reads it, made from the item only as it is written.
struct AsItemData<T>(T);

impl<T: std::borrow::Borrow<ItemReport>> Serialize for AsItemData<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        item_data(self.0.borrow()).serialize(serializer)
    }
}

/// Everything the page's script reads (fields in name order).
#[derive(Serialize)]
#[serde(
    bound(serialize = "G: Iterator<Item = std::io::Result<GroupData<'a>>>, \
                           I: Iterator<Item = std::io::Result<AsItemData<T>>>, \
                           T: std::borrow::Borrow<ItemReport>")
)]
struct PageData<'a, G, I, T> {
    groups: Streamed<G>,
    items: Streamed<I>,
    key: &'a str,
    lang: Lang,
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<&'a Live>,
    saved: &'a Decisions,
    statuses: Vec<StatusData>,
    title: &'a str,
    #[serde(skip)]
    item: std::marker::PhantomData<fn() -> T>,
}

/// The review page for a report, starting from the decisions the catalog already holds (`saved`;
/// the page merges the curator's browser-kept changes over them). `key` names the catalog (its
/// absolute path): it keeps the browser-kept decisions of two work folders apart.
pub fn page(report: &Report, key: &str, saved: &Decisions, lang: Lang) -> String {
    let mut bytes = Vec::new();
    write_page(&mut bytes, report, key, saved, lang).expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("the page is UTF-8")
}

/// [`page()`], written to `out` as it is made: each photo's data exists only while it is
/// written, so the page costs no memory per photo.
///
/// # Errors
/// When `out` cannot be written.
pub fn write_page(
    out: &mut dyn Write,
    report: &Report,
    key: &str,
    saved: &Decisions,
    lang: Lang,
) -> std::io::Result<()> {
    let run = RunView {
        profile: &report.profile,
        groups: &report.duplicate_groups,
        key,
        saved,
        lang,
        live: None,
    };
    write_page_streamed(out, &run, report.items.iter().map(Ok))
}

/// What the review page shows besides the photos.
pub struct RunView<'a> {
    /// The profile's name (the page's title).
    pub profile: &'a str,
    /// The run's groups.
    pub groups: &'a [Group],
    /// The catalog's name (see [`page()`]).
    pub key: &'a str,
    /// The decisions the catalog holds.
    pub saved: &'a Decisions,
    /// The page's language.
    pub lang: Lang,
    /// Served by the desk (`lightbox serve`): each change is saved at once and the other tabs'
    /// arrive; `None` for the offline page, which keeps changes in the browser and exports them.
    pub live: Option<&'a Live>,
}

/// What the review page needs to save its changes on the desk.
#[derive(Clone, Debug, Serialize)]
pub struct Live {
    /// Where changes go (POST, JSON).
    pub changes: String,
    /// Where other tabs' changes and the desk's news come from (server-sent events).
    pub events: String,
    /// The desk's access token, sent with each change in a header.
    pub token: String,
}

/// [`write_page`] with the items read as they are written (from disk, say).
///
/// # Errors
/// When `out` cannot be written, or the first error `items` yields.
pub fn write_page_streamed<I, T>(
    out: &mut dyn Write,
    run: &RunView<'_>,
    items: I,
) -> std::io::Result<()>
where
    I: Iterator<Item = std::io::Result<T>>,
    T: std::borrow::Borrow<ItemReport>,
{
    let RunView {
        profile,
        groups,
        key,
        saved,
        lang,
        live,
    } = *run;
    let title = crate::messages::phrase(&Phrase::ReviewTitle { profile }, lang);
    let lang_attr = lang.tag();
    let data = PageData {
        groups: Streamed::new(groups.iter().map(|g| Ok(group_data(g, lang)))),
        items: Streamed::new(items.map(|item| item.map(AsItemData))),
        key,
        lang,
        live,
        saved,
        statuses: Status::ALL
            .iter()
            .map(|&s| StatusData {
                code: s,
                label: crate::messages::status(s, lang),
            })
            .collect(),
        title: &title,
        item: std::marker::PhantomData,
    };
    // The template is copied piece by piece, each placeholder filled where it stands: no value
    // is ever searched for another placeholder.
    let mut rest = TEMPLATE;
    while let Some(at) = rest.find("{{") {
        out.write_all(&rest.as_bytes()[..at])?;
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{{TITLE}}") {
            out.write_all(html_escape(&title).as_bytes())?;
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{{LANG}}") {
            out.write_all(lang_attr.as_bytes())?;
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{{DATA}}") {
            serde_json::to_writer(ScriptSafe(&mut *out), &data)?;
            rest = after;
        } else {
            out.write_all(b"{{")?;
            rest = &tail[2..];
        }
    }
    out.write_all(rest.as_bytes())
}

/// Writes JSON so it can sit inside `<script>`: every `<` (only ever inside a string) is written
/// `\u003c`, so no value can close the element (`</script>`) or open a comment (`<!--`).
struct ScriptSafe<W>(W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = memchr::memchr(b'<', rest) {
            self.0.write_all(&rest[..at])?;
            self.0.write_all(b"\\u003c")?;
            rest = &rest[at + 1..];
        }
        self.0.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::GroupKind;
    use serde_json::{Value, json};

    /// The text of the page's data element.
    fn data_text(page: &str) -> &str {
        let open = r#"<script id="data" type="application/json">"#;
        let start = page.find(open).expect("data element") + open.len();
        let end = start + page[start..].find("</script>").expect("data element ends");
        &page[start..end]
    }

    fn embedded(page: &str) -> Value {
        serde_json::from_str(data_text(page)).expect("embedded data is JSON")
    }

    fn report(caption: &str) -> Report {
        let json = json!({
            "format": crate::report::FORMAT_VERSION, "tool": "lightbox test", "profile": "cast-2023", "lang": "zh",
            "inputs": [], "summary": crate::report::Summary::default(), "problems": [], "side_files": [],
            "duplicate_groups": [], "catalog": "/w/catalog.sqlite",
            "items": [{
                "index": 1, "unit": "u", "path": "u/a.jpg", "location": {"kind": "file", "path": "/d/u/a.jpg"},
                "size": 10, "status": "accepted",
                "tags": {"caption": {"value": caption, "source": {"from": "file_name"}}},
                "findings": []
            }]
        });
        serde_json::from_value(json).expect("a minimal report")
    }

    #[test]
    fn captions_cannot_close_the_script_and_round_trip() {
        let caption = "</script><script>alert(1)</script><!--";
        let page = page(
            &report(caption),
            "/w/catalog.sqlite",
            &Decisions::default(),
            Lang::Zh,
        );
        assert_eq!(
            page.matches("</script>").count(),
            2,
            "only the page's own two script elements close"
        );
        assert!(
            !data_text(&page).contains('<'),
            "no `<` inside the data element"
        );
        let data = embedded(&page);
        assert_eq!(data["items"][0]["caption"], caption);
        assert_eq!(data["items"][0]["content_key"], "path:u/a.jpg");
        assert_eq!(data["statuses"][0]["label"], "通过");
        assert!(!page.contains("{{"), "every placeholder is filled");
        assert_eq!(
            page.matches("path:u/a.jpg").count(),
            1,
            "the data is in the page once (it was also in a comment once)"
        );
    }

    #[test]
    fn embeds_the_saved_decisions() {
        let saved = Decisions {
            format: 1,
            report: "/w/catalog.sqlite".into(),
            decisions: vec![Decision {
                content: "path:u/a.jpg".into(),
                path: "u/a.jpg".into(),
                decision: Verdict::Reject,
            }],
            keepers: vec![Keeper {
                content: "cd".into(),
                path: "v/b.jpg".into(),
            }],
            distinct: vec![DistinctPair::new("ef", "cd").unwrap()],
        };
        let data = embedded(&page(
            &report("说明"),
            "/w/catalog.sqlite",
            &saved,
            Lang::En,
        ));
        let back: Decisions = serde_json::from_value(data["saved"].clone()).unwrap();
        assert_eq!(back, saved);
        assert_eq!(data["lang"], "en");
    }

    #[test]
    fn embeds_each_groups_pairs_with_their_evidence() {
        let mut report = report("说明");
        let pair = |b: usize, transform: &str, extra: Value| {
            let mut pair = json!({"a": 1, "b": b, "kind": "similar", "distance": 6, "block_distance": 9,
                "transform": transform, "mismatch": 41, "framing": "same"});
            pair.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            pair
        };
        let group = json!({
            "kind": "similar", "content": "00".repeat(32), "members": [1, 2, 3], "units": ["u"],
            "pairs": [
                pair(2, "rotate90", json!({"similarity": 981, "measured_at": 256, "seconds_apart": 4})),
                pair(3, "identity", json!({})),
            ]
        });
        report.duplicate_groups = vec![serde_json::from_value(group).unwrap()];
        for lang in [Lang::Zh, Lang::En] {
            let data = embedded(&page(&report, "k", &Decisions::default(), lang));
            let group = &data["groups"][0];
            assert_eq!(
                group["kind_label"],
                crate::messages::group_kind(GroupKind::Similar, lang)
            );
            assert_eq!(
                group["pairs"],
                json!([
                    {"a": 1, "b": 2, "distance": 6, "measured_at": 256, "mismatch": 41,
                     "seconds_apart": 4, "similarity": 981,
                     "turn": crate::messages::turn(crate::fingerprint::Dihedral::Rotate90, lang)},
                    {"a": 1, "b": 3, "distance": 6, "mismatch": 41},
                ]),
                "the evidence, no turn for the same orientation, nothing for what was not measured"
            );
        }
    }

    #[test]
    fn reads_exported_decisions() {
        let text = r#"{"format":1,"report":"/w/catalog.sqlite","decisions":[{"content":"ab","path":"u/a.jpg","decision":"reject"}],"keepers":[{"content":"cd","path":"u/b.jpg"}]}"#;
        let d: Decisions = serde_json::from_str(text).unwrap();
        assert_eq!(d.verdict("ab"), Some(Verdict::Reject));
        assert_eq!(d.verdict("zz"), None);
        assert!(d.keeper_keys().contains("cd"));
    }

    /// A decisions file as older pages exported it: no `distinct`.
    const BEFORE_DISTINCT: &str = r#"{"format":1,"report":"/w/catalog.sqlite","decisions":[{"content":"ab","path":"u/a.jpg","decision":"accept"}],"keepers":[]}"#;

    #[test]
    fn files_without_distinct_pairs_still_load_and_are_written_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.json");
        std::fs::write(&path, BEFORE_DISTINCT).unwrap();
        let d = Decisions::load(&path).unwrap();
        assert!(d.distinct.is_empty());
        assert_eq!(d.verdict("ab"), Some(Verdict::Accept));
        assert!(!d.is_distinct("ab", "cd"));
        // No pairs, no key: the file is what it was before there were pairs.
        assert_eq!(serde_json::to_string(&d).unwrap(), BEFORE_DISTINCT);
    }

    #[test]
    fn distinct_pairs_load_in_order_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.json");
        // As written by hand: one pair the wrong way round, one twice, one key twice.
        let text = r#"{"format":1,"report":"r","decisions":[],"keepers":[],"distinct":[{"a":"cd","b":"ab"},{"a":"ab","b":"ef"},{"a":"ab","b":"cd"},{"a":"ab","b":"ab"}]}"#;
        std::fs::write(&path, text).unwrap();
        let d = Decisions::load(&path).unwrap();
        assert_eq!(
            d.distinct,
            [
                DistinctPair::new("ab", "cd").unwrap(),
                DistinctPair::new("ab", "ef").unwrap()
            ]
        );
        assert_eq!(
            (d.distinct[0].a.as_str(), d.distinct[0].b.as_str()),
            ("ab", "cd")
        );
        assert!(d.is_distinct("cd", "ab") && d.is_distinct("ab", "cd"));
        assert!(d.is_distinct("ef", "ab"));
        assert!(!d.is_distinct("cd", "ef"), "only the pairs declared");
        assert!(!d.is_distinct("ab", "ab"));
        assert_eq!(DistinctPair::new("x", "x"), None);

        let written = serde_json::to_value(&d).unwrap();
        assert_eq!(
            written["distinct"],
            json!([{"a": "ab", "b": "cd"}, {"a": "ab", "b": "ef"}])
        );
        std::fs::write(&path, written.to_string()).unwrap();
        assert_eq!(Decisions::load(&path).unwrap(), d);
    }

    #[test]
    fn another_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.json");
        std::fs::write(&path, r#"{"format":2,"distinct":[]}"#).unwrap();
        let err = Decisions::load(&path).unwrap_err().to_string();
        assert!(err.contains("format 2, expected 1"), "{err}");
    }
}

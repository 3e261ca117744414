//! The catalog's tests: every check, sentence, label and placeholder, in every language.
//!
//! Size: about 1,000 lines, nearly all samples: one of every check and every sentence, each with
//! distinctive values, so a new check or a lost placeholder fails here.

use std::collections::BTreeSet;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::*;
use crate::broken::Step;
use crate::fingerprint::Dihedral;
use crate::photo::tags::MAX_ROWS;
use crate::photo::{Damage, SheetProblem};

const LANGS: [Lang; 2] = [Lang::Zh, Lang::En];

/// The names serde gives `T`'s variants, read from the error it makes of `json`, which names
/// a variant `T` does not have. Taken from the type itself, so the list cannot fall behind a
/// new variant the way a list written out here could.
fn variant_names<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> BTreeSet<String> {
    let error = serde_json::from_str::<T>(json)
        .expect_err("no variant has that name")
        .to_string();
    let (_, expected) = error
        .split_once("expected")
        .unwrap_or_else(|| panic!("serde's error no longer lists the variants: {error}"));
    let names: BTreeSet<String> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 2, "serde's error changed: {error}");
    names
}

/// The serialised name of a unit variant.
fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// Which arm of the language files' `match` a check takes: its code, or for a variant with
/// several sentences its code and what chooses among them (each of those is in [`SPLIT`]).
/// No wildcard arm: a new `Check` variant does not compile here until it is named, and
/// `every_check_and_every_sentence_has_a_sample` then fails until [`samples`] has one.
fn arm(check: &Check) -> &'static str {
    match check {
        Check::Symlink { dangling: true, .. } => "symlink: dangling",
        Check::Symlink {
            dangling: false, ..
        } => "symlink: the target exists",
        Check::UnsupportedFormat {
            format,
            feature: Some(_),
        } if format.ends_with("JPEG") => "unsupported_format: a JPEG kind a feature reads",
        Check::UnsupportedFormat {
            feature: Some(_), ..
        } => "unsupported_format: a feature reads it",
        Check::UnsupportedFormat { feature: None, .. } => "unsupported_format: nothing reads it",
        Check::DecoderCrashed {
            earlier_run: true, ..
        } => "decoder_crashed: in an earlier run",
        Check::DecoderCrashed {
            earlier_run: false, ..
        } => "decoder_crashed: in this run",
        Check::Unreadable { .. }
        | Check::FolderUnreadable { .. }
        | Check::EmptyFile
        | Check::NotRegularFile
        | Check::NotAnImage { .. }
        | Check::NotJpeg { .. }
        | Check::Truncated
        | Check::CorruptData { .. }
        | Check::DecodeFailed { .. }
        | Check::TooManyPixels { .. }
        | Check::LongEdgeTooSmall { .. }
        | Check::ResolutionLow { .. }
        | Check::FileTooSmall { .. }
        | Check::FileSmall { .. }
        | Check::FileTooLarge { .. }
        | Check::FileLarge { .. }
        | Check::Cmyk
        | Check::MetadataDamaged { .. }
        | Check::DataAfterEnd { .. }
        | Check::MultiPage { .. }
        | Check::MissingField { .. }
        | Check::YearOutOfRange { .. }
        | Check::YearPrecursor { .. }
        | Check::YearConflict { .. }
        | Check::PlaceConflict { .. }
        | Check::YearAmbiguous { .. }
        | Check::NotInSheet { .. }
        | Check::YearUnreadable { .. }
        | Check::PlaceUnknown { .. }
        | Check::PlaceOutsideRegion { .. }
        | Check::PlaceSeparateLine { .. }
        | Check::CaptionLength { .. }
        | Check::EventTooLong { .. }
        | Check::ExactDuplicate { .. }
        | Check::NearDuplicate { .. }
        | Check::Burst { .. }
        | Check::LooksAlike { .. }
        | Check::SheetRowUnmatched { .. }
        | Check::SheetUnreadable { .. }
        | Check::SheetPartlyRead { .. }
        | Check::UnsafeZipName
        | Check::EncryptedZipEntry
        | Check::ZipBomb { .. }
        | Check::NestedZip
        | Check::ZipDuplicateName { .. }
        | Check::NotAPhoto { .. }
        | Check::SeenBefore { .. }
        | Check::AlreadyPackaged { .. } => check.code(),
    }
}

/// The arms of [`arm`] that are not just a code: a variant with more than one sentence.
const SPLIT: &[&str] = &[
    "symlink: dangling",
    "symlink: the target exists",
    "unsupported_format: a JPEG kind a feature reads",
    "unsupported_format: a feature reads it",
    "unsupported_format: nothing reads it",
    "decoder_crashed: in an earlier run",
    "decoder_crashed: in this run",
];

/// A check, and what its sentence must show in each language.
struct Sample {
    check: Check,
    /// Shown as given, in both languages.
    both: Vec<String>,
    /// Shown in Chinese (a value the Chinese sentence translates or joins its own way).
    zh: Vec<String>,
    /// Shown in English.
    en: Vec<String>,
    /// Not shown as given in Chinese: translated on purpose.
    not_zh: Vec<String>,
    /// Not shown as given in either language: said in words on purpose.
    neither: Vec<String>,
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// A sample whose values all show as given in both languages.
fn s(check: Check, both: &[&str]) -> Sample {
    Sample {
        check,
        both: strings(both),
        zh: Vec::new(),
        en: Vec::new(),
        not_zh: Vec::new(),
        neither: Vec::new(),
    }
}

impl Sample {
    fn zh(mut self, values: &[&str]) -> Self {
        self.zh.extend(strings(values));
        self
    }
    fn en(mut self, values: &[&str]) -> Self {
        self.en.extend(strings(values));
        self
    }
    fn not_zh(mut self, values: &[&str]) -> Self {
        self.not_zh.extend(strings(values));
        self
    }
    fn neither(mut self, values: &[&str]) -> Self {
        self.neither.extend(strings(values));
        self
    }
}

/// One check of every variant, and of every sentence of a variant with several; each value
/// distinctive (`Pa1`, `40961`), so a sentence that drops or swaps one is caught.
fn samples() -> Vec<Sample> {
    vec![
        s(
            Check::Unreadable {
                reason: "Pa1".into(),
            },
            &["Pa1"],
        ),
        s(
            Check::FolderUnreadable {
                reason: "Pa2".into(),
            },
            &["Pa2"],
        ),
        s(Check::EmptyFile, &[]),
        s(
            Check::Symlink {
                target: "Pa3".into(),
                dangling: true,
            },
            &["Pa3"],
        ),
        s(
            Check::Symlink {
                target: "Pa4".into(),
                dangling: false,
            },
            &["Pa4"],
        ),
        s(Check::NotRegularFile, &[]),
        s(
            Check::NotAnImage {
                detected: "Pa5".into(),
            },
            &["Pa5"],
        ),
        // A JPEG kind the Chinese sentence knows is said in Chinese (`jpeg_kind_zh`), not
        // as given.
        s(
            Check::UnsupportedFormat {
                format: "12-bit JPEG".into(),
                feature: Some("Pa6".into()),
            },
            &["Pa6"],
        )
        .zh(&["12 位 JPEG"])
        .en(&["12-bit JPEG"])
        .not_zh(&["12-bit JPEG"]),
        // One it does not know is shown as given.
        s(
            Check::UnsupportedFormat {
                format: "Pa7 JPEG".into(),
                feature: Some("Pa8".into()),
            },
            &["Pa7 JPEG", "Pa8"],
        ),
        s(
            Check::UnsupportedFormat {
                format: "Pa9".into(),
                feature: Some("Pb1".into()),
            },
            &["Pa9", "Pb1"],
        ),
        s(
            Check::UnsupportedFormat {
                format: "Pb2".into(),
                feature: None,
            },
            &["Pb2"],
        ),
        s(
            Check::NotJpeg {
                format: "Pb3".into(),
            },
            &["Pb3"],
        ),
        s(Check::Truncated, &[]),
        s(
            Check::CorruptData {
                reason: "Pb4".into(),
                damage: None,
            },
            &["Pb4"],
        ),
        s(
            Check::CorruptData {
                reason: String::new(),
                damage: Some(Damage::EndsEarly {
                    unit: 8915,
                    count: 77976,
                }),
            },
            &["8915", "77976"],
        ),
        s(
            Check::DecodeFailed {
                reason: "Pb5".into(),
            },
            &["Pb5"],
        ),
        s(
            Check::DecoderCrashed {
                reason: "Pb6".into(),
                earlier_run: true,
            },
            &["Pb6"],
        ),
        s(
            Check::DecoderCrashed {
                reason: "Pb7".into(),
                earlier_run: false,
            },
            &["Pb7"],
        ),
        s(
            Check::TooManyPixels {
                width: 40961,
                height: 40962,
                limit: 40963,
            },
            &["40961", "40962", "40963"],
        ),
        s(
            Check::LongEdgeTooSmall {
                long_edge: 40964,
                min: 40965,
            },
            &["40964", "40965"],
        ),
        s(
            Check::ResolutionLow {
                long_edge: 40966,
                megapixels: "Pb8".into(),
                recommended: 40967,
            },
            &["40966", "Pb8", "40967"],
        ),
        // Sizes are said in KB (bytes / 1000): the KB show, not the bytes given.
        s(
            Check::FileTooSmall {
                bytes: 40_968_000,
                min: 40_969_000,
            },
            &["40968", "40969"],
        )
        .neither(&["40968000", "40969000"]),
        s(
            Check::FileSmall {
                bytes: 40_970_000,
                recommended: 40_971_000,
            },
            &["40970", "40971"],
        )
        .neither(&["40970000", "40971000"]),
        // And large ones in MB (bytes / 1 000 000).
        s(
            Check::FileTooLarge {
                bytes: 40_972_000_000,
                max: 40_973_000_000,
            },
            &["40972", "40973"],
        )
        .neither(&["40972000000", "40973000000"]),
        s(
            Check::FileLarge {
                bytes: 40_974_000_000,
                recommended: 40_975_000_000,
            },
            &["40974", "40975"],
        )
        .neither(&["40974000000", "40975000000"]),
        s(Check::Cmyk, &[]),
        s(
            Check::MetadataDamaged {
                block: "Pb9".into(),
                reason: "Pc1".into(),
            },
            &["Pb9", "Pc1"],
        ),
        s(Check::DataAfterEnd { bytes: 40976 }, &["40976"]),
        s(Check::MultiPage { pages: 40977 }, &["40977"]),
        // The field is named by its column name in each language.
        s(
            Check::MissingField {
                field: Field::Photographer,
            },
            &[],
        )
        .zh(&["摄影者"])
        .en(&["photographer"]),
        s(
            Check::YearOutOfRange {
                year: 40978,
                first: 40979,
                last: 40980,
            },
            &["40978", "40979", "40980"],
        ),
        s(Check::YearPrecursor { year: 40981 }, &["40981"]),
        // A source lightbox names itself (`file name`, `XPTitle`, `folder …`) is said in
        // Chinese (`source_zh`), not as given; a sheet's path, an XMP or IPTC name, shows as
        // given.
        s(
            Check::YearConflict {
                used: 40982,
                used_source: "file name".into(),
                other: 40983,
                other_source: "Pc2.xlsx#7".into(),
            },
            &["40982", "40983", "Pc2.xlsx#7"],
        )
        .zh(&["文件名"])
        .en(&["file name"])
        .not_zh(&["file name"]),
        s(
            Check::PlaceConflict {
                used: "Pc3".into(),
                used_source: "XPTitle".into(),
                other: "Pc4".into(),
                other_source: "XMP Pc5".into(),
            },
            &["Pc3", "Pc4", "XMP Pc5"],
        )
        .zh(&["Windows 标题"])
        .en(&["XPTitle"])
        .not_zh(&["XPTitle"]),
        s(
            Check::YearAmbiguous {
                text: "Pc6".into(),
                source: "folder Pc7".into(),
                likely: 40984,
            },
            &["Pc6", "Pc7", "40984"],
        )
        .zh(&["文件夹 Pc7"])
        .en(&["folder Pc7"])
        .not_zh(&["folder Pc7"]),
        s(
            Check::NotInSheet {
                sheet: "Pc8".into(),
            },
            &["Pc8"],
        ),
        s(
            Check::YearUnreadable {
                text: "Pc9".into(),
                source: "IPTC Pd1".into(),
            },
            &["Pc9", "IPTC Pd1"],
        ),
        s(
            Check::PlaceUnknown {
                value: "Pd2".into(),
            },
            &["Pd2"],
        ),
        s(
            Check::PlaceOutsideRegion {
                value: "Pd3".into(),
            },
            &["Pd3"],
        ),
        s(
            Check::PlaceSeparateLine {
                value: "Pd4".into(),
            },
            &["Pd4"],
        ),
        s(
            Check::CaptionLength {
                chars: 40985,
                min: 40986,
                max: 40987,
            },
            &["40985", "40986", "40987"],
        ),
        s(
            Check::EventTooLong {
                chars: 40988,
                max: 40989,
            },
            &["40988", "40989"],
        ),
        // A keep reason is stored as its code and said in words: the code does not show.
        s(
            Check::ExactDuplicate {
                keeper: "Pd5".into(),
                reason: "higher_quality".into(),
            },
            &["Pd5"],
        )
        .zh(&["压缩更少（JPEG 质量更高）"])
        .en(&["less compressed (higher JPEG quality)"])
        .neither(&["higher_quality"]),
        // So is the turn, by `Dihedral::label`.
        s(
            Check::NearDuplicate {
                keeper: "Pd6".into(),
                distance: 40990,
                transform: Dihedral::Rotate90,
                reason: "more_pixels".into(),
            },
            &["Pd6", "40990"],
        )
        .zh(&["像素更多", super::turn(Dihedral::Rotate90, Lang::Zh)])
        .en(&["more pixels", super::turn(Dihedral::Rotate90, Lang::En)])
        .neither(&["more_pixels", "rotate90"]),
        // The others are joined the way each language lists things.
        s(
            Check::Burst {
                others: strings(&["Pd7", "Pd8"]),
            },
            &["Pd7", "Pd8"],
        )
        .zh(&["Pd7、Pd8"])
        .en(&["Pd7, Pd8"]),
        s(
            Check::LooksAlike {
                others: strings(&["Pd9", "Pe1"]),
            },
            &["Pd9", "Pe1"],
        )
        .zh(&["Pd9、Pe1"])
        .en(&["Pd9, Pe1"]),
        s(
            Check::SheetRowUnmatched {
                sheet: "Pe2".into(),
                row: 40991,
                file_name: "Pe3".into(),
            },
            &["Pe2", "40991", "Pe3"],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::Unreadable {
                    detail: "Pe4".into(),
                },
            },
            &["Pe4"],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::NotAWorkbook {
                    detail: "Pg1".into(),
                },
            },
            &["Pg1"],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::TooManyCells {
                    format: "Pg2".into(),
                    worksheet: Some("Pg3".into()),
                    cells: 40996,
                    limit: 40997,
                },
            },
            &["Pg2", "Pg3", "40996", "40997"],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::TooManyCells {
                    format: "Pg4".into(),
                    worksheet: None,
                    cells: 40998,
                    limit: 40999,
                },
            },
            &["Pg4", "40998", "40999"],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::WorksheetUnreadable {
                    worksheet: "Pg5".into(),
                    detail: "Pg6".into(),
                },
            },
            &["Pg5", "Pg6"],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::PartTooLarge {
                    part: "Pg8".into(),
                    limit: 41003 << 20,
                },
            },
            &["Pg8", "41003"],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::BadCsv {
                    detail: "Pg7".into(),
                },
            },
            &["Pg7"],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::NoWorksheet,
            },
            &[],
        ),
        s(
            Check::SheetUnreadable {
                reason: SheetProblem::NoHeader {
                    searched: 41001,
                    worksheets: 41002,
                },
            },
            &["41001", "41002"],
        ),
        // What was left is told by `limit`, with its own values.
        s(
            Check::SheetPartlyRead {
                rows: 40992,
                left: Limit::CellsOutside {
                    sheet: "Pe5".into(),
                    count: 40993,
                    first: "XFD1048576".into(),
                },
            },
            &["40992", "Pe5", "40993", "XFD1048576"],
        ),
        s(Check::UnsafeZipName, &[]),
        s(Check::EncryptedZipEntry, &[]),
        // Said in MB (declared >> 20) and KB (compressed >> 10), not in bytes.
        s(
            Check::ZipBomb {
                declared: 40994 << 20,
                compressed: 40995 << 10,
            },
            &["40994", "40995"],
        )
        .neither(&[&(40994u64 << 20).to_string(), &(40995u64 << 10).to_string()]),
        s(Check::NestedZip, &[]),
        s(Check::ZipDuplicateName { count: 41004 }, &["41004"]),
        s(Check::NotAPhoto { role: "Pe6".into() }, &["Pe6"]),
        s(
            Check::SeenBefore {
                path: "Pe7".into(),
                unit: "Pe8".into(),
            },
            &["Pe7", "Pe8"],
        ),
        s(
            Check::AlreadyPackaged {
                file: "Pe9".into(),
                package: "Pf1".into(),
                unit: "Pf2".into(),
            },
            &["Pe9", "Pf1", "Pf2"],
        ),
    ]
}

#[test]
fn every_check_and_every_sentence_has_a_sample() {
    let samples = samples();
    for sample in &samples {
        // `code()` is the serialised name, so serde's list of names is the list of codes.
        assert_eq!(
            serde_json::to_value(&sample.check).unwrap()["check"],
            sample.check.code()
        );
    }
    let codes: BTreeSet<String> = samples.iter().map(|s| s.check.code().to_string()).collect();
    assert_eq!(
        codes,
        variant_names::<Check>(r#"{"check": "no_such_check"}"#),
        "every Check variant needs a sample in `samples`"
    );
    let arms: BTreeSet<&str> = samples.iter().map(|s| arm(&s.check)).collect();
    for sample in &samples {
        let arm = arm(&sample.check);
        assert!(
            arm == sample.check.code() || SPLIT.contains(&arm),
            "{arm}: a variant with several sentences, to list in SPLIT"
        );
    }
    for split in SPLIT {
        assert!(arms.contains(split), "no sample for {split}");
    }
}

#[test]
fn every_check_reads_in_both_languages_with_its_values() {
    for sample in samples() {
        let zh = check(&sample.check, Lang::Zh);
        let en = check(&sample.check, Lang::En);
        let code = sample.check.code();
        assert!(!zh.is_empty() && !en.is_empty(), "{code}: empty");
        assert_ne!(zh, en, "{code}: the same in both languages");
        for (lang, text, own) in [(Lang::Zh, &zh, &sample.zh), (Lang::En, &en, &sample.en)] {
            for value in sample.both.iter().chain(own) {
                assert!(
                    text.contains(value.as_str()),
                    "{code} ({lang:?}) does not show {value}: {text}"
                );
            }
            for value in &sample.neither {
                assert!(
                    !text.contains(value.as_str()),
                    "{code} ({lang:?}) shows {value} as given: {text}"
                );
            }
        }
        for value in &sample.not_zh {
            assert!(
                !zh.contains(value.as_str()),
                "{code} (Zh) shows {value} untranslated: {zh}"
            );
        }
    }
}

/// Every variant of a unit enum has a label in each language: not empty, not the same in
/// both, and no two variants the same in one language. `all` must hold every variant (its
/// names are compared with serde's).
fn labels_are_whole<T: Serialize + DeserializeOwned + std::fmt::Debug + Copy>(
    all: &[T],
    label: fn(T, Lang) -> &'static str,
) {
    let names: BTreeSet<String> = all.iter().map(name).collect();
    assert_eq!(names, variant_names::<T>(r#""no_such_variant""#));
    for lang in LANGS {
        let labels: BTreeSet<&str> = all.iter().map(|&v| label(v, lang)).collect();
        assert_eq!(labels.len(), all.len(), "{lang:?}: two labels the same");
        assert!(!labels.contains(""), "{lang:?}: an empty label");
    }
    for &v in all {
        assert_ne!(label(v, Lang::Zh), label(v, Lang::En), "{v:?}");
    }
}

#[test]
fn every_field_severity_status_and_group_kind_has_a_label() {
    labels_are_whole(&Field::ALL, field_label);
    labels_are_whole(&Status::ALL, status);
    labels_are_whole(&[Severity::Info, Severity::Warn, Severity::Error], severity);
    labels_are_whole(
        &[
            GroupKind::Identical,
            GroupKind::Duplicate,
            GroupKind::Burst,
            GroupKind::Similar,
        ],
        group_kind,
    );
}

/// One reason of every variant, with distinctive values.
fn keep_reasons() -> Vec<KeepReason> {
    vec![
        KeepReason::Intact,
        KeepReason::MorePixels {
            kept: 40961,
            other: 40962,
        },
        KeepReason::HigherQuality {
            kept: 97,
            other: 43,
        },
        KeepReason::MoreCompleteTags {
            kept: 40963,
            other: 40964,
        },
        KeepReason::Original,
        KeepReason::FirstByPath,
    ]
}

#[test]
fn every_keep_reason_is_said_and_explained() {
    let reasons = keep_reasons();
    let codes: BTreeSet<String> = reasons.iter().map(|r| r.code().to_string()).collect();
    assert_eq!(
        codes,
        variant_names::<KeepReason>(r#"{"code": "no_such_reason"}"#),
        "every KeepReason variant needs a sample in `keep_reasons`"
    );
    for lang in LANGS {
        // Each code has its own words: none but the last rule reaches the fallback arm.
        let said: BTreeSet<&str> = reasons
            .iter()
            .map(|r| keep_reason(r.code(), lang))
            .collect();
        assert_eq!(
            said.len(),
            reasons.len(),
            "{lang:?}: two reasons said alike"
        );
        // A code this build does not know (an older report's) reads as the last rule.
        assert_eq!(
            keep_reason("no_such_reason", lang),
            keep_reason(KeepReason::FirstByPath.code(), lang)
        );
    }
    for reason in &reasons {
        let code = reason.code();
        assert_ne!(keep_reason(code, Lang::Zh), keep_reason(code, Lang::En));
        assert_ne!(
            explain_keep(reason, Lang::Zh),
            explain_keep(reason, Lang::En)
        );
        let values = match reason {
            KeepReason::MorePixels { kept, other } => vec![kept.to_string(), other.to_string()],
            KeepReason::HigherQuality { kept, other } => {
                vec![kept.to_string(), other.to_string()]
            }
            KeepReason::MoreCompleteTags { kept, other } => {
                vec![kept.to_string(), other.to_string()]
            }
            KeepReason::Intact | KeepReason::Original | KeepReason::FirstByPath => Vec::new(),
        };
        for lang in LANGS {
            let text = explain_keep(reason, lang);
            assert!(text.starts_with(keep_reason(code, lang)), "{code}: {text}");
            for value in &values {
                assert!(text.contains(value.as_str()), "{code} ({lang:?}): {text}");
            }
            // A code of two words never shows (`intact` and `original` are English words
            // the sentence may use).
            if code.contains('_') {
                assert!(
                    !text.contains(code),
                    "{code} ({lang:?}) shows its code: {text}"
                );
            }
        }
    }
}

#[test]
fn every_limit_reads_in_both_languages_with_its_values() {
    let limits = [
        (
            Limit::RowsBeyond {
                sheet: "Pa1.xlsx:Pa2".into(),
                last_kept: 40961,
                more: 40962,
            },
            // The cap itself is said too, so the unit knows how to split.
            vec![
                "Pa1.xlsx:Pa2".to_string(),
                "40961".into(),
                "40962".into(),
                MAX_ROWS.to_string(),
            ],
        ),
        (
            Limit::CellsOutside {
                sheet: "Pa3.xlsx".into(),
                count: 40963,
                first: "XFD1048576".into(),
            },
            vec!["Pa3.xlsx".to_string(), "40963".into(), "XFD1048576".into()],
        ),
    ];
    let kinds: BTreeSet<String> = limits
        .iter()
        .map(|(l, _)| {
            serde_json::to_value(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        variant_names::<Limit>(r#"{"kind": "no_such_limit"}"#),
        "every Limit variant needs a sample here"
    );
    for (left, values) in &limits {
        let zh = limit(left, Lang::Zh);
        let en = limit(left, Lang::En);
        assert_ne!(zh, en);
        for text in [&zh, &en] {
            for value in values {
                assert!(text.contains(value.as_str()), "{value} missing: {text}");
            }
        }
    }
}

#[test]
fn every_turn_is_said_in_both_languages_and_told_apart() {
    for lang in [Lang::Zh, Lang::En] {
        let said: BTreeSet<&str> = Dihedral::ALL
            .into_iter()
            .map(|t| super::turn(t, lang))
            .collect();
        assert_eq!(said.len(), 8, "eight turns, eight phrases in {lang:?}");
    }
    for t in Dihedral::ALL {
        assert_ne!(super::turn(t, Lang::Zh), super::turn(t, Lang::En), "{t:?}");
    }
    assert_eq!(super::turn(Dihedral::Rotate90, Lang::Zh), "顺时针旋转 90°");
    assert_eq!(
        super::turn(Dihedral::Rotate90, Lang::En),
        "rotated 90° clockwise"
    );
}

/// One `lightbox verify` finding of each kind, each value distinctive; the `match` makes a new
/// kind fail to compile here until it has a sample.
fn receipt_samples() -> Vec<(crate::receipt::Issue, Vec<&'static str>)> {
    use crate::receipt::Issue;
    let all = vec![
        (Issue::BadDeclaration, vec![]),
        (Issue::NoManifest, vec![]),
        (Issue::BadLine { line: 40961 }, vec!["40961"]),
        (
            Issue::Missing {
                manifest: "Rm1".into(),
            },
            vec!["Rm1"],
        ),
        (Issue::Extra, vec![]),
        (
            Issue::Unlisted {
                manifest: "Rm2".into(),
            },
            vec!["Rm2"],
        ),
        (
            Issue::Checksum {
                algorithms: vec!["Ra1", "Ra2"],
            },
            vec!["Ra1", "Ra2"],
        ),
        (
            Issue::Unreadable {
                reason: "Rr1".into(),
            },
            vec!["Rr1"],
        ),
        (
            Issue::Oxum {
                expected: "Ro1".into(),
                found: "Ro2".into(),
            },
            vec!["Ro1", "Ro2"],
        ),
        (Issue::Name { rule: "Rn1" }, vec!["Rn1"]),
        (
            Issue::NotInTable {
                table: "Rt1".into(),
            },
            vec!["Rt1"],
        ),
        (
            Issue::RowWithoutFile {
                table: "Rt2".into(),
            },
            vec!["Rt2"],
        ),
        (
            Issue::DamagedZip {
                reason: "Rz1".into(),
            },
            vec!["Rz1"],
        ),
    ];
    let index = |issue: &Issue| match issue {
        Issue::BadDeclaration => 0,
        Issue::NoManifest => 1,
        Issue::BadLine { .. } => 2,
        Issue::Missing { .. } => 3,
        Issue::Extra => 4,
        Issue::Unlisted { .. } => 5,
        Issue::Checksum { .. } => 6,
        Issue::Unreadable { .. } => 7,
        Issue::Oxum { .. } => 8,
        Issue::Name { .. } => 9,
        Issue::NotInTable { .. } => 10,
        Issue::RowWithoutFile { .. } => 11,
        Issue::DamagedZip { .. } => 12,
    };
    let kinds: BTreeSet<usize> = all.iter().map(|(issue, _)| index(issue)).collect();
    assert_eq!(kinds, (0..13).collect(), "one sample of every kind");
    all
}

#[test]
fn every_verify_finding_reads_in_both_languages_with_its_values() {
    for (issue, values) in receipt_samples() {
        let finding = crate::receipt::Finding {
            bag: "Rb1".into(),
            file: "Rf1".into(),
            issue: issue.clone(),
        };
        let (zh, en) = (
            super::receipt(&finding, Lang::Zh),
            super::receipt(&finding, Lang::En),
        );
        assert_ne!(zh, en, "{issue:?}");
        for text in [&zh, &en] {
            assert!(text.starts_with("Rb1: Rf1: "), "{text}");
            assert!(text.len() > "Rb1: Rf1: ".len() + 4, "{text}");
            for value in &values {
                assert!(
                    text.contains(value),
                    "{issue:?}: {value} missing from {text}"
                );
            }
        }
    }
}

/// The wording that computes (plurals, a span or a part that may be absent, a list joined with
/// the language's separator), as the books, the sheets and the CLI printed it before it moved
/// here.
#[test]
fn phrases_and_summaries_compute_their_parts_in_both_languages() {
    let phrase = |p: Phrase<'_>| (super::phrase(&p, Lang::Zh), super::phrase(&p, Lang::En));
    let summary = |s: Summary<'_>| (super::summary(&s, Lang::Zh), super::summary(&s, Lang::En));
    let pair = |zh: &str, en: &str| (zh.to_string(), en.to_string());
    let counts = |photos, units, years, span| Phrase::Counts {
        photos,
        units,
        years,
        span,
    };
    assert_eq!(
        phrase(counts(4, 2, 3, "2015–2017")),
        pair(
            "照片 4 张 · 报送单位 2 个 · 年份 3 个（2015–2017）",
            "4 photos · 2 units · 3 years (2015–2017)"
        )
    );
    assert_eq!(
        phrase(counts(1, 1, 0, "")),
        pair(
            "照片 1 张 · 报送单位 1 个 · 年份 0 个",
            "1 photo · 1 unit · 0 years"
        )
    );
    assert_eq!(
        phrase(Phrase::Year { year: 0, photos: 1 }),
        pair("年份不详 · 1 张", "year unknown · 1 photo")
    );
    assert_eq!(
        phrase(Phrase::Year {
            year: 2015,
            photos: 2
        }),
        pair("2015 年 · 2 张", "2015 · 2 photos")
    );
    assert_eq!(
        phrase(Phrase::PhotosByUnit { whole: true }),
        pair(
            "按报送单位统计照片数（整个包）",
            "Photos by unit (the whole package)"
        )
    );
    assert_eq!(
        phrase(Phrase::TemplateHeading {
            units: &["U1", "U2"]
        })
        .1,
        "U1, U2: photo details (fill in the yellow cells; leave the Content column as it is)"
    );
    let read = |same_bytes| Summary::Read {
        read: 5,
        unchanged: 3,
        same_bytes,
    };
    assert_eq!(
        summary(read(0)),
        pair(
            "本次读取 5 个文件，3 个未改变（未重读）",
            "read 5 files, 3 unchanged (not read again)"
        )
    );
    assert!(
        summary(read(2))
            .0
            .ends_with("；2 个与已检查过的文件字节相同（未重新解码）")
    );
    let package = |follows| Summary::Package {
        identifier: "P2",
        follows,
    };
    assert_eq!(
        summary(package(Some("P1"))),
        pair("包标识 P2（接续 P1）", "package P2 (follows P1)")
    );
    assert_eq!(
        summary(package(None)),
        pair("包标识 P2（首个包）", "package P2 (the first)")
    );
    let checked = |part| Summary::Checked {
        bag: "B",
        part,
        files: 2,
        bytes: 9,
    };
    assert_eq!(
        summary(checked(Some("1 of 2"))),
        pair(
            "已检查 B [1 of 2]：2 个文件，9 字节",
            "checked B [1 of 2]: 2 files, 9 bytes"
        )
    );
    assert_eq!(summary(checked(None)).1, "checked B: 2 files, 9 bytes");
    let errors = ["E1".to_string(), "E2".to_string()];
    let distinct = LeftOut::DistinctWithErrors { errors: &errors };
    assert!(left_out(&distinct, Lang::Zh).ends_with("：E1；E2"));
    assert!(left_out(&distinct, Lang::En).ends_with(": E1; E2"));
    let ok = Summary::ProfileOk {
        path: std::path::Path::new("/p/my.toml"),
        name: "cast-2024",
    };
    assert_eq!(summary(ok).0, "/p/my.toml：征集方案可用（cast-2024）");
    assert_eq!(summary(ok).1, "/p/my.toml: ok (cast-2024)");
    let unreadable = Summary::CannotRead {
        path: "/nope",
        reason: "No such file or directory (os error 2)",
    };
    assert_eq!(summary(unreadable).0, "无法读取 /nope：文件或文件夹不存在");
}

/// The reasons the file reader gives are said in Chinese: the size cap (worded by `reading`, so
/// a change of its wording would show here) and the system's own reasons.
#[test]
fn a_file_the_reader_refuses_is_said_in_chinese() {
    use crate::photo::{Location, Source};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jpg");
    std::fs::write(&path, [0u8; 10]).unwrap();
    let source = |path: std::path::PathBuf| Source {
        unit: "u".into(),
        path: "u/a.jpg".into(),
        folders: Vec::new(),
        file_name: "a.jpg".into(),
        location: Location::File { path },
        size: 10,
        modified: None,
    };
    let too_big = crate::reading::read(&source(path.clone()), 4).unwrap_err();
    let said = check(&Check::Unreadable { reason: too_big }, Lang::Zh);
    assert_eq!(said, "无法读取：文件超过 4 字节，未读取");
    let missing = crate::reading::read(&source(dir.path().join("gone.jpg")), 4).unwrap_err();
    let said = check(&Check::Unreadable { reason: missing }, Lang::Zh);
    assert_eq!(said, "无法读取：文件或文件夹不存在");
}

/// Every way the parser refuses a command line is said in Chinese with the values it names; a
/// new `Misuse` needs a sample here (the match has no wildcard).
#[test]
fn every_misuse_is_said_in_chinese_with_its_values() {
    use crate::broken::BadSize;
    let s = |t: &str| t.to_string();
    let samples = [
        Misuse::NotOneOf {
            arg: s("--by"),
            value: s("yer"),
            valid: vec![s("unit"), s("year")],
            suggested: Some(s("year")),
        },
        Misuse::Invalid {
            arg: s("--split-size"),
            value: s("9 furlongs"),
            why: Unparsed::Size(BadSize::UnknownUnit {
                text: s("9 furlongs"),
                unit: s("furlongs"),
            }),
        },
        Misuse::Invalid {
            arg: s("--listen"),
            value: s("nowhere"),
            why: Unparsed::Address,
        },
        Misuse::Invalid {
            arg: s("--jobs"),
            value: s("many"),
            why: Unparsed::Number,
        },
        Misuse::Invalid {
            arg: s("--x"),
            value: s("v"),
            why: Unparsed::Other(s("reader's words")),
        },
        Misuse::Invalid {
            arg: s("--y"),
            value: s("w"),
            why: Unparsed::Other(String::new()),
        },
        Misuse::UnknownOption {
            arg: s("--jbos"),
            suggested: Some(s("--jobs")),
        },
        Misuse::Unexpected { arg: s("extra") },
        Misuse::NoValue { arg: s("--to") },
        Misuse::Repeated { arg: s("--out") },
        Misuse::UnknownCommand {
            name: s("runn"),
            suggested: Some(s("run")),
            valid: vec![s("run"), s("serve")],
        },
        Misuse::Missing {
            args: vec![s("--out"), s("<DROPS>")],
        },
        Misuse::NoCommand,
        Misuse::Conflict {
            arg: s("--a"),
            with: Some(s("--b")),
        },
        Misuse::ValueCount { arg: s("--many") },
        Misuse::NotUtf8,
        Misuse::Other,
    ];
    for misuse in &samples {
        let values: Vec<&str> = match misuse {
            Misuse::NotOneOf { .. } => vec!["--by", "yer", "unit、year", "year？"],
            Misuse::Invalid { why, .. } => match why {
                Unparsed::Size(_) => vec!["--split-size", "9 furlongs", "furlongs", "KiB"],
                Unparsed::Address => vec!["--listen", "nowhere", "127.0.0.1:8080"],
                Unparsed::Number => vec!["--jobs", "many", "整数"],
                Unparsed::Other(words) if words.is_empty() => vec!["--y", "“w”无效"],
                Unparsed::Other(_) => vec!["--x", "reader's words"],
            },
            Misuse::UnknownOption { .. } => vec!["--jbos", "--jobs"],
            Misuse::Unexpected { .. } => vec!["extra"],
            Misuse::NoValue { .. } => vec!["--to", "缺少值"],
            Misuse::Repeated { .. } => vec!["--out", "一次"],
            Misuse::UnknownCommand { .. } => vec!["runn", "run？", "run、serve"],
            Misuse::Missing { .. } => vec!["--out、<DROPS>"],
            Misuse::NoCommand => vec!["命令"],
            Misuse::Conflict { .. } => vec!["--a", "--b"],
            Misuse::ValueCount { .. } => vec!["--many"],
            Misuse::NotUtf8 => vec!["UTF-8"],
            Misuse::Other => vec!["命令行有误"],
        };
        let said = cli_misuse_zh(misuse);
        assert!(!said.ends_with('：'), "{said}");
        for value in values {
            assert!(said.contains(value), "{misuse:?}: no {value:?} in {said}");
        }
    }
}

/// A command that could not finish: in Chinese each step and the system's reason worded, outer
/// step first; in English anyhow's chain; a link lightbox has no words for stays as it is.
#[test]
fn a_failed_commands_chain_is_worded_step_by_step() {
    use crate::broken::Doing;
    use std::io::{Error, ErrorKind};
    let full = || -> anyhow::Result<()> {
        Err(Error::from_raw_os_error(28)).doing(|| Step::Create("/p/data".into()))
    };
    let error = full()
        .doing(|| Step::WritePackage("/p".into()))
        .unwrap_err();
    assert_eq!(
        failure(&error, Lang::Zh),
        "无法完成：写入包 /p，创建 /p/data：磁盘空间不足"
    );
    assert_eq!(
        failure(&error, Lang::En),
        format!(
            "writing the package at /p: creating /p/data: {}",
            Error::from_raw_os_error(28)
        )
    );
    // The hint for a full disk still finds the system's error under the steps.
    assert_eq!(
        crate::output::hint(&error),
        Some(crate::output::Hint::NoRoom)
    );
    // A reason without an OS code is worded by its kind; a library's own words stay.
    let eof: anyhow::Result<()> =
        Err(Error::new(ErrorKind::UnexpectedEof, "early eof")).doing(|| Step::ReadBack);
    assert_eq!(
        failure(&eof.unwrap_err(), Lang::Zh),
        "无法完成：从临时文件读回记录：文件意外结束"
    );
    let odd = anyhow::anyhow!("zip: invalid central directory");
    assert_eq!(
        failure(&odd, Lang::Zh),
        "无法完成：zip: invalid central directory"
    );
    // A cause the CLI says on its own (a `Broken`) reads the same under a step, as the desk
    // shows it; so does the catalog's lock.
    let missing: anyhow::Result<()> =
        Err(crate::broken::Broken::NoReport { work: "/w".into() }.into());
    let missing = missing.doing(|| Step::ReadBack).unwrap_err();
    assert_eq!(
        failure(&missing, Lang::Zh),
        format!(
            "无法完成：从临时文件读回记录：{}",
            broken(
                &crate::broken::Broken::NoReport { work: "/w".into() },
                Lang::Zh
            )
        )
    );
    let locked = anyhow::Error::new(CatalogError::Locked {
        path: "/w/c.sqlite".into(),
        lock: "/w/c.lock".into(),
    });
    assert!(failure(&locked, Lang::Zh).contains("/w/c.sqlite 正被另一个 lightbox 使用"));
    let schema = anyhow::Error::new(CatalogError::Schema {
        path: "/w/catalog.sqlite".into(),
        found: 7,
    });
    assert!(
        failure(&schema, Lang::Zh).contains("/w/catalog.sqlite 的格式版本是 7"),
        "{}",
        failure(&schema, Lang::Zh)
    );
}

/// Every step is said in Chinese with what it names; a new `Step` needs a sample here (the
/// match has no wildcard).
#[test]
fn every_step_is_said_in_chinese_with_its_values() {
    let p = |t: &str| std::path::PathBuf::from(t);
    let samples = [
        Step::Create(p("/c")),
        Step::Write(p("/w")),
        Step::Read(p("/r")),
        Step::List(p("/l")),
        Step::Remove(p("/rm")),
        Step::Resolve(p("/rs")),
        Step::TempFile(p("/t")),
        Step::Stage(p("/s")),
        Step::Place(p("/pl")),
        Step::Tidy(p("/ti")),
        Step::OpenJournal(p("/oj")),
        Step::CloseJournal(p("/cj")),
        Step::Sheet("克拉玛依市".into()),
        Step::Build(p("/b.xlsx")),
        Step::IntoZip {
            name: "a.jpg".into(),
            zip: p("/z.zip"),
        },
        Step::IntoPart {
            name: "b.jpg".into(),
            part: 3,
        },
        Step::Package {
            work: p("/work"),
            to: p("/pkg"),
        },
        Step::WritePackage(p("/wp")),
        Step::WriteParts(p("/wparts")),
        Step::ReadBack,
        Step::SaveDecisions,
    ];
    for sample in &samples {
        let values: Vec<&str> = match sample {
            Step::Create(_) => vec!["创建 /c"],
            Step::Write(_) => vec!["写入 /w"],
            Step::Read(_) => vec!["读取 /r"],
            Step::List(_) => vec!["/l"],
            Step::Remove(_) => vec!["删除 /rm"],
            Step::Resolve(_) => vec!["/rs"],
            Step::TempFile(_) => vec!["/t", "临时文件"],
            Step::Stage(_) => vec!["/s", "暂存"],
            Step::Place(_) => vec!["/pl"],
            Step::Tidy(_) => vec!["/ti", "中断"],
            Step::OpenJournal(_) => vec!["打开 /oj"],
            Step::CloseJournal(_) => vec!["关闭 /cj"],
            Step::Sheet(_) => vec!["联系表 克拉玛依市"],
            Step::Build(_) => vec!["/b.xlsx"],
            Step::IntoZip { .. } => vec!["a.jpg", "/z.zip"],
            Step::IntoPart { .. } => vec!["b.jpg", "第 3 卷"],
            Step::Package { .. } => vec!["/work", "/pkg"],
            Step::WritePackage(_) => vec!["包 /wp"],
            Step::WriteParts(_) => vec!["分卷 /wparts"],
            Step::ReadBack => vec!["读回"],
            Step::SaveDecisions => vec!["审核决定"],
        };
        let said = zh::step(sample);
        for value in values {
            assert!(said.contains(value), "{sample:?}: no {value:?} in {said}");
        }
        assert!(!said.is_ascii(), "{sample:?}: {said}");
    }
}

/// The staff's guide explains every finding: each check's code (before any `:field`) is in its
/// table, so a new check without a line there fails here.
#[test]
fn the_guide_explains_every_finding() {
    let guide = include_str!("../../docs/使用说明.md");
    let table = guide
        .split("## 5.")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the guide's section 5");
    let mut missing = BTreeSet::new();
    for sample in samples() {
        let code = sample.check.code();
        let code = code.split(':').next().unwrap_or_default().to_string();
        if !table.contains(&format!("`{code}`")) && !table.contains(&format!("`{code}:")) {
            missing.insert(code);
        }
    }
    assert!(missing.is_empty(), "not in the guide's table: {missing:?}");
}

/// Every kind of damage is said in both languages with its values, and in Chinese without the
/// English (a decoder's own message aside); a new `Damage` needs a sample here.
#[test]
fn every_damage_reads_in_both_languages_with_its_values() {
    let samples = [
        Damage::EndsEarly {
            unit: 8915,
            count: 77976,
        },
        Damage::LeftOver { bytes: 4321 },
        Damage::UnknownCode { at: 60001 },
        Damage::ShortTable,
        Damage::RestartMissing {
            marker: 5,
            at: 70002,
        },
        Damage::DcTooLong { bits: 17 },
        Damage::TooManyCoefficients { count: 79 },
        Damage::Decoder {
            message: "TIFF: bad strip".into(),
        },
    ];
    for damage in &samples {
        let values: Vec<&str> = match damage {
            Damage::EndsEarly { .. } => vec!["8915", "77976"],
            Damage::LeftOver { .. } => vec!["4321"],
            Damage::UnknownCode { .. } => vec!["60001"],
            Damage::ShortTable => vec![],
            Damage::RestartMissing { .. } => vec!["5", "70002"],
            Damage::DcTooLong { .. } => vec!["17"],
            Damage::TooManyCoefficients { .. } => vec!["79"],
            Damage::Decoder { .. } => vec!["TIFF: bad strip"],
        };
        let zh = zh::damage(damage);
        let en = en::damage(damage);
        for value in &values {
            assert!(
                zh.contains(value) && en.contains(value),
                "{damage:?}: {zh} / {en}"
            );
        }
        assert_ne!(zh, en, "{damage:?}");
        if !matches!(damage, Damage::Decoder { .. }) {
            assert!(
                !zh.chars().any(|c| c.is_ascii_lowercase()),
                "{damage:?}: {zh}"
            );
        }
    }
}

/// A report or catalog of an earlier version holds a corrupt picture's reason as English text:
/// it still reads, and is said as it is.
#[test]
fn an_earlier_reports_corrupt_data_still_reads() {
    let old: Check =
        serde_json::from_str(r#"{"check":"corrupt_data","reason":"old words"}"#).unwrap();
    assert_eq!(
        old,
        Check::CorruptData {
            reason: "old words".into(),
            damage: None
        }
    );
    assert!(check(&old, Lang::Zh).contains("（old words）"));
    let new = Check::CorruptData {
        reason: String::new(),
        damage: Some(Damage::ShortTable),
    };
    let json = serde_json::to_string(&new).unwrap();
    assert_eq!(
        json,
        r#"{"check":"corrupt_data","damage":{"kind":"short_table"}}"#
    );
    assert_eq!(serde_json::from_str::<Check>(&json).unwrap(), new);
}

/// Whatever the sniffer calls a file that is not a picture is said in Chinese.
#[test]
fn what_a_file_that_is_not_a_picture_is_reads_in_chinese() {
    use crate::imaging::decode::{Sniffed, sniff};
    let samples: [&[u8]; 7] = [
        b"%PDF-1.7\n",
        b"PK\x03\x04rest",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1],
        b"\0\0\0\x18ftypmp42rest",
        b"<!DOCTYPE html><html></html>",
        "年份,地点\n2015,克拉玛依市".as_bytes(),
        &[0x00, 0xFF, 0xFE, 0x80, 0x81, 0x00, 0xC3],
    ];
    let mut seen = BTreeSet::new();
    for bytes in samples {
        let Sniffed::Other(name) = sniff(bytes) else {
            panic!("{bytes:?} sniffed as a picture");
        };
        seen.insert(name);
        let said = check(
            &Check::NotAnImage {
                detected: name.into(),
            },
            Lang::Zh,
        );
        let english = said.split(['（', '）']).any(|part| {
            part.split_whitespace()
                .any(|w| w.len() > 3 && w.chars().all(|c| c.is_ascii_lowercase()))
        });
        assert!(!english, "{name}: {said}");
    }
    assert_eq!(seen.len(), samples.len(), "{seen:?}");
}

//! Validate: the collection's rules applied to one photo, as pure policy.
//!
//! In: a photo's facts, its tags and the profile. Out: findings. Invariant: no I/O and no
//! thresholds of its own: every number comes from the profile, so the same facts and profile
//! always give the same findings.

use crate::photo::Tags;
use crate::photo::{Check, Field, Finding, Format, Photo};
use crate::profile::{PlaceMatch, Profile};

/// Checks the file facts of a photo: format, resolution, size, colour.
pub fn file(photo: &Photo, profile: &Profile) -> Vec<Finding> {
    let f = &profile.files;
    let mut findings = Vec::new();
    if photo.format != Format::Jpeg && photo.decoded {
        findings.push(Finding::warn(Check::NotJpeg {
            format: photo.format.name().to_string(),
        }));
    }
    if photo.decoded {
        let long_edge = photo.long_edge();
        let megapixels = photo.pixels() as f64 / 1e6;
        if long_edge < f.min_long_edge {
            findings.push(Finding::error(Check::LongEdgeTooSmall {
                long_edge,
                min: f.min_long_edge,
            }));
        } else if long_edge < f.warn_long_edge || megapixels < f.warn_megapixels {
            findings.push(Finding::warn(Check::ResolutionLow {
                long_edge,
                megapixels: format!("{megapixels:.1}"),
                recommended: f.warn_long_edge,
            }));
        }
    }
    let bytes = photo.bytes;
    if bytes < f.min_bytes {
        findings.push(Finding::error(Check::FileTooSmall {
            bytes,
            min: f.min_bytes,
        }));
    } else if bytes < f.warn_min_bytes {
        findings.push(Finding::warn(Check::FileSmall {
            bytes,
            recommended: f.warn_min_bytes,
        }));
    } else if bytes > f.warn_max_bytes {
        findings.push(Finding::warn(Check::FileLarge {
            bytes,
            recommended: f.warn_max_bytes,
        }));
    }
    if photo.cmyk {
        findings.push(Finding::warn(Check::Cmyk));
    }
    findings
}

/// Checks the tags of a photo: required fields, year range, place, caption and event lengths.
/// (Sources that disagree are found where tags are resolved: `tags::resolve_with`.)
pub fn tags(tags: &Tags, profile: &Profile) -> Vec<Finding> {
    let mut findings = Vec::new();
    for field in Field::ALL {
        if profile.fields.required.contains(&field) && !tags.has(field) {
            findings.push(Finding::error(Check::MissingField { field }));
        }
    }
    if let Some(year) = &tags.year {
        let y = profile.years.clone();
        if profile.years.warn.contains(&year.value) {
            findings.push(Finding::warn(Check::YearPrecursor { year: year.value }));
        } else if year.value < y.first || year.value > y.last {
            findings.push(Finding::error(Check::YearOutOfRange {
                year: year.value,
                first: y.first,
                last: y.last,
            }));
        }
    }
    if let Some(place) = &tags.place {
        let value = place.value.value.clone();
        match &place.value.resolved {
            Some(PlaceMatch::Prefecture { .. }) => {}
            Some(PlaceMatch::SeparateLine) => {
                findings.push(Finding::warn(Check::PlaceSeparateLine { value }))
            }
            Some(PlaceMatch::Outside) => {
                findings.push(Finding::warn(Check::PlaceOutsideRegion { value }))
            }
            None => findings.push(Finding::error(Check::PlaceUnknown { value })),
        }
    }
    let fields = &profile.fields;
    if let Some(caption) = &tags.caption {
        let chars = caption.value.chars().count();
        if chars < fields.caption_min_chars || chars > fields.caption_max_chars {
            findings.push(Finding::warn(Check::CaptionLength {
                chars,
                min: fields.caption_min_chars,
                max: fields.caption_max_chars,
            }));
        }
    }
    if let Some(event) = &tags.event {
        let chars = event.value.chars().count();
        if chars > fields.event_max_chars {
            findings.push(Finding::warn(Check::EventTooLong {
                chars,
                max: fields.event_max_chars,
            }));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::{ContentHash, Exif, Severity};
    use crate::photo::{Place, TagSource, Tagged};

    fn photo(width: u32, height: u32, bytes: u64) -> Photo {
        Photo {
            content: ContentHash([0; 32]),
            bytes,
            format: Format::Jpeg,
            width,
            height,
            cmyk: false,
            exif: Exif::default(),
            xmp: None,
            iptc: None,
            perceptual: None,
            jpeg_quality: None,
            decoded: true,
        }
    }

    fn codes(findings: &[Finding]) -> Vec<(&'static str, Severity)> {
        findings
            .iter()
            .map(|f| (f.check.code(), f.severity))
            .collect()
    }

    #[test]
    fn rejects_long_edge_below_1024() {
        let p = Profile::embedded();
        assert_eq!(
            codes(&file(&photo(800, 600, 2_000_000), &p)),
            [("long_edge_too_small", Severity::Error)]
        );
        assert_eq!(
            codes(&file(&photo(1600, 1200, 2_000_000), &p)),
            [("resolution_low", Severity::Warn)]
        );
        assert!(file(&photo(4000, 3000, 2_000_000), &p).is_empty());
    }

    #[test]
    fn file_size_bands() {
        let p = Profile::embedded();
        assert_eq!(
            codes(&file(&photo(4000, 3000, 50_000), &p)),
            [("file_too_small", Severity::Error)]
        );
        assert_eq!(
            codes(&file(&photo(4000, 3000, 500_000), &p)),
            [("file_small", Severity::Warn)]
        );
        assert_eq!(
            codes(&file(&photo(4000, 3000, 25_000_000), &p)),
            [("file_large", Severity::Warn)]
        );
    }

    #[test]
    fn year_rules_follow_the_profile() {
        let p = Profile::embedded();
        let with_year = |year| Tags {
            year: Some(Tagged {
                value: year,
                source: TagSource::FileName,
            }),
            ..Tags::default()
        };
        let year_codes = |year| {
            codes(&tags(&with_year(year), &p))
                .into_iter()
                .filter(|(c, _)| c.starts_with("year"))
                .collect::<Vec<_>>()
        };
        assert_eq!(year_codes(2001), [("year_out_of_range", Severity::Error)]);
        assert_eq!(year_codes(2003), [("year_precursor", Severity::Warn)]);
        assert!(year_codes(2015).is_empty());
    }

    #[test]
    fn missing_fields_and_places() {
        let p = Profile::embedded();
        let t = Tags {
            place: Some(Tagged {
                value: Place::new("北京市", &p.gazetteer),
                source: TagSource::FileName,
            }),
            ..Tags::default()
        };
        let found = codes(&tags(&t, &p));
        assert!(found.contains(&("place_outside_region", Severity::Warn)));
        assert_eq!(
            found.iter().filter(|(c, _)| *c == "missing_field").count(),
            5
        );
    }
}

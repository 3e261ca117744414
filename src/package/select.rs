//! Selection: which of the report's photos go into the package, and which are left out, why.
//!
//! In: the report, its items (on disk), the curators' decisions, the run's profile, and which
//! other package already holds a content. Out: the chosen photos with their sort keys, and the
//! candidates left out with reasons.
//! Invariants: the items are read back one at a time (a group's members together, only when a
//! curator chose a keeper or split a photo from its group); a photo another package holds is
//! never chosen; a curator's reject always wins.

use std::collections::{BTreeMap, BTreeSet};

use crate::broken::{Doing, Step};

use super::{SkipCode, Skipped, place_name, safe_name_part};
use crate::catalog::Packaged;
use crate::lang::Lang;
use crate::messages::{self, LeftOut};
use crate::photo::decisions::{Decisions, Verdict};
use crate::photo::{Check, ContentHash, Severity, Status};
use crate::profile::Profile;
use crate::report::content_key;
use crate::report::{ItemReport, Report};
use crate::spill::Spill;

/// A photo going into the package: its item, the item whose tags fill its gaps (a curator's
/// keeper takes the automatic keeper's), and its place in the package's order.
pub(super) struct Chosen {
    /// (year, place, event, index): the package's order, and its names' parts.
    pub(super) key: (i32, String, String, usize),
    /// The item's position in the report.
    pub(super) position: usize,
    /// The position of the item whose tags fill this one's gaps.
    pub(super) fill_from: Option<usize>,
}

impl Chosen {
    fn of(item: &ItemReport, position: usize, fill_from: Option<usize>) -> Chosen {
        let t = &item.tags;
        Chosen {
            key: (
                t.year.as_ref().map(|y| y.value).unwrap_or_default(),
                place_name(item),
                t.event
                    .as_ref()
                    .map(|e| safe_name_part(&e.value))
                    .unwrap_or_default(),
                item.index,
            ),
            position,
            fill_from,
        }
    }

    /// The item as packaged: read back, with the gaps in its tags filled.
    pub(super) fn item(&self, items: &Spill<ItemReport>) -> std::io::Result<ItemReport> {
        let mut item = items.get(self.position)?;
        if let Some(from) = self.fill_from {
            item.tags.fill_from(&items.get(from)?.tags);
        }
        Ok(item)
    }
}

/// Decides what goes in: accepted photos, less those a curator rejected and those another
/// package holds; a curator's keeper replaces the automatic one of its group (taking the
/// automatic keeper's tags where it lacks its own); a duplicate a curator declared a different
/// photo from its group's keeper, and from the group's other photos so declared, goes in on its
/// own when `profile`'s checks find no error. Every candidate left out is returned with its
/// reason. The items are read back one at a time (a group's members together, only when a
/// curator chose a keeper or split a photo from its group). `elsewhere` tells which other
/// package holds a content.
///
/// # Errors
/// When an item cannot be read back, or `elsewhere` fails; when a split photo is to be checked
/// and `profile` is not the run's.
pub(super) fn select(
    report: &Report,
    items: &Spill<ItemReport>,
    decisions: &Decisions,
    profile: &Profile,
    elsewhere: &mut dyn FnMut(&ContentHash) -> anyhow::Result<Option<Packaged>>,
    lang: Lang,
) -> anyhow::Result<(Vec<Chosen>, Vec<Skipped>)> {
    let mut skipped = Vec::new();
    let mut skip = |item: &ItemReport, code: SkipCode, reason: String| {
        skipped.push(Skipped {
            original: item.path.clone(),
            code,
            reason,
        });
    };
    let has_errors = |item: &ItemReport| {
        item.findings
            .iter()
            .any(|f| f.finding.severity == Severity::Error)
    };
    let distinct: BTreeSet<(&str, &str)> = decisions
        .distinct
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str()))
        .collect();
    let is_distinct = |x: &ItemReport, y: &ItemReport| {
        let (x, y) = (content_key(x), content_key(y));
        let (a, b) = if x <= y { (x, y) } else { (y, x) };
        a != b && distinct.contains(&(a.as_str(), b.as_str()))
    };
    // Keeper overrides: automatic keeper → the curator's, when the automatic keeper would go in
    // and the curator's choice can. The curator's choice is found by path first (identical
    // copies share their content), then by content (the copy moved or was renamed since the
    // page was made).
    let mut overrides: BTreeMap<usize, usize> = BTreeMap::new();
    // Duplicates declared different photos from their group's keeper (the curator's, when it
    // replaces the automatic one) and from each other so declared, by item index.
    let mut split: BTreeSet<usize> = BTreeSet::new();
    // Without a curator's keeper or a split photo nothing is overridden or split, and no group's
    // members are read.
    let groups = match decisions.keepers.is_empty() && decisions.distinct.is_empty() {
        true => &[][..],
        false => &report.duplicate_groups[..],
    };
    for group in groups {
        let Some(auto) = group.keeper else { continue };
        let mut members = BTreeMap::new();
        for &m in &group.members {
            if let Some(position) = m.checked_sub(1).filter(|&p| p < items.len()) {
                members.insert(m, items.get(position).doing(|| Step::ReadBack)?);
            }
        }
        let by_index = |index: usize| members.get(&index);
        let Some(auto_item) = by_index(auto) else {
            continue;
        };
        let others = || group.members.iter().copied().filter(|&m| m != auto);
        let by_path = others().find(|&m| {
            by_index(m).is_some_and(|i| decisions.keepers.iter().any(|k| k.path == i.path))
        });
        let auto_key = content_key(auto_item);
        let by_content = || {
            others().find(|&m| {
                by_index(m).is_some_and(|i| {
                    let key = content_key(i);
                    key != auto_key && decisions.keepers.iter().any(|k| k.content == key)
                })
            })
        };
        let auto_chosen = decisions.keepers.iter().any(|k| k.path == auto_item.path);
        let chosen = match auto_chosen {
            true => None,
            false => by_path.or_else(by_content),
        };
        // A chosen copy that can replace the keeper: not one the curator declared a different
        // photo from it (that one is no copy: it goes in on its own, below), nor rejected, nor
        // with errors; and the automatic keeper would have gone in.
        let replaces = |m: &usize| {
            by_index(*m).is_some_and(|c| {
                auto_item.status == Status::Accepted
                    && !is_distinct(c, auto_item)
                    && !has_errors(c)
                    && decisions.verdict(&content_key(c)) != Some(Verdict::Reject)
            })
        };
        let keeper = match chosen.filter(replaces) {
            Some(chosen) => {
                overrides.insert(auto, chosen);
                chosen
            }
            None => auto,
        };
        // The photos of the group: the keeper's, then each duplicate declared a different photo
        // from every photo found so far (the curator's choice first, then in path order); any
        // other duplicate is a copy of one of them. Whether a photo then goes in (its verdict,
        // its errors) does not change which photos its copies are.
        let Some(keeper_item) = by_index(keeper) else {
            continue;
        };
        let mut photos = vec![keeper_item];
        let order = chosen
            .into_iter()
            .chain(group.members.iter().copied())
            .filter(|&m| m != keeper && m != auto);
        for m in order {
            let Some(item) = by_index(m) else { continue };
            if item.status == Status::Duplicate
                && !split.contains(&m)
                && photos.iter().all(|p| is_distinct(item, p))
            {
                split.insert(m);
                photos.push(item);
            }
        }
    }
    let mut selected = Vec::new();
    for (position, item) in items.iter().enumerate() {
        let item = item.doing(|| Step::ReadBack)?;
        let key = content_key(&item);
        let verdict = decisions.verdict(&key);
        let is_split = item.status == Status::Duplicate && split.contains(&item.index);
        if is_split && verdict != Some(Verdict::Reject) {
            let errors = split_errors(&item, report, profile, lang)?;
            if !errors.is_empty() {
                skip(
                    &item,
                    SkipCode::DistinctWithErrors,
                    messages::left_out(&LeftOut::DistinctWithErrors { errors: &errors }, lang),
                );
                continue;
            }
        }
        let candidate = item.status == Status::Accepted || is_split;
        if let Some(&chosen) = overrides.get(&item.index) {
            let mut replacement = items.get(chosen - 1).doing(|| Step::ReadBack)?;
            replacement.tags.fill_from(&item.tags);
            skip(
                &item,
                SkipCode::CuratorKeeper,
                messages::left_out(
                    &LeftOut::CuratorKept {
                        path: &replacement.path,
                    },
                    lang,
                ),
            );
            selected.push(Chosen::of(&replacement, chosen - 1, Some(position)));
            continue;
        }
        if !candidate {
            if verdict == Some(Verdict::Accept) && item.status != Status::Duplicate {
                skip(
                    &item,
                    SkipCode::AcceptedWithErrors,
                    messages::left_out(&LeftOut::AcceptedWithErrors, lang),
                );
            }
            continue;
        }
        if verdict == Some(Verdict::Reject) {
            skip(
                &item,
                SkipCode::CuratorRejected,
                messages::left_out(&LeftOut::CuratorRejected, lang),
            );
            continue;
        }
        let held = match &item.photo {
            Some(photo) => elsewhere(&photo.content)?,
            None => None,
        };
        if let Some(held) = held {
            let check = Check::AlreadyPackaged {
                file: held.file,
                package: held.package,
                unit: held.unit,
            };
            skip(
                &item,
                SkipCode::AlreadyPackaged,
                messages::check(&check, lang),
            );
            continue;
        }
        selected.push(Chosen::of(&item, position, None));
    }
    Ok((selected, skipped))
}

/// The errors of a duplicate a curator split from its group, as messages: its own (inspection)
/// and those the profile's checks find now (the run does not check a duplicate against the
/// profile), each once.
///
/// # Errors
/// When `profile` is not the one the run used (by name): its checks would not be the run's.
fn split_errors(
    item: &ItemReport,
    report: &Report,
    profile: &Profile,
    lang: Lang,
) -> anyhow::Result<Vec<String>> {
    anyhow::ensure!(
        profile.name == report.profile,
        "{} was declared a different photo from its group by a curator, so lightbox package \
         checks it with the run's profile; the run used {}, lightbox package was given {}: pass \
         lightbox package the run's --profile",
        item.path,
        report.profile,
        profile.name
    );
    let mut messages: Vec<String> = Vec::new();
    let mut add = |message: String| {
        if !messages.contains(&message) {
            messages.push(message);
        }
    };
    for f in &item.findings {
        if f.finding.severity == Severity::Error {
            add(messages::check(&f.finding.check, lang));
        }
    }
    if let Some(photo) = &item.photo {
        let mut found = crate::validate::file(photo, profile);
        if photo.decoded {
            found.extend(crate::validate::tags(&item.tags, profile));
        }
        for f in found {
            if f.severity == Severity::Error {
                add(messages::check(&f.check, lang));
            }
        }
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::Finding;
    use crate::photo::decisions::{Decision, DistinctPair, Keeper};
    use crate::photo::{Group, GroupKind, KeepReason};
    use crate::report::ReportedFinding;
    use crate::spill::SpillWriter;
    use serde_json::json;

    /// A photo of the report: `bytes` its content (all 32 bytes of its hash), `complete` whether
    /// it has every tag the embedded profile requires (else no caption and no photographer).
    fn photo_item(index: usize, bytes: u8, status: Status, complete: bool) -> ItemReport {
        let source = json!({"from": "file_name"});
        let mut tags = json!({
            "year": {"value": 2015, "source": source},
            "place": {"value": {"value": "克拉玛依市", "resolved": {"kind": "prefecture", "code": "6502", "name": "克拉玛依市"}}, "source": source},
            "event": {"value": "科普进校园", "source": source},
            "unit": {"value": "克拉玛依市科协", "source": {"from": "drop"}},
        });
        if complete {
            tags["caption"] = json!({"value": "克拉玛依市科协组织科技工作者走进校园，为学生讲解科学知识。", "source": source});
            tags["photographer"] = json!({"value": "王建国", "source": source});
        }
        let mut item: ItemReport = serde_json::from_value(json!({
            "index": index, "unit": "u", "path": format!("u/{index}.jpg"),
            "location": {"kind": "file", "path": format!("/d/u/{index}.jpg")},
            "size": 2_000_000, "status": status,
            "photo": {"content": ContentHash([bytes; 32]).to_hex(), "bytes": 2_000_000, "format": "jpeg",
                      "width": 4000, "height": 3000, "cmyk": false, "exif": {}, "decoded": true},
            "tags": tags, "findings": []
        }))
        .expect("an item");
        if status == Status::Duplicate {
            let check = Check::ExactDuplicate {
                keeper: "u/1.jpg".into(),
                reason: "more_pixels".into(),
            };
            item.findings
                .push(ReportedFinding::new(&Finding::info(check), Lang::Zh));
        }
        item
    }

    /// A report of `items` (statuses as given) with one duplicate group of them, kept by `keeper`.
    struct Case {
        report: Report,
        items: Spill<ItemReport>,
        _dir: tempfile::TempDir,
    }

    fn case(items: Vec<ItemReport>, keeper: usize) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let mut report: Report = serde_json::from_value(json!({
            "format": crate::report::FORMAT_VERSION, "tool": "lightbox test", "profile": "cast-2023",
            "lang": "zh", "inputs": [], "summary": crate::report::Summary::default(), "problems": [],
            "side_files": [], "duplicate_groups": [], "catalog": "catalog.sqlite", "items": []
        }))
        .expect("a report");
        report.duplicate_groups.push(Group {
            kind: GroupKind::Duplicate,
            content: items[keeper - 1].photo.as_ref().unwrap().content,
            keeper: Some(keeper),
            members: items.iter().map(|i| i.index).collect(),
            units: vec!["u".into()],
            reason: Some(KeepReason::FirstByPath),
            pairs: Vec::new(),
            filled: Vec::new(),
        });
        let mut spill = SpillWriter::create(dir.path()).unwrap();
        for item in &items {
            spill.push(item).unwrap();
        }
        Case {
            report,
            items: spill.finish().unwrap(),
            _dir: dir,
        }
    }

    fn key(bytes: u8) -> String {
        ContentHash([bytes; 32]).to_hex()
    }

    fn pair(x: u8, y: u8) -> DistinctPair {
        DistinctPair::new(&key(x), &key(y)).unwrap()
    }

    fn decisions(distinct: Vec<DistinctPair>) -> Decisions {
        Decisions {
            format: 1,
            distinct,
            ..Decisions::default()
        }
    }

    /// What `select` chose (item index, and the index whose tags fill its gaps) and left out
    /// (path, code, reason).
    type Selection = (Vec<(usize, Option<usize>)>, Vec<(String, SkipCode, String)>);

    fn run_select(
        case: &Case,
        decisions: &Decisions,
        profile: &Profile,
    ) -> anyhow::Result<Selection> {
        let (selected, skipped) = select(
            &case.report,
            &case.items,
            decisions,
            profile,
            &mut |_| Ok(None),
            Lang::Zh,
        )?;
        let mut chosen: Vec<(usize, Option<usize>)> = selected
            .iter()
            .map(|c| (c.position + 1, c.fill_from.map(|p| p + 1)))
            .collect();
        chosen.sort();
        let skipped = skipped
            .into_iter()
            .map(|s| (s.original, s.code, s.reason))
            .collect();
        Ok((chosen, skipped))
    }

    fn chosen(case: &Case, decisions: &Decisions) -> Selection {
        run_select(case, decisions, &Profile::embedded()).unwrap()
    }

    #[test]
    fn a_duplicate_declared_distinct_from_its_keeper_goes_in_on_its_own() {
        use Status::{Accepted, Duplicate};
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, true),
                photo_item(3, 3, Duplicate, true),
            ],
            1,
        );
        assert_eq!(chosen(&case, &decisions(vec![])), (vec![(1, None)], vec![]));
        // As the page exports "not the same photo" on #2: #2 against every other member.
        let split = decisions(vec![pair(2, 1), pair(2, 3)]);
        assert_eq!(
            chosen(&case, &split),
            (vec![(1, None), (2, None)], vec![]),
            "#2 goes in with its own tags; #3 stays a copy of #1"
        );
        // Declared distinct only from #3 (not the keeper): still a copy of the keeper.
        assert_eq!(
            chosen(&case, &decisions(vec![pair(2, 3)])),
            (vec![(1, None)], vec![])
        );
    }

    #[test]
    fn a_split_duplicate_is_checked_against_the_profile_and_a_reject_still_wins() {
        use Status::{Accepted, Duplicate};
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, false),
            ],
            1,
        );
        let split = decisions(vec![pair(1, 2)]);
        let (selected, skipped) = chosen(&case, &split);
        assert_eq!(selected, [(1, None)]);
        assert_eq!(
            skipped,
            [(
                "u/2.jpg".to_string(),
                SkipCode::DistinctWithErrors,
                "审核人认定不是同一张照片，但仍有错误未解决，请单位补齐：缺少图片说明；缺少摄影者"
                    .to_string()
            )],
            "the run never checked the duplicate: the package does"
        );
        assert!(SkipCode::DistinctWithErrors.is_problem());

        // The curator's reject wins over the split, errors or not.
        let mut rejected = split.clone();
        rejected.decisions.push(Decision {
            content: key(2),
            path: "u/2.jpg".into(),
            decision: Verdict::Reject,
        });
        let (selected, skipped) = chosen(&case, &rejected);
        assert_eq!(selected, [(1, None)]);
        assert_eq!(
            skipped,
            [(
                "u/2.jpg".to_string(),
                SkipCode::CuratorRejected,
                "审核人不采用".to_string()
            )]
        );

        // Checked with another profile than the run's: refused, naming what to do.
        let mut other = Profile::embedded();
        other.name = "another".into();
        let err = run_select(&case, &split, &other).unwrap_err().to_string();
        assert!(
            err.contains("u/2.jpg") && err.contains("cast-2023") && err.contains("--profile"),
            "{err}"
        );
    }

    #[test]
    fn split_copies_of_the_same_bytes_go_in_once() {
        use Status::{Accepted, Duplicate};
        // #2 and #3 are the same bytes (another photo than #1), sent twice.
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, true),
                photo_item(3, 2, Duplicate, true),
            ],
            1,
        );
        assert_eq!(
            chosen(&case, &decisions(vec![pair(1, 2)])),
            (vec![(1, None), (2, None)], vec![]),
            "the same bytes are packaged once"
        );
    }

    #[test]
    fn a_split_beside_a_curators_keeper() {
        use Status::{Accepted, Duplicate};
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, true),
                photo_item(3, 3, Duplicate, true),
            ],
            1,
        );
        let keeper = |m: usize| Keeper {
            content: key(m as u8),
            path: format!("u/{m}.jpg"),
        };
        let replaced = (
            "u/1.jpg".to_string(),
            SkipCode::CuratorKeeper,
            "审核人改为保留 u/2.jpg".to_string(),
        );

        // #2 kept instead of #1, #3 split from the group: #2 replaces #1, #3 goes in on its own.
        let mut d = decisions(vec![pair(3, 1), pair(3, 2)]);
        d.keepers.push(keeper(2));
        assert_eq!(
            chosen(&case, &d),
            (vec![(2, Some(1)), (3, None)], vec![replaced.clone()])
        );

        // #3 declared distinct from #1 only, #2 kept: #3 is a copy of the keeper that goes in.
        let mut d = decisions(vec![pair(3, 1)]);
        d.keepers.push(keeper(2));
        assert_eq!(
            chosen(&case, &d),
            (vec![(2, Some(1))], vec![replaced.clone()])
        );

        // #2 kept and split from the others: it is no copy of #1, so it replaces nothing. #1
        // stays the keeper of #3, and #2 goes in on its own, with its own tags.
        let mut d = decisions(vec![pair(2, 1), pair(2, 3)]);
        d.keepers.push(keeper(2));
        assert_eq!(chosen(&case, &d), (vec![(1, None), (2, None)], vec![]));

        // #2 kept, and the automatic keeper #1 split from the others: the same photos go in,
        // #2 for itself and its copy #3.
        let mut d = decisions(vec![pair(1, 2), pair(1, 3)]);
        d.keepers.push(keeper(2));
        assert_eq!(chosen(&case, &d), (vec![(1, None), (2, None)], vec![]));
        // #3 kept instead: #3 goes in for #2.
        let mut d = decisions(vec![pair(1, 2), pair(1, 3)]);
        d.keepers.push(keeper(3));
        assert_eq!(chosen(&case, &d), (vec![(1, None), (3, None)], vec![]));
    }

    #[test]
    fn the_keeper_split_from_the_others_leaves_them_one_photo() {
        use Status::{Accepted, Duplicate};
        let case = case(
            vec![
                photo_item(1, 1, Accepted, true),
                photo_item(2, 2, Duplicate, true),
                photo_item(3, 3, Duplicate, true),
            ],
            1,
        );
        // "Not the same photo" on the keeper #1: #2 and #3 are still copies of one photo.
        assert_eq!(
            chosen(&case, &decisions(vec![pair(1, 2), pair(1, 3)])),
            (vec![(1, None), (2, None)], vec![])
        );
        // On every photo: three photos.
        assert_eq!(
            chosen(&case, &decisions(vec![pair(1, 2), pair(1, 3), pair(2, 3)])),
            (vec![(1, None), (2, None), (3, None)], vec![])
        );
        // A photo that goes in for its copies still stands for them when it does not go in
        // (rejected, here): its copies stay out, as the copies of a rejected keeper do.
        let mut d = decisions(vec![pair(1, 2), pair(1, 3)]);
        d.decisions.push(Decision {
            content: key(2),
            path: "u/2.jpg".into(),
            decision: Verdict::Reject,
        });
        let (selected, skipped) = chosen(&case, &d);
        assert_eq!(selected, [(1, None)]);
        assert_eq!(
            skipped
                .iter()
                .map(|(path, code, _)| (path.as_str(), *code))
                .collect::<Vec<_>>(),
            [("u/2.jpg", SkipCode::CuratorRejected)]
        );
    }
}

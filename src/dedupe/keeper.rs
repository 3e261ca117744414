//! Dedupe's keeper rule and group resolution: in a group of copies, which one is kept and why
//! (intact, more pixels, less compressed, more complete tags, the original, first by path),
//! the tags it takes from the others, and the groups a curator split.
//!
//! In: the members' facts. Out: a resolved [`Group`] with its [`KeepReason`]. Invariant: the
//! reason names the step that decided, with both values.

use super::*;

/// How a copy ranks under the keeper rule; compared step by step.
pub(super) struct Rank {
    pub(super) intact: bool,
    pub(super) pixels: u64,
    pub(super) quality: Option<u8>,
    pub(super) tags: usize,
    pub(super) original: bool,
}

/// Qualities closer than this are the same for the keeper rule: the estimate is approximate for
/// cameras' own tables, and a re-save at a similar quality is told apart by the original step.
pub(super) const QUALITY_MARGIN: u8 = 10;

pub(super) fn rank(item: &Facts) -> Rank {
    let photo = item.photo.as_ref();
    Rank {
        intact: item.intact,
        pixels: photo.map_or(0, |p| p.pixels),
        quality: photo.and_then(|p| p.quality),
        tags: usize::from(item.tags),
        original: photo.is_some_and(|p| p.original),
    }
}

/// The steps of the keeper rule, in order.
#[derive(Clone, Copy)]
pub(super) enum Step {
    Intact,
    Pixels,
    Quality,
    Tags,
    Original,
}

impl Step {
    /// The value a step compares (higher is better).
    fn key(self, r: &Rank) -> u64 {
        match self {
            Step::Intact => u64::from(r.intact),
            Step::Pixels => r.pixels,
            Step::Quality => u64::from(r.quality.unwrap_or(0)),
            Step::Tags => r.tags as u64,
            Step::Original => u64::from(r.original),
        }
    }

    /// Whether a copy survives the step, given the best key among the copies left.
    fn keeps(self, r: &Rank, best: u64) -> bool {
        match self {
            // Unknown quality (not a JPEG) never loses; known qualities within the margin tie.
            Step::Quality => r
                .quality
                .is_none_or(|q| u64::from(q) + u64::from(QUALITY_MARGIN) > best),
            _ => self.key(r) == best,
        }
    }

    fn reason(self, kept: &Rank, other: &Rank) -> KeepReason {
        match self {
            Step::Intact => KeepReason::Intact,
            Step::Pixels => KeepReason::MorePixels {
                kept: kept.pixels,
                other: other.pixels,
            },
            Step::Quality => KeepReason::HigherQuality {
                kept: kept.quality.unwrap_or(0),
                other: other.quality.unwrap_or(0),
            },
            Step::Tags => KeepReason::MoreCompleteTags {
                kept: kept.tags,
                other: other.tags,
            },
            Step::Original => KeepReason::Original,
        }
    }
}

/// A copy without camera metadata, beside a camera original with as many pixels, was made from
/// it (or from a copy of it): its quality counts at most as the original's. A re-save at quality
/// 90 of a quality-75 camera file holds no more than the camera file; without this, the
/// quantisation tables alone would prefer the re-save.
pub(super) fn cap_resaves(ranks: &mut BTreeMap<usize, Rank>, left: &[usize]) {
    let camera = left
        .iter()
        .filter(|p| ranks[p].original)
        .filter_map(|p| ranks[p].quality)
        .max();
    if let Some(camera) = camera {
        for p in left {
            let r = ranks.get_mut(p).expect("ranked");
            if !r.original {
                r.quality = r.quality.map(|q| q.min(camera));
            }
        }
    }
}

/// Picks the keeper among `positions` (path order): each step of the rule keeps the best copies
/// and drops the rest; the step that leaves one copy is the reason, recorded against the best
/// copy it dropped (the runner-up). All equal: the first by path.
pub(super) fn choose_keeper(facts: &[Facts], positions: &[usize]) -> (usize, KeepReason) {
    let mut ranks: BTreeMap<usize, Rank> =
        positions.iter().map(|&p| (p, rank(&facts[p]))).collect();
    let mut left: Vec<usize> = positions.to_vec();
    for step in [
        Step::Intact,
        Step::Pixels,
        Step::Quality,
        Step::Tags,
        Step::Original,
    ] {
        if matches!(step, Step::Quality) {
            cap_resaves(&mut ranks, &left);
        }
        let best = left
            .iter()
            .filter(|p| !matches!(step, Step::Quality) || ranks[p].quality.is_some())
            .map(|p| step.key(&ranks[p]))
            .max();
        let Some(best) = best else { continue };
        let (kept, dropped): (Vec<usize>, Vec<usize>) =
            left.iter().partition(|&&p| step.keeps(&ranks[&p], best));
        if dropped.is_empty() {
            continue;
        }
        left = kept;
        if let [keeper] = left[..] {
            let runner_up = dropped
                .iter()
                .copied()
                .max_by(|&a, &b| {
                    step.key(&ranks[&a])
                        .cmp(&step.key(&ranks[&b]))
                        .then(b.cmp(&a))
                })
                .expect("something was dropped");
            return (keeper, step.reason(&ranks[&keeper], &ranks[&runner_up]));
        }
    }
    (left[0], KeepReason::FirstByPath)
}

/// Resolves a set of copies: keeper, statuses, findings, filled tags (marks for the items, in
/// `grouping`). `pairs` are the measured near pairs; identical copies get a distance-0 pair to
/// the first copy of their content. `member` gives a member's names and tags.
pub(super) fn resolve(
    facts: &[Facts],
    member: &mut dyn FnMut(usize) -> Member,
    positions: &[usize],
    mut pairs: Vec<Pair>,
    grouping: &mut Grouping,
) -> Group {
    let (best, reason) = choose_keeper(facts, positions);
    let content = |p: usize| facts[p].photo.as_ref().map(|ph| ph.content);
    // Identical copies: each tied to the first member with the same bytes.
    for (k, &p) in positions.iter().enumerate() {
        if let Some(&first) = positions[..k].iter().find(|&&q| content(q) == content(p)) {
            pairs.push(Pair {
                a: facts[first].index,
                b: facts[p].index,
                kind: GroupKind::Identical,
                distance: 0,
                block_distance: 0,
                transform: Dihedral::Identity,
                mismatch: 0,
                framing: Framing::Same,
                seconds_apart: None,
                similarity: None,
                measured_at: None,
            });
        }
    }
    pairs.sort_by_key(|p| (p.a.min(p.b), p.a.max(p.b)));
    let kind = if positions.iter().all(|&p| content(p) == content(best)) {
        GroupKind::Identical
    } else {
        GroupKind::Duplicate
    };
    let keeper_fp = facts[best]
        .photo
        .as_ref()
        .and_then(|p| p.perceptual.as_ref());
    let Member {
        unit,
        path,
        tags: mut keeper_tags,
    } = member(best);
    let mut units = vec![unit];
    let mut filled = Vec::new();
    for &pos in positions {
        if pos == best {
            continue;
        }
        let other = member(pos);
        let before = keeper_tags.clone();
        keeper_tags.fill_from(&other.tags);
        for field in Field::ALL {
            if before.has(field) != keeper_tags.has(field) {
                filled.push(FilledTag {
                    field,
                    from: facts[pos].index,
                    path: other.path.clone(),
                });
            }
        }
        units.push(other.unit);
        let near = match content(pos) == content(best) {
            true => None,
            false => keeper_fp
                .zip(
                    facts[pos]
                        .photo
                        .as_ref()
                        .and_then(|p| p.perceptual.as_ref()),
                )
                .map(|(k, o)| {
                    let (transform, distance, _) = k.closest(o);
                    (transform, distance)
                }),
        };
        grouping.marks.push((
            pos,
            Mark::Duplicate {
                keeper: best,
                reason: reason.code(),
                near,
            },
        ));
    }
    if !filled.is_empty() {
        grouping
            .marks
            .push((best, Mark::Tags(Box::new(keeper_tags))));
    }
    grouping.paths.insert(best, path);
    units.sort();
    units.dedup();
    Group {
        kind,
        content: content(best).expect("grouped items have photos"),
        keeper: Some(facts[best].index),
        members: positions.iter().map(|&p| facts[p].index).collect(),
        units,
        reason: Some(reason),
        pairs,
        filled,
    }
}

/// A burst or look-alike group of `shots` (positions, the keeper of each copy set) with the
/// pairs that tie it to its first shot, and a finding on each shot; nobody's status changes.
pub(super) fn shared_group(
    facts: &[Facts],
    member: &mut dyn FnMut(usize) -> Member,
    kind: GroupKind,
    mut shots: Vec<usize>,
    mut pairs: Vec<Pair>,
    grouping: &mut Grouping,
) -> Group {
    shots.sort_unstable();
    pairs.sort_by_key(|p| (p.a.min(p.b), p.a.max(p.b)));
    let mut units = Vec::new();
    let all: std::sync::Arc<[usize]> = shots.clone().into();
    for &p in &shots {
        let Member { unit, path, .. } = member(p);
        units.push(unit);
        grouping.paths.insert(p, path);
        let mark = match kind {
            GroupKind::Burst => Mark::Burst(all.clone()),
            _ => Mark::LooksAlike(all.clone()),
        };
        grouping.marks.push((p, mark));
    }
    units.sort();
    units.dedup();
    Group {
        kind,
        content: facts[shots[0]]
            .photo
            .as_ref()
            .map(|ph| ph.content)
            .expect("grouped shots have photos"),
        keeper: None,
        members: shots.iter().map(|&p| facts[p].index).collect(),
        units,
        reason: None,
        pairs,
        filled: Vec::new(),
    }
}

//! Dedupe: copies of one photo and similar shots of one moment, across units, told apart the way
//! curators see them, with an explained choice of the copy to keep.
//!
//! In: the items of a run, or only their [`Facts`] (inspection facts with their
//! [`Fingerprint`]s, how complete their tags are: what a long run keeps in memory while the items
//! wait on disk) and the [`NearParams`] bands. Out: groups of three kinds, and the [`Mark`]s they
//! leave on the items (statuses, findings, the keeper's filled tags):
//! - [`GroupKind::Identical`]: the same bytes (content hash). All but the keeper become
//!   duplicates (`exact_duplicate`).
//! - [`GroupKind::Duplicate`]: the same shot in another copy (resized, recompressed, cropped,
//!   turned, mirrored, brightened). Resolved automatically: all but the keeper become duplicates
//!   (`near_duplicate`, naming the keeper, the distance and the turn); every unit that sent a copy
//!   is recorded.
//! - [`GroupKind::Burst`]: similar shots of one moment. Reported for the curator (`burst`
//!   warnings); nobody's status changes, nothing is dropped.
//!
//! The keeper of a group is chosen by one rule, recorded with the values that decided it
//! ([`KeepReason`]): an intact file first, then more pixels, then not recompressed (JPEG quality
//! from the quantisation tables, `inspect::quality`), then more complete tags, then the original
//! (camera metadata) rather than a re-save, then the first by path. Tags the keeper lacks are
//! taken from the other copies, each recorded with the copy it came from ([`FilledTag`]).
//!
//! How a pair is told apart: candidates are pairs whose DCT hashes, one of them turned by any of
//! the eight rotations and mirrorings, are within `candidate_radius` bits (found through the
//! multi-index in [`crate::near`], never all pairs). Each candidate's thumbnails are then aligned
//! ([`crate::fingerprint::align`]): a copy of the same shot aligns almost perfectly *and* one
//! view contains the other (a crop), while frames of a burst are offset so each shows something
//! the other lacks. Capture time and camera settle the rest: two copies of one shot never carry
//! different capture times or cameras.
//!
//! Invariant: groups, keepers and pairs depend only on the items' content and order (sorted
//! candidate lists, union-find named by the first member, parallel work collected in order),
//! never on timing or thread count: the same input always gives the same groups in the same order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;

use crate::fingerprint::{Alignment, Dihedral, Fingerprint, Framing, GreyThumb, HashKind, hamming};

use crate::near::{Index, UnionFind};
use crate::photo::Tags;
use crate::photo::{Check, ContentHash, Field, Finding, Item, Severity, Status};

pub use crate::photo::{FilledTag, Group, GroupKind, KeepReason, Pair};
pub use crate::profile::NearParams;

mod candidates;
mod keeper;
mod measure;
pub mod verify;

use candidates::*;
use keeper::*;
use measure::*;

/// What dedupe needs to know of one item, and nothing more: a run keeps these for every photo
/// while the items themselves wait on disk, so they are small (about 150 bytes once
/// [`Facts::without_thumbnail`] leaves out the fingerprint's 256-byte grey thumbnail). Names
/// (unit, path) and tags are asked for only for the members of a group ([`Member`]), thumbnails
/// left out only for the photos of candidate pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// The item's 1-based index.
    pub index: usize,
    /// The photo's facts, when the item is a photo.
    pub photo: Option<PhotoFacts>,
    /// It decoded and no error finding says the file itself is unusable.
    pub intact: bool,
    /// How many tag fields it has (the keeper rule's fourth step).
    pub tags: u8,
}

/// What dedupe needs of a photo's inspection.
#[derive(Clone, Debug, PartialEq)]
pub struct PhotoFacts {
    /// Content id.
    pub content: ContentHash,
    /// Perceptual fingerprint, when the pixels decoded.
    pub perceptual: Option<Fingerprint>,
    /// EXIF camera maker, trimmed, as a [`name_id`].
    pub make: Option<u64>,
    /// EXIF camera model, trimmed, as a [`name_id`].
    pub model: Option<u64>,
    /// Capture time in seconds since 0000-03-01, from EXIF `DateTimeOriginal`.
    pub taken: Option<i64>,
    /// Camera metadata present (capture time, maker or model): a camera original.
    pub original: bool,
    /// Pixel count.
    pub pixels: u64,
    /// Estimated JPEG quality.
    pub quality: Option<u8>,
}

/// A name as 64 bits (of its blake3 hash): what the facts keep of a camera's maker and model,
/// compared for equality only (two different names share one at odds of 2⁻⁶⁴).
pub fn name_id(name: &str) -> u64 {
    let hash = blake3::hash(name.as_bytes());
    u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"))
}

impl Facts {
    /// The facts of an item, as it stands before dedupe.
    pub fn of(item: &Item) -> Facts {
        let photo = item.photo.as_deref();
        let id = |name: &Option<String>| name.as_deref().map(|n| name_id(n.trim()));
        Facts {
            index: item.index,
            photo: photo.map(|p| PhotoFacts {
                content: p.content,
                perceptual: p.perceptual.clone(),
                make: id(&p.exif.make),
                model: id(&p.exif.model),
                taken: p.exif.date_taken.as_deref().and_then(seconds_of),
                original: p.exif.date_taken.is_some()
                    || p.exif.make.is_some()
                    || p.exif.model.is_some(),
                pixels: p.pixels(),
                quality: p.jpeg_quality,
            }),
            intact: photo.is_some_and(|p| p.decoded)
                && !item
                    .findings
                    .iter()
                    .any(|f| f.severity == Severity::Error && f.check.is_file_problem()),
            tags: item.tags.completeness() as u8,
        }
    }

    /// The same facts without the fingerprint's grey thumbnail (an empty one in its place):
    /// [`group_facts`] reads it back for the few photos it aligns.
    pub fn without_thumbnail(mut self) -> Facts {
        if let Some(fp) = self.photo.as_mut().and_then(|p| p.perceptual.as_mut()) {
            fp.thumb = GreyThumb(Vec::new());
        }
        self
    }
}

/// What dedupe asks of a group's member beyond its [`Facts`].
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The submitting unit.
    pub unit: String,
    /// The display path.
    pub path: String,
    /// Its tags.
    pub tags: Tags,
}

impl Member {
    /// An item's member part.
    pub fn of(item: &Item) -> Member {
        Member {
            unit: item.source.unit.clone(),
            path: item.source.path.clone(),
            tags: item.tags.clone(),
        }
    }
}

/// What grouping does to one item (by position). Small: a run keeps one per duplicate until it
/// reads the items back; the paths a finding names are in [`Grouping::paths`].
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// Another copy (the keeper, at that position) is kept: the item becomes a duplicate.
    Duplicate {
        /// The keeper's position.
        keeper: usize,
        /// Why the keeper was chosen ([`KeepReason::code`]).
        reason: &'static str,
        /// For a copy that is not byte-identical: the turn and DCT distance to the keeper.
        near: Option<(Dihedral, u32)>,
    },
    /// The keeper took tags it lacked from the other copies: these are its tags now.
    Tags(Box<Tags>),
    /// The item is a shot of a burst (the positions of all its shots, this one included).
    Burst(std::sync::Arc<[usize]>),
    /// The item looks like others (the positions of the whole group, this one included).
    LooksAlike(std::sync::Arc<[usize]>),
}

/// What grouping found: the groups, and the marks to apply to the items (by position, in the
/// order they were made).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grouping {
    /// The groups, in report order.
    pub groups: Vec<Group>,
    /// What happens to which item.
    pub marks: Vec<(usize, Mark)>,
    /// The display paths of the keepers and burst shots the marks name, by position.
    pub paths: BTreeMap<usize, String>,
}

impl Grouping {
    /// Applies a mark to the item at `position`: its status, findings or tags.
    pub fn apply(&self, position: usize, mark: Mark, item: &mut Item) {
        let path = |p: usize| self.paths.get(&p).cloned().unwrap_or_default();
        match mark {
            Mark::Duplicate {
                keeper,
                reason,
                near,
            } => {
                let (keeper, reason) = (path(keeper), reason.to_string());
                let check = match near {
                    Some((transform, distance)) => Check::NearDuplicate {
                        keeper,
                        distance,
                        transform,
                        reason,
                    },
                    None => Check::ExactDuplicate { keeper, reason },
                };
                item.status = Status::Duplicate;
                item.findings.push(Finding::info(check));
            }
            Mark::Tags(tags) => item.tags = *tags,
            Mark::Burst(shots) => {
                let others = shots
                    .iter()
                    .filter(|&&q| q != position)
                    .map(|&q| path(q))
                    .collect();
                item.findings.push(Finding::warn(Check::Burst { others }));
            }
            Mark::LooksAlike(shots) => {
                let others = shots
                    .iter()
                    .filter(|&&q| q != position)
                    .map(|&q| path(q))
                    .collect();
                item.findings
                    .push(Finding::info(Check::LooksAlike { others }));
            }
        }
    }
}

/// Pairs of contents a curator said are different photos, each pair smaller hash first: never
/// grouped, whatever their pictures say.
pub type Distinct = BTreeSet<(ContentHash, ContentHash)>;

/// The grey picture of a photo by its content (its derived thumbnail, decoded), for
/// verification; `None` where there is none (verification then cannot confirm a copy).
pub type Pictures<'a> = dyn Fn(&ContentHash) -> Option<image::GrayImage> + Sync + 'a;

/// What grouping is told besides the photos: the profile's bands, the curators' splits and
/// where the pictures are.
#[derive(Clone, Copy)]
pub struct Settings<'a> {
    /// The bands (the profile's `[dedupe]`).
    pub params: &'a NearParams,
    /// Pairs a curator split: never grouped.
    pub distinct: &'a Distinct,
    /// The pictures candidates are verified on.
    pub pictures: &'a Pictures<'a>,
}

/// The pictures of a folder of derived thumbnails (`<content>.jpg`), decoded to grey.
pub fn thumbnails_in(
    dir: &Path,
) -> impl Fn(&ContentHash) -> Option<image::GrayImage> + Sync + use<> {
    let dir = dir.to_path_buf();
    move |content: &ContentHash| {
        let bytes = std::fs::read(dir.join(format!("{}.jpg", content.to_hex()))).ok()?;
        // Our own thumbnails, but a file in the work folder can still be damaged: a decoder's
        // panic only costs this pair its verification.
        crate::boundary::guarded(|| crate::imaging::grey_jpeg(&bytes))
            .ok()
            .flatten()
    }
}

/// The pair of contents in [`Distinct`]'s order.
pub fn distinct_pair(a: ContentHash, b: ContentHash) -> (ContentHash, ContentHash) {
    (a.min(b), a.max(b))
}

/// Finds identical copies only (same content hash): [`group`] without the perceptual stage.
pub fn exact(items: &mut [Item]) -> Vec<Group> {
    let facts: Vec<Facts> = items.iter().map(Facts::of).collect();
    let clusters = content_clusters(&facts);
    let sets: Vec<Vec<usize>> = clusters.into_values().filter(|c| c.len() > 1).collect();
    let mut grouping = Grouping::default();
    let mut member = |p: usize| Member::of(&items[p]);
    for positions in sets {
        let group = resolve(&facts, &mut member, &positions, Vec::new(), &mut grouping);
        grouping.groups.push(group);
    }
    grouping.groups.sort_by_key(|g| g.members[0]);
    apply_marks(items, grouping)
}

/// Groups the items: identical copies, verified other copies of the same shot (both resolved:
/// all but the keeper become duplicates, the keeper takes their tags), bursts and look-alikes
/// (reported, nothing dropped). Groups come sorted by kind (identical and duplicate, then
/// bursts, then look-alikes), then by first member. [`group_facts`] over the items in memory.
pub fn group(items: &mut [Item], settings: &Settings) -> Vec<Group> {
    let facts: Vec<Facts> = items.iter().map(Facts::of).collect();
    let mut member = |p: usize| Ok::<Member, std::convert::Infallible>(Member::of(&items[p]));
    let mut thumbnail = |p: usize| Ok(thumbnail_of(&items[p]));
    let Ok(grouping) = group_facts(&facts, &mut member, &mut thumbnail, settings);
    apply_marks(items, grouping)
}

/// An item's grey thumbnail (empty when it has no fingerprint): what [`group_facts`] asks for
/// when the facts left it out.
pub fn thumbnail_of(item: &Item) -> GreyThumb {
    item.photo
        .as_ref()
        .and_then(|p| p.perceptual.as_ref())
        .map(|fp| fp.thumb.clone())
        .unwrap_or(GreyThumb(Vec::new()))
}

fn apply_marks(items: &mut [Item], mut grouping: Grouping) -> Vec<Group> {
    for (p, mark) in std::mem::take(&mut grouping.marks) {
        grouping.apply(p, mark, &mut items[p]);
    }
    grouping.groups
}

/// [`group`] over the items' [`Facts`]: the items stay where they are (on disk, in a long run).
/// `member` gives an item's unit, path and tags by position; it is asked only for the members
/// of groups, each once. `thumbnail` gives a photo's grey thumbnail where its facts left it out
/// ([`Facts::without_thumbnail`]); it is asked only for the photos of candidate pairs, each
/// once.
///
/// The steps: candidates from the hashes and capture times; each aligned
/// on the 16 × 16 thumbnails and, when they agree well enough, verified on the pictures
/// ([`verify::verify`]); copy sets are the verified pairs' components, each cut back to the
/// members verified against its keeper; bursts and look-alikes are stars around their first
/// shot, never chains.
///
/// # Errors
/// Only what `member` or `thumbnail` returns.
pub fn group_facts<E>(
    facts: &[Facts],
    member: &mut dyn FnMut(usize) -> Result<Member, E>,
    thumbnail: &mut dyn FnMut(usize) -> Result<GreyThumb, E>,
    settings: &Settings,
) -> Result<Grouping, E> {
    let clusters = content_clusters(facts);
    let contents: Vec<&Vec<usize>> = clusters.values().collect();
    // One representative per content: the first item (by path) with a fingerprint.
    let reps: Vec<(usize, &Fingerprint)> = contents
        .iter()
        .filter_map(|positions| {
            positions.iter().find_map(|&p| {
                facts[p]
                    .photo
                    .as_ref()
                    .and_then(|ph| ph.perceptual.as_ref())
                    .map(|fp| (p, fp))
            })
        })
        .collect();
    let content = |p: usize| facts[p].photo.as_ref().map(|ph| ph.content);
    let split = |pa: usize, pb: usize| match (content(pa), content(pb)) {
        (Some(a), Some(b)) => settings.distinct.contains(&distinct_pair(a, b)),
        _ => false,
    };
    let mut candidates = candidate_pairs(facts, &reps, settings.params);
    candidates.retain(|&(i, j)| !split(reps[i].0, reps[j].0));
    // The thumbnails the facts left out, read for the photos the candidates align.
    let mut read: BTreeMap<usize, Fingerprint> = BTreeMap::new();
    for &(i, j) in &candidates {
        for (p, _) in [reps[i], reps[j]] {
            read_thumbnail(facts, p, &mut read, thumbnail)?;
        }
    }
    let reps: Vec<(usize, &Fingerprint)> = reps
        .into_iter()
        .map(|(p, fp)| (p, read.get(&p).unwrap_or(fp)))
        .collect();
    let pairs: Vec<(usize, usize)> = candidates
        .iter()
        .map(|&(i, j)| (reps[i].0, reps[j].0))
        .collect();
    let fingerprint = |p: usize| {
        read.get(&p).or_else(|| {
            facts[p]
                .photo
                .as_ref()
                .and_then(|ph| ph.perceptual.as_ref())
        })
    };
    let verdicts = examine(facts, &fingerprint, &pairs, settings);
    drop(reps);

    // Copy sets: the components of the verified duplicate pairs, over contents.
    let content_of: BTreeMap<usize, usize> = contents
        .iter()
        .enumerate()
        .flat_map(|(c, ps)| ps.iter().map(move |&p| (p, c)))
        .collect();
    let mut dup_sets = UnionFind::new(contents.len());
    let mut verified: BTreeSet<(usize, usize)> = BTreeSet::new();
    for v in verdicts
        .iter()
        .filter(|v| v.pair.kind == GroupKind::Duplicate)
    {
        let (a, b) = (content_of[&v.first], content_of[&v.second]);
        dup_sets.union(a, b);
        verified.insert((a.min(b), a.max(b)));
    }
    let mut grouping = Grouping::default();
    // The first error of `member`, if any: grouping goes on without it, the caller gets it.
    let mut failed = None;
    let mut member = |p: usize| match member(p) {
        Ok(m) => m,
        Err(e) => {
            failed.get_or_insert(e);
            Member {
                unit: String::new(),
                path: String::new(),
                tags: Tags::default(),
            }
        }
    };
    let rep_of = |c: usize| {
        contents[c]
            .iter()
            .copied()
            .find(|&p| fingerprint(p).is_some())
    };
    // Each set cut back to the members verified against its keeper (a chain of verified pairs
    // can join pictures that are not copies of each other); what is cut stands alone, shown
    // beside the set as a look-alike.
    let mut sets: Vec<Vec<usize>> = Vec::new();
    let mut cut_links: Vec<(usize, usize)> = Vec::new();
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for c in 0..contents.len() {
        by_root.entry(dup_sets.find(c)).or_default().push(c);
    }
    for mut set in by_root.into_values() {
        loop {
            let positions = positions_of(&contents, &set);
            let (keeper, _) = choose_keeper(facts, &positions);
            let kc = content_of[&keeper];
            let unverified: Vec<usize> = set
                .iter()
                .copied()
                .filter(|&c| c != kc && !verified.contains(&(c.min(kc), c.max(kc))))
                .collect();
            let strays: Vec<usize> = unverified
                .into_iter()
                .filter(|&c| {
                    let confirmed = match (rep_of(kc), rep_of(c)) {
                        (Some(a), Some(b)) if !split(a, b) => {
                            examine(facts, &fingerprint, &[(a.min(b), a.max(b))], settings)
                                .first()
                                .is_some_and(|v| v.pair.kind == GroupKind::Duplicate)
                        }
                        _ => false,
                    };
                    if confirmed {
                        verified.insert((c.min(kc), c.max(kc)));
                    }
                    !confirmed
                })
                .collect();
            if strays.is_empty() {
                break;
            }
            set.retain(|c| !strays.contains(c));
            for c in strays {
                sets.push(vec![c]);
                cut_links.push((c, kc));
            }
        }
        sets.push(set);
    }
    sets.sort();
    let mut set_of: Vec<usize> = vec![0; contents.len()];
    for (s, set) in sets.iter().enumerate() {
        for &c in set {
            set_of[c] = s;
        }
    }
    // Resolve each set of two or more files; every set's shot (its keeper, or its only
    // file) stands for it in bursts and look-alikes.
    let mut shot: Vec<usize> = Vec::with_capacity(sets.len());
    for set in &sets {
        let positions = positions_of(&contents, set);
        if positions.len() < 2 {
            shot.push(positions[0]);
            continue;
        }
        let pairs: Vec<Pair> = verdicts
            .iter()
            .filter(|v| {
                v.pair.kind == GroupKind::Duplicate
                    && set.contains(&content_of[&v.first])
                    && set.contains(&content_of[&v.second])
            })
            .map(|v| v.pair.clone())
            .collect();
        let group = resolve(facts, &mut member, &positions, pairs, &mut grouping);
        let keeper = group.keeper.expect("resolved groups have a keeper");
        let keeper_pos = positions
            .iter()
            .copied()
            .find(|&p| facts[p].index == keeper)
            .expect("the keeper is a member");
        shot.push(keeper_pos);
        grouping.groups.push(group);
    }

    // Bursts, then look-alikes: stars over the sets, each member linked to the first shot.
    let links = |kind: GroupKind| -> Vec<(usize, usize, Pair)> {
        verdicts
            .iter()
            .filter(|v| v.pair.kind == kind)
            .map(|v| {
                let (a, b) = (set_of[content_of[&v.first]], set_of[content_of[&v.second]]);
                (a, b, v.pair.clone())
            })
            .filter(|(a, b, _)| a != b)
            .collect()
    };
    let taken = |s: usize| {
        let p = shot[s];
        (facts[p].photo.as_ref().and_then(|ph| ph.taken), p)
    };
    let mut assigned = vec![false; sets.len()];
    let bursts = stars(&links(GroupKind::Burst), &mut assigned, &taken);
    let mut alike_links = links(GroupKind::Similar);
    // A member cut from a copy set looks like its keeper, at least.
    for (c, kc) in cut_links {
        let (a, b) = (set_of[c], set_of[kc]);
        if split(shot[a], shot[b]) {
            continue;
        }
        let similar = verdicts.iter().find(|v| {
            let (x, y) = (set_of[content_of[&v.first]], set_of[content_of[&v.second]]);
            (x, y) == (a, b) || (x, y) == (b, a)
        });
        let mut pair = match similar {
            Some(v) => v.pair.clone(),
            None => continue,
        };
        pair.kind = GroupKind::Similar;
        alike_links.push((a, b, pair));
    }
    let by_position = |s: usize| (None, shot[s]);
    let alike = stars(&alike_links, &mut assigned, &by_position);
    for (kind, found) in [(GroupKind::Burst, bursts), (GroupKind::Similar, alike)] {
        for (members, pairs) in found {
            let shots: Vec<usize> = members.iter().map(|&s| shot[s]).collect();
            let index = |s: usize| facts[shot[s]].index;
            let pairs = pairs
                .into_iter()
                .map(|(a, b, mut pair)| {
                    // Measured between copies of the two shots: named by the shots.
                    (pair.a, pair.b) = (index(a), index(b));
                    pair.kind = kind;
                    pair
                })
                .collect();
            let group = shared_group(facts, &mut member, kind, shots, pairs, &mut grouping);
            grouping.groups.push(group);
        }
    }
    if let Some(e) = failed {
        return Err(e);
    }
    grouping.groups.sort_by_key(|g| {
        let order = match g.kind {
            GroupKind::Identical | GroupKind::Duplicate => 0,
            GroupKind::Burst => 1,
            GroupKind::Similar => 2,
        };
        (order, g.members[0])
    });
    Ok(grouping)
}

/// The positions of a set of contents, in path order.
fn positions_of(contents: &[&Vec<usize>], set: &[usize]) -> Vec<usize> {
    let mut positions: Vec<usize> = set
        .iter()
        .flat_map(|&c| contents[c].iter().copied())
        .collect();
    positions.sort_unstable();
    positions
}

/// Star groups over sets linked by pairs `(a, b, pair)`: in the order `key` gives (earliest
/// capture time, then position), each set not yet in a group gathers every set not yet in a
/// group that is linked to it directly, with the links that tie them. Nobody joins through a
/// chain of near ones.
#[allow(clippy::type_complexity)]
fn stars(
    links: &[(usize, usize, Pair)],
    assigned: &mut [bool],
    key: &dyn Fn(usize) -> (Option<i64>, usize),
) -> Vec<(Vec<usize>, Vec<(usize, usize, Pair)>)> {
    // Each set's links: (the set at the other end, the link).
    let mut neighbours: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for (k, (a, b, _)) in links.iter().enumerate() {
        neighbours.entry(*a).or_default().push((*b, k));
        neighbours.entry(*b).or_default().push((*a, k));
    }
    let order = |s: usize| {
        let (time, position) = key(s);
        (time.is_none(), time, position)
    };
    let mut heads: Vec<usize> = neighbours.keys().copied().collect();
    heads.sort_by_key(|&s| order(s));
    let mut found = Vec::new();
    for head in heads {
        if assigned[head] {
            continue;
        }
        let mut near = neighbours[&head].clone();
        near.sort_by_key(|&(s, k)| (order(s), k));
        let mut members = vec![head];
        let mut tied = Vec::new();
        for (s, k) in near {
            if !assigned[s] && !members.contains(&s) {
                members.push(s);
                tied.push(links[k].clone());
            }
        }
        if members.len() < 2 {
            continue;
        }
        for &s in &members {
            assigned[s] = true;
        }
        members.sort_by_key(|&s| key(s).1);
        found.push((members, tied));
    }
    found
}

#[cfg(test)]
mod tests;

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

pub mod verify;

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

/// Reads the grey thumbnail of the photo at `p` into `read` when its facts left it out (once).
fn read_thumbnail<E>(
    facts: &[Facts],
    p: usize,
    read: &mut BTreeMap<usize, Fingerprint>,
    thumbnail: &mut dyn FnMut(usize) -> Result<GreyThumb, E>,
) -> Result<(), E> {
    let Some(fp) = facts[p]
        .photo
        .as_ref()
        .and_then(|ph| ph.perceptual.as_ref())
    else {
        return Ok(());
    };
    if fp.thumb.0.is_empty() && !read.contains_key(&p) {
        let thumb = thumbnail(p)?;
        read.insert(
            p,
            Fingerprint {
                thumb,
                ..fp.clone()
            },
        );
    }
    Ok(())
}

/// Items with a photo, by content hash; positions in path order.
fn content_clusters(facts: &[Facts]) -> BTreeMap<ContentHash, Vec<usize>> {
    let mut by_content: BTreeMap<ContentHash, Vec<usize>> = BTreeMap::new();
    for (pos, item) in facts.iter().enumerate() {
        if let Some(photo) = &item.photo {
            by_content.entry(photo.content).or_default().push(pos);
        }
    }
    by_content
}

/// A classified candidate pair, by item position.
#[derive(Clone, Debug)]
struct Verdict {
    first: usize,
    second: usize,
    pair: Pair,
}

/// Candidate pairs `(i, j)` of representatives, `i < j`, sorted: pairs whose hashes, one turned
/// by any of the eight rotations and mirrorings, are within the radii (through two
/// multi-indexes, DCT and block: every turn of every representative is a query), and shots of
/// one camera close in capture time. Hashes only: no thumbnail is looked at.
fn candidate_pairs(
    facts: &[Facts],
    reps: &[(usize, &Fingerprint)],
    params: &NearParams,
) -> Vec<(usize, usize)> {
    let dct: Vec<u64> = reps.iter().map(|(_, fp)| fp.dct.0).collect();
    let block: Vec<u64> = reps.iter().map(|(_, fp)| fp.block.0).collect();
    let by_dct = Index::new(&dct, params.candidate_radius);
    let by_block = Index::new(&block, params.close_block_radius);
    // Every turn of every representative, as one batch of queries: query `8 i + t` is
    // representative `i` turned by `Dihedral::ALL[t]`.
    let turns = Dihedral::ALL.len();
    let (turned_dct, turned_block): (Vec<u64>, Vec<u64>) = reps
        .par_iter()
        .flat_map_iter(|(_, fp)| {
            Dihedral::ALL.into_iter().map(|t| {
                (
                    fp.dct.transformed(HashKind::Dct, t).0,
                    fp.block.transformed(HashKind::Block, t).0,
                )
            })
        })
        .unzip();
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for (q, j, _) in by_dct.join(&turned_dct) {
        let i = q / turns;
        if j > i && hamming(turned_block[q], block[j]) <= params.candidate_block_radius {
            candidates.push((i, j));
        }
    }
    for (q, j, _) in by_block.join(&turned_block) {
        let i = q / turns;
        if j > i && hamming(turned_dct[q], dct[j]) <= params.wide_radius {
            candidates.push((i, j));
        }
    }
    candidates.extend(close_in_time(facts, reps, params));
    candidates.sort_unstable();
    candidates.dedup();
    candidates
}

/// A pair nominated on the 16 × 16 thumbnails: positions, the pair as measured, the alignment.
type Nominee = (usize, usize, Pair, Alignment);

/// Classifies pairs of photos (positions, each with a fingerprint), collected in order: aligned
/// on the 16 × 16 thumbnails, verified on the pictures when they agree well enough, judged.
/// Pairs that are nothing are left out.
///
/// The nominated pairs fall apart into components (photos linked by pairs); whole components are
/// verified together, each photo's picture read once for all its pairs ([`chunks`]). Within
/// them, same-view pairs (most copies: recompressed, resized, turned by EXIF) are cheap to
/// verify and go first, all in parallel. The rest need the alignment searched, so they go in
/// rounds: each round verifies at most one pair per copy set found so far (in parallel), and a
/// pair whose photos a verified copy already joined is not verified again. A crop of a photo
/// sent as ten copies is then searched once or twice, not ten times; the copy set is checked
/// against its keeper afterwards anyway.
fn examine<'f>(
    facts: &[Facts],
    fingerprint: &(dyn Fn(usize) -> Option<&'f Fingerprint> + Sync),
    pairs: &[(usize, usize)],
    settings: &Settings,
) -> Vec<Verdict> {
    let params = settings.params;
    let nominated: Vec<Nominee> = pairs
        .par_iter()
        .filter_map(|&(pa, pb)| {
            let (fa, fb) = (fingerprint(pa)?, fingerprint(pb)?);
            let (pair, alignment) = measure(facts, pa, fa, pb, fb, params.crop_tolerance);
            (alignment.error <= params.nominate_mismatch).then_some((pa, pb, pair, alignment))
        })
        .collect();
    let mut verdicts = Vec::new();
    for chunk in chunks(&nominated) {
        let mut photos: Vec<usize> = chunk.iter().flat_map(|n| [n.0, n.1]).collect();
        photos.sort_unstable();
        photos.dedup();
        if photos.len() <= PICTURES_HELD {
            let held = pictures_of(facts, settings, &photos);
            verdicts.extend(settle(chunk, &|batch| {
                verify_with(facts, settings, batch, &held)
            }));
        } else {
            verdicts.extend(settle(chunk, &|batch| {
                batch
                    .chunks(VERIFY_BATCH)
                    .flat_map(|part| {
                        let mut wanted: Vec<usize> = part.iter().flat_map(|n| [n.0, n.1]).collect();
                        wanted.sort_unstable();
                        wanted.dedup();
                        let held = pictures_of(facts, settings, &wanted);
                        verify_with(facts, settings, part, &held)
                    })
                    .collect()
            }));
        }
    }
    verdicts.sort_by_key(|v| (v.first, v.second));
    verdicts
}

/// Same-view pairs first, then the searched pairs in rounds (see [`examine`]), each set of
/// pairs verified and judged by `verify`.
fn settle(nominated: Vec<Nominee>, verify: &dyn Fn(&[Nominee]) -> Vec<Verdict>) -> Vec<Verdict> {
    let (same, mut left): (Vec<Nominee>, Vec<Nominee>) =
        nominated.into_iter().partition(|n| verify::same_view(&n.3));
    let mut verdicts = verify(&same);
    // Copy sets so far, over the positions of the nominated pairs.
    let ids: BTreeMap<usize, usize> = same
        .iter()
        .chain(&left)
        .flat_map(|n| [n.0, n.1])
        .collect::<BTreeSet<usize>>()
        .into_iter()
        .enumerate()
        .map(|(k, p)| (p, k))
        .collect();
    let mut sets = UnionFind::new(ids.len());
    let join = |verdicts: &[Verdict], sets: &mut UnionFind| {
        for v in verdicts
            .iter()
            .filter(|v| v.pair.kind == GroupKind::Duplicate)
        {
            sets.union(ids[&v.first], ids[&v.second]);
        }
    };
    join(&verdicts, &mut sets);
    while !left.is_empty() {
        let mut busy = BTreeSet::new();
        let (mut round, mut later) = (Vec::new(), Vec::new());
        for n in left {
            let (a, b) = (sets.find(ids[&n.0]), sets.find(ids[&n.1]));
            if a == b {
                continue;
            }
            if busy.contains(&a) || busy.contains(&b) {
                later.push(n);
            } else {
                busy.insert(a);
                busy.insert(b);
                round.push(n);
            }
        }
        let judged = verify(&round);
        join(&judged, &mut sets);
        verdicts.extend(judged);
        left = later;
    }
    verdicts
}

/// The most photos whose pictures are held at once (about 0.6 MB each with their bands): a
/// chunk of components up to this many photos reads each picture once; a larger component is
/// verified [`VERIFY_BATCH`] pairs at a time, its pictures read for each batch they are in.
/// 64 keeps a run's peak within a few MB of what it is without verification.
const PICTURES_HELD: usize = 64;

/// How many pairs of a component too large to hold are verified together.
const VERIFY_BATCH: usize = 32;

/// The nominated pairs by component (photos linked by pairs), whole components gathered into
/// chunks of at most [`PICTURES_HELD`] photos (a larger component is a chunk alone).
/// Components come in the order of their first pair, pairs within one in their given order:
/// the same pairs always make the same chunks.
fn chunks(nominated: &[Nominee]) -> Vec<Vec<Nominee>> {
    let ids: BTreeMap<usize, usize> = nominated
        .iter()
        .flat_map(|n| [n.0, n.1])
        .collect::<BTreeSet<usize>>()
        .into_iter()
        .enumerate()
        .map(|(k, p)| (p, k))
        .collect();
    let mut sets = UnionFind::new(ids.len());
    for n in nominated {
        sets.union(ids[&n.0], ids[&n.1]);
    }
    let mut components: BTreeMap<usize, Vec<Nominee>> = BTreeMap::new();
    let mut order: Vec<usize> = Vec::new();
    for n in nominated {
        let set = sets.find(ids[&n.0]);
        let pairs = components.entry(set).or_insert_with(|| {
            order.push(set);
            Vec::new()
        });
        pairs.push(n.clone());
    }
    let photos = |pairs: &[Nominee]| -> usize {
        pairs
            .iter()
            .flat_map(|n| [n.0, n.1])
            .collect::<BTreeSet<usize>>()
            .len()
    };
    let mut out: Vec<Vec<Nominee>> = Vec::new();
    let mut held = 0;
    for set in order {
        let pairs = components.remove(&set).unwrap_or_default();
        let n = photos(&pairs);
        match out.last_mut() {
            Some(chunk) if held + n <= PICTURES_HELD => {
                chunk.extend(pairs);
                held += n;
            }
            _ => {
                out.push(pairs);
                held = n;
            }
        }
    }
    out
}

/// The pictures of these photos (positions), read in parallel: `None` for a photo whose
/// thumbnail is missing or unreadable.
fn pictures_of(
    facts: &[Facts],
    settings: &Settings,
    photos: &[usize],
) -> BTreeMap<usize, Option<verify::Picture>> {
    photos
        .par_iter()
        .map(|&p| {
            let picture = facts[p]
                .photo
                .as_ref()
                .and_then(|ph| (settings.pictures)(&ph.content))
                .and_then(|image| verify::Picture::of(&image, settings.params.verify_size));
            (p, picture)
        })
        .collect()
}

/// Verifies and judges nominated pairs in parallel on pictures already read, collected in the
/// order given.
fn verify_with(
    facts: &[Facts],
    settings: &Settings,
    nominated: &[Nominee],
    pictures: &BTreeMap<usize, Option<verify::Picture>>,
) -> Vec<Verdict> {
    let params = settings.params;
    nominated
        .par_iter()
        .filter_map(|(pa, pb, pair, alignment)| {
            let picture = |p: &usize| pictures.get(p).and_then(Option::as_ref);
            let evidence = match (picture(pa), picture(pb)) {
                (Some(a), Some(b)) => verify::verify(
                    a,
                    pair.transform,
                    b,
                    alignment,
                    params.turned_similarity,
                    params.min_texture,
                ),
                _ => None,
            };
            let pair = judge(facts, *pa, *pb, pair.clone(), evidence.as_ref(), params)?;
            Some(Verdict {
                first: *pa,
                second: *pb,
                pair,
            })
        })
        .collect()
}

/// Pairs `(i, j)`, `i < j`, of representatives from one camera (make and model) taken within
/// `burst_seconds` of each other, each with at most `burst_neighbours` following shots.
fn close_in_time(
    facts: &[Facts],
    reps: &[(usize, &Fingerprint)],
    params: &NearParams,
) -> Vec<(usize, usize)> {
    let no_model = name_id("");
    let mut timed: Vec<((u64, u64), i64, usize)> = reps
        .iter()
        .enumerate()
        .filter_map(|(r, &(p, _))| {
            let photo = facts[p].photo.as_ref()?;
            let camera = (photo.make?, photo.model.unwrap_or(no_model));
            Some((camera, photo.taken?, r))
        })
        .collect();
    timed.sort();
    let mut pairs = Vec::new();
    for (k, (camera, time, r)) in timed.iter().enumerate() {
        for (other_camera, other_time, other) in timed[k + 1..].iter().take(params.burst_neighbours)
        {
            if other_camera != camera || other_time - time > params.burst_seconds {
                break;
            }
            pairs.push(((*r).min(*other), (*r).max(*other)));
        }
    }
    pairs
}

/// Measures a pair on the 16 × 16 thumbnails: the best turn ([`Fingerprint::compare`]), both
/// distances, alignment, capture times. The kind is left as `Burst` for the caller to decide.
fn measure(
    facts: &[Facts],
    pa: usize,
    fa: &Fingerprint,
    pb: usize,
    fb: &Fingerprint,
    tolerance: f64,
) -> (Pair, Alignment) {
    let c = fa.compare(fb);
    let seconds = |p: usize| facts[p].photo.as_ref().and_then(|ph| ph.taken);
    let seconds_apart = seconds(pa).zip(seconds(pb)).map(|(a, b)| (a - b).abs());
    let pair = Pair {
        a: facts[pa].index,
        b: facts[pb].index,
        kind: GroupKind::Burst,
        distance: c.distance,
        block_distance: c.block_distance,
        transform: c.transform,
        mismatch: (c.alignment.error.clamp(0.0, 1.0) * 1000.0).round() as u32,
        framing: c.alignment.framing(tolerance),
        seconds_apart,
        similarity: None,
        measured_at: None,
    };
    (pair, c.alignment)
}

/// What a nominated pair is, given what the verification found (`None`: the pictures could not
/// be compared): a duplicate only on verified evidence, a burst when the two look alike and are
/// one moment, a look-alike when they look alike otherwise, or nothing (`None`).
fn judge(
    facts: &[Facts],
    pa: usize,
    pb: usize,
    mut pair: Pair,
    evidence: Option<&verify::Evidence>,
    params: &NearParams,
) -> Option<Pair> {
    let (a, b) = (facts[pa].photo.as_ref()?, facts[pb].photo.as_ref()?);
    let differs = |x: Option<u64>, y: Option<u64>| matches!((x, y), (Some(x), Some(y)) if x != y);
    // Two copies of one shot never disagree on when or with what it was taken.
    let other_moment = pair.seconds_apart.is_some_and(|s| s > 0)
        || differs(a.make, b.make)
        || differs(a.model, b.model);
    // One moment: one camera (make and model known and equal), capture times close.
    let one_camera = a.make.is_some() && a.make == b.make && a.model == b.model;
    let one_moment = one_camera
        && pair
            .seconds_apart
            .is_some_and(|s| s <= params.burst_seconds);
    let Some(e) = evidence else {
        // Nothing to verify on: at most a look-alike, never a copy.
        let alike = f64::from(pair.mismatch) / 1000.0 <= params.nominate_mismatch;
        pair.kind = if one_moment {
            GroupKind::Burst
        } else {
            GroupKind::Similar
        };
        return alike.then_some(pair);
    };
    pair.similarity = Some((e.similarity.max(0.0) * 1000.0).round() as u32);
    pair.measured_at = Some(e.size);
    pair.framing = e.alignment.framing(params.crop_tolerance);
    let needed = match pair.transform {
        Dihedral::Identity => params.duplicate_similarity,
        _ => params.turned_similarity,
    };
    let textured = e.texture >= params.min_texture;
    pair.kind = if textured
        && !other_moment
        && e.similarity >= needed
        && e.nested(params.crop_tolerance, params.min_crop_area)
    {
        GroupKind::Duplicate
    } else if e.similarity >= params.similar_similarity
        || (!textured
            && e.likeness
                .is_some_and(|l| l >= 1.0 - params.nominate_mismatch))
    {
        if one_moment {
            GroupKind::Burst
        } else {
            GroupKind::Similar
        }
    } else {
        return None;
    };
    Some(pair)
}

/// Seconds since 0000-03-01 of a `YYYY-MM-DD HH:MM:SS` capture time (no zone: both photos of a
/// pair come from the same kind of clock).
fn seconds_of(date: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| date.get(r).and_then(|s| s.parse::<i64>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (
        num(11..13).unwrap_or(0),
        num(14..16).unwrap_or(0),
        num(17..19).unwrap_or(0),
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant), shifted so March starts the year.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// How a copy ranks under the keeper rule; compared step by step.
struct Rank {
    intact: bool,
    pixels: u64,
    quality: Option<u8>,
    tags: usize,
    original: bool,
}

/// Qualities closer than this are the same for the keeper rule: the estimate is approximate for
/// cameras' own tables, and a re-save at a similar quality is told apart by the original step.
const QUALITY_MARGIN: u8 = 10;

fn rank(item: &Facts) -> Rank {
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
enum Step {
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
fn cap_resaves(ranks: &mut BTreeMap<usize, Rank>, left: &[usize]) {
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
fn choose_keeper(facts: &[Facts], positions: &[usize]) -> (usize, KeepReason) {
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
fn resolve(
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
            if tag_present(&before, field) != tag_present(&keeper_tags, field) {
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

fn tag_present(tags: &Tags, field: Field) -> bool {
    match field {
        Field::Year => tags.year.is_some(),
        Field::Place => tags.place.is_some(),
        Field::Event => tags.event.is_some(),
        Field::Caption => tags.caption.is_some(),
        Field::Photographer => tags.photographer.is_some(),
        Field::Unit => tags.unit.is_some(),
    }
}

/// A burst or look-alike group of `shots` (positions, the keeper of each copy set) with the
/// pairs that tie it to its first shot, and a finding on each shot; nobody's status changes.
fn shared_group(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::{Exif, Format, Location, Photo, Source};
    use crate::photo::{TagSource, Tagged, Tags};

    fn nominee(a: usize, b: usize) -> Nominee {
        let pair = Pair {
            a,
            b,
            kind: GroupKind::Burst,
            distance: 0,
            block_distance: 0,
            transform: Dihedral::Identity,
            mismatch: 0,
            framing: Framing::Same,
            seconds_apart: None,
            similarity: None,
            measured_at: None,
        };
        let alignment = Alignment {
            scale: (1.0, 1.0),
            offset: (0.0, 0.0),
            error: 0.0,
        };
        (a, b, pair, alignment)
    }

    #[test]
    fn chunks_keep_components_whole_and_hold_at_most_the_pictures_allowed() {
        // Components {0,1,2} (pairs given apart), {10,11}, then a chain of 70 photos: too many
        // to hold, so a chunk of its own; then {200,201}.
        let mut pairs = vec![nominee(0, 1), nominee(10, 11), nominee(1, 2)];
        pairs.extend((300..369).map(|p| nominee(p, p + 1)));
        pairs.push(nominee(200, 201));
        let chunks = chunks(&pairs);
        let photos = |chunk: &[Nominee]| -> BTreeSet<usize> {
            chunk.iter().flat_map(|n| [n.0, n.1]).collect()
        };
        let firsts: Vec<Vec<(usize, usize)>> = chunks
            .iter()
            .map(|c| c.iter().map(|n| (n.0, n.1)).take(4).collect())
            .collect();
        // The first two components share a chunk, pairs of one component next to each other
        // in their given order; the chain is alone; the last component starts a new chunk.
        assert_eq!(firsts[0], vec![(0, 1), (1, 2), (10, 11)]);
        assert_eq!(chunks.len(), 3, "{firsts:?}");
        assert_eq!(photos(&chunks[1]).len(), 70);
        assert_eq!(photos(&chunks[2]), BTreeSet::from([200, 201]));
        // Every pair once, and no component split across chunks.
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), pairs.len());
        for (i, a) in chunks.iter().enumerate() {
            for b in &chunks[i + 1..] {
                assert!(photos(a).is_disjoint(&photos(b)));
            }
        }
        for chunk in [&chunks[0], &chunks[2]] {
            assert!(photos(chunk).len() <= PICTURES_HELD);
        }
        assert_eq!(
            chunks,
            super::chunks(&pairs),
            "the same pairs, the same chunks"
        );
    }

    fn item(index: usize, path: &str, photo: Photo, tags: Tags) -> Item {
        Item {
            index,
            source: Source {
                unit: path.split('/').next().unwrap().to_string(),
                path: path.to_string(),
                folders: Vec::new(),
                file_name: path.rsplit('/').next().unwrap().to_string(),
                location: Location::File { path: path.into() },
                size: photo.bytes,
                modified: None,
            },
            content: Some(photo.content),
            photo: Some(std::sync::Arc::new(photo)),
            tags,
            findings: Vec::new(),
            status: Status::Accepted,
        }
    }

    fn photo(seed: u8, width: u32, height: u32, quality: Option<u8>, camera: bool) -> Photo {
        Photo {
            content: ContentHash([seed; 32]),
            bytes: 1000,
            format: Format::Jpeg,
            width,
            height,
            cmyk: false,
            exif: Exif {
                make: camera.then(|| "Canon".to_string()),
                ..Exif::default()
            },
            xmp: None,
            iptc: None,
            perceptual: None,
            jpeg_quality: quality,
            decoded: true,
        }
    }

    fn year(y: i32) -> Tags {
        Tags {
            year: Some(Tagged {
                value: y,
                source: TagSource::FileName,
            }),
            ..Tags::default()
        }
    }

    #[test]
    fn keeper_rule_goes_pixels_quality_tags_original_path() {
        let keep = |items: &[Item]| {
            let positions: Vec<usize> = (0..items.len()).collect();
            let facts: Vec<Facts> = items.iter().map(Facts::of).collect();
            let (k, reason) = choose_keeper(&facts, &positions);
            (items[k].index, reason)
        };
        // More pixels beats quality, tags and camera metadata.
        let items = [
            item(
                1,
                "a/1.jpg",
                photo(1, 1000, 750, Some(95), true),
                year(2019),
            ),
            item(
                2,
                "b/2.jpg",
                photo(2, 2000, 1500, Some(60), false),
                Tags::default(),
            ),
        ];
        assert_eq!(
            keep(&items),
            (
                2,
                KeepReason::MorePixels {
                    kept: 3_000_000,
                    other: 750_000
                }
            )
        );
        // Same pixels: the less compressed copy.
        let items = [
            item(
                1,
                "a/1.jpg",
                photo(1, 2000, 1500, Some(60), false),
                year(2019),
            ),
            item(
                2,
                "b/2.jpg",
                photo(2, 2000, 1500, Some(92), false),
                Tags::default(),
            ),
        ];
        assert_eq!(
            keep(&items),
            (
                2,
                KeepReason::HigherQuality {
                    kept: 92,
                    other: 60
                }
            )
        );
        // A re-save without camera metadata counts at most as good as the camera original it
        // was made from: re-saving a quality-60 camera file at 92 adds nothing, so the tags
        // decide.
        let items = [
            item(
                1,
                "a/1.jpg",
                photo(1, 2000, 1500, Some(60), true),
                year(2019),
            ),
            item(
                2,
                "b/2.jpg",
                photo(2, 2000, 1500, Some(92), false),
                Tags::default(),
            ),
        ];
        assert_eq!(
            keep(&items),
            (1, KeepReason::MoreCompleteTags { kept: 1, other: 0 })
        );
        // Qualities within the margin tie: more complete tags.
        let items = [
            item(
                1,
                "a/1.jpg",
                photo(1, 2000, 1500, Some(90), true),
                Tags::default(),
            ),
            item(
                2,
                "b/2.jpg",
                photo(2, 2000, 1500, Some(93), false),
                year(2019),
            ),
        ];
        assert_eq!(
            keep(&items),
            (2, KeepReason::MoreCompleteTags { kept: 1, other: 0 })
        );
        // Equal tags: the camera original rather than the re-save.
        let items = [
            item(
                1,
                "a/1.jpg",
                photo(1, 2000, 1500, Some(90), false),
                Tags::default(),
            ),
            item(
                2,
                "b/2.jpg",
                photo(2, 2000, 1500, Some(91), true),
                Tags::default(),
            ),
        ];
        assert_eq!(keep(&items), (2, KeepReason::Original));
        // All equal: the first by path.
        let items = [
            item(
                1,
                "a/1.jpg",
                photo(1, 2000, 1500, Some(90), true),
                Tags::default(),
            ),
            item(
                2,
                "b/2.jpg",
                photo(2, 2000, 1500, Some(90), true),
                Tags::default(),
            ),
        ];
        assert_eq!(keep(&items), (1, KeepReason::FirstByPath));
        // A broken copy never wins, however large.
        let mut broken = item(
            1,
            "a/1.jpg",
            photo(1, 4000, 3000, Some(95), true),
            year(2019),
        );
        broken.findings.push(Finding::error(Check::Truncated));
        let items = [
            broken,
            item(
                2,
                "b/2.jpg",
                photo(2, 1000, 750, Some(80), false),
                Tags::default(),
            ),
        ];
        assert_eq!(keep(&items), (2, KeepReason::Intact));
    }

    #[test]
    fn exact_groups_identical_bytes_and_fills_tags_with_their_source() {
        let mut items = vec![
            item(
                1,
                "a/1.jpg",
                photo(7, 2000, 1500, Some(90), true),
                Tags::default(),
            ),
            item(
                2,
                "b/2.jpg",
                photo(7, 2000, 1500, Some(90), true),
                year(2019),
            ),
            item(
                3,
                "b/3.jpg",
                photo(8, 2000, 1500, Some(90), true),
                Tags::default(),
            ),
        ];
        let groups = exact(&mut items);
        assert_eq!(groups.len(), 1);
        let g = &groups[0];
        assert_eq!(
            (g.kind, g.keeper, g.members.clone()),
            (GroupKind::Identical, Some(2), vec![1, 2])
        );
        assert_eq!(
            g.reason,
            Some(KeepReason::MoreCompleteTags { kept: 1, other: 0 })
        );
        assert_eq!(g.units, ["a", "b"]);
        assert_eq!(g.pairs.len(), 1);
        assert_eq!((g.pairs[0].a, g.pairs[0].b, g.pairs[0].distance), (1, 2, 0));
        assert_eq!(items[0].status, Status::Duplicate);
        assert!(
            matches!(&items[0].findings[0].check, Check::ExactDuplicate { keeper, .. } if keeper == "b/2.jpg")
        );
        // The keeper already had the year; nothing else to take.
        assert!(g.filled.is_empty());
        // The other way round: the keeper by path takes the year, with its source.
        let mut items = two_copies_with_year_and_unit();
        let groups = exact(&mut items);
        assert_eq!(groups[0].keeper, Some(1));
        assert_eq!(
            groups[0].filled,
            [FilledTag {
                field: Field::Unit,
                from: 2,
                path: "b/2.jpg".into()
            }]
        );
    }

    /// Identical copies `a/1.jpg` (with a year from its file name) and `b/2.jpg` (with a unit
    /// from its drop): the keeper by path, which takes the unit.
    fn two_copies_with_year_and_unit() -> Vec<Item> {
        let mut items = vec![
            item(
                1,
                "a/1.jpg",
                photo(7, 2000, 1500, Some(90), true),
                Tags::default(),
            ),
            item(
                2,
                "b/2.jpg",
                photo(7, 2000, 1500, Some(90), true),
                Tags::default(),
            ),
        ];
        items[1].tags.unit = Some(Tagged {
            value: "b".into(),
            source: TagSource::Drop,
        });
        items[0].tags.year = Some(Tagged {
            value: 2019,
            source: TagSource::FileName,
        });
        items
    }

    #[test]
    fn grouping_facts_asks_only_for_the_members_of_a_group_and_passes_on_a_failed_read() {
        let mut items = two_copies_with_year_and_unit();
        items.push(item(
            3,
            "c/3.jpg",
            photo(8, 2000, 1500, Some(90), true),
            Tags::default(),
        ));
        let facts: Vec<Facts> = items.iter().map(Facts::of).collect();
        let mut asked = Vec::new();
        let mut member = |p: usize| {
            asked.push(p);
            Ok::<Member, String>(Member::of(&items[p]))
        };
        let mut thumbnail = |_: usize| -> Result<GreyThumb, String> {
            unreachable!("the facts keep their thumbnails")
        };
        let grouping = group_facts(&facts, &mut member, &mut thumbnail, &settings()).unwrap();
        // Each member once; the lone photo never.
        asked.sort_unstable();
        assert_eq!(asked, [0, 1]);
        assert_eq!(grouping.groups.len(), 1);
        assert_eq!(grouping.groups[0].keeper, Some(1));
        // The other copy becomes a duplicate of the keeper (by position, its path kept once);
        // the keeper takes the unit, with its source.
        assert!(
            matches!(
                &grouping.marks[..],
                [(1, Mark::Duplicate { keeper: 0, reason: "first_by_path", near: None }), (0, Mark::Tags(tags))]
                    if tags.unit.as_ref().is_some_and(|u| u.value == "b")
                        && tags.year.as_ref().is_some_and(|y| y.value == 2019)
            ),
            "{:?}",
            grouping.marks
        );
        assert_eq!(grouping.paths, BTreeMap::from([(0, "a/1.jpg".to_string())]));
        // The marks do to the items what `group` does.
        let mut marked = items.clone();
        for (p, mark) in grouping.marks.clone() {
            grouping.apply(p, mark, &mut marked[p]);
        }
        let groups = group(&mut items, &settings());
        assert_eq!(groups, grouping.groups);
        assert_eq!(marked, items);
        assert!(matches!(
            &items[1].findings[..],
            [f] if matches!(&f.check, Check::ExactDuplicate { keeper, .. } if keeper == "a/1.jpg")
        ));
        // A read that fails is the caller's error, not a group without names or tags.
        let mut failing = |p: usize| match p {
            1 => Err("disk gone".to_string()),
            _ => Ok(Member::of(&items[p])),
        };
        let mut thumbnail = |p: usize| Ok(thumbnail_of(&items[p]));
        let err = group_facts(&facts, &mut failing, &mut thumbnail, &settings()).unwrap_err();
        assert_eq!(err, "disk gone");
    }

    /// A textured scene of `w` × `h` pixels (value noise: nothing repeats).
    fn scene(w: u32, h: u32, seed: u32) -> image::RgbImage {
        let grey = verify::tests::scene(w, h, 0.0, 0.0, 1.0, u64::from(seed) * 7);
        image::RgbImage::from_fn(w, h, |x, y| {
            let g = grey.get_pixel(x, y).0[0];
            image::Rgb([g, g / 2 + 60, 255 - g])
        })
    }

    /// The pictures of the photos `with_fp` made, by content (a hash of their pixels, so two
    /// tests never share one).
    static PICTURES: std::sync::LazyLock<
        std::sync::Mutex<BTreeMap<ContentHash, image::GrayImage>>,
    > = std::sync::LazyLock::new(Default::default);
    static PARAMS: std::sync::LazyLock<NearParams> = std::sync::LazyLock::new(Default::default);
    static NOT_SPLIT: std::sync::LazyLock<Distinct> = std::sync::LazyLock::new(Default::default);

    fn test_picture(content: &ContentHash) -> Option<image::GrayImage> {
        PICTURES.lock().unwrap().get(content).cloned()
    }

    /// The default bands, no splits, the pictures `with_fp` registered.
    fn settings() -> Settings<'static> {
        Settings {
            params: &PARAMS,
            distinct: &NOT_SPLIT,
            pictures: &test_picture,
        }
    }

    fn with_fp(mut p: Photo, img: &image::RgbImage) -> Photo {
        // The photo's own seed and its pixels: two photos of one picture are two contents.
        let mut hasher = blake3::Hasher::new();
        hasher.update(&p.content.0);
        hasher.update(img.as_raw());
        p.content = ContentHash(*hasher.finalize().as_bytes());
        PICTURES.lock().unwrap().insert(
            p.content,
            image::DynamicImage::ImageRgb8(img.clone()).into_luma8(),
        );
        p.perceptual = Some(Fingerprint::of(img));
        p.width = img.width();
        p.height = img.height();
        p
    }

    /// A photo of one camera taken at `time` (`HH:MM:SS` on 2019-09-16).
    fn shot(seed: u8, img: &image::RgbImage, time: &str) -> Photo {
        let mut p = with_fp(photo(seed, 0, 0, Some(90), true), img);
        p.exif.date_taken = Some(format!("2019-09-16 {time}"));
        p
    }

    /// A photo (a/1), turned (b/2) and mirrored (c/3) copies of it, and two frames of one
    /// panning shot a second apart (d/4, d/5).
    fn turned_copies_and_a_burst() -> Vec<Item> {
        let big = scene(1200, 900, 1);
        let frame =
            |x: u32| image::imageops::crop_imm(&scene(1600, 900, 5), x, 0, 1000, 800).to_image();
        vec![
            item(
                1,
                "a/1.jpg",
                with_fp(photo(1, 0, 0, Some(92), true), &big),
                Tags::default(),
            ),
            item(
                2,
                "b/2.jpg",
                with_fp(
                    photo(2, 0, 0, Some(80), false),
                    &image::imageops::rotate90(&big),
                ),
                Tags::default(),
            ),
            item(
                3,
                "c/3.jpg",
                with_fp(
                    photo(3, 0, 0, Some(80), false),
                    &image::imageops::flip_horizontal(&big),
                ),
                Tags::default(),
            ),
            item(
                4,
                "d/4.jpg",
                shot(4, &frame(0), "10:15:10"),
                Tags::default(),
            ),
            item(
                5,
                "d/5.jpg",
                shot(5, &frame(120), "10:15:11"),
                Tags::default(),
            ),
        ]
    }

    #[test]
    fn turned_and_mirrored_copies_are_duplicates_shifted_frames_a_burst() {
        let mut items = turned_copies_and_a_burst();
        let groups = group(&mut items, &settings());
        assert_eq!(groups.len(), 2, "{groups:#?}");
        let dup = &groups[0];
        assert_eq!(dup.kind, GroupKind::Duplicate);
        assert_eq!(dup.members, [1, 2, 3]);
        assert_eq!(dup.keeper, Some(1));
        assert_eq!(dup.units, ["a", "b", "c"]);
        let turns: Vec<Dihedral> = dup.pairs.iter().map(|p| p.transform).collect();
        assert!(turns.contains(&Dihedral::Rotate90) && turns.contains(&Dihedral::MirrorHorizontal));
        assert_eq!(items[1].status, Status::Duplicate);
        assert!(matches!(
            items[1].findings[0].check,
            Check::NearDuplicate {
                transform: Dihedral::Rotate90,
                ..
            }
        ));
        let burst = &groups[1];
        assert_eq!(burst.kind, GroupKind::Burst);
        assert_eq!(burst.members, [4, 5]);
        assert_eq!(burst.keeper, None);
        assert_eq!(items[3].status, Status::Accepted);
        assert_eq!(items[4].status, Status::Accepted);
        assert_eq!(items[3].findings[0].check.code(), "burst");
        // Same input, same groups.
        let mut again = items.clone();
        for i in &mut again {
            i.status = Status::Accepted;
            i.findings.clear();
        }
        let regroup = group(&mut again, &settings());
        assert_eq!(regroup, groups);
    }

    #[test]
    fn facts_without_thumbnails_group_as_with_them_reading_only_the_photos_aligned() {
        let mut items = turned_copies_and_a_burst();
        // An identical copy of the burst's first frame, with a year: the keeper of the two
        // copies, though its content is compared by the first (position 3).
        let year = Tags {
            year: Some(Tagged {
                value: 2019,
                source: TagSource::FileName,
            }),
            ..Tags::default()
        };
        let copy = item(
            6,
            "e/4.jpg",
            (*items[3].photo.clone().unwrap()).clone(),
            year,
        );
        items.push(copy);
        // A photo like no other.
        items.push(item(
            7,
            "f/7.jpg",
            with_fp(photo(7, 0, 0, Some(90), false), &scene(900, 700, 9)),
            Tags::default(),
        ));
        let facts: Vec<Facts> = items
            .iter()
            .map(|i| Facts::of(i).without_thumbnail())
            .collect();
        assert!(facts.iter().all(|f| {
            let fp = f.photo.as_ref().and_then(|p| p.perceptual.as_ref());
            fp.is_some_and(|fp| fp.thumb.0.is_empty())
        }));
        let mut asked = Vec::new();
        let mut member = |p: usize| Ok::<Member, String>(Member::of(&items[p]));
        let mut thumbnail = |p: usize| {
            asked.push(p);
            Ok(thumbnail_of(&items[p]))
        };
        let grouping = group_facts(&facts, &mut member, &mut thumbnail, &settings()).unwrap();
        // The same groups and marks as grouping the items whole.
        let mut marked = items.clone();
        for (p, mark) in grouping.marks.clone() {
            grouping.apply(p, mark, &mut marked[p]);
        }
        let mut whole = items.clone();
        let groups = group(&mut whole, &settings());
        assert_eq!(grouping.groups, groups);
        assert_eq!(marked, whole);
        // The burst now counts the tagged copy as its first shot.
        let burst = groups.iter().find(|g| g.kind == GroupKind::Burst).unwrap();
        assert_eq!(burst.members, [5, 6], "{groups:#?}");
        // Each thumbnail at most once, only the candidates' (the burst's pair was measured
        // between the contents' first copies): never the tagged copy's, never the odd one's.
        let mut once = asked.clone();
        once.sort_unstable();
        once.dedup();
        assert_eq!(once, [0, 1, 2, 3, 4], "{asked:?}");
        assert_eq!(once.len(), asked.len(), "{asked:?}");
        // A thumbnail that cannot be read is the caller's error.
        let mut member = |p: usize| Ok::<Member, String>(Member::of(&items[p]));
        let mut failing = |p: usize| match p {
            0 => Err("disk gone".to_string()),
            _ => Ok(thumbnail_of(&items[p])),
        };
        let err = group_facts(&facts, &mut member, &mut failing, &settings()).unwrap_err();
        assert_eq!(err, "disk gone");
    }

    #[test]
    fn different_capture_times_are_never_duplicates() {
        let img = scene(800, 600, 2);
        let mut a = with_fp(photo(1, 0, 0, Some(90), true), &img);
        let mut b = with_fp(photo(2, 0, 0, Some(90), true), &img);
        a.exif.date_taken = Some("2019-09-16 10:15:10".into());
        b.exif.date_taken = Some("2019-09-16 10:15:11".into());
        let mut items = vec![
            item(1, "a/1.jpg", a, Tags::default()),
            item(2, "a/2.jpg", b, Tags::default()),
        ];
        let groups = group(&mut items, &settings());
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].kind, GroupKind::Burst);
        assert_eq!(groups[0].pairs[0].seconds_apart, Some(1));
        assert!(items.iter().all(|i| i.status == Status::Accepted));
    }

    /// Groups plain photos (no camera) made from `pictures`, one unit each.
    fn group_pictures(pictures: &[image::RgbImage], settings: &Settings) -> Vec<Group> {
        let mut items: Vec<Item> = pictures
            .iter()
            .enumerate()
            .map(|(k, img)| {
                let p = with_fp(photo(k as u8 + 1, 0, 0, Some(90), false), img);
                item(k + 1, &format!("u{k}/{k}.jpg"), p, Tags::default())
            })
            .collect();
        group(&mut items, settings)
    }

    fn kinds(groups: &[Group]) -> Vec<(GroupKind, Vec<usize>)> {
        groups.iter().map(|g| (g.kind, g.members.clone())).collect()
    }

    #[test]
    fn neighbouring_tiles_and_mirrored_halves_are_never_duplicates() {
        let wide = scene(2400, 900, 11);
        let tile = |x: u32| image::imageops::crop_imm(&wide, x, 0, 1200, 900).to_image();
        let (left, right) = (tile(0), tile(1200));
        // A scene made symmetric (its left half and that half mirrored), and another made the
        // same way from the next window: mirrored, each half looks like the other's layout.
        let symmetric = |x: u32| {
            let half = image::imageops::crop_imm(&wide, x, 0, 600, 900).to_image();
            let mut whole = image::RgbImage::new(1200, 900);
            image::imageops::replace(&mut whole, &half, 0, 0);
            image::imageops::replace(&mut whole, &image::imageops::flip_horizontal(&half), 600, 0);
            whole
        };
        let (pier, other_pier) = (symmetric(0), symmetric(700));
        let groups = group_pictures(&[left, right, pier, other_pier], &settings());
        assert!(
            groups.iter().all(|g| g.kind == GroupKind::Similar),
            "{:?}",
            kinds(&groups)
        );
    }

    #[test]
    fn a_member_joined_through_another_copy_is_cut_unless_verified_against_the_keeper() {
        let img = scene(1200, 900, 12);
        let small = |w: u32, h: u32| {
            image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle)
        };
        let pictures = [img.clone(), small(900, 675), small(600, 450)];
        let groups = group_pictures(&pictures, &settings());
        assert_eq!(kinds(&groups), [(GroupKind::Duplicate, vec![1, 2, 3])]);
        // A curator split the largest (the keeper) and the smallest: the smallest still
        // verifies against the middle one, but joins the set only through it, so it is cut
        // and stands alone (and is not shown beside the keeper either: the curator said no).
        let content =
            |k: usize| with_fp(photo(k as u8 + 1, 0, 0, Some(90), false), &pictures[k]).content;
        let split: &'static Distinct = Box::leak(Box::new(Distinct::from([distinct_pair(
            content(0),
            content(2),
        )])));
        let settings = Settings {
            distinct: split,
            ..settings()
        };
        let groups = group_pictures(&pictures, &settings);
        assert_eq!(kinds(&groups), [(GroupKind::Duplicate, vec![1, 2])]);
        assert_eq!(groups[0].keeper, Some(1));
    }

    #[test]
    fn flat_pictures_are_never_duplicates() {
        let flat = |grey: u8, noise: u32| {
            image::RgbImage::from_fn(1200, 900, |x, y| {
                let n = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ noise) % 3) as u8;
                image::Rgb([grey + n, grey + n, grey + n])
            })
        };
        let groups = group_pictures(&[flat(200, 1), flat(200, 2), flat(201, 3)], &settings());
        assert!(
            groups.iter().all(|g| g.kind == GroupKind::Similar),
            "{:?}",
            kinds(&groups)
        );
    }

    #[test]
    fn a_curators_split_is_never_grouped() {
        let img = scene(1200, 900, 13);
        let half = image::imageops::resize(&img, 600, 450, image::imageops::FilterType::Triangle);
        let groups = group_pictures(&[img.clone(), half.clone()], &settings());
        assert_eq!(kinds(&groups), [(GroupKind::Duplicate, vec![1, 2])]);
        let content = |seed: u8, picture: &image::RgbImage| {
            with_fp(photo(seed, 0, 0, Some(90), false), picture).content
        };
        let split: &'static Distinct = Box::leak(Box::new(Distinct::from([distinct_pair(
            content(1, &img),
            content(2, &half),
        )])));
        let settings = Settings {
            distinct: split,
            ..settings()
        };
        assert_eq!(group_pictures(&[img, half], &settings), []);
    }

    #[test]
    fn bursts_are_one_moment_of_one_camera_and_never_chains() {
        let wide = scene(2400, 900, 14);
        let frame = |x: u32| image::imageops::crop_imm(&wide, x, 0, 1200, 900).to_image();
        // Four frames of a pan: at 0 s, 400 s and 800 s (each within 600 s of the one before,
        // the first and third not), and one at the same moment from another camera model.
        let mut other_model = shot(4, &frame(360), "10:00:00");
        other_model.exif.model = Some("Other".into());
        let mut items = vec![
            item(
                1,
                "a/1.jpg",
                shot(1, &frame(0), "10:00:00"),
                Tags::default(),
            ),
            item(
                2,
                "a/2.jpg",
                shot(2, &frame(120), "10:06:40"),
                Tags::default(),
            ),
            item(
                3,
                "a/3.jpg",
                shot(3, &frame(240), "10:13:20"),
                Tags::default(),
            ),
            item(4, "b/4.jpg", other_model, Tags::default()),
        ];
        let groups = group(&mut items, &settings());
        let bursts: Vec<&Group> = groups
            .iter()
            .filter(|g| g.kind == GroupKind::Burst)
            .collect();
        assert_eq!(bursts.len(), 1, "{:?}", kinds(&groups));
        assert_eq!(bursts[0].members, [1, 2]);
        for g in &bursts {
            assert!(g.pairs.iter().all(|p| p.seconds_apart.unwrap() <= 600));
        }
        assert!(items.iter().all(|i| i.status == Status::Accepted));
    }

    #[test]
    fn capture_time_parses_to_seconds() {
        let a = seconds_of("2019-09-16 10:15:10").unwrap();
        assert_eq!(seconds_of("2019-09-16 10:16:10").unwrap() - a, 60);
        assert_eq!(seconds_of("2019-09-17 10:15:10").unwrap() - a, 86_400);
        assert_eq!(
            seconds_of("2020-03-01 00:00:00").unwrap() - seconds_of("2020-02-28 00:00:00").unwrap(),
            2 * 86_400
        );
        assert_eq!(seconds_of("garbage"), None);
    }
}

//! Dedupe's pair measurement: each candidate pair measured on its thumbnails (the
//! verification in `verify.rs`, in batches that bound the pictures held) and judged: a copy of
//! one shot, a burst of one moment, a look-alike, or nothing.
//!
//! In: nominated pairs and a way to verify them. Out: one verdict per pair kept, in order.
//! Invariant: the same pairs give the same verdicts in the same order, whatever the batching.

use super::*;

/// A classified candidate pair, by item position.
#[derive(Clone, Debug)]
pub(super) struct Verdict {
    pub(super) first: usize,
    pub(super) second: usize,
    pub(super) pair: Pair,
}

/// Same-view pairs first, then the searched pairs in rounds (see [`examine`]), each set of
/// pairs verified and judged by `verify`.
pub(super) fn settle(
    nominated: Vec<Nominee>,
    verify: &dyn Fn(&[Nominee]) -> Vec<Verdict>,
) -> Vec<Verdict> {
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
pub(super) const PICTURES_HELD: usize = 64;

/// How many pairs of a component too large to hold are verified together.
pub(super) const VERIFY_BATCH: usize = 32;

/// The nominated pairs by component (photos linked by pairs), whole components gathered into
/// chunks of at most [`PICTURES_HELD`] photos (a larger component is a chunk alone).
/// Components come in the order of their first pair, pairs within one in their given order:
/// the same pairs always make the same chunks.
pub(super) fn chunks(nominated: &[Nominee]) -> Vec<Vec<Nominee>> {
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
pub(super) fn pictures_of(
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
pub(super) fn verify_with(
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

/// Measures a pair on the 16 × 16 thumbnails: the best turn ([`Fingerprint::compare`]), both
/// distances, alignment, capture times. The kind is left as `Burst` for the caller to decide.
pub(super) fn measure(
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
pub(super) fn judge(
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
pub(super) fn seconds_of(date: &str) -> Option<i64> {
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

/// Reads the grey thumbnail of the photo at `p` into `read` when its facts left it out (once).
pub(super) fn read_thumbnail<E>(
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

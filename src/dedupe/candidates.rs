//! Dedupe's candidate search: which pairs of photos are worth a closer look, from hashes and
//! capture times alone.
//!
//! In: every photo's [`Facts`](super::Facts) and the profile's bands. Out: candidate pairs of
//! representatives (one per content), each nominated with its pair and its alignment. No
//! thumbnail is read here. Invariant: sorted output, whatever the thread count.

use super::*;

/// Items with a photo, by content hash; positions in path order.
pub(super) fn content_clusters(facts: &[Facts]) -> BTreeMap<ContentHash, Vec<usize>> {
    let mut by_content: BTreeMap<ContentHash, Vec<usize>> = BTreeMap::new();
    for (pos, item) in facts.iter().enumerate() {
        if let Some(photo) = &item.photo {
            by_content.entry(photo.content).or_default().push(pos);
        }
    }
    by_content
}

/// Candidate pairs `(i, j)` of representatives, `i < j`, sorted: pairs whose hashes, one turned
/// by any of the eight rotations and mirrorings, are within the radii (through two
/// multi-indexes, DCT and block: every turn of every representative is a query), and shots of
/// one camera close in capture time. Hashes only: no thumbnail is looked at.
pub(super) fn candidate_pairs(
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

/// Pairs `(i, j)`, `i < j`, of representatives from one camera (make and model) taken within
/// `burst_seconds` of each other, each with at most `burst_neighbours` following shots.
pub(super) fn close_in_time(
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

/// A pair nominated on the 16 × 16 thumbnails: positions, the pair as measured, the alignment.
pub(super) type Nominee = (usize, usize, Pair, Alignment);

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
pub(super) fn examine<'f>(
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

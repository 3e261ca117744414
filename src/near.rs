//! Near: every pair of 64-bit hashes within a Hamming radius, without comparing all pairs, and
//! union-find to turn pairs into groups.
//!
//! In: a slice of hashes and a radius. Out: the pairs `(i, j, distance)` with `i < j` and
//! `hamming(hashes[i], hashes[j]) ≤ radius`, sorted; for a batch of queries, every
//! `(query, position, distance)` within the radius; or, for one query, the indexed hashes near
//! it. Invariants: the result is exactly what a brute-force scan gives (pigeonhole makes the
//! index complete), in the same order whatever the thread count.
//!
//! How: multi-index hashing (Norouzi, Punjani & Fleet, 2012). The 64 bits are cut into `m`
//! blocks; two hashes within radius `r` agree to within `⌊r / m⌋` bits on at least one block.
//! Each block is a bucket table (counting sort: offsets, ids and the hashes themselves, no
//! hashing); a query probes, in every block, each bucket within `⌊r / m⌋` bits of its own block
//! value and checks the full distance of what it finds. A pair found through several blocks is
//! reported only from the first block that could find it. `m` is chosen from `n` and `r` by a
//! cost model so buckets hold about one hash (block width near `log2 n`): the probes per query
//! then stay nearly constant.
//!
//! Constant probes are not constant time: at a million hashes the bucket tables (tens of MB)
//! no longer fit in cache, and probing them query by query makes every probe a miss. Batches
//! (`pairs_within`, [`Index::join`]) therefore run probe pattern by probe pattern, each a sweep
//! over the queries in block-value order, so a table is read in a few forward streams. The total
//! grows like `n log n` (the sorts), where all pairs would be `n²`.

use rayon::prelude::*;

use crate::fingerprint::hamming;

/// Widest block: a bucket table of `2^22` offsets is 16 MiB.
const MAX_BLOCK_BITS: u32 = 22;

/// One block of the index: the hashes bucketed by the block's bits.
#[derive(Clone, Debug)]
struct Block {
    /// Position of the block's lowest bit in the hash.
    shift: u32,
    /// Width in bits.
    bits: u32,
    /// `offsets[v]..offsets[v + 1]` is the range of `ids` and `keys` whose block value is `v`.
    offsets: Vec<u32>,
    /// Hash positions, bucket by bucket, ascending within a bucket.
    ids: Vec<u32>,
    /// The hashes in the same order as `ids`, so that checking a bucket reads memory in
    /// sequence instead of jumping through the whole hash list.
    keys: Vec<u64>,
}

impl Block {
    fn value(&self, hash: u64) -> u32 {
        ((hash >> self.shift) & ((1u64 << self.bits) - 1)) as u32
    }

    /// The bucket of block value `v`, as `(ids, keys)`.
    fn bucket(&self, v: u32) -> (&[u32], &[u64]) {
        let range = self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize;
        (&self.ids[range.clone()], &self.keys[range])
    }
}

/// A multi-index over a set of 64-bit hashes, for one search radius.
#[derive(Clone, Debug)]
pub struct Index {
    radius: u32,
    /// Each block's probe radius: `⌊radius / blocks⌋`.
    sub_radius: u32,
    blocks: Vec<Block>,
}

/// Sum of `C(bits, i)` for `i ≤ radius`: the buckets a query probes in one block.
fn probes(bits: u32, radius: u32) -> f64 {
    let mut total = 0.0;
    let mut c = 1.0;
    for i in 0..=radius.min(bits) {
        total += c;
        c = c * f64::from(bits - i) / f64::from(i + 1);
    }
    total
}

impl Index {
    /// Builds the index of `hashes` for queries within `radius` bits.
    ///
    /// # Panics
    /// When there are more than `u32::MAX` hashes.
    pub fn new(hashes: &[u64], radius: u32) -> Index {
        assert!(u32::try_from(hashes.len()).is_ok(), "at most 2^32 hashes");
        let n = hashes.len().max(1) as f64;
        // Cost per query: probe every candidate bucket, then check what it holds.
        let cost = |m: u32| {
            let bits = 64 / m;
            let s = radius / m;
            f64::from(m) * probes(bits, s) * (1.0 + n / 2f64.powi(bits as i32))
        };
        let min_blocks = 64u32.div_ceil(MAX_BLOCK_BITS);
        let m = (min_blocks..=32)
            .min_by(|&a, &b| cost(a).total_cmp(&cost(b)).then(a.cmp(&b)))
            .expect("a range of block counts");
        let mut blocks = Vec::with_capacity(m as usize);
        let mut shift = 0;
        for j in 0..m {
            // Spread the 64 bits as evenly as possible; the first blocks take the remainder.
            let bits = 64 / m + u32::from(j < 64 % m);
            blocks.push(Block::build(hashes, shift, bits));
            shift += bits;
        }
        Index {
            radius,
            sub_radius: radius / m,
            blocks,
        }
    }

    /// The number of blocks the hashes were cut into.
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Whether a block before block `j` has `a` and `b` within the sub-radius: the pair is
    /// then reported from that block, not from `j`.
    fn earlier(&self, j: usize, a: u64, b: u64) -> bool {
        let s = self.sub_radius;
        self.blocks[..j]
            .iter()
            .any(|b2| (b2.value(a) ^ b2.value(b)).count_ones() <= s)
    }

    /// Calls `found(position, distance)` once for every indexed hash within the radius of
    /// `query`, in no particular order.
    pub fn for_each_within(&self, query: u64, mut found: impl FnMut(usize, u32)) {
        for (j, block) in self.blocks.iter().enumerate() {
            each_within(block.value(query), block.bits, self.sub_radius, |v| {
                let (ids, keys) = block.bucket(v);
                for (&id, &h) in ids.iter().zip(keys) {
                    let d = hamming(h, query);
                    if d <= self.radius && !self.earlier(j, h, query) {
                        found(id as usize, d);
                    }
                }
            });
        }
    }

    /// Every indexed hash within the radius of `query`, as `(position, distance)` sorted by
    /// position.
    pub fn within(&self, query: u64) -> Vec<(usize, u32)> {
        let mut out = Vec::new();
        self.for_each_within(query, |i, d| out.push((i, d)));
        out.sort_unstable();
        out
    }

    /// Every `(query, position, distance)` with `queries[query]` within the radius of the
    /// indexed hash at `position`, sorted; in parallel on the current rayon pool, the same
    /// result whatever the thread count.
    ///
    /// Many queries at once go faster than one by one: the work is done probe pattern by probe
    /// pattern, each a sweep over the queries sorted by block value, so the bucket tables are
    /// read in a few forward streams rather than at random. Once the tables outgrow the cache
    /// that is what keeps the time per probe flat as the collection grows.
    pub fn join(&self, queries: &[u64]) -> Vec<(usize, usize, u32)> {
        assert!(u32::try_from(queries.len()).is_ok(), "at most 2^32 queries");
        let sorted: Vec<Vec<(u32, u64, u32)>> = self
            .blocks
            .par_iter()
            .map(|block| {
                let mut q: Vec<(u32, u64, u32)> = queries
                    .iter()
                    .enumerate()
                    .map(|(i, &h)| (block.value(h), h, i as u32))
                    .collect();
                q.sort_unstable();
                q
            })
            .collect();
        self.sweep_all(|j, mask, out| {
            let block = &self.blocks[j];
            for &(v, query, qi) in &sorted[j] {
                let (ids, keys) = block.bucket(v ^ mask);
                for (&id, &h) in ids.iter().zip(keys) {
                    let d = hamming(h, query);
                    if d <= self.radius && !self.earlier(j, h, query) {
                        out.push((qi as usize, id as usize, d));
                    }
                }
            }
        })
    }

    /// Every pair `(i, j, distance)` of indexed hashes with `i < j` within the radius, sorted:
    /// [`Index::join`] of the indexed hashes with themselves, each pair of buckets visited once.
    pub fn self_join(&self) -> Vec<(usize, usize, u32)> {
        self.sweep_all(|j, mask, out| {
            let block = &self.blocks[j];
            let top = if mask == 0 {
                0
            } else {
                1 << (31 - mask.leading_zeros())
            };
            for (e, (&id, &h)) in block.ids.iter().zip(&block.keys).enumerate() {
                let v = block.value(h);
                if v & top != 0 {
                    continue;
                }
                // With no bits flipped the other side is the rest of the same bucket; otherwise
                // a bucket with the top flipped bit set, never visited from its own side.
                let (other_ids, other_keys) = if mask == 0 {
                    let end = block.offsets[v as usize + 1] as usize;
                    (&block.ids[e + 1..end], &block.keys[e + 1..end])
                } else {
                    block.bucket(v ^ mask)
                };
                for (&id2, &h2) in other_ids.iter().zip(other_keys) {
                    let d = hamming(h, h2);
                    if d <= self.radius && !self.earlier(j, h, h2) {
                        let (a, b) = if id < id2 { (id, id2) } else { (id2, id) };
                        out.push((a as usize, b as usize, d));
                    }
                }
            }
        })
    }

    /// Runs `sweep(block, mask, out)` for every block and every probe pattern of the
    /// sub-radius, in parallel, and returns everything pushed, sorted.
    fn sweep_all(
        &self,
        sweep: impl Fn(usize, u32, &mut Vec<(usize, usize, u32)>) + Sync,
    ) -> Vec<(usize, usize, u32)> {
        let mut work = Vec::new();
        for (j, block) in self.blocks.iter().enumerate() {
            each_within(0, block.bits, self.sub_radius, |mask| work.push((j, mask)));
        }
        let mut out: Vec<(usize, usize, u32)> = work
            .par_iter()
            .map(|&(j, mask)| {
                let mut out = Vec::new();
                sweep(j, mask, &mut out);
                out
            })
            .flatten_iter()
            .collect();
        out.par_sort_unstable();
        out
    }
}

impl Block {
    fn build(hashes: &[u64], shift: u32, bits: u32) -> Block {
        let mut block = Block {
            shift,
            bits,
            offsets: vec![0; (1usize << bits) + 1],
            ids: vec![0; hashes.len()],
            keys: vec![0; hashes.len()],
        };
        for &h in hashes {
            let v = block.value(h) as usize;
            block.offsets[v + 1] += 1;
        }
        for v in 1..block.offsets.len() {
            block.offsets[v] += block.offsets[v - 1];
        }
        let mut next = block.offsets.clone();
        for (id, &h) in hashes.iter().enumerate() {
            let v = block.value(h) as usize;
            let at = next[v] as usize;
            block.ids[at] = id as u32;
            block.keys[at] = h;
            next[v] += 1;
        }
        block
    }
}

/// Calls `f` with every `bits`-wide value within `radius` bits of `value` (itself first).
fn each_within(value: u32, bits: u32, radius: u32, mut f: impl FnMut(u32)) {
    fn flip(value: u32, from: u32, bits: u32, left: u32, f: &mut impl FnMut(u32)) {
        if left == 0 {
            return;
        }
        for b in from..bits {
            let v = value ^ (1 << b);
            f(v);
            flip(v, b + 1, bits, left - 1, f);
        }
    }
    f(value);
    flip(value, 0, bits, radius, &mut f);
}

/// Every pair `(i, j, distance)` with `i < j` and `hamming(hashes[i], hashes[j]) ≤ radius`,
/// sorted by `(i, j)`. Sub-quadratic (multi-index hashing); in parallel on the current rayon
/// pool; the same result as a brute-force scan, whatever the thread count.
pub fn pairs_within(hashes: &[u64], radius: u32) -> Vec<(usize, usize, u32)> {
    Index::new(hashes, radius).self_join()
}

/// Every pair by comparing all of them: the reference `pairs_within` must equal (tests, benches).
pub fn pairs_brute_force(hashes: &[u64], radius: u32) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    for i in 0..hashes.len() {
        for j in i + 1..hashes.len() {
            let d = hamming(hashes[i], hashes[j]);
            if d <= radius {
                out.push((i, j, d));
            }
        }
    }
    out
}

/// Disjoint sets over `0..n` (union by size, path halving). Each set's representative is its
/// smallest member, so groups come out the same whatever order the unions happen in.
#[derive(Clone, Debug)]
pub struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    /// The representative (smallest member) of `x`'s set.
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Merges the sets of `a` and `b`; true when they were apart.
    pub fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        // The smaller representative wins: sets are named by their first member.
        let (keep, join) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[join] = keep;
        true
    }

    /// The sets with at least two members, each sorted, ordered by their first member.
    pub fn groups(&mut self) -> Vec<Vec<usize>> {
        let n = self.parent.len();
        let mut by_root: Vec<Vec<usize>> = vec![Vec::new(); n];
        for x in 0..n {
            let r = self.find(x);
            by_root[r].push(x);
        }
        by_root.into_iter().filter(|g| g.len() > 1).collect()
    }
}

/// Groups `0..n` by the pairs given (connected components), as [`UnionFind::groups`] orders them.
pub fn components(n: usize, pairs: impl IntoIterator<Item = (usize, usize)>) -> Vec<Vec<usize>> {
    let mut sets = UnionFind::new(n);
    for (a, b) in pairs {
        sets.union(a, b);
    }
    sets.groups()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64: a fixed-seed generator for property-style loops.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Flips `k` distinct random bits of `h`.
        fn flip(&mut self, mut h: u64, k: u32) -> u64 {
            let mut flipped = 0u64;
            while flipped.count_ones() < k {
                flipped |= 1 << (self.next() % 64);
            }
            h ^= flipped;
            h
        }
    }

    /// Random hashes with planted near copies at every distance up to 20.
    fn planted(rng: &mut Rng, n: usize) -> Vec<u64> {
        let mut hashes = Vec::with_capacity(n);
        while hashes.len() < n {
            let h = rng.next();
            hashes.push(h);
            if rng.next().is_multiple_of(3) && hashes.len() < n {
                let k = (rng.next() % 21) as u32;
                hashes.push(rng.flip(h, k));
            }
        }
        // A few exact repeats and a dense cluster.
        hashes.push(hashes[0]);
        let base = rng.next();
        for k in 0..30 {
            hashes.push(rng.flip(base, k % 5));
        }
        hashes
    }

    #[test]
    fn index_finds_exactly_what_brute_force_finds() {
        let mut rng = Rng(42);
        for round in 0..12 {
            let n = 50 + round * 150;
            let hashes = planted(&mut rng, n);
            for radius in [0, 1, 3, 6, 8, 12, 16, 20] {
                assert_eq!(
                    pairs_within(&hashes, radius),
                    pairs_brute_force(&hashes, radius),
                    "n {n}, radius {radius}"
                );
            }
        }
    }

    #[test]
    fn queries_find_each_hash_once() {
        let mut rng = Rng(7);
        let hashes = planted(&mut rng, 500);
        let index = Index::new(&hashes, 10);
        for _ in 0..200 {
            let q = rng.next();
            let q = rng.flip(hashes[(q % 500) as usize], (q % 13) as u32);
            let expected: Vec<(usize, u32)> = hashes
                .iter()
                .enumerate()
                .map(|(i, &h)| (i, hamming(h, q)))
                .filter(|&(_, d)| d <= 10)
                .collect();
            assert_eq!(index.within(q), expected);
        }
    }

    #[test]
    fn joins_find_exactly_what_brute_force_finds() {
        let mut rng = Rng(11);
        for round in 0..6 {
            let hashes = planted(&mut rng, 100 + round * 400);
            let queries: Vec<u64> = (0..300)
                .map(|k| {
                    let q = rng.next();
                    if k % 3 == 0 {
                        q
                    } else {
                        rng.flip(hashes[(q % hashes.len() as u64) as usize], (q % 17) as u32)
                    }
                })
                .collect();
            for radius in [0, 2, 8, 13] {
                let index = Index::new(&hashes, radius);
                let mut expected = Vec::new();
                for (qi, &q) in queries.iter().enumerate() {
                    for (i, &h) in hashes.iter().enumerate() {
                        let d = hamming(h, q);
                        if d <= radius {
                            expected.push((qi, i, d));
                        }
                    }
                }
                assert_eq!(
                    index.join(&queries),
                    expected,
                    "round {round}, radius {radius}"
                );
            }
        }
    }

    #[test]
    fn block_count_follows_the_collection_size() {
        let few = vec![0u64; 100];
        let many = vec![0u64; 200_000];
        assert!(Index::new(&few, 8).blocks() >= Index::new(&many, 8).blocks());
        assert!(Index::new(&[], 8).within(0).is_empty());
    }

    #[test]
    fn pairs_are_deterministic_across_thread_counts() {
        let mut rng = Rng(3);
        let hashes = planted(&mut rng, 20_000);
        let pool = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
        };
        let one = pool(1).install(|| pairs_within(&hashes, 8));
        let four = pool(4).install(|| pairs_within(&hashes, 8));
        assert_eq!(one, four);
        assert!(one.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
    }

    #[test]
    fn union_find_names_groups_by_first_member() {
        let groups = components(7, [(5, 3), (3, 1), (6, 4)]);
        assert_eq!(groups, [vec![1, 3, 5], vec![4, 6]]);
        assert!(components(3, []).is_empty());
    }
}

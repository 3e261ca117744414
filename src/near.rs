//! Near: every pair of 64-bit hashes within a Hamming radius, without comparing all pairs, and
//! union-find to turn pairs into groups.
//!
//! In: a slice of hashes and a radius. Out: the pairs `(i, j, distance)` with `i < j` and
//! `hamming(hashes[i], hashes[j]) ≤ radius`, sorted; or, for one query, the indexed hashes near
//! it. Invariants: the result is exactly what a brute-force scan gives (pigeonhole makes the
//! index complete), in the same order whatever the thread count.
//!
//! How: multi-index hashing (Norouzi, Punjani & Fleet, 2012). The 64 bits are cut into `m`
//! blocks; two hashes within radius `r` agree to within `⌊r / m⌋` bits on at least one block.
//! Each block is a bucket table (counting sort: offsets and ids, no hashing); a query probes,
//! in every block, each bucket within `⌊r / m⌋` bits of its own block value and checks the full
//! distance of what it finds. A pair found through several blocks is reported only from the first
//! block that could find it. `m` is chosen from `n` and `r` by a cost model so buckets hold about
//! one hash (block width near `log2 n`): the work per query then stays nearly constant, and the
//! total grows like `n log n` (the final sort), where all pairs would be `n²`.

use rayon::prelude::*;

use crate::fingerprint::hamming;

/// Widest block: a bucket table of `2^22` offsets is 16 MiB.
const MAX_BLOCK_BITS: u32 = 22;

/// One block of the index: the ids of the hashes, bucketed by the block's bits.
#[derive(Clone, Debug)]
struct Block {
    /// Position of the block's lowest bit in the hash.
    shift: u32,
    /// Width in bits.
    bits: u32,
    /// `offsets[v]..offsets[v + 1]` is the range of `ids` whose block value is `v`.
    offsets: Vec<u32>,
    /// Hash positions, bucket by bucket, ascending within a bucket.
    ids: Vec<u32>,
}

impl Block {
    fn value(&self, hash: u64) -> u32 {
        ((hash >> self.shift) & ((1u64 << self.bits) - 1)) as u32
    }
}

/// A multi-index over a set of 64-bit hashes, for one search radius.
#[derive(Clone, Debug)]
pub struct Index<'a> {
    hashes: &'a [u64],
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

impl<'a> Index<'a> {
    /// Builds the index of `hashes` for queries within `radius` bits.
    ///
    /// # Panics
    /// When there are more than `u32::MAX` hashes.
    pub fn new(hashes: &'a [u64], radius: u32) -> Index<'a> {
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
            hashes,
            radius,
            sub_radius: radius / m,
            blocks,
        }
    }

    /// The number of blocks the hashes were cut into.
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Calls `found(position, distance)` once for every indexed hash within the radius of
    /// `query`, in no particular order.
    pub fn for_each_within(&self, query: u64, mut found: impl FnMut(usize, u32)) {
        let s = self.sub_radius;
        for (j, block) in self.blocks.iter().enumerate() {
            let q = block.value(query);
            each_within(q, block.bits, s, |v| {
                let v = v as usize;
                for &id in &block.ids[block.offsets[v] as usize..block.offsets[v + 1] as usize] {
                    let h = self.hashes[id as usize];
                    let d = hamming(h, query);
                    if d > self.radius {
                        continue;
                    }
                    // Reported by the first block within the sub-radius only.
                    let earlier = self.blocks[..j]
                        .iter()
                        .any(|b| hamming(u64::from(b.value(h)), u64::from(b.value(query))) <= s);
                    if !earlier {
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
}

impl Block {
    fn build(hashes: &[u64], shift: u32, bits: u32) -> Block {
        let mut block = Block {
            shift,
            bits,
            offsets: vec![0; (1usize << bits) + 1],
            ids: vec![0; hashes.len()],
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
            block.ids[next[v] as usize] = id as u32;
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
    let index = Index::new(hashes, radius);
    let chunks: Vec<Vec<(usize, usize, u32)>> = (0..hashes.len())
        .collect::<Vec<_>>()
        .par_chunks(4096)
        .map(|chunk| {
            let mut out = Vec::new();
            for &i in chunk {
                let start = out.len();
                index.for_each_within(hashes[i], |j, d| {
                    if j > i {
                        out.push((i, j, d));
                    }
                });
                out[start..].sort_unstable();
            }
            out
        })
        .collect();
    chunks.concat()
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

//! Fingerprint: what a photo looks like, in a few hundred bytes, for finding other copies of the
//! same shot and similar shots of one moment.
//!
//! In: the upright preview inspection already decoded (an `RgbImage`, long edge ~1000 px; never
//! the original, never a second decode). Out: a [`Fingerprint`]: two 64-bit perceptual hashes
//! (a DCT sign hash and a block-median hash) and a 16 × 16 grey thumbnail, plus the tools to
//! compare two of them: [`PerceptualHash::distance`], the eight rotations and mirrorings
//! ([`Dihedral`]) and a thumbnail alignment ([`align`]) that says whether one view contains the
//! other (a crop) or each shows something the other lacks (a shifted frame of a burst).
//!
//! Invariants: the fingerprint depends only on the pixels (integer binning, a fixed-order
//! floating-point DCT: the same preview always gives the same bits); both hashes are *closed
//! under the dihedral group*: the hash of a rotated or mirrored preview is computed exactly from
//! the stored hash by permuting and flipping bits ([`PerceptualHash::transformed`]), so one hash
//! per photo finds rotated and mirrored copies without storing eight.
//!
//! Why these hashes: the DCT hash keeps the signs of 64 low-frequency coefficients (every `(u, v)`
//! with `u + v ≤ 10` except the DC term and `(5, 5)`, a set closed under transposition); flipping
//! an image negates exactly the coefficients of odd frequency along the flipped axis and
//! transposing swaps `u` and `v`, so every dihedral transform is a bit permutation plus an XOR.
//! Signs of AC terms do not move with brightness or contrast and barely move with JPEG
//! recompression or resizing. The block hash (8 × 8 block means against their median) is the
//! spatial second opinion; dihedral transforms permute its bits.
//!
//! Size: about 950 lines of code and 350 of tests, kept in one file on purpose: the hashes and
//! the alignment share the dihedral turns and the grey thumbnail they are computed on, and a
//! change to one must be read against the others.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Side of the grey grid the DCT runs on.
const GRID: usize = 32;
/// Side of the stored grey thumbnail.
pub const THUMB: usize = 16;
/// Side of the block-hash grid.
const BLOCKS: usize = 8;
/// Below this mismatch with no scaling or shift, two thumbnails show the same view: a shift of
/// 2 % or more costs several times as much.
const SAME_VIEW: f64 = 0.003;
/// Highest `u + v` of the DCT coefficients kept.
const MAX_FREQ: usize = 10;

/// A 64-bit perceptual hash; serialised as 16 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PerceptualHash(pub u64);

impl PerceptualHash {
    /// The number of differing bits (0 = same, 32 = unrelated on average, 64 = inverse).
    pub fn distance(self, other: PerceptualHash) -> u32 {
        hamming(self.0, other.0)
    }

    /// The 16-digit lowercase hex form.
    pub fn to_hex(self) -> String {
        format!("{:016x}", self.0)
    }

    /// Parses the 16-digit hex form.
    pub fn from_hex(hex: &str) -> Option<PerceptualHash> {
        if hex.len() != 16 {
            return None;
        }
        u64::from_str_radix(hex, 16).ok().map(PerceptualHash)
    }
}

/// The number of bits in which two 64-bit hashes differ.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

impl fmt::Debug for PerceptualHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PerceptualHash({})", self.to_hex())
    }
}

impl fmt::Display for PerceptualHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for PerceptualHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for PerceptualHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(d)?;
        PerceptualHash::from_hex(&hex)
            .ok_or_else(|| serde::de::Error::custom("a perceptual hash is 16 hex digits"))
    }
}

/// One of the eight ways to turn or mirror a picture (the dihedral group of the square).
///
/// Applied to an image as: transpose (if the transform has one), then mirror left-right, then
/// upside down. Serialised in snake case (`rotate90` is a quarter turn clockwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dihedral {
    /// As it is.
    Identity,
    /// Mirrored left to right.
    MirrorHorizontal,
    /// Mirrored top to bottom.
    MirrorVertical,
    /// Half a turn.
    Rotate180,
    /// Mirrored about the main diagonal.
    Transpose,
    /// A quarter turn clockwise.
    Rotate90,
    /// A quarter turn anticlockwise.
    Rotate270,
    /// Mirrored about the other diagonal.
    Transverse,
}

impl Dihedral {
    /// All eight, identity first.
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Identity,
        Dihedral::MirrorHorizontal,
        Dihedral::MirrorVertical,
        Dihedral::Rotate180,
        Dihedral::Transpose,
        Dihedral::Rotate90,
        Dihedral::Rotate270,
        Dihedral::Transverse,
    ];

    /// `(transpose, mirror x, mirror y)`, applied in that order.
    fn parts(self) -> (bool, bool, bool) {
        match self {
            Dihedral::Identity => (false, false, false),
            Dihedral::MirrorHorizontal => (false, true, false),
            Dihedral::MirrorVertical => (false, false, true),
            Dihedral::Rotate180 => (false, true, true),
            Dihedral::Transpose => (true, false, false),
            Dihedral::Rotate90 => (true, true, false),
            Dihedral::Rotate270 => (true, false, true),
            Dihedral::Transverse => (true, true, true),
        }
    }

    /// The transform that undoes this one.
    pub fn inverse(self) -> Dihedral {
        match self {
            Dihedral::Rotate90 => Dihedral::Rotate270,
            Dihedral::Rotate270 => Dihedral::Rotate90,
            other => other,
        }
    }

    /// True when it turns a landscape picture into a portrait one.
    pub fn swaps_axes(self) -> bool {
        self.parts().0
    }

    /// Applies the transform to a square `n` × `n` grid stored row by row.
    pub fn apply_grid<T: Copy>(self, grid: &[T], n: usize) -> Vec<T> {
        assert_eq!(grid.len(), n * n, "a square grid");
        let mut out = Vec::with_capacity(n * n);
        for y in 0..n {
            for x in 0..n {
                let (col, row) = self.source(x, y, n, n);
                out.push(grid[row * n + col]);
            }
        }
        out
    }

    /// Where pixel `(x, y)` of the turned picture, `w` × `h` pixels once turned, comes from in
    /// the picture before the turn (column, row).
    pub fn source(self, x: usize, y: usize, w: usize, h: usize) -> (usize, usize) {
        let (transpose, fx, fy) = self.parts();
        let sx = if fx { w - 1 - x } else { x };
        let sy = if fy { h - 1 - y } else { y };
        if transpose { (sy, sx) } else { (sx, sy) }
    }
}

/// The DCT coefficients whose signs make the DCT hash, in bit order (bit 0 first).
fn dct_coefficients() -> &'static [(usize, usize); 64] {
    static COEFFS: OnceLock<[(usize, usize); 64]> = OnceLock::new();
    COEFFS.get_or_init(|| {
        let mut all = Vec::with_capacity(64);
        for sum in 1..=MAX_FREQ {
            for u in 0..=sum {
                let v = sum - u;
                if (u, v) != (5, 5) {
                    all.push((u, v));
                }
            }
        }
        all.try_into().expect("66 coefficients minus DC and (5, 5)")
    })
}

/// For each DCT hash bit, the bit of the transposed coefficient.
fn transposed_bits() -> &'static [usize; 64] {
    static SWAPPED: OnceLock<[usize; 64]> = OnceLock::new();
    SWAPPED.get_or_init(|| {
        let coeffs = dct_coefficients();
        std::array::from_fn(|bit| {
            let (u, v) = coeffs[bit];
            coeffs
                .iter()
                .position(|&c| c == (v, u))
                .expect("the set is closed under transposition")
        })
    })
}

/// Which hash family a [`PerceptualHash`] belongs to: they transform differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashKind {
    /// Signs of low-frequency DCT coefficients.
    Dct,
    /// 8 × 8 block means against their median.
    Block,
}

impl PerceptualHash {
    /// The hash the same picture would have after `t`, computed from the bits alone.
    pub fn transformed(self, kind: HashKind, t: Dihedral) -> PerceptualHash {
        if t == Dihedral::Identity {
            return self;
        }
        match kind {
            HashKind::Dct => {
                let coeffs = dct_coefficients();
                let swapped = transposed_bits();
                let (transpose, fx, fy) = t.parts();
                let mut out = 0u64;
                for (bit, &(u, v)) in coeffs.iter().enumerate() {
                    // Transposing moves (v, u) to (u, v); mirrors negate odd frequencies.
                    let from = if transpose { swapped[bit] } else { bit };
                    let mut value = (self.0 >> from) & 1;
                    if (fx && u % 2 == 1) != (fy && v % 2 == 1) {
                        value ^= 1;
                    }
                    out |= value << bit;
                }
                PerceptualHash(out)
            }
            HashKind::Block => {
                let bits: Vec<u64> = (0..64).map(|i| (self.0 >> i) & 1).collect();
                let moved = t.apply_grid(&bits, BLOCKS);
                PerceptualHash(moved.iter().enumerate().fold(0, |h, (i, b)| h | (b << i)))
            }
        }
    }
}

/// A square grey thumbnail (`THUMB` × `THUMB`, row by row), squashed to a square whatever the
/// photo's shape, its contrast stretched to 0–255 (all 128 for a flat picture); serialised as
/// lowercase hex.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct GreyThumb(pub Vec<u8>);

impl fmt::Debug for GreyThumb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GreyThumb({} px)", self.0.len())
    }
}

impl Serialize for GreyThumb {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&hex)
    }
}

impl<'de> Deserialize<'de> for GreyThumb {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(d)?;
        let bad = || serde::de::Error::custom("a grey thumbnail is 512 hex digits");
        if hex.len() != THUMB * THUMB * 2 || !hex.is_ascii() {
            return Err(bad());
        }
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad()))
            .collect::<Result<Vec<u8>, _>>()
            .map(GreyThumb)
    }
}

/// What a photo looks like, small enough for `report.json`: two perceptual hashes of the upright
/// picture and a grey thumbnail for the second check.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fingerprint {
    /// DCT sign hash of the upright picture: the index key.
    pub dct: PerceptualHash,
    /// Block-median hash of the upright picture: the second opinion.
    pub block: PerceptualHash,
    /// 16 × 16 grey thumbnail, for aligning two candidates.
    pub thumb: GreyThumb,
}

impl Fingerprint {
    /// Fingerprints an upright picture (the preview inspection made).
    pub fn of(image: &image::RgbImage) -> Fingerprint {
        let fine = CellSums::of(image, GRID);
        // A thumbnail cell is exactly four grid cells (the boundaries coincide when the picture
        // is at least GRID pixels each way): the same sums, added instead of counted again.
        let coarse = match image.width() as usize >= GRID && image.height() as usize >= GRID {
            true => fine.halved(),
            false => CellSums::of(image, THUMB),
        };
        let (grid, cells) = (fine.averages(), coarse.averages());
        // The cells are stretched to the full 0–255 range (the alignment compares correlations,
        // which do not change with contrast), so a dark or hazy photo keeps its structure in 8
        // bits.
        let lo = cells.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = cells.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let thumb = cells
            .iter()
            .map(|&v| {
                if hi - lo < 50.0 {
                    // Under half a grey level of spread: a flat picture.
                    128
                } else {
                    ((v - lo) / (hi - lo) * 255.0).round() as u8
                }
            })
            .collect();
        Fingerprint {
            dct: dct_hash(&grid),
            block: block_hash(&grid),
            thumb: GreyThumb(thumb),
        }
    }

    /// Both hash distances to `other` once this picture is turned by `t`.
    pub fn distances(&self, other: &Fingerprint, t: Dihedral) -> (u32, u32) {
        (
            self.dct.transformed(HashKind::Dct, t).distance(other.dct),
            self.block
                .transformed(HashKind::Block, t)
                .distance(other.block),
        )
    }

    /// The transform of this picture that brings it closest to `other` (DCT distance, then block
    /// distance, then the order of [`Dihedral::ALL`]), with both distances.
    pub fn closest(&self, other: &Fingerprint) -> (Dihedral, u32, u32) {
        Dihedral::ALL
            .iter()
            .map(|&t| {
                let (d, b) = self.distances(other, t);
                (t, d, b)
            })
            .min_by_key(|&(_, d, b)| (d, b))
            .expect("eight transforms")
    }
}

/// How two fingerprints compare once the first is turned the best way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    /// The turn of the first picture that aligns best with the second.
    pub transform: Dihedral,
    /// DCT hash distance under that turn.
    pub distance: u32,
    /// Block hash distance under that turn.
    pub block_distance: u32,
    /// The thumbnails' alignment under that turn.
    pub alignment: Alignment,
}

impl Fingerprint {
    /// Compares with `other`: aligns the thumbnails under the upright turn and every turn whose
    /// DCT distance is within 6 bits of the closest (hash distances alone can pick the wrong turn
    /// when a pair is 20-odd bits apart, as a reframed shot is), and keeps the best alignment
    /// (coarse grid for each, pattern search for the best two).
    pub fn compare(&self, other: &Fingerprint) -> Comparison {
        let (closest, best, _) = self.closest(other);
        let b = grey(&other.thumb);
        // The same view (a recompressed, resized, turned copy): no search needed.
        let a = turned(&self.thumb, closest);
        let same = error_at(&a, &b, [1.0, 1.0, 0.0, 0.0]);
        if same < SAME_VIEW {
            let (distance, block_distance) = self.distances(other, closest);
            return Comparison {
                transform: closest,
                distance,
                block_distance,
                alignment: Alignment {
                    scale: (1.0, 1.0),
                    offset: (0.0, 0.0),
                    error: same,
                },
            };
        }
        // The coarse grid for every plausible turn, the pattern search for the best two.
        let mut tried: Vec<(Dihedral, Vec<f64>, [f64; 4], f64)> = Dihedral::ALL
            .iter()
            .filter(|&&t| t == Dihedral::Identity || self.distances(other, t).0 <= best + 6)
            .map(|&t| {
                let a = turned(&self.thumb, t);
                let (p, e) = coarse(&a, &b);
                (t, a, p, e)
            })
            .collect();
        tried.sort_by(|x, y| x.3.total_cmp(&y.3));
        let (transform, alignment) = tried
            .iter()
            .take(2)
            .map(|(t, a, p, e)| (*t, refine(a, &b, *p, *e)))
            .min_by(|x, y| x.1.error.total_cmp(&y.1.error))
            .expect("the upright turn is always tried");
        let (distance, block_distance) = self.distances(other, transform);
        Comparison {
            transform,
            distance,
            block_distance,
            alignment,
        }
    }

    /// True when the picture is flat (no structure in the thumbnail): it matches nothing.
    pub fn is_flat(&self) -> bool {
        self.thumb.0.iter().all(|&v| v == self.thumb.0[0])
    }
}

const _: () = assert!(GRID == 2 * THUMB, "thumbnail cells are four grid cells");

/// The picture's luma (scaled by 1000: `299 R + 587 G + 114 B`) summed over `n` × `n` cells,
/// with each cell's pixel count. Every cell gets at least one pixel, so tiny pictures work too
/// (an empty picture's sums are 0).
struct CellSums {
    n: usize,
    sums: Vec<u64>,
    counts: Vec<u64>,
}

impl CellSums {
    /// For each band of rows a cell row covers: the band's bytes summed down each column (plain
    /// byte adds, which vectorise), then each cell's span of those column sums weighted into
    /// luma. A row is read once (twice only where bands overlap, in pictures under `n` rows).
    fn of(image: &image::RgbImage, n: usize) -> CellSums {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let spans = |len: usize| -> Vec<(usize, usize)> {
            (0..n)
                .map(|b| {
                    let start = (b * len / n).min(len.saturating_sub(1));
                    let end = ((b + 1) * len / n).max(start + 1).min(len.max(1));
                    (start, end)
                })
                .collect()
        };
        let (xs, ys) = (spans(w), spans(h));
        let mut sums = vec![0u64; n * n];
        // A column's sum over a band: at most 255 × the band's rows, which fits u32 for any
        // picture under 16 million rows.
        let mut columns = vec![0u32; 3 * w];
        let raw = image.as_raw();
        for (cy, &(y0, y1)) in ys.iter().enumerate() {
            if w == 0 || h == 0 {
                break;
            }
            columns.fill(0);
            for row in raw[3 * w * y0..3 * w * y1].chunks_exact(3 * w) {
                for (sum, &byte) in columns.iter_mut().zip(row) {
                    *sum += u32::from(byte);
                }
            }
            for (cx, &(x0, x1)) in xs.iter().enumerate() {
                let (mut r, mut g, mut b) = (0u64, 0u64, 0u64);
                for p in columns[3 * x0..3 * x1].chunks_exact(3) {
                    r += u64::from(p[0]);
                    g += u64::from(p[1]);
                    b += u64::from(p[2]);
                }
                sums[cy * n + cx] = 299 * r + 587 * g + 114 * b;
            }
        }
        let counts = ys
            .iter()
            .flat_map(|&(y0, y1)| {
                xs.iter()
                    .map(move |&(x0, x1)| ((y1 - y0) * (x1 - x0)) as u64)
            })
            .collect();
        CellSums { n, sums, counts }
    }

    /// The same picture in n/2 × n/2 cells, each the four cells it covers (exact when the
    /// picture is at least n pixels each way: then the cell boundaries at n/2 are among those
    /// at n).
    fn halved(&self) -> CellSums {
        let (n, half) = (self.n, self.n / 2);
        let four = |v: &[u64], cy: usize, cx: usize| {
            let (y, x) = (2 * cy, 2 * cx);
            v[y * n + x] + v[y * n + x + 1] + v[(y + 1) * n + x] + v[(y + 1) * n + x + 1]
        };
        let cells = (0..half).flat_map(|cy| (0..half).map(move |cx| (cy, cx)));
        CellSums {
            n: half,
            sums: cells.clone().map(|(y, x)| four(&self.sums, y, x)).collect(),
            counts: cells.map(|(y, x)| four(&self.counts, y, x)).collect(),
        }
    }

    /// Each cell's mean luma, scaled by 100 (0–25,500).
    fn averages(&self) -> Vec<f64> {
        self.sums
            .iter()
            .zip(&self.counts)
            .map(|(&sum, &count)| sum as f64 / (10 * count.max(1)) as f64)
            .collect()
    }
}

/// `cos(π (2x + 1) u / 2N)` for `u ≤ MAX_FREQ`, `x < GRID`.
fn cosines() -> &'static [[f64; GRID]; MAX_FREQ + 1] {
    static TABLE: OnceLock<[[f64; GRID]; MAX_FREQ + 1]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [[0.0; GRID]; MAX_FREQ + 1];
        for (u, row) in table.iter_mut().enumerate() {
            for (x, c) in row.iter_mut().enumerate() {
                *c = (std::f64::consts::PI * (2 * x + 1) as f64 * u as f64 / (2 * GRID) as f64)
                    .cos();
            }
        }
        table
    })
}

/// The DCT sign hash of a `GRID` × `GRID` grid.
fn dct_hash(grid: &[f64]) -> PerceptualHash {
    let cos = cosines();
    // Rows first: r[y][u] = Σx f(x, y) cos_u(x).
    let mut rows = vec![[0.0f64; MAX_FREQ + 1]; GRID];
    for (y, row) in rows.iter_mut().enumerate() {
        let line = &grid[y * GRID..(y + 1) * GRID];
        for (u, r) in row.iter_mut().enumerate() {
            *r = line.iter().zip(&cos[u]).map(|(f, c)| f * c).sum();
        }
    }
    let mut hash = 0u64;
    for (bit, &(u, v)) in dct_coefficients().iter().enumerate() {
        let c: f64 = (0..GRID).map(|y| rows[y][u] * cos[v][y]).sum();
        if c > 0.0 {
            hash |= 1 << bit;
        }
    }
    PerceptualHash(hash)
}

/// The block-median hash of a `GRID` × `GRID` grid.
fn block_hash(grid: &[f64]) -> PerceptualHash {
    let step = GRID / BLOCKS;
    let mut means = [0.0f64; BLOCKS * BLOCKS];
    for (i, m) in means.iter_mut().enumerate() {
        let (bx, by) = (i % BLOCKS, i / BLOCKS);
        let mut sum = 0.0;
        for y in by * step..(by + 1) * step {
            for x in bx * step..(bx + 1) * step {
                sum += grid[y * GRID + x];
            }
        }
        *m = sum;
    }
    let mut sorted = means;
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[31] + sorted[32]) / 2.0;
    let mut hash = 0u64;
    for (i, &m) in means.iter().enumerate() {
        if m > median {
            hash |= 1 << i;
        }
    }
    PerceptualHash(hash)
}

/// How one thumbnail maps onto another: the window of `b` inside `a`'s frame.
///
/// Coordinates are fractions of the picture (0 = left or top edge, 1 = right or bottom edge,
/// both squashed to a square). `b` shows the part `[offset, offset + scale]` of `a` on each axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alignment {
    /// Width and height of `b`'s view in `a`'s frame.
    pub scale: (f64, f64),
    /// Left and top edge of `b`'s view in `a`'s frame.
    pub offset: (f64, f64),
    /// `1 − correlation` of the aligned grey values (0 = same picture; brightness and contrast
    /// changes do not count).
    pub error: f64,
}

/// How two aligned views relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// The same view (within the tolerance).
    Same,
    /// The second is a crop of the first.
    SecondInsideFirst,
    /// The first is a crop of the second.
    FirstInsideSecond,
    /// Each shows something the other lacks: a shifted or reframed shot.
    Shifted,
}

impl Alignment {
    /// How the views relate, with `tolerance` as a fraction of the picture.
    pub fn framing(&self, tolerance: f64) -> Framing {
        let axes = [
            (self.offset.0, self.offset.0 + self.scale.0),
            (self.offset.1, self.offset.1 + self.scale.1),
        ];
        // b inside a: its window lies within [0, 1]; a inside b: the window covers [0, 1].
        let b_in_a = axes
            .iter()
            .all(|&(lo, hi)| lo >= -tolerance && hi <= 1.0 + tolerance);
        let a_in_b = axes
            .iter()
            .all(|&(lo, hi)| lo <= tolerance && hi >= 1.0 - tolerance);
        match (b_in_a, a_in_b) {
            (true, true) => Framing::Same,
            (true, false) => Framing::SecondInsideFirst,
            (false, true) => Framing::FirstInsideSecond,
            (false, false) => Framing::Shifted,
        }
    }

    /// How far outside the nesting relation the views are: 0 when one contains the other, else
    /// the smallest margin (fraction of the picture) by which each shows something the other
    /// lacks.
    pub fn exclusive(&self) -> f64 {
        let axes = [
            (self.offset.0, self.offset.0 + self.scale.0),
            (self.offset.1, self.offset.1 + self.scale.1),
        ];
        // Distance from "b inside a" and from "a inside b"; the nearer relation counts.
        let outside_a: f64 = axes
            .iter()
            .map(|&(lo, hi)| (-lo).max(0.0).max(hi - 1.0))
            .fold(0.0, f64::max);
        let outside_b: f64 = axes
            .iter()
            .map(|&(lo, hi)| lo.max(0.0).max(1.0 - hi))
            .fold(0.0, f64::max);
        outside_a.min(outside_b)
    }
}

/// Aligns `a` turned by `t` onto `b`: finds the axis-aligned scale and offset (scales 0.75–1.33,
/// offsets within ±0.3) that best explain `b` as a view of `a`, by a coarse grid then a pattern
/// search. Deterministic.
pub fn align(a: &GreyThumb, t: Dihedral, b: &GreyThumb) -> Alignment {
    let (a, b) = (turned(a, t), grey(b));
    let (p, e) = coarse(&a, &b);
    refine(&a, &b, p, e)
}

fn grey(thumb: &GreyThumb) -> Vec<f64> {
    thumb.0.iter().map(|&v| f64::from(v)).collect()
}

fn turned(thumb: &GreyThumb, t: Dihedral) -> Vec<f64> {
    t.apply_grid(&thumb.0, THUMB)
        .iter()
        .map(|&v| f64::from(v))
        .collect()
}

/// The best of a 5 × 5 × 5 grid of views (scale 0.84–1.17, centre ±0.15), the first of equals in
/// the order scale, vertical, horizontal. The rows of `a` interpolated at one scale and
/// horizontal offset serve the five vertical offsets: each view's error is the one
/// [`error_at`] gives, to the bit.
fn coarse(a: &[f64], b: &[f64]) -> ([f64; 4], f64) {
    const SCALES: [f64; 5] = [0.84, 0.92, 1.0, 1.08, 1.17];
    const SHIFTS: [f64; 5] = [-0.15, -0.075, 0.0, 0.075, 0.15];
    // Centre the scaled window on the offset.
    let view = |s: f64, tx: f64, ty: f64| {
        let o = (1.0 - s) / 2.0;
        [s, s, o + tx, o + ty]
    };
    let mut errors = [[[f64::INFINITY; 5]; 5]; 5];
    for (si, &s) in SCALES.iter().enumerate() {
        // The samples along each axis at this scale, one per shift (a view's two axes are
        // found among them: its scales are equal, its offsets are two of the shifts).
        let axes: [Axis; 5] = SHIFTS.map(|t| {
            let p = view(s, t, t);
            Axis::of(p[0], p[2])
        });
        for (xi, &tx) in SHIFTS.iter().enumerate() {
            let mut rows = None;
            for (yi, &ty) in SHIFTS.iter().enumerate() {
                let p = view(s, tx, ty);
                if !in_range(p) {
                    continue;
                }
                let rows = rows.get_or_insert_with(|| across_all(a, &axes[xi]));
                errors[si][yi][xi] = error_from(rows, &axes[xi], &axes[yi], b);
            }
        }
    }
    let mut best = ([1.0, 1.0, 0.0, 0.0], f64::INFINITY);
    for (si, &s) in SCALES.iter().enumerate() {
        for (yi, &ty) in SHIFTS.iter().enumerate() {
            for (xi, &tx) in SHIFTS.iter().enumerate() {
                let e = errors[si][yi][xi];
                if e < best.1 {
                    best = (view(s, tx, ty), e);
                }
            }
        }
    }
    best
}

/// Pattern search from `p`: each of scale x, scale y, offset x, offset y moves by a step while
/// that lowers the error; steps halve from 0.04 down to 0.005.
fn refine(a: &[f64], b: &[f64], mut p: [f64; 4], mut e: f64) -> Alignment {
    // A view come back to (a step back after a step forward) is measured once: views are told
    // apart at a trillionth, past the rounding of a step taken and undone (steps are
    // thousandths), and a view left for a better one is never taken again.
    let mut measured: Vec<([i64; 4], f64)> = Vec::new();
    let mut error_of = |q: [f64; 4]| {
        let key = q.map(|v| (v * 1e12).round() as i64);
        if let Some(&(_, e)) = measured.iter().find(|(k, _)| *k == key) {
            return e;
        }
        let e = error_at(a, b, q);
        measured.push((key, e));
        e
    };
    let mut step = 0.04;
    while step > 0.004 {
        let mut improved = false;
        for dim in 0..4 {
            for sign in [-1.0, 1.0] {
                let mut q = p;
                q[dim] += sign * step;
                let eq = error_of(q);
                if eq < e - 1e-12 {
                    p = q;
                    e = eq;
                    improved = true;
                }
            }
        }
        if !improved {
            step /= 2.0;
        }
    }
    Alignment {
        scale: (p[0], p[1]),
        offset: (p[2], p[3]),
        error: e,
    }
}

/// Whether a view lies in the search's range: scales 0.75–1.34, offsets within ±0.3, the two
/// scales within a quarter of each other.
fn in_range(p: [f64; 4]) -> bool {
    let [sx, sy, ox, oy] = p;
    (0.75..=1.34).contains(&sx)
        && (0.75..=1.34).contains(&sy)
        && (-0.3..=0.3).contains(&ox)
        && (-0.3..=0.3).contains(&oy)
        && sx / sy <= 1.25
        && sy / sx <= 1.25
}

/// Where a view's samples fall along one axis of a `THUMB` grid: the run of samples that fall
/// inside `a` (positions grow along the axis, so they are one run), each with its cell and the
/// fraction to the next.
struct Axis {
    first: usize,
    end: usize,
    cells: [(usize, f64); THUMB],
}

impl Axis {
    /// The samples of scale `s` and offset `o`.
    fn of(s: f64, o: f64) -> Axis {
        let nf = THUMB as f64;
        let mut cells = [(0, 0.0); THUMB];
        let (mut first, mut end) = (THUMB, 0);
        for (k, cell) in cells.iter_mut().enumerate() {
            let at = (o + s * (k as f64 + 0.5) / nf) * nf - 0.5;
            if !(-0.5..=nf - 0.5).contains(&at) {
                continue;
            }
            let at = at.clamp(0.0, nf - 1.0);
            // `at` is not negative: the cast is its floor.
            let c = (at as usize).min(THUMB - 2);
            *cell = (c, at - c as f64);
            first = first.min(k);
            end = k + 1;
        }
        Axis {
            first,
            end: end.max(first),
            cells,
        }
    }

    /// The samples inside `a`.
    fn inside(&self) -> &[(usize, f64)] {
        &self.cells[self.first..self.end]
    }
}

/// Every row of `a` interpolated at the sampled columns `xs` (the first `xs.inside().len()`
/// values of each row; the rest zero).
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn across_all(a: &[f64], xs: &Axis) -> [[f64; THUMB]; THUMB] {
    let xs = xs.inside();
    let mut rows = [[0.0; THUMB]; THUMB];
    for (row, out) in rows.iter_mut().enumerate() {
        let r = &a[row * THUMB..(row + 1) * THUMB];
        for (o, &(x0, fx)) in out.iter_mut().zip(xs) {
            *o = r[x0] + (r[x0 + 1] - r[x0]) * fx;
        }
    }
    rows
}

/// `1 − correlation` between `b` and `a` sampled at `b`'s view `p = [sx, sy, ox, oy]`; infinite
/// outside the search range or when less than half of `b` falls inside `a`. Both are `THUMB ×
/// THUMB` grids. Called some 200 times per aligned pair: it allocates nothing.
fn error_at(a: &[f64], b: &[f64], p: [f64; 4]) -> f64 {
    if !in_range(p) {
        return f64::INFINITY;
    }
    let xs = Axis::of(p[0], p[2]);
    error_from(&across_all(a, &xs), &xs, &Axis::of(p[1], p[3]), b)
}

/// [`error_at`] from the rows of `a` interpolated at the sampled columns `xs`: a sampled row of
/// `b` blends the two rows of `a` around it (the same sums, in the same order, as sample by
/// sample). Compiled for AVX2 as well, chosen at run time (the same operations in the same
/// order: the same bits).
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn error_from(rows: &[[f64; THUMB]; THUMB], xs: &Axis, ys: &Axis, b: &[f64]) -> f64 {
    let (x_first, x_end) = (xs.first, xs.end);
    let n = x_end - x_first;
    // The five sums over four lanes (sample k of a row goes to lane k mod 4), gathered at the
    // end in a fixed order: the same figure on every machine, four samples at a time.
    const LANES: usize = 4;
    let mut lanes = [[0.0f64; LANES]; 5];
    let mut count = 0usize;
    for (by, &(y0, fy)) in ys.cells.iter().enumerate().take(ys.end).skip(ys.first) {
        let (top, bottom) = (&rows[y0], &rows[y0 + 1]);
        // The whole row (a fixed length the compiler vectorises): past the `n` samples both
        // rows are zero, and so is the blend.
        let mut va = [0.0f64; THUMB];
        for ((v, &t), &u) in va.iter_mut().zip(top).zip(bottom) {
            *v = t + (u - t) * fy;
        }
        let mut vb = [0.0f64; THUMB];
        vb[..n].copy_from_slice(&b[by * THUMB + x_first..by * THUMB + x_end]);
        // Samples past `n` are zero on both sides: they add nothing to any sum.
        for (ca, cb) in va.chunks_exact(LANES).zip(vb.chunks_exact(LANES)) {
            for l in 0..LANES {
                lanes[0][l] += ca[l];
                lanes[1][l] += cb[l];
                lanes[2][l] += ca[l] * ca[l];
                lanes[3][l] += cb[l] * cb[l];
                lanes[4][l] += ca[l] * cb[l];
            }
        }
        count += n;
    }
    let [sa, sb, saa, sbb, sab] = lanes.map(|l| (l[0] + l[1]) + (l[2] + l[3]));
    if count * 2 < THUMB * THUMB {
        return f64::INFINITY;
    }
    let c = count as f64;
    let cov = sab - sa * sb / c;
    let va = saa - sa * sa / c;
    let vb = sbb - sb * sb / c;
    // A flat picture (a grey level or less of spread) has no structure to compare: no match.
    if va < c || vb < c {
        return 1.0;
    }
    1.0 - cov / (va * vb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error as first written, sample by sample: the faster one must give the same figure.
    fn error_at_sample_by_sample(a: &[f64], b: &[f64], p: [f64; 4]) -> f64 {
        let [sx, sy, ox, oy] = p;
        if !(0.75..=1.34).contains(&sx)
            || !(0.75..=1.34).contains(&sy)
            || !(-0.3..=0.3).contains(&ox)
            || !(-0.3..=0.3).contains(&oy)
            || sx / sy > 1.25
            || sy / sx > 1.25
        {
            return f64::INFINITY;
        }
        let nf = THUMB as f64;
        // Sample positions along each axis: (cell, fraction), or None outside `a`.
        let samples = |s: f64, o: f64| -> [Option<(usize, f64)>; THUMB] {
            std::array::from_fn(|k| {
                let at = (o + s * (k as f64 + 0.5) / nf) * nf - 0.5;
                if !(-0.5..=nf - 0.5).contains(&at) {
                    return None;
                }
                let at = at.clamp(0.0, nf - 1.0);
                let cell = (at.floor() as usize).min(THUMB - 2);
                Some((cell, at - cell as f64))
            })
        };
        let (xs, ys) = (samples(sx, ox), samples(sy, oy));
        let (mut count, mut sa, mut sb, mut saa, mut sbb, mut sab) =
            (0usize, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (by, y) in ys.iter().enumerate() {
            let Some((y0, fy)) = *y else { continue };
            let (top_row, bottom_row) = (
                &a[y0 * THUMB..(y0 + 1) * THUMB],
                &a[(y0 + 1) * THUMB..(y0 + 2) * THUMB],
            );
            let b_row = &b[by * THUMB..(by + 1) * THUMB];
            for (x, &vb) in xs.iter().zip(b_row) {
                let Some((x0, fx)) = *x else { continue };
                let top = top_row[x0] + (top_row[x0 + 1] - top_row[x0]) * fx;
                let bottom = bottom_row[x0] + (bottom_row[x0 + 1] - bottom_row[x0]) * fx;
                let va = top + (bottom - top) * fy;
                count += 1;
                sa += va;
                sb += vb;
                saa += va * va;
                sbb += vb * vb;
                sab += va * vb;
            }
        }
        if count * 2 < THUMB * THUMB {
            return f64::INFINITY;
        }
        let c = count as f64;
        let cov = sab - sa * sb / c;
        let va = saa - sa * sa / c;
        let vb = sbb - sb * sb / c;
        // A flat picture (a grey level or less of spread) has no structure to compare: no match.
        if va < c || vb < c {
            return 1.0;
        }
        1.0 - cov / (va * vb).sqrt()
    }

    /// The coarse grid as first written: one [`error_at`] per view, in the grid's order.
    fn coarse_view_by_view(a: &[f64], b: &[f64]) -> ([f64; 4], f64) {
        let mut best = ([1.0, 1.0, 0.0, 0.0], f64::INFINITY);
        for s in [0.84, 0.92, 1.0, 1.08, 1.17] {
            for ty in [-0.15, -0.075, 0.0, 0.075, 0.15] {
                for tx in [-0.15, -0.075, 0.0, 0.075, 0.15] {
                    let o = (1.0 - s) / 2.0;
                    let p = [s, s, o + tx, o + ty];
                    let e = error_at(a, b, p);
                    if e < best.1 {
                        best = (p, e);
                    }
                }
            }
        }
        best
    }

    #[test]
    fn the_coarse_grid_sharing_rows_finds_what_view_by_view_found_to_the_bit() {
        let mut seed = 11u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        for round in 0..60 {
            let a: Vec<f64> = (0..THUMB * THUMB)
                .map(|_| (next() * 255.0).round())
                .collect();
            // Half the pairs a shifted copy (a clear best view), half unrelated.
            let b: Vec<f64> = if round % 2 == 0 {
                (0..THUMB * THUMB)
                    .map(|i| a[(i + THUMB + 1).min(THUMB * THUMB - 1)])
                    .collect()
            } else {
                (0..THUMB * THUMB)
                    .map(|_| (next() * 255.0).round())
                    .collect()
            };
            let (fast, slow) = (coarse(&a, &b), coarse_view_by_view(&a, &b));
            assert_eq!(fast.0.map(f64::to_bits), slow.0.map(f64::to_bits));
            assert_eq!(fast.1.to_bits(), slow.1.to_bits());
        }
    }

    #[test]
    fn the_row_wise_error_is_the_sample_wise_error_to_rounding() {
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        for _ in 0..40 {
            let a: Vec<f64> = (0..THUMB * THUMB)
                .map(|_| (next() * 255.0).round())
                .collect();
            let b: Vec<f64> = (0..THUMB * THUMB)
                .map(|_| (next() * 255.0).round())
                .collect();
            for _ in 0..200 {
                let p = [
                    0.7 + next() * 0.7,
                    0.7 + next() * 0.7,
                    next() * 0.7 - 0.35,
                    next() * 0.7 - 0.35,
                ];
                let (fast, slow) = (error_at(&a, &b, p), error_at_sample_by_sample(&a, &b, p));
                // Summed in four lanes: the same figure to rounding.
                assert!(
                    fast == slow || (fast - slow).abs() < 1e-9,
                    "{p:?}: {fast} against {slow}"
                );
            }
        }
    }

    #[test]
    fn four_grid_cells_make_one_thumbnail_cell_exactly() {
        for (w, h) in [
            (1000, 750),
            (750, 1000),
            (37, 33),
            (32, 32),
            (33, 100),
            (1001, 999),
        ] {
            let picture = image::RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([(x * 7 + y) as u8, (x ^ y) as u8, (y * 13) as u8])
            });
            let halved = CellSums::of(&picture, GRID).halved();
            let direct = CellSums::of(&picture, THUMB);
            assert_eq!(halved.sums, direct.sums, "{w}x{h}");
            assert_eq!(halved.counts, direct.counts, "{w}x{h}");
        }
    }

    #[test]
    fn cell_averages_are_the_mean_luma_of_each_cells_pixels() {
        // Pictures smaller than the grid too: there the cells share rows and columns.
        for (w, h) in [(1, 1), (5, 3), (31, 40), (64, 48), (101, 77)] {
            let picture = image::RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([
                    (x * 37 + y * 11) as u8,
                    (x ^ (y * 3)) as u8,
                    (y * 53 + x) as u8,
                ])
            });
            let sums = CellSums::of(&picture, GRID);
            let averages = sums.averages();
            let span = |b: usize, len: u32| {
                let len = len as usize;
                let start = (b * len / GRID).min(len - 1);
                (start, ((b + 1) * len / GRID).max(start + 1).min(len))
            };
            for cy in 0..GRID {
                for cx in 0..GRID {
                    let ((x0, x1), (y0, y1)) = (span(cx, w), span(cy, h));
                    let mut total = 0.0;
                    for y in y0..y1 {
                        for x in x0..x1 {
                            let [r, g, b] = picture.get_pixel(x as u32, y as u32).0;
                            total +=
                                29.9 * f64::from(r) + 58.7 * f64::from(g) + 11.4 * f64::from(b);
                        }
                    }
                    let mean = total / ((x1 - x0) * (y1 - y0)) as f64;
                    let got = averages[cy * GRID + cx];
                    assert!(
                        (got - mean).abs() < 1e-6,
                        "{w}x{h} cell {cx},{cy}: {got} {mean}"
                    );
                }
            }
        }
    }

    /// A smooth synthetic photo with structure at several scales (deterministic).
    pub(crate) fn scene(w: u32, h: u32, seed: u32) -> image::RgbImage {
        let s = seed as f64;
        image::RgbImage::from_fn(w, h, |x, y| {
            let (u, v) = (x as f64 / w as f64, y as f64 / h as f64);
            // Mid-tones only (40–200), so a 15 % brightening does not clip.
            let a = (u * (3.0 + s) + v * 2.0).sin() * 30.0
                + (v * (5.0 + s * 0.7) - u * 2.0).cos() * 25.0
                + ((u * (7.0 + s)).sin() * (v * 4.0 + s).cos()) * 25.0;
            let g = (120.0 + a).clamp(40.0, 200.0) as u8;
            image::Rgb([g, g / 2 + 50, 220 - g / 2])
        })
    }

    #[test]
    fn hamming_counts_differing_bits() {
        assert_eq!(hamming(0, 0), 0);
        assert_eq!(hamming(0, u64::MAX), 64);
        assert_eq!(hamming(0b1011, 0b0110), 3);
        assert_eq!(PerceptualHash(1).distance(PerceptualHash(3)), 1);
    }

    #[test]
    fn hash_hex_round_trips_through_serde() {
        let h = PerceptualHash(0x0123_4567_89ab_cdef);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, "\"0123456789abcdef\"");
        assert_eq!(serde_json::from_str::<PerceptualHash>(&json).unwrap(), h);
        assert!(serde_json::from_str::<PerceptualHash>("\"123\"").is_err());
        let fp = Fingerprint::of(&scene(200, 150, 1));
        let back: Fingerprint = serde_json::from_str(&serde_json::to_string(&fp).unwrap()).unwrap();
        assert_eq!(back, fp);
    }

    #[test]
    fn transformed_hashes_equal_hashes_of_transformed_grids() {
        let mut seed = 12345u64;
        for _ in 0..20 {
            let grid: Vec<f64> = (0..GRID * GRID)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (seed >> 40) as f64
                })
                .collect();
            for t in Dihedral::ALL {
                let moved = t.apply_grid(&grid, GRID);
                assert_eq!(
                    dct_hash(&moved),
                    dct_hash(&grid).transformed(HashKind::Dct, t),
                    "{t:?}"
                );
                assert_eq!(
                    block_hash(&moved),
                    block_hash(&grid).transformed(HashKind::Block, t),
                    "{t:?}"
                );
            }
        }
    }

    #[test]
    fn dihedral_names_match_image_rotations() {
        let img = scene(64, 64, 3);
        let fp = Fingerprint::of(&img);
        let cases = [
            (Dihedral::Rotate90, image::imageops::rotate90(&img)),
            (Dihedral::Rotate180, image::imageops::rotate180(&img)),
            (Dihedral::Rotate270, image::imageops::rotate270(&img)),
            (
                Dihedral::MirrorHorizontal,
                image::imageops::flip_horizontal(&img),
            ),
            (
                Dihedral::MirrorVertical,
                image::imageops::flip_vertical(&img),
            ),
        ];
        for (t, turned) in cases {
            let other = Fingerprint::of(&turned);
            assert_eq!(fp.dct.transformed(HashKind::Dct, t), other.dct, "{t:?}");
            assert_eq!(fp.closest(&other).0, t);
            assert_eq!(other.closest(&fp).0, t.inverse());
        }
    }

    #[test]
    fn resized_and_brightened_copies_stay_close_other_scenes_do_not() {
        let img = scene(900, 600, 2);
        let fp = Fingerprint::of(&img);
        let small = Fingerprint::of(&image::imageops::resize(
            &img,
            450,
            300,
            image::imageops::FilterType::Triangle,
        ));
        let mut bright = img.clone();
        for p in bright.pixels_mut() {
            for c in p.0.iter_mut() {
                *c = (f64::from(*c) * 1.15).min(255.0) as u8;
            }
        }
        let bright = Fingerprint::of(&bright);
        let other = Fingerprint::of(&scene(900, 600, 9));
        assert!(fp.dct.distance(small.dct) <= 2);
        assert!(
            fp.dct.distance(bright.dct) <= 6,
            "{}",
            fp.dct.distance(bright.dct)
        );
        assert!(
            fp.dct.distance(other.dct) > 12,
            "{}",
            fp.dct.distance(other.dct)
        );
    }

    #[test]
    fn alignment_tells_a_crop_from_a_shifted_frame() {
        let img = scene(1000, 750, 4);
        let fp = Fingerprint::of(&img);
        // A crop: 8 % off the left, 4 % off the bottom.
        let crop = image::imageops::crop_imm(&img, 80, 0, 920, 720).to_image();
        let crop_fp = Fingerprint::of(&crop);
        let a = align(&fp.thumb, Dihedral::Identity, &crop_fp.thumb);
        assert!(a.error < 0.02, "{a:?}");
        assert_eq!(a.framing(0.02), Framing::SecondInsideFirst, "{a:?}");
        // Two frames of a pan: the window moves 10 % right.
        let left = image::imageops::crop_imm(&img, 0, 0, 850, 700).to_image();
        let right = image::imageops::crop_imm(&img, 100, 0, 850, 700).to_image();
        let a = align(
            &Fingerprint::of(&left).thumb,
            Dihedral::Identity,
            &Fingerprint::of(&right).thumb,
        );
        assert_eq!(a.framing(0.02), Framing::Shifted, "{a:?}");
        assert!(a.exclusive() > 0.05, "{a:?}");
    }

    #[test]
    fn tiny_and_flat_pictures_do_not_panic() {
        let one = image::RgbImage::from_pixel(1, 1, image::Rgb([9, 9, 9]));
        let fp = Fingerprint::of(&one);
        assert_eq!(fp.thumb.0.len(), THUMB * THUMB);
        let a = align(&fp.thumb, Dihedral::Rotate90, &fp.thumb);
        assert_eq!(a.error, 1.0, "a flat picture matches nothing");
    }
}

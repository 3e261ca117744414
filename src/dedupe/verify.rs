//! Verify: whether two photos that the hash search paired show one picture, judged at a size
//! where their content shows.
//!
//! In: two [`Picture`]s (grey, long edge up to the profile's `verify_size`, made from the derived
//! thumbnails), the turn that relates them and the 16 × 16 alignment that nominated the pair.
//! Out: [`Evidence`]: the alignment refined coarse to fine on the pictures themselves, how well
//! their fine detail agrees once aligned (`similarity`: the correlation of band-passed detail
//! over the overlap), how much detail there is to compare (`texture`) and how much of each
//! picture the other shows (`coverage`).
//!
//! Why fine detail: a recompressed, resized or cropped copy keeps every edge where it was, so its
//! band-passed detail correlates with the original's at 0.9 and more. The neighbouring tile of a
//! landscape, the other half of a symmetric scene, another clear sky share their layout (which is
//! all a 16 × 16 thumbnail sees) but not their edges, and their detail correlates near 0. A flat
//! picture (fog, a white wall, a cloudless sky) has no detail to agree on: it is never verified,
//! so it is never left out as a copy.
//!
//! Invariant: pure and deterministic (fixed-order arithmetic, no threads inside): the same two
//! pictures always give the same evidence.
//!
//! Size: about 1,000 lines of code and 490 of tests, kept in one file on purpose: the alignment
//! search and the detail comparison share the softened pictures and the sampled grids they are
//! measured on, and the verification is read as one procedure from `verify()` down.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use multiversion::multiversion;

use crate::fingerprint::{Alignment, Dihedral};

/// Pictures with a shorter edge than this (after scaling) are not compared: too little shows.
const MIN_EDGE: usize = 24;
/// The smallest level of the alignment pyramid (long edge, pixels).
const MIN_LEVEL: usize = 40;
/// Blur (Gaussian sigma, pixels of the level) before the alignment's correlation.
const ALIGN_SIGMA: f32 = 1.0;
/// The detail band: the difference of two blurs (sigmas in pixels of the compared size).
const DETAIL_SIGMAS: (f32, f32) = (0.8, 2.0);
/// About how many columns (of the long edge) the alignment search samples at each level.
const SEARCH_SAMPLES: usize = 64;
/// Pixels at the edge of the overlap left out of the detail comparison (the blurs reach outside).
const DETAIL_MARGIN: f32 = 6.0;

/// A grey picture prepared for verification (long edge at most the size it was made for).
#[derive(Clone, Debug)]
pub struct Picture {
    width: usize,
    height: usize,
    grey: Vec<f32>,
    /// The detail band and the softened grey, made once per photo (most pairs compare the
    /// same view: then nothing else needs computing per pair).
    bands: Option<Arc<Bands>>,
}

/// What a picture's comparisons need, computed once per picture: the same-view comparison's
/// bands at once, the alignment search's pyramid on its first use.
#[derive(Debug)]
struct Bands {
    /// The band-passed detail (difference of the two [`DETAIL_SIGMAS`] blurs).
    detail: Vec<f32>,
    /// The picture blurred by [`ALIGN_SIGMA`], made when first needed (by a search, or a
    /// same-view pair too faint in detail to be judged on it).
    soft: OnceLock<Picture>,
    /// For a turned picture: the picture it was turned from and the turn. Its softened grey is
    /// the source's turned (the same values as softening the turned grey would give up to
    /// rounding, and the same bits as before the picture was turned).
    turned_from: Option<(Picture, Dihedral)>,
    /// The softened levels below the picture's own size (long edge halved down to
    /// [`MIN_LEVEL`]), made when a search first needs them.
    ladder: OnceLock<Vec<Picture>>,
}

impl Bands {
    fn of(picture: &Picture) -> Arc<Bands> {
        Arc::new(Bands {
            detail: band(picture),
            soft: OnceLock::new(),
            turned_from: None,
            ladder: OnceLock::new(),
        })
    }
}

impl Picture {
    /// A picture from a decoded grey image, scaled down (area average) so its long edge is at
    /// most `size`; `None` when it is too small to compare.
    pub fn of(image: &image::GrayImage, size: u32) -> Option<Picture> {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let grey: Vec<f32> = image.as_raw().iter().map(|&v| f32::from(v)).collect();
        let mut picture = Picture::from_grey(grey, w, h, size as usize)?;
        picture.bands = Some(Bands::of(&picture));
        Some(picture)
    }

    fn from_grey(grey: Vec<f32>, w: usize, h: usize, size: usize) -> Option<Picture> {
        if w.min(h) < MIN_EDGE || grey.len() != w * h {
            return None;
        }
        let picture = Picture {
            width: w,
            height: h,
            grey,
            bands: None,
        };
        let long = w.max(h);
        if long <= size {
            return Some(picture);
        }
        let scaled = picture.scaled_to(size);
        (scaled.width.min(scaled.height) >= MIN_EDGE).then_some(scaled)
    }

    /// The long edge in pixels.
    pub fn long_edge(&self) -> u32 {
        self.width.max(self.height) as u32
    }

    /// This picture, or a copy scaled down to a long edge of `long` pixels when it is larger.
    fn fitted(&self, long: usize) -> Cow<'_, Picture> {
        if long >= self.width.max(self.height) {
            Cow::Borrowed(self)
        } else {
            Cow::Owned(self.scaled_to(long))
        }
    }

    /// This picture at a long edge of `level` pixels, blurred by [`ALIGN_SIGMA`]: what the
    /// alignment search compares at that level of its pyramid. A picture with bands keeps its
    /// own size's and its halvings' (made once, on first use), so a photo in several searched
    /// pairs is scaled and blurred once.
    fn softened(&self, level: usize) -> Cow<'_, Picture> {
        let made = || blurred(&self.scaled_to(level), ALIGN_SIGMA);
        let Some(bands) = &self.bands else {
            return Cow::Owned(made());
        };
        let long = self.width.max(self.height);
        if level == long {
            return self.soft();
        }
        let ladder = bands.ladder.get_or_init(|| {
            let mut levels = Vec::new();
            let mut next = long / 2;
            while next >= MIN_LEVEL {
                levels.push(blurred(&self.scaled_to(next), ALIGN_SIGMA));
                next /= 2;
            }
            levels
        });
        match ladder.iter().find(|p| p.width.max(p.height) == level) {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Owned(made()),
        }
    }

    /// The picture blurred by [`ALIGN_SIGMA`]: kept in its bands, made once on first use.
    fn soft(&self) -> Cow<'_, Picture> {
        let Some(bands) = &self.bands else {
            return Cow::Owned(blurred(self, ALIGN_SIGMA));
        };
        Cow::Borrowed(bands.soft.get_or_init(|| match &bands.turned_from {
            Some((source, t)) => source.soft().turned(*t),
            None => blurred(self, ALIGN_SIGMA),
        }))
    }

    /// This picture scaled down (area average) to a long edge of `long` pixels.
    fn scaled_to(&self, long: usize) -> Picture {
        let old = self.width.max(self.height);
        if long >= old {
            return self.clone();
        }
        let scale = long as f64 / old as f64;
        let nw = ((self.width as f64 * scale).round() as usize).max(1);
        let nh = ((self.height as f64 * scale).round() as usize).max(1);
        let grey = shrink(&self.grey, self.width, self.height, nw, nh);
        Picture {
            width: nw,
            height: nh,
            grey,
            bands: None,
        }
    }

    /// The picture turned or mirrored by `t` (its bands too).
    fn turned(&self, t: Dihedral) -> Picture {
        if t == Dihedral::Identity {
            return self.clone();
        }
        let (w, h) = (self.width, self.height);
        let (nw, nh) = if t.swaps_axes() { (h, w) } else { (w, h) };
        // A turn moves along a row of the result by a fixed step through the source (a column
        // or a row of it, either way): each row is the first pixel's source, then strides.
        let at = |x: usize, y: usize| {
            let (sx, sy) = t.source(x, y, nw, nh);
            (sy * w + sx) as isize
        };
        let step = if nw > 1 { at(1, 0) - at(0, 0) } else { 0 };
        let turn = |values: &[f32]| {
            let mut out = Vec::with_capacity(w * h);
            for y in 0..nh {
                let start = at(0, y);
                out.extend((0..nw as isize).map(|x| values[(start + x * step) as usize]));
            }
            out
        };
        Picture {
            width: nw,
            height: nh,
            grey: turn(&self.grey),
            bands: self.bands.as_ref().map(|b| {
                let soft = OnceLock::new();
                // A softened grey already made is turned now; one not yet made is turned from
                // the source's if a search needs it.
                if let Some(made) = b.soft.get() {
                    let _ = soft.set(made.turned(t));
                }
                Arc::new(Bands {
                    detail: turn(&b.detail),
                    turned_from: soft.get().is_none().then(|| (self.clone(), t)),
                    soft,
                    ladder: OnceLock::new(),
                })
            }),
        }
    }
}

/// What the verification measured on a pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evidence {
    /// Correlation (−1 to 1) of the band-passed detail of the two pictures over their aligned
    /// overlap: above 0.9 for copies of one picture, near 0 for different pictures.
    pub similarity: f64,
    /// Correlation of the (slightly blurred) grey values over the overlap: how alike the two
    /// look, layout included. Measured where it is needed: by a search, and for a same-view
    /// pair whose detail is too faint to judge on.
    pub likeness: Option<f64>,
    /// The weaker picture's detail (standard deviation of the band-passed detail over the
    /// overlap, in grey levels of 255): below a few levels there is nothing to verify on.
    pub texture: f64,
    /// The alignment refined on the pictures (the second's view in the first's frame); its
    /// error is 1 − `likeness` where that was measured, the nominating 16 × 16 error where not.
    pub alignment: Alignment,
    /// The share of the first picture that the second shows.
    pub first_covered: f64,
    /// The share of the second picture that lies inside the first.
    pub second_covered: f64,
    /// The long edge in pixels of the pictures compared.
    pub size: u32,
}

impl Evidence {
    /// True when one view contains the other (within `tolerance`, a share of the picture) and
    /// the smaller shows at least `min_area` of the larger: a copy or a crop, not a detail cut
    /// out of a photo nor a neighbouring frame.
    pub fn nested(&self, tolerance: f64, min_area: f64) -> bool {
        let (a, b) = (self.first_covered, self.second_covered);
        a.max(b) >= 1.0 - tolerance && a.min(b) >= min_area
    }
}

/// Compares `a` turned by `t` with `b`, starting from the 16 × 16 alignment `start` (the second's
/// view in the first's turned frame): refines the alignment from a small level of the pictures
/// up to their full size, then measures the fine detail over the overlap. A same-view pair whose
/// detail correlates at least `settled` is not searched; its grey likeness is measured only when
/// its detail is fainter than `faint` (below that a pair is judged on likeness, above it on
/// detail). `None` when the pictures do not overlap enough to say anything.
pub fn verify(
    a: &Picture,
    t: Dihedral,
    b: &Picture,
    start: &Alignment,
    settled: f64,
    faint: f64,
) -> Option<Evidence> {
    let turned;
    let a = if t == Dihedral::Identity {
        a
    } else {
        turned = a.turned(t);
        &turned
    };
    // Both at the size of the smaller one.
    let size = a.width.max(a.height).min(b.width.max(b.height));
    let (a, b) = (a.fitted(size), b.fitted(size));
    if a.width.min(a.height) < MIN_EDGE || b.width.min(b.height) < MIN_EDGE {
        return None;
    }
    let mut p = [start.scale.0, start.scale.1, start.offset.0, start.offset.1];
    // Most copies show the same view (recompressed, resized, turned by EXIF): when the
    // thumbnails say so and the detail already agrees at `settled` (the highest band a copy
    // must reach), a search could only raise the figure, never change the verdict.
    if same_view(start) {
        let identity = [1.0, 1.0, 0.0, 0.0];
        let banded = match (&a.bands, &b.bands) {
            (Some(x), Some(y)) if (a.width, a.height) == (b.width, b.height) => {
                same_view_detail(x, y, a.width, a.height)
            }
            _ => None,
        };
        let detail = banded.or_else(|| compare_detail(&a, &b, identity))?;
        if detail.similarity >= settled {
            let error = if detail.texture >= faint {
                None
            } else if banded.is_some() {
                Some(soft_error(&a.soft(), &b.soft()))
            } else {
                let soft = (a.softened(size), b.softened(size));
                Some(alignment_error(&soft.0, &Sampled::of(&soft.1, 2), identity))
            };
            return Some(Evidence {
                similarity: detail.similarity,
                likeness: error.map(|e| 1.0 - e),
                texture: detail.texture,
                alignment: Alignment {
                    scale: (1.0, 1.0),
                    offset: (0.0, 0.0),
                    error: error.unwrap_or(start.error),
                },
                first_covered: 1.0,
                second_covered: 1.0,
                size: size as u32,
            });
        }
    }
    // The pyramid: each level twice the one below, the last the pictures themselves. A pair
    // whose thumbnails show the same view is already within a pixel or so at half size (half a
    // percent of 128 px): its search starts there.
    let mut levels = vec![size];
    while levels[levels.len() - 1] / 2 >= MIN_LEVEL {
        let next = levels[levels.len() - 1] / 2;
        levels.push(next);
    }
    if same_view(start) {
        levels.truncate(2);
    }
    levels.reverse();
    let mut error = f64::INFINITY;
    for (k, &level) in levels.iter().enumerate() {
        let (al, bl) = (a.softened(level), b.softened(level));
        // Steps in pixels of this level: from 2 px at the bottom of a search (1 px for a same
        // view), from half a pixel above it (the level below placed the view within a quarter
        // of its pixel), at the full size a quarter pixel only; down to a quarter pixel. A step
        // that still lowers the error is taken again, so a view further off than the first
        // step is still followed.
        let first = match k {
            0 if levels.len() > 2 => 2.0,
            0 => 1.0,
            _ if level == size => 0.25,
            _ => 0.5,
        };
        // Every level samples about [`SEARCH_SAMPLES`] columns of the long edge (every other
        // at 128 px, every fourth at 256): each step of the search costs about the same, and
        // on pictures blurred this smooth the error changes little between the samples.
        let stride = (level / SEARCH_SAMPLES).max(1);
        (p, error) = refine(
            &al,
            &bl,
            p,
            first / level as f64,
            0.25 / level as f64,
            stride,
        );
    }
    if !error.is_finite() {
        return None;
    }
    let alignment = Alignment {
        scale: (p[0], p[1]),
        offset: (p[2], p[3]),
        error,
    };
    let (first_covered, second_covered) = coverage(p);
    let detail = compare_detail(&a, &b, p)?;
    Some(Evidence {
        similarity: detail.similarity,
        likeness: Some(1.0 - error),
        texture: detail.texture,
        alignment,
        first_covered,
        second_covered,
        size: size as u32,
    })
}

/// True when an alignment says the two pictures show the same view (scale within 1 %, shift
/// within half a percent): no search is needed to compare them.
pub fn same_view(alignment: &Alignment) -> bool {
    (alignment.scale.0 - 1.0).abs() < 0.01
        && (alignment.scale.1 - 1.0).abs() < 0.01
        && alignment.offset.0.abs() < 0.005
        && alignment.offset.1.abs() < 0.005
}

/// The share of `a` that `b`'s view `p` shows, and the share of `b`'s view inside `a`.
fn coverage(p: [f64; 4]) -> (f64, f64) {
    let [sx, sy, ox, oy] = p;
    let overlap = |o: f64, s: f64| ((o + s).min(1.0) - o.max(0.0)).max(0.0);
    let inside = overlap(ox, sx) * overlap(oy, sy);
    (inside, inside / (sx * sy))
}

/// Pattern search over `p = [sx, sy, ox, oy]`: each parameter moves by a step while that lowers
/// the error; the step halves from `first` down to `last` (fractions of the picture).
fn refine(
    a: &Picture,
    b: &Picture,
    mut p: [f64; 4],
    first: f64,
    last: f64,
    stride: usize,
) -> ([f64; 4], f64) {
    // The search comes back to views it measured (a step back after a step forward): each
    // view's error is measured once and remembered. A view come back to is the same to within
    // the rounding of a step taken and undone, so views are told apart at a trillionth of the
    // picture (the steps are thousandths).
    let mut measured: Vec<([i64; 4], f64)> = Vec::new();
    let sampled = Sampled::of(b, stride);
    let mut error_of = |q: [f64; 4]| {
        let key = q.map(|v| (v * 1e12).round() as i64);
        if let Some(&(_, e)) = measured.iter().find(|(k, _)| *k == key) {
            return e;
        }
        let e = alignment_error(a, &sampled, q);
        measured.push((key, e));
        e
    };
    let mut e = error_of(p);
    let mut step = first;
    while step >= last * 0.999 {
        let mut improved = false;
        for dim in 0..4 {
            for sign in [-1.0, 1.0] {
                let mut q = p;
                q[dim] += sign * step;
                let eq = error_of(q);
                if eq < e - 1e-9 {
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
    (p, e)
}

/// Where `b`'s pixels fall in `a` under the view `p`: for each axis of `b`, the position in
/// `a`'s pixels (fractional) of each column or row centre.
fn positions(a: &Picture, b: &Picture, p: [f64; 4]) -> (Vec<f32>, Vec<f32>) {
    let [sx, sy, ox, oy] = p;
    let axis = |n_b: usize, n_a: usize, s: f64, o: f64| -> Vec<f32> {
        (0..n_b)
            .map(|k| ((o + s * (k as f64 + 0.5) / n_b as f64) * n_a as f64 - 0.5) as f32)
            .collect()
    };
    (
        axis(b.width, a.width, sx, ox),
        axis(b.height, a.height, sy, oy),
    )
}

/// The two rows of a picture that a row of a warp falls between, each interpolated along at the
/// warp's columns; kept while the next row of the warp falls between the same two, and the
/// lower one kept as the upper when it moves down by one (neighbouring rows mostly share them).
#[derive(Default)]
struct RowPair {
    upper: Vec<f32>,
    lower: Vec<f32>,
    held: Option<(usize, usize)>,
}

impl RowPair {
    /// Rows `y0` and `y1`, interpolated by `across(row, out)` where not already held.
    #[inline(always)]
    fn at(
        &mut self,
        y0: usize,
        y1: usize,
        across: impl Fn(usize, &mut Vec<f32>),
    ) -> (&[f32], &[f32]) {
        match self.held {
            Some(rows) if rows == (y0, y1) => {}
            Some((_, below)) if below == y0 => {
                std::mem::swap(&mut self.upper, &mut self.lower);
                across(y1, &mut self.lower);
            }
            _ => {
                across(y0, &mut self.upper);
                across(y1, &mut self.lower);
            }
        }
        self.held = Some((y0, y1));
        (&self.upper, &self.lower)
    }
}

/// `a` sampled (bilinear, clamped to its edges) at every position of the grid `xs` × `ys`
/// (pixels of `a`), row by row: each column's pixels and fraction found once, each row of `a`
/// interpolated along once and shared by the rows of the grid between it and the next.
// Compiled for AVX2 as well, chosen at run time: the same operations in the same order, eight
// lanes at a time (no fused multiply-add), so the same bits on any machine.
#[multiversion(targets("x86_64+avx2"))]
fn warp(a: &Picture, xs: &[f32], ys: &[f32]) -> Vec<f32> {
    let clamp_axis = |v: f32, n: usize| {
        let v = v.clamp(0.0, (n - 1) as f32);
        let v0 = (v as usize).min(n.saturating_sub(2));
        (v0, (v0 + 1).min(n - 1), v - v0 as f32)
    };
    let columns: Vec<(usize, usize, f32)> = xs.iter().map(|&x| clamp_axis(x, a.width)).collect();
    let across = |row: usize, out: &mut Vec<f32>| {
        let r = &a.grey[row * a.width..(row + 1) * a.width];
        out.clear();
        out.extend(
            columns
                .iter()
                .map(|&(x0, x1, fx)| r[x0] + (r[x1] - r[x0]) * fx),
        );
    };
    let mut rows = RowPair::default();
    let mut warped = Vec::with_capacity(xs.len() * ys.len());
    for &y in ys {
        let (y0, y1, fy) = clamp_axis(y, a.height);
        let (upper, lower) = rows.at(y0, y1, across);
        warped.extend(upper.iter().zip(lower).map(|(&t, &b)| t + (b - t) * fy));
    }
    warped
}

/// The pixels of a picture the alignment search compares at a `stride`: every `stride`-th row
/// and column, kept apart once per search level (every view of the level reads the same ones).
struct Sampled<'a> {
    picture: &'a Picture,
    stride: usize,
    /// Rows of the sampled pixels (`columns` each).
    grid: Vec<f32>,
    columns: usize,
}

impl<'a> Sampled<'a> {
    fn of(picture: &'a Picture, stride: usize) -> Sampled<'a> {
        let columns = picture.width.div_ceil(stride);
        let grid = picture
            .grey
            .chunks_exact(picture.width)
            .step_by(stride)
            .flat_map(|row| row.iter().step_by(stride).copied())
            .collect();
        Sampled {
            picture,
            stride,
            grid,
            columns,
        }
    }
}

/// `1 − correlation` of `b` and `a` sampled at `b`'s view `p`, over the part of `b` inside `a`
/// (`b`'s sampled rows and columns); infinite when the view is out of range or less than half
/// of `b` lies inside `a`.
// Compiled for AVX2 as well, chosen at run time: the same operations in the same order, eight
// lanes at a time (no fused multiply-add), so the same bits on any machine.
#[multiversion(targets("x86_64+avx2"))]
fn alignment_error(a: &Picture, sampled: &Sampled, p: [f64; 4]) -> f64 {
    let [sx, sy, ox, oy] = p;
    if !(0.5..=2.0).contains(&sx)
        || !(0.5..=2.0).contains(&sy)
        || !(-0.5..=0.5).contains(&ox)
        || !(-0.5..=0.5).contains(&oy)
        || sx / sy > 1.4
        || sy / sx > 1.4
    {
        return f64::INFINITY;
    }
    let (b, stride) = (sampled.picture, sampled.stride);
    let (xs, ys) = positions(a, b, p);
    // `b`'s sampled columns that fall inside `a` (a run: positions grow along the axis), each
    // with the pixel of `a` left of it (at most the last but one: pictures are at least
    // [`MIN_EDGE`] wide) and the fraction towards the next.
    let (mut left, mut frac) = (Vec::new(), Vec::new());
    let mut first = None;
    let last = (a.width - 1) as f32;
    for (j, &x) in xs.iter().step_by(stride).enumerate() {
        if (0.0..=last).contains(&x) {
            let i = (x as usize).min(a.width.saturating_sub(2));
            left.push(i);
            frac.push(x - i as f32);
            first.get_or_insert(j);
        }
    }
    let Some(first) = first else {
        return f64::INFINITY;
    };
    // Each sampled row of `b` falls between two rows of `a`: the two are blended down over the
    // span the columns reach (whole rows, in a loop the compiler vectorises), then the blend
    // interpolated along at each column.
    let (lo, hi) = (left[0], left[left.len() - 1] + 1);
    let mut blend = vec![0.0f32; hi - lo + 1];
    let mut warped = vec![0.0f32; left.len()];
    let mut acc = Moments::default();
    for (j, &y) in ys.iter().step_by(stride).enumerate() {
        if !(0.0..=(a.height - 1) as f32).contains(&y) {
            continue;
        }
        let y0 = (y as usize).min(a.height.saturating_sub(2));
        let y1 = (y0 + 1).min(a.height - 1);
        let fy = y - y0 as f32;
        let (upper, lower) = (
            &a.grey[y0 * a.width + lo..=y0 * a.width + hi],
            &a.grey[y1 * a.width + lo..=y1 * a.width + hi],
        );
        for (v, (&t, &u)) in blend.iter_mut().zip(upper.iter().zip(lower)) {
            *v = t + (u - t) * fy;
        }
        for (w, (&x0, &fx)) in warped.iter_mut().zip(left.iter().zip(&frac)) {
            let pair = &blend[x0 - lo..x0 - lo + 2];
            *w = pair[0] + (pair[1] - pair[0]) * fx;
        }
        let row = j * sampled.columns + first;
        acc.add_row(&warped, &sampled.grid[row..row + warped.len()]);
    }
    let count = b.width.div_ceil(stride) * b.height.div_ceil(stride);
    if acc.n * 2.0 < count as f64 {
        return f64::INFINITY;
    }
    match acc.correlation() {
        Some(c) => 1.0 - c,
        None => 1.0,
    }
}

/// What the detail comparison found.
#[derive(Clone, Copy)]
struct Detail {
    similarity: f64,
    texture: f64,
}

/// Warps `a` into `b`'s frame at the view `p`, band-passes both (a difference of two blurs) and
/// correlates them over the overlap less a margin. `None` when too little overlaps.
// Compiled for AVX2 as well, chosen at run time: the same operations in the same order, eight
// lanes at a time (no fused multiply-add), so the same bits on any machine.
#[multiversion(targets("x86_64+avx2"))]
fn compare_detail(a: &Picture, b: &Picture, p: [f64; 4]) -> Option<Detail> {
    let (xs, ys) = positions(a, b, p);
    let (w, h) = (b.width, b.height);
    let margin = DETAIL_MARGIN;
    let (wa, ha) = (
        a.width as f32 - 1.0 - margin,
        a.height as f32 - 1.0 - margin,
    );
    let warped = warp(a, &xs, &ys);
    let inside_axis = |positions: &[f32], limit: f32, n: usize| -> Vec<bool> {
        positions
            .iter()
            .enumerate()
            .map(|(k, &v)| {
                (margin..=limit).contains(&v)
                    && (k as f32) >= margin
                    && (k as f32) <= n as f32 - 1.0 - margin
            })
            .collect()
    };
    let (inside_x, inside_y) = (inside_axis(&xs, wa, w), inside_axis(&ys, ha, h));
    let warped = Picture {
        width: w,
        height: h,
        grey: warped,
        bands: None,
    };
    let da = band(&warped);
    let db: Cow<'_, [f32]> = match &b.bands {
        Some(bands) => Cow::Borrowed(&bands.detail),
        None => Cow::Owned(band(b)),
    };
    let mut acc = Moments::default();
    for (by, (row_a, row_b)) in da.chunks_exact(w).zip(db.chunks_exact(w)).enumerate() {
        if !inside_y[by] {
            continue;
        }
        for ((&x, &y), &keep) in row_a.iter().zip(row_b).zip(&inside_x) {
            if keep {
                acc.add(f64::from(x), f64::from(y));
            }
        }
    }
    if acc.n < (MIN_EDGE * MIN_EDGE) as f64 {
        return None;
    }
    let texture = acc.spread().0.min(acc.spread().1);
    Some(Detail {
        similarity: acc.correlation().unwrap_or(0.0),
        texture,
    })
}

/// The band-passed detail of a picture: the difference of two blurs.
fn band(pic: &Picture) -> Vec<f32> {
    let fine = blurred(pic, DETAIL_SIGMAS.0);
    let coarse = blurred(pic, DETAIL_SIGMAS.1);
    fine.grey
        .iter()
        .zip(&coarse.grey)
        .map(|(f, c)| f - c)
        .collect()
}

/// The same-view detail comparison from two pictures' bands (same size), over the interior
/// (less the margin the blurs reach over).
// Compiled for AVX2 as well, chosen at run time: the same operations in the same order, eight
// lanes at a time (no fused multiply-add), so the same bits on any machine.
#[multiversion(targets("x86_64+avx2"))]
fn same_view_detail(a: &Bands, b: &Bands, w: usize, h: usize) -> Option<Detail> {
    let m = DETAIL_MARGIN as usize;
    if w <= 2 * m || h <= 2 * m {
        return None;
    }
    let mut detail = Moments::default();
    for y in m..h - m {
        let row = y * w + m..y * w + w - m;
        for (&x, &v) in a.detail[row.clone()].iter().zip(&b.detail[row]) {
            detail.add(f64::from(x), f64::from(v));
        }
    }
    let (sa, sb) = detail.spread();
    Some(Detail {
        similarity: detail.correlation().unwrap_or(0.0),
        texture: sa.min(sb),
    })
}

/// `1 − correlation` of two softened pictures of one size, over all of them (1 when either is
/// flat).
// Compiled for AVX2 as well, chosen at run time: the same operations in the same order, eight
// lanes at a time (no fused multiply-add), so the same bits on any machine.
#[multiversion(targets("x86_64+avx2"))]
fn soft_error(a: &Picture, b: &Picture) -> f64 {
    // Pair by pair in f64: grey levels (not detail around zero) summed in f32 lose the spread
    // of a flat picture, which is all its likeness goes by.
    let mut soft = Moments::default();
    for (&x, &v) in a.grey.iter().zip(&b.grey) {
        soft.add(f64::from(x), f64::from(v));
    }
    soft.correlation().map_or(1.0, |c| 1.0 - c)
}

/// Running sums for a correlation.
#[derive(Default)]
struct Moments {
    n: f64,
    sa: f64,
    sb: f64,
    saa: f64,
    sbb: f64,
    sab: f64,
}

impl Moments {
    /// Adds a row of pairs: summed in f32 over eight lanes (in a loop the compiler vectorises;
    /// a row's few hundred terms lose nothing that matters), the lanes then gathered in f64.
    #[inline(always)]
    fn add_row(&mut self, a: &[f32], b: &[f32]) {
        const LANES: usize = 8;
        let mut s = [[0f32; LANES]; 5];
        let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for l in 0..LANES {
                s[0][l] += x[l];
                s[1][l] += y[l];
                s[2][l] += x[l] * x[l];
                s[3][l] += y[l] * y[l];
                s[4][l] += x[l] * y[l];
            }
        }
        for (l, (&x, &y)) in ra.iter().zip(rb).enumerate() {
            s[0][l] += x;
            s[1][l] += y;
            s[2][l] += x * x;
            s[3][l] += y * y;
            s[4][l] += x * y;
        }
        let total = |lanes: &[f32; LANES]| lanes.iter().map(|&v| f64::from(v)).sum::<f64>();
        self.n += a.len().min(b.len()) as f64;
        self.sa += total(&s[0]);
        self.sb += total(&s[1]);
        self.saa += total(&s[2]);
        self.sbb += total(&s[3]);
        self.sab += total(&s[4]);
    }

    fn add(&mut self, a: f64, b: f64) {
        self.n += 1.0;
        self.sa += a;
        self.sb += b;
        self.saa += a * a;
        self.sbb += b * b;
        self.sab += a * b;
    }

    /// The standard deviations of both.
    fn spread(&self) -> (f64, f64) {
        if self.n == 0.0 {
            return (0.0, 0.0);
        }
        let va = (self.saa - self.sa * self.sa / self.n).max(0.0) / self.n;
        let vb = (self.sbb - self.sb * self.sb / self.n).max(0.0) / self.n;
        (va.sqrt(), vb.sqrt())
    }

    /// The correlation; `None` when either side is flat (under a hundredth of a grey level).
    fn correlation(&self) -> Option<f64> {
        let (sa, sb) = self.spread();
        if sa < 0.01 || sb < 0.01 {
            return None;
        }
        let cov = self.sab / self.n - (self.sa / self.n) * (self.sb / self.n);
        Some((cov / (sa * sb)).clamp(-1.0, 1.0))
    }
}

/// The picture blurred by a Gaussian of `sigma` pixels (separable, edges clamped).
// Compiled for AVX2 as well, chosen at run time: the same operations in the same order, eight
// lanes at a time (no fused multiply-add), so the same bits on any machine.
#[multiversion(targets("x86_64+avx2"))]
fn blurred(pic: &Picture, sigma: f32) -> Picture {
    let radius = (sigma * 3.0).ceil() as isize;
    let weights: Vec<f32> = (-radius..=radius)
        .map(|k| (-((k * k) as f32) / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = weights.iter().sum();
    let weights: Vec<f32> = weights.iter().map(|w| w / total).collect();
    let (w, h) = (pic.width, pic.height);
    let clamp = |v: isize, n: usize| v.clamp(0, n as isize - 1) as usize;
    // Rows: each padded with its edge values, then one pass per tap over the whole row (the
    // same sums in the same order as tap by tap per pixel, in loops the compiler vectorises).
    // The first tap writes, the others add: as adding every tap to zero, without first
    // zeroing the buffers (grey values are never -0, so 0 + x is x to the bit).
    let r = radius as usize;
    let (first, rest) = weights.split_first().expect("at least one tap");
    let mut rows = Vec::with_capacity(w * h);
    let mut padded = vec![0.0f32; w + 2 * r];
    for y in 0..h {
        let src = &pic.grey[y * w..(y + 1) * w];
        padded[..r].fill(src[0]);
        padded[r..r + w].copy_from_slice(src);
        padded[r + w..].fill(src[w - 1]);
        let start = rows.len();
        rows.extend(padded[..w].iter().map(|s| first * s));
        let dst = &mut rows[start..];
        for (k, wt) in rest.iter().enumerate() {
            for (d, s) in dst.iter_mut().zip(&padded[k + 1..k + 1 + w]) {
                *d += wt * s;
            }
        }
    }
    let mut out = Vec::with_capacity(w * h);
    let row_at = |k: usize, y: usize| {
        let sy = clamp(y as isize + k as isize - radius, h);
        &rows[sy * w..(sy + 1) * w]
    };
    for y in 0..h {
        let start = out.len();
        out.extend(row_at(0, y).iter().map(|s| first * s));
        let dst = &mut out[start..];
        for (k, wt) in rest.iter().enumerate() {
            for (d, s) in dst.iter_mut().zip(row_at(k + 1, y)) {
                *d += wt * s;
            }
        }
    }
    Picture {
        width: w,
        height: h,
        grey: out,
        bands: None,
    }
}

/// Area-average scaling of a `w` × `h` grid down to `nw` × `nh` (separable: each output sample
/// averages the input span it covers, partial pixels weighted by their share).
// Compiled for AVX2 as well, chosen at run time: the same operations in the same order, eight
// lanes at a time (no fused multiply-add), so the same bits on any machine.
#[multiversion(targets("x86_64+avx2"))]
fn shrink(src: &[f32], w: usize, h: usize, nw: usize, nh: usize) -> Vec<f32> {
    let (xs, ys) = (Spans::new(w, nw), Spans::new(h, nh));
    // Rows: every output sample takes the same number of taps (spans shorter than the longest
    // are padded with taps of weight 0 on a pixel inside the row: adding 0 changes no sum).
    let mut rows = vec![0.0f32; nw * h];
    for (src_row, dst) in src.chunks_exact(w).zip(rows.chunks_exact_mut(nw)) {
        // The common tap counts get a loop of fixed length (unrolled, no slice per sample).
        match xs.taps {
            1 => xs.row::<1>(src_row, dst),
            2 => xs.row::<2>(src_row, dst),
            3 => xs.row::<3>(src_row, dst),
            4 => xs.row::<4>(src_row, dst),
            _ => xs.row_any(src_row, dst),
        }
    }
    let mut out = vec![0.0f32; nw * nh];
    for y in 0..nh {
        let dst = &mut out[y * nw..(y + 1) * nw];
        let start = ys.start[y];
        for (j, &wt) in ys.weights[y * ys.taps..(y + 1) * ys.taps]
            .iter()
            .enumerate()
        {
            if wt == 0.0 {
                continue;
            }
            let i = start + j;
            for (d, s) in dst.iter_mut().zip(&rows[i * nw..(i + 1) * nw]) {
                *d += wt * s;
            }
        }
    }
    out
}

/// The input spans of an area-average scaling along one axis, `taps` per output sample: where
/// each span starts and the share of each of its pixels.
struct Spans {
    taps: usize,
    start: Vec<usize>,
    weights: Vec<f32>,
}

impl Spans {
    /// One row scaled, when every span has `N` taps.
    fn row<const N: usize>(&self, src: &[f32], dst: &mut [f32]) {
        let weights = self.weights.chunks_exact(N);
        for ((d, &start), weights) in dst.iter_mut().zip(&self.start).zip(weights) {
            let taps: &[f32; N] = src[start..start + N].try_into().expect("N taps");
            let mut sum = 0.0f32;
            for j in 0..N {
                sum += taps[j] * weights[j];
            }
            *d = sum;
        }
    }

    /// One row scaled, whatever the number of taps.
    fn row_any(&self, src: &[f32], dst: &mut [f32]) {
        let weights = self.weights.chunks_exact(self.taps);
        for ((d, &start), weights) in dst.iter_mut().zip(&self.start).zip(weights) {
            let mut sum = 0.0f32;
            for (&s, &wt) in src[start..start + self.taps].iter().zip(weights) {
                sum += s * wt;
            }
            *d = sum;
        }
    }

    fn new(n: usize, new: usize) -> Spans {
        let ratio = n as f64 / new as f64;
        // Each span's first pixel and its shares, all shares in one list.
        let mut firsts = Vec::with_capacity(new);
        let mut ends = Vec::with_capacity(new);
        let mut parts = Vec::with_capacity(new * (ratio.ceil() as usize + 1));
        for k in 0..new {
            let (lo, hi) = (k as f64 * ratio, (k as f64 + 1.0) * ratio);
            let mut first = None;
            let mut i = lo.floor() as usize;
            while (i as f64) < hi && i < n {
                let part = (hi.min(i as f64 + 1.0) - lo.max(i as f64)) / ratio;
                if part > 0.0 {
                    first.get_or_insert(i);
                    parts.push(part as f32);
                }
                i += 1;
            }
            firsts.push(first.unwrap_or(0));
            ends.push(parts.len());
        }
        let mut taps = 0;
        let mut begin = 0;
        for &end in &ends {
            taps = usize::max(taps, end - begin);
            begin = end;
        }
        let taps = taps.min(n);
        let mut start = Vec::with_capacity(new);
        let mut weights = Vec::with_capacity(new * taps);
        let mut begin = 0;
        for (&first, &end) in firsts.iter().zip(&ends) {
            let span = &parts[begin..end];
            begin = end;
            // A span near the end starts earlier so its padded taps stay inside; its own
            // taps move right by as much.
            let at = first.min(n - taps);
            start.push(at);
            let lead = first - at;
            weights.extend((0..taps).map(|j| {
                j.checked_sub(lead)
                    .and_then(|k| span.get(k))
                    .copied()
                    .unwrap_or(0.0)
            }));
        }
        Spans {
            taps,
            start,
            weights,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The blur as first written, every tap added to zeroed buffers.
    fn blurred_into_zeros(pic: &Picture, sigma: f32) -> Picture {
        let radius = (sigma * 3.0).ceil() as isize;
        let weights: Vec<f32> = (-radius..=radius)
            .map(|k| (-((k * k) as f32) / (2.0 * sigma * sigma)).exp())
            .collect();
        let total: f32 = weights.iter().sum();
        let weights: Vec<f32> = weights.iter().map(|w| w / total).collect();
        let (w, h) = (pic.width, pic.height);
        let clamp = |v: isize, n: usize| v.clamp(0, n as isize - 1) as usize;
        // Rows: each padded with its edge values, then one pass per tap over the whole row (the
        // same sums in the same order as tap by tap per pixel, in loops the compiler vectorises).
        let r = radius as usize;
        let mut rows = vec![0.0f32; w * h];
        let mut padded = vec![0.0f32; w + 2 * r];
        for y in 0..h {
            let src = &pic.grey[y * w..(y + 1) * w];
            for (i, v) in padded.iter_mut().enumerate() {
                *v = src[clamp(i as isize - radius, w)];
            }
            let dst = &mut rows[y * w..(y + 1) * w];
            for (k, wt) in weights.iter().enumerate() {
                for (d, s) in dst.iter_mut().zip(&padded[k..k + w]) {
                    *d += wt * s;
                }
            }
        }
        let mut out = vec![0.0f32; w * h];
        for y in 0..h {
            for (k, wt) in weights.iter().enumerate() {
                let sy = clamp(y as isize + k as isize - radius, h);
                let src = &rows[sy * w..(sy + 1) * w];
                let dst = &mut out[y * w..(y + 1) * w];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += wt * s;
                }
            }
        }
        Picture {
            width: w,
            height: h,
            grey: out,
            bands: None,
        }
    }

    #[test]
    fn blurring_without_zeroing_gives_the_same_bits() {
        for (w, h, sigma) in [(37, 23, 0.8), (64, 48, 1.0), (50, 31, 2.0), (7, 5, 2.0)] {
            let pic = Picture {
                width: w,
                height: h,
                grey: (0..w * h)
                    .map(|i| ((i * 7919) % 251) as f32 * 0.75)
                    .collect(),
                bands: None,
            };
            let (fast, slow) = (blurred(&pic, sigma), blurred_into_zeros(&pic, sigma));
            for (f, s) in fast.grey.iter().zip(&slow.grey) {
                assert_eq!(
                    f.to_bits(),
                    s.to_bits(),
                    "{w}x{h} at {sigma}: {f} against {s}"
                );
            }
        }
    }

    /// Bilinear sampling, one position at a time.
    fn sample(a: &Picture, x: f32, y: f32) -> f32 {
        let x = x.clamp(0.0, (a.width - 1) as f32);
        let y = y.clamp(0.0, (a.height - 1) as f32);
        let (x0, y0) = (
            (x as usize).min(a.width.saturating_sub(2)),
            (y as usize).min(a.height.saturating_sub(2)),
        );
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let row = |r: usize| &a.grey[r * a.width..(r + 1) * a.width];
        let (top, bottom) = (row(y0), row((y0 + 1).min(a.height - 1)));
        let x1 = (x0 + 1).min(a.width - 1);
        let t = top[x0] + (top[x1] - top[x0]) * fx;
        let b = bottom[x0] + (bottom[x1] - bottom[x0]) * fx;
        t + (b - t) * fy
    }

    #[test]
    fn warping_row_by_row_samples_as_one_position_at_a_time() {
        let a = Picture {
            width: 37,
            height: 23,
            grey: (0..37 * 23).map(|i| ((i * 7919) % 251) as f32).collect(),
            bands: None,
        };
        let xs: Vec<f32> = (0..50).map(|k| -3.0 + k as f32 * 0.83).collect();
        let ys: Vec<f32> = (0..31).map(|k| -2.0 + k as f32 * 0.91).collect();
        let warped = warp(&a, &xs, &ys);
        for (j, &y) in ys.iter().enumerate() {
            for (i, &x) in xs.iter().enumerate() {
                let (fast, slow) = (warped[j * xs.len() + i], sample(&a, x, y));
                assert_eq!(
                    fast.to_bits(),
                    slow.to_bits(),
                    "({x}, {y}): {fast} against {slow}"
                );
            }
        }
    }

    /// The scaling as first written, with a list of taps per sample: the flat one must give
    /// the same bits.
    fn shrink_tap_lists(src: &[f32], w: usize, h: usize, nw: usize, nh: usize) -> Vec<f32> {
        let spans = |n: usize, new: usize| -> Vec<Vec<(usize, f32)>> {
            let ratio = n as f64 / new as f64;
            (0..new)
                .map(|k| {
                    let (lo, hi) = (k as f64 * ratio, (k as f64 + 1.0) * ratio);
                    let mut taps = Vec::new();
                    let mut i = lo.floor() as usize;
                    while (i as f64) < hi && i < n {
                        let part = (hi.min(i as f64 + 1.0) - lo.max(i as f64)) / ratio;
                        if part > 0.0 {
                            taps.push((i, part as f32));
                        }
                        i += 1;
                    }
                    taps
                })
                .collect()
        };
        let (xs, ys) = (spans(w, nw), spans(h, nh));
        let mut rows = vec![0.0f32; nw * h];
        for y in 0..h {
            let src_row = &src[y * w..(y + 1) * w];
            for (x, taps) in xs.iter().enumerate() {
                rows[y * nw + x] = taps.iter().map(|&(i, wt)| src_row[i] * wt).sum();
            }
        }
        let mut out = vec![0.0f32; nw * nh];
        for (y, taps) in ys.iter().enumerate() {
            let dst = &mut out[y * nw..(y + 1) * nw];
            for &(i, wt) in taps {
                for (d, s) in dst.iter_mut().zip(&rows[i * nw..(i + 1) * nw]) {
                    *d += wt * s;
                }
            }
        }
        out
    }

    #[test]
    fn flat_spans_shrink_as_tap_lists_did_to_the_bit() {
        for (w, h, nw, nh) in [
            (320, 213, 256, 170),
            (213, 320, 170, 256),
            (97, 61, 40, 25),
            (50, 50, 49, 7),
            (300, 200, 30, 20),
        ] {
            let src: Vec<f32> = (0..w * h).map(|i| ((i * 7919) % 256) as f32).collect();
            let (fast, slow) = (
                shrink(&src, w, h, nw, nh),
                shrink_tap_lists(&src, w, h, nw, nh),
            );
            assert_eq!(fast.len(), slow.len());
            for (i, (f, s)) in fast.iter().zip(&slow).enumerate() {
                assert_eq!(
                    f.to_bits(),
                    s.to_bits(),
                    "{w}x{h} to {nw}x{nh}, sample {i}: {f} against {s}"
                );
            }
        }
    }

    /// Smooth random values on a lattice `cell` pixels apart (value noise, deterministic).
    fn noise(u: f64, v: f64, cell: f64, seed: u64) -> f64 {
        let lattice = |i: i64, j: i64| {
            let mut h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
                ^ seed.wrapping_mul(0x1656_67B1_9E37_79F9);
            h ^= h >> 29;
            h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            h ^= h >> 32;
            (h % 1000) as f64 / 1000.0
        };
        let (x, y) = (u / cell, v / cell);
        let (i, j) = (x.floor() as i64, y.floor() as i64);
        let (fx, fy) = (x - x.floor(), y - y.floor());
        let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
        let top = lattice(i, j) + (lattice(i + 1, j) - lattice(i, j)) * sx;
        let bottom = lattice(i, j + 1) + (lattice(i + 1, j + 1) - lattice(i, j + 1)) * sx;
        top + (bottom - top) * sy
    }

    /// A textured, non-repeating test scene: `w` × `h` pixels of a plane of value noise, seen
    /// from (`x0`, `y0`) with `zoom` plane pixels per picture pixel.
    pub(crate) fn scene(
        w: u32,
        h: u32,
        x0: f64,
        y0: f64,
        zoom: f64,
        seed: u64,
    ) -> image::GrayImage {
        image::GrayImage::from_fn(w, h, |x, y| {
            let (u, v) = (x0 + x as f64 * zoom, y0 + y as f64 * zoom);
            let value = 100.0 * noise(u, v, 60.0, seed)
                + 70.0 * noise(u, v, 17.0, seed + 1)
                + 50.0 * noise(u, v, 6.0, seed + 2)
                + 20.0;
            image::Luma([value.clamp(0.0, 255.0) as u8])
        })
    }

    /// The profile's default `min_texture`: below it a pair is judged on likeness.
    const FAINT: f64 = 0.5;

    fn identity() -> Alignment {
        Alignment {
            scale: (1.0, 1.0),
            offset: (0.0, 0.0),
            error: 0.0,
        }
    }

    #[test]
    fn a_resized_copy_verifies_and_a_neighbouring_tile_does_not() {
        let original = Picture::of(&scene(320, 240, 0.0, 0.0, 1.0, 1), 256).unwrap();
        // The same view at half the pixels (every output pixel two of the plane's).
        let half = Picture::of(&scene(160, 120, 0.0, 0.0, 2.0, 1), 256).unwrap();
        let copy = verify(
            &original,
            Dihedral::Identity,
            &half,
            &identity(),
            0.9,
            FAINT,
        )
        .unwrap();
        assert!(copy.similarity > 0.9, "{copy:?}");
        assert!(copy.nested(0.03, 0.6), "{copy:?}");
        // The tile to the right of it: the same kind of texture, none of the same edges.
        let tile = Picture::of(&scene(320, 240, 320.0, 0.0, 1.0, 1), 256).unwrap();
        let other = verify(
            &original,
            Dihedral::Identity,
            &tile,
            &identity(),
            0.9,
            FAINT,
        )
        .unwrap();
        assert!(other.similarity < 0.5, "{other:?}");
    }

    #[test]
    fn a_centre_crop_is_found_inside_its_original() {
        let original = Picture::of(&scene(320, 240, 0.0, 0.0, 1.0, 2), 256).unwrap();
        // A 92 % centre crop, scaled back to 320 px wide.
        let z = 0.92;
        let crop = scene(320, 240, 320.0 * 0.04, 240.0 * 0.04, z, 2);
        let crop = Picture::of(&crop, 256).unwrap();
        let start = Alignment {
            scale: (0.92, 0.92),
            offset: (0.04, 0.04),
            error: 0.0,
        };
        let e = verify(&original, Dihedral::Identity, &crop, &start, 0.9, FAINT).unwrap();
        assert!(e.similarity > 0.9, "{e:?}");
        assert!((e.first_covered - 0.8464).abs() < 0.02, "{e:?}");
        assert!(e.second_covered > 0.98, "{e:?}");
    }

    #[test]
    fn a_turned_copy_verifies_under_its_turn() {
        let original = scene(300, 200, 0.0, 0.0, 1.0, 3);
        let turned = image::imageops::rotate90(&original);
        let (a, b) = (
            Picture::of(&original, 256).unwrap(),
            Picture::of(&turned, 256).unwrap(),
        );
        let e = verify(&a, Dihedral::Rotate90, &b, &identity(), 0.9, FAINT).unwrap();
        assert!(e.similarity > 0.95, "{e:?}");
        let wrong = verify(&a, Dihedral::Rotate270, &b, &identity(), 0.9, FAINT).unwrap();
        assert!(wrong.similarity < 0.5, "{wrong:?}");
    }

    #[test]
    fn a_same_view_pair_settled_from_the_bands_agrees_with_the_search() {
        let original = Picture::of(&scene(320, 240, 0.0, 0.0, 1.0, 4), 256).unwrap();
        let half = Picture::of(&scene(160, 120, 0.0, 0.0, 2.0, 4), 256).unwrap();
        let half = Picture::of(
            &image::imageops::resize(
                &scene(160, 120, 0.0, 0.0, 2.0, 4),
                320,
                240,
                image::imageops::FilterType::Triangle,
            ),
            256,
        )
        .unwrap_or(half);
        let settled = verify(
            &original,
            Dihedral::Identity,
            &half,
            &identity(),
            0.0,
            FAINT,
        )
        .unwrap();
        assert_eq!(settled.alignment.scale, (1.0, 1.0));
        // The bands made once per picture give what warping and band-passing per pair gives.
        let slow = compare_detail(&original, &half, [1.0, 1.0, 0.0, 0.0]).unwrap();
        assert!(
            (settled.similarity - slow.similarity).abs() < 1e-4,
            "{settled:?}"
        );
        assert!((settled.texture - slow.texture).abs() < 1e-3, "{settled:?}");
        // A search may only find a better view (here the half-pixel shift of the copy's grid).
        let searched = verify(
            &original,
            Dihedral::Identity,
            &half,
            &identity(),
            2.0,
            FAINT,
        )
        .unwrap();
        assert!(searched.similarity >= settled.similarity, "{searched:?}");
    }

    #[test]
    fn flat_pictures_have_no_texture() {
        let flat = image::GrayImage::from_pixel(200, 150, image::Luma([180]));
        let a = Picture::of(&flat, 256).unwrap();
        let e = verify(&a, Dihedral::Identity, &a, &identity(), 0.9, FAINT).unwrap();
        assert!(e.texture < 0.5, "{e:?}");
    }

    #[test]
    fn tiny_pictures_are_not_compared() {
        let tiny = image::GrayImage::from_pixel(20, 300, image::Luma([10]));
        assert!(Picture::of(&tiny, 256).is_none());
    }

    #[test]
    fn shrinking_averages_areas() {
        let src: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let out = shrink(&src, 4, 4, 2, 2);
        assert_eq!(out, vec![2.5, 4.5, 10.5, 12.5]);
    }

    /// A pair's likeness is measured where the judgement needs it: for a faint same-view pair,
    /// after every search; not for a textured same-view pair.
    #[test]
    fn likeness_is_measured_where_it_is_needed() {
        let original = Picture::of(&scene(320, 240, 0.0, 0.0, 1.0, 4), 256).unwrap();
        let textured = verify(
            &original,
            Dihedral::Identity,
            &original,
            &identity(),
            0.9,
            FAINT,
        );
        let textured = textured.unwrap();
        assert!(textured.texture >= FAINT, "{textured:?}");
        assert_eq!(textured.likeness, None);
        let measured = verify(
            &original,
            Dihedral::Identity,
            &original,
            &identity(),
            0.9,
            f64::INFINITY,
        )
        .unwrap();
        assert!(measured.likeness.unwrap() > 0.999, "{measured:?}");
        let flat = image::GrayImage::from_fn(200, 150, |x, _| image::Luma([100 + (x / 50) as u8]));
        let flat = Picture::of(&flat, 256).unwrap();
        let e = verify(&flat, Dihedral::Identity, &flat, &identity(), -1.0, FAINT).unwrap();
        assert!(e.texture < FAINT && e.likeness.is_some(), "{e:?}");
        // A searched pair (settled above any similarity) always has it.
        let tile = Picture::of(&scene(320, 240, 1.0, 0.0, 1.0, 4), 256).unwrap();
        let searched = verify(
            &original,
            Dihedral::Identity,
            &tile,
            &identity(),
            2.0,
            FAINT,
        );
        assert!(searched.unwrap().likeness.is_some());
    }

    /// A turned picture's softened grey, made after the turn from the source's, has the bits
    /// of the source's softened grey turned (as when it was turned with the picture).
    #[test]
    fn a_turned_picture_softens_as_its_source_turned() {
        for t in Dihedral::ALL {
            let source = Picture::of(&scene(300, 200, 0.0, 0.0, 1.0, 7), 256).unwrap();
            let expected = blurred(&source, ALIGN_SIGMA).turned(t);
            let later = source.turned(t);
            assert_eq!(later.soft().grey, expected.grey, "{t:?}, softened after");
            let _ = source.soft();
            let sooner = source.turned(t);
            assert_eq!(sooner.soft().grey, expected.grey, "{t:?}, softened before");
        }
    }

    /// Turning by strides puts every pixel where [`Dihedral::source`] says.
    #[test]
    fn turning_moves_each_pixel_to_its_place() {
        let grey: Vec<f32> = (0..5 * 3).map(|v| v as f32).collect();
        let picture = Picture {
            width: 5,
            height: 3,
            grey: grey.clone(),
            bands: None,
        };
        for t in Dihedral::ALL {
            let turned = picture.turned(t);
            let (w, h) = (turned.width, turned.height);
            for y in 0..h {
                for x in 0..w {
                    let (sx, sy) = t.source(x, y, w, h);
                    assert_eq!(
                        turned.grey[y * w + x],
                        grey[sy * 5 + sx],
                        "{t:?} at {x},{y}"
                    );
                }
            }
        }
    }

    /// The alignment error as first written: each sampled pixel of `b` against `a` sampled
    /// there (bilinear), pair by pair in f64.
    fn alignment_error_pixel_by_pixel(a: &Picture, b: &Picture, p: [f64; 4], stride: usize) -> f64 {
        let (xs, ys) = positions(a, b, p);
        let mut acc = Moments::default();
        for (by, &y) in ys.iter().enumerate().step_by(stride) {
            for (bx, &x) in xs.iter().enumerate().step_by(stride) {
                let inside = (0.0..=(a.width - 1) as f32).contains(&x)
                    && (0.0..=(a.height - 1) as f32).contains(&y);
                if inside {
                    acc.add(
                        f64::from(sample(a, x, y)),
                        f64::from(b.grey[by * b.width + bx]),
                    );
                }
            }
        }
        let count = b.width.div_ceil(stride) * b.height.div_ceil(stride);
        if acc.n * 2.0 < count as f64 {
            return f64::INFINITY;
        }
        acc.correlation().map_or(1.0, |c| 1.0 - c)
    }

    #[test]
    fn the_alignment_error_is_the_pixel_by_pixel_one() {
        let a = Picture::of(&scene(300, 200, 0.0, 0.0, 1.0, 3), 256).unwrap();
        let b = Picture::of(&scene(240, 170, 0.1, 0.05, 1.1, 3), 256).unwrap();
        for stride in [1, 2, 4] {
            let sampled = Sampled::of(&b, stride);
            for p in [
                [1.0, 1.0, 0.0, 0.0],
                [0.9, 0.95, 0.03, -0.02],
                [1.2, 1.1, -0.1, 0.2],
                [0.6, 0.6, 0.45, 0.45],
            ] {
                let fast = alignment_error(&a, &sampled, p);
                let slow = alignment_error_pixel_by_pixel(&a, &b, p, stride);
                assert!(
                    fast == slow || (fast - slow).abs() < 1e-5,
                    "stride {stride}, view {p:?}: {fast} against {slow}"
                );
            }
        }
    }
}

//! Criterion benches for near-duplicate grouping: the fingerprint of one preview, comparing two
//! fingerprints, and grouping synthetic 64-bit hashes through the multi-index, with an n-sweep
//! (125k, 250k, 500k, 1M) beside an all-pairs scan (16k, 32k, 64k) so the growth shows: the
//! index's time per hash stays nearly flat as n doubles (n log n), the scan's doubles (n²); and
//! the same index probed query by query (125k, 500k), to show what the batched sweeps buy.
//! Inputs are generated in setup (no data files), so `cargo bench --no-run` compiles anywhere.
//!
//! In: generated pictures and hashes. Out: timings (`cargo bench --bench grouping`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lightbox::fingerprint::Fingerprint;
use lightbox::near::{Index, components, pairs_brute_force, pairs_within};
use rayon::prelude::*;

/// The radius of the sweep: the band where copies that are not crops fall (0–7 bits measured).
const RADIUS: u32 = 8;

/// SplitMix64, fixed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `n` random hashes; one in ten has a planted near copy (1–6 bits away) somewhere after it.
fn hashes(n: usize) -> Vec<u64> {
    let mut rng = Rng(n as u64);
    let mut out: Vec<u64> = (0..n).map(|_| rng.next()).collect();
    for i in (0..n).step_by(10) {
        let j = (rng.next() % n as u64) as usize;
        let mut h = out[i];
        for _ in 0..1 + rng.next() % 6 {
            h ^= 1 << (rng.next() % 64);
        }
        out[j] = h;
    }
    out
}

/// A 1000 × 750 preview with photo-like structure.
fn preview() -> image::RgbImage {
    let mut seed = 11u32;
    image::RgbImage::from_fn(1000, 750, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = (seed >> 29) as u8;
        let (u, v) = (f64::from(x) / 1000.0, f64::from(y) / 750.0);
        let g = (120.0 + 60.0 * (u * 7.0).sin() * (v * 5.0).cos() + 40.0 * (u + v)) as u8;
        image::Rgb([g ^ noise, g / 2 + 40, 200 - g / 2])
    })
}

fn fingerprint(c: &mut Criterion) {
    let image = preview();
    let other = image::imageops::crop_imm(&image, 60, 30, 900, 700).to_image();
    let (a, b) = (Fingerprint::of(&image), Fingerprint::of(&other));
    let mut group = c.benchmark_group("fingerprint");
    group.bench_function("of a 1000 px preview", |bench| {
        bench.iter(|| Fingerprint::of(black_box(&image)))
    });
    group.bench_function("compare a crop (8 turns, align)", |bench| {
        bench.iter(|| black_box(&a).compare(black_box(&b)))
    });
    group.finish();
}

fn grouping(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("group hashes within {RADIUS} bits"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for n in [100_000, 125_000, 250_000, 500_000, 1_000_000] {
        let input = hashes(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("multi-index", n), &input, |bench, h| {
            bench.iter(|| {
                let pairs = pairs_within(black_box(h), RADIUS);
                components(h.len(), pairs.iter().map(|&(a, b, _)| (a, b)))
            })
        });
    }
    // The same index probed one query at a time (how batches ran before the sweeps): the
    // reference that shows what reading the tables in order buys once they outgrow the cache.
    for n in [125_000, 500_000] {
        let input = hashes(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("query by query", n), &input, |bench, h| {
            bench.iter(|| {
                let index = Index::new(black_box(h), RADIUS);
                let pairs: Vec<(usize, usize)> = (0..h.len())
                    .into_par_iter()
                    .flat_map_iter(|i| {
                        let mut found = Vec::new();
                        index.for_each_within(h[i], |j, _| {
                            if j > i {
                                found.push((i, j));
                            }
                        });
                        found.sort_unstable();
                        found
                    })
                    .collect();
                components(h.len(), pairs)
            })
        });
    }
    for n in [16_000, 32_000, 64_000] {
        let input = hashes(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("all pairs", n), &input, |bench, h| {
            bench.iter(|| {
                let pairs = pairs_brute_force(black_box(h), RADIUS);
                components(h.len(), pairs.iter().map(|&(a, b, _)| (a, b)))
            })
        });
    }
    group.finish();
    let mut wide = c.benchmark_group("group hashes, wider radius");
    wide.sample_size(10);
    wide.measurement_time(Duration::from_secs(20));
    let input = hashes(100_000);
    for radius in [12, 16] {
        wide.bench_with_input(
            BenchmarkId::new(format!("100k, radius {radius}"), radius),
            &radius,
            |bench, &r| bench.iter(|| pairs_within(black_box(&input), r)),
        );
    }
    wide.finish();
}

criterion_group!(benches, fingerprint, grouping);
criterion_main!(benches);

//! Criterion benches for the hot pieces of a photo's path: the scaled decode and resize that
//! make every derived image, and hashing. Inputs are generated in setup (no data files), so
//! `cargo bench --no-run` compiles anywhere.
//!
//! In: generated photos. Out: timings (`cargo bench --bench hot`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use lightbox::inspect::decode;
use lightbox::photo::Format;

/// A 4000 x 3000 JPEG at quality 90 with photo-like detail (smooth gradients plus noise).
fn photo_12mp() -> Vec<u8> {
    let mut seed = 7u32;
    let image = image::RgbImage::from_fn(4000, 3000, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = (seed >> 28) as u8;
        image::Rgb([
            (x / 16) as u8 ^ noise,
            (y / 12) as u8,
            ((x + y) / 28) as u8 ^ noise,
        ])
    });
    lightbox::inspect::encode_jpeg(&image, 90).expect("encodes")
}

fn decode_and_resize(c: &mut Criterion) {
    let jpeg = photo_12mp();
    let mut group = c.benchmark_group("derive");
    group.sample_size(20);
    group.bench_function("scaled decode + preview 1000 px, 12 MP JPEG", |b| {
        b.iter(|| {
            decode::decode(black_box(&jpeg), Format::Jpeg, Some(6), 1000, 200_000_000)
                .expect("decodes")
        })
    });
    let preview = decode::decode(&jpeg, Format::Jpeg, None, 1000, 200_000_000)
        .expect("decodes")
        .pixels;
    group.bench_function("thumbnail 320 px from preview", |b| {
        b.iter(|| decode::fit(black_box(&preview), 320))
    });
    group.finish();
}

fn hashing(c: &mut Criterion) {
    let buffer: Vec<u8> = (0..4_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    c.bench_function("blake3 4 MB", |b| {
        b.iter(|| lightbox::photo::ContentHash::of(black_box(&buffer)))
    });
}

criterion_group!(benches, decode_and_resize, hashing);
criterion_main!(benches);

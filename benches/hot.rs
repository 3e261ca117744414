//! Criterion benches for the hot pieces of a photo's path: the scaled decode and resize that
//! make every derived image (with each JPEG decoder the build has), encoding the derived JPEGs,
//! the perceptual fingerprint, hashing, and drawing a contact-sheet page (with and without its
//! PDF page). Inputs are generated in setup (the sheet bench runs the intake over
//! `fixtures/drops` first), so `cargo bench --no-run` compiles anywhere.
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
    // Every JPEG decoder this build has (`--features turbojpeg` adds libjpeg-turbo), and the
    // reference: a full-size decode through `image` (zune-jpeg) and a resize to the same size.
    for &decoder in decode::JpegDecoder::ALL {
        let name = format!(
            "scaled decode + preview 1000 px, 12 MP JPEG, {}",
            decoder.name()
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                decode::decode_using(
                    decoder,
                    black_box(&jpeg),
                    Format::Jpeg,
                    Some(6),
                    1000,
                    200_000_000,
                )
                .expect("decodes")
            })
        });
    }
    group.bench_function("reference: full decode (image) + resize to 1000 px", |b| {
        b.iter(|| {
            let full = image::load_from_memory(black_box(&jpeg))
                .expect("decodes")
                .into_rgb8();
            decode::fit(&full, 1000)
        })
    });
    let preview = decode::decode(&jpeg, Format::Jpeg, None, 1000, 200_000_000)
        .expect("decodes")
        .pixels;
    group.bench_function("thumbnail 320 px from preview", |b| {
        b.iter(|| decode::fit(black_box(&preview), 320))
    });
    group.bench_function("turn the preview a quarter (EXIF orientation 6)", |b| {
        b.iter(|| decode::orient(black_box(&preview), image::metadata::Orientation::Rotate90))
    });
    group.bench_function("perceptual fingerprint of the preview", |b| {
        b.iter(|| lightbox::fingerprint::Fingerprint::of(black_box(&preview)))
    });
    group.bench_function("encode preview JPEG q82, this build's encoder", |b| {
        b.iter(|| lightbox::inspect::encode_jpeg(black_box(&preview), 82).expect("encodes"))
    });
    group.bench_function("encode preview JPEG q82, jpeg-encoder", |b| {
        b.iter(|| lightbox::inspect::encode_jpeg_rust(black_box(&preview), 82).expect("encodes"))
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

/// One contact-sheet page (20 cells from the previews of a run over `fixtures/drops`): the page
/// image alone, and the page image with its PDF page.
fn sheet_page(c: &mut Criterion) {
    use lightbox::render::{SheetFont, SheetHeader, SheetOutput, SheetStyle, render_sheet};
    let work = tempfile::tempdir().expect("a temporary folder");
    let drops = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/drops");
    let config = lightbox::pipeline::RunConfig {
        drops: vec![drops],
        work: work.path().to_path_buf(),
        profile: lightbox::profile::Profile::embedded(),
        lang: lightbox::lang::Lang::Zh,
        date: "2026-01-01".into(),
        catalog: work.path().join("catalog.sqlite"),
        units: false,
        font: SheetFont::embedded(),
    };
    lightbox::pipeline::run(&config, &lightbox::progress::Silent).expect("the sample run");
    let report = lightbox::report::Report::from_json(
        &std::fs::read(lightbox::pipeline::report_path(work.path())).expect("the sample report"),
    )
    .expect("the sample report parses");
    let items: Vec<_> = report.items.iter().take(20).collect();
    let header = SheetHeader {
        title: "喀什地区科协".into(),
        date: "2026-01-01".into(),
        counts: "共 20 个文件".into(),
        show_unit: false,
    };
    let dirs = lightbox::inspect::DerivedDirs::in_work(work.path());
    let style = SheetStyle {
        layout: &config.profile.sheets,
        dirs: &dirs,
        lang: config.lang,
        font: &config.font,
    };
    let mut group = c.benchmark_group("sheet");
    group.sample_size(10);
    for pdf in [false, true] {
        let name = if pdf {
            "page + PDF page, 20 cells"
        } else {
            "page, 20 cells"
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut encoded = 0;
                let mut pdf_bytes = 0;
                let mut take_pdf = |_, bytes: Vec<u8>| {
                    pdf_bytes += black_box(bytes.len());
                    Ok(())
                };
                let output = SheetOutput {
                    page: &mut |_, page| {
                        encoded += black_box(page.as_raw()[0]) as usize;
                        Ok(())
                    },
                    pdf: match pdf {
                        true => Some(&mut take_pdf),
                        false => None,
                    },
                };
                render_sheet(&items, &header, &style, output).expect("renders");
                (encoded, pdf_bytes)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode_and_resize, hashing, sheet_page);
criterion_main!(benches);

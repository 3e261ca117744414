//! Near-duplicate accuracy on planted ground truth: `cargo bench --bench near_truth`.
//!
//! In: the real photos in `../shared/corpus` (relative to the repository root; override with
//! `LIGHTBOX_CORPUS`). Out: printed figures: hash distances per kind of copy, then precision and
//! recall for duplicates (identical and near copies, auto-resolved) and for bursts (left for the
//! curator), the burst shots auto-dropped (must be 0) and how often the original was kept; with
//! `czkawka_cli` on PATH, its figures on the same corpus beside ours. Exits non-zero when the
//! corpus is missing or a burst shot was dropped.
//!
//! The corpus is generated deterministically into a temporary folder (kept with
//! `NEAR_TRUTH_KEEP=1`): ~60 distinct real photos (JPEG, long edge ≥ 640 px, EXIF orientation 1
//! or none, no two alike); most become a *family*: the original plus an exact copy, a
//! recompressed (q60), a resized (50 %, original EXIF kept), a cropped (5–10 %), a rotated
//! (90°, 180° or 270°), a mirrored and a brightened (+15 %) copy; some become a *burst*: 3–4
//! frames of a pan (window shifted 6–12 % per frame, zoom ±3 %), half with camera EXIF one second
//! apart, half with none; the rest stay single. Files are shuffled over six units and named
//! `IMG_NNNN.jpg`, so neither path nor name tells the original.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a report program: printing is its output

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use image::{ImageEncoder, RgbImage};
use lightbox::dedupe::{self, Group, GroupKind};
use lightbox::fingerprint::Fingerprint;
use lightbox::inspect::{self, DerivedDirs, decode};
use lightbox::photo::{Item, Status};
use lightbox::profile::Profile;
use lightbox::progress::Silent;

/// Photos that become families of copies.
const FAMILIES: usize = 42;
/// Photos that become burst sequences.
const BURSTS: usize = 12;
/// Photos left single.
const SINGLES: usize = 6;

/// Cameras the burst sequences with EXIF are stamped with.
const CAMERAS: [(&str, &str); 3] = [
    ("Canon", "Canon EOS 80D"),
    ("NIKON CORPORATION", "NIKON D7200"),
    ("Apple", "iPhone 8"),
];

/// SplitMix64, fixed seed: the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// What a generated file is.
#[derive(Clone, Debug)]
struct Truth {
    /// `family:N`, `burst:N` or `single:N`.
    set: String,
    /// `original`, `exact`, `q60`, `half`, `crop`, `rot90`, `mirror`, `bright`, `frameK`.
    variant: String,
}

/// A corpus photo chosen as a source.
struct SourcePhoto {
    path: PathBuf,
    bytes: Vec<u8>,
    pixels: RgbImage,
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("LIGHTBOX_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// JPEGs of the corpus in path order, recursively.
fn jpegs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
        })
        .collect();
    out.sort();
    out
}

/// Picks distinct photos: decodable, long edge ≥ 640 px, short edge ≥ 400, at most 24 MP,
/// orientation 1 or none, not blank, and nothing like one already picked (any turn within 10 DCT bits, or
/// aligned thumbnails mismatching by less than 0.12).
fn pick_sources(dir: &Path, wanted: usize, rng: &mut Rng) -> (Vec<SourcePhoto>, usize) {
    let mut paths = jpegs(dir);
    paths.retain(|p| {
        let s = p.to_string_lossy();
        !s.contains("exif-orientation-examples") && !s.contains("/orientation/")
    });
    rng.shuffle(&mut paths);
    let mut picked: Vec<(SourcePhoto, Fingerprint)> = Vec::new();
    let mut alike = 0;
    for path in paths {
        if picked.len() == wanted {
            break;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let exif = lightbox::inspect::metadata::exif(&bytes).unwrap_or_default();
        if exif.orientation.is_some_and(|o| o != 1) {
            continue;
        }
        let Ok(dims) = image::ImageReader::new(std::io::Cursor::new(&bytes))
            .with_guessed_format()
            .map_err(|_| ())
            .and_then(|r| r.into_dimensions().map_err(|_| ()))
        else {
            continue;
        };
        let (w, h) = dims;
        if w.max(h) < 640 || w.min(h) < 400 || u64::from(w) * u64::from(h) > 24_000_000 {
            continue;
        }
        let Ok(img) = image::load_from_memory(&bytes) else {
            continue;
        };
        let pixels = img.into_rgb8();
        let fp = Fingerprint::of(&decode::fit(&pixels, 1000));
        if fp.is_flat() {
            // A blank frame (the corpus has an all-black one): nothing to see, only identical
            // copies of it can be found.
            alike += 1;
            continue;
        }
        // Alike: the same picture (within 10 DCT bits under some turn) or thumbnails that align
        // as well as a burst does; their truth is unknown (the corpus holds HDR pairs and
        // series), so they are left out. Merely close hashes are kept: hard negatives.
        let like = picked.iter().any(|(_, other)| {
            let c = fp.compare(other);
            c.distance <= 10 || c.alignment.error < 0.12
        });
        if like {
            alike += 1;
            continue;
        }
        picked.push((
            SourcePhoto {
                path,
                bytes,
                pixels,
            },
            fp,
        ));
    }
    (picked.into_iter().map(|(s, _)| s).collect(), alike)
}

/// The TIFF payload of a JPEG's EXIF segment (after `Exif\0\0`), when it has one.
fn exif_payload(jpeg: &[u8]) -> Option<Vec<u8>> {
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        let body = jpeg.get(i + 4..i + 2 + len)?;
        if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
            return Some(body[6..].to_vec());
        }
        i += 2 + len;
    }
    None
}

/// A minimal little-endian EXIF payload: Make, Model and DateTimeOriginal.
fn camera_exif(make: &str, model: &str, date: &str) -> Vec<u8> {
    let ascii = |s: &str| {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        b
    };
    let (make, model, date) = (ascii(make), ascii(model), ascii(date));
    // Header 8, IFD0: 2 + 3 entries * 12 + 4 = 42, Exif IFD: 2 + 12 + 4 = 18, then the strings.
    let ifd0 = 8u32;
    let exif_ifd = ifd0 + 42;
    let data = exif_ifd + 18;
    let mut out = b"II*\0".to_vec();
    out.extend(ifd0.to_le_bytes());
    let entry = |out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(count.to_le_bytes());
        out.extend(value.to_le_bytes());
    };
    out.extend(3u16.to_le_bytes());
    entry(&mut out, 0x010F, 2, make.len() as u32, data);
    entry(
        &mut out,
        0x0110,
        2,
        model.len() as u32,
        data + make.len() as u32,
    );
    entry(&mut out, 0x8769, 4, 1, exif_ifd);
    out.extend(0u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    entry(
        &mut out,
        0x9003,
        2,
        date.len() as u32,
        data + (make.len() + model.len()) as u32,
    );
    out.extend(0u32.to_le_bytes());
    out.extend(make);
    out.extend(model);
    out.extend(date);
    out
}

fn jpeg(pixels: &RgbImage, quality: u8, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).expect("JPEG takes EXIF");
    }
    encoder
        .write_image(
            pixels.as_raw(),
            pixels.width(),
            pixels.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encodes");
    out
}

fn crop(img: &RgbImage, x: f64, y: f64, w: f64, h: f64) -> RgbImage {
    let (iw, ih) = (f64::from(img.width()), f64::from(img.height()));
    let x0 = (x * iw).round().max(0.0) as u32;
    let y0 = (y * ih).round().max(0.0) as u32;
    let cw = ((w * iw).round() as u32).min(img.width() - x0);
    let ch = ((h * ih).round() as u32).min(img.height() - y0);
    image::imageops::crop_imm(img, x0, y0, cw, ch).to_image()
}

/// The variants of a family's original.
fn family(src: &SourcePhoto, n: usize, rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let img = &src.pixels;
    let (w, h) = img.dimensions();
    let mut out = vec![
        ("original".to_string(), src.bytes.clone()),
        ("exact".to_string(), src.bytes.clone()),
        ("q60".to_string(), jpeg(img, 60, None)),
    ];
    let half = decode::resize(img, w.div_ceil(2), h.div_ceil(2));
    out.push(("half".into(), jpeg(&half, 85, exif_payload(&src.bytes))));
    // 5–10 % off each axis, split at random between the two sides.
    let (cx, cy) = (rng.range(0.05, 0.10), rng.range(0.05, 0.10));
    let (lx, ly) = (cx * rng.range(0.0, 1.0), cy * rng.range(0.0, 1.0));
    out.push((
        "crop".into(),
        jpeg(&crop(img, lx, ly, 1.0 - cx, 1.0 - cy), 90, None),
    ));
    let (name, turned) = match n % 3 {
        0 => ("rot90", image::imageops::rotate90(img)),
        1 => ("rot180", image::imageops::rotate180(img)),
        _ => ("rot270", image::imageops::rotate270(img)),
    };
    out.push((name.into(), jpeg(&turned, 90, None)));
    out.push((
        "mirror".into(),
        jpeg(&image::imageops::flip_horizontal(img), 90, None),
    ));
    let mut bright = img.clone();
    for p in bright.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (f64::from(*c) * 1.15).round().min(255.0) as u8;
        }
    }
    out.push(("bright".into(), jpeg(&bright, 90, None)));
    out
}

/// 3–4 frames of a pan over the photo: a window of 64 % of the photo moving 6–12 % of its own
/// width per frame (up to ±2 % vertically), zoom ±2 % (so the shift shows: each frame sees at
/// least 4 % the other does not).
fn burst(src: &SourcePhoto, n: usize, rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let img = &src.pixels;
    let frames = 3 + rng.below(2);
    let base = 0.64;
    // Steps are fractions of the frame: 6–12 % of what the camera sees.
    let steps: Vec<f64> = (1..frames).map(|_| base * rng.range(0.06, 0.12)).collect();
    let travel: f64 = steps.iter().sum();
    let (out_w, out_h) = (
        (f64::from(img.width()) * base).round() as u32,
        (f64::from(img.height()) * base).round() as u32,
    );
    let mut x = rng.range(0.02, (1.0 - base - travel).max(0.03) - 0.01);
    let y0 = rng.range(0.05, 1.0 - base - 0.05);
    let with_exif = n.is_multiple_of(2);
    let mut out = Vec::new();
    for k in 0..frames {
        if k > 0 {
            x += steps[k - 1];
        }
        let zoom = rng.range(0.98, 1.02);
        let size = base / zoom;
        let y = (y0 + base * rng.range(-0.02, 0.02) - (size - base) / 2.0).clamp(0.0, 1.0 - size);
        let fx = (x - (size - base) / 2.0).clamp(0.0, 1.0 - size);
        let frame = decode::resize(&crop(img, fx, y, size, size), out_w, out_h);
        // Each sequence its own camera and moment, frames one second apart.
        let exif = with_exif.then(|| {
            let (make, model) = CAMERAS[n % CAMERAS.len()];
            let date = format!(
                "2019:09:{:02} {:02}:{:02}:{:02}",
                14 + n % 7,
                9 + n % 9,
                (n * 7) % 60,
                10 + k
            );
            camera_exif(make, model, &date)
        });
        out.push((format!("frame{k}"), jpeg(&frame, 92, exif)));
    }
    out
}

/// Generates the corpus under `root`: the ground truth by display path.
fn generate(corpus: &Path, root: &Path) -> BTreeMap<String, Truth> {
    let mut rng = Rng(20_230_916);
    let (sources, alike) = pick_sources(corpus, FAMILIES + BURSTS + SINGLES, &mut rng);
    println!(
        "sources: {} distinct photos from {} ({} skipped as alike or blank)",
        sources.len(),
        corpus.display(),
        alike
    );
    let mut files: Vec<(Truth, Vec<u8>)> = Vec::new();
    for (n, src) in sources.iter().enumerate() {
        let (set, variants) = if n < FAMILIES {
            (format!("family:{n}"), family(src, n, &mut rng))
        } else if n < FAMILIES + BURSTS {
            (format!("burst:{n}"), burst(src, n, &mut rng))
        } else {
            (
                format!("single:{n}"),
                vec![("original".into(), src.bytes.clone())],
            )
        };
        let _ = &src.path;
        for (variant, bytes) in variants {
            files.push((
                Truth {
                    set: set.clone(),
                    variant,
                },
                bytes,
            ));
        }
    }
    rng.shuffle(&mut files);
    let mut truth = BTreeMap::new();
    for (i, (t, bytes)) in files.into_iter().enumerate() {
        let unit = format!("单位{:02}", 1 + rng.below(6));
        let name = format!("IMG_{:04}.jpg", i + 1);
        std::fs::create_dir_all(root.join(&unit)).expect("temp dir writable");
        std::fs::write(root.join(&unit).join(&name), bytes).expect("temp dir writable");
        truth.insert(format!("{unit}/{name}"), t);
    }
    truth
}

/// Whether a burst set's frames carry camera EXIF (every other sequence does).
fn burst_has_exif(set: &str) -> bool {
    set.strip_prefix("burst:")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| n % 2 == 0)
}

/// Items as the pipeline's inspect stage makes them (tags left empty).
fn inspect_all(root: &Path, work: &Path) -> Vec<Item> {
    let scan = lightbox::ingest::scan(&[root.to_path_buf()]).expect("generated corpus scans");
    let dirs = DerivedDirs::in_work(work);
    dirs.create().expect("work dir writable");
    let sources: Vec<&lightbox::photo::Source> = scan.entries.iter().map(|e| &e.source).collect();
    let profile = Profile::embedded();
    let inspections = inspect::photos(&sources, &profile, &dirs, &Silent);
    sources
        .iter()
        .zip(inspections)
        .enumerate()
        .map(|(i, (source, inspection))| Item {
            index: i + 1,
            source: (*source).clone(),
            content: inspection.content,
            photo: inspection.photo,
            tags: lightbox::tags::Tags::default(),
            findings: inspection.findings,
            status: Status::Accepted,
        })
        .collect()
}

/// The grouping under test, called here and nowhere else. `work` is the folder `inspect_all`
/// wrote the derived thumbnails and previews to: a grouping that reads the thumbnails back from
/// disk takes `&derived`, a change of the last line only.
fn group(items: &mut [Item], work: &Path) -> Vec<Group> {
    let derived = DerivedDirs::in_work(work);
    assert!(derived.thumbs.is_dir(), "inspect_all wrote the thumbnails");
    dedupe::group(items, &dedupe::NearParams::default())
}

/// Prints the distribution (min / median / 90th percentile / max) of each kind of pair's hash
/// distances and alignment figures: the measurements behind the bands in `dedupe`. Unrelated
/// pairs are those within `UNRELATED_RADIUS` DCT bits (the ones the index hands to the second
/// check), plus each photo's nearest unrelated neighbour.
fn print_distances(items: &[Item], truth: &BTreeMap<String, Truth>) {
    const UNRELATED_RADIUS: u32 = 18;
    let fp = |i: usize| {
        items[i]
            .photo
            .as_ref()
            .and_then(|p| p.perceptual.as_ref())
            .expect("every generated photo decodes")
    };
    let t = |i: usize| &truth[&items[i].source.path];
    let mut by_kind: BTreeMap<String, Vec<[f64; 4]>> = BTreeMap::new();
    let mut record = |kind: String, i: usize, j: usize| {
        let c = fp(i).compare(fp(j));
        by_kind.entry(kind).or_default().push([
            f64::from(c.distance),
            f64::from(c.block_distance),
            c.alignment.error,
            c.alignment.exclusive(),
        ]);
    };
    for i in 0..items.len() {
        let mut nearest: Option<(u32, u32, usize)> = None;
        for j in 0..items.len() {
            if i == j {
                continue;
            }
            let (ti, tj) = (t(i), t(j));
            let related = ti.set == tj.set;
            if related && ti.variant == "original" && tj.variant != "original" {
                record(tj.variant.clone(), i, j);
            } else if related && ti.set.starts_with("burst") && i < j {
                let step = |v: &str| v.trim_start_matches("frame").parse::<i32>().unwrap_or(0);
                let gap = (step(&ti.variant) - step(&tj.variant)).abs();
                record(format!("burst step {gap}"), i, j);
            } else if !related {
                let (_, d, b) = fp(i).closest(fp(j));
                if i < j && d <= UNRELATED_RADIUS {
                    record(format!("unrelated ≤ {UNRELATED_RADIUS}"), i, j);
                }
                if nearest.is_none_or(|n| (d, b) < (n.0, n.1)) {
                    nearest = Some((d, b, j));
                }
            }
        }
        if let Some((_, _, j)) = nearest {
            record("nearest unrelated".into(), i, j);
        }
    }
    println!(
        "\n{:<22} {:>5}  {:>19}  {:>19}  {:>27}  {:>27}",
        "pair (vs original)",
        "n",
        "DCT min/50/90/max",
        "block min/50/90/max",
        "mismatch min/50/90/max",
        "sticks out min/50/90/max"
    );
    for (kind, v) in by_kind {
        let column = |c: usize| {
            let mut x: Vec<f64> = v.iter().map(|p| p[c]).collect();
            x.sort_by(f64::total_cmp);
            let at = |q: f64| x[((x.len() - 1) as f64 * q).round() as usize];
            [at(0.0), at(0.5), at(0.9), at(1.0)]
        };
        let ints = |c: [f64; 4]| format!("{:>4}/{:>4}/{:>4}/{:>4}", c[0], c[1], c[2], c[3]);
        let reals =
            |c: [f64; 4]| format!("{:>6.3}/{:>6.3}/{:>6.3}/{:>6.3}", c[0], c[1], c[2], c[3]);
        println!(
            "{kind:<22} {:>5}  {}  {}  {}  {}",
            v.len(),
            ints(column(0)),
            ints(column(1)),
            reals(column(2)),
            reals(column(3))
        );
    }
}

/// Precision and recall over pairs.
fn pr(predicted: &BTreeSet<(usize, usize)>, truth: &BTreeSet<(usize, usize)>) -> (f64, f64) {
    let hit = predicted.intersection(truth).count() as f64;
    let p = if predicted.is_empty() {
        1.0
    } else {
        hit / predicted.len() as f64
    };
    let r = if truth.is_empty() {
        1.0
    } else {
        hit / truth.len() as f64
    };
    (p, r)
}

fn pairs_of(members: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
    members
        .iter()
        .enumerate()
        .flat_map(move |(k, &a)| members[k + 1..].iter().map(move |&b| (a.min(b), a.max(b))))
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--list") {
        // `cargo bench` asks harness = false targets to list their benchmarks.
        return ExitCode::SUCCESS;
    }
    let corpus = corpus_dir();
    if !corpus.is_dir() {
        eprintln!(
            "near_truth: the corpus {} is missing: put the real photos there (see \
             ../shared/corpus/SOURCES.md) or set LIGHTBOX_CORPUS",
            corpus.display()
        );
        return ExitCode::from(2);
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("drops");
    let work = dir.path().join("work");
    let started = Instant::now();
    let truth = generate(&corpus, &root);
    println!(
        "generated {} files in {:.1} s under {}",
        truth.len(),
        started.elapsed().as_secs_f64(),
        root.display()
    );
    if truth.len() < 100 {
        eprintln!("near_truth: too few usable photos in {}", corpus.display());
        return ExitCode::from(2);
    }
    let started = Instant::now();
    let mut items = inspect_all(&root, &work);
    let inspect_secs = started.elapsed().as_secs_f64();
    print_distances(&items, &truth);
    let started = Instant::now();
    let groups = group(&mut items, &work);
    let group_secs = started.elapsed().as_secs_f64();

    // Ground truth pairs, by position in `items`.
    let t = |i: usize| &truth[&items[i].source.path];
    let mut sets: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for i in 0..items.len() {
        sets.entry(t(i).set.as_str()).or_default().push(i);
    }
    let mut true_dup = BTreeSet::new();
    let mut true_burst = BTreeSet::new();
    for (set, members) in &sets {
        let target = if set.starts_with("family") {
            &mut true_dup
        } else if set.starts_with("burst") {
            &mut true_burst
        } else {
            continue;
        };
        target.extend(pairs_of(members));
    }
    let position: BTreeMap<usize, usize> = items
        .iter()
        .enumerate()
        .map(|(p, i)| (i.index, p))
        .collect();
    let mut pred_dup = BTreeSet::new();
    let mut pred_burst = BTreeSet::new();
    let mut kept_original = 0;
    let mut wrong_keeper: BTreeMap<String, usize> = BTreeMap::new();
    let mut auto_groups = 0;
    for g in &groups {
        let members: Vec<usize> = g.members.iter().map(|m| position[m]).collect();
        match g.kind {
            GroupKind::Identical | GroupKind::Duplicate => {
                pred_dup.extend(pairs_of(&members));
                auto_groups += 1;
                let keeper_index = g.keeper.expect("resolved groups have a keeper");
                let keeper = &truth[&items[position[&keeper_index]].source.path];
                if matches!(keeper.variant.as_str(), "original" | "exact") {
                    kept_original += 1;
                } else {
                    let q = |p: usize| items[p].photo.as_ref().and_then(|ph| ph.jpeg_quality);
                    let original = members
                        .iter()
                        .find(|&&m| truth[&items[m].source.path].variant == "original")
                        .copied();
                    let label = format!(
                        "{} q{:?} over original q{:?}",
                        keeper.variant,
                        q(position[&keeper_index]),
                        original.and_then(q)
                    );
                    *wrong_keeper.entry(label).or_insert(0usize) += 1;
                }
            }
            GroupKind::Burst => pred_burst.extend(pairs_of(&members)),
            GroupKind::Similar => {}
        }
    }
    let dropped_bursts = items
        .iter()
        .filter(|i| t(position[&i.index]).set.starts_with("burst") && i.status == Status::Duplicate)
        .count();
    let (dp, dr) = pr(&pred_dup, &true_dup);
    let (bp, br) = pr(&pred_burst, &true_burst);
    println!(
        "\nlightbox: inspect {:.1} s, group {:.3} s, {} groups",
        inspect_secs,
        group_secs,
        groups.len()
    );
    println!(
        "  duplicates: precision {dp:.3}  recall {dr:.3}  ({} of {} true pairs, {} predicted)",
        pred_dup.intersection(&true_dup).count(),
        true_dup.len(),
        pred_dup.len()
    );
    println!(
        "  bursts:     precision {bp:.3}  recall {br:.3}  ({} of {} true pairs, {} predicted)",
        pred_burst.intersection(&true_burst).count(),
        true_burst.len(),
        pred_burst.len()
    );
    for (label, with_exif) in [("with camera time", true), ("without EXIF", false)] {
        let subset: BTreeSet<(usize, usize)> = true_burst
            .iter()
            .copied()
            .filter(|&(a, _)| burst_has_exif(&t(a).set) == with_exif)
            .collect();
        let hit = subset.intersection(&pred_burst).count();
        println!(
            "    recall {label}: {:.3} ({hit} of {})",
            hit as f64 / subset.len().max(1) as f64,
            subset.len()
        );
    }
    println!("  burst shots auto-dropped: {dropped_bursts}");
    println!("  original kept in {kept_original} of {auto_groups} auto-resolved groups");
    if !wrong_keeper.is_empty() {
        println!("  other copies kept: {wrong_keeper:?}");
    }
    missed(&items, &truth, &true_dup, &pred_dup, &pred_burst);
    czkawka(&root, &items, &true_dup, &true_burst);
    if std::env::var_os("NEAR_TRUTH_KEEP").is_some() {
        println!("kept: {}", dir.keep().display());
    }
    if dropped_bursts > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Lists the duplicate pairs missed and the false ones, by variant, to see what fails.
fn missed(
    items: &[Item],
    truth: &BTreeMap<String, Truth>,
    true_dup: &BTreeSet<(usize, usize)>,
    pred_dup: &BTreeSet<(usize, usize)>,
    pred_burst: &BTreeSet<(usize, usize)>,
) {
    let t = |i: usize| &truth[&items[i].source.path];
    let mut misses: BTreeMap<String, usize> = BTreeMap::new();
    for &(a, b) in true_dup.difference(pred_dup) {
        let mut v = [t(a).variant.as_str(), t(b).variant.as_str()];
        v.sort();
        let how = if pred_burst.contains(&(a, b)) {
            "as burst"
        } else {
            "apart"
        };
        *misses
            .entry(format!("{}–{} {how}", v[0], v[1]))
            .or_default() += 1;
    }
    if !misses.is_empty() {
        println!("  missed duplicate pairs by variant: {misses:?}");
    }
    let mut false_pairs: BTreeMap<String, usize> = BTreeMap::new();
    for &(a, b) in pred_dup.difference(true_dup) {
        *false_pairs
            .entry(format!("{} / {}", t(a).set, t(b).set))
            .or_default() += 1;
    }
    if !false_pairs.is_empty() {
        println!("  false duplicate pairs: {false_pairs:?}");
    }
}

/// Runs `czkawka_cli image` on the corpus when it is on PATH, and scores its groups the same
/// way (czkawka does not tell duplicates from bursts: every group counts as duplicates).
fn czkawka(
    root: &Path,
    items: &[Item],
    true_dup: &BTreeSet<(usize, usize)>,
    true_burst: &BTreeSet<(usize, usize)>,
) {
    let found = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|p| p.join("czkawka_cli").is_file())
    });
    if !found {
        println!("\nczkawka_cli: not on PATH, no comparison");
        return;
    }
    let out_file = root.with_file_name("czkawka.txt");
    let status = std::process::Command::new("czkawka_cli")
        .args(["image", "-d"])
        .arg(root)
        .arg("-f")
        .arg(&out_file)
        .status();
    let Ok(status) = status else {
        println!("\nczkawka_cli: could not run");
        return;
    };
    let text = std::fs::read_to_string(&out_file).unwrap_or_default();
    let position: BTreeMap<String, usize> = items
        .iter()
        .enumerate()
        .map(|(p, i)| (root.join(&i.source.path).display().to_string(), p))
        .collect();
    let mut pred = BTreeSet::new();
    let mut group: Vec<usize> = Vec::new();
    for line in text.lines().chain(std::iter::once("")) {
        let path = line
            .split(" - ")
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        match position.get(path) {
            Some(&p) => group.push(p),
            None => {
                pred.extend(pairs_of(&group));
                group.clear();
            }
        }
    }
    let (dp, dr) = pr(&pred, true_dup);
    let on_bursts = pred.intersection(true_burst).count();
    println!(
        "\nczkawka_cli ({status}): duplicates precision {dp:.3} recall {dr:.3}; {} burst pairs \
         grouped as duplicates",
        on_bursts
    );
}

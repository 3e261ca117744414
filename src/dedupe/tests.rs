//! Dedupe's unit tests: the keeper rule, grouping, candidate search, batching and the marks,
//! over items built here.

use super::*;
use crate::photo::{Exif, Format, Location, Photo, Source};
use crate::photo::{TagSource, Tagged, Tags};

fn nominee(a: usize, b: usize) -> Nominee {
    let pair = Pair {
        a,
        b,
        kind: GroupKind::Burst,
        distance: 0,
        block_distance: 0,
        transform: Dihedral::Identity,
        mismatch: 0,
        framing: Framing::Same,
        seconds_apart: None,
        similarity: None,
        measured_at: None,
    };
    let alignment = Alignment {
        scale: (1.0, 1.0),
        offset: (0.0, 0.0),
        error: 0.0,
    };
    (a, b, pair, alignment)
}

#[test]
fn chunks_keep_components_whole_and_hold_at_most_the_pictures_allowed() {
    // Components {0,1,2} (pairs given apart), {10,11}, then a chain of 70 photos: too many
    // to hold, so a chunk of its own; then {200,201}.
    let mut pairs = vec![nominee(0, 1), nominee(10, 11), nominee(1, 2)];
    pairs.extend((300..369).map(|p| nominee(p, p + 1)));
    pairs.push(nominee(200, 201));
    let chunks = chunks(&pairs);
    let photos =
        |chunk: &[Nominee]| -> BTreeSet<usize> { chunk.iter().flat_map(|n| [n.0, n.1]).collect() };
    let firsts: Vec<Vec<(usize, usize)>> = chunks
        .iter()
        .map(|c| c.iter().map(|n| (n.0, n.1)).take(4).collect())
        .collect();
    // The first two components share a chunk, pairs of one component next to each other
    // in their given order; the chain is alone; the last component starts a new chunk.
    assert_eq!(firsts[0], vec![(0, 1), (1, 2), (10, 11)]);
    assert_eq!(chunks.len(), 3, "{firsts:?}");
    assert_eq!(photos(&chunks[1]).len(), 70);
    assert_eq!(photos(&chunks[2]), BTreeSet::from([200, 201]));
    // Every pair once, and no component split across chunks.
    assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), pairs.len());
    for (i, a) in chunks.iter().enumerate() {
        for b in &chunks[i + 1..] {
            assert!(photos(a).is_disjoint(&photos(b)));
        }
    }
    for chunk in [&chunks[0], &chunks[2]] {
        assert!(photos(chunk).len() <= PICTURES_HELD);
    }
    assert_eq!(
        chunks,
        super::chunks(&pairs),
        "the same pairs, the same chunks"
    );
}

fn item(index: usize, path: &str, photo: Photo, tags: Tags) -> Item {
    Item {
        index,
        source: Source {
            unit: path.split('/').next().unwrap().to_string(),
            path: path.to_string(),
            folders: Vec::new(),
            file_name: path.rsplit('/').next().unwrap().to_string(),
            location: Location::File { path: path.into() },
            size: photo.bytes,
            modified: None,
        },
        content: Some(photo.content),
        photo: Some(std::sync::Arc::new(photo)),
        tags,
        findings: Vec::new(),
        status: Status::Accepted,
    }
}

fn photo(seed: u8, width: u32, height: u32, quality: Option<u8>, camera: bool) -> Photo {
    Photo {
        content: ContentHash([seed; 32]),
        bytes: 1000,
        format: Format::Jpeg,
        width,
        height,
        cmyk: false,
        exif: Exif {
            make: camera.then(|| "Canon".to_string()),
            ..Exif::default()
        },
        xmp: None,
        iptc: None,
        perceptual: None,
        jpeg_quality: quality,
        decoded: true,
    }
}

fn year(y: i32) -> Tags {
    Tags {
        year: Some(Tagged {
            value: y,
            source: TagSource::FileName,
        }),
        ..Tags::default()
    }
}

#[test]
fn keeper_rule_goes_pixels_quality_tags_original_path() {
    let keep = |items: &[Item]| {
        let positions: Vec<usize> = (0..items.len()).collect();
        let facts: Vec<Facts> = items.iter().map(Facts::of).collect();
        let (k, reason) = choose_keeper(&facts, &positions);
        (items[k].index, reason)
    };
    // More pixels beats quality, tags and camera metadata.
    let items = [
        item(
            1,
            "a/1.jpg",
            photo(1, 1000, 750, Some(95), true),
            year(2019),
        ),
        item(
            2,
            "b/2.jpg",
            photo(2, 2000, 1500, Some(60), false),
            Tags::default(),
        ),
    ];
    assert_eq!(
        keep(&items),
        (
            2,
            KeepReason::MorePixels {
                kept: 3_000_000,
                other: 750_000
            }
        )
    );
    // Same pixels: the less compressed copy.
    let items = [
        item(
            1,
            "a/1.jpg",
            photo(1, 2000, 1500, Some(60), false),
            year(2019),
        ),
        item(
            2,
            "b/2.jpg",
            photo(2, 2000, 1500, Some(92), false),
            Tags::default(),
        ),
    ];
    assert_eq!(
        keep(&items),
        (
            2,
            KeepReason::HigherQuality {
                kept: 92,
                other: 60
            }
        )
    );
    // A re-save without camera metadata counts at most as good as the camera original it
    // was made from: re-saving a quality-60 camera file at 92 adds nothing, so the tags
    // decide.
    let items = [
        item(
            1,
            "a/1.jpg",
            photo(1, 2000, 1500, Some(60), true),
            year(2019),
        ),
        item(
            2,
            "b/2.jpg",
            photo(2, 2000, 1500, Some(92), false),
            Tags::default(),
        ),
    ];
    assert_eq!(
        keep(&items),
        (1, KeepReason::MoreCompleteTags { kept: 1, other: 0 })
    );
    // Qualities within the margin tie: more complete tags.
    let items = [
        item(
            1,
            "a/1.jpg",
            photo(1, 2000, 1500, Some(90), true),
            Tags::default(),
        ),
        item(
            2,
            "b/2.jpg",
            photo(2, 2000, 1500, Some(93), false),
            year(2019),
        ),
    ];
    assert_eq!(
        keep(&items),
        (2, KeepReason::MoreCompleteTags { kept: 1, other: 0 })
    );
    // Equal tags: the camera original rather than the re-save.
    let items = [
        item(
            1,
            "a/1.jpg",
            photo(1, 2000, 1500, Some(90), false),
            Tags::default(),
        ),
        item(
            2,
            "b/2.jpg",
            photo(2, 2000, 1500, Some(91), true),
            Tags::default(),
        ),
    ];
    assert_eq!(keep(&items), (2, KeepReason::Original));
    // All equal: the first by path.
    let items = [
        item(
            1,
            "a/1.jpg",
            photo(1, 2000, 1500, Some(90), true),
            Tags::default(),
        ),
        item(
            2,
            "b/2.jpg",
            photo(2, 2000, 1500, Some(90), true),
            Tags::default(),
        ),
    ];
    assert_eq!(keep(&items), (1, KeepReason::FirstByPath));
    // A broken copy never wins, however large.
    let mut broken = item(
        1,
        "a/1.jpg",
        photo(1, 4000, 3000, Some(95), true),
        year(2019),
    );
    broken.findings.push(Finding::error(Check::Truncated));
    let items = [
        broken,
        item(
            2,
            "b/2.jpg",
            photo(2, 1000, 750, Some(80), false),
            Tags::default(),
        ),
    ];
    assert_eq!(keep(&items), (2, KeepReason::Intact));
}

#[test]
fn exact_groups_identical_bytes_and_fills_tags_with_their_source() {
    let mut items = vec![
        item(
            1,
            "a/1.jpg",
            photo(7, 2000, 1500, Some(90), true),
            Tags::default(),
        ),
        item(
            2,
            "b/2.jpg",
            photo(7, 2000, 1500, Some(90), true),
            year(2019),
        ),
        item(
            3,
            "b/3.jpg",
            photo(8, 2000, 1500, Some(90), true),
            Tags::default(),
        ),
    ];
    let groups = exact(&mut items);
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(
        (g.kind, g.keeper, g.members.clone()),
        (GroupKind::Identical, Some(2), vec![1, 2])
    );
    assert_eq!(
        g.reason,
        Some(KeepReason::MoreCompleteTags { kept: 1, other: 0 })
    );
    assert_eq!(g.units, ["a", "b"]);
    assert_eq!(g.pairs.len(), 1);
    assert_eq!((g.pairs[0].a, g.pairs[0].b, g.pairs[0].distance), (1, 2, 0));
    assert_eq!(items[0].status, Status::Duplicate);
    assert!(
        matches!(&items[0].findings[0].check, Check::ExactDuplicate { keeper, .. } if keeper == "b/2.jpg")
    );
    // The keeper already had the year; nothing else to take.
    assert!(g.filled.is_empty());
    // The other way round: the keeper by path takes the year, with its source.
    let mut items = two_copies_with_year_and_unit();
    let groups = exact(&mut items);
    assert_eq!(groups[0].keeper, Some(1));
    assert_eq!(
        groups[0].filled,
        [FilledTag {
            field: Field::Unit,
            from: 2,
            path: "b/2.jpg".into()
        }]
    );
}

/// Identical copies `a/1.jpg` (with a year from its file name) and `b/2.jpg` (with a unit
/// from its drop): the keeper by path, which takes the unit.
fn two_copies_with_year_and_unit() -> Vec<Item> {
    let mut items = vec![
        item(
            1,
            "a/1.jpg",
            photo(7, 2000, 1500, Some(90), true),
            Tags::default(),
        ),
        item(
            2,
            "b/2.jpg",
            photo(7, 2000, 1500, Some(90), true),
            Tags::default(),
        ),
    ];
    items[1].tags.unit = Some(Tagged {
        value: "b".into(),
        source: TagSource::Drop,
    });
    items[0].tags.year = Some(Tagged {
        value: 2019,
        source: TagSource::FileName,
    });
    items
}

#[test]
fn grouping_facts_asks_only_for_the_members_of_a_group_and_passes_on_a_failed_read() {
    let mut items = two_copies_with_year_and_unit();
    items.push(item(
        3,
        "c/3.jpg",
        photo(8, 2000, 1500, Some(90), true),
        Tags::default(),
    ));
    let facts: Vec<Facts> = items.iter().map(Facts::of).collect();
    let mut asked = Vec::new();
    let mut member = |p: usize| {
        asked.push(p);
        Ok::<Member, String>(Member::of(&items[p]))
    };
    let mut thumbnail =
        |_: usize| -> Result<GreyThumb, String> { unreachable!("the facts keep their thumbnails") };
    let grouping = group_facts(&facts, &mut member, &mut thumbnail, &settings()).unwrap();
    // Each member once; the lone photo never.
    asked.sort_unstable();
    assert_eq!(asked, [0, 1]);
    assert_eq!(grouping.groups.len(), 1);
    assert_eq!(grouping.groups[0].keeper, Some(1));
    // The other copy becomes a duplicate of the keeper (by position, its path kept once);
    // the keeper takes the unit, with its source.
    assert!(
        matches!(
            &grouping.marks[..],
            [(1, Mark::Duplicate { keeper: 0, reason: "first_by_path", near: None }), (0, Mark::Tags(tags))]
                if tags.unit.as_ref().is_some_and(|u| u.value == "b")
                    && tags.year.as_ref().is_some_and(|y| y.value == 2019)
        ),
        "{:?}",
        grouping.marks
    );
    assert_eq!(grouping.paths, BTreeMap::from([(0, "a/1.jpg".to_string())]));
    // The marks do to the items what `group` does.
    let mut marked = items.clone();
    for (p, mark) in grouping.marks.clone() {
        grouping.apply(p, mark, &mut marked[p]);
    }
    let groups = group(&mut items, &settings());
    assert_eq!(groups, grouping.groups);
    assert_eq!(marked, items);
    assert!(matches!(
        &items[1].findings[..],
        [f] if matches!(&f.check, Check::ExactDuplicate { keeper, .. } if keeper == "a/1.jpg")
    ));
    // A read that fails is the caller's error, not a group without names or tags.
    let mut failing = |p: usize| match p {
        1 => Err("disk gone".to_string()),
        _ => Ok(Member::of(&items[p])),
    };
    let mut thumbnail = |p: usize| Ok(thumbnail_of(&items[p]));
    let err = group_facts(&facts, &mut failing, &mut thumbnail, &settings()).unwrap_err();
    assert_eq!(err, "disk gone");
}

/// A textured scene of `w` × `h` pixels (value noise: nothing repeats).
fn scene(w: u32, h: u32, seed: u32) -> image::RgbImage {
    let grey = verify::tests::scene(w, h, 0.0, 0.0, 1.0, u64::from(seed) * 7);
    image::RgbImage::from_fn(w, h, |x, y| {
        let g = grey.get_pixel(x, y).0[0];
        image::Rgb([g, g / 2 + 60, 255 - g])
    })
}

/// The pictures of the photos `with_fp` made, by content (a hash of their pixels, so two
/// tests never share one).
static PICTURES: std::sync::LazyLock<std::sync::Mutex<BTreeMap<ContentHash, image::GrayImage>>> =
    std::sync::LazyLock::new(Default::default);
static PARAMS: std::sync::LazyLock<NearParams> = std::sync::LazyLock::new(Default::default);
static NOT_SPLIT: std::sync::LazyLock<Distinct> = std::sync::LazyLock::new(Default::default);

fn test_picture(content: &ContentHash) -> Option<image::GrayImage> {
    PICTURES.lock().unwrap().get(content).cloned()
}

/// The default bands, no splits, the pictures `with_fp` registered.
fn settings() -> Settings<'static> {
    Settings {
        params: &PARAMS,
        distinct: &NOT_SPLIT,
        pictures: &test_picture,
    }
}

fn with_fp(mut p: Photo, img: &image::RgbImage) -> Photo {
    // The photo's own seed and its pixels: two photos of one picture are two contents.
    let mut hasher = blake3::Hasher::new();
    hasher.update(&p.content.0);
    hasher.update(img.as_raw());
    p.content = ContentHash(*hasher.finalize().as_bytes());
    PICTURES.lock().unwrap().insert(
        p.content,
        image::DynamicImage::ImageRgb8(img.clone()).into_luma8(),
    );
    p.perceptual = Some(Fingerprint::of(img));
    p.width = img.width();
    p.height = img.height();
    p
}

/// A photo of one camera taken at `time` (`HH:MM:SS` on 2019-09-16).
fn shot(seed: u8, img: &image::RgbImage, time: &str) -> Photo {
    let mut p = with_fp(photo(seed, 0, 0, Some(90), true), img);
    p.exif.date_taken = Some(format!("2019-09-16 {time}"));
    p
}

/// A photo (a/1), turned (b/2) and mirrored (c/3) copies of it, and two frames of one
/// panning shot a second apart (d/4, d/5).
fn turned_copies_and_a_burst() -> Vec<Item> {
    let big = scene(1200, 900, 1);
    let frame =
        |x: u32| image::imageops::crop_imm(&scene(1600, 900, 5), x, 0, 1000, 800).to_image();
    vec![
        item(
            1,
            "a/1.jpg",
            with_fp(photo(1, 0, 0, Some(92), true), &big),
            Tags::default(),
        ),
        item(
            2,
            "b/2.jpg",
            with_fp(
                photo(2, 0, 0, Some(80), false),
                &image::imageops::rotate90(&big),
            ),
            Tags::default(),
        ),
        item(
            3,
            "c/3.jpg",
            with_fp(
                photo(3, 0, 0, Some(80), false),
                &image::imageops::flip_horizontal(&big),
            ),
            Tags::default(),
        ),
        item(
            4,
            "d/4.jpg",
            shot(4, &frame(0), "10:15:10"),
            Tags::default(),
        ),
        item(
            5,
            "d/5.jpg",
            shot(5, &frame(120), "10:15:11"),
            Tags::default(),
        ),
    ]
}

#[test]
fn turned_and_mirrored_copies_are_duplicates_shifted_frames_a_burst() {
    let mut items = turned_copies_and_a_burst();
    let groups = group(&mut items, &settings());
    assert_eq!(groups.len(), 2, "{groups:#?}");
    let dup = &groups[0];
    assert_eq!(dup.kind, GroupKind::Duplicate);
    assert_eq!(dup.members, [1, 2, 3]);
    assert_eq!(dup.keeper, Some(1));
    assert_eq!(dup.units, ["a", "b", "c"]);
    let turns: Vec<Dihedral> = dup.pairs.iter().map(|p| p.transform).collect();
    assert!(turns.contains(&Dihedral::Rotate90) && turns.contains(&Dihedral::MirrorHorizontal));
    assert_eq!(items[1].status, Status::Duplicate);
    assert!(matches!(
        items[1].findings[0].check,
        Check::NearDuplicate {
            transform: Dihedral::Rotate90,
            ..
        }
    ));
    let burst = &groups[1];
    assert_eq!(burst.kind, GroupKind::Burst);
    assert_eq!(burst.members, [4, 5]);
    assert_eq!(burst.keeper, None);
    assert_eq!(items[3].status, Status::Accepted);
    assert_eq!(items[4].status, Status::Accepted);
    assert_eq!(items[3].findings[0].check.code(), "burst");
    // Same input, same groups.
    let mut again = items.clone();
    for i in &mut again {
        i.status = Status::Accepted;
        i.findings.clear();
    }
    let regroup = group(&mut again, &settings());
    assert_eq!(regroup, groups);
}

#[test]
fn facts_without_thumbnails_group_as_with_them_reading_only_the_photos_aligned() {
    let mut items = turned_copies_and_a_burst();
    // An identical copy of the burst's first frame, with a year: the keeper of the two
    // copies, though its content is compared by the first (position 3).
    let year = Tags {
        year: Some(Tagged {
            value: 2019,
            source: TagSource::FileName,
        }),
        ..Tags::default()
    };
    let copy = item(
        6,
        "e/4.jpg",
        (*items[3].photo.clone().unwrap()).clone(),
        year,
    );
    items.push(copy);
    // A photo like no other.
    items.push(item(
        7,
        "f/7.jpg",
        with_fp(photo(7, 0, 0, Some(90), false), &scene(900, 700, 9)),
        Tags::default(),
    ));
    let facts: Vec<Facts> = items
        .iter()
        .map(|i| Facts::of(i).without_thumbnail())
        .collect();
    assert!(facts.iter().all(|f| {
        let fp = f.photo.as_ref().and_then(|p| p.perceptual.as_ref());
        fp.is_some_and(|fp| fp.thumb.0.is_empty())
    }));
    let mut asked = Vec::new();
    let mut member = |p: usize| Ok::<Member, String>(Member::of(&items[p]));
    let mut thumbnail = |p: usize| {
        asked.push(p);
        Ok(thumbnail_of(&items[p]))
    };
    let grouping = group_facts(&facts, &mut member, &mut thumbnail, &settings()).unwrap();
    // The same groups and marks as grouping the items whole.
    let mut marked = items.clone();
    for (p, mark) in grouping.marks.clone() {
        grouping.apply(p, mark, &mut marked[p]);
    }
    let mut whole = items.clone();
    let groups = group(&mut whole, &settings());
    assert_eq!(grouping.groups, groups);
    assert_eq!(marked, whole);
    // The burst now counts the tagged copy as its first shot.
    let burst = groups.iter().find(|g| g.kind == GroupKind::Burst).unwrap();
    assert_eq!(burst.members, [5, 6], "{groups:#?}");
    // Each thumbnail at most once, only the candidates' (the burst's pair was measured
    // between the contents' first copies): never the tagged copy's, never the odd one's.
    let mut once = asked.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(once, [0, 1, 2, 3, 4], "{asked:?}");
    assert_eq!(once.len(), asked.len(), "{asked:?}");
    // A thumbnail that cannot be read is the caller's error.
    let mut member = |p: usize| Ok::<Member, String>(Member::of(&items[p]));
    let mut failing = |p: usize| match p {
        0 => Err("disk gone".to_string()),
        _ => Ok(thumbnail_of(&items[p])),
    };
    let err = group_facts(&facts, &mut member, &mut failing, &settings()).unwrap_err();
    assert_eq!(err, "disk gone");
}

#[test]
fn different_capture_times_are_never_duplicates() {
    let img = scene(800, 600, 2);
    let mut a = with_fp(photo(1, 0, 0, Some(90), true), &img);
    let mut b = with_fp(photo(2, 0, 0, Some(90), true), &img);
    a.exif.date_taken = Some("2019-09-16 10:15:10".into());
    b.exif.date_taken = Some("2019-09-16 10:15:11".into());
    let mut items = vec![
        item(1, "a/1.jpg", a, Tags::default()),
        item(2, "a/2.jpg", b, Tags::default()),
    ];
    let groups = group(&mut items, &settings());
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].kind, GroupKind::Burst);
    assert_eq!(groups[0].pairs[0].seconds_apart, Some(1));
    assert!(items.iter().all(|i| i.status == Status::Accepted));
}

/// Groups plain photos (no camera) made from `pictures`, one unit each.
fn group_pictures(pictures: &[image::RgbImage], settings: &Settings) -> Vec<Group> {
    let mut items: Vec<Item> = pictures
        .iter()
        .enumerate()
        .map(|(k, img)| {
            let p = with_fp(photo(k as u8 + 1, 0, 0, Some(90), false), img);
            item(k + 1, &format!("u{k}/{k}.jpg"), p, Tags::default())
        })
        .collect();
    group(&mut items, settings)
}

fn kinds(groups: &[Group]) -> Vec<(GroupKind, Vec<usize>)> {
    groups.iter().map(|g| (g.kind, g.members.clone())).collect()
}

#[test]
fn neighbouring_tiles_and_mirrored_halves_are_never_duplicates() {
    let wide = scene(2400, 900, 11);
    let tile = |x: u32| image::imageops::crop_imm(&wide, x, 0, 1200, 900).to_image();
    let (left, right) = (tile(0), tile(1200));
    // A scene made symmetric (its left half and that half mirrored), and another made the
    // same way from the next window: mirrored, each half looks like the other's layout.
    let symmetric = |x: u32| {
        let half = image::imageops::crop_imm(&wide, x, 0, 600, 900).to_image();
        let mut whole = image::RgbImage::new(1200, 900);
        image::imageops::replace(&mut whole, &half, 0, 0);
        image::imageops::replace(&mut whole, &image::imageops::flip_horizontal(&half), 600, 0);
        whole
    };
    let (pier, other_pier) = (symmetric(0), symmetric(700));
    let groups = group_pictures(&[left, right, pier, other_pier], &settings());
    assert!(
        groups.iter().all(|g| g.kind == GroupKind::Similar),
        "{:?}",
        kinds(&groups)
    );
}

#[test]
fn a_member_joined_through_another_copy_is_cut_unless_verified_against_the_keeper() {
    let img = scene(1200, 900, 12);
    let small =
        |w: u32, h: u32| image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
    let pictures = [img.clone(), small(900, 675), small(600, 450)];
    let groups = group_pictures(&pictures, &settings());
    assert_eq!(kinds(&groups), [(GroupKind::Duplicate, vec![1, 2, 3])]);
    // A curator split the largest (the keeper) and the smallest: the smallest still
    // verifies against the middle one, but joins the set only through it, so it is cut
    // and stands alone (and is not shown beside the keeper either: the curator said no).
    let content =
        |k: usize| with_fp(photo(k as u8 + 1, 0, 0, Some(90), false), &pictures[k]).content;
    let split: &'static Distinct = Box::leak(Box::new(Distinct::from([distinct_pair(
        content(0),
        content(2),
    )])));
    let settings = Settings {
        distinct: split,
        ..settings()
    };
    let groups = group_pictures(&pictures, &settings);
    assert_eq!(kinds(&groups), [(GroupKind::Duplicate, vec![1, 2])]);
    assert_eq!(groups[0].keeper, Some(1));
}

#[test]
fn flat_pictures_are_never_duplicates() {
    let flat = |grey: u8, noise: u32| {
        image::RgbImage::from_fn(1200, 900, |x, y| {
            let n = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ noise) % 3) as u8;
            image::Rgb([grey + n, grey + n, grey + n])
        })
    };
    let groups = group_pictures(&[flat(200, 1), flat(200, 2), flat(201, 3)], &settings());
    assert!(
        groups.iter().all(|g| g.kind == GroupKind::Similar),
        "{:?}",
        kinds(&groups)
    );
}

#[test]
fn a_curators_split_is_never_grouped() {
    let img = scene(1200, 900, 13);
    let half = image::imageops::resize(&img, 600, 450, image::imageops::FilterType::Triangle);
    let groups = group_pictures(&[img.clone(), half.clone()], &settings());
    assert_eq!(kinds(&groups), [(GroupKind::Duplicate, vec![1, 2])]);
    let content = |seed: u8, picture: &image::RgbImage| {
        with_fp(photo(seed, 0, 0, Some(90), false), picture).content
    };
    let split: &'static Distinct = Box::leak(Box::new(Distinct::from([distinct_pair(
        content(1, &img),
        content(2, &half),
    )])));
    let settings = Settings {
        distinct: split,
        ..settings()
    };
    assert_eq!(group_pictures(&[img, half], &settings), []);
}

#[test]
fn bursts_are_one_moment_of_one_camera_and_never_chains() {
    let wide = scene(2400, 900, 14);
    let frame = |x: u32| image::imageops::crop_imm(&wide, x, 0, 1200, 900).to_image();
    // Four frames of a pan: at 0 s, 400 s and 800 s (each within 600 s of the one before,
    // the first and third not), and one at the same moment from another camera model.
    let mut other_model = shot(4, &frame(360), "10:00:00");
    other_model.exif.model = Some("Other".into());
    let mut items = vec![
        item(
            1,
            "a/1.jpg",
            shot(1, &frame(0), "10:00:00"),
            Tags::default(),
        ),
        item(
            2,
            "a/2.jpg",
            shot(2, &frame(120), "10:06:40"),
            Tags::default(),
        ),
        item(
            3,
            "a/3.jpg",
            shot(3, &frame(240), "10:13:20"),
            Tags::default(),
        ),
        item(4, "b/4.jpg", other_model, Tags::default()),
    ];
    let groups = group(&mut items, &settings());
    let bursts: Vec<&Group> = groups
        .iter()
        .filter(|g| g.kind == GroupKind::Burst)
        .collect();
    assert_eq!(bursts.len(), 1, "{:?}", kinds(&groups));
    assert_eq!(bursts[0].members, [1, 2]);
    for g in &bursts {
        assert!(g.pairs.iter().all(|p| p.seconds_apart.unwrap() <= 600));
    }
    assert!(items.iter().all(|i| i.status == Status::Accepted));
}

#[test]
fn capture_time_parses_to_seconds() {
    let a = seconds_of("2019-09-16 10:15:10").unwrap();
    assert_eq!(seconds_of("2019-09-16 10:16:10").unwrap() - a, 60);
    assert_eq!(seconds_of("2019-09-17 10:15:10").unwrap() - a, 86_400);
    assert_eq!(
        seconds_of("2020-03-01 00:00:00").unwrap() - seconds_of("2020-02-28 00:00:00").unwrap(),
        2 * 86_400
    );
    assert_eq!(seconds_of("garbage"), None);
}

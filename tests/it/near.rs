//! Near-duplicates the way curators see them: other copies of one shot grouped and resolved,
//! bursts grouped and left alone, distinct photos never grouped.
//!
//! In: `fixtures/drops` (the WeChat copy, the three orientation photos) and a drop generated
//! from fixture photos (turned, mirrored, burst frames). Out: assertions on `report.json`.

use std::path::Path;

use image::{ImageEncoder, RgbImage};
use lightbox::dedupe::{GroupKind, KeepReason};
use lightbox::fingerprint::Dihedral;
use lightbox::photo::{Check, Status};
use lightbox::report::Report;

use crate::env::{Run, drops, fixtures};

fn paths(report: &Report, members: &[usize]) -> Vec<String> {
    members
        .iter()
        .map(|&i| report.items[i - 1].path.clone())
        .collect()
}

#[test]
fn fixture_copies_group_and_distinct_photos_do_not() {
    let run = Run::new(&drops(), &["--quiet"]);
    let report = run.report();
    let groups: Vec<(GroupKind, Vec<String>)> = report
        .duplicate_groups
        .iter()
        .map(|g| (g.kind, paths(&report, &g.members)))
        .collect();
    assert_eq!(
        groups,
        [
            (
                GroupKind::Duplicate,
                vec![
                    "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg".to_string(),
                    "喀什地区科协/微信图片_20230816.jpg".to_string(),
                ]
            ),
            (
                GroupKind::Identical,
                vec![
                    "克拉玛依市科协/2018+克拉玛依市+科普讲座.jpg".to_string(),
                    "喀什地区科协/2018 喀什地区 科普讲座.jpg".to_string(),
                ]
            ),
            (
                GroupKind::Duplicate,
                vec![
                    "喀什地区科协/2017+喀什地区+流动科技馆进乡村+01.jpg".to_string(),
                    "喀什地区科协/2017+喀什地区+流动科技馆进乡村+02.jpg".to_string(),
                    "喀什地区科协/2017+喀什地区+流动科技馆进乡村+03.jpg".to_string(),
                ]
            ),
        ],
        "only these photos are copies of each other"
    );

    // The WeChat copy: downsized and recompressed; the original is kept for its pixels.
    let wechat = &report.duplicate_groups[0];
    assert_eq!(
        report.items[wechat.keeper.unwrap() - 1].path,
        "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg"
    );
    assert_eq!(
        wechat.reason,
        Some(KeepReason::MorePixels {
            kept: 2048 * 1536,
            other: 1280 * 960
        })
    );
    assert_eq!(wechat.units, ["克拉玛依市科协", "喀什地区科协"]);
    assert_eq!(wechat.pairs.len(), 1);
    assert!(wechat.pairs[0].distance <= 8, "{:?}", wechat.pairs[0]);
    let copy = report
        .items
        .iter()
        .find(|i| i.path.ends_with("微信图片_20230816.jpg"))
        .unwrap();
    assert_eq!(copy.status, Status::Duplicate);
    assert!(copy.findings.iter().any(|f| matches!(
        &f.finding.check,
        Check::NearDuplicate { keeper, reason, .. }
            if keeper.ends_with("科普进校园+01.jpg") && reason == "more_pixels"
    )));
    // Its quality estimate says it was recompressed (made at quality 70).
    let quality = copy.photo.as_ref().unwrap().jpeg_quality.unwrap();
    assert!((65..=75).contains(&quality), "quality {quality}");

    // The orientation photos are the same picture once upright: distance 0, same turn.
    let turned = &report.duplicate_groups[2];
    assert!(
        turned
            .pairs
            .iter()
            .all(|p| p.distance == 0 && p.transform == Dihedral::Identity),
        "{:?}",
        turned.pairs
    );
    assert_eq!(turned.members.len(), 3);
    let kept = turned.keeper.unwrap();
    for &m in &turned.members {
        let status = report.items[m - 1].status;
        assert_eq!(
            status == Status::Duplicate,
            m != kept,
            "{}",
            report.items[m - 1].path
        );
    }
}

/// A minimal EXIF payload with Make, Model and DateTimeOriginal.
fn camera_exif(date: &str) -> Vec<u8> {
    let strings: [&[u8]; 3] = [b"Canon\0", b"Canon EOS 80D\0", date.as_bytes()];
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
    let len = |i: usize| strings[i].len() as u32;
    out.extend(3u16.to_le_bytes());
    entry(&mut out, 0x010F, 2, len(0), data);
    entry(&mut out, 0x0110, 2, len(1), data + len(0));
    entry(&mut out, 0x8769, 4, 1, exif_ifd);
    out.extend(0u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    entry(&mut out, 0x9003, 2, len(2), data + len(0) + len(1));
    out.extend(0u32.to_le_bytes());
    for s in strings {
        out.extend(s);
    }
    out
}

fn write_jpeg(path: &Path, pixels: &RgbImage, exif: Option<Vec<u8>>) {
    let mut bytes = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).unwrap();
    }
    encoder
        .write_image(
            pixels.as_raw(),
            pixels.width(),
            pixels.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn turned_and_mirrored_copies_are_duplicates_burst_frames_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let collection = dir.path().join("drops");
    let (a, b) = (collection.join("单位甲"), collection.join("单位乙"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    // A photo and two other copies of it, sent by another unit.
    let original = fixtures().join("drops/克拉玛依市科协/2016+克拉玛依市+科普大篷车进社区.jpg");
    std::fs::copy(&original, a.join("原图.jpg")).unwrap();
    let photo = image::open(&original).unwrap().into_rgb8();
    write_jpeg(
        &b.join("旋转.jpg"),
        &image::imageops::rotate90(&photo),
        None,
    );
    write_jpeg(
        &b.join("镜像.jpg"),
        &image::imageops::flip_horizontal(&photo),
        None,
    );
    // Two frames of a pan over another photo, one second apart from one camera.
    let scene = image::open(fixtures().join("drops/喀什地区科协/2021-莎车县-科技下乡.jpg"))
        .unwrap()
        .into_rgb8();
    let (w, h) = scene.dimensions();
    let frame =
        |x: u32| image::imageops::crop_imm(&scene, x, h / 10, w * 3 / 4, h * 3 / 4).to_image();
    write_jpeg(
        &a.join("连拍1.jpg"),
        &frame(w / 20),
        Some(camera_exif("2021:09:18 10:15:10\0")),
    );
    write_jpeg(
        &a.join("连拍2.jpg"),
        &frame(w / 20 + w * 3 / 40),
        Some(camera_exif("2021:09:18 10:15:11\0")),
    );

    let run = Run::new(&collection, &["--quiet"]);
    let report = run.report();
    let item = |end: &str| crate::env::item(&report, end);
    assert_eq!(
        report.duplicate_groups.len(),
        2,
        "{:#?}",
        report.duplicate_groups
    );
    let dup = &report.duplicate_groups[0];
    assert_eq!(dup.kind, GroupKind::Duplicate);
    assert_eq!(
        paths(&report, &dup.members),
        ["单位乙/旋转.jpg", "单位乙/镜像.jpg", "单位甲/原图.jpg"]
    );
    assert_eq!(
        report.items[dup.keeper.unwrap() - 1].path,
        "单位甲/原图.jpg"
    );
    assert_eq!(dup.units, ["单位乙", "单位甲"]);
    let turns: Vec<Dihedral> = dup.pairs.iter().map(|p| p.transform).collect();
    assert!(turns.contains(&Dihedral::Rotate90) || turns.contains(&Dihedral::Rotate270));
    assert!(turns.contains(&Dihedral::MirrorHorizontal));
    for copy in ["旋转.jpg", "镜像.jpg"] {
        assert_eq!(item(copy).status, Status::Duplicate, "{copy}");
    }
    assert_ne!(item("原图.jpg").status, Status::Duplicate);

    let burst = &report.duplicate_groups[1];
    assert_eq!(burst.kind, GroupKind::Burst);
    assert_eq!(
        paths(&report, &burst.members),
        ["单位甲/连拍1.jpg", "单位甲/连拍2.jpg"]
    );
    assert_eq!(burst.keeper, None);
    assert_eq!(burst.pairs[0].seconds_apart, Some(1));
    for shot in ["连拍1.jpg", "连拍2.jpg"] {
        let shot = item(shot);
        assert_ne!(
            shot.status,
            Status::Duplicate,
            "a burst shot is never dropped"
        );
        assert!(
            shot.findings
                .iter()
                .any(|f| f.finding.check.code() == "burst"),
            "{:?}",
            shot.findings
        );
    }
}

//! Property tests: the name and year parsers, zip name checks and near-duplicate grouping, on
//! generated inputs (proptest shrinks any failure to a small case).
//!
//! In: generated strings, byte strings and hash sets. Out: assertions that hold for every input:
//! no panic on anything, the year and parts written into a name read back, a zip name that
//! climbs out is always refused, the index finds exactly the pairs an all-pairs scan finds and
//! groups come out the same whatever order the pairs arrive in.

use lightbox::ingest::{decode_zip_name, is_unsafe_zip_name};
use lightbox::near::{UnionFind, components, pairs_brute_force, pairs_within};
use lightbox::profile::Profile;
use lightbox::tags::filename::parse;
use lightbox::tags::{YearText, parse_year, read_year};
use proptest::prelude::*;

/// Full-width forms of ASCII digits and `+`.
fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Chinese numerals for ASCII digits: `2015` → `二〇一五`.
fn chinese(text: &str) -> String {
    const NUMERALS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    text.chars()
        .map(|c| c.to_digit(10).map_or(c, |d| NUMERALS[d as usize]))
        .collect()
}

/// Every prefecture name and alias of the embedded gazetteer.
fn places() -> Vec<String> {
    Profile::embedded()
        .gazetteer
        .prefectures
        .iter()
        .flat_map(|p| std::iter::once(p.name.clone()).chain(p.aliases.iter().cloned()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn year_readers_never_panic_and_stay_in_range(text in any::<String>()) {
        if let Some(year) = parse_year(&text) {
            prop_assert!((1900..=2099).contains(&year));
        }
        let _ = read_year(&text);
        let _ = lightbox::tags::year_in_text(&text);
    }

    #[test]
    fn a_year_reads_back_however_it_is_written(
        year in 1900i32..=2099,
        suffix in prop::sample::select(vec!["", "年", "年9月", ".9", "-09-19", "/9/19", " 9月19日"]),
        form in 0u8..3,
    ) {
        let written = format!("{year}{suffix}");
        let written = match form {
            0 => written,
            1 => full_width(&written),
            _ => chinese(&format!("{year}")) + suffix,
        };
        prop_assert_eq!(parse_year(&written), Some(year), "{}", written);
    }

    #[test]
    fn two_digit_years_are_ambiguous_never_guessed(two in 0i32..100, with_nian in any::<bool>()) {
        let written = format!("{two:02}{}", if with_nian { "年" } else { "" });
        prop_assert_eq!(read_year(&written), YearText::Ambiguous(2000 + two));
        prop_assert_eq!(parse_year(&written), None);
    }

    #[test]
    fn name_parser_never_panics(name in any::<String>()) {
        let gazetteer = Profile::embedded().gazetteer;
        let _ = parse(&name, &gazetteer);
    }

    #[test]
    fn the_parts_written_into_a_name_read_back(
        year in 1990i32..=2099,
        place in prop::sample::select(places()),
        event in "[科普进校园活动展览宣传讲座体验周]{2,10}",
        sequence in prop::option::of(1u32..=999),
        separator in prop::sample::select(vec!["+", "_", "-", " ", "＋", "·"]),
        extension in prop::sample::select(vec![".jpg", ".JPG", ".jpeg", ".png", ""]),
    ) {
        let gazetteer = Profile::embedded().gazetteer;
        let mut name = [year.to_string(), place.clone(), event.clone()].join(separator);
        if let Some(n) = sequence {
            name = format!("{name}{separator}{n:02}");
        }
        name.push_str(extension);
        let parts = parse(&name, &gazetteer);
        prop_assert_eq!(parts.year, Some(year), "{}", name);
        prop_assert_eq!(parts.place.as_deref(), Some(place.as_str()), "{}", name);
        prop_assert_eq!(parts.event.as_deref(), Some(event.as_str()), "{}", name);
        prop_assert_eq!(parts.sequence, sequence, "{}", name);
    }

    #[test]
    fn zip_names_decode_without_panic(raw in prop::collection::vec(any::<u8>(), 0..64)) {
        let name = decode_zip_name(&raw);
        let _ = is_unsafe_zip_name(&name);
        if let Ok(text) = std::str::from_utf8(&raw) {
            prop_assert_eq!(name, text);
        }
    }

    #[test]
    fn a_zip_name_that_climbs_out_is_always_refused(
        parts in prop::collection::vec("[a-z0-9照片]{1,6}", 0..4),
        at in 0usize..4,
        slash in prop::sample::select(vec!["/", "\\"]),
        root in prop::sample::select(vec!["", "/", "\\", "C:", "C:\\", "d:/"]),
    ) {
        let mut parts = parts;
        let safe = parts.join(slash);
        prop_assert!(parts.is_empty() || !is_unsafe_zip_name(&safe), "{}", safe);
        parts.insert(at.min(parts.len()), "..".to_string());
        let climbing = parts.join(slash);
        prop_assert!(is_unsafe_zip_name(&climbing), "{}", climbing);
        if !root.is_empty() {
            let rooted = format!("{root}{}", parts[..].join(slash).replace("..", "x"));
            prop_assert!(is_unsafe_zip_name(&rooted), "{}", rooted);
        }
    }

    #[test]
    fn the_index_finds_exactly_the_pairs_all_pairs_finds(
        bases in prop::collection::vec(any::<u64>(), 1..40),
        flips in prop::collection::vec((0usize..40, prop::collection::vec(0u32..64, 0..12)), 0..80),
        radius in 0u32..=20,
    ) {
        let mut hashes = bases.clone();
        for (base, bits) in flips {
            let mut h = bases[base % bases.len()];
            for b in bits {
                h ^= 1 << b;
            }
            hashes.push(h);
        }
        let pairs = pairs_within(&hashes, radius);
        prop_assert_eq!(&pairs, &pairs_brute_force(&hashes, radius));
        // Groups do not depend on the order the pairs arrive in.
        let forward = components(hashes.len(), pairs.iter().map(|&(a, b, _)| (a, b)));
        let backward = components(hashes.len(), pairs.iter().rev().map(|&(a, b, _)| (b, a)));
        prop_assert_eq!(&forward, &backward);
        // Every pair is inside one group; groups are disjoint and sorted.
        let mut uf = UnionFind::new(hashes.len());
        for &(a, b, _) in &pairs {
            uf.union(a, b);
        }
        for &(a, b, _) in &pairs {
            prop_assert_eq!(uf.find(a), uf.find(b));
        }
        let mut seen = std::collections::BTreeSet::new();
        for group in &forward {
            prop_assert!(group.len() >= 2 && group.windows(2).all(|w| w[0] < w[1]));
            for &member in group {
                prop_assert!(seen.insert(member), "{} in two groups", member);
            }
        }
    }
}

//! The review page and the decisions it exports, end to end.
//!
//! In: `fixtures/drops` (and a drop built from two of its photos in a temporary folder), the
//! `lightbox` binary, and for the browser test node with `tests/browser/node_modules`
//! (playwright-core) and `/usr/bin/chromium`. Out: assertions on the package `lightbox package`
//! builds from the decisions: a photo rejected in the browser stays out, also after a rerun
//! without the decisions file (the catalog keeps them); a duplicate split from its group in the
//! browser is no longer left out as a copy (this one lacks tags: it is left out with the reason);
//! a curator's keeper is packaged instead of the automatic one.
//!
//! The browser test needs the tools `.ci/run` installs: without them it panics when `CI` is set
//! and otherwise prints a note and passes.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use lightbox::package::{PackageSummary, SkipCode};
use lightbox::photo::Status;

use crate::env::{Run, drops, lightbox};

/// The photos `tests/browser/review.mjs` rejects and accepts.
const REJECTED: &str = "克拉玛依市科协/2015+克拉玛依市+科普进校园+01.jpg";
const ACCEPTED: &str = "克拉玛依市科协/2016+克拉玛依市+科普大篷车进社区.jpg";
/// The duplicate it splits from its group ("not the same photo"), and the group's other members.
const SPLIT: &str = "喀什地区科协/2017+喀什地区+流动科技馆进乡村+02.jpg";
const SPLIT_OTHERS: [&str; 2] = [
    "喀什地区科协/2017+喀什地区+流动科技馆进乡村+01.jpg",
    "喀什地区科协/2017+喀什地区+流动科技馆进乡村+03.jpg",
];

pub(crate) fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// What the browser test needs and is missing, if anything.
fn missing_browser_tools() -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("node is not on PATH".into());
    }
    if !browser_dir().join("node_modules/playwright-core").is_dir() {
        return Some(
            "tests/browser/node_modules is missing (run `npm ci --prefix tests/browser`)".into(),
        );
    }
    if !Path::new("/usr/bin/chromium").exists() {
        return Some("/usr/bin/chromium is missing (apt-get install chromium)".into());
    }
    None
}

fn node(args: &[&OsStr]) {
    let out = Command::new("node")
        .arg(browser_dir().join("review.mjs"))
        .args(args)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "review.mjs failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether the browser tests can run; when not, says so (and fails under CI, which must have
/// them).
pub(crate) fn browser_ready(test: &str) -> bool {
    let Some(missing) = missing_browser_tools() else {
        return true;
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the browser test cannot run: {missing}"
    );
    #[expect(
        clippy::print_stderr,
        reason = "the only way to tell a developer the test did not run"
    )]
    {
        eprintln!("note: {test} browser test not run: {missing}");
    }
    false
}

/// What `lightbox package` did: the manifest, the exit code (1 when a left-out photo needs staff)
/// and what it printed (one line per photo left out, with the reason).
struct Packaged {
    manifest: PackageSummary,
    code: i32,
    stdout: String,
}

fn package(work: &Path, to: &Path, decisions: Option<&Path>) -> Packaged {
    let mut args = vec![
        OsStr::new("package"),
        work.as_os_str(),
        OsStr::new("--to"),
        to.as_os_str(),
    ];
    if let Some(d) = decisions {
        args.extend([OsStr::new("--decisions"), d.as_os_str()]);
    }
    let out = lightbox(&args);
    let code = out.status.code().expect("exited normally");
    assert!(
        code == 0 || code == 1,
        "lightbox package failed ({code}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::env::assert_valid_bag(to);
    let manifest = serde_json::from_slice(
        &std::fs::read(to.join("data/manifest.json")).expect("manifest.json"),
    )
    .expect("manifest.json parses");
    Packaged {
        manifest,
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

fn originals(packaged: &Packaged) -> Vec<&str> {
    packaged
        .manifest
        .entries
        .iter()
        .map(|e| e.original.as_str())
        .collect()
}

/// The line `lightbox package` printed about a photo it left out.
fn left_out<'a>(packaged: &'a Packaged, path: &str) -> Option<&'a str> {
    let prefix = format!("{path}: ");
    packaged
        .stdout
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(&prefix))
}

#[test]
fn decisions_made_in_the_browser_are_packaged_and_survive_a_rerun() {
    if !browser_ready("review page") {
        return;
    }
    let run = Run::new(&drops(), &["--quiet"]);
    let report = run.report();
    let accepted: Vec<String> = report
        .items
        .iter()
        .filter(|i| i.status == Status::Accepted)
        .map(|i| i.path.clone())
        .collect();
    assert!(
        accepted.iter().any(|p| p == REJECTED) && accepted.iter().any(|p| p == ACCEPTED),
        "{accepted:?}"
    );
    let decisions = run.dir.path().join("decisions.json");
    let pkg = run.dir.path().join("pkg");

    // The browser filters, decides with the keyboard and exports.
    node(&[run.work.as_os_str(), decisions.as_os_str()]);
    let exported =
        lightbox::review::Decisions::load(&decisions).expect("the export is a decisions file");
    assert_eq!(exported.decisions.len(), 2, "{exported:?}");
    // The split: the photo against each other member of its group, by content, a < b.
    let key = |path: &str| lightbox::review::content_key(crate::env::item(&report, path));
    let mut expected: Vec<lightbox::review::DistinctPair> = SPLIT_OTHERS
        .iter()
        .map(|other| lightbox::review::DistinctPair::new(&key(SPLIT), &key(other)).unwrap())
        .collect();
    expected.sort();
    assert_eq!(exported.distinct, expected);
    assert_eq!(
        crate::env::item(&report, SPLIT).status,
        Status::Duplicate,
        "the run left it out as a copy"
    );

    let first = package(&run.work, &pkg, Some(&decisions));
    let packaged = originals(&first);
    assert!(
        !packaged.contains(&REJECTED),
        "the photo rejected in the browser was packaged: {packaged:?}"
    );
    for path in accepted.iter().filter(|p| *p != REJECTED) {
        assert!(
            packaged.contains(&path.as_str()),
            "{path} is accepted but not packaged: {packaged:?}"
        );
    }
    assert_eq!(packaged.len(), accepted.len() - 1);
    let rejected: Vec<(&str, SkipCode)> = first
        .manifest
        .skipped
        .iter()
        .map(|s| (s.original.as_str(), s.code))
        .collect();
    assert_eq!(
        rejected,
        [
            (REJECTED, SkipCode::CuratorRejected),
            (SPLIT, SkipCode::DistinctWithErrors)
        ]
    );
    assert!(
        left_out(&first, REJECTED).is_some_and(|l| l.ends_with("审核人不采用")),
        "{}",
        first.stdout
    );
    // The split photo is no copy any more, but the unit sent neither caption nor photographer
    // for it: the unit must act, so the package says so (exit 1). The rejection is a choice.
    assert!(
        left_out(&first, SPLIT).is_some_and(|l| l.contains("审核人认定不是同一张照片")
            && l.contains("缺少图片说明")
            && l.contains("缺少摄影者")),
        "{}",
        first.stdout
    );
    assert!(!SkipCode::CuratorRejected.is_problem());
    assert_eq!(first.code, 1, "{}", first.stdout);

    // A rerun: the page starts from the catalog's decisions, and a package without the file
    // still leaves the photo out.
    let rerun = lightbox([
        OsStr::new("run"),
        drops().as_os_str(),
        OsStr::new("--out"),
        run.work.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    assert_eq!(
        rerun.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    node(&[
        OsStr::new("--check-saved"),
        run.work.as_os_str(),
        OsStr::new(REJECTED),
    ]);
    let again = package(&run.work, &pkg, None);
    assert_eq!(
        originals(&again),
        packaged,
        "the catalog's decisions hold after a rerun"
    );
    assert!(left_out(&again, REJECTED).is_some(), "{}", again.stdout);
}

/// A drop where the fixture's identical pair is complete in both units.
fn clean_pair_drop(root: &Path) {
    let pairs = [
        (
            "克拉玛依市科协",
            "2018+克拉玛依市+科普讲座.jpg",
            "克拉玛依市",
            "克拉玛依市科协举办科普讲座，市民聆听专家讲解。",
            "赵军",
        ),
        (
            "喀什地区科协",
            "2018 喀什地区 科普讲座.jpg",
            "喀什地区",
            "喀什地区科协举办科普讲座，青少年踊跃提问。",
            "阿依古丽",
        ),
    ];
    for (unit, file, place, caption, photographer) in pairs {
        let dir = root.join(unit);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(drops().join(unit).join(file), dir.join(file)).unwrap();
        let sheet = format!(
            "序号,文件名,年份,地州市,活动名称,图片说明,摄影者\r\n1,{file},2018,{place},科普讲座,{caption},{photographer}\r\n"
        );
        std::fs::write(dir.join("汇总表.csv"), sheet).unwrap();
    }
}

#[test]
fn a_curators_keeper_replaces_the_automatic_one() {
    let dir = tempfile::tempdir().unwrap();
    let collection = dir.path().join("drops");
    clean_pair_drop(&collection);
    let run = Run::new(&collection, &["--quiet"]);
    assert_eq!(run.code(), 0, "the pair is clean: {}", run.stdout());
    let report = run.report();
    let group = report
        .duplicate_groups
        .first()
        .expect("the copies form a group");
    let auto = report
        .items
        .iter()
        .find(|i| Some(i.index) == group.keeper)
        .unwrap();
    let other = report
        .items
        .iter()
        .find(|i| group.members.contains(&i.index) && i.index != auto.index)
        .unwrap();
    assert_eq!(auto.path, "克拉玛依市科协/2018+克拉玛依市+科普讲座.jpg");
    assert_eq!(
        (auto.status, other.status),
        (Status::Accepted, Status::Duplicate)
    );

    let pkg = dir.path().join("pkg");
    let before = package(&run.work, &pkg, None);
    assert_eq!(originals(&before), [auto.path.as_str()]);
    assert_eq!(before.code, 0, "{}", before.stdout);

    // The curator keeps the other unit's copy (as the page exports it: content and path).
    let content = lightbox::review::content_key(other);
    let decisions = dir.path().join("decisions.json");
    std::fs::write(
        &decisions,
        serde_json::json!({
            "format": 1,
            "report": report.catalog,
            "decisions": [],
            "keepers": [{"content": content, "path": other.path}],
        })
        .to_string(),
    )
    .unwrap();
    let after = package(&run.work, &pkg, Some(&decisions));
    assert_eq!(
        originals(&after),
        [other.path.as_str()],
        "the curator's keeper is packaged"
    );
    let entry = &after.manifest.entries[0];
    assert_eq!(
        (
            entry.place.as_str(),
            entry.photographer.as_str(),
            entry.content.as_str()
        ),
        ("喀什地区", "阿依古丽", content.as_str())
    );
    assert!(
        entry.file.starts_with("2018/2018+喀什地区+科普讲座+"),
        "{}",
        entry.file
    );
    assert!(
        left_out(&after, &auto.path).is_some(),
        "the automatic keeper is reported left out: {}",
        after.stdout
    );
    assert_eq!(
        after
            .manifest
            .skipped
            .iter()
            .map(|s| (s.original.as_str(), s.code))
            .collect::<Vec<_>>(),
        [(auto.path.as_str(), SkipCode::CuratorKeeper)],
        "manifest.json lists the replaced keeper"
    );
    assert_eq!(after.code, 0, "{}", after.stdout);
    let packaged = std::fs::read(pkg.join("data").join(&entry.file)).unwrap();
    assert_eq!(
        packaged,
        std::fs::read(collection.join(&other.path)).unwrap()
    );

    // Kept in the catalog: a package without the file still takes the curator's copy.
    let again = package(&run.work, &pkg, None);
    assert_eq!(originals(&again), [other.path.as_str()]);
}

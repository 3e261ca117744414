//! A killed run loses nothing: `lightbox run` and `lightbox package` are killed with SIGKILL at
//! several points (watched for in the output folders, not guessed from the clock), then run
//! again. The work folder (report, findings, derived images, sheets, review page), the catalog's
//! rows and the package must then be byte for byte what an uninterrupted run gives, with no
//! temporary file or staging folder left behind.
//!
//! In: the fixture drops. Out: comparisons of file contents and catalog rows.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::env::{drops, tree_state};

/// Starts `lightbox` with `args`, output discarded.
fn start(args: &[&OsStr]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lightbox"))
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts")
}

/// Kills `child` with SIGKILL as soon as `ready()` holds. False when it ended by itself first.
fn kill_when(child: &mut Child, ready: impl Fn() -> bool) -> bool {
    loop {
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        if ready() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `lightbox` to its end; returns the exit code.
fn finish(args: &[&OsStr]) -> i32 {
    start(args).wait().expect("wait").code().expect("exit code")
}

/// Entries of `dir` (not below) whose names start with `prefix`.
fn count(dir: &Path, prefix: &str) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with(prefix))
            })
            .count()
    })
}

/// Every file below `root` by relative path with its blake3 (times left out), less the
/// catalog's own files, which are compared by rows.
fn contents(root: &Path) -> BTreeMap<String, String> {
    tree_state(root)
        .into_iter()
        .filter(|(path, _)| !path.starts_with("catalog.sqlite"))
        .map(|(path, state)| {
            let hash = state.split(' ').next().unwrap_or_default().to_string();
            (path, hash)
        })
        .collect()
}

/// Every row of every catalog table, as text, sorted.
fn catalog_rows(path: &Path) -> Vec<String> {
    let db =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("catalog opens");
    let mut rows = Vec::new();
    for table in [
        "meta",
        "runs",
        "files",
        "inspections",
        "items",
        "packaged",
        "decisions",
        "sheets",
    ] {
        let mut statement = db.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns = statement.column_count();
        let mut result = statement.query([]).unwrap();
        while let Some(row) = result.next().unwrap() {
            let values: Vec<String> = (0..columns)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect();
            rows.push(format!("{table}: {}", values.join(" | ")));
        }
    }
    rows.sort();
    rows
}

/// A point to kill at: its name, and the test that says the run has reached it.
type Point<'a> = (&'a str, Box<dyn Fn() -> bool + 'a>);

/// `lightbox --quiet run DROPS --out WORK`.
fn run_args<'a>(drops: &'a Path, work: &'a Path) -> Vec<&'a OsStr> {
    vec![
        OsStr::new("--quiet"),
        OsStr::new("run"),
        drops.as_os_str(),
        OsStr::new("--out"),
        work.as_os_str(),
    ]
}

/// For each point: `reset()`, start `args`, kill it there, run `args` again to its end (exit
/// `code`) and `check(point, killed)`. `killed` is false when the first run had done its work
/// before the kill: it ended by itself, or `done()` held right after the kill (a run killed
/// between its last commit and its exit is a finished run). Returns the points where the kill
/// came before the work was done.
fn kill_at_each<'a>(
    points: &[Point<'a>],
    args: &[&OsStr],
    code: i32,
    reset: impl Fn(),
    done: impl Fn() -> bool,
    check: impl Fn(&str, bool),
) -> Vec<&'a str> {
    let mut killed = Vec::new();
    for (name, ready) in points {
        reset();
        let mut child = start(args);
        let landed = kill_when(&mut child, ready) && !done();
        if landed {
            killed.push(*name);
        }
        assert_eq!(finish(args), code, "run again after a kill at {name}");
        check(name, landed);
    }
    killed
}

/// How many runs the catalog of `work` has recorded (none when there is no catalog yet).
fn runs_recorded(work: &Path) -> i64 {
    let path = work.join("catalog.sqlite");
    if !path.exists() {
        return 0;
    }
    rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|db| db.query_row("SELECT count(*) FROM runs", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// What a finished work folder holds: its files and its catalog's rows.
fn snapshot(work: &Path) -> (BTreeMap<String, String>, Vec<String>) {
    (contents(work), catalog_rows(&work.join("catalog.sqlite")))
}

#[test]
fn a_run_killed_anywhere_then_run_again_gives_what_an_uninterrupted_run_gives() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let drops = drops();
    let run = run_args(&drops, &work);
    // The same work path every time: the review page names its catalog by absolute path.
    assert_eq!(finish(&run), 1, "the fixtures have findings");
    let expected = snapshot(&work);
    // A run that ended before its kill landed was simply run twice: the catalog then holds
    // the second run too.
    assert_eq!(finish(&run), 1, "an unchanged rerun");
    let expected_twice = snapshot(&work);
    std::fs::remove_dir_all(&work).unwrap();
    assert_eq!(finish(&run), 1, "the fixtures have findings");
    let thumbs = work.join("derived").join("thumbs");
    let photos = count(&thumbs, "");
    assert!(photos > 10, "{photos} thumbnails");

    let points: Vec<Point> = vec![
        ("first thumbnail", Box::new(|| count(&thumbs, "") >= 1)),
        (
            "half the thumbnails",
            Box::new(|| count(&thumbs, "") >= photos / 2),
        ),
        (
            "report written",
            Box::new(|| work.join("report.json").exists()),
        ),
        ("sheets in place", Box::new(|| work.join("sheets").exists())),
    ];
    let reset = || std::fs::remove_dir_all(&work).unwrap();
    // The run records itself in one transaction just before it exits: once that has committed,
    // a kill finds a finished run.
    let committed = || runs_recorded(&work) > 0;
    let killed = kill_at_each(&points, &run, 1, reset, committed, |name, landed| {
        let got = snapshot(&work);
        let expected = if landed { &expected } else { &expected_twice };
        assert_eq!(got.0, expected.0, "files after a kill at {name}");
        assert_eq!(got.1, expected.1, "catalog after a kill at {name}");
        for leftover in [".lightbox-", ".sheets.staging-"] {
            assert_eq!(count(&work, leftover), 0, "{leftover} after {name}");
            assert_eq!(count(&thumbs, leftover), 0, "{leftover} after {name}");
        }
    });
    // A point the run passed before it was looked at proves nothing: most must be real kills.
    assert!(killed.len() >= 3, "killed mid-way only at {killed:?}");
}

#[test]
fn a_package_killed_anywhere_then_made_again_is_the_same_package() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let drops = drops();
    let run = run_args(&drops, &work);
    assert_eq!(finish(&run), 1);
    let to = dir.path().join("pkg");
    let package: Vec<&OsStr> = vec![
        OsStr::new("--quiet"),
        OsStr::new("package"),
        work.as_os_str(),
        OsStr::new("--to"),
        to.as_os_str(),
    ];
    assert_eq!(finish(&package), 0);
    let expected = (contents(&to), catalog_rows(&work.join("catalog.sqlite")));
    assert!(expected.0.len() > 4, "{:?}", expected.0);

    // The staging folder beside the package, and how many files it holds so far.
    let staged = || -> usize {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".pkg.staging-"))
            .map(|e| walkdir::WalkDir::new(e.path()).into_iter().count())
            .sum()
    };
    let points: Vec<Point> = vec![
        ("staging folder made", Box::new(|| staged() >= 1)),
        ("first files staged", Box::new(|| staged() >= 3)),
        (
            "half the files staged",
            Box::new(|| staged() >= expected.0.len() / 2),
        ),
    ];
    let reset = || std::fs::remove_dir_all(&to).unwrap();
    // A package made again is the same package whether or not the kill landed.
    let killed = kill_at_each(
        &points,
        &package,
        0,
        reset,
        || false,
        |name, _| {
            assert_eq!(contents(&to), expected.0, "package after a kill at {name}");
            assert_eq!(
                catalog_rows(&work.join("catalog.sqlite")),
                expected.1,
                "catalog after a kill at {name}"
            );
            assert_eq!(
                count(dir.path(), ".pkg.staging-"),
                0,
                "staging left after {name}"
            );
            assert_eq!(
                count(dir.path(), ".lightbox-"),
                0,
                "old package left after {name}"
            );
        },
    );
    assert!(killed.len() >= 2, "killed mid-way only at {killed:?}");
}

//! The test environment: paths to fixtures, running the binary, reading what it wrote.
//!
//! In: arguments for `lightbox`. Out: its output, the parsed report, hashes of trees.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lightbox::report::Report;

/// Whether an outside tool is here; under CI it must be.
#[allow(clippy::print_stderr)]
pub fn have(tool: &str, probe: &mut Command) -> bool {
    let ok = probe.output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is missing (.ci/run installs it)"
        );
        eprintln!("note: {tool} is missing here: its check is skipped");
    }
    ok
}

/// The Library of Congress's validator on the bag folder `bag`: `Some(valid)`, or `None` when
/// it is not installed.
pub fn bagit_valid(bag: &Path) -> Option<(bool, String)> {
    if !have(
        "python3 -m bagit",
        Command::new("python3").args(["-m", "bagit", "--version"]),
    ) {
        return None;
    }
    let out = Command::new("python3")
        .args(["-m", "bagit", "--validate"])
        .arg(bag)
        .output()
        .unwrap();
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Asserts that the package at `pkg` is valid: a bag folder, or each zipped part in it (a part is
/// extracted to a temporary folder first), checked by the Library of Congress's validator when
/// it is installed (under CI it must be). Every package the tests make goes through this.
pub fn assert_valid_bag(pkg: &Path) {
    if pkg.join("bagit.txt").is_file() {
        if let Some((valid, log)) = bagit_valid(pkg) {
            assert!(valid, "bagit.py rejects {}: {log}", pkg.display());
        }
        return;
    }
    for entry in std::fs::read_dir(pkg).unwrap() {
        let zip = entry.unwrap().path();
        if zip.extension().is_none_or(|e| e != "zip") {
            continue;
        }
        let out = tempfile::tempdir().unwrap();
        let status = Command::new("python3")
            .args([
                "-c",
                "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
            ])
            .arg(&zip)
            .arg(out.path())
            .status()
            .unwrap();
        assert!(status.success(), "{} does not unzip", zip.display());
        let root = zip.file_stem().unwrap();
        assert_valid_bag(&out.path().join(root));
    }
}

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The sample drops.
pub fn drops() -> PathBuf {
    fixtures().join("drops")
}

/// Runs the binary with `args`, stdin closed, output captured (so stderr is not a terminal).
pub fn lightbox<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_lightbox"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        // No locale of a language: the default language is the collection's (中文), whatever
        // the machine running the tests is set to.
        .env("LANG", "C.UTF-8")
        .output()
        .expect("the binary runs")
}

/// A finished `lightbox run` in a temporary work folder.
pub struct Run {
    /// Keeps the temporary folder alive.
    pub dir: tempfile::TempDir,
    /// The work folder.
    pub work: PathBuf,
    /// What the binary printed and returned.
    pub output: Output,
}

impl Run {
    /// Runs `lightbox run DROPS --out <tmp>/work` plus `extra` arguments, and checks that no
    /// file below `drops` changed.
    pub fn new(drops: &Path, extra: &[&str]) -> Run {
        let dir = tempfile::tempdir().expect("temp dir");
        let work = dir.path().join("work");
        let mut args: Vec<&OsStr> = vec![
            OsStr::new("run"),
            drops.as_os_str(),
            OsStr::new("--out"),
            work.as_os_str(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        // Sources are never written: every run of the suite checks its input, byte for byte
        // and time for time.
        let before = tree_state(drops);
        let output = lightbox(&args);
        assert_eq!(
            tree_state(drops),
            before,
            "lightbox run changed its input {}",
            drops.display()
        );
        Run { dir, work, output }
    }

    /// The parsed report.json.
    pub fn report(&self) -> Report {
        let bytes = std::fs::read(self.work.join("report.json"))
            .unwrap_or_else(|e| panic!("no report.json ({e}); stderr: {}", self.stderr()));
        Report::from_json(&bytes).expect("report.json parses")
    }

    /// stdout as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// stderr as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// The exit code.
    pub fn code(&self) -> i32 {
        self.output.status.code().expect("exited normally")
    }
}

/// The report's item whose path ends with `end`; panics naming it when there is none.
pub fn item<'a>(report: &'a Report, end: &str) -> &'a lightbox::report::ItemReport {
    report
        .items
        .iter()
        .find(|i| i.path.ends_with(end))
        .unwrap_or_else(|| panic!("no {end} in the report"))
}

/// blake3 and mtime of every regular file below `root`, by relative path (symlinks by target).
pub fn tree_state(root: &Path) -> BTreeMap<String, String> {
    let mut state = BTreeMap::new();
    if root.symlink_metadata().is_err() {
        return state;
    }
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.expect("walk");
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap()
            .display()
            .to_string();
        let meta = entry.path().symlink_metadata().unwrap();
        let value = if meta.file_type().is_symlink() {
            format!("-> {}", std::fs::read_link(entry.path()).unwrap().display())
        } else if meta.is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            format!(
                "{} {:?}",
                blake3::hash(&bytes).to_hex(),
                meta.modified().unwrap()
            )
        } else {
            "dir".to_string()
        };
        state.insert(rel, value);
    }
    state
}

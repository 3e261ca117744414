//! The binary: parse the command line, set up the worker pool and progress bars, run a
//! command, print its result, exit with its code.
//!
//! In: `argv`. Out: stdout (summaries), stderr (progress, errors), the exit code: 0 clean,
//! 1 findings that block packaging, 2 a broken run. Invariant: the only place that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use cli::{Cli, Command, SheetsBy};
use lightbox::broken::Broken;
use lightbox::messages::{self, Summary};
use lightbox::pipeline::{self, RunConfig};
use lightbox::profile::{Profile, SheetGroup};
use lightbox::progress::{Progress, Silent, Timed};
use lightbox::render::SheetFont;

/// Progress bars on stderr, one per stage.
struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: u64) {
        let bar = if total == 0 {
            ProgressBar::new_spinner()
        } else {
            ProgressBar::new(total)
        };
        let style = ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style.progress_chars("=> "));
        bar.set_prefix(name.to_string());
        *self.current.lock().expect("progress lock") = Some(bar);
    }

    fn advance(&self, steps: u64) {
        if let Some(bar) = self.current.lock().expect("progress lock").as_ref() {
            bar.inc(steps);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.current.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}

/// Progress as JSON lines on stdout (`--progress-json`): a line when a stage starts, at most
/// ten a second while it runs, and one when it ends.
struct JsonLines {
    state: Mutex<JsonState>,
}

struct JsonState {
    stage: String,
    total: u64,
    done: u64,
    last: std::time::Instant,
}

impl JsonLines {
    fn new() -> JsonLines {
        JsonLines {
            state: Mutex::new(JsonState {
                stage: String::new(),
                total: 0,
                done: 0,
                last: std::time::Instant::now(),
            }),
        }
    }

    fn line(state: &JsonState, finished: bool) {
        let line = serde_json::json!({
            "stage": state.stage,
            "done": state.done,
            "total": state.total,
            "finished": finished,
        });
        // Whoever reads the progress may have gone (the desk closed): the job goes on to its
        // end, which the catalog and the outputs keep, rather than dying on a closed pipe.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}

impl Progress for JsonLines {
    fn stage(&self, name: &str, total: u64) {
        let mut state = self.state.lock().expect("progress lock");
        state.stage = name.to_string();
        state.total = total;
        state.done = 0;
        state.last = std::time::Instant::now();
        JsonLines::line(&state, false);
    }

    fn advance(&self, steps: u64) {
        let mut state = self.state.lock().expect("progress lock");
        state.done += steps;
        if state.last.elapsed() >= std::time::Duration::from_millis(100) {
            state.last = std::time::Instant::now();
            JsonLines::line(&state, false);
        }
    }

    fn finish(&self) {
        let state = self.state.lock().expect("progress lock");
        JsonLines::line(&state, true);
    }
}

/// Buffers of 4 MiB or more (a sheet page, a large photo's pixels) are mapped and unmapped on
/// their own. By default glibc raises that threshold past the first large buffer freed and serves
/// the next ones from the heap, where the small results every photo leaves behind pin them:
/// memory then grew with the number of photos (1.29x for 10x the photos), not the number of
/// workers. (At 1 MiB every preview-sized buffer was mapped afresh: page faults cost 10% of a
/// run.) Each worker reads its photos into one buffer it keeps (`inspect::photo`).
///
/// Setting that threshold also fixes glibc's trim threshold at 128 KiB: every freed 2.25 MB
/// preview at the top of a worker's heap was handed back to the kernel and faulted in again for
/// the next photo (536,000 page faults and 5% of a 224-photo run on one core). Free memory at a
/// heap's top is kept up to 64 MiB instead; it is memory the workers had in use a moment before,
/// so the peak does not move (106,000 faults, 82 MB peak either way).
fn bound_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

/// Opens the desk in the user's browser (`xdg-open`); the address is printed either way.
fn open_browser(url: &str) {
    let _ = std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

fn main() -> ExitCode {
    bound_heap();
    let cli = cli::parse();
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let lang = cli.language();
            // A cause the CLI knows is worded in the language; anything else is the error's own
            // text (in Chinese after a Chinese "could not finish").
            match broken(&e) {
                Some(broken) => eprintln!("lightbox: {}", messages::broken(&broken, lang)),
                None => eprintln!("lightbox: {}", messages::failure(&e, lang)),
            }
            if let Some(hint) = lightbox::output::hint(&e) {
                eprintln!("lightbox: {}", messages::hint(hint, lang));
            }
            ExitCode::from(2)
        }
    }
}

/// Why the command could not work, when the error chain says so in a way the CLI can word.
fn broken(error: &anyhow::Error) -> Option<Broken> {
    error.chain().find_map(|cause| {
        if let Some(broken) = cause.downcast_ref::<Broken>() {
            return Some(broken.clone());
        }
        if let Some(lightbox::catalog::CatalogError::Locked { path, lock }) =
            cause.downcast_ref::<lightbox::catalog::CatalogError>()
        {
            return Some(Broken::CatalogBusy {
                path: path.clone(),
                lock: lock.clone(),
            });
        }
        match cause.downcast_ref::<lightbox::profile::ProfileError>() {
            Some(lightbox::profile::ProfileError::Read { path, source }) => {
                Some(Broken::Unreadable {
                    what: lightbox::broken::Given::Profile,
                    path: path.clone(),
                    reason: source.to_string(),
                })
            }
            Some(lightbox::profile::ProfileError::Invalid { origin, message }) => {
                Some(Broken::Invalid {
                    what: lightbox::broken::Given::Profile,
                    path: origin.clone(),
                    reason: message.clone(),
                })
            }
            None => None,
        }
    })
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    // A library's panic on one file becomes that file's finding: nothing printed for it.
    lightbox::boundary::quiet_caught_panics();
    lightbox::journal::mark_crashes();
    let lang = cli.language();
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = cli.jobs {
        pool = pool.num_threads(jobs.max(1));
    }
    let pool = pool.build()?;
    let bars = Bars {
        current: Mutex::new(None),
    };
    // Progress as JSON lines stands alone on stdout: no summary beside it.
    let quiet = cli.quiet || cli.progress_json;
    let json_lines = JsonLines::new();
    let shown: &dyn Progress = if cli.progress_json {
        &json_lines
    } else if !cli.quiet && std::io::stderr().is_terminal() {
        &bars
    } else {
        &Silent
    };
    // Timed only when asked: it reads the processor time at each stage.
    let timed = cli.timings.then(|| Timed::new(shown));
    let progress: &dyn Progress = match &timed {
        Some(timed) => timed,
        None => shown,
    };
    match &cli.command {
        Command::Run {
            drops,
            out,
            profile,
            json,
            catalog,
            font,
            sheets_by,
        } => {
            let mut profile = match profile {
                Some(path) => Profile::load(path)?,
                None => Profile::embedded(),
            };
            if let Some(by) = sheets_by {
                profile.sheets.group_by = match by {
                    SheetsBy::Unit => SheetGroup::Unit,
                    SheetsBy::Year => SheetGroup::Year,
                    SheetsBy::Event => SheetGroup::Event,
                };
            }
            let font = match font {
                Some(path) => SheetFont::load(path)?,
                None => SheetFont::embedded(),
            };
            let config = RunConfig {
                drops: drops.clone(),
                work: out.clone(),
                profile,
                lang,
                date: pipeline::today(),
                catalog: catalog
                    .clone()
                    .unwrap_or_else(|| out.join("catalog.sqlite")),
                units: false,
                font,
            };
            let outcome = pool.install(|| pipeline::run(&config, progress))?;
            if let Some(timed) = &timed {
                eprint!("{}", timed.table(&messages::timings(lang)));
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&outcome.summary)?);
            } else if !quiet {
                print!("{}", lightbox::report::summary_text(&outcome.summary, lang));
                let read = Summary::Read {
                    read: outcome.read,
                    unchanged: outcome.reused,
                    same_bytes: outcome.copies,
                };
                println!("{}", messages::summary(&read, lang));
                let path = pipeline::report_path(out);
                let report = Summary::Report { path: &path };
                println!("{}", messages::summary(&report, lang));
            }
            Ok(if outcome.blocking { 1 } else { 0 })
        }
        Command::Package {
            work,
            to,
            decisions,
            profile,
            split_size,
            source_organization,
            organization_address,
            contact_name,
            contact_phone,
            contact_email,
            external_description,
            title,
        } => {
            let profile = match profile {
                Some(path) => Profile::load(path)?,
                None => Profile::embedded(),
            };
            let flag = |v: &Option<String>| v.clone().unwrap_or_default();
            let options = lightbox::package::PackageOptions {
                split_size: *split_size,
                info: lightbox::profile::PackageInfo {
                    source_organization: flag(source_organization),
                    organization_address: flag(organization_address),
                    contact_name: flag(contact_name),
                    contact_phone: flag(contact_phone),
                    contact_email: flag(contact_email),
                    external_description: flag(external_description),
                    title: flag(title),
                },
            };
            let summary = pool.install(|| {
                lightbox::package::package(
                    work,
                    to,
                    decisions.as_deref(),
                    &profile,
                    lang,
                    &options,
                    progress,
                )
            })?;
            if !quiet {
                let packaged = Summary::Packaged {
                    photos: summary.packaged,
                    to,
                };
                println!("{}", messages::summary(&packaged, lang));
                let package = Summary::Package {
                    identifier: &summary.identifier,
                    follows: summary.follows.as_deref(),
                };
                println!("{}", messages::summary(&package, lang));
                for part in &summary.parts {
                    println!("  {}", to.join(part).display());
                }
                for s in &summary.skipped {
                    println!("  {}: {}", s.original, s.reason);
                }
            }
            Ok(if summary.has_problems() { 1 } else { 0 })
        }
        Command::Verify { packages } => {
            let outcome = pool.install(|| lightbox::package::receive::verify(packages, progress));
            for (path, reason) in &outcome.unreadable {
                let unreadable = Summary::CannotRead { path, reason };
                eprintln!("lightbox: {}", messages::summary(&unreadable, lang));
            }
            for finding in &outcome.findings {
                println!("{}", messages::receipt(finding, lang));
            }
            if !quiet {
                for c in &outcome.checked {
                    let checked = Summary::Checked {
                        bag: &c.bag,
                        part: c.part.as_deref(),
                        files: c.files,
                        bytes: c.bytes,
                    };
                    println!("{}", messages::summary(&checked, lang));
                }
                let verdict = match outcome.code() {
                    0 => Summary::Intact,
                    1 => Summary::Damaged {
                        findings: outcome.findings.len(),
                    },
                    _ => Summary::Unverified,
                };
                println!("{}", messages::summary(&verdict, lang));
            }
            Ok(outcome.code())
        }
        Command::Template { drop, to, profile } => {
            let profile = match profile {
                Some(path) => Profile::load(path)?,
                None => Profile::embedded(),
            };
            let required = profile.fields.required.clone();
            // A run over the one drop, in a work folder of its own that goes away afterwards.
            let work = tempfile::tempdir()?;
            let config = RunConfig {
                drops: vec![drop.clone()],
                work: work.path().to_path_buf(),
                profile,
                lang,
                date: pipeline::today(),
                catalog: work.path().join("catalog.sqlite"),
                units: true,
                font: SheetFont::embedded(),
            };
            pool.install(|| pipeline::run(&config, progress))?;
            let report = lightbox::report::Report::from_json(&std::fs::read(
                pipeline::report_path(work.path()),
            )?)?;
            let unit = report
                .summary
                .units
                .first()
                .map(|u| u.unit.clone())
                .unwrap_or_else(|| "drop".into());
            let to = to
                .clone()
                .unwrap_or_else(|| std::path::PathBuf::from(format!("{unit}-汇总表.xlsx")));
            let dirs = lightbox::inspect::DerivedDirs::in_work(work.path());
            let written = lightbox::template::write(&report, &dirs, &required, lang, &to)?;
            if !quiet {
                let wrote = Summary::TemplateWritten {
                    to: &to,
                    rows: written.rows,
                    missing: written.missing,
                };
                println!("{}", messages::summary(&wrote, lang));
            }
            Ok(0)
        }
        Command::Serve {
            work,
            drops,
            listen,
            no_browser,
            profile,
        } => {
            let work = work.clone().unwrap_or_else(|| {
                std::env::var_os("HOME")
                    .map(std::path::PathBuf::from)
                    .unwrap_or_default()
                    .join("lightbox")
            });
            let config = lightbox::serve::ServeConfig {
                work,
                drops: drops.clone(),
                listen: *listen,
                lang,
                exe: std::env::current_exe()?,
                profile: profile.clone(),
            };
            let open = !*no_browser;
            lightbox::serve::serve(config, |started| {
                let ready = Summary::DeskReady { url: &started.url };
                println!("{}", messages::summary(&ready, lang));
                if open {
                    open_browser(&started.url);
                }
            })?;
            Ok(0)
        }
        Command::Man { out } => {
            std::fs::create_dir_all(out)?;
            let mut command = <Cli as clap::CommandFactory>::command();
            // The hidden `man` itself gets no page.
            command = command.mut_subcommand("man", |c| c.hide(true));
            clap_mangen::generate_to(command, out)?;
            Ok(0)
        }
        Command::Profile { check } => {
            match check {
                Some(path) => {
                    let profile = Profile::load(path)?;
                    let ok = Summary::ProfileOk {
                        path,
                        name: &profile.name,
                    };
                    println!("{}", messages::summary(&ok, lang));
                }
                None => print!("{}", lightbox::profile::DEFAULT_TOML),
            }
            Ok(0)
        }
    }
}

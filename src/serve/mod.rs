//! The desk: `lightbox serve`, the whole job from one local browser tab.
//!
//! In: a work folder, the drops it runs over (`--drops`, remembered in `WORK/desk/settings.json`),
//! the address to listen on (127.0.0.1 and a free port unless `--listen`), the language. Out: a
//! local web app: the units with their counts and findings by reason, a run (or rerun) with live
//! progress that can be cancelled, the review page saving each decision to the catalog at once
//! and showing every tab the others' decisions, per unit its fill-in 汇总表 to download and the
//! returned one to upload (kept as `WORK/returned/<unit>/<date>-<time>-汇总表.<ext>`, read by the
//! next run as that unit's sheet), the package built into `WORK/package`, and the work folder's
//! outputs (thumbnails, contact sheets, findings, package) for download.
//!
//! Parts: axum on tokio (hyper's HTTP parsing, well kept and fuzzed, sits between the desk and
//! whatever reaches its port; server-sent events and middleware come with it); no front-end
//! build: the pages are two HTML files with their script inline (`assets/desk/`, and the review
//! page that `lightbox run` writes, from the same template). Jobs run as child processes of this
//! binary ([`jobs`]); the door is [`guard`].
//!
//! Invariants: nothing is served from outside the work folder's outputs; nothing is written into
//! a drop (the desk writes only `WORK/desk/`, `WORK/returned/`, the catalog, and through its
//! jobs the run's and the package's outputs); nothing changes on a GET; every request carries
//! the token.

pub mod guard;
pub mod jobs;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::broken::{Doing, Step};
use axum::Router;
use axum::body::Body;
use axum::extract::{Json, State};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::catalog::{self, Catalog, CatalogError};
use crate::lang::Lang;
use crate::messages::{self, Label, Refusal};
use crate::photo::decisions::Change;
use crate::report::{ItemReport, Report};
use crate::spill::Spill;
use jobs::{JobKind, JobState, Running};

/// The desk's template: `{{LANG}}`, `{{TITLE}}` and `{{DATA}}` are filled.
const PAGE: &str = include_str!("../../assets/desk/index.html");

/// The largest returned sheet the desk takes (the run reads sheets up to this size too).
const SHEET_LIMIT: usize = 50 << 20;

/// How `lightbox serve` was asked to run.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The work folder.
    pub work: PathBuf,
    /// Drops to run over (empty: those remembered from before).
    pub drops: Vec<PathBuf>,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The language of the pages and of the runs.
    pub lang: Lang,
    /// This binary, which runs the jobs.
    pub exe: PathBuf,
    /// A collection profile for the runs (default: the embedded one).
    pub profile: Option<PathBuf>,
}

/// The desk, once it listens.
#[derive(Clone, Debug)]
pub struct Started {
    /// The address to open, with the access token.
    pub url: String,
    /// The address it listens on.
    pub address: SocketAddr,
}

/// What the desk remembers between starts (`WORK/desk/settings.json`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Settings {
    drops: Vec<PathBuf>,
}

/// News for the open tabs.
#[derive(Clone, Debug)]
pub enum Event {
    /// The job's state changed.
    Job(JobState),
    /// A tab's decisions were saved (or wait for the catalog).
    Changes {
        /// The tab that made them (it has them already).
        client: String,
        /// The changes.
        changes: Vec<Change>,
    },
    /// A run ended with a new report: the review's photos, groups and findings changed (open
    /// review pages offer to reload).
    Finished,
    /// Something else the desk shows changed (a package built, a sheet kept, the drops folder
    /// set, a job cancelled or failed): the desk's page reads its state again; the review's
    /// photos did not change.
    State,
}

/// The report's overview, with the modification time and length of the `report.json` it was
/// made from.
type Overview = (Option<SystemTime>, u64, Arc<serde_json::Value>);

/// The desk's state, shared by every request.
pub struct Desk {
    work: PathBuf,
    catalog: PathBuf,
    settings: Mutex<Settings>,
    lang: Lang,
    exe: PathBuf,
    profile: Option<PathBuf>,
    token: String,
    port: u16,
    events: broadcast::Sender<Event>,
    job: Mutex<JobState>,
    running: Mutex<Option<Running>>,
    /// Catalog writes one at a time, and never while a job starts (it would find the catalog
    /// locked); changes made while a job holds it wait in `WORK/desk/pending.jsonl`.
    writing: tokio::sync::Mutex<()>,
    /// The report's overview, kept until `report.json` changes.
    overview: Mutex<Option<Overview>>,
}

impl Desk {
    fn send(&self, event: Event) {
        // No tab listening is no error.
        let _ = self.events.send(event);
    }

    fn desk_dir(&self) -> PathBuf {
        self.work.join("desk")
    }

    fn pending_path(&self) -> PathBuf {
        self.desk_dir().join("pending.jsonl")
    }

    /// Changes waiting for the catalog (a job held it when they were made).
    fn pending(&self) -> Vec<Change> {
        std::fs::read_to_string(self.pending_path())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Vec<Change>>(l).ok())
            .flatten()
            .collect()
    }

    /// Saves changes: into the catalog when no job holds it (with any that waited before them),
    /// else appended to the pending file, synced, for [`Desk::flush_pending`]. Either way they
    /// survive the desk.
    async fn save(self: &Arc<Self>, changes: Vec<Change>) -> anyhow::Result<()> {
        let _one = self.writing.lock().await;
        let desk = Arc::clone(self);
        tokio::task::spawn_blocking(move || desk.save_now(&changes))
            .await
            .doing(|| Step::SaveDecisions)?
    }

    fn save_now(&self, changes: &[Change]) -> anyhow::Result<()> {
        let busy = self.running.lock().expect("job lock").is_some();
        if !busy {
            match Catalog::open(&self.catalog) {
                Ok(mut catalog) => {
                    let mut all = self.pending();
                    let waited = !all.is_empty();
                    all.extend_from_slice(changes);
                    catalog.apply_changes(&all)?;
                    if waited {
                        std::fs::remove_file(self.pending_path())?;
                    }
                    return Ok(());
                }
                Err(CatalogError::Locked { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        use std::io::Write;
        std::fs::create_dir_all(self.desk_dir())?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.pending_path())?;
        writeln!(file, "{}", serde_json::to_string(changes)?)?;
        file.sync_all()?;
        Ok(())
    }

    /// Puts the changes that waited into the catalog (at start).
    async fn flush_pending(self: &Arc<Self>) {
        let _one = self.writing.lock().await;
        self.flush_pending_held().await;
    }

    /// [`Desk::flush_pending`] for a caller that holds `writing` (a job's end). A failure leaves
    /// the changes waiting in their file, for the next time.
    async fn flush_pending_held(self: &Arc<Self>) {
        if self.pending_path().exists() {
            let desk = Arc::clone(self);
            let _ = tokio::task::spawn_blocking(move || desk.save_now(&[])).await;
        }
    }

    /// The catalog's decisions with those still waiting applied over them.
    fn decisions(&self) -> anyhow::Result<crate::photo::decisions::Decisions> {
        let mut decisions = catalog::read_decisions(&self.catalog)?;
        for change in self.pending() {
            decisions.apply(&change);
        }
        Ok(decisions)
    }

    fn drops(&self) -> Vec<PathBuf> {
        self.settings.lock().expect("settings lock").drops.clone()
    }
}

/// Starts the desk and serves until Ctrl-C (or the end of the process). `ready` is told the
/// address once it listens (the binary prints it and opens the browser).
///
/// # Errors
/// When the work folder cannot be made, the address is taken, or the server fails.
pub fn serve(config: ServeConfig, ready: impl FnOnce(&Started)) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(serve_async(config, ready))
}

async fn serve_async(config: ServeConfig, ready: impl FnOnce(&Started)) -> anyhow::Result<()> {
    let work = config.work.clone();
    std::fs::create_dir_all(work.join("desk")).map_err(|e| {
        crate::broken::Broken::WorkNotWritable {
            path: work.display().to_string(),
            reason: e.to_string(),
        }
    })?;
    let work = work.canonicalize()?;
    let settings_path = work.join("desk/settings.json");
    let mut settings: Settings = std::fs::read(&settings_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if !config.drops.is_empty() {
        settings.drops = config
            .drops
            .iter()
            .map(|d| d.canonicalize().unwrap_or_else(|_| d.clone()))
            .collect();
        crate::output::write_atomic(&settings_path, &serde_json::to_vec_pretty(&settings)?)?;
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| crate::broken::Broken::CannotListen {
            address: config.listen.to_string(),
            reason: e.to_string(),
        })?;
    let address = listener.local_addr()?;
    let token = guard::new_token()?;
    let (events, _) = broadcast::channel(256);
    let desk = Arc::new(Desk {
        catalog: work.join("catalog.sqlite"),
        work,
        settings: Mutex::new(settings),
        lang: config.lang,
        exe: config.exe,
        profile: config.profile,
        token,
        port: address.port(),
        events,
        job: Mutex::new(JobState::default()),
        running: Mutex::new(None),
        writing: tokio::sync::Mutex::new(()),
        overview: Mutex::new(None),
    });
    desk.flush_pending().await;
    let app = router(Arc::clone(&desk));
    let shown = if address.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], address.port()))
    } else {
        address
    };
    ready(&Started {
        url: format!("http://{shown}/?token={}", desk.token),
        address,
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn router(desk: Arc<Desk>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/api/state", get(state))
        .route("/api/events", get(events))
        .route("/api/run", post(run))
        .route("/api/cancel", post(cancel))
        .route("/api/package", post(package))
        .route("/api/verify", post(verify))
        .route("/api/drops", post(set_drops))
        .route("/api/decisions", post(decide))
        .route("/api/template", get(template))
        .route("/api/fixlist", get(fixlist))
        .route(
            "/api/sheet",
            post(returned).layer(axum::extract::DefaultBodyLimit::max(SHEET_LIMIT)),
        )
        .route("/review/", get(review))
        .route(
            "/review",
            get(|| async { axum::response::Redirect::to("/review/") }),
        )
        .fallback(file)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&desk),
            guard::check,
        ))
        .with_state(desk)
}

/// Fills the desk's template: each placeholder once, where it stands; the data as JSON that
/// cannot close its script element.
fn desk_page(desk: &Desk) -> String {
    let title = messages::label(Label::DeskTitle, desk.lang);
    let data = serde_json::json!({
        "lang": desk.lang,
        "token": desk.token,
        "work": desk.work.display().to_string(),
    });
    let data = data.to_string().replace('<', "\\u003c");
    PAGE.replacen("{{LANG}}", desk.lang.tag(), 1)
        .replacen("{{TITLE}}", title, 1)
        .replacen("{{DATA}}", &data, 1)
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A request the desk refuses, worded in its language.
fn refuse(desk: &Desk, status: StatusCode, refusal: Refusal) -> Response {
    failure(status, messages::refusal(&refusal, desk.lang))
}

fn failure(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": message.to_string() })),
    )
        .into_response()
}

/// A request the desk could not carry out: the error's chain, worded as the CLI words it.
fn broke(desk: &Desk, error: &anyhow::Error) -> Response {
    failure(
        StatusCode::INTERNAL_SERVER_ERROR,
        messages::failure(error, desk.lang),
    )
}

async fn home(State(desk): State<Arc<Desk>>) -> Response {
    html(desk_page(&desk))
}

/// One finding reason of a unit: how many, how bad, and one message as an example.
#[derive(Serialize)]
struct Reason {
    check: String,
    severity: crate::photo::Severity,
    count: usize,
    example: String,
}

/// The overview of `report.json` the desk shows: the summary, and per unit its findings by reason.
fn overview(
    report: &Report,
    items: impl Iterator<Item = std::io::Result<ItemReport>>,
) -> anyhow::Result<serde_json::Value> {
    let mut reasons: BTreeMap<String, BTreeMap<String, Reason>> = BTreeMap::new();
    for item in items {
        let item = item.doing(|| Step::ReadBack)?;
        for f in &item.findings {
            // The check's code, and for a missing field which one: "no caption" and "no year"
            // are different things to ask a unit for.
            let code = match &f.finding.check {
                crate::photo::Check::MissingField { field } => format!(
                    "{}:{}",
                    f.finding.check.code(),
                    serde_json::to_value(field)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                ),
                check => check.code().to_string(),
            };
            let reason = reasons
                .entry(item.unit.clone())
                .or_default()
                .entry(code.clone())
                .or_insert_with(|| Reason {
                    check: code,
                    severity: f.finding.severity,
                    count: 0,
                    example: f.message.clone(),
                });
            reason.count += 1;
        }
    }
    let units: Vec<serde_json::Value> = report
        .summary
        .units
        .iter()
        .map(|u| {
            let mut found: Vec<&Reason> = reasons
                .get(u.unit.as_str())
                .map(|r| r.values().collect())
                .unwrap_or_default();
            found.sort_by(|a, b| b.count.cmp(&a.count).then(a.check.cmp(&b.check)));
            serde_json::json!({
                "unit": u.unit,
                "path": u.path,
                "files": u.files,
                "accepted": u.accepted,
                "needs_info": u.needs_info,
                "rejected": u.rejected,
                "duplicates": u.duplicates,
                "reasons": found,
                "problems": report.problems.iter().filter(|p| p.unit == u.unit).map(|p| {
                    serde_json::json!({"path": p.path, "message": p.finding.message})
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "summary": {
            "files": report.summary.files,
            "accepted": report.summary.accepted,
            "needs_info": report.summary.needs_info,
            "rejected": report.summary.rejected,
            "duplicates": report.summary.duplicates,
            "duplicate_groups": report.summary.duplicate_groups,
            "problems": report.summary.problems,
        },
        "units": units,
    }))
}

/// The last run's report, its items in a spill (an unnamed file in the desk's folder, read one
/// at a time): a report of 100,000 photos is read without its 300 MB in memory. `None`: no run
/// yet.
fn load_report(desk: &Desk) -> anyhow::Result<Option<(Report, Spill<ItemReport>)>> {
    let path = crate::pipeline::report_path(&desk.work);
    if !path.exists() {
        return Ok(None);
    }
    std::fs::create_dir_all(desk.desk_dir())?;
    Ok(Some(crate::report::read_spilled(&path, &desk.desk_dir())?))
}

/// The report's overview, read again only when `report.json` changed.
fn cached_overview(desk: &Desk) -> anyhow::Result<Option<Arc<serde_json::Value>>> {
    let path = crate::pipeline::report_path(&desk.work);
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(None);
    };
    let stamp = (meta.modified().ok(), meta.len());
    if let Some((modified, len, value)) = desk.overview.lock().expect("overview lock").as_ref()
        && (*modified, *len) == stamp
    {
        return Ok(Some(Arc::clone(value)));
    }
    let Some((report, items)) = load_report(desk)? else {
        return Ok(None);
    };
    let value = Arc::new(overview(&report, items.iter())?);
    *desk.overview.lock().expect("overview lock") = Some((stamp.0, stamp.1, Arc::clone(&value)));
    Ok(Some(value))
}

/// The files of a folder of the work folder, relative to it, sorted.
fn listed(work: &Path, folder: &str) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(work.join(folder))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(work)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .filter(|p| !p.rsplit('/').next().unwrap_or("").starts_with('.'))
        .collect();
    out.sort();
    out
}

async fn state(State(desk): State<Arc<Desk>>) -> Response {
    let job = desk.job.lock().expect("job lock").clone();
    let d = Arc::clone(&desk);
    let result = tokio::task::spawn_blocking(move || {
        let report = cached_overview(&d)?;
        let decisions = d.decisions()?;
        let returned = listed(&d.work, crate::intake::RETURNED);
        let package: Vec<String> = listed(&d.work, "package")
            .into_iter()
            .filter(|p| {
                p.ends_with(".xlsx")
                    || p.ends_with(".pdf")
                    || p.ends_with(".zip")
                    || p.ends_with("bag-info.txt")
            })
            .collect();
        anyhow::Ok((
            report,
            decisions,
            listed(&d.work, "sheets"),
            returned,
            package,
        ))
    })
    .await;
    match result {
        Ok(Ok((report, decisions, sheets, returned, package))) => {
            let rejected = decisions
                .decisions
                .iter()
                .filter(|d| d.decision == crate::photo::decisions::Verdict::Reject)
                .count();
            Json(serde_json::json!({
                "work": desk.work.display().to_string(),
                "drops": desk.drops(),
                "job": job,
                "report": report.as_deref(),
                "sheets": sheets,
                "returned": returned,
                "package": package,
                "package_folder": desk.work.join("package").display().to_string(),
                "decided": decisions.decisions.len(),
                "rejected": rejected,
                "findings": desk.work.join("findings.csv").exists(),
            }))
            .into_response()
        }
        Ok(Err(e)) => broke(&desk, &e),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn events(
    State(desk): State<Arc<Desk>>,
) -> Sse<impl tokio_stream::Stream<Item = Result<SseEvent, std::convert::Infallible>>> {
    let first = Event::Job(desk.job.lock().expect("job lock").clone());
    let stream = tokio_stream::once(first)
        .chain(BroadcastStream::new(desk.events.subscribe()).filter_map(Result::ok))
        .map(|event| {
            let sse = match event {
                Event::Job(job) => SseEvent::default()
                    .event("job")
                    .data(serde_json::to_string(&job).unwrap_or_default()),
                Event::Changes { client, changes } => SseEvent::default()
                    .event("changes")
                    .data(serde_json::json!({"client": client, "changes": changes}).to_string()),
                Event::Finished => SseEvent::default().event("finished").data("{}"),
                Event::State => SseEvent::default().event("state").data("{}"),
            };
            Ok(sse)
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// A job's arguments: the desk's language, progress as JSON lines, the command and its own
/// arguments, and the desk's profile when the command takes one (`profile`).
fn job_args(
    desk: &Desk,
    command: impl IntoIterator<Item = OsString>,
    profile: bool,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "--lang".into(),
        desk.lang.code().into(),
        "--progress-json".into(),
    ];
    args.extend(command);
    if let Some(profile) = desk.profile.as_ref().filter(|_| profile) {
        args.push("--profile".into());
        args.push(profile.as_os_str().to_owned());
    }
    args
}

/// The arguments of a run over the remembered drops.
fn run_args(desk: &Desk, drops: &[PathBuf]) -> Vec<OsString> {
    let mut command: Vec<OsString> = vec!["run".into()];
    command.extend(drops.iter().map(|d| d.as_os_str().to_owned()));
    command.push("--out".into());
    command.push(desk.work.as_os_str().to_owned());
    job_args(desk, command, true)
}

async fn run(State(desk): State<Arc<Desk>>) -> Response {
    let drops = desk.drops();
    if drops.is_empty() {
        return refuse(&desk, StatusCode::BAD_REQUEST, Refusal::NoDrops);
    }
    let args = run_args(&desk, &drops);
    // No decision is being written while the job starts: the job's run takes the catalog's lock.
    let _writing = desk.writing.lock().await;
    match jobs::start(&desk, JobKind::Run, args) {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(refusal) => refuse(&desk, StatusCode::CONFLICT, refusal),
    }
}

/// The drops folders, as the desk's form sends them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DropsForm {
    drops: Vec<PathBuf>,
}

/// Sets the folders (or zips) the runs go over, remembered in `WORK/desk/settings.json`. Each
/// must exist; none may be inside the work folder (the desk writes there) nor hold it.
async fn set_drops(State(desk): State<Arc<Desk>>, Json(form): Json<DropsForm>) -> Response {
    let mut drops = Vec::new();
    for drop in form.drops.iter().filter(|d| !d.as_os_str().is_empty()) {
        let Ok(full) = drop.canonicalize() else {
            let path = drop.display().to_string();
            return refuse(
                &desk,
                StatusCode::BAD_REQUEST,
                Refusal::DropMissing { path },
            );
        };
        if full.starts_with(&desk.work) || desk.work.starts_with(&full) {
            let path = full.display().to_string();
            return refuse(
                &desk,
                StatusCode::BAD_REQUEST,
                Refusal::DropOverlapsWork { path },
            );
        }
        drops.push(full);
    }
    let settings = Settings { drops };
    let path = desk.desk_dir().join("settings.json");
    let written = serde_json::to_vec_pretty(&settings)
        .map_err(anyhow::Error::from)
        .and_then(|bytes| Ok(crate::output::write_atomic(&path, &bytes)?));
    match written {
        Ok(()) => {
            *desk.settings.lock().expect("settings lock") = settings;
            desk.send(Event::State);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => broke(&desk, &e),
    }
}

/// Builds the package into `WORK/package` (replaced whole when it is built again); `?split=`
/// a size (`700MB`, `4GB`, as `--split-size` reads it) builds it as zipped parts of at most that.
async fn package(
    State(desk): State<Arc<Desk>>,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    if !crate::pipeline::report_path(&desk.work).exists() {
        return refuse(&desk, StatusCode::BAD_REQUEST, Refusal::NoResults);
    }
    let mut command: Vec<OsString> = vec![
        "package".into(),
        desk.work.as_os_str().to_owned(),
        "--to".into(),
        desk.work.join("package").into_os_string(),
    ];
    if let Some(split) = query
        .get("split")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        if let Err(reason) = crate::package::parts::parse_size(split) {
            return refuse(
                &desk,
                StatusCode::BAD_REQUEST,
                Refusal::BadPartSize { reason },
            );
        }
        command.push("--split-size".into());
        command.push(split.into());
    }
    let args = job_args(&desk, command, true);
    let _writing = desk.writing.lock().await;
    match jobs::start(&desk, JobKind::Package, args) {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(refusal) => refuse(&desk, StatusCode::CONFLICT, refusal),
    }
}

/// Checks `WORK/package` as its receiver will (`lightbox verify`): every file there, every
/// checksum right, every row of its tables with its photo.
async fn verify(State(desk): State<Arc<Desk>>) -> Response {
    let package = desk.work.join("package");
    if !package.is_dir() {
        return refuse(&desk, StatusCode::BAD_REQUEST, Refusal::NoPackage);
    }
    let args = job_args(&desk, ["verify".into(), package.into_os_string()], false);
    let _writing = desk.writing.lock().await;
    match jobs::start(&desk, JobKind::Verify, args) {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(refusal) => refuse(&desk, StatusCode::CONFLICT, refusal),
    }
}

async fn cancel(State(desk): State<Arc<Desk>>) -> Response {
    let cancelled = desk
        .running
        .lock()
        .expect("job lock")
        .as_mut()
        .is_some_and(Running::cancel);
    if cancelled {
        StatusCode::ACCEPTED.into_response()
    } else {
        refuse(&desk, StatusCode::CONFLICT, Refusal::NoJob)
    }
}

/// A tab's changes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Posted {
    client: String,
    changes: Vec<Change>,
}

async fn decide(State(desk): State<Arc<Desk>>, Json(posted): Json<Posted>) -> Response {
    if posted.changes.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    match desk.save(posted.changes.clone()).await {
        Ok(()) => {
            desk.send(Event::Changes {
                client: posted.client,
                changes: posted.changes,
            });
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => broke(&desk, &e),
    }
}

async fn review(State(desk): State<Arc<Desk>>) -> Response {
    let d = Arc::clone(&desk);
    let page = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<Vec<u8>>> {
        let Some((report, items)) = load_report(&d)? else {
            return Ok(None);
        };
        let saved = d.decisions()?;
        let live = crate::review::Live {
            changes: "/api/decisions".into(),
            events: "/api/events".into(),
            token: d.token.clone(),
        };
        let key = crate::report::catalog_path(&d.work, &report.catalog)
            .display()
            .to_string();
        let view = crate::review::RunView {
            profile: &report.profile,
            groups: &report.duplicate_groups,
            key: &key,
            saved: &saved,
            lang: d.lang,
            live: Some(&live),
        };
        let mut out = Vec::new();
        crate::review::write_page_streamed(&mut out, &view, items.iter())?;
        Ok(Some(out))
    })
    .await;
    match page {
        Ok(Ok(Some(page))) => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
        }
        Ok(Ok(None)) => axum::response::Redirect::to("/").into_response(),
        Ok(Err(e)) => broke(&desk, &e),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// A URL path, percent-decoded; `None` when it does not decode to UTF-8.
fn decoded(path: &str) -> Option<String> {
    percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()
        .map(|p| p.into_owned())
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("pdf") => "application/pdf",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Any other GET: a file of the work folder's outputs ([`guard::confine`]), streamed.
async fn file(State(desk): State<Arc<Desk>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let Some(relative) = decoded(uri.path().trim_start_matches('/')) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(path) = guard::confine(&desk.work, &relative) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(file) = tokio::fs::File::open(&path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let length = file.metadata().await.map(|m| m.len()).ok();
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut response = ([(header::CONTENT_TYPE, content_type(&path))], body).into_response();
    if let Some(length) = length
        && let Ok(value) = length.to_string().parse()
    {
        response.headers_mut().insert(header::CONTENT_LENGTH, value);
    }
    response
}

/// Whether `unit` is a unit of the last run, as the desk accepts it in a URL: a plain folder
/// name (no separator, no `..`) that the report's overview lists (kept in memory: no report is
/// read for it).
fn is_known_unit(desk: &Desk, unit: &str) -> bool {
    let single = matches!(
        Path::new(unit).components().collect::<Vec<_>>().as_slice(),
        [std::path::Component::Normal(_)]
    );
    if !single || unit.contains(['/', '\\', '\0']) {
        return false;
    }
    cached_overview(desk)
        .ok()
        .flatten()
        .is_some_and(|overview| {
            overview["units"]
                .as_array()
                .is_some_and(|units| units.iter().any(|u| u["unit"] == unit))
        })
}

/// The last run's report with only `unit`'s items, when it is one of its units
/// ([`is_known_unit`]).
fn known_unit(desk: &Desk, unit: &str) -> Option<Report> {
    if !is_known_unit(desk, unit) {
        return None;
    }
    let (mut report, items) = load_report(desk).ok()??;
    report.items = items
        .iter()
        .filter(|i| i.as_ref().map_or(true, |i| i.unit == unit))
        .collect::<std::io::Result<_>>()
        .ok()?;
    Some(report)
}

fn the_profile(desk: &Desk) -> anyhow::Result<crate::profile::Profile> {
    Ok(match &desk.profile {
        Some(path) => crate::profile::Profile::load(path)?,
        None => crate::profile::Profile::embedded(),
    })
}

/// A unit's fill-in 汇总表 (`lightbox template` over the last run): made in a temporary folder and
/// sent, so a GET leaves nothing behind.
async fn template(
    State(desk): State<Arc<Desk>>,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let unit = query.get("unit").cloned().unwrap_or_default();
    let d = Arc::clone(&desk);
    let made = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<Vec<u8>>> {
        let Some(mut report) = known_unit(&d, &unit) else {
            return Ok(None);
        };
        report.summary.units.retain(|u| u.unit == unit);
        let profile = the_profile(&d)?;
        let dir = tempfile::tempdir()?;
        let to = dir.path().join("template.xlsx");
        let dirs = crate::photo::DerivedDirs::in_work(&d.work);
        crate::template::write(&report, &dirs, &profile.fields.required, d.lang, &to)?;
        Ok(Some(std::fs::read(&to)?))
    })
    .await;
    let unit = query.get("unit").cloned().unwrap_or_default();
    match made {
        Ok(Ok(Some(bytes))) => attachment(bytes, &format!("{unit}-汇总表.xlsx")),
        Ok(Ok(None)) => refuse(&desk, StatusCode::NOT_FOUND, Refusal::NoSuchUnit),
        Ok(Err(e)) => broke(&desk, &e),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// A download: the bytes with their type and a file name (ASCII fallback, and the real name as
/// RFC 5987 has it).
fn attachment(bytes: Vec<u8>, name: &str) -> Response {
    let disposition = format!(
        "attachment; filename=\"download{}\"; filename*=UTF-8''{}",
        Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| format!(".{e}"))
            .unwrap_or_default(),
        percent_encoded(name)
    );
    let mut response = (
        [(header::CONTENT_TYPE, content_type(Path::new(name)))],
        bytes,
    )
        .into_response();
    if let Ok(value) = disposition.parse() {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A unit's fix-list: its rows of `findings.csv` (every finding on its photos, and the problems
/// of its folder, zip or sheet), as `<unit>-问题清单.csv` to send to the unit beside its fill-in
/// 汇总表.
async fn fixlist(
    State(desk): State<Arc<Desk>>,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let unit = query.get("unit").cloned().unwrap_or_default();
    let d = Arc::clone(&desk);
    let u = unit.clone();
    let made = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<Vec<u8>>> {
        let Some(report) = known_unit(&d, &u) else {
            return Ok(None);
        };
        let items = report.items.iter().map(Ok);
        let problems: Vec<_> = report
            .problems
            .iter()
            .filter(|p| p.unit == u)
            .cloned()
            .collect();
        let mut out = Vec::new();
        crate::report::write_findings_csv(&mut out, items, &problems, d.lang)?;
        Ok(Some(out))
    })
    .await;
    let name = format!("{unit}-{}.csv", messages::label(Label::FixList, desk.lang));
    match made {
        Ok(Ok(Some(bytes))) => attachment(bytes, &name),
        Ok(Ok(None)) => refuse(&desk, StatusCode::NOT_FOUND, Refusal::NoSuchUnit),
        Ok(Err(e)) => broke(&desk, &e),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// RFC 5987's encoding of a file name for `filename*`: letters, digits and `-._~` as they are,
/// every other byte escaped.
fn percent_encoded(name: &str) -> String {
    const KEPT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(name, KEPT).to_string()
}

/// The sheet extensions a returned 汇总表 may have.
const SHEET_EXTENSIONS: &[&str] = &["xlsx", "xls", "ods", "csv"];

/// A unit's returned 汇总表, uploaded: kept as `WORK/returned/<unit>/<date>-<time>-汇总表.<ext>`
/// (the name the unit gave it is not used, only its extension), and read as that unit's sheet
/// by the next run. The drop is never written.
async fn returned(
    State(desk): State<Arc<Desk>>,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    let unit = query.get("unit").cloned().unwrap_or_default();
    let name = query.get("name").cloned().unwrap_or_default();
    let ext = Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| SHEET_EXTENSIONS.contains(&e.as_str()));
    let Some(ext) = ext else {
        return refuse(&desk, StatusCode::BAD_REQUEST, Refusal::NotASheet);
    };
    if body.is_empty() {
        return refuse(&desk, StatusCode::BAD_REQUEST, Refusal::EmptySheet);
    }
    let d = Arc::clone(&desk);
    let kept = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<String>> {
        if !is_known_unit(&d, &unit) {
            return Ok(None);
        }
        let folder = d.work.join(crate::intake::RETURNED).join(&unit);
        std::fs::create_dir_all(&folder)?;
        let now = SystemTime::now();
        let seconds = now
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let stamp = format!(
            "{}-{:02}{:02}{:02}",
            crate::output::date_of(now),
            seconds / 3600 % 24,
            seconds / 60 % 60,
            seconds % 60
        );
        let mut file = format!("{stamp}-汇总表.{ext}");
        let mut n = 2;
        while folder.join(&file).exists() {
            file = format!("{stamp}-{n}-汇总表.{ext}");
            n += 1;
        }
        crate::output::write_atomic(&folder.join(&file), &body)?;
        Ok(Some(format!("{}/{unit}/{file}", crate::intake::RETURNED)))
    })
    .await;
    match kept {
        Ok(Ok(Some(path))) => {
            desk.send(Event::State);
            (
                StatusCode::CREATED,
                Json(serde_json::json!({ "kept": path })),
            )
                .into_response()
        }
        Ok(Ok(None)) => refuse(&desk, StatusCode::NOT_FOUND, Refusal::NoSuchUnit),
        Ok(Err(e)) => broke(&desk, &e),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

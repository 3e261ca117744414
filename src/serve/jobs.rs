//! The desk's jobs: a run, a package build or a package's verification as a child process of
//! this same binary, its progress, its end, and its cancellation.
//!
//! In: the command line of the job (`lightbox --progress-json run …`). Out: the job's state
//! (stage, steps done, what it printed besides its progress, outcome), sent to every open tab as
//! it changes. A job runs as its own
//! process, not a thread of the desk: a decoder that aborts (a fault in C code) ends that run,
//! not the desk, and the next run's crash journal names the file; cancelling kills the process,
//! which leaves nothing half-written (every output appears atomically, the catalog's run is one
//! transaction) and nothing suspected (the journal's slots of a run stopped on purpose are
//! forgotten). One job at a time: a run holds the catalog.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::oneshot;

use super::{Desk, Event};

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// `lightbox run` over the drops.
    Run,
    /// `lightbox package` into the work folder's `package/`.
    Package,
    /// `lightbox verify` of the work folder's `package/`, as its receiver will check it.
    Verify,
}

/// How a job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// Exit 0: done, nothing blocks.
    Clean,
    /// Exit 1: done, with findings that block packaging.
    Findings,
    /// Stopped from the desk.
    Cancelled,
    /// Exit 2 or a signal: the job could not do its work (`error` says why).
    Failed,
}

/// The job, as every tab sees it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct JobState {
    /// The job running or last run.
    pub kind: Option<JobKind>,
    /// Whether it runs now.
    pub running: bool,
    /// Its current stage (`scan`, `inspect`, …).
    pub stage: String,
    /// Steps of the stage done.
    pub done: u64,
    /// Steps of the stage in all (0: not known).
    pub total: u64,
    /// Seconds since it started.
    pub seconds: f64,
    /// How it ended, once it has.
    pub ending: Option<Ending>,
    /// What it printed on its error stream when it failed (its last lines).
    pub error: Option<String>,
    /// What it printed on its output besides its progress (a verification's findings), at most
    /// [`OUTPUT_LINES`] lines; `output_more` counts those left out.
    pub output: Vec<String>,
    /// Lines of output beyond [`OUTPUT_LINES`], not kept.
    pub output_more: u64,
    /// Jobs started since the desk started: a tab tells a new job from the last.
    pub serial: u64,
}

/// Lines of a job's output the desk keeps (a package of 100,000 photos that lost its folder
/// would print a finding per file).
pub const OUTPUT_LINES: usize = 200;

/// One line of `--progress-json`.
#[derive(Deserialize)]
struct Line {
    stage: String,
    done: u64,
    total: u64,
}

/// The running job's stop button.
pub struct Running {
    cancel: Option<oneshot::Sender<()>>,
}

impl Running {
    /// Asks the job to stop (kills its process).
    pub fn cancel(&mut self) -> bool {
        self.cancel.take().is_some_and(|tx| tx.send(()).is_ok())
    }
}

/// Starts a job unless one runs; `Err` says why not.
pub fn start(
    desk: &Arc<Desk>,
    kind: JobKind,
    args: Vec<std::ffi::OsString>,
) -> Result<(), crate::messages::Refusal> {
    let mut running = desk.running.lock().expect("job lock");
    if running.is_some() {
        return Err(crate::messages::Refusal::Busy);
    }
    let (tx, rx) = oneshot::channel();
    *running = Some(Running { cancel: Some(tx) });
    drop(running);
    {
        let mut job = desk.job.lock().expect("job lock");
        let serial = job.serial + 1;
        *job = JobState {
            kind: Some(kind),
            running: true,
            serial,
            ..JobState::default()
        };
        desk.send(Event::Job(job.clone()));
    }
    let desk = Arc::clone(desk);
    tokio::spawn(async move {
        let (ending, error) = watch(&desk, args, rx).await;
        if ending == Ending::Cancelled {
            // Killed on purpose: the files its workers were reading are not suspects.
            let _ = crate::journal::forget_stopped_run(&desk.work);
        }
        {
            // No job starts and no decision is saved until this one's end is told: once a tab
            // sees it ended, the desk takes the next job and writes to the catalog at once.
            let _one = desk.writing.lock().await;
            *desk.running.lock().expect("job lock") = None;
            // Decisions made while the job held the catalog go in now.
            desk.flush_pending_held().await;
            let mut job = desk.job.lock().expect("job lock");
            job.running = false;
            job.ending = Some(ending);
            job.error = error;
            desk.send(Event::Job(job.clone()));
        }
        // Only a run that wrote its report changes what the review shows.
        let reported = matches!(ending, Ending::Clean | Ending::Findings);
        desk.send(if kind == JobKind::Run && reported {
            Event::Finished
        } else {
            Event::State
        });
    });
    Ok(())
}

async fn watch(
    desk: &Arc<Desk>,
    args: Vec<std::ffi::OsString>,
    cancel: oneshot::Receiver<()>,
) -> (Ending, Option<String>) {
    let started = Instant::now();
    let mut child = match Command::new(&desk.exe)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return (Ending::Failed, Some(format!("{}: {e}", desk.exe.display()))),
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let progress = {
        let desk = Arc::clone(desk);
        tokio::spawn(async move {
            let Some(stdout) = stdout else { return };
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(step) = serde_json::from_str::<Line>(&line) else {
                    let mut job = desk.job.lock().expect("job lock");
                    if job.output.len() < OUTPUT_LINES {
                        job.output.push(line);
                    } else {
                        job.output_more += 1;
                    }
                    continue;
                };
                let mut job = desk.job.lock().expect("job lock");
                job.stage = step.stage;
                job.done = step.done;
                job.total = step.total;
                job.seconds = started.elapsed().as_secs_f64();
                desk.send(Event::Job(job.clone()));
            }
        })
    };
    let errors = tokio::spawn(async move {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text).await;
        }
        text
    });
    let status = tokio::select! {
        status = child.wait() => Some(status),
        _ = cancel => None,
    };
    let status = match status {
        Some(status) => status,
        None => {
            let _ = child.kill().await;
            let _ = progress.await;
            return (Ending::Cancelled, None);
        }
    };
    let _ = progress.await;
    let text = errors.await.unwrap_or_default();
    match status.ok().and_then(|s| s.code()) {
        Some(0) => (Ending::Clean, None),
        Some(1) => (Ending::Findings, None),
        _ => {
            let tail: Vec<&str> = text.lines().rev().take(12).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            (Ending::Failed, Some(tail.join("\n")))
        }
    }
}

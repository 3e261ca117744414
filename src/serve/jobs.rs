//! The desk's jobs: a run (or a package build) as a child process of this same binary, its
//! progress, its end, and its cancellation.
//!
//! In: the command line of the job (`lightbox --progress-json run …`). Out: the job's state
//! (stage, steps done, outcome), sent to every open tab as it changes. A job runs as its own
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
    /// Jobs started since the desk started: a tab tells a new job from the last.
    pub serial: u64,
}

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

/// Starts a job unless one runs; `Err` names why not.
pub fn start(desk: &Arc<Desk>, kind: JobKind, args: Vec<std::ffi::OsString>) -> Result<(), String> {
    let mut running = desk.running.lock().expect("job lock");
    if running.is_some() {
        return Err("busy".into());
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
            let mut job = desk.job.lock().expect("job lock");
            job.running = false;
            job.ending = Some(ending);
            job.error = error;
            desk.send(Event::Job(job.clone()));
        }
        *desk.running.lock().expect("job lock") = None;
        // Decisions made while the job held the catalog go in now.
        desk.flush_pending().await;
        desk.send(Event::Finished);
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
                let Ok(line) = serde_json::from_str::<Line>(&line) else {
                    continue;
                };
                let mut job = desk.job.lock().expect("job lock");
                job.stage = line.stage;
                job.done = line.done;
                job.total = line.total;
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

//! The seam between stages that report progress and the binary that draws it.
//!
//! In: stage names and counts from the pipeline. Out: nothing here; the binary's implementation
//! draws progress bars, `Silent` serves `--quiet`, pipes and tests, [`Timed`] keeps how long
//! each stage took (`--timings`). Invariant: stages never draw or print themselves.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Receives progress from the stages. Implementations must be cheap: `advance` is called from
/// rayon workers once per photo.
pub trait Progress: Sync {
    /// A stage starts, with the number of steps it will take.
    fn stage(&self, name: &str, total: u64);
    /// Steps of the current stage are done.
    fn advance(&self, steps: u64);
    /// The current stage is over.
    fn finish(&self);
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _steps: u64) {}
    fn finish(&self) {}
}

/// The words of [`Timed::table`], in the reader's language: `messages::timings` gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableWords {
    /// The columns' headers: stage, seconds, share, processor seconds, share.
    pub head: [&'static str; 5],
    /// The row of the time outside any stage.
    pub other: &'static str,
    /// The row of the whole run.
    pub total: &'static str,
}

/// Forwards to another [`Progress`] and keeps how long each stage took: wall-clock time from a
/// stage's start to its finish (or to the next stage's start), and the processor time all the
/// run's threads spent in it where the system tells (Linux). What `--timings` prints. On a
/// shared machine the processor time is the steadier figure: waiting for a processor counts in
/// the wall clock only.
pub struct Timed<'a> {
    inner: &'a dyn Progress,
    started: (Instant, Option<Duration>),
    state: Mutex<TimedState>,
}

/// One stage's time: wall clock, and processor time when known.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StageTime {
    /// Wall-clock time.
    pub wall: Duration,
    /// Processor time of all the run's threads, when the system tells it.
    pub cpu: Option<Duration>,
}

#[derive(Default)]
struct TimedState {
    current: Option<(String, Instant, Option<Duration>)>,
    done: Vec<(String, StageTime)>,
}

impl TimedState {
    fn close(&mut self) {
        if let Some((name, start, cpu_start)) = self.current.take() {
            let took = StageTime {
                wall: start.elapsed(),
                cpu: cpu_time()
                    .zip(cpu_start)
                    .map(|(now, then)| now.saturating_sub(then)),
            };
            match self.done.iter_mut().find(|(n, _)| *n == name) {
                Some((_, total)) => {
                    total.wall += took.wall;
                    total.cpu = total.cpu.zip(took.cpu).map(|(a, b)| a + b);
                }
                None => self.done.push((name, took)),
            }
        }
    }
}

/// Processor time so far of all this process's threads (Linux: the sum of each thread's
/// `schedstat`, in nanoseconds); `None` where the system does not tell.
pub fn cpu_time() -> Option<Duration> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    let mut total = 0u64;
    let mut read = 0;
    for task in tasks.flatten() {
        // A thread that ends between the listing and its reading takes its time with it (its
        // file is gone): it is left out, not the whole figure.
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
        read += 1;
    }
    (read > 0).then(|| Duration::from_nanos(total))
}

impl<'a> Timed<'a> {
    /// Times the stages reported through it from now on, forwarding everything to `inner`.
    pub fn new(inner: &'a dyn Progress) -> Timed<'a> {
        Timed {
            inner,
            started: (Instant::now(), cpu_time()),
            state: Mutex::new(TimedState::default()),
        }
    }

    /// Each stage with its time, in the order they first ran, and the whole time since
    /// [`Timed::new`].
    pub fn stages(&self) -> (Vec<(String, StageTime)>, StageTime) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.close();
        let whole = StageTime {
            wall: self.started.0.elapsed(),
            cpu: cpu_time()
                .zip(self.started.1)
                .map(|(now, then)| now.saturating_sub(then)),
        };
        (state.done.clone(), whole)
    }

    /// The stages as a table for people: stage, seconds and share of the whole run, by the
    /// wall clock and, where known, by processor time; then the time outside any stage. Its
    /// `words` are in the reader's language (`messages::timings`).
    pub fn table(&self, words: &TableWords) -> String {
        let (stages, whole) = self.stages();
        let share =
            |part: Duration, of: Duration| 100.0 * part.as_secs_f64() / of.as_secs_f64().max(1e-9);
        let TableWords { head, other, total } = *words;
        let staged = StageTime {
            wall: stages.iter().map(|(_, t)| t.wall).sum(),
            cpu: stages.iter().map(|(_, t)| t.cpu).sum(),
        };
        let rest = StageTime {
            wall: whole.wall.saturating_sub(staged.wall),
            cpu: whole.cpu.zip(staged.cpu).map(|(w, s)| w.saturating_sub(s)),
        };
        let line = |name: &str, t: StageTime| {
            let mut out = format!(
                "{:<10} {:>9.3} {:>6.1}%",
                name,
                t.wall.as_secs_f64(),
                share(t.wall, whole.wall)
            );
            if let (Some(cpu), Some(of)) = (t.cpu, whole.cpu) {
                out.push_str(&format!(
                    " {:>9.3} {:>6.1}%",
                    cpu.as_secs_f64(),
                    share(cpu, of)
                ));
            }
            out.push('\n');
            out
        };
        let mut out = format!("{:<10} {:>9} {:>7}", head[0], head[1], head[2]);
        if whole.cpu.is_some() {
            out.push_str(&format!(" {:>9} {:>7}", head[3], head[4]));
        }
        out.push('\n');
        for (name, t) in &stages {
            out.push_str(&line(name, *t));
        }
        out.push_str(&line(other, rest));
        out.push_str(&line(total, whole));
        out
    }
}

impl Progress for Timed<'_> {
    fn stage(&self, name: &str, total: u64) {
        {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.close();
            state.current = Some((name.to_string(), Instant::now(), cpu_time()));
        }
        self.inner.stage(name, total);
    }

    fn advance(&self, steps: u64) {
        self.inner.advance(steps);
    }

    fn finish(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).close();
        self.inner.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_timed_in_order_and_a_stage_run_twice_adds_up() {
        let timed = Timed::new(&Silent);
        timed.stage("scan", 0);
        std::thread::sleep(Duration::from_millis(20));
        timed.finish();
        timed.stage("dedupe", 0);
        std::thread::sleep(Duration::from_millis(10));
        // A new stage closes the one before.
        timed.stage("scan", 0);
        std::thread::sleep(Duration::from_millis(20));
        timed.finish();
        let (stages, whole) = timed.stages();
        let names: Vec<&str> = stages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["scan", "dedupe"]);
        assert!(stages[0].1.wall >= Duration::from_millis(40), "{stages:?}");
        assert!(stages[1].1.wall >= Duration::from_millis(10), "{stages:?}");
        assert!(whole.wall >= stages[0].1.wall + stages[1].1.wall);
        // Processor time is the sum over the process's live threads (other tests' threads too,
        // and those that end between two readings take their time with them): no bound between
        // a stage's and the whole's holds here, only that Linux tells both.
        if cfg!(target_os = "linux") {
            assert!(stages[0].1.cpu.is_some(), "Linux tells the processor time");
            assert!(whole.cpu.is_some(), "and for the whole");
        }
        let table = timed.table(&crate::messages::timings(crate::lang::Lang::En));
        assert!(table.starts_with("stage"), "{table}");
        assert!(table.contains("\ndedupe "), "{table}");
        assert!(table.contains("\nother "), "{table}");
        assert!(table.lines().last().unwrap().contains("100.0%"), "{table}");
    }
}

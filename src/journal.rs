//! The crash journal: which file each worker is reading, kept in the work folder, so that a
//! crash the process cannot catch (an abort, an allocation failure, a fault in C code) costs
//! that run and, from then on, that file only.
//!
//! In: the work folder; each read of a file for inspection or as a sheet (its location, size,
//! time and, once hashed, its content). Out: at the start of a run, the files an earlier run
//! died reading, which the run reports as `decoder_crashed` without reading them again.
//!
//! Each worker thread has a slot file (`WORK/journal/slot-N`) that is overwritten in place: a
//! record before the worker reads a file, the content hash once it is known, an idle mark when
//! it is done. No fsync: a process that dies leaves its writes in the page cache, and the next
//! run reads them there. [`mark_crashes`] installs handlers for the signals of a crash (SIGABRT,
//! SIGSEGV, SIGBUS, SIGILL, SIGFPE) that mark the slot of the thread that crashed before the
//! process dies: that file is *crashed*, and the next run does not read it. A process killed
//! from outside (SIGKILL, the kernel's OOM killer) names no thread: the files its workers were
//! reading are *suspects*, read again by the next run; a file that two runs died reading, with
//! no run ended between them, is taken as the cause and not read again either. What a run learns is kept in
//! `WORK/journal/crashed.json` (written atomically) until the file changes (another size or
//! time at its place) or another version of lightbox runs. Invariants: the journal never
//! reaches the report or a manifest except as the `decoder_crashed` findings it causes; a run
//! that ends leaves no slot file.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::ThreadId;

use serde::{Deserialize, Serialize};

use crate::photo::{Check, ContentHash, Source};

/// The journal's folder inside a work folder.
const FOLDER: &str = "journal";
/// What earlier runs learned, inside [`FOLDER`].
const KNOWN: &str = "crashed.json";
/// Slot files start with this, followed by a number.
const SLOT: &str = "slot-";

/// A slot's first byte: no file is being read.
const IDLE: u8 = b'-';
/// A slot's first byte: the record that follows is being read.
const READING: u8 = b'R';
/// A slot's first byte: the process crashed (a crash signal) while this thread read the file.
const CRASHED: u8 = b'C';

/// Runs a suspect must have been killed reading before it is taken as the cause.
const STRIKES: u8 = 2;

/// A file an earlier run was reading when it died, as the journal keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The file's location key ([`crate::photo::location_key`]).
    pub location: String,
    /// Its display path.
    pub path: String,
    /// Its size then.
    pub size: u64,
    /// Its modification time then.
    pub modified: Option<i64>,
    /// blake3 of its bytes (hex), when the worker had read and hashed them.
    pub content: Option<String>,
    /// The lightbox that was reading it.
    pub version: String,
    /// A crash signal came while it was read.
    #[serde(default)]
    pub crashed: bool,
    /// Runs killed (no crash signal) while it was read, since a run last ended.
    #[serde(default)]
    pub strikes: u8,
}

impl Entry {
    /// Taken as the cause of a crash: the next runs do not read it.
    pub fn convicted(&self) -> bool {
        self.crashed || self.strikes >= STRIKES
    }

    fn same_file(&self, other: &Entry) -> bool {
        (&self.location, self.size, self.modified) == (&other.location, other.size, other.modified)
    }

    /// The finding a run gives the file instead of reading it.
    fn check(&self) -> Check {
        Check::DecoderCrashed {
            reason: self.version.clone(),
            earlier_run: true,
        }
    }
}

/// One worker thread's slot: its file, and the records of the readings it is inside (a
/// worker that waits inside a decoder may take up another file meanwhile: the innermost is
/// in the file).
struct Slot {
    file: File,
    stack: Vec<Vec<u8>>,
}

/// The journal of one run, shared by its workers.
pub struct Journal {
    dir: PathBuf,
    slots: Mutex<HashMap<ThreadId, Slot>>,
    /// What earlier runs left: convicted files and suspects.
    known: Vec<Entry>,
    /// Entries of `known` whose place this run found holding another file (changed).
    changed: Mutex<HashSet<usize>>,
}

impl Journal {
    /// Opens the journal of `work`: reads the slots a run that died left, adds what they say to
    /// what earlier runs learned, writes that down and clears the slots.
    ///
    /// # Errors
    /// When the journal's folder cannot be made or written.
    pub fn open(work: &Path) -> std::io::Result<Journal> {
        let dir = work.join(FOLDER);
        fs::create_dir_all(&dir)?;
        let version = version();
        let mut known: Vec<Entry> = fs::read(dir.join(KNOWN))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        known.retain(|e| e.version == version);
        let mut left = Vec::new();
        for slot in slot_files(&dir)? {
            if let Some(entry) = fs::read(&slot).ok().and_then(|b| parse_slot(&b)) {
                left.push(entry);
            }
            fs::remove_file(&slot)?;
        }
        for mut entry in left {
            match known.iter_mut().find(|k| k.same_file(&entry)) {
                Some(earlier) => {
                    earlier.crashed |= entry.crashed;
                    earlier.strikes = earlier.strikes.saturating_add(u8::from(!entry.crashed));
                    earlier.content = earlier.content.take().or(entry.content);
                }
                None => {
                    entry.strikes = u8::from(!entry.crashed);
                    known.push(entry);
                }
            }
        }
        let journal = Journal {
            dir,
            slots: Mutex::default(),
            known,
            changed: Mutex::default(),
        };
        journal.write_known(&journal.known.iter().collect::<Vec<_>>())?;
        Ok(journal)
    }

    /// The files earlier runs died reading, convicted or suspected.
    pub fn known(&self) -> &[Entry] {
        &self.known
    }

    /// The finding for `source` when an earlier run died reading this very file (same place,
    /// size and time), with its content when that run had hashed it: it is not to be read. A
    /// file at a known place that has changed is read.
    pub fn verdict(&self, source: &Source) -> Option<(Option<ContentHash>, Check)> {
        if self.known.is_empty() {
            return None;
        }
        let location = crate::photo::location_key(&source.location);
        let mut found = None;
        for (n, entry) in self.known.iter().enumerate() {
            if entry.location != location {
                continue;
            }
            if (entry.size, entry.modified) == (source.size, source.modified) {
                if entry.convicted() {
                    let content = entry.content.as_deref().and_then(ContentHash::from_hex);
                    found = Some((content, entry.check()));
                }
            } else {
                self.changed
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(n);
            }
        }
        found
    }

    /// The finding for bytes an earlier run died decoding (another copy of them, anywhere).
    pub fn verdict_content(&self, content: &ContentHash) -> Option<Check> {
        if self.known.is_empty() {
            return None;
        }
        let hex = content.to_hex();
        self.known
            .iter()
            .find(|e| e.convicted() && e.content.as_deref() == Some(hex.as_str()))
            .map(Entry::check)
    }

    /// Records that this thread is about to read `source`; the record goes when the returned
    /// guard is dropped (unwinding from a caught panic included). Writing fails silently: the
    /// journal is a safety net, never a reason to stop.
    pub fn reading(&self, source: &Source) -> Reading<'_> {
        let entry = Entry {
            location: crate::photo::location_key(&source.location),
            path: source.path.clone(),
            size: source.size,
            modified: source.modified,
            content: None,
            version: version(),
            crashed: false,
            strikes: 0,
        };
        let thread = std::thread::current().id();
        let mut slots = self.lock();
        let number = slots.len();
        if let std::collections::hash_map::Entry::Vacant(vacant) = slots.entry(thread)
            && let Ok(file) = File::options()
                .create(true)
                .truncate(true)
                .read(true)
                .write(true)
                .open(self.dir.join(format!("{SLOT}{number}")))
        {
            vacant.insert(Slot {
                file,
                stack: Vec::new(),
            });
        }
        if let Some(slot) = slots.get_mut(&thread) {
            slot.stack.push(record(&entry));
            slot.write_top();
        }
        Reading {
            journal: self,
            entry,
            thread,
        }
    }

    /// After a run that ended: forgets the suspects (this run read them to its end) and the
    /// files that changed, keeps the convicted ones, and removes the slot files.
    ///
    /// # Errors
    /// When the journal's folder cannot be written.
    pub fn finish(self) -> std::io::Result<()> {
        let changed = self
            .changed
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let keep: Vec<&Entry> = self
            .known
            .iter()
            .enumerate()
            .filter(|(n, e)| e.convicted() && !changed.contains(n))
            .map(|(_, e)| e)
            .collect();
        let dir = self.dir.clone();
        Journal::write_known_in(&dir, &keep)?;
        drop(self.slots);
        for slot in slot_files(&dir)? {
            fs::remove_file(slot)?;
        }
        Ok(())
    }

    fn write_known(&self, entries: &[&Entry]) -> std::io::Result<()> {
        Journal::write_known_in(&self.dir, entries)
    }

    fn write_known_in(dir: &Path, entries: &[&Entry]) -> std::io::Result<()> {
        let path = dir.join(KNOWN);
        if entries.is_empty() {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let json = serde_json::to_vec_pretty(entries).map_err(std::io::Error::other)?;
        crate::output::write_atomic(&path, &json)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ThreadId, Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A reading in progress (see [`Journal::reading`]).
pub struct Reading<'j> {
    journal: &'j Journal,
    entry: Entry,
    thread: ThreadId,
}

impl Reading<'_> {
    /// Adds the content hash of the bytes read: a crash from here on also convicts every other
    /// copy of them.
    pub fn hashed(&mut self, content: &ContentHash) {
        self.entry.content = Some(content.to_hex());
        let mut slots = self.journal.lock();
        if let Some(slot) = slots.get_mut(&self.thread)
            && let Some(top) = slot.stack.last_mut()
        {
            *top = record(&self.entry);
            slot.write_top();
        }
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        let mut slots = self.journal.lock();
        if let Some(slot) = slots.get_mut(&self.thread) {
            slot.stack.pop();
            slot.write_top();
        }
    }
}

impl Slot {
    /// Writes the innermost reading into the slot file, or the idle mark; points the crash
    /// handler at this slot while a reading is in it.
    fn write_top(&self) {
        let idle = [IDLE];
        let bytes = self.stack.last().map_or(&idle[..], Vec::as_slice);
        let _ = write_at(&self.file, bytes);
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let fd = if self.stack.is_empty() {
                -1
            } else {
                self.file.as_raw_fd()
            };
            CRASH_SLOT.with(|s| s.set(fd));
        }
    }
}

/// A slot's bytes for `entry`: the state byte, the JSON's length (8 bytes, little-endian), the
/// JSON. Whatever a longer earlier record left after it is ignored.
fn record(entry: &Entry) -> Vec<u8> {
    let json = serde_json::to_vec(entry).unwrap_or_default();
    let mut bytes = Vec::with_capacity(9 + json.len());
    bytes.push(READING);
    bytes.extend((json.len() as u64).to_le_bytes());
    bytes.extend(json);
    bytes
}

/// The reading a slot file holds, with the crash mark; `None` when it is idle or unreadable.
fn parse_slot(bytes: &[u8]) -> Option<Entry> {
    let (&state, rest) = bytes.split_first()?;
    if state != READING && state != CRASHED {
        return None;
    }
    let len = usize::try_from(u64::from_le_bytes(rest.get(..8)?.try_into().ok()?)).ok()?;
    let mut entry: Entry = serde_json::from_slice(rest.get(8..8 + len)?).ok()?;
    entry.crashed = state == CRASHED;
    entry.strikes = 0;
    Some(entry)
}

/// Forgets what a run stopped on purpose (the desk's cancel kills it) left in its slots: the
/// files its workers were reading are no suspects, since nothing went wrong reading them. A slot
/// marked crashed stays: that run did crash before it was stopped.
///
/// # Errors
/// When the journal's folder cannot be read or a slot removed.
pub fn forget_stopped_run(work: &Path) -> std::io::Result<()> {
    let dir = work.join(FOLDER);
    if !dir.exists() {
        return Ok(());
    }
    for slot in slot_files(&dir)? {
        let crashed = fs::read(&slot).is_ok_and(|b| b.first() == Some(&CRASHED));
        if !crashed {
            fs::remove_file(&slot)?;
        }
    }
    Ok(())
}

fn slot_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut slots = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(SLOT) {
            slots.push(entry.path());
        }
    }
    Ok(slots)
}

fn version() -> String {
    format!("lightbox {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, 0)
}

#[cfg(not(unix))]
fn write_at(mut file: &File, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    file.seek(SeekFrom::Start(0))?;
    file.write_all(bytes)
}

#[cfg(unix)]
thread_local! {
    /// The slot file of the reading this thread is in, or -1: what the crash handler marks.
    static CRASH_SLOT: std::cell::Cell<i32> = const { std::cell::Cell::new(-1) };
}

/// Signals that mean the process crashed in the thread they were delivered to.
#[cfg(unix)]
const CRASH_SIGNALS: [libc::c_int; 5] = [
    libc::SIGABRT,
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
];

/// The handlers [`mark_crashes`] replaced, one per signal of [`CRASH_SIGNALS`].
#[cfg(unix)]
static EARLIER: std::sync::OnceLock<Vec<libc::sigaction>> = std::sync::OnceLock::new();

/// Installs the handlers that mark the crashing thread's slot as crashed (see the module's
/// header). Each marks, puts the handler it replaced back and returns: the fault happens again
/// and ends the process as it would have (an abort raises its signal once more), with the
/// signal as the exit status. Called once by the binary, before any worker starts.
pub fn mark_crashes() {
    #[cfg(unix)]
    EARLIER.get_or_init(|| {
        CRASH_SIGNALS
            .iter()
            .map(|&signal| {
                // SAFETY: sigaction with a zeroed struct is how a handler is installed; the
                // handler only does async-signal-safe things (a thread-local read, pwrite,
                // sigaction).
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = on_crash as *const () as libc::sighandler_t;
                    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                    libc::sigemptyset(&raw mut action.sa_mask);
                    let mut earlier: libc::sigaction = std::mem::zeroed();
                    libc::sigaction(signal, &raw const action, &raw mut earlier);
                    earlier
                }
            })
            .collect()
    });
}

#[cfg(unix)]
extern "C" fn on_crash(
    signal: libc::c_int,
    _info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    let fd = CRASH_SLOT.try_with(std::cell::Cell::get).unwrap_or(-1);
    // SAFETY: pwrite and sigaction are async-signal-safe; the earlier handlers were stored
    // before this one was installed.
    unsafe {
        if fd >= 0 {
            libc::pwrite(fd, [CRASHED].as_ptr().cast(), 1, 0);
        }
        if let Some(n) = CRASH_SIGNALS.iter().position(|&s| s == signal)
            && let Some(earlier) = EARLIER.get().and_then(|e| e.get(n))
        {
            libc::sigaction(signal, earlier, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::Location;

    fn source(path: &Path, size: u64, modified: i64) -> Source {
        Source {
            unit: "单位".into(),
            path: "单位/a.jpg".into(),
            folders: Vec::new(),
            file_name: "a.jpg".into(),
            location: Location::File {
                path: path.to_path_buf(),
            },
            size,
            modified: Some(modified),
        }
    }

    /// Leaves `source` in a slot as a run that died would, crashed or killed.
    fn die_reading(work: &Path, source: &Source, content: Option<&ContentHash>, crashed: bool) {
        let journal = Journal::open(work).unwrap();
        let mut reading = journal.reading(source);
        if let Some(content) = content {
            reading.hashed(content);
        }
        if crashed {
            let slot = slot_files(&work.join(FOLDER)).unwrap().pop().unwrap();
            let file = File::options().write(true).open(slot).unwrap();
            write_at(&file, &[CRASHED]).unwrap();
        }
        // The process dies here: nothing is dropped.
        std::mem::forget(reading);
        std::mem::forget(journal);
    }

    #[test]
    fn a_crash_convicts_its_file_and_its_copies_until_the_file_changes() {
        let work = tempfile::tempdir().unwrap();
        let a = source(Path::new("/drops/单位/a.jpg"), 100, 7);
        let content = ContentHash::of(b"bytes");
        die_reading(work.path(), &a, Some(&content), true);
        let journal = Journal::open(work.path()).unwrap();
        assert!(matches!(
            journal.verdict(&a),
            Some((
                Some(c),
                Check::DecoderCrashed {
                    earlier_run: true,
                    ..
                }
            )) if c == content
        ));
        assert!(journal.verdict_content(&content).is_some());
        assert!(
            journal
                .verdict_content(&ContentHash::of(b"other"))
                .is_none()
        );
        journal.finish().unwrap();
        // Still known after a run that ended, with no slot left.
        let journal = Journal::open(work.path()).unwrap();
        assert!(journal.verdict(&a).is_some());
        assert!(slot_files(&work.path().join(FOLDER)).unwrap().is_empty());
        // The file changed: read again, and forgotten once that run ends.
        let changed = source(Path::new("/drops/单位/a.jpg"), 120, 8);
        assert!(journal.verdict(&changed).is_none());
        journal.finish().unwrap();
        let journal = Journal::open(work.path()).unwrap();
        assert!(journal.known().is_empty());
        assert!(!work.path().join(FOLDER).join(KNOWN).exists());
    }

    #[test]
    fn a_kill_makes_suspects_read_again_and_a_second_kill_on_the_same_file_convicts_it() {
        let work = tempfile::tempdir().unwrap();
        let a = source(Path::new("/drops/单位/a.jpg"), 100, 7);
        die_reading(work.path(), &a, None, false);
        let journal = Journal::open(work.path()).unwrap();
        assert_eq!(journal.known().len(), 1);
        assert!(journal.verdict(&a).is_none(), "one kill names no file");
        // That run is killed too, reading the same file.
        drop(journal);
        die_reading(work.path(), &a, None, false);
        let journal = Journal::open(work.path()).unwrap();
        assert!(journal.verdict(&a).is_some(), "two kills in a row on it");
        journal.finish().unwrap();

        // A suspect the next run reads to its end is forgotten.
        let work = tempfile::tempdir().unwrap();
        die_reading(work.path(), &a, None, false);
        Journal::open(work.path()).unwrap().finish().unwrap();
        assert!(Journal::open(work.path()).unwrap().known().is_empty());
    }

    #[test]
    fn a_finished_reading_leaves_the_slot_idle_and_nested_readings_unwind_in_order() {
        let work = tempfile::tempdir().unwrap();
        let a = source(Path::new("/a.jpg"), 1, 1);
        let b = source(Path::new("/b.jpg"), 2, 2);
        let journal = Journal::open(work.path()).unwrap();
        let slot = || {
            let slots = slot_files(&work.path().join(FOLDER)).unwrap();
            assert_eq!(slots.len(), 1);
            parse_slot(&fs::read(&slots[0]).unwrap()).map(|e| e.location)
        };
        {
            let _outer = journal.reading(&a);
            assert_eq!(slot().as_deref(), Some("/a.jpg"));
            {
                let _inner = journal.reading(&b);
                assert_eq!(slot().as_deref(), Some("/b.jpg"));
            }
            assert_eq!(slot().as_deref(), Some("/a.jpg"));
        }
        assert_eq!(slot(), None);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _reading = journal.reading(&a);
            panic!("caught");
        }));
        assert_eq!(slot(), None, "a caught panic clears the slot");
        journal.finish().unwrap();
    }
}

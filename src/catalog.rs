//! The catalog: a SQLite database that remembers every file lightbox has seen, what inspection
//! found, each run's results, and which package took which photo.
//!
//! In: sources (for cache look-ups), a run's items (to record), a package's entries. Out:
//! cached inspections for unchanged files, history of earlier runs and packages. Invariants:
//! one writer: a lock file next to the database refuses a second concurrent run with a clear
//! message; each run's results are written in one transaction from one thread; a cache entry is
//! used only when the file's location, size and modification time all match and it was made
//! by the same lightbox version with the same inspection settings.
//!
//! Size: about 740 lines of code and 140 of tests: one SQLite schema and every query on it.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::photo::Inspection;
use crate::photo::decisions::{Change, Decision, Decisions, DistinctPair, Keeper, Verdict};
pub use crate::photo::location_key;
use crate::photo::{ContentHash, Item, Source, Status};

/// Schema version; a catalog with another version is refused rather than misread.
pub const SCHEMA_VERSION: i64 = 1;

/// Why the catalog cannot be used: each message names the path and what to do.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Another run holds the lock.
    #[error(
        "the catalog {path} is in use by another lightbox run; wait for it to finish (or remove {lock} if no run is going on)"
    )]
    Locked {
        /// The database.
        path: String,
        /// The lock file.
        lock: String,
    },
    /// The database could not be opened or written.
    #[error("catalog {path}")]
    Database {
        /// The database.
        path: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The lock file could not be created.
    #[error("catalog lock {path}")]
    Io {
        /// The lock file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// What was to be recorded could not be read (from the disk it waited on).
    #[error("reading what the catalog was to record")]
    Entries {
        /// The I/O error.
        source: std::io::Error,
    },
    /// A catalog made by an incompatible version.
    #[error(
        "catalog {path} has schema {found}, this lightbox reads {SCHEMA_VERSION}: use a new --catalog file"
    )]
    Schema {
        /// The database.
        path: String,
        /// Its schema version.
        found: i64,
    },
}

/// The catalog's committed inspections, read from any thread (one query at a time).
pub struct CatalogReader {
    connection: std::sync::Mutex<Connection>,
}

impl CatalogReader {
    /// The inspection of `content` made with `settings` by an earlier run.
    pub fn inspection(&self, content: &ContentHash, settings: &str) -> Option<Inspection> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inspection_of(&connection, content, settings)
    }
}

/// The inspection of `content` made with `settings`, as `connection` sees the catalog.
fn inspection_of(
    connection: &Connection,
    content: &ContentHash,
    settings: &str,
) -> Option<Inspection> {
    let row: Option<String> = connection
        .prepare_cached("SELECT inspection FROM inspections WHERE content = ?1 AND settings = ?2")
        .ok()?
        .query_row(params![content.to_hex(), settings], |r| r.get(0))
        .optional()
        .ok()?;
    row.and_then(|json| serde_json::from_str(&json).ok())
}

/// An open catalog, locked for this process.
pub struct Catalog {
    connection: Connection,
    path: PathBuf,
    _lock: File,
}

/// What the catalog remembers of a content hash from earlier runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The location key it had.
    pub location: String,
    /// The unit that sent it.
    pub unit: String,
    /// Its display path then.
    pub path: String,
    /// Its status then.
    pub status: Status,
}

/// A photo some package already holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packaged {
    /// The package folder.
    pub package: String,
    /// The file name inside it.
    pub file: String,
    /// The unit that sent it.
    pub unit: String,
}

/// True when the file behind a location key still exists.
pub fn location_exists(key: &str) -> bool {
    Path::new(key.split('\u{0}').next().unwrap_or(key)).exists()
}

impl Catalog {
    /// Opens (creating if needed) the catalog at `path` and takes its lock.
    ///
    /// # Errors
    /// `Locked` when another run holds it; `Database`/`Io` naming the path otherwise.
    pub fn open(path: &Path) -> Result<Catalog, CatalogError> {
        let lock_path = PathBuf::from(format!("{}.lock", path.display()));
        let io = |source| CatalogError::Io {
            path: lock_path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CatalogError::Locked {
                    path: path.display().to_string(),
                    lock: lock_path.display().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let db = |source| CatalogError::Database {
            path: path.display().to_string(),
            source,
        };
        let connection = Connection::open(path).map_err(db)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 BEGIN IMMEDIATE;
                 CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS runs (
                     id INTEGER PRIMARY KEY, inputs TEXT NOT NULL, summary TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS files (
                     location TEXT PRIMARY KEY, size INTEGER NOT NULL, modified INTEGER NOT NULL,
                     content TEXT, unit TEXT NOT NULL, path TEXT NOT NULL,
                     first_run INTEGER NOT NULL, last_run INTEGER NOT NULL);
                 CREATE INDEX IF NOT EXISTS files_content ON files (content);
                 CREATE TABLE IF NOT EXISTS inspections (
                     content TEXT NOT NULL, settings TEXT NOT NULL, inspection TEXT NOT NULL,
                     PRIMARY KEY (content, settings));
                 CREATE TABLE IF NOT EXISTS items (
                     location TEXT PRIMARY KEY, run INTEGER NOT NULL, unit TEXT NOT NULL,
                     path TEXT NOT NULL, content TEXT, status TEXT NOT NULL,
                     perceptual TEXT, tags TEXT NOT NULL, findings TEXT NOT NULL);
                 CREATE INDEX IF NOT EXISTS items_content ON items (content);
                 CREATE TABLE IF NOT EXISTS packaged (
                     content TEXT NOT NULL, package TEXT NOT NULL, file TEXT NOT NULL,
                     unit TEXT NOT NULL, original TEXT NOT NULL, PRIMARY KEY (content, package));
                 CREATE TABLE IF NOT EXISTS packages (
                     seq INTEGER PRIMARY KEY, package TEXT NOT NULL UNIQUE,
                     identifier TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS decisions (
                     content TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
                     path TEXT NOT NULL, PRIMARY KEY (content, kind));
                 CREATE TABLE IF NOT EXISTS distinct_pairs (
                     a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b), CHECK (a < b));
                 CREATE TABLE IF NOT EXISTS sheets (unit TEXT PRIMARY KEY, input TEXT NOT NULL);
                 COMMIT;",
            )
            .map_err(db)?;
        let version: Option<i64> = connection
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(db)?
            .and_then(|v| v.parse().ok());
        match version {
            None => {
                connection
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                        params![SCHEMA_VERSION.to_string()],
                    )
                    .map_err(db)?;
            }
            Some(v) if v != SCHEMA_VERSION => {
                return Err(CatalogError::Schema {
                    path: path.display().to_string(),
                    found: v,
                });
            }
            Some(_) => {}
        }
        Ok(Catalog {
            connection,
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    fn db(&self, source: rusqlite::Error) -> CatalogError {
        CatalogError::Database {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// The cached inspection of an unchanged file: same location, size and modification time,
    /// inspected with the same `settings`. `None` means "read it".
    pub fn cached_inspection(&self, source: &Source, settings: &str) -> Option<Inspection> {
        let modified = source.modified?;
        let row: Option<String> = self
            .connection
            .prepare_cached(
                "SELECT i.inspection FROM files f JOIN inspections i ON i.content = f.content
                 WHERE f.location = ?1 AND f.size = ?2 AND f.modified = ?3 AND i.settings = ?4",
            )
            .ok()?
            .query_row(
                params![
                    location_key(&source.location),
                    source.size as i64,
                    modified,
                    settings
                ],
                |r| r.get(0),
            )
            .optional()
            .ok()?;
        row.and_then(|json| serde_json::from_str(&json).ok())
    }

    /// The inspection of `content` made with `settings`, recorded by an earlier run or by this
    /// one so far (its open transaction included).
    pub fn inspection(&self, content: &ContentHash, settings: &str) -> Option<Inspection> {
        inspection_of(&self.connection, content, settings)
    }

    /// A second connection to the database, read only, for the inspection workers: it sees
    /// what earlier runs committed (the write-ahead log lets it read beside the open run).
    /// `None` when it cannot be opened; the run then just decodes every content.
    pub fn reader(&self) -> Option<CatalogReader> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
            | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let connection = Connection::open_with_flags(&self.path, flags).ok()?;
        Some(CatalogReader {
            connection: std::sync::Mutex::new(connection),
        })
    }

    /// Where else a content hash was seen in runs before `run` (the one being recorded, whose
    /// own rows are not looked at), newest first; locations `except` says are this run's are
    /// left out too.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn seen_elsewhere(
        &self,
        content: &ContentHash,
        run: i64,
        except: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<Seen>, CatalogError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT location, unit, path, status FROM items WHERE content = ?1 AND run != ?2 ORDER BY run DESC, path")
            .map_err(|e| self.db(e))?;
        let rows = statement
            .query_map(params![content.to_hex(), run], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.db(e))?;
        let mut seen = Vec::new();
        for row in rows {
            let (location, unit, path, status) = row.map_err(|e| self.db(e))?;
            if except(&location) {
                continue;
            }
            if let Ok(status) = serde_json::from_value(serde_json::Value::String(status)) {
                seen.push(Seen {
                    location,
                    unit,
                    path,
                    status,
                });
            }
        }
        Ok(seen)
    }

    /// The packages that already hold a content hash.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn packaged(&self, content: &ContentHash) -> Result<Vec<Packaged>, CatalogError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT package, file, unit FROM packaged WHERE content = ?1 ORDER BY package",
            )
            .map_err(|e| self.db(e))?;
        let rows = statement
            .query_map(params![content.to_hex()], |r| {
                Ok(Packaged {
                    package: r.get(0)?,
                    file: r.get(1)?,
                    unit: r.get(2)?,
                })
            })
            .map_err(|e| self.db(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.db(e))
    }

    /// The fingerprint of the inputs a unit's contact sheets were last drawn from.
    pub fn sheet_input(&self, unit: &str) -> Option<String> {
        self.connection
            .query_row(
                "SELECT input FROM sheets WHERE unit = ?1",
                params![unit],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten()
    }

    /// Starts recording a run: the run's row now, its files, inspections and sheets as the run
    /// gets to them, all in one transaction that only [`RunRecord::commit`] makes visible. A run
    /// that fails or is killed before then leaves nothing of itself in the catalog.
    ///
    /// The catalog stays readable meanwhile (the same connection sees the uncommitted rows).
    ///
    /// # Errors
    /// When the database cannot be written.
    pub fn begin_run(&self, inputs: &str, summary: &str) -> Result<RunRecord<'_>, CatalogError> {
        let path = self.path.display().to_string();
        let db = |source| CatalogError::Database {
            path: path.clone(),
            source,
        };
        // Unchecked: the transaction borrows the connection shared, so look-ups (sheet inputs,
        // decisions) go on while it is open; nothing else opens one meanwhile (one writer).
        let tx = self.connection.unchecked_transaction().map_err(db)?;
        tx.execute(
            "INSERT INTO runs (inputs, summary) VALUES (?1, ?2)",
            params![inputs, summary],
        )
        .map_err(db)?;
        let run = tx.last_insert_rowid();
        Ok(RunRecord { tx, run, path })
    }

    /// The identifier (bag-info's `External-Identifier`) of the package made before `package`:
    /// the one recorded last before it, or, for a package not recorded yet, the last one
    /// recorded. Making a package again keeps its place in that order, so the same work gives
    /// the same answer.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn previous_package(&self, package: &str) -> Result<Option<String>, CatalogError> {
        let path = self.path.display().to_string();
        let db = |source| CatalogError::Database {
            path: path.clone(),
            source,
        };
        self.connection
            .query_row(
                "SELECT identifier FROM packages WHERE package != ?1 AND seq < \
                 COALESCE((SELECT seq FROM packages WHERE package = ?1), 9223372036854775807) \
                 ORDER BY seq DESC LIMIT 1",
                params![package],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }

    /// Records what a package holds, replacing what that package held before, in one
    /// transaction: the entries (content, file, unit, original) are read as they are recorded,
    /// and `identifier` (bag-info's `External-Identifier`) is kept for the package made next.
    ///
    /// # Errors
    /// When the database cannot be written, or an entry cannot be read (nothing is recorded).
    pub fn record_package<I>(
        &mut self,
        package: &str,
        identifier: &str,
        entries: I,
    ) -> Result<(), CatalogError>
    where
        I: IntoIterator<Item = std::io::Result<(ContentHash, String, String, String)>>,
    {
        let path = self.path.display().to_string();
        let db = |source| CatalogError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.connection.transaction().map_err(db)?;
        tx.execute("DELETE FROM packaged WHERE package = ?1", params![package])
            .map_err(db)?;
        tx.execute(
            "INSERT INTO packages (package, identifier) VALUES (?1, ?2) \
             ON CONFLICT (package) DO UPDATE SET identifier = excluded.identifier",
            params![package, identifier],
        )
        .map_err(db)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT OR REPLACE INTO packaged (content, package, file, unit, original) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(db)?;
            for entry in entries {
                // An entry that cannot be read ends the transaction unrecorded.
                let (content, file, unit, original) =
                    entry.map_err(|source| CatalogError::Entries { source })?;
                insert
                    .execute(params![content.to_hex(), package, file, unit, original])
                    .map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    /// Records curators' decisions (a later file's verdict on a photo replaces an earlier one).
    /// Distinct pairs are added to those recorded before (stored `a < b`, each once; one key
    /// twice is not a pair).
    ///
    /// # Errors
    /// When the database cannot be written.
    pub fn record_decisions(&mut self, decisions: &Decisions) -> Result<(), CatalogError> {
        let path = self.path.display().to_string();
        let db = |source| CatalogError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.connection.transaction().map_err(db)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT OR REPLACE INTO decisions (content, kind, value, path) VALUES (?1, ?2, ?3, ?4)")
                .map_err(db)?;
            for d in &decisions.decisions {
                let value = match d.decision {
                    Verdict::Accept => "accept",
                    Verdict::Reject => "reject",
                };
                insert
                    .execute(params![d.content, "verdict", value, d.path])
                    .map_err(db)?;
            }
            for k in &decisions.keepers {
                insert
                    .execute(params![k.content, "keeper", "keeper", k.path])
                    .map_err(db)?;
            }
            let mut pair = tx
                .prepare_cached("INSERT OR IGNORE INTO distinct_pairs (a, b) VALUES (?1, ?2)")
                .map_err(db)?;
            for p in decisions
                .distinct
                .iter()
                .filter_map(|p| DistinctPair::new(&p.a, &p.b))
            {
                pair.execute(params![p.a, p.b]).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    /// Applies curators' changes from the desk in order, in one transaction: a verdict set or
    /// cleared, a group's keeper replaced or returned to the automatic one, pairs declared
    /// different photos or no longer.
    ///
    /// # Errors
    /// When the database cannot be written (nothing is applied then).
    pub fn apply_changes(&mut self, changes: &[Change]) -> Result<(), CatalogError> {
        let path = self.path.display().to_string();
        let db = |source| CatalogError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.connection.transaction().map_err(db)?;
        for change in changes {
            match change {
                Change::Verdict {
                    content,
                    path,
                    decision,
                } => match decision {
                    Some(v) => {
                        let value = match v {
                            Verdict::Accept => "accept",
                            Verdict::Reject => "reject",
                        };
                        tx.execute(
                            "INSERT OR REPLACE INTO decisions (content, kind, value, path) VALUES (?1, 'verdict', ?2, ?3)",
                            params![content, value, path],
                        )
                        .map_err(db)?;
                    }
                    None => {
                        tx.execute(
                            "DELETE FROM decisions WHERE content = ?1 AND kind = 'verdict'",
                            params![content],
                        )
                        .map_err(db)?;
                    }
                },
                Change::Keeper {
                    members, keeper, ..
                } => {
                    for member in members {
                        tx.execute(
                            "DELETE FROM decisions WHERE content = ?1 AND kind = 'keeper'",
                            params![member],
                        )
                        .map_err(db)?;
                    }
                    if let Some(k) = keeper {
                        tx.execute(
                            "INSERT OR REPLACE INTO decisions (content, kind, value, path) VALUES (?1, 'keeper', 'keeper', ?2)",
                            params![k.content, k.path],
                        )
                        .map_err(db)?;
                    }
                }
                Change::Split { pairs } => {
                    for p in pairs.iter().filter_map(|p| DistinctPair::new(&p.a, &p.b)) {
                        tx.execute(
                            "INSERT OR IGNORE INTO distinct_pairs (a, b) VALUES (?1, ?2)",
                            params![p.a, p.b],
                        )
                        .map_err(db)?;
                    }
                }
                Change::Unsplit { pairs } => {
                    for p in pairs.iter().filter_map(|p| DistinctPair::new(&p.a, &p.b)) {
                        tx.execute(
                            "DELETE FROM distinct_pairs WHERE a = ?1 AND b = ?2",
                            params![p.a, p.b],
                        )
                        .map_err(db)?;
                    }
                }
            }
        }
        tx.commit().map_err(db)
    }

    /// The pairs of photos (content keys, `a < b`, sorted) curators declared different photos:
    /// grouping never makes one of a pair a copy of the other.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn distinct_pairs(&self) -> Result<Vec<(String, String)>, CatalogError> {
        distinct_pairs_in(&self.connection, &self.path)
    }

    /// Every decision the catalog holds (distinct pairs sorted).
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn decisions(&self) -> Result<Decisions, CatalogError> {
        decisions_in(&self.connection, &self.path)
    }
}

/// The decisions of the catalog at `path` as its last committed transaction left them, read
/// without its lock (a run may hold it: SQLite's write-ahead log lets a reader in beside the
/// writer). No catalog there yet, or one whose first run is still making it (a file without its
/// tables): no decisions.
///
/// # Errors
/// When the database cannot be read.
pub fn read_decisions(path: &Path) -> Result<Decisions, CatalogError> {
    let none = || Decisions {
        format: 1,
        report: path.display().to_string(),
        ..Decisions::default()
    };
    if !path.exists() {
        return Ok(none());
    }
    let db = |source| CatalogError::Database {
        path: path.display().to_string(),
        source,
    };
    let connection = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(db)?;
    let made: bool = connection
        .query_row(
            "SELECT count(*) = 2 FROM sqlite_master WHERE type = 'table' \
             AND name IN ('decisions', 'distinct_pairs')",
            [],
            |r| r.get(0),
        )
        .map_err(db)?;
    if !made {
        return Ok(none());
    }
    decisions_in(&connection, path)
}

fn distinct_pairs_in(
    connection: &Connection,
    path: &Path,
) -> Result<Vec<(String, String)>, CatalogError> {
    let db = |source| CatalogError::Database {
        path: path.display().to_string(),
        source,
    };
    let mut statement = connection
        .prepare_cached("SELECT a, b FROM distinct_pairs ORDER BY a, b")
        .map_err(db)?;
    let rows = statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(db)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db)
}

fn decisions_in(connection: &Connection, path: &Path) -> Result<Decisions, CatalogError> {
    let db = |source| CatalogError::Database {
        path: path.display().to_string(),
        source,
    };
    let mut statement = connection
        .prepare_cached(
            "SELECT content, kind, value, path FROM decisions ORDER BY path, content, kind",
        )
        .map_err(db)?;
    let rows = statement
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(db)?;
    let mut out = Decisions {
        format: 1,
        report: path.display().to_string(),
        ..Decisions::default()
    };
    for row in rows {
        let (content, kind, value, path) = row.map_err(db)?;
        match (kind.as_str(), value.as_str()) {
            ("keeper", _) => out.keepers.push(Keeper { content, path }),
            (_, "accept") => out.decisions.push(Decision {
                content,
                path,
                decision: Verdict::Accept,
            }),
            (_, "reject") => out.decisions.push(Decision {
                content,
                path,
                decision: Verdict::Reject,
            }),
            _ => {}
        }
    }
    out.distinct = distinct_pairs_in(connection, path)?
        .into_iter()
        .map(|(a, b)| DistinctPair { a, b })
        .collect();
    Ok(out)
}

/// A run being recorded (from [`Catalog::begin_run`]): rows go in as the run produces them, so
/// a run need not keep them until its end. Dropped without [`RunRecord::commit`], the whole run
/// is rolled back.
pub struct RunRecord<'c> {
    tx: rusqlite::Transaction<'c>,
    run: i64,
    path: String,
}

impl RunRecord<'_> {
    fn db(&self) -> impl Fn(rusqlite::Error) -> CatalogError + '_ {
        |source| CatalogError::Database {
            path: self.path.clone(),
            source,
        }
    }

    /// The run's id.
    pub fn id(&self) -> i64 {
        self.run
    }

    /// Records the run's summary (counted as its items went by).
    ///
    /// # Errors
    /// When the database cannot be written.
    pub fn summary(&self, summary: &str) -> Result<(), CatalogError> {
        self.tx
            .execute(
                "UPDATE runs SET summary = ?1 WHERE id = ?2",
                params![summary, self.run],
            )
            .map_err(self.db())?;
        Ok(())
    }

    /// Records every file (location, size, mtime, content) and every item's result.
    ///
    /// # Errors
    /// When the database cannot be written.
    pub fn items(&self, items: &[Item]) -> Result<(), CatalogError> {
        let db = self.db();
        let mut file = self
            .tx
            .prepare_cached(
                "INSERT INTO files (location, size, modified, content, unit, path, first_run, last_run)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT (location) DO UPDATE SET size = ?2, modified = ?3, content = ?4,
                     unit = ?5, path = ?6, last_run = ?7",
            )
            .map_err(&db)?;
        let mut item_row = self
            .tx
            .prepare_cached(
                "INSERT OR REPLACE INTO items (location, run, unit, path, content, status, perceptual, tags, findings)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8)",
            )
            .map_err(&db)?;
        for item in items {
            let location = location_key(&item.source.location);
            let content = item.content.map(|c| c.to_hex());
            let status = serde_json::to_value(item.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            if let Some(modified) = item.source.modified {
                file.execute(params![
                    location,
                    item.source.size as i64,
                    modified,
                    content,
                    item.source.unit,
                    item.source.path,
                    self.run
                ])
                .map_err(&db)?;
            }
            let tags = serde_json::to_string(&item.tags).unwrap_or_default();
            let findings = serde_json::to_string(&item.findings).unwrap_or_default();
            item_row
                .execute(params![
                    location,
                    self.run,
                    item.source.unit,
                    item.source.path,
                    content,
                    status,
                    tags,
                    findings
                ])
                .map_err(&db)?;
        }
        Ok(())
    }

    /// Records inspections by content, made with `settings`: the cache of later runs.
    ///
    /// # Errors
    /// When the database cannot be written.
    pub fn inspections(
        &self,
        inspections: &[Inspection],
        settings: &str,
    ) -> Result<(), CatalogError> {
        let db = self.db();
        let mut inspection = self
            .tx
            .prepare_cached(
                "INSERT OR REPLACE INTO inspections (content, settings, inspection) VALUES (?1, ?2, ?3)",
            )
            .map_err(&db)?;
        for fresh in inspections {
            let (Some(content), Ok(json)) = (fresh.content, serde_json::to_string(fresh)) else {
                continue;
            };
            inspection
                .execute(params![content.to_hex(), settings, json])
                .map_err(&db)?;
        }
        Ok(())
    }

    /// Records the fingerprints of the inputs each sheet (by key) was drawn from.
    ///
    /// # Errors
    /// When the database cannot be written.
    pub fn sheets(&self, sheets: &[(String, String)]) -> Result<(), CatalogError> {
        let db = self.db();
        let mut sheet = self
            .tx
            .prepare_cached("INSERT OR REPLACE INTO sheets (unit, input) VALUES (?1, ?2)")
            .map_err(&db)?;
        for (unit, input) in sheets {
            sheet.execute(params![unit, input]).map_err(&db)?;
        }
        Ok(())
    }

    /// Writes the rows recorded so far out of SQLite's page cache into the database (still
    /// uncommitted, invisible to anyone else) and frees that cache: a long run does not keep
    /// its rows in memory until it commits.
    ///
    /// # Errors
    /// When the database cannot be written.
    pub fn spill(&self) -> Result<(), CatalogError> {
        let db = self.db();
        self.tx.cache_flush().map_err(&db)?;
        self.tx.release_memory().map_err(&db)
    }

    /// Makes the whole run visible at once; returns its id.
    ///
    /// # Errors
    /// When the database cannot be written; nothing of the run is recorded then.
    pub fn commit(self) -> Result<i64, CatalogError> {
        let RunRecord { tx, run, path } = self;
        tx.commit()
            .map_err(|source| CatalogError::Database { path, source })?;
        Ok(run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite");
        let first = Catalog::open(&path).unwrap();
        let err = Catalog::open(&path).err().expect("locked");
        assert!(matches!(err, CatalogError::Locked { .. }));
        assert!(err.to_string().contains("catalog.sqlite"));
        drop(first);
        assert!(Catalog::open(&path).is_ok());
    }

    #[test]
    fn a_catalog_still_being_made_reads_as_no_decisions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite");
        // What a reader met while a first run was making the catalog: the file is there,
        // some of its tables not yet.
        let early = Connection::open(&path).unwrap();
        early
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE meta (key TEXT);")
            .unwrap();
        let d = read_decisions(&path).unwrap();
        assert!(d.decisions.is_empty() && d.keepers.is_empty() && d.distinct.is_empty());
        drop(early);
        std::fs::remove_file(&path).unwrap();
        // An empty file (SQLite's view of a database not yet written) likewise.
        std::fs::write(&path, b"").unwrap();
        assert!(read_decisions(&path).unwrap().decisions.is_empty());
        std::fs::remove_file(&path).unwrap();
        // Once made, the decisions are read.
        let mut catalog = Catalog::open(&path).unwrap();
        catalog
            .apply_changes(&[Change::Verdict {
                content: "aa".into(),
                path: "u/aa.jpg".into(),
                decision: Some(Verdict::Reject),
            }])
            .unwrap();
        assert_eq!(
            read_decisions(&path).unwrap().verdict("aa"),
            Some(Verdict::Reject)
        );
    }

    #[test]
    fn desk_changes_set_and_take_back_verdicts_keepers_and_splits() {
        let dir = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&dir.path().join("catalog.sqlite")).unwrap();
        let pair = |a: &str, b: &str| DistinctPair {
            a: a.into(),
            b: b.into(),
        };
        let verdict = |content: &str, decision| Change::Verdict {
            content: content.into(),
            path: format!("u/{content}.jpg"),
            decision,
        };
        let keeper = |content: &str| Keeper {
            content: content.into(),
            path: format!("u/{content}.jpg"),
        };
        let group = |keeper| Change::Keeper {
            group: "g:aa".into(),
            members: vec!["aa".into(), "bb".into(), "cc".into()],
            keeper,
        };
        catalog
            .apply_changes(&[
                verdict("aa", Some(Verdict::Reject)),
                verdict("bb", Some(Verdict::Accept)),
                verdict("aa", Some(Verdict::Accept)),
                group(Some(keeper("bb"))),
                group(Some(keeper("cc"))),
                Change::Split {
                    pairs: vec![pair("cc", "aa"), pair("aa", "aa")],
                },
            ])
            .unwrap();
        let d = catalog.decisions().unwrap();
        assert_eq!(d.verdict("aa"), Some(Verdict::Accept));
        assert_eq!(d.verdict("bb"), Some(Verdict::Accept));
        // Choosing another keeper in the group replaced the first choice.
        assert_eq!(d.keepers, vec![keeper("cc")]);
        assert_eq!(d.distinct, vec![pair("aa", "cc")]);

        catalog
            .apply_changes(&[
                verdict("bb", None),
                group(None),
                Change::Unsplit {
                    pairs: vec![pair("cc", "aa")],
                },
            ])
            .unwrap();
        let d = catalog.decisions().unwrap();
        assert_eq!(d.verdict("bb"), None);
        assert_eq!(d.verdict("aa"), Some(Verdict::Accept));
        assert!(d.keepers.is_empty());
        assert!(d.distinct.is_empty());
    }

    #[test]
    fn distinct_pairs_are_kept_sorted_and_once_beside_the_other_decisions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite");
        let mut catalog = Catalog::open(&path).unwrap();
        assert!(catalog.distinct_pairs().unwrap().is_empty());
        let pair = |a: &str, b: &str| DistinctPair {
            a: a.into(),
            b: b.into(),
        };
        let first = Decisions {
            format: 1,
            decisions: vec![Decision {
                content: "ab".into(),
                path: "u/a.jpg".into(),
                decision: Verdict::Reject,
            }],
            keepers: vec![Keeper {
                content: "cd".into(),
                path: "u/c.jpg".into(),
            }],
            // A struct made in code may hold a pair the wrong way round, or one key twice.
            distinct: vec![pair("ef", "cd"), pair("ab", "cd"), pair("ab", "ab")],
            ..Decisions::default()
        };
        catalog.record_decisions(&first).unwrap();
        // A later file: one pair again, one new; the earlier pairs stay.
        let later = Decisions {
            format: 1,
            distinct: vec![pair("ab", "cd"), pair("00", "ff")],
            ..Decisions::default()
        };
        catalog.record_decisions(&later).unwrap();
        let expected = [("00", "ff"), ("ab", "cd"), ("cd", "ef")];
        let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|&(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(catalog.distinct_pairs().unwrap(), owned(&expected));
        drop(catalog);

        // Reopened: the pairs come back with the verdicts and keepers, in order.
        let catalog = Catalog::open(&path).unwrap();
        let back = catalog.decisions().unwrap();
        assert_eq!(back.decisions, first.decisions);
        assert_eq!(back.keepers, first.keepers);
        assert_eq!(
            back.distinct,
            expected.map(|(a, b)| pair(a, b)),
            "sorted, a < b, each once"
        );
        assert!(back.is_distinct("ef", "cd"));
    }

    #[test]
    fn a_catalog_made_before_distinct_pairs_opens_and_records_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite");
        drop(Catalog::open(&path).unwrap());
        // As an older lightbox left it: no distinct_pairs table.
        Connection::open(&path)
            .unwrap()
            .execute_batch("DROP TABLE distinct_pairs")
            .unwrap();
        let mut catalog = Catalog::open(&path).unwrap();
        assert!(catalog.decisions().unwrap().distinct.is_empty());
        catalog
            .record_decisions(&Decisions {
                format: 1,
                distinct: vec![DistinctPair::new("b", "a").unwrap()],
                ..Decisions::default()
            })
            .unwrap();
        assert_eq!(
            catalog.distinct_pairs().unwrap(),
            [("a".to_string(), "b".to_string())]
        );
    }

    /// Rows of `runs` and `sheets` as another process sees them.
    fn seen_from_outside(path: &Path) -> (i64, Vec<String>) {
        let db =
            Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let runs = db
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
            .unwrap();
        let mut sheets = db
            .prepare("SELECT unit || '=' || input FROM sheets")
            .unwrap();
        let sheets = sheets
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        (runs, sheets)
    }

    #[test]
    fn a_run_is_seen_whole_at_its_commit_and_not_at_all_when_dropped_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite");
        let catalog = Catalog::open(&path).unwrap();

        let record = catalog.begin_run("[]", "{}").unwrap();
        record.sheets(&[("Unit:a".into(), "one".into())]).unwrap();
        record.spill().unwrap();
        // The run itself reads what it recorded; nobody else sees any of it.
        assert_eq!(catalog.sheet_input("Unit:a").as_deref(), Some("one"));
        assert_eq!(seen_from_outside(&path), (0, vec![]));
        drop(record);
        assert_eq!(catalog.sheet_input("Unit:a"), None, "rolled back");

        let record = catalog.begin_run("[]", "{}").unwrap();
        record.sheets(&[("Unit:a".into(), "two".into())]).unwrap();
        record.spill().unwrap();
        assert_eq!(seen_from_outside(&path), (0, vec![]));
        record.commit().unwrap();
        assert_eq!(
            seen_from_outside(&path),
            (1, vec!["Unit:a=two".to_string()])
        );
    }
}

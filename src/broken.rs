//! Why a command could not do its work at all (a broken run, exit code 2), as a noun: what the
//! CLI tells staff, in their language, instead of a chain of English contexts.
//!
//! In: raised where the cause is known (ingest for a drops path, the pipeline for the work folder,
//! the package for a missing report). Out: an error value that `anyhow` carries up to the binary,
//! which finds it in the chain and words it through `messages::broken`. Its `Display` is the
//! English wording, for logs and for callers that do not look for it.

/// What stopped a command before it could start its work.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    /// A drops path given on the command line does not exist or cannot be opened.
    #[error("cannot open drops folder {path}: {reason}")]
    DropsMissing {
        /// The path as given.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// A drops path is neither a folder nor a zip file.
    #[error("{path} is neither a folder nor a zip file")]
    NotADrop {
        /// The path as given.
        path: String,
    },
    /// The work folder cannot be made or written.
    #[error("creating the work folder {path} (is it writable?): {reason}")]
    WorkNotWritable {
        /// The work folder.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// Another lightbox holds the work folder's catalog.
    #[error(
        "the catalog {path} is in use by another lightbox; wait for it to finish (or remove {lock} if none is running)"
    )]
    CatalogBusy {
        /// The database.
        path: String,
        /// Its lock file.
        lock: String,
    },
    /// A command that reads a run's results found none in the work folder.
    #[error("{work} holds no results of `lightbox run` (report.json): run it first")]
    NoReport {
        /// The work folder.
        work: String,
    },
}

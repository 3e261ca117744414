//! Why a command could not do its work at all (a broken run, exit code 2), as a noun: what the
//! CLI tells staff, in their language, instead of a chain of English contexts.
//!
//! In: raised where the cause is known (ingest for a drops path, the pipeline for the work folder,
//! the package for a missing report or a target it cannot write, the loaders of a profile, a
//! font or a decisions file). Out: an error value that `anyhow` carries up to the binary,
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
    /// A file given on the command line cannot be read.
    #[error("cannot read the {what} {path}: {reason}")]
    Unreadable {
        /// What the file was given as.
        what: Given,
        /// The path as given.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// A file given on the command line was read but cannot be used.
    #[error("{path} is not a usable {what}: {reason}")]
    Invalid {
        /// What the file was given as.
        what: Given,
        /// The path as given.
        path: String,
        /// What is wrong with it (the parser's words: a line and column, a missing field).
        reason: String,
    },
    /// The desk cannot listen on the address asked for.
    #[error("cannot listen on {address}: {reason}")]
    CannotListen {
        /// The address, as given.
        address: String,
        /// The system's reason.
        reason: String,
    },
    /// A file the command makes cannot be written where it was asked for.
    #[error("cannot write {path}: {reason}")]
    NotWritable {
        /// The file's path as given.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// Nothing can be written where the package is to go.
    #[error("cannot write the package at {to}: {reason}")]
    PackageNotWritable {
        /// The package's path as given.
        to: String,
        /// The system's reason.
        reason: String,
    },
}

/// A kind of file given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Given {
    /// A collection profile (`--profile`).
    Profile,
    /// A font for the sheets (`--font`).
    Font,
    /// Decisions exported by the review page (`--decisions`).
    Decisions,
}

impl std::fmt::Display for Given {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Given::Profile => "profile",
            Given::Font => "font",
            Given::Decisions => "decisions file",
        })
    }
}

/// Why a size staff typed (a part size: `--split-size`, the desk's part size field) cannot be
/// read. Its `Display` is the English wording; `messages::bad_size` words it in either language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadSize {
    /// No number where the size starts.
    #[error("{text:?} is not a size (e.g. 2GB, 700MB)")]
    NotANumber {
        /// The size as typed.
        text: String,
    },
    /// A number with a unit that is none of B, K(B), M(B), G(B), T(B) or KiB, MiB, GiB, TiB.
    #[error("{text:?}: unknown unit {unit:?} (use KB, MB, GB or KiB, MiB, GiB)")]
    UnknownUnit {
        /// The size as typed.
        text: String,
        /// The unit, as typed.
        unit: String,
    },
    /// Zero, or less than a byte.
    #[error("{text:?} is not a positive size")]
    NotPositive {
        /// The size as typed.
        text: String,
    },
}

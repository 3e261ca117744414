//! Why a command could not do its work at all (a broken run, exit code 2), as a noun: what the
//! CLI tells staff, in their language, instead of a chain of English contexts.
//!
//! In: raised where the cause is known (ingest for a drops path, the pipeline for the work folder,
//! the package for a missing report or a target it cannot write, the loaders of a profile, a
//! font or a decisions file). Out: an error value that `anyhow` carries up to the binary,
//! which finds it in the chain and words it through `messages::broken`. Its `Display` is the
//! English wording, for logs and for callers that do not look for it.
//!
//! Also: why a typed size cannot be read ([`BadSize`]), and what a command was doing when the
//! system refused it ([`Step`], set on an error by [`Doing::doing`] and worded the same way).

use std::path::PathBuf;

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
/// read. Its `Display` is the English wording; `messages` words it in Chinese where the command
/// line or the desk refuses the size (`Misuse`, `Refusal::BadPartSize`).
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

/// What a command was doing when something under it failed: one link of a failed command's
/// error chain, set by [`Doing::doing`]. Its `Display` is the English wording; the CLI finds it in
/// the chain and words it through `messages::failure` in the staff's language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Step {
    /// Making a folder (and those above it).
    #[error("creating {}", .0.display())]
    Create(PathBuf),
    /// Writing a file.
    #[error("writing {}", .0.display())]
    Write(PathBuf),
    /// Reading a file.
    #[error("reading {}", .0.display())]
    Read(PathBuf),
    /// Listing a folder.
    #[error("listing {}", .0.display())]
    List(PathBuf),
    /// Removing a folder.
    #[error("removing {}", .0.display())]
    Remove(PathBuf),
    /// Making a path absolute.
    #[error("resolving {}", .0.display())]
    Resolve(PathBuf),
    /// Making a temporary file in a folder.
    #[error("making a temporary file in {}", .0.display())]
    TempFile(PathBuf),
    /// Making the staging folder beside a result, where it is built before it takes its place.
    #[error("creating a staging folder beside {}", .0.display())]
    Stage(PathBuf),
    /// Moving a finished result into its place.
    #[error("moving the result into place at {}", .0.display())]
    Place(PathBuf),
    /// Removing what an interrupted run or package left in a folder.
    #[error("cleaning up after an interrupted run in {}", .0.display())]
    Tidy(PathBuf),
    /// Opening the crash journal of a work folder.
    #[error("opening the crash journal in {}", .0.display())]
    OpenJournal(PathBuf),
    /// Closing the crash journal of a work folder.
    #[error("closing the crash journal in {}", .0.display())]
    CloseJournal(PathBuf),
    /// Drawing and writing one contact sheet.
    #[error("writing the contact sheet {0}")]
    Sheet(String),
    /// Building a workbook or a PDF in memory.
    #[error("building {}", .0.display())]
    Build(PathBuf),
    /// Writing one file into a zip.
    #[error("writing {name} into {}", .zip.display())]
    IntoZip {
        /// The file's name in the zip.
        name: String,
        /// The zip.
        zip: PathBuf,
    },
    /// Moving a packaged photo into its part.
    #[error("moving {name} into part {part}")]
    IntoPart {
        /// The photo's file name.
        name: String,
        /// The part's number, from 1.
        part: usize,
    },
    /// Packaging a work folder.
    #[error("packaging {} at {}", .work.display(), .to.display())]
    Package {
        /// The work folder.
        work: PathBuf,
        /// Where the package goes.
        to: PathBuf,
    },
    /// Writing a package's bag.
    #[error("writing the package at {}", .0.display())]
    WritePackage(PathBuf),
    /// Writing a package's zipped parts.
    #[error("writing the package's parts at {}", .0.display())]
    WriteParts(PathBuf),
    /// Reading back records a command set aside in a temporary file.
    #[error("reading the records back from their temporary file")]
    ReadBack,
    /// Saving curators' decisions into the catalog.
    #[error("saving decisions")]
    SaveDecisions,
}

/// An error with the step it broke, as [`Doing::doing`] makes it: its `Display` is the step,
/// its source the error the step met (whose own chain follows).
#[derive(Debug)]
pub struct Failed {
    /// What was being done.
    pub step: Step,
    /// What went wrong.
    pub cause: anyhow::Error,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.step.fmt(f)
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The cause itself (a `Broken`, an `io::Error`), not anyhow's wrapper of it, so that
        // whoever walks the chain can still find it by its type.
        Some(self.cause.as_ref())
    }
}

/// Names the step an error broke, as anyhow's `with_context` does, as a [`Step`] the CLI can word
/// in the staff's language: `fs::write(&p, b).doing(|| Step::Write(p.clone()))?`.
pub trait Doing<T> {
    /// The result, its error wrapped in [`Failed`] with `step()`.
    ///
    /// # Errors
    /// When `self` is an error.
    fn doing(self, step: impl FnOnce() -> Step) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> Doing<T> for Result<T, E> {
    fn doing(self, step: impl FnOnce() -> Step) -> anyhow::Result<T> {
        self.map_err(|e| {
            anyhow::Error::new(Failed {
                step: step(),
                cause: e.into(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a step wraps is still found by its type (the CLI looks for a `Broken`, its hints for
    /// an `io::Error`), and the English chain reads as anyhow's context would.
    #[test]
    fn what_a_step_wraps_is_found_by_its_type() {
        let inner: anyhow::Result<()> = Err(Broken::NoReport { work: "/w".into() }.into());
        let error = inner
            .doing(|| Step::Read("/w/report.json".into()))
            .unwrap_err();
        assert!(error.chain().any(|c| c.downcast_ref::<Broken>().is_some()));
        assert!(error.chain().any(|c| c.downcast_ref::<Failed>().is_some()));
        assert_eq!(
            format!("{error:#}"),
            "reading /w/report.json: /w holds no results of `lightbox run` (report.json): run it first"
        );
        let io: anyhow::Result<()> =
            Err(std::io::Error::from_raw_os_error(2)).doing(|| Step::Remove("/x".into()));
        let io = io.unwrap_err();
        let found = io.chain().find_map(|c| c.downcast_ref::<std::io::Error>());
        assert_eq!(
            found.map(std::io::Error::kind),
            Some(std::io::ErrorKind::NotFound)
        );
    }
}

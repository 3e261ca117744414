//! What the receiver's check (`lightbox verify`) finds: a file of a bag, and what is wrong with
//! it (missing, extra, a wrong checksum, a name off the naming rule, a damaged zip, ...).
//!
//! In: nothing (plain data, filled by `package::receive`). Out: values that `messages` words
//! for people and the CLI prints. Invariant: data only.

/// What is wrong with one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    /// `bagit.txt` is not a BagIt declaration.
    BadDeclaration,
    /// The bag has no SHA-256 or SHA-512 payload manifest.
    NoManifest,
    /// A manifest line that is not `checksum path`.
    BadLine {
        /// The line number, from 1.
        line: usize,
    },
    /// A manifest lists the file, and it is not there.
    Missing {
        /// The manifest that lists it.
        manifest: String,
    },
    /// A payload file no manifest lists.
    Extra,
    /// A payload file some manifests list and this one does not.
    Unlisted {
        /// The manifest that lacks it.
        manifest: String,
    },
    /// The file's checksums do not match.
    Checksum {
        /// The algorithms whose checksums differ.
        algorithms: Vec<&'static str>,
    },
    /// The file could not be read to its end (a damaged or cut zip entry).
    Unreadable {
        /// Why.
        reason: String,
    },
    /// `Payload-Oxum` does not match the payload.
    Oxum {
        /// What bag-info says, `bytes.files`.
        expected: String,
        /// What the payload is.
        found: String,
    },
    /// The file's name does not follow the naming rule.
    Name {
        /// Which part of the rule.
        rule: &'static str,
    },
    /// A photo the 汇总表 or the manifest table does not list.
    NotInTable {
        /// The table.
        table: String,
    },
    /// A row of the 汇总表 or the manifest table whose photo is not in the package.
    RowWithoutFile {
        /// The table.
        table: String,
    },
    /// A zip that cannot be opened: cut short or damaged.
    DamagedZip {
        /// Why.
        reason: String,
    },
}

/// One bad file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The bag, as given (a folder, or a zip).
    pub bag: String,
    /// The file, relative to the bag (`data/2015/...jpg`).
    pub file: String,
    /// What is wrong.
    pub issue: Issue,
}

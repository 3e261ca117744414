//! What dedupe found, as the report, the review page and the package read it: groups of copies
//! of one photo (identical bytes, other copies of the same shot), bursts and look-alikes, each
//! with the pairs that tie it together, the copy kept and why.
//!
//! In: nothing (plain data, filled by `dedupe`). Out: serialisable values. Invariant: data
//! only; a burst or a look-alike group names no keeper and leaves nothing out.

use serde::{Deserialize, Serialize};

use super::{ContentHash, Field};
use crate::fingerprint::{Dihedral, Framing};

/// What a group is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// The same bytes.
    Identical,
    /// The same shot, another copy: resolved automatically.
    Duplicate,
    /// Similar shots of one moment (one camera, capture times within `burst_seconds`): for the
    /// curator; nothing is left out.
    Burst,
    /// Photos that look alike but are not shown to be copies of one shot nor one moment (no
    /// capture time, or the verification was not conclusive): shown side by side, nothing is
    /// left out.
    Similar,
}

/// Why a copy was kept: the rule's step that decided between the keeper and the runner-up, with
/// their values. Serialised with a stable `code`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum KeepReason {
    /// The other copies are broken (truncated, undecodable).
    Intact,
    /// It has more pixels.
    MorePixels {
        /// The keeper's pixel count.
        kept: u64,
        /// The runner-up's.
        other: u64,
    },
    /// It was compressed less (estimated JPEG quality).
    HigherQuality {
        /// The keeper's quality.
        kept: u8,
        /// The runner-up's.
        other: u8,
    },
    /// It has more of the required tags.
    MoreCompleteTags {
        /// The keeper's filled fields.
        kept: usize,
        /// The runner-up's.
        other: usize,
    },
    /// It carries the camera's metadata (capture time, make, model); the other copy is a re-save.
    Original,
    /// The copies are equal in every respect: the first by path is kept.
    FirstByPath,
}

impl KeepReason {
    /// The stable code, as serialised.
    pub fn code(&self) -> &'static str {
        match self {
            KeepReason::Intact => "intact",
            KeepReason::MorePixels { .. } => "more_pixels",
            KeepReason::HigherQuality { .. } => "higher_quality",
            KeepReason::MoreCompleteTags { .. } => "more_complete_tags",
            KeepReason::Original => "original",
            KeepReason::FirstByPath => "first_by_path",
        }
    }
}

/// What one pair of a group says: how the second looks next to the first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    /// Item index (1-based) of the first photo.
    pub a: usize,
    /// Item index of the second.
    pub b: usize,
    /// What the pair alone says.
    pub kind: GroupKind,
    /// DCT hash distance (bits of 64) once `a` is turned by `transform`.
    pub distance: u32,
    /// Block hash distance, same turn.
    pub block_distance: u32,
    /// How `a` must be turned or mirrored to look like `b`.
    pub transform: Dihedral,
    /// 1 − correlation of the aligned thumbnails, in thousandths (0 = the same picture).
    pub mismatch: u32,
    /// How the two views relate once aligned.
    pub framing: Framing,
    /// Capture times apart in seconds, when both have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_apart: Option<i64>,
    /// The verification's figure, in thousandths: how well the fine detail of the two pictures,
    /// aligned, agrees (1000 = the same picture). Absent for identical bytes and for pairs never
    /// verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<u32>,
    /// The long edge, in pixels, of the pictures the verification compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_at: Option<u32>,
}

/// A tag the keeper lacked, taken from another copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilledTag {
    /// Which field.
    pub field: Field,
    /// Item index of the copy it came from.
    pub from: usize,
    /// That copy's display path.
    pub path: String,
}

/// A group of copies of one photo, or of similar shots of one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Identical, duplicate or burst.
    pub kind: GroupKind,
    /// The content hash of the keeper (of the first member for a burst).
    pub content: ContentHash,
    /// Index (1-based item index) of the copy kept; none for a burst (the curator chooses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keeper: Option<usize>,
    /// Indexes of every member, keeper included, in path order.
    pub members: Vec<usize>,
    /// Units that sent a member, sorted, each once.
    pub units: Vec<String>,
    /// Why the keeper was chosen; none for a burst.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<KeepReason>,
    /// The pairs that tie the group together, each with its distance, sorted.
    pub pairs: Vec<Pair>,
    /// Tags the keeper took from the other copies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filled: Vec<FilledTag>,
}

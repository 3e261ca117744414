//! The curators' decisions: a verdict on a photo (accept, reject), the copy to keep in a
//! duplicate group, and pairs declared different photos: `decisions.json` as the review page
//! exports it, and what the catalog keeps of it.
//!
//! In: nothing (plain data; `Decisions::load` reads a file). Out: serialisable values that the
//! catalog stores and the package follows. Invariant: decisions are keyed by content (blake3),
//! so they hold across reruns and across units' copies; distinct pairs come in order, `a < b`.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A curator's verdict on one photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Goes into the package (warnings notwithstanding).
    Accept,
    /// Stays out of the package.
    Reject,
}

/// One decision, as the page exports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// blake3 of the photo (hex), or `path:<path>` for a file that could not be read.
    pub content: String,
    /// The photo's path when the decision was made (for people reading the file).
    pub path: String,
    /// The verdict.
    pub decision: Verdict,
}

/// A curator's choice of the copy to keep in a duplicate group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keeper {
    /// blake3 of the chosen copy.
    pub content: String,
    /// Its path.
    pub path: String,
}

/// Two photos a curator declared different photos although lightbox grouped them together
/// ("not the same photo" on the review page): neither is a copy of the other, so neither is left
/// out for the other. Content keys as `review::content_key` gives them, `a < b` ([`DistinctPair::new`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DistinctPair {
    /// The smaller content key.
    pub a: String,
    /// The larger content key.
    pub b: String,
}

impl DistinctPair {
    /// The pair of two content keys in order (`a < b`); `None` for one key twice (the same bytes
    /// are the same photo).
    pub fn new(x: &str, y: &str) -> Option<DistinctPair> {
        let (a, b) = match x.cmp(y) {
            std::cmp::Ordering::Less => (x, y),
            std::cmp::Ordering::Greater => (y, x),
            std::cmp::Ordering::Equal => return None,
        };
        Some(DistinctPair {
            a: a.to_string(),
            b: b.to_string(),
        })
    }
}

/// `decisions.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decisions {
    /// Format version (1).
    pub format: u32,
    /// Which work folder the decisions were made on.
    #[serde(default)]
    pub report: String,
    /// Verdicts.
    #[serde(default)]
    pub decisions: Vec<Decision>,
    /// Keeper overrides.
    #[serde(default)]
    pub keepers: Vec<Keeper>,
    /// Photos declared different photos, by pair (absent from files made before there were any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distinct: Vec<DistinctPair>,
}

impl Decisions {
    /// Reads a decisions file. Its distinct pairs come back in order, each once, each with
    /// `a < b` (a pair written the other way round is turned; one key twice is dropped).
    ///
    /// # Errors
    /// When it cannot be read or is not a decisions file; the message names the path.
    pub fn load(path: &Path) -> anyhow::Result<Decisions> {
        use crate::broken::{Broken, Given};
        let invalid = |reason: String| Broken::Invalid {
            what: Given::Decisions,
            path: path.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| Broken::Unreadable {
            what: Given::Decisions,
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut decisions: Decisions =
            serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        if decisions.format != 1 {
            return Err(invalid(format!("format {}, expected 1", decisions.format)).into());
        }
        let pairs: BTreeSet<DistinctPair> = decisions
            .distinct
            .iter()
            .filter_map(|p| DistinctPair::new(&p.a, &p.b))
            .collect();
        decisions.distinct = pairs.into_iter().collect();
        Ok(decisions)
    }

    /// Applies a desk change as the catalog's `apply_changes` does (for changes
    /// that wait while a run holds the catalog).
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Verdict {
                content,
                path,
                decision,
            } => {
                self.decisions.retain(|d| &d.content != content);
                if let Some(decision) = decision {
                    self.decisions.push(Decision {
                        content: content.clone(),
                        path: path.clone(),
                        decision: *decision,
                    });
                }
            }
            Change::Keeper {
                members, keeper, ..
            } => {
                self.keepers.retain(|k| !members.contains(&k.content));
                self.keepers.extend(keeper.iter().cloned());
            }
            Change::Split { pairs } => {
                let mut all: BTreeSet<DistinctPair> = self.distinct.drain(..).collect();
                all.extend(pairs.iter().filter_map(|p| DistinctPair::new(&p.a, &p.b)));
                self.distinct = all.into_iter().collect();
            }
            Change::Unsplit { pairs } => {
                let gone: BTreeSet<DistinctPair> = pairs
                    .iter()
                    .filter_map(|p| DistinctPair::new(&p.a, &p.b))
                    .collect();
                self.distinct.retain(|p| !gone.contains(p));
            }
        }
    }

    /// The verdict on a content key, if the curator gave one.
    pub fn verdict(&self, content_key: &str) -> Option<Verdict> {
        self.decisions
            .iter()
            .rev()
            .find(|d| d.content == content_key)
            .map(|d| d.decision)
    }

    /// Content keys the curator chose as keepers.
    pub fn keeper_keys(&self) -> BTreeSet<&str> {
        self.keepers.iter().map(|k| k.content.as_str()).collect()
    }

    /// Whether the curator declared the photos with these content keys different photos (in
    /// either order; never for one key twice).
    pub fn is_distinct(&self, x: &str, y: &str) -> bool {
        let (a, b) = if x <= y { (x, y) } else { (y, x) };
        a != b
            && self
                .distinct
                .iter()
                .any(|p| (p.a.as_str(), p.b.as_str()) == (a, b))
    }
}

/// One change a curator makes on the desk's review page, saved to the catalog at once
/// (the catalog's `apply_changes`) and passed to the other tabs open on it.
/// Unlike a [`Decisions`] file, which only adds, a change can take a decision back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// A verdict on a photo, or none (`decision: null`: undone).
    Verdict {
        /// The photo's content key.
        content: String,
        /// Its path.
        path: String,
        /// The verdict; `None` clears it.
        decision: Option<Verdict>,
    },
    /// The copy to keep in a group, or the automatic one (`keeper: null`).
    Keeper {
        /// The page's key for the group (for the other tabs; the catalog does not keep it).
        group: String,
        /// The content keys of every member of the group: any keeper chosen among them before
        /// is replaced.
        members: Vec<String>,
        /// The chosen copy; `None` returns to the automatic keeper.
        keeper: Option<Keeper>,
    },
    /// Pairs declared different photos ("not the same photo").
    Split {
        /// The pairs (any order; one key twice is ignored).
        pairs: Vec<DistinctPair>,
    },
    /// Pairs no longer declared different photos (a split undone).
    Unsplit {
        /// The pairs (any order).
        pairs: Vec<DistinctPair>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_set_replace_and_take_back() {
        let mut d = Decisions::default();
        let keeper = |c: &str| Keeper {
            content: c.into(),
            path: format!("{c}.jpg"),
        };
        let pair = |a: &str, b: &str| DistinctPair {
            a: a.into(),
            b: b.into(),
        };
        for change in [
            Change::Verdict {
                content: "a".into(),
                path: "a.jpg".into(),
                decision: Some(Verdict::Reject),
            },
            Change::Verdict {
                content: "a".into(),
                path: "a.jpg".into(),
                decision: Some(Verdict::Accept),
            },
            Change::Keeper {
                group: "g:a".into(),
                members: vec!["a".into(), "b".into()],
                keeper: Some(keeper("a")),
            },
            Change::Keeper {
                group: "g:a".into(),
                members: vec!["a".into(), "b".into()],
                keeper: Some(keeper("b")),
            },
            Change::Split {
                pairs: vec![pair("b", "a"), pair("c", "c")],
            },
        ] {
            d.apply(&change);
        }
        assert_eq!(d.verdict("a"), Some(Verdict::Accept));
        assert_eq!(d.decisions.len(), 1);
        assert_eq!(d.keepers, vec![keeper("b")]);
        assert_eq!(d.distinct, vec![pair("a", "b")]);
        d.apply(&Change::Unsplit {
            pairs: vec![pair("b", "a")],
        });
        d.apply(&Change::Verdict {
            content: "a".into(),
            path: "a.jpg".into(),
            decision: None,
        });
        d.apply(&Change::Keeper {
            group: "g:a".into(),
            members: vec!["a".into(), "b".into()],
            keeper: None,
        });
        assert_eq!(d, Decisions::default());
    }

    #[test]
    fn a_change_is_read_as_the_page_sends_it() {
        let change: Change = serde_json::from_str(
            r#"{"op":"keeper","group":"g:x","members":["x","y"],"keeper":{"content":"y","path":"y.jpg"}}"#,
        )
        .unwrap();
        assert!(matches!(change, Change::Keeper { keeper: Some(ref k), .. } if k.content == "y"));
        assert!(serde_json::from_str::<Change>(r#"{"op":"drop_table"}"#).is_err());
    }
}

//! Dedupe: groups of identical photos (same content hash), across units, with an explained
//! choice of the copy to keep.
//!
//! In: the items of a run. Out: groups, each with its keeper, its other members and the reason
//! the keeper was chosen; the keeper's missing tags are filled from the other copies. Invariant:
//! groups and keepers depend only on the items' content and order, never on timing, so the same
//! input always gives the same groups.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::photo::{Check, ContentHash, Finding, Item, Status};

/// Why a copy was kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeepReason {
    /// It has more of the required tags than the other copies.
    MoreCompleteTags,
    /// All copies are equal in every respect: the first by path is kept.
    FirstByPath,
}

impl KeepReason {
    /// The stable code, as serialised.
    pub fn code(self) -> &'static str {
        match self {
            KeepReason::MoreCompleteTags => "more_complete_tags",
            KeepReason::FirstByPath => "first_by_path",
        }
    }

    /// Localised explanation for a code.
    pub fn describe(code: &str, lang: Lang) -> &'static str {
        match (code, lang) {
            ("more_complete_tags", Lang::Zh) => "信息更完整",
            ("more_complete_tags", Lang::En) => "more complete tags",
            (_, Lang::Zh) => "各份相同，按路径取第一份",
            (_, Lang::En) => "copies equal, first by path",
        }
    }
}

/// A group of copies of one photo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The shared content hash.
    pub content: ContentHash,
    /// Index (1-based item index) of the copy kept.
    pub keeper: usize,
    /// Indexes of every copy, keeper included, in path order.
    pub members: Vec<usize>,
    /// Units that sent a copy, sorted, each once.
    pub units: Vec<String>,
    /// Why the keeper was chosen.
    pub reason: KeepReason,
}

/// Finds identical copies, marks all but the keeper as duplicates (with a finding naming the
/// keeper), and fills the keeper's missing tags from the other copies.
pub fn exact(items: &mut [Item]) -> Vec<Group> {
    let mut by_content: BTreeMap<ContentHash, Vec<usize>> = BTreeMap::new();
    for (pos, item) in items.iter().enumerate() {
        if let Some(photo) = &item.photo {
            by_content.entry(photo.content).or_default().push(pos);
        }
    }
    let mut groups = Vec::new();
    for (content, positions) in by_content {
        if positions.len() < 2 {
            continue;
        }
        let best = positions
            .iter()
            .copied()
            .max_by(|&a, &b| {
                items[a]
                    .tags
                    .completeness()
                    .cmp(&items[b].tags.completeness())
                    .then(b.cmp(&a))
            })
            .expect("a group has members");
        let first = positions[0];
        let reason = if items[best].tags.completeness() > items[first].tags.completeness() {
            KeepReason::MoreCompleteTags
        } else {
            KeepReason::FirstByPath
        };
        let keeper_path = items[best].source.path.clone();
        for &pos in &positions {
            if pos == best {
                continue;
            }
            let other_tags = items[pos].tags.clone();
            items[best].tags.fill_from(&other_tags);
            let item = &mut items[pos];
            item.status = Status::Duplicate;
            item.findings.push(Finding::info(Check::ExactDuplicate {
                keeper: keeper_path.clone(),
                reason: reason.code().to_string(),
            }));
        }
        let mut units: Vec<String> = positions
            .iter()
            .map(|&p| items[p].source.unit.clone())
            .collect();
        units.sort();
        units.dedup();
        groups.push(Group {
            content,
            keeper: items[best].index,
            members: positions.iter().map(|&p| items[p].index).collect(),
            units,
            reason,
        });
    }
    groups.sort_by_key(|g| g.members[0]);
    groups
}

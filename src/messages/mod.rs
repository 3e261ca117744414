//! The messages catalog: every sentence and label staff read about a photo (findings, severities,
//! statuses, column names, duplicate groups and why a copy was kept, what a sheet left unread),
//! in one place per language.
//!
//! In: a noun from `photo` (a `Check`, a `Field`, a `KeepReason`, ...) and the run's [`Lang`].
//! Out: the text in that language, byte for byte what the report, the fix-lists, the sheets and
//! the review page print. The nouns hold data only; this module holds their wording and depends
//! on them, never the other way round.
//!
//! Layout: this file is the dispatch, one function per kind of wording, each a `match` on the
//! language that calls that language's file: `zh.rs` (中文) and `en.rs` (English). A language's
//! file holds that language's text only.
//!
//! Why a Rust module per language rather than Fluent (`.ftl`) files or another catalog read at
//! run time:
//! - each language's `match` over a noun is exhaustive (no wildcard arm over `Check`'s
//!   variants), so the compiler refuses a new check, field or status that lacks its wording in
//!   any language: a missing translation is a build error, not a blank cell in a report;
//! - the placeholders are Rust variables inside `format!`: a misspelt or missing one does not
//!   compile, where a catalog would find it (or print it raw) at run time;
//! - nothing is parsed at run time and no dependency is added; a sentence can still compute
//!   (sizes in KB, a source's label translated, a list joined with the language's separator);
//! - a third language (Uyghur, say) is one more file here and one more [`Lang`] variant: the
//!   compiler then lists every `match` below that must call it.

use crate::broken::Broken;
use crate::fingerprint::Dihedral;
use crate::lang::Lang;
use crate::photo::{Check, Field, GroupKind, KeepReason, Limit, Severity, Status};
use crate::receipt::Finding;

mod en;
mod zh;

/// A finding as a sentence a member of staff can act on, with its values, in `lang`.
pub fn check(check: &Check, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh::check(check),
        Lang::En => en::check(check),
    }
}

/// A severity's label (`错误` / `error`, ...), as the fix-lists print it.
pub fn severity(severity: Severity, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::severity(severity),
        Lang::En => en::severity(severity),
    }
}

/// A status's label (`待补信息` / `needs info`, ...), as the sheets and the review page show it.
pub fn status(status: Status, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::status(status),
        Lang::En => en::status(status),
    }
}

/// A per-photo field's column name (`地州市` / `place`, ...).
pub fn field_label(field: Field, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::field_label(field),
        Lang::En => en::field_label(field),
    }
}

/// How one copy is turned or mirrored against another (`顺时针旋转 90°` / `rotated 90°
/// clockwise`, ...), as a near-duplicate finding and the review page say it.
pub fn turn(transform: Dihedral, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::turn(transform),
        Lang::En => en::turn(transform),
    }
}

/// What a duplicate group is (`连拍相似照片` / `burst`, ...).
pub fn group_kind(kind: GroupKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::group_kind(kind),
        Lang::En => en::group_kind(kind),
    }
}

/// Why a copy was kept, for a `KeepReason` code as a finding stores it
/// ([`KeepReason::code`]); a code no rule has (`first_by_path`, or one this build does not
/// know) reads as the last rule, the first copy by path.
pub fn keep_reason(code: &str, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::keep_reason(code),
        Lang::En => en::keep_reason(code),
    }
}

/// Why a copy was kept, with the values that decided it (`more pixels: 24000000 > 6000000`), as
/// the review page shows a group.
pub fn explain_keep(reason: &KeepReason, lang: Lang) -> String {
    let why = keep_reason(reason.code(), lang);
    match reason {
        KeepReason::MorePixels { kept, other } => format!("{why}: {kept} > {other}"),
        KeepReason::HigherQuality { kept, other } => format!("{why}: {kept} > {other}"),
        KeepReason::MoreCompleteTags { kept, other } => format!("{why}: {kept} > {other}"),
        KeepReason::Intact | KeepReason::Original | KeepReason::FirstByPath => why.to_string(),
    }
}

/// What part of a unit's sheet was left unread, and what the unit should do about it.
pub fn limit(limit: &Limit, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh::limit(limit),
        Lang::En => en::limit(limit),
    }
}

/// A finding of `lightbox verify`, for people: `bag: file: what is wrong`.
pub fn receipt(finding: &Finding, lang: Lang) -> String {
    let what = match lang {
        Lang::Zh => zh::receipt(&finding.issue),
        Lang::En => en::receipt(&finding.issue),
    };
    format!("{}: {}: {what}", finding.bag, finding.file)
}

/// Why a command could not do its work, as the CLI prints it (after `lightbox: `), with what to
/// do about it.
pub fn broken(broken: &Broken, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh::broken(broken),
        Lang::En => en::broken(broken),
    }
}

/// The line the CLI prints before an error it has no wording for (the error's own text follows).
pub fn failed(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "无法完成",
        Lang::En => "failed",
    }
}

/// The Chinese help of a command (`item` empty) or of one of its arguments (clap's id): the CLI
/// shows it under `--lang zh`; English help is the doc comments clap reads. `None`: no wording.
pub fn cli_help_zh(command: &str, item: &str) -> Option<&'static str> {
    zh::cli_help(command, item)
}

/// A heading of the CLI's help in Chinese: `usage`, `commands`, `arguments`, `options`.
pub fn cli_word_zh(word: &str) -> &'static str {
    zh::cli_word(word)
}

#[cfg(test)]
mod tests;

//! The messages catalog: every sentence and label staff read about a photo (findings, severities,
//! statuses, column names, duplicate groups and why a copy was kept, what a sheet left unread),
//! and about the rest of the work (the package's books, the contact sheets, the fill-in
//! template, the review page, the CLI's closing lines and errors), in one place per language.
//!
//! In: a noun from `photo` (a `Check`, a `Field`, a `KeepReason`, ...), from `broken`,
//! `receipt` or `output` (a `Hint`), or from `nouns.rs` here (a [`Label`], a [`Phrase`], a
//! [`Summary`], a [`PhotoColumn`], ...), and the run's [`Lang`]. Out: the text in that
//! language, byte for byte what the report, the fix-lists, the sheets, the books, the review
//! page and the CLI print (for the timings table, its words as `progress::TableWords`). The
//! nouns hold data only; this module holds their wording and depends on them, never the other
//! way round.
//!
//! Layout: this file is the dispatch, one function per kind of wording, each a `match` on the
//! language that calls that language's file: `zh.rs` (中文) and `en.rs` (English). A language's
//! file holds that language's text only. `nouns.rs` holds the nouns that are wording only (no
//! stage has a use for them but to have them said).
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

use crate::broken::{Broken, Failed};
use crate::catalog::CatalogError;
use crate::fingerprint::Dihedral;
use crate::lang::Lang;
use crate::output::Hint;
use crate::photo::{Check, Field, GroupKind, KeepReason, Limit, Severity, Status};
use crate::progress::TableWords;
use crate::receipt::Finding;

mod en;
mod nouns;
mod zh;

pub use nouns::{
    Label, LeftOut, Misuse, PhotoColumn, Phrase, Refusal, Summary, TemplateColumn, Unparsed,
};

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

/// A command that could not finish, as the CLI prints it (after `lightbox: `). In English, the
/// error's chain as anyhow prints it. In Chinese, each link worded where lightbox knows it: the
/// steps that broke ([`crate::broken::Step`], set by `broken::Doing`), a [`Broken`] as
/// [`broken`] says it, the system's reasons (`io::Error`), the catalog's errors; any other link
/// (a library's own message) in its own words.
pub fn failure(error: &anyhow::Error, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{error:#}"),
        Lang::Zh => {
            let mut steps = Vec::new();
            let mut causes = Vec::new();
            for link in error.chain() {
                if let Some(failed) = link.downcast_ref::<Failed>() {
                    steps.push(zh::step(&failed.step));
                } else if let Some(broken) = link.downcast_ref::<Broken>() {
                    causes.push(zh::broken(broken));
                } else if let Some(io) = link.downcast_ref::<std::io::Error>() {
                    causes.push(zh::io_reason(io));
                } else if let Some(catalog) = link.downcast_ref::<CatalogError>() {
                    causes.push(zh::catalog_error(catalog));
                } else {
                    causes.push(link.to_string());
                }
            }
            zh::failure(&steps, &causes)
        }
    }
}

/// A fixed word or phrase: a sheet's name, a heading, a row's name, a placeholder.
pub fn label(label: Label, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::label(label),
        Lang::En => en::label(label),
    }
}

/// A heading or line with values in it, as the books, the contact sheets, the fill-in template
/// and the review page print it.
pub fn phrase(phrase: &Phrase<'_>, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh::phrase(phrase),
        Lang::En => en::phrase(phrase),
    }
}

/// A line the CLI prints when a command ends (without its newline).
pub fn summary(summary: &Summary<'_>, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh::summary(summary),
        Lang::En => en::summary(summary),
    }
}

/// Why the desk refuses a request, as its page shows it.
pub fn refusal(refusal: &Refusal, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh::refusal(refusal),
        Lang::En => en::refusal(refusal),
    }
}

/// Why a package leaves a candidate photo out, as its summary and the CLI say it.
pub fn left_out(left_out: &LeftOut<'_>, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh::left_out(left_out),
        Lang::En => en::left_out(left_out),
    }
}

/// What to do about a broken run whose cause staff can fix, as the CLI prints it after the
/// error.
pub fn hint(hint: Hint, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::hint(hint),
        Lang::En => en::hint(hint),
    }
}

/// A column's header in the 汇总表's photo list (`照片清单`).
pub fn photo_column(column: PhotoColumn, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::photo_column(column),
        Lang::En => en::photo_column(column),
    }
}

/// What a column of the 汇总表's photo list holds, as its about sheet (`说明`) says.
pub fn photo_column_about(column: PhotoColumn, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::photo_column_about(column),
        Lang::En => en::photo_column_about(column),
    }
}

/// A column's header in the fill-in 汇总表 a unit gets back (`lightbox template`).
pub fn template_column(column: TemplateColumn, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => zh::template_column(column),
        Lang::En => en::template_column(column),
    }
}

/// The header of `findings.csv`: index, severity, unit, file, check, message.
pub fn findings_header(lang: Lang) -> [&'static str; 6] {
    match lang {
        Lang::Zh => zh::findings_header(),
        Lang::En => en::findings_header(),
    }
}

/// The header of the package's `manifest.csv`, in the order of [`crate::manifest::ManifestEntry`]'s
/// columns there.
pub fn manifest_header(lang: Lang) -> [&'static str; 16] {
    match lang {
        Lang::Zh => zh::manifest_header(),
        Lang::En => en::manifest_header(),
    }
}

/// The header of the table of units a run prints: unit, files, then the count of each status.
pub fn units_header(lang: Lang) -> [&'static str; 6] {
    match lang {
        Lang::Zh => zh::units_header(),
        Lang::En => en::units_header(),
    }
}

/// The words of the timings table (`--timings`): its columns' headers, the row of the time
/// outside any stage, the row of the whole run.
pub fn timings(lang: Lang) -> TableWords {
    match lang {
        Lang::Zh => zh::timings(),
        Lang::En => en::timings(),
    }
}

/// The Chinese help of a command (`item` empty) or of one of its arguments (clap's id): the CLI
/// shows it under `--lang zh`; English help is the doc comments clap reads. `None`: no wording.
pub fn cli_help_zh(command: &str, item: &str) -> Option<&'static str> {
    zh::cli_help(command, item)
}

/// A command line the parser refused, in Chinese (the English CLI prints the parser's words).
pub fn cli_misuse_zh(misuse: &Misuse) -> String {
    zh::misuse(misuse)
}

/// A heading of the CLI's help in Chinese: `usage`, `commands`, `arguments`, `options`; `more`,
/// the line that ends a parse error (where the help is).
pub fn cli_word_zh(word: &str) -> &'static str {
    zh::cli_word(word)
}

#[cfg(test)]
mod tests;

//! The command line: the only module that knows clap.
//!
//! In: `argv`. Out: a `Cli` value the binary turns into stage configs. Invariant: nothing
//! outside this file and `main.rs` sees clap types.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Arg, ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use lightbox::broken::BadSize;
use lightbox::lang::Lang;
use lightbox::messages::{self, Misuse, Unparsed};

/// lightbox: photo intake for collections sent in by many units.
#[derive(Debug, Parser)]
#[command(name = "lightbox", version, about, long_about = None)]
pub struct Cli {
    /// Language of findings, reports, sheets, help and errors (default: from the locale: 中文
    /// under a zh_* locale or none (C, POSIX, unset), English under any other language).
    #[arg(long, value_enum, global = true)]
    pub lang: Option<LangArg>,
    /// Print nothing but errors: no progress bars, no summary.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short, global = true)]
    pub jobs: Option<usize>,
    /// After a run, print how long each stage took and its share of the run (to stderr).
    #[arg(long, global = true)]
    pub timings: bool,
    /// Write progress as JSON lines on stdout instead of bars (`{"stage":…,"done":…,"total":…}`),
    /// and no summary: for programs that drive lightbox, such as `lightbox serve`.
    #[arg(long, global = true)]
    pub progress_json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The language asked for, else the locale's ([`locale_lang`]).
    pub fn language(&self) -> Lang {
        match self.lang {
            Some(LangArg::Zh) => Lang::Zh,
            Some(LangArg::En) => Lang::En,
            None => locale_lang(),
        }
    }
}

/// The language of the locale: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set: a
/// `zh*` locale, or none at all (`C`, `POSIX`, unset), is Chinese, the collection's language;
/// any other language is English.
pub fn locale_lang() -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    let bare = locale.is_empty() || locale == "C" || locale == "POSIX" || locale.starts_with("C.");
    if bare || locale.starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// The language of the command line before it is parsed: `--lang zh|en` (or `--lang=…`) where
/// it stands, else the locale's. Help and parse errors come in it.
fn language_of(args: &[OsString]) -> Lang {
    let mut words = args.iter().filter_map(|a| a.to_str());
    while let Some(word) = words.next() {
        let value = match word.strip_prefix("--lang") {
            Some("") => words.next(),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        match value {
            Some("zh") => return Lang::Zh,
            Some("en") => return Lang::En,
            _ => {}
        }
    }
    locale_lang()
}

/// Parses `argv`, with help and errors in its language (Chinese help from the messages catalog;
/// English from the doc comments). Exits as clap does on `--help`, `--version` and errors (2).
pub fn parse() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let lang = language_of(&args);
    let matches = match command(lang).try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(e) => {
            use clap::error::ErrorKind;
            // Help and the version are already in the language; clap's errors are English, so
            // a Chinese command line gets its own words and clap's are not printed.
            let help = matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if lang == Lang::Zh && !help {
                #[expect(clippy::print_stderr, reason = "the CLI's own parse error, in Chinese")]
                {
                    eprint!("{}", refused_zh(&e));
                }
                std::process::exit(e.exit_code());
            }
            e.exit()
        }
    };
    match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    }
}

/// A command line clap refused, as the Chinese CLI prints it: what is wrong, the usage of the
/// command, where its help is.
fn refused_zh(e: &clap::Error) -> String {
    use clap::error::ContextKind;
    let mut text = format!("lightbox: {}\n", messages::cli_misuse_zh(&misuse(e)));
    if let Some(usage) = e.get(ContextKind::Usage) {
        let usage = usage.to_string();
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        text.push_str(&format!("{}：{usage}\n", messages::cli_word_zh("usage")));
    }
    text.push_str(&format!("{}\n", messages::cli_word_zh("more")));
    text
}

/// What clap refused, from its error's kind and context.
fn misuse(e: &clap::Error) -> Misuse {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let one = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => v.first().cloned(),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        _ => None,
    };
    let all = |kind| match e.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let arg = || one(ContextKind::InvalidArg).unwrap_or_default();
    let value = || one(ContextKind::InvalidValue).unwrap_or_default();
    match e.kind() {
        ErrorKind::InvalidValue
            if value().is_empty() && all(ContextKind::ValidValue).is_empty() =>
        {
            Misuse::NoValue { arg: arg() }
        }
        ErrorKind::InvalidValue => Misuse::NotOneOf {
            arg: arg(),
            value: value(),
            valid: all(ContextKind::ValidValue),
            suggested: one(ContextKind::SuggestedValue),
        },
        ErrorKind::ValueValidation => Misuse::Invalid {
            arg: arg(),
            value: value(),
            why: unparsed(std::error::Error::source(e)),
        },
        ErrorKind::UnknownArgument if !arg().starts_with('-') => Misuse::Unexpected { arg: arg() },
        ErrorKind::UnknownArgument => Misuse::UnknownOption {
            arg: arg(),
            suggested: one(ContextKind::SuggestedArg),
        },
        ErrorKind::InvalidSubcommand => Misuse::UnknownCommand {
            name: one(ContextKind::InvalidSubcommand).unwrap_or_default(),
            suggested: one(ContextKind::SuggestedSubcommand),
            valid: <Cli as CommandFactory>::command()
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(|c| c.get_name().to_string())
                .collect(),
        },
        ErrorKind::MissingRequiredArgument => Misuse::Missing {
            args: all(ContextKind::InvalidArg),
        },
        ErrorKind::MissingSubcommand => Misuse::NoCommand,
        ErrorKind::ArgumentConflict => {
            let (arg, with) = (arg(), one(ContextKind::PriorArg));
            if with.as_ref() == Some(&arg) {
                Misuse::Repeated { arg }
            } else {
                Misuse::Conflict { arg, with }
            }
        }
        ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::NoEquals => Misuse::ValueCount { arg: arg() },
        ErrorKind::InvalidUtf8 => Misuse::NotUtf8,
        _ => Misuse::Other,
    }
}

/// Why a value's reader refused it, from the reader's own error.
fn unparsed(source: Option<&(dyn std::error::Error + 'static)>) -> Unparsed {
    let Some(source) = source else {
        return Unparsed::Other(String::new());
    };
    if let Some(bad) = source.downcast_ref::<BadSize>() {
        Unparsed::Size(bad.clone())
    } else if source.is::<std::net::AddrParseError>() {
        Unparsed::Address
    } else if source.is::<std::num::ParseIntError>() {
        Unparsed::Number
    } else {
        Unparsed::Other(source.to_string())
    }
}

/// The command line's definition in a language: clap's own (the doc comments) in English; in
/// Chinese every command's and argument's help from the messages catalog, and Chinese headings.
pub fn command(lang: Lang) -> clap::Command {
    let command = <Cli as CommandFactory>::command();
    match lang {
        Lang::En => command,
        Lang::Zh => {
            let version = messages::cli_help_zh("", "version").unwrap_or_default();
            localized(command, "lightbox")
                .disable_version_flag(true)
                .arg(
                    Arg::new("version")
                        .short('V')
                        .long("version")
                        .action(ArgAction::Version)
                        .help(version)
                        .help_heading(messages::cli_word_zh("options")),
                )
        }
    }
}

fn localized(mut command: clap::Command, name: &str) -> clap::Command {
    let word = messages::cli_word_zh;
    if let Some(about) = messages::cli_help_zh(name, "") {
        command = command.about(about).long_about(None::<&str>);
    }
    command = command
        .mut_args(|arg| {
            let id = arg.get_id().as_str().to_string();
            let heading = if arg.is_positional() {
                word("arguments")
            } else {
                word("options")
            };
            // clap words its lists of values and defaults in English: the Chinese help says
            // them itself.
            let arg = arg.help_heading(heading);
            let arg = if arg.get_action().takes_values() {
                arg.hide_possible_values(true).hide_default_value(true)
            } else {
                arg
            };
            match messages::cli_help_zh(name, &id) {
                Some(help) => arg.help(help).long_help(None::<&str>),
                None => arg,
            }
        })
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(messages::cli_help_zh("", "help").unwrap_or_default())
                .help_heading(word("options")),
        )
        .help_template(format!(
            "{{about-with-newline}}\n{}：{{usage}}\n\n{{all-args}}{{after-help}}",
            word("usage")
        ))
        .subcommand_help_heading(word("commands"))
        .disable_help_subcommand(true);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for sub in names {
        command = command.mut_subcommand(&sub, |c| localized(c, &sub));
    }
    command
}

/// `--split-size`: `2GB`, `700MB`, `650MiB`, or bytes.
fn parse_size(text: &str) -> Result<u64, BadSize> {
    lightbox::package::parts::parse_size(text)
}

/// `--lang` values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LangArg {
    /// 中文.
    Zh,
    /// English.
    En,
}

/// What one contact sheet holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SheetsBy {
    /// One sheet per unit.
    Unit,
    /// One sheet per year.
    Year,
    /// One sheet per event (活动名称).
    Event,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest, inspect, check, dedupe and review: the main job.
    Run {
        /// Collection folders (each sub-folder or zip is one unit's drop) or drop zips.
        #[arg(required = true)]
        drops: Vec<PathBuf>,
        /// Work folder for the report, derived images and contact sheets.
        #[arg(long, short)]
        out: PathBuf,
        /// Collection profile (TOML); default: the embedded cast-2023.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// The catalog database (default: WORK/catalog.sqlite).
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Font for contact sheets (TrueType/OpenType); default: the embedded Noto Sans SC
        /// subset.
        #[arg(long)]
        font: Option<PathBuf>,
        /// One contact sheet per unit, year or event (default: the profile's `group_by`).
        #[arg(long, value_enum)]
        sheets_by: Option<SheetsBy>,
    },
    /// Build the package for CAST from a work folder.
    Package {
        /// The work folder of `lightbox run`.
        work: PathBuf,
        /// Package folder to create (replaced atomically if it exists).
        #[arg(long)]
        to: PathBuf,
        /// Curators' decisions exported from the review page (kept in the catalog afterwards).
        #[arg(long)]
        decisions: Option<PathBuf>,
        /// The run's collection profile (TOML); default: the embedded cast-2023. It checks the
        /// duplicates a curator declared different photos, which the run did not check; its
        /// `[package]` section fills the bag's bag-info.txt.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Write the package as several complete bags, each zipped (`PKG/PKG-1of3.zip`, ...), of
        /// at most this size each, e.g. `2GB`, `700MB`, `650MiB`. A photo is never split.
        #[arg(long, value_parser = parse_size)]
        split_size: Option<u64>,
        /// bag-info.txt's Source-Organization (default: the profile's).
        #[arg(long)]
        source_organization: Option<String>,
        /// bag-info.txt's Organization-Address (default: the profile's).
        #[arg(long)]
        organization_address: Option<String>,
        /// bag-info.txt's Contact-Name (default: the profile's).
        #[arg(long)]
        contact_name: Option<String>,
        /// bag-info.txt's Contact-Phone (default: the profile's).
        #[arg(long)]
        contact_phone: Option<String>,
        /// bag-info.txt's Contact-Email (default: the profile's).
        #[arg(long)]
        contact_email: Option<String>,
        /// bag-info.txt's External-Description (default: the profile's).
        #[arg(long)]
        external_description: Option<String>,
        /// The collection's title on the 汇总表 and the 图录's cover (default: the profile's
        /// `[package] title`, else its `title`).
        #[arg(long)]
        title: Option<String>,
    },
    /// Check a package as it arrived: each bag folder, package folder of zipped parts, or part's
    /// zip (not extracted): its structure, Payload-Oxum, every checksum, no file missing or
    /// extra, the naming rule, and the 汇总表 or the manifest table against the photos. Exit 0
    /// when whole, 1 naming each bad file, 2 when a path cannot be read as a package.
    Verify {
        /// Bag folders, package folders of zipped parts, or parts' zips.
        #[arg(required = true)]
        packages: Vec<PathBuf>,
    },
    /// Write a unit's fill-in 汇总表 (xlsx): one row per photo with its thumbnail, what is known
    /// filled in, missing required cells highlighted. Send it to the unit; when it comes back
    /// filled in, put it in the unit's drop: `lightbox run` matches its rows by content.
    Template {
        /// One unit's drop: a folder or a zip.
        drop: PathBuf,
        /// The workbook to write (default: `<unit>-汇总表.xlsx` in the current folder).
        #[arg(long)]
        to: Option<PathBuf>,
        /// Collection profile (TOML); default: the embedded cast-2023.
        #[arg(long)]
        profile: Option<PathBuf>,
    },
    /// The desk: a local web app that does the whole job from one browser tab (run with live
    /// progress, review with decisions saved at once, outputs). Listens on 127.0.0.1 and a free
    /// port; prints the address with its access token and opens the browser.
    Serve {
        /// The work folder (default: `lightbox` in the home folder).
        work: Option<PathBuf>,
        /// Collection folders or drop zips to run over (remembered in the work folder).
        #[arg(long, num_args = 1..)]
        drops: Vec<PathBuf>,
        /// Address to listen on, e.g. `0.0.0.0:8080` to serve the office's network (every request
        /// still needs the token).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
        /// Print the address but do not open a browser.
        #[arg(long)]
        no_browser: bool,
        /// Collection profile (TOML) for the runs; default: the embedded cast-2023.
        #[arg(long)]
        profile: Option<PathBuf>,
    },
    /// Write the manual pages (one per command, roff) into a folder: what the .deb installs.
    #[command(hide = true)]
    Man {
        /// The folder to write `lightbox.1`, `lightbox-run.1`, ... into (created if needed).
        out: PathBuf,
    },
    /// Show the embedded profile, or check a profile file.
    Profile {
        /// Check this profile file instead of showing the embedded one.
        #[arg(long)]
        check: Option<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and every argument has Chinese help: a new one without it fails here.
    #[test]
    fn every_command_and_argument_has_chinese_help() {
        fn walk(command: &clap::Command, name: &str, missing: &mut Vec<String>) {
            if messages::cli_help_zh(name, "").is_none() {
                missing.push(format!("{name}: about"));
            }
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if !arg.is_hide_set() && messages::cli_help_zh(name, id).is_none() {
                    missing.push(format!("{name}: {id}"));
                }
            }
            for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
                walk(sub, sub.get_name(), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&command(Lang::En), "lightbox", &mut missing);
        assert!(missing.is_empty(), "no Chinese help for {missing:?}");
    }

    /// No English of clap's own in the Chinese help: its lists of values and defaults are in
    /// the Chinese text, which names every value the argument takes.
    #[test]
    fn chinese_help_says_values_and_defaults_itself() {
        fn walk(command: &mut clap::Command, name: &str, wrong: &mut Vec<String>) {
            let help = command.render_long_help().to_string();
            for english in ["Possible values", "possible values", "[default:"] {
                if help.contains(english) {
                    wrong.push(format!("{name}: {english}"));
                }
            }
            for arg in command
                .get_arguments()
                .filter(|a| !a.is_hide_set() && a.get_action().takes_values())
            {
                let id = arg.get_id().as_str();
                let text = messages::cli_help_zh(name, id).unwrap_or_default();
                for value in arg
                    .get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                {
                    if !text.contains(value.get_name()) {
                        wrong.push(format!("{name} {id}: no {}", value.get_name()));
                    }
                }
                for default in arg.get_default_values() {
                    if !text.contains(default.to_string_lossy().as_ref()) {
                        wrong.push(format!("{name} {id}: no default {default:?}"));
                    }
                }
            }
            let names: Vec<String> = command
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(|c| c.get_name().to_string())
                .collect();
            for sub in names {
                walk(command.find_subcommand_mut(&sub).unwrap(), &sub, wrong);
            }
        }
        let mut wrong = Vec::new();
        walk(&mut command(Lang::Zh), "lightbox", &mut wrong);
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    #[test]
    fn the_language_is_read_before_parsing() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            language_of(&args(&["lightbox", "--lang", "en", "run"])),
            Lang::En
        );
        assert_eq!(
            language_of(&args(&["lightbox", "run", "--lang=zh"])),
            Lang::Zh
        );
    }
}

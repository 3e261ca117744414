//! The run's configuration: what `lightbox run` was asked to do, handed to every stage that needs
//! more than its own inputs.
//!
//! In: the CLI's (or a test's) choices. Out: [`RunConfig`]. No behaviour: a noun below the
//! stages, so the pipeline and the stages it calls can all take it without depending on each
//! other.

use std::path::PathBuf;

use crate::lang::Lang;
use crate::profile::Profile;
use crate::render;

/// What `lightbox run` needs.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Collection folders or drop zips.
    pub drops: Vec<PathBuf>,
    /// The work folder.
    pub work: PathBuf,
    /// The collection profile.
    pub profile: Profile,
    /// Language of messages and sheets.
    pub lang: Lang,
    /// Date printed on contact sheets (`YYYY-MM-DD`).
    pub date: String,
    /// The catalog database (default: `catalog.sqlite` in the work folder).
    pub catalog: PathBuf,
    /// Each of `drops` is one unit's drop (a folder or zip), not a collection of drops.
    pub units: bool,
    /// The font contact sheets are drawn with.
    pub font: render::SheetFont,
}

//! The seam between stages that report progress and the binary that draws it.
//!
//! In: stage names and counts from the pipeline. Out: nothing here; the binary's implementation
//! draws progress bars, `Silent` serves `--quiet`, pipes and tests. Invariant: stages never draw
//! or print themselves.

/// Receives progress from the stages. Implementations must be cheap: `advance` is called from
/// rayon workers once per photo.
pub trait Progress: Sync {
    /// A stage starts, with the number of steps it will take.
    fn stage(&self, name: &str, total: u64);
    /// Steps of the current stage are done.
    fn advance(&self, steps: u64);
    /// The current stage is over.
    fn finish(&self);
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _steps: u64) {}
    fn finish(&self) {}
}

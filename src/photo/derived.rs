//! Where a work folder keeps the pictures derived from each photo: its thumbnail and its
//! preview, named by content hash, so two units' copies of one photo share them and a rerun
//! finds them in place.
//!
//! In: a work folder's path. Out: the paths. Invariant: content-addressed names only.

use std::fs;
use std::path::{Path, PathBuf};

use super::ContentHash;

/// Where derived images go.
#[derive(Clone, Debug)]
pub struct DerivedDirs {
    /// Thumbnails, `<hash>.jpg`.
    pub thumbs: PathBuf,
    /// Previews, `<hash>.jpg`.
    pub previews: PathBuf,
}

impl DerivedDirs {
    /// The layout inside a work folder.
    pub fn in_work(work: &Path) -> DerivedDirs {
        DerivedDirs {
            thumbs: work.join("derived").join("thumbs"),
            previews: work.join("derived").join("previews"),
        }
    }

    /// Creates the folders.
    ///
    /// # Errors
    /// When they cannot be created.
    pub fn create(&self) -> std::io::Result<()> {
        fs::create_dir_all(&self.thumbs)?;
        fs::create_dir_all(&self.previews)
    }

    /// The thumbnail path of a content hash.
    pub fn thumbnail(&self, content: &ContentHash) -> PathBuf {
        self.thumbs.join(format!("{}.jpg", content.to_hex()))
    }

    /// The preview path of a content hash.
    pub fn preview(&self, content: &ContentHash) -> PathBuf {
        self.previews.join(format!("{}.jpg", content.to_hex()))
    }
}

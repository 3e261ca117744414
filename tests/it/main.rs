//! Integration tests: the `lightbox` binary run on the sample drops in `fixtures/` and on drops
//! generated into temporary folders. One test binary with a module per topic, so the image and
//! rayon tree links once.
//!
//! In: `fixtures/` (never written) and generated files. Out: assertions on what the binary wrote
//! (report, findings, thumbnails, package, manifests) and its exit codes.

mod bag;
mod book;
mod broken;
mod catalog;
mod cli;
mod distinct;
mod env;
mod exiftool;
mod fixture_run;
mod formats;
mod inert;
mod killed;
mod layers;
mod near;
mod package;
mod properties;
mod review;
mod robustness;
mod serve;
mod sheets;
mod tags;

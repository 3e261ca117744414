//! lightbox: a photo intake pipeline for collections that many units send in as folders and
//! zip files. Ingest, inspect and check, tags, dedupe, review, package.
//!
//! In: drop folders and zips. Out: a work folder (report, findings, derived images, contact
//! sheets) and a package. Start reading at `pipeline`, which runs the stages in order.

pub mod boundary;
pub mod broken;
pub mod budget;
pub mod catalog;
pub mod config;
pub mod dedupe;
pub mod fingerprint;
pub mod imaging;
pub mod ingest;
pub mod inspect;
pub mod intake;
pub mod journal;
pub mod lang;
pub mod manifest;
pub mod messages;
pub mod near;
pub mod output;
pub mod package;
pub mod photo;
pub mod pipeline;
pub mod profile;
pub mod progress;
pub mod reading;
pub mod receipt;
pub mod render;
pub mod report;
pub mod review;
pub mod serve;
pub mod sheets;
pub mod spill;
pub mod tags;
pub mod template;
pub mod text;
pub mod validate;

//! Container snapshots: an overlay mount of an image's unpacked layers plus a private upper
//! and work dir per container, as docker's overlay2 driver makes them.
//!
//! The lower dirs are named by their short link ids (`l/<26 chars>`) relative to
//! `$TUG_ROOT/image`, so that images of 100+ layers fit in the one page of mount options the
//! kernel accepts. The kernel calls sit behind [`Mounter`], so the logic is testable without
//! root.

mod error;
mod mounter;
pub mod mountinfo;
mod options;
mod overlay;

pub use error::SnapshotError;
pub use mounter::{KernelMounter, MountCall, Mounter, RecordingMounter};
pub use options::MAX_OPTIONS_LEN;
pub use overlay::Snapshot;

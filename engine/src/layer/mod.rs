//! Image layers: unpacking layer blobs with docker's semantics, and the store of unpacked
//! layers that every container's overlay mount stacks.
//!
//! - [`unpack()`] streams a tar, tar+gzip or tar+zstd blob into a directory, computing its
//!   diff_id on the way, turning AUFS-style whiteouts into overlayfs ones, and refusing
//!   entries that would escape the directory.
//! - [`LayerStore`] keeps each layer unpacked once under `$TUG_ROOT/image/layers/<chain-id>`,
//!   shared by every image with the same chain, with a short link id under `image/l/` that
//!   keeps overlay mount options small.

mod chain;
pub mod compression;
mod diff_id;
mod entry;
mod error;
mod image;
mod link_id;
mod meta;
mod path;
mod root;
mod sparse;
mod store;
mod unpack;
pub mod whiteout;

pub use chain::{chain_id, chain_ids};
pub use diff_id::HashingReader;
pub use error::LayerError;
pub use image::ensure_image_layers;
pub use link_id::LINK_ID_LEN;
pub use store::{LayerRef, LayerSource, LayerStore};
pub use unpack::{unpack, UnpackOptions, UnpackStats};

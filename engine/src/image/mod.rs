//! The JSON documents that describe an image: the image config (what a container runs with),
//! manifests (which blobs make an image) and indexes (which manifest fits which platform).
//!
//! tug reads both Docker schema2 and OCI variants. The types are written here rather than taken
//! from a crate so that docker's own fields (`Healthcheck`, `OnBuild`, …) survive a round trip
//! and unknown fields are kept, not dropped.

pub mod config;
pub mod manifest;
pub mod media_type;
pub mod platform;

pub use config::{ContainerConfig, HealthConfig, History, ImageConfig, RootFs};
pub use manifest::{Descriptor, ImageIndex, ImageManifest};
pub use platform::Platform;

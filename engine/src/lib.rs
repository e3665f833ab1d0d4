//! The embedded container engine.
//!
//! It owns images (content store, OCI and Docker manifests, import/save/load, pull/push),
//! layer unpacking, overlay snapshots, the runtime (namespaces, cgroups, pivot_root), the
//! per-container monitor (logs, exit codes, restart policies, healthchecks), exec and the
//! Dockerfile builder. It knows nothing about Compose: the `cli` crate maps a Compose
//! project onto it. Filled by the image-store, runtime and build issues.

pub mod archive;
pub mod cgroup;
pub mod container;
pub mod digest;
pub mod image;
pub mod layer;
pub mod lifecycle;
pub mod monitor;
pub mod reference;
pub mod registry;
pub mod runtime;
pub mod snapshot;
pub mod store;

pub use digest::Digest;

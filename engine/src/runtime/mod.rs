//! The container runtime: docker's defaults turned into an OCI runtime spec (the internal
//! contract, so an external OCI runtime could be plugged in later), and a native Linux
//! runtime that starts a container's init from such a spec on a rootfs directory.

pub mod defaults;
pub mod linux;
pub mod rlimit;
pub mod spec;
pub mod user;

pub use spec::{build_spec, ContainerSpec, SpecError, Ulimit};

#[cfg(test)]
mod spec_tests;

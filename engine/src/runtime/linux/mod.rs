//! The native Linux runtime: clones the container's init into new pid, mount, uts, ipc,
//! net and cgroup namespaces and turns an OCI spec into a running process on a rootfs.

pub mod cgroupfs;
pub mod exec;
mod init;
mod mini_init;
pub mod pty;
pub mod rootfs;
pub mod seccomp;
pub mod securejoin;
mod start;
pub mod sys;

pub use init::{EXIT_CANNOT_EXEC, EXIT_NOT_FOUND, EXIT_RUNTIME};
pub use start::{docker_exit_code, parse_threads, start, InitProcess, StartError, Stdio};

#[cfg(test)]
mod rootfs_tests;

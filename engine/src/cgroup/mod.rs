//! Container cgroups on every host: cgroup v2 (unified), v1 (legacy) and hybrid.
//!
//! [`Host::detect`] finds the setup and the mount point of every v1 controller; a
//! [`CgroupManager`] owns `tug/<container-id>` under each hierarchy, applies docker's resource
//! flags ([`Limits`]), moves processes in, reports OOM kills, freezes for pause, signals and
//! removes the group. [`for_pid`] reads a process's cgroups so `exec` can join them. Every
//! cgroupfs access goes through the [`CgroupFs`] seam.

mod detect;
mod error;
mod fs;
mod limits;
mod manager;
mod proc;
mod v1;
mod v2;

#[cfg(test)]
mod fake_fs;
#[cfg(test)]
mod manager_tests;
#[cfg(test)]
mod v1_tests;

pub use detect::{detect_setup, Host, Setup, V1Mount, CGROUP_ROOT};
pub use error::{CgroupError, Result};
pub use fs::{CgroupFs, RealFs};
pub use limits::{cpus_to_quota, shares_to_weight, Limits, DEFAULT_CPU_PERIOD_US};
pub use manager::CgroupManager;
pub use proc::{for_pid, ProcCgroup, ProcessCgroups};

/// The directory under each hierarchy's root that holds tug's containers.
pub const TUG_DIR: &str = "tug";

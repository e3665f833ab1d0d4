//! Containers on disk: one folder per container under `$TUG_ROOT/containers/<64-hex id>/`
//! holding `config.json` (what to run, written once at create) and `state.json` (what is
//! happening, rewritten by the monitor and by any command that repairs state).
//!
//! There is no daemon, so every `tug` command reads these files, and [`ContainerStore::refresh`]
//! turns a container whose monitor or init died into an exited one ("any command repairs
//! state"). All writes are atomic (temp file + rename) and made under one `flock`.

mod config;
mod error;
mod filter;
mod id;
mod names;
mod refresh;
mod state;
mod store;
mod time;

pub use config::{
    ContainerConfig, HealthConfig, Limits, RestartPolicy, RestartPolicyName, Security, Ulimit,
};
pub use error::ContainerError;
pub use filter::{Filter, Filters};
pub use id::{is_container_id, random_container_id, random_name, validate_name};
pub use refresh::{proc_start_time, ProcProcesses, Processes};
pub use state::{ContainerState, Health, HealthLogEntry, HealthStatus, Status};
pub use store::{Container, ContainerStore, EXIT_CODE_FILE};

//! Container lifecycle operations used by the CLI: create (record + snapshot), start (spawn
//! the per-container monitor), stop, kill, wait and rm. There is no daemon: each operation
//! reads the container's files, repairs state whose monitor died, and signals the monitor or
//! the init by pid.

mod control;
mod create;
mod error;
mod forward;
mod pause;
mod start;

pub use control::{kill, remove, stop, wait};
pub use create::{create, merge_config, CreateOptions};
pub use error::LifecycleError;
pub use forward::{install_signal_proxy, take_signals};
pub use pause::{pause, unpause};
pub use start::{start, MonitorCommand};

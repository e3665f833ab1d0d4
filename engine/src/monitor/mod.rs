//! The pieces the per-container monitor process is made of, each free of process and clock
//! details so it can be tested alone: the json-file log and its reader, the restart policy
//! decision, the healthcheck state machine and the stop decision.

pub mod duration;
pub mod health;
pub mod log;
pub mod process;
pub mod restart;
pub mod stop;

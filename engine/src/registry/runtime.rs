//! The tokio runtime of one transfer.
//!
//! tug has no daemon and forks a single-threaded monitor per container; a process that later
//! spawns monitors must not keep a runtime (and its threads) alive. So the registry module
//! never exposes async functions: each entry point (`pull`, `push`, `login`) builds a runtime
//! here, runs its future, and drops the runtime, which joins its worker threads, before it
//! returns.

use super::error::RegistryError;
use std::future::Future;

/// Runs `fut` to completion on a fresh multi-threaded runtime with up to `threads` workers
/// (capped by the CPU count), then shuts the runtime down.
pub(crate) fn run<F: Future>(threads: usize, fut: F) -> Result<F::Output, RegistryError> {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.clamp(1, cpus.max(1)))
        .thread_name("tug-registry")
        .enable_io()
        .enable_time()
        .build()
        .map_err(RegistryError::Runtime)?;
    let out = rt.block_on(fut);
    // Dropping the runtime waits for its worker threads to exit.
    drop(rt);
    Ok(out)
}

//! `tug container restart`, `pause`, `unpause` and `port`: thin wrappers over the engine's
//! lifecycle calls.

use anyhow::Result;
use clap::Args;
use engine::container::ContainerStore;
use engine::lifecycle;
use std::path::Path;

/// `restart [-t N]`: stop (stop signal, grace period, SIGKILL), then start again. A stopped
/// container is just started, as in docker.
pub fn restart(root: &Path, container: &str, time: Option<u32>) -> Result<()> {
    lifecycle::stop(root, container, time)?;
    lifecycle::start(root, container, &super::monitor_command(root)?)?;
    Ok(())
}

/// `port CONTAINER [PRIVATE_PORT[/PROTO]]`.
#[derive(Debug, Args, Clone)]
pub struct PortArgs {
    /// Container name or id.
    pub container: String,
    /// Only this private port (`80` or `80/tcp`).
    pub private_port: Option<String>,
}

/// Prints the container's published ports. Containers have no network of their own yet, so
/// nothing is ever published: no output for the whole list, and docker's error for a port.
pub fn port(root: &Path, args: &PortArgs) -> Result<i32> {
    let store = ContainerStore::open(root)?;
    let c = store.lookup(&args.container)?;
    match &args.private_port {
        None => Ok(0),
        Some(p) => {
            let p = if p.contains('/') {
                p.clone()
            } else {
                format!("{p}/tcp")
            };
            eprintln!(
                "Error: No public port '{p}' published for {}",
                c.config.name
            );
            Ok(1)
        }
    }
}

//! Flags shared by the commands that talk to a registry (`pull`, `push`, `login`).

use anyhow::{Context, Result};
use clap::Args;
use engine::registry::RegistryOptions;
use std::path::Path;

/// Registry connection flags.
#[derive(Debug, Args, Clone, Default)]
pub struct RegistryFlags {
    /// Allow plain HTTP or unverified TLS for this registry (`host[:port]` or CIDR;
    /// repeatable). Loopback registries are always allowed, as in docker; the list also comes
    /// from `insecure-registries` in $TUG_ROOT/config.json.
    #[arg(long = "insecure-registry", value_name = "REGISTRY")]
    pub insecure_registries: Vec<String>,
}

impl RegistryFlags {
    /// The options for this run: `$TUG_ROOT/config.json`, then the flags.
    pub fn options(&self, root: &Path) -> Result<RegistryOptions> {
        let mut opts = RegistryOptions::load(root).context("read the registry settings")?;
        opts.insecure_registries
            .extend(self.insecure_registries.iter().cloned());
        Ok(opts)
    }
}

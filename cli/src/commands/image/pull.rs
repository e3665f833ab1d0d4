//! `tug image pull` / `tug pull`: download an image from a registry, with docker's output.

use super::progress::{Direction, Display};
use super::registry_flags::RegistryFlags;
use anyhow::{Context, Result};
use clap::Args;
use engine::image::Platform;
use engine::reference::Reference;
use engine::registry;
use engine::store::Store;
use std::path::Path;
use std::sync::Arc;

/// `tug image pull` flags, as in `docker image pull`.
#[derive(Debug, Args, Clone)]
pub struct PullArgs {
    /// Pull this platform of a multi-platform image (`os/arch[/variant]`; default: the
    /// host's).
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Suppress verbose output: print only the image name.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// The image, `NAME[:TAG|@DIGEST]`.
    #[arg(value_name = "NAME[:TAG|@DIGEST]")]
    pub name: String,
}

pub fn run(root: &Path, args: &PullArgs) -> Result<i32> {
    let reference =
        Reference::parse(&args.name).with_context(|| format!("pull {:?}", args.name))?;
    let platform: Option<Platform> = args
        .platform
        .as_deref()
        .map(str::parse)
        .transpose()
        .with_context(|| format!("pull {}", reference.familiar()))?;
    let opts = args.registry.options(root)?;
    let store = Store::open(root).context("open the image store")?;
    let display = Arc::new(Display::new(Direction::Pull, args.quiet));
    let out = registry::pull(
        &store,
        &reference,
        platform.as_ref(),
        &opts,
        display.clone(),
    );
    display.done();
    let out = out.with_context(|| format!("pull {}", reference.familiar()))?;
    display.line(&format!("Digest: {}", out.digest));
    if out.up_to_date {
        display.line(&format!(
            "Status: Image is up to date for {}",
            reference.familiar()
        ));
    } else {
        display.line(&format!(
            "Status: Downloaded newer image for {}",
            reference.familiar()
        ));
    }
    println!("{reference}");
    Ok(0)
}

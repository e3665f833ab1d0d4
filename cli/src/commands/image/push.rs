//! `tug image push` / `tug push`: upload a local image to a registry, with docker's output.

use super::progress::{Direction, Display};
use super::registry_flags::RegistryFlags;
use anyhow::{Context, Result};
use clap::Args;
use engine::reference::Reference;
use engine::registry;
use engine::store::Store;
use std::path::Path;
use std::sync::Arc;

/// `tug image push` flags, as in `docker image push`.
#[derive(Debug, Args, Clone)]
pub struct PushArgs {
    /// Suppress verbose output.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// The image, `NAME[:TAG]`.
    #[arg(value_name = "NAME[:TAG]")]
    pub name: String,
}

pub fn run(root: &Path, args: &PushArgs) -> Result<i32> {
    let reference =
        Reference::parse(&args.name).with_context(|| format!("push {:?}", args.name))?;
    let opts = args.registry.options(root)?;
    let store = Store::open(root).context("open the image store")?;
    let display = Arc::new(Display::new(Direction::Push, args.quiet));
    display.line(&format!(
        "The push refers to repository [{}]",
        reference.repository()
    ));
    let out = registry::push(&store, &reference, &opts, display.clone());
    display.done();
    let out = out.with_context(|| format!("push {}", reference.familiar()))?;
    if args.quiet {
        println!("{reference}");
    } else {
        println!("{}: digest: {} size: {}", out.tag, out.digest, out.size);
    }
    Ok(0)
}

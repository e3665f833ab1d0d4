//! `tug image rm`: untag and delete images, refusing while containers use them.

use super::in_use::containers_use_image;
use anyhow::{Context, Result};
use clap::Args;
use engine::store::{Removal, Store};
use std::path::Path;

/// `tug image rm` flags, as in `docker image rm`.
#[derive(Debug, Args, Clone)]
pub struct RmArgs {
    /// Remove even if a container uses the image, or it is tagged in several repositories.
    // No `-f`: the global `-f FILE` (compose files) takes it.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Accepted for docker compatibility (tug has no untagged parent images to keep).
    #[arg(long)]
    pub no_prune: bool,
    /// Images (names, digests or ids).
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

pub fn run(root: &Path, args: &RmArgs) -> Result<i32> {
    let store = Store::open(root).context("open the image store")?;
    let in_use = containers_use_image(root)?;
    let mut code = 0;
    for name in &args.images {
        match store.remove_by_name(name, args.force, &in_use) {
            Ok(effects) => {
                for e in effects {
                    match e {
                        Removal::Untagged(r) => println!("Untagged: {}", r.familiar()),
                        Removal::Deleted(d) => println!("Deleted: {d}"),
                    }
                }
            }
            Err(e) => {
                eprintln!("Error: remove {name}: {e}");
                code = 1;
            }
        }
    }
    Ok(code)
}

//! `tug image tag SOURCE TARGET`.

use anyhow::{bail, Context, Result};
use clap::Args;
use engine::reference::Reference;
use engine::store::Store;
use std::path::Path;

/// `tug image tag` arguments.
#[derive(Debug, Args, Clone)]
pub struct TagArgs {
    /// The image to tag (name, digest or id).
    #[arg(value_name = "SOURCE_IMAGE")]
    pub source: String,
    /// The new name, `[REGISTRY/]REPOSITORY[:TAG]`.
    #[arg(value_name = "TARGET_IMAGE")]
    pub target: String,
}

pub fn run(root: &Path, args: &TagArgs) -> Result<i32> {
    let target =
        Reference::parse(&args.target).with_context(|| format!("tag {:?}", args.target))?;
    if target.digest().is_some() {
        bail!(
            "tag {:?}: refusing to create a tag with a digest reference",
            args.target
        );
    }
    let store = Store::open(root).context("open the image store")?;
    let rec = store.resolve(&args.source)?;
    store
        .tag(&target, &rec.id)
        .with_context(|| format!("tag {} as {}", args.source, target.familiar()))?;
    Ok(0)
}

//! `tug image prune`: remove dangling (or, with `-a`, all unused) images.

use super::format::human_size;
use super::in_use::containers_use_image;
use anyhow::{bail, Context, Result};
use clap::Args;
use engine::store::Store;
use engine::Digest;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

/// `tug image prune` flags.
#[derive(Debug, Args, Clone)]
pub struct PruneArgs {
    /// Remove all images no container uses, not just dangling ones.
    #[arg(short, long)]
    pub all: bool,
    /// Do not prompt for confirmation.
    // No `-f`: the global `-f FILE` (compose files) takes it.
    #[arg(short = 'f', long)]
    pub force: bool,
}

pub fn run(root: &Path, args: &PruneArgs) -> Result<i32> {
    if !args.force && !confirm(args.all)? {
        return Ok(0);
    }
    let store = Store::open(root).context("open the image store")?;
    let before = store.images().context("list images")?;
    // Sizes of every blob the candidates hold, to report what was reclaimed.
    let mut sizes: BTreeMap<Digest, u64> = BTreeMap::new();
    for rec in &before {
        for l in &rec.layers {
            sizes.insert(l.digest.clone(), l.size);
        }
        for d in std::iter::once(&rec.id).chain(rec.manifest_digest.as_ref()) {
            if let Ok(n) = store.blob_size(d) {
                sizes.insert(d.clone(), n);
            }
        }
    }
    let in_use = containers_use_image(root)?;
    let removed = store.prune(args.all, &in_use).context("prune images")?;
    if !removed.is_empty() {
        println!("Deleted Images:");
        for id in &removed {
            if let Some(rec) = before.iter().find(|r| &r.id == id) {
                for r in rec.repo_tags.iter().chain(&rec.repo_digests) {
                    println!("untagged: {}", r.familiar());
                }
            }
            println!("deleted: {id}");
        }
        println!();
    }
    let reclaimed: u64 = sizes
        .iter()
        .filter(|(d, _)| !store.has_blob(d))
        .map(|(_, n)| n)
        .sum();
    println!("Total reclaimed space: {}", human_size(reclaimed));
    Ok(0)
}

fn confirm(all: bool) -> Result<bool> {
    let what = if all {
        "all images without at least one container associated to them"
    } else {
        "all dangling images"
    };
    if !std::io::stdin().is_terminal() {
        bail!("prune would remove {what}: pass -f to confirm when stdin is not a terminal");
    }
    print!("WARNING! This will remove {what}.\nAre you sure you want to continue? [y/N] ");
    std::io::stdout().flush().context("write the prompt")?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("read the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

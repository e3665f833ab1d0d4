//! `tug image load`: docker-archive and OCI layout tarballs (or directories) into the store.

use anyhow::{bail, Context, Result};
use clap::Args;
use engine::archive::{load, load_dir};
use engine::store::Store;
use std::fs::File;
use std::io::{self, BufReader, IsTerminal};
use std::path::{Path, PathBuf};

/// `tug image load` flags, as in `docker image load`.
#[derive(Debug, Args, Clone)]
pub struct LoadArgs {
    /// Read from this tar archive (or unpacked directory) instead of standard input.
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Suppress the load output.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(root: &Path, args: &LoadArgs) -> Result<i32> {
    let store = Store::open(root).context("open the image store")?;
    let loaded = match &args.input {
        Some(p) if p.is_dir() => {
            load_dir(&store, p).with_context(|| format!("load {}", p.display()))?
        }
        Some(p) => {
            let f = File::open(p).with_context(|| format!("open {}", p.display()))?;
            load(&store, &mut BufReader::with_capacity(1 << 20, f))
                .with_context(|| format!("load {}", p.display()))?
        }
        None => {
            let stdin = io::stdin();
            if stdin.is_terminal() {
                bail!(
                    "requested load from stdin, but stdin is a terminal: use -i FILE or redirect"
                );
            }
            load(&store, &mut stdin.lock()).context("load from standard input")?
        }
    };
    if !args.quiet {
        for img in &loaded {
            if img.tags.is_empty() {
                println!("Loaded image ID: {}", img.id);
            }
            for t in &img.tags {
                println!("Loaded image: {}", t.familiar());
            }
        }
    }
    Ok(0)
}

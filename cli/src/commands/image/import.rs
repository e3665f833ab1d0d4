//! `tug image import FILE|- [REF]`: a rootfs tarball becomes a one-layer image.

use anyhow::{Context, Result};
use clap::Args;
use engine::archive::{import, ImportOptions};
use engine::image::Platform;
use engine::reference::Reference;
use engine::store::Store;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// `tug image import` flags, as in `docker image import`.
#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    /// Apply a Dockerfile instruction to the image (repeatable): CMD, ENTRYPOINT, ENV,
    /// EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
    #[arg(short, long = "change", value_name = "INSTRUCTION")]
    pub changes: Vec<String>,
    /// Commit message recorded in the image history.
    #[arg(short, long)]
    pub message: Option<String>,
    /// Platform to record, os/arch[/variant] (default: this machine's).
    #[arg(long)]
    pub platform: Option<String>,
    /// The tarball (plain, gzip or zstd), or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: String,
    /// Name for the image, `[REGISTRY/]REPOSITORY[:TAG]`.
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub reference: Option<String>,
}

pub fn run(root: &Path, args: &ImportArgs) -> Result<i32> {
    let reference = args
        .reference
        .as_deref()
        .map(|r| Reference::parse(r).with_context(|| format!("import as {r:?}")))
        .transpose()?;
    let platform = args
        .platform
        .as_deref()
        .map(|p| {
            p.parse::<Platform>()
                .with_context(|| format!("--platform {p:?}"))
        })
        .transpose()?;
    let mut input: Box<dyn Read> = if args.file == "-" {
        Box::new(io::stdin().lock())
    } else {
        let f = File::open(&args.file).with_context(|| format!("open {}", args.file))?;
        Box::new(BufReader::with_capacity(1 << 20, f))
    };
    let store = Store::open(root).context("open the image store")?;
    let opts = ImportOptions {
        reference,
        changes: args.changes.clone(),
        message: args.message.clone(),
        platform,
        source: args.file.clone(),
    };
    let rec = import(&store, &mut input, &opts).with_context(|| format!("import {}", args.file))?;
    println!("{}", rec.id);
    Ok(0)
}

//! `tug image save`: images to one tarball (docker-archive and OCI layout at once).

use anyhow::{bail, Context, Result};
use clap::Args;
use engine::archive::save;
use engine::store::Store;
use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// `tug image save` flags, as in `docker image save`.
#[derive(Debug, Args, Clone)]
pub struct SaveArgs {
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Images (names, digests or ids).
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

pub fn run(root: &Path, args: &SaveArgs) -> Result<i32> {
    let store = Store::open(root).context("open the image store")?;
    let what = args.images.join(", ");
    match &args.output {
        None => {
            let stdout = io::stdout();
            if stdout.is_terminal() {
                bail!("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            }
            let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
            save(&store, &args.images, &mut w).with_context(|| format!("save {what}"))?;
            w.flush().context("write to standard output")?;
        }
        Some(path) => {
            // Write next to the target and rename, so a failure leaves no partial archive.
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let name = path
                .file_name()
                .map_or_else(|| "archive".into(), |n| n.to_string_lossy().into_owned());
            let tmp = dir.join(format!(".{name}.tug-{}", std::process::id()));
            let result = (|| -> Result<()> {
                let f =
                    fs::File::create(&tmp).with_context(|| format!("create {}", tmp.display()))?;
                let mut w = BufWriter::with_capacity(1 << 20, f);
                save(&store, &args.images, &mut w).with_context(|| format!("save {what}"))?;
                let f = w
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("write {}", path.display()))?;
                f.sync_all()
                    .with_context(|| format!("write {}", path.display()))?;
                fs::rename(&tmp, path).with_context(|| format!("write {}", path.display()))
            })();
            if result.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            result?;
        }
    }
    Ok(0)
}

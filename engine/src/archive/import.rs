//! `tug image import`: a root filesystem tarball becomes a one-layer image.
//!
//! The tar is read once: its bytes are hashed as they come (the layer's diff_id) and
//! gzip-compressed into a new blob (the layer), while a tar parser walks the same bytes so a
//! file that is not a tar is refused rather than stored.

use super::changes::apply_changes;
use super::compress::{sniffing_decoder, unsupported_format};
use super::time::now_rfc3339;
use super::ArchiveError;
use crate::digest::DigestWriter;
use crate::image::{media_type, ContainerConfig, History, ImageConfig, Platform, RootFs};
use crate::reference::Reference;
use crate::store::{ImageRecord, LayerRecord, Store, StoreError};
use std::io::{self, Read, Write};

/// What `import` makes besides the layer.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The name to tag the image with (`docker import FILE REF`); untagged when `None`.
    pub reference: Option<Reference>,
    /// `--change` instructions applied to the config.
    pub changes: Vec<String>,
    /// `--message`: the history comment (default `Imported from SOURCE`).
    pub message: Option<String>,
    /// `--platform`: the os/architecture to record (default: the host's).
    pub platform: Option<Platform>,
    /// Where the tarball came from, for the history (`-` for stdin).
    pub source: String,
}

/// Reads a (plain, gzip or zstd) tar from `input` and stores it as a one-layer image.
pub fn import(
    store: &Store,
    input: &mut dyn Read,
    opts: &ImportOptions,
) -> Result<ImageRecord, ArchiveError> {
    // Validate the changes before reading what may be a large stream.
    let mut run_config = ContainerConfig::default();
    apply_changes(&mut run_config, &opts.changes)?;

    let _lease = store.lease()?;
    let what = || format!("reading {}", display_source(&opts.source));
    let (plain, _, head) = sniffing_decoder(input).map_err(|e| ArchiveError::io(what(), e))?;
    if let Some(kind) = unsupported_format(&head) {
        return Err(ArchiveError::Format(format!(
            "{} is {kind}-compressed, which tug does not read: decompress it first",
            display_source(&opts.source)
        )));
    }

    let blob = store.new_blob()?;
    let gz = flate2::write::GzEncoder::new(blob, flate2::Compression::default());
    let mut tee = Tee {
        inner: plain,
        out: DigestWriter::new(gz),
        error: None,
    };
    let entries = check_tar(&mut tee).map_err(|e| match tee.error.take() {
        Some(write_err) => {
            StoreError::io("write", &store.tmp_dir(), "the imported layer", write_err).into()
        }
        None => ArchiveError::Format(format!(
            "{} is not a tar archive: {e}",
            display_source(&opts.source)
        )),
    })?;
    if entries == 0 {
        return Err(ArchiveError::Format(format!(
            "{} is an empty tar archive",
            display_source(&opts.source)
        )));
    }
    let (diff_id, _, gz) = tee.out.finish();
    let blob = gz
        .finish()
        .map_err(|e| ArchiveError::io("compressing the layer", e))?;
    let (layer_digest, layer_size) = blob.commit()?;

    let now = now_rfc3339();
    let platform = opts.platform.clone().unwrap_or_else(Platform::host);
    let comment = opts
        .message
        .clone()
        .unwrap_or_else(|| format!("Imported from {}", opts.source));
    let config = ImageConfig {
        created: Some(now.clone()),
        architecture: platform.architecture,
        os: platform.os,
        variant: platform.variant,
        config: Some(run_config),
        rootfs: RootFs {
            kind: "layers".to_string(),
            diff_ids: vec![diff_id.clone()],
        },
        history: vec![History {
            created: Some(now.clone()),
            comment: Some(comment),
            ..History::default()
        }],
        ..ImageConfig::default()
    };
    let config_bytes =
        serde_json::to_vec(&config).map_err(|e| ArchiveError::json("the new image config", e))?;
    let (id, _) = store.write_blob(None, None, &mut &config_bytes[..])?;
    let record = ImageRecord {
        id,
        manifest_digest: None,
        manifest_media_type: media_type::OCI_MANIFEST.to_string(),
        config,
        layers: vec![LayerRecord {
            digest: layer_digest,
            media_type: media_type::OCI_LAYER_GZIP.to_string(),
            size: layer_size,
            diff_id,
        }],
        repo_tags: opts.reference.iter().cloned().collect(),
        repo_digests: Vec::new(),
        created: Some(now),
    };
    store.put_image(&record)?;
    Ok(store.image(&record.id)?)
}

fn display_source(s: &str) -> String {
    if s == "-" {
        "standard input".to_string()
    } else {
        s.to_string()
    }
}

/// Walks the tar to its end (including the zero blocks and any padding after them) so every
/// byte passes through the tee; returns the number of entries.
fn check_tar(r: &mut dyn Read) -> io::Result<usize> {
    let mut n = 0;
    {
        let mut archive = tar::Archive::new(&mut *r);
        for entry in archive.entries()? {
            let mut entry = entry?;
            entry.path()?;
            io::copy(&mut entry, &mut io::sink())?;
            n += 1;
        }
    }
    io::copy(r, &mut io::sink())?;
    Ok(n)
}

/// A reader that copies everything it yields into `out`, remembering a write failure (a
/// full disk) so it is reported as such rather than as a bad tar.
struct Tee<R, W> {
    inner: R,
    out: W,
    error: Option<io::Error>,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Err(e) = self.out.write_all(&buf[..n]) {
            let msg = e.to_string();
            self.error = Some(e);
            return Err(io::Error::other(msg));
        }
        Ok(n)
    }
}

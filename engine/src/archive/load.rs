//! `tug image load`: docker-archive tarballs (`manifest.json` + config + layer tars, as
//! `docker save` and `skopeo copy docker-archive:` write them) and OCI image layouts
//! (`oci-layout` + `index.json` + `blobs/sha256/`), as a tar, a compressed tar or a directory.

use super::compress::{decoder, sniffing_decoder, unsupported_format};
use super::stage::StagedArchive;
use super::{oci_load, ArchiveError};
use crate::digest::{Digest, DigestWriter};
use crate::image::media_type::{self, Compression};
use crate::image::ImageConfig;
use crate::reference::Reference;
use crate::store::{ImageRecord, LayerRecord, Store};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;

/// One image that a load stored, with the names it got. `tug image load` prints
/// `Loaded image: NAME` per name, or `Loaded image ID: ID` when it has none.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedImage {
    /// The image id.
    pub id: Digest,
    /// The names the archive gave it.
    pub tags: Vec<Reference>,
}

/// One entry of a docker-archive's `manifest.json`.
#[derive(Deserialize)]
pub(crate) struct ArchiveManifestEntry {
    #[serde(rename = "Config")]
    pub(crate) config: String,
    #[serde(rename = "RepoTags", default)]
    pub(crate) repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    pub(crate) layers: Vec<String>,
}

/// Loads every image of an archive read from `r` (plain, gzip or zstd tar).
pub fn load(store: &Store, r: &mut dyn Read) -> Result<Vec<LoadedImage>, ArchiveError> {
    let _lease = store.lease()?;
    let (mut tar, _, head) =
        sniffing_decoder(r).map_err(|e| ArchiveError::io("reading the archive", e))?;
    if let Some(kind) = unsupported_format(&head) {
        return Err(ArchiveError::Format(format!(
            "the archive is {kind}-compressed, which tug does not read: decompress it first"
        )));
    }
    if head.is_empty() {
        return Err(ArchiveError::Format("the archive is empty".to_string()));
    }
    let staged = StagedArchive::from_tar(store, &mut tar)?;
    finish(store, &staged)
}

/// Loads every image of an unpacked archive or OCI layout directory.
pub fn load_dir(store: &Store, dir: &Path) -> Result<Vec<LoadedImage>, ArchiveError> {
    let _lease = store.lease()?;
    let staged = StagedArchive::from_dir(store, dir)?;
    finish(store, &staged)
}

fn finish(store: &Store, staged: &StagedArchive) -> Result<Vec<LoadedImage>, ArchiveError> {
    let docker_tags = docker_manifest(store, staged)?;
    if staged.contains("index.json") {
        return oci_load::load_layout(store, staged, docker_tags.as_deref());
    }
    let Some(entries) = docker_tags else {
        return Err(ArchiveError::Format(
            "the archive has neither manifest.json nor index.json: it is not a docker-archive \
             or an OCI image layout"
                .to_string(),
        ));
    };
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let what = format!("manifest.json entry {i} ({})", entry.config);
        let config_bytes = staged.bytes(store, &entry.config)?;
        let config: ImageConfig =
            serde_json::from_slice(&config_bytes).map_err(|e| ArchiveError::json(&what, e))?;
        let (id, _) = staged.blob(store, &entry.config)?;
        let diff_ids = &config.rootfs.diff_ids;
        if entry.layers.len() != diff_ids.len() {
            return Err(ArchiveError::Format(format!(
                "{what}: {} layers listed but the config has {} diff_ids",
                entry.layers.len(),
                diff_ids.len()
            )));
        }
        let mut layers = Vec::new();
        for (path, diff_id) in entry.layers.iter().zip(diff_ids) {
            let (digest, size) = staged.blob(store, path)?;
            let media_type = layer_media_type(store, &digest, diff_id)?;
            layers.push(LayerRecord {
                digest,
                media_type: media_type.to_string(),
                size,
                diff_id: diff_id.clone(),
            });
        }
        let tags = parse_tags(entry.repo_tags.as_deref().unwrap_or(&[]))?;
        let record = ImageRecord {
            id: id.clone(),
            manifest_digest: None,
            manifest_media_type: media_type::OCI_MANIFEST.to_string(),
            created: config.created.clone(),
            config,
            layers,
            repo_tags: tags.clone(),
            repo_digests: Vec::new(),
        };
        store.put_image(&record)?;
        out.push(LoadedImage { id, tags });
    }
    Ok(out)
}

/// `manifest.json`, if the archive has one.
fn docker_manifest(
    store: &Store,
    staged: &StagedArchive,
) -> Result<Option<Vec<ArchiveManifestEntry>>, ArchiveError> {
    if !staged.contains("manifest.json") {
        return Ok(None);
    }
    let bytes = staged.bytes(store, "manifest.json")?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ArchiveError::json("manifest.json", e))
}

pub(crate) fn parse_tags(tags: &[String]) -> Result<Vec<Reference>, ArchiveError> {
    tags.iter()
        .map(|t| Reference::parse(t).map_err(ArchiveError::from))
        .collect()
}

/// A docker-archive layer is a plain tar whose digest is its diff_id; a compressed one (which
/// docker also accepts) must decompress to the diff_id.
fn layer_media_type(
    store: &Store,
    blob: &Digest,
    diff_id: &Digest,
) -> Result<&'static str, ArchiveError> {
    if blob == diff_id {
        return Ok(media_type::OCI_LAYER_TAR);
    }
    let file = store.open_blob(blob)?;
    let what = || format!("decompressing layer {blob}");
    let (_, compression, _) =
        sniffing_decoder(store.open_blob(blob)?).map_err(|e| ArchiveError::io(what(), e))?;
    let mut r = decoder(compression, file).map_err(|e| ArchiveError::io(what(), e))?;
    let mut w = DigestWriter::new(io::sink());
    io::copy(&mut r, &mut w).map_err(|e| ArchiveError::io(what(), e))?;
    let (actual, _, _) = w.finish();
    if actual != *diff_id {
        return Err(ArchiveError::DiffIdMismatch {
            layer: blob.clone(),
            expected: diff_id.clone(),
            actual,
        });
    }
    Ok(match compression {
        Compression::Gzip => media_type::OCI_LAYER_GZIP,
        Compression::Zstd => media_type::OCI_LAYER_ZSTD,
        Compression::None => media_type::OCI_LAYER_TAR,
    })
}

/// Tags from `manifest.json` by config digest, to name images found through `index.json`.
pub(crate) fn tags_by_config(
    store: &Store,
    staged: &StagedArchive,
    entries: &[ArchiveManifestEntry],
) -> Result<BTreeMap<Digest, Vec<Reference>>, ArchiveError> {
    let mut out: BTreeMap<Digest, Vec<Reference>> = BTreeMap::new();
    for e in entries {
        let (id, _) = staged.blob(store, &e.config)?;
        out.entry(id)
            .or_default()
            .extend(parse_tags(e.repo_tags.as_deref().unwrap_or(&[]))?);
    }
    Ok(out)
}

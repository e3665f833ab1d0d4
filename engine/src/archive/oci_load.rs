//! Loading an OCI image layout: `index.json` lists manifests (or nested indexes, from which
//! the host's platform is chosen); names come from the `io.containerd.image.name` annotation,
//! or `org.opencontainers.image.ref.name` when that holds a full name rather than a bare tag.

use super::load::{tags_by_config, ArchiveManifestEntry, LoadedImage};
use super::stage::StagedArchive;
use super::ArchiveError;
use crate::digest::Digest;
use crate::image::{media_type, Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform};
use crate::reference::Reference;
use crate::store::{ImageRecord, LayerRecord, Store};
use std::collections::BTreeMap;

/// The annotation containerd and docker put the full image name in.
const CONTAINERD_NAME: &str = "io.containerd.image.name";
/// The OCI annotation for a reference name (often just a tag).
const OCI_REF_NAME: &str = "org.opencontainers.image.ref.name";

pub(crate) fn load_layout(
    store: &Store,
    staged: &StagedArchive,
    docker_entries: Option<&[ArchiveManifestEntry]>,
) -> Result<Vec<LoadedImage>, ArchiveError> {
    let index: ImageIndex = serde_json::from_slice(&staged.bytes(store, "index.json")?)
        .map_err(|e| ArchiveError::json("index.json", e))?;
    let docker_tags = match docker_entries {
        Some(entries) => tags_by_config(store, staged, entries)?,
        None => BTreeMap::new(),
    };
    let platform = Platform::host();
    // Image id -> (record, names), so an image listed under several names is stored once.
    let mut images: BTreeMap<Digest, (ImageRecord, Vec<Reference>)> = BTreeMap::new();
    let mut order = Vec::new();
    for desc in &index.manifests {
        let manifest_desc = if media_type::is_index(&desc.media_type) {
            let nested: ImageIndex = read_json(store, staged, &desc.digest)?;
            match nested.select(&platform) {
                Some(d) => d.clone(),
                None => {
                    return Err(ArchiveError::Format(format!(
                        "index {} has no manifest for {platform}",
                        desc.digest
                    )))
                }
            }
        } else {
            desc.clone()
        };
        let record = image_from_manifest(store, staged, &manifest_desc)?;
        let names = names_of(desc)?;
        let id = record.id.clone();
        let slot = images.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            (record, Vec::new())
        });
        for n in names {
            if !slot.1.contains(&n) {
                slot.1.push(n);
            }
        }
    }
    if order.is_empty() {
        return Err(ArchiveError::Format(
            "index.json lists no images".to_string(),
        ));
    }
    let mut out = Vec::new();
    for id in order {
        let Some((mut record, mut tags)) = images.remove(&id) else {
            continue;
        };
        for t in docker_tags.get(&id).into_iter().flatten() {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        record.repo_tags = tags.clone();
        store.put_image(&record)?;
        out.push(LoadedImage { id, tags });
    }
    Ok(out)
}

fn read_json<T: serde::de::DeserializeOwned>(
    store: &Store,
    staged: &StagedArchive,
    d: &Digest,
) -> Result<T, ArchiveError> {
    let path = format!("blobs/sha256/{}", d.hex());
    serde_json::from_slice(&staged.bytes(store, &path)?).map_err(|e| ArchiveError::json(path, e))
}

fn image_from_manifest(
    store: &Store,
    staged: &StagedArchive,
    desc: &Descriptor,
) -> Result<ImageRecord, ArchiveError> {
    if !media_type::is_manifest(&desc.media_type) {
        return Err(ArchiveError::Format(format!(
            "index entry {} has media type {}, not an image manifest",
            desc.digest, desc.media_type
        )));
    }
    let manifest: ImageManifest = read_json(store, staged, &desc.digest)?;
    let config: ImageConfig = read_json(store, staged, &manifest.config.digest)?;
    let diff_ids = &config.rootfs.diff_ids;
    if manifest.layers.len() != diff_ids.len() {
        return Err(ArchiveError::Format(format!(
            "manifest {}: {} layers but the config has {} diff_ids",
            desc.digest,
            manifest.layers.len(),
            diff_ids.len()
        )));
    }
    let mut layers = Vec::new();
    for (l, diff_id) in manifest.layers.iter().zip(diff_ids) {
        if media_type::layer_compression(&l.media_type).is_none() {
            return Err(ArchiveError::Format(format!(
                "manifest {}: layer {} has unknown media type {}",
                desc.digest, l.digest, l.media_type
            )));
        }
        let (digest, size) = staged.blob(store, &format!("blobs/sha256/{}", l.digest.hex()))?;
        if size != l.size {
            return Err(ArchiveError::Format(format!(
                "manifest {}: layer {} is {size} bytes, the manifest says {}",
                desc.digest, l.digest, l.size
            )));
        }
        layers.push(LayerRecord {
            digest,
            media_type: l.media_type.clone(),
            size,
            diff_id: diff_id.clone(),
        });
    }
    // The manifest blob itself is in the store (it was staged under blobs/), so keep it.
    staged.blob(store, &format!("blobs/sha256/{}", desc.digest.hex()))?;
    staged.blob(
        store,
        &format!("blobs/sha256/{}", manifest.config.digest.hex()),
    )?;
    Ok(ImageRecord {
        id: manifest.config.digest.clone(),
        manifest_digest: Some(desc.digest.clone()),
        manifest_media_type: manifest
            .media_type
            .clone()
            .unwrap_or_else(|| desc.media_type.clone()),
        created: config.created.clone(),
        config,
        layers,
        repo_tags: Vec::new(),
        repo_digests: Vec::new(),
    })
}

/// The names an index entry gives its image.
fn names_of(desc: &Descriptor) -> Result<Vec<Reference>, ArchiveError> {
    let Some(ann) = &desc.annotations else {
        return Ok(Vec::new());
    };
    if let Some(full) = ann.get(CONTAINERD_NAME) {
        return Ok(vec![Reference::parse(full)?]);
    }
    match ann.get(OCI_REF_NAME) {
        // A bare tag (`latest`) names no repository: such images load untagged.
        Some(name) if name.contains(['/', ':']) => Ok(vec![Reference::parse(name)?]),
        _ => Ok(Vec::new()),
    }
}

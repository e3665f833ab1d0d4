//! Image records: what the store knows about one image (its config, manifest and layer blobs),
//! keyed by image id, the digest of its config as in docker.

use super::temp::write_atomic;
use super::{Store, StoreError};
use crate::digest::Digest;
use crate::image::{media_type, Descriptor, ImageConfig, ImageManifest};
use crate::reference::Reference;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::PathBuf;

/// One stored image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// Config digest, as docker's image id.
    pub id: Digest,
    /// The manifest blob this image came from, when it came from a registry or an OCI layout;
    /// `None` for images made locally (import, docker-archive load), whose manifest tug builds
    /// when it needs one.
    pub manifest_digest: Option<Digest>,
    /// The media type of that manifest, or of the one tug would build.
    pub manifest_media_type: String,
    /// The parsed image config.
    pub config: ImageConfig,
    /// The layer blobs, bottom first, one per `config.rootfs.diff_ids` entry.
    pub layers: Vec<LayerRecord>,
    /// Tags naming this image. Filled from the store's reference index when read; on
    /// `put_image` each one is (re)pointed at this image.
    #[serde(default)]
    pub repo_tags: Vec<Reference>,
    /// Digest references (`repo@sha256:<manifest digest>`), filled and applied like tags.
    #[serde(default)]
    pub repo_digests: Vec<Reference>,
    /// `config.created`, RFC 3339.
    pub created: Option<String>,
}

/// One layer of an image: the blob as stored and the digest of its uncompressed tar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRecord {
    /// The blob as stored (compressed or not).
    pub digest: Digest,
    /// Its media type, which says how it is compressed.
    pub media_type: String,
    /// The blob's size in bytes.
    pub size: u64,
    /// The digest of the uncompressed tar (`rootfs.diff_ids` entry).
    pub diff_id: Digest,
}

impl ImageRecord {
    /// The total size of the layer blobs, which `tug images` shows.
    pub fn size(&self) -> u64 {
        self.layers.iter().map(|l| l.size).sum()
    }

    /// Every blob the image needs: config, manifest (if any) and layers.
    pub fn blobs(&self) -> impl Iterator<Item = &Digest> {
        std::iter::once(&self.id)
            .chain(self.manifest_digest.as_ref())
            .chain(self.layers.iter().map(|l| &l.digest))
    }
}

impl Store {
    /// Stores (or replaces) an image record, then points each of its `repo_tags` and
    /// `repo_digests` at it. Refuses a record whose config, manifest or layer blobs are not
    /// all stored, so a record never names missing content.
    pub fn put_image(&self, record: &ImageRecord) -> Result<(), StoreError> {
        let guard = self.write_lock()?;
        for d in record.blobs() {
            if !self.has_blob(d) {
                return Err(StoreError::BlobNotFound(d.clone()));
            }
        }
        let mut stored = record.clone();
        stored.repo_tags.clear();
        stored.repo_digests.clear();
        let bytes = serde_json::to_vec_pretty(&stored).map_err(|source| StoreError::Corrupt {
            path: self.record_path(&record.id),
            source,
        })?;
        let dest = self.record_path(&record.id);
        write_atomic(&self.tmp_dir(), &dest, &bytes).map_err(|e| {
            StoreError::io("write", &dest, &format!("image record {}", record.id), e)
        })?;
        let refs: Vec<Reference> = record
            .repo_tags
            .iter()
            .chain(&record.repo_digests)
            .cloned()
            .collect();
        if !refs.is_empty() {
            self.update_refs(&guard, |index| {
                for r in &refs {
                    index.insert(super::refs::index_key(r), record.id.clone());
                }
            })?;
        }
        Ok(())
    }

    /// The record of an image by full id, with its current tags and digests.
    pub fn image(&self, id: &Digest) -> Result<ImageRecord, StoreError> {
        let mut rec = self.read_record(id)?;
        let index = self.read_refs()?;
        fill_refs(&mut rec, &index);
        Ok(rec)
    }

    /// Every stored image, sorted by id. A record that cannot be read is logged and skipped,
    /// so one damaged file does not hide the others.
    pub fn images(&self) -> Result<Vec<ImageRecord>, StoreError> {
        let index = self.read_refs()?;
        let mut out = Vec::new();
        for id in self.image_ids()? {
            match self.read_record(&id) {
                Ok(mut rec) => {
                    fill_refs(&mut rec, &index);
                    out.push(rec);
                }
                Err(StoreError::ImageNotFound(_)) => {} // removed meanwhile
                Err(e) => tracing::warn!("skipping image {id}: {e}"),
            }
        }
        Ok(out)
    }

    /// The manifest of an image, as bytes and parsed: the stored one when the image has one,
    /// otherwise one built from the record (what `push` and `save` send).
    pub fn manifest_for(&self, rec: &ImageRecord) -> Result<(Vec<u8>, ImageManifest), StoreError> {
        if let Some(d) = &rec.manifest_digest {
            let bytes = self.read_blob(d)?;
            let m = serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt {
                path: self.blob_path(d),
                source,
            })?;
            return Ok((bytes, m));
        }
        let config_type = if rec.manifest_media_type == media_type::DOCKER_MANIFEST {
            media_type::DOCKER_CONFIG
        } else {
            media_type::OCI_CONFIG
        };
        let m = ImageManifest {
            schema_version: 2,
            media_type: Some(rec.manifest_media_type.clone()),
            config: Descriptor::new(config_type, rec.id.clone(), self.blob_size(&rec.id)?),
            layers: rec
                .layers
                .iter()
                .map(|l| Descriptor::new(&l.media_type, l.digest.clone(), l.size))
                .collect(),
            annotations: None,
        };
        let bytes = serde_json::to_vec(&m).map_err(|source| StoreError::Corrupt {
            path: self.record_path(&rec.id),
            source,
        })?;
        Ok((bytes, m))
    }

    pub(crate) fn record_path(&self, id: &Digest) -> PathBuf {
        self.images_dir().join(format!("{}.json", id.hex()))
    }

    pub(crate) fn read_record(&self, id: &Digest) -> Result<ImageRecord, StoreError> {
        let path = self.record_path(id);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::ImageNotFound(id.to_string()))
            }
            Err(e) => return Err(StoreError::io("read", &path, "an image record", e)),
        };
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt { path, source })
    }

    /// The ids of all stored records.
    pub(crate) fn image_ids(&self) -> Result<Vec<Digest>, StoreError> {
        let dir = self.images_dir();
        let entries =
            fs::read_dir(&dir).map_err(|e| StoreError::io("list", &dir, "image records", e))?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io("list", &dir, "image records", e))?;
            let name = entry.file_name();
            let Some(hex) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            match format!("sha256:{hex}").parse::<Digest>() {
                Ok(d) => ids.push(d),
                Err(_) => tracing::debug!("ignoring {name:?} in {}", dir.display()),
            }
        }
        ids.sort();
        Ok(ids)
    }
}

/// Sets `repo_tags` and `repo_digests` from the reference index, sorted.
pub(crate) fn fill_refs(rec: &mut ImageRecord, index: &super::refs::RefIndex) {
    rec.repo_tags.clear();
    rec.repo_digests.clear();
    for (name, id) in index {
        if *id != rec.id {
            continue;
        }
        match Reference::parse(name) {
            Ok(r) if r.digest().is_some() => rec.repo_digests.push(r),
            Ok(r) => rec.repo_tags.push(r),
            Err(e) => tracing::warn!("ignoring bad reference {name:?} in the index: {e}"),
        }
    }
}

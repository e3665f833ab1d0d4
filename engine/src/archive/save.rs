//! `tug image save`: one tarball that is both a docker-archive (`manifest.json`,
//! `repositories`) and an OCI image layout (`oci-layout`, `index.json`), with every file under
//! `blobs/sha256/`, as docker 25+ writes it. `docker load`, `skopeo copy docker-archive:` and
//! `skopeo copy oci-archive:` all read it.
//!
//! Layers are written uncompressed, because a docker-archive layer must hash to its diff_id;
//! compressed blobs are decompressed into a scratch file first (the tar header needs the size).

use super::compress::decoder;
use super::ArchiveError;
use crate::digest::{Digest, DigestWriter};
use crate::image::media_type::{self, Compression};
use crate::image::{Descriptor, ImageIndex, ImageManifest};
use crate::reference::Reference;
use crate::store::{ImageRecord, Store, TempFile};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Seek, Write};

#[derive(Serialize)]
struct ArchiveManifestOut {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags")]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// Writes the images named by `names` (tags, digests or ids) as one archive to `out`. Images
/// named by tag carry that tag; images named by id are saved untagged, as docker does.
pub fn save(store: &Store, names: &[String], out: &mut dyn Write) -> Result<(), ArchiveError> {
    let images = select(store, names)?;
    let mut tar = tar::Builder::new(out);
    let werr = |e| ArchiveError::io("writing the archive", e);
    for dir in ["blobs/", "blobs/sha256/"] {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        h.set_mtime(0);
        tar.append_data(&mut h, dir, io::empty()).map_err(werr)?;
    }
    let mut written: BTreeSet<Digest> = BTreeSet::new();
    let mut docker_manifest = Vec::new();
    let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut index = ImageIndex {
        schema_version: 2,
        media_type: Some(media_type::OCI_INDEX.to_string()),
        manifests: Vec::new(),
        annotations: None,
    };
    for (rec, tags) in &images {
        let config = store.read_blob(&rec.id)?;
        append_bytes(&mut tar, &mut written, &rec.id, &config)?;
        let mut layer_descs = Vec::new();
        for l in &rec.layers {
            let size = append_layer(
                store,
                &mut tar,
                &mut written,
                &l.digest,
                &l.media_type,
                &l.diff_id,
            )?;
            layer_descs.push(Descriptor::new(
                media_type::OCI_LAYER_TAR,
                l.diff_id.clone(),
                size,
            ));
        }
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(media_type::OCI_MANIFEST.to_string()),
            config: Descriptor::new(media_type::OCI_CONFIG, rec.id.clone(), config.len() as u64),
            layers: layer_descs,
            annotations: None,
        };
        let manifest_bytes = serde_json::to_vec(&manifest)
            .map_err(|e| ArchiveError::json(format!("manifest of {}", rec.id), e))?;
        let manifest_digest = Digest::of(&manifest_bytes);
        append_bytes(&mut tar, &mut written, &manifest_digest, &manifest_bytes)?;
        let desc = Descriptor::new(
            media_type::OCI_MANIFEST,
            manifest_digest,
            manifest_bytes.len() as u64,
        );
        if tags.is_empty() {
            index.manifests.push(desc.clone());
        }
        for t in tags {
            let mut d = desc.clone();
            let mut ann = BTreeMap::new();
            ann.insert("io.containerd.image.name".to_string(), t.to_string());
            if let Some(tag) = t.tag() {
                ann.insert(
                    "org.opencontainers.image.ref.name".to_string(),
                    tag.to_string(),
                );
                if let Some(top) = rec.layers.last() {
                    repositories
                        .entry(t.familiar_repository())
                        .or_default()
                        .insert(tag.to_string(), top.diff_id.hex().to_string());
                }
            }
            d.annotations = Some(ann);
            index.manifests.push(d);
        }
        docker_manifest.push(ArchiveManifestOut {
            config: blob_name(&rec.id),
            repo_tags: (!tags.is_empty()).then(|| tags.iter().map(Reference::familiar).collect()),
            layers: rec.layers.iter().map(|l| blob_name(&l.diff_id)).collect(),
        });
    }
    append_file(&mut tar, "index.json", &to_json("index.json", &index)?)?;
    append_file(
        &mut tar,
        "manifest.json",
        &to_json("manifest.json", &docker_manifest)?,
    )?;
    if !repositories.is_empty() {
        append_file(
            &mut tar,
            "repositories",
            &to_json("repositories", &repositories)?,
        )?;
    }
    append_file(&mut tar, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    tar.into_inner().and_then(|w| w.flush()).map_err(werr)?;
    Ok(())
}

fn to_json<T: Serialize>(what: &str, v: &T) -> Result<Vec<u8>, ArchiveError> {
    serde_json::to_vec(v).map_err(|e| ArchiveError::json(what, e))
}

/// Resolves the names, merging the tags of names that resolve to the same image.
fn select(
    store: &Store,
    names: &[String],
) -> Result<Vec<(ImageRecord, Vec<Reference>)>, ArchiveError> {
    let mut out: Vec<(ImageRecord, Vec<Reference>)> = Vec::new();
    for name in names {
        let rec = store.resolve(name)?;
        let tag = Reference::parse(name)
            .ok()
            .filter(|r| r.digest().is_none() && rec.repo_tags.contains(r));
        match out.iter_mut().find(|(r, _)| r.id == rec.id) {
            Some((_, tags)) => tags.extend(tag.filter(|t| !tags.contains(t))),
            None => out.push((rec, tag.into_iter().collect())),
        }
    }
    Ok(out)
}

fn blob_name(d: &Digest) -> String {
    format!("blobs/sha256/{}", d.hex())
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o644);
    h.set_size(size);
    h.set_mtime(0);
    h
}

fn append_file<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    bytes: &[u8],
) -> Result<(), ArchiveError> {
    tar.append_data(&mut header(bytes.len() as u64), name, bytes)
        .map_err(|e| ArchiveError::io(format!("writing {name} to the archive"), e))
}

fn append_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    written: &mut BTreeSet<Digest>,
    d: &Digest,
    bytes: &[u8],
) -> Result<(), ArchiveError> {
    if written.insert(d.clone()) {
        append_file(tar, &blob_name(d), bytes)?;
    }
    Ok(())
}

/// Appends a layer as an uncompressed tar named by its diff_id; returns its size.
fn append_layer<W: Write>(
    store: &Store,
    tar: &mut tar::Builder<W>,
    written: &mut BTreeSet<Digest>,
    blob: &Digest,
    blob_type: &str,
    diff_id: &Digest,
) -> Result<u64, ArchiveError> {
    let name = blob_name(diff_id);
    let compression = if blob == diff_id {
        Compression::None
    } else {
        media_type::layer_compression(blob_type).ok_or_else(|| {
            ArchiveError::Format(format!("layer {blob} has unknown media type {blob_type}"))
        })?
    };
    if compression == Compression::None {
        let size = store.blob_size(blob)?;
        if written.insert(diff_id.clone()) {
            let f = store.open_blob(blob)?;
            tar.append_data(&mut header(size), &name, f)
                .map_err(|e| ArchiveError::io(format!("writing layer {blob} to the archive"), e))?;
        }
        return Ok(size);
    }
    // Decompress into a scratch file: the tar header needs the size before the content.
    let what = format!("decompressing layer {blob}");
    let mut scratch = TempFile::create(&store.tmp_dir(), "save")
        .map_err(|e| ArchiveError::io(what.clone(), e))?;
    let file = scratch
        .file()
        .map_err(|e| ArchiveError::io(what.clone(), e))?;
    let mut dec = decoder(compression, store.open_blob(blob)?)
        .map_err(|e| ArchiveError::io(what.clone(), e))?;
    let mut w = DigestWriter::new(io::BufWriter::new(&mut *file));
    io::copy(&mut dec, &mut w).map_err(|e| ArchiveError::io(what.clone(), e))?;
    let (actual, size, buf) = w.finish();
    buf.into_inner()
        .map_err(|e| ArchiveError::io(what.clone(), e.into_error()))?;
    if actual != *diff_id {
        return Err(ArchiveError::DiffIdMismatch {
            layer: blob.clone(),
            expected: diff_id.clone(),
            actual,
        });
    }
    if written.insert(diff_id.clone()) {
        file.rewind()
            .map_err(|e| ArchiveError::io(what.clone(), e))?;
        tar.append_data(&mut header(size), &name, file.take(size))
            .map_err(|e| ArchiveError::io(format!("writing layer {blob} to the archive"), e))?;
    }
    Ok(size)
}

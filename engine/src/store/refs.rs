//! The reference index (`refs.json`): every tag and digest reference, by its full name, and
//! the image id it points to. It is the only place tags live, so moving a tag from one image
//! to another is one atomic file replacement.

use super::lock::WriteLock;
use super::record::fill_refs;
use super::temp::write_atomic;
use super::{ImageRecord, Store, StoreError};
use crate::digest::Digest;
use crate::reference::Reference;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::PathBuf;

/// Full reference string -> image id.
pub(crate) type RefIndex = BTreeMap<String, Digest>;

#[derive(Serialize, Deserialize, Default)]
struct RefFile {
    refs: RefIndex,
}

impl Store {
    fn refs_path(&self) -> PathBuf {
        self.root.join("refs.json")
    }

    /// Reads the index. It is replaced atomically, so no lock is needed to read it.
    pub(crate) fn read_refs(&self) -> Result<RefIndex, StoreError> {
        let path = self.refs_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<RefFile>(&bytes)
                .map(|f| f.refs)
                .map_err(|source| StoreError::Corrupt { path, source }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(RefIndex::new()),
            Err(e) => Err(StoreError::io("read", &path, "the reference index", e)),
        }
    }

    /// Read-modify-write of the index. The caller holds the write lock (the parameter proves
    /// it; taking it again here would deadlock on flock).
    pub(crate) fn update_refs(
        &self,
        _held: &WriteLock,
        f: impl FnOnce(&mut RefIndex),
    ) -> Result<(), StoreError> {
        let mut index = self.read_refs()?;
        f(&mut index);
        let path = self.refs_path();
        let bytes = serde_json::to_vec_pretty(&RefFile { refs: index }).map_err(|source| {
            StoreError::Corrupt {
                path: path.clone(),
                source,
            }
        })?;
        write_atomic(&self.tmp_dir(), &path, &bytes)
            .map_err(|e| StoreError::io("write", &path, "the reference index", e))
    }

    /// Finds an image the way docker's CLI does: a full id (`sha256:…`), then a reference
    /// (`nginx`, `nginx:1`, `repo@sha256:…`), then a unique id prefix (`0123abcd`).
    pub fn resolve(&self, name_or_id: &str) -> Result<ImageRecord, StoreError> {
        if let Ok(id) = name_or_id.parse::<Digest>() {
            return self.image(&id);
        }
        let index = self.read_refs()?;
        let parsed = Reference::parse(name_or_id);
        if let Ok(r) = &parsed {
            if let Some(id) = index.get(&index_key(r)) {
                let mut rec = self.read_record(id)?;
                fill_refs(&mut rec, &index);
                return Ok(rec);
            }
        }
        let prefix = name_or_id.strip_prefix("sha256:").unwrap_or(name_or_id);
        let is_hex = !prefix.is_empty()
            && prefix.len() <= 64
            && prefix
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if is_hex {
            let matches: Vec<Digest> = self
                .image_ids()?
                .into_iter()
                .filter(|id| id.hex().starts_with(prefix))
                .collect();
            match matches.as_slice() {
                [id] => {
                    let mut rec = self.read_record(id)?;
                    fill_refs(&mut rec, &index);
                    return Ok(rec);
                }
                [] => {}
                many => {
                    return Err(StoreError::Ambiguous(name_or_id.to_string(), many.len()));
                }
            }
        }
        match parsed {
            Err(e) if !is_hex => Err(e.into()),
            _ => Err(StoreError::ImageNotFound(name_or_id.to_string())),
        }
    }

    /// Points a tag (or a digest reference) at an image, moving it from any other image, as
    /// `docker tag` does. A reference with both a tag and a digest is refused.
    pub fn tag(&self, r: &Reference, id: &Digest) -> Result<(), StoreError> {
        if r.tag().is_some() && r.digest().is_some() {
            return Err(StoreError::InvalidTag {
                reference: r.familiar(),
                reason: "a reference with both a tag and a digest cannot name a stored image",
            });
        }
        let guard = self.write_lock()?;
        if !self.record_path(id).is_file() {
            return Err(StoreError::ImageNotFound(id.to_string()));
        }
        self.update_refs(&guard, |index| {
            index.insert(r.to_string(), id.clone());
        })
    }

    /// Removes a tag or digest reference; returns the image it pointed to, or `None` if it
    /// named nothing. The image itself stays, as with docker's untag.
    pub fn untag(&self, r: &Reference) -> Result<Option<Digest>, StoreError> {
        let guard = self.write_lock()?;
        let key = index_key(r);
        let mut old = None;
        if self.read_refs()?.contains_key(&key) {
            self.update_refs(&guard, |index| old = index.remove(&key))?;
        }
        Ok(old)
    }
}

/// The index key of a reference: the full string, or `repo@digest` when it has a digest (a
/// tag beside a digest is ignored, as docker does).
pub(crate) fn index_key(r: &Reference) -> String {
    match r.digest() {
        Some(d) => r.with_digest(d.clone()).to_string(),
        None => r.to_string(),
    }
}

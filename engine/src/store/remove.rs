//! Removing images and collecting their blobs, with docker's safety rules: an image a
//! container uses is not deleted unless forced, and an image tagged in several repositories is
//! not deleted by id unless forced.

use super::lock::WriteLock;
use super::refs::index_key;
use super::{ImageRecord, Store, StoreError};
use crate::digest::Digest;
use crate::reference::Reference;
use std::collections::BTreeSet;
use std::fs;
use std::io;

/// One effect of `tug image rm`, printed as docker prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removal {
    /// `Untagged: nginx:latest`.
    Untagged(Reference),
    /// `Deleted: sha256:…` (the image id, then each blob freed).
    Deleted(Digest),
}

impl Store {
    /// Deletes an image by id: its tags and digests, its record, and the blobs no other image
    /// uses. Returns what was deleted: the id first (its config blob goes with it), then the
    /// other freed blobs (manifest, layers).
    ///
    /// Refused without `force` when `in_use(id)` (a container uses it) or when its tags span
    /// several repositories. With `force`, an image in use loses its references but stays
    /// (docker does the same for a running container's image), and the list is empty. Blobs
    /// are left for a later prune while a [`super::Lease`] is held.
    pub fn remove_image(
        &self,
        id: &Digest,
        force: bool,
        in_use: &dyn Fn(&Digest) -> bool,
    ) -> Result<Vec<Digest>, StoreError> {
        let guard = self.write_lock()?;
        let rec = self.image(id)?;
        let used = in_use(id);
        if !force {
            if used {
                return Err(conflict(id, "image is being used by a container"));
            }
            let repos: BTreeSet<String> = rec.repo_tags.iter().map(|r| r.repository()).collect();
            if repos.len() > 1 {
                return Err(conflict(id, "image is referenced in multiple repositories"));
            }
        }
        self.update_refs(&guard, |index| index.retain(|_, v| v != id))?;
        if used {
            return Ok(Vec::new());
        }
        self.delete_record(id)?;
        let mut deleted = vec![id.clone()];
        let freed = self.collect_blobs(&guard, rec.blobs().cloned().collect())?;
        // The config blob is the id itself: report it once.
        deleted.extend(freed.into_iter().filter(|d| d != id));
        Ok(deleted)
    }

    /// Removes unused images: dangling ones (no tag), or with `all` every image no container
    /// uses; then deletes blobs no record references (left by failed pulls or loads). Returns
    /// the ids of the removed images.
    pub fn prune(
        &self,
        all: bool,
        in_use: &dyn Fn(&Digest) -> bool,
    ) -> Result<Vec<Digest>, StoreError> {
        let guard = self.write_lock()?;
        let victims: Vec<ImageRecord> = self
            .images()?
            .into_iter()
            .filter(|r| (all || r.repo_tags.is_empty()) && !in_use(&r.id))
            .collect();
        let ids: BTreeSet<Digest> = victims.iter().map(|r| r.id.clone()).collect();
        if !ids.is_empty() {
            self.update_refs(&guard, |index| index.retain(|_, v| !ids.contains(v)))?;
        }
        for id in &ids {
            self.delete_record(id)?;
        }
        let all_blobs = self.list_blobs()?;
        self.collect_blobs(&guard, all_blobs)?;
        Ok(ids.into_iter().collect())
    }

    /// `docker rmi NAME`: by reference, untag (and delete the image once no reference is
    /// left); by id, delete with all its references. Returns the effects in order.
    pub fn remove_by_name(
        &self,
        name: &str,
        force: bool,
        in_use: &dyn Fn(&Digest) -> bool,
    ) -> Result<Vec<Removal>, StoreError> {
        let rec = self.resolve(name)?;
        let by_ref = Reference::parse(name).ok().filter(|r| {
            let key = index_key(r);
            rec.repo_tags
                .iter()
                .chain(&rec.repo_digests)
                .any(|t| t.to_string() == key)
        });
        let mut out = Vec::new();
        let Some(r) = by_ref else {
            // By id: every reference goes, then the image.
            let refs: Vec<Reference> = rec
                .repo_tags
                .iter()
                .chain(&rec.repo_digests)
                .cloned()
                .collect();
            let deleted = self.remove_image(&rec.id, force, in_use)?;
            out.extend(refs.into_iter().map(Removal::Untagged));
            out.extend(deleted.into_iter().map(Removal::Deleted));
            return Ok(out);
        };
        let is_last = rec.repo_tags.len() + rec.repo_digests.len() == 1;
        if !force && is_last && in_use(&rec.id) {
            return Err(StoreError::Conflict {
                what: format!("remove repository reference {:?}", r.familiar()),
                reason: format!(
                    "a container is using its referenced image {}",
                    rec.id.short()
                ),
            });
        }
        self.untag(&r)?;
        out.push(Removal::Untagged(r.clone()));
        // A removed tag takes the digest references of its repository with it when no other
        // tag of that repository is left, as docker does.
        let repo = r.repository();
        let tags_left = rec
            .repo_tags
            .iter()
            .any(|t| t.repository() == repo && index_key(t) != index_key(&r));
        if r.digest().is_none() && !tags_left {
            for d in rec.repo_digests.iter().filter(|d| d.repository() == repo) {
                self.untag(d)?;
                out.push(Removal::Untagged(d.clone()));
            }
        }
        let now = self.image(&rec.id)?;
        if now.repo_tags.is_empty() && now.repo_digests.is_empty() {
            let deleted = self.remove_image(&rec.id, force, in_use)?;
            out.extend(deleted.into_iter().map(Removal::Deleted));
        }
        Ok(out)
    }

    fn delete_record(&self, id: &Digest) -> Result<(), StoreError> {
        let p = self.record_path(id);
        match fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io("remove", &p, &format!("image {id}"), e)),
        }
    }

    /// Deletes those of `candidates` that no remaining record references. Skipped (returns
    /// nothing) while a lease is held, since a writer may be about to reference them.
    fn collect_blobs(
        &self,
        _held: &WriteLock,
        candidates: Vec<Digest>,
    ) -> Result<Vec<Digest>, StoreError> {
        let Some(_gc) = self.gc_lock()? else {
            tracing::debug!("a pull or load holds a lease: leaving unreferenced blobs");
            return Ok(Vec::new());
        };
        let mut live = BTreeSet::new();
        for id in self.image_ids()? {
            let rec = self.read_record(&id)?;
            live.extend(rec.blobs().cloned());
        }
        let mut freed = Vec::new();
        let mut seen = BTreeSet::new();
        for d in candidates {
            if live.contains(&d) || !seen.insert(d.clone()) {
                continue;
            }
            let p = self.blob_path(&d);
            match fs::remove_file(&p) {
                Ok(()) => freed.push(d),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io("remove", &p, &format!("blob {d}"), e)),
            }
        }
        Ok(freed)
    }

    fn list_blobs(&self) -> Result<Vec<Digest>, StoreError> {
        let dir = self.blobs_dir();
        let entries = fs::read_dir(&dir).map_err(|e| StoreError::io("list", &dir, "blobs", e))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io("list", &dir, "blobs", e))?;
            if let Some(d) = entry
                .file_name()
                .to_str()
                .and_then(|h| format!("sha256:{h}").parse::<Digest>().ok())
            {
                out.push(d);
            }
        }
        Ok(out)
    }
}

fn conflict(id: &Digest, reason: &str) -> StoreError {
    StoreError::Conflict {
        what: format!("delete {}", id.short()),
        reason: reason.to_string(),
    }
}

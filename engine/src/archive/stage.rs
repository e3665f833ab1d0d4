//! Reading an archive (a tar stream or an unpacked directory) into the store in one pass.
//!
//! `docker load` reads from a pipe, and the files it needs may come in any order
//! (`manifest.json` often last), so every large file goes straight into the blob store as it
//! streams by (verified against its name when it sits under `blobs/sha256/`), small ones are
//! kept in memory, and links are remembered. The image records are made afterwards from this
//! map.

use super::ArchiveError;
use crate::digest::Digest;
use crate::store::Store;
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Component, Path};

/// Files up to this size that are not obviously layers are kept in memory.
const INLINE_MAX: u64 = 1 << 20;
/// How many links deep a path may resolve.
const MAX_LINK_DEPTH: usize = 16;

/// Where one archive file ended up.
#[derive(Debug)]
pub(crate) enum Staged {
    /// Written to the store as this blob.
    Blob(Digest, u64),
    /// Kept in memory.
    Inline(Vec<u8>),
    /// A link to another path of the archive.
    Link(String),
}

/// The files of an archive by normalised path.
#[derive(Debug, Default)]
pub(crate) struct StagedArchive {
    files: BTreeMap<String, Staged>,
}

impl StagedArchive {
    /// Streams a tar (already decompressed) into the store.
    pub(crate) fn from_tar(store: &Store, r: &mut dyn Read) -> Result<StagedArchive, ArchiveError> {
        let mut out = StagedArchive::default();
        let mut archive = tar::Archive::new(r);
        let entries = archive
            .entries()
            .map_err(|e| ArchiveError::io("reading the archive", e))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| ArchiveError::io("reading the archive", e))?;
            let raw = entry
                .path()
                .map_err(|e| ArchiveError::io("reading an archive entry name", e))?
                .into_owned();
            let Some(path) = normalise(&raw) else {
                continue;
            };
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name()
                    .map_err(|e| ArchiveError::io(format!("reading link {path}"), e))?
                    .ok_or_else(|| ArchiveError::Format(format!("link {path} has no target")))?;
                let joined = if kind.is_symlink() && !target.is_absolute() {
                    Path::new(&path)
                        .parent()
                        .unwrap_or(Path::new(""))
                        .join(&target)
                } else {
                    target.into_owned()
                };
                if let Some(t) = normalise(&joined) {
                    out.files.insert(path, Staged::Link(t));
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let size = entry.size();
            let staged = stage_file(store, &path, size, &mut entry)?;
            out.files.insert(path, staged);
        }
        Ok(out)
    }

    /// Reads an unpacked archive or OCI layout directory into the store.
    pub(crate) fn from_dir(store: &Store, dir: &Path) -> Result<StagedArchive, ArchiveError> {
        let mut out = StagedArchive::default();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let entries = fs::read_dir(&d)
                .map_err(|e| ArchiveError::io(format!("reading {}", d.display()), e))?;
            for entry in entries {
                let entry =
                    entry.map_err(|e| ArchiveError::io(format!("reading {}", d.display()), e))?;
                let p = entry.path();
                // Follow symlinks, as the files they point to are what the layout means.
                let meta = fs::metadata(&p)
                    .map_err(|e| ArchiveError::io(format!("reading {}", p.display()), e))?;
                if meta.is_dir() {
                    stack.push(p);
                    continue;
                }
                let Some(rel) = p.strip_prefix(dir).ok().and_then(normalise) else {
                    continue;
                };
                let mut f = fs::File::open(&p)
                    .map_err(|e| ArchiveError::io(format!("opening {}", p.display()), e))?;
                let staged = stage_file(store, &rel, meta.len(), &mut f)?;
                out.files.insert(rel, staged);
            }
        }
        Ok(out)
    }

    /// Whether the archive has this file.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.lookup(path).is_some()
    }

    fn lookup(&self, path: &str) -> Option<&Staged> {
        let mut p = normalise(Path::new(path))?;
        for _ in 0..MAX_LINK_DEPTH {
            match self.files.get(&p)? {
                Staged::Link(t) => p = t.clone(),
                other => return Some(other),
            }
        }
        None
    }

    /// The content of a small file (read back from the store if it was staged there).
    pub(crate) fn bytes(&self, store: &Store, path: &str) -> Result<Vec<u8>, ArchiveError> {
        match self.lookup(path) {
            Some(Staged::Inline(b)) => Ok(b.clone()),
            Some(Staged::Blob(d, _)) => Ok(store.read_blob(d)?),
            _ => Err(missing(path)),
        }
    }

    /// The file as a stored blob, storing it now if it was kept in memory.
    pub(crate) fn blob(&self, store: &Store, path: &str) -> Result<(Digest, u64), ArchiveError> {
        match self.lookup(path) {
            Some(Staged::Blob(d, n)) => Ok((d.clone(), *n)),
            Some(Staged::Inline(b)) => {
                Ok(store.write_blob(None, Some(b.len() as u64), &mut &b[..])?)
            }
            _ => Err(missing(path)),
        }
    }
}

fn missing(path: &str) -> ArchiveError {
    ArchiveError::Format(format!("the archive has no file {path:?}"))
}

/// Files under `blobs/sha256/` are verified against their names; other large files and
/// `.tar` files go to the store under their computed digest; the rest stay in memory.
fn stage_file(
    store: &Store,
    path: &str,
    size: u64,
    r: &mut dyn Read,
) -> Result<Staged, ArchiveError> {
    let named = path
        .strip_prefix("blobs/sha256/")
        .and_then(|hex| format!("sha256:{hex}").parse::<Digest>().ok());
    if let Some(d) = named {
        let (d, n) = store.write_blob(Some(&d), Some(size), r)?;
        return Ok(Staged::Blob(d, n));
    }
    if size > INLINE_MAX || path.ends_with(".tar") {
        let (d, n) = store.write_blob(None, Some(size), r)?;
        return Ok(Staged::Blob(d, n));
    }
    let mut buf = Vec::with_capacity(size as usize);
    r.read_to_end(&mut buf)
        .map_err(|e| ArchiveError::io(format!("reading {path} from the archive"), e))?;
    Ok(Staged::Inline(buf))
}

/// `./a/../b/c` -> `b/c`; `None` for the root or a path that climbs out.
fn normalise(p: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise() {
        assert_eq!(normalise(Path::new("./a/../b/c")).as_deref(), Some("b/c"));
        assert_eq!(normalise(Path::new("/x/y")).as_deref(), Some("x/y"));
        assert_eq!(normalise(Path::new("..")), None);
        assert_eq!(normalise(Path::new("./")), None);
    }

    #[test]
    fn links_resolve_and_blobs_are_verified() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::open(root.path()).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let data = b"layer content".to_vec();
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, "a/layer.tar", &data[..]).unwrap();
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_size(0);
        b.append_link(&mut l, "b/layer.tar", "../a/layer.tar")
            .unwrap();
        let bytes = b.into_inner().unwrap();
        let staged = StagedArchive::from_tar(&store, &mut &bytes[..]).unwrap();
        let (d, n) = staged.blob(&store, "b/layer.tar").unwrap();
        assert_eq!((d.clone(), n), (Digest::of(&data), data.len() as u64));
        assert!(store.has_blob(&d));

        // A blob whose content does not match its name is refused.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        let wrong = format!("blobs/sha256/{}", Digest::of(b"other").hex());
        b.append_data(&mut h, &wrong, &b"abc"[..]).unwrap();
        let bytes = b.into_inner().unwrap();
        let err = StagedArchive::from_tar(&store, &mut &bytes[..]).unwrap_err();
        assert!(err.to_string().contains("digest mismatch"), "{err}");
        assert!(!store.has_blob(&Digest::of(b"abc")));
    }
}

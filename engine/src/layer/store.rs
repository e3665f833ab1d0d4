//! The layer store: every layer unpacked once, shared by all images with the same chain.
//!
//! Layout under `$TUG_ROOT/image/` (docker's overlay2 layout, keyed by chain id):
//!
//! ```text
//! layers/<chain-id-hex>/diff/        the unpacked layer, an overlay lower dir
//! layers/<chain-id-hex>/link         its short link id (26 characters)
//! layers/<chain-id-hex>/layer.json   chain id, diff_id, parent, sizes
//! l/<link-id> -> ../layers/<chain-id-hex>/diff
//! ```
//!
//! Snapshots name lower dirs as `l/<link-id>` relative to `image/`, which keeps the mount
//! options of a 120-layer image under the kernel's one-page limit.
//!
//! A layer is unpacked into `layers/.tmp-<chain>-<pid>-<rand>/` and renamed into place only
//! once it is complete and its diff_id verified, so a crash never leaves a half layer under a
//! final name; leftovers of dead processes are swept when the store opens. Two processes that
//! unpack the same layer at once both succeed: the first rename wins, the other discards its
//! copy.

use super::chain::chain_ids;
use super::link_id::{is_link_id, random_id, LINK_ID_LEN};
use super::unpack::{unpack, UnpackOptions, UnpackStats};
use super::LayerError;
use crate::Digest;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

const TMP_PREFIX: &str = ".tmp-";
const RM_PREFIX: &str = ".rm-";
const INFO_FILE: &str = "layer.json";
/// At most this many layers unpack at once: unpacking is CPU-bound (decompression) and
/// disk-bound, so more threads than this only contend.
const MAX_PARALLEL: usize = 4;

/// An unpacked layer, ready to be a lower dir of an overlay mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerRef {
    /// The chain id: this layer together with all below it.
    pub chain_id: Digest,
    /// The sha256 of this layer's uncompressed tar.
    pub diff_id: Digest,
    /// The short link id: `image/l/<link>` points at [`LayerRef::diff_dir`].
    pub link: String,
    /// The unpacked directory.
    pub diff_dir: PathBuf,
    /// Bytes of file content in the layer.
    pub size: u64,
}

/// The record kept beside each unpacked layer.
#[derive(serde::Serialize, serde::Deserialize)]
struct LayerInfo {
    chain_id: Digest,
    diff_id: Digest,
    parent: Option<Digest>,
    size: u64,
    tar_size: u64,
}

/// A layer blob to unpack when it is not in the store yet.
pub struct LayerSource<'a> {
    /// The diff_id the image config promises; the unpacked tar must hash to it.
    pub diff_id: Digest,
    /// The blob's own digest, to name the layer in errors.
    pub blob: Digest,
    /// Opens the blob (compressed or not). Called only if the layer must be unpacked.
    pub open: Box<dyn FnOnce() -> Result<Box<dyn Read>, LayerError> + Send + 'a>,
}

impl<'a> LayerSource<'a> {
    /// A source that reads the blob from a file, such as the content store's blob path.
    pub fn from_path(diff_id: Digest, blob: Digest, path: PathBuf) -> LayerSource<'a> {
        LayerSource {
            diff_id,
            blob: blob.clone(),
            open: Box::new(move || {
                let file = fs::File::open(&path).map_err(|e| LayerError::Blob {
                    digest: blob,
                    source: Box::new(LayerError::io("open", &path, e)),
                })?;
                Ok(Box::new(io::BufReader::with_capacity(256 * 1024, file)) as Box<dyn Read>)
            }),
        }
    }
}

/// The store of unpacked layers under `$TUG_ROOT/image`.
#[derive(Clone, Debug)]
pub struct LayerStore {
    image_dir: PathBuf,
    options: UnpackOptions,
}

impl LayerStore {
    /// Opens (creating if needed) the layer store of `tug_root`, and removes what processes
    /// that died while unpacking or removing a layer left behind.
    pub fn open(tug_root: &Path) -> Result<LayerStore, LayerError> {
        LayerStore::in_image_dir(tug_root.join("image"))
    }

    /// Opens the layer store inside `image_dir` (`$TUG_ROOT/image`, which the content store
    /// also lives in).
    pub fn in_image_dir(image_dir: PathBuf) -> Result<LayerStore, LayerError> {
        let store = LayerStore {
            image_dir,
            options: UnpackOptions::default(),
        };
        for dir in [store.layers_dir(), store.links_dir()] {
            fs::create_dir_all(&dir).map_err(|e| LayerError::io("create", &dir, e))?;
        }
        store.sweep()?;
        Ok(store)
    }

    /// Sets how layers are unpacked (ownership is kept when running as root by default).
    pub fn with_options(mut self, options: UnpackOptions) -> LayerStore {
        self.options = options;
        self
    }

    /// `$TUG_ROOT/image`: the directory that `l/<link>` lower dir names are relative to.
    pub fn image_dir(&self) -> &Path {
        &self.image_dir
    }

    fn layers_dir(&self) -> PathBuf {
        self.image_dir.join("layers")
    }

    fn links_dir(&self) -> PathBuf {
        self.image_dir.join("l")
    }

    fn layer_dir(&self, chain_id: &Digest) -> PathBuf {
        self.layers_dir().join(chain_id.hex())
    }

    /// The layer with this chain id, if it is complete in the store. A missing link symlink
    /// (a crash right after the layer was renamed into place) is recreated.
    pub fn get(&self, chain_id: &Digest) -> Result<Option<LayerRef>, LayerError> {
        let dir = self.layer_dir(chain_id);
        let info_path = dir.join(INFO_FILE);
        let bytes = match fs::read(&info_path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(LayerError::io("read", &info_path, e)),
        };
        let info: LayerInfo = serde_json::from_slice(&bytes).map_err(|e| LayerError::Corrupt {
            path: info_path.clone(),
            reason: e.to_string(),
        })?;
        if &info.chain_id != chain_id {
            return Err(LayerError::Corrupt {
                path: info_path,
                reason: format!("records chain id {}", info.chain_id),
            });
        }
        let link_path = dir.join("link");
        let link =
            fs::read_to_string(&link_path).map_err(|e| LayerError::io("read", &link_path, e))?;
        let link = link.trim().to_string();
        if !is_link_id(&link) {
            return Err(LayerError::Corrupt {
                path: link_path,
                reason: format!("{link:?} is not a link id"),
            });
        }
        self.ensure_link(&link, chain_id)?;
        Ok(Some(LayerRef {
            chain_id: info.chain_id,
            diff_id: info.diff_id,
            link,
            diff_dir: dir.join("diff"),
            size: info.size,
        }))
    }

    fn ensure_link(&self, link: &str, chain_id: &Digest) -> Result<(), LayerError> {
        let path = self.links_dir().join(link);
        let want = Path::new("..")
            .join("layers")
            .join(chain_id.hex())
            .join("diff");
        match fs::read_link(&path) {
            Ok(target) if target == want => Ok(()),
            Ok(target) => Err(LayerError::Corrupt {
                path,
                reason: format!(
                    "points at {} instead of {}",
                    target.display(),
                    want.display()
                ),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match std::os::unix::fs::symlink(&want, &path) {
                    Ok(()) => Ok(()),
                    // Another process repaired it at the same moment.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
                    Err(e) => Err(LayerError::io("create link", &path, e)),
                }
            }
            Err(e) => Err(LayerError::io("read link", &path, e)),
        }
    }

    /// Makes sure the layer `source` with parent chain `parent` is unpacked, unpacking it if
    /// not, and returns it.
    pub fn ensure(
        &self,
        parent: Option<&Digest>,
        source: LayerSource<'_>,
    ) -> Result<LayerRef, LayerError> {
        let chain_id = super::chain_id(parent, &source.diff_id);
        if let Some(layer) = self.get(&chain_id)? {
            return Ok(layer);
        }
        let blob = source.blob.clone();
        self.unpack_into_place(&chain_id, parent, source)
            .map_err(|e| e.in_layer(&blob))
    }

    /// Makes sure a whole stack of layers (bottom first, as in `rootfs.diff_ids`) is unpacked,
    /// unpacking the missing ones in parallel, and returns them bottom first.
    pub fn ensure_all(&self, sources: Vec<LayerSource<'_>>) -> Result<Vec<LayerRef>, LayerError> {
        let diff_ids: Vec<Digest> = sources.iter().map(|s| s.diff_id.clone()).collect();
        let chains = chain_ids(&diff_ids);
        let mut done: Vec<Option<LayerRef>> = Vec::with_capacity(chains.len());
        let mut todo = Vec::new();
        for ((i, chain), source) in chains.iter().enumerate().zip(sources) {
            let found = self.get(chain)?;
            if found.is_none() {
                todo.push((i, source));
            }
            done.push(found);
        }
        if !todo.is_empty() {
            let workers = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, MAX_PARALLEL)
                .min(todo.len());
            tracing::debug!(layers = todo.len(), workers, "unpacking layers");
            let queue = Mutex::new(todo.into_iter());
            let failed = AtomicBool::new(false);
            let results = Mutex::new(Vec::new());
            std::thread::scope(|scope| {
                for _ in 0..workers {
                    scope.spawn(|| {
                        // Stop taking new layers once one failed; the error is reported.
                        while !failed.load(Ordering::Relaxed) {
                            let item = queue.lock().ok().and_then(|mut q| q.next());
                            let Some((i, source)) = item else { break };
                            let parent = i.checked_sub(1).map(|p| &chains[p]);
                            let blob = source.blob.clone();
                            let res = self
                                .unpack_into_place(&chains[i], parent, source)
                                .map_err(|e| e.in_layer(&blob));
                            if res.is_err() {
                                failed.store(true, Ordering::Relaxed);
                            }
                            if let Ok(mut r) = results.lock() {
                                r.push((i, res));
                            }
                        }
                    });
                }
            });
            let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
            results.sort_by_key(|(i, _)| *i);
            for (i, res) in results {
                done[i] = Some(res?);
            }
        }
        done.into_iter()
            .zip(&chains)
            .map(|(layer, chain)| {
                layer.ok_or_else(|| LayerError::Corrupt {
                    path: self.layer_dir(chain),
                    reason: "layer was not unpacked (an earlier layer failed)".into(),
                })
            })
            .collect()
    }

    fn unpack_into_place(
        &self,
        chain_id: &Digest,
        parent: Option<&Digest>,
        source: LayerSource<'_>,
    ) -> Result<LayerRef, LayerError> {
        let tmp = self.layers_dir().join(format!(
            "{TMP_PREFIX}{}-{}-{}",
            chain_id.hex(),
            std::process::id(),
            random_id(8)?
        ));
        let res = self.unpack_tmp(&tmp, chain_id, parent, source);
        let stats = match res {
            Ok(stats) => stats,
            Err(e) => {
                remove_tree(&tmp);
                return Err(e);
            }
        };
        let dest = self.layer_dir(chain_id);
        match fs::rename(&tmp, &dest) {
            Ok(()) => {}
            Err(e)
                if e.kind() == io::ErrorKind::DirectoryNotEmpty
                    || e.kind() == io::ErrorKind::AlreadyExists =>
            {
                tracing::debug!(%chain_id, "layer was unpacked concurrently; keeping the other copy");
                remove_tree(&tmp);
            }
            Err(e) => {
                remove_tree(&tmp);
                return Err(LayerError::io("move unpacked layer into", &dest, e));
            }
        }
        let layer = self.get(chain_id)?.ok_or_else(|| LayerError::Corrupt {
            path: dest,
            reason: "vanished right after it was unpacked".into(),
        })?;
        tracing::info!(%chain_id, diff_id = %layer.diff_id, entries = stats.entries, "layer ready");
        Ok(layer)
    }

    fn unpack_tmp(
        &self,
        tmp: &Path,
        chain_id: &Digest,
        parent: Option<&Digest>,
        source: LayerSource<'_>,
    ) -> Result<UnpackStats, LayerError> {
        let diff = tmp.join("diff");
        fs::create_dir_all(&diff).map_err(|e| LayerError::io("create", &diff, e))?;
        let reader = (source.open)()?;
        let stats = unpack(reader, &diff, &self.options)?;
        if stats.diff_id != source.diff_id {
            return Err(LayerError::DiffIdMismatch {
                expected: source.diff_id,
                actual: stats.diff_id,
            });
        }
        let info = LayerInfo {
            chain_id: chain_id.clone(),
            diff_id: stats.diff_id.clone(),
            parent: parent.cloned(),
            size: stats.content_size,
            tar_size: stats.tar_size,
        };
        let info_json = serde_json::to_vec_pretty(&info).map_err(|e| LayerError::Corrupt {
            path: tmp.join(INFO_FILE),
            reason: e.to_string(),
        })?;
        write_file(&tmp.join("link"), random_id(LINK_ID_LEN)?.as_bytes())?;
        write_file(&tmp.join(INFO_FILE), &info_json)?;
        Ok(stats)
    }

    /// The chain ids of all complete layers.
    pub fn list(&self) -> Result<Vec<Digest>, LayerError> {
        let dir = self.layers_dir();
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| LayerError::io("list", &dir, e))? {
            let entry = entry.map_err(|e| LayerError::io("list", &dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Ok(d) = format!("sha256:{name}").parse::<Digest>() {
                out.push(d);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Removes a layer (when no image uses its chain any more; the image store decides).
    /// Returns whether it was there. The layer leaves its final name first, so a crash
    /// midway never leaves a layer that looks complete but is not.
    pub fn remove(&self, chain_id: &Digest) -> Result<bool, LayerError> {
        let Some(layer) = self.get(chain_id)? else {
            return Ok(false);
        };
        let link = self.links_dir().join(&layer.link);
        match fs::remove_file(&link) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(LayerError::io("remove link", &link, e)),
        }
        let dir = self.layer_dir(chain_id);
        let doomed = self.layers_dir().join(format!(
            "{RM_PREFIX}{}-{}-{}",
            chain_id.hex(),
            std::process::id(),
            random_id(8)?
        ));
        fs::rename(&dir, &doomed).map_err(|e| LayerError::io("move away for removal", &dir, e))?;
        fs::remove_dir_all(&doomed).map_err(|e| LayerError::io("remove", &doomed, e))?;
        Ok(true)
    }

    /// Removes temporary directories of processes that are gone, and links that point at
    /// no layer.
    fn sweep(&self) -> Result<(), LayerError> {
        let dir = self.layers_dir();
        for entry in fs::read_dir(&dir).map_err(|e| LayerError::io("list", &dir, e))? {
            let entry = entry.map_err(|e| LayerError::io("list", &dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(rest) = name
                .strip_prefix(TMP_PREFIX)
                .or_else(|| name.strip_prefix(RM_PREFIX))
            else {
                continue;
            };
            let pid = rest.split('-').nth(1).and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
            if !alive {
                tracing::info!(
                    dir = name,
                    "removing leftover of an interrupted layer unpack/removal"
                );
                remove_tree(&entry.path());
            }
        }
        let links = self.links_dir();
        for entry in fs::read_dir(&links).map_err(|e| LayerError::io("list", &links, e))? {
            let entry = entry.map_err(|e| LayerError::io("list", &links, e))?;
            let path = entry.path();
            if fs::symlink_metadata(&path).is_ok() && fs::metadata(&path).is_err() {
                tracing::info!(link = %path.display(), "removing dangling layer link");
                let _ = fs::remove_file(&path);
            }
        }
        Ok(())
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), LayerError> {
    fs::write(path, bytes).map_err(|e| LayerError::io("write", path, e))
}

/// Best-effort removal of a temporary tree; failure is logged, since the sweep retries.
fn remove_tree(path: &Path) {
    if let Err(e) = fs::remove_dir_all(path) {
        if e.kind() != io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), error = %e, "could not remove temporary layer directory");
        }
    }
}

//! The content store under `$TUG_ROOT/image`: blobs addressed by digest, image records, and
//! the references (tags and digests) that name them.
//!
//! Layout:
//!
//! ```text
//! image/blobs/sha256/<hex>   every manifest, config and layer blob, verified on write
//! image/images/<hex>.json    one ImageRecord per image id (the config digest)
//! image/refs.json            full reference -> image id (the only source of tags)
//! image/tmp/                 temp files, renamed into place when complete
//! image/lock, image/gc.lock  flock files (see `lock`)
//! ```
//!
//! The store has no daemon: several `tug` processes use it at once. Writes go through temp
//! files and atomic renames, changes to records and tags happen under a file lock, and blob
//! deletion stands back while any writer holds a [`Lease`].

mod blob;
mod lock;
mod record;
mod refs;
mod remove;
pub(crate) mod temp;

pub use blob::BlobWriter;
pub use lock::Lease;
pub use record::{ImageRecord, LayerRecord};
pub use remove::Removal;
pub(crate) use temp::TempFile;

use crate::digest::Digest;
use crate::reference::ReferenceError;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the store. Each variant names the blob, image or file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done (`create`, `read`, `rename`, …).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The disk (or quota) is full; nothing partial was kept.
    #[error("no space left on device while writing {what} under {}", path.display())]
    NoSpace {
        /// The blob or record being written.
        what: String,
        /// The store directory.
        path: PathBuf,
    },
    /// Reading the content to store failed (network, pipe, archive).
    #[error("reading content for {what}: {source}")]
    Source {
        /// The blob being written.
        what: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The content does not hash to the digest it was announced with.
    #[error("digest mismatch for blob {expected}: content hashes to {actual}")]
    DigestMismatch {
        /// The announced digest.
        expected: Digest,
        /// What the bytes hash to.
        actual: Digest,
    },
    /// The content is longer or shorter than announced.
    #[error("size mismatch for blob {digest}: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        /// The blob.
        digest: String,
        /// The announced size.
        expected: u64,
        /// What arrived.
        actual: u64,
    },
    /// No blob with this digest is stored.
    #[error("blob {0} not found in the image store")]
    BlobNotFound(Digest),
    /// No image matches the name or id.
    #[error("No such image: {0}")]
    ImageNotFound(String),
    /// A short id matches more than one image.
    #[error("image id prefix {0:?} is ambiguous: it matches {1} images")]
    Ambiguous(String, usize),
    /// A record or the reference index is not valid JSON.
    #[error("corrupt store file {}: {source}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// Removal refused, with docker's wording of why.
    #[error("conflict: unable to {what} (must be forced) - {reason}")]
    Conflict {
        /// `delete 0123456789ab` or `remove repository reference "x"`.
        what: String,
        /// Why.
        reason: String,
    },
    /// A reference that cannot be used as a tag (both a tag and a digest).
    #[error("cannot tag {reference}: {reason}")]
    InvalidTag {
        /// The reference.
        reference: String,
        /// Why.
        reason: &'static str,
    },
    /// A malformed reference given to `resolve`.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
}

impl StoreError {
    /// Wraps an I/O error, turning ENOSPC/EDQUOT into [`StoreError::NoSpace`].
    pub(crate) fn io(op: &'static str, path: &Path, what: &str, source: io::Error) -> StoreError {
        if is_no_space(&source) {
            return StoreError::NoSpace {
                what: what.to_string(),
                path: path.to_path_buf(),
            };
        }
        StoreError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// True for "no space left on device" and "disk quota exceeded".
pub(crate) fn is_no_space(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// A handle on the image store. Cheap to open; holds no lock between calls.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store under `tug_root/image`, and removes temp files
    /// left by processes that died mid-write.
    pub fn open(tug_root: &Path) -> Result<Store, StoreError> {
        let store = Store {
            root: tug_root.join("image"),
        };
        for dir in [store.blobs_dir(), store.images_dir(), store.tmp_dir()] {
            fs::create_dir_all(&dir)
                .map_err(|e| StoreError::io("create directory", &dir, "the store", e))?;
        }
        let tmp = store.tmp_dir();
        match temp::clean_stale(&tmp) {
            Ok(0) => {}
            Ok(n) => tracing::debug!("removed {n} stale temp files from {}", tmp.display()),
            Err(e) => tracing::warn!("cannot clean {}: {e}", tmp.display()),
        }
        Ok(store)
    }

    /// The store directory (`$TUG_ROOT/image`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Protects blobs written ahead of their record (a pull) from concurrent garbage
    /// collection; hold it until `put_image` returns.
    pub fn lease(&self) -> Result<Lease, StoreError> {
        let p = self.root.join("gc.lock");
        Lease::acquire(&p).map_err(|e| StoreError::io("lock", &p, "a lease", e))
    }

    fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    fn images_dir(&self) -> PathBuf {
        self.root.join("images")
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    fn write_lock(&self) -> Result<lock::WriteLock, StoreError> {
        let p = self.root.join("lock");
        lock::WriteLock::acquire(&p).map_err(|e| StoreError::io("lock", &p, "the store lock", e))
    }

    fn gc_lock(&self) -> Result<Option<lock::GcLock>, StoreError> {
        let p = self.root.join("gc.lock");
        lock::GcLock::try_acquire(&p).map_err(|e| StoreError::io("lock", &p, "the gc lock", e))
    }
}

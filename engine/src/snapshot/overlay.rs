//! A container's root file system: the image's layers as overlay lowers, plus a private
//! upper and work dir, mounted on `merged/`.

use super::mounter::{KernelMounter, Mounter};
use super::options::{
    kernel_has_index_option, overlay_options, usable_in_options, MAX_OPTIONS_LEN,
};
use super::SnapshotError;
use crate::layer::LayerRef;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const RECORD: &str = "snapshot.json";
const UPPER: &str = "upper";
const WORK: &str = "work";
const MERGED: &str = "merged";
/// The lower dir of an image with no layers (overlay needs at least one).
const EMPTY_LOWER: &str = "empty-lower";

/// What is kept on disk so that a later `tug` process can mount or remove the snapshot.
#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    /// Bottom layer first.
    layers: Vec<RecordedLayer>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RecordedLayer {
    chain_id: String,
    link: String,
}

/// The overlay snapshot of one container under `$TUG_ROOT/containers/<id>/`.
///
/// Its directories (`upper/`, `work/`, `merged/`) and record outlive the process that made
/// them; [`Snapshot::open`] finds them again. The mount point is [`Snapshot::rootfs_path`].
pub struct Snapshot {
    container: String,
    dir: PathBuf,
    image_dir: PathBuf,
    layers: Vec<RecordedLayer>,
    mounter: Arc<dyn Mounter>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("container", &self.container)
            .field("dir", &self.dir)
            .field("layers", &self.layers.len())
            .finish()
    }
}

impl Snapshot {
    /// Makes the snapshot of container `container_id` over `layers` (bottom first, as
    /// [`crate::layer::LayerStore::ensure_all`] returns them) and mounts it.
    pub fn create(
        tug_root: &Path,
        container_id: &str,
        layers: &[LayerRef],
    ) -> Result<Snapshot, SnapshotError> {
        Snapshot::create_with(Arc::new(KernelMounter), tug_root, container_id, layers)
    }

    /// [`Snapshot::create`] with a chosen mounter (a fake, in tests).
    pub fn create_with(
        mounter: Arc<dyn Mounter>,
        tug_root: &Path,
        container_id: &str,
        layers: &[LayerRef],
    ) -> Result<Snapshot, SnapshotError> {
        check_id(container_id)?;
        let snap = Snapshot {
            container: container_id.to_string(),
            dir: tug_root.join("containers").join(container_id),
            image_dir: tug_root.join("image"),
            layers: layers
                .iter()
                .map(|l| RecordedLayer {
                    chain_id: l.chain_id.to_string(),
                    link: l.link.clone(),
                })
                .collect(),
            mounter,
        };
        let record_path = snap.dir.join(RECORD);
        if record_path.exists() {
            return Err(SnapshotError::Exists {
                container: snap.container,
                path: snap.dir,
            });
        }
        // No record: anything here is the leftover of a create that crashed before it.
        snap.remove_files()?;
        let made = snap
            .make_dirs()
            .and_then(|()| snap.write_record())
            .and_then(|()| snap.mount());
        if let Err(e) = made {
            // Leave nothing half-made behind; the error that matters is the first one.
            if let Err(cleanup) = snap.remove_files() {
                tracing::warn!(error = %cleanup, "cleaning up a snapshot that failed to mount");
            }
            return Err(e);
        }
        Ok(snap)
    }

    /// Finds the snapshot of `container_id` made earlier (by this or another process).
    pub fn open(tug_root: &Path, container_id: &str) -> Result<Snapshot, SnapshotError> {
        Snapshot::open_with(Arc::new(KernelMounter), tug_root, container_id)
    }

    /// [`Snapshot::open`] with a chosen mounter.
    pub fn open_with(
        mounter: Arc<dyn Mounter>,
        tug_root: &Path,
        container_id: &str,
    ) -> Result<Snapshot, SnapshotError> {
        check_id(container_id)?;
        let dir = tug_root.join("containers").join(container_id);
        let path = dir.join(RECORD);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(SnapshotError::NotFound {
                    container: container_id.to_string(),
                    path: dir,
                })
            }
            Err(source) => {
                return Err(SnapshotError::Io {
                    container: container_id.to_string(),
                    op: "read",
                    path,
                    source,
                })
            }
        };
        let record: Record =
            serde_json::from_slice(&bytes).map_err(|e| SnapshotError::Corrupt {
                container: container_id.to_string(),
                path: path.clone(),
                reason: e.to_string(),
            })?;
        Ok(Snapshot {
            container: container_id.to_string(),
            dir,
            image_dir: tug_root.join("image"),
            layers: record.layers,
            mounter,
        })
    }

    /// The container's root file system: the overlay mount point.
    pub fn rootfs_path(&self) -> PathBuf {
        self.dir.join(MERGED)
    }

    /// Where the container's own changes land.
    pub fn upper_dir(&self) -> PathBuf {
        self.dir.join(UPPER)
    }

    /// The container id.
    pub fn container_id(&self) -> &str {
        &self.container
    }

    /// The options string this snapshot mounts with.
    pub fn mount_options(&self) -> String {
        let lowers: Vec<String> = if self.layers.is_empty() {
            vec![self.dir.join(EMPTY_LOWER).to_string_lossy().into_owned()]
        } else {
            self.layers
                .iter()
                .rev()
                .map(|l| format!("l/{}", l.link))
                .collect()
        };
        overlay_options(
            &lowers,
            &self.dir.join(UPPER),
            &self.dir.join(WORK),
            kernel_has_index_option(),
        )
    }

    /// Whether the overlay is mounted now.
    pub fn is_mounted(&self) -> Result<bool, SnapshotError> {
        let target = self.rootfs_path();
        self.mounter
            .is_mounted(&target)
            .map_err(|source| self.io_err("read the mount table for", target, source))
    }

    /// Mounts the overlay unless it is mounted already (after a host reboot, a container
    /// that restarts needs its root back).
    pub fn mount(&self) -> Result<(), SnapshotError> {
        if self.is_mounted()? {
            return Ok(());
        }
        if !usable_in_options(&self.dir) {
            return Err(SnapshotError::UnusablePath {
                container: self.container.clone(),
                path: self.dir.clone(),
            });
        }
        for layer in &self.layers {
            let link = self.image_dir.join("l").join(&layer.link);
            if !link.is_dir() {
                return Err(SnapshotError::MissingLayer {
                    container: self.container.clone(),
                    chain_id: layer.chain_id.clone(),
                    link: layer.link.clone(),
                });
            }
        }
        let options = self.mount_options();
        if options.len() > MAX_OPTIONS_LEN {
            return Err(SnapshotError::OptionsTooLong {
                container: self.container.clone(),
                layers: self.layers.len(),
                len: options.len(),
                limit: MAX_OPTIONS_LEN,
            });
        }
        let target = self.rootfs_path();
        tracing::debug!(container = self.container, options, "mounting overlay");
        self.mounter
            .mount_overlay(&self.image_dir, &target, &options)
            .map_err(|source| SnapshotError::Mount {
                container: self.container.clone(),
                layers: self.layers.len(),
                options_len: options.len(),
                hint: mount_hint(&source),
                target,
                source,
            })
    }

    /// Unmounts the overlay if it is mounted.
    pub fn unmount(&self) -> Result<(), SnapshotError> {
        if !self.is_mounted()? {
            return Ok(());
        }
        let target = self.rootfs_path();
        self.mounter
            .unmount(&target)
            .map_err(|source| SnapshotError::Unmount {
                container: self.container.clone(),
                target,
                source,
            })
    }

    /// Unmounts and deletes the snapshot: the container's changes are gone; the layers stay.
    /// Goes on past failures and reports them all. Nothing is deleted while the overlay is
    /// still mounted, since deleting through it would write whiteouts, not free space.
    pub fn remove(self) -> Result<(), SnapshotError> {
        self.unmount()?;
        self.remove_files()
    }

    fn remove_files(&self) -> Result<(), SnapshotError> {
        if self.is_mounted()? {
            return Err(SnapshotError::Cleanup {
                container: self.container.clone(),
                failures: vec![format!("{} is still mounted", self.rootfs_path().display())],
            });
        }
        let mut failures = Vec::new();
        for name in [MERGED, WORK, UPPER, EMPTY_LOWER] {
            let path = self.dir.join(name);
            match fs::remove_dir_all(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => failures.push(format!("remove {}: {e}", path.display())),
            }
        }
        let record = self.dir.join(RECORD);
        match fs::remove_file(&record) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => failures.push(format!("remove {}: {e}", record.display())),
        }
        // The container directory is shared with the runtime (config, logs); it goes only
        // when nothing else is left in it.
        if let Err(e) = fs::remove_dir(&self.dir) {
            tracing::debug!(dir = %self.dir.display(), error = %e, "container directory kept");
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SnapshotError::Cleanup {
                container: self.container.clone(),
                failures,
            })
        }
    }

    fn make_dirs(&self) -> Result<(), SnapshotError> {
        use std::os::unix::fs::DirBuilderExt;
        let mut dirs = vec![(UPPER, 0o755), (WORK, 0o700), (MERGED, 0o700)];
        if self.layers.is_empty() {
            dirs.push((EMPTY_LOWER, 0o755));
        }
        fs::create_dir_all(&self.dir)
            .map_err(|source| self.io_err("create", self.dir.clone(), source))?;
        for (name, mode) in dirs {
            let path = self.dir.join(name);
            fs::DirBuilder::new()
                .mode(mode)
                .create(&path)
                .map_err(|source| self.io_err("create", path.clone(), source))?;
        }
        Ok(())
    }

    fn write_record(&self) -> Result<(), SnapshotError> {
        let record = Record {
            layers: self
                .layers
                .iter()
                .map(|l| RecordedLayer {
                    chain_id: l.chain_id.clone(),
                    link: l.link.clone(),
                })
                .collect(),
        };
        let path = self.dir.join(RECORD);
        let tmp = self.dir.join(format!(".{RECORD}.tmp"));
        let json = serde_json::to_vec_pretty(&record).map_err(|e| SnapshotError::Corrupt {
            container: self.container.clone(),
            path: path.clone(),
            reason: e.to_string(),
        })?;
        fs::write(&tmp, json).map_err(|source| self.io_err("write", tmp.clone(), source))?;
        fs::rename(&tmp, &path).map_err(|source| self.io_err("write", path, source))
    }

    fn io_err(&self, op: &'static str, path: PathBuf, source: io::Error) -> SnapshotError {
        SnapshotError::Io {
            container: self.container.clone(),
            op,
            path,
            source,
        }
    }
}

/// A suggestion for the usual reasons a mount fails.
fn mount_hint(err: &io::Error) -> &'static str {
    use nix::errno::Errno;
    match err.raw_os_error().map(Errno::from_raw) {
        Some(Errno::EPERM) => " (mounting needs root)",
        Some(Errno::ENODEV) => " (the kernel has no overlay file system: modprobe overlay)",
        Some(Errno::EINVAL) => " (see `dmesg | grep overlay` for the reason the kernel gives)",
        _ => "",
    }
}

/// A container id becomes a directory name: it must be one plain component.
fn check_id(id: &str) -> Result<(), SnapshotError> {
    let reason = if id.is_empty() {
        Some("it is empty")
    } else if id.len() > 128 {
        Some("it is longer than 128 characters")
    } else if id.starts_with('.') {
        Some("it starts with '.'")
    } else if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        Some("only letters, digits, '_', '-' and '.' are allowed")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(SnapshotError::InvalidId {
            id: id.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

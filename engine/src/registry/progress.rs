//! What a pull or push reports while it runs, for the command line to draw as bars or lines.
//!
//! The library never prints: it calls a [`Progress`] with events, from several tasks at once,
//! and the `cli` crate decides how they look (one bar per layer on a terminal, docker's plain
//! `<id>: Pull complete` lines otherwise).

use crate::digest::Digest;

/// One thing that happened during a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A pull resolved its reference; `layers` will follow.
    PullStarted {
        /// The tag or digest being pulled (`1.25-alpine`).
        tag: String,
        /// The repository path in the registry (`library/nginx`), as docker prints it.
        repository: String,
    },
    /// A layer (or the config) is known and will be fetched or sent.
    Waiting {
        /// The blob.
        digest: Digest,
        /// Its size in bytes.
        size: u64,
    },
    /// The blob is already in the local store (pull) or the registry (push).
    AlreadyExists {
        /// The blob.
        digest: Digest,
    },
    /// Bytes moved for one blob so far.
    Bytes {
        /// The blob.
        digest: Digest,
        /// Bytes done.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// A transfer failed transiently and will be tried again.
    Retrying {
        /// The blob.
        digest: Digest,
        /// The attempt about to start (2 for the first retry).
        attempt: u32,
        /// Why the previous one failed.
        error: String,
    },
    /// A blob was downloaded and verified (pull).
    Downloaded {
        /// The blob.
        digest: Digest,
    },
    /// A blob was uploaded (push).
    Pushed {
        /// The blob.
        digest: Digest,
    },
    /// A blob was mounted from another repository of the same registry (push).
    Mounted {
        /// The blob.
        digest: Digest,
        /// The repository it came from.
        from: String,
    },
    /// Every blob and the record are stored (pull) or the manifest is up (push).
    Finished {
        /// The manifest (or index) digest the reference resolved to.
        digest: Digest,
    },
}

/// Receives [`Event`]s. Called from several tasks at once, so it must be `Sync`.
pub trait Progress: Send + Sync {
    /// Handles one event.
    fn event(&self, event: Event);
}

/// A progress sink that ignores everything (for tests and quiet mode).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: Event) {}
}

impl<F: Fn(Event) + Send + Sync> Progress for F {
    fn event(&self, event: Event) {
        self(event)
    }
}

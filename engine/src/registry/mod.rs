//! The registry client: pull and push images over the OCI distribution API, and log in.
//!
//! Built on reqwest (rustls with the ring provider) rather than a higher-level OCI crate, so
//! that blobs stream straight into the store's verifying writer, each layer reports progress
//! and resumes with `Range` after a broken connection, pushes can mount blobs across
//! repositories, and every failure names the reference, blob and registry involved.
//!
//! What it covers:
//! - authentication: anonymous, basic, and bearer tokens from the `WWW-Authenticate`
//!   challenge, with credentials from docker's `~/.docker/config.json` ([`DockerConfig`]);
//! - Docker schema2 and OCI manifests, and indexes / manifest lists resolved to one platform;
//! - parallel, verified, retried layer downloads ([`pull`]); uploads that skip existing
//!   blobs, mount from sibling repositories, and go monolithic or chunked ([`push`]);
//! - plain HTTP only for loopback registries and `insecure-registries` ([`RegistryOptions`]).
//!
//! The API is synchronous: each entry point runs a private tokio runtime and shuts it down
//! before returning (see `runtime.rs` for why).

mod auth;
mod challenge;
mod client;
mod credentials;
mod error;
mod fetch;
mod login;
mod options;
mod progress;
mod pull;
mod push;
mod runtime;
mod upload;

pub use credentials::{registry_key, Credentials, DockerConfig, DOCKER_HUB_KEY};
pub use error::RegistryError;
pub use login::{login, logout, normalise_registry, DEFAULT_LOGIN_REGISTRY};
pub use options::{RegistryOptions, RetryPolicy};
pub use progress::{Event, NoProgress, Progress};
pub use pull::{pull, PullOutcome};
pub use push::{push, PushOutcome};

//! `push`: upload an image's blobs (layers, then config) and then its manifest.
//!
//! The manifest goes last so the registry never serves a tag whose blobs are missing. The
//! manifest bytes are the stored ones when the image came from a registry, so its digest is
//! unchanged by a pull/push round trip, as with docker.

use super::auth::repository_scope;
use super::client::{Client, Request, Target};
use super::credentials::DockerConfig;
use super::error::RegistryError;
use super::fetch::{join_error, MAX_MANIFEST_SIZE};
use super::options::RegistryOptions;
use super::progress::{Event, Progress};
use super::upload::{BlobPush, Uploaded};
use crate::digest::Digest;
use crate::image::Descriptor;
use crate::reference::Reference;
use crate::store::{Store, StoreError};
use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    /// The tag pushed, or the digest when the reference had no tag.
    pub tag: String,
    /// The manifest digest.
    pub digest: Digest,
    /// The manifest size in bytes (docker prints it).
    pub size: usize,
}

/// Pushes the local image named `reference` to the registry and repository it names.
///
/// Like [`super::pull`], it runs and then shuts down its own tokio runtime.
pub fn push(
    store: &Store,
    reference: &Reference,
    opts: &RegistryOptions,
    progress: Arc<dyn Progress>,
) -> Result<PushOutcome, RegistryError> {
    let record = match store.resolve(&reference.to_string()) {
        Ok(r) => r,
        Err(StoreError::ImageNotFound(_)) => {
            return Err(RegistryError::NoSuchLocalImage(reference.familiar()))
        }
        Err(e) => return Err(e.into()),
    };
    let (manifest_bytes, manifest) = store.manifest_for(&record)?;
    if manifest_bytes.len() > MAX_MANIFEST_SIZE {
        return Err(RegistryError::InvalidDocument {
            what: format!("manifest of {}", reference.familiar()),
            reason: format!("larger than the {MAX_MANIFEST_SIZE}-byte limit registries accept"),
        });
    }
    let media_type = manifest
        .media_type
        .clone()
        .unwrap_or_else(|| record.manifest_media_type.clone());
    // Other repositories of the same registry that hold this image: blobs can be mounted
    // from them instead of uploaded again.
    let mount_from: Vec<String> = record
        .repo_tags
        .iter()
        .chain(&record.repo_digests)
        .filter(|r| r.domain() == reference.domain() && r.path() != reference.path())
        .map(|r| r.path().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let tag_or_digest = match (reference.tag(), reference.digest()) {
        (Some(t), _) => t.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) => crate::reference::DEFAULT_TAG.to_string(),
    };
    // Layers are reported one by one, as docker shows them; the config goes up silently.
    let mut blobs: Vec<(Descriptor, bool)> = Vec::new();
    let mut seen = HashSet::new();
    for d in &manifest.layers {
        if seen.insert(d.digest.clone()) {
            blobs.push((d.clone(), true));
        }
    }
    if seen.insert(manifest.config.digest.clone()) {
        blobs.push((manifest.config.clone(), false));
    }
    let creds = DockerConfig::load(&opts.docker_config)?.get(reference.domain())?;
    let mut scopes = vec![repository_scope(reference.path(), true)];
    scopes.extend(mount_from.iter().map(|p| repository_scope(p, false)));
    let digest = Digest::of(&manifest_bytes);
    let size = manifest_bytes.len();
    super::runtime::run(opts.max_concurrent_uploads, async {
        let client = Arc::new(Client::connect(opts, reference.domain(), creds, scopes).await?);
        let job = Job {
            client: client.clone(),
            store: store.clone(),
            path: reference.path().to_string(),
            repository: reference.repository(),
            mount_from: Arc::new(mount_from),
            chunk_size: opts.upload_chunk_size,
            progress: progress.clone(),
        };
        upload_blobs(&job, blobs, opts.max_concurrent_uploads).await?;
        put_manifest(
            &client,
            reference,
            &tag_or_digest,
            &media_type,
            manifest_bytes,
            &digest,
        )
        .await
    })??;
    progress.event(Event::Finished {
        digest: digest.clone(),
    });
    Ok(PushOutcome {
        tag: tag_or_digest,
        digest,
        size,
    })
}

/// What every blob upload task shares.
#[derive(Clone)]
struct Job {
    client: Arc<Client>,
    store: Store,
    path: String,
    repository: String,
    mount_from: Arc<Vec<String>>,
    chunk_size: usize,
    progress: Arc<dyn Progress>,
}

/// Uploads blobs, at most `max` at once; the flag says whether to report the blob's events.
async fn upload_blobs(
    job: &Job,
    blobs: Vec<(Descriptor, bool)>,
    max: usize,
) -> Result<(), RegistryError> {
    let limit = Arc::new(Semaphore::new(max.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (desc, report) in blobs {
        if report {
            job.progress.event(Event::Waiting {
                digest: desc.digest.clone(),
                size: desc.size,
            });
        }
        let (job, limit) = (job.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit
                .acquire_owned()
                .await
                .map_err(|e| RegistryError::Client(e.to_string()))?;
            let silent = super::progress::NoProgress;
            let progress: &dyn Progress = if report { &*job.progress } else { &silent };
            let push = BlobPush {
                client: &job.client,
                store: &job.store,
                path: &job.path,
                repository: &job.repository,
                mount_from: &job.mount_from,
                chunk_size: job.chunk_size,
                progress,
            };
            let digest = desc.digest.clone();
            let event = match push.run(&desc).await? {
                Uploaded::Existed => Event::AlreadyExists { digest },
                Uploaded::Mounted(from) => Event::Mounted { digest, from },
                Uploaded::Pushed => Event::Pushed { digest },
            };
            progress.event(event);
            Ok::<(), RegistryError>(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(join_error)??;
    }
    Ok(())
}

/// `PUT /v2/<path>/manifests/<tag>` with the manifest's own media type.
async fn put_manifest(
    client: &Client,
    reference: &Reference,
    tag_or_digest: &str,
    media_type: &str,
    bytes: Vec<u8>,
    digest: &Digest,
) -> Result<(), RegistryError> {
    let url = client.url(&format!("{}/manifests/{tag_or_digest}", reference.path()))?;
    let req = Request {
        method: Method::PUT,
        url,
        headers: vec![(CONTENT_TYPE, media_type.to_string())],
        body: Some(Bytes::from(bytes)),
        // Putting the same manifest twice is harmless, so transient failures are retried.
        idempotent: true,
    };
    let target = Target::Other(format!("push of manifest {}", reference.familiar()));
    let resp = client.send(&req).await?;
    let resp = client.check(resp, &target).await?;
    if let Some(said) = resp
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
    {
        if said != digest.to_string() {
            tracing::warn!(
                "{} reports manifest digest {said}, tug computed {digest}",
                client.registry()
            );
        }
    }
    Ok(())
}

//! `pull`: resolve a reference to one platform's manifest, download what the store lacks,
//! and record the image.
//!
//! Order matters for crash safety: layers and the config are written first (each blob is
//! verified and atomic in the store), under a store lease so a concurrent prune leaves them
//! alone; the image record and tag come last, only once every blob is in. A failure at any
//! point leaves at most complete, verified blobs that no record names yet.

use super::auth::repository_scope;
use super::client::Client;
use super::credentials::DockerConfig;
use super::error::RegistryError;
use super::fetch::{self, join_error, FetchedManifest};
use super::options::RegistryOptions;
use super::progress::{Event, Progress};
use crate::digest::Digest;
use crate::image::{media_type, Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform};
use crate::reference::Reference;
use crate::store::{ImageRecord, LayerRecord, Store, StoreError};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What a pull did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullOutcome {
    /// The image id (config digest).
    pub image_id: Digest,
    /// The digest the reference resolved to (the index's for a multi-platform image), which
    /// docker prints as `Digest:` and records in `RepoDigests`.
    pub digest: Digest,
    /// The platform manifest's digest.
    pub manifest_digest: Digest,
    /// True when the reference already named this image, so nothing changed.
    pub up_to_date: bool,
    /// Layers that were downloaded (the others were already stored).
    pub downloaded_layers: usize,
}

/// Pulls `reference` into `store`, choosing `platform` from multi-platform images (the host's
/// when `None`; an explicit platform is also checked against single-platform images).
///
/// Runs its own tokio runtime for the duration of the call and shuts it down (joining its
/// threads) before returning: tug's process model forbids a runtime in a process that later
/// forks container monitors, so no runtime may outlive the transfer.
pub fn pull(
    store: &Store,
    reference: &Reference,
    platform: Option<&Platform>,
    opts: &RegistryOptions,
    progress: Arc<dyn Progress>,
) -> Result<PullOutcome, RegistryError> {
    let before = match store.resolve(&reference.to_string()) {
        Ok(rec) => Some(rec.id),
        Err(StoreError::ImageNotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let creds = DockerConfig::load(&opts.docker_config)?.get(reference.domain())?;
    let _lease = store.lease()?;
    let prepared = super::runtime::run(opts.max_concurrent_downloads, async {
        let scopes = vec![repository_scope(reference.path(), false)];
        let client = Client::connect(opts, reference.domain(), creds, scopes).await?;
        fetch_image(
            Arc::new(client),
            store,
            reference,
            platform,
            opts,
            progress.clone(),
        )
        .await
    })??;
    // Every blob is stored and verified: now, and only now, the record and its names.
    let Prepared {
        record,
        top_digest,
        downloaded,
    } = prepared;
    store.put_image(&record)?;
    let outcome = PullOutcome {
        image_id: record.id.clone(),
        digest: top_digest.clone(),
        manifest_digest: record
            .manifest_digest
            .clone()
            .unwrap_or_else(|| top_digest.clone()),
        up_to_date: before.as_ref() == Some(&record.id) && downloaded == 0,
        downloaded_layers: downloaded,
    };
    progress.event(Event::Finished { digest: top_digest });
    Ok(outcome)
}

/// A pulled image ready to be recorded.
struct Prepared {
    record: ImageRecord,
    top_digest: Digest,
    downloaded: usize,
}

async fn fetch_image(
    client: Arc<Client>,
    store: &Store,
    reference: &Reference,
    platform: Option<&Platform>,
    opts: &RegistryOptions,
    progress: Arc<dyn Progress>,
) -> Result<Prepared, RegistryError> {
    let path = reference.path();
    let repository = reference.repository();
    let display = reference.familiar();
    let tag_or_digest = match (reference.digest(), reference.tag()) {
        (Some(d), _) => d.to_string(),
        (None, Some(t)) => t.to_string(),
        (None, None) => crate::reference::DEFAULT_TAG.to_string(),
    };
    let top = fetch::manifest(&client, path, &tag_or_digest, &display, reference.digest()).await?;
    progress.event(Event::PullStarted {
        tag: reference
            .tag()
            .map(str::to_string)
            .unwrap_or_else(|| tag_or_digest.clone()),
        repository: reference.path().to_string(),
    });
    let wanted = platform.cloned().unwrap_or_else(Platform::host);
    let (manifest_doc, manifest) = if media_type::is_index(&top.media_type) {
        let index: ImageIndex = parse(&top.bytes, &format!("image index {display}"))?;
        let entry = select_platform(&index, &wanted, &display)?;
        let m = fetch::manifest(
            &client,
            path,
            &entry.digest.to_string(),
            &format!("{display} ({wanted})"),
            Some(&entry.digest),
        )
        .await?;
        if !media_type::is_manifest(&m.media_type) {
            return Err(unsupported(&display, &m.media_type));
        }
        let parsed: ImageManifest = parse(&m.bytes, &format!("manifest {display}"))?;
        (m, parsed)
    } else if media_type::is_manifest(&top.media_type) {
        let parsed: ImageManifest = parse(&top.bytes, &format!("manifest {display}"))?;
        (top.clone(), parsed)
    } else {
        return Err(unsupported(&display, &top.media_type));
    };

    let config_bytes = fetch::small_blob(&client, path, &repository, &manifest.config).await?;
    let config: ImageConfig = parse(&config_bytes, &format!("config of {display}"))?;
    check_image(&manifest, &config, &display)?;
    if let Some(want) = platform {
        let found = Platform {
            os: config.os.clone(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
            ..Platform::default()
        };
        if !media_type::is_index(&top.media_type) && !found.matches(want) {
            return Err(RegistryError::PlatformMismatch {
                reference: display,
                wanted: Box::new(want.clone()),
                found: Box::new(found),
            });
        }
    }

    let downloaded = download_layers(
        &client,
        store,
        path,
        &repository,
        &manifest,
        opts,
        &progress,
    )
    .await?;

    // Config and manifest last: small, verified, atomic.
    let store_small = |d: &Digest, bytes: &[u8]| -> Result<(), RegistryError> {
        let mut r = bytes;
        tokio::task::block_in_place(|| store.write_blob(Some(d), Some(bytes.len() as u64), &mut r))
            .map(|_| ())
            .map_err(RegistryError::from)
    };
    store_small(&manifest.config.digest, &config_bytes)?;
    store_small(&manifest_doc.digest, &manifest_doc.bytes)?;

    let record = build_record(reference, &top, &manifest_doc, &manifest, config)?;
    Ok(Prepared {
        record,
        top_digest: top.digest,
        downloaded,
    })
}

/// Downloads the layers the store lacks, at most `max_concurrent_downloads` at once. The
/// first failure cancels the others (their temp files go with them).
async fn download_layers(
    client: &Arc<Client>,
    store: &Store,
    path: &str,
    repository: &str,
    manifest: &ImageManifest,
    opts: &RegistryOptions,
    progress: &Arc<dyn Progress>,
) -> Result<usize, RegistryError> {
    let limit = Arc::new(Semaphore::new(opts.max_concurrent_downloads.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut seen = HashSet::new();
    for desc in &manifest.layers {
        if !seen.insert(desc.digest.clone()) {
            continue;
        }
        if store.has_blob(&desc.digest) {
            progress.event(Event::AlreadyExists {
                digest: desc.digest.clone(),
            });
            continue;
        }
        progress.event(Event::Waiting {
            digest: desc.digest.clone(),
            size: desc.size,
        });
        let (client, store, limit, progress) = (
            client.clone(),
            store.clone(),
            limit.clone(),
            progress.clone(),
        );
        let (path, repository, desc) = (path.to_string(), repository.to_string(), desc.clone());
        tasks.spawn(async move {
            let _permit = limit
                .acquire_owned()
                .await
                .map_err(|e| RegistryError::Client(e.to_string()))?;
            let digest = desc.digest.clone();
            fetch::layer(client, store, path, repository, desc, progress.clone()).await?;
            progress.event(Event::Downloaded { digest });
            Ok::<(), RegistryError>(())
        });
    }
    let mut downloaded = 0;
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(join_error)??;
        downloaded += 1;
    }
    Ok(downloaded)
}

/// The index entry for `wanted`, or an error listing what the index offers.
fn select_platform<'a>(
    index: &'a ImageIndex,
    wanted: &Platform,
    display: &str,
) -> Result<&'a Descriptor, RegistryError> {
    index
        .select(wanted)
        .ok_or_else(|| RegistryError::NoMatchingPlatform {
            reference: display.to_string(),
            wanted: Box::new(wanted.clone()),
            available: index
                .manifests
                .iter()
                .filter_map(|d| d.platform.clone())
                // Build attestations are listed as unknown/unknown; they are not images.
                .filter(|p| p.os != "unknown")
                .collect(),
        })
}

/// Consistency checks before any layer is downloaded.
fn check_image(
    manifest: &ImageManifest,
    config: &ImageConfig,
    display: &str,
) -> Result<(), RegistryError> {
    let invalid = |reason: String| RegistryError::InvalidDocument {
        what: format!("image {display}"),
        reason,
    };
    if config.rootfs.diff_ids.len() != manifest.layers.len() {
        return Err(invalid(format!(
            "the manifest lists {} layers but the config has {} diff_ids",
            manifest.layers.len(),
            config.rootfs.diff_ids.len()
        )));
    }
    for l in &manifest.layers {
        if media_type::layer_compression(&l.media_type).is_none() {
            return Err(invalid(format!(
                "layer {} has unsupported media type {:?}",
                l.digest, l.media_type
            )));
        }
    }
    Ok(())
}

fn build_record(
    reference: &Reference,
    top: &FetchedManifest,
    manifest_doc: &FetchedManifest,
    manifest: &ImageManifest,
    config: ImageConfig,
) -> Result<ImageRecord, RegistryError> {
    let layers = manifest
        .layers
        .iter()
        .zip(&config.rootfs.diff_ids)
        .map(|(l, diff_id)| LayerRecord {
            digest: l.digest.clone(),
            media_type: l.media_type.clone(),
            size: l.size,
            diff_id: diff_id.clone(),
        })
        .collect();
    // Pulling by digest names no tag, as in docker.
    let repo_tags = match (reference.digest(), reference.tag()) {
        (None, Some(t)) => {
            vec![reference
                .with_tag(t)
                .map_err(|e| RegistryError::BadReference {
                    reference: reference.to_string(),
                    reason: e.to_string(),
                })?]
        }
        _ => Vec::new(),
    };
    Ok(ImageRecord {
        id: manifest.config.digest.clone(),
        manifest_digest: Some(manifest_doc.digest.clone()),
        manifest_media_type: manifest_doc.media_type.clone(),
        created: config.created.clone(),
        config,
        layers,
        repo_tags,
        repo_digests: vec![reference.with_digest(top.digest.clone())],
    })
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, RegistryError> {
    serde_json::from_slice(bytes).map_err(|e| RegistryError::InvalidDocument {
        what: what.to_string(),
        reason: e.to_string(),
    })
}

fn unsupported(display: &str, mt: &str) -> RegistryError {
    let hint = if mt.contains("manifest.v1") {
        ": Docker image manifest schema 1 is deprecated and not supported; push the image \
         again with a current client"
    } else {
        ""
    };
    RegistryError::UnsupportedManifest {
        reference: display.to_string(),
        media_type: mt.to_string(),
        hint: hint.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(platforms: &[&str]) -> ImageIndex {
        let d: Digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            .parse()
            .unwrap();
        ImageIndex {
            schema_version: 2,
            media_type: Some(media_type::OCI_INDEX.into()),
            manifests: platforms
                .iter()
                .map(|p| {
                    let mut desc = Descriptor::new(media_type::OCI_MANIFEST, d.clone(), 1);
                    desc.platform = Some(p.parse().unwrap());
                    desc
                })
                .collect(),
            annotations: None,
        }
    }

    #[test]
    fn platform_selection_lists_available_platforms_without_attestations() {
        let idx = index(&["linux/amd64", "linux/arm64/v8", "unknown/unknown"]);
        assert!(select_platform(&idx, &"linux/arm64".parse().unwrap(), "x").is_ok());
        let e = select_platform(&idx, &"linux/s390x".parse().unwrap(), "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("linux/amd64, linux/arm64/v8"), "{e}");
        assert!(!e.contains("unknown"), "{e}");
    }

    #[test]
    fn layer_count_and_media_types_are_checked() {
        let d = Digest::of(b"x");
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(media_type::OCI_MANIFEST.into()),
            config: Descriptor::new(media_type::OCI_CONFIG, d.clone(), 1),
            layers: vec![Descriptor::new(media_type::OCI_LAYER_GZIP, d.clone(), 1)],
            annotations: None,
        };
        let mut config = ImageConfig::default();
        let e = check_image(&manifest, &config, "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 layers but the config has 0 diff_ids"), "{e}");
        config.rootfs.diff_ids.push(d.clone());
        assert!(check_image(&manifest, &config, "x").is_ok());
        let mut odd = manifest.clone();
        odd.layers[0].media_type = "application/x-helm".into();
        let e = check_image(&odd, &config, "x").unwrap_err().to_string();
        assert!(e.contains("unsupported media type"), "{e}");
        assert!(unsupported(
            "x",
            "application/vnd.docker.distribution.manifest.v1+prettyjws"
        )
        .to_string()
        .contains("schema 1"));
    }
}

//! Downloads: manifests (by tag or digest, any of the four media types), small blobs held in
//! memory (configs), and layer blobs streamed into the store.
//!
//! Everything is checked against its digest: manifests and configs here, layers by the
//! store's writer, which hashes while it writes and only renames a verified blob into place.
//! A layer whose connection breaks is resumed with a `Range` request when the registry
//! allows it, and started again otherwise.

use super::client::{Client, Request, Target};
use super::error::{root_cause, RegistryError};
use super::progress::{Event, Progress};
use crate::digest::Digest;
use crate::image::{media_type, Descriptor};
use crate::store::{BlobWriter, Store, StoreError};
use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::{Method, StatusCode};
use std::io::Write;
use std::sync::Arc;

/// The largest manifest tug accepts (the OCI spec's suggested limit for registries).
pub(crate) const MAX_MANIFEST_SIZE: usize = 4 << 20;
/// The largest config blob tug holds in memory.
const MAX_CONFIG_SIZE: u64 = 64 << 20;

/// A fetched manifest or index: its bytes, media type and digest.
#[derive(Debug, Clone)]
pub(crate) struct FetchedManifest {
    pub bytes: Bytes,
    pub media_type: String,
    pub digest: Digest,
}

/// `GET /v2/<path>/manifests/<tag-or-digest>`, accepting Docker and OCI manifests and indexes.
/// With `expected`, the content must hash to it.
pub(crate) async fn manifest(
    client: &Client,
    path: &str,
    tag_or_digest: &str,
    display: &str,
    expected: Option<&Digest>,
) -> Result<FetchedManifest, RegistryError> {
    let url = client.url(&format!("{path}/manifests/{tag_or_digest}"))?;
    let accept = [
        media_type::OCI_INDEX,
        media_type::DOCKER_MANIFEST_LIST,
        media_type::OCI_MANIFEST,
        media_type::DOCKER_MANIFEST,
    ]
    .join(", ");
    let target = Target::Manifest(display.to_string());
    let resp = client
        .send(&Request::get(Method::GET, url.clone()).header(ACCEPT, accept))
        .await?;
    let resp = client.check(resp, &target).await?;
    let header_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_MANIFEST_SIZE as u64)
    {
        return Err(RegistryError::InvalidDocument {
            what: format!("manifest {display}"),
            reason: format!("larger than the {MAX_MANIFEST_SIZE}-byte limit"),
        });
    }
    let bytes = read_limited(resp, MAX_MANIFEST_SIZE as u64, client, &url).await?;
    let digest = Digest::of(&bytes);
    if let Some(want) = expected {
        if *want != digest {
            return Err(RegistryError::DigestMismatch {
                what: format!("manifest {display}"),
                expected: want.clone(),
                actual: digest,
            });
        }
    }
    let media_type = sniff_media_type(header_type.as_deref(), &bytes);
    Ok(FetchedManifest {
        bytes,
        media_type,
        digest,
    })
}

/// The media type of a manifest: the body's own `mediaType` first (it is covered by the
/// digest), then the Content-Type header, then a guess from the shape for OCI documents that
/// omit both (`manifests` makes an index).
fn sniff_media_type(header: Option<&str>, body: &[u8]) -> String {
    let doc: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if let Some(mt) = doc
        .as_ref()
        .and_then(|d| d.get("mediaType"))
        .and_then(|m| m.as_str())
    {
        return mt.to_string();
    }
    match header {
        Some(h) if !h.is_empty() && h != "application/json" && h != "text/plain" => h.to_string(),
        _ => match doc.as_ref() {
            Some(d) if d.get("manifests").is_some() => media_type::OCI_INDEX.to_string(),
            Some(d) if d.get("config").is_some() => media_type::OCI_MANIFEST.to_string(),
            _ => header.unwrap_or("").to_string(),
        },
    }
}

/// Reads a whole body, refusing one longer than `limit`.
async fn read_limited(
    mut resp: reqwest::Response,
    limit: u64,
    client: &Client,
    url: &reqwest::Url,
) -> Result<Bytes, RegistryError> {
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if out.len() as u64 + c.len() as u64 > limit {
                    return Err(RegistryError::SizeMismatch {
                        what: format!("GET {url}"),
                        expected: limit,
                        actual: out.len() as u64 + c.len() as u64,
                    });
                }
                out.extend_from_slice(&c);
            }
            Ok(None) => return Ok(Bytes::from(out)),
            Err(e) => return Err(client.transport_error("GET", url, &e)),
        }
    }
}

/// Downloads a small blob (a config) into memory, verifying size and digest.
pub(crate) async fn small_blob(
    client: &Client,
    path: &str,
    repository: &str,
    desc: &Descriptor,
) -> Result<Bytes, RegistryError> {
    if desc.size > MAX_CONFIG_SIZE {
        return Err(RegistryError::InvalidDocument {
            what: format!("config {} of {repository}", desc.digest),
            reason: format!(
                "{} bytes is over the {MAX_CONFIG_SIZE}-byte limit",
                desc.size
            ),
        });
    }
    let url = client.url(&format!("{path}/blobs/{}", desc.digest))?;
    let target = Target::Blob {
        repository: repository.to_string(),
        digest: desc.digest.clone(),
    };
    let resp = client.send(&Request::get(Method::GET, url.clone())).await?;
    let resp = client.check(resp, &target).await?;
    let bytes = read_limited(resp, desc.size, client, &url).await?;
    let what = format!("config {} of {repository}", desc.digest);
    if bytes.len() as u64 != desc.size {
        return Err(RegistryError::SizeMismatch {
            what,
            expected: desc.size,
            actual: bytes.len() as u64,
        });
    }
    let actual = Digest::of(&bytes);
    if actual != desc.digest {
        return Err(RegistryError::DigestMismatch {
            what,
            expected: desc.digest.clone(),
            actual,
        });
    }
    Ok(bytes)
}

/// A layer download in progress: the store writer and how far it got.
struct Partial {
    writer: BlobWriter,
    written: u64,
}

/// Streams a layer into the store, resuming or restarting on transient failures, and commits
/// it once complete; the store checks the digest. On error nothing of the blob remains.
pub(crate) async fn layer(
    client: Arc<Client>,
    store: Store,
    path: String,
    repository: String,
    desc: Descriptor,
    progress: Arc<dyn Progress>,
) -> Result<(), RegistryError> {
    let policy = client.retry_policy();
    let target = Target::Blob {
        repository: repository.clone(),
        digest: desc.digest.clone(),
    };
    let url = client.url(&format!("{path}/blobs/{}", desc.digest))?;
    let mut partial: Option<Partial> = None;
    let mut attempt = 0u32;
    loop {
        let result = fetch_into(
            &client,
            &store,
            &url,
            &target,
            &desc,
            &mut partial,
            &*progress,
        )
        .await;
        match result {
            Ok(()) => break,
            Err(e) if e.is_transient() && attempt < policy.retries => {
                attempt += 1;
                tracing::debug!(
                    "layer {}: {e}; retry {attempt}/{}",
                    desc.digest,
                    policy.retries
                );
                progress.event(Event::Retrying {
                    digest: desc.digest.clone(),
                    attempt: attempt + 1,
                    error: e.to_string(),
                });
                tokio::time::sleep(policy.delay(attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
    let Some(p) = partial else {
        return Err(RegistryError::Client(format!(
            "layer {}: download finished without data",
            desc.digest
        )));
    };
    let what = format!("layer {} of {repository}", desc.digest);
    match tokio::task::block_in_place(|| p.writer.commit()) {
        Ok(_) => Ok(()),
        Err(StoreError::DigestMismatch { expected, actual }) => {
            Err(RegistryError::DigestMismatch {
                what,
                expected,
                actual,
            })
        }
        Err(StoreError::SizeMismatch {
            expected, actual, ..
        }) => Err(RegistryError::SizeMismatch {
            what,
            expected,
            actual,
        }),
        Err(e) => Err(e.into()),
    }
}

/// One attempt: GET (with `Range` when resuming), then stream the body into the writer.
async fn fetch_into(
    client: &Client,
    store: &Store,
    url: &reqwest::Url,
    target: &Target,
    desc: &Descriptor,
    partial: &mut Option<Partial>,
    progress: &dyn Progress,
) -> Result<(), RegistryError> {
    let resume_at = partial.as_ref().map_or(0, |p| p.written);
    let mut req = Request::get(Method::GET, url.clone());
    if resume_at > 0 {
        req = req.header(RANGE, format!("bytes={resume_at}-"));
    }
    let resp = client.send(&req).await?;
    let mut resp = client.check(resp, target).await?;
    let resumed = resume_at > 0
        && resp.status() == StatusCode::PARTIAL_CONTENT
        && resp
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(&format!("bytes {resume_at}-")));
    if !resumed {
        // A full body (or a range tug did not ask for): start over with a fresh temp file.
        *partial = None;
    }
    let p = match partial {
        Some(p) => p,
        None => partial.insert(Partial {
            writer: store.blob_writer(&desc.digest, Some(desc.size))?,
            written: 0,
        }),
    };
    let what = format!("layer {}", desc.digest);
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(client.transport_error("GET", url, &e)),
        };
        let total = p.written + chunk.len() as u64;
        if total > desc.size {
            return Err(RegistryError::SizeMismatch {
                what: format!("{what} of {}", target_repo(target)),
                expected: desc.size,
                actual: total,
            });
        }
        tokio::task::block_in_place(|| p.writer.write_all(&chunk))
            .map_err(|e| StoreError::io("write", store.root(), &what, e))?;
        p.written = total;
        progress.event(Event::Bytes {
            digest: desc.digest.clone(),
            done: p.written,
            total: desc.size,
        });
    }
    if p.written < desc.size {
        return Err(RegistryError::Transport {
            method: "GET".into(),
            url: url.to_string(),
            cause: format!(
                "connection closed after {} of {} bytes",
                p.written, desc.size
            ),
            hint: String::new(),
        });
    }
    Ok(())
}

fn target_repo(t: &Target) -> String {
    match t {
        Target::Blob { repository, .. } => repository.clone(),
        Target::Manifest(r) | Target::Other(r) => r.clone(),
    }
}

/// A readable description of a failed join (a panicked or cancelled download task).
pub(crate) fn join_error(e: tokio::task::JoinError) -> RegistryError {
    RegistryError::Client(format!("a transfer task failed: {}", root_cause(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_prefers_the_body_then_header_then_shape() {
        let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"#;
        assert_eq!(
            sniff_media_type(Some(media_type::OCI_MANIFEST), body),
            media_type::DOCKER_MANIFEST
        );
        let body = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert_eq!(
            sniff_media_type(Some(media_type::OCI_INDEX), body),
            media_type::OCI_INDEX
        );
        assert_eq!(
            sniff_media_type(Some("application/json"), body),
            media_type::OCI_INDEX
        );
        let body = br#"{"schemaVersion":2,"config":{}}"#;
        assert_eq!(sniff_media_type(None, body), media_type::OCI_MANIFEST);
    }
}

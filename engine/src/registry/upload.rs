//! Blob uploads (OCI distribution spec, "pushing blobs"): skip what the registry has, mount
//! from a sibling repository when possible, else upload monolithically (one PUT) or in PATCH
//! chunks for big blobs, which keeps memory bounded.

use super::client::{Client, Request, Target};
use super::error::RegistryError;
use super::progress::{Event, Progress};
use crate::digest::Digest;
use crate::image::Descriptor;
use crate::store::{Store, StoreError};
use bytes::Bytes;
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};
use std::io::{Read, Seek, SeekFrom};

/// How a blob got into the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Uploaded {
    /// The registry already had it.
    Existed,
    /// Mounted from another repository of the same registry.
    Mounted(String),
    /// Sent.
    Pushed,
}

/// One blob to push: where it goes and where it might be mounted from.
pub(crate) struct BlobPush<'a> {
    pub client: &'a Client,
    pub store: &'a Store,
    /// Repository path in the registry (`team/app`).
    pub path: &'a str,
    /// Full repository name for messages (`localhost:5000/team/app`).
    pub repository: &'a str,
    /// Repositories of the same registry that may hold the blob.
    pub mount_from: &'a [String],
    pub chunk_size: usize,
    pub progress: &'a dyn Progress,
}

impl BlobPush<'_> {
    /// Pushes one blob, retrying the whole upload on transient failures.
    pub async fn run(&self, desc: &Descriptor) -> Result<Uploaded, RegistryError> {
        let policy = self.client.retry_policy();
        let mut attempt = 0;
        loop {
            match self.once(desc).await {
                Err(e) if e.is_transient() && attempt < policy.retries => {
                    attempt += 1;
                    self.progress.event(Event::Retrying {
                        digest: desc.digest.clone(),
                        attempt: attempt + 1,
                        error: e.to_string(),
                    });
                    tokio::time::sleep(policy.delay(attempt)).await;
                }
                other => return other,
            }
        }
    }

    async fn once(&self, desc: &Descriptor) -> Result<Uploaded, RegistryError> {
        let d = &desc.digest;
        let target = Target::Blob {
            repository: self.repository.to_string(),
            digest: d.clone(),
        };
        if self.exists(d, &target).await? {
            return Ok(Uploaded::Existed);
        }
        let mut location = None;
        for from in self.mount_from {
            let mut url = self.client.url(&format!("{}/blobs/uploads/", self.path))?;
            url.query_pairs_mut()
                .append_pair("mount", &d.to_string())
                .append_pair("from", from);
            let resp = self.client.send(&post(url)).await?;
            match resp.status() {
                StatusCode::CREATED => return Ok(Uploaded::Mounted(from.clone())),
                // The registry could not mount and opened a normal upload instead.
                StatusCode::ACCEPTED => {
                    location = Some(self.client.resolve_location(&resp, &target)?);
                    break;
                }
                _ => {
                    let e = self.client.check(resp, &target).await.err();
                    tracing::debug!("mount of {d} from {from} refused: {e:?}");
                }
            }
        }
        let location = match location {
            Some(l) => l,
            None => self.start(&target).await?,
        };
        self.send_blob(desc, location, &target).await?;
        Ok(Uploaded::Pushed)
    }

    /// `HEAD /v2/<path>/blobs/<digest>`: 200 means the registry has it.
    async fn exists(&self, d: &Digest, target: &Target) -> Result<bool, RegistryError> {
        let url = self.client.url(&format!("{}/blobs/{d}", self.path))?;
        let resp = self.client.send(&Request::get(Method::HEAD, url)).await?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => self.client.check(resp, target).await.map(|_| false),
        }
    }

    /// `POST /v2/<path>/blobs/uploads/`: opens an upload session.
    async fn start(&self, target: &Target) -> Result<Url, RegistryError> {
        let url = self.client.url(&format!("{}/blobs/uploads/", self.path))?;
        let resp = self.client.send(&post(url)).await?;
        let resp = self.client.check(resp, target).await?;
        self.client.resolve_location(&resp, target)
    }

    /// Sends the content: one PUT for small blobs, PATCH chunks then an empty PUT for big ones.
    async fn send_blob(
        &self,
        desc: &Descriptor,
        mut location: Url,
        target: &Target,
    ) -> Result<(), RegistryError> {
        let d = &desc.digest;
        let mut file = self.store.open_blob(d)?;
        let chunk = self.chunk_size.max(1) as u64;
        let mut offset = 0u64;
        let last_body = if desc.size <= chunk {
            read_chunk(&mut file, self.store, d, 0, desc.size)?
        } else {
            while offset < desc.size {
                let len = chunk.min(desc.size - offset);
                let body = read_chunk(&mut file, self.store, d, offset, len)?;
                let req = Request {
                    method: Method::PATCH,
                    url: location.clone(),
                    headers: vec![
                        (CONTENT_TYPE, "application/octet-stream".into()),
                        (CONTENT_RANGE, format!("{}-{}", offset, offset + len - 1)),
                    ],
                    body: Some(body),
                    idempotent: false,
                };
                let resp = self.client.send(&req).await?;
                let resp = self.client.check(resp, target).await?;
                location = self.client.resolve_location(&resp, target)?;
                offset += len;
                self.progress.event(Event::Bytes {
                    digest: d.clone(),
                    done: offset,
                    total: desc.size,
                });
            }
            Bytes::new()
        };
        location
            .query_pairs_mut()
            .append_pair("digest", &d.to_string());
        let req = Request {
            method: Method::PUT,
            url: location,
            headers: vec![(CONTENT_TYPE, "application/octet-stream".into())],
            body: Some(last_body),
            idempotent: false,
        };
        let resp = self.client.send(&req).await?;
        self.client.check(resp, target).await?;
        self.progress.event(Event::Bytes {
            digest: d.clone(),
            done: desc.size,
            total: desc.size,
        });
        Ok(())
    }
}

fn post(url: Url) -> Request {
    Request {
        method: Method::POST,
        url,
        headers: Vec::new(),
        body: Some(Bytes::new()),
        idempotent: false,
    }
}

/// Reads `len` bytes at `offset` of a stored blob.
fn read_chunk(
    file: &mut std::fs::File,
    store: &Store,
    d: &Digest,
    offset: u64,
    len: u64,
) -> Result<Bytes, RegistryError> {
    let path = store.blob_path(d);
    let what = format!("blob {d}");
    tokio::task::block_in_place(|| {
        let mut buf = vec![0u8; len as usize];
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut buf)?;
        Ok::<_, std::io::Error>(Bytes::from(buf))
    })
    .map_err(|e| StoreError::io("read", &path, &what, e).into())
}

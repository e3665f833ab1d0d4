//! The one error type of the registry client.
//!
//! Every variant names what was being fetched or sent and from which registry, and keeps the
//! registry's own words (`MANIFEST_UNKNOWN: manifest unknown`), because "pull failed" alone
//! leaves the user guessing whether the tag, the credentials or the network is wrong.

use crate::digest::Digest;
use crate::image::Platform;
use crate::store::StoreError;
use std::path::PathBuf;

/// Everything that can go wrong talking to a registry or storing what it sent.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No TCP connection could be made (refused, unreachable, name not resolved): the registry
    /// is down or the address is wrong.
    #[error("cannot connect to registry {registry} at {address}: {cause}")]
    Unreachable {
        /// The registry as the reference names it (`localhost:5000`).
        registry: String,
        /// The URL that was tried last.
        address: String,
        /// The innermost cause (`connection refused`).
        cause: String,
    },
    /// The connection broke or timed out during a request.
    #[error("{method} {url}: {cause}{hint}")]
    Transport {
        /// The HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// The innermost cause.
        cause: String,
        /// A suggestion (`--insecure-registry`) or empty.
        hint: String,
    },
    /// TLS failed (bad certificate, or a plain-HTTP server): final, not retried.
    #[error("TLS handshake with {url} failed: {cause}{hint}")]
    Tls {
        /// The URL.
        url: String,
        /// The innermost cause.
        cause: String,
        /// A suggestion (`--insecure-registry`) or empty.
        hint: String,
    },
    /// 401: credentials are missing or wrong.
    #[error("unauthorized: {detail} (401 from {registry})")]
    Unauthorized {
        /// The registry.
        registry: String,
        /// What the registry said, or what tug concluded.
        detail: String,
    },
    /// 403: authenticated but not allowed.
    #[error("denied: {detail} (403 from {registry})")]
    Denied {
        /// The registry.
        registry: String,
        /// What the registry said.
        detail: String,
    },
    /// 404 on a manifest: the repository or tag does not exist.
    #[error("manifest for {reference} not found: {detail} (404)")]
    ManifestUnknown {
        /// The reference that was asked for.
        reference: String,
        /// What the registry said (`manifest unknown`).
        detail: String,
    },
    /// 404 on a blob the manifest lists.
    #[error("blob {digest} not found in {repository}: {detail} (404)")]
    BlobUnknown {
        /// The repository.
        repository: String,
        /// The blob.
        digest: Digest,
        /// What the registry said.
        detail: String,
    },
    /// Any other unexpected status (500, 502, 400, …).
    #[error("{what}: {status}{detail}")]
    Status {
        /// The request (`GET localhost:5000/x manifest 1`).
        what: String,
        /// Code and reason (`500 Internal Server Error`).
        status: String,
        /// `: ` and what the registry said, or empty.
        detail: String,
    },
    /// The server does not implement the registry v2 API.
    #[error("{registry} does not speak the registry v2 API: GET {url} returned {status}")]
    NotARegistry {
        /// The registry.
        registry: String,
        /// The ping URL.
        url: String,
        /// What came back.
        status: String,
    },
    /// The token server answered but not with a token.
    #[error("token server {realm} for {registry}: {detail}")]
    Token {
        /// The registry.
        registry: String,
        /// The realm URL.
        realm: String,
        /// What was wrong.
        detail: String,
    },
    /// A `WWW-Authenticate` header tug cannot use.
    #[error("registry {registry} asks for unsupported authentication: {header}")]
    UnsupportedAuth {
        /// The registry.
        registry: String,
        /// The header value.
        header: String,
    },
    /// Content does not hash to the digest it was announced with.
    #[error("{what}: digest mismatch: expected {expected}, content hashes to {actual}")]
    DigestMismatch {
        /// The manifest, config or layer.
        what: String,
        /// The announced digest.
        expected: Digest,
        /// What the bytes hash to.
        actual: Digest,
    },
    /// A blob longer or shorter than its descriptor says.
    #[error("{what}: size mismatch: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        /// The blob.
        what: String,
        /// The descriptor size.
        expected: u64,
        /// What arrived (at least).
        actual: u64,
    },
    /// A manifest media type tug does not handle (schema 1, artifacts, …).
    #[error("{reference}: unsupported manifest type {media_type:?}{hint}")]
    UnsupportedManifest {
        /// The reference.
        reference: String,
        /// The media type.
        media_type: String,
        /// A note (schema 1 is deprecated) or empty.
        hint: String,
    },
    /// A manifest, index or config that is not valid JSON of the expected shape.
    #[error("{what}: invalid document: {reason}")]
    InvalidDocument {
        /// The document.
        what: String,
        /// The parse error or inconsistency.
        reason: String,
    },
    /// No entry of an image index fits the wanted platform.
    #[error("no matching manifest for {wanted} in the manifest list entries of {reference} (available: {})", list_platforms(.available))]
    NoMatchingPlatform {
        /// The reference.
        reference: String,
        /// The platform asked for.
        wanted: Box<Platform>,
        /// The platforms the index offers.
        available: Vec<Platform>,
    },
    /// A single-platform image that is not for the platform given with `--platform`.
    #[error("image {reference} is for {found}, not the requested platform {wanted}")]
    PlatformMismatch {
        /// The reference.
        reference: String,
        /// The requested platform.
        wanted: Box<Platform>,
        /// The image's platform.
        found: Box<Platform>,
    },
    /// Pushing a name that is not in the local store.
    #[error("An image does not exist locally with the tag: {0}")]
    NoSuchLocalImage(String),
    /// A reference that cannot be pushed or pulled as written.
    #[error("invalid reference {reference}: {reason}")]
    BadReference {
        /// The reference.
        reference: String,
        /// Why.
        reason: String,
    },
    /// Reading or writing `~/.docker/config.json` or `$TUG_ROOT/config.json` failed.
    #[error("{op} {}: {cause}", path.display())]
    ConfigFile {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: String,
    },
    /// The tokio runtime for the transfer could not start.
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The HTTP client could not be set up (TLS roots, …).
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// The image store refused a blob or record (digest or size mismatch, full disk, …).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RegistryError {
    /// Whether trying the same request again may succeed: broken connections, timeouts, 5xx and
    /// 429. Wrong digests, 4xx and refused connections are final.
    pub fn is_transient(&self) -> bool {
        match self {
            RegistryError::Transport { .. } => true,
            RegistryError::Status { status, .. } => {
                status.starts_with('5') || status.starts_with("429")
            }
            _ => false,
        }
    }
}

fn list_platforms(ps: &[Platform]) -> String {
    if ps.is_empty() {
        return "none".to_string();
    }
    ps.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The innermost cause of an error chain, lower-cased the way Go prints network errors
/// (`connection refused`), without the `(os error 111)` suffix.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let s = cur.to_string();
    let s = match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_matching_platform_lists_what_is_there() {
        let e = RegistryError::NoMatchingPlatform {
            reference: "localhost:5000/x:1".into(),
            wanted: Box::new("linux/s390x".parse().unwrap()),
            available: vec![
                "linux/amd64".parse().unwrap(),
                "linux/arm64/v8".parse().unwrap(),
            ],
        };
        let s = e.to_string();
        assert!(s.contains("linux/s390x"), "{s}");
        assert!(s.contains("available: linux/amd64, linux/arm64/v8"), "{s}");
    }

    #[test]
    fn transient_errors_are_5xx_429_and_transport() {
        let status = |s: &str| RegistryError::Status {
            what: "GET x".into(),
            status: s.into(),
            detail: String::new(),
        };
        assert!(status("503 Service Unavailable").is_transient());
        assert!(status("429 Too Many Requests").is_transient());
        assert!(!status("400 Bad Request").is_transient());
        assert!(!RegistryError::Unauthorized {
            registry: "r".into(),
            detail: "d".into()
        }
        .is_transient());
    }

    #[test]
    fn root_cause_strips_os_error_suffix() {
        let io = std::io::Error::from_raw_os_error(111);
        let msg = root_cause(&io);
        assert_eq!(msg, "connection refused");
    }
}

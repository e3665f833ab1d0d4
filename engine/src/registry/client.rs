//! A session with one registry: the HTTP client, the scheme (HTTPS, or HTTP for insecure
//! registries), the authorisation, and requests with retries and precise errors.
//!
//! [`Client::connect`] pings `GET /v2/` first, as docker does: the answer tells whether the
//! registry speaks the v2 API, whether HTTPS works, and which credentials it wants (the
//! `WWW-Authenticate` challenge of a 401).

use super::auth::Auth;
use super::challenge;
use super::credentials::Credentials;
use super::error::{root_cause, RegistryError};
use super::options::{api_host, is_loopback, RegistryOptions, RetryPolicy};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode, Url};
use std::time::Duration;

/// What a request was for, so a failed status can be reported in the user's terms.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A manifest by tag or digest (`localhost:5000/x:1`).
    Manifest(String),
    /// A blob of a repository.
    Blob {
        repository: String,
        digest: crate::digest::Digest,
    },
    /// Anything else, described (`upload of sha256:… to localhost:5000/x`).
    Other(String),
}

impl Target {
    fn describe(&self) -> String {
        match self {
            Target::Manifest(r) => format!("manifest {r}"),
            Target::Blob { repository, digest } => format!("blob {digest} of {repository}"),
            Target::Other(s) => s.clone(),
        }
    }
}

/// One request: method, URL, extra headers and an optional body. `idempotent` requests are
/// retried on transient failures.
pub(crate) struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Option<Bytes>,
    pub idempotent: bool,
}

impl Request {
    /// A GET (or HEAD) of a URL, retried on transient failures.
    pub fn get(method: Method, url: Url) -> Request {
        Request {
            method,
            url,
            headers: Vec::new(),
            body: None,
            idempotent: true,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }
}

/// A connected, authorised session with one registry.
#[derive(Debug)]
pub(crate) struct Client {
    http: reqwest::Client,
    registry: String,
    base: Url,
    auth: Auth,
    retry: RetryPolicy,
    insecure: bool,
}

impl Client {
    /// Connects to `registry` (a reference domain such as `docker.io` or `localhost:5000`),
    /// learns its authentication scheme and obtains what it needs for `scopes`.
    pub async fn connect(
        opts: &RegistryOptions,
        registry: &str,
        creds: Option<Credentials>,
        scopes: Vec<String>,
    ) -> Result<Client, RegistryError> {
        // reqwest is built without a default crypto provider (to avoid aws-lc's C build);
        // installing ring process-wide is idempotent: Err only means one is already there.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let insecure = opts.is_insecure(registry);
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("tug/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(Duration::from_secs(120))
            .tls_danger_accept_invalid_certs(insecure);
        if is_loopback(registry) {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| RegistryError::Client(root_cause(&e)))?;
        let host = api_host(registry);
        let schemes: &[&str] = if insecure {
            &["https", "http"]
        } else {
            &["https"]
        };
        let mut last_err = None;
        for scheme in schemes {
            let base = Url::parse(&format!("{scheme}://{host}/")).map_err(|e| {
                RegistryError::BadReference {
                    reference: registry.to_string(),
                    reason: format!("not a valid registry host: {e}"),
                }
            })?;
            let ping = base
                .join("v2/")
                .map_err(|e| RegistryError::Client(e.to_string()))?;
            // With an HTTP fallback, a failed HTTPS ping moves on at once; otherwise transient
            // failures (resets, 5xx, 429) are retried like any request.
            let fallback = *scheme == "https" && schemes.len() > 1;
            let mut tries = 0u32;
            let resp = loop {
                let mut attempt = http.get(ping.clone());
                if fallback {
                    // A plain-HTTP server may never answer a TLS hello: don't wait long.
                    attempt = attempt.timeout(Duration::from_secs(10));
                }
                let retry_left = !fallback && tries < opts.retry.retries;
                match attempt.send().await {
                    Ok(r) => {
                        let s = r.status();
                        let busy = s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS;
                        if !(busy && retry_left) {
                            break Some(r);
                        }
                    }
                    Err(e) => {
                        tracing::debug!("ping {ping}: {e:?}");
                        let err = transport_error(registry, insecure, "GET", &ping, &e);
                        if !(err.is_transient() && retry_left) {
                            last_err = Some(err);
                            break None;
                        }
                    }
                }
                tries += 1;
                tokio::time::sleep(opts.retry.delay(tries)).await;
            };
            let Some(resp) = resp else { continue };
            let auth = ping_auth(registry, &ping, resp, creds.clone(), scopes.clone()).await?;
            let client = Client {
                http,
                registry: registry.to_string(),
                base,
                auth,
                retry: opts.retry,
                insecure,
            };
            client.verify_credentials(&ping).await?;
            tracing::debug!("connected to {registry} at {}", client.base);
            return Ok(client);
        }
        Err(last_err.unwrap_or_else(|| RegistryError::Client("no scheme to try".into())))
    }

    /// Makes sure the credentials are accepted right away, so a wrong password fails before
    /// any transfer starts: a token fetch for bearer, an authorised ping for basic.
    async fn verify_credentials(&self, ping: &Url) -> Result<(), RegistryError> {
        match &self.auth {
            Auth::Anonymous => Ok(()),
            Auth::Bearer(_) => self
                .auth
                .header(&self.http, &self.registry)
                .await
                .map(|_| ()),
            // Basic auth guards every endpoint: without credentials nothing will work.
            Auth::Basic(None) => Err(RegistryError::Unauthorized {
                registry: self.registry.clone(),
                detail: format!(
                    "authentication required; no credentials for {0} (run `tug login {0}`)",
                    self.registry
                ),
            }),
            Auth::Basic(Some(h)) => {
                let resp = self
                    .http
                    .get(ping.clone())
                    .header(AUTHORIZATION, h)
                    .send()
                    .await
                    .map_err(|e| transport_error(&self.registry, self.insecure, "GET", ping, &e))?;
                match resp.status() {
                    s if s.is_success() => Ok(()),
                    StatusCode::UNAUTHORIZED => Err(RegistryError::Unauthorized {
                        registry: self.registry.clone(),
                        detail: "incorrect username or password".into(),
                    }),
                    _ => Err(status_error(
                        &self.registry,
                        &Target::Other(format!("GET {ping}")),
                        true,
                        resp,
                    )
                    .await),
                }
            }
        }
    }

    /// How this session retries transient failures.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The registry domain this session talks to.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// `scheme://host/v2/<path>`.
    pub fn url(&self, path: &str) -> Result<Url, RegistryError> {
        self.base
            .join(&format!("v2/{path}"))
            .map_err(|e| RegistryError::BadReference {
                reference: path.to_string(),
                reason: e.to_string(),
            })
    }

    /// Resolves a `Location` header (often relative) against the registry.
    pub fn resolve_location(&self, resp: &Response, what: &Target) -> Result<Url, RegistryError> {
        let loc = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RegistryError::Status {
                what: what.describe(),
                status: resp.status().to_string(),
                detail: ": the registry sent no Location header".into(),
            })?;
        self.base.join(loc).map_err(|e| RegistryError::Status {
            what: what.describe(),
            status: resp.status().to_string(),
            detail: format!(": bad Location header {loc:?}: {e}"),
        })
    }

    /// Sends a request with authorisation, refreshing an expired token once and retrying
    /// transient failures (resets, timeouts, 5xx, 429) with back-off when the request is
    /// idempotent. Returns the response whatever its status; see [`Client::check`].
    pub async fn send(&self, req: &Request) -> Result<Response, RegistryError> {
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            let mut rb = self.http.request(req.method.clone(), req.url.clone());
            for (name, value) in &req.headers {
                rb = rb.header(name.clone(), value.as_str());
            }
            if let Some(h) = self.auth.header(&self.http, &self.registry).await? {
                rb = rb.header(AUTHORIZATION, h);
            }
            if let Some(body) = &req.body {
                rb = rb.body(body.clone());
            }
            let outcome = rb.send().await;
            let delay = match outcome {
                Err(e) => {
                    let err = transport_error(
                        &self.registry,
                        self.insecure,
                        req.method.as_str(),
                        &req.url,
                        &e,
                    );
                    if !(req.idempotent && err.is_transient() && attempt < self.retry.retries) {
                        return Err(err);
                    }
                    tracing::debug!("retrying after: {err}");
                    None
                }
                Ok(resp) => {
                    let status = resp.status();
                    if status == StatusCode::UNAUTHORIZED && !refreshed {
                        refreshed = true;
                        if self.auth.invalidate().await {
                            continue;
                        }
                    }
                    let retryable =
                        status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
                    if !(req.idempotent && retryable && attempt < self.retry.retries) {
                        return Ok(resp);
                    }
                    tracing::debug!("{} {}: {status}, retrying", req.method, req.url);
                    retry_after(resp.headers())
                }
            };
            attempt += 1;
            let wait = delay
                .unwrap_or_else(|| self.retry.delay(attempt))
                .min(self.retry.max_delay);
            tokio::time::sleep(wait).await;
        }
    }

    /// Turns a non-success response into the error that fits it.
    pub async fn check(&self, resp: Response, what: &Target) -> Result<Response, RegistryError> {
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(status_error(&self.registry, what, self.auth.has_credentials(), resp).await)
    }

    /// The error for a transport failure of a request this session made.
    pub fn transport_error(&self, method: &str, url: &Url, e: &reqwest::Error) -> RegistryError {
        transport_error(&self.registry, self.insecure, method, url, e)
    }
}

/// Reads the ping's answer: 200 means anonymous access, 401 carries the challenge.
async fn ping_auth(
    registry: &str,
    ping: &Url,
    resp: Response,
    creds: Option<Credentials>,
    scopes: Vec<String>,
) -> Result<Auth, RegistryError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(Auth::Anonymous);
    }
    if status == StatusCode::UNAUTHORIZED {
        let headers: Vec<String> = resp
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let joined = headers.join(", ");
        let challenges: Vec<_> = headers.iter().flat_map(|h| challenge::parse(h)).collect();
        return Auth::from_challenges(registry, &joined, &challenges, creds, scopes);
    }
    if status == StatusCode::NOT_FOUND {
        return Err(RegistryError::NotARegistry {
            registry: registry.to_string(),
            url: ping.to_string(),
            status: status.to_string(),
        });
    }
    Err(status_error(registry, &Target::Other(format!("GET {ping}")), false, resp).await)
}

/// `Retry-After` in seconds, if the server sent one.
fn retry_after(h: &HeaderMap) -> Option<Duration> {
    h.get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Classifies a transport error: refused or unresolvable connections mean the registry is
/// unreachable (final); anything else (reset, timeout, TLS) is reported with the URL and may
/// be retried.
pub(crate) fn transport_error(
    registry: &str,
    insecure: bool,
    method: &str,
    url: &Url,
    e: &reqwest::Error,
) -> RegistryError {
    let cause = root_cause(e);
    let io_kind = io_error_kind(e);
    let unreachable = e.is_connect()
        && (matches!(
            io_kind,
            Some(
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::AddrNotAvailable
            )
        ) || cause.contains("dns error")
            || cause.contains("failed to lookup address"));
    if unreachable {
        let address = format!(
            "{}://{}",
            url.scheme(),
            url.host_str()
                .map(|h| match url.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
                .unwrap_or_default()
        );
        return RegistryError::Unreachable {
            registry: registry.to_string(),
            address,
            cause,
        };
    }
    let tls = cause.contains("certificate")
        || cause.contains("InvalidContentType")
        || cause.contains("corrupt message")
        || cause.contains("tls")
        || cause.contains("TLS");
    let hint = if tls && url.scheme() == "https" && !insecure {
        format!(
            " (if {registry} serves plain HTTP or a self-signed certificate, list it in \
             `insecure-registries` of $TUG_ROOT/config.json or pass --insecure-registry {registry})"
        )
    } else {
        String::new()
    };
    if tls {
        return RegistryError::Tls {
            url: url.to_string(),
            cause,
            hint,
        };
    }
    RegistryError::Transport {
        method: method.to_string(),
        url: url.to_string(),
        cause,
        hint: String::new(),
    }
}

fn io_error_kind(e: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = err.source();
    }
    None
}

/// The error for a failed status, with the registry's own message from its JSON error body
/// (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`).
pub(crate) async fn status_error(
    registry: &str,
    what: &Target,
    had_credentials: bool,
    resp: Response,
) -> RegistryError {
    let status = resp.status();
    let body = resp.bytes().await.unwrap_or_default();
    let detail = registry_message(&body);
    match (status, what) {
        (StatusCode::UNAUTHORIZED, _) => {
            let said = detail.unwrap_or_else(|| "authentication required".to_string());
            let detail = if had_credentials {
                format!("{said}; the credentials for {registry} were refused")
            } else {
                format!(
                    "{said}; the repository does not exist or needs credentials \
                     (run `tug login {registry}`)"
                )
            };
            RegistryError::Unauthorized {
                registry: registry.to_string(),
                detail,
            }
        }
        (StatusCode::FORBIDDEN, _) => RegistryError::Denied {
            registry: registry.to_string(),
            detail: detail.unwrap_or_else(|| "requested access to the resource is denied".into()),
        },
        (StatusCode::NOT_FOUND, Target::Manifest(r)) => RegistryError::ManifestUnknown {
            reference: r.clone(),
            detail: detail.unwrap_or_else(|| "manifest unknown".into()),
        },
        (StatusCode::NOT_FOUND, Target::Blob { repository, digest }) => {
            RegistryError::BlobUnknown {
                repository: repository.clone(),
                digest: digest.clone(),
                detail: detail.unwrap_or_else(|| "blob unknown".into()),
            }
        }
        _ => RegistryError::Status {
            what: what.describe(),
            status: status.to_string(),
            detail: detail.map(|d| format!(": {d}")).unwrap_or_default(),
        },
    }
}

/// The messages of a registry error body, joined; a short plain-text body as is.
fn registry_message(body: &[u8]) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let msgs: Vec<String> = v
            .get("errors")
            .and_then(|e| e.as_array())
            .map(|errs| {
                errs.iter()
                    .filter_map(|e| {
                        let msg = e.get("message").and_then(|m| m.as_str());
                        let code = e.get("code").and_then(|c| c.as_str());
                        match (msg, code) {
                            (Some(m), _) if !m.is_empty() => Some(m.to_string()),
                            (_, Some(c)) => Some(c.to_ascii_lowercase().replace('_', " ")),
                            _ => None,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !msgs.is_empty() {
            return Some(msgs.join("; "));
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty() && text.len() <= 200 && !text.starts_with('<')).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn registry_messages_are_extracted() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#;
        assert_eq!(registry_message(body).as_deref(), Some("manifest unknown"));
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN"}]}"#;
        assert_eq!(registry_message(body).as_deref(), Some("name unknown"));
        assert_eq!(registry_message(b"oops\n").as_deref(), Some("oops"));
        assert_eq!(registry_message(b"<html>500</html>"), None);
        assert_eq!(registry_message(b""), None);
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut h = HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }
}

//! Settings every registry operation shares: which registries may use plain HTTP, where
//! credentials live, how many transfers run at once, and how hard to retry.
//!
//! Docker allows plain HTTP (and unverified TLS) only for registries on loopback addresses and
//! for those listed as `insecure-registries` in the daemon config; tug does the same with
//! `--insecure-registry` and the `insecure-registries` key of `$TUG_ROOT/config.json`.

use super::credentials::DockerConfig;
use super::error::RegistryError;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The API host of Docker Hub, which references call `docker.io`.
pub const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";

/// Options for pull, push and login.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Registries (`host[:port]`, or CIDR ranges of IP addresses) that may use HTTP or
    /// unverified TLS, besides the loopback ones.
    pub insecure_registries: Vec<String>,
    /// Docker's credentials file.
    pub docker_config: PathBuf,
    /// Layers downloaded at once (docker's default is 3).
    pub max_concurrent_downloads: usize,
    /// Blobs uploaded at once (docker's default is 5).
    pub max_concurrent_uploads: usize,
    /// Blobs up to this size are uploaded in one PUT; bigger ones in PATCH chunks of it.
    pub upload_chunk_size: usize,
    /// How often and how long to retry transient failures.
    pub retry: RetryPolicy,
}

/// Exponential back-off for transient failures (resets, timeouts, 5xx, 429).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub retries: u32,
    /// The first delay; each next one doubles.
    pub initial_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.initial_delay
            .saturating_mul(factor)
            .min(self.max_delay)
    }
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            retries: 4,
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl Default for RegistryOptions {
    fn default() -> RegistryOptions {
        RegistryOptions {
            insecure_registries: Vec::new(),
            docker_config: DockerConfig::default_path(),
            max_concurrent_downloads: 4,
            max_concurrent_uploads: 5,
            upload_chunk_size: 16 << 20,
            retry: RetryPolicy::default(),
        }
    }
}

impl RegistryOptions {
    /// Defaults plus the `insecure-registries` list of `$TUG_ROOT/config.json` (a missing
    /// file or key means none). Other keys of that file are not the registry's business.
    pub fn load(tug_root: &Path) -> Result<RegistryOptions, RegistryError> {
        let mut opts = RegistryOptions::default();
        let path = tug_root.join("config.json");
        let err = |cause: String| RegistryError::ConfigFile {
            op: "read",
            path: path.clone(),
            cause,
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(opts),
            Err(e) => return Err(err(e.to_string())),
        };
        let doc: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))?;
        match doc.get("insecure-registries") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Array(items)) => {
                for item in items {
                    let s = item.as_str().ok_or_else(|| {
                        err(format!("`insecure-registries` holds a non-string: {item}"))
                    })?;
                    opts.insecure_registries.push(s.to_string());
                }
            }
            Some(other) => {
                return Err(err(format!(
                    "`insecure-registries` must be a list of strings, not {other}"
                )))
            }
        }
        Ok(opts)
    }

    /// Whether a registry may be reached over plain HTTP or unverified TLS: loopback hosts,
    /// and the listed ones.
    pub fn is_insecure(&self, registry: &str) -> bool {
        if is_loopback(registry) {
            return true;
        }
        let host = host_part(registry);
        let ip = host.trim_matches(['[', ']']).parse::<IpAddr>().ok();
        self.insecure_registries.iter().any(|entry| {
            let entry = entry
                .trim()
                .trim_start_matches("http://")
                .trim_start_matches("https://")
                .trim_end_matches('/');
            if entry.eq_ignore_ascii_case(registry) || entry.eq_ignore_ascii_case(host) {
                return true;
            }
            match (ip, parse_cidr(entry)) {
                (Some(ip), Some((net, bits))) => in_cidr(ip, net, bits),
                _ => false,
            }
        })
    }
}

/// Whether a registry runs on this machine (`localhost`, `127.0.0.0/8`, `::1`): such
/// registries may use plain HTTP, and are never reached through a proxy.
pub fn is_loopback(registry: &str) -> bool {
    let host = host_part(registry);
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The API host for a registry domain (`docker.io` is served by `registry-1.docker.io`).
pub fn api_host(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" => DOCKER_HUB_API_HOST,
        other => other,
    }
}

/// `host` of `host:port`, keeping bracketed IPv6 literals whole.
fn host_part(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match registry.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => h,
        _ => registry,
    }
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u32)> {
    let (net, bits) = s.split_once('/')?;
    let net: IpAddr = net.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let max = if net.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((net, bits))
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_listed_registries_are_insecure() {
        let mut o = RegistryOptions::default();
        assert!(o.is_insecure("localhost:5000"));
        assert!(o.is_insecure("127.0.0.1:5000"));
        assert!(o.is_insecure("127.8.9.1"));
        assert!(o.is_insecure("[::1]:5000"));
        assert!(!o.is_insecure("docker.io"));
        assert!(!o.is_insecure("10.1.2.3:5000"));
        assert!(!o.is_insecure("localhost.evil.com"));
        o.insecure_registries = vec!["reg.lan:5000".into(), "10.0.0.0/8".into()];
        assert!(o.is_insecure("reg.lan:5000"));
        assert!(!o.is_insecure("reg.lan:5001"));
        assert!(o.is_insecure("10.1.2.3:5000"));
        assert!(!o.is_insecure("11.1.2.3:5000"));
    }

    #[test]
    fn load_reads_insecure_registries_and_rejects_bad_shapes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(RegistryOptions::load(dir.path())
            .unwrap()
            .insecure_registries
            .is_empty());
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"insecure-registries":["r.lan:5000"],"other":1}"#,
        )
        .unwrap();
        let o = RegistryOptions::load(dir.path()).unwrap();
        assert_eq!(o.insecure_registries, vec!["r.lan:5000".to_string()]);
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"insecure-registries":"r.lan"}"#,
        )
        .unwrap();
        let e = RegistryOptions::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("insecure-registries") && e.contains("config.json"),
            "{e}"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            retries: 10,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        assert_eq!(p.delay(1), Duration::from_millis(100));
        assert_eq!(p.delay(2), Duration::from_millis(200));
        assert_eq!(p.delay(3), Duration::from_millis(400));
        assert_eq!(p.delay(4), Duration::from_millis(500));
        assert_eq!(api_host("docker.io"), DOCKER_HUB_API_HOST);
    }
}

//! Image references (`nginx`, `localhost:5000/app:1`, `repo@sha256:…`) and docker's rules for
//! normalising them.
//!
//! Users type short names; the store and registries need full ones. Docker expands `nginx` to
//! `docker.io/library/nginx:latest`, treats a first component with a `.` or `:` (or `localhost`)
//! as a registry host, and refuses upper-case repository names. tug must agree with docker on
//! every one of these rules, or the same compose file would name different images.

use crate::digest::{Digest, DigestError};
use std::fmt;
use std::str::FromStr;

/// The registry an unqualified name belongs to.
pub const DEFAULT_DOMAIN: &str = "docker.io";
/// The legacy spelling of the Docker Hub domain, normalised to [`DEFAULT_DOMAIN`].
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// The namespace of official images on Docker Hub (`nginx` is `library/nginx`).
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag used when a reference names neither a tag nor a digest.
pub const DEFAULT_TAG: &str = "latest";
/// Docker's limit on the length of a repository name (domain and path).
const NAME_TOTAL_LENGTH_MAX: usize = 255;
/// Docker's limit on the length of a tag.
const TAG_LENGTH_MAX: usize = 128;

/// A fully normalised image reference: registry domain, repository path, and a tag and/or a
/// digest. `Reference::parse("nginx")` is `docker.io/library/nginx:latest`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

/// Why a string is not a valid image reference. Each variant names the offending input.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReferenceError {
    /// The empty string.
    #[error("invalid reference format: repository name must not be empty")]
    Empty,
    /// Upper-case letters in the repository path, which docker forbids.
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    Uppercase(String),
    /// A 64-character hex string, which would be mistaken for an image id.
    #[error("invalid repository name ({0}), cannot specify 64-byte hexadecimal strings")]
    LooksLikeId(String),
    /// The name, domain or tag does not follow the grammar.
    #[error("invalid reference format: {0:?}")]
    Format(String),
    /// The repository name (domain and path) is longer than 255 characters.
    #[error(
        "invalid reference format: repository name {0:?} must not be more than 255 characters"
    )]
    NameTooLong(String),
    /// The digest after `@` is malformed or uses an unsupported algorithm.
    #[error("invalid reference format: {0}")]
    Digest(#[from] DigestError),
}

impl Reference {
    /// Parses and normalises a reference the way `docker pull` does. A reference with neither
    /// tag nor digest gets the tag `latest`.
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        if s.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ReferenceError::LooksLikeId(s.to_string()));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((rest, d)) => (rest, Some(d.parse::<Digest>()?)),
            None => (s, None),
        };
        // A tag follows the last ':' that comes after the last '/', so `host:5000/x` keeps
        // its port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&rest[..at], Some(rest[at + 1..].to_string()))
            }
            None => (rest, None),
        };
        if let Some(t) = &tag {
            if !valid_tag(t) {
                return Err(ReferenceError::Format(s.to_string()));
            }
        }
        let (domain, path) = split_domain(name);
        if !valid_domain(&domain) {
            return Err(ReferenceError::Format(s.to_string()));
        }
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ReferenceError::Uppercase(name.to_string()));
        }
        if !path.split('/').all(valid_path_component) {
            return Err(ReferenceError::Format(s.to_string()));
        }
        if domain.len() + 1 + path.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(ReferenceError::NameTooLong(name.to_string()));
        }
        let tag = match (tag, &digest) {
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (tag, _) => tag,
        };
        Ok(Reference {
            domain,
            path,
            tag,
            digest,
        })
    }

    /// The registry host, with its port if any (`docker.io`, `localhost:5000`).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path inside the registry (`library/nginx`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tag, if the reference has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, if the reference pins one.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// The full repository name without tag or digest (`docker.io/library/nginx`).
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The repository name as docker prints it: `docker.io/` and `library/` dropped
    /// (`nginx`, `someone/app`, `localhost:5000/x`).
    pub fn familiar_repository(&self) -> String {
        if self.domain != DEFAULT_DOMAIN {
            return self.repository();
        }
        match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(short) if !short.contains('/') => short.to_string(),
            _ => self.path.clone(),
        }
    }

    /// The whole reference as docker prints it (`nginx:latest`, `nginx@sha256:…`).
    pub fn familiar(&self) -> String {
        let mut s = self.familiar_repository();
        self.push_suffix(&mut s);
        s
    }

    /// The canonical `repository@digest` form that docker records in `RepoDigests`. The tag
    /// is dropped, because a digest names content regardless of tag.
    pub fn with_digest(&self, d: Digest) -> Reference {
        Reference {
            domain: self.domain.clone(),
            path: self.path.clone(),
            tag: None,
            digest: Some(d),
        }
    }

    /// The same repository with another tag and no digest (as `docker tag` creates).
    pub fn with_tag(&self, tag: &str) -> Result<Reference, ReferenceError> {
        if !valid_tag(tag) {
            return Err(ReferenceError::Format(format!(
                "{}:{tag}",
                self.repository()
            )));
        }
        Ok(Reference {
            domain: self.domain.clone(),
            path: self.path.clone(),
            tag: Some(tag.to_string()),
            digest: None,
        })
    }

    fn push_suffix(&self, s: &mut String) {
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(&d.to_string());
        }
    }
}

/// Splits a name into registry domain and path, applying docker's normalisation.
fn split_domain(name: &str) -> (String, String) {
    let (mut domain, mut path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    };
    if domain == LEGACY_DEFAULT_DOMAIN {
        domain = DEFAULT_DOMAIN.to_string();
    }
    if domain == DEFAULT_DOMAIN && !path.contains('/') {
        path = format!("{OFFICIAL_REPO_PREFIX}{path}");
    }
    (domain, path)
}

/// `[a-z0-9]+` separated by `.`, `_`, `__` or runs of `-`, as docker's path grammar says.
fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// A host name (or `[ipv6]`) with an optional numeric port.
fn valid_domain(d: &str) -> bool {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        let Some((ip, after)) = rest.split_once(']') else {
            return false;
        };
        if ip.is_empty() || !ip.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => ("ipv6", Some(port)),
                None => return false,
            },
        }
    } else {
        match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    host.split('.').all(|c| {
        let b = c.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
    })
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= TAG_LENGTH_MAX
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'.' | b'-'))
}

impl fmt::Display for Reference {
    /// The full form: `docker.io/library/nginx:latest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = self.repository();
        self.push_suffix(&mut s);
        f.write_str(&s)
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Reference, ReferenceError> {
        Reference::parse(s)
    }
}

impl serde::Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Reference {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Reference, D::Error> {
        let s = String::deserialize(d)?;
        Reference::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn normalisation_table() {
        let cases = [
            ("nginx", "docker.io/library/nginx:latest", "nginx:latest"),
            (
                "library/nginx",
                "docker.io/library/nginx:latest",
                "nginx:latest",
            ),
            (
                "docker.io/nginx",
                "docker.io/library/nginx:latest",
                "nginx:latest",
            ),
            (
                "index.docker.io/nginx:1",
                "docker.io/library/nginx:1",
                "nginx:1",
            ),
            (
                "someone/app:v2",
                "docker.io/someone/app:v2",
                "someone/app:v2",
            ),
            (
                "docker.io/library/a/b",
                "docker.io/library/a/b:latest",
                "library/a/b:latest",
            ),
            ("localhost/x", "localhost/x:latest", "localhost/x:latest"),
            (
                "localhost:5000/x",
                "localhost:5000/x:latest",
                "localhost:5000/x:latest",
            ),
            ("host:5000/a/b:t", "host:5000/a/b:t", "host:5000/a/b:t"),
            (
                "ghcr.io/o/r:1.2-rc_3",
                "ghcr.io/o/r:1.2-rc_3",
                "ghcr.io/o/r:1.2-rc_3",
            ),
            ("[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000/x:latest"),
            (
                "a/b__c-d--e.f",
                "docker.io/a/b__c-d--e.f:latest",
                "a/b__c-d--e.f:latest",
            ),
            ("Host/x", "Host/x:latest", "Host/x:latest"),
        ];
        for (input, full, familiar) in cases {
            let r = Reference::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(r.to_string(), full, "full form of {input}");
            assert_eq!(r.familiar(), familiar, "familiar form of {input}");
        }
    }

    #[test]
    fn digests_and_tags() {
        let r = Reference::parse(&format!("x@sha256:{HEX}")).unwrap();
        assert_eq!(r.tag(), None);
        assert_eq!(r.digest().map(|d| d.hex()), Some(HEX));
        assert_eq!(r.to_string(), format!("docker.io/library/x@sha256:{HEX}"));
        assert_eq!(r.familiar(), format!("x@sha256:{HEX}"));

        let both = Reference::parse(&format!("localhost:5000/x:1@sha256:{HEX}")).unwrap();
        assert_eq!(both.tag(), Some("1"));
        assert_eq!(both.digest().map(|d| d.hex()), Some(HEX));
        let canonical = both.with_digest(Digest::of(b""));
        assert_eq!(canonical.tag(), None);
        assert_eq!(
            canonical.to_string(),
            format!("localhost:5000/x@sha256:{HEX}")
        );

        let nginx = Reference::parse("nginx").unwrap();
        assert_eq!(nginx.domain(), "docker.io");
        assert_eq!(nginx.path(), "library/nginx");
        assert_eq!(nginx.repository(), "docker.io/library/nginx");
        assert_eq!(nginx.familiar_repository(), "nginx");
        assert_eq!(nginx.with_tag("1.25").unwrap().familiar(), "nginx:1.25");
        assert!(nginx.with_tag("-bad").is_err());
    }

    #[test]
    fn invalid_references_are_refused() {
        assert_eq!(Reference::parse(""), Err(ReferenceError::Empty));
        assert!(matches!(
            Reference::parse("Nginx"),
            Err(ReferenceError::Uppercase(_))
        ));
        assert!(matches!(
            Reference::parse("docker.io/Library/nginx"),
            Err(ReferenceError::Uppercase(_))
        ));
        assert!(matches!(
            Reference::parse(HEX),
            Err(ReferenceError::LooksLikeId(_))
        ));
        assert!(matches!(
            Reference::parse("x@sha256:abc"),
            Err(ReferenceError::Digest(_))
        ));
        for bad in [
            "nginx:",
            "nginx:-x",
            "a//b",
            "-a",
            "a-",
            "a..b",
            "a___b",
            "a_b.c/x",
            "host:port/x",
            "x:a b",
            ":tag",
            "/x",
            "x/",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad} should be refused");
        }
        let long = format!("x/{}", "a".repeat(260));
        assert!(matches!(
            Reference::parse(&long),
            Err(ReferenceError::NameTooLong(_))
        ));
        let long_tag = format!("x:{}", "t".repeat(129));
        assert!(Reference::parse(&long_tag).is_err());
    }

    #[test]
    fn serde_round_trip_uses_the_full_form() {
        let r = Reference::parse("localhost:5000/x:1").unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"localhost:5000/x:1\"");
        let back: Reference = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        assert!(serde_json::from_str::<Reference>("\"UPPER\"").is_err());
    }
}

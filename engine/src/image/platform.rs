//! Platforms (`linux/amd64`, `linux/arm64/v8`): which entry of a multi-platform index an
//! image runs on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The platform fields of an index entry or image config, as the OCI spec names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// CPU architecture in Go's naming (`amd64`, `arm64`, `arm`, `386`, …).
    pub architecture: String,
    /// Operating system (`linux`).
    pub os: String,
    /// CPU variant (`v7`, `v8`), when the architecture has several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// OS version (Windows only in practice).
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
    /// Required OS features (Windows only in practice).
    #[serde(
        rename = "os.features",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_features: Option<Vec<String>>,
}

/// Why a `--platform` value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlatformError {
    /// Not `os/arch[/variant]`.
    #[error("invalid platform {0:?}: expected os/arch[/variant], e.g. linux/amd64")]
    Format(String),
}

impl Platform {
    /// The platform of the machine tug runs on, in Go's naming.
    pub fn host() -> Platform {
        let arch = go_arch(std::env::consts::ARCH);
        let variant = match arch.as_str() {
            "arm64" => Some("v8".to_string()),
            "arm" => Some("v7".to_string()),
            _ => None,
        };
        Platform {
            architecture: arch,
            os: std::env::consts::OS.to_string(),
            variant,
            ..Platform::default()
        }
    }

    /// Whether an index entry for `self` can serve a request for `wanted`: same os and
    /// architecture, and the same variant once defaults (`arm64` is `v8`) are filled in. A
    /// request without a variant accepts any.
    pub fn matches(&self, wanted: &Platform) -> bool {
        if self.os != wanted.os || go_arch(&self.architecture) != go_arch(&wanted.architecture) {
            return false;
        }
        match (&wanted.variant, default_variant(self)) {
            (None, _) => true,
            (Some(w), Some(have)) => *w == have,
            (Some(_), None) => false,
        }
    }
}

fn default_variant(p: &Platform) -> Option<String> {
    p.variant
        .clone()
        .or(match go_arch(&p.architecture).as_str() {
            "arm64" => Some("v8".to_string()),
            _ => None,
        })
}

/// Maps Rust/uname architecture names to Go's, which registries use.
fn go_arch(arch: &str) -> String {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "x86" | "i386" | "i686" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
    .to_string()
}

impl FromStr for Platform {
    type Err = PlatformError;

    /// Parses `os/arch[/variant]` as `--platform` takes it.
    fn from_str(s: &str) -> Result<Platform, PlatformError> {
        let parts: Vec<&str> = s.split('/').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
            return Err(PlatformError::Format(s.to_string()));
        }
        Ok(Platform {
            os: parts[0].to_ascii_lowercase(),
            architecture: go_arch(&parts[1].to_ascii_lowercase()),
            variant: parts.get(2).map(|v| v.to_ascii_lowercase()),
            ..Platform::default()
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_match() {
        let want: Platform = "linux/arm64".parse().unwrap();
        let entry: Platform = "linux/arm64/v8".parse().unwrap();
        assert!(entry.matches(&want));
        let want_v8: Platform = "linux/aarch64/v8".parse().unwrap();
        let entry_bare: Platform = "linux/arm64".parse().unwrap();
        assert!(entry_bare.matches(&want_v8));
        let arm7: Platform = "linux/arm/v7".parse().unwrap();
        assert!(!arm7.matches(&"linux/arm/v6".parse().unwrap()));
        assert!(!entry.matches(&"linux/amd64".parse().unwrap()));
        assert!("linux".parse::<Platform>().is_err());
        assert!("linux//v7".parse::<Platform>().is_err());
        assert_eq!(arm7.to_string(), "linux/arm/v7");
        assert_eq!(Platform::host().os, "linux");
    }
}

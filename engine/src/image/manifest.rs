//! Manifests (one image: a config and its layers) and indexes (one manifest per platform),
//! in the Docker schema2 and OCI shapes, which differ only in media types.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::media_type;
use super::platform::Platform;
use crate::digest::Digest;

/// A pointer to a blob: its media type, digest and size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// What the blob is.
    pub media_type: String,
    /// Its content address.
    pub digest: Digest,
    /// Its length in bytes.
    pub size: u64,
    /// Alternative download locations (foreign layers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    /// Free annotations (`org.opencontainers.image.ref.name` in layouts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// The platform, for entries of an index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

impl Descriptor {
    /// A descriptor with just the three required fields.
    pub fn new(media_type: &str, digest: Digest, size: u64) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest,
            size,
            urls: None,
            annotations: None,
            platform: None,
        }
    }
}

/// A single-platform image manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    /// Always 2.
    pub schema_version: u32,
    /// The manifest's own media type (optional in OCI, required by docker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The image config blob.
    pub config: Descriptor,
    /// The layer blobs, bottom first.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// Free annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A multi-platform index (OCI) or manifest list (Docker).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    /// Always 2.
    pub schema_version: u32,
    /// The index's own media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// One entry per manifest.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Free annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

impl ImageIndex {
    /// The first entry that is a single-image manifest for `platform`, as docker picks.
    pub fn select(&self, platform: &Platform) -> Option<&Descriptor> {
        self.manifests.iter().find(|d| {
            media_type::is_manifest(&d.media_type)
                && d.platform.as_ref().is_some_and(|p| p.matches(platform))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_selects_the_platform() {
        let json = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
          "manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,
             "digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
             "platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":2,
             "digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
             "platform":{"architecture":"amd64","os":"linux"}}]}"#;
        let idx: ImageIndex = serde_json::from_str(json).unwrap();
        let amd = idx.select(&"linux/amd64".parse().unwrap()).unwrap();
        assert_eq!(amd.size, 2);
        let arm = idx.select(&"linux/arm64".parse().unwrap()).unwrap();
        assert_eq!(arm.size, 1);
        assert!(idx.select(&"linux/s390x".parse().unwrap()).is_none());
    }
}

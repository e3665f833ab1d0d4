//! Small test images: each layer a gzip tar of a few generated files, a config naming their
//! diff_ids, and a manifest. They can be written as an OCI layout (for skopeo) or put into a
//! tug store directly (for tug push).

use engine::image::{media_type, Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform};
use engine::store::{ImageRecord, LayerRecord, Store};
use engine::Digest;
use std::io::Write;
use std::path::Path;

/// One blob: its bytes and descriptor.
#[derive(Clone)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub desc: Descriptor,
}

impl Blob {
    fn new(media_type: &str, bytes: Vec<u8>) -> Blob {
        let desc = Descriptor::new(media_type, Digest::of(&bytes), bytes.len() as u64);
        Blob { bytes, desc }
    }
}

/// A built image.
#[derive(Clone)]
pub struct TestImage {
    pub layers: Vec<Blob>,
    pub diff_ids: Vec<Digest>,
    pub config: Blob,
    pub manifest: Blob,
}

/// Builds an image of `layers` layers, each holding `files` files of `file_size` bytes whose
/// content depends on `seed`, for `platform` (`linux/amd64`).
pub fn build(
    seed: &str,
    layers: usize,
    files: usize,
    file_size: usize,
    platform: &str,
) -> TestImage {
    let platform: Platform = platform.parse().expect("platform");
    let mut blobs = Vec::new();
    let mut diff_ids = Vec::new();
    for l in 0..layers {
        let mut tar = tar::Builder::new(Vec::new());
        for f in 0..files {
            let content = pseudo_random(&format!("{seed}/{l}/{f}"), file_size);
            let mut h = tar::Header::new_gnu();
            h.set_size(content.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(1_700_000_000);
            h.set_cksum();
            tar.append_data(&mut h, format!("layer{l}/file{f}.bin"), content.as_slice())
                .expect("append tar entry");
        }
        let raw = tar.into_inner().expect("finish tar");
        diff_ids.push(Digest::of(&raw));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).expect("gzip");
        blobs.push(Blob::new(
            media_type::OCI_LAYER_GZIP,
            gz.finish().expect("gzip finish"),
        ));
    }
    let config = serde_json::json!({
        "created": "2024-01-01T00:00:00Z",
        "architecture": platform.architecture,
        "os": platform.os,
        "variant": platform.variant,
        "config": {"Cmd": ["/bin/sh"], "Env": [format!("SEED={seed}")]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": format!("test image {seed}")}],
    });
    let config = Blob::new(
        media_type::OCI_CONFIG,
        serde_json::to_vec(&config).expect("config json"),
    );
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_string()),
        config: config.desc.clone(),
        layers: blobs.iter().map(|b| b.desc.clone()).collect(),
        annotations: None,
    };
    let manifest = Blob::new(
        media_type::OCI_MANIFEST,
        serde_json::to_vec(&manifest).expect("manifest json"),
    );
    TestImage {
        layers: blobs,
        diff_ids,
        config,
        manifest,
    }
}

/// Deterministic bytes that gzip cannot shrink much (so sizes mean something).
pub fn pseudo_random(seed: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block = Digest::of(seed.as_bytes()).hex().as_bytes().to_vec();
    while out.len() < len {
        let d = Digest::of(&block);
        let hex = d.hex().as_bytes();
        let raw: Vec<u8> = hex
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap_or("00"), 16).unwrap_or(0))
            .collect();
        out.extend_from_slice(&raw);
        block = hex.to_vec();
    }
    out.truncate(len);
    out
}

/// Writes an OCI image layout at `dir` whose `index.json` names `images` under `tag`. With one
/// image the tag points at its manifest; with several, at an image index of them (each
/// manifest labelled with its config's platform).
pub fn write_oci_layout(dir: &Path, tag: &str, images: &[(&TestImage, &str)]) -> Option<Blob> {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("layout dir");
    let put = |b: &Blob| {
        std::fs::write(blobs.join(b.desc.digest.hex()), &b.bytes).expect("write blob");
    };
    for (img, _) in images {
        img.layers.iter().for_each(put);
        put(&img.config);
        put(&img.manifest);
    }
    let (top, index_blob) = if images.len() == 1 {
        (images[0].0.manifest.desc.clone(), None)
    } else {
        let index = ImageIndex {
            schema_version: 2,
            media_type: Some(media_type::OCI_INDEX.to_string()),
            manifests: images
                .iter()
                .map(|(img, platform)| {
                    let mut d = img.manifest.desc.clone();
                    d.platform = Some(platform.parse().expect("platform"));
                    d
                })
                .collect(),
            annotations: None,
        };
        let blob = Blob::new(
            media_type::OCI_INDEX,
            serde_json::to_vec(&index).expect("index json"),
        );
        put(&blob);
        (blob.desc.clone(), Some(blob))
    };
    let mut top = top;
    top.annotations = Some(
        [(
            "org.opencontainers.image.ref.name".to_string(),
            tag.to_string(),
        )]
        .into_iter()
        .collect(),
    );
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [top]});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).expect("json"),
    )
    .expect("index.json");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("oci-layout");
    index_blob
}

/// Puts an image straight into a tug store under `tag` (what `tug import` or a build would
/// leave), without a registry.
pub fn put_in_store(store: &Store, img: &TestImage, tag: &str) -> ImageRecord {
    let write = |b: &Blob| {
        store
            .write_blob(
                Some(&b.desc.digest),
                Some(b.desc.size),
                &mut b.bytes.as_slice(),
            )
            .expect("write blob");
    };
    img.layers.iter().for_each(write);
    write(&img.config);
    write(&img.manifest);
    let config: ImageConfig = serde_json::from_slice(&img.config.bytes).expect("config");
    let record = ImageRecord {
        id: img.config.desc.digest.clone(),
        manifest_digest: Some(img.manifest.desc.digest.clone()),
        manifest_media_type: media_type::OCI_MANIFEST.to_string(),
        created: config.created.clone(),
        config,
        layers: img
            .layers
            .iter()
            .zip(&img.diff_ids)
            .map(|(b, diff)| LayerRecord {
                digest: b.desc.digest.clone(),
                media_type: b.desc.media_type.clone(),
                size: b.desc.size,
                diff_id: diff.clone(),
            })
            .collect(),
        repo_tags: vec![engine::reference::Reference::parse(tag).expect("tag")],
        repo_digests: Vec::new(),
    };
    store.put_image(&record).expect("put image");
    record
}

//! From the content store to unpacked layers: `ensure_image_layers` reads an image's blobs
//! (gzip, zstd and plain) from the store and unpacks each once.

mod layer_common;

use engine::image::media_type;
use engine::image::ImageConfig;
use engine::layer::{chain_ids, ensure_image_layers};
use engine::store::{ImageRecord, LayerRecord, Store};
use engine::Digest;
use layer_common::{gzip, zstd, Opts, TarBuf};
use std::fs;
use std::io::Cursor;

fn record(store: &Store, blobs: &[(Vec<u8>, Vec<u8>, &str)]) -> ImageRecord {
    let layers = blobs
        .iter()
        .map(|(tar, blob, mt)| {
            let (digest, size) = store
                .write_blob(None, None, &mut Cursor::new(blob.clone()))
                .unwrap();
            LayerRecord {
                digest,
                media_type: mt.to_string(),
                size,
                diff_id: Digest::of(tar),
            }
        })
        .collect();
    ImageRecord {
        id: Digest::of(b"config"),
        manifest_digest: None,
        manifest_media_type: media_type::OCI_MANIFEST.to_string(),
        config: ImageConfig::default(),
        layers,
        repo_tags: Vec::new(),
        repo_digests: Vec::new(),
        created: None,
    }
}

fn tar_with(name: &str) -> Vec<u8> {
    TarBuf::new()
        .file(name, name.as_bytes(), Opts::default())
        .finish()
}

#[test]
fn an_images_layers_are_unpacked_from_the_store_in_order() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::open(root.path()).unwrap();
    let (a, b, c) = (tar_with("a"), tar_with("b"), tar_with("c"));
    let image = record(
        &store,
        &[
            (a.clone(), gzip(&a), media_type::OCI_LAYER_GZIP),
            (b.clone(), zstd(&b), media_type::OCI_LAYER_ZSTD),
            (c.clone(), c.clone(), media_type::OCI_LAYER_TAR),
        ],
    );
    let layers = ensure_image_layers(&store, &image).unwrap();
    let chains = chain_ids(&[Digest::of(&a), Digest::of(&b), Digest::of(&c)]);
    assert_eq!(
        layers
            .iter()
            .map(|l| l.chain_id.clone())
            .collect::<Vec<_>>(),
        chains
    );
    for (layer, name) in layers.iter().zip(["a", "b", "c"]) {
        assert_eq!(
            fs::read(layer.diff_dir.join(name)).unwrap(),
            name.as_bytes()
        );
    }
    // Second time: the same layers, even with the blobs gone from the store.
    for l in &image.layers {
        fs::remove_file(store.blob_path(&l.digest)).unwrap();
    }
    assert_eq!(ensure_image_layers(&store, &image).unwrap(), layers);
}

#[test]
fn a_missing_blob_is_named() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::open(root.path()).unwrap();
    let a = tar_with("a");
    let image = record(&store, &[(a.clone(), gzip(&a), media_type::OCI_LAYER_GZIP)]);
    let blob = image.layers[0].digest.clone();
    fs::remove_file(store.blob_path(&blob)).unwrap();
    let err = ensure_image_layers(&store, &image).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&format!("open blob {blob}")), "{text}");
}

#[test]
fn a_layer_whose_tar_is_not_its_diff_id_fails_and_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::open(root.path()).unwrap();
    let (a, b) = (tar_with("a"), tar_with("b"));
    // The record claims `a` but the blob holds `b`.
    let image = record(&store, &[(a.clone(), gzip(&b), media_type::OCI_LAYER_GZIP)]);
    let err = ensure_image_layers(&store, &image).unwrap_err();
    assert!(err.to_string().contains("diff_id mismatch"), "{err}");
    let layers_dir = root.path().join("image/layers");
    assert_eq!(fs::read_dir(layers_dir).unwrap().count(), 0);
}

//! tug against a real registry (Debian's docker-registry) and an independent client (skopeo):
//! images pushed by one are pulled by the other, byte for byte.

mod registry_harness;

use engine::reference::Reference;
use engine::registry::{self, Event};
use engine::store::Store;
use registry_harness::{image, options, skopeo, store_temp_files, Recorder, Registry};
use std::sync::Arc;

#[test]
fn skopeo_push_then_tug_pull_stores_a_verified_image() {
    let reg = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let img = image::build("skopeo-to-tug", 3, 4, 64 << 10, "linux/amd64");
    let layout = work.path().join("layout");
    image::write_oci_layout(&layout, "v1", &[(&img, "linux/amd64")]);
    let dest = format!("docker://{}/team/app:v1", reg.addr);
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:v1", layout.display()),
        &dest,
    ]);

    let root = work.path().join("root");
    let store = Store::open(&root).unwrap();
    let reference = Reference::parse(&format!("{}/team/app:v1", reg.addr)).unwrap();
    let rec = Recorder::default();
    let out = registry::pull(
        &store,
        &reference,
        None,
        &options(work.path()),
        Arc::new(rec.clone()),
    )
    .unwrap();

    assert_eq!(out.image_id, img.config.desc.digest);
    assert_eq!(out.downloaded_layers, 3);
    assert!(!out.up_to_date);
    // skopeo may rewrite the manifest (it keeps OCI here), but the config and layers are the
    // same blobs, and the record points at them with the right diff_ids.
    let record = store.resolve(&reference.to_string()).unwrap();
    assert_eq!(record.id, img.config.desc.digest);
    let layer_digests: Vec<_> = record.layers.iter().map(|l| l.digest.clone()).collect();
    let want: Vec<_> = img.layers.iter().map(|b| b.desc.digest.clone()).collect();
    assert_eq!(layer_digests, want);
    let diff_ids: Vec<_> = record.layers.iter().map(|l| l.diff_id.clone()).collect();
    assert_eq!(diff_ids, img.diff_ids);
    for l in &img.layers {
        assert_eq!(store.read_blob(&l.desc.digest).unwrap(), l.bytes);
    }
    assert_eq!(
        record.repo_digests,
        vec![reference.with_digest(out.digest.clone())]
    );
    assert!(store.has_blob(&out.manifest_digest));
    assert!(store_temp_files(&root).is_empty());
    let downloaded = rec
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Downloaded { .. }))
        .count();
    assert_eq!(downloaded, 3);

    // A second pull downloads nothing and says the image is up to date.
    let again = registry::pull(
        &store,
        &reference,
        None,
        &options(work.path()),
        Arc::new(registry::NoProgress),
    )
    .unwrap();
    assert!(again.up_to_date);
    assert_eq!(again.downloaded_layers, 0);
    assert_eq!(again.image_id, out.image_id);
}

#[test]
fn tug_push_then_skopeo_pull_gets_the_same_blobs() {
    let reg = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let img = image::build("tug-to-skopeo", 2, 3, 128 << 10, "linux/amd64");
    let root = work.path().join("root");
    let store = Store::open(&root).unwrap();
    let name = format!("{}/pushed/by-tug:1.0", reg.addr);
    image::put_in_store(&store, &img, &name);

    let mut opts = options(work.path());
    // Smaller than the layers, so they go up in PATCH chunks; the config goes in one PUT.
    opts.upload_chunk_size = 100 << 10;
    let rec = Recorder::default();
    let reference = Reference::parse(&name).unwrap();
    let out = registry::push(&store, &reference, &opts, Arc::new(rec.clone())).unwrap();
    assert_eq!(
        out.digest, img.manifest.desc.digest,
        "the stored manifest is pushed as is"
    );
    assert_eq!(out.tag, "1.0");
    let pushed = rec
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Pushed { .. }))
        .count();
    assert_eq!(pushed, 2, "one event per layer: {:?}", rec.events());

    let dir = work.path().join("skopeo-dir");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{name}"),
        &format!("dir:{}", dir.display()),
    ]);
    for b in img.layers.iter().chain([&img.config, &img.manifest]) {
        let got = std::fs::read(dir.join(b.desc.digest.hex()))
            .or_else(|_| std::fs::read(dir.join("manifest.json")))
            .unwrap();
        assert_eq!(got, b.bytes, "blob {} differs", b.desc.digest);
    }
    let inspect = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{name}"),
    ]);
    assert_eq!(inspect.as_bytes(), img.manifest.bytes.as_slice());

    // Pushing again uploads nothing: every blob already exists.
    let rec2 = Recorder::default();
    registry::push(&store, &reference, &opts, Arc::new(rec2.clone())).unwrap();
    let existing = rec2
        .events()
        .iter()
        .filter(|e| matches!(e, Event::AlreadyExists { .. }))
        .count();
    assert_eq!(existing, 2, "{:?}", rec2.events());
}

#[test]
fn push_to_a_sibling_repository_mounts_blobs_instead_of_uploading() {
    let reg = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let img = image::build("mount", 2, 2, 32 << 10, "linux/amd64");
    let layout = work.path().join("layout");
    image::write_oci_layout(&layout, "x", &[(&img, "linux/amd64")]);
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:x", layout.display()),
        &format!("docker://{}/origin/app:x", reg.addr),
    ]);
    let root = work.path().join("root");
    let store = Store::open(&root).unwrap();
    let opts = options(work.path());
    let origin = Reference::parse(&format!("{}/origin/app:x", reg.addr)).unwrap();
    registry::pull(&store, &origin, None, &opts, Arc::new(registry::NoProgress)).unwrap();
    let copy = Reference::parse(&format!("{}/copy/app:y", reg.addr)).unwrap();
    store.tag(&copy, &img.config.desc.digest).unwrap();

    let rec = Recorder::default();
    registry::push(&store, &copy, &opts, Arc::new(rec.clone())).unwrap();
    let events = rec.events();
    let mounted: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Mounted { from, .. } => Some(from.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(mounted.len(), 2, "both layers mounted: {events:?}");
    assert!(mounted.iter().all(|f| f == "origin/app"), "{mounted:?}");
    assert!(!events.iter().any(|e| matches!(e, Event::Pushed { .. })));
    // And the copy is a complete image for an independent client.
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{copy}"),
    ]);
    assert!(raw.contains(&img.config.desc.digest.to_string()), "{raw}");
}

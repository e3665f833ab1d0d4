//! Bad input and broken peers: a wrong tag, a missing repository, a registry that is down,
//! a corrupt blob on the registry's disk, a registry answering 500, and a connection that
//! breaks mid-layer. Each gives a precise error and leaves no record or partial blob.

mod registry_harness;

use engine::digest::Digest;
use engine::reference::Reference;
use engine::registry::{self, NoProgress, RegistryError};
use engine::store::Store;
use registry_harness::fake::{content_type, FakeRegistry, Reply};
use registry_harness::{free_port, image, options, skopeo, store_temp_files, Registry};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn push_test_image(reg: &Registry, work: &std::path::Path, repo_tag: &str) -> image::TestImage {
    let img = image::build(repo_tag, 2, 2, 32 << 10, "linux/amd64");
    let layout = work.join(format!("layout-{}", repo_tag.replace([':', '/'], "-")));
    image::write_oci_layout(&layout, "t", &[(&img, "linux/amd64")]);
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:t", layout.display()),
        &format!("docker://{}/{repo_tag}", reg.addr),
    ]);
    img
}

#[test]
fn wrong_tag_and_missing_repository_are_manifest_unknown() {
    let reg = Registry::start();
    let work = tempfile::tempdir().unwrap();
    push_test_image(&reg, work.path(), "errs/app:real");
    let store = Store::open(&work.path().join("root")).unwrap();
    let opts = options(work.path());
    for name in ["errs/app:nope", "errs/absent:1"] {
        let reference = Reference::parse(&format!("{}/{name}", reg.addr)).unwrap();
        let err =
            registry::pull(&store, &reference, None, &opts, Arc::new(NoProgress)).unwrap_err();
        assert!(
            matches!(err, RegistryError::ManifestUnknown { .. }),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&format!("{}/{name}", reg.addr)), "{msg}");
        assert!(msg.contains("(404)") && msg.contains("unknown"), "{msg}");
    }
    assert!(store.images().unwrap().is_empty());
}

#[test]
fn registry_down_names_the_address() {
    let work = tempfile::tempdir().unwrap();
    let port = free_port();
    let store = Store::open(&work.path().join("root")).unwrap();
    let reference = Reference::parse(&format!("127.0.0.1:{port}/down/app:1")).unwrap();
    let err = registry::pull(
        &store,
        &reference,
        None,
        &options(work.path()),
        Arc::new(NoProgress),
    )
    .unwrap_err();
    assert!(matches!(err, RegistryError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains("connection refused"), "{msg}");
}

#[test]
fn corrupt_blob_on_the_registry_is_a_digest_mismatch_and_nothing_is_recorded() {
    let reg = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let img = push_test_image(&reg, work.path(), "corrupt/app:1");
    let victim = &img.layers[1].desc.digest;
    let path = reg.blob_data_path(victim);
    let mut bytes = std::fs::read(&path).expect("the registry stores the layer here");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();

    let root = work.path().join("root");
    let store = Store::open(&root).unwrap();
    let reference = Reference::parse(&format!("{}/corrupt/app:1", reg.addr)).unwrap();
    let err = registry::pull(
        &store,
        &reference,
        None,
        &options(work.path()),
        Arc::new(NoProgress),
    )
    .unwrap_err();
    match &err {
        RegistryError::DigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, victim);
            assert_eq!(*actual, Digest::of(&bytes));
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&victim.to_string()) && msg.contains("corrupt/app"),
        "{msg}"
    );
    assert!(
        !store.has_blob(victim),
        "the corrupt blob must not be stored"
    );
    assert!(store.images().unwrap().is_empty(), "no image record");
    assert!(store.resolve(&reference.to_string()).is_err(), "no tag");
    assert!(store_temp_files(&root).is_empty(), "no partial files");
}

#[test]
fn server_errors_are_retried_then_reported_with_the_status() {
    let manifest_hits = Arc::new(AtomicUsize::new(0));
    let hits = manifest_hits.clone();
    let fake = FakeRegistry::start(move |req| {
        if req.path() == "/v2/" {
            return Reply::Full(200, vec![], b"{}".to_vec());
        }
        hits.fetch_add(1, Ordering::SeqCst);
        Reply::Full(
            500,
            content_type("application/json"),
            br#"{"errors":[{"code":"UNKNOWN","message":"storage backend exploded"}]}"#.to_vec(),
        )
    });
    let work = tempfile::tempdir().unwrap();
    let store = Store::open(&work.path().join("root")).unwrap();
    let opts = options(work.path());
    let reference = Reference::parse(&format!("{}/broken/app:1", fake.addr)).unwrap();
    let err = registry::pull(&store, &reference, None, &opts, Arc::new(NoProgress)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("500"), "{msg}");
    assert!(msg.contains("storage backend exploded"), "{msg}");
    assert!(msg.contains("broken/app:1"), "{msg}");
    assert_eq!(
        manifest_hits.load(Ordering::SeqCst),
        opts.retry.retries as usize + 1,
        "one try and {} retries",
        opts.retry.retries
    );
}

#[test]
fn a_layer_cut_mid_stream_is_resumed_with_a_range_request() {
    let img = image::build("resume", 1, 1, 200 << 10, "linux/amd64");
    let layer = img.layers[0].clone();
    let (config, manifest) = (img.config.clone(), img.manifest.clone());
    let layer_path = format!("/blobs/{}", layer.desc.digest);
    let config_path = format!("/blobs/{}", config.desc.digest);
    let first = Arc::new(AtomicUsize::new(0));
    let fake = FakeRegistry::start(move |req| {
        let path = req.path();
        let range = req.header("range");
        let ct = content_type;
        if path == "/v2/" {
            return Reply::Full(200, vec![], b"{}".to_vec());
        }
        if path.contains("/manifests/") {
            return Reply::Full(200, ct(&manifest.desc.media_type), manifest.bytes.clone());
        }
        if path.ends_with(&config_path) {
            return Reply::Full(200, ct("application/octet-stream"), config.bytes.clone());
        }
        if path.ends_with(&layer_path) {
            let all = layer.bytes.clone();
            if let Some(r) = range {
                let start: usize = r
                    .trim_start_matches("bytes=")
                    .trim_end_matches('-')
                    .parse()
                    .unwrap();
                let total = all.len();
                let headers = vec![(
                    "Content-Range".to_string(),
                    format!("bytes {start}-{}/{total}", total - 1),
                )];
                return Reply::Full(206, headers, all[start..].to_vec());
            }
            if first.fetch_add(1, Ordering::SeqCst) == 0 {
                let cut = all.len() / 3;
                return Reply::Truncated(200, ct("application/octet-stream"), all, cut);
            }
            return Reply::Full(200, ct("application/octet-stream"), all);
        }
        Reply::Full(404, vec![], Vec::new())
    });
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let store = Store::open(&root).unwrap();
    let reference = Reference::parse(&format!("{}/resume/app:1", fake.addr)).unwrap();
    let out = registry::pull(
        &store,
        &reference,
        None,
        &options(work.path()),
        Arc::new(NoProgress),
    )
    .unwrap();
    assert_eq!(out.image_id, img.config.desc.digest);
    assert_eq!(
        store.read_blob(&img.layers[0].desc.digest).unwrap(),
        img.layers[0].bytes
    );
    let layer_gets: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path().ends_with(&img.layers[0].desc.digest.to_string()))
        .collect();
    assert_eq!(layer_gets.len(), 2, "{layer_gets:?}");
    assert_eq!(layer_gets[0].header("range"), None, "{layer_gets:?}");
    let want = format!("bytes={}-", img.layers[0].bytes.len() / 3);
    assert_eq!(
        layer_gets[1].header("range"),
        Some(want.as_str()),
        "{layer_gets:?}"
    );
    assert!(store_temp_files(&root).is_empty());
}

#[test]
fn a_busy_registry_is_pinged_again_before_giving_up() {
    let pings = Arc::new(AtomicUsize::new(0));
    let p = pings.clone();
    let fake = FakeRegistry::start(move |req| {
        if req.path() == "/v2/" && p.fetch_add(1, Ordering::SeqCst) < 2 {
            return Reply::Full(503, vec![], b"warming up".to_vec());
        }
        if req.path() == "/v2/" {
            return Reply::Full(200, vec![], b"{}".to_vec());
        }
        Reply::Full(
            404,
            content_type("application/json"),
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#.to_vec(),
        )
    });
    let work = tempfile::tempdir().unwrap();
    let store = Store::open(&work.path().join("root")).unwrap();
    let reference = Reference::parse(&format!("{}/busy/app:1", fake.addr)).unwrap();
    let err = registry::pull(
        &store,
        &reference,
        None,
        &options(work.path()),
        Arc::new(NoProgress),
    )
    .unwrap_err();
    // Two 503s were absorbed by retries; the answer that counts is the 404 after them.
    assert!(
        matches!(err, RegistryError::ManifestUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(pings.load(Ordering::SeqCst), 3);
}

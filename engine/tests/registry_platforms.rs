//! Multi-platform images: an OCI index with linux/amd64 and linux/arm64 entries, pushed to a
//! real registry with skopeo, pulled by tug for each platform and for one it lacks.

mod registry_harness;

use engine::image::Platform;
use engine::reference::Reference;
use engine::registry::{self, NoProgress, RegistryError};
use engine::store::Store;
use registry_harness::{image, options, skopeo, Registry};
use std::sync::Arc;

#[test]
fn index_entries_are_chosen_by_platform() {
    let reg = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let amd = image::build("multi-amd64", 2, 2, 16 << 10, "linux/amd64");
    let arm = image::build("multi-arm64", 1, 2, 16 << 10, "linux/arm64/v8");
    let layout = work.path().join("layout");
    let index = image::write_oci_layout(
        &layout,
        "multi",
        &[(&amd, "linux/amd64"), (&arm, "linux/arm64/v8")],
    )
    .expect("an index blob");
    skopeo(&[
        "copy",
        "--all",
        "--dest-tls-verify=false",
        &format!("oci:{}:multi", layout.display()),
        &format!("docker://{}/multi/app:1", reg.addr),
    ]);
    let raw = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{}/multi/app:1", reg.addr),
    ]);
    assert!(
        raw.contains("manifests"),
        "the registry holds an index: {raw}"
    );
    let opts = options(work.path());
    let reference = Reference::parse(&format!("{}/multi/app:1", reg.addr)).unwrap();

    let arm_platform: Platform = "linux/arm64".parse().unwrap();
    let store_arm = Store::open(&work.path().join("root-arm")).unwrap();
    let out = registry::pull(
        &store_arm,
        &reference,
        Some(&arm_platform),
        &opts,
        Arc::new(NoProgress),
    )
    .unwrap();
    assert_eq!(out.image_id, arm.config.desc.digest);
    assert_eq!(out.manifest_digest, arm.manifest.desc.digest);
    // The digest users see (and RepoDigests) is the index's, as with docker.
    assert_eq!(out.digest, index.desc.digest);
    let rec = store_arm.resolve(&reference.to_string()).unwrap();
    assert_eq!(rec.config.architecture, "arm64");
    assert_eq!(rec.layers.len(), 1);

    let amd_platform: Platform = "linux/amd64".parse().unwrap();
    let store_amd = Store::open(&work.path().join("root-amd")).unwrap();
    let out = registry::pull(
        &store_amd,
        &reference,
        Some(&amd_platform),
        &opts,
        Arc::new(NoProgress),
    )
    .unwrap();
    assert_eq!(out.image_id, amd.config.desc.digest);
    assert_eq!(
        store_amd
            .resolve(&reference.to_string())
            .unwrap()
            .layers
            .len(),
        2
    );

    let s390x: Platform = "linux/s390x".parse().unwrap();
    let store_none = Store::open(&work.path().join("root-none")).unwrap();
    let err = registry::pull(
        &store_none,
        &reference,
        Some(&s390x),
        &opts,
        Arc::new(NoProgress),
    )
    .unwrap_err();
    assert!(
        matches!(err, RegistryError::NoMatchingPlatform { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("linux/s390x"), "{msg}");
    assert!(
        msg.contains("linux/amd64") && msg.contains("linux/arm64/v8"),
        "{msg}"
    );
    assert!(store_none.images().unwrap().is_empty());
}

#[test]
fn explicit_platform_must_match_a_single_platform_image() {
    let reg = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let amd = image::build("single-amd64", 1, 1, 1024, "linux/amd64");
    let layout = work.path().join("layout");
    image::write_oci_layout(&layout, "one", &[(&amd, "linux/amd64")]);
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:one", layout.display()),
        &format!("docker://{}/single/app:one", reg.addr),
    ]);
    let reference = Reference::parse(&format!("{}/single/app:one", reg.addr)).unwrap();
    let store = Store::open(&work.path().join("root")).unwrap();
    let arm: Platform = "linux/arm64".parse().unwrap();
    let err = registry::pull(
        &store,
        &reference,
        Some(&arm),
        &options(work.path()),
        Arc::new(NoProgress),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("linux/amd64") && msg.contains("linux/arm64"),
        "{msg}"
    );
    assert!(store.images().unwrap().is_empty());
}

//! An image a container was made from cannot be removed or pruned without force, running or
//! not (docker's rule), and can be once the container is gone.

mod container_support;

use container_support::{is_root, Root};

#[test]
fn images_used_by_containers_are_kept() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = root
        .ok(&["container", "create", "--name", "keeper", "busybox", "true"])
        .trim()
        .to_string();

    let out = root.tug(&["image", "rm", "busybox"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("conflict") && err.contains("must be forced"),
        "rm of a used image: {err}"
    );

    root.ok(&["image", "prune", "-a", "-f"]);
    let listed = root.ok(&["images", "-q"]);
    assert!(!listed.trim().is_empty(), "prune -a kept the used image");

    root.ok(&["container", "rm", &id]);
    let removed = root.ok(&["image", "rm", "busybox"]);
    assert!(removed.contains("Deleted: sha256:"), "{removed}");
    assert!(root.ok(&["images", "-q"]).trim().is_empty());
}

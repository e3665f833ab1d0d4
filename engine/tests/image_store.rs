//! The content store: verified blob writes, atomicity, concurrent writers, records, tags,
//! resolution, removal safety, pruning, and a full disk.

mod image_common;

use engine::digest::Digest;
use engine::reference::Reference;
use engine::store::{Removal, Store, StoreError};
use image_common::{noise, root_or_skip, rootfs_tar, TestStore, Tmpfs};
use std::fs;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime};

fn never(_: &Digest) -> bool {
    false
}

#[test]
fn blobs_are_verified_and_failures_leave_nothing() {
    let t = TestStore::new();
    let data = noise(300_000, 1);
    let good = Digest::of(&data);
    let (d, n) = t
        .store
        .write_blob(Some(&good), Some(data.len() as u64), &mut &data[..])
        .unwrap();
    assert_eq!((d.clone(), n), (good.clone(), data.len() as u64));
    assert_eq!(t.store.read_blob(&good).unwrap(), data);
    assert!(t.store.has_blob(&good));

    // Wrong digest: refused, and neither name exists afterwards.
    let other = noise(1000, 2);
    let wrong = Digest::of(b"something else");
    let err = t
        .store
        .write_blob(Some(&wrong), None, &mut &other[..])
        .unwrap_err();
    match &err {
        StoreError::DigestMismatch { expected, actual } => {
            assert_eq!(expected, &wrong);
            assert_eq!(actual, &Digest::of(&other));
        }
        e => panic!("expected a digest mismatch, got {e}"),
    }
    assert!(err.to_string().contains(&wrong.to_string()), "{err}");
    assert!(!t.store.has_blob(&wrong));
    assert!(!t.store.has_blob(&Digest::of(&other)));

    // Short content for a declared size, and more content than declared.
    let d2 = Digest::of(&other);
    let err = t
        .store
        .write_blob(Some(&d2), Some(5000), &mut &other[..])
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SizeMismatch {
                expected: 5000,
                actual: 1000,
                ..
            }
        ),
        "{err}"
    );
    let err = t
        .store
        .write_blob(Some(&d2), Some(10), &mut &other[..])
        .unwrap_err();
    assert!(
        matches!(err, StoreError::SizeMismatch { expected: 10, .. }),
        "{err}"
    );
    assert!(!t.store.has_blob(&d2));

    // A reader failing midway.
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "peer went away",
                ));
            }
            self.0 -= 1;
            buf[..10].fill(7);
            Ok(10)
        }
    }
    let err = t.store.write_blob(None, None, &mut Failing(3)).unwrap_err();
    assert!(matches!(err, StoreError::Source { .. }), "{err}");
    assert!(err.to_string().contains("peer went away"), "{err}");

    assert_eq!(t.tmp_files(), Vec::<std::path::PathBuf>::new());
    assert_eq!(t.blob_files().len(), 1, "only the good blob is stored");
}

#[test]
fn blob_writer_commits_or_cleans_up() {
    let t = TestStore::new();
    let data = b"streamed content".to_vec();
    let d = Digest::of(&data);
    let mut w = t.store.blob_writer(&d, Some(data.len() as u64)).unwrap();
    w.write_all(&data[..5]).unwrap();
    assert_eq!(t.tmp_files().len(), 1, "the partial blob lives under tmp/");
    assert!(!t.store.has_blob(&d), "a partial blob is invisible");
    drop(w);
    assert!(
        t.tmp_files().is_empty(),
        "dropping without commit removes it"
    );

    let mut w = t.store.blob_writer(&d, Some(data.len() as u64)).unwrap();
    w.write_all(&data).unwrap();
    // More bytes than declared are refused at write time.
    assert!(w.write_all(b"x").is_err());
    assert_eq!(w.commit().unwrap(), (d.clone(), data.len() as u64));
    assert_eq!(t.store.read_blob(&d).unwrap(), data);

    let mut w = t.store.blob_writer(&Digest::of(b"nope"), None).unwrap();
    w.write_all(&data).unwrap();
    assert!(matches!(w.commit(), Err(StoreError::DigestMismatch { .. })));
    assert!(t.tmp_files().is_empty());
}

#[test]
fn stale_temp_files_of_dead_writers_are_removed_on_open() {
    let t = TestStore::new();
    let stale = t.store.root().join("tmp/blob-99999-0-0");
    fs::write(&stale, b"half a blob").unwrap();
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let fresh = t.store.root().join("tmp/blob-99999-1-0");
    fs::write(&fresh, b"just created").unwrap();
    Store::open(t.root()).unwrap();
    assert!(
        !stale.exists(),
        "an old, unlocked temp file is a crash leftover"
    );
    assert!(
        fresh.exists(),
        "a fresh one may belong to a writer about to lock it"
    );
}

#[test]
fn concurrent_writers_of_one_blob_all_succeed() {
    let t = TestStore::new();
    let data = Arc::new(noise(2_000_000, 3));
    let d = Digest::of(&data);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let root = t.root().to_path_buf();
            let data = Arc::clone(&data);
            let d = d.clone();
            thread::spawn(move || {
                let store = Store::open(&root).unwrap();
                let mut w = store.blob_writer(&d, Some(data.len() as u64)).unwrap();
                for chunk in data.chunks(65_536) {
                    w.write_all(chunk).unwrap();
                }
                w.commit().unwrap()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().0, d);
    }
    assert_eq!(t.store.read_blob(&d).unwrap(), *data);
    assert!(t.tmp_files().is_empty());
}

#[test]
fn concurrent_tagging_loses_no_update() {
    let t = TestStore::new();
    let rec = t.import(&rootfs_tar("a"), None);
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let root = t.root().to_path_buf();
            let id = rec.id.clone();
            thread::spawn(move || {
                let store = Store::open(&root).unwrap();
                let r = Reference::parse(&format!("localhost:5000/app:v{i}")).unwrap();
                store.tag(&r, &id).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let tags = t.store.image(&rec.id).unwrap().repo_tags;
    assert_eq!(tags.len(), 16, "every concurrent tag survives: {tags:?}");
}

#[test]
fn records_tags_and_resolution() {
    let t = TestStore::new();
    let a = t.import(&rootfs_tar("a"), Some("nginx"));
    let b = t.import(&rootfs_tar("b"), Some("localhost:5000/x:1"));
    assert_ne!(a.id, b.id);
    assert_eq!(t.store.images().unwrap().len(), 2);

    // Names, full ids, short ids, sha256:prefix.
    assert_eq!(t.store.resolve("nginx").unwrap().id, a.id);
    assert_eq!(t.store.resolve("nginx:latest").unwrap().id, a.id);
    assert_eq!(t.store.resolve("docker.io/library/nginx").unwrap().id, a.id);
    assert_eq!(t.store.resolve(&a.id.to_string()).unwrap().id, a.id);
    assert_eq!(t.store.resolve(a.id.short()).unwrap().id, a.id);
    assert_eq!(
        t.store
            .resolve(&format!("sha256:{}", &a.id.hex()[..8]))
            .unwrap()
            .id,
        a.id
    );
    assert_eq!(t.store.resolve("localhost:5000/x:1").unwrap().id, b.id);
    assert!(matches!(
        t.store.resolve("nginx:2"),
        Err(StoreError::ImageNotFound(_))
    ));
    assert!(matches!(
        t.store.resolve("Bad"),
        Err(StoreError::Reference(_))
    ));
    let missing = t.store.resolve("ghost").unwrap_err();
    assert_eq!(missing.to_string(), "No such image: ghost");

    // Digest references resolve and show as repo digests.
    let manifest = Digest::of(b"a manifest");
    let by_digest = Reference::parse("nginx")
        .unwrap()
        .with_digest(manifest.clone());
    t.store.tag(&by_digest, &a.id).unwrap();
    let got = t.store.resolve(&format!("nginx@{manifest}")).unwrap();
    assert_eq!(got.id, a.id);
    assert_eq!(got.repo_digests, vec![by_digest.clone()]);

    // A tag moves from one image to another.
    let nginx = Reference::parse("nginx").unwrap();
    t.store.tag(&nginx, &b.id).unwrap();
    assert_eq!(t.store.resolve("nginx").unwrap().id, b.id);
    assert!(t.store.image(&a.id).unwrap().repo_tags.is_empty());
    assert_eq!(t.store.untag(&nginx).unwrap(), Some(b.id.clone()));
    assert_eq!(t.store.untag(&nginx).unwrap(), None);
    assert!(t.store.image(&b.id).is_ok(), "untag keeps the image");

    // Tags need an existing image and no digest.
    assert!(matches!(
        t.store.tag(&nginx, &Digest::of(b"no such config")),
        Err(StoreError::ImageNotFound(_))
    ));
    let both = Reference::parse(&format!("x:1@{manifest}")).unwrap();
    assert!(matches!(
        t.store.tag(&both, &a.id),
        Err(StoreError::InvalidTag { .. })
    ));

    // A record naming a blob the store lacks is refused.
    let mut broken = a.clone();
    broken.layers[0].digest = Digest::of(b"missing layer");
    assert!(matches!(
        t.store.put_image(&broken),
        Err(StoreError::BlobNotFound(_))
    ));
}

#[test]
fn short_id_prefixes_must_be_unambiguous() {
    let t = TestStore::new();
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(t.import(&rootfs_tar(&i.to_string()), None).id);
    }
    // With 40 ids, some two share a first hex digit.
    let first = |d: &Digest| d.hex()[..1].to_string();
    let shared = ids
        .iter()
        .find(|d| ids.iter().filter(|o| first(o) == first(d)).count() > 1)
        .map(first)
        .unwrap();
    assert!(matches!(t.store.resolve(&shared), Err(StoreError::Ambiguous(_, n)) if n > 1));
}

#[test]
fn removal_is_refused_while_in_use_unless_forced() {
    let t = TestStore::new();
    let rec = t.import(&rootfs_tar("a"), Some("app:1"));
    let used = |d: &Digest| *d == rec.id;
    let err = t.store.remove_image(&rec.id, false, &used).unwrap_err();
    assert!(err.to_string().contains("being used"), "{err}");
    let err = t.store.remove_by_name("app:1", false, &used).unwrap_err();
    assert!(err.to_string().contains("must be forced"), "{err}");
    assert!(t.store.resolve("app:1").is_ok(), "nothing changed");

    // Forced: the name goes, the image and its blobs stay for the container.
    let effects = t.store.remove_by_name("app:1", true, &used).unwrap();
    assert_eq!(
        effects,
        vec![Removal::Untagged(Reference::parse("app:1").unwrap())]
    );
    assert!(t.store.image(&rec.id).is_ok());
    assert!(t.store.has_blob(&rec.layers[0].digest));
}

#[test]
fn removal_follows_docker_rules_and_frees_unshared_blobs() {
    let t = TestStore::new();
    let rec = t.import(&rootfs_tar("a"), Some("one/app:1"));
    let two = Reference::parse("two/app:1").unwrap();
    t.store.tag(&two, &rec.id).unwrap();

    // By id with tags in two repositories: refused without force.
    let err = t.store.remove_image(&rec.id, false, &never).unwrap_err();
    assert!(err.to_string().contains("multiple repositories"), "{err}");

    // By name with another tag left: only untag.
    let effects = t.store.remove_by_name("one/app:1", false, &never).unwrap();
    assert_eq!(
        effects,
        vec![Removal::Untagged(Reference::parse("one/app:1").unwrap())]
    );
    assert!(t.store.has_blob(&rec.layers[0].digest));

    // A second image sharing the layer blob keeps it alive.
    let mut sibling = rec.clone();
    let mut config = rec.config.clone();
    config.author = Some("someone".into());
    let bytes = serde_json::to_vec(&config).unwrap();
    let (sid, _) = t.store.write_blob(None, None, &mut &bytes[..]).unwrap();
    sibling.id = sid.clone();
    sibling.config = config;
    sibling.repo_tags = vec![Reference::parse("sib:1").unwrap()];
    t.store.put_image(&sibling).unwrap();

    // Last tag: untag and delete; the shared layer stays.
    let effects = t.store.remove_by_name("two/app:1", false, &never).unwrap();
    assert_eq!(
        effects,
        vec![
            Removal::Untagged(two.clone()),
            Removal::Deleted(rec.id.clone())
        ]
    );
    assert!(matches!(
        t.store.image(&rec.id),
        Err(StoreError::ImageNotFound(_))
    ));
    assert!(
        !t.store.has_blob(&rec.id),
        "the config blob went with the image"
    );
    assert!(
        t.store.has_blob(&rec.layers[0].digest),
        "the sibling still uses the layer"
    );

    // Removing the sibling by id frees the layer too.
    let deleted = t.store.remove_image(&sid, false, &never).unwrap();
    assert_eq!(deleted, vec![sid.clone(), rec.layers[0].digest.clone()]);
    assert!(t.blob_files().is_empty());
    assert!(t.store.images().unwrap().is_empty());
}

#[test]
fn prune_removes_dangling_then_unused_and_respects_leases() {
    let t = TestStore::new();
    let dangling = t.import(&rootfs_tar("d"), None);
    let tagged = t.import(&rootfs_tar("t"), Some("keep:1"));
    let busy = t.import(&rootfs_tar("b"), Some("busy:1"));
    let orphan = noise(1000, 9);
    let (orphan_d, _) = t.store.write_blob(None, None, &mut &orphan[..]).unwrap();
    let used = |d: &Digest| *d == busy.id;

    // While a lease is held, records go but blobs stay.
    let lease = t.store.lease().unwrap();
    assert_eq!(
        t.store.prune(false, &used).unwrap(),
        vec![dangling.id.clone()]
    );
    assert!(t.store.has_blob(&dangling.layers[0].digest));
    assert!(t.store.has_blob(&orphan_d));
    drop(lease);

    let removed = t.store.prune(false, &used).unwrap();
    assert!(removed.is_empty());
    assert!(
        !t.store.has_blob(&dangling.layers[0].digest),
        "collected once the lease is gone"
    );
    assert!(!t.store.has_blob(&orphan_d));
    assert!(t.store.image(&tagged.id).is_ok());

    let removed = t.store.prune(true, &used).unwrap();
    assert_eq!(removed, vec![tagged.id.clone()]);
    assert!(
        t.store.image(&busy.id).is_ok(),
        "an image in use survives prune -a"
    );
    assert!(t.store.resolve("keep:1").is_err());
}

#[test]
fn a_full_disk_gives_a_clear_error_and_no_partial_blob() {
    if !root_or_skip("a_full_disk_gives_a_clear_error_and_no_partial_blob") {
        return;
    }
    let fs = Tmpfs::mount("512k");
    let store = Store::open(fs.dir.path()).unwrap();
    let data = noise(2_000_000, 5);
    let d = Digest::of(&data);
    let err = store
        .write_blob(Some(&d), None, &mut &data[..])
        .unwrap_err();
    assert!(matches!(err, StoreError::NoSpace { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("no space left on device") && msg.contains(&d.to_string()),
        "{msg}"
    );
    assert!(!store.has_blob(&d));
    let tmp = image_common::list(&store.root().join("tmp"));
    assert!(tmp.is_empty(), "no partial blob left: {tmp:?}");

    // The same through import, whose layer is compressed on the fly.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "big", &data[..]).unwrap();
    let tarball = b.into_inner().unwrap();
    let opts = engine::archive::ImportOptions {
        source: "big.tar".into(),
        ..Default::default()
    };
    let err = engine::archive::import(&store, &mut &tarball[..], &opts).unwrap_err();
    assert!(err.to_string().contains("no space left on device"), "{err}");
    assert!(image_common::list(&store.root().join("tmp")).is_empty());
    assert!(store.images().unwrap().is_empty());
}

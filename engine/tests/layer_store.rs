//! The layer store: one unpack per chain, shared by images, short links, verified diff_ids,
//! and no half layer left after a failure or a crash.

mod layer_common;

use engine::layer::{chain_ids, LayerError, LayerSource, LayerStore, UnpackOptions};
use engine::Digest;
use layer_common::{gzip, Opts, TarBuf};
use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn layer_tar(name: &str) -> Vec<u8> {
    TarBuf::new()
        .file(name, name.as_bytes(), Opts::default())
        .finish()
}

/// A source over an in-memory blob that counts how often it is opened.
fn source(tar: &[u8], opened: &Arc<AtomicUsize>) -> LayerSource<'static> {
    let blob = gzip(tar);
    let opened = Arc::clone(opened);
    LayerSource {
        diff_id: Digest::of(tar),
        blob: Digest::of(&blob),
        open: Box::new(move || {
            opened.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Cursor::new(blob)) as Box<dyn Read>)
        }),
    }
}

fn store(root: &Path) -> LayerStore {
    LayerStore::open(root).unwrap().with_options(UnpackOptions {
        preserve_ownership: false,
    })
}

fn leftovers(root: &Path) -> Vec<String> {
    fs::read_dir(root.join("image/layers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn layers_unpack_once_under_their_chain_id_with_a_short_link() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    let tars: Vec<Vec<u8>> = ["a", "b", "c"].iter().map(|n| layer_tar(n)).collect();
    let opened = Arc::new(AtomicUsize::new(0));
    let layers = s
        .ensure_all(tars.iter().map(|t| source(t, &opened)).collect())
        .unwrap();
    assert_eq!(opened.load(Ordering::SeqCst), 3);

    let diff_ids: Vec<Digest> = tars.iter().map(|t| Digest::of(t)).collect();
    let chains = chain_ids(&diff_ids);
    for (i, layer) in layers.iter().enumerate() {
        assert_eq!(layer.chain_id, chains[i]);
        assert_eq!(layer.diff_id, diff_ids[i]);
        assert_eq!(
            layer.diff_dir,
            root.path()
                .join("image/layers")
                .join(chains[i].hex())
                .join("diff")
        );
        assert_eq!(layer.link.len(), 26);
        let via_link = root.path().join("image/l").join(&layer.link);
        assert_eq!(
            fs::read_link(&via_link).unwrap(),
            Path::new("../layers").join(chains[i].hex()).join("diff")
        );
        let name = ["a", "b", "c"][i];
        assert_eq!(fs::read(via_link.join(name)).unwrap(), name.as_bytes());
    }

    // Again: nothing is opened, the same layers come back.
    let again = s
        .ensure_all(tars.iter().map(|t| source(t, &opened)).collect())
        .unwrap();
    assert_eq!(opened.load(Ordering::SeqCst), 3);
    assert_eq!(again, layers);
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn images_share_the_layers_of_a_common_base() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    let opened = Arc::new(AtomicUsize::new(0));
    let (base, mid, app1, app2) = (
        layer_tar("base"),
        layer_tar("mid"),
        layer_tar("app1"),
        layer_tar("app2"),
    );
    let one = s
        .ensure_all(vec![
            source(&base, &opened),
            source(&mid, &opened),
            source(&app1, &opened),
        ])
        .unwrap();
    let two = s
        .ensure_all(vec![
            source(&base, &opened),
            source(&mid, &opened),
            source(&app2, &opened),
        ])
        .unwrap();
    assert_eq!(
        opened.load(Ordering::SeqCst),
        4,
        "base and mid unpacked once"
    );
    assert_eq!(one[..2], two[..2]);
    assert_ne!(one[2].chain_id, two[2].chain_id);
    assert_eq!(s.list().unwrap().len(), 4);

    // The same diff on another base is another chain, so another directory.
    let other = s.ensure_all(vec![source(&mid, &opened)]).unwrap();
    assert_ne!(other[0].chain_id, one[1].chain_id);
    assert_eq!(s.list().unwrap().len(), 5);
}

#[test]
fn a_diff_id_mismatch_leaves_no_layer_no_link_and_no_temporary_dir() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    let opened = Arc::new(AtomicUsize::new(0));
    let tar = layer_tar("x");
    let mut src = source(&tar, &opened);
    let lie = Digest::of(b"not this tar");
    src.diff_id = lie.clone();
    let blob = src.blob.clone();
    let err = s.ensure(None, src).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&blob.to_string()), "names the blob: {text}");
    assert!(text.contains("diff_id mismatch"), "{text}");
    assert!(text.contains(&lie.to_string()) && text.contains(&Digest::of(&tar).to_string()));
    match err {
        LayerError::InLayer { source, .. } => {
            assert!(matches!(*source, LayerError::DiffIdMismatch { .. }))
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(s.get(&lie).unwrap().is_none());
    assert!(s.list().unwrap().is_empty());
    assert_eq!(
        fs::read_dir(root.path().join("image/l")).unwrap().count(),
        0
    );
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn a_corrupt_blob_fails_with_the_layer_named_and_others_are_kept() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    let opened = Arc::new(AtomicUsize::new(0));
    let good = layer_tar("good");
    let bad = layer_tar("bad");
    let mut bad_src = source(&bad, &opened);
    let bad_blob = bad_src.blob.clone();
    bad_src.open =
        Box::new(|| Ok(Box::new(Cursor::new(gzip(b"garbage, not a tar"))) as Box<dyn Read>));
    let err = s
        .ensure_all(vec![source(&good, &opened), bad_src])
        .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!("layer {bad_blob}")),
        "{err}"
    );
    assert!(leftovers(root.path()).is_empty());
    // The good bottom layer stays for next time.
    assert!(s.get(&Digest::of(&good)).unwrap().is_some());
}

#[test]
fn leftovers_of_dead_processes_are_swept_and_live_ones_kept() {
    let root = tempfile::tempdir().unwrap();
    drop(store(root.path()));
    let layers = root.path().join("image/layers");
    let hex = "ab".repeat(32);
    // pid 0x7fffffff is above pid_max: certainly not running.
    let dead = layers.join(format!(".tmp-{hex}-2147483647-ABCDEFGH"));
    let dead_rm = layers.join(format!(".rm-{hex}-2147483647-ABCDEFGH"));
    let live = layers.join(format!(".tmp-{hex}-{}-ABCDEFGH", std::process::id()));
    for d in [&dead, &dead_rm, &live] {
        fs::create_dir_all(d.join("diff/half")).unwrap();
    }
    let dangling = root.path().join("image/l/ZZZZZZZZZZZZZZZZZZZZZZZZZZ");
    std::os::unix::fs::symlink("../layers/nothing/diff", &dangling).unwrap();
    drop(store(root.path()));
    assert!(!dead.exists());
    assert!(!dead_rm.exists());
    assert!(
        live.exists(),
        "an unpack in progress in a live process is left alone"
    );
    assert!(fs::symlink_metadata(&dangling).is_err());
}

#[test]
fn a_missing_link_is_recreated_and_remove_deletes_layer_and_link() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    let opened = Arc::new(AtomicUsize::new(0));
    let tar = layer_tar("x");
    let layer = s.ensure(None, source(&tar, &opened)).unwrap();
    let link = root.path().join("image/l").join(&layer.link);
    fs::remove_file(&link).unwrap();
    let again = s.get(&layer.chain_id).unwrap().unwrap();
    assert_eq!(again.link, layer.link);
    assert!(link.join("x").exists());

    assert!(s.remove(&layer.chain_id).unwrap());
    assert!(fs::symlink_metadata(&link).is_err());
    assert!(!root
        .path()
        .join("image/layers")
        .join(layer.chain_id.hex())
        .exists());
    assert!(!s.remove(&layer.chain_id).unwrap());
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn concurrent_unpacks_of_one_layer_both_succeed_with_one_result() {
    let root = tempfile::tempdir().unwrap();
    let tar = layer_tar("shared");
    let opened = Arc::new(AtomicUsize::new(0));
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let s = store(root.path());
                let src = source(&tar, &opened);
                scope.spawn(move || s.ensure(None, src))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first = results[0].as_ref().unwrap();
    for r in &results {
        assert_eq!(r.as_ref().unwrap(), first);
    }
    assert_eq!(
        fs::read_dir(root.path().join("image/l")).unwrap().count(),
        1
    );
    assert!(leftovers(root.path()).is_empty());
}

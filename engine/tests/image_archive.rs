//! import, save and load: round trips, hand-made docker-archives and OCI layouts, bad input,
//! and interoperability with skopeo in both directions.

mod image_common;

use engine::archive::{import, load, load_dir, save, ArchiveError, ImportOptions};
use engine::digest::Digest;
use engine::image::{media_type, ImageConfig, ImageIndex, ImageManifest, Platform};
use engine::reference::Reference;
use engine::store::StoreError;
use flate2::read::GzDecoder;
use image_common::{rootfs_tar, run_ok, skopeo, TestStore};
use serde_json::json;
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// Reads one file out of a tar.
fn tar_file(archive: &[u8], name: &str) -> Option<Vec<u8>> {
    let mut a = tar::Archive::new(archive);
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_str() == Some(name) {
            let mut v = Vec::new();
            e.read_to_end(&mut v).unwrap();
            return Some(v);
        }
    }
    None
}

fn add_file(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, name, data).unwrap();
}

#[test]
fn import_makes_one_gzip_layer_whose_diff_id_is_the_tar() {
    let t = TestStore::new();
    let tarball = rootfs_tar("import");
    let opts = ImportOptions {
        reference: Some(Reference::parse("imported:1").unwrap()),
        changes: vec![
            "ENV A=1".into(),
            r#"CMD ["/bin/hello"]"#.into(),
            "WORKDIR /srv".into(),
        ],
        source: "-".into(),
        ..Default::default()
    };
    let rec = import(&t.store, &mut &tarball[..], &opts).unwrap();
    assert_eq!(rec.repo_tags, vec![Reference::parse("imported:1").unwrap()]);
    assert_eq!(rec.layers.len(), 1);
    let layer = &rec.layers[0];
    assert_eq!(layer.media_type, media_type::OCI_LAYER_GZIP);
    assert_eq!(layer.diff_id, Digest::of(&tarball));
    assert_eq!(rec.config.rootfs.diff_ids, vec![Digest::of(&tarball)]);
    let mut unpacked = Vec::new();
    GzDecoder::new(t.store.open_blob(&layer.digest).unwrap())
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, tarball, "the layer holds the tar byte for byte");
    assert_eq!(layer.size, t.store.blob_size(&layer.digest).unwrap());

    let cfg = rec.config.config.as_ref().unwrap();
    assert_eq!(cfg.env.as_deref(), Some(&["A=1".to_string()][..]));
    assert_eq!(cfg.cmd.as_deref(), Some(&["/bin/hello".to_string()][..]));
    assert_eq!(cfg.working_dir.as_deref(), Some("/srv"));
    assert_eq!(rec.config.os, "linux");
    assert_eq!(rec.config.architecture, Platform::host().architecture);
    assert_eq!(
        rec.config.history[0].comment.as_deref(),
        Some("Imported from -")
    );
    // The id is the digest of the stored config, which parses back to the same config.
    let stored: ImageConfig = serde_json::from_slice(&t.store.read_blob(&rec.id).unwrap()).unwrap();
    assert_eq!(stored, rec.config);

    // A gzip-compressed input gives the same diff_id.
    let again = import(
        &t.store,
        &mut &gzip(&tarball)[..],
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(again.layers[0].diff_id, layer.diff_id);
}

#[test]
fn import_refuses_what_is_not_a_tar_and_bad_changes() {
    let t = TestStore::new();
    let opts = ImportOptions {
        source: "notes.txt".into(),
        ..Default::default()
    };
    let junk = vec![b'x'; 5000];
    let err = import(&t.store, &mut &junk[..], &opts).unwrap_err();
    assert!(
        err.to_string().contains("notes.txt is not a tar archive"),
        "{err}"
    );
    let err = import(&t.store, &mut &[0u8; 1024][..], &opts).unwrap_err();
    assert!(err.to_string().contains("empty tar archive"), "{err}");
    let bad = ImportOptions {
        changes: vec!["RUN rm -rf /".into()],
        ..opts.clone()
    };
    let err = import(&t.store, &mut &rootfs_tar("x")[..], &bad).unwrap_err();
    assert!(matches!(err, ArchiveError::Change { .. }), "{err}");
    assert!(t.store.images().unwrap().is_empty());
    assert!(
        t.blob_files().is_empty(),
        "nothing stored: {:?}",
        t.blob_files()
    );
    assert!(t.tmp_files().is_empty());
}

#[test]
fn save_then_load_round_trips_tags_configs_and_layers() {
    let src = TestStore::new();
    let a = src.import(&rootfs_tar("a"), Some("app:1"));
    let b = src.import(&rootfs_tar("b"), None);
    src.store
        .tag(&Reference::parse("localhost:5000/app:2").unwrap(), &a.id)
        .unwrap();
    let mut archive = Vec::new();
    let names = vec![
        "app:1".to_string(),
        "localhost:5000/app:2".to_string(),
        b.id.to_string(),
    ];
    save(&src.store, &names, &mut archive).unwrap();

    // Both layouts are in the archive, and each layer is the uncompressed diff.
    for f in ["manifest.json", "index.json", "oci-layout", "repositories"] {
        assert!(tar_file(&archive, f).is_some(), "{f} missing");
    }
    let layer = tar_file(
        &archive,
        &format!("blobs/sha256/{}", a.layers[0].diff_id.hex()),
    )
    .unwrap();
    assert_eq!(Digest::of(&layer), a.layers[0].diff_id);
    let manifest: serde_json::Value =
        serde_json::from_slice(&tar_file(&archive, "manifest.json").unwrap()).unwrap();
    assert_eq!(
        manifest[0]["RepoTags"],
        json!(["app:1", "localhost:5000/app:2"])
    );
    assert_eq!(manifest[1]["RepoTags"], serde_json::Value::Null);

    let dst = TestStore::new();
    let loaded = load(&dst.store, &mut &archive[..]).unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].id, a.id);
    assert_eq!(
        loaded[0].tags,
        vec![
            Reference::parse("app:1").unwrap(),
            Reference::parse("localhost:5000/app:2").unwrap()
        ]
    );
    assert_eq!(loaded[1].id, b.id);
    assert!(loaded[1].tags.is_empty());
    let got = dst.store.resolve("app:1").unwrap();
    assert_eq!(got.config, a.config);
    assert_eq!(got.layers[0].diff_id, a.layers[0].diff_id);
    assert_eq!(got.layers[0].media_type, media_type::OCI_LAYER_TAR);
    assert!(got.manifest_digest.is_some(), "loaded through index.json");

    // Saving the loaded image again gives the same archive content.
    let mut again = Vec::new();
    save(&dst.store, &names, &mut again).unwrap();
    assert_eq!(
        tar_file(&again, "index.json"),
        tar_file(&archive, "index.json")
    );

    // A gzip-compressed archive loads too.
    let third = TestStore::new();
    let loaded = load(&third.store, &mut &gzip(&archive)[..]).unwrap();
    assert_eq!(loaded.len(), 2);
}

/// A classic `docker save` archive: `<hex>.json` config, `<id>/layer.tar` (here gzip, which
/// docker load also accepts), a symlinked duplicate, `manifest.json` and `repositories`.
fn classic_docker_archive(diff_ids_override: Option<Digest>) -> (Vec<u8>, Digest, Vec<u8>) {
    let rootfs = rootfs_tar("classic");
    let diff_id = diff_ids_override.unwrap_or_else(|| Digest::of(&rootfs));
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/hello"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id.to_string(), diff_id.to_string()]},
        "created": "2024-01-02T03:04:05Z",
    });
    let config_bytes = serde_json::to_vec(&config).unwrap();
    let id = Digest::of(&config_bytes);
    let mut b = tar::Builder::new(Vec::new());
    add_file(&mut b, "aaaa/layer.tar", &gzip(&rootfs));
    let mut l = tar::Header::new_gnu();
    l.set_entry_type(tar::EntryType::Symlink);
    l.set_size(0);
    b.append_link(&mut l, "bbbb/layer.tar", "../aaaa/layer.tar")
        .unwrap();
    add_file(&mut b, &format!("{}.json", id.hex()), &config_bytes);
    let manifest = json!([{
        "Config": format!("{}.json", id.hex()),
        "RepoTags": ["classic:v1"],
        "Layers": ["aaaa/layer.tar", "bbbb/layer.tar"],
    }]);
    add_file(&mut b, "manifest.json", manifest.to_string().as_bytes());
    add_file(&mut b, "repositories", br#"{"classic":{"v1":"bbbb"}}"#);
    (b.into_inner().unwrap(), id, rootfs)
}

#[test]
fn load_reads_classic_docker_archives_with_compressed_layers() {
    let t = TestStore::new();
    let (archive, id, rootfs) = classic_docker_archive(None);
    let loaded = load(&t.store, &mut &archive[..]).unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].id, id);
    assert_eq!(
        loaded[0].tags,
        vec![Reference::parse("classic:v1").unwrap()]
    );
    let rec = t.store.resolve("classic:v1").unwrap();
    assert_eq!(rec.layers.len(), 2);
    assert_eq!(rec.layers[0].media_type, media_type::OCI_LAYER_GZIP);
    assert_eq!(rec.layers[0].diff_id, Digest::of(&rootfs));
    assert_eq!(
        rec.layers[0].digest, rec.layers[1].digest,
        "the symlink is the same blob"
    );
    assert_eq!(rec.created.as_deref(), Some("2024-01-02T03:04:05Z"));

    // Saved again, the layer is written uncompressed, under its diff_id.
    let mut out = Vec::new();
    save(&t.store, &["classic:v1".to_string()], &mut out).unwrap();
    assert_eq!(
        tar_file(&out, &format!("blobs/sha256/{}", Digest::of(&rootfs).hex())).unwrap(),
        rootfs
    );
}

#[test]
fn load_refuses_layers_that_do_not_match_the_config() {
    let t = TestStore::new();
    let wrong = Digest::of(b"not the layer");
    let (archive, _, _) = classic_docker_archive(Some(wrong.clone()));
    let err = load(&t.store, &mut &archive[..]).unwrap_err();
    match err {
        ArchiveError::DiffIdMismatch { expected, .. } => assert_eq!(expected, wrong),
        e => panic!("expected a diff_id mismatch, got {e}"),
    }
    assert!(t.store.images().unwrap().is_empty());

    let err = load(&t.store, &mut &rootfs_tar("x")[..]).unwrap_err();
    assert!(
        err.to_string()
            .contains("neither manifest.json nor index.json"),
        "{err}"
    );
    let err = load(&t.store, &mut &b""[..]).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

/// Writes an OCI layout directory whose index.json holds a two-platform index.
fn write_layout(dir: &Path, rootfs: &[u8]) -> (Digest, Digest) {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let d = Digest::of(bytes);
        fs::write(blobs.join(d.hex()), bytes).unwrap();
        d
    };
    let layer = gzip(rootfs);
    let layer_d = put(&layer);
    let mut manifests = Vec::new();
    let mut host_id = None;
    let mut host_manifest = None;
    for arch in [Platform::host().architecture.as_str(), "s390x"] {
        let config = json!({
            "architecture": arch, "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [Digest::of(rootfs).to_string()]},
        });
        let cb = serde_json::to_vec(&config).unwrap();
        let cd = put(&cb);
        let manifest = json!({
            "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
            "config": {"mediaType": media_type::OCI_CONFIG, "digest": cd.to_string(), "size": cb.len()},
            "layers": [{"mediaType": media_type::OCI_LAYER_GZIP, "digest": layer_d.to_string(), "size": layer.len()}],
        });
        let mb = serde_json::to_vec(&manifest).unwrap();
        let md = put(&mb);
        if host_id.is_none() {
            host_id = Some(cd.clone());
            host_manifest = Some(md.clone());
        }
        manifests.push(json!({
            "mediaType": media_type::OCI_MANIFEST, "digest": md.to_string(), "size": mb.len(),
            "platform": {"architecture": arch, "os": "linux"},
        }));
    }
    let index =
        json!({"schemaVersion": 2, "mediaType": media_type::OCI_INDEX, "manifests": manifests});
    let ib = serde_json::to_vec(&index).unwrap();
    let id = put(&ib);
    let top = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": media_type::OCI_INDEX, "digest": id.to_string(), "size": ib.len(),
        "annotations": {"org.opencontainers.image.ref.name": "localhost:5000/multi:1"},
    }]});
    fs::write(dir.join("index.json"), top.to_string()).unwrap();
    fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    (host_id.unwrap(), host_manifest.unwrap())
}

#[test]
fn load_dir_picks_the_host_platform_from_a_nested_index() {
    let t = TestStore::new();
    let layout = tempfile::tempdir().unwrap();
    let rootfs = rootfs_tar("multi");
    let (host_id, host_manifest) = write_layout(layout.path(), &rootfs);
    let loaded = load_dir(&t.store, layout.path()).unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].id, host_id);
    assert_eq!(
        loaded[0].tags,
        vec![Reference::parse("localhost:5000/multi:1").unwrap()]
    );
    let rec = t.store.resolve("localhost:5000/multi:1").unwrap();
    assert_eq!(rec.manifest_digest, Some(host_manifest));
    assert_eq!(rec.config.architecture, Platform::host().architecture);
    assert_eq!(rec.layers[0].media_type, media_type::OCI_LAYER_GZIP);
    let (_, m): (Vec<u8>, ImageManifest) = t.store.manifest_for(&rec).unwrap();
    assert_eq!(m.layers[0].digest, rec.layers[0].digest);

    // A corrupt blob in the layout is refused by digest.
    let blob = layout
        .path()
        .join("blobs/sha256")
        .join(rec.layers[0].digest.hex());
    let fresh = TestStore::new();
    fs::write(&blob, b"corrupt").unwrap();
    let err = load_dir(&fresh.store, layout.path()).unwrap_err();
    assert!(
        matches!(err, ArchiveError::Store(StoreError::DigestMismatch { .. })),
        "{err}"
    );
    assert!(fresh.store.images().unwrap().is_empty());
}

#[test]
fn skopeo_reads_what_tug_saves() {
    let t = TestStore::new();
    let rec = t.import(&rootfs_tar("to-skopeo"), Some("localhost:5000/interop:1"));
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("saved.tar");
    let mut f = fs::File::create(&archive).unwrap();
    save(&t.store, &["localhost:5000/interop:1".to_string()], &mut f).unwrap();
    drop(f);

    let oci = work.path().join("oci");
    run_ok(
        skopeo(work.path())
            .arg("copy")
            .arg(format!("docker-archive:{}", archive.display()))
            .arg(format!("oci:{}:interop", oci.display())),
    );
    let index: ImageIndex =
        serde_json::from_slice(&fs::read(oci.join("index.json")).unwrap()).unwrap();
    let mdesc = &index.manifests[0];
    let manifest: ImageManifest = serde_json::from_slice(
        &fs::read(oci.join("blobs/sha256").join(mdesc.digest.hex())).unwrap(),
    )
    .unwrap();
    let config: ImageConfig = serde_json::from_slice(
        &fs::read(oci.join("blobs/sha256").join(manifest.config.digest.hex())).unwrap(),
    )
    .unwrap();
    assert_eq!(config.rootfs.diff_ids, rec.config.rootfs.diff_ids);
    assert_eq!(config.config, rec.config.config);

    // skopeo also reads it as an OCI archive, and sees the same config digest.
    let inspect = run_ok(
        skopeo(work.path())
            .args(["inspect", "--raw"])
            .arg(format!("oci-archive:{}", archive.display())),
    );
    let m: ImageManifest = serde_json::from_str(&inspect).unwrap();
    assert_eq!(m.config.digest, rec.id);
}

#[test]
fn tug_loads_what_skopeo_writes() {
    let src = TestStore::new();
    let rec = src.import(&rootfs_tar("from-skopeo"), Some("localhost:5000/interop:2"));
    let work = tempfile::tempdir().unwrap();
    let saved = work.path().join("saved.tar");
    let mut f = fs::File::create(&saved).unwrap();
    save(
        &src.store,
        &["localhost:5000/interop:2".to_string()],
        &mut f,
    )
    .unwrap();
    drop(f);

    // skopeo's docker-archive (classic layout, with its own symlinks and layer naming).
    let sk_archive = work.path().join("skopeo.tar");
    run_ok(
        skopeo(work.path())
            .arg("copy")
            .arg(format!("docker-archive:{}", saved.display()))
            .arg(format!(
                "docker-archive:{}:other/name:3",
                sk_archive.display()
            )),
    );
    let dst = TestStore::new();
    let mut r = fs::File::open(&sk_archive).unwrap();
    let loaded = load(&dst.store, &mut r).unwrap();
    assert_eq!(
        loaded[0].tags,
        vec![Reference::parse("other/name:3").unwrap()]
    );
    let got = dst.store.resolve("other/name:3").unwrap();
    assert_eq!(got.config.rootfs.diff_ids, rec.config.rootfs.diff_ids);
    assert_eq!(got.config.config, rec.config.config);

    // skopeo's OCI layout directory (gzip layers, as skopeo compresses them).
    let oci = work.path().join("oci");
    run_ok(
        skopeo(work.path())
            .arg("copy")
            .arg(format!("docker-archive:{}", saved.display()))
            .arg(format!("oci:{}:localhost:5000/interop:4", oci.display())),
    );
    let dst2 = TestStore::new();
    let loaded = load_dir(&dst2.store, &oci).unwrap();
    assert_eq!(
        loaded[0].tags,
        vec![Reference::parse("localhost:5000/interop:4").unwrap()]
    );
    let got = dst2.store.resolve("localhost:5000/interop:4").unwrap();
    assert_eq!(got.config.rootfs.diff_ids, rec.config.rootfs.diff_ids);
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for l in &got.layers {
        *by_type.entry(l.media_type.clone()).or_default() += 1;
    }
    assert_eq!(by_type.values().sum::<usize>(), 1);
}

//! Unpacking the same layer as tar, tar+gzip and tar+zstd, and the diff_id computed on the way.

mod layer_common;

use engine::image::media_type::Compression;
use engine::layer::{unpack, LayerError, UnpackOptions};
use engine::Digest;
use layer_common::{gzip, zstd, Opts, Sandbox, TarBuf};
use std::fs;
use std::io::Cursor;

fn sample_tar() -> Vec<u8> {
    TarBuf::new()
        .dir("etc/", Opts::default().mode(0o755))
        .file("etc/hostname", b"box\n", Opts::default())
        .file("bin/tool", &vec![7u8; 300_000], Opts::default().mode(0o755))
        .symlink("bin/alias", "tool")
        .finish()
}

fn opts() -> UnpackOptions {
    UnpackOptions::default()
}

#[test]
fn every_compression_gives_the_same_tree_and_the_uncompressed_diff_id() {
    let tar = sample_tar();
    let want = Digest::of(&tar);
    for (blob, compression) in [
        (tar.clone(), Compression::None),
        (gzip(&tar), Compression::Gzip),
        (zstd(&tar), Compression::Zstd),
    ] {
        let sb = Sandbox::new();
        let stats = unpack(Cursor::new(blob), &sb.dest(), &opts()).unwrap();
        assert_eq!(stats.compression, compression);
        assert_eq!(stats.diff_id, want, "{compression:?}");
        assert_eq!(stats.tar_size, tar.len() as u64);
        assert_eq!(stats.entries, 4);
        assert_eq!(stats.content_size, 300_004);
        assert_eq!(fs::read(sb.dest().join("etc/hostname")).unwrap(), b"box\n");
        assert_eq!(fs::read(sb.dest().join("bin/tool")).unwrap().len(), 300_000);
        assert_eq!(
            fs::read_link(sb.dest().join("bin/alias")).unwrap().to_str(),
            Some("tool")
        );
    }
}

#[test]
fn trailing_padding_after_the_end_blocks_counts_in_the_diff_id() {
    let mut tar = sample_tar();
    // Real tar writers pad to a 10 KiB record; the diff_id covers those bytes too.
    tar.resize(tar.len().div_ceil(10240) * 10240 + 10240, 0);
    let sb = Sandbox::new();
    let stats = unpack(Cursor::new(gzip(&tar)), &sb.dest(), &opts()).unwrap();
    assert_eq!(stats.diff_id, Digest::of(&tar));
    assert_eq!(stats.tar_size, tar.len() as u64);
}

#[test]
fn an_empty_layer_is_fine() {
    let tar = TarBuf::new().finish();
    let sb = Sandbox::new();
    let stats = unpack(Cursor::new(tar.clone()), &sb.dest(), &opts()).unwrap();
    assert_eq!(stats.entries, 0);
    assert_eq!(stats.diff_id, Digest::of(&tar));
    assert_eq!(fs::read_dir(sb.dest()).unwrap().count(), 0);
}

#[test]
fn a_corrupt_gzip_stream_is_a_read_error() {
    let mut blob = gzip(&sample_tar());
    let mid = blob.len() / 2;
    for b in &mut blob[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let sb = Sandbox::new();
    let err = unpack(Cursor::new(blob), &sb.dest(), &opts()).unwrap_err();
    assert!(matches!(err, LayerError::Read(_)), "{err:?}");
    assert!(err.to_string().starts_with("read layer stream"), "{err}");
}

#[test]
fn a_truncated_tar_is_a_read_error() {
    let tar = sample_tar();
    let sb = Sandbox::new();
    // Cut in the middle of bin/tool's content.
    let err = unpack(Cursor::new(tar[..100_000].to_vec()), &sb.dest(), &opts()).unwrap_err();
    assert!(matches!(err, LayerError::Read(_)), "{err:?}");
}

#[test]
fn a_header_with_a_bad_checksum_is_refused() {
    let mut tar = sample_tar();
    tar[0] ^= 1; // first byte of the first name
    let sb = Sandbox::new();
    let err = unpack(Cursor::new(tar), &sb.dest(), &opts()).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
}

#[test]
fn long_names_via_pax_records_unpack() {
    let long = format!("{}/file.txt", "d".repeat(150));
    let tar = TarBuf::new()
        .file(
            "placeholder",
            b"x",
            Opts::default().pax("path", long.as_bytes()),
        )
        .finish();
    let sb = Sandbox::new();
    unpack(Cursor::new(tar), &sb.dest(), &opts()).unwrap();
    assert_eq!(fs::read(sb.dest().join(&long)).unwrap(), b"x");
    assert!(!sb.dest().join("placeholder").exists());
}

#[test]
fn a_later_entry_replaces_an_earlier_one_of_the_same_name() {
    let tar = TarBuf::new()
        .file("a", b"first", Opts::default())
        .file("a", b"second", Opts::default())
        .dir("d/", Opts::default())
        .file("d/inner", b"x", Opts::default())
        .file("d", b"now a file", Opts::default())
        .symlink("s", "nowhere")
        .file("s", b"was a symlink", Opts::default())
        .finish();
    let sb = Sandbox::new();
    unpack(Cursor::new(tar), &sb.dest(), &opts()).unwrap();
    assert_eq!(fs::read(sb.dest().join("a")).unwrap(), b"second");
    assert_eq!(fs::read(sb.dest().join("d")).unwrap(), b"now a file");
    assert!(fs::symlink_metadata(sb.dest().join("s")).unwrap().is_file());
}

#[test]
fn missing_parents_are_made_0755() {
    use std::os::unix::fs::PermissionsExt;
    let tar = TarBuf::new()
        .file("x/y/z", b"deep", Opts::default())
        .finish();
    let sb = Sandbox::new();
    unpack(Cursor::new(tar), &sb.dest(), &opts()).unwrap();
    for dir in ["x", "x/y"] {
        let mode = fs::metadata(sb.dest().join(dir))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o7777, 0o755, "{dir}");
    }
}

#[test]
fn blank_numeric_header_fields_read_as_zero_like_go_does() {
    use std::os::unix::fs::MetadataExt;
    let mut h = tar::Header::new_ustar();
    h.set_path("bare").unwrap();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(2);
    h.set_cksum(); // mode, uid, gid and mtime stay blank
    let mut b = tar::Builder::new(Vec::new());
    b.append(&h, &b"hi"[..]).unwrap();
    let sb = Sandbox::new();
    unpack(Cursor::new(b.into_inner().unwrap()), &sb.dest(), &opts()).unwrap();
    let md = fs::metadata(sb.dest().join("bare")).unwrap();
    assert_eq!(md.mode() & 0o7777, 0);
    assert_eq!(md.mtime(), 0);
    assert_eq!(fs::read(sb.dest().join("bare")).unwrap(), b"hi");
}

//! AUFS-style whiteouts in a layer tar become overlayfs whiteouts and opaque directories.
//! Needs root (mknod of 0/0, `trusted.*` xattrs).

mod layer_common;

use engine::layer::{unpack, UnpackOptions};
use layer_common::{root_or_skip, tree, xattr, Opts, Sandbox, TarBuf};
use std::fs;
use std::io::Cursor;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

fn unpack_root(sb: &Sandbox, tar: Vec<u8>) -> engine::layer::UnpackStats {
    let opts = UnpackOptions {
        preserve_ownership: true,
    };
    unpack(Cursor::new(tar), &sb.dest(), &opts).unwrap()
}

#[test]
fn a_whiteout_entry_becomes_a_0_0_char_device_with_the_plain_name() {
    if !root_or_skip("a_whiteout_entry_becomes_a_0_0_char_device_with_the_plain_name") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .dir("etc/", Opts::default())
        .file("etc/.wh.motd", b"", Opts::default().owner(7, 8))
        .file(".wh.gone-dir", b"", Opts::default())
        .finish();
    let stats = unpack_root(&sb, tar);
    assert_eq!(stats.entries, 3);
    for (path, owner) in [("etc/motd", (7, 8)), ("gone-dir", (0, 0))] {
        let md = fs::symlink_metadata(sb.dest().join(path)).unwrap();
        assert!(md.file_type().is_char_device(), "{path}");
        assert_eq!(md.rdev(), 0, "{path}");
        assert_eq!((md.uid(), md.gid()), owner, "{path}");
    }
    let t = tree(&sb.dest());
    assert!(!t.keys().any(|k| k.contains(".wh.")), "{t:?}");
}

#[test]
fn an_opaque_marker_sets_the_overlay_opaque_xattr_on_its_directory() {
    if !root_or_skip("an_opaque_marker_sets_the_overlay_opaque_xattr_on_its_directory") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .dir("var/", Opts::default())
        .dir("var/cache/", Opts::default().mode(0o750))
        .file("var/cache/.wh..wh..opq", b"", Opts::default())
        .file("var/cache/fresh", b"new", Opts::default())
        // A marker whose directory the tar never lists: the directory is made.
        .file("opt/app/.wh..wh..opq", b"", Opts::default())
        .finish();
    unpack_root(&sb, tar);
    let d = sb.dest();
    assert_eq!(
        xattr(&d.join("var/cache"), "trusted.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert_eq!(
        xattr(&d.join("opt/app"), "trusted.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert_eq!(xattr(&d.join("var"), "trusted.overlay.opaque"), None);
    assert!(!d.join("var/cache/.wh..wh..opq").exists());
    assert_eq!(fs::read(d.join("var/cache/fresh")).unwrap(), b"new");
    assert_eq!(
        fs::metadata(d.join("var/cache")).unwrap().mode() & 0o7777,
        0o750
    );
}

#[test]
fn aufs_bookkeeping_entries_are_skipped() {
    if !root_or_skip("aufs_bookkeeping_entries_are_skipped") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .dir(".wh..wh.plnk/", Opts::default())
        .file(".wh..wh.aufs", b"", Opts::default())
        .file("kept", b"k", Opts::default())
        .finish();
    let stats = unpack_root(&sb, tar);
    assert_eq!(stats.entries, 1);
    assert_eq!(tree(&sb.dest()).keys().collect::<Vec<_>>(), ["kept"]);
}

#[test]
fn a_whiteout_replaces_a_same_named_entry_of_the_same_layer() {
    if !root_or_skip("a_whiteout_replaces_a_same_named_entry_of_the_same_layer") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .dir("d/", Opts::default())
        .file("d/x", b"x", Opts::default())
        .file(".wh.d", b"", Opts::default())
        .finish();
    unpack_root(&sb, tar);
    let md = fs::symlink_metadata(sb.dest().join("d")).unwrap();
    assert!(md.file_type().is_char_device());
}

#[test]
fn a_whiteout_that_names_nothing_is_refused() {
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .file("etc/.wh.", b"", Opts::default())
        .finish();
    let err = unpack(Cursor::new(tar), &sb.dest(), &UnpackOptions::default()).unwrap_err();
    assert!(err.to_string().contains("whiteout names no file"), "{err}");
}

//! Hostile tars: every way out of the layer directory is refused, and nothing is written
//! outside it. Each test unpacks into `dest/` of a sandbox that also holds a canary file.

mod layer_common;

use engine::layer::{unpack, LayerError, UnpackOptions};
use layer_common::{Opts, Sandbox, TarBuf};
use std::fs;
use std::io::Cursor;
use std::os::unix::fs::MetadataExt;
use tar::EntryType;

fn unpack_in(sb: &Sandbox, tar: Vec<u8>) -> Result<engine::layer::UnpackStats, LayerError> {
    // Ownership off: none of these needs root, and they must hold for unprivileged runs too.
    let opts = UnpackOptions {
        preserve_ownership: false,
    };
    unpack(Cursor::new(tar), &sb.dest(), &opts)
}

fn assert_refused(err: LayerError, entry: &str, why: &str) {
    let text = err.to_string();
    assert!(matches!(err, LayerError::UnsafeEntry { .. }), "{err:?}");
    assert!(
        text.contains(entry),
        "error should name the entry {entry:?}: {text}"
    );
    assert!(text.contains(why), "error should say {why:?}: {text}");
}

#[test]
fn dot_dot_entries_are_refused() {
    for name in ["../canary", "a/../../canary", "../escaped-dir/"] {
        let sb = Sandbox::new();
        let kind = if name.ends_with('/') {
            EntryType::Directory
        } else {
            EntryType::Regular
        };
        let tar = TarBuf::new()
            .entry(kind, name, None, b"pwned", Opts::default())
            .finish();
        let err = unpack_in(&sb, tar).unwrap_err();
        assert_refused(err, name, "`..`");
        sb.assert_nothing_outside_dest();
    }
}

#[test]
fn absolute_paths_land_inside_dest() {
    let sb = Sandbox::new();
    let canary = sb.tmp.path().join("canary");
    let abs = canary.to_str().unwrap().to_string();
    let tar = TarBuf::new()
        .file("/etc/hostname", b"inside", Opts::default())
        .file(&abs, b"inside too", Opts::default())
        .finish();
    unpack_in(&sb, tar).unwrap();
    assert_eq!(fs::read(sb.dest().join("etc/hostname")).unwrap(), b"inside");
    let rel = abs.trim_start_matches('/');
    assert_eq!(fs::read(sb.dest().join(rel)).unwrap(), b"inside too");
    sb.assert_nothing_outside_dest();
}

#[test]
fn writing_through_a_planted_symlink_is_refused() {
    let sandbox_dir = |sb: &Sandbox| sb.tmp.path().to_str().unwrap().to_string();
    // Absolute, relative-escaping and even inside-pointing symlinks all count.
    for (target, name) in [
        (None, "evil/canary"),
        (Some(".."), "evil/canary"),
        (Some("sub"), "evil/file"),
    ] {
        let sb = Sandbox::new();
        let target = target.map_or_else(|| sandbox_dir(&sb), str::to_string);
        let tar = TarBuf::new()
            .dir("sub/", Opts::default())
            .symlink("evil", &target)
            .file(name, b"pwned", Opts::default())
            .finish();
        let err = unpack_in(&sb, tar).unwrap_err();
        assert_refused(err, name, "symlink \"evil\"");
        sb.assert_nothing_outside_dest();
        assert!(!sb.dest().join("sub/file").exists());
    }
}

#[test]
fn deep_paths_through_a_symlinked_directory_are_refused() {
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .dir("a/", Opts::default())
        .dir("a/b/", Opts::default())
        .symlink("a/b/up", "../../..")
        .dir("a/b/up/made-outside/", Opts::default())
        .finish();
    let err = unpack_in(&sb, tar).unwrap_err();
    assert_refused(err, "a/b/up/made-outside/", "a/b/up");
    sb.assert_nothing_outside_dest();
}

#[test]
fn every_entry_type_is_checked_not_just_files() {
    let outside = |sb: &Sandbox| sb.tmp.path().to_str().unwrap().to_string();
    type Add = fn(&mut TarBuf, &str) -> ();
    let kinds: [(&str, Add); 5] = [
        ("dir", |t, n| {
            t.dir(&format!("{n}/"), Opts::default());
        }),
        ("symlink", |t, n| {
            t.symlink(n, "/etc/passwd");
        }),
        ("fifo", |t, n| {
            t.device(EntryType::Fifo, n, 0, 0, Opts::default());
        }),
        ("whiteout", |t, n| {
            let (dir, base) = n.rsplit_once('/').unwrap();
            t.file(&format!("{dir}/.wh.{base}"), b"", Opts::default());
        }),
        ("opaque", |t, n| {
            let (dir, _) = n.rsplit_once('/').unwrap();
            t.file(&format!("{dir}/.wh..wh..opq"), b"", Opts::default());
        }),
    ];
    for (what, add) in kinds {
        let sb = Sandbox::new();
        let mut tar = TarBuf::new();
        tar.symlink("evil", &outside(&sb));
        add(&mut tar, "evil/canary");
        let err = unpack_in(&sb, tar.finish()).unwrap_err();
        assert!(
            matches!(err, LayerError::UnsafeEntry { .. }),
            "{what}: {err:?}"
        );
        sb.assert_nothing_outside_dest();
    }
}

#[test]
fn hard_links_cannot_reach_outside() {
    let sb = Sandbox::new();
    let canary = sb.tmp.path().join("canary");
    let canary_abs = canary.to_str().unwrap().to_string();
    let cases: Vec<(String, &str)> = vec![
        ("../canary".into(), "`..`"),
        // An absolute target is resolved inside dest, where there is no such file.
        (canary_abs, "not an earlier entry"),
        ("evil/canary".into(), "symlink \"evil\""),
        ("never-written".into(), "not an earlier entry"),
    ];
    for (target, why) in cases {
        let sb = Sandbox::new();
        let outside = sb.tmp.path().to_str().unwrap().to_string();
        let tar = TarBuf::new()
            .symlink("evil", &outside)
            .hardlink("stolen", &target)
            .finish();
        let err = unpack_in(&sb, tar).unwrap_err();
        assert_refused(err, "stolen", why);
        sb.assert_nothing_outside_dest();
        assert!(fs::symlink_metadata(sb.dest().join("stolen")).is_err());
    }
}

#[test]
fn a_hard_link_to_a_symlink_links_the_symlink_not_its_target() {
    let sb = Sandbox::new();
    let canary = sb.tmp.path().join("canary");
    let before = fs::metadata(&canary).unwrap().nlink();
    let tar = TarBuf::new()
        .symlink("points-out", canary.to_str().unwrap())
        .hardlink("second-name", "points-out")
        .finish();
    unpack_in(&sb, tar).unwrap();
    let md = fs::symlink_metadata(sb.dest().join("second-name")).unwrap();
    assert!(md.file_type().is_symlink());
    assert_eq!(fs::metadata(&canary).unwrap().nlink(), before);
    sb.assert_nothing_outside_dest();
}

#[test]
fn a_file_over_a_planted_symlink_replaces_the_symlink() {
    let sb = Sandbox::new();
    let canary = sb.tmp.path().join("canary");
    let tar = TarBuf::new()
        .symlink("victim", canary.to_str().unwrap())
        .file("victim", b"pwned", Opts::default())
        .finish();
    unpack_in(&sb, tar).unwrap();
    assert_eq!(fs::read(sb.dest().join("victim")).unwrap(), b"pwned");
    sb.assert_nothing_outside_dest();
}

#[test]
fn pax_and_gnu_long_names_are_checked_too() {
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .file(
            "harmless",
            b"pwned",
            Opts::default().pax("path", b"../canary"),
        )
        .finish();
    let err = unpack_in(&sb, tar).unwrap_err();
    assert_refused(err, "../canary", "`..`");
    sb.assert_nothing_outside_dest();

    // GNU long name (`L` entry), written by tar's own builder for names over 100 bytes.
    let sb = Sandbox::new();
    let long = format!("{}/../../canary", "d".repeat(120));
    let mut h = tar::Header::new_gnu();
    h.set_size(5);
    h.set_mode(0o644);
    h.set_entry_type(EntryType::Regular);
    let mut b = tar::Builder::new(Vec::new());
    // append_data refuses `..`, so write the long-name record by hand.
    let mut name = long.clone().into_bytes();
    name.push(0);
    let mut l = tar::Header::new_gnu();
    l.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
    l.set_mode(0o644);
    l.set_size(name.len() as u64);
    l.set_entry_type(EntryType::GNULongName);
    l.set_cksum();
    b.append(&l, &name[..]).unwrap();
    h.as_gnu_mut().unwrap().name[..5].copy_from_slice(b"short");
    h.set_cksum();
    b.append(&h, &b"pwned"[..]).unwrap();
    let err = unpack_in(&sb, b.into_inner().unwrap()).unwrap_err();
    assert_refused(err, "../../canary", "`..`");
    sb.assert_nothing_outside_dest();
}

#[test]
fn nothing_is_written_for_the_refused_entry_itself() {
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .file("ok-before", b"1", Opts::default())
        .file("x/../../canary", b"pwned", Opts::default())
        .file("never-reached", b"2", Opts::default())
        .finish();
    assert!(unpack_in(&sb, tar).is_err());
    assert!(sb.dest().join("ok-before").exists());
    assert!(
        !sb.dest().join("x").exists(),
        "no parent made for a refused entry"
    );
    assert!(!sb.dest().join("never-reached").exists());
    sb.assert_nothing_outside_dest();
}

#[test]
fn a_non_directory_root_entry_is_refused() {
    let sb = Sandbox::new();
    let tar = TarBuf::new().file("./", b"", Opts::default()).finish();
    let err = unpack_in(&sb, tar).unwrap_err();
    assert_refused(err, "./", "layer root");
}

#[test]
fn a_char_device_with_a_garbled_number_is_an_error_not_a_whiteout() {
    let sb = Sandbox::new();
    let mut h = tar::Header::new_ustar();
    h.set_path("dev/sneaky").unwrap();
    h.set_entry_type(EntryType::Char);
    h.set_mode(0o600);
    h.set_size(0);
    h.as_ustar_mut().unwrap().dev_major = *b"zz\0\0\0\0\0\0";
    h.set_cksum();
    let mut b = tar::Builder::new(Vec::new());
    b.append(&h, &[][..]).unwrap();
    let err = unpack_in(&sb, b.into_inner().unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            LayerError::Header {
                field: "devmajor",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("dev/sneaky"), "{err}");
    assert!(fs::symlink_metadata(sb.dest().join("dev/sneaky")).is_err());
}

//! Ownership, modes, xattrs, times, hard links and device nodes come out as docker makes
//! them. Needs root (chown, mknod, trusted xattrs); skipped with a message otherwise.

mod layer_common;

use engine::layer::{unpack, UnpackOptions};
use layer_common::{root_or_skip, xattr, Opts, Sandbox, TarBuf};
use std::fs;
use std::io::Cursor;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use tar::EntryType;

fn unpack_root(sb: &Sandbox, tar: Vec<u8>) -> engine::layer::UnpackStats {
    let opts = UnpackOptions {
        preserve_ownership: true,
    };
    unpack(Cursor::new(tar), &sb.dest(), &opts).unwrap()
}

#[test]
fn ownership_and_special_mode_bits_are_kept() {
    if !root_or_skip("ownership_and_special_mode_bits_are_kept") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .dir("tmp/", Opts::default().mode(0o1777))
        .dir("srv/", Opts::default().mode(0o2750).owner(33, 33))
        .file(
            "srv/data",
            b"d",
            Opts::default().mode(0o640).owner(999, 998),
        )
        .file("bin/su", b"elf", Opts::default().mode(0o4755).owner(0, 0))
        .file("bin/wall", b"elf", Opts::default().mode(0o2755).owner(0, 5))
        .symlink("srv/link", "data")
        .finish();
    unpack_root(&sb, tar);
    let md = |p: &str| fs::symlink_metadata(sb.dest().join(p)).unwrap();
    assert_eq!(md("tmp").mode() & 0o7777, 0o1777);
    assert_eq!(md("srv").mode() & 0o7777, 0o2750);
    assert_eq!((md("srv").uid(), md("srv").gid()), (33, 33));
    assert_eq!(md("srv/data").mode() & 0o7777, 0o640);
    assert_eq!((md("srv/data").uid(), md("srv/data").gid()), (999, 998));
    // setuid/setgid survive the chown (which clears them) because chmod comes after.
    assert_eq!(md("bin/su").mode() & 0o7777, 0o4755);
    assert_eq!(md("bin/wall").mode() & 0o7777, 0o2755);
    assert_eq!(md("bin/wall").gid(), 5);
}

#[test]
fn symlink_ownership_is_its_own() {
    if !root_or_skip("symlink_ownership_is_its_own") {
        return;
    }
    let sb = Sandbox::new();
    let mut t = TarBuf::new();
    t.file("target", b"x", Opts::default().owner(1, 1));
    t.entry(
        EntryType::Symlink,
        "link",
        Some("target"),
        &[],
        Opts::default().owner(1234, 4321),
    );
    unpack_root(&sb, t.finish());
    let link = fs::symlink_metadata(sb.dest().join("link")).unwrap();
    assert_eq!((link.uid(), link.gid()), (1234, 4321));
    let target = fs::metadata(sb.dest().join("target")).unwrap();
    assert_eq!((target.uid(), target.gid()), (1, 1));
}

#[test]
fn pax_uid_and_gid_above_the_octal_range_apply() {
    if !root_or_skip("pax_uid_and_gid_above_the_octal_range_apply") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .file(
            "big-ids",
            b"x",
            Opts::default()
                .pax("uid", b"3000000")
                .pax("gid", b"3000001"),
        )
        .finish();
    unpack_root(&sb, tar);
    let md = fs::metadata(sb.dest().join("big-ids")).unwrap();
    assert_eq!((md.uid(), md.gid()), (3_000_000, 3_000_001));
}

#[test]
fn xattrs_from_pax_records_are_set_and_overlay_ones_ignored() {
    if !root_or_skip("xattrs_from_pax_records_are_set_and_overlay_ones_ignored") {
        return;
    }
    let sb = Sandbox::new();
    // security.capability of `ping` (cap_net_raw+ep), as Debian ships it.
    let cap: &[u8] = &[1, 0, 0, 2, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let tar = TarBuf::new()
        .dir(
            "d/",
            Opts::default().pax("SCHILY.xattr.user.dir", b"on-a-dir"),
        )
        .file(
            "d/ping",
            b"elf",
            Opts::default()
                .mode(0o755)
                .pax("SCHILY.xattr.security.capability", cap)
                .pax("SCHILY.xattr.user.comment", b"hello")
                .pax("SCHILY.xattr.trusted.note", b"t"),
        )
        .file(
            "d/sneaky",
            b"x",
            Opts::default().pax("SCHILY.xattr.trusted.overlay.opaque", b"y"),
        )
        .finish();
    let stats = unpack_root(&sb, tar);
    let d = sb.dest();
    assert_eq!(
        xattr(&d.join("d/ping"), "security.capability").as_deref(),
        Some(cap)
    );
    assert_eq!(
        xattr(&d.join("d/ping"), "user.comment").as_deref(),
        Some(&b"hello"[..])
    );
    assert_eq!(
        xattr(&d.join("d/ping"), "trusted.note").as_deref(),
        Some(&b"t"[..])
    );
    assert_eq!(
        xattr(&d.join("d"), "user.dir").as_deref(),
        Some(&b"on-a-dir"[..])
    );
    assert_eq!(xattr(&d.join("d/sneaky"), "trusted.overlay.opaque"), None);
    assert_eq!(stats.xattrs_skipped, 1);
}

#[test]
fn mtimes_are_kept_for_files_symlinks_and_directories_after_their_contents() {
    if !root_or_skip("mtimes_are_kept_for_files_symlinks_and_directories_after_their_contents") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .dir("d/", Opts::default().mtime(1_000_000_000))
        .file("d/f", b"x", Opts::default().mtime(1_100_000_000))
        .symlink("d/l", "f")
        .dir("d/sub/", Opts::default().mtime(1_200_000_000))
        .file("d/sub/g", b"y", Opts::default().mtime(1_300_000_000))
        .file(
            "nanos",
            b"z",
            Opts::default().pax("mtime", b"1400000000.123456789"),
        )
        .finish();
    unpack_root(&sb, tar);
    let md = |p: &str| fs::symlink_metadata(sb.dest().join(p)).unwrap();
    // Written into after their entries, yet they keep the tar's times.
    assert_eq!(md("d").mtime(), 1_000_000_000);
    assert_eq!(md("d/sub").mtime(), 1_200_000_000);
    assert_eq!(md("d/f").mtime(), 1_100_000_000);
    assert_eq!(md("d/sub/g").mtime(), 1_300_000_000);
    assert_eq!(
        md("d/l").mtime(),
        1_600_000_000,
        "symlink's own time (TarBuf default)"
    );
    assert_eq!(
        (md("nanos").mtime(), md("nanos").mtime_nsec()),
        (1_400_000_000, 123_456_789)
    );
}

#[test]
fn hard_links_share_an_inode() {
    if !root_or_skip("hard_links_share_an_inode") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .file("usr/bin/python3.11", b"interp", Opts::default().mode(0o755))
        .hardlink("usr/bin/python3", "usr/bin/python3.11")
        .hardlink("/usr/local/py", "/usr/bin/python3.11")
        .finish();
    unpack_root(&sb, tar);
    let a = fs::metadata(sb.dest().join("usr/bin/python3.11")).unwrap();
    let b = fs::metadata(sb.dest().join("usr/bin/python3")).unwrap();
    let c = fs::metadata(sb.dest().join("usr/local/py")).unwrap();
    assert_eq!(a.ino(), b.ino());
    assert_eq!(a.ino(), c.ino());
    assert_eq!(a.nlink(), 3);
    assert_eq!(a.mode() & 0o7777, 0o755);
}

#[test]
fn devices_and_fifos_are_made_with_their_numbers() {
    if !root_or_skip("devices_and_fifos_are_made_with_their_numbers") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .device(
            EntryType::Char,
            "dev/null",
            1,
            3,
            Opts::default().mode(0o666),
        )
        .device(
            EntryType::Block,
            "dev/loop9",
            7,
            9,
            Opts::default().mode(0o660).owner(0, 6),
        )
        .device(
            EntryType::Fifo,
            "run/initctl",
            0,
            0,
            Opts::default().mode(0o600),
        )
        .finish();
    unpack_root(&sb, tar);
    let md = |p: &str| fs::symlink_metadata(sb.dest().join(p)).unwrap();
    let null = md("dev/null");
    assert!(null.file_type().is_char_device());
    assert_eq!(
        (
            rustix::fs::major(null.rdev()),
            rustix::fs::minor(null.rdev())
        ),
        (1, 3)
    );
    assert_eq!(null.mode() & 0o7777, 0o666, "mknod's umask must not stick");
    let lp = md("dev/loop9");
    assert!(lp.file_type().is_block_device());
    assert_eq!(
        (rustix::fs::major(lp.rdev()), rustix::fs::minor(lp.rdev())),
        (7, 9)
    );
    assert_eq!(lp.gid(), 6);
    assert!(md("run/initctl").file_type().is_fifo());
}

#[test]
fn the_root_entry_sets_the_layer_directory_metadata() {
    if !root_or_skip("the_root_entry_sets_the_layer_directory_metadata") {
        return;
    }
    let sb = Sandbox::new();
    let tar = TarBuf::new()
        .dir("./", Opts::default().mode(0o711).mtime(1_234_567_890))
        .file("./f", b"x", Opts::default())
        .finish();
    unpack_root(&sb, tar);
    let md = fs::metadata(sb.dest()).unwrap();
    assert_eq!(md.mode() & 0o7777, 0o711);
    assert_eq!(md.mtime(), 1_234_567_890);
}

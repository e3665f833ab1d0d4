//! Interoperability: a tree archived by GNU tar (the writer behind most base images, in both
//! its `gnu` and `posix` formats) unpacks into an identical tree: types, modes with special
//! bits, owners, mtimes, hard-link groups, device numbers, symlink targets, xattrs, sparse
//! and non-UTF-8 names. Needs root and GNU tar (Debian's essential `tar`).

mod layer_common;

use engine::layer::{unpack, UnpackOptions};
use layer_common::{root_or_skip, zstd};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Cursor;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

fn sh(cmd: &mut Command) {
    let out = cmd.output().expect("run command");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) {
    rustix::fs::lsetxattr(path, name, value, rustix::fs::XattrFlags::empty()).unwrap();
}

/// A small root file system with every kind of thing a layer holds.
fn make_tree(src: &Path) {
    let p = |rel: &str| src.join(rel);
    for d in ["srv", "bin", "usr/lib", "run", "dev", "tmp", "empty"] {
        fs::create_dir_all(p(d)).unwrap();
    }
    fs::write(p("srv/data"), b"payload").unwrap();
    fs::set_permissions(p("srv/data"), fs::Permissions::from_mode(0o640)).unwrap();
    rustix::fs::chown(p("srv/data"), Some(uid(999)), Some(gid(998))).unwrap();
    set_xattr(&p("srv/data"), "user.note", b"hello");
    fs::write(p("bin/ping"), b"elf").unwrap();
    set_xattr(
        &p("bin/ping"),
        "security.capability",
        &[1, 0, 0, 2, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    fs::write(p("bin/su"), b"elf").unwrap();
    fs::set_permissions(p("bin/su"), fs::Permissions::from_mode(0o4755)).unwrap();
    fs::hard_link(p("bin/su"), p("bin/su2")).unwrap();
    fs::hard_link(p("bin/su"), p("usr/lib/su3")).unwrap();
    symlink("usr/lib", p("lib")).unwrap();
    symlink("/nonexistent/abs", p("run/dangling")).unwrap();
    fs::write(p("usr/lib/libc.so"), vec![42u8; 200_000]).unwrap();
    let long = format!("usr/lib/{}", "n".repeat(120));
    fs::create_dir_all(p(&long)).unwrap();
    fs::write(p(&format!("{long}/{}", "f".repeat(110))), b"long").unwrap();
    fs::write(
        src.join(OsStr::from_bytes(b"bin/latin1-\xe9t\xe9")),
        b"bytes",
    )
    .unwrap();
    sh(Command::new("mkfifo").arg(p("run/initctl")));
    sh(Command::new("mknod")
        .arg(p("dev/null"))
        .args(["c", "1", "3"]));
    sh(Command::new("truncate")
        .args(["-s", "8M"])
        .arg(p("usr/lib/sparse")));
    fs::set_permissions(p("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
    fs::set_permissions(p("srv"), fs::Permissions::from_mode(0o2750)).unwrap();
    rustix::fs::chown(p("srv"), Some(uid(33)), Some(gid(33))).unwrap();
    // Distinct, old mtimes everywhere (directories last, as their contents bump them).
    sh(Command::new("find").arg(src).args([
        "-depth",
        "-exec",
        "touch",
        "-h",
        "-d",
        "2001-02-03 04:05:06",
        "{}",
        "+",
    ]));
}

fn uid(n: u32) -> rustix::fs::Uid {
    rustix::fs::Uid::from_raw(n)
}

fn gid(n: u32) -> rustix::fs::Gid {
    rustix::fs::Gid::from_raw(n)
}

/// What must survive the round trip, per path; hard links as the group of paths sharing an
/// inode.
fn describe(root: &Path, with_xattrs: bool) -> BTreeMap<Vec<u8>, String> {
    let mut out = BTreeMap::new();
    let mut inodes: BTreeMap<u64, Vec<Vec<u8>>> = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .to_vec();
            let md = fs::symlink_metadata(&path).unwrap();
            let ft = md.file_type();
            let mut d = format!(
                "mode={:o} owner={}:{} mtime={}",
                md.mode(),
                md.uid(),
                md.gid(),
                md.mtime()
            );
            if ft.is_symlink() {
                d += &format!(" -> {}", fs::read_link(&path).unwrap().display());
            } else if ft.is_file() {
                let content = fs::read(&path).unwrap();
                d += &format!(
                    " size={} sum={}",
                    content.len(),
                    engine::Digest::of(&content)
                );
                inodes.entry(md.ino()).or_default().push(rel.clone());
            } else if !ft.is_dir() {
                d += &format!(" rdev={}", md.rdev());
            }
            if with_xattrs && !ft.is_symlink() {
                for name in ["user.note", "security.capability"] {
                    if let Some(v) = layer_common::xattr(&path, name) {
                        d += &format!(" {name}={v:?}");
                    }
                }
            }
            out.insert(rel, d);
            if ft.is_dir() {
                stack.push(path);
            }
        }
    }
    for group in inodes.into_values().filter(|g| g.len() > 1) {
        let names: Vec<String> = group
            .iter()
            .map(|g| String::from_utf8_lossy(g).into())
            .collect();
        let mut names = names;
        names.sort();
        out.insert(
            format!("hardlinks:{}", names.join(",")).into_bytes(),
            String::new(),
        );
    }
    out
}

#[test]
fn trees_archived_by_gnu_tar_unpack_identically() {
    if !root_or_skip("trees_archived_by_gnu_tar_unpack_identically") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    make_tree(&src);
    for (format, xattrs) in [("gnu", false), ("posix", true)] {
        let tar_path = tmp.path().join(format!("layer-{format}.tar"));
        let mut cmd = Command::new("tar");
        cmd.arg(format!("--format={format}"))
            .args(["--numeric-owner", "--sparse", "-cpf"])
            .arg(&tar_path);
        if xattrs {
            cmd.args(["--xattrs", "--xattrs-include=*"]);
        }
        sh(cmd.arg("-C").arg(&src).arg("."));
        let tar = fs::read(&tar_path).unwrap();

        let dest = tmp.path().join(format!("dest-{format}"));
        fs::create_dir(&dest).unwrap();
        let opts = UnpackOptions {
            preserve_ownership: true,
        };
        let stats = unpack(Cursor::new(zstd(&tar)), &dest, &opts).unwrap();
        assert_eq!(stats.diff_id, engine::Digest::of(&tar), "{format}");

        let want = describe(&src, xattrs);
        let got = describe(&dest, xattrs);
        for (k, v) in &want {
            assert_eq!(
                got.get(k),
                Some(v),
                "{format}: {}",
                String::from_utf8_lossy(k)
            );
        }
        assert_eq!(got.len(), want.len(), "{format}: extra paths");
    }
}

//! Helpers shared by the layer and snapshot tests: building tars entry by entry (including
//! hostile ones a normal tar writer refuses to make), compressing them, and looking at trees.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use tar::{EntryType, Header};

/// True when the test can do what only root can (mknod, chown, trusted.* xattrs, mount).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// False (after saying why) when the test needs root and does not have it; the caller
/// returns early. CI runs as root, so there these tests always run.
pub fn root_or_skip(test: &str) -> bool {
    if is_root() {
        return true;
    }
    eprintln!("skipping {test}: needs root (mknod, chown, trusted xattrs, mount)");
    false
}

/// Builds a tar entry by entry. Names are written into the header verbatim, so `..`, absolute
/// paths and the like can be crafted; long or hostile names go through PAX records.
pub struct TarBuf {
    builder: tar::Builder<Vec<u8>>,
}

/// Header fields a test may want to set.
#[derive(Clone)]
pub struct Opts {
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: u64,
    pub pax: Vec<(String, Vec<u8>)>,
}

impl Default for Opts {
    fn default() -> Opts {
        Opts {
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 1_600_000_000,
            pax: Vec::new(),
        }
    }
}

impl Opts {
    pub fn mode(mut self, mode: u32) -> Opts {
        self.mode = mode;
        self
    }
    pub fn owner(mut self, uid: u64, gid: u64) -> Opts {
        self.uid = uid;
        self.gid = gid;
        self
    }
    pub fn mtime(mut self, mtime: u64) -> Opts {
        self.mtime = mtime;
        self
    }
    pub fn pax(mut self, key: &str, value: &[u8]) -> Opts {
        self.pax.push((key.to_string(), value.to_vec()));
        self
    }
}

impl Default for TarBuf {
    fn default() -> TarBuf {
        TarBuf::new()
    }
}

impl TarBuf {
    pub fn new() -> TarBuf {
        TarBuf {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    /// Appends an entry with a raw name (≤ 100 bytes) and optional link name.
    pub fn entry(
        &mut self,
        kind: EntryType,
        name: &str,
        link: Option<&str>,
        data: &[u8],
        opts: Opts,
    ) -> &mut TarBuf {
        if !opts.pax.is_empty() {
            let records: Vec<(&str, &[u8])> = opts
                .pax
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_slice()))
                .collect();
            self.builder.append_pax_extensions(records).unwrap();
        }
        let mut h = Header::new_ustar();
        {
            let raw = h.as_ustar_mut().unwrap();
            raw.name = [0; 100];
            raw.name[..name.len()].copy_from_slice(name.as_bytes());
            if let Some(link) = link {
                raw.linkname = [0; 100];
                raw.linkname[..link.len()].copy_from_slice(link.as_bytes());
            }
        }
        h.set_entry_type(kind);
        h.set_mode(opts.mode);
        h.set_uid(opts.uid);
        h.set_gid(opts.gid);
        h.set_mtime(opts.mtime);
        h.set_size(data.len() as u64);
        h.set_cksum();
        self.builder.append(&h, data).unwrap();
        self
    }

    pub fn dir(&mut self, name: &str, opts: Opts) -> &mut TarBuf {
        self.entry(EntryType::Directory, name, None, &[], opts)
    }

    pub fn file(&mut self, name: &str, data: &[u8], opts: Opts) -> &mut TarBuf {
        self.entry(EntryType::Regular, name, None, data, opts)
    }

    pub fn symlink(&mut self, name: &str, target: &str) -> &mut TarBuf {
        self.entry(
            EntryType::Symlink,
            name,
            Some(target),
            &[],
            Opts::default().mode(0o777),
        )
    }

    pub fn hardlink(&mut self, name: &str, target: &str) -> &mut TarBuf {
        self.entry(EntryType::Link, name, Some(target), &[], Opts::default())
    }

    pub fn device(
        &mut self,
        kind: EntryType,
        name: &str,
        major: u32,
        minor: u32,
        opts: Opts,
    ) -> &mut TarBuf {
        let mut h = Header::new_ustar();
        h.set_path(name).unwrap();
        h.set_entry_type(kind);
        h.set_mode(opts.mode);
        h.set_uid(opts.uid);
        h.set_gid(opts.gid);
        h.set_mtime(opts.mtime);
        h.set_size(0);
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        h.set_cksum();
        self.builder.append(&h, &[][..]).unwrap();
        self
    }

    /// The finished tar (with its two end-of-archive blocks).
    pub fn finish(&mut self) -> Vec<u8> {
        let builder = std::mem::replace(&mut self.builder, tar::Builder::new(Vec::new()));
        builder.into_inner().unwrap()
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(std::io::Cursor::new(data), 3).unwrap()
}

/// A temporary sandbox with `dest/` inside and a canary file beside it, so tests can check
/// that nothing was written outside `dest`.
pub struct Sandbox {
    pub tmp: tempfile::TempDir,
}

pub const CANARY: &[u8] = b"untouched";

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("dest")).unwrap();
        fs::write(tmp.path().join("canary"), CANARY).unwrap();
        Sandbox { tmp }
    }

    pub fn dest(&self) -> PathBuf {
        self.tmp.path().join("dest")
    }

    /// Asserts that the sandbox holds only `dest/` and the unchanged canary.
    pub fn assert_nothing_outside_dest(&self) {
        let mut names: Vec<String> = fs::read_dir(self.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["canary", "dest"],
            "something was written beside dest"
        );
        assert_eq!(fs::read(self.tmp.path().join("canary")).unwrap(), CANARY);
        let canary = fs::symlink_metadata(self.tmp.path().join("canary")).unwrap();
        assert_eq!(canary.nlink(), 1, "canary gained a hard link");
    }
}

/// Every path below `root` (not following symlinks), with a short description of its type.
pub fn tree(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let md = fs::symlink_metadata(&path).unwrap();
            let ft = md.file_type();
            let kind = if ft.is_dir() {
                "dir".to_string()
            } else if ft.is_symlink() {
                format!("-> {}", fs::read_link(&path).unwrap().display())
            } else if ft.is_file() {
                "file".to_string()
            } else {
                "special".to_string()
            };
            out.insert(rel, kind);
            if ft.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// An xattr of `path` (not following it), or None.
pub fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let mut buf = [0u8; 1024];
    match rustix::fs::lgetxattr(path, name, &mut buf[..]) {
        Ok(n) => Some(buf[..n].to_vec()),
        Err(_) => None,
    }
}

//! The overlay mount options string, and the limit it must fit in.
//!
//! Legacy `mount(2)` copies one page of option data and silently cuts the rest, so a long
//! string fails later with a baffling error about a truncated path. The lower dirs are
//! therefore named `l/<26-char link>` relative to `image/` (29 bytes each with the colon),
//! which fits about 130 layers, and the length is checked before mounting.

use std::path::Path;

/// The most option bytes the kernel takes: one 4 KiB page, less the terminating NUL.
pub const MAX_OPTIONS_LEN: usize = 4095;

/// Builds `lowerdir=…,upperdir=…,workdir=…[,index=off]`. `lowers` are top layer first, as
/// overlayfs wants them (the image config lists them bottom first).
pub fn overlay_options(lowers: &[String], upper: &Path, work: &Path, index_off: bool) -> String {
    let mut s = String::with_capacity(64 + lowers.len() * 30);
    s.push_str("lowerdir=");
    s.push_str(&lowers.join(":"));
    s.push_str(",upperdir=");
    s.push_str(&upper.to_string_lossy());
    s.push_str(",workdir=");
    s.push_str(&work.to_string_lossy());
    if index_off {
        // As docker does: with the inodes index on, a lower dir shared by several mounts
        // can make later mounts fail with EBUSY, and tug shares lowers by design.
        s.push_str(",index=off");
    }
    s
}

/// Whether this kernel's overlayfs has the `index` feature (and so accepts `index=off`).
pub fn kernel_has_index_option() -> bool {
    Path::new("/sys/module/overlay/parameters/index").exists()
}

/// Whether a path can go into overlay options unescaped.
pub fn usable_in_options(path: &Path) -> bool {
    let s = path.to_string_lossy();
    !s.contains(',') && !s.contains(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowers_are_joined_in_the_given_order_and_index_is_optional() {
        let lowers = vec!["l/TOP".to_string(), "l/BOTTOM".to_string()];
        let s = overlay_options(&lowers, Path::new("/r/up"), Path::new("/r/work"), true);
        assert_eq!(
            s,
            "lowerdir=l/TOP:l/BOTTOM,upperdir=/r/up,workdir=/r/work,index=off"
        );
        let s = overlay_options(&lowers, Path::new("/u"), Path::new("/w"), false);
        assert!(!s.contains("index"));
    }

    #[test]
    fn commas_and_colons_are_unusable() {
        assert!(usable_in_options(Path::new("/var/lib/tug")));
        assert!(!usable_in_options(Path::new("/tmp/a,b")));
        assert!(!usable_in_options(Path::new("/tmp/a:b")));
    }
}

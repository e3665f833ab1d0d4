//! Turning a tar entry's path into components inside the layer root.
//!
//! This is the first line of defence against hostile tars: a path with a `..` component is
//! refused outright (docker would clean `a/../b` to `b`; refusing is stricter and no real image
//! needs it), a leading `/` is dropped as docker does, and empty or `.` components vanish. The
//! second line, that no component is a symlink, is [`super::root`]'s job.

use super::LayerError;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// The components of an entry path below the layer root; empty for the root itself.
pub(crate) type Components = Vec<OsString>;

/// Splits a raw tar path into safe components, or refuses it.
pub(crate) fn components(raw: &[u8]) -> Result<Components, LayerError> {
    let shown = String::from_utf8_lossy(raw);
    if raw.contains(&0) {
        return Err(LayerError::unsafe_entry(&shown, "path holds a NUL byte"));
    }
    let mut out = Vec::new();
    for part in raw.split(|b| *b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                return Err(LayerError::unsafe_entry(
                    &shown,
                    "path has a `..` component and could escape the layer",
                ))
            }
            name => out.push(OsString::from_vec(name.to_vec())),
        }
    }
    Ok(out)
}

/// The components joined with `/`, for messages and for bookkeeping keys.
pub(crate) fn display(comps: &[OsString]) -> String {
    if comps.is_empty() {
        return "/".to_string();
    }
    comps
        .iter()
        .map(|c| c.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &str) -> Vec<String> {
        components(raw.as_bytes())
            .unwrap()
            .into_iter()
            .map(|c| c.into_string().unwrap())
            .collect()
    }

    #[test]
    fn leading_slash_dot_and_double_slashes_vanish() {
        assert_eq!(names("/etc//passwd"), ["etc", "passwd"]);
        assert_eq!(names("./usr/./bin/"), ["usr", "bin"]);
        assert!(names("./").is_empty());
        assert!(names("/").is_empty());
    }

    #[test]
    fn dot_dot_is_refused_anywhere() {
        for bad in ["../x", "a/../b", "a/b/..", "/../../etc/passwd", ".."] {
            let err = components(bad.as_bytes()).unwrap_err();
            assert!(
                matches!(err, LayerError::UnsafeEntry { .. }),
                "{bad}: {err}"
            );
            assert!(err.to_string().contains("`..`"), "{err}");
        }
    }

    #[test]
    fn names_that_only_look_like_dot_dot_are_fine() {
        assert_eq!(names("a/..b/...c"), ["a", "..b", "...c"]);
    }

    #[test]
    fn nul_bytes_are_refused() {
        assert!(components(b"a\0b").is_err());
    }

    #[test]
    fn display_joins_with_slashes() {
        assert_eq!(display(&components(b"/a/b/").unwrap()), "a/b");
        assert_eq!(display(&[]), "/");
    }
}

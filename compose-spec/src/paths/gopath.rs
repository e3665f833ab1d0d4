//! Go's path rules, so resolved paths are byte-for-byte the ones compose prints.
//!
//! compose-go joins with `filepath.Join` (which cleans `.`/`..` lexically, without looking at
//! the file system), expands a leading `~` with `$HOME`, and recognises Windows absolute paths
//! (`C:\x`, `\\server\share`) even on Linux so that a compose file written for Windows keeps
//! them verbatim.

use std::path::{Path, PathBuf};

/// Lexically cleans a slash-separated path like Go's `path.Clean`: no empty or `.`
/// components, `..` folded into its parent, no trailing slash, `.` for an empty result.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Joins path elements like Go's `filepath.Join`: empty elements are skipped, the result is
/// cleaned, and joining only empty elements gives an empty string.
pub fn join(elems: &[&str]) -> String {
    let parts: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    clean(&parts.join("/"))
}

/// Joins `path` onto a directory.
pub fn join_dir(dir: &Path, path: &str) -> String {
    join(&[&dir.to_string_lossy(), path])
}

/// Expands a leading `~` with `$HOME`, as compose's `ExpandUser` does: `~/x` and also `~x`
/// become `$HOME/x`. Without `HOME` the path is kept and a warning logged.
pub fn expand_user(path: &str) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_string();
    };
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() => join(&[&home, rest]),
        _ => {
            tracing::warn!("cannot expand '~', because the environment lacks HOME");
            path.to_string()
        }
    }
}

fn is_sep(c: u8) -> bool {
    c == b'\\' || c == b'/'
}

/// Whether `path` is absolute for Windows (drive letter plus separator, UNC or device path).
pub fn is_windows_abs(path: &str) -> bool {
    let b = path.as_bytes();
    let len = volume_name_len(b);
    if len == 0 {
        return false;
    }
    if b.len() >= 2 && is_sep(b[0]) && is_sep(b[1]) {
        return true;
    }
    b.get(len).copied().is_some_and(is_sep)
}

/// Length of the leading Windows volume name (`C:`, `\\host\share`, `\\.\dev`), 0 if none.
fn volume_name_len(b: &[u8]) -> usize {
    if b.len() >= 2 && b[1] == b':' {
        return 2;
    }
    if b.first().is_none_or(|c| !is_sep(*c)) {
        return 0;
    }
    if has_prefix_fold(b, br"\\.\UNC") {
        return unc_len(b, br"\\.\UNC\".len());
    }
    if has_prefix_fold(b, br"\\.") || has_prefix_fold(b, br"\\?") || has_prefix_fold(b, br"\??") {
        if b.len() == 3 {
            return 3;
        }
        let tail = b.get(4..).unwrap_or_default();
        return match tail.iter().position(|c| is_sep(*c)) {
            Some(i) => 4 + i,
            None => b.len(),
        };
    }
    if b.len() >= 2 && is_sep(b[1]) {
        return unc_len(b, 2);
    }
    0
}

/// Whether `s` starts with `prefix`, ignoring ASCII case and treating `/` and `\` alike; the
/// prefix must end at a separator or at the end of `s`.
fn has_prefix_fold(s: &[u8], prefix: &[u8]) -> bool {
    if s.len() < prefix.len() {
        return false;
    }
    for (p, c) in prefix.iter().zip(s) {
        let same = if is_sep(*p) {
            is_sep(*c)
        } else {
            p.eq_ignore_ascii_case(c)
        };
        if !same {
            return false;
        }
    }
    s.get(prefix.len()).is_none_or(|c| is_sep(*c))
}

/// Length of a UNC volume (`\\host\share`): up to the second separator after the prefix.
fn unc_len(b: &[u8], prefix_len: usize) -> usize {
    let mut count = 0;
    for (i, c) in b.iter().enumerate().skip(prefix_len) {
        if is_sep(*c) {
            count += 1;
            if count == 2 {
                return i;
            }
        }
    }
    b.len()
}

/// Replaces the first symbolic link along an absolute path by its target, as compose does for
/// `develop.watch` paths (so the watcher sees the real directory). Paths without links, or
/// that do not exist, are returned unchanged.
pub fn resolve_first_symlink(path: &str) -> std::io::Result<String> {
    let mut current = PathBuf::from(if path.starts_with('/') { "/" } else { "" });
    for part in path.split('/').filter(|p| !p.is_empty()) {
        current.push(part);
        let is_link = std::fs::symlink_metadata(&current)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        if is_link {
            let target = std::fs::canonicalize(&current)?;
            let prefix = current.to_string_lossy().into_owned();
            return Ok(path.replacen(&prefix, &target.to_string_lossy(), 1));
        }
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        assert_eq!(clean(""), ".");
        assert_eq!(clean("a/./b/"), "a/b");
        assert_eq!(clean("/a/../../b"), "/b");
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(clean("../a/.."), "..");
        assert_eq!(clean("//a//b"), "/a/b");
        assert_eq!(clean("/"), "/");
    }

    #[test]
    fn join_matches_go() {
        assert_eq!(join(&["/work/p", "./data"]), "/work/p/data");
        assert_eq!(join(&["/work/p", "."]), "/work/p");
        assert_eq!(join(&["/work/p", "../x"]), "/work/x");
        assert_eq!(join(&["extends", "./Dockerfile"]), "extends/Dockerfile");
        assert_eq!(join(&["", "x"]), "x");
        assert_eq!(join(&["", ""]), "");
    }

    #[test]
    fn windows_absolute_paths() {
        assert!(is_windows_abs(r"z:\"));
        assert!(is_windows_abs(r"Z:\some-dir"));
        assert!(is_windows_abs("C:/data"));
        assert!(is_windows_abs(r"\\server\share\x"));
        assert!(is_windows_abs(r"\\?\c:\x"));
        assert!(!is_windows_abs("c:"));
        assert!(!is_windows_abs("c:foo"));
        assert!(!is_windows_abs(r"\foo"));
        assert!(!is_windows_abs("/z/some-dir"));
        assert!(!is_windows_abs("./data"));
        assert!(!is_windows_abs(""));
    }

    #[test]
    fn symlinks_are_followed_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real");
        std::fs::create_dir(&real).expect("mkdir");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let input = format!("{}/src", link.display());
        let out = resolve_first_symlink(&input).expect("resolve");
        let real = std::fs::canonicalize(&real).expect("canonical");
        assert_eq!(out, format!("{}/src", real.display()));
        let missing = format!("{}/nope/x", dir.path().display());
        // A temp dir may itself sit behind a link (macOS); only check the tail is kept.
        assert!(resolve_first_symlink(&missing)
            .expect("resolve")
            .ends_with("/nope/x"));
    }
}

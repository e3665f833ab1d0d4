//! Resolves a container path inside the rootfs before pivot_root, following symlinks as if
//! the rootfs were `/`: an image whose `/proc` or `/etc/hosts` is a link to `/../../host`
//! must not make the runtime mount over a host path.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// Symlinks followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// `root` joined with `path`, where every symlink met on the way (read with `read_link`,
/// given the full host path) is resolved relative to `root` and `..` never leaves it.
/// Components that do not exist are kept as they are (they will be created).
pub fn secure_join(
    root: &Path,
    path: &Path,
    read_link: &dyn Fn(&Path) -> Option<PathBuf>,
) -> PathBuf {
    let mut resolved = PathBuf::new();
    let mut pending: VecDeque<OsString> = VecDeque::new();
    push_front(&mut pending, path);
    let mut links = 0;
    while let Some(part) = pending.pop_front() {
        if part == ".." {
            resolved.pop();
            continue;
        }
        let candidate = resolved.join(&part);
        match read_link(&root.join(&candidate)) {
            Some(target) if links < MAX_LINKS => {
                links += 1;
                if target.is_absolute() {
                    resolved = PathBuf::new();
                }
                push_front(&mut pending, &target);
            }
            _ => resolved = candidate,
        }
    }
    root.join(resolved)
}

fn push_front(pending: &mut VecDeque<OsString>, path: &Path) {
    let parts: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect();
    for p in parts.into_iter().rev() {
        pending.push_front(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn join(links: &[(&str, &str)], path: &str) -> PathBuf {
        let map: HashMap<PathBuf, PathBuf> = links
            .iter()
            .map(|(l, t)| (PathBuf::from(l), PathBuf::from(t)))
            .collect();
        secure_join(Path::new("/r"), Path::new(path), &|p| map.get(p).cloned())
    }

    #[test]
    fn plain_paths_and_dotdot_stay_inside() {
        assert_eq!(join(&[], "/proc"), PathBuf::from("/r/proc"));
        assert_eq!(join(&[], "/../../etc/x"), PathBuf::from("/r/etc/x"));
        assert_eq!(join(&[], "/a/../b"), PathBuf::from("/r/b"));
    }

    #[test]
    fn symlinks_resolve_relative_to_the_root() {
        assert_eq!(
            join(&[("/r/proc", "/host/proc")], "/proc"),
            PathBuf::from("/r/host/proc")
        );
        assert_eq!(
            join(&[("/r/etc", "../../../etc")], "/etc/hosts"),
            PathBuf::from("/r/etc/hosts")
        );
        assert_eq!(join(&[("/r/a", "b/c")], "/a/d"), PathBuf::from("/r/b/c/d"));
    }

    #[test]
    fn link_loops_stop() {
        let p = join(&[("/r/a", "/a")], "/a/x");
        assert!(p.starts_with("/r"), "{p:?}");
    }
}

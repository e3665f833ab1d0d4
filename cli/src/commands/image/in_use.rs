//! Which images containers use, for the safety checks of `rm` and `prune`.
//!
//! Containers do not exist yet in tug: the runtime issue adds them and must make this answer
//! from their records. Until then no image is in use, which is true.

use engine::Digest;
use std::path::Path;

/// A predicate telling whether any container under `root` uses an image.
pub fn containers_use_image(_root: &Path) -> impl Fn(&Digest) -> bool {
    |_id: &Digest| false
}

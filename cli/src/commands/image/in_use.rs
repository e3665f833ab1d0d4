//! Which images containers use, for the safety checks of `rm` and `prune`.
//!
//! Every container, running or not, keeps its image: docker refuses `rmi` of an image a
//! stopped container was made from too, since `start` would need it again.

use anyhow::{Context, Result};
use engine::container::{ContainerStore, Filters};
use engine::Digest;
use std::collections::HashSet;
use std::path::Path;

/// A predicate telling whether any container under `root` uses an image. The container
/// records are read once, when the predicate is made.
pub fn containers_use_image(root: &Path) -> Result<impl Fn(&Digest) -> bool> {
    let store = ContainerStore::open(root).context("open the container store")?;
    let used: HashSet<String> = store
        .list(&Filters::default())
        .context("list containers")?
        .into_iter()
        .map(|c| c.config.image_id)
        .collect();
    Ok(move |id: &Digest| used.contains(id.hex()))
}

//! The glue between the content store and the layer store: make sure an image's layers are
//! unpacked, reading their blobs from the store.

use super::{LayerError, LayerRef, LayerSource, LayerStore};
use crate::store::{ImageRecord, Store};
use std::io::{BufReader, Read};

/// Unpacks whatever layers of `image` are not unpacked yet (in parallel), verifying each
/// against its diff_id, and returns all of them bottom first, ready for
/// [`crate::snapshot::Snapshot::create`].
pub fn ensure_image_layers(
    store: &Store,
    image: &ImageRecord,
) -> Result<Vec<LayerRef>, LayerError> {
    let layers = LayerStore::in_image_dir(store.root().to_path_buf())?;
    let sources = image
        .layers
        .iter()
        .map(|record| {
            let store = store.clone();
            let digest = record.digest.clone();
            LayerSource {
                diff_id: record.diff_id.clone(),
                blob: record.digest.clone(),
                open: Box::new(move || {
                    let file = store.open_blob(&digest).map_err(|e| LayerError::Blob {
                        digest: digest.clone(),
                        source: Box::new(e),
                    })?;
                    Ok(Box::new(BufReader::with_capacity(256 * 1024, file)) as Box<dyn Read>)
                }),
            }
        })
        .collect();
    layers.ensure_all(sources)
}

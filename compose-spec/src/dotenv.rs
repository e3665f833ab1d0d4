//! `.env` file parsing (to be written).

use crate::error::Result;
use indexmap::IndexMap;
use std::path::Path;

/// Reads a dotenv file (stub).
pub fn read_file(_path: &Path, _lookup: &dyn Fn(&str) -> Option<String>) -> Result<IndexMap<String, String>> {
    Ok(IndexMap::new())
}

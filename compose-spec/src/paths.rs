//! Relative paths made absolute against the project directory (to be written).

use crate::error::Result;
use crate::node::Node;
use std::path::Path;

/// Makes every relative path of the model absolute against `working_dir`.
pub fn resolve_relative_paths(_doc: &mut Node, _working_dir: &Path) -> Result<()> {
    Ok(())
}

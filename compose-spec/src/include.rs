//! `include`: sub-projects loaded from other files and copied in (to be written).

use crate::error::Result;
use crate::loader::FileContext;
use crate::node::Node;

/// Loads every `include` entry of one file's document and merges the resources in.
pub fn apply_include(_doc: &mut Node, _ctx: &FileContext) -> Result<()> {
    Ok(())
}

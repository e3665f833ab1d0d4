//! Interpolation of `${VAR}` in document values (stub until the interpolation stage lands).

use crate::error::Result;
use crate::node::Node;

/// Substitutes variables in every string value; returns warnings.
pub fn interpolate(_doc: &mut Node, _lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<String>> {
    Ok(Vec::new())
}

//! env_file resolution (stub until the environment stage lands).

use crate::error::Result;
use crate::node::Node;

/// Merges env_file values into environment.
pub fn resolve_service_environment(_service: &mut Node, _lookup: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    Ok(())
}

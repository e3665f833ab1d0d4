//! Validation against the Compose Specification schema.
//!
//! Compose checks every merged document against its JSON schema and reports the most
//! specific violation in its own words (`services.foo.image must be a string`,
//! `services.web additional properties 'imag' not allowed`). The schema is described here
//! as Rust data ([`types`] for the vocabulary, [`service`], [`deploy`] and [`resources`]
//! for the tables), so other stages can ask it which types a field takes
//! ([`service_field`], [`top_level_field`], [`Schema::at`]).
//!
//! Two entry points, called by the loader:
//! - [`check_document`] on each YAML document before interpolation;
//! - [`validate`] on the merged tree, before the canonical transform (so both short and
//!   long syntaxes are accepted).

pub mod deploy;
mod document;
pub mod resources;
pub mod service;
pub mod suggest;
pub mod types;
pub mod validator;

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::Node;

pub use resources::{top_level_field, COMPOSE_FILE};
pub use service::{service_field, service_fields, SERVICE};
pub use types::{KeyPattern, Object, Schema, Types};

/// Rejects what compose rejects before it even interpolates a document: keys that are not
/// strings (`non-string key in services: 123`), a top level that is not a mapping, and a
/// `services` section (or a service) that is not a mapping.
pub fn check_document(doc: &Node) -> Result<()> {
    document::check(doc)
}

/// Validates a merged document against the Compose Specification schema. On failure the
/// error has kind [`ErrorKind::Schema`], compose's message for the most specific
/// violation (plus a "did you mean" suggestion for a misspelt key) and the position of the
/// offending value, or of the key for an unknown key.
pub fn validate(doc: &Node) -> Result<()> {
    match validator::most_specific(validator::violations(doc, &COMPOSE_FILE)) {
        None => Ok(()),
        Some(v) => Err(LoadError::new(ErrorKind::Schema, &v.mark, v.message())),
    }
}

#[cfg(test)]
mod tests;

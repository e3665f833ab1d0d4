//! Loads Compose files into the canonical project model, exactly as docker compose does.
//!
//! The pipeline runs in named stages, each in its own module, so that every rule of the
//! Compose Specification has one place to live and one place to be tested:
//!
//! 1. [`discovery`]: which files, which project directory, which project name, which `.env`;
//! 2. [`yaml`]: text to positioned trees (anchors, merge keys, `!reset`/`!override`);
//! 3. [`interpolate`] with [`template`]: `${VAR}` expressions, then casts to schema types;
//! 4. `include` and `extends`, then [`merge`] of several files;
//! 5. [`schema`]: unknown keys and wrong types, with `file:line:column`;
//! 6. [`canonical`]: short syntaxes to their long form;
//! 7. [`normalize`]: default network, resource names, implicit dependencies, paths, profiles;
//! 8. [`output`]: the JSON model `docker compose config --format json` prints;
//! 9. [`graph`]: the service dependency graph for ordered start and teardown.
//!
//! It is pure: files in, a [`Project`] out. It never starts processes or touches the kernel.

pub mod canonical;
pub mod consistency;
pub mod discovery;
pub mod dotenv;
pub mod environment;
pub mod error;
pub mod extends;
pub mod graph;
pub mod hash;
pub mod include;
pub mod interpolate;
pub mod loader;
pub mod merge;
pub mod node;
pub mod normalize;
pub mod output;
pub mod paths;
pub mod profiles;
pub mod schema;
pub mod template;
pub mod yaml;

pub use discovery::{discover, ConfigDetails, ProjectOptions};
pub use error::{ErrorKind, LoadError};
pub use loader::{load, LoadOptions, Loaded};
pub use node::{Mark, Node, Tag, Value};

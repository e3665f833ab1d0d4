//! The volume store and the mounts a container needs.
//!
//! It owns named and anonymous volumes under `$TUG_ROOT/volumes`, their lifecycle and
//! copy-up, and turns bind, volume and tmpfs specs into mount descriptions for the engine.
//! It knows nothing about Compose. Filled by the volumes issue.

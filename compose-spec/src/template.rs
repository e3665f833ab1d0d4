//! `${VAR}` template substitution (to be written).

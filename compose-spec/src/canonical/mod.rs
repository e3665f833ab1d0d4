//! Short syntaxes to their canonical long form.
//!
//! Compose lets most attributes be written several ways (`ports: ["80:80"]` or a list of
//! mappings, `depends_on` as a list or a mapping, `build: .`, ...). The loader rewrites each
//! document into one long form right after validating it (compose-go's `transform.Canonical`)
//! so that the merge of later files, the path and environment stages, normalisation and the
//! JSON model each deal with a single shape. The conversions compose's typed model performs
//! while decoding (lists of `KEY=VALUE` into mappings, command strings into words, ...) are
//! done here too, so that their errors carry the `file:line:column` of the offending value.
//!
//! * `ports`, `volumes`, `shellwords`: the short-syntax parsers;
//! * `service`, `build`, `resources`: compose-go's rewrites, attribute by attribute;
//! * `typed`: the conversions of compose's typed model, skipped without interpolation;
//! * `mapping`: lists and mappings of strings; `units`: sizes and durations;
//! * `defaults`: the defaults applied once all files are merged.

pub(crate) mod build;
pub(crate) mod defaults;
pub(crate) mod mapping;
pub(crate) mod ports;
pub(crate) mod resources;
pub(crate) mod service;
pub(crate) mod shellwords;
pub(crate) mod typed;
pub(crate) mod units;
pub(crate) mod volumes;

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Node, Value};

/// How the canonical transform reads a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode {
    /// Also apply the conversions of compose's typed model (environment lists to mappings,
    /// command strings to words, sizes and durations checked, ...). Compose skips them when
    /// it prints a model without interpolation, since it does not decode that model.
    pub typed: bool,
    /// Keep a port, volume or device short syntax that does not parse as written instead of
    /// failing: without interpolation, a `${VAR}` may stand for part of the syntax.
    pub lenient: bool,
}

impl Mode {
    /// The normal load: interpolated, so every short syntax must parse.
    pub const INTERPOLATED: Mode = Mode {
        typed: true,
        lenient: false,
    };
    /// `--no-interpolate`: compose-go's transform only, unparsable short syntaxes kept.
    pub const UNINTERPOLATED: Mode = Mode {
        typed: false,
        lenient: true,
    };

    /// The mode for a load with or without interpolation.
    pub fn for_interpolation(interpolated: bool) -> Mode {
        if interpolated {
            Mode::INTERPOLATED
        } else {
            Mode::UNINTERPOLATED
        }
    }
}

/// Rewrites every short syntax of a validated, interpolated document into its long form
/// ([`Mode::INTERPOLATED`]). Fails with [`ErrorKind::Format`] at the offending value when a
/// short syntax cannot be parsed (a bad port, volume spec, size, duration, command line,
/// ...), worded as compose words it.
pub fn canonical(doc: &mut Node) -> Result<()> {
    canonical_with(doc, Mode::INTERPOLATED)
}

/// [`canonical`] in the given mode.
pub fn canonical_with(doc: &mut Node, mode: Mode) -> Result<()> {
    let Some(top) = doc.as_map_mut() else {
        return Ok(());
    };
    for (key, value) in top.iter_mut() {
        match key.as_str() {
            "services" => {
                let Some(services) = value.as_map_mut() else {
                    continue;
                };
                for (name, svc) in services.iter_mut() {
                    service::canonical_service(name, svc, mode)?;
                    if mode.typed {
                        typed::typed_service(name, svc)?;
                    }
                }
            }
            "volumes" | "networks" | "secrets" | "configs" => {
                resources::canonical_resources(key, value)?;
                if mode.typed {
                    resources::typed_resources(value)?;
                }
            }
            "include" => resources::canonical_include(value)?,
            _ => {}
        }
    }
    Ok(())
}

/// The warnings compose prints while canonicalising `doc` (deprecated `external.name`).
/// Call it before [`canonical`], which rewrites what they are about.
pub fn warnings(doc: &Node) -> Vec<String> {
    resources::external_name_warnings(doc)
}

/// Drops the empty values compose ignores (compose-go's `OmitEmpty`): empty entries of a
/// service's `dns`, so that `dns: ${UNSET}` means no DNS server rather than an empty one.
pub fn omit_empty(doc: &mut Node) {
    let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) else {
        return;
    };
    for service in services.values_mut() {
        if let Some(dns) = service.get_mut("dns").and_then(Node::as_seq_mut) {
            dns.retain(|n| !(n.is_null() || n.as_str() == Some("")));
        }
    }
}

/// Sets the defaults compose fills in once all files are merged (compose-go's
/// `transform.SetDefaultValues`): build `context: .`, secret targets under `/run/secrets`,
/// port `mode`/`protocol`, and `count: all` for device requests without count or ids.
/// The build `dockerfile` default belongs to normalisation.
pub fn set_default_values(doc: &mut Node) -> Result<()> {
    defaults::set_default_values(doc)
}

/// A format error at `node`.
pub(crate) fn format_err(node: &Node, message: impl Into<String>) -> LoadError {
    LoadError::new(ErrorKind::Format, &node.mark, message)
}

/// Fails unless `node` is a duration compose can read (`1m30s`, `2d`, ...).
pub(crate) fn check_duration(node: &Node, path: &str) -> Result<()> {
    let text = match &node.value {
        Value::Null => return Ok(()),
        _ => node.scalar_string().unwrap_or_default(),
    };
    units::parse_duration(&text)
        .map(|_| ())
        .map_err(|e| format_err(node, format!("{path}: {e}")))
}

/// Fails unless `node` is a byte size compose can read (`512m`, `1gb`, `1024`, ...).
pub(crate) fn check_bytes(node: &Node, path: &str) -> Result<()> {
    match &node.value {
        Value::Str(s) => units::parse_ram_in_bytes(s)
            .map(|_| ())
            .map_err(|e| format_err(node, format!("{path}: {e}"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn doc(yaml: &str) -> Node {
        parse_documents(yaml, "compose.yaml").unwrap().remove(0)
    }

    #[test]
    fn canonical_rewrites_services_and_resources() {
        let mut d = doc(
            "services:\n  web:\n    ports: [\"8080:80\"]\n    volumes: [\"./a:/b\"]\n\
             networks:\n  n:\n    external:\n      name: real\n",
        );
        canonical(&mut d).unwrap();
        let web = d.get("services").unwrap().get("web").unwrap();
        let port = &web.get("ports").unwrap().as_seq().unwrap()[0];
        assert_eq!(port.get_str("published"), Some("8080"));
        let vol = &web.get("volumes").unwrap().as_seq().unwrap()[0];
        assert_eq!(vol.get_str("type"), Some("bind"));
        let n = d.get("networks").unwrap().get("n").unwrap();
        assert_eq!(n.get_str("name"), Some("real"));
    }

    #[test]
    fn errors_point_at_the_value() {
        let mut d = doc("services:\n  web:\n    ports:\n      - \"127.0.1:8080:80\"\n");
        let e = canonical(&mut d).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Format);
        assert_eq!(e.mark.line, 4);
        assert!(e.to_string().contains("invalid IP address: 127.0.1"));
    }

    #[test]
    fn uninterpolated_mode_keeps_what_it_cannot_parse() {
        let mut d = doc(
            "services:\n  web:\n    ports: [\"${P}:80\"]\n    mem_limit: ${M}\n\
             \x20   environment: [A=1]\n    volumes: [\"${V}:/v:ro:yy\"]\n",
        );
        canonical_with(&mut d, Mode::UNINTERPOLATED).unwrap();
        let web = d.get("services").unwrap().get("web").unwrap();
        assert_eq!(
            web.get("ports").unwrap().as_seq().unwrap()[0].as_str(),
            Some("${P}:80")
        );
        assert!(web.get("environment").unwrap().as_seq().is_some());
        assert!(web.get("volumes").unwrap().as_seq().unwrap()[0]
            .as_str()
            .is_some());
        let mut d = doc("services:\n  web:\n    mem_limit: ${M}\n");
        assert!(canonical_with(&mut d, Mode::INTERPOLATED).is_err());
    }

    #[test]
    fn omit_empty_drops_blank_dns_entries() {
        let mut d = doc("services:\n  web:\n    dns: \"\"\n");
        canonical(&mut d).unwrap();
        omit_empty(&mut d);
        let dns = d
            .get("services")
            .unwrap()
            .get("web")
            .unwrap()
            .get("dns")
            .unwrap();
        assert_eq!(dns.as_seq().map(Vec::len), Some(0));
    }
}

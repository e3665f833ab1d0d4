//! Default values compose fills in once all files are merged (compose-go's
//! `transform.SetDefaultValues`), before paths are resolved.
//!
//! They run after the merge, not per file, so that an override file can still set what the
//! defaults would otherwise decide: a build `context` of `.`, a secret mounted at
//! `/run/secrets/<source>`, ports in `ingress` mode over `tcp`, and device requests for all
//! devices when neither `count` nor `device_ids` is given.

use super::format_err;
use crate::error::Result;
use crate::node::{Node, Value};

/// Fills in the defaults of every service.
pub(crate) fn set_default_values(doc: &mut Node) -> Result<()> {
    let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    for (name, service) in services.iter_mut() {
        let path = format!("services.{name}");
        let Some(map) = service.as_map_mut() else {
            continue;
        };
        if let Some(build) = map.get_mut("build").and_then(Node::as_map_mut) {
            build
                .entry("context".to_string())
                .or_insert_with(|| Node::str("."));
        }
        if let Some(secrets) = map.get_mut("secrets").and_then(Node::as_seq_mut) {
            for (i, secret) in secrets.iter_mut().enumerate() {
                let Some(m) = secret.as_map_mut() else {
                    return Err(format_err(
                        secret,
                        format!(
                            "{path}.secrets.{i}: unsupported type {}",
                            secret.kind_name()
                        ),
                    ));
                };
                if !m.contains_key("target") {
                    let source = m
                        .get("source")
                        .and_then(Node::scalar_string)
                        .unwrap_or_default();
                    m.insert("target".into(), Node::str(format!("/run/secrets/{source}")));
                }
            }
        }
        if let Some(ports) = map.get_mut("ports").and_then(Node::as_seq_mut) {
            for port in ports.iter_mut().filter_map(Node::as_map_mut) {
                port.entry("protocol".to_string())
                    .or_insert_with(|| Node::str("tcp"));
                port.entry("mode".to_string())
                    .or_insert_with(|| Node::str("ingress"));
            }
        }
        if let Some(gpus) = map.get_mut("gpus") {
            device_request_defaults(gpus, &format!("{path}.gpus"))?;
        }
        if let Some(devices) = map
            .get_mut("deploy")
            .and_then(|d| d.get_mut("resources"))
            .and_then(|r| r.get_mut("reservations"))
            .and_then(|r| r.get_mut("devices"))
        {
            let p = format!("{path}.deploy.resources.reservations.devices");
            device_request_defaults(devices, &p)?;
        }
    }
    Ok(())
}

/// A device request with neither `count` nor `device_ids` asks for all devices.
fn device_request_defaults(list: &mut Node, path: &str) -> Result<()> {
    let Some(items) = list.as_seq_mut() else {
        return Ok(());
    };
    for (i, item) in items.iter_mut().enumerate() {
        let Some(m) = item.as_map_mut() else {
            return Err(format_err(
                item,
                format!(
                    "{path}.{i}: invalid type {} for device request",
                    item.kind_name()
                ),
            ));
        };
        if !m.contains_key("count") && !m.contains_key("device_ids") {
            m.insert("count".into(), Node::synthetic(Value::Str("all".into())));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn defaults(yaml: &str) -> Node {
        let mut doc = parse_documents(yaml, "compose.yaml").unwrap().remove(0);
        set_default_values(&mut doc).unwrap();
        doc
    }

    #[test]
    fn build_context_and_secret_target() {
        let doc = defaults(
            "services:\n  a:\n    build: {}\n    secrets: [{source: s}, {source: t, target: /x}]\n",
        );
        let a = doc.get("services").unwrap().get("a").unwrap();
        assert_eq!(a.get("build").unwrap().get_str("context"), Some("."));
        let secrets = a.get("secrets").unwrap().as_seq().unwrap();
        assert_eq!(secrets[0].get_str("target"), Some("/run/secrets/s"));
        assert_eq!(secrets[1].get_str("target"), Some("/x"));
    }

    #[test]
    fn ports_and_devices() {
        let doc = defaults(
            "services:\n  a:\n    ports: [{target: 80, mode: host}]\n    gpus: [{driver: x}, {device_ids: [a]}]\n",
        );
        let a = doc.get("services").unwrap().get("a").unwrap();
        let port = &a.get("ports").unwrap().as_seq().unwrap()[0];
        assert_eq!(port.get_str("protocol"), Some("tcp"));
        assert_eq!(port.get_str("mode"), Some("host"));
        let gpus = a.get("gpus").unwrap().as_seq().unwrap();
        assert_eq!(gpus[0].get_str("count"), Some("all"));
        assert!(gpus[1].get("count").is_none());
    }
}

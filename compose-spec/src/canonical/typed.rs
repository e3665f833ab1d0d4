//! The conversions compose's typed model applies to a canonical service.
//!
//! compose decodes the canonical tree into Go structs, and several Go types accept more than
//! one shape: `MappingWithEquals` (environment, build args) and `Labels`/`Mapping` take a
//! list of `KEY=VALUE` strings, `ShellCommand` splits a string into words, `HostsList` reads
//! every `extra_hosts` form, `HealthCheckTest` runs a string through the shell, `StringList`
//! takes a lone string. Doing those conversions here gives the later stages one shape per
//! attribute, and makes the errors compose raises while decoding (a bad size, duration,
//! command line or device count) point at the value. They are skipped without
//! interpolation, where compose prints the model without decoding it.

use super::mapping::{canonical_extra_hosts, string_to_list, to_string_map, Missing};
use super::{build, check_bytes, check_duration, format_err, shellwords};
use crate::error::Result;
use crate::node::{Node, Value};

/// Applies the typed model's conversions to service `name`.
pub(crate) fn typed_service(name: &str, service: &mut Node) -> Result<()> {
    let path = format!("services.{name}");
    let Some(map) = service.as_map_mut() else {
        return Ok(());
    };
    for (key, value) in map.iter_mut() {
        let p = format!("{path}.{key}");
        match key.as_str() {
            "build" => build::typed_build(value, &p)?,
            "dns_search" | "tmpfs" => string_to_list(value),
            "gpus" => check_device_requests(value, &p)?,
            "environment" => to_string_map(value, Missing::Null)?,
            "labels" | "annotations" | "sysctls" => to_string_map(value, Missing::Empty)?,
            "extra_hosts" => canonical_extra_hosts(value)?,
            "command" | "entrypoint" => canonical_command(value)?,
            "healthcheck" => canonical_healthcheck(value, &p)?,
            "deploy" => canonical_deploy(value, &p)?,
            "develop" => canonical_develop(value)?,
            "post_start" | "pre_stop" | "pre_start" => {
                if let Some(hooks) = value.as_seq_mut() {
                    for hook in hooks {
                        canonical_hook(hook)?;
                    }
                }
            }
            "stop_grace_period" => check_duration(value, &p)?,
            "mem_limit" | "mem_reservation" | "memswap_limit" | "mem_swappiness" | "shm_size" => {
                check_bytes(value, &p)?
            }
            "blkio_config" => canonical_blkio(value, &p)?,
            "provider" => canonical_provider(value),
            _ => {}
        }
    }
    Ok(())
}

/// A device request's `count` must be a number or `all` (compose's `DeviceCount`).
fn check_device_requests(list: &Node, _path: &str) -> Result<()> {
    let Some(items) = list.as_seq() else {
        return Ok(());
    };
    for count in items.iter().filter_map(|item| item.get("count")) {
        if let Value::Str(s) = &count.value {
            if !s.eq_ignore_ascii_case("all") && s.parse::<i64>().is_err() {
                return Err(format_err(
                    count,
                    format!("invalid value \"{s}\", the only value allowed is 'all' or a number"),
                ));
            }
        }
    }
    Ok(())
}

/// A command string split into words as compose does (`ShellCommand`).
fn canonical_command(node: &mut Node) -> Result<()> {
    if let Value::Str(s) = &node.value {
        let words = shellwords::split(s).map_err(|e| format_err(node, e))?;
        let items = words
            .into_iter()
            .map(|w| node.with_value(Value::Str(w)))
            .collect();
        node.value = Value::Seq(items);
    }
    Ok(())
}

/// A health check `test` string is run by a shell: `["CMD-SHELL", test]`; durations are
/// checked.
fn canonical_healthcheck(node: &mut Node, path: &str) -> Result<()> {
    let Some(map) = node.as_map_mut() else {
        return Ok(());
    };
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "test" => {
                if let Value::Str(s) = &value.value {
                    let items = vec![
                        value.with_value(Value::Str("CMD-SHELL".into())),
                        value.with_value(Value::Str(s.clone())),
                    ];
                    value.value = Value::Seq(items);
                }
            }
            "interval" | "timeout" | "start_period" | "start_interval" => {
                check_duration(value, &format!("{path}.{key}"))?
            }
            _ => {}
        }
    }
    Ok(())
}

/// `deploy`: labels to a mapping, durations, sizes and device requests checked.
fn canonical_deploy(node: &mut Node, path: &str) -> Result<()> {
    let Some(map) = node.as_map_mut() else {
        return Ok(());
    };
    for (key, value) in map.iter_mut() {
        let p = format!("{path}.{key}");
        match key.as_str() {
            "labels" => to_string_map(value, Missing::Empty)?,
            "update_config" | "rollback_config" => {
                for field in ["delay", "monitor"] {
                    if let Some(d) = value.get(field) {
                        check_duration(d, &format!("{p}.{field}"))?;
                    }
                }
            }
            "restart_policy" => {
                for field in ["delay", "window"] {
                    if let Some(d) = value.get(field) {
                        check_duration(d, &format!("{p}.{field}"))?;
                    }
                }
            }
            "resources" => {
                for kind in ["limits", "reservations"] {
                    let Some(res) = value.get_mut(kind) else {
                        continue;
                    };
                    if let Some(memory) = res.get("memory") {
                        check_bytes(memory, &format!("{p}.{kind}.memory"))?;
                    }
                    if let Some(devices) = res.get("devices") {
                        check_device_requests(devices, &format!("{p}.{kind}.devices"))?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `develop.watch` exec hooks.
fn canonical_develop(node: &mut Node) -> Result<()> {
    let Some(watch) = node.get_mut("watch").and_then(Node::as_seq_mut) else {
        return Ok(());
    };
    for trigger in watch {
        if let Some(exec) = trigger.get_mut("exec") {
            canonical_hook(exec)?;
        }
    }
    Ok(())
}

/// A lifecycle hook: command split into words, environment as a mapping.
fn canonical_hook(hook: &mut Node) -> Result<()> {
    let Some(map) = hook.as_map_mut() else {
        return Ok(());
    };
    if let Some(command) = map.get_mut("command") {
        canonical_command(command)?;
    }
    if let Some(env) = map.get_mut("environment") {
        to_string_map(env, Missing::Null)?;
    }
    Ok(())
}

/// `blkio_config` device rates are byte sizes.
fn canonical_blkio(node: &mut Node, path: &str) -> Result<()> {
    for key in ["device_read_bps", "device_write_bps"] {
        let Some(items) = node.get(key).and_then(Node::as_seq) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            if let Some(rate) = item.get("rate") {
                check_bytes(rate, &format!("{path}.{key}.{i}.rate"))?;
            }
        }
    }
    Ok(())
}

/// Provider options: every value a list of strings (compose's `MultiOptions`).
fn canonical_provider(node: &mut Node) {
    let Some(options) = node.get_mut("options").and_then(Node::as_map_mut) else {
        return;
    };
    for value in options.values_mut() {
        let items: Vec<Node> = match &value.value {
            Value::Seq(items) => items
                .iter()
                .map(|i| i.with_value(Value::Str(go_sprint(i))))
                .collect(),
            _ => vec![value.with_value(Value::Str(go_sprint(value)))],
        };
        value.value = Value::Seq(items);
    }
}

/// Go's `fmt.Sprint` of a decoded scalar (`<nil>` for null).
fn go_sprint(node: &Node) -> String {
    node.scalar_string().unwrap_or_else(|| "<nil>".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn service(yaml: &str) -> Node {
        let mut doc = parse_documents(yaml, "compose.yaml").unwrap().remove(0);
        typed_service("s", &mut doc).unwrap();
        doc
    }

    fn service_err(yaml: &str) -> String {
        let mut doc = parse_documents(yaml, "compose.yaml").unwrap().remove(0);
        typed_service("s", &mut doc).unwrap_err().message
    }

    #[test]
    fn environment_and_labels_become_mappings() {
        let s = service(
            "environment: [A=1, B]
labels: [x]
extra_hosts: [\"h:1.1.1.1\"]
",
        );
        assert_eq!(s.get("environment").unwrap().get_str("A"), Some("1"));
        assert!(s.get("environment").unwrap().get("B").unwrap().is_null());
        assert_eq!(s.get("labels").unwrap().get_str("x"), Some(""));
        let hosts = s.get("extra_hosts").unwrap().as_seq().unwrap();
        assert_eq!(hosts[0].as_str(), Some("h=1.1.1.1"));
    }

    #[test]
    fn commands_and_healthchecks() {
        let s = service("command: echo \"a b\"\nhealthcheck:\n  test: curl x\n  interval: 10s\n");
        let cmd: Vec<&str> = s
            .get("command")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(cmd, ["echo", "a b"]);
        let test: Vec<&str> = s
            .get("healthcheck")
            .unwrap()
            .get("test")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(test, ["CMD-SHELL", "curl x"]);
        assert!(service_err("healthcheck:\n  interval: 10 parsecs\n").contains("unknown unit"));
        assert_eq!(
            service_err("command: echo (x)\n"),
            "invalid command line string"
        );
    }

    #[test]
    fn device_count_must_be_all_or_number() {
        let e = service_err(
            "deploy:\n  resources:\n    reservations:\n      devices:\n        - count: some_string\n          capabilities: [gpu]\n",
        );
        assert_eq!(
            e,
            "invalid value \"some_string\", the only value allowed is 'all' or a number"
        );
    }

    #[test]
    fn sizes_are_checked() {
        assert_eq!(
            service_err("shm_size: 1bb\n"),
            "services.s.shm_size: invalid suffix: 'bb'"
        );
    }

    #[test]
    fn provider_options_become_string_lists() {
        let s = service("provider:\n  type: x\n  options:\n    a: b\n    n: [1, true]\n");
        let opts = s.get("provider").unwrap().get("options").unwrap();
        let n: Vec<&str> = opts
            .get("n")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(n, ["1", "true"]);
        assert_eq!(opts.get("a").unwrap().as_seq().unwrap().len(), 1);
    }
}

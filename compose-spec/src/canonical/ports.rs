//! The port short syntax, `[ip:][host[-range]:]container[-range][/protocol]`.
//!
//! Compose hands short port specs to docker's `nat.ParsePortSpecs` and turns every mapping
//! into a long-syntax entry. The result is observable in `config` output, quirks included:
//! a range expands to one entry per port, entries are ordered by the string `port/proto`
//! (so `98-101` lists 100, 101, 98, 99), a host range against a single container port stays
//! a range in `published`, and the error texts are docker's.

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Map, Node, Value};
use std::net::{Ipv4Addr, Ipv6Addr};

/// One long-syntax port produced from a short spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PortMapping {
    /// `host_ip`, empty when unset.
    pub host_ip: String,
    /// The container port.
    pub target: u16,
    /// `published`: a port, a `start-end` range, or empty.
    pub published: String,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

impl PortMapping {
    /// The long syntax as a mapping, in compose's key order.
    fn to_node(&self, like: &Node) -> Node {
        let mut map = Map::new();
        let mk = |v: Value| like.with_value(v);
        map.insert("mode".into(), mk(Value::Str("ingress".into())));
        if !self.host_ip.is_empty() {
            map.insert("host_ip".into(), mk(Value::Str(self.host_ip.clone())));
        }
        map.insert("target".into(), mk(Value::Int(i64::from(self.target))));
        if !self.published.is_empty() {
            map.insert("published".into(), mk(Value::Str(self.published.clone())));
        }
        map.insert("protocol".into(), mk(Value::Str(self.protocol.clone())));
        like.with_value(Value::Map(map))
    }
}

/// Parses one short port spec into its mappings, in compose's order.
pub(crate) fn parse_port_spec(raw: &str) -> Result<Vec<PortMapping>, String> {
    let (ip, host_port, container) = split_parts(raw);
    let (proto, container) = split_proto_port(container);
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let mut ip = ip.to_string();
    if ip.starts_with('[') {
        ip = strip_brackets(&ip)?;
    }
    if !ip.is_empty() && !is_ip(&ip) {
        return Err(format!("invalid IP address: {ip}"));
    }
    if container.is_empty() {
        return Err(format!("no port specified: {raw}<empty>"));
    }
    let (start, end) =
        parse_port_range(container).ok_or_else(|| format!("invalid containerPort: {container}"))?;
    let (host_start, host_end) = if host_port.is_empty() {
        (0, 0)
    } else {
        parse_port_range(host_port).ok_or_else(|| format!("invalid hostPort: {host_port}"))?
    };
    if !host_port.is_empty() && end - start != host_end - host_start && end != start {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container} and {host_port}"
        ));
    }
    let mut mappings = Vec::new();
    for i in 0..=(end - start) {
        let target = start + i;
        let mut published = String::new();
        if !host_port.is_empty() {
            published = (u32::from(host_start) + u32::from(i)).to_string();
        }
        if start == end && host_start != host_end {
            published = format!("{published}-{host_end}");
        }
        mappings.push(PortMapping {
            host_ip: ip.clone(),
            target,
            published,
            protocol: proto.clone(),
        });
    }
    // nat.ParsePortSpecs keys the bindings by "port/proto" and compose sorts those keys as
    // strings; the sort is stable, so bindings of the same port keep their order.
    mappings.sort_by_key(|m| format!("{}/{}", m.target, m.protocol));
    Ok(mappings)
}

/// Splits `ip:host:container`, where the ip may itself contain colons (IPv6).
fn split_parts(raw: &str) -> (&str, &str, &str) {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.as_slice() {
        [] => ("", "", ""),
        [c] => ("", "", c),
        [h, c] => ("", h, c),
        [ip, h, c] => (ip, h, c),
        [.., h, c] => {
            let ip_len = raw.len() - h.len() - c.len() - 2;
            (&raw[..ip_len], h, c)
        }
    }
}

/// Splits `port/proto`; the protocol defaults to tcp, and an empty port yields nothing.
fn split_proto_port(raw: &str) -> (&str, &str) {
    let (port, proto) = raw.split_once('/').unwrap_or((raw, ""));
    if port.is_empty() {
        return ("", "");
    }
    if proto.is_empty() {
        return ("tcp", port);
    }
    (proto, port)
}

/// `[::1]` to `::1`, failing like Go's `net.SplitHostPort` on a missing bracket.
fn strip_brackets(ip: &str) -> Result<String, String> {
    let with_port = format!("{ip}:");
    let Some(end) = with_port.find(']') else {
        return Err(format!(
            "invalid IP address {ip}: address {with_port}: missing ']' in address"
        ));
    };
    let host = &with_port[1..end];
    let rest = &with_port[end + 1..];
    if rest != ":" {
        return Err(format!(
            "invalid IP address {ip}: address {with_port}: missing port in address"
        ));
    }
    if host.contains('[') || host.contains(']') {
        return Err(format!(
            "invalid IP address {ip}: address {with_port}: unexpected '[' in address"
        ));
    }
    Ok(host.to_string())
}

/// Go's `net.ParseIP` (no zones, no leading zeros in IPv4).
fn is_ip(text: &str) -> bool {
    text.parse::<Ipv4Addr>().is_ok() || text.parse::<Ipv6Addr>().is_ok()
}

/// `nat.ParsePortRange`: `80` or `80-90`, each an unsigned 16-bit decimal, end >= start.
fn parse_port_range(text: &str) -> Option<(u16, u16)> {
    let parse = |s: &str| -> Option<u16> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u16>().ok()
    };
    match text.split_once('-') {
        None => parse(text).map(|p| (p, p)),
        Some((a, b)) => {
            let (start, end) = (parse(a)?, parse(b)?);
            (end >= start).then_some((start, end))
        }
    }
}

/// compose-go's `transformPorts`: short entries (strings and bare numbers) become one or
/// more long-syntax mappings; long entries are kept. When `lenient` (no interpolation, so a
/// `${VAR}` may hide the syntax), a string that does not parse leaves the list as written.
pub(crate) fn canonical_ports(ports: &mut Node, path: &str, lenient: bool) -> Result<()> {
    let Value::Seq(entries) = &ports.value else {
        return Err(LoadError::new(
            ErrorKind::Format,
            &ports.mark,
            format!("{path}: invalid type {} for port", ports.kind_name()),
        ));
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let spec = match &entry.value {
            Value::Map(_) => {
                out.push(entry.clone());
                continue;
            }
            Value::Int(i) => i.to_string(),
            Value::Str(s) if lenient && parse_port_spec(s).is_err() => return Ok(()),
            Value::Str(s) => s.clone(),
            _ => {
                return Err(LoadError::new(
                    ErrorKind::Format,
                    &entry.mark,
                    format!("{path}: invalid type {} for port", entry.kind_name()),
                ))
            }
        };
        let parsed = parse_port_spec(&spec)
            .map_err(|e| LoadError::new(ErrorKind::Format, &entry.mark, e))?;
        out.extend(parsed.iter().map(|m| m.to_node(entry)));
    }
    ports.value = Value::Seq(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(spec: &str) -> PortMapping {
        let v = parse_port_spec(spec).unwrap();
        assert_eq!(v.len(), 1, "{spec}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn simple_specs() {
        let m = one("80:8080");
        assert_eq!(
            (m.target, m.published.as_str(), m.protocol.as_str()),
            (8080, "80", "tcp")
        );
        let m = one("90:8090/udp");
        assert_eq!((m.target, m.protocol.as_str()), (8090, "udp"));
        let m = one("8600");
        assert_eq!((m.target, m.published.as_str()), (8600, ""));
        let m = one("127.0.0.1:8080:80");
        assert_eq!(
            (m.host_ip.as_str(), m.published.as_str()),
            ("127.0.0.1", "8080")
        );
        assert_eq!(one("80/UDP").protocol, "udp");
        assert_eq!(one(":80").published, "");
        assert_eq!(one("0.0.0.0::80").host_ip, "0.0.0.0");
    }

    #[test]
    fn ipv6_hosts() {
        assert_eq!(one("[::1]:80:80").host_ip, "::1");
        assert_eq!(one("::1:80:80").host_ip, "::1");
        assert_eq!(one("[1.2.3.4]:80:80").host_ip, "1.2.3.4");
    }

    #[test]
    fn ranges_expand_in_string_order() {
        let v = parse_port_spec("98-101:98-101").unwrap();
        let targets: Vec<u16> = v.iter().map(|m| m.target).collect();
        assert_eq!(targets, vec![100, 101, 98, 99]);
        assert_eq!(v[0].published, "100");
        let v = parse_port_spec("80-82:8080-8082").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!((v[2].target, v[2].published.as_str()), (8082, "82"));
        let m = one("8000-8010:80");
        assert_eq!(m.published, "8000-8010");
        assert_eq!(parse_port_spec("80-81/udp").unwrap().len(), 2);
    }

    #[test]
    fn errors_use_docker_wording() {
        let err = |s: &str| parse_port_spec(s).unwrap_err();
        assert_eq!(err("127.0.1:8080:80"), "invalid IP address: 127.0.1");
        assert_eq!(err("localhost:80:80"), "invalid IP address: localhost");
        assert_eq!(err("80:80:80:80"), "invalid IP address: 80:80");
        assert_eq!(err("80/xyz"), "invalid proto: xyz");
        assert_eq!(err("80:"), "invalid proto: ");
        assert_eq!(err("abc"), "invalid containerPort: abc");
        assert_eq!(err("80-70"), "invalid containerPort: 80-70");
        assert_eq!(err("99999"), "invalid containerPort: 99999");
        assert_eq!(err("1.2.3.4:80"), "invalid hostPort: 1.2.3.4");
        assert_eq!(err("80:80/tcp/udp"), "invalid proto: tcp/udp");
        assert_eq!(
            err("8080-8081:80-82"),
            "invalid ranges specified for container and host Ports: 80-82 and 8080-8081"
        );
        assert_eq!(
            err("[::1:80:80"),
            "invalid IP address [::1: address [::1:: missing ']' in address"
        );
    }

    #[test]
    fn canonical_ports_expands_short_entries() {
        let mut ports = Node::synthetic(Value::Seq(vec![
            Node::str("80-81:8080-8081"),
            Node::synthetic(Value::Int(53)),
            Node::empty_map(),
        ]));
        canonical_ports(&mut ports, "services.a.ports", false).unwrap();
        let seq = ports.as_seq().unwrap();
        assert_eq!(seq.len(), 4);
        assert_eq!(seq[0].get_str("published"), Some("80"));
        assert_eq!(seq[0].get_str("mode"), Some("ingress"));
        assert_eq!(seq[2].get("target").unwrap().value, Value::Int(53));
        assert!(seq[2].get("published").is_none());
        let mut bad = Node::synthetic(Value::Seq(vec![Node::str("127.0.1:8080:80")]));
        let e = canonical_ports(&mut bad, "p", false).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Format);
        assert_eq!(e.message, "invalid IP address: 127.0.1");
        let mut raw = Node::synthetic(Value::Seq(vec![Node::str("80"), Node::str("${P}:80")]));
        canonical_ports(&mut raw, "p", true).unwrap();
        assert_eq!(raw.as_seq().unwrap()[0].as_str(), Some("80"));
    }
}

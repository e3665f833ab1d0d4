//! Merge rules checked on small documents (expected results verified with Compose v2.40.3).

use super::*;
use crate::yaml::parse_documents;
use serde_json::json;

fn doc(text: &str) -> Node {
    parse_documents(text, "t.yaml")
        .ok()
        .and_then(|d| d.into_iter().next())
        .unwrap_or_else(|| Node::synthetic(Value::Null))
}

fn merged(a: &str, b: &str) -> serde_json::Value {
    let mut m = merge(doc(a), doc(b)).expect("merge");
    enforce_unicity(&mut m).expect("unicity");
    m.to_json()
}

fn service(v: &serde_json::Value, name: &str) -> serde_json::Value {
    v["services"][name].clone()
}

#[test]
fn scalars_replace_mappings_merge_and_null_keeps() {
    let v = merged(
        "services:\n  s:\n    image: a\n    init: true\n    healthcheck: {test: [CMD, a], interval: 1s}\n",
        "services:\n  s:\n    image: null\n    init: false\n    healthcheck: {test: [CMD, b]}\n  t:\n    image: t\n",
    );
    let s = service(&v, "s");
    assert_eq!(s["image"], json!("a"));
    assert_eq!(s["init"], json!(false));
    assert_eq!(
        s["healthcheck"],
        json!({"test": ["CMD", "b"], "interval": "1s"})
    );
    assert_eq!(service(&v, "t")["image"], json!("t"));
}

#[test]
fn command_and_entrypoint_are_replaced_even_by_null() {
    let v = merged(
        "services:\n  s:\n    command: [a, b]\n    entrypoint: x\n",
        "services:\n  s:\n    command: null\n    entrypoint: [y]\n",
    );
    let s = service(&v, "s");
    assert_eq!(s["command"], json!(null));
    assert_eq!(s["entrypoint"], json!(["y"]));
}

#[test]
fn key_value_lists_merge_in_either_form_and_later_wins() {
    let v = merged(
        "services:\n  s:\n    environment: {A: \"1\", B: 2}\n    labels: [x=1, y=2]\n",
        "services:\n  s:\n    environment: [B=3, C]\n    labels: {z: 3, x: 9}\n",
    );
    let s = service(&v, "s");
    assert_eq!(s["environment"], json!(["A=1", "B=3", "C"]));
    assert_eq!(s["labels"], json!(["x=9", "y=2", "z=3"]));
}

#[test]
fn sequences_append_and_dedupe_by_unique_key() {
    let v = merged(
        "services:\n  s:\n    ports: [{target: 80, published: \"8080\"}, {target: 90, published: \"9000\"}]\n    volumes: [{type: bind, source: /a, target: /a}, data:/data]\n    dns: 8.8.8.8\n    cap_add: [A]\n",
        "services:\n  s:\n    ports: [{target: 80, published: \"8080\", protocol: tcp}, \"7000:70\"]\n    volumes: [{type: bind, source: /b, target: /a}]\n    dns: [1.1.1.1, 8.8.8.8]\n    cap_add: [B, A]\n",
    );
    let s = service(&v, "s");
    let ports = s["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 3);
    assert_eq!(ports[0]["protocol"], json!("tcp"));
    assert_eq!(ports[2], json!("7000:70"));
    assert_eq!(s["volumes"][0]["source"], json!("/b"));
    assert_eq!(s["volumes"][1], json!("data:/data"));
    assert_eq!(s["dns"], json!(["8.8.8.8", "1.1.1.1"]));
    assert_eq!(s["cap_add"], json!(["A", "B"]));
}

#[test]
fn depends_on_networks_build_logging_ulimits_have_their_own_rules() {
    let v = merged(
        "services:\n  s:\n    depends_on: {t: {condition: service_healthy, required: false}}\n    networks: {n: {aliases: [a]}}\n    build: ctx\n    logging: {driver: json-file, options: {a: b}}\n    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 3}\n    extra_hosts: [\"a=1.1.1.1\"]\n",
        "services:\n  s:\n    depends_on: [t, u]\n    networks: [n, m]\n    build: {dockerfile: D}\n    logging: {driver: syslog, options: {c: d}}\n    ulimits: {nofile: {soft: 5, hard: 6}}\n    extra_hosts: {a: 1.1.1.1, c: 3.3.3.3}\n",
    );
    let s = service(&v, "s");
    assert_eq!(
        s["depends_on"],
        json!({
            "t": {"condition": "service_started", "required": true},
            "u": {"condition": "service_started", "required": true}
        })
    );
    assert_eq!(s["networks"], json!({"n": {"aliases": ["a"]}, "m": null}));
    assert_eq!(s["build"], json!({"context": "ctx", "dockerfile": "D"}));
    assert_eq!(
        s["logging"],
        json!({"driver": "syslog", "options": {"c": "d"}})
    );
    assert_eq!(
        s["ulimits"],
        json!({"nofile": {"soft": 5, "hard": 6}, "nproc": 3})
    );
    assert_eq!(s["extra_hosts"], json!(["a=1.1.1.1", "c=3.3.3.3"]));
}

#[test]
fn logging_options_merge_with_the_same_driver() {
    let v = merged(
        "services:\n  s:\n    logging: {driver: syslog, options: {a: b}}\n",
        "services:\n  s:\n    logging: {options: {c: d}}\n",
    );
    assert_eq!(
        service(&v, "s")["logging"],
        json!({"driver": "syslog", "options": {"a": "b", "c": "d"}})
    );
}

#[test]
fn ipam_configs_merge_by_subnet() {
    let v = merged(
        "networks:\n  n:\n    ipam:\n      config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}]\n",
        "networks:\n  n:\n    ipam:\n      config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}, {subnet: 10.1.0.0/24}]\n",
    );
    assert_eq!(
        v["networks"]["n"]["ipam"]["config"],
        json!([
            {"subnet": "10.0.0.0/24", "gateway": "10.0.0.1", "ip_range": "10.0.0.0/25"},
            {"subnet": "10.1.0.0/24"}
        ])
    );
}

#[test]
fn type_mismatch_cannot_override() {
    let e = merge(
        doc("services:\n  a:\n    volumes: [/a:/b]\n"),
        doc("services:\n  a:\n    volumes: {a: b}\n"),
    )
    .unwrap_err();
    assert!(
        e.message.contains("cannot override services.a.volumes"),
        "{e}"
    );
}

#[test]
fn reset_removes_and_override_replaces() {
    let v = merged(
        "services:\n  foo:\n    build: {context: ., dockerfile: foo.Dockerfile}\n    environment: {FOO: BAR, KEEP: me}\n    ports: [\"80:80\"]\nnetworks:\n  test: {name: test, external: true}\n",
        "services:\n  foo:\n    image: foo\n    build: !reset\n    environment:\n      FOO: !reset\n    ports: !override [\"81:81\"]\nnetworks:\n  test: !override {}\n",
    );
    let s = service(&v, "foo");
    assert!(s.get("build").is_none());
    assert_eq!(s["environment"], json!(["KEEP=me"]));
    assert_eq!(s["ports"], json!(["81:81"]));
    assert_eq!(v["networks"]["test"], json!({}));
}

#[test]
fn reset_in_the_first_document_drops_the_value() {
    let v = merged(
        "services:\n  t:\n    image: t\n",
        "services:\n  t:\n    volumes: !reset [/x:/y]\n    labels: !override {a: b}\n",
    );
    let t = service(&v, "t");
    assert!(t.get("volumes").is_none());
    assert_eq!(t["labels"], json!({"a": "b"}));
}

#[test]
fn unicity_errors_are_worded_like_compose() {
    let cases = [
        (
            "volumes: [{type: volume, source: x}]",
            "service volume services.a.volumes.[0] is missing a mount target",
        ),
        (
            "environment: [1]",
            "services.a.environment.[0]: unexpected type int",
        ),
        (
            "ports: [{published: 80}]",
            "service ports services.a.ports.[0] is missing a target port",
        ),
        (
            "expose: [1.5]",
            "services.a.expose.[0]: unsupported expose value %!s(float64=1.5)",
        ),
        (
            "env_file: [{required: true}]",
            "environment path attribute services.a.env_file.[0] is missing",
        ),
        (
            "secrets: [1]",
            "services.a.secrets.[0]: unsupported expose value %!s(int=1)",
        ),
        (
            "labels: [{a: 1}]",
            "services.a.labels.[0]: unexpected type map[string]interface {}",
        ),
    ];
    for (attr, message) in cases {
        let mut d = doc(&format!("services:\n  a:\n    {attr}\n"));
        let e = enforce_unicity(&mut d).unwrap_err();
        assert_eq!(e.message, message);
    }
}

#[test]
fn secrets_and_configs_dedupe_by_target() {
    let mut d = doc(
        "services:\n  a:\n    secrets: [s, {source: s, target: /run/secrets/s, mode: 0400}, {source: t}]\n    configs: [c, {source: c, target: /c}]\n",
    );
    enforce_unicity(&mut d).unwrap();
    let a = service(&d.to_json(), "a");
    assert_eq!(a["secrets"].as_array().map(Vec::len), Some(2));
    assert_eq!(a["secrets"][0]["mode"], json!(256));
    assert_eq!(a["configs"], json!([{"source": "c", "target": "/c"}]));
}

#[test]
fn merge_service_uses_service_rules() {
    let base = doc("image: a\ncommand: [x]\nlabels: {a: \"1\"}\n");
    let over = doc("command: y\nlabels: [b=2]\n");
    let m = merge_service(base, over).unwrap().to_json();
    assert_eq!(
        m,
        json!({"image": "a", "command": "y", "labels": ["a=1", "b=2"]})
    );
}

#[test]
fn same_value_ignores_order_but_not_types() {
    assert!(same_value(&doc("{a: 1, b: [x]}"), &doc("{b: [x], a: 1}")));
    assert!(!same_value(&doc("{a: 1}"), &doc("{a: \"1\"}")));
    assert!(!same_value(&doc("[a, b]"), &doc("[b, a]")));
}

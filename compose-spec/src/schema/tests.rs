//! Whole-document tests of [`super::validate`], checked against docker compose v2.40.3.

use super::validate;
use crate::error::ErrorKind;
use crate::yaml::parse_documents;

fn err(text: &str) -> String {
    let doc = parse_documents(text, "t.yaml").unwrap().remove(0);
    let e = validate(&doc).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Schema);
    e.message
}

fn ok(text: &str) {
    let doc = parse_documents(text, "t.yaml").unwrap().remove(0);
    if let Err(e) = validate(&doc) {
        panic!("unexpected error {e} for\n{text}");
    }
}

#[test]
fn unknown_keys() {
    assert_eq!(
        err("services:\n  web:\n    image: a\nwhatever: true\n"),
        " additional properties 'whatever' not allowed"
    );
    assert_eq!(
        err("services:\n  web:\n    image: a\n    imag: typo\n"),
        "services.web additional properties 'imag' not allowed (did you mean \"image\"?)"
    );
    assert_eq!(
        err("services:\n  foo:\n    deploy:\n      resources:\n        impossible:\n          x: 1\n"),
        "services.foo.deploy.resources additional properties 'impossible' not allowed"
    );
    assert_eq!(
        err("services:\n  t:\n    volumes:\n      - type: tmpfs\n        target: /app\n        foo:\n          bar: zot\n"),
        "services.t.volumes.0 additional properties 'foo' not allowed"
    );
    assert_eq!(
        err("services:\n  \"foo bar\": {image: a}\n"),
        "services additional properties 'foo bar' not allowed"
    );
    assert_eq!(
        err("services:\n  foo: {image: a, blkio_config: {x-a: 1}}\n"),
        "services.foo.blkio_config additional properties 'x-a' not allowed"
    );
}

#[test]
fn unknown_key_error_points_at_the_key() {
    let doc = parse_documents("services:\n  web:\n    image: a\n    imgae: b\n", "t.yaml")
        .unwrap()
        .remove(0);
    let e = validate(&doc).unwrap_err();
    assert_eq!((e.mark.line, e.mark.col), (4, 5));
    assert!(
        e.message.ends_with("did you mean \"image\"?)"),
        "{}",
        e.message
    );
}

#[test]
fn wrong_types() {
    assert_eq!(
        err("services:\n  foo:\n    image: [\"busybox\", \"latest\"]\n"),
        "services.foo.image must be a string"
    );
    assert_eq!(err("name: 123\n"), "name must be a string");
    assert_eq!(err("version: 3.8\n"), "version must be a string");
    assert_eq!(
        err("services: {foo: {image: a}}\nnetworks:\n"),
        "networks must be a mapping"
    );
    assert_eq!(
        err("volumes:\n  data: local\n"),
        "volumes.data must be a mapping or null"
    );
    assert_eq!(
        err("services:\n  e:\n    environment:\n      FOO: [\"1\"]\n"),
        "services.e.environment.FOO must be a boolean, null, number or string"
    );
    assert_eq!(
        err("services:\n  e:\n    environment: \"FOO=1\"\n"),
        "services.e.environment must be a mapping"
    );
    assert_eq!(
        err("services:\n  t:\n    build:\n      context: .\n      ssh:\n"),
        "services.t.build.ssh must be a mapping"
    );
    assert_eq!(
        err("services:\n  foo: {image: a, mem_limit: true}\n"),
        "services.foo.mem_limit must be a number or string"
    );
    assert_eq!(
        err("services:\n  foo: {image: a, deploy: {resources: {limits: {memory: 1024}}}}\n"),
        "services.foo.deploy.resources.limits.memory must be a string"
    );
    assert_eq!(err("services:\n  foo:\n"), "services.foo must be a mapping");
}

#[test]
fn numeric_bounds() {
    let tmpfs = |size: &str| {
        format!("services:\n  t:\n    volumes:\n      - type: tmpfs\n        target: /app\n        tmpfs:\n          size: {size}\n")
    };
    assert_eq!(
        err(&tmpfs("-1")),
        "services.t.volumes.0.tmpfs.size must be greater than or equal to 0"
    );
    assert_eq!(
        err(&tmpfs("0.0001")),
        "services.t.volumes.0.tmpfs.size must be a integer"
    );
    ok(&tmpfs("1.0"));
    ok(&tmpfs("10m"));
    assert_eq!(
        err("services:\n  foo: {image: a, oom_score_adj: -2000}\n"),
        "services.foo.oom_score_adj must be a string"
    );
    ok("services:\n  foo: {image: a, oom_score_adj: -500, cpu_percent: 100}\n");
}

#[test]
fn required_enum_pattern_and_unique() {
    assert_eq!(
        err("services:\n  f:\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              count: 2\n"),
        "services.f.deploy.resources.reservations.devices.0 missing property 'capabilities'"
    );
    assert_eq!(
        err("services:\n  f:\n    develop:\n      watch:\n        - path: ./html\n          target: /var/www\n"),
        "services.f.develop.watch.0 missing property 'action'"
    );
    assert_eq!(
        err("services:\n  f: {image: a, develop: {watch: [{target: /x}]}}\n"),
        "services.f.develop.watch.0 missing properties 'path', 'action'"
    );
    assert_eq!(
        err("services:\n  f: {image: a, depends_on: {db: {condition: foo}}}\n"),
        "services.f.depends_on.db.condition value must be one of 'service_started', 'service_healthy', 'service_completed_successfully'"
    );
    assert_eq!(
        err("services:\n  f: {image: a, gpus: some}\n"),
        "services.f.gpus value must be 'all'"
    );
    assert_eq!(
        err("services:\n  f: {image: a, container_name: \"-\"}\n"),
        "services.f.container_name '-' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'"
    );
    assert_eq!(
        err("services:\n  f: {image: a, volumes_from: [a, a]}\n"),
        "services.f.volumes_from items at 0 and 1 are equal"
    );
}

#[test]
fn accepts_short_and_long_syntaxes() {
    ok(r#"
name: demo
version: "3.8"
x-common: &common {restart: always}
include:
  - other.yaml
  - path: [a.yaml, b.yaml]
    env_file: .env
    project_directory: sub
services:
  web:
    <<: *common
    image: nginx
    build:
      context: .
      args: [A=1]
      ssh: [default]
      secrets: [s1, {source: s2, target: t}]
      ulimits: {nofile: {soft: 1, hard: 2}, nproc: 3}
      x-custom: 1
    ports: ["80:80", 8080, {target: 80, published: "8080", protocol: tcp, host_ip: 127.0.0.1}]
    volumes:
      - ./src:/src
      - {type: bind, source: ., target: /app, bind: {create_host_path: true, selinux: z}}
      - {type: volume, source: data, target: /data, volume: {nocopy: true, subpath: x}}
      - {type: tmpfs, target: /tmp, tmpfs: {size: 1000, mode: 0755}}
    environment: {A: 1, B: ~, C: true, D: x}
    labels: [a=b]
    depends_on:
      db: {condition: service_healthy, restart: true, required: false}
    networks:
      front: {aliases: [w], ipv4_address: 10.0.0.2, priority: 10}
      back:
    healthcheck: {test: [CMD, "true"], interval: 10s, retries: 3}
    command: echo hi
    entrypoint: [sh, -c]
    extra_hosts: {somehost: "162.242.195.82", multi: ["1.1.1.1", "::1"]}
    ulimits: {nofile: 20000}
    env_file: [a.env, {path: b.env, required: false}]
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 50M, pids: 10}
        reservations:
          devices: [{capabilities: [gpu], count: all}]
      restart_policy: {condition: on-failure, max_attempts: 3}
      placement: {constraints: [a], preferences: [{spread: x}]}
    develop:
      watch:
        - {path: ./src, action: sync, target: /src, ignore: [node_modules]}
    gpus: all
    logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}
    post_start: [{command: echo, user: root}]
    pull_policy: every_12h
    cpu_count: "${CPUS}"
    x-extension: {anything: [1]}
  db:
    image: postgres
    depends_on: [cache]
    networks: [back]
    gpus: [{driver: nvidia, count: 1, whatever: 1}]
    deploy:
    develop:
  cache:
    image: redis
    extends: web
networks:
  front:
  back:
    driver: bridge
    ipam: {config: [{subnet: 10.0.0.0/24, aux_addresses: {host1: 10.0.0.5}}]}
    external: false
  weird name: {}
volumes:
  data:
  ext: {external: true, name: foo}
  legacy: {external: {name: bar}}
secrets:
  s1: {file: ./s1}
  s2: {environment: S2, external: {name: x, anything: y}}
configs:
  c1: {content: hello}
models:
  m1: {model: ai/smollm2, context_size: 1024}
"#);
}

#[test]
fn accepts_interpolation_leftovers_where_compose_does() {
    ok("services:\n  f:\n    image: a\n    ports: [{target: \"${PORT}\", published: \"${P}\"}]\n    privileged: \"${PRIV}\"\n    scale: \"${N}\"\n");
}

#[test]
fn reset_values_are_not_validated() {
    ok("services:\n  f:\n    image: !reset null\n    build: .\n");
    // A reset required key is gone, as in compose.
    assert_eq!(
        err("services:\n  f:\n    image: a\n    develop: {watch: [{path: ., action: !reset null}]}\n"),
        "services.f.develop.watch.0 missing property 'action'"
    );
}

#[test]
fn suggestions_for_top_level_typos() {
    assert_eq!(
        err("service:\n  web: {image: a}\n"),
        " additional properties 'service' not allowed (did you mean \"services\"?)"
    );
    assert_eq!(
        err("services:\n  web: {image: a, enviroment: [A=1]}\n"),
        "services.web additional properties 'enviroment' not allowed (did you mean \"environment\"?)"
    );
}

#[test]
fn empty_values_are_reported_at_their_key() {
    let doc = parse_documents(
        "services:\n  t:\n    build:\n      context: .\n      ssh:\n",
        "t.yaml",
    )
    .unwrap()
    .remove(0);
    let e = validate(&doc).unwrap_err();
    assert_eq!((e.mark.line, e.mark.col), (5, 7));
}

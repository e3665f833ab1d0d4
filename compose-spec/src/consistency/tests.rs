//! Tests of the consistency checks, one per rule, on small models.

use super::*;

fn doc(yaml: &str) -> Node {
    crate::yaml::parse_documents(yaml, "compose.yaml")
        .expect("yaml")
        .into_iter()
        .next()
        .expect("document")
}

fn run(yaml: &str) -> Result<Node> {
    let mut d = doc(yaml);
    check(&mut d, &Map::new())?;
    Ok(d)
}

fn message(yaml: &str) -> String {
    run(yaml).expect_err("inconsistent").message
}

#[test]
fn valid_model_passes() {
    run("services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: service_started, required: true}\n    networks: {default: null}\n    volumes:\n      - {type: volume, source: data, target: /d}\n      - {type: volume, target: /anon}\n    secrets: [{source: s}]\n  db:\n    build: {context: .}\nnetworks:\n  default: {}\nvolumes:\n  data: {}\nsecrets:\n  s: {file: /x}\n")
        .expect("consistent");
}

#[test]
fn service_needs_image_or_build() {
    let err = run("services:\n  myservice:\n    restart: always\n").expect_err("no image");
    assert_eq!(
        err.message,
        "service \"myservice\" has neither an image nor a build context specified: invalid compose project"
    );
    assert_eq!(err.kind, ErrorKind::Consistency);
    assert_eq!(err.mark.line, 2);
    run("services:\n  p:\n    provider: {type: model}\n").expect("provider is enough");
}

#[test]
fn undefined_dependencies() {
    let err = run("services:\n  myservice:\n    image: x\n    depends_on:\n      missingservice: {condition: service_started, required: true}\n")
        .expect_err("undefined");
    assert!(err
        .message
        .starts_with("service \"myservice\" depends on undefined service \"missingservice\""));
    assert_eq!(err.mark.line, 5);
    // Not required is still an error when the service does not exist at all.
    assert!(message("services:\n  a:\n    image: x\n    depends_on:\n      other: {condition: service_started, required: false}\n")
        .contains("depends on undefined service"));
}

#[test]
fn disabled_dependencies_are_fine_unless_required() {
    let yaml = "services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: service_started, required: false}\n";
    let mut disabled = Map::new();
    disabled.insert("b".into(), doc("image: b\nprofiles: [x]\n"));
    let mut d = doc(yaml);
    check(&mut d, &disabled).expect("optional disabled dependency");
    let mut d = doc(&yaml.replace("required: false", "required: true"));
    assert!(check(&mut d, &disabled).is_err());
}

#[test]
fn network_rules() {
    assert!(message("services:\n  redis:\n    image: r\n    network_mode: bridge\n    networks: {g: null}\nnetworks:\n  g: {}\n")
        .contains("service redis declares mutually exclusive `network_mode` and `networks`"));
    assert!(
        message("services:\n  myservice:\n    image: x\n    networks: {nope: null}\n")
            .contains("service \"myservice\" refers to undefined network nope")
    );
    assert_eq!(
        message("services:\n  a:\n    image: x\n    network_mode: 'service:ghost'\n"),
        "service \"ghost\" not found for network_mode 'service:ghost'"
    );
}

#[test]
fn undefined_resources() {
    assert!(message("services:\n  myservice:\n    image: x\n    volumes:\n      - {type: volume, source: myVolume, target: /use/local}\n")
        .contains("service \"myservice\" refers to undefined volume myVolume"));
    assert!(
        message("services:\n  myservice:\n    image: x\n    secrets: [{source: foo}]\n")
            .contains("service \"myservice\" refers to undefined secret foo")
    );
    assert!(
        message("services:\n  myservice:\n    image: x\n    configs: [foo]\n")
            .contains("service \"myservice\" refers to undefined config foo")
    );
    assert!(
        message("services:\n  a:\n    build: {context: ., secrets: [{source: bs}]}\n")
            .contains("refers to undefined build secret bs")
    );
    assert!(
        message("services:\n  a:\n    image: x\n    models: {m: null}\n")
            .contains("refers to undefined model m")
    );
}

#[test]
fn build_rules() {
    assert!(message(
        "services:\n  a:\n    build: {context: ., dockerfile: D, dockerfile_inline: 'FROM x'}\n"
    )
    .contains("mutualy exclusive dockerfile and dockerfile_inline"));
    assert!(message("services:\n  a:\n    build: {context: ., additional_contexts: {b: 'service:b'}}\n  b:\n    image: b\n")
        .contains("declares non-buildable service \"b\" as additional contexts b"));
    assert!(message(
        "services:\n  a:\n    build: {context: ., additional_contexts: {b: 'service:zz'}}\n"
    )
    .contains("declares unknown service \"zz\""));
    assert!(message("services:\n  a:\n    platform: linux/arm64\n    build: {context: ., platforms: [linux/amd64]}\n")
        .contains("service.build.platforms MUST include service.platform \"linux/arm64\""));
}

#[test]
fn healthcheck_test_prefix() {
    assert!(
        message("services:\n  a:\n    image: x\n    healthcheck: {test: [curl, x]}\n")
            .contains("healthcheck.test must start either by")
    );
    run("services:\n  a:\n    image: x\n    healthcheck: {test: [CMD, curl]}\n").expect("ok");
}

#[test]
fn container_names() {
    assert!(message("services:\n  myservice:\n    image: x\n    container_name: mycontainer\n  myservice2:\n    image: x\n    container_name: mycontainer\n")
        .contains("container name \"mycontainer\" is already in use by service myservice"));
    assert!(message(
        "services:\n  a:\n    image: x\n    container_name: c\n    deploy: {replicas: 2}\n"
    )
    .contains(
        "services.a: can't set container_name and deploy.replicas as container name must be unique"
    ));
}

#[test]
fn watch_targets() {
    assert!(message("services:\n  myservice:\n    image: x\n    develop:\n      watch:\n        - {action: sync, path: /app}\n")
        .contains("target is required for non-rebuild actions"));
    run("services:\n  a:\n    image: x\n    develop:\n      watch:\n        - {action: rebuild, path: /app}\n")
        .expect("rebuild needs no target");
}

#[test]
fn mount_targets_are_unique() {
    assert_eq!(
        message("services:\n  a:\n    image: x\n    tmpfs: /x\n    volumes:\n      - {type: volume, target: /x}\n"),
        "services.a.volumes[0]: target /x already mounted as services.a.tmpfs[0]"
    );
}

#[test]
fn secrets_need_a_source() {
    assert!(
        message("services:\n  a: {image: x}\nsecrets:\n  s: {driver: vault}\n")
            .contains("secret \"s\" must declare either `file` or `environment`")
    );
    run("services:\n  a: {image: x}\nsecrets:\n  s: {external: true}\n").expect("external");
}

#[test]
fn cycles_are_errors() {
    let err = run("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n")
        .expect_err("cycle");
    assert_eq!(err.kind, ErrorKind::Cycle);
    assert_eq!(err.message, "dependency cycle detected: a -> b -> a");
}

#[test]
fn scale_reaches_replicas() {
    let d = run("services:\n  a:\n    image: x\n    scale: 3\n    deploy: {labels: {a: b}}\n")
        .expect("ok");
    let replicas = d
        .get("services")
        .and_then(|s| s.get("a"))
        .and_then(|a| a.get("deploy"))
        .and_then(|d| d.get("replicas"))
        .map(|r| r.value.clone());
    assert_eq!(replicas, Some(Value::Int(3)));
    assert!(
        message("services:\n  myservice:\n    image: x\n    deploy:\n      replicas: -1\n")
            .contains("replicas")
    );
}

#[test]
fn dependency_on_a_profile_disabled_service_names_the_profiles() {
    let yaml = "services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: service_started, required: true}\n";
    let mut disabled = Map::new();
    disabled.insert("b".into(), doc("image: b\nprofiles: [debug, x]\n"));
    let mut d = doc(yaml);
    let e = check(&mut d, &disabled).expect_err("required dependency is disabled");
    assert!(
        e.message.contains("depends on undefined service \"b\"")
            && e.message.contains("profiles [debug, x]"),
        "{}",
        e.message
    );
}

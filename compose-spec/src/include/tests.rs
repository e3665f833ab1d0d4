//! `include` entries, imports and sub-projects (checked against Compose v2.40.3).

use super::*;

#[test]
fn entries_accept_short_and_long_forms() {
    let doc = crate::yaml::parse_documents(
        "include:\n  - a.yaml\n  - path: [b.yaml, c.yaml]\n    project_directory: sub\n    env_file: x.env\n",
        "t.yaml",
    )
    .unwrap();
    let include = doc[0].get("include").unwrap();
    let e = entries(include).unwrap();
    assert_eq!(e[0].paths, ["a.yaml"]);
    assert_eq!(e[1].paths, ["b.yaml", "c.yaml"]);
    assert_eq!(e[1].project_directory.as_deref(), Some("sub"));
    assert_eq!(e[1].env_files, ["x.env"]);
}

#[test]
fn include_must_be_a_list() {
    let n = Node::str("foo");
    let e = entries(&n).unwrap_err();
    assert_eq!(e.message, "`include` must be a list, got foo");
}

#[test]
fn identical_resources_are_accepted_and_different_ones_conflict() {
    let parse = |t: &str| crate::yaml::parse_documents(t, "t.yaml").unwrap().remove(0);
    let mut doc = parse("services:\n  t: {image: t, environment: {A: 1}}\n");
    import_resources(
        parse("services:\n  t: {environment: {A: 1}, image: t}\n  u: {image: u}\n"),
        &mut doc,
    )
    .unwrap();
    assert!(doc.get("services").and_then(|s| s.get("u")).is_some());
    let e = import_resources(
        parse("services:\n  t: {image: t, environment: {A: \"1\"}}\n"),
        &mut doc,
    )
    .unwrap_err();
    assert_eq!(e.message, "services.t conflicts with imported resource");
}

use crate::extends::tests::{load, load_with_env};
use serde_json::json;

fn no_paths() -> LoadOptions {
    LoadOptions {
        skip_path_resolution: true,
        ..LoadOptions::default()
    }
}

fn service(model: &Node, name: &str) -> serde_json::Value {
    model.to_json()["services"][name].clone()
}

#[test]
fn included_project_interpolates_with_its_own_env_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = Environment::new();
    env.insert("WINS".into(), "process".into());
    let m = load_with_env(
        dir.path(),
        &[
            (
                "compose.yaml",
                "include:\n  - path: mod/compose.yaml\n    env_file: custom.env\nservices:\n  a:\n    image: ${IMG:-none}\n",
            ),
            ("custom.env", "IMG=from-file\nWINS=file\n"),
            ("mod/compose.yaml", "services:\n  b:\n    image: ${IMG}\n    hostname: ${WINS}\n"),
        ],
        &no_paths(),
        env,
    )
    .unwrap();
    assert_eq!(service(&m, "a")["image"], json!("none"));
    assert_eq!(service(&m, "b")["image"], json!("from-file"));
    assert_eq!(service(&m, "b")["hostname"], json!("process"));
}

#[test]
fn included_project_reads_the_dot_env_of_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let m = load(
        dir.path(),
        &[
            ("compose.yaml", "include: [mod/compose.yaml]\n"),
            ("mod/.env", "IMG=dotenv\n"),
            ("mod/compose.yaml", "services:\n  b:\n    image: ${IMG}\n"),
        ],
        &no_paths(),
    )
    .unwrap();
    assert_eq!(service(&m, "b")["image"], json!("dotenv"));
}

#[test]
fn included_paths_resolve_against_the_project_directory() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "compose.yaml",
            "include:\n  - path: mod/compose.yaml\n  - project_directory: other\n    path: mod/second.yaml\n",
        ),
        ("mod/compose.yaml", "services:\n  b:\n    build: {context: ./ctx}\n"),
        ("mod/second.yaml", "services:\n  c:\n    build: {context: ./ctx}\n"),
    ];
    let m = load(dir.path(), &files, &no_paths()).unwrap();
    let root = dir.path().to_string_lossy().into_owned();
    assert_eq!(
        service(&m, "b")["build"]["context"],
        json!(format!("{root}/mod/ctx"))
    );
    assert_eq!(
        service(&m, "c")["build"]["context"],
        json!(format!("{root}/other/ctx"))
    );
}

#[test]
fn nested_includes_are_relative_to_the_including_project() {
    let dir = tempfile::tempdir().unwrap();
    let m = load(
        dir.path(),
        &[
            (
                "compose.yaml",
                "include: [a/compose.yaml]\nservices:\n  top: {image: top}\n",
            ),
            (
                "a/compose.yaml",
                "include: [b/compose.yaml]\nservices:\n  mid: {image: mid}\n",
            ),
            ("a/b/compose.yaml", "services:\n  low: {image: low}\n"),
        ],
        &no_paths(),
    )
    .unwrap();
    for name in ["top", "mid", "low"] {
        assert_eq!(service(&m, name)["image"], json!(name));
    }
}

#[test]
fn include_cycles_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir
        .path()
        .join("compose.yaml")
        .to_string_lossy()
        .into_owned();
    let e = load(
        dir.path(),
        &[(
            "compose.yaml",
            "include: [compose.yaml]\nservices:\n  foo: {image: foo}\n",
        )],
        &no_paths(),
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        format!("include cycle detected:\n{main}\n include {main}")
    );
}

#[test]
fn conflicting_definitions_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(
        dir.path(),
        &[
            (
                "compose.yaml",
                "include: [inc.yaml]\nservices:\n  t: {image: t}\n",
            ),
            ("inc.yaml", "services:\n  t: {image: t2}\n"),
        ],
        &no_paths(),
    )
    .unwrap_err();
    assert_eq!(e.message, "services.t conflicts with imported resource");
}

#[test]
fn extends_cannot_see_included_services() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(
        dir.path(),
        &[
            (
                "compose.yaml",
                "include: [inc.yaml]\nservices:\n  s:\n    extends: t\n",
            ),
            ("inc.yaml", "services:\n  t: {image: t}\n"),
        ],
        &no_paths(),
    )
    .unwrap_err();
    assert!(e.message.ends_with("service \"t\" not found"), "{e}");
}

#[test]
fn missing_env_file_is_reported_with_stat() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(
        dir.path(),
        &[
            (
                "compose.yaml",
                "include: [{path: inc.yaml, env_file: nope.env}]\n",
            ),
            ("inc.yaml", "services:\n  t: {image: t}\n"),
        ],
        &no_paths(),
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "stat {}: no such file or directory",
            dir.path().join("nope.env").display()
        )
    );
}

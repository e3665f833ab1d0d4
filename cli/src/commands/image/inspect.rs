//! `tug image inspect`: docker-shaped JSON about images, or fields picked by `--format`.

use anyhow::{bail, Context, Result};
use clap::Args;
use engine::reference::Reference;
use engine::store::{ImageRecord, Store};
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;

/// `tug image inspect` flags.
#[derive(Debug, Args, Clone, Default)]
pub struct InspectArgs {
    /// Format with a template: `{{.Field.Sub}}` and `{{json .Field}}` are understood.
    // No `-f`: the global `-f FILE` (compose files) takes it.
    #[arg(short = 'f', long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Images (names, digests or ids).
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

pub fn run(root: &Path, args: &InspectArgs) -> Result<i32> {
    let store = Store::open(root).context("open the image store")?;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for name in &args.images {
        match store.resolve(name) {
            Ok(rec) => found.push(inspect_value(&rec)),
            Err(e) => errors.push(format!("Error: {e}")),
        }
    }
    match &args.format {
        Some(t) => {
            for v in &found {
                println!("{}", render_template(t, v)?);
            }
        }
        None => println!("{}", pretty(&Value::Array(found))?),
    }
    for e in &errors {
        eprintln!("{e}");
    }
    Ok(if errors.is_empty() { 0 } else { 1 })
}

/// docker's `ImageInspect` document for one image.
pub fn inspect_value(rec: &ImageRecord) -> Value {
    let c = &rec.config;
    let history_comment = c
        .history
        .last()
        .and_then(|h| h.comment.clone())
        .unwrap_or_default();
    let mut v = json!({
        "Id": rec.id.to_string(),
        "RepoTags": rec.repo_tags.iter().map(Reference::familiar).collect::<Vec<_>>(),
        "RepoDigests": rec.repo_digests.iter().map(Reference::familiar).collect::<Vec<_>>(),
        "Parent": "",
        "Comment": history_comment,
        "Created": rec.created.clone().unwrap_or_default(),
        "DockerVersion": c.extra.get("docker_version").cloned().unwrap_or(json!("")),
        "Author": c.author.clone().unwrap_or_default(),
        "Config": c.config.as_ref().map(|cc| serde_json::to_value(cc).unwrap_or(Value::Null)),
        "Architecture": c.architecture,
        "Variant": c.variant,
        "Os": c.os,
        "Size": rec.size(),
        "RootFS": {
            "Type": c.rootfs.kind,
            "Layers": c.rootfs.diff_ids.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        },
        "Descriptor": rec.manifest_digest.as_ref().map(|d| json!({
            "mediaType": rec.manifest_media_type,
            "digest": d.to_string(),
        })),
    });
    // docker omits these when empty.
    if let Some(obj) = v.as_object_mut() {
        obj.retain(|k, val| !(val.is_null() && matches!(k.as_str(), "Variant" | "Descriptor")));
    }
    v
}

/// JSON with docker's four-space indentation.
fn pretty(v: &Value) -> Result<String> {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    v.serialize(&mut ser).context("render JSON")?;
    String::from_utf8(buf).context("render JSON")
}

/// The small subset of Go templates scripts use with inspect: `{{.A.B}}`, `{{json .A}}`,
/// `{{json .}}`, and literal text around them.
fn render_template(t: &str, v: &Value) -> Result<String> {
    let mut out = String::new();
    let mut rest = t;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            bail!("template {t:?}: unclosed action");
        };
        let expr = after[..end].trim();
        let (as_json, path) = match expr.strip_prefix("json ") {
            Some(p) => (true, p.trim()),
            None => (false, expr),
        };
        let Some(field_path) = path.strip_prefix('.') else {
            bail!("template {t:?}: tug understands only {{{{.Field}}}} and {{{{json .Field}}}}");
        };
        let mut cur = v;
        for key in field_path.split('.').filter(|k| !k.is_empty()) {
            cur = cur.get(key).unwrap_or(&Value::Null);
        }
        out.push_str(&match (as_json, cur) {
            (true, v) => v.to_string(),
            (false, Value::String(s)) => s.clone(),
            (false, Value::Null) => "<no value>".to_string(),
            (false, v) => v.to_string(),
        });
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_pick_fields() {
        let v = json!({"Id": "sha256:x", "Config": {"Cmd": ["sh"]}, "Size": 3});
        assert_eq!(render_template("{{.Id}}", &v).unwrap(), "sha256:x");
        assert_eq!(
            render_template("cmd={{json .Config.Cmd}} n={{.Size}}", &v).unwrap(),
            r#"cmd=["sh"] n=3"#
        );
        assert_eq!(render_template("{{.Nope}}", &v).unwrap(), "<no value>");
        assert!(render_template("{{.Id", &v).is_err());
        assert!(render_template("{{range .X}}", &v).is_err());
    }
}

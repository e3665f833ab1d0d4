//! Relative paths made absolute against the directory of the file that wrote them.
//!
//! Compose resolves every host path of the model once the files of a (sub-)project are merged:
//! build contexts, bind mount sources, `env_file`/`label_file`, `develop.watch` paths, secret
//! and config files, local bind volumes' `device`, and `extends.file`. `extends` and `include`
//! resolve the paths of what they import against the imported file's directory before the
//! merge, with [`resolve_relative_paths`] or [`resolve_service_paths`].
//!
//! The stage runs on the canonical tree: volumes are `{type, source, target}` mappings and
//! `env_file` a list of `{path, required}`; short forms it meets are left alone, as compose
//! does. Two flavours of "absolute" exist, as in compose: most paths only count as absolute
//! when they start with `/` (after `~` expansion), while bind sources, secret/config files,
//! ssh keys and volume devices also keep Windows absolute paths (`C:\x`) verbatim.

pub mod gopath;

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Node, Value};
use std::path::Path;

/// Makes every relative path of a model absolute against `working_dir`.
pub fn resolve_relative_paths(doc: &mut Node, working_dir: &Path) -> Result<()> {
    let r = Resolver { dir: working_dir };
    if let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            r.service(service)?;
        }
    }
    for kind in ["configs", "secrets"] {
        if let Some(resources) = doc.get_mut(kind).and_then(Node::as_map_mut) {
            for resource in resources.values_mut() {
                if let Some(file) = resource.get_mut("file") {
                    r.maybe_unix(file);
                }
            }
        }
    }
    if let Some(volumes) = doc.get_mut("volumes").and_then(Node::as_map_mut) {
        for volume in volumes.values_mut() {
            r.volume_device(volume);
        }
    }
    Ok(())
}

/// Makes the relative paths of one service definition absolute against `dir`: used by
/// `extends` for a service imported from another file, before it is merged.
pub fn resolve_service_paths(service: &mut Node, dir: &Path) -> Result<()> {
    Resolver { dir }.service(service)
}

/// A path made absolute the way compose does for `env_file`, build contexts and most other
/// paths: `~` expanded, then joined onto `dir` unless it starts with `/`; empty stays empty.
pub fn absolute(path: &str, dir: &Path) -> String {
    let path = gopath::expand_user(path);
    if path.starts_with('/') || path.is_empty() {
        return path;
    }
    gopath::join_dir(dir, &path)
}

/// A host path that may be written for another OS: like [`absolute`], but Windows absolute
/// paths are kept as they are (bind sources, secret and config files, volume devices).
pub fn absolute_host_path(path: &str, dir: &Path) -> String {
    let path = gopath::expand_user(path);
    if path.starts_with('/') || gopath::is_windows_abs(&path) {
        return path;
    }
    gopath::join_dir(dir, &path)
}

/// Whether a build context is resolved by the builder rather than read from disk: builder
/// specific schemes (`docker-image://`), other services (`service:x`), Git and HTTP URLs.
pub fn is_remote_context(context: &str) -> bool {
    context.contains("://")
        || context.starts_with(crate::graph::SERVICE_PREFIX)
        || [
            "https://",
            "http://",
            "git://",
            "ssh://",
            "github.com/",
            "git@",
        ]
        .iter()
        .any(|p| context.starts_with(p))
}

/// Whether an `extends.file` (or `include`) names a remote resource compose fetches instead
/// of reading from disk: an OCI artifact or a Git repository.
pub fn is_remote_resource(path: &str) -> bool {
    if path.starts_with("oci://") {
        return true;
    }
    let git_transport = ["git@", "git://", "ssh://", "github.com/"]
        .iter()
        .any(|p| path.starts_with(p));
    let git_over_http = (path.starts_with("https://") || path.starts_with("http://"))
        && (path.contains(".git") || path.contains('#'));
    git_transport || git_over_http
}

/// The directory paths resolve against, with the rules of each field.
struct Resolver<'a> {
    dir: &'a Path,
}

impl Resolver<'_> {
    fn service(&self, service: &mut Node) -> Result<()> {
        let Some(map) = service.as_map_mut() else {
            return Ok(());
        };
        if let Some(build) = map.get_mut("build") {
            self.build(build);
        }
        if let Some(env_files) = map.get_mut("env_file").and_then(Node::as_seq_mut) {
            for entry in env_files {
                if let Some(path) = entry.get_mut("path") {
                    self.abs(path);
                }
            }
        }
        if let Some(label_files) = map.get_mut("label_file") {
            self.abs_str_or_list(label_files);
        }
        if let Some(extends) = map.get_mut("extends") {
            if let Some(file) = extends.get_mut("file") {
                if !file.as_str().is_some_and(is_remote_resource) {
                    self.abs(file);
                }
            }
        }
        if let Some(watches) = map
            .get_mut("develop")
            .and_then(|d| d.get_mut("watch"))
            .and_then(Node::as_seq_mut)
        {
            for watch in watches {
                if let Some(path) = watch.get_mut("path") {
                    self.watch_path(path)?;
                }
            }
        }
        if let Some(volumes) = map.get_mut("volumes").and_then(Node::as_seq_mut) {
            for volume in volumes {
                self.bind_mount(volume)?;
            }
        }
        Ok(())
    }

    fn build(&self, build: &mut Node) {
        if let Some(context) = build.get_mut("context") {
            self.context(context);
        }
        if let Some(contexts) = build
            .get_mut("additional_contexts")
            .and_then(Node::as_map_mut)
        {
            for context in contexts.values_mut() {
                self.context(context);
            }
        }
        if let Some(keys) = build.get_mut("ssh").and_then(Node::as_map_mut) {
            for key in keys.values_mut() {
                self.maybe_unix(key);
            }
        }
    }

    fn context(&self, node: &mut Node) {
        if node.as_str().is_some_and(|s| !is_remote_context(s)) {
            self.abs(node);
        }
    }

    /// `absPath`: the string (or each string of a list) made absolute.
    fn abs(&self, node: &mut Node) {
        if let Some(s) = node.as_str() {
            let resolved = absolute(s, self.dir);
            node.value = Value::Str(resolved);
        }
    }

    fn abs_str_or_list(&self, node: &mut Node) {
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|i| self.abs(i)),
            Value::Str(_) => self.abs(node),
            _ => {}
        }
    }

    /// `maybeUnixPath`: like `abs`, but Windows absolute paths are kept.
    fn maybe_unix(&self, node: &mut Node) {
        if let Some(s) = node.as_str() {
            let resolved = absolute_host_path(s, self.dir);
            node.value = Value::Str(resolved);
        }
    }

    fn watch_path(&self, node: &mut Node) -> Result<()> {
        self.abs(node);
        if let Some(s) = node.as_str() {
            let resolved = gopath::resolve_first_symlink(s).map_err(|e| {
                LoadError::new(
                    ErrorKind::Io,
                    &node.mark,
                    format!("cannot resolve develop.watch path {s}: {e}"),
                )
            })?;
            node.value = Value::Str(resolved);
        }
        Ok(())
    }

    fn bind_mount(&self, volume: &mut Node) -> Result<()> {
        if volume.get_str("type") != Some("bind") {
            return Ok(());
        }
        let mark = volume.mark.clone();
        let Some(source) = volume.get_mut("source") else {
            return Err(LoadError::new(
                ErrorKind::Schema,
                &mark,
                r#"invalid mount config for type "bind": field Source must not be empty"#,
            ));
        };
        self.maybe_unix(source);
        Ok(())
    }

    /// A local volume with `o: bind` is a bind mount in disguise: its `device` is a host path.
    fn volume_device(&self, volume: &mut Node) {
        if volume.get_str("driver") != Some("local") {
            return;
        }
        let Some(opts) = volume.get_mut("driver_opts") else {
            return;
        };
        if opts.get_str("o") != Some("bind") {
            return;
        }
        if let Some(device) = opts.get_mut("device") {
            self.maybe_unix(device);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> Node {
        crate::yaml::parse_documents(yaml, "compose.yaml")
            .expect("yaml")
            .into_iter()
            .next()
            .expect("document")
    }

    fn at<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
        let mut n = node;
        for p in path {
            n = match p.parse::<usize>() {
                Ok(i) => n.as_seq().and_then(|s| s.get(i)).expect("index"),
                Err(_) => n.get(p).expect("key"),
            };
        }
        n
    }

    fn resolved(yaml: &str) -> Node {
        let mut d = doc(yaml);
        resolve_relative_paths(&mut d, Path::new("/proj")).expect("resolve");
        d
    }

    #[test]
    fn service_paths_are_resolved() {
        let d = resolved(
            r#"
services:
  web:
    build:
      context: ./app
      additional_contexts: {base: ../base, img: "docker-image://alpine", svc: "service:x"}
      ssh: {default: null, key: ./id_rsa}
    env_file:
      - {path: ./a.env, required: true}
    label_file: [./l.label]
    extends: {file: ../common.yaml, service: base}
    volumes:
      - {type: bind, source: ./data, target: /data}
      - {type: bind, source: 'C:\data', target: /w}
      - {type: volume, source: named, target: /v}
    develop:
      watch:
        - {path: ./src, action: rebuild}
"#,
        );
        let web = at(&d, &["services", "web"]);
        assert_eq!(at(web, &["build", "context"]).as_str(), Some("/proj/app"));
        let extra = at(web, &["build", "additional_contexts"]);
        assert_eq!(extra.get_str("base"), Some("/base"));
        assert_eq!(extra.get_str("img"), Some("docker-image://alpine"));
        assert_eq!(extra.get_str("svc"), Some("service:x"));
        assert!(at(web, &["build", "ssh", "default"]).is_null());
        assert_eq!(
            at(web, &["build", "ssh"]).get_str("key"),
            Some("/proj/id_rsa")
        );
        assert_eq!(
            at(web, &["env_file", "0"]).get_str("path"),
            Some("/proj/a.env")
        );
        assert_eq!(
            at(web, &["label_file", "0"]).as_str(),
            Some("/proj/l.label")
        );
        assert_eq!(at(web, &["extends"]).get_str("file"), Some("/common.yaml"));
        assert_eq!(
            at(web, &["volumes", "0"]).get_str("source"),
            Some("/proj/data")
        );
        assert_eq!(
            at(web, &["volumes", "1"]).get_str("source"),
            Some(r"C:\data")
        );
        assert_eq!(at(web, &["volumes", "2"]).get_str("source"), Some("named"));
        let watch = at(web, &["develop", "watch", "0"]);
        assert_eq!(watch.get_str("path"), Some("/proj/src"));
    }

    #[test]
    fn remote_contexts_are_kept() {
        let d = resolved(
            "services:\n  a:\n    build: {context: 'https://github.com/docker/x.git#main'}\n  b:\n    build: {context: 'git@github.com:x/y.git'}\n  c:\n    build: {context: .}\n",
        );
        let s = at(&d, &["services"]);
        assert_eq!(
            at(s, &["a", "build"]).get_str("context"),
            Some("https://github.com/docker/x.git#main")
        );
        assert_eq!(
            at(s, &["b", "build"]).get_str("context"),
            Some("git@github.com:x/y.git")
        );
        assert_eq!(at(s, &["c", "build"]).get_str("context"), Some("/proj"));
    }

    #[test]
    fn resources_are_resolved() {
        let d = resolved(
            "secrets:\n  s: {file: ./s.txt}\n  e: {environment: X}\nconfigs:\n  c: {file: /abs/c}\nvolumes:\n  data:\n    driver: local\n    driver_opts: {type: none, o: bind, device: ./data}\n  other:\n    driver_opts: {o: bind, device: ./data}\n  empty:\n",
        );
        assert_eq!(
            at(&d, &["secrets", "s"]).get_str("file"),
            Some("/proj/s.txt")
        );
        assert_eq!(at(&d, &["configs", "c"]).get_str("file"), Some("/abs/c"));
        assert_eq!(
            at(&d, &["volumes", "data", "driver_opts"]).get_str("device"),
            Some("/proj/data")
        );
        assert_eq!(
            at(&d, &["volumes", "other", "driver_opts"]).get_str("device"),
            Some("./data")
        );
    }

    #[test]
    fn bind_without_source_is_rejected() {
        let mut d =
            doc("services:\n  a:\n    volumes:\n      - type: bind\n        target: /app\n");
        let err = resolve_relative_paths(&mut d, Path::new("/proj")).expect_err("no source");
        assert!(err
            .message
            .contains(r#"invalid mount config for type "bind": field Source must not be empty"#));
        assert_eq!(err.mark.line, 4);
    }

    #[test]
    fn extended_services_resolve_against_their_dir() {
        let mut svc =
            doc("build: {context: .}\nvolumes: [{type: bind, source: ./x, target: /x}]\n");
        resolve_service_paths(&mut svc, Path::new("sub")).expect("resolve");
        assert_eq!(at(&svc, &["build"]).get_str("context"), Some("sub"));
        assert_eq!(at(&svc, &["volumes", "0"]).get_str("source"), Some("sub/x"));
        // The project pass later makes them absolute.
        let mut d = Node::empty_map();
        let mut services = crate::node::Map::new();
        services.insert("s".into(), svc);
        d.as_map_mut()
            .expect("map")
            .insert("services".into(), Node::synthetic(Value::Map(services)));
        resolve_relative_paths(&mut d, Path::new("/proj")).expect("resolve");
        assert_eq!(
            at(&d, &["services", "s", "build"]).get_str("context"),
            Some("/proj/sub")
        );
    }

    #[test]
    fn home_is_expanded() {
        let home = std::env::var("HOME").unwrap_or_default();
        if home.is_empty() {
            return;
        }
        assert_eq!(
            absolute("~/x", Path::new("/proj")),
            gopath::join(&[&home, "/x"])
        );
        assert_eq!(absolute("", Path::new("/proj")), "");
        assert_eq!(
            absolute_host_path(r"\\srv\share", Path::new("/p")),
            r"\\srv\share"
        );
        assert_eq!(absolute(r"C:\x", Path::new("/p")), r"/p/C:\x");
    }

    #[test]
    fn remote_resources() {
        assert!(is_remote_resource("oci://docker.io/x/y"));
        assert!(is_remote_resource("git@github.com:x/y.git"));
        assert!(is_remote_resource("https://github.com/x/y.git#main:dir"));
        assert!(!is_remote_resource("../base.yaml"));
    }
}

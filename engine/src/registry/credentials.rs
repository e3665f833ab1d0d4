//! Registry credentials in docker's own file, `~/.docker/config.json` (or
//! `$DOCKER_CONFIG/config.json`), so `tug login` and `docker login` share one set.
//!
//! The file maps registry keys to `{"auth": base64("user:password")}` under `auths`. Docker Hub
//! is keyed `https://index.docker.io/v1/`; other registries by `host[:port]`, though older
//! docker versions wrote `https://host/` or `http://host/v1/`, so lookups compare host names.
//! Everything else in the file (`credHelpers`, `proxies`, `psFormat`, …) is kept verbatim when
//! tug writes it. Credential helpers are not run; a registry that only has one gets a warning.

use super::error::RegistryError;
use base64::Engine as _;
use serde_json::{Map, Value};
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The key docker uses for Docker Hub in `auths`.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// A user name and password (or token) for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password or access token.
    pub password: String,
}

impl fmt::Debug for Credentials {
    /// Never prints the password, so credentials can sit in structs that get logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// The `Authorization: Basic …` header value.
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

/// `~/.docker/config.json`, parsed but kept as JSON so unknown keys survive a rewrite.
#[derive(Debug, Clone)]
pub struct DockerConfig {
    path: PathBuf,
    doc: Map<String, Value>,
}

impl DockerConfig {
    /// Where docker keeps the file: `$DOCKER_CONFIG/config.json`, else
    /// `$HOME/.docker/config.json`.
    pub fn default_path() -> PathBuf {
        if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir).join("config.json");
        }
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/root"));
        home.join(".docker").join("config.json")
    }

    /// Reads the file; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<DockerConfig, RegistryError> {
        let err = |op, cause: String| RegistryError::ConfigFile {
            op,
            path: path.to_path_buf(),
            cause,
        };
        let doc = match fs::read(path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err(err("parse", "not a JSON object".into())),
                Err(e) => return Err(err("parse", e.to_string())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => return Err(err("read", e.to_string())),
        };
        Ok(DockerConfig {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// The file this configuration was read from and is saved to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The credentials stored for a registry domain (`docker.io`, `localhost:5000`).
    pub fn get(&self, registry: &str) -> Result<Option<Credentials>, RegistryError> {
        let want = registry_key(registry);
        let Some(auths) = self.doc.get("auths").and_then(Value::as_object) else {
            self.warn_helpers(registry);
            return Ok(None);
        };
        // An exact key first, then any key naming the same host (`https://host/`).
        let entry = auths.get(&want).or_else(|| {
            auths
                .iter()
                .find(|(k, _)| host_of_key(k) == host_of_key(&want))
                .map(|(_, v)| v)
        });
        let Some(entry) = entry else {
            self.warn_helpers(registry);
            return Ok(None);
        };
        let found = self.decode(registry, entry)?;
        if found.is_none() {
            self.warn_helpers(registry);
        }
        Ok(found)
    }

    fn decode(&self, registry: &str, entry: &Value) -> Result<Option<Credentials>, RegistryError> {
        let bad = |cause: String| RegistryError::ConfigFile {
            op: "read credentials from",
            path: self.path.clone(),
            cause: format!("entry for {registry}: {cause}"),
        };
        if let Some(auth) = entry
            .get("auth")
            .and_then(Value::as_str)
            .filter(|a| !a.is_empty())
        {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|e| bad(format!("`auth` is not base64: {e}")))?;
            let text = String::from_utf8(raw).map_err(|_| bad("`auth` is not UTF-8".into()))?;
            let (user, pass) = text
                .split_once(':')
                .ok_or_else(|| bad("`auth` is not user:password".into()))?;
            return Ok(Some(Credentials {
                username: user.to_string(),
                password: pass.to_string(),
            }));
        }
        // Older files carry the two fields in clear.
        let user = entry.get("username").and_then(Value::as_str);
        let pass = entry.get("password").and_then(Value::as_str);
        Ok(match (user, pass) {
            (Some(u), Some(p)) if !u.is_empty() => Some(Credentials {
                username: u.to_string(),
                password: p.to_string(),
            }),
            _ => None,
        })
    }

    fn warn_helpers(&self, registry: &str) {
        let key = registry_key(registry);
        let helper = self
            .doc
            .get("credHelpers")
            .and_then(Value::as_object)
            .and_then(|h| h.get(&key))
            .or_else(|| self.doc.get("credsStore"));
        if let Some(h) = helper.and_then(Value::as_str) {
            tracing::warn!(
                "{} names the credential helper docker-credential-{h} for {registry}; tug does not \
                 run credential helpers, so it connects without credentials (use `tug login`)",
                self.path.display()
            );
        }
    }

    /// Stores credentials for a registry (replacing any), as `docker login` does.
    pub fn set(&mut self, registry: &str, creds: &Credentials) {
        let key = registry_key(registry);
        let auths = self
            .doc
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        if !auths.is_object() {
            *auths = Value::Object(Map::new());
        }
        if let Value::Object(m) = auths {
            // Drop older spellings of the same host so only one entry remains.
            let host = host_of_key(&key);
            m.retain(|k, _| host_of_key(k) != host);
            let raw = format!("{}:{}", creds.username, creds.password);
            let mut entry = Map::new();
            entry.insert(
                "auth".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(raw)),
            );
            m.insert(key, Value::Object(entry));
        }
    }

    /// Forgets the credentials of a registry. Returns whether there were any.
    pub fn remove(&mut self, registry: &str) -> bool {
        let key = registry_key(registry);
        let host = host_of_key(&key);
        match self.doc.get_mut("auths") {
            Some(Value::Object(m)) => {
                let before = m.len();
                m.retain(|k, _| host_of_key(k) != host);
                m.len() != before
            }
            _ => false,
        }
    }

    /// Writes the file atomically (temp file, fsync, rename) with mode 0600, creating its
    /// directory with mode 0700, so a crash never leaves a truncated credentials file.
    pub fn save(&self) -> Result<(), RegistryError> {
        let err = |op, cause: String| RegistryError::ConfigFile {
            op,
            path: self.path.clone(),
            cause,
        };
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(|e| err("create the directory of", e.to_string()))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| err("set permissions on the directory of", e.to_string()))?;
        }
        let mut text = serde_json::to_string_pretty(&Value::Object(self.doc.clone()))
            .map_err(|e| err("serialise", e.to_string()))?;
        text.push('\n');
        let tmp = dir.join(format!(
            ".config.json.tug-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        let write = || -> std::io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            err("write", e.to_string())
        })
    }
}

/// The `auths` key docker uses for a registry domain.
pub fn registry_key(registry: &str) -> String {
    match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | DOCKER_HUB_KEY => {
            DOCKER_HUB_KEY.to_string()
        }
        other => host_of_key(other).to_string(),
    }
}

/// The host[:port] inside a key such as `https://host:5000/v1/`.
fn host_of_key(key: &str) -> &str {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = k.split('/').next().unwrap_or(k);
    match host {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => "index.docker.io",
        h => h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(u: &str, p: &str) -> Credentials {
        Credentials {
            username: u.into(),
            password: p.into(),
        }
    }

    #[test]
    fn reads_docker_written_entries_by_host() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        // "alice:s3cr:et" and "bob:pw" in base64; a colon inside the password must survive.
        fs::write(
            &path,
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"YWxpY2U6czNjcjpldA=="},
                         "http://localhost:5000/v1/":{"auth":"Ym9iOnB3"}},
                "psFormat":"table"}"#,
        )
        .unwrap();
        let cfg = DockerConfig::load(&path).unwrap();
        assert_eq!(
            cfg.get("docker.io").unwrap(),
            Some(creds("alice", "s3cr:et"))
        );
        assert_eq!(cfg.get("localhost:5000").unwrap(), Some(creds("bob", "pw")));
        assert_eq!(cfg.get("localhost:5001").unwrap(), None);
    }

    #[test]
    fn set_save_reload_keeps_other_keys_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.json");
        let mut cfg = DockerConfig::load(&path).unwrap();
        assert_eq!(cfg.get("localhost:5000").unwrap(), None);
        cfg.doc.insert("psFormat".into(), Value::String("x".into()));
        cfg.set("localhost:5000", &creds("u", "p"));
        cfg.save().unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = DockerConfig::load(&path).unwrap();
        assert_eq!(again.get("localhost:5000").unwrap(), Some(creds("u", "p")));
        assert_eq!(again.doc["psFormat"], "x");
        let mut again = again;
        assert!(again.remove("localhost:5000"));
        assert!(!again.remove("localhost:5000"));
        again.save().unwrap();
        assert_eq!(
            DockerConfig::load(&path)
                .unwrap()
                .get("localhost:5000")
                .unwrap(),
            None
        );
    }

    #[test]
    fn corrupt_entries_name_the_file_and_registry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        fs::write(&path, r#"{"auths":{"r.example":{"auth":"!!notbase64"}}}"#).unwrap();
        let e = DockerConfig::load(&path)
            .unwrap()
            .get("r.example")
            .unwrap_err()
            .to_string();
        assert!(e.contains("config.json") && e.contains("r.example"), "{e}");
        fs::write(&path, "{not json").unwrap();
        assert!(DockerConfig::load(&path).is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let s = format!("{:?}", creds("u", "hunter2"));
        assert!(!s.contains("hunter2"), "{s}");
        assert_eq!(creds("u", "p").basic_header(), "Basic dTpw");
    }
}

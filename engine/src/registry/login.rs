//! `login` and `logout`: check credentials with the registry, then store or forget them in
//! docker's `config.json`, so docker and tug share one login.

use super::client::Client;
use super::credentials::{registry_key, Credentials, DockerConfig};
use super::error::RegistryError;
use super::options::RegistryOptions;
use std::path::PathBuf;

/// The registry `tug login` talks to when none is named (Docker Hub).
pub const DEFAULT_LOGIN_REGISTRY: &str = "docker.io";

/// Verifies `creds` against `registry` (a token fetch for bearer-auth registries, an
/// authorised `GET /v2/` for basic auth) and stores them. Returns the file written.
///
/// Wrong credentials give [`RegistryError::Unauthorized`] and leave the file untouched.
pub fn login(
    registry: &str,
    creds: &Credentials,
    opts: &RegistryOptions,
) -> Result<PathBuf, RegistryError> {
    let registry = normalise_registry(registry);
    super::runtime::run(1, async {
        Client::connect(opts, &registry, Some(creds.clone()), Vec::new())
            .await
            .map(|_| ())
    })??;
    let mut cfg = DockerConfig::load(&opts.docker_config)?;
    cfg.set(&registry, creds);
    cfg.save()?;
    Ok(cfg.path().to_path_buf())
}

/// Forgets the stored credentials of `registry`. Returns whether there were any.
pub fn logout(registry: &str, opts: &RegistryOptions) -> Result<bool, RegistryError> {
    let registry = normalise_registry(registry);
    let mut cfg = DockerConfig::load(&opts.docker_config)?;
    let removed = cfg.remove(&registry);
    if removed {
        cfg.save()?;
    }
    Ok(removed)
}

/// Accepts what users type for a registry (`localhost:5000`, `https://r.example/`,
/// `index.docker.io`) and returns the domain references use.
pub fn normalise_registry(input: &str) -> String {
    let key = registry_key(input.trim());
    if key == super::credentials::DOCKER_HUB_KEY {
        return DEFAULT_LOGIN_REGISTRY.to_string();
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_normalised() {
        assert_eq!(
            normalise_registry("https://index.docker.io/v1/"),
            "docker.io"
        );
        assert_eq!(normalise_registry("docker.io"), "docker.io");
        assert_eq!(
            normalise_registry("http://localhost:5000/"),
            "localhost:5000"
        );
        assert_eq!(normalise_registry("r.example:443"), "r.example:443");
    }

    #[test]
    fn logout_without_entry_reports_false_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let opts = RegistryOptions {
            docker_config: dir.path().join("config.json"),
            ..RegistryOptions::default()
        };
        assert!(!logout("localhost:5000", &opts).unwrap());
        assert!(!opts.docker_config.exists());
    }
}

//! `create`: a container record from an image and the user's options, plus its overlay
//! snapshot (left unmounted: the monitor mounts it when the container starts).

use std::collections::BTreeMap;
use std::path::Path;

use crate::container::{
    Container, ContainerConfig, ContainerStore, Limits, RestartPolicy, Security,
};
use crate::layer::ensure_image_layers;
use crate::monitor::process::AUTO_REMOVE_FILE;
use crate::snapshot::Snapshot;
use crate::store::Store;

use super::LifecycleError;

/// What `tug container create/run` was asked for (docker's flags); empty means "the
/// image's value".
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub image: String,
    pub name: String,
    /// Replaces the image's entrypoint when set (`--entrypoint ""` clears it).
    pub entrypoint: Option<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub working_dir: String,
    pub user: String,
    pub hostname: String,
    pub labels: BTreeMap<String, String>,
    pub restart_policy: RestartPolicy,
    pub stop_signal: String,
    pub stop_timeout: Option<u32>,
    pub limits: Limits,
    /// Capabilities, read-only rootfs, ulimits, /dev/shm size.
    pub security: Security,
    /// `run -d --rm`: the monitor removes the container when it exits for good.
    pub auto_remove: bool,
    /// `--health-*` / `--no-healthcheck`; merged over the image's HEALTHCHECK.
    pub healthcheck: Option<crate::container::HealthConfig>,
}

/// Merges `opts` over the image's config the way docker does: `--entrypoint` drops the
/// image's cmd, a given cmd replaces the image's, `-e` overrides image env by key.
pub fn merge_config(
    opts: &CreateOptions,
    image: &crate::image::ImageConfig,
) -> Result<ContainerConfig, LifecycleError> {
    let ic = image.config.clone().unwrap_or_default();
    let (entrypoint, default_cmd) = match &opts.entrypoint {
        Some(e) if e.is_empty() => (Vec::new(), Vec::new()),
        Some(e) => (vec![e.clone()], Vec::new()),
        None => (
            ic.entrypoint.clone().unwrap_or_default(),
            ic.cmd.clone().unwrap_or_default(),
        ),
    };
    let cmd = if opts.cmd.is_empty() {
        default_cmd
    } else {
        opts.cmd.clone()
    };
    if entrypoint.is_empty() && cmd.is_empty() {
        return Err(LifecycleError::NoCommand);
    }
    let mut env: Vec<String> = ic.env.clone().unwrap_or_default();
    for e in &opts.env {
        let key = e.split('=').next().unwrap_or(e);
        env.retain(|x| x.split('=').next() != Some(key));
        env.push(e.clone());
    }
    let mut labels = ic.labels.clone().unwrap_or_default();
    labels.extend(opts.labels.clone());
    let or = |given: &str, image: Option<String>| {
        if given.is_empty() {
            image.unwrap_or_default()
        } else {
            given.to_string()
        }
    };
    Ok(ContainerConfig {
        name: opts.name.clone(),
        image_ref: opts.image.clone(),
        entrypoint,
        cmd,
        env,
        working_dir: or(&opts.working_dir, ic.working_dir.clone()),
        user: or(&opts.user, ic.user.clone()),
        hostname: opts.hostname.clone(),
        labels,
        restart_policy: opts.restart_policy,
        stop_signal: or(&opts.stop_signal, ic.stop_signal.clone()),
        stop_timeout: opts
            .stop_timeout
            .or(ic.stop_timeout.and_then(|t| u32::try_from(t).ok())),
        limits: opts.limits.clone(),
        security: opts.security.clone(),
        healthcheck: crate::monitor::process::merge_healthcheck(
            opts.healthcheck.as_ref(),
            ic.healthcheck.as_ref(),
        ),
        ..ContainerConfig::default()
    })
}

/// Creates the container: record, unpacked image layers and snapshot. Nothing is left
/// behind on failure.
pub fn create(tug_root: &Path, opts: &CreateOptions) -> Result<Container, LifecycleError> {
    let images = Store::open(tug_root).map_err(|source| LifecycleError::Image {
        image: opts.image.clone(),
        source,
    })?;
    let image = images
        .resolve(&opts.image)
        .map_err(|source| LifecycleError::Image {
            image: opts.image.clone(),
            source,
        })?;
    let mut config = merge_config(opts, &image.config)?;
    crate::monitor::process::spec::cgroup_limits(&config)
        .validate()
        .map_err(LifecycleError::InvalidLimits)?;
    config.image_id = image.id.hex().to_string();
    let layers = ensure_image_layers(&images, &image).map_err(|source| LifecycleError::Layers {
        image: opts.image.clone(),
        source,
    })?;
    let store = ContainerStore::open(tug_root)?;
    let container = store.create(config)?;
    let id = container.config.id.clone();
    let snap = Snapshot::create(tug_root, &id, &layers).and_then(|s| s.unmount().map(|()| s));
    let marked = match snap {
        Err(source) => Err(LifecycleError::Snapshot {
            id: id.clone(),
            source,
        }),
        Ok(_) if opts.auto_remove => {
            let path = container.dir.join(AUTO_REMOVE_FILE);
            std::fs::write(&path, b"").map_err(|e| {
                LifecycleError::Container(crate::container::ContainerError::io("write", &path, e))
            })
        }
        Ok(_) => Ok(()),
    };
    if let Err(e) = marked {
        if let Ok(snap) = Snapshot::open(tug_root, &id) {
            let _ = snap.remove();
        }
        let _ = store.remove(&id);
        return Err(e);
    }
    Ok(container)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::ImageConfig;

    fn image(entrypoint: &[&str], cmd: &[&str], env: &[&str]) -> ImageConfig {
        let strings = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect());
        ImageConfig {
            config: Some(crate::image::ContainerConfig {
                entrypoint: strings(entrypoint),
                cmd: strings(cmd),
                env: strings(env),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn given_cmd_replaces_image_cmd_and_keeps_entrypoint() {
        let opts = CreateOptions {
            cmd: vec!["-c".into(), "true".into()],
            env: vec!["A=2".into()],
            ..CreateOptions::default()
        };
        let c = merge_config(&opts, &image(&["sh"], &["-l"], &["A=1", "B=1"])).expect("merge");
        assert_eq!(c.entrypoint, ["sh"]);
        assert_eq!(c.cmd, ["-c", "true"]);
        assert_eq!(c.env, ["B=1", "A=2"]);
    }

    #[test]
    fn entrypoint_flag_drops_image_cmd_and_nothing_to_run_is_an_error() {
        let opts = CreateOptions {
            entrypoint: Some("env".into()),
            ..CreateOptions::default()
        };
        let c = merge_config(&opts, &image(&["sh"], &["-l"], &[])).expect("merge");
        assert_eq!((c.entrypoint, c.cmd), (vec!["env".to_string()], vec![]));
        let err = merge_config(&CreateOptions::default(), &image(&[], &[], &[]));
        assert!(matches!(err, Err(LifecycleError::NoCommand)));
    }
}

//! Builds the OCI runtime spec, the runtime's internal contract, from a small
//! [`ContainerSpec`] with docker's defaults filled in: capabilities, masked and read-only
//! paths, mounts, devices, namespaces, PATH/HOSTNAME/HOME, user and groups from the image's
//! /etc/passwd and /etc/group, and rlimits clamped to what the host allows.

use super::defaults::{
    default_devices, default_mounts, DEFAULT_CAPS, DEFAULT_PATH, DEFAULT_SHM_SIZE, MASKED_PATHS,
    READONLY_PATHS,
};
use super::rlimit::{clamp, parse_rlimit_name, HostLimits};
use super::user::{self, UserError};
use oci_spec::runtime::{
    get_default_namespaces, Capabilities, Capability, Linux, LinuxCapabilities, Mount,
    PosixRlimitBuilder, Process, Root, Spec, User,
};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a spec could not be built.
#[derive(Debug, Error)]
pub enum SpecError {
    /// The container has no command to run.
    #[error("no command specified")]
    NoCommand,
    /// A `--cap-add`/`--cap-drop` name the kernel does not know.
    #[error("unknown capability {0:?}")]
    UnknownCapability(String),
    /// A `--ulimit` name that is not an rlimit.
    #[error("unknown ulimit {0:?}")]
    UnknownRlimit(String),
    /// The user could not be resolved in the image.
    #[error("user {spec:?}: {source}")]
    User {
        /// The user string as given.
        spec: String,
        /// The cause.
        source: UserError,
    },
    /// The image's /etc/passwd or /etc/group exists but cannot be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// A `--ulimit name=soft[:hard]` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    /// Docker's name without the `RLIMIT_` prefix: `nofile`, `nproc`, `core`, ...
    pub name: String,
    /// Soft limit.
    pub soft: u64,
    /// Hard limit.
    pub hard: u64,
}

/// What the container asks for, in docker's terms; `build_spec` turns it into an OCI spec.
#[derive(Debug, Clone, Default)]
pub struct ContainerSpec {
    /// The command and its arguments (entrypoint + cmd, already merged).
    pub args: Vec<String>,
    /// `KEY=VALUE` pairs: the image's env overridden by the container's.
    pub env: Vec<String>,
    /// Working directory; `/` when `None`.
    pub cwd: Option<String>,
    /// `name|uid[:group|gid]`; root when `None`.
    pub user: Option<String>,
    /// The container's hostname, also exported as `HOSTNAME`; empty keeps the new UTS
    /// namespace's copy of the host's name (callers set docker's short container id).
    pub hostname: String,
    /// Capabilities to add (`NET_ADMIN`, `CAP_NET_ADMIN` or `ALL`).
    pub cap_add: Vec<String>,
    /// Capabilities to drop (same names, or `ALL`).
    pub cap_drop: Vec<String>,
    /// All capabilities, no masked or read-only paths, writable /sys.
    pub privileged: bool,
    /// Mount the rootfs read-only.
    pub read_only: bool,
    /// Set the no_new_privs bit.
    pub no_new_privileges: bool,
    /// rlimits, clamped to the host's hard limits.
    pub ulimits: Vec<Ulimit>,
    /// /dev/shm size in bytes; 64 MiB when `None`.
    pub shm_size: Option<u64>,
    /// Replaces docker's masked paths when set.
    pub masked_paths: Option<Vec<String>>,
    /// Replaces docker's read-only paths when set.
    pub readonly_paths: Option<Vec<String>>,
    /// `--security-opt seccomp=unconfined`: no seccomp filter.
    pub seccomp_unconfined: bool,
    /// Extra mounts after docker's defaults, in order: volumes, tmpfs, and the per-container
    /// /etc/hosts, /etc/hostname and /etc/resolv.conf (`bind` or `rbind` with `ro`/`rw`).
    pub mounts: Vec<Mount>,
    /// `--init`: the runtime's init stays PID 1, forwarding signals and reaping zombies.
    pub init: bool,
}

/// Annotation naming the seccomp profile the native runtime applies: `default` or
/// `unconfined`. Runtime-specific: an external OCI runtime ignores it.
pub const SECCOMP_ANNOTATION: &str = "org.tug.seccomp";

/// Annotation (`"1"`) asking the native runtime's init to stay PID 1, forward signals to
/// the command and reap zombies (`--init`).
pub const INIT_ANNOTATION: &str = "org.tug.init";

/// Parses a capability name as docker accepts it (any case, with or without `CAP_`).
pub fn parse_capability(name: &str) -> Result<Capability, SpecError> {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
        .map_err(|_| SpecError::UnknownCapability(name.to_string()))
}

/// Every capability this kernel interface knows, for `--privileged` and `--cap-add ALL`.
pub fn all_capabilities() -> Capabilities {
    caps::all()
        .into_iter()
        .filter_map(|c| parse_capability(&c.to_string()).ok())
        .collect()
}

fn is_all(name: &str) -> bool {
    name.eq_ignore_ascii_case("all")
}

/// Applies docker's rules: start from the default set (or all when privileged), then add,
/// then drop; `ALL` in either list means every capability.
pub fn effective_capabilities(cs: &ContainerSpec) -> Result<Capabilities, SpecError> {
    if cs.privileged {
        return Ok(all_capabilities());
    }
    let mut set: Capabilities = if cs.cap_drop.iter().any(|c| is_all(c)) {
        Capabilities::new()
    } else {
        DEFAULT_CAPS.into_iter().collect()
    };
    for name in &cs.cap_add {
        if is_all(name) {
            set.extend(all_capabilities());
        } else {
            set.insert(parse_capability(name)?);
        }
    }
    for name in cs.cap_drop.iter().filter(|c| !is_all(c)) {
        set.remove(&parse_capability(name)?);
    }
    Ok(set)
}

fn read_optional(path: PathBuf) -> Result<String, SpecError> {
    match std::fs::read_to_string(&path) {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(SpecError::Read { path, source }),
    }
}

fn env_has(env: &[String], key: &str) -> bool {
    env.iter()
        .any(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) == key)
}

/// Builds the full OCI spec for `cs` running on the directory `rootfs`, reading the image's
/// /etc/passwd and /etc/group from it (a missing file is an empty one).
pub fn build_spec(
    cs: &ContainerSpec,
    rootfs: &Path,
    host: &dyn HostLimits,
) -> Result<Spec, SpecError> {
    if cs.args.is_empty() {
        return Err(SpecError::NoCommand);
    }
    let passwd = user::parse_passwd(&read_optional(rootfs.join("etc/passwd"))?);
    let groups = user::parse_group(&read_optional(rootfs.join("etc/group"))?);
    let user_spec = cs.user.clone().unwrap_or_default();
    let exec_user =
        user::resolve(&user_spec, &passwd, &groups).map_err(|source| SpecError::User {
            spec: user_spec.clone(),
            source,
        })?;

    let mut env = Vec::new();
    if !env_has(&cs.env, "PATH") {
        env.push(format!("PATH={DEFAULT_PATH}"));
    }
    if !cs.hostname.is_empty() {
        env.push(format!("HOSTNAME={}", cs.hostname));
    }
    env.extend(
        cs.env
            .iter()
            .filter(|e| !e.starts_with("HOSTNAME="))
            .cloned(),
    );
    if !env_has(&env, "HOME") {
        env.push(format!("HOME={}", exec_user.home));
    }

    let mut u = User::default();
    u.set_uid(exec_user.uid);
    u.set_gid(exec_user.gid);
    u.set_additional_gids((!exec_user.groups.is_empty()).then(|| exec_user.groups.clone()));
    u.set_username(exec_user.name.clone());

    let caps = effective_capabilities(cs)?;
    let mut lc = LinuxCapabilities::default();
    lc.set_bounding(Some(caps.clone()));
    lc.set_effective(Some(caps.clone()));
    lc.set_permitted(Some(caps));
    lc.set_inheritable(None);
    lc.set_ambient(None);

    let mut rlimits = Vec::new();
    for ul in &cs.ulimits {
        let typ =
            parse_rlimit_name(&ul.name).ok_or_else(|| SpecError::UnknownRlimit(ul.name.clone()))?;
        let (soft, hard) = clamp(typ, ul.soft, ul.hard, host);
        let r = PosixRlimitBuilder::default()
            .typ(typ)
            .soft(soft)
            .hard(hard)
            .build()
            .map_err(|e| SpecError::UnknownRlimit(format!("{}: {e}", ul.name)))?;
        rlimits.push(r);
    }

    let mut process = Process::default();
    process.set_terminal(None);
    process.set_args(Some(cs.args.clone()));
    process.set_env(Some(env));
    process.set_cwd(PathBuf::from(
        cs.cwd.as_deref().filter(|c| !c.is_empty()).unwrap_or("/"),
    ));
    process.set_user(u);
    process.set_capabilities(Some(lc));
    process.set_rlimits((!rlimits.is_empty()).then_some(rlimits));
    process.set_no_new_privileges(Some(cs.no_new_privileges));

    let mut root = Root::default();
    root.set_path(rootfs.to_path_buf());
    root.set_readonly(Some(cs.read_only));

    let (masked, readonly) = if cs.privileged {
        (Vec::new(), Vec::new())
    } else {
        let d = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        (
            cs.masked_paths.clone().unwrap_or_else(|| d(&MASKED_PATHS)),
            cs.readonly_paths
                .clone()
                .unwrap_or_else(|| d(&READONLY_PATHS)),
        )
    };
    let mut linux = Linux::default();
    linux.set_resources(None);
    linux.set_namespaces(Some(get_default_namespaces()));
    linux.set_devices(Some(default_devices()));
    linux.set_masked_paths(Some(masked));
    linux.set_readonly_paths(Some(readonly));

    let mut spec = Spec::default();
    spec.set_version("1.2.0".to_string());
    spec.set_root(Some(root));
    spec.set_hostname((!cs.hostname.is_empty()).then(|| cs.hostname.clone()));
    let mut mounts = default_mounts(cs.shm_size.unwrap_or(DEFAULT_SHM_SIZE), cs.privileged);
    mounts.extend(cs.mounts.iter().cloned());
    spec.set_mounts(Some(mounts));
    spec.set_process(Some(process));
    let profile = if cs.privileged || cs.seccomp_unconfined {
        "unconfined"
    } else {
        "default"
    };
    let mut annotations: std::collections::HashMap<String, String> =
        [(SECCOMP_ANNOTATION.to_string(), profile.to_string())].into();
    if cs.init {
        annotations.insert(INIT_ANNOTATION.to_string(), "1".to_string());
    }
    spec.set_annotations(Some(annotations));
    spec.set_linux(Some(linux));
    Ok(spec)
}

/// Maps an OCI capability onto the `caps` crate's, through their shared `CAP_*` name.
pub fn to_kernel_capability(c: &Capability) -> Option<caps::Capability> {
    match serde_json::to_value(c).ok()? {
        serde_json::Value::String(name) => name.parse().ok(),
        _ => None,
    }
}

/// The capability bitmask of a set, as /proc/<pid>/status prints CapEff.
pub fn capability_mask(set: &Capabilities) -> u64 {
    set.iter()
        .filter_map(to_kernel_capability)
        .fold(0, |m, c| m | c.bitmask())
}

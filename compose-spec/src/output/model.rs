//! compose-go's typed model (v2.9.1, the version Compose v2.40.3 is built with), as tables.
//!
//! Each constant lists one Go struct's fields in declaration order with their Go types, which
//! is all it takes to print the JSON model as compose prints it. Fields compose never prints
//! (`json:"-"`: names, extensions, `env_file` and `label_file` once resolved) are left out.

use super::encode::{always, f, go_named, Field, Kind};

const STRS: Kind = Kind::StrList;

/// `ServiceConfig`.
pub(crate) const SERVICE: &[Field] = &[
    f("profiles", STRS),
    f("annotations", Kind::Mapping),
    f("attach", Kind::OptBool),
    f("build", Kind::Ptr(BUILD)),
    f("develop", Kind::Ptr(DEVELOP)),
    f("blkio_config", Kind::Ptr(BLKIO)),
    f("cap_add", STRS),
    f("cap_drop", STRS),
    f("cgroup_parent", Kind::Str),
    f("cgroup", Kind::Str),
    f("cpu_count", Kind::Int),
    f("cpu_percent", Kind::F32),
    f("cpu_period", Kind::Int),
    f("cpu_quota", Kind::Int),
    f("cpu_rt_period", Kind::Int),
    f("cpu_rt_runtime", Kind::Int),
    f("cpus", Kind::F32),
    f("cpuset", Kind::Str),
    f("cpu_shares", Kind::Int),
    always("command", Kind::Command),
    f("configs", Kind::List(&Kind::Struct(FILE_REFERENCE))),
    f("container_name", Kind::Str),
    f("credential_spec", Kind::Ptr(CREDENTIAL_SPEC)),
    f("depends_on", Kind::MapOf(&Kind::Struct(DEPENDENCY))),
    f("deploy", Kind::Ptr(DEPLOY)),
    f("device_cgroup_rules", STRS),
    f("devices", Kind::List(&Kind::Struct(DEVICE_MAPPING))),
    f("dns", STRS),
    f("dns_opt", STRS),
    f("dns_search", STRS),
    f("dockerfile", Kind::Str),
    f("domainname", Kind::Str),
    always("entrypoint", Kind::Command),
    f("provider", Kind::Ptr(PROVIDER)),
    f("environment", Kind::MappingEq),
    f("expose", STRS),
    f("extends", Kind::Ptr(EXTENDS)),
    f("external_links", STRS),
    f("extra_hosts", Kind::Hosts),
    f("group_add", STRS),
    f("gpus", Kind::List(&Kind::Struct(DEVICE_REQUEST))),
    f("hostname", Kind::Str),
    f("healthcheck", Kind::Ptr(HEALTHCHECK)),
    f("image", Kind::Str),
    f("init", Kind::OptBool),
    f("ipc", Kind::Str),
    f("isolation", Kind::Str),
    f("labels", Kind::Mapping),
    f("links", STRS),
    f("logging", Kind::Ptr(LOGGING)),
    f("log_driver", Kind::Str),
    f("log_opt", Kind::Mapping),
    f("mem_limit", Kind::Bytes),
    f("mem_reservation", Kind::Bytes),
    f("memswap_limit", Kind::Bytes),
    f("mem_swappiness", Kind::Bytes),
    f("mac_address", Kind::Str),
    f("models", Kind::MapOf(&Kind::Ptr(SERVICE_MODEL))),
    f("net", Kind::Str),
    f("network_mode", Kind::Str),
    f("networks", Kind::MapOf(&Kind::Ptr(SERVICE_NETWORK))),
    f("oom_kill_disable", Kind::Bool),
    f("oom_score_adj", Kind::Int),
    f("pid", Kind::Str),
    f("pids_limit", Kind::Int),
    f("platform", Kind::Str),
    f("ports", Kind::List(&Kind::Struct(PORT))),
    f("privileged", Kind::Bool),
    f("pull_policy", Kind::Str),
    f("read_only", Kind::Bool),
    f("restart", Kind::Str),
    f("runtime", Kind::Str),
    f("scale", Kind::OptInt),
    f("secrets", Kind::List(&Kind::Struct(FILE_REFERENCE))),
    f("security_opt", STRS),
    f("shm_size", Kind::Bytes),
    f("stdin_open", Kind::Bool),
    f("stop_grace_period", Kind::OptDuration),
    f("stop_signal", Kind::Str),
    f("storage_opt", Kind::Mapping),
    f("sysctls", Kind::Mapping),
    f("tmpfs", STRS),
    f("tty", Kind::Bool),
    f("ulimits", Kind::Ulimits),
    f("use_api_socket", Kind::Bool),
    f("user", Kind::Str),
    f("userns_mode", Kind::Str),
    f("uts", Kind::Str),
    f("volume_driver", Kind::Str),
    f("volumes", Kind::List(&Kind::Struct(SERVICE_VOLUME))),
    f("volumes_from", STRS),
    f("working_dir", Kind::Str),
    f("post_start", Kind::List(&Kind::Struct(HOOK))),
    f("pre_stop", Kind::List(&Kind::Struct(HOOK))),
];

/// `BuildConfig`.
const BUILD: &[Field] = &[
    f("context", Kind::Str),
    f("dockerfile", Kind::Str),
    f("dockerfile_inline", Kind::Str),
    f("entitlements", STRS),
    f("args", Kind::MappingEq),
    f("provenance", Kind::Str),
    f("sbom", Kind::Str),
    f("ssh", Kind::Ssh),
    f("labels", Kind::Mapping),
    f("cache_from", STRS),
    f("cache_to", STRS),
    f("no_cache", Kind::Bool),
    f("additional_contexts", Kind::Mapping),
    f("pull", Kind::Bool),
    f("extra_hosts", Kind::Hosts),
    f("isolation", Kind::Str),
    f("network", Kind::Str),
    f("target", Kind::Str),
    f("secrets", Kind::List(&Kind::Struct(FILE_REFERENCE))),
    f("shm_size", Kind::Bytes),
    f("tags", STRS),
    f("ulimits", Kind::Ulimits),
    f("platforms", STRS),
    f("privileged", Kind::Bool),
];

/// `DevelopConfig`.
const DEVELOP: &[Field] = &[f("watch", Kind::List(&Kind::Struct(TRIGGER)))];

/// `Trigger` (a `develop.watch` entry); `exec` is a struct value, so always printed.
const TRIGGER: &[Field] = &[
    always("path", Kind::Str),
    always("action", Kind::Str),
    f("target", Kind::Str),
    f("exec", Kind::Struct(HOOK)),
    f("include", STRS),
    f("ignore", STRS),
    f("initial_sync", Kind::Bool),
];

/// `ServiceHook` (`post_start`, `pre_stop`, watch `exec`).
const HOOK: &[Field] = &[
    always("command", Kind::Command),
    f("user", Kind::Str),
    f("privileged", Kind::Bool),
    f("working_dir", Kind::Str),
    f("environment", Kind::MappingEq),
];

/// `BlkioConfig`.
const BLKIO: &[Field] = &[
    f("weight", Kind::Int),
    f("weight_device", Kind::List(&Kind::Struct(WEIGHT_DEVICE))),
    f(
        "device_read_bps",
        Kind::List(&Kind::Struct(THROTTLE_DEVICE)),
    ),
    f(
        "device_read_iops",
        Kind::List(&Kind::Struct(THROTTLE_DEVICE)),
    ),
    f(
        "device_write_bps",
        Kind::List(&Kind::Struct(THROTTLE_DEVICE)),
    ),
    f(
        "device_write_iops",
        Kind::List(&Kind::Struct(THROTTLE_DEVICE)),
    ),
];

/// `WeightDevice`: no JSON tags, so Go field names.
const WEIGHT_DEVICE: &[Field] = &[
    go_named("path", "Path", Kind::Str),
    go_named("weight", "Weight", Kind::Int),
];

/// `ThrottleDevice`: no JSON tags, so Go field names.
const THROTTLE_DEVICE: &[Field] = &[
    go_named("path", "Path", Kind::Str),
    go_named("rate", "Rate", Kind::Bytes),
];

/// `FileReferenceConfig` (service secrets and configs, build secrets).
const FILE_REFERENCE: &[Field] = &[
    f("source", Kind::Str),
    f("target", Kind::Str),
    f("uid", Kind::Str),
    f("gid", Kind::Str),
    f("mode", Kind::FileMode),
];

/// `CredentialSpecConfig`.
const CREDENTIAL_SPEC: &[Field] = &[
    f("config", Kind::Str),
    f("file", Kind::Str),
    f("registry", Kind::Str),
];

/// `ServiceDependency`.
const DEPENDENCY: &[Field] = &[
    f("condition", Kind::Str),
    f("restart", Kind::Bool),
    always("required", Kind::Bool),
];

/// `DeployConfig`: `resources` and `placement` are struct values, so always printed.
const DEPLOY: &[Field] = &[
    f("mode", Kind::Str),
    f("replicas", Kind::OptInt),
    f("labels", Kind::Mapping),
    f("update_config", Kind::Ptr(UPDATE)),
    f("rollback_config", Kind::Ptr(UPDATE)),
    f("resources", Kind::Struct(RESOURCES)),
    f("restart_policy", Kind::Ptr(RESTART_POLICY)),
    f("placement", Kind::Struct(PLACEMENT)),
    f("endpoint_mode", Kind::Str),
];

/// `UpdateConfig`.
const UPDATE: &[Field] = &[
    f("parallelism", Kind::OptInt),
    f("delay", Kind::Duration),
    f("failure_action", Kind::Str),
    f("monitor", Kind::Duration),
    f("max_failure_ratio", Kind::F32),
    f("order", Kind::Str),
];

/// `Resources`.
const RESOURCES: &[Field] = &[
    f("limits", Kind::Ptr(RESOURCE)),
    f("reservations", Kind::Ptr(RESOURCE)),
];

/// `Resource`.
const RESOURCE: &[Field] = &[
    f("cpus", Kind::F32),
    f("memory", Kind::Bytes),
    f("pids", Kind::Int),
    f("devices", Kind::List(&Kind::Struct(DEVICE_REQUEST))),
    f(
        "generic_resources",
        Kind::List(&Kind::Struct(GENERIC_RESOURCE)),
    ),
];

/// `GenericResource`.
const GENERIC_RESOURCE: &[Field] = &[f("discrete_resource_spec", Kind::Ptr(DISCRETE_RESOURCE))];

/// `DiscreteGenericResource`.
const DISCRETE_RESOURCE: &[Field] = &[always("kind", Kind::Str), always("value", Kind::Int)];

/// `RestartPolicy`.
const RESTART_POLICY: &[Field] = &[
    f("condition", Kind::Str),
    f("delay", Kind::OptDuration),
    f("max_attempts", Kind::OptInt),
    f("window", Kind::OptDuration),
];

/// `Placement`.
const PLACEMENT: &[Field] = &[
    f("constraints", STRS),
    f(
        "preferences",
        Kind::List(&Kind::Struct(PLACEMENT_PREFERENCE)),
    ),
    f("max_replicas_per_node", Kind::Int),
];

/// `PlacementPreferences`.
const PLACEMENT_PREFERENCE: &[Field] = &[f("spread", Kind::Str)];

/// `DeviceMapping`.
const DEVICE_MAPPING: &[Field] = &[
    f("source", Kind::Str),
    f("target", Kind::Str),
    f("permissions", Kind::Str),
];

/// `DeviceRequest` (gpus, device reservations).
const DEVICE_REQUEST: &[Field] = &[
    f("capabilities", STRS),
    f("driver", Kind::Str),
    f("count", Kind::DeviceCount),
    f("device_ids", STRS),
    f("options", Kind::Mapping),
];

/// `ServiceProviderConfig`.
const PROVIDER: &[Field] = &[f("type", Kind::Str), f("options", Kind::MultiOptions)];

/// `ExtendsConfig`.
const EXTENDS: &[Field] = &[f("file", Kind::Str), f("service", Kind::Str)];

/// `HealthCheckConfig`.
const HEALTHCHECK: &[Field] = &[
    f("test", Kind::HealthTest),
    f("timeout", Kind::OptDuration),
    f("interval", Kind::OptDuration),
    f("retries", Kind::OptInt),
    f("start_period", Kind::OptDuration),
    f("start_interval", Kind::OptDuration),
    f("disable", Kind::Bool),
];

/// `LoggingConfig`.
const LOGGING: &[Field] = &[f("driver", Kind::Str), f("options", Kind::Mapping)];

/// `ServiceModelConfig`.
const SERVICE_MODEL: &[Field] = &[f("endpoint_var", Kind::Str), f("model_var", Kind::Str)];

/// `ServiceNetworkConfig`.
const SERVICE_NETWORK: &[Field] = &[
    f("aliases", STRS),
    f("driver_opts", Kind::Mapping),
    f("gw_priority", Kind::Int),
    f("interface_name", Kind::Str),
    f("ipv4_address", Kind::Str),
    f("ipv6_address", Kind::Str),
    f("link_local_ips", STRS),
    f("mac_address", Kind::Str),
    f("priority", Kind::Int),
];

/// `ServicePortConfig`.
const PORT: &[Field] = &[
    f("name", Kind::Str),
    f("mode", Kind::Str),
    f("host_ip", Kind::Str),
    f("target", Kind::Int),
    f("published", Kind::Str),
    f("protocol", Kind::Str),
    f("app_protocol", Kind::Str),
];

/// `ServiceVolumeConfig`.
const SERVICE_VOLUME: &[Field] = &[
    f("type", Kind::Str),
    f("source", Kind::Str),
    f("target", Kind::Str),
    f("read_only", Kind::Bool),
    f("consistency", Kind::Str),
    f("bind", Kind::Ptr(VOLUME_BIND)),
    f("volume", Kind::Ptr(VOLUME_VOLUME)),
    f("tmpfs", Kind::Ptr(VOLUME_TMPFS)),
    f("image", Kind::Ptr(VOLUME_IMAGE)),
];

/// `ServiceVolumeBind`.
const VOLUME_BIND: &[Field] = &[
    f("selinux", Kind::Str),
    f("propagation", Kind::Str),
    f("create_host_path", Kind::Bool),
    f("recursive", Kind::Str),
];

/// `ServiceVolumeVolume`.
const VOLUME_VOLUME: &[Field] = &[
    f("labels", Kind::Mapping),
    f("nocopy", Kind::Bool),
    f("subpath", Kind::Str),
];

/// `ServiceVolumeTmpfs`.
const VOLUME_TMPFS: &[Field] = &[f("size", Kind::Bytes), f("mode", Kind::Int)];

/// `ServiceVolumeImage`.
const VOLUME_IMAGE: &[Field] = &[f("subpath", Kind::Str)];

/// `NetworkConfig`: `ipam` is a struct value, so always printed.
pub(crate) const NETWORK: &[Field] = &[
    f("name", Kind::Str),
    f("driver", Kind::Str),
    f("driver_opts", Kind::Mapping),
    f("ipam", Kind::Struct(IPAM)),
    f("external", Kind::Bool),
    f("internal", Kind::Bool),
    f("attachable", Kind::Bool),
    f("labels", Kind::Mapping),
    f("enable_ipv4", Kind::OptBool),
    f("enable_ipv6", Kind::OptBool),
];

/// `IPAMConfig`.
const IPAM: &[Field] = &[
    f("driver", Kind::Str),
    f("config", Kind::List(&Kind::Ptr(IPAM_POOL))),
];

/// `IPAMPool`.
const IPAM_POOL: &[Field] = &[
    f("subnet", Kind::Str),
    f("gateway", Kind::Str),
    f("ip_range", Kind::Str),
    f("aux_addresses", Kind::Mapping),
];

/// `VolumeConfig`.
pub(crate) const VOLUME: &[Field] = &[
    f("name", Kind::Str),
    f("driver", Kind::Str),
    f("driver_opts", Kind::Mapping),
    f("external", Kind::Bool),
    f("labels", Kind::Mapping),
];

/// `FileObjectConfig` (secrets and configs).
pub(crate) const FILE_OBJECT: &[Field] = &[
    f("name", Kind::Str),
    f("file", Kind::Str),
    f("environment", Kind::Str),
    f("content", Kind::Str),
    f("external", Kind::Bool),
    f("labels", Kind::Mapping),
    f("driver", Kind::Str),
    f("driver_opts", Kind::Mapping),
    f("template_driver", Kind::Str),
];

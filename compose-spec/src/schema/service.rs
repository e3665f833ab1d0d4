//! The schema of a service: every attribute compose accepts, with the shapes of its nested
//! objects (build, healthcheck, ports and volumes long syntax, depends_on, networks, ...).
//! `deploy` and `develop` live in [`super::deploy`].

use super::deploy::{DEPLOYMENT, DEVELOPMENT, GPUS};
use super::types::*;

static BUILD_OBJ: Object = Object::strict(&[
    ("context", STRING),
    ("dockerfile", STRING),
    ("dockerfile_inline", STRING),
    ("entitlements", STRINGS),
    ("args", LIST_OR_DICT),
    ("ssh", LIST_OR_DICT),
    ("labels", LIST_OR_DICT),
    ("cache_from", STRINGS),
    ("cache_to", STRINGS),
    ("no_cache", BOOL_OR_STRING),
    ("additional_contexts", LIST_OR_DICT),
    ("network", STRING),
    ("provenance", BOOL_OR_STRING),
    ("sbom", BOOL_OR_STRING),
    ("pull", BOOL_OR_STRING),
    ("target", STRING),
    ("shm_size", INT_OR_STRING),
    ("extra_hosts", EXTRA_HOSTS),
    ("isolation", STRING),
    ("privileged", BOOL_OR_STRING),
    ("secrets", SERVICE_CONFIG_OR_SECRET),
    ("tags", STRINGS),
    ("ulimits", ULIMITS),
    ("platforms", STRINGS),
]);

static BLKIO_LIMIT_OBJ: Object = Object::sealed(&[("path", STRING), ("rate", INT_OR_STRING)]);
static BLKIO_WEIGHT_OBJ: Object = Object::sealed(&[("path", STRING), ("weight", INT_OR_STRING)]);
const BLKIO_LIMITS: Schema = Schema::Array {
    items: &Schema::Object(&BLKIO_LIMIT_OBJ),
    unique: false,
};
static BLKIO_OBJ: Object = Object::sealed(&[
    ("device_read_bps", BLKIO_LIMITS),
    ("device_read_iops", BLKIO_LIMITS),
    ("device_write_bps", BLKIO_LIMITS),
    ("device_write_iops", BLKIO_LIMITS),
    ("weight", INT_OR_STRING),
    (
        "weight_device",
        Schema::Array {
            items: &Schema::Object(&BLKIO_WEIGHT_OBJ),
            unique: false,
        },
    ),
]);

static CREDENTIAL_SPEC_OBJ: Object =
    Object::strict(&[("config", STRING), ("file", STRING), ("registry", STRING)]);

static DEPENDENCY_OBJ: Object = Object::strict(&[
    ("restart", BOOL_OR_STRING),
    ("required", BOOLEAN),
    (
        "condition",
        Schema::Enum(&[
            "service_started",
            "service_healthy",
            "service_completed_successfully",
        ]),
    ),
])
.requiring(&["condition"]);
static DEPENDS_ON_OBJ: Object =
    Object::keyed(&[(KeyPattern::Name, Schema::Object(&DEPENDENCY_OBJ))], true);

static DEVICE_OBJ: Object = Object::strict(&[
    ("source", STRING),
    ("target", STRING),
    ("permissions", STRING),
])
.requiring(&["source"]);

static ENV_FILE_OBJ: Object = Object::sealed(&[
    ("path", STRING),
    ("format", STRING),
    ("required", BOOL_OR_STRING),
])
.requiring(&["path"]);
const ENV_FILE: Schema = Schema::OneOf(&[
    STRING,
    Schema::Array {
        items: &Schema::OneOf(&[STRING, Schema::Object(&ENV_FILE_OBJ)]),
        unique: false,
    },
]);

static EXTENDS_OBJ: Object =
    Object::sealed(&[("service", STRING), ("file", STRING)]).requiring(&["service"]);

const SCALAR: Types = Types::STRING.or(Types::NUMBER).or(Types::BOOLEAN);
static PROVIDER_OPTIONS_OBJ: Object = Object::keyed(
    &[(
        KeyPattern::Line,
        Schema::OneOf(&[
            Schema::Type(SCALAR),
            Schema::Array {
                items: &Schema::Type(SCALAR),
                unique: false,
            },
        ]),
    )],
    false,
);
static PROVIDER_OBJ: Object = Object::strict(&[
    ("type", STRING),
    ("options", Schema::Object(&PROVIDER_OPTIONS_OBJ)),
])
.requiring(&["type"]);

static HEALTHCHECK_OBJ: Object = Object::strict(&[
    ("disable", BOOL_OR_STRING),
    ("interval", STRING),
    ("retries", NUM_OR_STRING),
    ("test", Schema::OneOf(&[STRING, STRINGS])),
    ("timeout", STRING),
    ("start_period", STRING),
    ("start_interval", STRING),
]);

static LOGGING_OPTIONS_OBJ: Object = Object::keyed(
    &[(
        KeyPattern::Line,
        Schema::Type(Types::STRING.or(Types::NUMBER).or(Types::NULL)),
    )],
    false,
);
static LOGGING_OBJ: Object = Object::strict(&[
    ("driver", STRING),
    ("options", Schema::Object(&LOGGING_OPTIONS_OBJ)),
]);

static MODEL_REF_OBJ: Object = Object::strict(&[("endpoint_var", STRING), ("model_var", STRING)]);
static MODELS_OBJ: Object = Object::keyed(
    &[(
        KeyPattern::Name,
        Schema::OneOf(&[Schema::Object(&MODEL_REF_OBJ), NULL]),
    )],
    false,
);

static NETWORK_ATTACHMENT_OBJ: Object = Object::strict(&[
    ("aliases", LIST_OF_STRINGS),
    ("interface_name", STRING),
    ("ipv4_address", STRING),
    ("ipv6_address", STRING),
    ("link_local_ips", LIST_OF_STRINGS),
    ("mac_address", STRING),
    ("driver_opts", DRIVER_OPTS),
    ("priority", NUMBER),
    ("gw_priority", NUMBER),
]);
static NETWORKS_OBJ: Object = Object::keyed(
    &[(
        KeyPattern::Name,
        Schema::OneOf(&[Schema::Object(&NETWORK_ATTACHMENT_OBJ), NULL]),
    )],
    true,
);

static PORT_OBJ: Object = Object::strict(&[
    ("name", STRING),
    ("mode", STRING),
    ("host_ip", STRING),
    ("target", INT_OR_STRING),
    ("published", INT_OR_STRING),
    ("protocol", STRING),
    ("app_protocol", STRING),
]);

static PULL_POLICY: Pattern = Pattern {
    text: "always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+",
    matches: pull_policy_matches,
};

/// Unanchored search for the `pull_policy` alternatives, as the schema's regex does.
fn pull_policy_matches(s: &str) -> bool {
    const WORDS: [&str; 8] = [
        "always",
        "never",
        "build",
        "if_not_present",
        "missing",
        "refresh",
        "daily",
        "weekly",
    ];
    if WORDS.iter().any(|w| s.contains(w)) {
        return true;
    }
    // every_([0-9]+[wdhms])+ : one digit run followed by a unit is enough for a match.
    s.match_indices("every_").any(|(i, _)| {
        let rest = s.get(i + "every_".len()..).unwrap_or("");
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0
            && matches!(
                rest.as_bytes().get(digits),
                Some(b'w' | b'd' | b'h' | b'm' | b's')
            )
    })
}

static CONTAINER_NAME: Pattern = Pattern {
    text: "[a-zA-Z0-9][a-zA-Z0-9_.-]+",
    matches: container_name_matches,
};

/// Unanchored search for `[a-zA-Z0-9][a-zA-Z0-9_.-]+`: an alphanumeric character followed
/// by at least one name character somewhere in the string.
fn container_name_matches(s: &str) -> bool {
    s.as_bytes().windows(2).any(|w| {
        w[0].is_ascii_alphanumeric()
            && (w[1].is_ascii_alphanumeric() || matches!(w[1], b'_' | b'.' | b'-'))
    })
}

static BIND_OBJ: Object = Object::strict(&[
    ("propagation", STRING),
    ("create_host_path", BOOL_OR_STRING),
    (
        "recursive",
        Schema::Enum(&["enabled", "disabled", "writable", "readonly"]),
    ),
    ("selinux", Schema::Enum(&["z", "Z"])),
]);
static VOLUME_OPTS_OBJ: Object = Object::strict(&[
    ("labels", LIST_OR_DICT),
    ("nocopy", BOOL_OR_STRING),
    ("subpath", STRING),
]);
static TMPFS_OBJ: Object = Object::strict(&[
    (
        "size",
        Schema::OneOf(&[
            Schema::Range {
                types: Types::INTEGER,
                min: Some(0),
                max: None,
            },
            STRING,
        ]),
    ),
    ("mode", NUM_OR_STRING),
]);
static IMAGE_OPTS_OBJ: Object = Object::strict(&[("subpath", STRING)]);
static MOUNT_OBJ: Object = Object::strict(&[
    (
        "type",
        Schema::Enum(&["bind", "volume", "tmpfs", "cluster", "npipe", "image"]),
    ),
    ("source", STRING),
    ("target", STRING),
    ("read_only", BOOL_OR_STRING),
    ("consistency", STRING),
    ("bind", Schema::Object(&BIND_OBJ)),
    ("volume", Schema::Object(&VOLUME_OPTS_OBJ)),
    ("tmpfs", Schema::Object(&TMPFS_OBJ)),
    ("image", Schema::Object(&IMAGE_OPTS_OBJ)),
])
.requiring(&["type"]);

const fn unique(items: &'static Schema) -> Schema {
    Schema::Array {
        items,
        unique: true,
    }
}

const fn array(items: &'static Schema) -> Schema {
    Schema::Array {
        items,
        unique: false,
    }
}

/// `oneOf: [string, integer in min..=max]` (cpu_count, cpu_percent, oom_score_adj). The
/// string is tried first, so an out-of-range number reports "must be a string", exactly as
/// compose does.
macro_rules! string_or_int_in {
    ($min:expr, $max:expr) => {
        Schema::OneOf(&[
            STRING,
            Schema::Range {
                types: Types::INTEGER,
                min: Some($min),
                max: $max,
            },
        ])
    };
}

static STRING_OR_NUM_ITEM: Schema = Schema::Type(Types::STRING.or(Types::NUMBER));

/// Every service attribute, in the order of the Compose Specification schema.
static SERVICE_PROPS: &[(&str, Schema)] = &[
    ("develop", DEVELOPMENT),
    ("deploy", DEPLOYMENT),
    ("annotations", LIST_OR_DICT),
    ("attach", BOOL_OR_STRING),
    (
        "build",
        Schema::OneOf(&[STRING, Schema::Object(&BUILD_OBJ)]),
    ),
    ("blkio_config", Schema::Object(&BLKIO_OBJ)),
    ("cap_add", unique(&STRING)),
    ("cap_drop", unique(&STRING)),
    ("cgroup", Schema::Enum(&["host", "private"])),
    ("cgroup_parent", STRING),
    ("command", COMMAND),
    ("configs", SERVICE_CONFIG_OR_SECRET),
    ("container_name", Schema::Pattern(&CONTAINER_NAME)),
    ("cpu_count", string_or_int_in!(0, None)),
    ("cpu_percent", string_or_int_in!(0, Some(100))),
    ("cpu_shares", NUM_OR_STRING),
    ("cpu_quota", NUM_OR_STRING),
    ("cpu_period", NUM_OR_STRING),
    ("cpu_rt_period", NUM_OR_STRING),
    ("cpu_rt_runtime", NUM_OR_STRING),
    ("cpus", NUM_OR_STRING),
    ("cpuset", STRING),
    ("credential_spec", Schema::Object(&CREDENTIAL_SPEC_OBJ)),
    (
        "depends_on",
        Schema::OneOf(&[LIST_OF_STRINGS, Schema::Object(&DEPENDS_ON_OBJ)]),
    ),
    ("device_cgroup_rules", LIST_OF_STRINGS),
    (
        "devices",
        array(&Schema::OneOf(&[STRING, Schema::Object(&DEVICE_OBJ)])),
    ),
    ("dns", STRING_OR_LIST),
    ("dns_opt", unique(&STRING)),
    ("dns_search", STRING_OR_LIST),
    ("domainname", STRING),
    ("entrypoint", COMMAND),
    ("env_file", ENV_FILE),
    ("label_file", Schema::OneOf(&[STRING, STRINGS])),
    ("environment", LIST_OR_DICT),
    ("expose", unique(&STRING_OR_NUM_ITEM)),
    (
        "extends",
        Schema::OneOf(&[STRING, Schema::Object(&EXTENDS_OBJ)]),
    ),
    ("provider", Schema::Object(&PROVIDER_OBJ)),
    ("external_links", unique(&STRING)),
    ("extra_hosts", EXTRA_HOSTS),
    ("gpus", GPUS),
    ("group_add", unique(&STRING_OR_NUM_ITEM)),
    ("healthcheck", Schema::Object(&HEALTHCHECK_OBJ)),
    ("hostname", STRING),
    ("image", STRING),
    ("init", BOOL_OR_STRING),
    ("ipc", STRING),
    ("isolation", STRING),
    ("labels", LIST_OR_DICT),
    ("links", unique(&STRING)),
    ("logging", Schema::Object(&LOGGING_OBJ)),
    ("mac_address", STRING),
    ("mem_limit", NUM_OR_STRING),
    ("mem_reservation", INT_OR_STRING),
    ("mem_swappiness", INT_OR_STRING),
    ("memswap_limit", NUM_OR_STRING),
    ("network_mode", STRING),
    (
        "models",
        Schema::OneOf(&[LIST_OF_STRINGS, Schema::Object(&MODELS_OBJ)]),
    ),
    (
        "networks",
        Schema::OneOf(&[LIST_OF_STRINGS, Schema::Object(&NETWORKS_OBJ)]),
    ),
    ("oom_kill_disable", BOOL_OR_STRING),
    ("oom_score_adj", string_or_int_in!(-1000, Some(1000))),
    ("pid", Schema::Type(Types::STRING.or(Types::NULL))),
    ("pids_limit", NUM_OR_STRING),
    ("platform", STRING),
    (
        "ports",
        unique(&Schema::OneOf(&[NUMBER, STRING, Schema::Object(&PORT_OBJ)])),
    ),
    ("post_start", array(&SERVICE_HOOK)),
    ("pre_stop", array(&SERVICE_HOOK)),
    ("privileged", BOOL_OR_STRING),
    ("profiles", LIST_OF_STRINGS),
    ("pull_policy", Schema::Pattern(&PULL_POLICY)),
    ("pull_refresh_after", STRING),
    ("read_only", BOOL_OR_STRING),
    ("restart", STRING),
    ("runtime", STRING),
    ("scale", INT_OR_STRING),
    ("security_opt", unique(&STRING)),
    ("shm_size", NUM_OR_STRING),
    ("secrets", SERVICE_CONFIG_OR_SECRET),
    ("sysctls", LIST_OR_DICT),
    ("stdin_open", BOOL_OR_STRING),
    ("stop_grace_period", STRING),
    ("stop_signal", STRING),
    ("storage_opt", Schema::Type(Types::OBJECT)),
    ("tmpfs", STRING_OR_LIST),
    ("tty", BOOL_OR_STRING),
    ("ulimits", ULIMITS),
    ("use_api_socket", BOOLEAN),
    ("user", STRING),
    ("uts", STRING),
    ("userns_mode", STRING),
    (
        "volumes",
        unique(&Schema::OneOf(&[STRING, Schema::Object(&MOUNT_OBJ)])),
    ),
    ("volumes_from", unique(&STRING)),
    ("working_dir", STRING),
];

/// The shape of a service definition.
pub(super) static SERVICE_OBJ: Object = Object::strict(SERVICE_PROPS);

/// The schema of one service definition.
pub static SERVICE: Schema = Schema::Object(&SERVICE_OBJ);

/// The schema of a service attribute, e.g. `service_field("ports")`; `None` for unknown
/// attributes (extensions included).
pub fn service_field(name: &str) -> Option<&'static Schema> {
    SERVICE_OBJ.prop(name)
}

/// The names of all service attributes compose knows.
pub fn service_fields() -> impl Iterator<Item = &'static str> {
    SERVICE_OBJ.prop_names()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_every_service_attribute() {
        assert_eq!(service_fields().count(), 92);
        assert!(service_field("image").is_some());
        assert!(service_field("imgae").is_none());
        assert!(service_field("x-foo").is_none());
    }

    #[test]
    fn pull_policy_pattern_is_an_unanchored_search() {
        assert!(pull_policy_matches("always"));
        assert!(pull_policy_matches("every_12h"));
        assert!(pull_policy_matches("xx-missing-yy"));
        assert!(!pull_policy_matches("every_h"));
        assert!(!pull_policy_matches("sometimes"));
    }

    #[test]
    fn container_name_pattern() {
        assert!(container_name_matches("web-1"));
        assert!(container_name_matches("-ab"));
        assert!(!container_name_matches("-"));
        assert!(!container_name_matches("a"));
    }

    #[test]
    fn nested_types_are_reachable() {
        let target = SERVICE.at(&["ports", "0", "target"]).unwrap();
        assert!(target.accepted_types().contains(Types::INTEGER));
        assert!(target.accepted_types().contains(Types::STRING));
        let size = SERVICE.at(&["volumes", "*", "tmpfs", "size"]).unwrap();
        assert!(size.accepted_types().contains(Types::INTEGER));
        assert!(SERVICE.at(&["healthcheck", "interval"]).is_some());
    }
}

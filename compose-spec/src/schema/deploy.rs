//! The schema of a service's `deploy` and `develop` sections, and of device requests
//! (`deploy.resources.reservations.devices` and `gpus`).

use super::types::*;

static UPDATE_OBJ: Object = Object::strict(&[
    ("parallelism", INT_OR_STRING),
    ("delay", STRING),
    ("failure_action", STRING),
    ("monitor", STRING),
    ("max_failure_ratio", NUM_OR_STRING),
    ("order", Schema::Enum(&["start-first", "stop-first"])),
]);

static LIMITS_OBJ: Object = Object::strict(&[
    ("cpus", NUM_OR_STRING),
    ("memory", STRING),
    ("pids", INT_OR_STRING),
]);

static DISCRETE_SPEC_OBJ: Object = Object::strict(&[("kind", STRING), ("value", NUM_OR_STRING)]);
static GENERIC_RESOURCE_OBJ: Object =
    Object::strict(&[("discrete_resource_spec", Schema::Object(&DISCRETE_SPEC_OBJ))]);
const GENERIC_RESOURCES: Schema = Schema::Array {
    items: &Schema::Object(&GENERIC_RESOURCE_OBJ),
    unique: false,
};

/// The properties shared by device reservations and `gpus` entries.
const DEVICE_REQUEST_PROPS: &[(&str, Schema)] = &[
    ("capabilities", LIST_OF_STRINGS),
    ("count", Schema::Type(Types::STRING.or(Types::INTEGER))),
    ("device_ids", LIST_OF_STRINGS),
    ("driver", STRING),
    ("options", LIST_OR_DICT),
];

static DEVICE_REQUEST_OBJ: Object =
    Object::strict(DEVICE_REQUEST_PROPS).requiring(&["capabilities"]);
const DEVICES: Schema = Schema::Array {
    items: &Schema::Object(&DEVICE_REQUEST_OBJ),
    unique: false,
};

static RESERVATIONS_OBJ: Object = Object::strict(&[
    ("cpus", NUM_OR_STRING),
    ("memory", STRING),
    ("generic_resources", GENERIC_RESOURCES),
    ("devices", DEVICES),
]);

static RESOURCES_OBJ: Object = Object::strict(&[
    ("limits", Schema::Object(&LIMITS_OBJ)),
    ("reservations", Schema::Object(&RESERVATIONS_OBJ)),
]);

static RESTART_POLICY_OBJ: Object = Object::strict(&[
    ("condition", STRING),
    ("delay", STRING),
    ("max_attempts", INT_OR_STRING),
    ("window", STRING),
]);

static PREFERENCE_OBJ: Object = Object::strict(&[("spread", STRING)]);
static PLACEMENT_OBJ: Object = Object::strict(&[
    ("constraints", STRINGS),
    (
        "preferences",
        Schema::Array {
            items: &Schema::Object(&PREFERENCE_OBJ),
            unique: false,
        },
    ),
    ("max_replicas_per_node", INT_OR_STRING),
]);

static DEPLOYMENT_OBJ: Object = Object::strict(&[
    ("mode", STRING),
    ("endpoint_mode", STRING),
    ("replicas", INT_OR_STRING),
    ("labels", LIST_OR_DICT),
    ("rollback_config", Schema::Object(&UPDATE_OBJ)),
    ("update_config", Schema::Object(&UPDATE_OBJ)),
    ("resources", Schema::Object(&RESOURCES_OBJ)),
    ("restart_policy", Schema::Object(&RESTART_POLICY_OBJ)),
    ("placement", Schema::Object(&PLACEMENT_OBJ)),
])
.or(Types::NULL);

/// `deploy`: mapping or null.
pub const DEPLOYMENT: Schema = Schema::Object(&DEPLOYMENT_OBJ);

static WATCH_OBJ: Object = Object::strict(&[
    ("ignore", STRING_OR_LIST),
    ("include", STRING_OR_LIST),
    ("path", STRING),
    (
        "action",
        Schema::Enum(&["rebuild", "sync", "restart", "sync+restart", "sync+exec"]),
    ),
    ("target", STRING),
    ("exec", SERVICE_HOOK),
    ("initial_sync", BOOLEAN),
])
.requiring(&["path", "action"]);

static DEVELOPMENT_OBJ: Object = Object::strict(&[(
    "watch",
    Schema::Array {
        items: &Schema::Object(&WATCH_OBJ),
        unique: false,
    },
)])
.or(Types::NULL);

/// `develop`: mapping or null.
pub const DEVELOPMENT: Schema = Schema::Object(&DEVELOPMENT_OBJ);

// compose's schema puts `additionalProperties: false` next to `items` rather than inside
// it, so `gpus` entries accept unknown keys; mirror that rather than be stricter.
static GPU_OBJ: Object = Object::strict(DEVICE_REQUEST_PROPS).open();

/// `gpus`: `all`, or a list of device requests.
pub const GPUS: Schema = Schema::OneOf(&[
    Schema::Enum(&["all"]),
    Schema::Array {
        items: &Schema::Object(&GPU_OBJ),
        unique: false,
    },
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_reservations_require_capabilities() {
        let devices = DEPLOYMENT
            .at(&["resources", "reservations", "devices", "*"])
            .unwrap();
        match devices {
            Schema::Object(o) => assert_eq!(o.required, &["capabilities"]),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn deploy_and_develop_accept_null() {
        assert!(DEPLOYMENT.accepted_types().contains(Types::NULL));
        assert!(DEVELOPMENT.accepted_types().contains(Types::NULL));
        assert!(!GPUS.accepted_types().contains(Types::NULL));
    }
}

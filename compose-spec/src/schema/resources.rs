//! The schema of the top level of a Compose file and of its shared resources: networks,
//! volumes, secrets, configs, models and `include` entries.

use super::service::SERVICE_OBJ;
use super::types::*;

static AUX_ADDRESSES_OBJ: Object = Object::keyed(&[(KeyPattern::Line, STRING)], true);
static IPAM_CONFIG_OBJ: Object = Object::strict(&[
    ("subnet", STRING),
    ("ip_range", STRING),
    ("gateway", STRING),
    ("aux_addresses", Schema::Object(&AUX_ADDRESSES_OBJ)),
]);
static IPAM_OPTIONS_OBJ: Object = Object::keyed(&[(KeyPattern::Line, STRING)], true);
static IPAM_OBJ: Object = Object::strict(&[
    ("driver", STRING),
    (
        "config",
        Schema::Array {
            items: &Schema::Object(&IPAM_CONFIG_OBJ),
            unique: false,
        },
    ),
    ("options", Schema::Object(&IPAM_OPTIONS_OBJ)),
]);

static NETWORK_OBJ: Object = Object::strict(&[
    ("name", STRING),
    ("driver", STRING),
    ("driver_opts", DRIVER_OPTS),
    ("ipam", Schema::Object(&IPAM_OBJ)),
    ("external", EXTERNAL),
    ("internal", BOOL_OR_STRING),
    ("enable_ipv4", BOOL_OR_STRING),
    ("enable_ipv6", BOOL_OR_STRING),
    ("attachable", BOOL_OR_STRING),
    ("labels", LIST_OR_DICT),
])
.or(Types::NULL);

/// A top-level network definition (mapping or null).
pub static NETWORK: Schema = Schema::Object(&NETWORK_OBJ);

static VOLUME_OBJ: Object = Object::strict(&[
    ("name", STRING),
    ("driver", STRING),
    ("driver_opts", DRIVER_OPTS),
    ("external", EXTERNAL),
    ("labels", LIST_OR_DICT),
])
.or(Types::NULL);

/// A top-level volume definition (mapping or null).
pub static VOLUME: Schema = Schema::Object(&VOLUME_OBJ);

static SECRET_OBJ: Object = Object::strict(&[
    ("name", STRING),
    ("environment", STRING),
    ("file", STRING),
    ("external", LOOSE_EXTERNAL),
    ("labels", LIST_OR_DICT),
    ("driver", STRING),
    ("driver_opts", DRIVER_OPTS),
    ("template_driver", STRING),
]);

/// A top-level secret definition.
pub static SECRET: Schema = Schema::Object(&SECRET_OBJ);

static CONFIG_OBJ: Object = Object::strict(&[
    ("name", STRING),
    ("content", STRING),
    ("environment", STRING),
    ("file", STRING),
    ("external", LOOSE_EXTERNAL),
    ("labels", LIST_OR_DICT),
    ("template_driver", STRING),
]);

/// A top-level config definition.
pub static CONFIG: Schema = Schema::Object(&CONFIG_OBJ);

static MODEL_OBJ: Object = Object::strict(&[
    ("name", STRING),
    ("model", STRING),
    ("context_size", INTEGER),
    ("runtime_flags", STRINGS),
])
.requiring(&["model"]);

/// A top-level model definition.
pub static MODEL: Schema = Schema::Object(&MODEL_OBJ);

static INCLUDE_OBJ: Object = Object::sealed(&[
    ("path", STRING_OR_LIST),
    ("env_file", STRING_OR_LIST),
    ("project_directory", STRING),
]);

/// An `include` entry: a path or `{path, env_file, project_directory}`.
pub static INCLUDE: Schema = Schema::OneOf(&[STRING, Schema::Object(&INCLUDE_OBJ)]);

static SERVICES_OBJ: Object =
    Object::keyed(&[(KeyPattern::Name, Schema::Object(&SERVICE_OBJ))], true);
static MODELS_OBJ: Object = Object::keyed(&[(KeyPattern::Name, Schema::Object(&MODEL_OBJ))], false);
static NETWORKS_OBJ: Object =
    Object::keyed(&[(KeyPattern::Name, Schema::Object(&NETWORK_OBJ))], false);
static VOLUMES_OBJ: Object =
    Object::keyed(&[(KeyPattern::Name, Schema::Object(&VOLUME_OBJ))], true);
static SECRETS_OBJ: Object =
    Object::keyed(&[(KeyPattern::Name, Schema::Object(&SECRET_OBJ))], true);
static CONFIGS_OBJ: Object =
    Object::keyed(&[(KeyPattern::Name, Schema::Object(&CONFIG_OBJ))], true);

static TOP_LEVEL_OBJ: Object = Object::strict(&[
    ("version", STRING),
    ("name", STRING),
    (
        "include",
        Schema::Array {
            items: &INCLUDE,
            unique: false,
        },
    ),
    ("services", Schema::Object(&SERVICES_OBJ)),
    ("models", Schema::Object(&MODELS_OBJ)),
    ("networks", Schema::Object(&NETWORKS_OBJ)),
    ("volumes", Schema::Object(&VOLUMES_OBJ)),
    ("secrets", Schema::Object(&SECRETS_OBJ)),
    ("configs", Schema::Object(&CONFIGS_OBJ)),
]);

/// The schema of a whole Compose file.
pub static COMPOSE_FILE: Schema = Schema::Object(&TOP_LEVEL_OBJ);

/// The schema of a top-level element (`services`, `networks`, `name`, ...).
pub fn top_level_field(name: &str) -> Option<&'static Schema> {
    TOP_LEVEL_OBJ.prop(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_elements() {
        for k in [
            "version", "name", "include", "services", "models", "networks", "volumes", "secrets",
            "configs",
        ] {
            assert!(top_level_field(k).is_some(), "{k}");
        }
        assert!(top_level_field("service").is_none());
    }

    #[test]
    fn services_reach_the_service_schema() {
        let image = COMPOSE_FILE.at(&["services", "web", "image"]).unwrap();
        assert_eq!(image.accepted_types(), Types::STRING);
    }

    #[test]
    fn resources_accept_null_where_compose_does() {
        assert!(NETWORK.accepted_types().contains(Types::NULL));
        assert!(VOLUME.accepted_types().contains(Types::NULL));
        assert!(!SECRET.accepted_types().contains(Types::NULL));
        assert!(!CONFIG.accepted_types().contains(Types::NULL));
    }
}

//! The vocabulary the Compose schema is written in: JSON types, value schemas, object shapes.
//!
//! Compose validates files against a JSON schema. Rather than embedding that document, the
//! schema is described here as plain Rust data (`static` tables in [`super::service`],
//! [`super::deploy`] and [`super::resources`]) built from the few JSON-schema features
//! Compose uses: type sets, string enums and patterns, integer ranges, arrays (with
//! `uniqueItems`), objects (known properties, key patterns, `additionalProperties: false`,
//! `required`) and `oneOf` alternatives. Being data, the tables can also answer "what type
//! does this field take?" for other stages (see [`Schema::child`]).

use crate::node::{Node, Value};

/// A set of JSON types, as in a schema's `"type": [...]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Types(u8);

impl Types {
    /// No type at all.
    pub const NONE: Types = Types(0);
    /// `null`.
    pub const NULL: Types = Types(1);
    /// `boolean`.
    pub const BOOLEAN: Types = Types(2);
    /// `integer` (a number without a fractional part).
    pub const INTEGER: Types = Types(4);
    /// `number`.
    pub const NUMBER: Types = Types(8);
    /// `string`.
    pub const STRING: Types = Types(16);
    /// `array`.
    pub const ARRAY: Types = Types(32);
    /// `object` (a mapping).
    pub const OBJECT: Types = Types(64);

    /// The union of two sets (usable in `const` tables).
    pub const fn or(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    /// Whether every type of `other` is in this set.
    pub const fn contains(self, other: Types) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// Whether a value has one of these types once converted to JSON, the way compose
    /// validates it: an integral float counts as an integer, and integers are numbers.
    pub fn accepts(self, node: &Node) -> bool {
        match &node.value {
            Value::Null => self.contains(Types::NULL),
            Value::Bool(_) => self.contains(Types::BOOLEAN),
            Value::Int(_) => self.contains(Types::INTEGER) || self.contains(Types::NUMBER),
            Value::Float(f) => {
                self.contains(Types::NUMBER)
                    || (self.contains(Types::INTEGER) && f.is_finite() && f.fract() == 0.0)
            }
            Value::Str(_) => self.contains(Types::STRING),
            Value::Seq(_) => self.contains(Types::ARRAY),
            Value::Map(_) => self.contains(Types::OBJECT),
        }
    }

    /// The JSON-schema names of the types in the set.
    pub fn names(self) -> Vec<&'static str> {
        const ALL: [(Types, &str); 7] = [
            (Types::NULL, "null"),
            (Types::BOOLEAN, "boolean"),
            (Types::INTEGER, "integer"),
            (Types::NUMBER, "number"),
            (Types::STRING, "string"),
            (Types::ARRAY, "array"),
            (Types::OBJECT, "object"),
        ];
        ALL.iter()
            .filter(|(t, _)| self.contains(*t))
            .map(|(_, n)| *n)
            .collect()
    }

    /// The set as compose words it in "must be a ..." messages: `object` is called
    /// `mapping`, several types are sorted and joined as `a, b or c`.
    pub fn human(self) -> String {
        let mut names: Vec<&str> = self
            .names()
            .into_iter()
            .map(|n| if n == "object" { "mapping" } else { n })
            .collect();
        names.sort_unstable();
        match names.split_last() {
            None => String::new(),
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
        }
    }
}

/// A key pattern of a `patternProperties` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPattern {
    /// `^x-`: extension keys.
    Extension,
    /// `^[a-zA-Z0-9._-]+$`: service, network, volume, secret, config and model names.
    Name,
    /// `^[a-z]+$`: ulimit names.
    Lowercase,
    /// `.+` (unanchored): any key with at least one character that is not a newline.
    AnyChar,
    /// `^.+$`: a non-empty key without newlines.
    Line,
}

impl KeyPattern {
    /// Whether `key` matches the pattern.
    pub fn matches(self, key: &str) -> bool {
        match self {
            KeyPattern::Extension => key.starts_with("x-"),
            KeyPattern::Name => {
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            }
            KeyPattern::Lowercase => !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase()),
            KeyPattern::AnyChar => key.chars().any(|c| c != '\n'),
            KeyPattern::Line => !key.is_empty() && !key.contains('\n'),
        }
    }
}

/// A string pattern (`"pattern"`), kept as its text for messages plus a matcher.
#[derive(Debug)]
pub struct Pattern {
    /// The regular expression as compose prints it in errors.
    pub text: &'static str,
    /// Decides whether a string matches (unanchored search, like JSON schema's `pattern`).
    pub matches: fn(&str) -> bool,
}

/// The schema of one value.
#[derive(Debug)]
pub enum Schema {
    /// Anything (`{}`).
    Any,
    /// One of a set of JSON types, nothing more.
    Type(Types),
    /// One of a set of types; integers must also lie within bounds (inclusive).
    Range {
        /// Accepted types.
        types: Types,
        /// `minimum`.
        min: Option<i64>,
        /// `maximum`.
        max: Option<i64>,
    },
    /// A string from a fixed list.
    Enum(&'static [&'static str]),
    /// A string matching a pattern.
    Pattern(&'static Pattern),
    /// An array.
    Array {
        /// The schema of every item.
        items: &'static Schema,
        /// `uniqueItems`.
        unique: bool,
    },
    /// A mapping with a known shape (possibly also accepting some scalar types).
    Object(&'static Object),
    /// Exactly one alternative must match.
    OneOf(&'static [Schema]),
}

/// The shape of a mapping.
#[derive(Debug)]
pub struct Object {
    /// Other types accepted instead of a mapping (`"type": ["object", "null"]`).
    pub also: Types,
    /// Known properties.
    pub props: &'static [(&'static str, Schema)],
    /// Properties that must be present, in the order compose reports them.
    pub required: &'static [&'static str],
    /// `patternProperties`.
    pub patterns: &'static [(KeyPattern, Schema)],
    /// `additionalProperties: false`: keys matched neither by `props` nor `patterns` are
    /// rejected.
    pub closed: bool,
}

/// `patternProperties: {"^x-": {}}`.
pub const EXTENSIONS: &[(KeyPattern, Schema)] = &[(KeyPattern::Extension, Schema::Any)];

impl Object {
    /// An object with known properties, `x-` extensions and nothing else (the most common
    /// shape in the Compose schema).
    pub const fn strict(props: &'static [(&'static str, Schema)]) -> Object {
        Object {
            also: Types::NONE,
            props,
            required: &[],
            patterns: EXTENSIONS,
            closed: true,
        }
    }

    /// An object with known properties and nothing else, not even `x-` extensions.
    pub const fn sealed(props: &'static [(&'static str, Schema)]) -> Object {
        Object {
            also: Types::NONE,
            props,
            required: &[],
            patterns: &[],
            closed: true,
        }
    }

    /// An object whose keys are checked against patterns only; with `closed`, keys that
    /// match no pattern are rejected.
    pub const fn keyed(patterns: &'static [(KeyPattern, Schema)], closed: bool) -> Object {
        Object {
            also: Types::NONE,
            props: &[],
            required: &[],
            patterns,
            closed,
        }
    }

    /// The same shape with required properties.
    pub const fn requiring(self, required: &'static [&'static str]) -> Object {
        Object { required, ..self }
    }

    /// The same shape, also accepting values of other types.
    pub const fn or(self, also: Types) -> Object {
        Object { also, ..self }
    }

    /// The same shape accepting any unknown key.
    pub const fn open(self) -> Object {
        Object {
            closed: false,
            ..self
        }
    }

    /// The schema of a known property.
    pub fn prop(&self, name: &str) -> Option<&'static Schema> {
        self.props.iter().find(|(n, _)| *n == name).map(|(_, s)| s)
    }

    /// The names of the known properties (for suggestions).
    pub fn prop_names(&self) -> impl Iterator<Item = &'static str> {
        self.props.iter().map(|(n, _)| *n)
    }
}

impl Schema {
    /// The schema of a child value: a property or pattern-matched key of an object, or an
    /// item of an array (`key` is then ignored; pass `"*"` or an index). For `oneOf`, the
    /// first alternative that has such a child answers. Returns `None` where the schema
    /// says nothing about the child.
    pub fn child(&'static self, key: &str) -> Option<&'static Schema> {
        match self {
            Schema::Array { items, .. } => Some(items),
            Schema::Object(obj) => obj.prop(key).or_else(|| {
                obj.patterns
                    .iter()
                    .find(|(p, _)| key == "*" || p.matches(key))
                    .map(|(_, s)| s)
            }),
            Schema::OneOf(alts) => alts.iter().find_map(|a| a.child(key)),
            _ => None,
        }
    }

    /// The schema at a dotted path below this one (`["ports", "*", "target"]`).
    pub fn at(&'static self, path: &[&str]) -> Option<&'static Schema> {
        path.iter().try_fold(self, |s, k| s.child(k))
    }

    /// Every JSON type this schema can accept, across alternatives.
    pub fn accepted_types(&self) -> Types {
        match self {
            Schema::Any => Types(0x7f),
            Schema::Type(t) | Schema::Range { types: t, .. } => *t,
            Schema::Enum(_) | Schema::Pattern(_) => Types::STRING,
            Schema::Array { .. } => Types::ARRAY,
            Schema::Object(o) => Types::OBJECT.or(o.also),
            Schema::OneOf(alts) => alts
                .iter()
                .fold(Types::NONE, |acc, a| acc.or(a.accepted_types())),
        }
    }
}

/// `{"type": "string"}`.
pub const STRING: Schema = Schema::Type(Types::STRING);
/// `{"type": "boolean"}`.
pub const BOOLEAN: Schema = Schema::Type(Types::BOOLEAN);
/// `{"type": "integer"}`.
pub const INTEGER: Schema = Schema::Type(Types::INTEGER);
/// `{"type": "number"}`.
pub const NUMBER: Schema = Schema::Type(Types::NUMBER);
/// `{"type": "null"}`.
pub const NULL: Schema = Schema::Type(Types::NULL);
/// `{"type": ["boolean", "string"]}`: flags that may also be written as interpolated text.
pub const BOOL_OR_STRING: Schema = Schema::Type(Types::BOOLEAN.or(Types::STRING));
/// `{"type": ["integer", "string"]}`.
pub const INT_OR_STRING: Schema = Schema::Type(Types::INTEGER.or(Types::STRING));
/// `{"type": ["number", "string"]}`.
pub const NUM_OR_STRING: Schema = Schema::Type(Types::NUMBER.or(Types::STRING));
/// `{"type": ["string", "number"]}` as used by driver options.
pub const STRING_OR_NUM: Schema = NUM_OR_STRING;
/// An array of strings, duplicates allowed.
pub const STRINGS: Schema = Schema::Array {
    items: &STRING,
    unique: false,
};
/// `list_of_strings`: an array of distinct strings.
pub const LIST_OF_STRINGS: Schema = Schema::Array {
    items: &STRING,
    unique: true,
};
/// `string_or_list`.
pub const STRING_OR_LIST: Schema = Schema::OneOf(&[STRING, LIST_OF_STRINGS]);
/// `command`: null, a string (run through a shell parser later) or a list of strings.
pub const COMMAND: Schema = Schema::OneOf(&[NULL, STRING, STRINGS]);

static DICT: Object = Object::keyed(
    &[(
        KeyPattern::AnyChar,
        Schema::Type(
            Types::STRING
                .or(Types::NUMBER)
                .or(Types::BOOLEAN)
                .or(Types::NULL),
        ),
    )],
    true,
);
/// `list_or_dict`: `KEY: value` mapping of scalars, or a list of distinct `KEY=value`.
pub const LIST_OR_DICT: Schema = Schema::OneOf(&[Schema::Object(&DICT), LIST_OF_STRINGS]);

static HOSTS_DICT: Object = Object::keyed(
    &[(KeyPattern::AnyChar, Schema::OneOf(&[STRING, STRINGS]))],
    true,
);
/// `extra_hosts`: `host: ip` (or a list of IPs), or a list of `host=ip`/`host:ip`.
pub const EXTRA_HOSTS: Schema = Schema::OneOf(&[Schema::Object(&HOSTS_DICT), LIST_OF_STRINGS]);

static DRIVER_OPTS_OBJ: Object = Object::keyed(&[(KeyPattern::Line, STRING_OR_NUM)], false);
/// `driver_opts`: string or number values.
pub const DRIVER_OPTS: Schema = Schema::Object(&DRIVER_OPTS_OBJ);

static LIMIT_OBJ: Object = Object::strict(&[("hard", INT_OR_STRING), ("soft", INT_OR_STRING)])
    .requiring(&["soft", "hard"]);
static ULIMITS_OBJ: Object = Object::keyed(
    &[(
        KeyPattern::Lowercase,
        Schema::OneOf(&[INT_OR_STRING, Schema::Object(&LIMIT_OBJ)]),
    )],
    false,
);
/// `ulimits`: a single limit or `{soft, hard}` per lowercase name.
pub const ULIMITS: Schema = Schema::Object(&ULIMITS_OBJ);

static FILE_REF_OBJ: Object = Object::strict(&[
    ("source", STRING),
    ("target", STRING),
    ("uid", STRING),
    ("gid", STRING),
    ("mode", NUM_OR_STRING),
]);
/// `service_config_or_secret`: the `secrets`/`configs` list of a service.
pub const SERVICE_CONFIG_OR_SECRET: Schema = Schema::Array {
    items: &Schema::OneOf(&[STRING, Schema::Object(&FILE_REF_OBJ)]),
    unique: false,
};

static HOOK_OBJ: Object = Object::strict(&[
    ("command", COMMAND),
    ("user", STRING),
    ("privileged", BOOL_OR_STRING),
    ("working_dir", STRING),
    ("environment", LIST_OR_DICT),
])
.requiring(&["command"]);
/// `service_hook`: `post_start`/`pre_stop` commands and `develop.watch[].exec`.
pub const SERVICE_HOOK: Schema = Schema::Object(&HOOK_OBJ);

static EXTERNAL_OBJ: Object =
    Object::strict(&[("name", STRING)]).or(Types::BOOLEAN.or(Types::STRING));
/// `external` of networks and volumes: a flag or the legacy `{name: ...}`.
pub const EXTERNAL: Schema = Schema::Object(&EXTERNAL_OBJ);

static LOOSE_EXTERNAL_OBJ: Object = Object {
    also: Types::BOOLEAN.or(Types::STRING),
    props: &[("name", STRING)],
    required: &[],
    patterns: &[],
    closed: false,
};
/// `external` of secrets and configs, which accepts any other key.
pub const LOOSE_EXTERNAL: Schema = Schema::Object(&LOOSE_EXTERNAL_OBJ);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Node;

    fn n(v: Value) -> Node {
        Node::synthetic(v)
    }

    #[test]
    fn integral_floats_are_integers() {
        assert!(Types::INTEGER.accepts(&n(Value::Float(3.0))));
        assert!(!Types::INTEGER.accepts(&n(Value::Float(0.5))));
        assert!(Types::NUMBER.accepts(&n(Value::Int(2))));
        assert!(!Types::STRING.accepts(&n(Value::Int(2))));
    }

    #[test]
    fn human_names_follow_compose() {
        assert_eq!(Types::OBJECT.human(), "mapping");
        assert_eq!(
            Types::STRING
                .or(Types::NUMBER)
                .or(Types::BOOLEAN)
                .or(Types::NULL)
                .human(),
            "boolean, null, number or string"
        );
        assert_eq!(Types::OBJECT.or(Types::NULL).human(), "mapping or null");
    }

    #[test]
    fn key_patterns() {
        assert!(KeyPattern::Name.matches("web.1_a-b"));
        assert!(!KeyPattern::Name.matches("foo bar"));
        assert!(!KeyPattern::Name.matches(""));
        assert!(KeyPattern::Lowercase.matches("nofile"));
        assert!(!KeyPattern::Lowercase.matches("NOFILE"));
        assert!(KeyPattern::AnyChar.matches("a\nb"));
        assert!(!KeyPattern::Line.matches("a\nb"));
        assert!(!KeyPattern::AnyChar.matches(""));
    }

    #[test]
    fn child_lookup_walks_alternatives() {
        let s = SERVICE_HOOK.at(&["environment", "FOO"]).unwrap();
        assert!(s.accepted_types().contains(Types::NULL));
        assert!(ULIMITS.at(&["nofile", "soft"]).is_some());
        assert!(COMMAND.child("x").is_some()); // the list alternative's items
    }
}

//! The service volume short syntax, `[source:]target[:mode]`.
//!
//! compose-go parses it with a small scanner (`format.ParseVolume`) whose rules are visible
//! in `config` output: a one-letter segment followed by `:` is a Windows drive (`C:\data`),
//! `${...}` may hold colons, a source starting with `.`, `/`, `~`, `\\` or a drive letter is
//! a bind mount (which then creates its host path), anything else names a volume; `ro`, `rw`,
//! `nocopy`, the propagation modes and `z`/`Z` are understood and other modes ignored.

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Map, Node, Value};

/// A parsed short volume spec, with the fields `config` prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct VolumeSpec {
    /// `bind` or `volume`.
    pub kind: &'static str,
    /// The host path or volume name (empty for an anonymous volume).
    pub source: String,
    /// The path in the container.
    pub target: String,
    /// `ro`.
    pub read_only: bool,
    /// Bind options, present for bind mounts (and for volumes given `z`/`Z`/propagation).
    pub bind: Option<BindOptions>,
    /// Volume options, present for named and anonymous volumes.
    pub volume: Option<VolumeOptions>,
}

/// The `bind:` block of a volume.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct BindOptions {
    /// `propagation`.
    pub propagation: String,
    /// `selinux` (`z` or `Z`).
    pub selinux: String,
    /// `create_host_path`, true for every short-syntax bind mount.
    pub create_host_path: bool,
}

/// The `volume:` block of a volume.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct VolumeOptions {
    /// `nocopy`.
    pub nocopy: bool,
}

const PROPAGATIONS: [&str; 6] = [
    "rprivate", "private", "rshared", "shared", "rslave", "slave",
];

/// Parses a short volume spec as compose-go's `format.ParseVolume` does. Errors carry
/// compose's text (`invalid spec: a:b:c:d: too many colons`).
pub(crate) fn parse_volume(spec: &str) -> Result<VolumeSpec, String> {
    let mut volume = VolumeSpec::default();
    match spec.len() {
        0 => return Err("invalid empty volume spec".into()),
        1 | 2 => {
            volume.target = spec.to_string();
            volume.kind = "volume";
            return Ok(volume);
        }
        _ => {}
    }
    let bytes = spec.as_bytes();
    let mut buffer: Vec<char> = Vec::new();
    let mut in_var = 0usize;
    let chars = spec.char_indices().map(|(i, c)| (i, Some(c)));
    for (i, ch) in chars.chain(std::iter::once((spec.len(), None))) {
        if ch == Some('$') && bytes.get(i + 1) == Some(&b'{') {
            in_var += 1;
            buffer.push('$');
            continue;
        }
        if ch == Some('}') && in_var > 0 {
            in_var -= 1;
            buffer.push('}');
            continue;
        }
        let is_sep = ch.is_none() || ch == Some(':');
        if ch == Some(':') && is_windows_drive(&buffer) {
            buffer.push(':');
        } else if is_sep && in_var == 0 {
            if let Err(e) = populate_field(ch.is_none(), &buffer, &mut volume) {
                return Err(format!("invalid spec: {spec}: {e}"));
            }
            buffer.clear();
        } else if let Some(c) = ch {
            buffer.push(c);
        }
    }
    populate_type(&mut volume);
    Ok(volume)
}

fn is_windows_drive(buffer: &[char]) -> bool {
    matches!(buffer, [c] if c.is_alphabetic())
}

fn populate_field(end: bool, buffer: &[char], volume: &mut VolumeSpec) -> Result<(), &'static str> {
    let text: String = buffer.iter().collect();
    if buffer.is_empty() {
        return Err("empty section between colons");
    }
    if volume.source.is_empty() && end {
        volume.target = text;
        return Ok(());
    }
    if volume.source.is_empty() {
        volume.source = text;
        return Ok(());
    }
    if volume.target.is_empty() {
        volume.target = text;
        return Ok(());
    }
    if !end {
        return Err("too many colons");
    }
    for option in text.split(',') {
        match option {
            "ro" => volume.read_only = true,
            "rw" => volume.read_only = false,
            "nocopy" => volume.volume = Some(VolumeOptions { nocopy: true }),
            "z" | "Z" => volume.bind.get_or_insert_with(Default::default).selinux = option.into(),
            p if PROPAGATIONS.contains(&p) => {
                volume.bind.get_or_insert_with(Default::default).propagation = p.into();
            }
            _ => {}
        }
    }
    Ok(())
}

fn populate_type(volume: &mut VolumeSpec) {
    if is_file_path(&volume.source) {
        volume.kind = "bind";
        volume
            .bind
            .get_or_insert_with(Default::default)
            .create_host_path = true;
    } else {
        volume.kind = "volume";
        volume.volume.get_or_insert_with(Default::default);
    }
}

/// Whether a volume source is a path on the host rather than a volume name.
pub(crate) fn is_file_path(source: &str) -> bool {
    let mut chars = source.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if matches!(first, '.' | '/' | '~') || source.starts_with("\\\\") {
        return true;
    }
    chars.next() == Some(':') && first.is_alphabetic()
}

impl VolumeSpec {
    /// The long syntax, as compose-go's transform writes it into the model.
    pub(crate) fn to_node(&self, like: &Node) -> Node {
        let mk = |v: Value| like.with_value(v);
        let s = |v: &str| mk(Value::Str(v.to_string()));
        let mut map = Map::new();
        map.insert("type".into(), s(self.kind));
        if !self.source.is_empty() {
            map.insert("source".into(), s(&self.source));
        }
        if !self.target.is_empty() {
            map.insert("target".into(), s(&go_clean_target(&self.target)));
        }
        if self.read_only {
            map.insert("read_only".into(), mk(Value::Bool(true)));
        }
        if let Some(bind) = &self.bind {
            let mut b = Map::new();
            if !bind.propagation.is_empty() {
                b.insert("propagation".into(), s(&bind.propagation));
            }
            if !bind.selinux.is_empty() {
                b.insert("selinux".into(), s(&bind.selinux));
            }
            if bind.create_host_path {
                b.insert("create_host_path".into(), mk(Value::Bool(true)));
            }
            map.insert("bind".into(), mk(Value::Map(b)));
        }
        if let Some(volume) = &self.volume {
            let mut v = Map::new();
            if volume.nocopy {
                v.insert("nocopy".into(), mk(Value::Bool(true)));
            }
            map.insert("volume".into(), mk(Value::Map(v)));
        }
        mk(Value::Map(map))
    }
}

/// compose-go's `cleanTarget`: `path.Clean`, except that an empty target stays empty.
fn go_clean_target(target: &str) -> String {
    if target.is_empty() {
        return String::new();
    }
    crate::paths::gopath::clean(target)
}

/// compose-go's `transformVolumeMount` for one `services.*.volumes` entry. When `lenient`
/// (no interpolation), a spec that does not parse is kept as written.
pub(crate) fn canonical_volume(entry: &mut Node, path: &str, lenient: bool) -> Result<()> {
    match &entry.value {
        Value::Map(_) => Ok(()),
        Value::Str(spec) => match parse_volume(spec) {
            Ok(parsed) => {
                *entry = parsed.to_node(entry);
                Ok(())
            }
            Err(_) if lenient => Ok(()),
            Err(e) => Err(LoadError::new(ErrorKind::Format, &entry.mark, e)),
        },
        _ => Err(LoadError::new(
            ErrorKind::Format,
            &entry.mark,
            format!(
                "{path}: invalid type {} for service volume mount",
                entry.kind_name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> VolumeSpec {
        parse_volume(spec).unwrap()
    }

    #[test]
    fn anonymous_and_named_volumes() {
        let v = parse("/path");
        assert_eq!(
            (v.kind, v.source.as_str(), v.target.as_str()),
            ("volume", "", "/path")
        );
        assert_eq!(v.volume, Some(VolumeOptions::default()));
        let v = parse("name:/named:nocopy");
        assert_eq!((v.kind, v.source.as_str()), ("volume", "name"));
        assert_eq!(v.volume, Some(VolumeOptions { nocopy: true }));
        let v = parse("0:/foo");
        assert_eq!((v.kind, v.source.as_str()), ("volume", "0"));
        // One- and two-character specs are taken as a target without further ado.
        let v = parse("/a");
        assert_eq!(
            (v.kind, v.target.as_str(), v.volume.is_none()),
            ("volume", "/a", true)
        );
    }

    #[test]
    fn bind_mounts_and_modes() {
        let v = parse("./foo:/ro:ro");
        assert_eq!((v.kind, v.read_only), ("bind", true));
        assert!(v.bind.as_ref().unwrap().create_host_path);
        let v = parse("/source:/slave:slave");
        assert_eq!(v.bind.unwrap().propagation, "slave");
        let v = parse("/source:/z:ro,Z");
        assert_eq!((v.read_only, v.bind.unwrap().selinux.as_str()), (true, "Z"));
        assert_eq!(parse("~/thing:/t").kind, "bind");
        assert!(!parse("/home/user:/rw:rw").read_only);
    }

    #[test]
    fn windows_paths_and_variables() {
        let v = parse("C:\\data:/data");
        assert_eq!(
            (v.kind, v.source.as_str(), v.target.as_str()),
            ("bind", "C:\\data", "/data")
        );
        let v = parse("c:\\src:d:\\dst:ro");
        assert_eq!(
            (v.source.as_str(), v.target.as_str(), v.read_only),
            ("c:\\src", "d:\\dst", true)
        );
        let v = parse("\\\\.\\pipe\\x:\\\\.\\pipe\\x");
        assert_eq!(v.kind, "bind");
        let v = parse("${DATA:-/a:b}:/data");
        assert_eq!(v.source, "${DATA:-/a:b}");
    }

    #[test]
    fn malformed_specs() {
        assert_eq!(
            parse_volume("/foo:/foo:ro:foo").unwrap_err(),
            "invalid spec: /foo:/foo:ro:foo: too many colons"
        );
        assert_eq!(
            parse_volume("/foo::ro").unwrap_err(),
            "invalid spec: /foo::ro: empty section between colons"
        );
        assert_eq!(parse_volume("").unwrap_err(), "invalid empty volume spec");
    }

    #[test]
    fn long_form_node() {
        let mut entry = Node::str("./foo:/target/");
        canonical_volume(&mut entry, "services.a.volumes.0", false).unwrap();
        assert_eq!(entry.get_str("type"), Some("bind"));
        assert_eq!(entry.get_str("source"), Some("./foo"));
        assert_eq!(entry.get_str("target"), Some("/target"));
        let bind = entry.get("bind").unwrap();
        assert_eq!(
            bind.get("create_host_path").unwrap().value,
            Value::Bool(true)
        );
        assert!(entry.get("read_only").is_none());
        let mut bad = Node::str("/foo::ro");
        let e = canonical_volume(&mut bad, "p", false).unwrap_err();
        assert!(canonical_volume(&mut bad.clone(), "p", true).is_ok());
        assert_eq!(e.kind, ErrorKind::Format);
    }
}

//! The service config hash that decides whether a container must be recreated.
//!
//! Like compose's `ServiceHash`, it covers the canonical service definition minus the fields
//! that do not change the container itself (build, pull_policy, scale, deploy.replicas,
//! depends_on, profiles). Unlike compose's, it hashes JSON with sorted keys and no struct
//! layout, so the value stays the same across tug versions as long as the model does.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hex SHA-256 of a service's JSON model, for the `com.docker.compose.config-hash` label.
pub fn service_hash(service: &Value) -> String {
    let mut s = service.clone();
    if let Some(m) = s.as_object_mut() {
        for k in ["build", "pull_policy", "scale", "depends_on", "profiles"] {
            m.remove(k);
        }
        if let Some(deploy) = m.get_mut("deploy").and_then(Value::as_object_mut) {
            deploy.remove("replicas");
            if deploy.is_empty() {
                m.remove("deploy");
            }
        }
    }
    let mut text = String::new();
    write_sorted(&s, &mut text);
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Serialises JSON with object keys in sorted order, so map order never changes the hash.
fn write_sorted(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_sorted(&m[*k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_matter() {
        let a = json!({"image": "x", "environment": {"A": "1", "B": "2"}});
        let b = json!({"environment": {"B": "2", "A": "1"}, "image": "x"});
        assert_eq!(service_hash(&a), service_hash(&b));
    }

    #[test]
    fn ignored_fields_do_not_change_the_hash_but_others_do() {
        let a = json!({"image": "x"});
        let b = json!({"image": "x", "depends_on": {"db": {}}, "deploy": {"replicas": 3}});
        let c = json!({"image": "y"});
        assert_eq!(service_hash(&a), service_hash(&b));
        assert_ne!(service_hash(&a), service_hash(&c));
    }
}

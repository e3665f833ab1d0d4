//! Authentication against a real registry protected by htpasswd (basic auth): anonymous
//! access is refused, wrong credentials are refused and not stored, right ones are stored in
//! docker's config format and then used by pull and push; logout forgets them.

mod registry_harness;

use engine::reference::Reference;
use engine::registry::{self, Credentials, DockerConfig, NoProgress, RegistryError};
use engine::store::Store;
use registry_harness::{image, options, Registry};
use std::sync::Arc;

fn creds(user: &str, pass: &str) -> Credentials {
    Credentials {
        username: user.into(),
        password: pass.into(),
    }
}

#[test]
fn htpasswd_registry_with_good_and_bad_credentials() {
    let reg = Registry::start_with_auth("tester", "correct horse");
    let work = tempfile::tempdir().unwrap();
    let opts = options(work.path());
    let store = Store::open(&work.path().join("root")).unwrap();
    let img = image::build("auth", 1, 2, 4096, "linux/amd64");
    let name = format!("{}/private/app:1", reg.addr);
    let reference = Reference::parse(&name).unwrap();
    image::put_in_store(&store, &img, &name);

    // No credentials: push is refused with a 401 that says how to fix it.
    let err = registry::push(&store, &reference, &opts, Arc::new(NoProgress)).unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("401") && msg.contains("tug login"), "{msg}");
    let fresh = Store::open(&work.path().join("anonymous")).unwrap();
    let err = registry::pull(&fresh, &reference, None, &opts, Arc::new(NoProgress)).unwrap_err();
    assert!(err.to_string().contains("no credentials for"), "{err}");

    // Wrong password: login fails and writes nothing.
    let err = registry::login(&reg.addr, &creds("tester", "wrong"), &opts).unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err:?}");
    assert!(
        err.to_string().contains("incorrect username or password"),
        "{err}"
    );
    assert!(!opts.docker_config.exists());

    // Right password: stored as docker does (base64 user:password under auths).
    let path = registry::login(&reg.addr, &creds("tester", "correct horse"), &opts).unwrap();
    assert_eq!(path, opts.docker_config);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        doc["auths"][reg.addr.as_str()]["auth"],
        "dGVzdGVyOmNvcnJlY3QgaG9yc2U="
    );

    // Now push and pull work with the stored credentials.
    registry::push(&store, &reference, &opts, Arc::new(NoProgress)).unwrap();
    let fresh = Store::open(&work.path().join("root2")).unwrap();
    let out = registry::pull(&fresh, &reference, None, &opts, Arc::new(NoProgress)).unwrap();
    assert_eq!(out.image_id, img.config.desc.digest);

    // Stale credentials in the file are refused before any transfer starts.
    let mut cfg = DockerConfig::load(&opts.docker_config).unwrap();
    cfg.set(&reg.addr, &creds("tester", "old password"));
    cfg.save().unwrap();
    let other = Store::open(&work.path().join("root3")).unwrap();
    let err = registry::pull(&other, &reference, None, &opts, Arc::new(NoProgress)).unwrap_err();
    assert!(
        err.to_string().contains("incorrect username or password"),
        "{err}"
    );
    assert!(other.images().unwrap().is_empty());

    // Logout forgets them; a second logout has nothing to remove.
    assert!(registry::logout(&reg.addr, &opts).unwrap());
    assert!(!registry::logout(&reg.addr, &opts).unwrap());
    assert_eq!(
        DockerConfig::load(&opts.docker_config)
            .unwrap()
            .get(&reg.addr)
            .unwrap(),
        None
    );
}

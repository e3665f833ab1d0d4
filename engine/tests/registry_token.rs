//! The bearer-token flow (docker's token authentication): the registry's 401 challenge names
//! a realm, tug trades the stored credentials for a token there with the right service and
//! scope, and fetches a new token when the registry rejects an expired one. Debian's
//! docker-registry has no token server of its own, so a small fake plays both roles.

mod registry_harness;

use engine::reference::Reference;
use engine::registry::{self, Credentials, DockerConfig, NoProgress, RegistryError};
use engine::store::Store;
use registry_harness::fake::{content_type, FakeRegistry, FakeRequest, Reply};
use registry_harness::{image, options};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// `alice:wonderland` in base64.
const GOOD_BASIC: &str = "Basic YWxpY2U6d29uZGVybGFuZA==";

/// A fake registry with a token server at `/token` that issues `tok-1`, `tok-2`, … to
/// alice, and accepts only the second and later tokens (the first "expires" at once).
fn token_registry(img: &image::TestImage) -> (FakeRegistry, Arc<AtomicUsize>) {
    let issued = Arc::new(AtomicUsize::new(0));
    let addr: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let (issued2, addr2, img) = (issued.clone(), addr.clone(), img.clone());
    let fake = FakeRegistry::start(move |req: &FakeRequest| {
        let unauthorized = || {
            let realm = format!("http://{}/token", addr2.get().map_or("", |s| s.as_str()));
            Reply::Full(
                401,
                vec![(
                    "WWW-Authenticate".into(),
                    format!(r#"Bearer realm="{realm}",service="fake-registry""#),
                )],
                br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#
                    .to_vec(),
            )
        };
        if req.path() == "/token" {
            if req.header("authorization") != Some(GOOD_BASIC) {
                return Reply::Full(401, vec![], b"bad credentials".to_vec());
            }
            let n = issued2.fetch_add(1, Ordering::SeqCst) + 1;
            let body = format!(r#"{{"token":"tok-{n}","expires_in":300}}"#);
            return Reply::Full(200, content_type("application/json"), body.into_bytes());
        }
        let auth = req.header("authorization").unwrap_or("");
        let valid = auth.starts_with("Bearer tok-") && auth != "Bearer tok-1";
        if !valid {
            return unauthorized();
        }
        let path = req.path();
        if path == "/v2/" {
            return Reply::Full(200, vec![], b"{}".to_vec());
        }
        if path.starts_with("/v2/tok/app/manifests/") {
            return Reply::Full(
                200,
                content_type(&img.manifest.desc.media_type),
                img.manifest.bytes.clone(),
            );
        }
        for b in img.layers.iter().chain([&img.config]) {
            if path == format!("/v2/tok/app/blobs/{}", b.desc.digest) {
                return Reply::Full(
                    200,
                    content_type("application/octet-stream"),
                    b.bytes.clone(),
                );
            }
        }
        Reply::Full(404, vec![], Vec::new())
    });
    let _ = addr.set(fake.addr.clone());
    (fake, issued)
}

#[test]
fn bearer_tokens_are_fetched_with_credentials_scope_and_refreshed() {
    let img = image::build("token", 2, 1, 8192, "linux/amd64");
    let (fake, issued) = token_registry(&img);
    let work = tempfile::tempdir().unwrap();
    let opts = options(work.path());
    let mut cfg = DockerConfig::load(&opts.docker_config).unwrap();
    cfg.set(
        &fake.addr,
        &Credentials {
            username: "alice".into(),
            password: "wonderland".into(),
        },
    );
    cfg.save().unwrap();

    let store = Store::open(&work.path().join("root")).unwrap();
    let reference = Reference::parse(&format!("{}/tok/app:1", fake.addr)).unwrap();
    let out = registry::pull(&store, &reference, None, &opts, Arc::new(NoProgress)).unwrap();
    assert_eq!(out.image_id, img.config.desc.digest);

    // One token at connect, one more after the registry refused the first.
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    let token_reqs: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/token")
        .collect();
    assert_eq!(token_reqs.len(), 2);
    for r in &token_reqs {
        assert!(r.target.contains("service=fake-registry"), "{}", r.target);
        assert!(
            r.target.contains("scope=repository%3Atok%2Fapp%3Apull"),
            "{}",
            r.target
        );
        assert!(r.target.contains("account=alice"), "{}", r.target);
    }
    let manifest_gets = fake
        .requests()
        .iter()
        .filter(|r| r.path().contains("/manifests/"))
        .count();
    assert_eq!(
        manifest_gets, 2,
        "refused with tok-1, then served with tok-2"
    );
}

#[test]
fn token_server_refusals_are_unauthorized_errors() {
    let img = image::build("token-bad", 1, 1, 1024, "linux/amd64");
    let (fake, issued) = token_registry(&img);
    let work = tempfile::tempdir().unwrap();
    let opts = options(work.path());

    let err = registry::login(
        &fake.addr,
        &Credentials {
            username: "alice".into(),
            password: "guess".into(),
        },
        &opts,
    )
    .unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err:?}");
    assert!(
        err.to_string().contains("incorrect username or password"),
        "{err}"
    );
    assert!(
        !opts.docker_config.exists(),
        "nothing stored after a failed login"
    );

    let store = Store::open(&work.path().join("root")).unwrap();
    let reference = Reference::parse(&format!("{}/tok/app:1", fake.addr)).unwrap();
    let err = registry::pull(&store, &reference, None, &opts, Arc::new(NoProgress)).unwrap_err();
    assert!(
        err.to_string().contains("refused anonymous access"),
        "{err}"
    );
    assert_eq!(issued.load(Ordering::SeqCst), 0);

    registry::login(
        &fake.addr,
        &Credentials {
            username: "alice".into(),
            password: "wonderland".into(),
        },
        &opts,
    )
    .unwrap();
    assert!(DockerConfig::load(&opts.docker_config)
        .unwrap()
        .get(&fake.addr)
        .unwrap()
        .is_some());
}

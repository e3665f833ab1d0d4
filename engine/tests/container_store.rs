//! The container store on real files: names, lookup, filters, atomic state updates,
//! removal, and concurrent creates racing for one name.

use std::collections::BTreeMap;
use std::sync::Arc;

use engine::container::{ContainerConfig, ContainerError, ContainerStore, Filters, Status};

fn store() -> (tempfile::TempDir, ContainerStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = ContainerStore::open(dir.path()).unwrap();
    (dir, store)
}

fn named(name: &str, labels: &[(&str, &str)]) -> ContainerConfig {
    ContainerConfig {
        name: name.into(),
        image_ref: "busybox".into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..Default::default()
    }
}

#[test]
fn create_writes_config_and_state_files() {
    let (root, store) = store();
    let c = store.create(named("/web", &[])).unwrap();
    assert_eq!(c.config.name, "web");
    assert_eq!(c.config.id.len(), 64);
    assert_eq!(c.dir, root.path().join("containers").join(&c.config.id));
    assert!(c.dir.join("config.json").is_file());
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c.dir.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["status"], "created");
    assert!(c.config.created.is_some());
    assert_eq!(store.load(&c.config.id).unwrap(), c);
}

#[test]
fn a_taken_name_gives_dockers_conflict_message() {
    let (_root, store) = store();
    let first = store.create(named("db", &[])).unwrap();
    let err = store.create(named("db", &[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Conflict. The container name \"/db\" is already in use by container \"{}\". \
             You have to remove (or rename) that container to be able to reuse that name.",
            first.config.id
        )
    );
    assert!(matches!(
        store.create(named("-bad", &[])),
        Err(ContainerError::InvalidName(_))
    ));
}

#[test]
fn unnamed_containers_get_distinct_random_names() {
    let (_root, store) = store();
    let a = store.create(named("", &[])).unwrap();
    let b = store.create(named("", &[])).unwrap();
    assert!(a.config.name.contains('_'), "{}", a.config.name);
    assert_ne!(a.config.name, b.config.name);
}

#[test]
fn lookup_by_id_name_and_unique_prefix() {
    let (_root, store) = store();
    let a = store
        .create(ContainerConfig {
            id: format!("aa{}", "1".repeat(62)),
            ..named("one", &[])
        })
        .unwrap();
    store
        .create(ContainerConfig {
            id: format!("ab{}", "2".repeat(62)),
            ..named("two", &[])
        })
        .unwrap();
    assert_eq!(store.lookup(&a.config.id).unwrap().config.name, "one");
    assert_eq!(store.lookup("one").unwrap().config.id, a.config.id);
    assert_eq!(store.lookup("/one").unwrap().config.id, a.config.id);
    assert_eq!(store.lookup("aa1").unwrap().config.id, a.config.id);
    assert_eq!(
        store.lookup("a").unwrap_err().to_string(),
        "multiple IDs found with provided prefix: a"
    );
    assert_eq!(
        store.lookup("zz").unwrap_err().to_string(),
        "No such container: zz"
    );
    assert!(matches!(store.lookup(""), Err(ContainerError::NotFound(_))));
}

#[test]
fn list_filters_by_compose_project_label() {
    let (_root, store) = store();
    let key = "com.docker.compose.project";
    store.create(named("x-web-1", &[(key, "x")])).unwrap();
    store.create(named("x-db-1", &[(key, "x")])).unwrap();
    store.create(named("y-web-1", &[(key, "y")])).unwrap();
    let only_x = store
        .list(&Filters::parse(&["label=com.docker.compose.project=x"]).unwrap())
        .unwrap();
    let mut names: Vec<_> = only_x.iter().map(|c| c.config.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["x-db-1", "x-web-1"]);
    assert_eq!(store.list(&Filters::default()).unwrap().len(), 3);
}

#[test]
fn state_updates_persist_and_running_containers_are_not_removed() {
    let (_root, store) = store();
    let c = store.create(named("app", &[])).unwrap();
    let id = c.config.id.clone();
    store
        .update_state(&id, |s| {
            s.status = Status::Running;
            s.pid = 1234;
        })
        .unwrap();
    let back = store.load(&id).unwrap();
    assert_eq!((back.state.status, back.state.pid), (Status::Running, 1234));
    assert_eq!(
        store.remove(&id).unwrap_err().to_string(),
        "cannot remove container \"/app\": container is running: \
         stop the container before removing or force remove"
    );
    store
        .update_state(&id, |s| s.status = Status::Exited)
        .unwrap();
    store.remove(&id).unwrap();
    assert!(!c.dir.exists());
    assert!(matches!(store.load(&id), Err(ContainerError::NotFound(_))));
    // The name is free again.
    store.create(named("app", &[])).unwrap();
}

#[test]
fn concurrent_creates_of_one_name_let_exactly_one_win() {
    let (_root, store) = store();
    let store = Arc::new(store);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || store.create(named("race", &[])).is_ok())
        })
        .collect();
    let wins = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|&ok| ok)
        .count();
    assert_eq!(wins, 1);
    assert_eq!(store.list(&Filters::default()).unwrap().len(), 1);
}

#[test]
fn exit_code_file_round_trips() {
    let (_root, store) = store();
    let c = store.create(named("ec", &[])).unwrap();
    assert_eq!(store.read_exit_code(&c.config.id), None);
    store.write_exit_code(&c.config.id, 42).unwrap();
    assert_eq!(store.read_exit_code(&c.config.id), Some(42));
    let leftovers: Vec<_> = std::fs::read_dir(&c.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_half_created_folder_is_skipped_by_list_and_lookup() {
    let (root, store) = store();
    let done = store.create(named("done", &[])).unwrap();
    let half = root.path().join("containers").join("c".repeat(64));
    std::fs::create_dir(&half).unwrap();
    let listed = store.list(&Filters::default()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].config.id, done.config.id);
    assert!(matches!(
        store.load(&"c".repeat(64)),
        Err(ContainerError::NotFound(_))
    ));
}

#[test]
fn the_log_lives_in_the_container_folder_under_dockers_name() {
    let (_root, store) = store();
    let c = store.create(named("logged", &[])).unwrap();
    assert_eq!(
        c.log_path(),
        c.dir.join(format!("{}-json.log", c.config.id))
    );
}

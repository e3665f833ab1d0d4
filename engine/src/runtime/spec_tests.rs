//! Unit tests of `spec::build_spec`: docker's defaults, no root needed.

use super::defaults::{MASKED_PATHS, READONLY_PATHS};
use super::rlimit::HostLimits;
use super::spec::*;
use oci_spec::runtime::{Capability, LinuxNamespaceType, PosixRlimitType, Spec};
use std::path::Path;

struct Host;
impl HostLimits for Host {
    fn hard_limit(&self, _: PosixRlimitType) -> Option<u64> {
        Some(4096)
    }
}

fn rootfs() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("etc")).unwrap();
    std::fs::write(
        d.path().join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("etc/group"),
        "root:x:0:\napp:x:1000:\naudio:x:29:app\n",
    )
    .unwrap();
    d
}

fn base() -> ContainerSpec {
    ContainerSpec {
        args: vec!["sh".into()],
        hostname: "web".into(),
        ..Default::default()
    }
}

fn build(cs: &ContainerSpec, root: &Path) -> Spec {
    build_spec(cs, root, &Host).unwrap()
}

fn caps_of(spec: &Spec) -> oci_spec::runtime::Capabilities {
    let p = spec.process().as_ref().unwrap();
    p.capabilities()
        .as_ref()
        .unwrap()
        .effective()
        .clone()
        .unwrap()
}

#[test]
fn default_caps_match_docker_capeff() {
    let d = rootfs();
    let spec = build(&base(), d.path());
    assert_eq!(capability_mask(&caps_of(&spec)), 0xa80425fb);
    let lc = spec
        .process()
        .as_ref()
        .unwrap()
        .capabilities()
        .clone()
        .unwrap();
    assert_eq!(lc.bounding(), lc.effective());
    assert_eq!(lc.ambient(), &None);
}

#[test]
fn cap_add_and_drop_follow_docker() {
    let d = rootfs();
    let mut cs = base();
    cs.cap_add = vec!["net_admin".into()];
    cs.cap_drop = vec!["CAP_CHOWN".into()];
    let caps = caps_of(&build(&cs, d.path()));
    assert!(caps.contains(&Capability::NetAdmin));
    assert!(!caps.contains(&Capability::Chown));
    cs.cap_drop = vec!["ALL".into()];
    let caps = caps_of(&build(&cs, d.path()));
    assert_eq!(
        caps.into_iter().collect::<Vec<_>>(),
        vec![Capability::NetAdmin]
    );
    cs.cap_add = vec!["NOPE".into()];
    assert!(matches!(
        build_spec(&cs, d.path(), &Host),
        Err(SpecError::UnknownCapability(_))
    ));
}

#[test]
fn masked_readonly_paths_mounts_and_namespaces() {
    let d = rootfs();
    let spec = build(&base(), d.path());
    let linux = spec.linux().as_ref().unwrap();
    assert_eq!(linux.masked_paths().clone().unwrap(), MASKED_PATHS.to_vec());
    assert_eq!(
        linux.readonly_paths().clone().unwrap(),
        READONLY_PATHS.to_vec()
    );
    assert_eq!(linux.devices().as_ref().unwrap().len(), 6);
    let ns: Vec<_> = linux
        .namespaces()
        .as_ref()
        .unwrap()
        .iter()
        .map(|n| n.typ())
        .collect();
    for t in [
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Network,
        LinuxNamespaceType::Cgroup,
    ] {
        assert!(ns.contains(&t), "{t:?}");
    }
    let mounts = spec.mounts().as_ref().unwrap();
    let shm = mounts
        .iter()
        .find(|m| m.destination() == Path::new("/dev/shm"))
        .unwrap();
    assert!(shm
        .options()
        .as_ref()
        .unwrap()
        .contains(&"size=67108864".to_string()));
    let sys = mounts
        .iter()
        .find(|m| m.destination() == Path::new("/sys"))
        .unwrap();
    assert!(sys.options().as_ref().unwrap().contains(&"ro".to_string()));
    assert_eq!(spec.hostname().as_deref(), Some("web"));
}

#[test]
fn privileged_has_all_caps_and_no_masks() {
    let d = rootfs();
    let mut cs = base();
    cs.privileged = true;
    cs.shm_size = Some(1 << 20);
    let spec = build(&cs, d.path());
    assert!(caps_of(&spec).contains(&Capability::SysAdmin));
    let linux = spec.linux().as_ref().unwrap();
    assert!(linux.masked_paths().as_ref().unwrap().is_empty());
    assert!(linux.readonly_paths().as_ref().unwrap().is_empty());
    let shm = spec
        .mounts()
        .as_ref()
        .unwrap()
        .iter()
        .find(|m| m.destination() == Path::new("/dev/shm"))
        .cloned()
        .unwrap();
    assert!(shm
        .options()
        .as_ref()
        .unwrap()
        .contains(&"size=1048576".to_string()));
}

#[test]
fn env_gets_default_path_hostname_and_home() {
    let d = rootfs();
    let mut cs = base();
    cs.env = vec!["A=1".into()];
    let spec = build(&cs, d.path());
    let env = spec.process().as_ref().unwrap().env().clone().unwrap();
    assert_eq!(
        env,
        vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            "HOSTNAME=web".into(),
            "A=1".into(),
            "HOME=/root".into()
        ]
    );
    cs.env = vec!["PATH=/x".into(), "HOME=/h".into()];
    let env = build(&cs, d.path())
        .process()
        .as_ref()
        .unwrap()
        .env()
        .clone()
        .unwrap();
    assert_eq!(
        env,
        vec![
            "HOSTNAME=web".to_string(),
            "PATH=/x".into(),
            "HOME=/h".into()
        ]
    );
}

#[test]
fn user_and_groups_come_from_the_rootfs() {
    let d = rootfs();
    let mut cs = base();
    cs.user = Some("app".into());
    let spec = build(&cs, d.path());
    let u = spec.process().as_ref().unwrap().user().clone();
    assert_eq!((u.uid(), u.gid()), (1000, 1000));
    assert_eq!(u.additional_gids().clone().unwrap(), vec![29]);
    cs.user = Some("ghost".into());
    assert!(matches!(
        build_spec(&cs, d.path(), &Host),
        Err(SpecError::User { .. })
    ));
    let empty = tempfile::tempdir().unwrap();
    cs.user = Some("123:45".into());
    let u = build(&cs, empty.path())
        .process()
        .as_ref()
        .unwrap()
        .user()
        .clone();
    assert_eq!((u.uid(), u.gid()), (123, 45));
}

#[test]
fn rlimits_are_clamped_and_flags_carried() {
    let d = rootfs();
    let mut cs = base();
    cs.ulimits = vec![Ulimit {
        name: "nofile".into(),
        soft: 100_000,
        hard: 100_000,
    }];
    cs.no_new_privileges = true;
    cs.read_only = true;
    cs.cwd = Some("/tmp".into());
    let spec = build(&cs, d.path());
    let p = spec.process().as_ref().unwrap();
    let r = p.rlimits().clone().unwrap()[0];
    assert_eq!(
        (r.typ(), r.soft(), r.hard()),
        (PosixRlimitType::RlimitNofile, 4096, 4096)
    );
    assert_eq!(p.no_new_privileges(), Some(true));
    assert_eq!(p.cwd(), Path::new("/tmp"));
    assert_eq!(spec.root().as_ref().unwrap().readonly(), Some(true));
    cs.ulimits = vec![Ulimit {
        name: "bogus".into(),
        soft: 1,
        hard: 1,
    }];
    assert!(matches!(
        build_spec(&cs, d.path(), &Host),
        Err(SpecError::UnknownRlimit(_))
    ));
    cs.args.clear();
    assert!(matches!(
        build_spec(&cs, d.path(), &Host),
        Err(SpecError::NoCommand)
    ));
}

#[test]
fn init_adds_the_init_annotation_only_when_asked() {
    let d = rootfs();
    let annotation = |cs: &ContainerSpec| {
        build(cs, d.path())
            .annotations()
            .as_ref()
            .and_then(|a| a.get(INIT_ANNOTATION).cloned())
    };
    assert_eq!(annotation(&base()), None);
    let cs = ContainerSpec {
        init: true,
        ..base()
    };
    assert_eq!(annotation(&cs).as_deref(), Some("1"));
}

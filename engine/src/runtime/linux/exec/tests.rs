use super::child::join_all;
use super::*;
use crate::runtime::linux::{EXIT_CANNOT_EXEC, EXIT_NOT_FOUND};
use nix::errno::Errno;
use nix::sched::CloneFlags;
use std::os::fd::{AsFd, BorrowedFd};

#[derive(Default)]
struct FakeNs {
    joined: Vec<CloneFlags>,
    fail_on: Option<CloneFlags>,
}

impl NsJoin for FakeNs {
    fn join(&mut self, _fd: BorrowedFd<'_>, kind: CloneFlags) -> nix::Result<()> {
        if self.fail_on == Some(kind) {
            return Err(Errno::EPERM);
        }
        self.joined.push(kind);
        Ok(())
    }
}

fn files(fd: BorrowedFd<'_>) -> Vec<(&'static str, CloneFlags, BorrowedFd<'_>)> {
    JOIN_ORDER.iter().map(|(n, k)| (*n, *k, fd)).collect()
}

#[test]
fn namespaces_are_joined_in_order_with_mount_last() {
    let (r, _w) = nix::unistd::pipe().expect("pipe");
    let mut ns = FakeNs::default();
    assert!(join_all(&mut ns, &files(r.as_fd())).is_ok());
    assert_eq!(ns.joined.len(), 5);
    assert_eq!(ns.joined.last(), Some(&CloneFlags::CLONE_NEWNS));
    assert!(!ns.joined.contains(&CloneFlags::CLONE_NEWPID));
}

#[test]
fn a_failed_join_names_the_namespace_and_stops() {
    let (r, _w) = nix::unistd::pipe().expect("pipe");
    let mut ns = FakeNs {
        fail_on: Some(CloneFlags::CLONE_NEWNET),
        ..Default::default()
    };
    let err = join_all(&mut ns, &files(r.as_fd())).expect_err("fails");
    assert_eq!(err.code, EXIT_RUNTIME);
    assert!(err.message.contains("setns net"), "{}", err.message);
    assert!(!ns.joined.contains(&CloneFlags::CLONE_NEWNS));
}

#[test]
fn home_is_added_only_when_missing() {
    let env = vec!["PATH=/bin".to_string()];
    assert_eq!(
        env_with_home(&env, "/home/app"),
        vec!["PATH=/bin", "HOME=/home/app"]
    );
    let env = vec!["HOME=/x".to_string()];
    assert_eq!(env_with_home(&env, "/home/app"), vec!["HOME=/x"]);
}

#[test]
fn reports_and_exec_errors_map_to_docker_codes() {
    assert_eq!(parse_report("127\nnot found"), (127, "not found".into()));
    assert_eq!(parse_report("garbage"), (EXIT_RUNTIME, "garbage".into()));
    assert_eq!(exec_failure_code(Errno::ENOENT), EXIT_NOT_FOUND);
    assert_eq!(exec_failure_code(Errno::EACCES), EXIT_CANNOT_EXEC);
    let e = ExecError::Exec {
        code: 126,
        message: String::new(),
    };
    assert_eq!(e.exit_code(), 126);
    assert_eq!(ExecError::NoCommand.exit_code(), EXIT_RUNTIME);
}

#[test]
fn the_container_spec_supplies_user_caps_and_seccomp() {
    let cs = crate::runtime::ContainerSpec {
        args: vec!["sh".into()],
        env: vec!["A=1".into()],
        cwd: Some("/srv".into()),
        ..Default::default()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = crate::runtime::build_spec(&cs, dir.path(), &crate::runtime::rlimit::ProcessLimits)
        .expect("spec");
    let ex = ExecSpec::for_container(&spec, vec!["id".into()]);
    assert_eq!(ex.cwd, "/srv");
    assert!(ex.env.contains(&"A=1".to_string()));
    assert_eq!(ex.user, "0");
    assert!(ex.seccomp);
    let eff = ex.capabilities.effective().clone().expect("effective set");
    assert!(eff.contains(&oci_spec::runtime::Capability::Chown));
    assert!(!eff.contains(&oci_spec::runtime::Capability::SysAdmin));
    assert!(matches!(
        exec(
            Pid::this(),
            &ExecSpec { args: vec![], ..ex },
            Stdio::default()
        ),
        Err(ExecError::NoCommand) | Err(ExecError::MultiThreaded(_))
    ));
}

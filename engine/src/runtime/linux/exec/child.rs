//! The exec child between fork and execve: joins the container's namespaces, takes its
//! user, pty, capabilities and seccomp filter, and reports any failure as `code\nmessage`.

use super::ExecSpec;
pub use crate::runtime::linux::init::exec_failure_code;
use crate::runtime::linux::init::{
    exec as execute, fail, kernel_caps, reset_signals, rt, InitFailure as Failure,
    EXIT_CANNOT_EXEC, EXIT_RUNTIME,
};
use crate::runtime::linux::pty;
use crate::runtime::user;
use caps::CapSet;
use nix::errno::Errno;
use nix::sched::{setns, CloneFlags};
use nix::sys::stat::Mode;
use oci_spec::runtime::Capabilities;
use std::convert::Infallible;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// The namespaces the child joins, in order: mount last, because after it the host's
/// /proc paths are no longer reachable. The pid namespace is entered by the caller.
pub const JOIN_ORDER: [(&str, CloneFlags); 5] = [
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("net", CloneFlags::CLONE_NEWNET),
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
    ("mnt", CloneFlags::CLONE_NEWNS),
];

/// The setns seam, so the joining order and error naming are tested without root.
pub trait NsJoin {
    /// Joins the namespace behind `fd`, of type `kind`.
    fn join(&mut self, fd: BorrowedFd<'_>, kind: CloneFlags) -> nix::Result<()>;
}

pub(super) struct RealNs;

impl NsJoin for RealNs {
    fn join(&mut self, fd: BorrowedFd<'_>, kind: CloneFlags) -> nix::Result<()> {
        setns(fd, kind)
    }
}

/// Joins `files` in their order, naming the namespace that failed.
pub(super) fn join_all(
    ns: &mut dyn NsJoin,
    files: &[(&'static str, CloneFlags, BorrowedFd<'_>)],
) -> Result<(), Failure> {
    for (name, kind, fd) in files {
        ns.join(*fd, *kind)
            .map_err(|e| fail(EXIT_RUNTIME, format!("setns {name}: {e}")))?;
    }
    Ok(())
}

/// `env` plus `HOME=home` unless it sets HOME already.
pub fn env_with_home(env: &[String], home: &str) -> Vec<String> {
    let mut out = env.to_vec();
    if !env.iter().any(|e| e.split('=').next() == Some("HOME")) {
        out.push(format!("HOME={home}"));
    }
    out
}

/// The child's ends of the caller's pipes and socket.
pub(super) struct ChildEnds<'a> {
    pub sync: BorrowedFd<'a>,
    pub sock: Option<BorrowedFd<'a>>,
    pub stdio: [Option<RawFd>; 3],
}

pub(super) fn run(
    spec: &ExecSpec,
    ns: &[(&'static str, CloneFlags, BorrowedFd<'_>)],
    ends: ChildEnds<'_>,
    err: &OwnedFd,
) -> ! {
    let failure = match child_setup(spec, ns, ends) {
        Ok(never) => match never {},
        Err(f) => f,
    };
    if let Ok(fd) = err.try_clone() {
        let _ = write!(
            std::fs::File::from(fd),
            "{}\n{}",
            failure.code,
            failure.message
        );
    }
    // SAFETY: _exit ends the forked child without unwinding into the caller's frames or
    // running its atexit handlers.
    unsafe { nix::libc::_exit(failure.code) }
}

fn dup_onto(fd: RawFd, target: RawFd) -> Result<(), Failure> {
    // SAFETY: dup2 onto 0, 1 or 2 of fds that are open in this process.
    if unsafe { nix::libc::dup2(fd, target) } < 0 {
        return Err(fail(
            EXIT_RUNTIME,
            format!("dup2 onto {target}: {}", Errno::last()),
        ));
    }
    Ok(())
}

fn child_setup(
    spec: &ExecSpec,
    ns: &[(&'static str, CloneFlags, BorrowedFd<'_>)],
    ends: ChildEnds<'_>,
) -> Result<Infallible, Failure> {
    let mut go = [0u8; 1];
    if !matches!(nix::unistd::read(ends.sync, &mut go), Ok(1)) {
        return Err(fail(EXIT_RUNTIME, "the caller gave up before the exec"));
    }
    join_all(&mut RealNs, ns)?;
    nix::unistd::chdir("/").map_err(rt("chdir /"))?;
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let who = user::resolve(
        &spec.user,
        &user::parse_passwd(&read("/etc/passwd")),
        &user::parse_group(&read("/etc/group")),
    )
    .map_err(|e| fail(EXIT_CANNOT_EXEC, e.to_string()))?;
    if spec.tty {
        let (master, slave) = pty::open_pair().map_err(rt("pty"))?;
        pty::make_controlling(slave.as_fd()).map_err(rt("pty"))?;
        for target in 0..3 {
            dup_onto(slave.as_raw_fd(), target)?;
        }
        let sock = ends
            .sock
            .ok_or_else(|| fail(EXIT_RUNTIME, "no pty socket"))?;
        pty::send_fd(sock, master.as_fd()).map_err(rt("pty"))?;
    } else {
        for (target, fd) in ends.stdio.iter().enumerate() {
            if let Some(fd) = fd {
                dup_onto(*fd, target as RawFd)?;
            }
        }
    }
    reset_signals()?;
    nix::sys::stat::umask(Mode::from_bits_truncate(0o022));
    confine(spec, &who)?;
    nix::unistd::chdir(spec.cwd.as_str()).map_err(|e| {
        fail(
            EXIT_CANNOT_EXEC,
            format!("chdir to cwd {:?}: {e}", spec.cwd),
        )
    })?;
    execute(&spec.args, &env_with_home(&spec.env, &who.home))
}

/// The init's confinement in the same order: bounding set, seccomp (while CAP_SYS_ADMIN is
/// still held), user and groups, the other capability sets, no_new_privs.
fn confine(spec: &ExecSpec, who: &user::ExecUser) -> Result<(), Failure> {
    use nix::unistd::{setgroups, setresgid, setresuid, Gid, Uid};
    let lc = &spec.capabilities;
    let held = caps::read(None, CapSet::Permitted).map_err(rt("read permitted capabilities"))?;
    let bounding = kernel_caps(lc.bounding().as_ref(), &held);
    for c in caps::all().difference(&bounding) {
        if caps::has_cap(None, CapSet::Bounding, *c).unwrap_or(false) {
            caps::drop(None, CapSet::Bounding, *c)
                .map_err(rt(&format!("drop {c} from bounding set")))?;
        }
    }
    if spec.seccomp {
        crate::runtime::linux::seccomp::apply(
            lc.bounding().as_ref().unwrap_or(&Capabilities::new()),
        )
        .map_err(rt("seccomp"))?;
    }
    nix::sys::prctl::set_keepcaps(true).map_err(rt("prctl(PR_SET_KEEPCAPS)"))?;
    let gids: Vec<Gid> = who.groups.iter().map(|g| Gid::from_raw(*g)).collect();
    setgroups(&gids).map_err(rt("setgroups"))?;
    let gid = Gid::from_raw(who.gid);
    setresgid(gid, gid, gid).map_err(rt("setgid"))?;
    let uid = Uid::from_raw(who.uid);
    setresuid(uid, uid, uid).map_err(rt("setuid"))?;
    for (set, caps) in [
        (CapSet::Effective, lc.effective()),
        (CapSet::Permitted, lc.permitted()),
        (CapSet::Inheritable, lc.inheritable()),
    ] {
        caps::set(None, set, &kernel_caps(caps.as_ref(), &held)).map_err(rt("capset"))?;
    }
    caps::clear(None, CapSet::Ambient).map_err(rt("clear ambient capabilities"))?;
    for c in kernel_caps(lc.ambient().as_ref(), &held) {
        caps::raise(None, CapSet::Ambient, c).map_err(rt("raise ambient capability"))?;
    }
    if spec.no_new_privileges {
        nix::sys::prctl::set_no_new_privs().map_err(rt("prctl(PR_SET_NO_NEW_PRIVS)"))?;
    }
    Ok(())
}

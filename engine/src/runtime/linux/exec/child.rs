//! The exec child between fork and execve: joins the container's namespaces, takes its
//! user, pty, capabilities and seccomp filter, and reports any failure as `code\nmessage`.

use super::ExecSpec;
use crate::runtime::linux::init::{find_command, EXIT_CANNOT_EXEC, EXIT_NOT_FOUND, EXIT_RUNTIME};
use crate::runtime::linux::pty;
use crate::runtime::spec::to_kernel_capability;
use crate::runtime::user;
use caps::{CapSet, CapsHashSet};
use nix::errno::Errno;
use nix::sched::{setns, CloneFlags};
use nix::sys::signal::Signal;
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

/// A failure before execve, carried to the caller.
pub(super) struct Failure {
    pub code: i32,
    pub message: String,
}

fn fail(code: i32, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: message.into(),
    }
}

fn rt<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> Failure + '_ {
    move |e| fail(EXIT_RUNTIME, format!("{what}: {e}"))
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

/// Default dispositions for the standard signals (ignored ones survive execve, and Rust
/// ignores SIGPIPE) and an empty mask.
fn reset_signals() -> Result<(), Failure> {
    use nix::sys::signal::{
        sigaction, sigprocmask, SaFlags, SigAction, SigHandler, SigSet, SigmaskHow,
    };
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    for sig in Signal::iterator().filter(|s| !matches!(s, Signal::SIGKILL | Signal::SIGSTOP)) {
        // SAFETY: SIG_DFL runs no code in this process.
        unsafe { sigaction(sig, &default) }.map_err(rt("sigaction"))?;
    }
    sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None).map_err(rt("sigprocmask"))
}

/// The kernel capabilities of `set` this process holds (one it lacks cannot be granted).
fn kernel_caps(set: Option<&Capabilities>, held: &CapsHashSet) -> CapsHashSet {
    set.map(|s| {
        s.iter()
            .filter_map(to_kernel_capability)
            .filter(|c| held.contains(c))
            .collect()
    })
    .unwrap_or_default()
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

fn cstring(s: &str) -> Result<std::ffi::CString, Failure> {
    std::ffi::CString::new(s).map_err(|_| fail(EXIT_RUNTIME, format!("{s:?} contains a NUL byte")))
}

/// Docker's code for a failed execve: 127 when the file is missing, 126 otherwise.
pub fn exec_failure_code(e: Errno) -> i32 {
    if e == Errno::ENOENT {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_EXEC
    }
}

fn execute(args: &[String], env: &[String]) -> Result<Infallible, Failure> {
    let cmd = &args[0];
    let is_file = |p: &std::path::Path| p.metadata().map(|m| m.is_file()).unwrap_or(false);
    let path = find_command(cmd, env, &is_file).ok_or_else(|| {
        fail(
            EXIT_NOT_FOUND,
            format!("exec: {cmd:?}: executable file not found in $PATH"),
        )
    })?;
    let c_path = cstring(&path.to_string_lossy())?;
    let c_args = args
        .iter()
        .map(|a| cstring(a))
        .collect::<Result<Vec<_>, _>>()?;
    let c_env = env
        .iter()
        .map(|e| cstring(e))
        .collect::<Result<Vec<_>, _>>()?;
    close_fds_on_exec();
    let e = match nix::unistd::execve(&c_path, &c_args, &c_env) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    Err(fail(
        exec_failure_code(e),
        format!("exec {}: {e}", path.display()),
    ))
}

/// Marks every fd above 2 close-on-exec so nothing of the caller leaks into the container.
fn close_fds_on_exec() {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let fds: Vec<RawFd> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2)
        .collect();
    for fd in fds {
        // SAFETY: F_SETFD only sets a flag; a stale number just fails with EBADF.
        unsafe { nix::libc::fcntl(fd, nix::libc::F_SETFD, nix::libc::FD_CLOEXEC) };
    }
}

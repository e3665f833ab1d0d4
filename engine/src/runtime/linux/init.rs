//! The container's init between clone and execve: it runs in the child, in the new
//! namespaces, and reports any failure on the error pipe as `code\nmessage` before exiting
//! with that code (126/127 like docker for exec failures, 125 for everything else).

use super::rootfs;
use super::sys::RealSys;
use crate::runtime::defaults::DEFAULT_PATH;
use crate::runtime::rlimit::to_resource;
use crate::runtime::spec::{to_kernel_capability, INIT_ANNOTATION, SECCOMP_ANNOTATION};
use caps::{CapSet, CapsHashSet};
use nix::errno::Errno;
use nix::sys::resource::setrlimit;
use nix::unistd::{
    access, chdir, execve, setgroups, sethostname, setresgid, setresuid, AccessFlags, Gid, Uid,
};
use oci_spec::runtime::{Capabilities, Spec};
use std::convert::Infallible;
use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

/// Exit code of a failed runtime step (docker's "error in the runtime").
pub const EXIT_RUNTIME: i32 = 125;
/// Exit code when the command exists but cannot be run.
pub const EXIT_CANNOT_EXEC: i32 = 126;
/// Exit code when the command is not found.
pub const EXIT_NOT_FOUND: i32 = 127;

/// A failure before execve, carried to the parent.
pub(super) struct InitFailure {
    pub code: i32,
    pub message: String,
}

pub(super) fn fail(code: i32, message: impl Into<String>) -> InitFailure {
    InitFailure {
        code,
        message: message.into(),
    }
}

pub(super) fn rt<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> InitFailure + '_ {
    move |e| fail(EXIT_RUNTIME, format!("{what}: {e}"))
}

/// The child's entry point: never returns.
pub(super) fn run(spec: &Spec, stdio: [Option<RawFd>; 3], err_pipe: &OwnedFd) -> ! {
    let failure = match setup_and_exec(spec, stdio, err_pipe.as_raw_fd()) {
        Ok(never) => match never {},
        Err(f) => f,
    };
    let mut pipe = std::fs::File::from(match err_pipe.try_clone() {
        Ok(fd) => fd,
        // SAFETY: _exit ends this forked child without running the parent's atexit handlers.
        Err(_) => unsafe { nix::libc::_exit(failure.code) },
    });
    let _ = write!(pipe, "{}\n{}", failure.code, failure.message);
    // SAFETY: as above; the child must not unwind into the parent's copied stack frames.
    unsafe { nix::libc::_exit(failure.code) }
}

/// The kernel capabilities of `set` that this process holds: a capability the runtime does
/// not have cannot be granted (e.g. `--privileged` under a restricted parent), as in runc.
pub(super) fn kernel_caps(set: Option<&Capabilities>, held: &CapsHashSet) -> CapsHashSet {
    set.map(|s| {
        s.iter()
            .filter_map(to_kernel_capability)
            .filter(|c| held.contains(c))
            .collect()
    })
    .unwrap_or_default()
}

fn setup_and_exec(
    spec: &Spec,
    stdio: [Option<RawFd>; 3],
    err_pipe: RawFd,
) -> Result<Infallible, InitFailure> {
    for (target, fd) in stdio.iter().enumerate() {
        if let Some(fd) = fd {
            // SAFETY: dup2 on fds the parent handed over; target is 0, 1 or 2.
            if unsafe { nix::libc::dup2(*fd, target as RawFd) } < 0 {
                return Err(fail(
                    EXIT_RUNTIME,
                    format!("dup2 stdio {target}: {}", Errno::last()),
                ));
            }
        }
    }
    reset_signals()?;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    let mut sys = RealSys;
    rootfs::prepare(spec, &mut sys).map_err(rt("rootfs"))?;
    if let Some(p) = spec.process() {
        // Docker creates a missing working directory (as root) before starting; a failure
        // here surfaces as the chdir error below.
        let _ = std::fs::create_dir_all(p.cwd());
    }
    rootfs::finish(spec, &mut sys).map_err(rt("rootfs"))?;
    if let Some(h) = spec.hostname() {
        sethostname(h).map_err(rt("sethostname"))?;
    }
    let process = spec
        .process()
        .as_ref()
        .ok_or_else(|| fail(EXIT_RUNTIME, "spec has no process"))?;
    for r in process.rlimits().as_deref().unwrap_or(&[]) {
        setrlimit(to_resource(r.typ()), r.soft(), r.hard())
            .map_err(rt(&format!("setrlimit {:?}", r.typ())))?;
    }
    let lc = process.capabilities().clone().unwrap_or_default();
    let held = caps::read(None, CapSet::Permitted).map_err(rt("read permitted capabilities"))?;
    let bounding = kernel_caps(lc.bounding().as_ref(), &held);
    for c in caps::all().difference(&bounding) {
        // Capabilities newer than the running kernel are not in its bounding set.
        if caps::has_cap(None, CapSet::Bounding, *c).unwrap_or(false) {
            caps::drop(None, CapSet::Bounding, *c)
                .map_err(rt(&format!("drop {c} from bounding set")))?;
        }
    }
    let annotations = spec.annotations().as_ref();
    let seccomp = annotations.and_then(|a| a.get(SECCOMP_ANNOTATION));
    if seccomp.map(String::as_str) == Some("default") {
        // Installed while CAP_SYS_ADMIN is still held; nothing below is denied by it.
        super::seccomp::apply(lc.bounding().as_ref().unwrap_or(&Capabilities::new()))
            .map_err(rt("seccomp"))?;
    }
    nix::sys::prctl::set_keepcaps(true).map_err(rt("prctl(PR_SET_KEEPCAPS)"))?;
    let user = process.user();
    let gids: Vec<Gid> = user
        .additional_gids()
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|g| Gid::from_raw(*g))
        .collect();
    setgroups(&gids).map_err(rt("setgroups"))?;
    let gid = Gid::from_raw(user.gid());
    setresgid(gid, gid, gid).map_err(rt(&format!("setgid {gid}")))?;
    let uid = Uid::from_raw(user.uid());
    setresuid(uid, uid, uid).map_err(rt(&format!("setuid {uid}")))?;
    caps::set(
        None,
        CapSet::Effective,
        &kernel_caps(lc.effective().as_ref(), &held),
    )
    .map_err(rt("capset effective"))?;
    caps::set(
        None,
        CapSet::Permitted,
        &kernel_caps(lc.permitted().as_ref(), &held),
    )
    .map_err(rt("capset permitted"))?;
    caps::set(
        None,
        CapSet::Inheritable,
        &kernel_caps(lc.inheritable().as_ref(), &held),
    )
    .map_err(rt("capset inheritable"))?;
    caps::clear(None, CapSet::Ambient).map_err(rt("clear ambient capabilities"))?;
    for c in kernel_caps(lc.ambient().as_ref(), &held) {
        caps::raise(None, CapSet::Ambient, c).map_err(rt(&format!("raise ambient {c}")))?;
    }
    if process.no_new_privileges() == Some(true) {
        nix::sys::prctl::set_no_new_privs().map_err(rt("prctl(PR_SET_NO_NEW_PRIVS)"))?;
    }
    let cwd = process.cwd();
    chdir(cwd).map_err(|e| {
        fail(
            EXIT_CANNOT_EXEC,
            format!("chdir to cwd {:?}: {e}", cwd.display()),
        )
    })?;
    let init = annotations.and_then(|a| a.get(INIT_ANNOTATION));
    if init.map(String::as_str) == Some("1") {
        // `--init`: this process stays PID 1; only the forked child goes on to exec.
        super::mini_init::fork_command(err_pipe).map_err(rt("fork the command"))?;
    }
    exec(
        process.args().as_deref().unwrap_or(&[]),
        process.env().as_deref().unwrap_or(&[]),
    )
}

fn cstring(s: &str) -> Result<CString, InitFailure> {
    CString::new(s).map_err(|_| fail(EXIT_RUNTIME, format!("{s:?} contains a NUL byte")))
}

/// Finds `cmd` like execvp does, in the container's PATH (docker's default when unset).
pub(super) fn find_command(
    cmd: &str,
    env: &[String],
    exists: &dyn Fn(&Path) -> bool,
) -> Option<PathBuf> {
    if cmd.contains('/') {
        return Some(PathBuf::from(cmd));
    }
    let path = env
        .iter()
        .rev()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    path.split(':')
        .map(|dir| Path::new(if dir.is_empty() { "." } else { dir }).join(cmd))
        .find(|p| exists(p))
}

/// The kernel's `struct sigaction` (x86_64 and aarch64 share this layout).
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// Gives the container default signal dispositions and an empty signal mask: ignored
/// signals survive execve, Rust programs ignore SIGPIPE, and glibc refuses to reset its
/// internal real-time signals (32, 33), hence the raw rt_sigaction.
pub(super) fn reset_signals() -> Result<(), InitFailure> {
    use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow};
    let default = KernelSigaction {
        handler: nix::libc::SIG_DFL,
        flags: 0,
        restorer: 0,
        mask: 0,
    };
    for sig in 1..=64 {
        if sig == nix::libc::SIGKILL || sig == nix::libc::SIGSTOP {
            continue;
        }
        // SAFETY: rt_sigaction with a valid struct and an 8-byte mask; SIG_DFL runs no code.
        // Errors (none expected) would leave that one signal as it was.
        unsafe {
            nix::libc::syscall(
                nix::libc::SYS_rt_sigaction,
                sig,
                &default as *const KernelSigaction,
                std::ptr::null_mut::<KernelSigaction>(),
                8usize,
            )
        };
    }
    sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None).map_err(rt("sigprocmask"))
}

/// Marks every fd above 2 close-on-exec, so nothing the caller had open (log files, the
/// monitor's sockets) leaks into the container; the error pipe still closes only at exec.
fn close_fds_on_exec() {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let fds: Vec<RawFd> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2)
        .collect();
    for fd in fds {
        // SAFETY: F_SETFD only changes a flag; a stale number (the read_dir's own fd, now
        // closed) just fails with EBADF.
        unsafe { nix::libc::fcntl(fd, nix::libc::F_SETFD, nix::libc::FD_CLOEXEC) };
    }
}

/// Finds the command in PATH and execs it with `env`; on failure, docker's 126/127.
pub(super) fn exec(args: &[String], env: &[String]) -> Result<Infallible, InitFailure> {
    let cmd = args
        .first()
        .ok_or_else(|| fail(EXIT_RUNTIME, "no command"))?;
    let is_file = |p: &Path| p.metadata().map(|m| m.is_file()).unwrap_or(false);
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
    if let Err(e) = access(path.as_path(), AccessFlags::X_OK) {
        return Err(fail(
            exec_failure_code(e),
            format!("exec {}: {e}", path.display()),
        ));
    }
    let e = match execve(&c_path, &c_args, &c_env) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    Err(fail(
        exec_failure_code(e),
        format!("exec {}: {e}", path.display()),
    ))
}

/// Docker's code for a failed execve: 127 when the file is missing, 126 otherwise.
pub fn exec_failure_code(e: Errno) -> i32 {
    if e == Errno::ENOENT {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_EXEC
    }
}

/// The raw number of an optional stdio fd, for the child's dup2 (the parent keeps it open
/// until the child has started).
pub(super) fn raw(fd: &Option<OwnedFd>) -> Option<RawFd> {
    fd.as_ref().map(|f| f.as_raw_fd())
}

//! A default seccomp filter in the spirit of docker's profile, kept correct rather than
//! complete: docker allows a list of syscalls and gates the dangerous ones on capabilities;
//! this one denies (EPERM) those dangerous syscalls unless the container holds the
//! capability docker gates them on, and returns ENOSYS for clone3 so libc falls back to
//! clone, whose namespace flags are then denied without CAP_SYS_ADMIN. A privileged
//! container gets no filter, as with docker.

use oci_spec::runtime::{Capabilities, Capability};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use std::collections::BTreeMap;
use thiserror::Error;

use nix::libc;

/// Why the filter could not be built or installed.
#[derive(Debug, Error)]
pub enum SeccompError {
    /// seccompiler refused the rules or the architecture.
    #[error("building the seccomp filter: {0}")]
    Build(#[from] seccompiler::BackendError),
    /// The kernel refused the filter.
    #[error("installing the seccomp filter: {0}")]
    Install(#[from] seccompiler::Error),
}

/// Syscalls denied unless the container has the capability (None: always denied).
fn gated() -> Vec<(Option<Capability>, Vec<i64>)> {
    use Capability as C;
    let mut v = vec![
        (
            None,
            vec![
                libc::SYS_keyctl,
                libc::SYS_add_key,
                libc::SYS_request_key,
                libc::SYS_userfaultfd,
            ],
        ),
        (
            Some(C::SysAdmin),
            vec![
                libc::SYS_mount,
                libc::SYS_umount2,
                libc::SYS_unshare,
                libc::SYS_setns,
                libc::SYS_pivot_root,
                libc::SYS_swapon,
                libc::SYS_swapoff,
                libc::SYS_quotactl,
                libc::SYS_lookup_dcookie,
                libc::SYS_fsopen,
                libc::SYS_fsconfig,
                libc::SYS_fsmount,
                libc::SYS_fspick,
                libc::SYS_move_mount,
                libc::SYS_open_tree,
                libc::SYS_bpf,
                libc::SYS_perf_event_open,
                libc::SYS_name_to_handle_at,
            ],
        ),
        (
            Some(C::SysBoot),
            vec![
                libc::SYS_reboot,
                libc::SYS_kexec_load,
                libc::SYS_kexec_file_load,
            ],
        ),
        (
            Some(C::SysModule),
            vec![
                libc::SYS_init_module,
                libc::SYS_finit_module,
                libc::SYS_delete_module,
            ],
        ),
        (
            Some(C::SysPtrace),
            vec![
                libc::SYS_ptrace,
                libc::SYS_process_vm_readv,
                libc::SYS_process_vm_writev,
                libc::SYS_kcmp,
            ],
        ),
        (
            Some(C::SysTime),
            vec![
                libc::SYS_settimeofday,
                libc::SYS_clock_settime,
                libc::SYS_clock_adjtime,
            ],
        ),
        (Some(C::SysPacct), vec![libc::SYS_acct]),
        (
            Some(C::SysNice),
            vec![
                libc::SYS_mbind,
                libc::SYS_set_mempolicy,
                libc::SYS_move_pages,
            ],
        ),
        (Some(C::DacReadSearch), vec![libc::SYS_open_by_handle_at]),
    ];
    #[cfg(target_arch = "x86_64")]
    {
        v.push((
            None,
            vec![
                libc::SYS_uselib,
                libc::SYS_ustat,
                libc::SYS_sysfs,
                libc::SYS__sysctl,
            ],
        ));
        v.push((Some(C::SysRawio), vec![libc::SYS_iopl, libc::SYS_ioperm]));
    }
    v
}

/// The syscall numbers denied with EPERM for a container holding `caps`.
pub fn denied_syscalls(caps: &Capabilities) -> Vec<i64> {
    let mut out: Vec<i64> = gated()
        .into_iter()
        .filter(|(cap, _)| cap.is_none_or(|c| !caps.contains(&c)))
        .flat_map(|(_, nrs)| nrs)
        .collect();
    // x86_64 also accepts the x32 ABI's numbers (bit 30 set) for the same syscalls.
    #[cfg(target_arch = "x86_64")]
    {
        let x32: Vec<i64> = out.iter().map(|n| n | 0x4000_0000).collect();
        out.extend(x32);
    }
    out.sort_unstable();
    out.dedup();
    out
}

const NAMESPACE_FLAGS: [libc::c_int; 7] = [
    libc::CLONE_NEWNS,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
    libc::CLONE_NEWCGROUP,
];

fn program(rules: BTreeMap<i64, Vec<SeccompRule>>, errno: i32) -> Result<BpfProgram, SeccompError> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(errno as u32),
        arch,
    )?;
    Ok(filter.try_into()?)
}

/// The BPF programs for a container holding `caps` (one EPERM filter, one ENOSYS filter).
pub fn programs(caps: &Capabilities) -> Result<Vec<BpfProgram>, SeccompError> {
    let mut eperm: BTreeMap<i64, Vec<SeccompRule>> = denied_syscalls(caps)
        .into_iter()
        .map(|nr| (nr, Vec::new()))
        .collect();
    let mut enosys = BTreeMap::new();
    if !caps.contains(&Capability::SysAdmin) {
        let mut clone_rules = Vec::new();
        for flag in NAMESPACE_FLAGS {
            let flag = flag as u64;
            let cond = SeccompCondition::new(
                0,
                SeccompCmpArgLen::Qword,
                SeccompCmpOp::MaskedEq(flag),
                flag,
            )?;
            clone_rules.push(SeccompRule::new(vec![cond])?);
        }
        eperm.insert(libc::SYS_clone, clone_rules);
        enosys.insert(libc::SYS_clone3, Vec::new());
    }
    let mut out = vec![program(eperm, libc::EPERM)?];
    if !enosys.is_empty() {
        out.push(program(enosys, libc::ENOSYS)?);
    }
    Ok(out)
}

/// Installs the filters on the calling thread (needs CAP_SYS_ADMIN or no_new_privs).
pub fn apply(caps: &Capabilities) -> Result<(), SeccompError> {
    for p in programs(caps)? {
        seccompiler::apply_filter(&p)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::defaults::DEFAULT_CAPS;

    #[test]
    fn default_caps_deny_mount_reboot_and_keyctl() {
        let caps: Capabilities = DEFAULT_CAPS.into_iter().collect();
        let denied = denied_syscalls(&caps);
        for nr in [
            libc::SYS_mount,
            libc::SYS_reboot,
            libc::SYS_kexec_load,
            libc::SYS_keyctl,
            libc::SYS_swapon,
        ] {
            assert!(denied.contains(&nr), "{nr} not denied");
        }
        assert!(!denied.contains(&libc::SYS_read));
        assert!(!denied.contains(&libc::SYS_execve));
        assert_eq!(programs(&caps).unwrap().len(), 2);
    }

    #[test]
    fn capabilities_lift_their_gates() {
        let caps: Capabilities = [Capability::SysAdmin, Capability::SysBoot]
            .into_iter()
            .collect();
        let denied = denied_syscalls(&caps);
        assert!(!denied.contains(&libc::SYS_mount));
        assert!(!denied.contains(&libc::SYS_reboot));
        assert!(denied.contains(&libc::SYS_keyctl));
        assert!(denied.contains(&libc::SYS_init_module));
        assert_eq!(programs(&caps).unwrap().len(), 1);
    }
}

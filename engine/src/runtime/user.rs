//! Resolves a docker-style `user` string (`name|uid[:group|gid]`) against the image's
//! `/etc/passwd` and `/etc/group`, the way docker (runc's `GetExecUser`) does: names must
//! exist, numeric ids need not, and supplementary groups come from `/etc/group` membership
//! only when no group was given explicitly. Pure parsing, so it is tested without a rootfs.

use thiserror::Error;

/// Why a user string could not be resolved.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UserError {
    /// A user name that the image's /etc/passwd does not list.
    #[error("unable to find user {0}: no matching entries in passwd file")]
    UnknownUser(String),
    /// A group name that the image's /etc/group does not list.
    #[error("unable to find group {0}: no matching entries in group file")]
    UnknownGroup(String),
    /// An empty user or group part, such as `:1000` or `app:`.
    #[error("invalid user specification {0:?}")]
    Invalid(String),
}

/// One line of /etc/passwd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory, used for `HOME`.
    pub home: String,
}

/// One line of /etc/group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// User names listed as members.
    pub members: Vec<String>,
}

/// The identity the container's process runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Supplementary group ids (sorted, without duplicates).
    pub groups: Vec<u32>,
    /// Home directory (`/` when the user is not in /etc/passwd, as docker does).
    pub home: String,
    /// The user name when /etc/passwd knows it.
    pub name: Option<String>,
}

/// Parses /etc/passwd text; malformed lines are skipped, as libc does.
pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f.get(5).copied().unwrap_or("").to_string(),
            })
        })
        .collect()
}

/// Parses /etc/group text; malformed lines are skipped.
pub fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 3 {
                return None;
            }
            let members = f
                .get(3)
                .map(|m| {
                    m.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            Some(GroupEntry {
                name: f[0].to_string(),
                gid: f[2].parse().ok()?,
                members,
            })
        })
        .collect()
}

/// Resolves `spec` (empty means root) against parsed passwd and group entries.
pub fn resolve(
    spec: &str,
    passwd: &[PasswdEntry],
    groups: &[GroupEntry],
) -> Result<ExecUser, UserError> {
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if group_part == Some("") || (user_part.is_empty() && group_part.is_some()) {
        return Err(UserError::Invalid(spec.to_string()));
    }
    let user_part = if user_part.is_empty() { "0" } else { user_part };
    let entry = match user_part.parse::<u32>() {
        Ok(uid) => passwd
            .iter()
            .find(|p| p.uid == uid)
            .cloned()
            .or(Some(PasswdEntry {
                name: String::new(),
                uid,
                gid: 0,
                home: "/".to_string(),
            })),
        Err(_) => passwd.iter().find(|p| p.name == user_part).cloned(),
    }
    .ok_or_else(|| UserError::UnknownUser(user_part.to_string()))?;
    let mut user = ExecUser {
        uid: entry.uid,
        gid: entry.gid,
        groups: Vec::new(),
        home: if entry.home.is_empty() {
            "/".to_string()
        } else {
            entry.home.clone()
        },
        name: (!entry.name.is_empty()).then(|| entry.name.clone()),
    };
    match group_part {
        Some(g) => {
            user.gid = match g.parse::<u32>() {
                Ok(gid) => gid,
                Err(_) => groups
                    .iter()
                    .find(|e| e.name == g)
                    .map(|e| e.gid)
                    .ok_or_else(|| UserError::UnknownGroup(g.to_string()))?,
            };
        }
        None => {
            if let Some(name) = &user.name {
                user.groups = groups
                    .iter()
                    .filter(|e| e.members.iter().any(|m| m == name))
                    .map(|e| e.gid)
                    .collect();
            }
        }
    }
    user.groups.sort_unstable();
    user.groups.dedup();
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n\
                          # comment\nbroken\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
    const GROUP: &str = "root:x:0:\napp:x:1000:\naudio:x:29:app\nvideo:x:44:other,app\n";

    fn r(spec: &str) -> Result<ExecUser, UserError> {
        resolve(spec, &parse_passwd(PASSWD), &parse_group(GROUP))
    }

    #[test]
    fn parses_and_skips_malformed_lines() {
        let p = parse_passwd(PASSWD);
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].home, "/home/app");
        let g = parse_group(GROUP);
        assert_eq!(g[3].members, vec!["other", "app"]);
    }

    #[test]
    fn empty_is_root() {
        let u = r("").unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (0, 0, "/root"));
    }

    #[test]
    fn name_gets_primary_and_supplementary_groups() {
        let u = r("app").unwrap();
        assert_eq!((u.uid, u.gid), (1000, 1000));
        assert_eq!(u.groups, vec![29, 44]);
        assert_eq!(u.name.as_deref(), Some("app"));
    }

    #[test]
    fn explicit_group_drops_supplementary_groups() {
        let u = r("app:audio").unwrap();
        assert_eq!((u.uid, u.gid), (1000, 29));
        assert!(u.groups.is_empty());
        assert_eq!(r("1000:7").unwrap().gid, 7);
    }

    #[test]
    fn unknown_numeric_uid_is_allowed_with_gid_zero() {
        let u = r("4242").unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (4242, 0, "/"));
        assert_eq!(u.name, None);
    }

    #[test]
    fn unknown_names_are_errors() {
        assert_eq!(r("ghost"), Err(UserError::UnknownUser("ghost".into())));
        assert_eq!(
            r("app:ghosts"),
            Err(UserError::UnknownGroup("ghosts".into()))
        );
        assert!(matches!(r("app:"), Err(UserError::Invalid(_))));
        assert!(matches!(r(":12"), Err(UserError::Invalid(_))));
    }
}

//! The container store: `$TUG_ROOT/containers/<id>/{config.json,state.json,exitcode}`, a
//! `.lock` file that serialises every change, and atomic writes (temp file, fsync, rename).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::id::{is_container_id, random_container_id, random_name, validate_name};
use super::refresh::{repair, Processes};
use super::{ContainerConfig, ContainerError, ContainerState, Filters};

/// The file the monitor writes the init's exit code to (decimal) before it updates
/// `state.json`, so that a monitor dying in between loses nothing.
pub const EXIT_CODE_FILE: &str = "exitcode";
const CONFIG: &str = "config.json";
const STATE: &str = "state.json";

/// One container as read from disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// Its folder, where the monitor also keeps the log and run-time files.
    pub dir: PathBuf,
    pub config: ContainerConfig,
    pub state: ContainerState,
}

impl Container {
    /// The json-file log, named like docker's `<id>-json.log`.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("{}-json.log", self.config.id))
    }
}

/// The containers under one `$TUG_ROOT`.
#[derive(Debug, Clone)]
pub struct ContainerStore {
    dir: PathBuf,
}

impl ContainerStore {
    /// Opens (creating if needed) `<tug_root>/containers`.
    pub fn open(tug_root: &Path) -> Result<ContainerStore, ContainerError> {
        let dir = tug_root.join("containers");
        fs::create_dir_all(&dir).map_err(|e| ContainerError::io("create", &dir, e))?;
        Ok(ContainerStore { dir })
    }

    /// The folder of container `id`.
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Records a new container in status `created`. An empty `config.id` gets a random id, an
    /// empty `config.name` a random unused name; a taken name is docker's conflict error.
    pub fn create(&self, mut config: ContainerConfig) -> Result<Container, ContainerError> {
        let _lock = self.lock()?;
        let existing = self.all_configs()?;
        if config.id.is_empty() {
            config.id = random_container_id()?;
        }
        if config.name.is_empty() {
            let mut attempt = 0;
            config.name = loop {
                let n = random_name(attempt)?;
                if !existing.iter().any(|c| c.name == n) {
                    break n;
                }
                attempt += 1;
            };
        } else {
            config.name = validate_name(&config.name)?.to_string();
            if let Some(c) = existing.iter().find(|c| c.name == config.name) {
                return Err(ContainerError::NameConflict {
                    name: config.name,
                    id: c.id.clone(),
                });
            }
        }
        config.created.get_or_insert_with(Utc::now);
        let dir = self.container_dir(&config.id);
        fs::create_dir(&dir).map_err(|e| ContainerError::io("create", &dir, e))?;
        let state = ContainerState::default();
        let written =
            write_json(&dir, CONFIG, &config).and_then(|()| write_json(&dir, STATE, &state));
        if let Err(e) = written {
            let _ = fs::remove_dir_all(&dir);
            return Err(e);
        }
        Ok(Container { dir, config, state })
    }

    /// Reads container `id` (a full id).
    pub fn load(&self, id: &str) -> Result<Container, ContainerError> {
        if !is_container_id(id) {
            return Err(ContainerError::NotFound(id.to_string()));
        }
        let dir = self.container_dir(id);
        if !dir.is_dir() {
            return Err(ContainerError::NotFound(id.to_string()));
        }
        // A folder being created or removed right now counts as absent.
        let absent = |e: ContainerError| match e {
            ContainerError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ContainerError::NotFound(id.to_string())
            }
            other => other,
        };
        let config = read_json(&dir.join(CONFIG)).map_err(absent)?;
        let state = read_json(&dir.join(STATE)).map_err(absent)?;
        Ok(Container { dir, config, state })
    }

    /// Finds a container like docker: full id, then exact name, then unique id prefix.
    pub fn lookup(&self, query: &str) -> Result<Container, ContainerError> {
        if is_container_id(query) && self.container_dir(query).is_dir() {
            return self.load(query);
        }
        let name = query.strip_prefix('/').unwrap_or(query);
        let configs = self.all_configs()?;
        if let Some(c) = configs.iter().find(|c| c.name == name) {
            return self.load(&c.id);
        }
        let mut by_prefix = configs
            .iter()
            .filter(|c| !query.is_empty() && c.id.starts_with(query));
        match (by_prefix.next(), by_prefix.next()) {
            (Some(c), None) => self.load(&c.id),
            (Some(_), Some(_)) => Err(ContainerError::Ambiguous(query.to_string())),
            _ => Err(ContainerError::NotFound(query.to_string())),
        }
    }

    /// Every container passing `filters`, oldest first (ties by id).
    pub fn list(&self, filters: &Filters) -> Result<Vec<Container>, ContainerError> {
        let mut out = Vec::new();
        for id in self.ids()? {
            match self.load(&id) {
                Ok(c) if filters.matches(&c.config, &c.state) => out.push(c),
                Ok(_) | Err(ContainerError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| (a.config.created, &a.config.id).cmp(&(b.config.created, &b.config.id)));
        Ok(out)
    }

    /// Replaces `state.json` of `id` with what `change` makes of it, under the store lock.
    pub fn update_state(
        &self,
        id: &str,
        change: impl FnOnce(&mut ContainerState),
    ) -> Result<ContainerState, ContainerError> {
        let _lock = self.lock()?;
        let dir = self.load(id)?.dir;
        let mut state: ContainerState = read_json(&dir.join(STATE))?;
        change(&mut state);
        write_json(&dir, STATE, &state)?;
        Ok(state)
    }

    /// Writes the exit code file of `id` (the monitor does this first when its init exits).
    pub fn write_exit_code(&self, id: &str, code: i32) -> Result<(), ContainerError> {
        write_atomic(
            &self.container_dir(id),
            EXIT_CODE_FILE,
            code.to_string().as_bytes(),
        )
    }

    /// The code in the exit code file of `id`, if the monitor wrote one.
    pub fn read_exit_code(&self, id: &str) -> Option<i32> {
        fs::read_to_string(self.container_dir(id).join(EXIT_CODE_FILE))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Records every container whose monitor died as exited; returns the repaired ids.
    pub fn refresh(&self, procs: &dyn Processes) -> Result<Vec<String>, ContainerError> {
        let _lock = self.lock()?;
        let mut repaired = Vec::new();
        for id in self.ids()? {
            let dir = self.container_dir(&id);
            let Ok(mut state) = read_json::<ContainerState>(&dir.join(STATE)) else {
                continue;
            };
            if repair(&mut state, procs, self.read_exit_code(&id), Utc::now()) {
                write_json(&dir, STATE, &state)?;
                tracing::debug!(container = %id, code = state.exit_code, "recorded exit of a container whose monitor is gone");
                repaired.push(id);
            }
        }
        Ok(repaired)
    }

    /// Deletes the record of `id`. The caller stops it first; a container that still has a
    /// monitor is refused with docker's advice.
    pub fn remove(&self, id: &str) -> Result<(), ContainerError> {
        let _lock = self.lock()?;
        let c = self.load(id)?;
        if c.state.status.has_monitor() {
            return Err(ContainerError::Running(format!("/{}", c.config.name)));
        }
        fs::remove_dir_all(&c.dir).map_err(|e| ContainerError::io("remove", &c.dir, e))
    }

    fn lock(&self) -> Result<File, ContainerError> {
        let path = self.dir.join(".lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| ContainerError::io("open", &path, e))?;
        file.lock()
            .map_err(|e| ContainerError::io("lock", &path, e))?;
        Ok(file)
    }

    fn ids(&self) -> Result<Vec<String>, ContainerError> {
        let entries =
            fs::read_dir(&self.dir).map_err(|e| ContainerError::io("list", &self.dir, e))?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| ContainerError::io("list", &self.dir, e))?;
            if let Some(name) = entry.file_name().to_str().filter(|n| is_container_id(n)) {
                ids.push(name.to_string());
            }
        }
        Ok(ids)
    }

    fn all_configs(&self) -> Result<Vec<ContainerConfig>, ContainerError> {
        let mut out = Vec::new();
        for id in self.ids()? {
            let path = self.container_dir(&id).join(CONFIG);
            match fs::read(&path) {
                Ok(bytes) => out.push(
                    serde_json::from_slice(&bytes)
                        .map_err(|source| ContainerError::Parse { path, source })?,
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ContainerError::io("read", path, e)),
            }
        }
        Ok(out)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ContainerError> {
    let bytes = fs::read(path).map_err(|e| ContainerError::io("read", path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| ContainerError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

fn write_json<T: serde::Serialize>(
    dir: &Path,
    name: &str,
    value: &T,
) -> Result<(), ContainerError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|source| ContainerError::Parse {
        path: dir.join(name),
        source,
    })?;
    write_atomic(dir, name, &bytes)
}

/// Writes `dir/name` so that readers see the old or the new content, never a mix.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ContainerError> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let target = dir.join(name);
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, &target)?;
        // Make the rename itself durable, so a crash never brings the old file back.
        File::open(dir)?.sync_all()
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        ContainerError::io("write", &target, e)
    })
}

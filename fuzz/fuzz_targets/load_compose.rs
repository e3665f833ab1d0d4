//! Feeds arbitrary bytes to the whole Compose loader: it must return Ok or a LoadError, never
//! panic, hang or overflow the stack.
#![no_main]

use compose_spec::discovery::{ConfigDetails, ConfigFile};
use compose_spec::{load, LoadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut details = ConfigDetails {
        files: vec![ConfigFile {
            path: "/nonexistent/fuzz/compose.yaml".into(),
            content: text.to_string(),
        }],
        working_dir: "/nonexistent/fuzz".into(),
        directory_name: "fuzz".into(),
        ..Default::default()
    };
    details.environment.insert("FOO".into(), "bar".into());
    let _ = load(&details, &LoadOptions::default());
});

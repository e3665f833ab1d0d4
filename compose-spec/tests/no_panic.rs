//! Property test: no input makes the loader panic.
//!
//! Valid Compose snippets are mutated (YAML-significant characters inserted, ranges deleted,
//! lines duplicated or swapped) and every result is loaded. The loader must answer with a model
//! or a `LoadError` whose message is not empty. The fuzz target in `fuzz/` does the same
//! with coverage guidance for long runs.

use compose_spec::discovery::{ConfigDetails, ConfigFile};
use compose_spec::{load, LoadOptions};
use proptest::prelude::*;

const SEEDS: &[&str] = &[
    "services:\n  web:\n    image: nginx:${TAG:-latest}\n    ports: [\"8080:80\", \"127.0.0.1:53:53/udp\"]\n    volumes: [\"./data:/data:ro\", \"named:/x\"]\n    environment: [A=1, B]\n    depends_on: {db: {condition: service_healthy}}\n  db:\n    image: mongo\n    healthcheck: {test: [CMD, true], interval: 10s}\nvolumes:\n  named: {}\n",
    "x-base: &base\n  image: busybox\n  restart: always\nservices:\n  a:\n    <<: *base\n    command: echo $$HOME\n  b:\n    <<: *base\n    extends: a\n    networks: [front]\nnetworks:\n  front: {internal: true}\n",
    "name: demo\nservices:\n  app:\n    build:\n      context: ./app\n      args: [X=1]\n    deploy:\n      replicas: 2\n      resources: {limits: {cpus: '0.5', memory: 50M}}\n    ulimits: {nofile: {soft: 1, hard: 2}}\n    extra_hosts: [\"h:1.2.3.4\"]\n    secrets: [s]\nsecrets:\n  s: {file: ./s.txt}\n---\nservices:\n  app:\n    command: !reset []\n    ports: !override [\"1:1\"]\n",
    "include:\n  - path: ./sub/compose.yaml\nservices:\n  web:\n    image: x\n    env_file: [.env, {path: ./o.env, required: false}]\n    profiles: [debug]\n    network_mode: service:db\n  db: {image: y, tmpfs: /t, devices: ['/dev/a:/dev/b']}\n",
];

const ALPHABET: &[char] = &[
    ':', '-', ' ', '\n', '\t', '{', '}', '[', ']', '&', '*', '<', '!', '$', '"', '\'', '#', '|',
    '>', ',', '?', '%', '@', '`', 'a', '0', '\\', '~', '.', '=',
];

fn mutate(seed: &str, ops: &[(u8, usize, usize)]) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for &(kind, a, b) in ops {
        if chars.is_empty() {
            break;
        }
        let i = a % chars.len();
        match kind % 4 {
            0 => chars.insert(i, ALPHABET[b % ALPHABET.len()]),
            1 => {
                let end = (i + b % 8).min(chars.len());
                chars.drain(i..end);
            }
            2 => {
                let end = (i + b % 40).min(chars.len());
                let piece: Vec<char> = chars[i..end].to_vec();
                let at = b % chars.len();
                for (k, c) in piece.into_iter().enumerate() {
                    chars.insert((at + k).min(chars.len()), c);
                }
            }
            _ => {
                let j = b % chars.len();
                chars.swap(i, j);
            }
        }
    }
    chars.into_iter().collect()
}

fn load_text(text: &str) {
    let mut details = ConfigDetails {
        files: vec![ConfigFile {
            path: "/nonexistent/prop/compose.yaml".into(),
            content: text.to_string(),
        }],
        working_dir: "/nonexistent/prop".into(),
        directory_name: "prop".into(),
        ..Default::default()
    };
    details.environment.insert("TAG".into(), "1".into());
    if let Err(e) = load(&details, &LoadOptions::default()) {
        assert!(!e.to_string().trim().is_empty(), "empty error for {text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_compose_files_never_panic(
        seed in 0..SEEDS.len(),
        ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..12),
    ) {
        load_text(&mutate(SEEDS[seed], &ops));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        load_text(&text);
    }
}

#[test]
fn seeds_themselves_load_or_fail_cleanly() {
    for s in SEEDS {
        load_text(s);
    }
}

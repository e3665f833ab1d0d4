//! Pull and push progress as docker shows it: one bar per layer when stdout is a terminal,
//! and plain `<id>: Pull complete` lines otherwise (logs, CI, pipes).

use engine::registry::{Event, Progress};
use engine::Digest;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Which transfer is shown (the words differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `tug pull`.
    Pull,
    /// `tug push`.
    Push,
}

/// Renders registry events on stdout.
pub struct Display {
    direction: Direction,
    quiet: bool,
    bars: Option<Bars>,
    /// Set once the transfer is over: later lines go below the final bars.
    finished: AtomicBool,
}

struct Bars {
    multi: MultiProgress,
    by_digest: Mutex<HashMap<Digest, ProgressBar>>,
}

impl Display {
    /// Bars on a terminal, lines otherwise; nothing at all when `quiet`.
    pub fn new(direction: Direction, quiet: bool) -> Display {
        let bars = (!quiet && std::io::stdout().is_terminal()).then(|| Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
            by_digest: Mutex::new(HashMap::new()),
        });
        Display {
            direction,
            quiet,
            bars,
            finished: AtomicBool::new(false),
        }
    }

    /// Prints a line: above the bars while they move, below them once the transfer is over.
    pub fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        match &self.bars {
            Some(b) if !self.finished.load(Ordering::SeqCst) => {
                let _ = b.multi.println(text);
            }
            _ => println!("{text}"),
        }
    }

    fn words(&self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self.direction {
            // waiting, moving, done, exists
            Direction::Pull => (
                "Pulling fs layer",
                "Downloading",
                "Pull complete",
                "Already exists",
            ),
            Direction::Push => ("Preparing", "Pushing", "Pushed", "Layer already exists"),
        }
    }

    fn bar(&self, b: &Bars, digest: &Digest, size: u64) -> ProgressBar {
        let mut map = match b.by_digest.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(digest.clone())
            .or_insert_with(|| {
                let pb = b.multi.add(ProgressBar::new(size));
                let style = ProgressStyle::with_template(
                    "{prefix}: {msg:<16} {wide_bar} {bytes:>10}/{total_bytes:<10}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                pb.set_style(style);
                pb.set_prefix(digest.short().to_string());
                pb
            })
            .clone()
    }

    fn finish(&self, digest: &Digest, message: String) {
        match &self.bars {
            Some(b) => {
                let pb = self.bar(b, digest, 0);
                pb.set_style(
                    ProgressStyle::with_template("{prefix}: {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                pb.finish_with_message(message);
            }
            None => self.line(&format!("{}: {message}", digest.short())),
        }
    }

    /// Leaves every bar in its final state, so the summary lines print below them.
    pub fn done(&self) {
        self.finished.store(true, Ordering::SeqCst);
        if let Some(b) = &self.bars {
            if let Ok(map) = b.by_digest.lock() {
                for pb in map.values() {
                    if !pb.is_finished() {
                        pb.abandon();
                    }
                }
            }
        }
    }
}

impl Progress for Display {
    fn event(&self, event: Event) {
        if self.quiet {
            return;
        }
        let (waiting, moving, done, exists) = self.words();
        match event {
            Event::PullStarted { tag, repository } => {
                self.line(&format!("{tag}: Pulling from {repository}"))
            }
            Event::Waiting { digest, size } => match &self.bars {
                Some(b) => self.bar(b, &digest, size).set_message(waiting),
                None => self.line(&format!("{}: {waiting}", digest.short())),
            },
            Event::Bytes {
                digest,
                done: n,
                total,
            } => {
                if let Some(b) = &self.bars {
                    let pb = self.bar(b, &digest, total);
                    pb.set_length(total);
                    pb.set_position(n);
                    pb.set_message(moving);
                }
            }
            Event::Retrying {
                digest,
                attempt,
                error,
            } => match &self.bars {
                Some(b) => self
                    .bar(b, &digest, 0)
                    .set_message(format!("Retrying (attempt {attempt})")),
                None => self.line(&format!(
                    "{}: Retrying (attempt {attempt}) after: {error}",
                    digest.short()
                )),
            },
            Event::AlreadyExists { digest } => self.finish(&digest, exists.to_string()),
            Event::Downloaded { digest } | Event::Pushed { digest } => {
                self.finish(&digest, done.to_string())
            }
            Event::Mounted { digest, from } => self.finish(&digest, format!("Mounted from {from}")),
            Event::Finished { .. } => self.done(),
        }
    }
}

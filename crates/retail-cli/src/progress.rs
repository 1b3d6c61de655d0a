//! Progress of long work on stderr, drawn only when stderr is a terminal (so pipes, logs and
//! tests see nothing of it).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no progress bars and no notes.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A bar of named steps: `[#####-----] 2/4 forecasting weekly sales (3.1 s)`.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    total: usize,
    done: usize,
    started: Instant,
}

impl Progress {
    /// A bar of `total` steps.
    pub fn new(total: usize) -> Progress {
        Progress {
            enabled: !is_quiet() && std::io::stderr().is_terminal(),
            total: total.max(1),
            done: 0,
            started: Instant::now(),
        }
    }

    /// Starts the next step.
    pub fn step(&mut self, what: &str) {
        if !self.enabled {
            return;
        }
        const WIDTH: usize = 20;
        let filled = WIDTH * self.done.min(self.total) / self.total;
        let bar: String = "#".repeat(filled) + &"-".repeat(WIDTH - filled);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K[{bar}] {}/{} {what} ({:.1} s)",
            self.done + 1,
            self.total,
            self.started.elapsed().as_secs_f64()
        );
        let _ = err.flush();
        self.done += 1;
    }

    /// Clears the bar.
    pub fn finish(&mut self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.enabled = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

//! Progress of long work on stderr, drawn only when stderr is a terminal (so pipes, logs and
//! tests see nothing of it).

use std::io::{IsTerminal, Write};
use std::time::Instant;

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
            enabled: std::io::stderr().is_terminal(),
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

//! Progress of long stages on stderr: a bar with rate and ETA on a terminal; otherwise (a log
//! file, CI) a plain line at every tenth of the way once a stage has run for two seconds.
//! Nothing with `-q`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// No line in the first seconds of a stage.
const QUIET_SECONDS: f64 = 2.0;

/// Progress of `len` steps labelled `what`.
pub struct Progress {
    bar: ProgressBar,
    what: &'static str,
    len: u64,
    /// Plain lines instead of a bar.
    lines: bool,
    done: AtomicU64,
    /// The next tenth to report, as lines.
    next_tenth: AtomicU64,
    started: Instant,
}

/// Progress shown when `enabled` (not `-q`): a bar on a terminal, lines otherwise.
pub fn bar(enabled: bool, len: u64, what: &'static str) -> Progress {
    let terminal = std::io::stderr().is_terminal();
    let bar = if enabled && terminal {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>9} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what);
        bar
    } else {
        ProgressBar::hidden()
    };
    Progress {
        bar,
        what,
        len,
        // a handful of steps is not worth a line
        lines: enabled && !terminal && len >= 10,
        done: AtomicU64::new(0),
        next_tenth: AtomicU64::new(1),
        started: Instant::now(),
    }
}

impl Progress {
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        if !self.lines {
            return;
        }
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let tenth = (done * 10 / self.len.max(1)).min(10);
        let next = self.next_tenth.load(Ordering::Relaxed);
        // a stage done in a moment needs no report
        if tenth >= next
            && self.started.elapsed().as_secs_f64() >= QUIET_SECONDS
            && self
                .next_tenth
                .compare_exchange(next, tenth + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            let rate = done as f64 / secs;
            let left = self.len.saturating_sub(done) as f64 / rate.max(1e-9);
            eprintln!(
                "{}: {}% ({done} of {}), {rate:.0}/s, about {left:.0} s left",
                self.what,
                tenth * 10,
                self.len
            );
        }
    }

    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
    }
}

//! Progress bars for long runs: on stderr, only when stderr is a
//! terminal and the work is large, so pipes and cron mail stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::terminal::Style;

/// Work smaller than this finishes before a bar would be worth reading.
pub const MIN_WORK: u64 = 1_000;

/// A progress bar, or nothing when it would not be seen. It is erased
/// when dropped, so what follows on the terminal starts on a clean line.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` steps, labelled `message`.
    pub fn new(style: &Style, total: u64, message: &'static str) -> Progress {
        if !style.stderr_terminal || total < MIN_WORK {
            return Progress {
                bar: ProgressBar::hidden(),
            };
        }
        let template = if style.stderr_color {
            "{msg} {bar:40.cyan/blue} {human_pos}/{human_len} {eta}"
        } else {
            "{msg} {bar:40} {human_pos}/{human_len} {eta}"
        };
        let look = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("━╸ ");
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
            .with_style(look)
            .with_message(message);
        bar.tick();
        Progress { bar }
    }

    /// One more step done.
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// `done` of `total` steps done; the first report may set the total.
    pub fn set(&self, done: u64, total: u64) {
        self.bar.set_length(total);
        self.bar.set_position(done);
    }

    /// Changes the label, e.g. for a last step the count does not show.
    pub fn set_message(&self, message: &'static str) {
        self.bar.set_message(message);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

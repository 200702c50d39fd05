use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A spinner with the stage's message and elapsed time.
pub fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("template")
}

/// A bar over an input's bytes.
pub fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes}, {eta} left")
        .expect("template")
        .progress_chars("=> ")
}

/// Stage spinners on stderr; silent with `--quiet` or when stderr is not a
/// terminal. Also times each stage for the summary.
pub struct Stages {
    show: bool,
    current: Option<(String, Instant, ProgressBar)>,
    pub timings_ms: Vec<(String, f64)>,
}

impl Stages {
    pub fn new(quiet: bool) -> Self {
        let show = !quiet
            && std::io::stderr().is_terminal()
            && std::env::var_os("LOCKSTEP_NO_PROGRESS").is_none();
        Stages { show, current: None, timings_ms: Vec::new() }
    }

    pub fn start(&mut self, name: &str) -> ProgressBar {
        self.finish();
        let bar = if self.show {
            let b = ProgressBar::new_spinner();
            b.set_style(spinner_style());
            b.enable_steady_tick(Duration::from_millis(120));
            b.set_message(name.to_string());
            b
        } else {
            ProgressBar::hidden()
        };
        self.current = Some((name.to_string(), Instant::now(), bar.clone()));
        bar
    }

    /// A bar with a known total (hidden when progress is off).
    pub fn bar(&self, total: u64, what: &str) -> ProgressBar {
        if !self.show {
            return ProgressBar::hidden();
        }
        let b = ProgressBar::new(total);
        b.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {human_pos}/{human_len} rows, {eta} left",
            )
            .expect("template")
            .progress_chars("=> "),
        );
        b.set_message(what.to_string());
        b
    }

    pub fn finish(&mut self) {
        if let Some((name, t, bar)) = self.current.take() {
            bar.finish_and_clear();
            self.timings_ms.push((name, t.elapsed().as_secs_f64() * 1e3));
        }
    }
}

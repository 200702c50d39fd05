use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

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
/// terminal.
pub struct Stages {
    show: bool,
    current: Option<ProgressBar>,
}

impl Stages {
    pub fn new(quiet: bool) -> Self {
        let show = !quiet
            && std::io::stderr().is_terminal()
            && std::env::var_os("LOCKSTEP_NO_PROGRESS").is_none();
        Stages { show, current: None }
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
        self.current = Some(bar.clone());
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
        if let Some(bar) = self.current.take() {
            bar.finish_and_clear();
        }
    }
}

/// The pipeline's stages as spinners, reading as a bar over each input's
/// bytes, and its warnings on stderr (none with `--quiet`).
pub struct Shown {
    quiet: bool,
    stages: Mutex<Stages>,
    /// The current stage's bar, and the input whose bytes it counts.
    bar: Mutex<(ProgressBar, Option<usize>)>,
}

impl Shown {
    pub fn new(quiet: bool) -> Self {
        Shown {
            quiet,
            stages: Mutex::new(Stages::new(quiet)),
            bar: Mutex::new((ProgressBar::hidden(), None)),
        }
    }
}

impl lockstep_pipeline::Observer for Shown {
    fn begin(&self, stage: lockstep_pipeline::Stage) {
        let bar = self.stages.lock().expect("progress lock").start(stage.name());
        *self.bar.lock().expect("progress lock") = (bar, None);
    }

    fn reading(&self, p: &lockstep_ingest::Progress<'_>) {
        let mut current = self.bar.lock().expect("progress lock");
        let (bar, styled) = &mut *current;
        if p.phase == lockstep_ingest::Phase::Encoding {
            bar.set_style(spinner_style());
            bar.set_message("reading: encoding account, object and content ids");
            return;
        }
        let of =
            if p.inputs > 1 { format!(" ({}/{})", p.index + 1, p.inputs) } else { String::new() };
        let records = crate::detect::thousands(p.records);
        bar.set_message(format!("reading `{}`{of}: {records} records", p.input));
        if let Some(size) = p.size {
            if *styled != Some(p.index) {
                *styled = Some(p.index);
                bar.set_style(bytes_style());
                bar.set_length(size);
            }
            bar.set_position(p.bytes);
        }
    }

    fn reading_dataset(&self, dir: &std::path::Path) {
        let bar = &self.bar.lock().expect("progress lock").0;
        bar.set_message(format!("reading dataset `{}`", dir.display()));
    }

    fn warn(&self, w: &lockstep_pipeline::Warning) {
        use crate::memory::fmt_bytes;
        use lockstep_pipeline::Warning;
        if self.quiet {
            return;
        }
        match w {
            Warning::OverLimit { in_use, limit } => eprintln!(
                "warning: the dataset takes {}, over the memory limit of {}: the detection runs in its smallest parts and runs, and the run will pass the limit",
                fmt_bytes(*in_use),
                fmt_bytes(*limit)
            ),
            Warning::SpillInMemory { dir, kind, bytes } => eprintln!(
                "warning: the spill folder `{}` is on {kind}, which is memory: the {} written there count against it; give `--spill-dir` a folder on disk",
                dir.display(),
                fmt_bytes(*bytes)
            ),
        }
    }

    fn end(&self) {
        self.stages.lock().expect("progress lock").finish();
    }
}

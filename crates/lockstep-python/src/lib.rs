//! `lockstep._lockstep`, the extension module under the `lockstep` Python
//! package (python/lockstep/__init__.py holds the API users call).
//!
//! It takes the CLI's flags ([`lockstep_cli::detect_plan`]: the same names,
//! defaults and messages), runs the pipeline on a thread of its own while
//! the caller waits without the GIL (so that Ctrl-C and progress reach
//! Python), and hands each table of the run over as Arrow buffers, built
//! from the run's typed frames: no CSV in between.

use lockstep_pipeline::{Observer, Outcome, Plan, Stage};
use lockstep_report::frame::{Kind, Values};
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

create_exception!(
    _lockstep,
    LockstepError,
    PyValueError,
    "A run could not be done: bad input (the message names the file, line and field), options that cannot be planned, or I/O."
);

/// What the waiting caller is told: a stage began, or how far reading got.
enum Event {
    Stage(&'static str),
    Reading { records: u64, bytes: u64, size: Option<u64> },
}

/// The observer of a run on its worker thread.
struct Relay {
    events: Mutex<Vec<Event>>,
    stop: AtomicBool,
}

impl Observer for Relay {
    fn begin(&self, stage: Stage) {
        self.events.lock().expect("not poisoned").push(Event::Stage(stage.name()));
    }
    fn reading(&self, p: &lockstep_ingest::Progress<'_>) {
        let e = Event::Reading { records: p.records, bytes: p.bytes, size: p.size };
        self.events.lock().expect("not poisoned").push(e);
    }
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// An error of the pipeline as the CLI words it: the error, then its
/// causes.
fn lockstep_error(e: &(dyn std::error::Error + 'static)) -> PyErr {
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        message.push_str(&format!("\n  caused by: {c}"));
        cause = c.source();
    }
    LockstepError::new_err(message)
}

/// A column of a table handed over from Python: its name, its kind
/// (`text`: a large-string array's offsets and data buffers, nulls filled
/// with empty strings by the caller; `int64`: a null-free integer array's
/// values), and the array's offset and length.
type InputColumn<'py> = (String, String, usize, usize, Bound<'py, PyBytes>, Bound<'py, PyBytes>);

/// 8-byte little-endian values.
fn i64s(raw: &[u8]) -> Vec<i64> {
    raw.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes"))).collect()
}

/// Reads an Arrow array's buffers into a column of its own.
fn input_column(c: &InputColumn<'_>) -> PyResult<lockstep_ingest::table::Column> {
    let (name, kind, offset, len, first, second) = c;
    let bad = |why: &str| PyValueError::new_err(format!("column `{name}`: {why}"));
    let all = i64s(first.as_bytes());
    if kind == "int64" {
        let mine = all.get(*offset..offset + len).ok_or_else(|| bad("values too short"))?;
        return Ok(lockstep_ingest::table::Column::ints(name, mine.to_vec()));
    }
    let mine = all.get(*offset..offset + len + 1).ok_or_else(|| bad("offsets too short"))?;
    let (start, end) = (mine[0], mine[*len]);
    let data = second.as_bytes();
    if start < 0 || end < start || end as usize > data.len() {
        return Err(bad("offsets out of its data"));
    }
    Ok(lockstep_ingest::table::Column {
        name: name.clone(),
        offsets: mine.iter().map(|o| o - start).collect(),
        bytes: data[start as usize..end as usize].to_vec(),
        valid: None,
        ints: None,
    })
}

/// Runs `lockstep detect ARGS` (without writing a run folder) on the files
/// the arguments name, or on `table`'s columns; `progress(kind, a, b, c)` is
/// called with `("stage", name, 0, 0)` and `("reading", records, bytes,
/// size)`.
#[pyfunction]
#[pyo3(signature = (args, table=None, table_name="DataFrame".to_string(), progress=None))]
fn detect(
    py: Python<'_>,
    args: Vec<String>,
    table: Option<Vec<InputColumn<'_>>>,
    table_name: String,
    progress: Option<Py<PyAny>>,
) -> PyResult<Run> {
    let (mut plan, exec) =
        lockstep_cli::detect_plan(&args).map_err(|e| PyValueError::new_err(e.to_string()))?;
    if let Some(columns) = table {
        let columns: Vec<_> = columns.iter().map(input_column).collect::<PyResult<_>>()?;
        plan.inputs =
            lockstep_pipeline::Inputs::Table { name: table_name, columns: Arc::new(columns) };
    }
    let relay = Arc::new(Relay { events: Mutex::new(Vec::new()), stop: AtomicBool::new(false) });
    let (done_tx, done_rx) = mpsc::channel();
    // Waited on without the GIL, from the caller's thread alone.
    let done_rx = Mutex::new(done_rx);
    let worker_relay = relay.clone();
    let worker_plan = plan.clone();
    std::thread::Builder::new()
        .name("lockstep-run".into())
        .spawn(move || {
            let result = exec.pool().and_then(|pool| {
                pool.install(|| lockstep_pipeline::compute(&worker_plan, &exec, &*worker_relay))
            });
            // The caller may have stopped waiting (Ctrl-C).
            let _ = done_tx.send(result);
        })
        .map_err(|e| LockstepError::new_err(format!("cannot start the run: {e}")))?;
    let tell = |py: Python<'_>| -> PyResult<()> {
        let events = std::mem::take(&mut *relay.events.lock().expect("not poisoned"));
        let Some(progress) = &progress else { return Ok(()) };
        for e in events {
            match e {
                Event::Stage(name) => progress.call1(py, ("stage", name, 0u64, 0u64))?,
                Event::Reading { records, bytes, size } => {
                    progress.call1(py, ("reading", records, bytes, size))?
                }
            };
        }
        Ok(())
    };
    loop {
        let got = py.detach(|| {
            done_rx.lock().expect("not poisoned").recv_timeout(Duration::from_millis(100))
        });
        if let Err(e) = py.check_signals().and_then(|()| tell(py)) {
            // The run stops at its next stage; nobody waits for it.
            relay.stop.store(true, Ordering::Relaxed);
            return Err(e);
        }
        match got {
            Ok(Ok(outcome)) => {
                if let Some(p) = &progress {
                    p.call1(py, ("stage", "done", 0u64, 0u64))?;
                }
                return Ok(Run::new(plan, outcome));
            }
            Ok(Err(lockstep_pipeline::Error::Stopped)) => {
                return Err(PyKeyboardInterrupt::new_err("the run was stopped"))
            }
            Ok(Err(e)) => return Err(lockstep_error(&e)),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(LockstepError::new_err("the run ended without a result (a panic)"))
            }
        }
    }
}

/// A run's results, in memory.
#[pyclass(frozen, module = "lockstep._lockstep")]
struct Run {
    plan: Plan,
    outcome: Mutex<Outcome>,
    /// Its tables' names, in the run folder's order.
    tables: Vec<&'static str>,
}

impl Run {
    fn new(plan: Plan, outcome: Outcome) -> Run {
        let results = outcome.results(&plan);
        let tables = lockstep_report::SCHEMAS
            .into_iter()
            .filter(|s| lockstep_report::source(&results, s).is_some())
            .map(|s| s.name)
            .collect();
        Run { plan, outcome: Mutex::new(outcome), tables }
    }
}

/// Flags as Arrow's validity bitmap (`None` when every row is valid).
fn bitmap(bits: &[bool]) -> Option<Vec<u8>> {
    if bits.iter().all(|&b| b) {
        return None;
    }
    Some(pack(bits))
}

/// Flags packed least significant bit first, as Arrow packs booleans.
fn pack(bits: &[bool]) -> Vec<u8> {
    let mut out = vec![0u8; bits.len().div_ceil(8)];
    for (i, &b) in bits.iter().enumerate() {
        if b {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    out
}

/// A column as Python builds its Arrow array: its name, Arrow type
/// (`large_string`, `int64`, `float64`, `bool`, `timestamp_us_utc`,
/// `date32`), rows, validity bitmap, values, and offsets for text.
type OutputColumn<'py> = (
    &'static str,
    &'static str,
    usize,
    Option<Bound<'py, PyBytes>>,
    Bound<'py, PyBytes>,
    Option<Bound<'py, PyBytes>>,
);

fn le_bytes<'py, T: Copy, const N: usize>(
    py: Python<'py>,
    values: &[T],
    to: impl Fn(T) -> [u8; N],
) -> PyResult<Bound<'py, PyBytes>> {
    PyBytes::new_with(py, values.len() * N, |buf| {
        for (chunk, &v) in buf.chunks_exact_mut(N).zip(values) {
            chunk.copy_from_slice(&to(v));
        }
        Ok(())
    })
}

#[pymethods]
impl Run {
    /// The names of the run's tables, in the run folder's order.
    fn tables(&self) -> Vec<&'static str> {
        self.tables.clone()
    }

    /// Table `name`'s columns as Arrow buffers.
    fn table<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Vec<OutputColumn<'py>>> {
        let frame = {
            let outcome = self.outcome.lock().expect("not poisoned");
            let results = outcome.results(&self.plan);
            let sources = lockstep_report::sources(&results);
            let source = sources
                .iter()
                .find(|s| s.schema.name == name)
                .ok_or_else(|| PyValueError::new_err(format!("the run has no table `{name}`")))?;
            source.frame()
        };
        let rows = frame.rows();
        let mut out = Vec::with_capacity(frame.columns.len());
        for c in &frame.columns {
            let valid = bitmap(&c.valid).map(|b| PyBytes::new(py, &b));
            let (ty, values, offsets) = match (&c.values, c.kind) {
                (Values::Text { offsets, bytes }, _) => (
                    "large_string",
                    PyBytes::new(py, bytes),
                    Some(le_bytes(py, offsets, i64::to_le_bytes)?),
                ),
                (Values::Int(v), Kind::Utc) => {
                    ("timestamp_us_utc", le_bytes(py, v, i64::to_le_bytes)?, None)
                }
                (Values::Int(v), Kind::Seconds) => {
                    ("float64", le_bytes(py, v, |us| (us as f64 / 1e6).to_le_bytes())?, None)
                }
                (Values::Int(v), Kind::Day) => {
                    ("date32", le_bytes(py, v, |d| (d as i32).to_le_bytes())?, None)
                }
                (Values::Int(v), _) => ("int64", le_bytes(py, v, i64::to_le_bytes)?, None),
                (Values::Float(v), _) => ("float64", le_bytes(py, v, f64::to_le_bytes)?, None),
                (Values::Flag(v), _) => ("bool", PyBytes::new(py, &pack(v)), None),
            };
            out.push((c.name, ty, rows, valid, values, offsets));
        }
        Ok(out)
    }

    /// `summary.json` as the run folder would hold it (before it was
    /// written: no `outputs`).
    fn summary_json(&self) -> String {
        let outcome = self.outcome.lock().expect("not poisoned");
        outcome.summary_json(&self.plan).to_string()
    }

    /// Writes the run folder `dir` as `lockstep detect --out DIR` would
    /// (put in place whole); the files written.
    fn save(&self, py: Python<'_>, dir: std::path::PathBuf) -> PyResult<Vec<String>> {
        let written = py.detach(|| {
            let mut outcome = self.outcome.lock().expect("not poisoned");
            outcome.save(&dir, &self.plan, &lockstep_pipeline::Quiet)
        });
        let written = written.map_err(|e| lockstep_error(&e))?;
        Ok(written.iter().map(|p| p.display().to_string()).collect())
    }
}

/// Writes the HTML report of the run folder `dir` (`lockstep report DIR`)
/// and returns its path.
#[pyfunction]
#[pyo3(signature = (dir, all_clusters=false))]
fn report(py: Python<'_>, dir: std::path::PathBuf, all_clusters: bool) -> PyResult<String> {
    let path = py.detach(|| {
        lockstep_report::check_run_folder(&dir).map_err(|e| lockstep_error(&e))?;
        let options = lockstep_html::ReportOptions { all_clusters };
        lockstep_html::write_report(&dir, options).map_err(|e| lockstep_error(&e))
    })?;
    Ok(path.display().to_string())
}

#[pymodule]
fn _lockstep(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(detect, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_class::<Run>()?;
    m.add("LockstepError", m.py().get_type::<LockstepError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

//! Reading the inputs, for `detect` and `ingest` alike: files through the
//! format readers, or a dataset folder through the store.

use crate::{Error, Observer, Stage};
use lockstep_ingest::{ColumnMap, FileSource, IngestConfig, Ingested, Source, StdinSource};
use lockstep_model::{Layer, LayerSet};
use lockstep_store::Manifest;
use serde_json::json;
use std::path::PathBuf;

/// What to read and how, as the user asks it.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Files, folders, `-` for standard input, or one dataset folder.
    pub paths: Vec<PathBuf>,
    /// A format name, or `None` to sniff each input.
    pub format: Option<String>,
    /// Column roles, `ROLE=COLUMN,...`.
    pub map: Option<String>,
    /// Column roles from a TOML file.
    pub map_file: Option<PathBuf>,
    /// Layer names to keep (`None`: every layer the input has).
    pub layers: Option<Vec<String>>,
    /// Stop at the first bad record.
    pub strict: bool,
    /// Keep times as stated, even where the post id has a finer one.
    pub stated_times: bool,
    /// The Mastodon server whose API served the inputs.
    pub served_by: Option<String>,
}

impl InputOptions {
    /// Every input read with the defaults.
    pub fn new(paths: Vec<PathBuf>) -> InputOptions {
        InputOptions { paths, ..InputOptions::default() }
    }
}

/// The inputs of a run: files, or one dataset folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inputs {
    /// Files (and folders of files, and `-`) for the format readers.
    Files(Vec<PathBuf>),
    /// A dataset folder written by `lockstep ingest`.
    Dataset(PathBuf),
    /// A table handed over in memory (a DataFrame, by the Python
    /// package), read as the shares CSV of its columns
    /// ([`lockstep_ingest::table`]).
    Table {
        /// Its name in messages and in `summary.json`.
        name: String,
        /// Its columns.
        columns: std::sync::Arc<Vec<lockstep_ingest::table::Column>>,
    },
}

/// The layers the user selected (`None`: every layer the input has).
pub fn selected_layers(a: &InputOptions) -> Result<Option<LayerSet>, Error> {
    let Some(names) = &a.layers else { return Ok(None) };
    LayerSet::parse_names(names).map(Some).map_err(|e| Error::Plan(e.to_string()))
}

/// The ingest options, checked. `near_text` is derived from the `text`
/// layer after reading, so selecting it reads `text`.
pub fn ingest_config(a: &InputOptions) -> Result<IngestConfig, Error> {
    let layers = selected_layers(a)?.map(|mut l| {
        if l.contains(Layer::NearText) {
            l.0 &= !(1 << Layer::NearText.index());
            l.insert(Layer::Text);
        }
        l
    });
    let map = match (&a.map, &a.map_file) {
        (Some(m), _) => Some(m.parse::<ColumnMap>()?),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file).map_err(|source| Error::Io {
                what: format!("cannot read the mapping file `{}`", file.display()),
                source,
            })?;
            Some(ColumnMap::from_toml(&file.display().to_string(), &text)?)
        }
        (None, None) => None,
    };
    Ok(IngestConfig {
        format: a.format.clone(),
        map,
        layers,
        strict: a.strict,
        keep_text: false,
        stated_times: a.stated_times,
        served_by: a.served_by.clone(),
        spill: None,
    })
}

/// The ingest options as the user gave them, for summaries and manifests.
pub fn parameters(a: &InputOptions, c: &IngestConfig) -> serde_json::Value {
    json!({
        "format": c.format.as_deref().unwrap_or("auto"),
        "map": a.map,
        "map_file": a.map_file.as_ref().map(|f| f.display().to_string()),
        "layers": c.layers.map(|l| l.join(",")),
        "strict": c.strict,
        "stated_times": c.stated_times,
        "served_by": c.served_by,
    })
}

/// Whether the inputs are files or a dataset (`allow_dataset`: a dataset
/// folder may be one); an error if a dataset comes with other inputs or
/// with options that only parsing uses.
pub fn resolve(a: &InputOptions, allow_dataset: bool) -> Result<Inputs, Error> {
    // A dataset's tables without its manifest (written last) are not a
    // dataset, and not inputs either.
    for p in &a.paths {
        let tables = lockstep_store::TABLES.iter().any(|t| p.join(t).exists());
        if p.is_dir() && tables && !lockstep_store::is_dataset(p) {
            return Err(Error::Plan(format!(
                "`{}` holds a dataset's tables but no `{}` (written last): its ingest did not finish; run `lockstep ingest` again",
                p.display(),
                lockstep_store::MANIFEST
            )));
        }
    }
    let Some(dir) = a.paths.iter().find(|p| lockstep_store::is_dataset(p)) else {
        return Ok(Inputs::Files(a.paths.clone()));
    };
    if !allow_dataset {
        return Err(Error::Plan(format!(
            "`{}` is already a dataset: `lockstep detect` reads it",
            dir.display()
        )));
    }
    if a.paths.len() > 1 {
        return Err(Error::Plan(format!(
            "`{}` is a dataset: read it alone, or ingest every input into one dataset with `lockstep ingest`",
            dir.display()
        )));
    }
    let parsing_options: Vec<&str> = [
        (a.format.is_some(), "--format"),
        (a.map.is_some(), "--map"),
        (a.map_file.is_some(), "--map-file"),
        (a.strict, "--strict"),
        (a.stated_times, "--stated-times"),
        (a.served_by.is_some(), "--served-by"),
    ]
    .into_iter()
    .filter_map(|(given, option)| given.then_some(option))
    .collect();
    if !parsing_options.is_empty() {
        return Err(Error::Plan(format!(
            "`{}` is a dataset, parsed when it was ingested: {} {} to `lockstep ingest`, not to reading a dataset",
            dir.display(),
            parsing_options.join(", "),
            if parsing_options.len() == 1 { "applies" } else { "apply" }
        )));
    }
    Ok(Inputs::Dataset(dir.clone()))
}

/// What was read, and the dataset it came from, if any.
pub struct Loaded {
    /// The dataset, each input's report and the skips.
    pub ingested: Ingested,
    /// The dataset folder and its manifest, when the input was one.
    pub dataset: Option<(PathBuf, Manifest)>,
}

/// Reads the inputs, telling `observer` how far it got.
pub fn read(inputs: &Inputs, c: &IngestConfig, observer: &dyn Observer) -> Result<Loaded, Error> {
    observer.begin(Stage::Reading);
    let paths = match inputs {
        Inputs::Dataset(dir) => {
            observer.reading_dataset(dir);
            let (manifest, ingested) = lockstep_store::read_ingested(dir, c.layers)?;
            return Ok(Loaded { ingested, dataset: Some((dir.clone(), manifest)) });
        }
        Inputs::Files(paths) => paths,
        Inputs::Table { name, columns } => {
            let ingested =
                lockstep_ingest::table::ingest_table(name, columns, c, &|p| observer.reading(&p))?;
            return Ok(Loaded { ingested, dataset: None });
        }
    };
    let inputs = lockstep_ingest::expand_inputs(paths)
        .map_err(|source| Error::Io { what: "cannot list the inputs".into(), source })?;
    let sources: Vec<Box<dyn Source>> = inputs
        .iter()
        .map(|p| -> Box<dyn Source> {
            if p.as_os_str() == "-" {
                Box::new(StdinSource)
            } else {
                Box::new(FileSource::new(p))
            }
        })
        .collect();
    let ingested = lockstep_ingest::ingest(&sources, c, &|p| observer.reading(&p))?;
    Ok(Loaded { ingested, dataset: None })
}

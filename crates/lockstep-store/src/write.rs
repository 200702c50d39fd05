use crate::columns::TableWriter;
use crate::{Manifest, StoreError, TableInfo, FORMAT_VERSION, MANIFEST, ROW_GROUP_ROWS};
use lockstep_model::{Dataset, FileReport, Layer, SkipLog};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int32Type, Int64Type};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) const ACTIONS: &str = "message actions {
  REQUIRED INT32 account_id (INTEGER(32,false));
  REQUIRED INT32 object_id (INTEGER(32,false));
  REQUIRED BYTE_ARRAY layer (STRING);
  REQUIRED INT32 content_id (INTEGER(32,false));
  REQUIRED INT64 time_us (TIMESTAMP(MICROS,true));
  REQUIRED BYTE_ARRAY platform (STRING);
  REQUIRED BOOLEAN self_ref;
  REQUIRED INT64 action_id;
}";

pub(crate) const ACCOUNTS: &str = "message accounts {
  REQUIRED INT32 account_id (INTEGER(32,false));
  REQUIRED BYTE_ARRAY name (STRING);
  OPTIONAL BYTE_ARRAY handle (STRING);
  OPTIONAL BYTE_ARRAY display_name (STRING);
  OPTIONAL BYTE_ARRAY bio (STRING);
  OPTIONAL INT64 created_at_us (TIMESTAMP(MICROS,true));
  OPTIONAL INT64 followers (INTEGER(64,false));
  OPTIONAL INT64 following (INTEGER(64,false));
  OPTIONAL BYTE_ARRAY language (STRING);
  OPTIONAL BYTE_ARRAY client_app (STRING);
  OPTIONAL BOOLEAN default_image;
}";

pub(crate) const OBJECTS: &str = "message objects {
  REQUIRED INT32 object_id (INTEGER(32,false));
  REQUIRED BYTE_ARRAY layer (STRING);
  REQUIRED BYTE_ARRAY name (STRING);
  OPTIONAL INT64 original_us (TIMESTAMP(MICROS,true));
}";

pub(crate) const CONTENTS: &str = "message contents {
  REQUIRED INT32 content_id (INTEGER(32,false));
  REQUIRED BYTE_ARRAY name (STRING);
  OPTIONAL BYTE_ARRAY text (STRING);
  OPTIONAL BYTE_ARRAY language (STRING);
}";

/// Whether a dataset folder holds a file of this name.
fn is_dataset_file(name: &str) -> bool {
    name == MANIFEST || crate::TABLES.contains(&name)
}

/// Writes `ds` and its provenance as a dataset in `target` and returns the
/// manifest. `target` must be missing, empty or an earlier dataset (which is
/// replaced). The dataset is written beside `target` and put in its place
/// when complete ([`lockstep_model::folder`]): a writer killed midway
/// leaves the earlier dataset whole.
pub fn write_dataset(
    target: &Path,
    ds: &Dataset,
    inputs: &[FileReport],
    skips: &SkipLog,
    ingest: serde_json::Value,
) -> Result<Manifest, StoreError> {
    refuse_foreign(target)?;
    let staged = lockstep_model::folder::StagedFolder::begin(target, is_dataset_file)
        .map_err(StoreError::io(target))?;
    let dir = staged.dir();
    let (actions, (accounts, (objects, contents))) = rayon::join(
        || write_actions(dir, ds),
        || {
            rayon::join(
                || write_accounts(dir, ds),
                || rayon::join(|| write_objects(dir, ds), || write_contents(dir, ds)),
            )
        },
    );
    let tables: BTreeMap<String, TableInfo> = crate::TABLES
        .iter()
        .map(|t| t.to_string())
        .zip([actions?, accounts?, objects?, contents?])
        .collect();
    let manifest = Manifest {
        lockstep_dataset: FORMAT_VERSION,
        lockstep_version: env!("CARGO_PKG_VERSION").to_string(),
        ingest,
        inputs: inputs.to_vec(),
        skips: skips.clone(),
        tables,
    };
    let path = dir.join(MANIFEST);
    let mut text = serde_json::to_string_pretty(&manifest).expect("the manifest serialises");
    text.push('\n');
    std::fs::write(&path, text).map_err(StoreError::io(&path))?;
    staged.commit().map_err(StoreError::io(target))?;
    Ok(manifest)
}

/// Refuses a `dir` that holds anything the user might want: only an
/// earlier dataset's own files are replaced.
fn refuse_foreign(dir: &Path) -> Result<(), StoreError> {
    if !dir.exists() {
        return Ok(());
    }
    let mut foreign = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(StoreError::io(dir))? {
        let name = entry.map_err(StoreError::io(dir))?.file_name();
        let name = name.to_string_lossy();
        if !is_dataset_file(&name) {
            foreign.push(name.into_owned());
        }
    }
    if !foreign.is_empty() {
        foreign.sort();
        return Err(StoreError::invalid(
            dir,
            format!(
                "holds files that are not part of a lockstep dataset ({}); choose an empty or new folder",
                foreign.join(", ")
            ),
        ));
    }
    Ok(())
}

fn ids(range: std::ops::Range<usize>) -> Vec<i32> {
    // Ids are stored as the bits of an unsigned 32-bit integer.
    range.map(|i| i as u32 as i32).collect()
}

fn as_i32(v: &[u32]) -> Vec<i32> {
    v.iter().map(|&x| x as i32).collect()
}

fn chunks(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n.div_ceil(ROW_GROUP_ROWS))
        .map(move |g| g * ROW_GROUP_ROWS..((g + 1) * ROW_GROUP_ROWS).min(n))
}

fn write_actions(dir: &Path, ds: &Dataset) -> Result<TableInfo, StoreError> {
    let t = &ds.actions;
    let mut w = TableWriter::create(dir.join("actions.parquet"), ACTIONS)?;
    // One shared buffer per layer and platform: a clone is a reference count.
    let layers: Vec<ByteArray> = Layer::ALL.iter().map(|l| ByteArray::from(l.name())).collect();
    let platforms: Vec<ByteArray> =
        (0..ds.platforms.len() as u32).map(|p| ByteArray::from(ds.platforms.resolve(p))).collect();
    for r in chunks(t.len()) {
        w.row_group(r.len(), |c| {
            c.required::<Int32Type>(&as_i32(&t.account[r.clone()]))?;
            c.required::<Int32Type>(&as_i32(&t.object[r.clone()]))?;
            let layer: Vec<ByteArray> =
                t.layer[r.clone()].iter().map(|&l| layers[l as usize].clone()).collect();
            c.required::<ByteArrayType>(&layer)?;
            c.required::<Int32Type>(&as_i32(&t.content[r.clone()]))?;
            c.required::<Int64Type>(&t.time_us[r.clone()])?;
            let platform: Vec<ByteArray> =
                t.platform[r.clone()].iter().map(|&p| platforms[p as usize].clone()).collect();
            c.required::<ByteArrayType>(&platform)?;
            c.required::<BoolType>(&t.self_ref[r.clone()])?;
            // The row number, explicit: detection orders ties in time by
            // input order, and an engine that reads the file in parallel
            // (DuckDB, Spark, DataFusion) does not know it otherwise.
            c.required::<Int64Type>(&r.clone().map(|i| i as i64).collect::<Vec<_>>())
        })?;
    }
    w.finish()
}

/// Present values and definition levels of an optional column.
fn optional<T, U: Clone>(col: &[Option<T>], f: impl Fn(&T) -> U) -> (Vec<U>, Vec<i16>) {
    let mut values = Vec::new();
    let def = col
        .iter()
        .map(|v| match v {
            Some(v) => {
                values.push(f(v));
                1
            }
            None => 0,
        })
        .collect();
    (values, def)
}

fn write_accounts(dir: &Path, ds: &Dataset) -> Result<TableInfo, StoreError> {
    let m = &ds.account_meta;
    let mut w = TableWriter::create(dir.join("accounts.parquet"), ACCOUNTS)?;
    for r in chunks(ds.accounts.len()) {
        w.row_group(r.len(), |c| {
            c.required::<Int32Type>(&ids(r.clone()))?;
            let names: Vec<ByteArray> =
                r.clone().map(|i| ByteArray::from(ds.accounts.resolve(i as u32))).collect();
            c.required::<ByteArrayType>(&names)?;
            for col in [&m.handle, &m.display_name, &m.bio] {
                let (v, d) = optional(&col[r.clone()], |s| ByteArray::from(&**s));
                c.optional::<ByteArrayType>(&v, &d)?;
            }
            let (v, d) = optional(&m.created_at_us[r.clone()], |&t| t);
            c.optional::<Int64Type>(&v, &d)?;
            for col in [&m.followers, &m.following] {
                // Unsigned 64-bit counts are stored as their bits.
                let (v, d) = optional(&col[r.clone()], |&n| n as i64);
                c.optional::<Int64Type>(&v, &d)?;
            }
            for col in [&m.language, &m.client_app] {
                let (v, d) = optional(&col[r.clone()], |s| ByteArray::from(&**s));
                c.optional::<ByteArrayType>(&v, &d)?;
            }
            let (v, d) = optional(&m.default_image[r.clone()], |&b| b);
            c.optional::<BoolType>(&v, &d)?;
            Ok(())
        })?;
    }
    w.finish()
}

fn write_objects(dir: &Path, ds: &Dataset) -> Result<TableInfo, StoreError> {
    let mut w = TableWriter::create(dir.join("objects.parquet"), OBJECTS)?;
    let layers: Vec<ByteArray> = Layer::ALL.iter().map(|l| ByteArray::from(l.name())).collect();
    for r in chunks(ds.objects.len()) {
        w.row_group(r.len(), |c| {
            c.required::<Int32Type>(&ids(r.clone()))?;
            let layer: Vec<ByteArray> =
                r.clone().map(|i| layers[ds.object_layer(i as u32) as usize].clone()).collect();
            c.required::<ByteArrayType>(&layer)?;
            let names: Vec<ByteArray> =
                r.clone().map(|i| ByteArray::from(ds.object_name(i as u32))).collect();
            c.required::<ByteArrayType>(&names)?;
            let times: Vec<Option<i64>> =
                r.clone().map(|i| ds.original_us.get(i).copied().flatten()).collect();
            let (v, d) = optional(&times, |&t| t);
            c.optional::<Int64Type>(&v, &d)
        })?;
    }
    w.finish()
}

fn write_contents(dir: &Path, ds: &Dataset) -> Result<TableInfo, StoreError> {
    let names = &ds.contents;
    let mut w = TableWriter::create(dir.join("contents.parquet"), CONTENTS)?;
    for r in chunks(names.len()) {
        w.row_group(r.len(), |c| {
            c.required::<Int32Type>(&ids(r.clone()))?;
            let v: Vec<ByteArray> =
                r.clone().map(|i| ByteArray::from(names.resolve(i as u32))).collect();
            c.required::<ByteArrayType>(&v)?;
            let texts: Vec<Option<&str>> = r.clone().map(|i| ds.post_text(i as u32)).collect();
            let (v, d) = optional(&texts, |t| ByteArray::from(*t));
            c.optional::<ByteArrayType>(&v, &d)?;
            let languages: Vec<Option<&str>> =
                r.clone().map(|i| ds.post_language(i as u32)).collect();
            let (v, d) = optional(&languages, |t| ByteArray::from(*t));
            c.optional::<ByteArrayType>(&v, &d)
        })?;
    }
    w.finish()
}

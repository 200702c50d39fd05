use crate::columns::{sha256_file, TableReader};
use crate::write::{ACCOUNTS, ACTIONS, CONTENTS, OBJECTS};
use crate::{Manifest, StoreError, FORMAT_VERSION, MANIFEST};
use lockstep_model::{AccountTable, Dataset, Interner, LanguageTag, Layer, Strings};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, Int32Type, Int64Type};
use rayon::prelude::*;
use std::path::Path;

/// True when `dir` is a folder with a dataset manifest.
pub fn is_dataset(dir: &Path) -> bool {
    dir.is_dir() && dir.join(MANIFEST).is_file()
}

/// Reads the dataset in `dir`: its manifest and its tables, checked against
/// each other.
pub fn read_dataset(dir: &Path) -> Result<(Manifest, Dataset), StoreError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(StoreError::io(&path))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| StoreError::invalid(&path, format!("not a lockstep dataset manifest: {e}")))?;
    if manifest.lockstep_dataset != FORMAT_VERSION {
        return Err(StoreError::invalid(
            &path,
            format!(
                "dataset format version {} (written by lockstep {}); this lockstep reads version {FORMAT_VERSION}: re-run `lockstep ingest`",
                manifest.lockstep_dataset, manifest.lockstep_version
            ),
        ));
    }
    crate::TABLES.par_iter().try_for_each(|t| check_table(dir, t, &manifest))?;
    let open = |name: &str, schema: &str| -> Result<TableReader, StoreError> {
        let r = TableReader::open(dir.join(name), schema)?;
        let expected = manifest.tables[name].rows;
        if r.rows != expected {
            return Err(StoreError::invalid(
                &r.path,
                format!("has {} rows, the manifest says {expected}", r.rows),
            ));
        }
        Ok(r)
    };
    let actions = open("actions.parquet", ACTIONS)?;
    let accounts = open("accounts.parquet", ACCOUNTS)?;
    let objects = open("objects.parquet", OBJECTS)?;
    let contents = open("contents.parquet", CONTENTS)?;
    let from_inputs: u64 = manifest.inputs.iter().map(|f| f.actions).sum();
    if from_inputs != actions.rows {
        return Err(StoreError::invalid(
            &actions.path,
            format!("has {} rows, the manifest's inputs gave {from_inputs} actions", actions.rows),
        ));
    }

    let (accounts, (objects, contents)) = rayon::join(
        || read_accounts(&accounts),
        || rayon::join(|| read_objects(&objects), || read_contents(&contents)),
    );
    let ((names, meta), (objects, object_layers, original_us), contents) =
        (accounts?, objects?, contents?);
    let Contents { names: contents, texts, content_text, content_language } = contents;
    let mut ds = Dataset {
        accounts: names,
        account_meta: meta,
        objects,
        contents,
        texts,
        content_text,
        content_language,
        original_us,
        ..Default::default()
    };
    read_actions(&actions, &mut ds, &object_layers)?;
    Ok((manifest, ds))
}

fn check_table(dir: &Path, name: &str, manifest: &Manifest) -> Result<(), StoreError> {
    let path = dir.join(name);
    let info = manifest.tables.get(name).ok_or_else(|| {
        StoreError::invalid(&dir.join(MANIFEST), format!("lists no table `{name}`"))
    })?;
    let sha = sha256_file(&path)?;
    if sha != info.sha256 {
        return Err(StoreError::invalid(
            &path,
            format!(
                "changed since the dataset was written: its SHA-256 is {sha}, the manifest says {}",
                info.sha256
            ),
        ));
    }
    Ok(())
}

fn utf8<'a>(
    t: &TableReader,
    row: u64,
    field: &str,
    v: &'a ByteArray,
) -> Result<&'a str, StoreError> {
    std::str::from_utf8(v.data()).map_err(|_| t.bad(row, field, "not UTF-8"))
}

fn layer_of(t: &TableReader, row: u64, v: &ByteArray) -> Result<Layer, StoreError> {
    let b = v.data();
    Layer::ALL.iter().copied().find(|l| l.name().as_bytes() == b).ok_or_else(|| {
        t.bad(row, "layer", format!("unknown layer `{}`", String::from_utf8_lossy(b)))
    })
}

fn required<T>(v: Option<T>) -> T {
    // Required columns have no nulls: TableReader::open checked the schema.
    v.expect("a required column has a value in every row")
}

/// Checks that the id column holds the row numbers.
fn check_ids(t: &TableReader, field: &str) -> Result<(), StoreError> {
    t.column::<Int32Type>(0, |row, v| {
        let id = *required(v) as u32;
        if u64::from(id) != row {
            return Err(t.bad(row, field, format!("id {id} is not its row number")));
        }
        Ok(())
    })
}

fn read_names(t: &TableReader, id_field: &str) -> Result<Strings, StoreError> {
    check_ids(t, id_field)?;
    let mut out = Strings::default();
    t.column::<ByteArrayType>(1, |row, v| {
        out.push(utf8(t, row, "name", required(v))?);
        Ok(())
    })?;
    Ok(out)
}

/// The contents table, as [`Dataset`] holds it.
struct Contents {
    names: Strings,
    texts: Strings,
    content_text: Vec<u32>,
    content_language: Vec<LanguageTag>,
}

/// Content ids, their post texts and those texts' languages (each empty
/// when none was kept).
fn read_contents(t: &TableReader) -> Result<Contents, StoreError> {
    let names = read_names(t, "content_id")?;
    let (mut texts, mut content_text) = (Strings::default(), Vec::new());
    t.column::<ByteArrayType>(2, |row, v| {
        content_text.push(match v {
            Some(v) => texts.push(utf8(t, row, "text", v)?),
            None => lockstep_model::NO_TEXT,
        });
        Ok(())
    })?;
    if texts.is_empty() {
        content_text.clear();
    }
    // The table holds a text per content: equal texts are stored once in
    // a dataset, numbered by their first content id (as
    // `Dataset::canonical_texts` leaves them).
    let (codes, texts) = texts.into_encoded();
    let mut codes = codes.into_iter();
    for t in content_text.iter_mut().filter(|t| **t != lockstep_model::NO_TEXT) {
        *t = codes.next().expect("a code per text");
    }
    let mut content_language = Vec::new();
    t.column::<ByteArrayType>(3, |row, v| {
        content_language.push(match v {
            Some(v) => {
                let tag = LanguageTag::parse(utf8(t, row, "language", v)?);
                if tag.is_none() {
                    return Err(t.bad(row, "language", "not a language tag"));
                }
                tag
            }
            None => LanguageTag::NONE,
        });
        Ok(())
    })?;
    if content_language.iter().all(LanguageTag::is_none) {
        content_language.clear();
    }
    Ok(Contents { names, texts, content_text, content_language })
}

/// Names, layers and the originals' times (empty when none is known).
type Objects = (Strings, Vec<Layer>, Vec<Option<i64>>);

fn read_objects(t: &TableReader) -> Result<Objects, StoreError> {
    check_ids(t, "object_id")?;
    let mut layers = Vec::with_capacity(t.rows as usize);
    t.column::<ByteArrayType>(1, |row, v| {
        layers.push(layer_of(t, row, required(v))?);
        Ok(())
    })?;
    let mut out = Strings::default();
    let mut key = String::new();
    t.column::<ByteArrayType>(2, |row, v| {
        // The in-memory key starts with one byte that names the layer.
        key.clear();
        key.push((b'a' + layers[row as usize] as u8) as char);
        key.push_str(utf8(t, row, "name", required(v))?);
        out.push(&key);
        Ok(())
    })?;
    let mut original = vec![None; t.rows as usize];
    t.column::<Int64Type>(3, |row, v| {
        original[row as usize] = v.copied();
        Ok(())
    })?;
    if original.iter().all(Option::is_none) {
        original = Vec::new();
    }
    Ok((out, layers, original))
}

fn read_accounts(t: &TableReader) -> Result<(Strings, AccountTable), StoreError> {
    let names = read_names(t, "account_id")?;
    let mut m = AccountTable::default();
    m.ensure(names.len());
    type TextColumn = Vec<Option<Box<str>>>;
    let text_columns: [(usize, &str, &mut TextColumn); 5] = [
        (2, "handle", &mut m.handle),
        (3, "display_name", &mut m.display_name),
        (4, "bio", &mut m.bio),
        (8, "language", &mut m.language),
        (9, "client_app", &mut m.client_app),
    ];
    for (col, field, out) in text_columns {
        t.column::<ByteArrayType>(col, |row, v| {
            if let Some(v) = v {
                out[row as usize] = Some(utf8(t, row, field, v)?.into());
            }
            Ok(())
        })?;
    }
    t.column::<Int64Type>(5, |row, v| {
        m.created_at_us[row as usize] = v.copied();
        Ok(())
    })?;
    for (col, out) in [(6, &mut m.followers), (7, &mut m.following)] {
        t.column::<Int64Type>(col, |row, v| {
            out[row as usize] = v.map(|&n| n as u64);
            Ok(())
        })?;
    }
    t.column::<BoolType>(10, |row, v| {
        m.default_image[row as usize] = v.copied();
        Ok(())
    })?;
    Ok((names, m))
}

/// Every value of required column `col`, through `f` (which may refuse a
/// value, naming its row).
fn values<T: DataType, U>(
    t: &TableReader,
    col: usize,
    f: impl Fn(u64, &T::T) -> Result<U, StoreError>,
) -> Result<Vec<U>, StoreError> {
    let mut out = Vec::with_capacity(t.rows as usize);
    t.column::<T>(col, |row, v| {
        out.push(f(row, required(v))?);
        Ok(())
    })?;
    Ok(out)
}

/// An id column checked against the size of the table it points into.
fn id_column(
    t: &TableReader,
    col: usize,
    field: &str,
    bound: usize,
) -> Result<Vec<u32>, StoreError> {
    values::<Int32Type, _>(t, col, |row, &v| {
        let id = v as u32;
        if id as usize >= bound {
            return Err(t.bad(row, field, format!("id {id} is not in its table ({bound} rows)")));
        }
        Ok(id)
    })
}

fn read_actions(
    t: &TableReader,
    ds: &mut Dataset,
    object_layers: &[Layer],
) -> Result<(), StoreError> {
    let n = t.rows as usize;
    let (accounts, objects, contents) = (ds.accounts.len(), ds.objects.len(), ds.contents.len());
    // One column per task; each fills its own slot.
    let (mut account, mut object, mut layer, mut content) = (None, None, None, None);
    let (mut time_us, mut platform, mut self_ref, mut action_id) = (None, None, None, None);
    rayon::scope(|s| {
        s.spawn(|_| account = Some(id_column(t, 0, "account_id", accounts)));
        s.spawn(|_| object = Some(id_column(t, 1, "object_id", objects)));
        s.spawn(|_| layer = Some(values::<ByteArrayType, _>(t, 2, |row, v| layer_of(t, row, v))));
        s.spawn(|_| content = Some(id_column(t, 3, "content_id", contents)));
        s.spawn(|_| time_us = Some(values::<Int64Type, _>(t, 4, |_, &v| Ok(v))));
        s.spawn(|_| platform = Some(read_platforms(t)));
        s.spawn(|_| self_ref = Some(values::<BoolType, _>(t, 6, |_, &v| Ok(v))));
        s.spawn(|_| {
            action_id = Some(values::<Int64Type, _>(t, 7, |row, &v| {
                if v == row as i64 {
                    Ok(())
                } else {
                    Err(t.bad(row, "action_id", format!("{v}, not its row number {row}")))
                }
            }))
        });
    });
    let done = "every column task ran";
    let (account, object, layer, content, time_us, platform, self_ref) = (
        account.expect(done),
        object.expect(done),
        layer.expect(done),
        content.expect(done),
        time_us.expect(done),
        platform.expect(done),
        self_ref.expect(done),
    );
    let a = &mut ds.actions;
    (a.account, a.object, a.layer, a.content, a.time_us, a.self_ref) =
        (account?, object?, layer?, content?, time_us?, self_ref?);
    (a.platform, ds.platforms) = platform?;
    action_id.expect(done)?;
    if let Some(row) = (0..n).find(|&i| a.layer[i] != object_layers[a.object[i] as usize]) {
        let o = a.object[row] as usize;
        return Err(t.bad(
            row as u64,
            "layer",
            format!("`{}`, but object {o} is on layer `{}`", a.layer[row], object_layers[o]),
        ));
    }
    Ok(())
}

/// Platform names, interned in row order as the ingest did.
fn read_platforms(t: &TableReader) -> Result<(Vec<u16>, Interner), StoreError> {
    let mut ids = Vec::with_capacity(t.rows as usize);
    let mut platforms = Interner::default();
    let mut last: Option<(ByteArray, u16)> = None;
    t.column::<ByteArrayType>(5, |row, v| {
        let v = required(v);
        let id = match &last {
            Some((b, id)) if b == v => *id,
            _ => {
                let id = platforms.intern(utf8(t, row, "platform", v)?);
                let id = u16::try_from(id)
                    .map_err(|_| t.bad(row, "platform", "more than 65,535 platforms"))?;
                last = Some((v.clone(), id));
                id
            }
        };
        ids.push(id);
        Ok(())
    })?;
    Ok((ids, platforms))
}

/// Reads the dataset in `dir` as the ingest that wrote it returned it,
/// keeping only the actions on `layers` when given. Each input's action
/// counts then say how many were left out, by layer, as an ingest that
/// selected the layers would; its records used still count the records
/// that gave an action on any layer, which a note says.
pub fn read_ingested(
    dir: &Path,
    layers: Option<lockstep_model::LayerSet>,
) -> Result<(Manifest, lockstep_model::Ingested), StoreError> {
    let (manifest, dataset) = read_dataset(dir)?;
    let mut ingested = lockstep_model::Ingested {
        dataset,
        files: manifest.inputs.clone(),
        skips: manifest.skips.clone(),
    };
    if let Some(layers) = layers {
        let note = format!(
            "layers {} selected from dataset `{}`: records used counts the records that gave an action on any layer",
            layers.join(","),
            dir.display()
        );
        ingested.select_layers(layers, Some(&note));
    }
    Ok((manifest, ingested))
}

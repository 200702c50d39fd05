//! Shares CSV: one row per share, CooRTweet's layout
//! `object_id, account_id, content_id, timestamp_share`, or any CSV whose
//! columns are named by `--map ROLE=COLUMN,...` (one layer per mapped
//! column). An empty object cell means no action on that layer in that row.

use super::account_and_content;
use super::csv_chunks::ChunkedCsv;
use crate::mapping::{ColumnMap, Role};
use crate::text::{canonical_url, normalize_exact, normalize_tag};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{ActionInput, LanguageTag, Layer};
use std::io::BufRead;

/// The shares CSV format.
#[derive(Debug, Clone, Copy)]
pub struct SharesCsv;

impl Format for SharesCsv {
    fn name(&self) -> &'static str {
        "shares-csv"
    }
    fn description(&self) -> &'static str {
        "CSV with one share per row: CooRTweet's object_id,account_id,content_id,timestamp_share or any columns named by --map"
    }
    fn example(&self) -> &'static str {
        "object_id,account_id,content_id,timestamp_share\nt1,alice,p1,1623881091\nt1,bob,p2,1623881100"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        // Any CSV header with a comma; the mapping decides the columns.
        let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
        line.contains(&b',') && !super::json::looks_like_json(head)
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let file = ctx.report.path.clone();
        let csv = ChunkedCsv::open(input, &file)?;
        read_chunks(csv, ctx)
    }
}

fn read_chunks(csv: ChunkedCsv<'_>, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
    let file = ctx.report.path.clone();
    {
        let layout = Layout::of(&csv.header, &file, ctx.config.map.as_ref())?;
        csv.for_each(ctx, &|rec, line, ctx| layout.row(rec, line, ctx))
    }
}

/// Reads on one thread through the `csv` crate's reader: the oracle of
/// [`SharesCsv::read`]'s chunks on all cores.
#[cfg(test)]
fn read_one_thread(input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
    let file = ctx.report.path.clone();
    let mut csv = super::CsvInput::open(input, &file)?;
    let layout = Layout::of(&csv.header, &file, ctx.config.map.as_ref())?;
    csv.for_each(ctx, |rec, line, ctx| layout.row(rec, line, ctx))
}

/// Where a file's roles are, from its header and the mapping.
pub(crate) struct Layout {
    names: Vec<String>,
    account: usize,
    content: usize,
    timestamp: usize,
    /// Each mapped layer's column, and the column's name.
    layers: Vec<(Layer, usize, String)>,
    /// The layers' column names, `|`-separated: the field of a record
    /// with no object.
    layer_columns: String,
    platform: Option<usize>,
    /// The post text, kept when asked: the `text` cell of a row that is
    /// not a repost (a repost's text is the original's).
    text: Option<usize>,
    repost: Option<usize>,
}

impl Layout {
    pub(crate) fn of(
        header: &[String],
        file: &str,
        map: Option<&ColumnMap>,
    ) -> Result<Layout, IngestError> {
        let map = match map {
            Some(m) => m.clone().over_defaults(),
            None => ColumnMap::coortweet(),
        };
        let mut wanted: Vec<&str> = Vec::new();
        for role in [Role::Account, Role::Content, Role::Timestamp] {
            match map.column(role) {
                Some(c) => wanted.push(c),
                None => {
                    return Err(IngestError::Config(format!("`--map` names no `{role}` column")))
                }
            }
        }
        let layers: Vec<(Layer, &str)> = map
            .0
            .iter()
            .filter_map(|(r, c)| match r {
                Role::Layer(l) => Some((*l, c.as_str())),
                _ => None,
            })
            .collect();
        if layers.is_empty() {
            return Err(IngestError::Config("`--map` names no object or layer column".into()));
        }
        wanted.extend(layers.iter().map(|(_, c)| *c));
        let platform_col = map.column(Role::Platform);
        if let Some(p) = platform_col {
            wanted.push(p);
        }
        let expected =
            map.0.iter().map(|(r, c)| format!("{r}=`{c}`")).collect::<Vec<_>>().join(", ");
        let idx = super::find_columns(header, file, &wanted, &expected)?;
        let layers: Vec<(Layer, usize, String)> =
            layers.iter().zip(&idx[3..]).map(|((l, c), i)| (*l, *i, c.to_string())).collect();
        Ok(Layout {
            names: header.to_vec(),
            account: idx[0],
            content: idx[1],
            timestamp: idx[2],
            platform: platform_col.map(|_| idx[idx.len() - 1]),
            text: layers.iter().find(|l| l.0 == Layer::Text).map(|l| l.1),
            repost: layers.iter().find(|l| l.0 == Layer::Repost).map(|l| l.1),
            layer_columns: layers.iter().map(|l| l.2.as_str()).collect::<Vec<_>>().join("|"),
            layers,
        })
    }

    /// One record's actions, one per mapped layer with an object.
    pub(crate) fn row(
        &self,
        rec: &csv::StringRecord,
        line: u64,
        ctx: &mut ReadCtx<'_>,
    ) -> Result<(), IngestError> {
        let Some((account, content)) =
            account_and_content(rec, line, ctx, &self.names, (self.account, self.content))?
        else {
            return Ok(());
        };
        let time_us = match parse_timestamp(&rec[self.timestamp]) {
            Ok(t) => t,
            Err(msg) => return ctx.skip(line, &self.names[self.timestamp], "bad timestamp", msg),
        };
        let platform = self.platform.map_or("", |i| rec[i].trim());
        let mut used = false;
        for (layer, i, _) in &self.layers {
            let (layer, object) = (*layer, rec[*i].trim());
            if object.is_empty() {
                ctx.empty[layer.index()] += 1;
                continue;
            }
            if !ctx.wants(layer) {
                ctx.unselected[layer.index()] += 1;
                continue;
            }
            // URLs, hashtags, mentions and text are matched in one form
            // whatever the export (see `text`); other columns as given.
            let canonical = match layer {
                Layer::Url => Some(canonical_url(object)),
                Layer::Hashtag | Layer::Mention => Some(normalize_tag(object)),
                Layer::Text => Some(normalize_exact(object)),
                _ => None,
            };
            let object = canonical.as_deref().unwrap_or(object);
            if object.is_empty() {
                ctx.empty[layer.index()] += 1;
                continue;
            }
            let row = ctx.builder.push_action(ActionInput {
                account,
                object,
                layer,
                content,
                time_us,
                platform,
            });
            ctx.report.actions += 1;
            // The post's words as written: for every post when asked, and
            // by default where the text layer is read (its object is only
            // the normalised form; talking points show them as written).
            if !used
                && (ctx.config.keep_text || (self.text.is_some() && ctx.wants(Layer::Text)))
                && self.repost.is_none_or(|r| rec[r].trim().is_empty())
            {
                if let Some(text) = self.text.map(|t| rec[t].trim()).filter(|t| !t.is_empty()) {
                    ctx.builder.set_post_text(row, text, LanguageTag::NONE);
                }
            }
            used = true;
        }
        if used {
            ctx.report.records_used += 1;
        } else {
            ctx.unused(line, &self.layer_columns, "no object on a selected layer", String::new());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IngestConfig;
    use lockstep_model::{Dataset, FileReport, SkipLog};
    use proptest::prelude::*;

    type Read = (Result<(), String>, Dataset, FileReport, SkipLog, [u64; 2 * Layer::ALL.len()]);

    fn read_with(
        bytes: &[u8],
        config: &IngestConfig,
        read: impl FnOnce(&mut dyn BufRead, &mut ReadCtx<'_>) -> Result<(), IngestError>,
    ) -> Read {
        let mut reading = crate::Reading::new("in.csv", "shares-csv");
        let mut ctx = reading.ctx(config);
        let mut input: &[u8] = bytes;
        let result = read(&mut input, &mut ctx).map_err(|e| format!("{e:?}"));
        let mut counts = [0; 2 * Layer::ALL.len()];
        counts[..Layer::ALL.len()].copy_from_slice(&ctx.unselected);
        counts[Layer::ALL.len()..].copy_from_slice(&ctx.empty);
        (result, reading.builder.finish(), reading.report, reading.skips, counts)
    }

    /// One field: plain, quoted (with separators, quotes and line ends
    /// inside), or hostile (stray quotes, bad UTF-8, a byte order mark).
    fn field() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => "[a-c]{0,3}".prop_map(String::into_bytes),
            2 => "[0-9]{9,10}".prop_map(String::into_bytes),
            2 => proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b','), Just(b'\n'), Just(b'\r'), Just(b'"')],
                0..6
            )
            .prop_map(|inner| {
                let mut f = vec![b'"'];
                for b in inner {
                    f.push(b);
                    if b == b'"' {
                        f.push(b'"');
                    }
                }
                f.push(b'"');
                f
            }),
            1 => prop_oneof![
                Just(b"a\"b".to_vec()),
                Just(b"\"open".to_vec()),
                Just(vec![b'x', 0xff]),
                Just(b"\xef\xbb\xbfz".to_vec()),
            ],
        ]
    }

    /// A field of a file without quotes or carriage returns (read by the
    /// chunks' plain path): plain, or bad UTF-8.
    fn plain_field() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => "[a-c]{0,3}".prop_map(String::into_bytes),
            2 => "[0-9]{9,10}".prop_map(String::into_bytes),
            1 => Just(vec![b'x', 0xff]),
        ]
    }

    /// A file of any fields and line ends, or (`plain`) of plain fields,
    /// line ends and empty lines only.
    fn csv_file(plain: bool) -> impl Strategy<Value = Vec<u8>> {
        let (field, end) = if plain {
            (
                plain_field().boxed(),
                prop_oneof![3 => Just(&b"\n"[..]), 1 => Just(&b"\n\n"[..])].boxed(),
            )
        } else {
            (
                field().boxed(),
                prop_oneof![4 => Just(&b"\n"[..]), 2 => Just(&b"\r\n"[..]), 1 => Just(&b"\r"[..]), 1 => Just(&b"\n\n"[..])].boxed(),
            )
        };
        let row = (proptest::collection::vec(field, 2..6), end);
        (any::<bool>(), proptest::collection::vec(row, 0..40), any::<bool>()).prop_map(
            |(bom, rows, last_end)| {
                let mut out = Vec::new();
                if bom {
                    out.extend_from_slice(b"\xef\xbb\xbf");
                }
                out.extend_from_slice(b"object_id,account_id,content_id,timestamp_share\n");
                let n = rows.len();
                for (i, (fields, end)) in rows.into_iter().enumerate() {
                    out.extend_from_slice(&fields.join(&b","[..]));
                    if i + 1 < n || last_end {
                        out.extend_from_slice(end);
                    }
                }
                out
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Chunks on all cores, cut anywhere, read what one thread reads:
        /// the same dataset, counts, first examples with their lines, and
        /// the same first error in strict mode.
        #[test]
        fn chunks_read_what_one_thread_reads(
            bytes in prop_oneof![csv_file(false), csv_file(true)],
            block in 1usize..200,
            chunk in 1usize..50,
            strict in any::<bool>(),
            mapped in 0..3usize,
        ) {
            // CooRTweet's columns; or a mapping with a platform per row and
            // two layers, one of them not selected.
            let (map, layers) = match mapped {
                0 => (None, None),
                1 => (Some("platform=content_id,url=object_id,hashtag=account_id"), None),
                _ => (
                    Some("platform=account_id,url=object_id,hashtag=content_id"),
                    Some(lockstep_model::LayerSet::from_iter([Layer::Url])),
                ),
            };
            let config = IngestConfig {
                strict,
                map: map.map(|m| m.parse().unwrap()),
                layers,
                ..IngestConfig::default()
            };
            let one = read_with(&bytes, &config, read_one_thread);
            let chunked = read_with(&bytes, &config, |input, ctx| {
                let csv = ChunkedCsv::open_sized(input, "in.csv", block, chunk)?;
                read_chunks(csv, ctx)
            });
            prop_assert_eq!(&one.0, &chunked.0);
            prop_assert_eq!(&one.2, &chunked.2);
            prop_assert_eq!(&one.3, &chunked.3);
            prop_assert_eq!(&one.4, &chunked.4);
            prop_assert!(one.1 == chunked.1, "datasets differ");
        }
    }
}

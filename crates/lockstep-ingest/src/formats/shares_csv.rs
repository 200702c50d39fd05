//! Shares CSV: one row per share, CooRTweet's layout
//! `object_id, account_id, content_id, timestamp_share`, or any CSV whose
//! columns are named by `--map ROLE=COLUMN,...` (one layer per mapped
//! column). An empty object cell means no action on that layer in that row.

use super::{account_and_content, add_layer_counts, CsvInput};
use crate::mapping::{ColumnMap, Role};
use crate::text::{canonical_url, normalize_exact, normalize_tag};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{ActionInput, Layer};
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
        let map = match &ctx.config.map {
            Some(m) => m.clone().over_defaults(),
            None => ColumnMap::coortweet(),
        };
        let mut csv = CsvInput::open(input, &file)?;
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
        let idx = csv.columns(&file, &wanted, &expected)?;
        let (acc_i, con_i, ts_i) = (idx[0], idx[1], idx[2]);
        let layer_idx: Vec<(Layer, usize, &str)> =
            layers.iter().zip(&idx[3..]).map(|((l, c), i)| (*l, *i, *c)).collect();
        let plat_i = platform_col.map(|_| idx[idx.len() - 1]);
        // The post text, kept when asked: the `text` cell of a row that is
        // not a repost (a repost's text is the original's).
        let text_i = layer_idx.iter().find(|l| l.0 == Layer::Text).map(|l| l.1);
        let repost_i = layer_idx.iter().find(|l| l.0 == Layer::Repost).map(|l| l.1);
        let names: Vec<String> = csv.header.clone();
        // Per-layer counters, moved into the report once at the end.
        let mut empty = [0u64; Layer::ALL.len()];

        csv.for_each(ctx, |rec, line, ctx| {
            let Some((account, content)) =
                account_and_content(rec, line, ctx, &names, (acc_i, con_i))?
            else {
                return Ok(());
            };
            let time_us = match parse_timestamp(&rec[ts_i]) {
                Ok(t) => t,
                Err(msg) => return ctx.skip(line, &names[ts_i], "bad timestamp", msg),
            };
            let platform = plat_i.map_or("", |i| rec[i].trim());
            let mut used = false;
            for &(layer, i, _) in &layer_idx {
                let object = rec[i].trim();
                if object.is_empty() {
                    empty[layer.index()] += 1;
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
                    empty[layer.index()] += 1;
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
                if !used
                    && ctx.config.keep_text
                    && repost_i.is_none_or(|r| rec[r].trim().is_empty())
                {
                    if let Some(text) = text_i.map(|t| rec[t].trim()).filter(|t| !t.is_empty()) {
                        ctx.builder.set_post_text(row, text);
                    }
                }
                used = true;
            }
            if used {
                ctx.report.records_used += 1;
                Ok(())
            } else {
                let cols: Vec<&str> = layer_idx.iter().map(|(_, _, c)| *c).collect();
                ctx.unused(line, &cols.join("|"), "no object on a selected layer", String::new());
                Ok(())
            }
        })?;
        add_layer_counts(&mut ctx.report.empty_object_cells, &empty);
        Ok(())
    }
}

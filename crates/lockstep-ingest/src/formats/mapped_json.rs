//! Any JSON Lines (or JSON array) input, read through `--map`: each role
//! names a dotted path into a record (`account=author.id`,
//! `timestamp=created_at`, `url=entities.urls[].expanded_url`). A segment
//! ending in `[]` is an array whose elements are all taken, so one record
//! can give several objects on a layer. Strings and numbers are values;
//! anything else is ignored. Chosen instead of `shares-csv` when `--map` is
//! given and the input is JSON.

use super::json::{for_each_record, looks_like_json};
use super::{push_objects, Post};
use crate::mapping::{ColumnMap, Role};
use crate::text::{canonical_url, normalize_exact, normalize_tag};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{LanguageTag, Layer};
use serde_json::Value;
use std::io::BufRead;

/// The mapped JSON format.
#[derive(Debug, Clone, Copy)]
pub struct MappedJson;

/// Every value at `path` (see the module docs).
pub(crate) fn values_at(v: &Value, path: &str) -> Vec<String> {
    let mut current: Vec<&Value> = vec![v];
    for seg in path.split('.') {
        let (key, many) = match seg.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for c in current {
            let field = if key.is_empty() { Some(c) } else { c.get(key) };
            match (field, many) {
                (Some(Value::Array(items)), true) => next.extend(items),
                (Some(f), false) => next.push(f),
                _ => {}
            }
        }
        current = next;
    }
    current
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

impl Format for MappedJson {
    fn name(&self) -> &'static str {
        "mapped-json"
    }
    fn description(&self) -> &'static str {
        "any JSON Lines or JSON array, with --map naming a dotted path per role (used when --map is given and the input is JSON)"
    }
    fn example(&self) -> &'static str {
        "{\"user\":{\"id\":\"a\"},\"id\":\"p1\",\"time\":1700000000,\"links\":[\"https://example.com/a\"]}"
    }
    fn sniff(&self, _head: &[u8]) -> bool {
        // Needs a mapping: `ingest` picks it when `--map` is given.
        false
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let Some(map) = ctx.config.map.clone() else {
            return Err(IngestError::Config(
                "the `mapped-json` format needs `--map ROLE=PATH,...`".into(),
            ));
        };
        let need = |role: Role| {
            map.column(role).map(str::to_string).ok_or_else(|| {
                IngestError::Config(format!(
                    "`--map` names no `{role}` path (needed for JSON input)"
                ))
            })
        };
        let (account_p, content_p, time_p) =
            (need(Role::Account)?, need(Role::Content)?, need(Role::Timestamp)?);
        let platform_p = map.column(Role::Platform).map(str::to_string);
        let layers: Vec<(Layer, String)> = map
            .0
            .iter()
            .filter_map(|(r, p)| match r {
                Role::Layer(l) => Some((*l, p.clone())),
                _ => None,
            })
            .collect();
        if layers.is_empty() {
            return Err(IngestError::Config("`--map` names no object or layer path".into()));
        }
        let mut objects: Vec<(Layer, String)> = Vec::new();
        for_each_record(input, ctx, |v: Value, line, ctx| {
            let first = |p: &str| values_at(&v, p).into_iter().next();
            let Some(account) = first(&account_p) else {
                return ctx.skip(line, &account_p, "empty account", String::new());
            };
            let Some(content) = first(&content_p) else {
                return ctx.skip(line, &content_p, "empty content id", String::new());
            };
            let time_us = match first(&time_p).map(|t| parse_timestamp(&t)) {
                Some(Ok(t)) => t,
                Some(Err(msg)) => return ctx.skip(line, &time_p, "bad timestamp", msg),
                None => return ctx.skip(line, &time_p, "bad timestamp", "no value".into()),
            };
            let platform = platform_p.as_deref().and_then(first).unwrap_or_default();
            objects.clear();
            let mut words: Option<String> = None;
            for (layer, path) in &layers {
                for value in values_at(&v, path) {
                    if *layer == Layer::Text && words.is_none() {
                        words = Some(value.clone());
                    }
                    let object = match layer {
                        Layer::Url => canonical_url(&value),
                        Layer::Hashtag | Layer::Mention => normalize_tag(&value),
                        Layer::Text => normalize_exact(&value),
                        _ => value,
                    };
                    if !object.is_empty() {
                        objects.push((*layer, object));
                    }
                }
            }
            let post = Post {
                line,
                account: &account,
                content: &content,
                time_us,
                platform: &platform,
                text: words.as_deref(),
                language: LanguageTag::NONE,
                original_us: None,
            };
            push_objects(ctx, &post, &mut objects);
            Ok(())
        })
    }
}

/// Whether `--map` should read this input as JSON.
pub(crate) fn applies(map: Option<&ColumnMap>, head: &[u8]) -> bool {
    map.is_some() && looks_like_json(head)
}

#[cfg(test)]
mod tests {
    use super::values_at;
    use serde_json::json;

    #[test]
    fn paths() {
        let v = json!({"a": {"b": "x", "n": 5}, "l": [{"u": "1"}, {"u": "2"}, {"w": 3}], "s": ["p", "q", null]});
        assert_eq!(values_at(&v, "a.b"), ["x"]);
        assert_eq!(values_at(&v, "a.n"), ["5"]);
        assert_eq!(values_at(&v, "l[].u"), ["1", "2"]);
        assert_eq!(values_at(&v, "s[]"), ["p", "q"]);
        assert!(values_at(&v, "a").is_empty());
        assert!(values_at(&v, "missing.x").is_empty());
    }
}

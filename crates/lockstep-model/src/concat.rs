//! Datasets put together by their dictionaries: a watch's horizon at every
//! refresh, and its chunks merged into segments.

use crate::{Dataset, DatasetBuilder, Interner, LanguageTag, SparseAccountTable, Strings, NO_TEXT};

/// Actions `rows` (ascending) of a dataset, whose accounts' metadata is
/// `meta` (its own [`Dataset::account_meta`] is not read).
#[derive(Debug, Clone, Copy)]
pub struct DatasetPart<'a> {
    /// The dataset.
    pub ds: &'a Dataset,
    /// Its accounts' metadata.
    pub meta: &'a SparseAccountTable,
    /// The actions taken from it.
    pub rows: &'a [usize],
}

/// A part's ids not yet given a place in the whole.
const UNSEEN: u32 = u32::MAX;

/// Strings numbered in order of first use, from parts' dictionaries: each
/// part's id is looked up once, however many of its rows name it.
#[derive(Default)]
struct Dictionary {
    interned: Interner,
    /// The current part's ids, by its own id.
    ids: Vec<u32>,
}

impl Dictionary {
    fn start(&mut self, part_len: usize) {
        self.ids.clear();
        self.ids.resize(part_len, UNSEEN);
    }

    fn id(&mut self, of: &Strings, id: u32) -> u32 {
        let slot = &mut self.ids[id as usize];
        if *slot == UNSEEN {
            *slot = self.interned.intern(of.resolve(id));
        }
        *slot
    }
}

impl Dataset {
    /// The actions of `parts`, in order, as one dataset:
    /// [`DatasetBuilder::extend_from_sparse`] of every part and then
    /// [`DatasetBuilder::finish`] (the property test below holds them
    /// equal), without a copy of every row's names: a part's account,
    /// object, content id, text and platform are looked up once per part,
    /// however many of its rows name them.
    pub fn concat(parts: &[DatasetPart<'_>]) -> Dataset {
        let n: usize = parts.iter().map(|p| p.rows.len()).sum();
        let mut out = Dataset::default();
        let a = &mut out.actions;
        a.account.reserve_exact(n);
        a.object.reserve_exact(n);
        a.layer.reserve_exact(n);
        a.content.reserve_exact(n);
        a.time_us.reserve_exact(n);
        a.platform.reserve_exact(n);
        a.self_ref.reserve_exact(n);
        let (mut accounts, mut objects, mut contents, mut texts, mut platforms) = (
            Dictionary::default(),
            Dictionary::default(),
            Dictionary::default(),
            Dictionary::default(),
            Dictionary::default(),
        );
        let mut content_text: Vec<u32> = Vec::new();
        let mut content_language: Vec<LanguageTag> = Vec::new();
        let mut original_us: Vec<Option<i64>> = Vec::new();
        let (mut any_text, mut any_original) = (false, false);
        // Metadata as the builder keeps it, by account name, first value
        // winning; placed once the acting accounts are numbered.
        let mut meta = DatasetBuilder::default();
        for part in parts {
            let ds = part.ds;
            let t = &ds.actions;
            accounts.start(ds.accounts.len());
            objects.start(ds.objects.len());
            contents.start(ds.contents.len());
            texts.start(ds.texts.len());
            platforms.start(ds.platforms.len());
            for &r in part.rows {
                let a = &mut out.actions;
                a.account.push(accounts.id(&ds.accounts, t.account[r]));
                let object = objects.id(&ds.objects, t.object[r]);
                a.object.push(object);
                let content = contents.id(&ds.contents, t.content[r]);
                a.content.push(content);
                a.layer.push(t.layer[r]);
                a.time_us.push(t.time_us[r]);
                let platform = platforms.id(ds.platforms.strings(), u32::from(t.platform[r]));
                a.platform.push(u16::try_from(platform).expect("more than 65,535 platforms"));
                a.self_ref.push(t.self_ref[r]);
                if content as usize == content_text.len() {
                    content_text.push(NO_TEXT);
                    content_language.push(LanguageTag::NONE);
                }
                if object as usize == original_us.len() {
                    original_us.push(None);
                }
                let old = t.content[r] as usize;
                if let Some(&text) = ds.content_text.get(old).filter(|&&x| x != NO_TEXT) {
                    any_text = true;
                    // The first text given for a content id wins.
                    if content_text[content as usize] == NO_TEXT {
                        content_text[content as usize] = texts.id(&ds.texts, text);
                        content_language[content as usize] =
                            ds.content_language.get(old).copied().unwrap_or_default();
                    }
                }
                if let Some(&Some(time)) = ds.original_us.get(t.object[r] as usize) {
                    any_original = true;
                    let slot = &mut original_us[object as usize];
                    *slot = Some(slot.map_or(time, |e| e.min(time)));
                }
            }
            meta.extend_metadata(ds, part.rows, part.meta);
        }
        out.accounts = accounts.interned.into_strings();
        out.objects = objects.interned.into_strings();
        out.contents = contents.interned.into_strings();
        out.platforms = platforms.interned;
        out.account_meta = meta.place_metadata(&mut out.accounts);
        if any_original {
            out.original_us = original_us;
        }
        if any_text {
            out.texts = texts.interned.into_strings();
            out.content_text = content_text;
            if content_language.iter().any(|l| !l.is_none()) {
                out.content_language = content_language;
            }
            out.canonical_texts();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccountField, ActionInput, Layer};
    use proptest::prelude::*;

    /// One action of a generated part: account, object, layer, content,
    /// platform, and whether it gives its post's text, its original's time
    /// and its account's metadata.
    type Row = (u8, u8, u8, u8, u8, u8);

    fn part(rows: &[Row]) -> Dataset {
        let platforms = ["", "twitter", "telegram"];
        let mut b = DatasetBuilder::default();
        for &(acc, obj, layer, content, platform, extra) in rows {
            let (account, object, content) =
                (format!("a{acc}"), format!("o{obj}"), format!("c{content}"));
            let platform = platforms[platform as usize % 3];
            let a = ActionInput {
                account: &account,
                object: &object,
                layer: Layer::ALL[layer as usize % 6],
                content: &content,
                time_us: i64::from(obj) * 10 + i64::from(extra),
                platform,
            };
            let row = b.push_action(a);
            if extra % 3 != 0 {
                // Texts shared by some posts, some labelled.
                let language = ["", "ru", "und"][usize::from(extra % 3)];
                b.set_post_text(row, &format!("t{}", extra % 4), LanguageTag::parse(language));
            }
            if extra % 5 == 1 {
                b.set_original_time(row, i64::from(extra));
            }
            if extra % 4 != 0 {
                // Metadata for accounts with actions and (`m`) without.
                let name = if extra % 2 == 0 { account.clone() } else { format!("m{acc}") };
                let (r, meta) = b.account_meta(platform, &name);
                meta.set_text(r, AccountField::Bio, &format!("b{extra}"));
            }
        }
        b.finish()
    }

    proptest! {
        #[test]
        fn concat_equals_extending_a_builder(
            parts in prop::collection::vec(
                (prop::collection::vec((0..5u8, 0..6u8, 0..6u8, 0..7u8, 0..3u8, 0..12u8), 0..30),
                 prop::collection::vec(any::<bool>(), 30)),
                0..5,
            ),
        ) {
            let built: Vec<(Dataset, SparseAccountTable, Vec<usize>)> = parts
                .iter()
                .map(|(rows, keep)| {
                    let mut ds = part(rows);
                    let meta = SparseAccountTable::from_dense(std::mem::take(&mut ds.account_meta));
                    let kept = (0..ds.actions.len()).filter(|&r| keep[r]).collect();
                    (ds, meta, kept)
                })
                .collect();
            let mut oracle = DatasetBuilder::default();
            for (ds, meta, rows) in &built {
                oracle.extend_from_sparse(ds, meta, rows);
            }
            let parts: Vec<DatasetPart<'_>> = built
                .iter()
                .map(|(ds, meta, rows)| DatasetPart { ds, meta, rows })
                .collect();
            prop_assert_eq!(Dataset::concat(&parts), oracle.finish());
        }
    }
}

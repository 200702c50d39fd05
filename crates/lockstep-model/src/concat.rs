//! Datasets put together by their dictionaries: a watch's horizon at every
//! refresh, and its chunks merged into segments.

use crate::{
    ActionTable, Dataset, DatasetBuilder, Interner, LanguageTag, SparseAccountTable, Strings,
    NO_TEXT,
};

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
    /// Room for every string that `parts` may give it: each part's strings
    /// (`of`), or its rows, if fewer.
    fn for_parts(parts: &[DatasetPart<'_>], of: impl Fn(&Dataset) -> &Strings) -> Dictionary {
        let (mut strings, mut bytes) = (0, 0);
        for p in parts {
            let s = of(p.ds);
            strings += s.len().min(p.rows.len());
            bytes += s.bytes() as usize;
        }
        Dictionary { interned: Interner::with_capacity(strings, bytes), ids: Vec::new() }
    }

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

/// The account side of a concatenation: accounts, objects and platforms
/// (and the columns that need no dictionary), with originals' times and
/// the accounts' metadata.
struct ByAccount {
    /// Every column but the content ids.
    actions: ActionTable,
    accounts: Interner,
    objects: Interner,
    platforms: Interner,
    original_us: Option<Vec<Option<i64>>>,
    meta: DatasetBuilder,
}

/// The content side: content ids and their texts and languages.
struct ByContent {
    content: Vec<u32>,
    contents: Interner,
    /// Texts, each content id's text and language, if any part gave a text.
    texts: Option<(Interner, Vec<u32>, Vec<LanguageTag>)>,
}

fn by_account(parts: &[DatasetPart<'_>], n: usize) -> ByAccount {
    // Sized up front: a table that grows hashes its strings again.
    let mut accounts = Dictionary::for_parts(parts, |ds| &ds.accounts);
    let mut objects = Dictionary::for_parts(parts, |ds| &ds.objects);
    let mut platforms = Dictionary::default();
    let mut a = ActionTable {
        account: Vec::with_capacity(n),
        object: Vec::with_capacity(n),
        layer: Vec::with_capacity(n),
        content: Vec::new(),
        time_us: Vec::with_capacity(n),
        platform: Vec::with_capacity(n),
        self_ref: Vec::with_capacity(n),
    };
    let mut original_us: Vec<Option<i64>> = Vec::new();
    let mut any_original = false;
    // Metadata as the builder keeps it, by account name, first value
    // winning; placed once the acting accounts are numbered.
    let mut meta = DatasetBuilder::default();
    for part in parts {
        let ds = part.ds;
        let t = &ds.actions;
        accounts.start(ds.accounts.len());
        objects.start(ds.objects.len());
        platforms.start(ds.platforms.len());
        for &r in part.rows {
            a.account.push(accounts.id(&ds.accounts, t.account[r]));
            let o = objects.id(&ds.objects, t.object[r]);
            a.object.push(o);
            a.layer.push(t.layer[r]);
            a.time_us.push(t.time_us[r]);
            let p = platforms.id(ds.platforms.strings(), u32::from(t.platform[r]));
            a.platform.push(u16::try_from(p).expect("more than 65,535 platforms"));
            a.self_ref.push(t.self_ref[r]);
            if o as usize == original_us.len() {
                original_us.push(None);
            }
            if let Some(&Some(time)) = ds.original_us.get(t.object[r] as usize) {
                any_original = true;
                let slot = &mut original_us[o as usize];
                *slot = Some(slot.map_or(time, |e| e.min(time)));
            }
        }
        meta.extend_metadata(ds, part.rows, part.meta);
    }
    ByAccount {
        actions: a,
        accounts: accounts.interned,
        objects: objects.interned,
        platforms: platforms.interned,
        original_us: any_original.then_some(original_us),
        meta,
    }
}

fn by_content(parts: &[DatasetPart<'_>], n: usize) -> ByContent {
    let mut contents = Dictionary::for_parts(parts, |ds| &ds.contents);
    let mut texts = Dictionary::for_parts(parts, |ds| &ds.texts);
    let mut content = Vec::with_capacity(n);
    let mut content_text: Vec<u32> = Vec::new();
    let mut content_language: Vec<LanguageTag> = Vec::new();
    let mut any_text = false;
    for part in parts {
        let ds = part.ds;
        let t = &ds.actions;
        contents.start(ds.contents.len());
        texts.start(ds.texts.len());
        for &r in part.rows {
            let c = contents.id(&ds.contents, t.content[r]);
            content.push(c);
            if c as usize == content_text.len() {
                content_text.push(NO_TEXT);
                content_language.push(LanguageTag::NONE);
            }
            let old = t.content[r] as usize;
            if let Some(&text) = ds.content_text.get(old).filter(|&&x| x != NO_TEXT) {
                any_text = true;
                // The first text given for a content id wins.
                if content_text[c as usize] == NO_TEXT {
                    content_text[c as usize] = texts.id(&ds.texts, text);
                    content_language[c as usize] =
                        ds.content_language.get(old).copied().unwrap_or_default();
                }
            }
        }
    }
    ByContent {
        content,
        contents: contents.interned,
        texts: any_text.then_some((texts.interned, content_text, content_language)),
    }
}

impl Dataset {
    /// The actions of `parts`, in order, as one dataset:
    /// [`DatasetBuilder::extend_from_sparse`] of every part and then
    /// [`DatasetBuilder::finish`] (the property test below holds them
    /// equal), without a copy of every row's names: a part's account,
    /// object, content id, text and platform are looked up once per part,
    /// however many of its rows name them. The accounts' side and the
    /// contents' side share no dictionary, so they are built on two cores
    /// (a watch builds its horizon's dataset at every refresh).
    pub fn concat(parts: &[DatasetPart<'_>]) -> Dataset {
        let n: usize = parts.iter().map(|p| p.rows.len()).sum();
        let (by_account, by_content) =
            rayon::join(|| by_account(parts, n), || by_content(parts, n));
        let ByAccount { mut actions, accounts, objects, platforms, original_us, mut meta } =
            by_account;
        actions.content = by_content.content;
        let mut out = Dataset { actions, ..Dataset::default() };
        out.accounts = accounts.into_strings();
        out.objects = objects.into_strings();
        out.contents = by_content.contents.into_strings();
        out.platforms = platforms;
        out.account_meta = meta.place_metadata(&mut out.accounts);
        if let Some(original_us) = original_us {
            out.original_us = original_us;
        }
        if let Some((texts, content_text, content_language)) = by_content.texts {
            out.texts = texts.into_strings();
            out.content_text = content_text;
            if content_language.iter().any(|l| !l.is_none()) {
                out.content_language = content_language;
            }
            out.canonical_texts();
        }
        // The tables were sized for the most that every part could give:
        // what the dataset holds should be what it uses, since its
        // `heap_bytes` is what a run's memory budget is worked out from.
        out.shrink_to_fit();
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

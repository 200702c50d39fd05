use crate::{AccountTable, Interner, LanguageTag, Layer, LayerSet, SparseAccountTable, Strings};
use rayon::prelude::*;

/// One row per action, as a struct of arrays. Row `i` of every column
/// belongs to action `i`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ActionTable {
    /// Account id (into [`Dataset::accounts`]).
    pub account: Vec<u32>,
    /// Object id (into [`Dataset::objects`]); objects are scoped by layer, so
    /// the same string on two layers is two objects.
    pub object: Vec<u32>,
    /// The layer of the object.
    pub layer: Vec<Layer>,
    /// Content id: the post that performed the action.
    pub content: Vec<u32>,
    /// Time in microseconds since the UNIX epoch, UTC.
    pub time_us: Vec<i64>,
    /// Platform id (into [`Dataset::platforms`]).
    pub platform: Vec<u16>,
    /// Whether the content id equals the object id as strings (a post acting
    /// on itself; CooRTweet's loop rule drops pairs that contain one).
    pub self_ref: Vec<bool>,
}

impl ActionTable {
    /// Number of actions.
    pub fn len(&self) -> usize {
        self.account.len()
    }
    /// True when there are no actions.
    pub fn is_empty(&self) -> bool {
        self.account.is_empty()
    }

    /// Bytes its columns hold on the heap.
    pub fn heap_bytes(&self) -> u64 {
        (self.account.capacity() * 4
            + self.object.capacity() * 4
            + self.layer.capacity() * std::mem::size_of::<Layer>()
            + self.content.capacity() * 4
            + self.time_us.capacity() * 8
            + self.platform.capacity() * 2
            + self.self_ref.capacity()) as u64
    }

    /// Gives back the heap its columns hold past their rows.
    pub fn shrink_to_fit(&mut self) {
        self.account.shrink_to_fit();
        self.object.shrink_to_fit();
        self.layer.shrink_to_fit();
        self.content.shrink_to_fit();
        self.time_us.shrink_to_fit();
        self.platform.shrink_to_fit();
        self.self_ref.shrink_to_fit();
    }
}

/// Everything lockstep knows about the input, independent of its format.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Dataset {
    /// The actions.
    pub actions: ActionTable,
    /// Distinct account names (the ids of the input).
    pub accounts: Strings,
    /// Account metadata, indexed by account id.
    pub account_meta: AccountTable,
    /// Distinct objects, each key prefixed by one byte that names its layer.
    pub objects: Strings,
    /// Distinct content ids.
    pub contents: Strings,
    /// Platform names.
    pub platforms: Interner,
    /// Distinct post texts as written, when the ingest kept them.
    pub texts: Strings,
    /// Per content id, its text in [`Dataset::texts`], or [`NO_TEXT`]
    /// (empty when no text was kept).
    pub content_text: Vec<u32>,
    /// Per content id, the language its platform labelled its kept text
    /// with (empty when no kept text had a label).
    pub content_language: Vec<LanguageTag>,
    /// Per object, when its original post was posted, where the input
    /// says so (a repost's original: X API v1.1 `retweeted_status`, v2
    /// `includes.tweets`, Mastodon `reblog`); empty when no input said.
    /// [`Dataset::original_times`] adds the originals the input holds.
    pub original_us: Vec<Option<i64>>,
}

/// A content id without a kept text.
pub const NO_TEXT: u32 = u32::MAX;

impl Dataset {
    /// Bytes the dataset holds on the heap, about (platform names aside):
    /// what a memory budget must leave it.
    pub fn heap_bytes(&self) -> u64 {
        let columns = self.content_text.capacity() * 4
            + self.content_language.capacity() * std::mem::size_of::<LanguageTag>()
            + self.original_us.capacity() * std::mem::size_of::<Option<i64>>();
        self.actions.heap_bytes()
            + columns as u64
            + self.accounts.heap_bytes()
            + self.account_meta.heap_bytes()
            + self.objects.heap_bytes()
            + self.contents.heap_bytes()
            + self.texts.heap_bytes()
    }

    /// Gives back the heap it holds past its contents: for a dataset held
    /// for long (a watch's horizon), not one about to be worked on.
    pub fn shrink_to_fit(&mut self) {
        self.actions.shrink_to_fit();
        for s in [&mut self.accounts, &mut self.objects, &mut self.contents, &mut self.texts] {
            s.shrink_to_fit();
        }
        self.content_text.shrink_to_fit();
        self.content_language.shrink_to_fit();
        self.original_us.shrink_to_fit();
    }

    /// The object's string as it appeared in the input (without its
    /// [`layer_key`]).
    pub fn object_name(&self, object: u32) -> &str {
        &self.objects.resolve(object)[1..]
    }
    /// The layer an object belongs to.
    pub fn object_layer(&self, object: u32) -> Layer {
        let b = self.objects.resolve(object).as_bytes()[0];
        Layer::ALL[(b - b'a') as usize]
    }
    /// Per account, whether it has an action. An export also describes
    /// accounts that only appear as others' referents (authors of quoted
    /// posts, mentioned users): they are metadata, not members of the
    /// population a rate or a baseline is taken over.
    pub fn acting(&self) -> Vec<bool> {
        let mut acting = vec![false; self.accounts.len()];
        for &a in &self.actions.account {
            acting[a as usize] = true;
        }
        acting
    }
    /// The account's name.
    pub fn account_name(&self, account: u32) -> &str {
        self.accounts.resolve(account)
    }
    /// The content id's string.
    pub fn content_name(&self, content: u32) -> &str {
        self.contents.resolve(content)
    }

    /// Puts [`Dataset::texts`] in canonical form: the distinct texts in
    /// order of their first content id, none unused; so that two datasets
    /// with the same texts per content compare equal however they were
    /// built. The texts are distinct already (every builder and reader
    /// makes them so), so only their order and the unused ones change.
    pub fn canonical_texts(&mut self) {
        let texts = std::mem::take(&mut self.texts);
        self.texts = renumber_texts(&texts, &mut self.content_text).unwrap_or(texts);
    }

    /// The post text of a content id, as written, when the ingest kept it.
    pub fn post_text(&self, content: u32) -> Option<&str> {
        match self.content_text.get(content as usize) {
            Some(&t) if t != NO_TEXT => Some(self.texts.resolve(t)),
            _ => None,
        }
    }

    /// The language the platform labelled a content id's kept text with.
    pub fn post_language(&self, content: u32) -> Option<&str> {
        self.content_language.get(content as usize).and_then(LanguageTag::as_str)
    }

    /// Per object, when its original post was posted: as the input said
    /// ([`Dataset::original_us`]), else, for a repost whose original is in
    /// the input (a content id named as the object), the earliest action
    /// of that post.
    pub fn original_times(&self) -> Vec<Option<i64>> {
        let mut out = self.original_us.clone();
        out.resize(self.objects.len(), None);
        let reposts: hashbrown::HashMap<&str, u32> = (0..self.objects.len() as u32)
            .filter(|&o| out[o as usize].is_none() && self.object_layer(o) == Layer::Repost)
            .map(|o| (self.object_name(o), o))
            .collect();
        if reposts.is_empty() {
            return out;
        }
        let original_of: Vec<Option<u32>> = (0..self.contents.len() as u32)
            .into_par_iter()
            .map(|c| reposts.get(self.content_name(c)).copied())
            .collect();
        let mut earliest: Vec<Option<i64>> = vec![None; self.objects.len()];
        let t = &self.actions;
        for r in 0..t.len() {
            if let Some(o) = original_of[t.content[r] as usize] {
                let slot = &mut earliest[o as usize];
                *slot = Some(slot.map_or(t.time_us[r], |e| e.min(t.time_us[r])));
            }
        }
        for (slot, e) in out.iter_mut().zip(earliest) {
            if slot.is_none() {
                *slot = e;
            }
        }
        out
    }

    /// The actions on `layers` only, as if the other layers had never been
    /// read: accounts, objects, content ids and platforms are renumbered in
    /// order of first appearance among the kept actions. Accounts with
    /// metadata and no kept action follow, in their old order (an ingest
    /// that selected the layers would order them by when their metadata was
    /// read, which the dataset does not record).
    pub fn select_layers(&self, layers: LayerSet) -> Dataset {
        fn remap(old: &[u32], keep: &[usize], n: usize) -> (Vec<u32>, Vec<u32>) {
            const NONE: u32 = u32::MAX;
            let mut new_of = vec![NONE; n];
            let mut order = Vec::new();
            let codes = keep
                .iter()
                .map(|&i| {
                    let o = old[i] as usize;
                    if new_of[o] == NONE {
                        new_of[o] = order.len() as u32;
                        order.push(o as u32);
                    }
                    new_of[o]
                })
                .collect();
            (codes, order)
        }
        let a = &self.actions;
        let keep: Vec<usize> = (0..a.len()).filter(|&i| layers.contains(a.layer[i])).collect();
        let (account, mut account_order) = remap(&a.account, &keep, self.accounts.len());
        let mut seen = vec![false; self.accounts.len()];
        for &o in &account_order {
            seen[o as usize] = true;
        }
        account_order.extend(
            (0..self.accounts.len() as u32)
                .filter(|&o| !seen[o as usize] && self.account_meta.has_metadata(o as usize)),
        );
        let (object, object_order) = remap(&a.object, &keep, self.objects.len());
        let (content, content_order) = remap(&a.content, &keep, self.contents.len());
        let old_platform: Vec<u32> = a.platform.iter().map(|&p| u32::from(p)).collect();
        let (platform, platform_order) = remap(&old_platform, &keep, self.platforms.len());
        let pick = |names: &Strings, order: &[u32]| {
            let mut out = Strings::default();
            for &o in order {
                out.push(names.resolve(o));
            }
            out
        };
        let mut account_meta = AccountTable::default();
        account_meta.ensure(account_order.len());
        let mut old_meta = self.account_meta.clone();
        for (new, &old) in account_order.iter().enumerate() {
            account_meta.fill_row_from(&mut old_meta, old as usize, new);
        }
        let mut platforms = Interner::default();
        for &p in &platform_order {
            platforms.intern(self.platforms.resolve(p));
        }
        let mut content_text: Vec<u32> = if self.content_text.is_empty() {
            Vec::new()
        } else {
            content_order.iter().map(|&c| self.content_text[c as usize]).collect()
        };
        if content_text.iter().all(|&t| t == NO_TEXT) {
            // As a dataset built without texts has it.
            content_text = Vec::new();
        }
        let texts =
            renumber_texts(&self.texts, &mut content_text).unwrap_or_else(|| self.texts.clone());
        let mut content_language: Vec<LanguageTag> = if self.content_language.is_empty() {
            Vec::new()
        } else {
            content_order.iter().map(|&c| self.content_language[c as usize]).collect()
        };
        if content_language.iter().all(LanguageTag::is_none) {
            content_language = Vec::new();
        }
        let mut original_us: Vec<Option<i64>> = if self.original_us.is_empty() {
            Vec::new()
        } else {
            object_order.iter().map(|&o| self.original_us[o as usize]).collect()
        };
        if original_us.iter().all(Option::is_none) {
            original_us = Vec::new();
        }
        Dataset {
            texts,
            content_text,
            content_language,
            original_us,
            actions: ActionTable {
                account,
                object,
                layer: keep.iter().map(|&i| a.layer[i]).collect(),
                content,
                time_us: keep.iter().map(|&i| a.time_us[i]).collect(),
                platform: platform.into_iter().map(|p| p as u16).collect(),
                self_ref: keep.iter().map(|&i| a.self_ref[i]).collect(),
            },
            accounts: pick(&self.accounts, &account_order),
            account_meta,
            objects: pick(&self.objects, &object_order),
            contents: pick(&self.contents, &content_order),
            platforms,
        }
    }
}

/// [`Dataset::canonical_texts`] of distinct `texts`: renumbers
/// `content_text` to the texts in order of their first content id and
/// gives those texts, none unused; nothing when they are that already.
/// Texts are moved by number, never hashed or compared: a run that keeps
/// posts as written has as many texts as posts.
fn renumber_texts(texts: &Strings, content_text: &mut [u32]) -> Option<Strings> {
    let mut new_code = vec![NO_TEXT; texts.len()];
    let mut order: Vec<u32> = Vec::new();
    let mut unchanged = true;
    for t in content_text.iter_mut().filter(|t| **t != NO_TEXT) {
        let code = &mut new_code[*t as usize];
        if *code == NO_TEXT {
            *code = order.len() as u32;
            order.push(*t);
        }
        unchanged &= *code == *t;
        *t = *code;
    }
    if unchanged && order.len() == texts.len() {
        return None;
    }
    let mut out = Strings::default();
    for &old in &order {
        out.push(texts.resolve(old));
    }
    Some(out)
}

/// The letter an object's dictionary string starts with: its layer's, so
/// that equal strings on two layers are two objects ([`Dataset::object_layer`]
/// reads it back).
fn layer_key(layer: Layer) -> &'static str {
    const KEYS: [&str; Layer::ALL.len()] =
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
    KEYS[layer as usize]
}

/// One action as a format reader sees it.
#[derive(Debug, Clone, Copy)]
pub struct ActionInput<'a> {
    /// Account name.
    pub account: &'a str,
    /// Object string (post id, URL, hashtag, text, ...).
    pub object: &'a str,
    /// Layer of the object.
    pub layer: Layer,
    /// Content id (the post that performed the action).
    pub content: &'a str,
    /// Time, microseconds since the UNIX epoch.
    pub time_us: i64,
    /// Platform name (`twitter`, `facebook`, ... or empty when unknown).
    /// A known platform namespaces the account, the content id and objects
    /// that are ids on it (reposted, replied-to and quoted posts,
    /// mentioned accounts), so that one run can mix platforms: `x:123` and
    /// `tg:123` are different accounts, while a URL, hashtag or text is the
    /// same object everywhere.
    pub platform: &'a str,
}

/// Where a [`DatasetBuilder`] moves the ids it read before encoding them,
/// and past what size: a read of 10^8 rows holds about 6 GB of raw ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSpill {
    /// Heap bytes past which the raw objects and content ids move.
    pub past: u64,
    /// The folder a fresh folder for the files is made in.
    pub parent: std::path::PathBuf,
}

/// Builds a [`Dataset`] row by row. Accounts, objects and content ids are
/// kept raw and dictionary-encoded in bulk by [`DatasetBuilder::finish`]
/// (one random hash probe per row and column was most of ingest time at
/// 10^7 rows).
#[derive(Debug, Default)]
pub struct DatasetBuilder {
    ds: Dataset,
    raw_accounts: Strings,
    raw_objects: Strings,
    raw_contents: Strings,
    /// Accounts that formats gave metadata for, by name: the rows of `meta`.
    meta_accounts: Interner,
    meta: AccountTable,
    /// The last platform seen, its namespace with a trailing `:` (or
    /// empty) and its id once interned: formats send one platform per
    /// input, so this avoids a lookup per row. They start empty and
    /// unknown, which is consistent.
    ns_platform: String,
    ns: String,
    platform_id: Option<u32>,
    scratch: String,
    /// Post texts, with the row of the post's first action and the
    /// platform's label of its language.
    raw_texts: Strings,
    text_rows: Vec<u32>,
    text_languages: Vec<LanguageTag>,
    /// Originals' times, with the row of an action on the original.
    originals: Vec<(u32, i64)>,
}

impl DatasetBuilder {
    /// Adds one action and returns its row.
    pub fn push_action(&mut self, a: ActionInput<'_>) -> usize {
        self.set_platform(a.platform);
        let ns = self.ns.as_str();
        // Pushed in parts, not assembled first: a copy less per field.
        self.raw_accounts.push_parts(&[ns, a.account]);
        self.raw_contents.push_parts(&[ns, a.content]);
        let on_platform = matches!(
            a.layer,
            Layer::Repost | Layer::Reply | Layer::Quote | Layer::Mention | Layer::Like
        );
        self.raw_objects.push_parts(&[
            layer_key(a.layer),
            if on_platform { ns } else { "" },
            a.object,
        ]);
        let platform = match self.platform_id {
            Some(p) => p,
            None => *self.platform_id.insert(self.ds.platforms.intern(a.platform)),
        };
        let t = &mut self.ds.actions;
        t.layer.push(a.layer);
        t.time_us.push(a.time_us);
        t.platform.push(u16::try_from(platform).expect("more than 65,535 platforms"));
        t.self_ref.push(a.layer.objects_are_posts() && a.object == a.content);
        self.raw_accounts.len() - 1
    }

    fn set_platform(&mut self, platform: &str) {
        // Compared without a call for the common empty platform (CooRTweet's
        // layout): a `memcmp` per row was 7% of a run at 10^6 rows.
        let same = platform.len() == self.ns_platform.len()
            && (platform.is_empty() || self.ns_platform == platform);
        if !same {
            self.platform_id = None;
            self.ns_platform = platform.to_string();
            let ns = crate::namespace(platform);
            self.ns = if ns.is_empty() { ns } else { format!("{ns}:") };
        }
    }

    /// The metadata row of an account on a platform and the table it is in,
    /// for formats that carry account metadata. [`DatasetBuilder::finish`]
    /// moves each row to the account's id; an account with metadata and no
    /// action still gets an id, after those with actions.
    pub fn account_meta(&mut self, platform: &str, name: &str) -> (u32, &mut AccountTable) {
        self.set_platform(platform);
        self.scratch.clear();
        self.scratch.push_str(&self.ns);
        self.scratch.push_str(name);
        let row = self.meta_accounts.intern(&self.scratch);
        self.meta.ensure(row as usize + 1);
        (row, &mut self.meta)
    }

    /// Adds actions `rows` (ascending) of a dataset read before, as if
    /// their records were read here: names as that dataset holds them
    /// (already in their platform's namespace), the post texts of their
    /// contents, the originals' times of their objects and, from `meta`
    /// (`ds`'s own [`Dataset::account_meta`] is not read), the metadata of
    /// their accounts, first value winning as ever, and of the accounts
    /// with metadata and no action at all in `ds`. Every row's names are
    /// copied and encoded again: the oracle of [`Dataset::concat`], which
    /// a watch's horizon uses.
    pub fn extend_from_sparse(&mut self, ds: &Dataset, meta: &SparseAccountTable, rows: &[usize]) {
        let t = &ds.actions;
        for &r in rows {
            let row = self.len();
            self.raw_accounts.push(ds.accounts.resolve(t.account[r]));
            self.raw_contents.push(ds.contents.resolve(t.content[r]));
            self.raw_objects.push(ds.objects.resolve(t.object[r]));
            let platform = self.ds.platforms.intern(ds.platforms.resolve(u32::from(t.platform[r])));
            let a = &mut self.ds.actions;
            a.layer.push(t.layer[r]);
            a.time_us.push(t.time_us[r]);
            a.platform.push(u16::try_from(platform).expect("more than 65,535 platforms"));
            a.self_ref.push(t.self_ref[r]);
            if let Some(text) = ds.post_text(t.content[r]) {
                let language = ds.content_language.get(t.content[r] as usize).copied();
                self.set_post_text(row, text, language.unwrap_or_default());
            }
            if let Some(Some(time)) = ds.original_us.get(t.object[r] as usize) {
                self.set_original_time(row, *time);
            }
        }
        // The builder's own platform cache no longer names the last row's.
        self.ns_platform.clear();
        self.ns.clear();
        self.platform_id = None;
        self.extend_metadata(ds, rows, meta);
    }

    /// The account metadata part of [`DatasetBuilder::extend_from_sparse`].
    pub(crate) fn extend_metadata(
        &mut self,
        ds: &Dataset,
        rows: &[usize],
        meta: &SparseAccountTable,
    ) {
        let t = &ds.actions;
        // The metadata of the accounts of the rows, in the order of their
        // ids; then that of accounts that only records without actions
        // name (Bluesky's identity and profile events), as they come from
        // a file: after the others, in the order read. An account whose
        // every action in `ds` is outside `rows` is neither.
        let mut acting = vec![false; ds.accounts.len()];
        for &a in &t.account {
            acting[a as usize] = true;
        }
        let mut of_rows = vec![false; ds.accounts.len()];
        for &r in rows {
            of_rows[t.account[r] as usize] = true;
        }
        let (first, then): (Vec<_>, Vec<_>) = meta
            .accounts()
            .filter(|&(a, _)| of_rows[a as usize] || !acting[a as usize])
            .partition(|&(a, _)| of_rows[a as usize]);
        for (a, row) in first.into_iter().chain(then) {
            let to = self.meta_accounts.intern(ds.accounts.resolve(a)) as usize;
            self.meta.ensure(to + 1);
            self.meta.copy_row_from(meta.rows(), row, to);
        }
    }

    /// Keeps `text` as the post text of the content id of action `row`,
    /// with the language its platform labelled it with (the first text
    /// given for a content id wins, and its label with it).
    pub fn set_post_text(&mut self, row: usize, text: &str, language: LanguageTag) {
        self.raw_texts.push(text);
        self.text_rows.push(u32::try_from(row).expect("fewer than 2^32 actions"));
        self.text_languages.push(language);
    }

    /// Records that the object of action `row` (a repost's original) was
    /// posted at `time_us` (the earliest given wins).
    pub fn set_original_time(&mut self, row: usize, time_us: i64) {
        self.originals.push((u32::try_from(row).expect("fewer than 2^32 actions"), time_us));
    }

    /// Appends what `later` read: the actions (and post texts and
    /// originals' times) of records that follow every one read here, as if
    /// they had been pushed here. Ids stay in input order: strings are
    /// appended raw and encoded by [`DatasetBuilder::finish`], and
    /// `later`'s platforms are interned here in its first-seen order.
    /// Account metadata merges field by field, the first value seen
    /// winning, as formats set it within one builder (a format whose
    /// metadata is last-wins, Bluesky's firehose, reads on one thread).
    pub fn append(&mut self, mut later: DatasetBuilder) {
        for row in 0..later.meta_accounts.len() {
            let id = self.meta_accounts.intern(later.meta_accounts.resolve(row as u32)) as usize;
            self.meta.ensure(id + 1);
            self.meta.fill_row_from(&mut later.meta, row, id);
        }
        let offset = u32::try_from(self.len()).expect("fewer than 2^32 actions");
        self.raw_accounts.append(&later.raw_accounts);
        self.raw_objects.append(&later.raw_objects);
        self.raw_contents.append(&later.raw_contents);
        let platforms = &later.ds.platforms;
        let ids: Vec<u16> = (0..platforms.len() as u32)
            .map(|p| {
                let id = self.ds.platforms.intern(platforms.resolve(p));
                u16::try_from(id).expect("more than 65,535 platforms")
            })
            .collect();
        let (t, from) = (&mut self.ds.actions, &later.ds.actions);
        t.layer.extend_from_slice(&from.layer);
        t.time_us.extend_from_slice(&from.time_us);
        t.platform.extend(from.platform.iter().map(|&p| ids[p as usize]));
        t.self_ref.extend_from_slice(&from.self_ref);
        self.raw_texts.append(&later.raw_texts);
        self.text_rows.extend(later.text_rows.iter().map(|r| r + offset));
        self.text_languages.extend_from_slice(&later.text_languages);
        self.originals.extend(later.originals.iter().map(|&(r, t)| (r + offset, t)));
    }

    /// Number of actions so far.
    pub fn len(&self) -> usize {
        self.raw_accounts.len()
    }

    /// True when no action was added.
    pub fn is_empty(&self) -> bool {
        self.raw_accounts.is_empty()
    }

    /// The finished dataset.
    pub fn finish(self) -> Dataset {
        self.finish_within(None).expect("nothing is written without a spill folder")
    }

    /// The finished dataset; with `spill`, the ids read (objects and content
    /// ids, raw, before they are dictionary-encoded) move to files mapped
    /// read-only when the builder holds more than `spill.past` bytes, so
    /// that encoding the accounts does not hold all three in memory at once.
    /// The same dataset either way.
    pub fn finish_within(mut self, spill: Option<&RawSpill>) -> std::io::Result<Dataset> {
        if let Some(spill) = spill.filter(|s| self.heap_bytes() > s.past) {
            crate::folder::with_mapped_files(&spill.parent, |dir| {
                self.raw_objects.spill_to(dir, "objects")?;
                self.raw_contents.spill_to(dir, "contents")
            })?;
        }
        Ok(self.encode())
    }

    /// Bytes held on the heap by what was read so far.
    pub fn heap_bytes(&self) -> u64 {
        [&self.raw_accounts, &self.raw_objects, &self.raw_contents, &self.raw_texts]
            .iter()
            .map(|s| s.heap_bytes())
            .sum::<u64>()
            + self.ds.actions.heap_bytes()
    }

    /// The metadata read, by account id of `accounts` (the acting
    /// accounts, numbered): accounts with metadata and no action are added
    /// to them, after the others, in the order their metadata was read.
    pub(crate) fn place_metadata(&mut self, accounts: &mut Strings) -> AccountTable {
        let mut placed = AccountTable::default();
        if !self.meta_accounts.is_empty() {
            let ids: Vec<Option<u32>> = {
                let index: std::collections::HashMap<&str, u32> =
                    (0..accounts.len() as u32).map(|id| (accounts.resolve(id), id)).collect();
                (0..self.meta_accounts.len() as u32)
                    .map(|row| index.get(self.meta_accounts.resolve(row)).copied())
                    .collect()
            };
            let ids: Vec<u32> = ids
                .into_iter()
                .enumerate()
                .map(|(row, id)| {
                    id.unwrap_or_else(|| accounts.push(self.meta_accounts.resolve(row as u32)))
                })
                .collect();
            placed.ensure(accounts.len());
            for (row, id) in ids.into_iter().enumerate() {
                placed.fill_row_from(&mut self.meta, row, id as usize);
            }
        }
        placed.ensure(accounts.len());
        placed
    }

    fn encode(mut self) -> Dataset {
        let mut accounts;
        (self.ds.actions.account, accounts) = std::mem::take(&mut self.raw_accounts).into_encoded();
        self.ds.account_meta = self.place_metadata(&mut accounts);
        self.ds.accounts = accounts;
        (self.ds.actions.object, self.ds.objects) =
            std::mem::take(&mut self.raw_objects).into_encoded();
        (self.ds.actions.content, self.ds.contents) =
            std::mem::take(&mut self.raw_contents).into_encoded();
        if !self.originals.is_empty() {
            let mut original = vec![None; self.ds.objects.len()];
            for &(row, time) in &self.originals {
                let slot: &mut Option<i64> =
                    &mut original[self.ds.actions.object[row as usize] as usize];
                *slot = Some(slot.map_or(time, |t| t.min(time)));
            }
            self.ds.original_us = original;
        }
        if !self.text_rows.is_empty() {
            let (codes, texts) = std::mem::take(&mut self.raw_texts).into_encoded();
            let mut content_text = vec![NO_TEXT; self.ds.contents.len()];
            let mut content_language = vec![LanguageTag::NONE; self.ds.contents.len()];
            for ((&row, code), &language) in
                self.text_rows.iter().zip(codes).zip(&self.text_languages)
            {
                let content = self.ds.actions.content[row as usize] as usize;
                if content_text[content] == NO_TEXT {
                    content_text[content] = code;
                    content_language[content] = language;
                }
            }
            if content_language.iter().all(LanguageTag::is_none) {
                content_language = Vec::new();
            }
            (self.ds.texts, self.ds.content_text) = (texts, content_text);
            self.ds.content_language = content_language;
            self.ds.canonical_texts();
        }
        self.ds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountField;

    fn act<'a>(account: &'a str, object: &'a str, content: &'a str) -> ActionInput<'a> {
        ActionInput { account, object, layer: Layer::Url, content, time_us: 0, platform: "" }
    }

    #[test]
    fn metadata_follows_its_account() {
        let mut b = DatasetBuilder::default();
        let (row, meta) = b.account_meta("", "quiet");
        meta.set_text(row, AccountField::Handle, "no_actions");
        let (row, meta) = b.account_meta("", "bob");
        meta.set_text(row, AccountField::Handle, "bob_handle");
        b.push_action(act("alice", "x", "1"));
        b.push_action(act("bob", "x", "2"));
        b.push_action(act("alice", "y", "3"));
        let ds = b.finish();
        assert_eq!(ds.actions.account, [0, 1, 0]);
        assert_eq!(
            (ds.account_name(0), ds.account_name(1), ds.account_name(2)),
            ("alice", "bob", "quiet")
        );
        assert_eq!(ds.account_meta.handle[0], None);
        assert_eq!(ds.account_meta.handle[1].as_deref(), Some("bob_handle"));
        assert_eq!(ds.account_meta.handle[2].as_deref(), Some("no_actions"));
        assert_eq!(ds.account_meta.handle.len(), 3);
        assert_eq!(ds.actions.object, [0, 0, 1]);
        assert_eq!(ds.object_name(1), "y");
        assert_eq!(ds.object_layer(1), Layer::Url);
    }

    proptest::proptest! {
        /// Selecting layers from a full dataset equals building with only
        /// those layers' actions (accounts with metadata and no action
        /// aside, whose order the full dataset does not keep).
        #[test]
        fn select_layers_equals_building_without_the_others(
            rows in proptest::collection::vec((0..4u8, 0..5u8, 0..11u8, 0..6u8, 0..3u8), 0..60),
            pick in 0..2048u16,
        ) {
            let platforms = ["", "twitter", "telegram"];
            let input = |&(acc, obj, layer, content, platform): &(u8, u8, u8, u8, u8)| {
                (format!("a{acc}"), format!("o{obj}"), Layer::ALL[layer as usize], format!("c{content}"), platforms[platform as usize])
            };
            let layers = LayerSet(pick);
            let mut full = DatasetBuilder::default();
            let mut direct = DatasetBuilder::default();
            for r in &rows {
                let (account, object, layer, content, platform) = input(r);
                let a = ActionInput { account: &account, object: &object, layer, content: &content, time_us: i64::from(r.3), platform };
                // Texts on some posts (a post's on each of its rows), some
                // shared, so that a selection leaves texts unused and out
                // of their first order.
                let text = (r.3 % 3 != 0).then(|| format!("t{}", r.3 % 4));
                let row = full.push_action(a);
                if let Some(text) = &text {
                    full.set_post_text(row, text, LanguageTag::NONE);
                }
                if layers.contains(layer) {
                    let row = direct.push_action(a);
                    if let Some(text) = &text {
                        direct.set_post_text(row, text, LanguageTag::NONE);
                    }
                }
            }
            proptest::prop_assert_eq!(full.finish().select_layers(layers), direct.finish());
        }

        /// Renumbering distinct texts by their first content id gives what
        /// encoding each content's text afresh gives (the first way it was
        /// written: every text hashed and compared).
        #[test]
        fn renumbered_texts_equal_encoded_ones(
            n in 0..12usize,
            picks in proptest::collection::vec(proptest::option::of(0..12u32), 0..40),
        ) {
            let mut texts = Strings::default();
            for i in 0..n {
                texts.push(&format!("text {i}"));
            }
            let content_text: Vec<u32> = picks
                .iter()
                .map(|p| p.filter(|&t| (t as usize) < n).unwrap_or(NO_TEXT))
                .collect();
            let mut raw = Strings::default();
            for &t in content_text.iter().filter(|&&t| t != NO_TEXT) {
                raw.push(texts.resolve(t));
            }
            let (codes, expected) = raw.encode();
            let mut codes = codes.into_iter();
            let expected_codes: Vec<u32> = content_text
                .iter()
                .map(|&t| if t == NO_TEXT { NO_TEXT } else { codes.next().unwrap() })
                .collect();
            let mut renumbered = content_text.clone();
            let got = renumber_texts(&texts, &mut renumbered).unwrap_or_else(|| texts.clone());
            proptest::prop_assert_eq!(renumbered, expected_codes);
            let strings = |s: &Strings| (0..s.len() as u32).map(|i| s.resolve(i).to_string()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(strings(&got), strings(&expected));
        }

        /// Rows read into two builders and appended give the dataset of one
        /// builder (ids, platforms, texts in input order, account metadata
        /// and the ids of accounts with metadata only); spilling the ids
        /// read to mapped files before encoding gives it too.
        #[test]
        fn appended_and_spilled_builders_equal_one(
            rows in proptest::collection::vec((0..4u8, 0..5u8, 0..11u8, 0..6u8, 0..3u8), 0..60),
            cut in 0..60usize,
        ) {
            let platforms = ["", "twitter", "telegram"];
            let mut one = DatasetBuilder::default();
            let (mut first, mut second) = (DatasetBuilder::default(), DatasetBuilder::default());
            let mut spilled = DatasetBuilder::default();
            for (i, &(acc, obj, layer, content, platform)) in rows.iter().enumerate() {
                let (account, object, content) = (format!("a{acc}"), format!("o{obj}"), format!("c{content}"));
                let a = ActionInput { account: &account, object: &object, layer: Layer::ALL[layer as usize], content: &content, time_us: i64::from(obj), platform: platforms[platform as usize] };
                let half = if i < cut { &mut first } else { &mut second };
                for b in [&mut one, half, &mut spilled] {
                    let row = b.push_action(a);
                    if acc == 0 {
                        let language = ["", "ru", "uk", "und"][usize::from(layer % 4)];
                        b.set_post_text(row, &object, LanguageTag::parse(language));
                    }
                    // Metadata, first value wins, for accounts with actions
                    // and (`m` names) without.
                    if obj < 2 {
                        let name = if obj == 0 { account.clone() } else { format!("m{acc}") };
                        let (r, meta) = b.account_meta(platforms[platform as usize], &name);
                        meta.set_text(r, AccountField::Bio, &format!("b{layer}"));
                        let r = r as usize;
                        meta.followers[r] = meta.followers[r].or(Some(u64::from(layer)));
                    }
                }
            }
            first.append(second);
            let dir = std::env::temp_dir().join(format!("lockstep-spill-test-{}", std::process::id()));
            let spill = RawSpill { past: 0, parent: dir.clone() };
            let spilled = spilled.finish_within(Some(&spill)).unwrap();
            let one = one.finish();
            proptest::prop_assert_eq!(&first.finish(), &one);
            proptest::prop_assert_eq!(&spilled, &one);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn post_texts_follow_their_content_ids() {
        let mut b = DatasetBuilder::default();
        let r0 = b.push_action(act("alice", "x", "1"));
        b.set_post_text(r0, "same words", LanguageTag::parse("en"));
        b.push_action(act("bob", "x", "2"));
        let r2 = b.push_action(ActionInput { layer: Layer::Repost, ..act("carol", "y", "3") });
        b.set_post_text(r2, "same words", LanguageTag::NONE);
        let r3 = b.push_action(act("alice", "z", "1"));
        b.set_post_text(r3, "a later text for the same post is ignored", LanguageTag::parse("fr"));
        let ds = b.finish();
        assert_eq!(ds.post_text(0), Some("same words"));
        assert_eq!(ds.post_language(0), Some("en"));
        assert_eq!(ds.post_text(1), None);
        assert_eq!(ds.post_language(1), None);
        assert_eq!(ds.post_text(2), Some("same words"));
        assert_eq!(ds.post_language(2), None);
        assert_eq!(ds.texts.len(), 1, "texts are stored once");
        let only_repost = ds.select_layers(LayerSet::from_iter([Layer::Repost]));
        assert_eq!(only_repost.post_text(0), Some("same words"));
        assert_eq!(only_repost.content_text.len(), 1);
        assert!(only_repost.content_language.is_empty(), "no label left");
    }

    #[test]
    fn select_layers_keeps_metadata_only_accounts_last() {
        let mut b = DatasetBuilder::default();
        let (row, meta) = b.account_meta("", "bob");
        meta.set_text(row, AccountField::Bio, "bio of bob");
        b.push_action(act("bob", "x", "1"));
        b.push_action(ActionInput { layer: Layer::Repost, ..act("alice", "x", "2") });
        let ds = b.finish().select_layers(LayerSet::from_iter([Layer::Repost]));
        assert_eq!((ds.account_name(0), ds.account_name(1)), ("alice", "bob"));
        assert_eq!(ds.account_meta.bio[1].as_deref(), Some("bio of bob"));
        assert_eq!(ds.actions.account, [0]);
        assert_eq!(ds.objects.len(), 1);
    }

    #[test]
    fn platforms_namespace_ids_but_not_urls() {
        let mut b = DatasetBuilder::default();
        for platform in ["twitter", "telegram"] {
            for (layer, object) in [(Layer::Url, "https://a.example/"), (Layer::Repost, "900")] {
                b.push_action(ActionInput {
                    account: "123",
                    object,
                    layer,
                    content: "1",
                    time_us: 0,
                    platform,
                });
            }
        }
        let (row, meta) = b.account_meta("telegram", "123");
        meta.set_text(row, AccountField::Handle, "tg_handle");
        let ds = b.finish();
        assert_eq!((ds.account_name(0), ds.account_name(1)), ("x:123", "tg:123"));
        assert_eq!(ds.account_meta.handle[1].as_deref(), Some("tg_handle"));
        assert_eq!(ds.actions.object, [0, 1, 0, 2]);
        assert_eq!((ds.object_name(1), ds.object_name(2)), ("x:900", "tg:900"));
        assert_eq!(ds.content_name(ds.actions.content[2]), "tg:1");
    }
}

use crate::{AccountTable, Interner, Layer, Strings};

/// One row per action, as a struct of arrays. Row `i` of every column
/// belongs to action `i`.
#[derive(Debug, Default, Clone)]
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
    /// Keeps the rows for which `keep(row)` is true, in order.
    pub fn retain_rows(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mask: Vec<bool> = (0..self.len()).map(&mut keep).collect();
        fn filt<T: Copy>(v: &mut Vec<T>, mask: &[bool]) {
            let mut i = 0;
            v.retain(|_| {
                i += 1;
                mask[i - 1]
            });
        }
        filt(&mut self.account, &mask);
        filt(&mut self.object, &mask);
        filt(&mut self.layer, &mask);
        filt(&mut self.content, &mask);
        filt(&mut self.time_us, &mask);
        filt(&mut self.platform, &mask);
        filt(&mut self.self_ref, &mask);
    }
}

/// Everything lockstep knows about the input, independent of its format.
#[derive(Debug, Default, Clone)]
pub struct Dataset {
    /// The actions.
    pub actions: ActionTable,
    /// Account names (the ids of the input).
    pub accounts: Interner,
    /// Account metadata, indexed by account id.
    pub account_meta: AccountTable,
    /// Distinct objects, each key prefixed by one byte that names its layer.
    pub objects: Strings,
    /// Distinct content ids.
    pub contents: Strings,
    /// Platform names.
    pub platforms: Interner,
}

impl Dataset {
    /// The object's string as it appeared in the input (without the layer).
    pub fn object_name(&self, object: u32) -> &str {
        &self.objects.resolve(object)[1..]
    }
    /// The layer an object belongs to.
    pub fn object_layer(&self, object: u32) -> Layer {
        let b = self.objects.resolve(object).as_bytes()[0];
        Layer::ALL[(b - b'a') as usize]
    }
    /// The account's name.
    pub fn account_name(&self, account: u32) -> &str {
        self.accounts.resolve(account)
    }
    /// The content id's string.
    pub fn content_name(&self, content: u32) -> &str {
        self.contents.resolve(content)
    }
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
    pub platform: &'a str,
}

/// Builds a [`Dataset`] row by row. Objects and content ids are kept raw
/// and dictionary-encoded in bulk by [`DatasetBuilder::finish`].
#[derive(Debug, Default)]
pub struct DatasetBuilder {
    ds: Dataset,
    key: String,
    raw_objects: Strings,
    raw_contents: Strings,
}

impl DatasetBuilder {
    /// Adds one action and returns its row.
    pub fn push_action(&mut self, a: ActionInput<'_>) -> usize {
        let account = self.account(a.account);
        self.key.clear();
        self.key.push((b'a' + a.layer as u8) as char);
        self.key.push_str(a.object);
        self.raw_objects.push(&self.key);
        self.raw_contents.push(a.content);
        let platform = self.ds.platforms.intern(a.platform);
        let t = &mut self.ds.actions;
        t.account.push(account);
        t.layer.push(a.layer);
        t.time_us.push(a.time_us);
        t.platform.push(u16::try_from(platform).expect("more than 65,535 platforms"));
        t.self_ref.push(a.layer.objects_are_posts() && a.object == a.content);
        t.len() - 1
    }

    /// The id of an account, adding it if new.
    pub fn account(&mut self, name: &str) -> u32 {
        let id = self.ds.accounts.intern(name);
        self.ds.account_meta.ensure(id as usize + 1);
        id
    }

    /// Metadata of the accounts seen so far, for formats that carry it.
    pub fn account_meta_mut(&mut self) -> &mut AccountTable {
        &mut self.ds.account_meta
    }

    /// Number of actions so far.
    pub fn len(&self) -> usize {
        self.ds.actions.len()
    }

    /// True when no action was added.
    pub fn is_empty(&self) -> bool {
        self.ds.actions.is_empty()
    }

    /// The finished dataset.
    pub fn finish(mut self) -> Dataset {
        (self.ds.actions.object, self.ds.objects) = self.raw_objects.encode();
        drop(self.raw_objects);
        (self.ds.actions.content, self.ds.contents) = self.raw_contents.encode();
        self.ds
    }
}

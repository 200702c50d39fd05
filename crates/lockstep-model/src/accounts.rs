/// Optional account metadata, one column per field, indexed by account id.
/// Formats fill what they have; everything is optional.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AccountTable {
    /// Screen name / handle.
    pub handle: Vec<Option<Box<str>>>,
    /// Display name.
    pub display_name: Vec<Option<Box<str>>>,
    /// Profile description.
    pub bio: Vec<Option<Box<str>>>,
    /// Creation time, microseconds since the UNIX epoch.
    pub created_at_us: Vec<Option<i64>>,
    /// Followers.
    pub followers: Vec<Option<u64>>,
    /// Following.
    pub following: Vec<Option<u64>>,
    /// Account language.
    pub language: Vec<Option<Box<str>>>,
    /// Client app (the first seen).
    pub client_app: Vec<Option<Box<str>>>,
    /// Whether the account keeps the platform's default profile picture
    /// (X `default_profile_image`, a v2 `profile_image_url` under
    /// `default_profile_images/`, Mastodon's `missing.png` avatar, a
    /// Bluesky profile without an avatar): a sign of an account made and
    /// never tended.
    pub default_image: Vec<Option<bool>>,
}

/// A text field of [`AccountTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountField {
    /// Handle.
    Handle,
    /// Display name.
    DisplayName,
    /// Bio.
    Bio,
    /// Language.
    Language,
    /// Client app.
    ClientApp,
}

impl AccountTable {
    /// Bytes held on the heap (the columns and the texts in them).
    pub fn heap_bytes(&self) -> u64 {
        fn text(c: &[Option<Box<str>>]) -> u64 {
            (std::mem::size_of_val(c) + c.iter().flatten().map(|s| s.len()).sum::<usize>()) as u64
        }
        let texts = [&self.handle, &self.display_name, &self.bio, &self.language, &self.client_app];
        texts.iter().map(|c| text(c)).sum::<u64>()
            + (self.handle.len() * (3 * std::mem::size_of::<Option<u64>>() + 2)) as u64
    }

    /// Grows every column to `n` rows.
    pub fn ensure(&mut self, n: usize) {
        if self.handle.len() >= n {
            return;
        }
        self.handle.resize(n, None);
        self.display_name.resize(n, None);
        self.bio.resize(n, None);
        self.created_at_us.resize(n, None);
        self.followers.resize(n, None);
        self.following.resize(n, None);
        self.language.resize(n, None);
        self.client_app.resize(n, None);
        self.default_image.resize(n, None);
    }

    /// Moves row `from` of `src` into the empty fields of row `to` (which
    /// `self` must have): into a fresh row, the whole row moves; into a row
    /// of earlier records, the first value seen wins, as it does within one
    /// table ([`AccountTable::set_text`]).
    pub fn fill_row_from(&mut self, src: &mut AccountTable, from: usize, to: usize) {
        fn fill<T>(to: &mut Option<T>, from: &mut Option<T>) {
            if to.is_none() {
                *to = from.take();
            }
        }
        fill(&mut self.handle[to], &mut src.handle[from]);
        fill(&mut self.display_name[to], &mut src.display_name[from]);
        fill(&mut self.bio[to], &mut src.bio[from]);
        fill(&mut self.created_at_us[to], &mut src.created_at_us[from]);
        fill(&mut self.followers[to], &mut src.followers[from]);
        fill(&mut self.following[to], &mut src.following[from]);
        fill(&mut self.language[to], &mut src.language[from]);
        fill(&mut self.client_app[to], &mut src.client_app[from]);
        fill(&mut self.default_image[to], &mut src.default_image[from]);
    }

    /// [`AccountTable::fill_row_from`] without taking the values: row
    /// `from` of `src` stays as it is.
    pub fn copy_row_from(&mut self, src: &AccountTable, from: usize, to: usize) {
        fn fill<T: Clone>(to: &mut Option<T>, from: Option<&T>) {
            if to.is_none() {
                *to = from.cloned();
            }
        }
        fill(&mut self.handle[to], src.handle.get(from).and_then(Option::as_ref));
        fill(&mut self.display_name[to], src.display_name.get(from).and_then(Option::as_ref));
        fill(&mut self.bio[to], src.bio.get(from).and_then(Option::as_ref));
        fill(&mut self.created_at_us[to], src.created_at_us.get(from).and_then(Option::as_ref));
        fill(&mut self.followers[to], src.followers.get(from).and_then(Option::as_ref));
        fill(&mut self.following[to], src.following.get(from).and_then(Option::as_ref));
        fill(&mut self.language[to], src.language.get(from).and_then(Option::as_ref));
        fill(&mut self.client_app[to], src.client_app.get(from).and_then(Option::as_ref));
        fill(&mut self.default_image[to], src.default_image.get(from).and_then(Option::as_ref));
    }

    /// Sets a text field if it is still empty and `value` is not blank:
    /// the first value seen wins, so the result does not depend on how many
    /// later rows repeat it.
    pub fn set_text(&mut self, account: u32, field: AccountField, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        let col = match field {
            AccountField::Handle => &mut self.handle,
            AccountField::DisplayName => &mut self.display_name,
            AccountField::Bio => &mut self.bio,
            AccountField::Language => &mut self.language,
            AccountField::ClientApp => &mut self.client_app,
        };
        let slot = &mut col[account as usize];
        if slot.is_none() {
            *slot = Some(v.into());
        }
    }

    /// Whether account `i` has any metadata.
    pub fn has_metadata(&self, i: usize) -> bool {
        self.handle[i].is_some()
            || self.display_name[i].is_some()
            || self.bio[i].is_some()
            || self.created_at_us[i].is_some()
            || self.followers[i].is_some()
            || self.following[i].is_some()
            || self.language[i].is_some()
            || self.client_app[i].is_some()
            || self.default_image[i].is_some()
    }

    /// Number of accounts with any metadata.
    pub fn with_metadata(&self) -> usize {
        (0..self.handle.len()).filter(|&i| self.has_metadata(i)).count()
    }
}

/// The rows of an [`AccountTable`] that have metadata, each with its
/// account id: how a dataset held for long (a watch's horizon) keeps its
/// accounts' metadata, where most accounts have none (Jetstream's posts
/// carry no profile) and a dense row takes some 130 bytes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SparseAccountTable {
    /// The accounts with metadata, ascending.
    ids: Vec<u32>,
    /// Row `i` is account `ids[i]`'s.
    rows: AccountTable,
}

impl SparseAccountTable {
    /// The rows of `table` with metadata, moved out of it.
    pub fn from_dense(mut table: AccountTable) -> SparseAccountTable {
        let ids: Vec<u32> =
            (0..table.handle.len()).filter(|&a| table.has_metadata(a)).map(|a| a as u32).collect();
        let mut rows = AccountTable::default();
        rows.ensure(ids.len());
        for (to, &from) in ids.iter().enumerate() {
            rows.fill_row_from(&mut table, from as usize, to);
        }
        SparseAccountTable { ids, rows }
    }

    /// The accounts with metadata, ascending, each with its row in
    /// [`SparseAccountTable::rows`].
    pub fn accounts(&self) -> impl Iterator<Item = (u32, usize)> + '_ {
        self.ids.iter().enumerate().map(|(row, &id)| (id, row))
    }

    /// The metadata, a row per account of [`SparseAccountTable::accounts`].
    pub fn rows(&self) -> &AccountTable {
        &self.rows
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> u64 {
        (self.ids.capacity() * 4) as u64 + self.rows.heap_bytes()
    }
}

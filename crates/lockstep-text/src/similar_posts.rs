//! The QUT toolkit's `co_similar_tweet` as the `near_text` layer
//! (`--near-text-mode qut`): every post with its own text (not a repost)
//! gets one action on a single object, and the detector keeps a pair of
//! them only when the toolkit's token sets of the two texts are at least
//! the threshold similar ([`SimilarPosts::similar`], given to
//! `lockstep_detect::co_action::detect_filtered`). Exact and quadratic in
//! the posts per window: a parity mode.

use crate::near_text::{NearTextConfig, TextPair};
use crate::qut::qut_tokens;
use crate::sets::{jaccard, TokenSets, Vocabulary};
use lockstep_model::{Dataset, Layer};

/// The name of the single object.
pub const OBJECT: &str = "similar posts (QUT co_similar_tweet)";

/// The derived layer's posts and their token sets.
#[derive(Debug, Clone)]
pub struct SimilarPosts {
    /// The parameters (threshold and minimum tokens are used).
    pub config: NearTextConfig,
    /// Posts with a kept text.
    pub posts: u64,
    /// Posts with fewer than `min_tokens` tokens (never similar).
    pub too_short: u64,
    /// Per `near_text` action, in row order: its token set.
    sets: TokenSets,
}

impl SimilarPosts {
    /// `near_text` actions added.
    pub fn actions(&self) -> usize {
        self.sets.len()
    }

    fn set(&self, ds: &Dataset, row: usize) -> &[u32] {
        self.sets.get(row - (ds.actions.len() - self.sets.len()))
    }

    /// Whether rows `a` and `b` of `ds` may pair: always on other layers; on
    /// `near_text`, when both texts have at least `min_tokens` tokens and
    /// their Jaccard similarity reaches the threshold.
    pub fn similar(&self, ds: &Dataset, a: usize, b: usize) -> bool {
        if ds.actions.layer[a] != Layer::NearText {
            return true;
        }
        let (sa, sb) = (self.set(ds, a), self.set(ds, b));
        let min = self.config.min_tokens.max(1);
        sa.len() >= min && sb.len() >= min && jaccard(sa, sb) >= self.config.threshold
    }

    /// The evidence for two `near_text` rows: both texts as written and the
    /// similarity of their token sets.
    pub fn pair<'d>(&'d self, ds: &'d Dataset, a: usize, b: usize) -> TextPair<'d> {
        let text = |row: usize| ds.post_text(ds.actions.content[row]).unwrap_or_default();
        TextPair {
            text_a: text(a),
            text_b: text(b),
            similarity: jaccard(self.set(ds, a), self.set(ds, b)),
        }
    }
}

/// Adds one `near_text` action per content id with a kept text, on the
/// single object [`OBJECT`], at the time, account and platform of the
/// post's first action; appended after every other row.
pub fn derive(mut ds: Dataset, cfg: &NearTextConfig) -> (Dataset, SimilarPosts) {
    let a = &ds.actions;
    let mut first_row = vec![u32::MAX; ds.contents.len()];
    for row in (0..a.len()).rev() {
        first_row[a.content[row] as usize] = row as u32;
    }
    let mut vocab = Vocabulary::default();
    let mut sets = TokenSets::default();
    let mut rows = Vec::new();
    let mut too_short = 0u64;
    for c in 0..ds.contents.len() as u32 {
        let (Some(text), row) = (ds.post_text(c), first_row[c as usize]) else { continue };
        if row == u32::MAX {
            continue;
        }
        let ids: Vec<u32> = qut_tokens(text).iter().map(|t| vocab.id(t)).collect();
        too_short += u64::from(ids.len() < cfg.min_tokens.max(1));
        sets.push(ids);
        rows.push(row as usize);
    }
    let mut key = String::new();
    key.push((b'a' + Layer::NearText as u8) as char);
    key.push_str(OBJECT);
    let object = ds.objects.push(&key);
    let a = &mut ds.actions;
    for &row in &rows {
        a.account.push(a.account[row]);
        a.object.push(object);
        a.layer.push(Layer::NearText);
        a.content.push(a.content[row]);
        a.time_us.push(a.time_us[row]);
        a.platform.push(a.platform[row]);
        a.self_ref.push(false);
    }
    let posts = rows.len() as u64;
    (ds, SimilarPosts { config: *cfg, posts, too_short, sets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_model::{ActionInput, DatasetBuilder};

    fn posts() -> Dataset {
        let mut b = DatasetBuilder::default();
        for (i, text) in ["Vote today, vote for change!", "vote TODAY: vote for change", "lunch"]
            .iter()
            .enumerate()
        {
            let content = format!("p{i}");
            let row = b.push_action(ActionInput {
                account: &format!("a{i}"),
                object: "x",
                layer: Layer::Url,
                content: &content,
                time_us: 0,
                platform: "",
            });
            b.set_post_text(row, text, lockstep_model::LanguageTag::NONE);
        }
        b.finish()
    }

    #[test]
    fn one_object_and_the_toolkits_similarity() {
        let cfg = NearTextConfig { threshold: 0.8, min_tokens: 1, ..Default::default() };
        let (ds, s) = derive(posts(), &cfg);
        assert_eq!((s.posts, s.actions()), (3, 3));
        assert_eq!(ds.actions.len(), 6);
        assert_eq!(ds.object_name(ds.actions.object[3]), OBJECT);
        // {vote, today, ",", for, change, "!"} and {vote, today, ":", for, change}: 4/7.
        assert!(!s.similar(&ds, 3, 4));
        let p = s.pair(&ds, 3, 4);
        assert_eq!(p.text_a, "Vote today, vote for change!");
        assert!((p.similarity - 4.0 / 7.0).abs() < 1e-12);
        assert!(s.similar(&ds, 0, 1), "other layers pair as usual");
        let (ds, s) = derive(posts(), &NearTextConfig { threshold: 0.5, ..cfg });
        assert!(s.similar(&ds, 3, 4));
        assert!(!s.similar(&ds, 3, 5));
    }
}

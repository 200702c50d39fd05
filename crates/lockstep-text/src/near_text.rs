//! The `near_text` layer: every distinct text of the `text` layer is
//! tokenised ([`crate::words`]), near duplicates are clustered
//! ([`crate::near_duplicates`]), and each post with a text of at least
//! `min_tokens` tokens, in a cluster of at least two posts, gets a second
//! action whose object is its text's cluster, named by the cluster's
//! representative (its first text). The co-action detector then pairs
//! posts of one cluster within the window like any other object. (A
//! cluster of one post can pair with nothing; leaving it out keeps the
//! memory of ten million one-off posts.)

use crate::lsh::{near_duplicates, LshParams, NearConfig};
use crate::sets::{jaccard, token_hash, TokenSets, Vocabulary};
use crate::tokens::words;
use lockstep_model::{Dataset, Layer, Strings};
use rayon::prelude::*;

const NONE: u32 = u32::MAX;

/// Parameters of the `near_text` layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearTextConfig {
    /// Minimum Jaccard similarity of two texts' word sets.
    pub threshold: f64,
    /// Texts with fewer distinct words are left out (counted).
    pub min_tokens: usize,
    /// Whether emoji are words.
    pub emoji: bool,
    /// Seed of the MinHash functions.
    pub seed: u64,
}

impl Default for NearTextConfig {
    fn default() -> Self {
        NearTextConfig { threshold: 0.8, min_tokens: 5, emoji: true, seed: 1 }
    }
}

/// What deriving the layer found, and the evidence for its pairs.
#[derive(Debug, Clone)]
pub struct NearText {
    /// The parameters.
    pub config: NearTextConfig,
    /// The banding used.
    pub lsh: LshParams,
    /// Distinct texts compared.
    pub texts: u64,
    /// Distinct texts with fewer than `min_tokens` words, left out.
    pub too_short: u64,
    /// `text` actions whose text was too short (no `near_text` action).
    pub actions_too_short: u64,
    /// `text` actions alone in their cluster (no `near_text` action).
    pub actions_alone: u64,
    /// Clusters of at least two distinct texts.
    pub clusters: u64,
    /// Distinct texts in the largest cluster.
    pub largest: u64,
    /// Candidate comparisons made.
    pub comparisons: u64,
    /// Comparisons at or over the threshold.
    pub similar: u64,
    /// Per `near_text` action, in row order: its distinct text.
    source: Vec<u32>,
    /// Per distinct text: its slot among texts of multi-text clusters.
    slot: Vec<u32>,
    /// The text of each slot.
    slot_text: Strings,
    /// The words of each slot, as exact ids (not hashes): pairs are
    /// compared on them for every candidate pair, so they are cut once.
    slot_words: TokenSets,
}

/// One `near_text` pair's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct TextPair<'a> {
    /// The older post's text (normalised).
    pub text_a: &'a str,
    /// The newer post's text.
    pub text_b: &'a str,
    /// Jaccard similarity of their words.
    pub similarity: f64,
}

impl NearText {
    /// `near_text` actions added.
    pub fn actions(&self) -> usize {
        self.source.len()
    }

    /// Whether rows `a` and `b` of `ds` may pair when every pair must be
    /// similar itself (not only linked through its cluster): always on
    /// other layers; on `near_text`, when the two texts' words reach the
    /// threshold. For `lockstep_detect::co_action::detect_filtered`.
    pub fn similar_pair(&self, ds: &Dataset, a: usize, b: usize) -> bool {
        ds.actions.layer[a] != Layer::NearText
            || self.pair(ds, a, b).similarity >= self.config.threshold
    }

    /// The evidence for two `near_text` rows of `ds` on one object (the
    /// dataset [`derive`] returned, or one with the same `near_text` rows
    /// last, in order, as [`Dataset::select_layers`] keeps them). The
    /// similarity is computed on the words, not their hashes.
    pub fn pair<'d>(&'d self, ds: &'d Dataset, row_a: usize, row_b: usize) -> TextPair<'d> {
        let first = ds.actions.len() - self.source.len();
        let text = |row: usize| -> (u32, &'d str) {
            let t = self.source[row - first];
            match self.slot[t as usize] {
                // Alone in its cluster: the cluster is named by the text.
                NONE => (t, ds.object_name(ds.actions.object[row])),
                s => (t, self.slot_text.resolve(s)),
            }
        };
        let ((ta, text_a), (tb, text_b)) = (text(row_a), text(row_b));
        let similarity = if ta == tb {
            1.0
        } else {
            let (sa, sb) = (self.slot[ta as usize], self.slot[tb as usize]);
            jaccard(self.slot_words.get(sa as usize), self.slot_words.get(sb as usize))
        };
        TextPair { text_a, text_b, similarity }
    }
}

/// Adds the `near_text` layer to `ds`: one action per `text` action whose
/// text has at least `min_tokens` words, appended after every other row.
pub fn derive(mut ds: Dataset, cfg: &NearTextConfig) -> (Dataset, NearText) {
    let lsh = LshParams::for_threshold(cfg.threshold);
    let text_objects: Vec<u32> =
        (0..ds.objects.len() as u32).filter(|&o| ds.object_layer(o) == Layer::Text).collect();
    let mut text_of_object = vec![NONE; ds.objects.len()];
    for (t, &o) in text_objects.iter().enumerate() {
        text_of_object[o as usize] = t as u32;
    }
    // Built a block at a time, so the arena is the only full copy.
    let mut sets = TokenSets::default();
    for block in text_objects.chunks(1 << 20) {
        let parts: Vec<TokenSets> = block
            .par_chunks(1 << 12)
            .map(|chunk| {
                let (mut part, mut buf) = (TokenSets::default(), Vec::new());
                for &o in chunk {
                    buf.clear();
                    buf.extend(words(ds.object_name(o), cfg.emoji).map(token_hash));
                    part.push_unsorted(&mut buf);
                }
                part
            })
            .collect();
        for part in &parts {
            sets.append(part);
        }
    }
    let near_cfg =
        NearConfig { threshold: cfg.threshold, min_tokens: cfg.min_tokens, lsh, seed: cfg.seed };
    let found = near_duplicates(&sets, &near_cfg);
    let long_enough: Vec<bool> =
        (0..sets.len()).map(|t| sets.get(t).len() >= cfg.min_tokens.max(1)).collect();
    let eligible = |t: usize| long_enough[t];

    let mut members = vec![0u64; sets.len()];
    for (t, &r) in found.representative.iter().enumerate() {
        if eligible(t) {
            members[r as usize] += 1;
        }
    }
    drop(sets);
    let mut posts = vec![0u32; members.len()];
    for row in 0..ds.actions.len() {
        if ds.actions.layer[row] == Layer::Text {
            let t = text_of_object[ds.actions.object[row] as usize] as usize;
            let r = found.representative[t] as usize;
            posts[r] = posts[r].saturating_add(1);
        }
    }
    let mut slot = vec![NONE; members.len()];
    let mut slot_text = Strings::default();
    let (mut slot_words, mut vocabulary) = (TokenSets::default(), Vocabulary::default());
    for t in 0..members.len() {
        let r = found.representative[t] as usize;
        if members[r] > 1 && posts[r] > 1 {
            let text = ds.object_name(text_objects[t]);
            slot[t] = slot_text.push(text);
            slot_words.push(words(text, cfg.emoji).map(|w| vocabulary.id(w)).collect());
        }
    }

    // One object per cluster, named by its representative, numbered in
    // order of first use.
    let mut cluster_object = vec![NONE; members.len()];
    let mut source = Vec::new();
    let (mut actions_too_short, mut actions_alone) = (0u64, 0u64);
    let mut key = String::new();
    let a = &ds.actions;
    let mut added: Vec<(usize, u32)> = Vec::new();
    for row in 0..a.len() {
        if a.layer[row] != Layer::Text {
            continue;
        }
        let t = text_of_object[a.object[row] as usize] as usize;
        if !eligible(t) {
            actions_too_short += 1;
            continue;
        }
        let rep = found.representative[t] as usize;
        if posts[rep] < 2 {
            actions_alone += 1;
            continue;
        }
        if cluster_object[rep] == NONE {
            key.clear();
            key.push((b'a' + Layer::NearText as u8) as char);
            key.push_str(ds.object_name(text_objects[rep]));
            cluster_object[rep] = ds.objects.push(&key);
        }
        added.push((row, cluster_object[rep]));
        source.push(t as u32);
    }
    let a = &mut ds.actions;
    for &(row, object) in &added {
        a.account.push(a.account[row]);
        a.object.push(object);
        a.layer.push(Layer::NearText);
        a.content.push(a.content[row]);
        a.time_us.push(a.time_us[row]);
        a.platform.push(a.platform[row]);
        a.self_ref.push(false);
    }
    let clusters = members.iter().filter(|&&m| m > 1).count() as u64;
    let near = NearText {
        config: *cfg,
        lsh,
        texts: members.len() as u64,
        too_short: found.too_short,
        actions_too_short,
        actions_alone,
        clusters,
        largest: members.iter().copied().max().unwrap_or(0),
        comparisons: found.comparisons,
        similar: found.similar,
        source,
        slot,
        slot_text,
        slot_words,
    };
    (ds, near)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_model::{ActionInput, DatasetBuilder};

    #[test]
    fn edited_copies_share_an_object_and_strangers_do_not() {
        let mut b = DatasetBuilder::default();
        let lines = [
            ("a", "the mayor lied about the budget today, share before they delete it"),
            ("b", "the mayor lied about the budget today!!! share before they delete it 🔥"),
            ("c", "share before they delete it: the mayor lied about the budget today"),
            ("d", "the weather is lovely in the park this afternoon with friends"),
            ("e", "thank god"),
        ];
        for (i, (acc, text)) in lines.iter().enumerate() {
            let content = format!("p{i}");
            b.push_action(ActionInput {
                account: acc,
                object: text,
                layer: Layer::Text,
                content: &content,
                time_us: i as i64,
                platform: "",
            });
        }
        let (ds, near) = derive(b.finish(), &NearTextConfig::default());
        let nt: Vec<usize> =
            (0..ds.actions.len()).filter(|&r| ds.actions.layer[r] == Layer::NearText).collect();
        assert_eq!(nt, [5, 6, 7], "one near_text action per text long enough and not alone");
        let obj: Vec<u32> = nt.iter().map(|&r| ds.actions.object[r]).collect();
        assert_eq!(obj[0], obj[1]);
        assert_eq!(obj[0], obj[2], "reordered clauses are the same words");
        assert_eq!(ds.object_name(obj[0]), lines[0].1);
        assert_eq!((near.texts, near.too_short, near.actions_too_short), (5, 1, 1));
        assert_eq!(near.actions_alone, 1, "the weather line is posted once");
        assert_eq!((near.clusters, near.largest), (1, 3));
        let p = near.pair(&ds, 5, 6);
        assert_eq!((p.text_a, p.text_b), (lines[0].1, lines[1].1));
        assert!((p.similarity - 11.0 / 12.0).abs() < 1e-12, "{}", p.similarity);
        assert_eq!(near.pair(&ds, 5, 7).similarity, 1.0);
    }
}

//! What the detector's property tests share.

use lockstep_detect::{DetectConfig, Semantics, SlowWindow};
use lockstep_model::{ActionInput, Dataset, DatasetBuilder, Layer};
use proptest::prelude::*;

/// Small alphabets so that ties, repeat shares, duplicates, shared content
/// ids and window edges are common; and posts on several objects (a row
/// that continues the previous row's post: its account, content and time).
pub fn dataset() -> impl Strategy<Value = Dataset> {
    let row = (0u8..6, 0u8..5, 0u8..3, 0u8..40, 0i64..12, any::<bool>(), any::<bool>());
    proptest::collection::vec(row, 0..60).prop_map(|rows| {
        let mut b = DatasetBuilder::default();
        let mut post: Option<(u8, String, i64)> = None;
        for (acc, obj, layer, content, t, self_ref, same_post) in rows {
            let layer = [Layer::Repost, Layer::Url, Layer::Hashtag][layer as usize];
            let object = format!("o{obj}");
            // Sometimes the content id is the object id (a loop in CooRTweet's sense).
            let content = if self_ref { object.clone() } else { format!("c{content}") };
            let (acc, content, t) = match (&post, same_post) {
                (Some(p), true) => p.clone(),
                _ => (acc, content, t),
            };
            post = Some((acc, content.clone(), t));
            b.push_action(ActionInput {
                account: &format!("a{acc}"),
                object: &object,
                layer,
                content: &content,
                time_us: t * 5_000_000,
                platform: "",
            });
        }
        b.finish()
    })
}

/// Every `DetectConfig` knob on the same small time grid as [`dataset`];
/// CooRTweet semantics with probability `coortweet`. The slow window, when
/// drawn, applies to one or two of the dataset's layers with a rank bound
/// small enough to bind.
pub fn config(coortweet: f64) -> impl Strategy<Value = DetectConfig> {
    let coor = proptest::bool::weighted(coortweet);
    let slow = proptest::option::of((1i64..12, 1u16..4, 1u32..4));
    (0i64..4, proptest::option::of(0i64..3), 0u32..4, coor, any::<bool>(), any::<bool>(), slow)
        .prop_map(|(w, f, min, coor, keep_loops, dedup, slow)| DetectConfig {
            window_us: w * 5_000_000,
            fast_window_us: f.map(|f| f * 5_000_000),
            min_participation: min,
            semantics: if coor { Semantics::CooRTweet } else { Semantics::Lockstep },
            keep_loops,
            dedup,
            slow: slow.map(|(sw, layers, crowd)| SlowWindow {
                window_us: (w + sw) * 5_000_000,
                layers: [Layer::Url, Layer::Hashtag]
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| layers >> i & 1 == 1)
                    .map(|(_, l)| l)
                    .collect(),
                crowd,
            }),
        })
}

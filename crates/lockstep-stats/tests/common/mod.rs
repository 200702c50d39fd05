//! What the significance tests share: a seeded generator and the detector
//! settings they test under.

use lockstep_detect::{DetectConfig, Semantics};
use lockstep_model::{ActionInput, DatasetBuilder, Layer};

/// SplitMix64, seeded: the tests' data is the same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    #[allow(dead_code)] // Not every test file draws floats.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A 60 s window, lockstep semantics, every account counted.
pub fn config() -> DetectConfig {
    DetectConfig {
        window_us: 60_000_000,
        min_participation: 1,
        semantics: Semantics::Lockstep,
        ..Default::default()
    }
}

/// Calibration on data without an operation: under both nulls the p-values
/// below alpha are at most alpha times the hypotheses (within three
/// standard deviations), and no edge passes both tests.
#[allow(dead_code)] // Not every test file checks calibration.
pub fn assert_calibrated(
    det: &lockstep_detect::Detection,
    s: &lockstep_stats::Significance,
    seed: u64,
) {
    assert!(det.edges.len() > 1_000, "{}", det.edges.len());
    for alpha in [0.001, 0.01, 0.05] {
        for (name, p, m) in [
            ("day shift", &s.p_value, s.hypotheses),
            ("partners", &s.partners.p_value, s.partners.hypotheses),
        ] {
            let below = p.iter().filter(|&&p| p < alpha).count() as f64;
            let bound = alpha * m + 3.0 * (alpha * m).sqrt();
            assert!(below <= bound, "{name}, seed {seed}, alpha {alpha}: {below} > {bound}");
        }
        let both = (0..det.edges.len()).filter(|&i| s.q_both(i) <= alpha).count();
        assert_eq!(both, 0, "seed {seed}: a chance edge passed both tests at {alpha}");
    }
}

/// Adds one action of a post of its own (numbered by `post`) at `t`
/// seconds.
#[allow(dead_code)] // Not every test file builds its data this way.
pub fn push_on(
    b: &mut DatasetBuilder,
    post: &mut u64,
    account: &str,
    object: &str,
    layer: Layer,
    t: u64,
) {
    *post += 1;
    b.push_action(ActionInput {
        account,
        object,
        layer,
        content: &format!("p{post}"),
        time_us: t as i64 * 1_000_000,
        platform: "",
    });
}

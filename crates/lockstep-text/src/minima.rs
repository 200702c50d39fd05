//! MinHash's inner loop: the minimum of each multiply-shift function
//! `(a * x + b) >> 32` over a set's mixed tokens, on the widest vectors the
//! CPU has.
//!
//! The loop is 64-bit multiplies, and x86-64's baseline (SSE2) has no
//! 64-bit vector multiply: compiled for it, each is built from 32-bit ones,
//! two lanes at a time. Compiled for AVX2 (built the same way, four lanes
//! at a time) the loop runs in about a third of the time, and for AVX-512
//! (`vpmullq` multiplies 64-bit lanes) in a fifth (BENCHMARKS.md, "MinHash
//! on the CPU's vectors"). The CPU is asked once per run; every kernel
//! computes the same numbers, so results do not depend on the machine.

use crate::lsh::mix;

/// Which compilation of the loop runs. Made only in this module, and only
/// for a kernel the CPU was found to run ([`Kernel::best`], and the tests'
/// `available`): that is what makes calling a vector kernel sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kernel(Which);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub(crate) fn best() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                return Kernel(Which::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Kernel(Which::Avx2);
            }
        }
        Kernel(Which::Portable)
    }

    /// Lowers `mins[i]` to the least `(a[i] * x + b[i]) >> 32` over the
    /// tokens `t` of `set`, with `x = mix(t ^ seed)`.
    #[allow(unsafe_code)]
    pub(crate) fn lower(self, set: &[u32], seed: u64, a: &[u64], b: &[u64], mins: &mut [u32]) {
        match self.0 {
            Which::Portable => portable(set, seed, a, b, mins),
            // SAFETY: a `Kernel` holds `Avx2` only where the CPU was found
            // to have AVX2 (see `Kernel`).
            #[cfg(target_arch = "x86_64")]
            Which::Avx2 => unsafe { avx2(set, seed, a, b, mins) },
            // SAFETY: as above, for AVX-512 F, DQ and VL.
            #[cfg(target_arch = "x86_64")]
            Which::Avx512 => unsafe { avx512(set, seed, a, b, mins) },
        }
    }
}

/// The loop, inlined into each compilation below.
#[inline(always)]
fn lower(set: &[u32], seed: u64, a: &[u64], b: &[u64], mins: &mut [u32]) {
    // One minimum per function, checked once per set: `zip` would
    // otherwise quietly stop at the shortest.
    let n = mins.len();
    assert!(a.len() == n && b.len() == n, "one minimum per function");
    for &t in set {
        let x = mix(u64::from(t) ^ seed);
        for ((m, &a), &b) in mins.iter_mut().zip(a).zip(b) {
            *m = (*m).min((a.wrapping_mul(x).wrapping_add(b) >> 32) as u32);
        }
    }
}

fn portable(set: &[u32], seed: u64, a: &[u64], b: &[u64], mins: &mut [u32]) {
    lower(set, seed, a, b, mins);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn avx2(set: &[u32], seed: u64, a: &[u64], b: &[u64], mins: &mut [u32]) {
    lower(set, seed, a, b, mins);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn avx512(set: &[u32], seed: u64, a: &[u64], b: &[u64], mins: &mut [u32]) {
    lower(set, seed, a, b, mins);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every kernel this CPU runs, the portable one first.
    fn available() -> Vec<Kernel> {
        let mut all = vec![Kernel(Which::Portable)];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(Kernel(Which::Avx2));
            }
            if Kernel::best() == Kernel(Which::Avx512) {
                all.push(Kernel(Which::Avx512));
            }
        }
        all
    }

    /// The minima function by function, token by token.
    fn oracle(set: &[u32], seed: u64, a: &[u64], b: &[u64]) -> Vec<u32> {
        a.iter()
            .zip(b)
            .map(|(&a, &b)| {
                set.iter()
                    .map(|&t| {
                        (a.wrapping_mul(mix(u64::from(t) ^ seed)).wrapping_add(b) >> 32) as u32
                    })
                    .fold(u32::MAX, u32::min)
            })
            .collect()
    }

    proptest! {
        /// Each kernel gives the oracle's minima, for any number of
        /// functions (vector lengths and their remainders).
        #[test]
        fn every_kernel_gives_the_oracles_minima(
            set in proptest::collection::vec(any::<u32>(), 0..40),
            fns in proptest::collection::vec((any::<u64>(), any::<u64>()), 0..130),
            seed in any::<u64>(),
        ) {
            let (a, b): (Vec<u64>, Vec<u64>) = fns.into_iter().unzip();
            let want = oracle(&set, seed, &a, &b);
            for kernel in available() {
                let mut mins = vec![u32::MAX; a.len()];
                kernel.lower(&set, seed, &a, &b, &mut mins);
                prop_assert_eq!(&mins, &want, "{:?}", kernel);
            }
        }
    }
}

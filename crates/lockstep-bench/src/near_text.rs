//! `lockstep-bench --near-text ROWS`: MinHash LSH against exact Jaccard on
//! the simulator's posts (organic posts, and planted groups posting one
//! line per event with operators' edits). For each threshold: the exact
//! similar pairs (all pairs of distinct texts, compared in this process:
//! the baseline), the share LSH finds, the share that ends in one cluster,
//! and the share of same-cluster pairs that are similar (single linkage
//! can chain), with both times.

use lockstep_text::{
    jaccard, lsh_similar_pairs, near_duplicates, sizes_can_reach, token_hash, words, LshParams,
    NearConfig, TokenSets,
};
use rayon::prelude::*;
use std::collections::HashSet;
use std::time::Instant;

pub fn run(rows: u64) {
    let scenario = lockstep_sim::Scenario { rows, text: true, ..Default::default() };
    let mut csv = Vec::new();
    lockstep_sim::generate(&scenario, &mut csv, &mut std::io::sink()).expect("generate");
    let text = String::from_utf8(csv).expect("utf-8");
    let mut seen = HashSet::new();
    let mut sets = TokenSets::default();
    for line in text.lines().skip(1) {
        let post = line.splitn(5, ',').nth(4).expect("text column");
        let norm = lockstep_ingest::text::normalize_exact(post);
        if seen.insert(norm.clone()) {
            let mut ids: Vec<u32> = words(&norm, true).map(token_hash).collect();
            sets.push_unsorted(&mut ids);
        }
    }
    let n = sets.len();
    println!(
        "{rows} simulated posts, {n} distinct texts; exact = all {} pairs compared",
        n * (n - 1) / 2
    );
    println!("| threshold | bands × rows | exact pairs | LSH pairs found | pair recall | cluster recall | same-cluster pairs similar | exact s | LSH pairs s | clusters s |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for t in [0.5, 0.6, 0.7, 0.8, 0.9] {
        let cfg =
            NearConfig { threshold: t, min_tokens: 5, lsh: LshParams::for_threshold(t), seed: 1 };
        let t0 = Instant::now();
        let exact: Vec<(u32, u32)> = (0..n)
            .into_par_iter()
            .flat_map_iter(|a| {
                let sets = &sets;
                (a + 1..n).filter_map(move |b| {
                    let (sa, sb) = (sets.get(a), sets.get(b));
                    (sa.len() >= 5
                        && sb.len() >= 5
                        && sizes_can_reach(sa.len(), sb.len(), t)
                        && jaccard(sa, sb) >= t)
                        .then_some((a as u32, b as u32))
                })
            })
            .collect();
        let exact_s = t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let found: HashSet<(u32, u32)> = lsh_similar_pairs(&sets, &cfg).into_iter().collect();
        let lsh_s = t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let d = near_duplicates(&sets, &cfg);
        let cluster_s = t0.elapsed().as_secs_f64();
        let hit = exact.iter().filter(|p| found.contains(p)).count();
        assert_eq!(hit, found.len(), "LSH reported a pair under the threshold");
        let together = exact
            .iter()
            .filter(|&&(a, b)| d.representative[a as usize] == d.representative[b as usize])
            .count();
        // Pairs that share a cluster, and how many of them are similar.
        let mut by_cluster: std::collections::HashMap<u32, Vec<u32>> = Default::default();
        for (i, &r) in d.representative.iter().enumerate() {
            by_cluster.entry(r).or_default().push(i as u32);
        }
        let (mut same, mut same_similar) = (0u64, 0u64);
        for members in by_cluster.values().filter(|m| m.len() > 1) {
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    same += 1;
                    same_similar +=
                        u64::from(jaccard(sets.get(a as usize), sets.get(b as usize)) >= t);
                }
            }
        }
        let ratio = |a: f64, b: f64| if b == 0.0 { f64::NAN } else { a / b };
        println!(
            "| {t} | {} × {} | {} | {} | {:.4} | {:.4} | {:.4} | {exact_s:.2} | {lsh_s:.2} | {cluster_s:.2} |",
            cfg.lsh.bands,
            cfg.lsh.rows,
            exact.len(),
            found.len(),
            ratio(found.len() as f64, exact.len() as f64),
            ratio(together as f64, exact.len() as f64),
            ratio(same_similar as f64, same as f64),
        );
    }
}

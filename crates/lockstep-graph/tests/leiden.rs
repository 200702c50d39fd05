//! Leiden clusters on graphs with known groups.

use lockstep_graph::{build, ClusterMethod, ThresholdConfig};
use lockstep_model::{ActionInput, Dataset, DatasetBuilder, Layer};

/// Adds a post of `acc` sharing `obj` at `t` seconds (each its own post).
fn push(b: &mut DatasetBuilder, acc: &str, obj: &str, t: i64) {
    let post = b.len();
    b.push_action(ActionInput {
        account: acc,
        object: obj,
        layer: Layer::Url,
        content: &format!("p{post}"),
        time_us: t * 1_000_000,
        platform: "",
    });
}

/// Groups of accounts that each co-share `shared` objects among themselves,
/// and `bridges` pairs across neighbouring groups that co-share two.
fn groups(sizes: &[usize], shared: usize, bridges: usize) -> Dataset {
    let mut b = DatasetBuilder::default();
    let mut t = 0i64;
    for (g, &n) in sizes.iter().enumerate() {
        for o in 0..shared {
            t += 1000;
            for m in 0..n {
                push(&mut b, &format!("g{g}m{m}"), &format!("g{g}o{o}"), t + m as i64);
            }
        }
    }
    for g in 0..sizes.len().saturating_sub(1) {
        for k in 0..bridges {
            for o in 0..2 {
                t += 1000;
                push(&mut b, &format!("g{g}m{k}"), &format!("bridge{g}_{k}_{o}"), t);
                push(&mut b, &format!("g{}m{k}", g + 1), &format!("bridge{g}_{k}_{o}"), t + 1);
            }
        }
    }
    b.finish()
}

fn clusters(ds: &Dataset, method: ClusterMethod) -> Vec<Vec<String>> {
    let det = lockstep_detect::detect(ds, &Default::default());
    let net = build(ds, &det, &ThresholdConfig { quantile: None, min_weight: 2, clusters: method });
    net.clusters
        .iter()
        .map(|c| c.accounts.iter().map(|&a| ds.account_name(a).to_string()).collect())
        .collect()
}

const LEIDEN: ClusterMethod = ClusterMethod::Leiden { resolution: 1.0, seed: 1 };

#[test]
fn two_groups_joined_by_one_pair_are_two_clusters() {
    let ds = groups(&[6, 6], 4, 1);
    assert_eq!(clusters(&ds, ClusterMethod::Components).len(), 1, "one component");
    let c = clusters(&ds, LEIDEN);
    assert_eq!(c.len(), 2, "{c:?}");
    for cl in &c {
        assert_eq!(cl.len(), 6);
        let group = &cl[0][..2];
        assert!(cl.iter().all(|a| a.starts_with(group)), "{cl:?}");
    }
}

#[test]
fn a_chain_of_groups_splits_into_its_groups() {
    let sizes = [5, 8, 6, 10, 7];
    let ds = groups(&sizes, 5, 1);
    assert_eq!(clusters(&ds, ClusterMethod::Components).len(), 1);
    let mut got: Vec<usize> = clusters(&ds, LEIDEN).iter().map(Vec::len).collect();
    got.sort_unstable();
    let mut want = sizes.to_vec();
    want.sort_unstable();
    assert_eq!(got, want);
}

#[test]
fn leiden_clusters_do_not_depend_on_threads() {
    let ds = groups(&[5, 8, 6, 10, 7, 9, 4, 12], 4, 2);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| clusters(&ds, LEIDEN))
    };
    assert_eq!(run(1), run(3));
}

/// An operation inside an organic crowd: 40 accounts that co-share 12
/// objects among themselves, in one component with 900 accounts whose
/// edges chance made (each crowd account co-shares two objects with a few
/// random others, and a dozen with operation members). `split` cuts the
/// crowd and gives the operation back whole and alone, saying what it was
/// cut from; a small component is kept whole.
#[test]
fn an_operation_in_a_crowd_comes_out_whole_and_alone() {
    let mut b = DatasetBuilder::default();
    let mut t = 0i64;
    for o in 0..12 {
        t += 1_000;
        for m in 0..40 {
            push(&mut b, &format!("op{m}"), &format!("order{o}"), t + m % 30);
        }
    }
    // A crowd: account k co-shares two objects with k+1, k+7 and k+31.
    let mut x = 0u64;
    for k in 0..900u64 {
        for step in [1u64, 7, 31] {
            let other = (k + step) % 900;
            for _ in 0..2 {
                t += 1_000;
                x += 1;
                push(&mut b, &format!("crowd{k}"), &format!("c{x}"), t);
                push(&mut b, &format!("crowd{other}"), &format!("c{x}"), t + 1);
            }
        }
    }
    // A few chance edges between the operation and the crowd.
    for m in 0..12u64 {
        for _ in 0..2 {
            t += 1_000;
            x += 1;
            push(&mut b, &format!("op{m}"), &format!("c{x}"), t);
            push(&mut b, &format!("crowd{}", m * 70), &format!("c{x}"), t + 1);
        }
    }
    let ds = b.finish();
    assert_eq!(clusters(&ds, ClusterMethod::Components).len(), 1, "one component of 940");
    let split = ClusterMethod::Split { above: 500, resolution: 1.0, seed: 1 };
    let det = lockstep_detect::detect(&ds, &Default::default());
    let net = build(&ds, &det, &ThresholdConfig { quantile: None, min_weight: 2, clusters: split });
    let op: Vec<&lockstep_graph::Cluster> = net
        .clusters
        .iter()
        .filter(|c| c.accounts.iter().any(|&a| ds.account_name(a).starts_with("op")))
        .collect();
    assert_eq!(op.len(), 1, "the operation is one cluster");
    let names: Vec<&str> = op[0].accounts.iter().map(|&a| ds.account_name(a)).collect();
    assert_eq!(names.len(), 40, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("op")), "{names:?}");
    assert_eq!(op[0].cut_from, Some(940));
    // Below the size, components stay whole, and nothing says cut.
    let keep = ClusterMethod::Split { above: 1_000, resolution: 1.0, seed: 1 };
    let net = build(&ds, &det, &ThresholdConfig { quantile: None, min_weight: 2, clusters: keep });
    assert_eq!(net.clusters.len(), 1);
    assert_eq!(net.clusters[0].cut_from, None);
}

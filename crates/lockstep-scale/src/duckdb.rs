//! `lockstep export-sql`: the co-action stage as SQL over a dataset's
//! Parquet tables, for teams that run DuckDB or Spark instead of lockstep.
//! The same plan lockstep's own sweep computes (lockstep semantics), so the
//! edges it writes are lockstep's edges; `scripts/sql_equivalence.py`
//! checks that on DuckDB.
//!
//! Its window stage is [`crate::plan`]'s, rendered in DuckDB's dialect.
//!
//! The script is DuckDB's dialect (`read_parquet`, `epoch_us`, `COPY`);
//! for Spark SQL read the Parquet files as views and use `unix_micros`.
//! One statement, the participation rule, is a fixed point: the script
//! marks it, and a driver repeats it until it deletes no row.

use crate::plan::{self, Dialect};
use lockstep_model::Layer;

/// What the script's pairs keep of each pair, for the participation rule,
/// the edges and pairs.csv.
const PAIR_COLUMNS: &str = "x.action_id AS older, y.action_id AS newer, \
    x.account_id AS account_x, y.account_id AS account_y, \
    x.object_id, x.layer, x.content_id AS content_x, y.content_id AS content_y, \
    y.t - x.t AS delta_us";

/// What the plan computes: the detect parameters it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlParams {
    /// Pair window, µs (inclusive).
    pub window_us: i64,
    /// Fast window, µs, if any.
    pub fast_window_us: Option<i64>,
    /// Distinct objects both accounts of a pair must co-act on.
    pub min_participation: u32,
    /// Keep pairs of one account, one post, or a post and itself.
    pub keep_loops: bool,
    /// Drop exact duplicate actions first.
    pub dedup: bool,
}

/// The line before the statement a driver repeats until it deletes no row.
pub const REPEAT_BEGIN: &str = "-- repeat: until the next statement deletes no row";
/// The line after it.
pub const REPEAT_END: &str = "-- end repeat";

/// A SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The script: reads `dataset` (a folder path as the engine will see it),
/// writes `edges.csv` and `pairs.csv` into `results`.
pub fn coaction_sql(dataset: &str, results: &str, p: &SqlParams) -> String {
    let table = |name: &str| literal(&format!("{}/{name}", dataset.trim_end_matches('/')));
    let out = |name: &str| literal(&format!("{}/{name}", results.trim_end_matches('/')));
    let mut s = String::new();
    s.push_str(&format!(
        "-- lockstep co-action plan (lockstep semantics), written by lockstep {}\n\
         -- window_us {}, fast_window_us {}, min_participation {}, keep_loops {}, dedup {}\n\
         -- Reads {}; writes edges.csv and pairs.csv into {}.\n\n",
        env!("CARGO_PKG_VERSION"),
        p.window_us,
        p.fast_window_us.map_or("none".to_string(), |f| f.to_string()),
        p.min_participation,
        p.keep_loops,
        p.dedup,
        dataset,
        results,
    ));
    let (w, min) = (p.window_us, p.min_participation.max(1));
    s.push_str(&format!(
        "-- 1. Actions, with time as integer microseconds.\n\
         CREATE OR REPLACE TABLE ls_actions AS\n{};\n\n",
        plan::actions(Dialect::DuckDb, &format!("read_parquet({})", table("actions.parquet")))
    ));
    s.push_str(&format!(
        "-- 2. Exact duplicates (object, account, content, time) after their first{}.\n\
         CREATE OR REPLACE TABLE ls_kept AS\n{};\n\n",
        if p.dedup { "" } else { " (kept: no --dedup)" },
        plan::kept(p.dedup, "ls_actions")
    ));
    s.push_str(&format!(
        "-- 3. Accounts that act on fewer distinct objects than min_participation\n\
         --    cannot take part; the time bucket of each action, floor(t / window).\n\
         CREATE OR REPLACE TABLE ls_participating AS\n{};\n\
         CREATE OR REPLACE TABLE ls_bucketed AS\n{};\n\n",
        plan::participating(min, "ls_kept"),
        plan::bucketed(Dialect::DuckDb, w, "ls_participating")
    ));
    s.push_str(&format!(
        "-- 4. Pairs: the same object, the newer action within the window of the\n\
         --    older (ranked by time, then input order), loops dropped{}. The\n\
         --    join keys on (object, bucket): each older action meets its own\n\
         --    bucket and the next.\n\
         CREATE OR REPLACE TABLE ls_pairs AS\n{};\n\n",
        if p.keep_loops { " (kept: --keep-loops)" } else { "" },
        plan::pairs(PAIR_COLUMNS, w, "ls_bucketed", !p.keep_loops)
    ));
    if min > 1 {
        // An account's acts: its distinct objects and its distinct posts in
        // the surviving pairs, whichever fewer.
        let taking_part = format!(
            "SELECT account_id FROM (\n\
             \x20   SELECT account_x AS account_id, object_id, content_x AS content_id FROM ls_pairs\n\
             \x20   UNION ALL SELECT account_y, object_id, content_y FROM ls_pairs\n\
             \x20 ) GROUP BY account_id\n\
             \x20 HAVING least(count(DISTINCT object_id), count(DISTINCT content_id)) >= {min}"
        );
        s.push_str(&format!(
            "-- 5. Participation: both accounts of a pair have at least {min} acts\n\
             --    (distinct objects and distinct posts of theirs, whichever fewer),\n\
             --    counted over the surviving pairs.\n\
             {REPEAT_BEGIN}\n\
             DELETE FROM ls_pairs WHERE account_x NOT IN ({taking_part})\n\
             \x20 OR account_y NOT IN ({taking_part});\n\
             {REPEAT_END}\n\n"
        ));
    }
    // The layer set of an edge in lockstep's layer order.
    let bits = Layer::ALL
        .iter()
        .enumerate()
        .map(|(i, l)| format!("WHEN {} THEN {}", literal(l.name()), 1u64 << i))
        .collect::<Vec<_>>()
        .join(" ");
    let names = Layer::ALL
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!("CASE WHEN layer_mask & {} <> 0 THEN {} END", 1u64 << i, literal(l.name()))
        })
        .collect::<Vec<_>>()
        .join(",\n    ");
    // Acts (lockstep_detect::acts): distinct objects, distinct posts of the
    // lower account, distinct posts of the higher; the fewest.
    let acts = |when: &str| {
        let only = |v: &str| match when {
            "" => v.to_string(),
            w => format!("CASE WHEN {w} THEN {v} END"),
        };
        format!(
            "least(count(DISTINCT {}), count(DISTINCT {}), count(DISTINCT {}))",
            only("object_id"),
            only("CASE WHEN account_x <= account_y THEN content_x ELSE content_y END"),
            only("CASE WHEN account_x <= account_y THEN content_y ELSE content_x END"),
        )
    };
    let fast = match p.fast_window_us {
        Some(f) => acts(&format!("delta_us <= {f}")),
        None => "0".to_string(),
    };
    let weight = acts("");
    s.push_str(&format!(
        "-- 6. Edges: per account pair (lower id first), the acts (the weight),\n\
         --    the pair rows, the distinct objects, the mean delta, the distinct\n\
         --    contents on each side, the layers, the acts of fast pairs.\n\
         CREATE OR REPLACE TABLE ls_edges AS\n\
         SELECT least(account_x, account_y) AS a, greatest(account_x, account_y) AS b,\n\
         \x20      {weight} AS weight, count(*) AS pair_rows,\n\
         \x20      count(DISTINCT object_id) AS objects, avg(delta_us) AS mean_delta_us,\n\
         \x20      count(DISTINCT content_x) AS n_content_id, count(DISTINCT content_y) AS n_content_id_y,\n\
         \x20      bit_or(CASE layer {bits} END) AS layer_mask,\n\
         \x20      {fast} AS fast_weight\n\
         FROM ls_pairs GROUP BY 1, 2;\n\n"
    ));
    s.push_str(&format!(
        "-- 7. Results, with account names, in lockstep's order.\n\
         CREATE OR REPLACE TABLE ls_names AS SELECT account_id, name FROM read_parquet({});\n\
         COPY (\n\
         \x20 SELECT na.name AS account_a, nb.name AS account_b, e.weight, e.pair_rows, e.objects,\n\
         \x20        e.mean_delta_us / 1e6 AS mean_delta_s,\n\
         \x20        concat_ws(';',\n    {names}) AS layers,\n\
         \x20        e.n_content_id, e.n_content_id_y, e.fast_weight\n\
         \x20 FROM ls_edges e JOIN ls_names na ON na.account_id = e.a JOIN ls_names nb ON nb.account_id = e.b\n\
         \x20 ORDER BY e.a, e.b\n\
         ) TO {} (HEADER, DELIMITER ',');\n\n",
        table("accounts.parquet"),
        out("edges.csv"),
    ));
    s.push_str(&format!(
        "CREATE OR REPLACE TABLE ls_objects AS SELECT object_id, name FROM read_parquet({});\n\
         CREATE OR REPLACE TABLE ls_contents AS SELECT content_id, name FROM read_parquet({});\n\
         COPY (\n\
         \x20 SELECT p.layer, o.name AS object, na.name AS account_a, nb.name AS account_b,\n\
         \x20        ca.name AS content_a, cb.name AS content_b, p.delta_us / 1e6 AS delta_s\n\
         \x20 FROM ls_pairs p\n\
         \x20 JOIN ls_names na ON na.account_id = p.account_x JOIN ls_names nb ON nb.account_id = p.account_y\n\
         \x20 JOIN ls_objects o ON o.object_id = p.object_id\n\
         \x20 JOIN ls_contents ca ON ca.content_id = p.content_x JOIN ls_contents cb ON cb.content_id = p.content_y\n\
         \x20 ORDER BY least(p.account_x, p.account_y), greatest(p.account_x, p.account_y), p.older, p.newer\n\
         ) TO {} (HEADER, DELIMITER ',');\n",
        table("objects.parquet"),
        table("contents.parquet"),
        out("pairs.csv"),
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(min_participation: u32) -> SqlParams {
        SqlParams {
            window_us: 60_000_000,
            fast_window_us: Some(10_000_000),
            min_participation,
            keep_loops: false,
            dedup: true,
        }
    }

    #[test]
    fn the_plan_joins_on_object_and_bucket() {
        let sql = coaction_sql("/data/ds", "/data/out", &params(2));
        assert!(sql.contains("y.object_id = x.object_id AND y.bucket = x.join_bucket"));
        assert!(sql.contains("(t - (((t % 60000000) + 60000000) % 60000000)) // 60000000"));
        assert!(sql.contains("count(DISTINCT CASE WHEN delta_us <= 10000000 THEN object_id END)"));
        assert!(sql
            .contains("HAVING least(count(DISTINCT object_id), count(DISTINCT content_id)) >= 2"));
        assert!(sql.contains("SELECT min(action_id) AS first FROM ls_actions"));
        assert!(sql.contains(&format!("AND NOT {}", plan::LOOP)));
        assert_eq!(sql.matches(REPEAT_BEGIN).count(), 1);
        assert_eq!(sql.matches(REPEAT_END).count(), 1);
        assert!(sql.contains("read_parquet('/data/ds/actions.parquet')"));
        assert!(sql.contains("TO '/data/out/edges.csv'"));
    }

    #[test]
    fn participation_one_needs_no_fixed_point() {
        let sql = coaction_sql("d", "o", &params(1));
        assert!(!sql.contains(REPEAT_BEGIN));
    }

    #[test]
    fn paths_are_quoted() {
        let sql = coaction_sql("/tmp/it's", "/tmp/o'", &params(2));
        assert!(sql.contains("read_parquet('/tmp/it''s/actions.parquet')"));
        assert!(sql.contains("TO '/tmp/o''/edges.csv'"));
    }
}

//! The co-action window stage as SQL, stated once and rendered for each
//! engine: DuckDB (`lockstep export-sql`, [`crate::duckdb`]) and DataFusion
//! or Ballista ([`crate::window_pairs`]). Its rules are the native sweep's
//! (`lockstep_detect::co_action`, docs/detect.md):
//!
//! - **duplicates** ([`kept`]): with `--dedup`, an action with the same
//!   object, account, content and time as an earlier one (by input order,
//!   `action_id`) is dropped;
//! - **prefilter** ([`participating`]): an account on fewer distinct objects
//!   than `--min-participation` cannot take part in a pair;
//! - **buckets** ([`bucketed`]): `bucket = floor(t / window)`, rounded down
//!   for times before 1970 too, so that a pair within the window is in one
//!   bucket or two neighbours and the join keys on `(object, bucket)`: a
//!   viral object is joined bucket by bucket, never as a cross product;
//! - **pairs** ([`pairs`]): the same object, the newer action (by time,
//!   then input order) within the window of the older, inclusive;
//! - **loops** ([`LOOP`]): a pair of one account, of one post, or with a
//!   post acting on itself is a loop, dropped unless `--keep-loops`.

/// The SQL dialect a plan is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB: `/` on integers gives a double, `//` divides them.
    DuckDb,
    /// Apache DataFusion (and Ballista): `/` on integers divides them.
    DataFusion,
}

impl Dialect {
    /// Integer division, truncating.
    fn int_div(self) -> &'static str {
        match self {
            Dialect::DuckDb => "//",
            Dialect::DataFusion => "/",
        }
    }

    /// A timestamp column as integer microseconds since 1970.
    fn micros(self, column: &str) -> String {
        match self {
            Dialect::DuckDb => format!("epoch_us({column})"),
            Dialect::DataFusion => format!("CAST({column} AS BIGINT)"),
        }
    }
}

/// The action columns every step keeps.
const COLUMNS: &str = "action_id, account_id, object_id, layer, content_id, t, self_ref";

/// [`COLUMNS`] of the table called `alias` in a query.
fn columns_of(alias: &str) -> String {
    COLUMNS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

/// The actions of `source` (a table, or a function reading a file), time
/// as integer microseconds `t`.
pub fn actions(d: Dialect, source: &str) -> String {
    format!(
        "SELECT action_id, account_id, object_id, layer, content_id, {} AS t, self_ref FROM {source}",
        d.micros("time_us")
    )
}

/// The actions of `from` without exact duplicates after their first (with
/// `dedup`), else all of them.
pub fn kept(dedup: bool, from: &str) -> String {
    if !dedup {
        return format!("SELECT {COLUMNS} FROM {from}");
    }
    format!(
        "SELECT {} FROM {from} a JOIN (SELECT min(action_id) AS first FROM {from} \
         GROUP BY object_id, account_id, content_id, t) f ON a.action_id = f.first",
        columns_of("a")
    )
}

/// The actions of `from` whose account acts on at least `min` distinct
/// objects (all of them when `min` is 1 or less).
pub fn participating(min: u32, from: &str) -> String {
    if min <= 1 {
        return format!("SELECT {COLUMNS} FROM {from}");
    }
    format!(
        "SELECT {} FROM {from} k JOIN (SELECT account_id FROM {from} GROUP BY account_id \
         HAVING count(DISTINCT object_id) >= {min}) p ON k.account_id = p.account_id",
        columns_of("k")
    )
}

/// The actions of `from` with their bucket, `floor(t / window)` in
/// integers (the remainder made non-negative first, so that times before
/// 1970 round down as well).
pub fn bucketed(d: Dialect, window_us: i64, from: &str) -> String {
    let w = window_us.max(1);
    format!(
        "SELECT {COLUMNS}, (t - (((t % {w}) + {w}) % {w})) {} {w} AS bucket FROM {from}",
        d.int_div()
    )
}

/// Whether the pair of `x` and `y` is a loop: one account, one post, or a
/// post that acts on itself.
pub const LOOP: &str =
    "(x.account_id = y.account_id OR x.content_id = y.content_id OR x.self_ref OR y.self_ref)";

/// What [`pairs`] selects for the native engine to finish: the two rows
/// (by `action_id`) and whether they are a loop.
pub fn native_pair() -> String {
    format!("x.action_id AS older, y.action_id AS newer, {LOOP} AS is_loop")
}

/// The pairs of actions of `from` (with buckets) within `window_us`,
/// selecting `select` over `x` (the older) and `y` (the newer); loops
/// dropped when `drop_loops`. Each action meets its own bucket and the
/// next: two copies of the table, one with the bucket shifted (a `UNION
/// ALL`, which a distributed plan ships as easily as a scan).
pub fn pairs(select: &str, window_us: i64, from: &str, drop_loops: bool) -> String {
    let loops = if drop_loops { format!(" AND NOT {LOOP}") } else { String::new() };
    format!(
        "SELECT {select} \
         FROM (SELECT {COLUMNS}, bucket AS join_bucket FROM {from} \
               UNION ALL \
               SELECT {COLUMNS}, bucket + 1 AS join_bucket FROM {from}) x \
         JOIN {from} y ON y.object_id = x.object_id AND y.bucket = x.join_bucket \
         WHERE (x.t < y.t OR (x.t = y.t AND x.action_id < y.action_id)) AND y.t - x.t <= {window_us}{loops}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_rule_is_stated_once() {
        assert!(native_pair().ends_with(&format!("{LOOP} AS is_loop")));
        assert!(pairs("*", 10, "b", true).ends_with(&format!("AND NOT {LOOP}")));
        assert!(!pairs("*", 10, "b", false).contains("NOT"));
    }

    #[test]
    fn buckets_round_down_in_integers() {
        assert!(bucketed(Dialect::DuckDb, 60, "k").contains("(t - (((t % 60) + 60) % 60)) // 60"));
        assert!(
            bucketed(Dialect::DataFusion, 60, "k").contains("(t - (((t % 60) + 60) % 60)) / 60")
        );
        // The rule itself, in Rust's truncating integers, as the engines do.
        let bucket = |t: i64, w: i64| (t - (((t % w) + w) % w)) / w;
        for t in -250..250 {
            assert_eq!(bucket(t, 60), t.div_euclid(60), "t = {t}");
        }
    }
}

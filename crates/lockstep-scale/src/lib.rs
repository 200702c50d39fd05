//! lockstep's co-action window stage on another engine. With the
//! `datafusion` feature, [`window_pairs`] runs the join of `lockstep
//! export-sql`'s plan (docs/scaling.md) on Apache DataFusion over a
//! dataset's `actions.parquet`: duplicates, the participation prefilter,
//! and the pairs of actions on one object within the window, keyed on
//! `(object, time bucket)` so that a viral object is joined bucket by
//! bucket. The rest of detection (participation, the fast flag,
//! aggregation) runs in lockstep on those pairs
//! ([`lockstep_detect::co_action::detect_from_pairs`]), so the outputs are
//! the native ones.
//!
//! Without the feature, [`window_pairs`] says how to build with it.
#![warn(missing_docs)]

use std::path::Path;

use lockstep_detect::co_action::WindowPairs;
use lockstep_detect::{DetectConfig, Semantics};

/// Why the engine could not run.
#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    /// This build has no DataFusion.
    #[error("this lockstep was built without DataFusion: build with `cargo build --release -p lockstep-cli --features scale-out`")]
    NotBuilt,
    /// The parameters ask for what the plan does not cover.
    #[error("{0}")]
    Unsupported(String),
    /// DataFusion failed.
    #[error("DataFusion: {0}")]
    Engine(String),
}

/// Checks that the plan covers `cfg`.
fn supported(cfg: &DetectConfig) -> Result<(), ScaleError> {
    if cfg.semantics != Semantics::Lockstep {
        return Err(ScaleError::Unsupported(
            "`--engine datafusion` runs lockstep semantics only (CooRTweet's rules need every kept action)".into(),
        ));
    }
    Ok(())
}

/// The SQL of each step, as DataFusion runs it.
pub mod plan {
    use lockstep_detect::DetectConfig;

    /// Actions with time as integer microseconds.
    pub const ACTIONS: &str = "SELECT action_id, account_id, object_id, content_id, \
        CAST(time_us AS BIGINT) AS t, self_ref FROM actions";

    /// Exact duplicates after their first, by input order.
    pub const DEDUP: &str = "SELECT action_id, account_id, object_id, content_id, t, self_ref FROM (\
        SELECT *, row_number() OVER (PARTITION BY object_id, account_id, content_id, t ORDER BY action_id) AS rn \
        FROM all_actions) WHERE rn = 1";

    /// Accounts on too few distinct objects dropped.
    pub fn participating(min: u32) -> String {
        format!(
            "SELECT k.* FROM kept k JOIN (SELECT account_id FROM kept GROUP BY account_id \
             HAVING count(DISTINCT object_id) >= {min}) p ON k.account_id = p.account_id"
        )
    }

    /// Each action's bucket. Integer division truncates toward zero, which
    /// makes the bucket around 0 wider than the window; a pair within the
    /// window still falls in one bucket or two neighbours, which is all
    /// the join needs.
    pub fn bucketed(window_us: i64) -> String {
        format!("SELECT *, t / {} AS bucket FROM participating", window_us.max(1))
    }

    /// The pairs within the window, loops flagged.
    pub fn pairs(cfg: &DetectConfig) -> String {
        format!(
            "SELECT x.action_id AS older, y.action_id AS newer, \
             (x.account_id = y.account_id OR x.content_id = y.content_id OR x.self_ref OR y.self_ref) AS is_loop \
             FROM (SELECT b.*, b.bucket + d.step AS join_bucket FROM bucketed b CROSS JOIN (VALUES (0), (1)) AS d(step)) x \
             JOIN bucketed y ON y.object_id = x.object_id AND y.bucket = x.join_bucket \
             WHERE (x.t < y.t OR (x.t = y.t AND x.action_id < y.action_id)) AND y.t - x.t <= {}",
            cfg.window_us
        )
    }
}

/// The window stage on DataFusion over the dataset in `dir`, with
/// `threads` partitions.
#[cfg(feature = "datafusion")]
pub fn window_pairs(
    dir: &Path,
    cfg: &DetectConfig,
    threads: usize,
) -> Result<WindowPairs, ScaleError> {
    supported(cfg)?;
    let threads = threads.max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .build()
        .map_err(|e| ScaleError::Engine(e.to_string()))?;
    rt.block_on(engine::run(dir, cfg, threads)).map_err(|e| ScaleError::Engine(e.to_string()))
}

/// Without DataFusion: an error that says how to build with it.
#[cfg(not(feature = "datafusion"))]
pub fn window_pairs(
    dir: &Path,
    cfg: &DetectConfig,
    threads: usize,
) -> Result<WindowPairs, ScaleError> {
    let _ = (dir, threads);
    supported(cfg)?;
    Err(ScaleError::NotBuilt)
}

#[cfg(feature = "datafusion")]
mod engine {
    use super::plan;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::error::Result;
    use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
    use lockstep_detect::co_action::WindowPairs;
    use lockstep_detect::DetectConfig;
    use std::path::Path;

    /// Runs `sql`, keeps the result in memory as table `name`, and returns
    /// its row count.
    async fn materialize(ctx: &SessionContext, name: &str, sql: &str) -> Result<u64> {
        let df = ctx.sql(sql).await?.cache().await?;
        let rows = df.clone().count().await? as u64;
        ctx.register_table(name, df.into_view())?;
        Ok(rows)
    }

    pub(super) async fn run(dir: &Path, cfg: &DetectConfig, threads: usize) -> Result<WindowPairs> {
        let ctx =
            SessionContext::new_with_config(SessionConfig::new().with_target_partitions(threads));
        let actions = dir.join("actions.parquet");
        ctx.register_parquet(
            "actions",
            actions.to_string_lossy().as_ref(),
            ParquetReadOptions::default(),
        )
        .await?;
        let mut out = WindowPairs::default();
        let all = materialize(&ctx, "all_actions", plan::ACTIONS).await?;
        let kept = if cfg.dedup {
            materialize(&ctx, "kept", plan::DEDUP).await?
        } else {
            materialize(&ctx, "kept", "SELECT * FROM all_actions").await?
        };
        out.duplicates_dropped = all - kept;
        let part = if cfg.min_participation > 1 {
            materialize(&ctx, "participating", &plan::participating(cfg.min_participation)).await?
        } else {
            materialize(&ctx, "participating", "SELECT * FROM kept").await?
        };
        out.prefiltered_out = kept - part;
        materialize(&ctx, "bucketed", &plan::bucketed(cfg.window_us)).await?;
        for batch in ctx.sql(&plan::pairs(cfg)).await?.collect().await? {
            let older = batch.column(0).as_primitive::<Int64Type>();
            let newer = batch.column(1).as_primitive::<Int64Type>();
            let is_loop = batch.column(2).as_boolean();
            for k in 0..batch.num_rows() {
                if is_loop.value(k) && !cfg.keep_loops {
                    out.loops_removed += 1;
                } else if older.is_valid(k) && newer.is_valid(k) {
                    out.pairs.push((older.value(k) as u32, newer.value(k) as u32));
                }
            }
        }
        Ok(out)
    }
}

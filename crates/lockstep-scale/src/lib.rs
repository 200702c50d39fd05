//! lockstep's co-action window stage on other engines, stated once in
//! [`plan`]: [`duckdb`] writes it as a DuckDB script (`lockstep
//! export-sql`, docs/scaling.md), and with the `datafusion` feature,
//! [`window_pairs`] runs it on Apache DataFusion over a
//! dataset's `actions.parquet`: duplicates, the participation prefilter,
//! and the pairs of actions on one object within the window, keyed on
//! `(object, time bucket)` so that a viral object is joined bucket by
//! bucket. The rest of detection (participation, the fast flag,
//! aggregation) runs in lockstep on those pairs
//! ([`lockstep_detect::co_action::detect_from_pairs`]), so the outputs are
//! the native ones. With the `ballista` feature the same plan runs on a
//! Ballista cluster ([`Engine::Ballista`]), and [`cluster`] runs the
//! scheduler and executor processes of one.
//!
//! Without the features, [`window_pairs`] says how to build with them.
#![warn(missing_docs)]

use std::path::Path;

pub mod duckdb;
pub mod plan;

use lockstep_detect::co_action::WindowPairs;
use lockstep_detect::{DetectConfig, Semantics};

#[cfg(feature = "ballista")]
pub mod cluster;

/// Where the plan runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// DataFusion in this process, over this many partitions.
    Embedded {
        /// Partitions and worker threads.
        threads: usize,
    },
    /// A Ballista cluster, through its scheduler.
    Ballista {
        /// The scheduler's `HOST:PORT`.
        scheduler: String,
    },
}

impl Engine {
    /// The engine named by `--engine`: `datafusion`, or
    /// `ballista://HOST:PORT` (the port defaults to Ballista's 50050).
    pub fn parse(s: &str, threads: usize) -> Result<Engine, String> {
        if s == "datafusion" {
            return Ok(Engine::Embedded { threads });
        }
        let Some(rest) = s.strip_prefix("ballista://") else {
            return Err(format!(
                "unknown engine `{s}`: expected `native`, `datafusion` or `ballista://HOST:PORT`"
            ));
        };
        let rest = rest.trim_end_matches('/');
        // An IPv6 address is bracketed, so a port is what follows the last
        // colon after any closing bracket.
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !rest.ends_with(']') => {
                let port: u16 = p.parse().map_err(|_| {
                    format!("`{s}`: the port `{p}` is not a number from 0 to 65535")
                })?;
                (h, port)
            }
            _ => (rest, 50050),
        };
        let plain_host = host.trim_start_matches('[').trim_end_matches(']');
        if plain_host.is_empty()
            || (plain_host.contains(':') && !host.starts_with('['))
            || !plain_host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
        {
            return Err(format!("`{s}`: expected `ballista://HOST:PORT`"));
        }
        Ok(Engine::Ballista { scheduler: format!("{host}:{port}") })
    }

    /// The engine's name in `summary.json`.
    pub fn name(&self) -> String {
        match self {
            Engine::Embedded { .. } => "datafusion".into(),
            Engine::Ballista { scheduler } => format!("ballista://{scheduler}"),
        }
    }
}

/// Why the engine could not run.
#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    /// This build has no DataFusion or Ballista.
    #[error("this lockstep was built without DataFusion and Ballista: build with `cargo build --release -p lockstep-cli --features scale-out`")]
    NotBuilt,
    /// The parameters ask for what the plan does not cover.
    #[error("{0}")]
    Unsupported(String),
    /// DataFusion failed.
    #[error("DataFusion: {0}")]
    Engine(String),
    /// The Ballista cluster failed or could not be reached.
    #[error("Ballista at {scheduler}: {message}")]
    Ballista {
        /// The scheduler's `HOST:PORT`.
        scheduler: String,
        /// What went wrong.
        message: String,
    },
}

/// Checks that the plan covers `cfg`.
fn supported(cfg: &DetectConfig) -> Result<(), ScaleError> {
    if cfg.semantics != Semantics::Lockstep {
        return Err(ScaleError::Unsupported(
            "`--engine datafusion` and `ballista://` run lockstep semantics only (CooRTweet's rules need every kept action)".into(),
        ));
    }
    if cfg.slow.is_some() {
        return Err(ScaleError::Unsupported(
            "`--engine datafusion` and `ballista://` pair at one window (no slow window)".into(),
        ));
    }
    Ok(())
}

/// The window stage over the dataset in `dir`, on `engine`.
pub fn window_pairs(
    dir: &Path,
    cfg: &DetectConfig,
    engine: &Engine,
) -> Result<WindowPairs, ScaleError> {
    supported(cfg)?;
    match engine {
        Engine::Embedded { threads } => embedded(dir, cfg, (*threads).max(1)),
        Engine::Ballista { scheduler } => ballista(dir, cfg, scheduler),
    }
}

#[cfg(feature = "datafusion")]
fn embedded(dir: &Path, cfg: &DetectConfig, threads: usize) -> Result<WindowPairs, ScaleError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .build()
        .map_err(|e| ScaleError::Engine(e.to_string()))?;
    rt.block_on(engine::embedded(dir, cfg, threads)).map_err(|e| ScaleError::Engine(e.to_string()))
}

#[cfg(not(feature = "datafusion"))]
fn embedded(_: &Path, _: &DetectConfig, _: usize) -> Result<WindowPairs, ScaleError> {
    Err(ScaleError::NotBuilt)
}

#[cfg(feature = "ballista")]
fn ballista(dir: &Path, cfg: &DetectConfig, scheduler: &str) -> Result<WindowPairs, ScaleError> {
    let fail = |message: String| ScaleError::Ballista { scheduler: scheduler.into(), message };
    // The client only waits on the scheduler and fetches results: two
    // threads are plenty, whatever runs on the cluster.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    rt.block_on(engine::ballista(dir, cfg, scheduler)).map_err(|e| {
        let message = e.to_string();
        if message.contains("transport error") || message.contains("onnect") {
            fail(format!(
                "{message} (is a scheduler running there? `scripts/ballista-cluster.sh start` starts a local cluster)"
            ))
        } else {
            fail(message)
        }
    })
}

#[cfg(not(feature = "ballista"))]
fn ballista(_: &Path, _: &DetectConfig, _: &str) -> Result<WindowPairs, ScaleError> {
    Err(ScaleError::NotBuilt)
}

#[cfg(feature = "datafusion")]
mod engine {
    use super::plan::{self, Dialect};
    use datafusion::arrow::array::{Array, AsArray, RecordBatch};
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::error::Result;
    use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
    use lockstep_detect::co_action::WindowPairs;
    use lockstep_detect::DetectConfig;
    use std::path::Path;

    /// Every step before the pairs as one `WITH` clause (tables `all_actions`,
    /// `kept`, `participating`, `bucketed`), for an engine that runs each
    /// query from the Parquet file rather than keeping tables between queries.
    #[cfg(feature = "ballista")]
    fn steps(cfg: &DetectConfig) -> String {
        format!(
            "WITH all_actions AS ({}), kept AS ({}), participating AS ({}), bucketed AS ({}) ",
            plan::actions(Dialect::DataFusion, "actions"),
            plan::kept(cfg.dedup, "all_actions"),
            plan::participating(cfg.min_participation, "kept"),
            plan::bucketed(Dialect::DataFusion, cfg.window_us, "participating"),
        )
    }

    /// The pairs of `bucketed`, loops flagged for the native engine to count.
    fn pairs(cfg: &DetectConfig) -> String {
        plan::pairs(&plan::native_pair(), cfg.window_us, "bucketed", false)
    }

    async fn register(ctx: &SessionContext, dir: &Path) -> Result<()> {
        // Absolute: a cluster's executors resolve the path themselves.
        let actions = std::path::absolute(dir.join("actions.parquet"))?;
        ctx.register_parquet(
            "actions",
            actions.to_string_lossy().as_ref(),
            ParquetReadOptions::default(),
        )
        .await
    }

    /// The pairs of the last query into `out`, loops counted or kept.
    fn take_pairs(batches: &[RecordBatch], cfg: &DetectConfig, out: &mut WindowPairs) {
        for batch in batches {
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
    }

    /// Runs `sql`, keeps the result in memory as table `name`, and returns
    /// its row count.
    async fn materialize(ctx: &SessionContext, name: &str, sql: &str) -> Result<u64> {
        let df = ctx.sql(sql).await?.cache().await?;
        let rows = df.clone().count().await? as u64;
        ctx.register_table(name, df.into_view())?;
        Ok(rows)
    }

    /// In this process, each step's table kept in memory for the next.
    pub(super) async fn embedded(
        dir: &Path,
        cfg: &DetectConfig,
        threads: usize,
    ) -> Result<WindowPairs> {
        let ctx =
            SessionContext::new_with_config(SessionConfig::new().with_target_partitions(threads));
        register(&ctx, dir).await?;
        let mut out = WindowPairs::default();
        let actions = plan::actions(Dialect::DataFusion, "actions");
        let all = materialize(&ctx, "all_actions", &actions).await?;
        let kept = materialize(&ctx, "kept", &plan::kept(cfg.dedup, "all_actions")).await?;
        out.duplicates_dropped = all - kept;
        let participating = plan::participating(cfg.min_participation, "kept");
        let part = materialize(&ctx, "participating", &participating).await?;
        out.prefiltered_out = kept - part;
        let bucketed = plan::bucketed(Dialect::DataFusion, cfg.window_us, "participating");
        materialize(&ctx, "bucketed", &bucketed).await?;
        take_pairs(&ctx.sql(&pairs(cfg)).await?.collect().await?, cfg, &mut out);
        Ok(out)
    }

    /// On a Ballista cluster: each query a job of its own from the Parquet
    /// file (a cluster keeps no tables between jobs), the steps as one
    /// `WITH` clause.
    #[cfg(feature = "ballista")]
    pub(super) async fn ballista(
        dir: &Path,
        cfg: &DetectConfig,
        scheduler: &str,
    ) -> Result<WindowPairs> {
        use ballista::prelude::SessionContextExt;
        let ctx = SessionContext::remote(&format!("df://{scheduler}")).await?;
        register(&ctx, dir).await?;
        let steps = steps(cfg);
        let count = |table: &'static str| {
            let sql = format!("{steps}SELECT count(*) AS n FROM {table}");
            let ctx = &ctx;
            async move {
                let batches = ctx.sql(&sql).await?.collect().await?;
                Ok::<u64, datafusion::error::DataFusionError>(
                    batches
                        .iter()
                        .filter(|b| b.num_rows() > 0)
                        .map(|b| b.column(0).as_primitive::<Int64Type>().value(0) as u64)
                        .sum(),
                )
            }
        };
        let mut out = WindowPairs::default();
        let all = count("all_actions").await?;
        let kept = if cfg.dedup { count("kept").await? } else { all };
        out.duplicates_dropped = all - kept;
        let part = if cfg.min_participation > 1 { count("participating").await? } else { kept };
        out.prefiltered_out = kept - part;
        let pairs = format!("{steps}{}", pairs(cfg));
        take_pairs(&ctx.sql(&pairs).await?.collect().await?, cfg, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Engine;

    #[test]
    fn engines_parse() {
        let ballista = |s: &str| Engine::Ballista { scheduler: s.into() };
        assert_eq!(Engine::parse("datafusion", 3), Ok(Engine::Embedded { threads: 3 }));
        assert_eq!(Engine::parse("ballista://127.0.0.1:50050", 1), Ok(ballista("127.0.0.1:50050")));
        assert_eq!(
            Engine::parse("ballista://cluster.example/", 1),
            Ok(ballista("cluster.example:50050"))
        );
        assert_eq!(Engine::parse("ballista://[::1]:7000", 1), Ok(ballista("[::1]:7000")));
        assert_eq!(Engine::parse("ballista://[::1]", 1), Ok(ballista("[::1]:50050")));
        assert_eq!(
            Engine::parse("ballista://[2001:db8:0:1]", 1),
            Ok(ballista("[2001:db8:0:1]:50050"))
        );
        for bad in [
            "spark",
            "ballista://",
            "ballista://h:99999",
            "ballista://h:x",
            "ballista://a b:1",
            "ballista://h/path",
            "ballista://::1",
        ] {
            assert!(Engine::parse(bad, 1).is_err(), "{bad}");
        }
        assert_eq!(
            Engine::parse("ballista://h:1", 1).map(|e| e.name()),
            Ok("ballista://h:1".to_string())
        );
    }
}

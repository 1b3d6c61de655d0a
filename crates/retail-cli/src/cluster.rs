//! Feature `distributed`: `retail cluster`, and the `--cluster` sessions of `retail kpis` and
//! `retail sql` (docs/distributed.md).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use datafusion::prelude::SessionContext;
use retail_metrics::MetricsError;
use retail_metrics::distributed::{LocalCluster, connect, register_sales_files};

/// A session on the Ballista scheduler at `url` with `sales` over canonical Parquet or CSV `files`.
pub async fn session(url: &str, files: &[PathBuf]) -> Result<SessionContext> {
    if files.is_empty() {
        bail!(
            "--cluster reads canonical Parquet or CSV files or directories that every executor can open \
             (write them with `retail convert FILE --out DIR --partition-by month`)"
        );
    }
    let ctx = connect(url).await?;
    register_sales_files(&ctx, files)
        .await
        .map_err(|err| match err {
            MetricsError::NotCanonicalFile { .. } => {
                anyhow!("{err} (write one with `retail convert`)")
            }
            err => err.into(),
        })
        .with_context(|| format!("registering the files for cluster {url}"))?;
    Ok(ctx)
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Number of executors.
    #[arg(long, default_value_t = 2, value_name = "N")]
    executors: usize,
    /// Concurrent tasks per executor.
    #[arg(long, default_value_t = 2, value_name = "N")]
    task_slots: usize,
}

/// Starts a scheduler and executors in this process on loopback, prints the scheduler's URL
/// on stdout and serves until interrupted.
pub async fn run(args: &ClusterArgs, out: &mut impl Write) -> Result<()> {
    let cluster = LocalCluster::start(args.executors, args.task_slots).await?;
    writeln!(out, "{}", cluster.url())?;
    out.flush()?;
    eprintln!(
        "retail: Ballista scheduler at {} with {} executor(s) x {} task slot(s); Ctrl-C stops it",
        cluster.url(),
        cluster.executors(),
        cluster.task_slots()
    );
    std::future::pending::<()>().await;
    Ok(())
}

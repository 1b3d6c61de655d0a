//! Parallel FP-growth over processes (docs/distributed.md): `retail bundles --shards G
//! --write-shards DIR` writes one Parquet file per group-dependent shard, `retail mine-shard`
//! mines one of them anywhere, and the union of their itemsets is `retail bundles`' result.
//! The file format is `retail_bundles::shard_file`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use clap::{Args, ValueEnum};
use retail_bundles::BundlesError;
use retail_bundles::shard_file::{read_shard_file, write_shard_files};
use retail_bundles::shards::ShardPlan;
use retail_ingest::Baskets;
use retail_report::text::shards::{ShardJson, shard_summary, shards_table};

/// Writes the shards of `plan` as `DIR/shard-GGGG.parquet` and prints what went where.
pub fn write_shards(
    plan: &ShardPlan,
    baskets: &Baskets,
    dir: &Path,
    out: &mut impl Write,
) -> Result<()> {
    let written = write_shard_files(dir, plan, baskets)?;
    write!(out, "{}", shards_table(plan, &written).render())?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct MineShardArgs {
    /// A shard file written by `retail bundles --shards G --write-shards DIR`.
    file: PathBuf,
    /// Longest itemset mined.
    #[arg(long, value_name = "N")]
    max_len: Option<usize>,
    /// Stop with an error once the shard yields more than N itemsets.
    #[arg(long, value_name = "N", default_value_t = retail_bundles::DEFAULT_MAX_ITEMSETS)]
    max_itemsets: u64,
    /// `json`: the shard's itemsets with their counts (for merging); `table`: how many.
    #[arg(long, value_enum, default_value = "table")]
    format: ShardFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShardFormat {
    Table,
    Json,
}

/// `retail mine-shard`: the frequent itemsets whose least frequent item is in the shard's
/// group, with their exact counts.
pub fn run_mine_shard(args: &MineShardArgs, out: &mut impl Write) -> Result<()> {
    let file = read_shard_file(&args.file).map_err(|err| match err {
        BundlesError::NotShardMetadata { path, key } => anyhow!(
            "{}: no '{key}' in its metadata; not a shard file of `retail bundles \
             --write-shards`",
            path.display()
        ),
        err => err.into(),
    })?;
    let found = file
        .mine(args.max_len, args.max_itemsets)
        .map_err(|err| match err {
            BundlesError::TooManyItemsets { .. } => anyhow::Error::new(err).context(
                "the shard's itemsets passed the budget: write the shards again with a higher \
                 --min-support, or give --max-len or a higher --max-itemsets",
            ),
            other => other.into(),
        })
        .with_context(|| format!("mining {}", args.file.display()))?;
    match args.format {
        ShardFormat::Json => {
            // Streamed, like `retail bundles --format json`: no JSON tree of every itemset.
            serde_json::to_writer(&mut *out, &ShardJson::new(&file, &found))?;
            writeln!(out)?;
        }
        ShardFormat::Table => writeln!(out, "{}", shard_summary(&file, &found))?,
    }
    Ok(())
}

//! Parallel FP-growth over processes (docs/distributed.md): `retail bundles --shards G
//! --write-shards DIR` writes one Parquet file per group-dependent shard, `retail mine-shard`
//! mines one of them anywhere, and the union of their itemsets is `retail bundles`' result.
//!
//! A shard file holds one row per conditional transaction (`ranks`: its items as positions in
//! the f-list, most frequent first, as Spark stores them) and, in its key-value metadata,
//! everything needed to mine it alone: the f-list (item ids by rank), its group, the number of
//! groups, the minimum count and the number of baskets.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow::array::{AsArray, ListBuilder, UInt32Builder};
use arrow::datatypes::{DataType, Field, Schema, UInt32Type};
use arrow::record_batch::RecordBatch;
use clap::{Args, ValueEnum};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use retail_bundles::shards::{Shard, ShardPlan, mine_shard};
use retail_ingest::Baskets;
use retail_report::format::thousands;
use retail_report::text::TextTable;

const GROUPS: &str = "retail.shard.groups";
const GROUP: &str = "retail.shard.group";
const MIN_COUNT: &str = "retail.shard.min_count";
const BASKETS: &str = "retail.shard.baskets";
const FLIST: &str = "retail.shard.flist";
/// The column of conditional transactions.
const RANKS: &str = "ranks";

/// Writes the shards of `plan` as `DIR/shard-GGGG.parquet` and prints what went where.
pub fn write_shards(
    plan: &ShardPlan,
    baskets: &Baskets,
    dir: &Path,
    out: &mut impl Write,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let flist: Vec<&str> = plan
        .ranked_items()
        .iter()
        .map(|&item| baskets.item_name(item))
        .collect();
    let flist_json = serde_json::to_string(&flist)?;
    let mut table = TextTable::new(
        &format!(
            "{} shards of {} baskets ({} frequent items, min count {})",
            plan.groups(),
            thousands(plan.baskets()),
            flist.len(),
            plan.min_count()
        ),
        &["shard", "transactions", "items", "bytes", "file"],
    )
    .text_columns(&[4]);
    let schema = Arc::new(Schema::new(vec![Field::new(
        RANKS,
        DataType::List(Arc::new(Field::new_list_field(DataType::UInt32, false))),
        false,
    )]));
    for shard in plan.split(baskets) {
        let path = dir.join(format!("shard-{:04}.parquet", shard.group()));
        let mut lists = ListBuilder::new(UInt32Builder::new())
            .with_field(Arc::new(Field::new_list_field(DataType::UInt32, false)));
        for transaction in shard.transactions() {
            lists.values().append_slice(transaction);
            lists.append(true);
        }
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(lists.finish())])?;
        let metadata = [
            (GROUPS, plan.groups().to_string()),
            (GROUP, shard.group().to_string()),
            (MIN_COUNT, plan.min_count().to_string()),
            (BASKETS, plan.baskets().to_string()),
            (FLIST, flist_json.clone()),
        ]
        .into_iter()
        .map(|(k, v)| KeyValue::new(k.to_string(), v))
        .collect();
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
            .set_key_value_metadata(Some(metadata))
            .build();
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))?;
        writer.write(&batch)?;
        writer.close()?;
        let bytes = std::fs::metadata(&path)?.len();
        table.row(vec![
            shard.group().to_string(),
            thousands(shard.len() as u64),
            thousands(shard.total_items() as u64),
            thousands(bytes),
            path.display().to_string(),
        ]);
    }
    write!(out, "{}", table.render())?;
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

/// A shard file read back.
struct ShardFile {
    flist: Vec<String>,
    groups: usize,
    min_count: u64,
    baskets: u64,
    shard: Shard,
}

fn read_shard(path: &Path) -> Result<ShardFile> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{}: not a Parquet file", path.display()))?;
    let metadata: Vec<(String, String)> = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|e| (e.key.clone(), e.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let get = |key: &str| -> Result<&str> {
        metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .with_context(|| {
                format!(
                    "{}: no '{key}' in its metadata; not a shard file of `retail bundles --write-shards`",
                    path.display()
                )
            })
    };
    let number = |key: &str| -> Result<u64> {
        get(key)?
            .parse()
            .with_context(|| format!("{}: metadata '{key}' is not a number", path.display()))
    };
    let flist: Vec<String> = serde_json::from_str(get(FLIST)?)
        .with_context(|| format!("{}: metadata '{FLIST}' is not a list", path.display()))?;
    let groups = number(GROUPS)? as usize;
    let group = number(GROUP)? as usize;
    let min_count = number(MIN_COUNT)?;
    let baskets = number(BASKETS)?;
    let mut transactions: Vec<Vec<u32>> = Vec::new();
    for batch in builder.build()? {
        let batch = batch.with_context(|| format!("reading {}", path.display()))?;
        let lists = batch
            .column_by_name(RANKS)
            .and_then(|c| c.as_list_opt::<i32>())
            .with_context(|| format!("{}: no list column '{RANKS}'", path.display()))?;
        let values = lists
            .values()
            .as_primitive_opt::<UInt32Type>()
            .with_context(|| format!("{}: '{RANKS}' is not a list of u32", path.display()))?;
        if let Some(bad) = values.values().iter().find(|&&r| r as usize >= flist.len()) {
            bail!(
                "{}: rank {bad} is outside the shard's f-list of {} items",
                path.display(),
                flist.len()
            );
        }
        let offsets = lists.value_offsets();
        for pair in offsets.windows(2) {
            let (start, end) = (pair[0] as usize, pair[1] as usize);
            transactions.push(values.values()[start..end].to_vec());
        }
    }
    Ok(ShardFile {
        flist,
        groups,
        min_count,
        baskets,
        shard: Shard::from_transactions(group, transactions),
    })
}

/// `retail mine-shard --format json`: one line.
#[derive(serde::Serialize)]
struct ShardJson<I: serde::Serialize> {
    shard: usize,
    shards: usize,
    baskets: u64,
    min_count: u64,
    transactions: usize,
    itemsets: I,
}

#[derive(serde::Serialize)]
struct FoundItemset<'a> {
    items: Vec<&'a str>,
    count: u64,
}

/// `retail mine-shard`: the frequent itemsets whose least frequent item is in the shard's
/// group, with their exact counts.
pub fn run_mine_shard(args: &MineShardArgs, out: &mut impl Write) -> Result<()> {
    let file = read_shard(&args.file)?;
    // The shard's items are already ranks: rank r is "item" r of an identity f-list.
    let identity: Vec<u32> = (0..file.flist.len() as u32).collect();
    let found = mine_shard(
        &identity,
        file.groups,
        file.min_count,
        args.max_len,
        args.max_itemsets,
        &file.shard,
    )
    .map_err(|err| match err {
        retail_bundles::BundlesError::TooManyItemsets { .. } => anyhow::Error::new(err).context(
            "the shard's itemsets passed the budget: write the shards again with a higher \
             --min-support, or give --max-len or a higher --max-itemsets",
        ),
        other => other.into(),
    })
    .with_context(|| format!("mining {}", args.file.display()))?;
    match args.format {
        ShardFormat::Json => {
            // Streamed, like `retail bundles --format json`: no JSON tree of every itemset.
            let itemsets = crate::bundles::Streamed(|| {
                found.iter().map(|(ranks, count)| FoundItemset {
                    items: ranks
                        .iter()
                        .map(|&r| file.flist[r as usize].as_str())
                        .collect(),
                    count,
                })
            });
            let doc = ShardJson {
                shard: found.group(),
                shards: found.groups(),
                baskets: file.baskets,
                min_count: file.min_count,
                transactions: file.shard.len(),
                itemsets,
            };
            serde_json::to_writer(&mut *out, &doc)?;
            writeln!(out)?;
        }
        ShardFormat::Table => writeln!(
            out,
            "shard {} of {}: {} transactions, {} frequent itemsets (min count {})",
            found.group(),
            found.groups(),
            thousands(file.shard.len() as u64),
            thousands(found.len() as u64),
            file.min_count
        )?,
    }
    Ok(())
}

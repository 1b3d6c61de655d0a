//! Shard files: the shards of a [`ShardPlan`] as Parquet files, one per group, so that each
//! can be mined by a separate process anywhere (docs/distributed.md of the workspace).
//!
//! A shard file holds one row per conditional transaction (column `ranks`: its items as
//! positions in the f-list, most frequent first, as Spark stores them) and, in its key-value
//! metadata, everything needed to mine it alone:
//!
//! | key | value |
//! |---|---|
//! | `retail.shard.groups` | the number of groups |
//! | `retail.shard.group` | its group |
//! | `retail.shard.min_count` | the minimum count |
//! | `retail.shard.baskets` | the number of baskets |
//! | `retail.shard.flist` | the f-list: item names by rank, a JSON array |
//!
//! The files are written with the workspace's Parquet settings
//! ([`retail_ingest::write::parquet_writer_properties`]).
//!
//! ```
//! use retail_bundles::shard_file::{read_shard_file, write_shard_files};
//! use retail_bundles::shards::ShardPlan;
//! use retail_bundles::{FpGrowth, MinSupport};
//! use retail_ingest::Baskets;
//!
//! let baskets = Baskets::from_lists([vec!["a", "b"], vec!["a", "c"], vec!["a", "b", "c"]]);
//! let plan = ShardPlan::new(&baskets, MinSupport::count(2)?, 2)?;
//! let dir = tempfile::tempdir()?;
//! let written = write_shard_files(dir.path(), &plan, &baskets)?;
//! let mut found = Vec::new();
//! for file in &written {
//!     let shard = read_shard_file(&file.path)?;
//!     for (items, count) in shard.mine(None, 1_000)?.iter() {
//!         let names: Vec<&str> = items.iter().map(|&r| shard.flist[r as usize].as_str()).collect();
//!         found.push((names.join("+"), count));
//!     }
//! }
//! found.sort();
//! let expected = [("a", 3), ("a+b", 2), ("a+c", 2), ("b", 2), ("c", 2)];
//! assert_eq!(found, expected.map(|(s, n)| (s.to_string(), n)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{AsArray, ListBuilder, UInt32Builder};
use arrow::datatypes::{DataType, Field, Schema, UInt32Type};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::KeyValue;
use retail_ingest::Baskets;

use crate::BundlesError;
use crate::shards::{Shard, ShardItemsets, ShardPlan, mine_shard};

/// Metadata key: the number of groups.
pub const GROUPS: &str = "retail.shard.groups";
/// Metadata key: the shard's group.
pub const GROUP: &str = "retail.shard.group";
/// Metadata key: the minimum count.
pub const MIN_COUNT: &str = "retail.shard.min_count";
/// Metadata key: the number of baskets.
pub const BASKETS: &str = "retail.shard.baskets";
/// Metadata key: the f-list (item names by rank) as a JSON array.
pub const FLIST: &str = "retail.shard.flist";
/// The column of conditional transactions.
pub const RANKS: &str = "ranks";

/// A shard file written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WrittenShard {
    /// Its group.
    pub group: usize,
    /// The file, `DIR/shard-GGGG.parquet`.
    pub path: PathBuf,
    /// Conditional transactions in it.
    pub transactions: usize,
    /// Items over all its transactions.
    pub items: usize,
    /// Size of the file.
    pub bytes: u64,
}

/// A shard file read back: the shard and what is needed to mine it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardFile {
    /// Item names by rank (the shard's transactions hold ranks).
    pub flist: Vec<String>,
    /// Number of groups of the plan.
    pub groups: usize,
    /// Minimum count of the plan.
    pub min_count: u64,
    /// Number of baskets the plan was made from.
    pub baskets: u64,
    /// The shard, its items as ranks.
    pub shard: Shard,
}

impl ShardFile {
    /// Mines the shard ([`mine_shard`]): the frequent itemsets whose least frequent item is in
    /// its group, with their exact counts, as ranks (names in [`ShardFile::flist`]).
    ///
    /// # Errors
    ///
    /// As [`mine_shard`]: an invalid `max_len` or `max_itemsets`, a group not below the
    /// number of groups, or more itemsets than `max_itemsets`
    /// ([`BundlesError::TooManyItemsets`]).
    pub fn mine(
        &self,
        max_len: Option<usize>,
        max_itemsets: u64,
    ) -> Result<ShardItemsets, BundlesError> {
        // The shard's items are already ranks: rank r is "item" r of an identity f-list.
        let identity: Vec<u32> = (0..self.flist.len() as u32).collect();
        mine_shard(
            &identity,
            self.groups,
            self.min_count,
            max_len,
            max_itemsets,
            &self.shard,
        )
    }
}

/// The file name of the shard of `group`: `shard-GGGG.parquet`.
pub fn shard_file_name(group: usize) -> String {
    format!("shard-{group:04}.parquet")
}

fn io_error(
    operation: &'static str,
    path: &Path,
    source: impl std::error::Error + Send + Sync + 'static,
) -> BundlesError {
    BundlesError::Io {
        operation,
        path: path.to_path_buf(),
        source: Box::new(source),
    }
}

/// Splits `baskets` by `plan` and writes one shard file per group into `dir` (created if
/// need be), `dir/shard-GGGG.parquet`, in group order.
///
/// # Errors
///
/// [`BundlesError::Io`] naming the directory or file that could not be created or written.
pub fn write_shard_files(
    dir: &Path,
    plan: &ShardPlan,
    baskets: &Baskets,
) -> Result<Vec<WrittenShard>, BundlesError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
    let flist: Vec<&str> = plan
        .ranked_items()
        .iter()
        .map(|&item| baskets.item_name(item))
        .collect();
    let flist_json = serde_json::to_string(&flist).map_err(|e| io_error("write", dir, e))?;
    let schema = Arc::new(Schema::new(vec![Field::new(
        RANKS,
        DataType::List(Arc::new(Field::new_list_field(DataType::UInt32, false))),
        false,
    )]));
    let mut written = Vec::with_capacity(plan.groups());
    for shard in plan.split(baskets) {
        let path = dir.join(shard_file_name(shard.group()));
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
        let properties = retail_ingest::write::parquet_writer_builder()
            .set_key_value_metadata(Some(metadata))
            .build();
        let file = File::create(&path).map_err(|e| io_error("create", &path, e))?;
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))
            .map_err(|e| io_error("write", &path, e))?;
        writer
            .write(&batch)
            .map_err(|e| io_error("write", &path, e))?;
        writer.close().map_err(|e| io_error("write", &path, e))?;
        let bytes = std::fs::metadata(&path)
            .map_err(|e| io_error("read", &path, e))?
            .len();
        written.push(WrittenShard {
            group: shard.group(),
            path,
            transactions: shard.len(),
            items: shard.total_items(),
            bytes,
        });
    }
    Ok(written)
}

/// Reads a shard file written by [`write_shard_files`].
///
/// # Errors
///
/// [`BundlesError::Io`] when the file cannot be opened or read;
/// [`BundlesError::NotShardMetadata`] for a Parquet file without the shard metadata;
/// [`BundlesError::NotShardFile`] for anything else that is not a shard file (not Parquet,
/// metadata that does not parse, no `ranks` column, a rank outside the f-list).
pub fn read_shard_file(path: &Path) -> Result<ShardFile, BundlesError> {
    let not_shard = |message: String| BundlesError::NotShardFile {
        path: path.to_path_buf(),
        message,
        source: None,
    };
    let not_shard_because =
        |message: String, source: Box<dyn std::error::Error + Send + Sync + 'static>| {
            BundlesError::NotShardFile {
                path: path.to_path_buf(),
                message,
                source: Some(source),
            }
        };
    let file = File::open(path).map_err(|e| io_error("open", path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| not_shard_because("not a Parquet file".into(), Box::new(e)))?;
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
    let get = |key: &'static str| -> Result<&str, BundlesError> {
        metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| BundlesError::NotShardMetadata {
                path: path.to_path_buf(),
                key,
            })
    };
    let number = |key: &'static str| -> Result<u64, BundlesError> {
        get(key)?.parse().map_err(|e| {
            not_shard_because(format!("metadata '{key}' is not a number"), Box::new(e))
        })
    };
    let flist: Vec<String> = serde_json::from_str(get(FLIST)?)
        .map_err(|e| not_shard_because(format!("metadata '{FLIST}' is not a list"), Box::new(e)))?;
    let groups = number(GROUPS)? as usize;
    let group = number(GROUP)? as usize;
    let min_count = number(MIN_COUNT)?;
    let baskets = number(BASKETS)?;
    let mut transactions: Vec<Vec<u32>> = Vec::new();
    let reader = builder.build().map_err(|e| io_error("read", path, e))?;
    for batch in reader {
        let batch = batch.map_err(|e| io_error("read", path, e))?;
        let lists = batch
            .column_by_name(RANKS)
            .and_then(|c| c.as_list_opt::<i32>())
            .ok_or_else(|| not_shard(format!("no list column '{RANKS}'")))?;
        let values = lists
            .values()
            .as_primitive_opt::<UInt32Type>()
            .ok_or_else(|| not_shard(format!("'{RANKS}' is not a list of u32")))?;
        if let Some(bad) = values.values().iter().find(|&&r| r as usize >= flist.len()) {
            return Err(not_shard(format!(
                "rank {bad} is outside the shard's f-list of {} items",
                flist.len()
            )));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FpGrowth, MinSupport};

    /// Itemsets as sorted item names with their counts, sorted.
    type Found = Vec<(Vec<String>, u64)>;

    fn mine_whole(baskets: &Baskets, min_count: u64) -> Found {
        let itemsets = FpGrowth::new(MinSupport::count(min_count).unwrap())
            .mine(baskets)
            .unwrap();
        let mut found: Found = itemsets
            .iter()
            .map(|set| {
                let mut items = set.items;
                items.sort();
                (items, set.count)
            })
            .collect();
        found.sort();
        found
    }

    fn mine_files(dir: &Path, baskets: &Baskets, min_count: u64, groups: usize) -> Found {
        let plan = ShardPlan::new(baskets, MinSupport::count(min_count).unwrap(), groups).unwrap();
        let written = write_shard_files(dir, &plan, baskets).unwrap();
        assert_eq!(written.len(), groups);
        let mut found = Found::new();
        for (g, file) in written.iter().enumerate() {
            assert_eq!(file.group, g);
            assert_eq!(file.path, dir.join(format!("shard-{g:04}.parquet")));
            assert_eq!(file.bytes, std::fs::metadata(&file.path).unwrap().len());
            let shard = read_shard_file(&file.path).unwrap();
            assert_eq!(
                (shard.groups, shard.min_count, shard.baskets),
                (groups, min_count, baskets.len() as u64)
            );
            assert_eq!(shard.shard.group(), g);
            assert_eq!(
                (shard.shard.len(), shard.shard.total_items()),
                (file.transactions, file.items)
            );
            let mined = shard.mine(None, 1_000_000).unwrap();
            for (ranks, count) in mined.iter() {
                let mut items: Vec<String> = ranks
                    .iter()
                    .map(|&r| shard.flist[r as usize].clone())
                    .collect();
                items.sort();
                found.push((items, count));
            }
        }
        found.sort();
        found
    }

    #[test]
    fn shard_files_mined_one_by_one_give_the_whole_result() {
        // Groceries-like baskets: a few frequent items, repeats and an empty basket.
        let lists: Vec<Vec<&str>> = vec![
            vec!["milk", "bread", "butter"],
            vec!["milk", "bread"],
            vec!["bread", "jam"],
            vec!["milk", "butter", "eggs"],
            vec![],
            vec!["milk", "bread", "butter", "jam"],
            vec!["eggs", "bread", "milk"],
            vec!["butter", "jam", "milk"],
            vec!["bread", "butter"],
            vec!["milk", "eggs"],
        ];
        let baskets = Baskets::from_lists(lists);
        let whole = mine_whole(&baskets, 2);
        // milk 7, bread 6, butter 5, eggs 3, jam 3, and their pairs and triples.
        assert_eq!(whole[0], (vec!["bread".to_string()], 6));
        assert!(whole.len() > 10, "{whole:?}");
        for groups in [1, 2, 3, 7] {
            let dir = tempfile::tempdir().unwrap();
            assert_eq!(
                mine_files(dir.path(), &baskets, 2, groups),
                whole,
                "{groups} groups"
            );
        }
    }

    #[test]
    fn files_that_are_not_shards_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("sales.csv");
        std::fs::write(&text, "a,b\n1,2\n").unwrap();
        let err = read_shard_file(&text).unwrap_err();
        assert!(matches!(err, BundlesError::NotShardFile { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with(&format!("{}: not a Parquet file: ", text.display())),
            "{err}"
        );

        // A Parquet file without the shard metadata.
        let parquet = dir.path().join("plain.parquet");
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::UInt32, false)]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(arrow::array::UInt32Array::from(vec![1]))],
        )
        .unwrap();
        let mut writer =
            ArrowWriter::try_new(File::create(&parquet).unwrap(), schema, None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let err = read_shard_file(&parquet).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: no '{FLIST}' in its metadata; not a shard file",
                parquet.display()
            )
        );

        let missing = dir.path().join("missing.parquet");
        let err = read_shard_file(&missing).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("cannot open {}: ", missing.display())),
            "{err}"
        );
    }
}

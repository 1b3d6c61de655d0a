//! Shared helpers of the criterion benchmarks: where the benchmark inputs are.

use std::path::PathBuf;

/// The full Online Retail CSV (gzip) of `../shared/data`, when present.
pub fn online_retail_csv_gz() -> Option<PathBuf> {
    retail_ingest::shared_data_dir()
        .map(|d| d.join("online_retail/online_retail.csv.gz"))
        .filter(|p| p.is_file())
}

/// The full Online Retail Parquet file of `../shared/data`, when present.
pub fn online_retail_parquet() -> Option<PathBuf> {
    retail_ingest::shared_data_dir()
        .map(|d| d.join("online_retail/online_retail.parquet"))
        .filter(|p| p.is_file())
}

//! `retail sql`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::input::{ReadArgs, load};
use crate::output::{Format, write_batches};

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// Transaction files, then the query (the table is `sales`); with the query alone it runs
    /// over the embedded sample.
    #[arg(required = true, num_args = 1.., value_name = "FILE... QUERY")]
    args: Vec<String>,
    #[command(flatten)]
    read: ReadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Run on the Apache DataFusion Ballista scheduler at this URL (df://HOST:PORT); the files
    /// must then be canonical Parquet or CSV (`retail convert`) that every executor can open.
    #[cfg(feature = "distributed")]
    #[arg(long, value_name = "URL")]
    cluster: Option<String>,
}

pub async fn run(args: &SqlArgs, out: &mut impl Write) -> Result<()> {
    let Some((query, files)) = args.args.split_last() else {
        anyhow::bail!("retail sql needs a query");
    };
    let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    #[cfg(feature = "distributed")]
    if let Some(url) = &args.cluster {
        let ctx = crate::cluster::session(url, &files).await?;
        let result = retail_metrics::run_sql(&ctx, query).await?;
        return write_batches(out, &result, args.format);
    }
    let (batches, _) = load(&files, &args.read)?;
    let ctx = retail_metrics::sales_context(batches)?;
    let result = retail_metrics::run_sql(&ctx, query).await?;
    write_batches(out, &result, args.format)
}

//! `retail sql`: read-only SQL over the files by default, results streamed batch by batch.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use retail_metrics::SqlAccess;

use crate::input::{ReadArgs, SessionArgs, load_session};
use crate::output::{Format, MaxRows, write_stream};
use crate::slice::{CustomerSliceArg, SliceArgs};

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// Transaction files, then the query (the table is `sales`); with the query alone it runs
    /// over the embedded sample. With -c or -f every argument is a file. Canonical Parquet
    /// from `retail convert` (a file, or a directory of month files) is queried in place.
    #[arg(num_args = 0.., value_name = "FILE... QUERY")]
    args: Vec<String>,
    /// The SQL to run: one or more statements separated by `;`.
    #[arg(
        short = 'c',
        long = "command",
        value_name = "SQL",
        conflicts_with = "file"
    )]
    command: Option<String>,
    /// Read the SQL from this file (`-` for standard input): one or more statements
    /// separated by `;`.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,
    /// Allow SQL that writes files or changes the session: COPY … TO, INSERT, CREATE, DROP,
    /// SET. Without it only queries run.
    #[arg(long)]
    allow_write: bool,
    /// Rows shown in table format, a number or `inf` (JSON and CSV print every row).
    #[arg(long, value_name = "N|inf", default_value = "40")]
    maxrows: MaxRows,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    session: SessionArgs,
    #[command(flatten)]
    slice: SliceArgs,
    #[command(flatten)]
    customers: CustomerSliceArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the result of the last statement to this file as canonical Parquet (or canonical
    /// CSV for a name ending in .csv), for every other command to read; the result must have
    /// the canonical columns (`SELECT * FROM sales WHERE …`).
    #[arg(short, long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Run on the Apache DataFusion Ballista scheduler at this URL (df://HOST:PORT); the files
    /// must then be canonical Parquet or CSV (`retail convert`) that every executor can open.
    #[cfg(feature = "distributed")]
    #[arg(long, value_name = "URL")]
    cluster: Option<String>,
}

impl SqlArgs {
    /// The SQL text and the files.
    fn sql_and_files(&self) -> Result<(String, Vec<PathBuf>)> {
        let positional = || self.args.iter().map(PathBuf::from).collect();
        if let Some(sql) = &self.command {
            return Ok((sql.clone(), positional()));
        }
        if let Some(path) = &self.file {
            let mut sql = String::new();
            if path.as_os_str() == "-" {
                std::io::stdin()
                    .read_to_string(&mut sql)
                    .context("reading the SQL from standard input")?;
            } else {
                sql = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the SQL from {}", path.display()))?;
            }
            return Ok((sql, positional()));
        }
        let Some((query, files)) = self.args.split_last() else {
            bail!("retail sql needs a query: as the last argument, with -c SQL, or with -f FILE");
        };
        Ok((query.clone(), files.iter().map(PathBuf::from).collect()))
    }
}

pub async fn run(args: &SqlArgs, out: &mut impl Write) -> Result<()> {
    let (sql, files) = args.sql_and_files()?;
    let slice = args.slice.slice_with(&args.customers)?;
    #[cfg(feature = "distributed")]
    let ctx = match &args.cluster {
        Some(_) if !slice.is_everything() || args.read.merchandise_only => {
            bail!("--cluster runs over the whole files: put the slice in the SQL's WHERE")
        }
        Some(url) => crate::cluster::session(url, &files).await?,
        None => {
            load_session(&files, &args.read, &slice, &args.session)
                .await?
                .0
        }
    };
    #[cfg(not(feature = "distributed"))]
    let ctx = load_session(&files, &args.read, &slice, &args.session)
        .await?
        .0;
    let access = if args.allow_write {
        SqlAccess::ReadWrite
    } else {
        SqlAccess::ReadOnly
    };
    let statements = retail_metrics::parse_statements(&ctx, &sql)?;
    if statements.is_empty() {
        bail!("no SQL statement given");
    }
    if let Some(path) = &args.out {
        // Before the work, so that a bad path fails at once.
        crate::output::check_writable(path)?;
    }
    let last = statements.len() - 1;
    for (i, statement) in statements.into_iter().enumerate() {
        if i > 0 && args.format == Format::Table {
            writeln!(out)?;
        }
        let frame = retail_metrics::plan_statement(&ctx, statement, access)
            .await
            .map_err(|e| write_hint(e, access))?;
        let stream = frame.execute_stream().await?;
        if let (Some(path), true) = (&args.out, i == last) {
            let rows = crate::sql_out::write_canonical(path, stream).await?;
            crate::note!("retail: wrote {rows} canonical rows to {}", path.display());
            continue;
        }
        write_stream(out, stream, args.format, args.maxrows).await?;
    }
    Ok(())
}

/// Adds the flag that allows a refused write.
fn write_hint(err: retail_metrics::MetricsError, access: SqlAccess) -> anyhow::Error {
    let message = err.to_string();
    let refused = [
        "DDL not supported",
        "DML not supported",
        "Statement not supported",
    ]
    .iter()
    .any(|m| message.contains(m));
    if refused && access == SqlAccess::ReadOnly {
        anyhow::Error::new(err).context(
            "retail sql is read-only: pass --allow-write to run SQL that writes files or \
             changes the session",
        )
    } else {
        err.into()
    }
}

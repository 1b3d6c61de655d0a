//! `retail inspect`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use retail_ingest::{IngestReport, OptionalColumns, canonical_schema, canonical_schema_with};
use retail_report::text::ingest::{canonical_schema_text, ingest_report};

use crate::input::ReadArgs;
use crate::output::TextOrJson;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Transaction files (CSV, gzip CSV or Parquet); none reads the embedded samples.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: TextOrJson,
}

/// One file's ingest, timed.
#[derive(Debug, serde::Serialize)]
struct Inspected {
    #[serde(flatten)]
    report: IngestReport,
    seconds: f64,
}

pub fn run(args: &InspectArgs, out: &mut impl Write) -> Result<()> {
    let options = args.read.options()?;
    let mut inspected = Vec::new();
    for source in crate::input::sources(&args.files, true) {
        let start = Instant::now();
        let mut reader = source.open(&options)?;
        for batch in reader.by_ref() {
            batch?;
        }
        inspected.push(Inspected {
            report: reader.into_report(),
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    match args.format {
        TextOrJson::Json => {
            let schema: Vec<_> = canonical_schema()
                .fields()
                .iter()
                .map(|f| serde_json::json!({"name": f.name(), "type": f.data_type().to_string(), "nullable": f.is_nullable()}))
                .collect();
            // After the canonical columns, present when the source has them.
            let optional: Vec<_> = canonical_schema_with(OptionalColumns::ALL).fields()
                [schema.len()..]
                .iter()
                .map(|f| serde_json::json!({"name": f.name(), "type": f.data_type().to_string(), "nullable": f.is_nullable()}))
                .collect();
            let doc = serde_json::json!({"schema": schema, "optional_columns": optional, "files": inspected});
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        TextOrJson::Table => {
            for item in &inspected {
                write!(out, "{}", ingest_report(&item.report, item.seconds))?;
                // Not errors, but worth a look: an implausible span of dates, a day/month
                // order that no date proves.
                for warning in &item.report.warnings {
                    writeln!(out, "  warning: {}", crate::flags::with_flag_hints(warning))?;
                }
                writeln!(out)?;
            }
            write!(out, "{}", canonical_schema_text())?;
        }
    }
    Ok(())
}

//! `retail`: retail analytics from the command line.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use retail_ingest::{
    ColumnMapping, DateOrder, IngestOptions, IngestReport, KnownLayout, TextEncoding,
    TransactionReader, canonical_schema, samples,
};

mod table;

/// Retail analytics on your sales exports: ingest, KPIs, forecasts, bundles, dashboards.
#[derive(Debug, Parser)]
#[command(
    name = "retail",
    version,
    about,
    after_help = "Examples:\n  retail inspect                       # the embedded sample data\n  retail inspect sales.csv.gz --format json\n  retail inspect export.csv --mapping my-shop.toml --date-order day-first"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the detected layout, the canonical schema and the ingest report of each file.
    Inspect(InspectArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Aligned text for people.
    Table,
    /// JSON for programs.
    Json,
}

/// How to read the input files.
#[derive(Debug, Args)]
struct InputArgs {
    /// Transaction files (CSV, gzip CSV or Parquet); none reads the embedded sample data.
    files: Vec<PathBuf>,
    /// A column mapping (TOML or JSON) for an export of another layout (see docs/schema.md).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// Read the files as this known layout instead of detecting it.
    #[arg(long, value_name = "NAME", conflicts_with = "mapping")]
    layout: Option<KnownLayout>,
    /// Text encoding: utf-8 or windows-1252 (latin-1); detected when not given.
    #[arg(long, value_name = "NAME")]
    encoding: Option<TextEncoding>,
    /// Day/month order of dates such as 01/02/2011: auto, day-first or month-first.
    #[arg(long, value_name = "ORDER", default_value = "auto")]
    date_order: DateOrder,
    /// Field delimiter (one character); detected from the header when not given.
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<char>,
    /// Fail on the first rejected row instead of counting it.
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Args)]
struct InspectArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

impl InputArgs {
    fn options(&self) -> Result<IngestOptions> {
        let mut options = IngestOptions::default()
            .with_date_order(self.date_order)
            .with_strict(self.strict);
        if let Some(path) = &self.mapping {
            options = options.with_mapping(ColumnMapping::from_file(path)?);
        }
        if let Some(layout) = self.layout {
            options = options.with_layout(layout);
        }
        if let Some(encoding) = self.encoding {
            options = options.with_encoding(encoding);
        }
        if let Some(delimiter) = self.delimiter {
            let byte =
                u8::try_from(delimiter).context("--delimiter must be one ASCII character")?;
            options = options.with_delimiter(byte)?;
        }
        Ok(options)
    }

    /// The inputs: the files, or the embedded samples.
    fn sources(&self) -> Vec<Source> {
        if self.files.is_empty() {
            vec![
                Source::Embedded("online_retail_sample.csv.gz", samples::ONLINE_RETAIL),
                Source::Embedded("superstore.csv.gz", samples::SUPERSTORE),
            ]
        } else {
            self.files.iter().cloned().map(Source::File).collect()
        }
    }
}

/// One input.
#[derive(Debug)]
enum Source {
    File(PathBuf),
    Embedded(&'static str, &'static [u8]),
}

impl Source {
    fn open(&self, options: &IngestOptions) -> Result<TransactionReader> {
        Ok(match self {
            Source::File(path) => retail_ingest::open(path, options)?,
            Source::Embedded(name, bytes) => samples::open(name, bytes, options)?,
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("retail: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Inspect(args) => inspect(&args),
    }
}

/// One file's ingest, timed.
#[derive(Debug, serde::Serialize)]
struct Inspected {
    #[serde(flatten)]
    report: IngestReport,
    seconds: f64,
}

fn inspect(args: &InspectArgs) -> Result<()> {
    let options = args.input.options()?;
    let mut inspected = Vec::new();
    for source in args.input.sources() {
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
    let mut out = io::stdout().lock();
    match args.format {
        Format::Json => {
            let schema: Vec<_> = canonical_schema()
                .fields()
                .iter()
                .map(|f| serde_json::json!({"name": f.name(), "type": f.data_type().to_string(), "nullable": f.is_nullable()}))
                .collect();
            let doc = serde_json::json!({"schema": schema, "files": inspected});
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Table => {
            for item in &inspected {
                write!(out, "{}", table::report(&item.report, item.seconds))?;
                writeln!(out)?;
            }
            write!(out, "{}", table::schema())?;
        }
    }
    out.flush()?;
    Ok(())
}

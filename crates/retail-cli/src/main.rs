//! `retail`: retail analytics from the command line. A thin layer: the work is done by the
//! library crates; this crate parses arguments, loads inputs and prints results.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// A note for people on stderr (what was left out, what was written), unless `--quiet`.
macro_rules! note {
    ($($arg:tt)*) => {
        if !$crate::progress::is_quiet() {
            eprintln!($($arg)*);
        }
    };
}
pub(crate) use note;

mod bundles;
#[cfg(feature = "distributed")]
mod cluster;
mod convert;
mod flags;
mod forecast;
mod input;
mod inspect;
mod kpis;
mod output;
mod progress;
mod report;
mod serve;
mod shards;
mod slice;
mod sql;
mod sql_out;

const EXAMPLES: &str = "\
Examples:
  retail inspect                                  # the embedded sample data
  retail inspect sales.csv.gz --format json
  retail kpis                                     # every KPI of the embedded sample
  retail kpis sales.csv.gz --top 20 --format json > kpis.json
  retail kpis sales.parquet --out kpis/ --out-format parquet
  retail sql sales.csv.gz \"SELECT country, SUM(line_amount) FROM sales WHERE line_kind = 'sale' GROUP BY 1 ORDER BY 2 DESC\"
  retail kpis sales.csv.gz --country 'United Kingdom' --from 2011-10-01 --to 2011-12-31
  retail sql sales.csv.gz \"SELECT * FROM sales WHERE discount > 0.2\" --out slice.parquet
  retail inspect export.csv --mapping my-shop.toml --date-order day-first
  retail bundles                                  # product bundles of the embedded sample
  retail bundles retail.dat --min-support 0.0005 --min-lift 2 --format json
  retail bundles retail.dat --min-support 0.001 --shards 8 --write-shards shards/
  retail mine-shard shards/shard-0003.parquet --format json
  retail next-basket sales.csv.gz                 # hit rate and recall vs the baselines
  retail next-basket sales.csv.gz --customer 17850 --k 5
  retail forecast                                 # weekly sales of the embedded sample
  retail forecast sales.csv.gz --by country --freq month --horizon 6 --format json
  retail forecast --series airpassengers.csv --model MAM --level 80,95
  retail report                                   # dashboard of the embedded samples
  retail report sales.csv.gz --out sales.html --open
  retail serve sales.csv.gz                       # the dashboard at http://127.0.0.1:8080/
  retail convert sales.csv.gz --out sales/ --partition-by month
  retail kpis --cluster df://scheduler:50050 /shared/sales/   # feature `distributed`";

/// Retail analytics on your sales exports: ingest, KPIs, forecasts, bundles, dashboards.
#[derive(Debug, Parser)]
#[command(name = "retail", version, about, after_help = EXAMPLES)]
struct Cli {
    /// No progress bar and no notes on stderr (errors are still printed).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the detected layout, the canonical schema and the ingest report of each file.
    Inspect(inspect::InspectArgs),
    /// Compute every KPI: summary, top customers and products, sales trends and peaks,
    /// retention, churn, places, categories, price bands, discounts, RFM.
    Kpis(kpis::KpisArgs),
    /// Run any SQL over the files, registered as the table `sales` (docs/schema.md).
    Sql(sql::SqlArgs),
    /// Mine product bundles: frequent itemsets (FP-growth) and association rules, from
    /// transactions (one basket per invoice) or basket files.
    Bundles(bundles::BundlesArgs),
    /// Mine one shard written by `retail bundles --shards G --write-shards DIR`: the frequent
    /// itemsets whose least frequent item is in its group (docs/distributed.md).
    MineShard(shards::MineShardArgs),
    /// Recommend each customer's next basket, or evaluate the recommender on held-out baskets.
    NextBasket(bundles::NextBasketArgs),
    /// Forecast sales per day, week or month (total or per group) with ETS, ARIMA or a
    /// naive baseline, with prediction intervals.
    Forecast(forecast::ForecastArgs),
    /// Write the dashboard: one self-contained HTML file (inline SVG charts, works offline)
    /// with KPI tiles, customer insights, sales performance, forecasts and product bundles.
    Report(report::ReportArgs),
    /// Serve the dashboard as a local web app with a filter bar (dates, country, region,
    /// category, segment, merchandise only): every view is a link to bookmark.
    Serve(serve::ServeArgs),
    /// Write any supported export as canonical Parquet or CSV (docs/schema.md): one file, or one per
    /// month for distributed engines and other Parquet readers.
    Convert(convert::ConvertArgs),
    /// Start an Apache DataFusion Ballista scheduler and executors in this process on loopback
    /// and print the URL for `--cluster` (docs/distributed.md).
    #[cfg(feature = "distributed")]
    Cluster(cluster::ClusterArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    progress::set_quiet(cli.quiet);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("retail: {}", message(&err));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes, each cause once: many errors repeat their source's text in their
/// own ("cannot open x: No such file (os error 2)" caused by "No such file (os error 2)").
fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    if text.contains("Failed to allocate additional") {
        // DataFusion's memory pool refused an operator that cannot spill (or spill enough).
        text.push_str(
            "\nretail: the query needs more memory than --memory-limit gives it; raise the limit \
             (a size such as 8G, a share such as 50%, or none)",
        );
    }
    flags::with_flag_hints(&text)
}

/// Output closed early (`retail … | head`): not an error, as in ripgrep. The I/O error can sit
/// inside a JSON or Arrow error that does not expose it as its source.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
            || e.to_string().contains("Broken pipe (os error 32)")
    })
}

fn run(cli: Cli) -> Result<()> {
    // Buffered: stdout alone is line-buffered, one write call per line of a long JSON.
    let mut out = io::BufWriter::new(io::stdout().lock());
    match cli.command {
        Command::Inspect(args) => inspect::run(&args, &mut out)?,
        Command::Kpis(args) => runtime()?.block_on(kpis::run(&args, &mut out))?,
        Command::Sql(args) => runtime()?.block_on(sql::run(&args, &mut out))?,
        Command::Bundles(args) => bundles::run(&args, &mut out)?,
        Command::MineShard(args) => shards::run_mine_shard(&args, &mut out)?,
        Command::NextBasket(args) => bundles::run_next_basket(&args, &mut out)?,
        Command::Forecast(args) => forecast::run(&args, &mut out)?,
        Command::Report(args) => report::run(&args)?,
        Command::Serve(args) => serve::run(&args, &mut out)?,
        Command::Convert(args) => convert::run(&args, &mut out)?,
        #[cfg(feature = "distributed")]
        Command::Cluster(args) => runtime()?.block_on(cluster::run(&args, &mut out))?,
    }
    out.flush()?;
    Ok(())
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Encoding and decoding the KPI plans for a Ballista cluster recurses deeply (more than
        // tokio's 2 MiB in a debug build); the memory is reserved, not used.
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()?)
}

/// Stack of each tokio worker thread.
const WORKER_STACK_BYTES: usize = 32 << 20;

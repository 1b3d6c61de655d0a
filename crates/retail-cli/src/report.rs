//! `retail report`: the dashboard of `retail_report` as one self-contained HTML file, and
//! `retail serve`: the same dashboard as a local web app sliced by a filter bar.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use retail_report::{BundlesPanel, Dashboard, DashboardParams, ForecastPanel};

use crate::input::{EmptySlice, ReadArgs, Source, load_sources_sliced, register_in_place};
use crate::progress::Progress;
use crate::slice::{CustomerSliceArg, SliceArgs};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Transaction files (CSV, gzip CSV or Parquet), read together as one data set. None: the
    /// embedded samples, Online Retail and Superstore, one dashboard each.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    slice: SliceArgs,
    #[command(flatten)]
    customers: CustomerSliceArg,
    /// Where to write the report.
    #[arg(short, long, default_value = "report.html", value_name = "FILE")]
    out: PathBuf,
    /// Open the report in the default browser once written.
    #[arg(long)]
    open: bool,
    /// Title of the report (default: the input's name).
    #[arg(long)]
    title: Option<String>,
    #[command(flatten)]
    dashboard: DashboardArgs,
}

/// The dashboard's own settings, shared by `report` and `serve`.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Currency symbol for money (default: £ for Online Retail, $ for Superstore, none for
    /// other layouts).
    #[arg(long, value_name = "SYMBOL")]
    currency: Option<String>,
    /// Weeks to forecast.
    #[arg(long, default_value_t = 12, value_name = "WEEKS")]
    horizon: usize,
    /// Minimum support of the product bundles, as a share of baskets (raised when it admits
    /// more than 1,000,000 itemsets; docs/report.md).
    #[arg(long, default_value_t = 0.01, value_name = "SHARE")]
    min_support: f64,
}

impl DashboardArgs {
    /// The library's parameters for the data set `name`, checked, with the flag named in
    /// errors.
    pub fn params(
        &self,
        name: &str,
        read: &ReadArgs,
        reports: &[retail_ingest::IngestReport],
    ) -> Result<DashboardParams> {
        let mut params = DashboardParams::new(name)
            .with_horizon(self.horizon)
            .with_min_support(self.min_support)
            .with_product_classes(read.product_classes(reports)?);
        if let Some(symbol) = &self.currency {
            params = params.with_currency(symbol);
        } else if !reports.is_empty() && reports.iter().all(|r| r.layout == "canonical") {
            crate::note!(
                "retail: {name}: canonical files do not say their currency: amounts are shown \
                 without a symbol (--currency sets one)"
            );
        }
        params.check().map_err(crate::flags::bad_flag)?;
        Ok(params)
    }
}

/// The data sets of `files`: one of them all, or with none the two embedded samples.
pub fn datasets(files: &[PathBuf]) -> Vec<(String, Vec<Source>)> {
    if files.is_empty() {
        return vec![
            (
                "Online Retail (embedded sample)".to_string(),
                vec![crate::input::online_retail_sample()],
            ),
            (
                "Superstore (embedded)".to_string(),
                vec![crate::input::superstore_sample()],
            ),
        ];
    }
    let name = files
        .iter()
        .map(|p| {
            p.file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
        })
        .collect::<Vec<_>>()
        .join(", ");
    vec![(name, files.iter().cloned().map(Source::File).collect())]
}

/// Writes the report and says where.
pub fn run(args: &ReportArgs) -> Result<()> {
    // Every parameter and the output are checked before anything is computed.
    args.dashboard.params("check", &args.read, &[])?;
    let slice = args.slice.slice_with(&args.customers)?;
    crate::slice::compile(&slice)?;
    crate::output::check_writable(&args.out)?;
    let datasets = datasets(&args.files);
    let mut progress = Progress::new(datasets.len() * 4 + 1);
    let runtime = crate::runtime()?;
    let mut dashboards = Vec::new();
    let several = datasets.len() > 1;
    // Canonical Parquet is queried in place and folded a batch at a time: never held whole.
    let in_place = match args.files.is_empty() {
        true => None,
        false => crate::input::in_place(&args.files, &args.read)?,
    };
    for (name, sources) in datasets {
        progress.step(&format!("{name}: reading"));
        let (ctx, batches, reports) = if let Some(found) = &in_place {
            let ctx = retail_metrics::new_session(Default::default())?;
            runtime.block_on(register_in_place(&ctx, found, &args.read, &slice))?;
            (ctx, None, found.reports.clone())
        } else {
            match load_sources_sliced(&sources, &args.read, &slice) {
                Ok((batches, reports)) => {
                    let ctx = retail_metrics::sales_context(batches.clone())?;
                    (ctx, Some(batches), reports)
                }
                // One of the embedded samples outside the slice (a country of the other one).
                Err(err) if several && err.downcast_ref::<EmptySlice>().is_some() => {
                    crate::note!("retail: {name}: left out: {err}");
                    continue;
                }
                Err(err) => return Err(err.context(format!("{name}: reading"))),
            }
        };
        let params = args.dashboard.params(&name, &args.read, &reports)?;
        progress.step(&format!("{name}: computing the KPIs"));
        let dashboard = runtime.block_on(Dashboard::build_kpis_from(&ctx, reports, &params))?;
        let mut dashboard = dashboard.with_slice_description(args.read.describe_slice(&slice));
        progress.step(&format!("{name}: forecasting weekly sales"));
        dashboard.forecasts = Some(match &batches {
            Some(batches) => ForecastPanel::build(batches, params.horizon())?,
            None => runtime.block_on(ForecastPanel::build_from(&ctx, params.horizon()))?,
        });
        progress.step(&format!("{name}: mining product bundles"));
        let classes = args.read.product_classes(&dashboard.reports)?;
        let min_support = args.dashboard.min_support;
        let bundles = match &batches {
            Some(batches) => BundlesPanel::build(batches, &classes, min_support)?,
            None => runtime.block_on(BundlesPanel::build_from(&ctx, &classes, min_support))?,
        };
        crate::note!("retail: {name}: {}", bundles.support_sentence());
        dashboard.bundles = Some(bundles);
        dashboards.push(dashboard);
    }
    if dashboards.is_empty() {
        bail!(
            "the slice ({}) keeps no line of any data set: nothing to report",
            slice.describe()
        );
    }
    progress.step("writing the report");
    let title = args.title.clone().unwrap_or_else(|| {
        if args.files.is_empty() {
            "Retail dashboard: embedded samples".to_string()
        } else {
            format!("Retail dashboard: {}", dashboards[0].name)
        }
    });
    let html = retail_report::render(&title, &dashboards);
    std::fs::write(&args.out, html)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    progress.finish();
    crate::note!("retail: wrote {}", args.out.display());
    if args.open {
        open_in_browser(&args.out);
    }
    Ok(())
}

/// Opens `path` with the desktop's default program; says so when it cannot.
fn open_in_browser(path: &std::path::Path) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(program).arg(path).status() {
        Ok(status) if status.success() => {}
        _ => crate::note!(
            "retail: could not open {} with {program}; open it in a browser",
            path.display()
        ),
    }
}

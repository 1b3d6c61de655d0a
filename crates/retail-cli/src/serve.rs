//! `retail serve`: the dashboard as a local web app, sliced by a filter bar (GET form: a sliced
//! view is a URL). The data is read once; `retail_report::server` does the rest.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use retail_metrics::SalesSlice;
use retail_report::server::{DashboardServer, DataSet, ServerParams};

use crate::input::{ReadArgs, load_sources_sliced};
use crate::progress::Progress;
use crate::report::{DashboardArgs, datasets};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Transaction files (CSV, gzip CSV or Parquet), read together as one data set. None: the
    /// embedded samples, Online Retail and Superstore.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// The address to listen on. The default is loopback only: other machines cannot connect.
    /// Port 0 picks a free port (the URL printed says which).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    addr: SocketAddr,
    /// Title of the pages (default: the input's name).
    #[arg(long)]
    title: Option<String>,
    /// The most requests computing at once; others wait (default: one per core).
    #[arg(long, value_name = "N")]
    max_concurrent: Option<usize>,
    #[command(flatten)]
    dashboard: DashboardArgs,
}

/// Reads the data, starts the server, prints its URL on stdout and serves until Ctrl-C.
pub fn run(args: &ServeArgs, out: &mut impl Write) -> Result<()> {
    args.dashboard.params("check", &args.read, &[])?;
    let sets = datasets(&args.files);
    let mut progress = Progress::new(sets.len() + 1);
    let mut loaded = Vec::new();
    for (name, sources) in &sets {
        progress.step(&format!("{name}: reading"));
        let (batches, reports) = load_sources_sliced(sources, &args.read, &SalesSlice::new())
            .with_context(|| format!("{name}: reading"))?;
        let params = args.dashboard.params(name, &args.read, &reports)?;
        loaded.push(DataSet {
            batches,
            reports,
            params,
        });
    }
    let title = args.title.clone().unwrap_or_else(|| {
        if args.files.is_empty() {
            "Retail dashboard: embedded samples".to_string()
        } else {
            format!("Retail dashboard: {}", sets[0].0)
        }
    });
    let mut params = ServerParams::new(title);
    if let Some(n) = args.max_concurrent {
        params = params.with_max_concurrent(n);
    }
    params
        .check()
        .map_err(|e| anyhow::Error::new(e).context("bad --max-concurrent"))?;
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        progress.step("computing the KPIs of every line");
        let server = DashboardServer::new(loaded, params)
            .await
            .map_err(crate::flags::bad_flag)?;
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {} (--addr)", args.addr))?;
        let addr = listener.local_addr()?;
        progress.finish();
        writeln!(out, "http://{addr}/")?;
        out.flush()?;
        if !addr.ip().is_loopback() {
            crate::note!(
                "retail: listening on {addr}, which other machines can reach; the dashboard has \
                 no login"
            );
        }
        crate::note!("retail: serving the dashboard at http://{addr}/ (Ctrl-C stops it)");
        server
            .serve(listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        crate::note!("retail: stopped");
        Ok(())
    })
}

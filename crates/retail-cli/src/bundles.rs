//! `retail bundles` and `retail next-basket`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use retail_bundles::next_basket::{NextBasketParams, evaluate};
use retail_bundles::shards::ShardPlan;
use retail_bundles::{
    BasketItem, BundlesError, Consequents, DEFAULT_MAX_ITEMSETS, FpGrowth, InvoiceBaskets,
    InvoiceBasketsBuilder, ItemsetTarget, MinSupport, NextBasketModel, RuleParams,
};
use retail_ingest::baskets::{self, BasketInputs, Baskets, InputNote, LoadedInputs};
use retail_ingest::{IngestError, IngestParams};
use retail_report::text::bundles::{
    BasketKind, BundlesJson, bundles_summary, evaluation_table, recommendations_table,
};
use serde_json::json;

use crate::input::{ReadArgs, for_each_batch};
use crate::output::{Format, TextOrJson, write_csv};
use crate::progress::Progress;
use crate::slice::{CustomerSliceArg, SliceArgs};

/// What the input files hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputKind {
    /// `.dat` files are basket files; other files are transactions when their layout is
    /// known (or `--mapping` is given), basket files otherwise.
    Auto,
    /// Sales transactions: one basket per invoice (its completed lines' distinct products).
    Transactions,
    /// Basket files: one basket a line (FIMI `.dat` or CSV).
    Baskets,
}

impl From<InputKind> for baskets::InputKind {
    fn from(kind: InputKind) -> Self {
        match kind {
            InputKind::Auto => baskets::InputKind::Auto,
            InputKind::Transactions => baskets::InputKind::Transactions,
            InputKind::Baskets => baskets::InputKind::Baskets,
        }
    }
}

#[derive(Debug, Args)]
pub struct BundlesArgs {
    /// Transaction files or basket files; none mines the embedded Online Retail sample.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    slice: SliceArgs,
    #[command(flatten)]
    customers: CustomerSliceArg,
    /// Mine every product: postage, fees and adjustments are left out by default (they are in
    /// many baskets and say nothing about which goods sell together; docs/schema.md).
    #[arg(long)]
    all_products: bool,
    /// What the files hold.
    #[arg(long, value_enum, default_value = "auto")]
    input: InputKind,
    /// Minimum support as a fraction of all baskets (empty ones included).
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.01,
        conflicts_with = "min_count"
    )]
    min_support: f64,
    /// Minimum support as a basket count.
    #[arg(long, value_name = "N")]
    min_count: Option<u64>,
    /// Keep rules with at least this confidence.
    #[arg(long, value_name = "F", default_value_t = 0.5)]
    min_confidence: f64,
    /// Keep rules with at least this lift.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    min_lift: f64,
    /// Longest itemset mined.
    #[arg(long, value_name = "N")]
    max_len: Option<usize>,
    /// Stop with an error once mining finds more than N itemsets (a low support over long
    /// baskets admits exponentially many; docs/bundles.md).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ITEMSETS)]
    max_itemsets: u64,
    /// All frequent itemsets, or only the closed or maximal ones (no rules then).
    #[arg(long, value_enum, default_value = "all")]
    target: TargetArg,
    /// One-item consequents (as R arules and Spark) or any.
    #[arg(long, value_enum, default_value = "single")]
    consequents: ConsequentsArg,
    /// Show (table) or write (JSON, CSV) only the first K itemsets and rules; the table
    /// shows 20 when not given, JSON and CSV everything.
    #[arg(long, value_name = "K")]
    top: Option<usize>,
    /// Mine itemsets only, no rules.
    #[arg(long)]
    itemsets_only: bool,
    /// Worker threads (default, or 0: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Mine in G group-dependent shards (parallel FP-growth, as Spark MLlib; the same result,
    /// docs/distributed.md).
    #[arg(long, value_name = "G")]
    shards: Option<usize>,
    /// With --shards: write the shards as DIR/shard-GGGG.parquet for `retail mine-shard`
    /// (one process per shard, anywhere) instead of mining.
    #[arg(long, value_name = "DIR", requires = "shards")]
    write_shards: Option<PathBuf>,
    /// Output: a table for people; JSON with the counts, itemsets and rules; CSV of the rules
    /// (of the itemsets with `--itemsets-only`).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TargetArg {
    All,
    Closed,
    Maximal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ConsequentsArg {
    Single,
    Any,
}

/// Baskets with the names of their items (product names for transactions).
struct Loaded {
    baskets: Baskets,
    names: Vec<Option<String>>,
    invoices: Option<InvoiceBaskets>,
    sources: Vec<String>,
}

fn load_baskets(
    files: &[PathBuf],
    kind: InputKind,
    read: &ReadArgs,
    slice: &retail_metrics::SalesSlice,
) -> Result<Loaded> {
    // The options matter only to tell transactions by their header or mapping.
    let options = if kind == InputKind::Auto && !files.iter().all(|p| baskets::is_basket_file(p)) {
        read.options()?
    } else {
        IngestParams::default()
    };
    let transactions = || {
        let (invoices, reports) = invoice_baskets(files, read, slice)?;
        Ok(Loaded {
            baskets: invoices.baskets.clone(),
            names: invoices.product_names.clone(),
            sources: reports.into_iter().map(|r| r.source).collect(),
            invoices: Some(invoices),
        })
    };
    // Canonical Parquet (files, or directories of month files) holds sales lines.
    if kind != InputKind::Baskets && crate::input::in_place(files, read)?.is_some() {
        return transactions();
    }
    let inputs = BasketInputs::classify(files, kind.into(), &options)?;
    for note in inputs.notes() {
        print_note(note);
    }
    let loaded = match inputs.load(!slice.is_everything()) {
        Ok(LoadedInputs::Baskets(loaded)) => loaded,
        Ok(_) => return transactions(),
        Err(IngestError::MixedInputs { .. }) => {
            bail!("mix of transaction files and basket files; mine them separately")
        }
        Err(IngestError::SlicedBaskets) => bail!(
            "the slice flags (--from, --to, --where, --country, ...) select sales lines; basket \
             files have none"
        ),
        Err(IngestError::Io { path, source }) => {
            let context = format!("reading baskets from {}", path.display());
            return Err(anyhow::Error::new(IngestError::Io { path, source }).context(context));
        }
        Err(err) => return Err(err.into()),
    };
    for note in &loaded.notes {
        print_note(note);
    }
    let names = vec![None; loaded.baskets.items().len()];
    Ok(Loaded {
        baskets: loaded.baskets,
        names,
        invoices: None,
        sources: loaded.sources,
    })
}

/// A note of basket loading on stderr, with the flags that change it.
fn print_note(note: &InputNote) {
    match note {
        InputNote::NotTransactions { path } => crate::note!(
            "retail: {}: not a known transaction layout; reading it as a basket file \
             (one basket a line; --input transactions --mapping FILE reads it as sales)",
            path.display()
        ),
        note => crate::note!("retail: {note}"),
    }
}

pub fn run(args: &BundlesArgs, out: &mut impl Write) -> Result<()> {
    let support = match args.min_count {
        Some(count) => MinSupport::count(count)?,
        None => MinSupport::fraction(args.min_support)?,
    };
    let mut miner = FpGrowth::new(support).with_target(match args.target {
        TargetArg::All => ItemsetTarget::All,
        TargetArg::Closed => ItemsetTarget::Closed,
        TargetArg::Maximal => ItemsetTarget::Maximal,
    });
    if let Some(max_len) = args.max_len {
        miner = miner.with_max_len(max_len);
    }
    miner = miner.with_max_itemsets(args.max_itemsets);
    if let Some(threads) = args.threads {
        miner = miner.with_threads(threads);
    }
    let rule_params = RuleParams::new()
        .with_min_confidence(args.min_confidence)
        .with_min_lift(args.min_lift)
        .with_consequents(match args.consequents {
            ConsequentsArg::Single => Consequents::Single,
            ConsequentsArg::Any => Consequents::Any,
        });
    // Checked before any data is read.
    miner.check().map_err(crate::flags::bad_flag)?;
    rule_params.check().map_err(crate::flags::bad_flag)?;

    let mut progress = Progress::new(2);
    progress.step("reading baskets");
    let slice = args.slice.slice_with(&args.customers)?;
    let read = args.read.merchandise_unless(args.all_products);
    let loaded = load_baskets(&args.files, args.input, &read, &slice)?;
    if let (Some(groups), Some(dir)) = (args.shards, &args.write_shards) {
        progress.step("writing shards");
        let plan = ShardPlan::new(&loaded.baskets, support, groups)?;
        progress.finish();
        return crate::shards::write_shards(&plan, &loaded.baskets, dir, out);
    }
    progress.step("mining");
    let itemsets = match args.shards {
        Some(groups) => miner.mine_sharded(&loaded.baskets, groups),
        None => miner.mine(&loaded.baskets),
    }
    .map_err(with_flag_hint)?
    .with_item_names(&loaded.names);
    let rules = if args.itemsets_only || args.target != TargetArg::All {
        None
    } else {
        Some(rule_params.generate(&itemsets)?)
    };
    progress.finish();
    let limit = args.top.unwrap_or(match args.format {
        Format::Table => 20,
        _ => usize::MAX,
    });
    match args.format {
        Format::Table => {
            let kind = if loaded.invoices.is_some() {
                BasketKind::Invoices
            } else {
                BasketKind::Baskets
            };
            let text = bundles_summary(&itemsets, rules.as_ref(), args.min_confidence, kind, limit);
            write!(out, "{text}")?;
            Ok(())
        }
        Format::Json => {
            let json = BundlesJson::new(&itemsets, rules.as_ref(), &loaded.sources, limit);
            serde_json::to_writer_pretty(&mut *out, &json)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Csv => {
            let batch = match &rules {
                Some(rules) => rules.to_record_batch()?,
                None => itemsets.to_record_batch()?,
            };
            let batch = batch.slice(0, batch.num_rows().min(limit));
            let flat = retail_bundles::flatten_lists(&batch).map_err(|err| match err {
                BundlesError::Arrow(err) => anyhow::Error::new(err),
                err => err.into(),
            })?;
            write_csv(out, &[flat])
        }
    }
}

/// A budget error with the flags that change the outcome (the library names parameters).
pub(crate) fn with_flag_hint(err: BundlesError) -> anyhow::Error {
    match err {
        BundlesError::TooManyItemsets { .. } => anyhow::Error::new(err).context(
            "mining stopped at the itemset budget (flags: --min-support or --min-count, \
             --max-len, --target closed or maximal, --max-itemsets)",
        ),
        other => other.into(),
    }
}

#[derive(Debug, Args)]
pub struct NextBasketArgs {
    /// Transaction files with customer ids; none reads the embedded Online Retail sample.
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// The slice; `--customer` is not among its flags here (it names the customer to
    /// recommend for): slice customers with `--where "customer_id IN ('…')"`.
    #[command(flatten)]
    slice: SliceArgs,
    /// Recommend for this customer; without it, evaluate the recommender (each customer's
    /// last basket held out) against the baselines.
    #[arg(long, value_name = "ID")]
    customer: Option<String>,
    /// Products per recommendation.
    #[arg(long, value_name = "N", default_value_t = 10)]
    k: usize,
    /// Weight of a basket one step older than the next in the repeat score, in (0, 1].
    #[arg(long, value_name = "F", default_value_t = 0.9)]
    decay: f64,
    /// Weight of the association-rule score against the repeat score.
    #[arg(long, value_name = "F", default_value_t = 0.1)]
    rule_weight: f64,
    /// Recommend from every product: postage, fees and adjustments are left out by default (they are in
    /// many baskets and say nothing about which goods sell together; docs/schema.md).
    #[arg(long)]
    all_products: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: TextOrJson,
}

pub fn run_next_basket(args: &NextBasketArgs, out: &mut impl Write) -> Result<()> {
    let params = NextBasketParams::default()
        .with_k(args.k)
        .with_decay(args.decay)
        .with_rule_weight(args.rule_weight);
    params.check().map_err(crate::flags::bad_flag)?;
    for path in &args.files {
        if baskets::is_basket_file(path) {
            bail!(
                "{}: a basket file has no customers; next-basket needs transactions",
                path.display()
            );
        }
    }
    let mut progress = Progress::new(1);
    progress.step("reading");
    let read = args.read.merchandise_unless(args.all_products);
    let (data, _) = invoice_baskets(&args.files, &read, &args.slice.slice()?)?;
    progress.finish();
    if data.customers.iter().all(Option::is_none) {
        bail!("no line has a customer id; next-basket needs identified customers");
    }
    match &args.customer {
        Some(customer) => {
            let model = NextBasketModel::fit(&data, None, &params)?;
            let known = data
                .customers
                .iter()
                .any(|c| c.as_deref() == Some(customer));
            if !known {
                crate::note!(
                    "retail: customer {customer} has no completed purchase; showing the most \
                     popular products"
                );
            }
            let recommendations = model.recommend(customer);
            match args.format {
                TextOrJson::Json => {
                    serde_json::to_writer_pretty(
                        &mut *out,
                        &json!({"customer": customer, "k": args.k, "recommendations": recommendations}),
                    )?;
                    writeln!(out)?;
                }
                TextOrJson::Table => {
                    let table = recommendations_table(customer, &recommendations);
                    writeln!(out, "{}", table.render())?;
                }
            }
        }
        None => {
            let evaluation = evaluate(&data, &params)?;
            match args.format {
                TextOrJson::Json => {
                    serde_json::to_writer_pretty(&mut *out, &evaluation)?;
                    writeln!(out)?;
                }
                TextOrJson::Table => {
                    let mut table = evaluation_table(&evaluation);
                    table.note("--customer ID recommends for one customer");
                    writeln!(out, "{}", table.render())?;
                }
            }
        }
    }
    Ok(())
}

/// One basket of products per invoice of the sales lines in `slice`, folded a batch at a time
/// (canonical Parquet is not held whole), with the ingest reports.
fn invoice_baskets(
    files: &[PathBuf],
    read: &ReadArgs,
    slice: &retail_metrics::SalesSlice,
) -> Result<(InvoiceBaskets, Vec<retail_ingest::IngestReport>)> {
    let mut builder = InvoiceBasketsBuilder::new(BasketItem::Product);
    let columns = InvoiceBaskets::columns(BasketItem::Product);
    let reports = for_each_batch(files, read, slice, &columns, |batch| {
        Ok(builder.push(batch)?)
    })?;
    Ok((builder.finish(), reports))
}

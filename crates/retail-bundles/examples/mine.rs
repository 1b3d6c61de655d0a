//! Mines a basket file and prints the number of frequent itemsets by length.
//!
//! ```text
//! cargo run --release -p retail-bundles --example mine -- ../shared/data/baskets/retail/retail.dat 0.0005
//! ```

use std::time::Instant;

use retail_bundles::{FpGrowth, MinSupport};
use retail_ingest::baskets::read_baskets;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(support)) = (args.next(), args.next()) else {
        eprintln!("usage: mine BASKET_FILE MIN_SUPPORT_FRACTION [THREADS]");
        std::process::exit(2);
    };
    let threads: Option<usize> = args.next().map(|t| t.parse()).transpose()?;
    let start = Instant::now();
    let (baskets, _) = read_baskets(&path, None)?;
    let read = start.elapsed();
    let mut miner = FpGrowth::new(MinSupport::fraction(support.parse()?)?);
    if let Some(threads) = threads {
        miner = miner.with_threads(threads);
    }
    let itemsets = miner.mine(&baskets)?;
    let total = start.elapsed();
    println!(
        "{path}: {} baskets, min count {}, {} frequent itemsets, by length {:?}",
        itemsets.baskets(),
        itemsets.min_count(),
        itemsets.len(),
        &itemsets.count_by_length()[1..]
    );
    println!(
        "read {:.3} s, mined {:.3} s, total {:.3} s",
        read.as_secs_f64(),
        (total - read).as_secs_f64(),
        total.as_secs_f64()
    );
    Ok(())
}

//! Writes IBM Quest-style synthetic baskets as a FIMI file (the benchmark's 5-million-basket
//! input).
//!
//! ```text
//! cargo run --release -p retail-bundles --example quest -- 5000000 quest_5m.dat [ITEMS] [SEED]
//! ```

use std::io::BufWriter;

use retail_bundles::QuestParams;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: quest BASKETS OUT.dat [ITEMS (1000)] [SEED (42)]");
        std::process::exit(2);
    }
    let mut params = QuestParams::default().with_baskets(args[0].parse()?);
    if let Some(items) = args.get(2) {
        params = params.with_items(items.parse()?);
    }
    if let Some(seed) = args.get(3) {
        params = params.with_seed(seed.parse()?);
    }
    let baskets = params.generate()?;
    let file = std::fs::File::create(&args[1])?;
    baskets.write_fimi(BufWriter::new(file))?;
    eprintln!(
        "wrote {} baskets ({} item occurrences) to {}",
        baskets.len(),
        baskets.total_items(),
        args[1]
    );
    Ok(())
}

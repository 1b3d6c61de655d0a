//! FP-growth mining and rule generation: Quest-style synthetic baskets on a size ladder, the
//! embedded groceries sample, and FIMI retail.dat and mushroom when `../shared/data` is
//! present. Baskets are built outside the timed code.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use retail_bundles::{FpGrowth, ItemsetTarget, MinSupport, QuestParams, RuleParams};
use retail_ingest::baskets::{Baskets, read_baskets};
use retail_ingest::{samples, shared_data_dir};

fn groceries() -> Baskets {
    let dir = std::env::temp_dir().join(format!("retail-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("groceries.csv.gz");
    std::fs::write(&path, samples::GROCERIES).expect("write sample");
    let baskets = read_baskets(&path, None).expect("groceries").0;
    let _ = std::fs::remove_dir_all(&dir);
    baskets
}

fn datasets() -> Vec<(String, Baskets, f64)> {
    let mut out = vec![("groceries_9835".to_string(), groceries(), 0.001)];
    for n in [10_000usize, 100_000] {
        let baskets = QuestParams::default()
            .with_baskets(n)
            .generate()
            .expect("valid Quest parameters");
        out.push((format!("quest_{n}"), baskets, 0.005));
    }
    if let Some(dir) = shared_data_dir() {
        for (name, file, support) in [
            ("retail_88162", "baskets/retail/retail.dat", 0.0005),
            ("mushroom_8124", "baskets/mushroom/mushroom.dat", 0.1),
        ] {
            let path = dir.join(file);
            if path.is_file() {
                out.push((
                    name.to_string(),
                    read_baskets(&path, None).expect(file).0,
                    support,
                ));
            }
        }
    } else {
        eprintln!("SKIPPED retail.dat and mushroom: no ../shared/data");
    }
    out
}

fn mining(c: &mut Criterion) {
    let mut group = c.benchmark_group("fpgrowth");
    group.sample_size(10);
    for (name, baskets, support) in datasets() {
        let min = MinSupport::fraction(support).expect("support");
        for threads in [1usize, 2] {
            let miner = FpGrowth::new(min).with_threads(threads);
            group.bench_function(
                format!("all/{name}/support_{support}/threads_{threads}"),
                |b| b.iter(|| black_box(miner.mine(&baskets).expect("mine").len())),
            );
        }
        // Parallel FP-growth (group-dependent shards, Spark's layout): the same result, with
        // the shards' replicated work.
        let sharded = FpGrowth::new(min).with_threads(2);
        group.bench_function(
            format!("sharded_8/{name}/support_{support}/threads_2"),
            |b| b.iter(|| black_box(sharded.mine_sharded(&baskets, 8).expect("mine").len())),
        );
        let closed = FpGrowth::new(min).with_target(ItemsetTarget::Closed);
        group.bench_function(format!("closed/{name}/support_{support}"), |b| {
            b.iter(|| black_box(closed.mine(&baskets).expect("mine").len()))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("rules");
    group.sample_size(10);
    for (name, baskets, support) in datasets() {
        let itemsets = FpGrowth::new(MinSupport::fraction(support).expect("support"))
            .mine(&baskets)
            .expect("mine");
        let params = RuleParams::new().with_min_confidence(0.1);
        group.bench_function(
            format!("single_consequent/{name}/itemsets_{}", itemsets.len()),
            |b| b.iter(|| black_box(params.generate(&itemsets).expect("rules").len())),
        );
    }
    group.finish();
}

criterion_group!(benches, mining);
criterion_main!(benches);

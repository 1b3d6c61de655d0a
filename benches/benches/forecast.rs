//! Forecast model fits: one ETS spec, automatic ETS, one ARIMA order, automatic ARIMA, and
//! many series at once, on the deterministic synthetic weekly series
//! (`retail_forecast::synthetic::weekly_series`, seed 42) built outside the timed code. Names
//! carry the model, the season length and the series length.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use retail_forecast::synthetic::weekly_series;
use retail_forecast::{Arima, ArimaSpec, AutoArima, AutoEts, Ets, EtsSpec, ModelChoice};

const SEED: u64 = 42;
const WEEKS: usize = 156;

fn series() -> Vec<f64> {
    weekly_series(1, WEEKS, SEED).remove(0)
}

fn ets_fit(c: &mut Criterion) {
    let y = series();
    let mut group = c.benchmark_group("ets_fit");
    group.sample_size(10);
    for (spec, m) in [
        ("ANN", 1),
        ("AAdN", 1),
        ("MNN", 1),
        ("MAdN", 1),
        ("AAA", 52),
    ] {
        let model = Ets::new(spec.parse::<EtsSpec>().expect("spec"), m).expect("model");
        group.bench_function(format!("{spec}/m_{m}/weeks_{WEEKS}"), |b| {
            b.iter(|| black_box(model.fit(&y).expect("fit").loglik))
        });
    }
    group.finish();
}

fn auto_ets(c: &mut Criterion) {
    let y = series();
    let mut group = c.benchmark_group("auto_ets");
    group.sample_size(10);
    for m in [1usize, 52] {
        let model = AutoEts::new(m).expect("model");
        group.bench_function(format!("m_{m}/weeks_{WEEKS}"), |b| {
            b.iter(|| black_box(model.fit_all(&y).expect("fit").best.loglik))
        });
    }
    group.finish();
}

fn arima_fit(c: &mut Criterion) {
    let y = series();
    let mut group = c.benchmark_group("arima_fit");
    group.sample_size(10);
    for spec in ["(0,1,1)", "(2,1,2)", "(0,1,1)(0,1,1)12"] {
        let model = Arima::new(spec.parse::<ArimaSpec>().expect("spec"));
        group.bench_function(format!("{spec}/weeks_{WEEKS}"), |b| {
            b.iter(|| black_box(model.fit_with_regressors(&y, None).expect("fit").loglik))
        });
    }
    group.finish();
}

fn auto_arima(c: &mut Criterion) {
    let y = series();
    let mut group = c.benchmark_group("auto_arima");
    group.sample_size(10);
    for m in [1usize, 52] {
        let model = AutoArima::new(m).expect("model");
        group.bench_function(format!("m_{m}/weeks_{WEEKS}"), |b| {
            b.iter(|| black_box(model.fit(&y).expect("fit").loglik))
        });
    }
    group.finish();
}

fn many_series(c: &mut Criterion) {
    let mut group = c.benchmark_group("forecast_many");
    group.sample_size(10);
    for count in [10usize, 40] {
        let all = weekly_series(count, WEEKS, SEED);
        for threads in [1usize, 2] {
            group.bench_function(
                format!("auto_ets/m_1/series_{count}/weeks_{WEEKS}/threads_{threads}"),
                |b| {
                    b.iter(|| {
                        black_box(retail_forecast::forecast_many(
                            &all,
                            ModelChoice::AutoEts,
                            1,
                            12,
                            &[0.8, 0.95],
                            threads,
                        ))
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    ets_fit,
    auto_ets,
    arima_fit,
    auto_arima,
    many_series
);
criterion_main!(benches);

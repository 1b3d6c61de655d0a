//! A deterministic synthetic basket generator in the style of IBM's Quest generator
//! (Agrawal & Srikant, "Fast Algorithms for Mining Association Rules", VLDB 1994), the source
//! of the classic `T10I4D100K` file.
//!
//! `patterns` potentially large itemsets are drawn first (sizes Poisson around
//! `pattern_len`, each sharing an exponentially distributed fraction of its items with the one
//! before, with an exponential weight and a corruption level around 0.5). Each basket has a
//! Poisson size around `basket_len` and is filled with patterns picked by weight; a pattern
//! loses items while a uniform draw stays below its corruption level, and a pattern that does
//! not fit goes in anyway half of the time, otherwise into the next basket. The same
//! parameters and seed give the same baskets on every machine.

use retail_ingest::baskets::Baskets;

use crate::BundlesError;

/// Generator parameters (the Quest names: `T` basket_len, `I` pattern_len, `D` baskets,
/// `N` items, `L` patterns).
#[derive(Debug, Clone, PartialEq)]
pub struct QuestParams {
    baskets: usize,
    items: u32,
    basket_len: f64,
    pattern_len: f64,
    patterns: usize,
    seed: u64,
}

impl Default for QuestParams {
    /// `T10I4D100K` with 1,000 items and 2,000 patterns, seed 42.
    fn default() -> Self {
        QuestParams {
            baskets: 100_000,
            items: 1_000,
            basket_len: 10.0,
            pattern_len: 4.0,
            patterns: 2_000,
            seed: 42,
        }
    }
}

fn positive(parameter: &'static str, ok: bool) -> Result<(), BundlesError> {
    if ok {
        Ok(())
    } else {
        Err(BundlesError::InvalidParameter {
            parameter,
            message: "must be positive".into(),
        })
    }
}

impl QuestParams {
    /// Number of baskets (`D`).
    pub fn with_baskets(mut self, baskets: usize) -> Self {
        self.baskets = baskets;
        self
    }

    /// Number of distinct items (`N`).
    pub fn with_items(mut self, items: u32) -> Self {
        self.items = items;
        self
    }

    /// Mean basket size (`T`).
    pub fn with_basket_len(mut self, len: f64) -> Self {
        self.basket_len = len;
        self
    }

    /// Mean pattern size (`I`).
    pub fn with_pattern_len(mut self, len: f64) -> Self {
        self.pattern_len = len;
        self
    }

    /// Number of patterns (`L`).
    pub fn with_patterns(mut self, patterns: usize) -> Self {
        self.patterns = patterns;
        self
    }

    /// The random seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks that every size and count is positive (and finite).
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] naming the first parameter that is not.
    pub fn check(&self) -> Result<(), BundlesError> {
        positive("baskets", self.baskets > 0)?;
        positive("items", self.items > 0)?;
        positive(
            "basket_len",
            self.basket_len > 0.0 && self.basket_len.is_finite(),
        )?;
        positive(
            "pattern_len",
            self.pattern_len > 0.0 && self.pattern_len.is_finite(),
        )?;
        positive("patterns", self.patterns > 0)
    }

    /// Generates the baskets; items are named `0..items`.
    ///
    /// # Errors
    /// [`BundlesError::InvalidParameter`] for a parameter that is not positive
    /// ([`QuestParams::check`]).
    pub fn generate(&self) -> Result<Baskets, BundlesError> {
        self.check()?;
        let mut rng = Rng::new(self.seed);
        let n = self.items;
        // Patterns.
        let mut patterns: Vec<Vec<u32>> = Vec::with_capacity(self.patterns);
        let mut weights = Vec::with_capacity(self.patterns);
        let mut corruption = Vec::with_capacity(self.patterns);
        for p in 0..self.patterns {
            let len = (rng.poisson(self.pattern_len - 1.0) + 1).min(n as usize);
            let mut pattern: Vec<u32> = Vec::with_capacity(len);
            if p > 0 {
                let shared = (rng.exponential(0.5).min(1.0) * len as f64) as usize;
                let previous = &patterns[p - 1];
                for _ in 0..shared.min(previous.len()) {
                    let item = previous[rng.below(previous.len() as u64) as usize];
                    if !pattern.contains(&item) {
                        pattern.push(item);
                    }
                }
            }
            while pattern.len() < len {
                let item = rng.below(u64::from(n)) as u32;
                if !pattern.contains(&item) {
                    pattern.push(item);
                }
            }
            patterns.push(pattern);
            weights.push(rng.exponential(1.0));
            corruption.push(rng.normal(0.5, 0.1).clamp(0.0, 1.0));
        }
        let total: f64 = weights.iter().sum();
        let mut cumulative = Vec::with_capacity(weights.len());
        let mut acc = 0.0;
        for w in &weights {
            acc += w / total;
            cumulative.push(acc);
        }
        let pick = |rng: &mut Rng| -> usize {
            let u = rng.uniform();
            cumulative
                .partition_point(|&c| c < u)
                .min(cumulative.len() - 1)
        };

        let mut deferred: Option<Vec<u32>> = None;
        let mut lists: Vec<Vec<u32>> = Vec::with_capacity(self.baskets);
        for _ in 0..self.baskets {
            let size = (rng.poisson(self.basket_len - 1.0) + 1).max(1);
            let mut basket: Vec<u32> = Vec::with_capacity(size + 4);
            let mut tries = 0;
            while basket.len() < size && tries < 4 * size + 8 {
                tries += 1;
                let items = match deferred.take() {
                    Some(items) => items,
                    None => {
                        let p = pick(&mut rng);
                        let mut items = patterns[p].clone();
                        while !items.is_empty() && rng.uniform() < corruption[p] {
                            let at = rng.below(items.len() as u64) as usize;
                            items.swap_remove(at);
                        }
                        items
                    }
                };
                if basket.len() + items.len() > size && !basket.is_empty() && rng.uniform() < 0.5 {
                    deferred = Some(items);
                    break;
                }
                for item in items {
                    if !basket.contains(&item) {
                        basket.push(item);
                    }
                }
            }
            basket.sort_unstable();
            lists.push(basket);
        }
        Ok(Baskets::from_id_lists(
            (0..n).map(|i| i.to_string()).collect(),
            lists,
        ))
    }
}

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }

    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Poisson by inversion (means here are small).
    fn poisson(&mut self, mean: f64) -> usize {
        if mean <= 0.0 {
            return 0;
        }
        let limit = (-mean).exp();
        let mut product = self.uniform();
        let mut k = 0;
        while product > limit && k < 10_000 {
            product *= self.uniform();
            k += 1;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_baskets_and_sizes_near_the_mean() {
        let params = QuestParams::default().with_baskets(20_000);
        let a = params.generate().unwrap();
        let b = params.generate().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 20_000);
        let mean = a.total_items() as f64 / a.len() as f64;
        assert!((7.0..13.0).contains(&mean), "mean basket size {mean}");
        let other = params.clone().with_seed(7).generate().unwrap();
        assert_ne!(a, other);
        assert!(a.iter().all(|basket| !basket.is_empty()));
    }

    #[test]
    fn invalid_parameters_are_named() {
        let err = QuestParams::default().with_items(0).check().unwrap_err();
        assert!(err.to_string().contains("items"));
    }
}

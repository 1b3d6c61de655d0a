//! The one rule that names a product (docs/kpis.md, "Product names").
//!
//! A product's name is the description its **completed sale lines** carry most often; ties go
//! to the description seen most recently (the latest timestamp of a line carrying it), and a
//! remaining tie to the alphabetically first. Free, adjustment and cancellation lines never
//! name a product (Online Retail writes stock notes such as `?`, `check` or `Amazon` on them),
//! and a product without any named completed line has no name.
//!
//! The KPI SQL (`retail_metrics::kpi::PRODUCT_NAMES_SQL`) states the same rule as a query;
//! bundles, next-basket and the report use [`ProductNames`] over the same lines, and a test
//! checks that both give the same names on the real data.

use std::collections::HashMap;

/// Votes for each product's name, fed one completed sale line at a time.
#[derive(Debug, Clone, Default)]
pub struct ProductNames {
    /// product id → name → (lines, latest timestamp in µs).
    votes: HashMap<String, HashMap<String, (u64, i64)>>,
}

impl ProductNames {
    /// An empty tally.
    pub fn new() -> Self {
        ProductNames::default()
    }

    /// Counts one completed sale line of `product_id` carrying `name` at `timestamp` (µs).
    /// Call it for `line_kind = 'sale'` lines only.
    pub fn add(&mut self, product_id: &str, name: &str, timestamp: i64) {
        let names = match self.votes.get_mut(product_id) {
            Some(names) => names,
            None => self.votes.entry(product_id.to_string()).or_default(),
        };
        match names.get_mut(name) {
            Some((lines, latest)) => {
                *lines += 1;
                *latest = (*latest).max(timestamp);
            }
            None => {
                names.insert(name.to_string(), (1, timestamp));
            }
        }
    }

    /// The chosen name of `product_id`, if any completed line named it.
    pub fn name(&self, product_id: &str) -> Option<&str> {
        let names = self.votes.get(product_id)?;
        names
            .iter()
            .max_by(|(a, (na, ta)), (b, (nb, tb))| {
                na.cmp(nb).then(ta.cmp(tb)).then_with(|| b.cmp(a))
            })
            .map(|(name, _)| name.as_str())
    }

    /// Every named product with its name (unordered).
    pub fn into_map(self) -> HashMap<String, String> {
        let ids: Vec<String> = self.votes.keys().cloned().collect();
        let mut out = HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(name) = self.name(&id) {
                out.insert(id.clone(), name.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_then_most_recent_then_alphabetical() {
        let mut n = ProductNames::new();
        // 85123A-like: the usual name twice, a newer variant once.
        n.add("A", "WHITE HANGING HEART", 10);
        n.add("A", "WHITE HANGING HEART", 20);
        n.add("A", "CREAM HANGING HEART", 30);
        assert_eq!(n.name("A"), Some("WHITE HANGING HEART"));
        // Tie on count: the most recent wins even though it sorts later.
        n.add("B", "ZEBRA", 50);
        n.add("B", "APPLE", 40);
        assert_eq!(n.name("B"), Some("ZEBRA"));
        // Tie on count and latest time: alphabetical.
        n.add("C", "ZEBRA", 5);
        n.add("C", "APPLE", 5);
        assert_eq!(n.name("C"), Some("APPLE"));
        assert_eq!(n.name("D"), None);
        let map = n.into_map();
        assert_eq!(map.len(), 3);
        assert_eq!(map["B"], "ZEBRA");
    }
}

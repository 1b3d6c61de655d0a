//! A map task's share of the ranked series (docs/distributed.md of the workspace).

use crate::ForecastError;
use crate::series::{GroupBy, SalesSeries, SeriesSet};

impl SeriesSet {
    /// The series of one task of a distributed map (docs/distributed.md of the workspace):
    /// the largest `top` series (at least one) dealt round-robin by rank over `parts` tasks,
    /// so that task `part` gets ranks `part`, `part + parts`, `part + 2 * parts`, … in rank
    /// order. The `parts` tasks together hold exactly the largest `top`, each once;
    /// `(0, 1)` is all of them.
    ///
    /// # Errors
    ///
    /// [`ForecastError::InvalidParameter`] naming `partition` when `parts` is 0 or `part` is
    /// not below it, or when a total (one series) is split into more than one part.
    pub fn into_partition(
        self,
        top: usize,
        part: usize,
        parts: usize,
    ) -> Result<Vec<SalesSeries>, ForecastError> {
        if parts == 0 || part >= parts {
            return Err(ForecastError::InvalidParameter {
                parameter: "partition",
                message: format!("part {part} of {parts}: the part must be below the count"),
            });
        }
        if parts > 1 && self.group_by == GroupBy::Total {
            return Err(ForecastError::InvalidParameter {
                parameter: "partition",
                message: "splits the groups; the total is one series".into(),
            });
        }
        Ok(self
            .series
            .into_iter()
            .take(top.max(1))
            .enumerate()
            .filter(|(rank, _)| rank % parts == part)
            .map(|(_, series)| series)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::{Frequency, Measure};
    use chrono::NaiveDate;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn set_of(keys: &[&str], group_by: GroupBy) -> SeriesSet {
        SeriesSet {
            frequency: Frequency::Week,
            group_by,
            measure: Measure::Sales,
            series: keys
                .iter()
                .map(|k| SalesSeries {
                    key: k.to_string(),
                    periods: vec![date(2011, 1, 3)],
                    values: vec![1.0],
                    name: None,
                })
                .collect(),
            lines_used: 0,
            lines_other_kind: 0,
            lines_in_partial_periods: 0,
            partial_periods: Vec::new(),
        }
    }

    #[test]
    fn partitions_deal_the_top_ranks_round_robin() {
        let set = set_of(
            &["a", "b", "c", "d", "e", "f", "g", "h", "i"],
            GroupBy::Product,
        );
        let keys = |part, parts| -> Vec<String> {
            set.clone()
                .into_partition(8, part, parts)
                .unwrap()
                .into_iter()
                .map(|s| s.key)
                .collect()
        };
        assert_eq!(keys(0, 3), ["a", "d", "g"]);
        assert_eq!(keys(1, 3), ["b", "e", "h"]);
        assert_eq!(keys(2, 3), ["c", "f"]);
        assert_eq!(keys(0, 1), ["a", "b", "c", "d", "e", "f", "g", "h"]);
        assert_eq!(keys(5, 9), ["f"]);
        assert_eq!(keys(8, 9), Vec::<String>::new());
        // At least one series.
        let top0: Vec<String> = set
            .clone()
            .into_partition(0, 0, 1)
            .unwrap()
            .into_iter()
            .map(|s| s.key)
            .collect();
        assert_eq!(top0, ["a"]);
        for (part, parts) in [(3, 3), (0, 0)] {
            let err = set.clone().into_partition(8, part, parts).unwrap_err();
            assert!(err.to_string().starts_with("invalid partition: "), "{err}");
        }
        let total = set_of(&["total"], GroupBy::Total);
        assert_eq!(total.clone().into_partition(1, 0, 1).unwrap().len(), 1);
        assert_eq!(
            total.into_partition(1, 1, 2).unwrap_err().to_string(),
            "invalid partition: splits the groups; the total is one series"
        );
    }
}

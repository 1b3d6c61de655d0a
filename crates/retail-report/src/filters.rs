//! The dashboard's filters: a date range, places, categories, segments, products and
//! merchandise only. The same names as the CLI's slice flags (`--from`, `--sub-category`, ...),
//! read from and written to a URL query, so a sliced view is a link to bookmark and share.

use std::fmt::Write as _;

use chrono::NaiveDate;
use retail_ingest::ProductClasses;
use retail_metrics::SalesSlice;

use crate::ReportError;

/// The most parameters one query may carry.
pub const MAX_PARAMETERS: usize = 64;
/// The longest value of one parameter, in bytes.
pub const MAX_VALUE_BYTES: usize = 200;

/// A slice of the sales lines, as a dashboard request gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardFilters {
    /// Lines invoiced on or after this day.
    pub from: Option<NaiveDate>,
    /// Lines invoiced on or before this day (the whole day).
    pub to: Option<NaiveDate>,
    /// Any of these countries.
    pub countries: Vec<String>,
    /// Any of these regions.
    pub regions: Vec<String>,
    /// Any of these categories.
    pub categories: Vec<String>,
    /// Any of these sub-categories.
    pub sub_categories: Vec<String>,
    /// Any of these customer segments.
    pub segments: Vec<String>,
    /// Any of these product ids.
    pub products: Vec<String>,
    /// Goods only: fees, postage and other charges left out.
    pub merchandise_only: bool,
}

/// A filter's name in URLs (and the CLI flag without its dashes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterName {
    /// `from`
    From,
    /// `to`
    To,
    /// `country`
    Country,
    /// `region`
    Region,
    /// `category`
    Category,
    /// `sub-category`
    SubCategory,
    /// `segment`
    Segment,
    /// `product`
    Product,
    /// `merchandise-only`
    MerchandiseOnly,
}

impl FilterName {
    /// Every filter, in the order of the filter bar.
    pub const ALL: [FilterName; 9] = [
        FilterName::From,
        FilterName::To,
        FilterName::Country,
        FilterName::Region,
        FilterName::Category,
        FilterName::SubCategory,
        FilterName::Segment,
        FilterName::Product,
        FilterName::MerchandiseOnly,
    ];

    /// The name in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterName::From => "from",
            FilterName::To => "to",
            FilterName::Country => "country",
            FilterName::Region => "region",
            FilterName::Category => "category",
            FilterName::SubCategory => "sub-category",
            FilterName::Segment => "segment",
            FilterName::Product => "product",
            FilterName::MerchandiseOnly => "merchandise-only",
        }
    }

    fn parse(name: &str) -> Option<FilterName> {
        FilterName::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl DashboardFilters {
    /// Reads a URL query (`country=France&from=2011-01-01`, without the `?`). Empty values are
    /// no filter (a form's "all" choice sends `country=`); a list filter may repeat.
    ///
    /// # Errors
    /// [`ReportError::InvalidFilter`] naming the parameter: an unknown name, more than
    /// [`MAX_PARAMETERS`] parameters, a value longer than [`MAX_VALUE_BYTES`], a date that is
    /// not `YYYY-MM-DD`, `to` before `from`, a repeated date, or a `merchandise-only` value
    /// other than `1`, `on`, `true`, `0`, `off` or `false`.
    pub fn from_query(query: &str) -> Result<DashboardFilters, ReportError> {
        let mut filters = DashboardFilters::default();
        for (i, (name, value)) in form_urlencoded::parse(query.as_bytes()).enumerate() {
            let invalid = |message: String| ReportError::InvalidFilter {
                name: name.chars().take(40).collect(),
                message,
            };
            if i >= MAX_PARAMETERS {
                return Err(ReportError::InvalidFilter {
                    name: "(query)".into(),
                    message: format!("more than {MAX_PARAMETERS} parameters"),
                });
            }
            let Some(filter) = FilterName::parse(&name) else {
                let known: Vec<&str> = FilterName::ALL.iter().map(|f| f.as_str()).collect();
                return Err(invalid(format!(
                    "unknown filter (the filters are {})",
                    known.join(", ")
                )));
            };
            if value.len() > MAX_VALUE_BYTES {
                return Err(invalid(format!("longer than {MAX_VALUE_BYTES} bytes")));
            }
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let day = |slot: &mut Option<NaiveDate>| -> Result<(), ReportError> {
                if slot.is_some() {
                    return Err(invalid("given twice".into()));
                }
                let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d")
                    .map_err(|_| invalid(format!("'{value}' is not a calendar day YYYY-MM-DD")))?;
                *slot = Some(parsed);
                Ok(())
            };
            match filter {
                FilterName::From => day(&mut filters.from)?,
                FilterName::To => day(&mut filters.to)?,
                FilterName::Country => push_new(&mut filters.countries, value),
                FilterName::Region => push_new(&mut filters.regions, value),
                FilterName::Category => push_new(&mut filters.categories, value),
                FilterName::SubCategory => push_new(&mut filters.sub_categories, value),
                FilterName::Segment => push_new(&mut filters.segments, value),
                FilterName::Product => push_new(&mut filters.products, value),
                FilterName::MerchandiseOnly => {
                    filters.merchandise_only = match value {
                        "1" | "on" | "true" => true,
                        "0" | "off" | "false" => false,
                        _ => {
                            return Err(invalid(format!(
                                "'{value}' is not one of 1, on, true, 0, off, false"
                            )));
                        }
                    }
                }
            }
        }
        if let (Some(from), Some(to)) = (filters.from, filters.to)
            && to < from
        {
            return Err(ReportError::InvalidFilter {
                name: "to".into(),
                message: format!("{to} is before from ({from})"),
            });
        }
        Ok(filters)
    }

    /// The filters as a URL query in a fixed order (empty for no filter): equal filters give
    /// equal queries, so the query is also the slice's cache key.
    pub fn to_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(from) = self.from {
            query.append_pair("from", &from.to_string());
        }
        if let Some(to) = self.to {
            query.append_pair("to", &to.to_string());
        }
        for (name, values) in self.lists() {
            for value in values {
                query.append_pair(name.as_str(), value);
            }
        }
        if self.merchandise_only {
            query.append_pair("merchandise-only", "1");
        }
        query.finish()
    }

    /// These filters with one more value of a list filter (or the date or flag set), as a
    /// drill-down link needs.
    pub fn with(&self, name: FilterName, value: &str) -> DashboardFilters {
        let mut out = self.clone();
        match name {
            FilterName::From => out.from = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok(),
            FilterName::To => out.to = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok(),
            FilterName::Country => out.countries = vec![value.to_string()],
            FilterName::Region => out.regions = vec![value.to_string()],
            FilterName::Category => out.categories = vec![value.to_string()],
            FilterName::SubCategory => out.sub_categories = vec![value.to_string()],
            FilterName::Segment => out.segments = vec![value.to_string()],
            FilterName::Product => out.products = vec![value.to_string()],
            FilterName::MerchandiseOnly => out.merchandise_only = value == "1",
        }
        out
    }

    /// The values of a list filter (empty for the dates and the flag).
    pub fn values(&self, name: FilterName) -> &[String] {
        self.lists()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, values)| values)
    }

    fn lists(&self) -> [(FilterName, &[String]); 6] {
        [
            (FilterName::Country, &self.countries),
            (FilterName::Region, &self.regions),
            (FilterName::Category, &self.categories),
            (FilterName::SubCategory, &self.sub_categories),
            (FilterName::Segment, &self.segments),
            (FilterName::Product, &self.products),
        ]
    }

    /// True when no filter is set: every line.
    pub fn is_everything(&self) -> bool {
        *self == DashboardFilters::default()
    }

    /// The slice of retail-metrics these filters select; `classes` says which products are
    /// fees and other charges (for merchandise only). Values go into the query as literals.
    pub fn slice(&self, classes: &ProductClasses) -> SalesSlice {
        let mut slice = SalesSlice::new()
            .with_countries(self.countries.iter().cloned())
            .with_regions(self.regions.iter().cloned())
            .with_categories(self.categories.iter().cloned())
            .with_sub_categories(self.sub_categories.iter().cloned())
            .with_segments(self.segments.iter().cloned())
            .with_products(self.products.iter().cloned());
        if let Some(from) = self.from {
            slice = slice.with_from(from);
        }
        if let Some(to) = self.to {
            slice = slice.with_to(to);
        }
        if self.merchandise_only {
            slice = slice.with_merchandise_only(classes);
        }
        slice
    }

    /// The filters in words for a manager (`2011-01-01 to 2011-03-31; country: France;
    /// merchandise only`), or `None` for every line.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        match (self.from, self.to) {
            (Some(from), Some(to)) => parts.push(format!("{from} to {to}")),
            (Some(from), None) => parts.push(format!("from {from}")),
            (None, Some(to)) => parts.push(format!("up to {to}")),
            (None, None) => {}
        }
        for (name, values) in self.lists() {
            if !values.is_empty() {
                let mut part = String::new();
                let _ = write!(
                    part,
                    "{}: {}",
                    name.as_str().replace('-', " "),
                    values.join(", ")
                );
                parts.push(part);
            }
        }
        if self.merchandise_only {
            parts.push("merchandise only".to_string());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// The values a filter bar offers: the days the data covers and every country, region,
/// category, sub-category and segment, from the unfiltered dashboards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterChoices {
    /// The first day with a sale.
    pub first_day: Option<NaiveDate>,
    /// The last day with a sale.
    pub last_day: Option<NaiveDate>,
    /// Every country, by revenue.
    pub countries: Vec<String>,
    /// Every region, by name.
    pub regions: Vec<String>,
    /// Every category, by name.
    pub categories: Vec<String>,
    /// Every sub-category, by name.
    pub sub_categories: Vec<String>,
    /// Every segment, by name.
    pub segments: Vec<String>,
}

impl FilterChoices {
    /// The choices over all of `dashboards` (each built over every line of its data set).
    pub fn of(dashboards: &[crate::Dashboard]) -> FilterChoices {
        use std::collections::BTreeSet;
        let mut out = FilterChoices::default();
        let (mut regions, mut categories, mut subs, mut segments) = (
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
        );
        for d in dashboards {
            let first = d.summary.first_sale.map(|t| t.date());
            let last = d.summary.last_sale.map(|t| t.date());
            out.first_day = match (out.first_day, first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            out.last_day = match (out.last_day, last) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            for place in d.countries.iter().filter_map(|c| c.place.as_ref()) {
                push_new(&mut out.countries, place);
            }
            for row in &d.dimensions {
                regions.extend(row.region.clone());
                categories.extend(row.category.clone());
                subs.extend(row.sub_category.clone());
                segments.extend(row.segment.clone());
            }
        }
        out.regions = regions.into_iter().collect();
        out.categories = categories.into_iter().collect();
        out.sub_categories = subs.into_iter().collect();
        out.segments = segments.into_iter().collect();
        out
    }
}

fn push_new(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_reads_back_to_the_same_query() {
        let query = "from=2011-01-01&to=2011-03-31&country=France&country=EIRE\
                     &sub-category=Art+%26+Craft&merchandise-only=1";
        let filters = DashboardFilters::from_query(query).unwrap();
        assert_eq!(filters.from, NaiveDate::from_ymd_opt(2011, 1, 1));
        assert_eq!(filters.countries, ["France", "EIRE"]);
        assert_eq!(filters.sub_categories, ["Art & Craft"]);
        assert!(filters.merchandise_only);
        assert_eq!(filters.to_query(), query);
        assert_eq!(
            filters.describe().unwrap(),
            "2011-01-01 to 2011-03-31; country: France, EIRE; sub category: Art & Craft; \
             merchandise only"
        );
    }

    #[test]
    fn empty_values_are_no_filter() {
        let filters = DashboardFilters::from_query("country=&from=&merchandise-only=").unwrap();
        assert!(filters.is_everything());
        assert_eq!(filters.to_query(), "");
        assert_eq!(filters.describe(), None);
    }

    #[test]
    fn bad_filters_name_the_parameter() {
        let cases = [
            ("colour=red", "colour", "unknown filter"),
            ("from=2011-13-01", "from", "not a calendar day"),
            ("from=2011-02-01&to=2011-01-01", "to", "before from"),
            ("from=2011-02-01&from=2011-03-01", "from", "given twice"),
            ("merchandise-only=yes", "merchandise-only", "is not one of"),
        ];
        for (query, name, words) in cases {
            match DashboardFilters::from_query(query) {
                Err(ReportError::InvalidFilter { name: n, message }) => {
                    assert_eq!(n, name, "{query}");
                    assert!(message.contains(words), "{query}: {message}");
                }
                other => panic!("{query}: {other:?}"),
            }
        }
        let long = format!("country={}", "x".repeat(MAX_VALUE_BYTES + 1));
        assert!(DashboardFilters::from_query(&long).is_err());
        let many = vec!["country=a"; MAX_PARAMETERS + 1].join("&");
        assert!(DashboardFilters::from_query(&many).is_err());
    }

    #[test]
    fn drill_down_replaces_one_filter_and_keeps_the_others() {
        let filters = DashboardFilters::from_query("from=2011-01-01&category=Furniture").unwrap();
        let drilled = filters.with(FilterName::Category, "Technology");
        assert_eq!(drilled.to_query(), "from=2011-01-01&category=Technology");
        assert_eq!(drilled.values(FilterName::Category), ["Technology"]);
    }
}

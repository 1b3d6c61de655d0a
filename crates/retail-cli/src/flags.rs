//! The one place that turns the libraries' parameter names into this binary's flags: the
//! libraries' messages name parameters (`max_itemsets`, the `date_order` option), a person at
//! the command line sets them with flags (`--max-itemsets`, `--date-order`).

/// The flag that sets a library parameter, where the CLI has one.
pub(crate) fn flag_of(parameter: &str) -> Option<&'static str> {
    Some(match parameter {
        "top" => "--top",
        "churn_days" => "--churn-days",
        "void_window" => "--void-window",
        "horizon" => "--horizon",
        "season_length" => "--season-length",
        "level" => "--level",
        "future" => "--future",
        "backtest" => "--backtest",
        "reconcile" => "--reconcile",
        "min_support" => "--min-support",
        "max_len" => "--max-len",
        "max_itemsets" => "--max-itemsets",
        "min_confidence" => "--min-confidence",
        "min_lift" => "--min-lift",
        "k" => "--k",
        "decay" => "--decay",
        "rule_weight" => "--rule-weight",
        "delimiter" => "--delimiter",
        "memory_limit" => "--memory-limit",
        _ => return None,
    })
}

/// A library error that may name an invalid parameter.
pub(crate) trait ParameterError: std::error::Error + Send + Sync + 'static {
    /// The parameter an `InvalidParameter` error names.
    fn parameter(&self) -> Option<&'static str>;
}

macro_rules! parameter_error {
    ($($error:ty),*) => {$(
        impl ParameterError for $error {
            fn parameter(&self) -> Option<&'static str> {
                match self {
                    Self::InvalidParameter { parameter, .. } => Some(*parameter),
                    _ => None,
                }
            }
        }
    )*};
}

parameter_error!(
    retail_ingest::IngestError,
    retail_metrics::MetricsError,
    retail_bundles::BundlesError,
    retail_forecast::ForecastError,
    retail_report::ReportError
);

/// `err` with `bad --flag` in front when the parameter it names is set by a flag:
/// `bad --max-itemsets: invalid max_itemsets: must be at least 1`.
pub(crate) fn bad_flag(err: impl ParameterError) -> anyhow::Error {
    let parameter = err.parameter();
    named_flag(err, parameter)
}

/// `err` with `bad --flag` in front for `parameter`, when a flag sets it.
fn named_flag<E>(err: E, parameter: Option<&str>) -> anyhow::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    match parameter.and_then(flag_of) {
        Some(flag) => anyhow::Error::new(err).context(format!("bad {flag}")),
        None => anyhow::Error::new(err),
    }
}

/// The libraries' messages name their options; a person at the command line sets them with
/// flags, so the flag is named instead (the one place that maps options to flags in messages).
pub(crate) fn with_flag_hints(text: &str) -> String {
    const HINTS: [(&str, &str); 4] = [
        (
            "set the `date_order` option to day-first or month-first",
            "pass --date-order day-first or --date-order month-first",
        ),
        ("set the `date_order` option", "pass --date-order"),
        ("set the `encoding` option", "pass --encoding"),
        ("(the `mapping` option,", "(`--mapping FILE`,"),
    ];
    HINTS.iter().fold(text.to_string(), |text, (option, flag)| {
        text.replace(option, flag)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_in_messages_become_flags() {
        assert_eq!(
            with_flag_hints(
                "dates like '01/02/2011'; set the `date_order` option to day-first or month-first"
            ),
            "dates like '01/02/2011'; pass --date-order day-first or --date-order month-first"
        );
        assert_eq!(
            with_flag_hints("not valid utf-8; set the `encoding` option"),
            "not valid utf-8; pass --encoding"
        );
        let err = named_flag(std::fmt::Error, Some("max_itemsets"));
        assert_eq!(
            format!("{err:#}"),
            "bad --max-itemsets: an error occurred when formatting an argument"
        );
        assert_eq!(flag_of("no_such_parameter"), None);
    }
}

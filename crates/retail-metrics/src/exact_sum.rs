//! `SUM` whose result does not depend on the order the rows arrive in.
//!
//! DataFusion sums a column in parallel: one partial sum per partition, merged in whatever
//! order the partitions finish. Floating-point addition is not associative, so the last
//! digits of a revenue total changed from run to run (up to 1.1e-13 relative on Online
//! Retail), and users who diff two runs' JSON saw differences. This `SUM` replaces the
//! built-in one in the sessions this crate makes:
//!
//! - `Float64`: every value is rounded to a multiple of 2⁻⁴⁰ (about 9.1e-13) and added as a
//!   128-bit integer, which is associative: any order of rows and partitions gives the same
//!   bits. The rounding is below a tenth of a billionth of a penny per line. Values of
//!   magnitude 2⁷⁰ (about 1.2e21) or more, NaN and infinities make that group's sum fall back
//!   to plain floating-point addition (ingest rejects such amounts, so KPIs never do).
//! - `Int64`: added as 128-bit integers; a total outside `Int64` is an error naming the
//!   overflow instead of wrapping around (two quantities of `i64::MAX` summed to −2).
//! - Every other type, and `SUM(DISTINCT …)`, is DataFusion's own `SUM`.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, Float64Array, Int64Array,
};
use arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::functions_aggregate::sum::Sum;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, ReversedUDAF, Signature,
};
use datafusion::prelude::SessionContext;

/// Fixed-point scale of float sums: values are added as multiples of 2⁻⁴⁰.
const FRACTION_BITS: i32 = 40;
/// Magnitudes from here on fall back to floating-point addition (2⁷⁰: a sum of 2⁵⁷ such
/// values still fits 128 bits).
const EXACT_LIMIT: f64 = 1_180_591_620_717_411_303_424.0;

/// Registers the order-independent `SUM` in `ctx`, replacing the built-in one.
pub fn register(ctx: &SessionContext) {
    ctx.register_udaf(AggregateUDF::from(ExactSum::default()));
}

/// The `SUM` aggregate of this module.
#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct ExactSum {
    builtin: Sum,
}

/// What the exact accumulators sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Int,
}

impl ExactSum {
    /// The kind this `SUM` handles itself, or `None` for the built-in one.
    fn kind(return_type: &DataType, is_distinct: bool) -> Option<Kind> {
        match (return_type, is_distinct) {
            (DataType::Float64, false) => Some(Kind::Float),
            (DataType::Int64, false) => Some(Kind::Int),
            _ => None,
        }
    }
}

impl AggregateUDFImpl for ExactSum {
    fn name(&self) -> &str {
        self.builtin.name()
    }

    fn signature(&self) -> &Signature {
        self.builtin.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.builtin.return_type(arg_types)
    }

    fn accumulator(&self, args: AccumulatorArgs<'_>) -> Result<Box<dyn Accumulator>> {
        match Self::kind(args.return_field.data_type(), args.is_distinct) {
            Some(kind) => Ok(Box::new(ExactSumAccumulator::new(kind))),
            None => self.builtin.accumulator(args),
        }
    }

    fn state_fields(&self, args: StateFieldsArgs<'_>) -> Result<Vec<FieldRef>> {
        if Self::kind(args.return_type(), args.is_distinct).is_none() {
            return self.builtin.state_fields(args);
        }
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "exact_sum"),
                DataType::Decimal128(38, 0),
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "float_sum"),
                DataType::Float64,
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "inexact"),
                DataType::Boolean,
                true,
            )),
        ])
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs<'_>) -> bool {
        Self::kind(args.return_field.data_type(), args.is_distinct).is_some()
            || self.builtin.groups_accumulator_supported(args)
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs<'_>,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        match Self::kind(args.return_field.data_type(), args.is_distinct) {
            Some(kind) => Ok(Box::new(ExactSumGroups::new(kind))),
            None => self.builtin.create_groups_accumulator(args),
        }
    }

    fn create_sliding_accumulator(
        &self,
        args: AccumulatorArgs<'_>,
    ) -> Result<Box<dyn Accumulator>> {
        match Self::kind(args.return_field.data_type(), args.is_distinct) {
            Some(kind) => Ok(Box::new(ExactSumAccumulator::new(kind))),
            None => self.builtin.create_sliding_accumulator(args),
        }
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        ReversedUDAF::Identical
    }
}

/// One group's running sum.
#[derive(Debug, Clone, Copy, Default)]
struct GroupSum {
    /// Exact sum: 2⁻⁴⁰ units for floats, units for integers.
    exact: i128,
    /// Plain floating-point sum, used when `inexact`.
    float: f64,
    /// A value was outside the exact range (floats only).
    inexact: bool,
    /// Non-null values added minus those retracted.
    values: i64,
}

impl GroupSum {
    fn add_float(&mut self, x: f64, sign: i128) -> Result<()> {
        self.values += sign as i64;
        self.float += sign as f64 * x;
        if !self.inexact && x.is_finite() && x.abs() < EXACT_LIMIT {
            let units = (x * f64::powi(2.0, FRACTION_BITS)).round() as i128;
            self.exact = checked(self.exact.checked_add(sign * units))?;
        } else {
            self.inexact = true;
        }
        Ok(())
    }

    fn add_int(&mut self, x: i64, sign: i128) -> Result<()> {
        self.values += sign as i64;
        self.exact = checked(self.exact.checked_add(sign * i128::from(x)))?;
        Ok(())
    }

    fn merge(&mut self, exact: i128, float: f64, inexact: bool) -> Result<()> {
        self.values += 1;
        self.exact = checked(self.exact.checked_add(exact))?;
        self.float += float;
        self.inexact |= inexact;
        Ok(())
    }

    fn float_value(&self) -> Option<f64> {
        (self.values > 0).then(|| {
            if self.inexact {
                self.float
            } else {
                self.exact as f64 * f64::powi(2.0, -FRACTION_BITS)
            }
        })
    }

    fn int_value(&self) -> Result<Option<i64>> {
        if self.values <= 0 {
            return Ok(None);
        }
        match i64::try_from(self.exact) {
            Ok(v) => Ok(Some(v)),
            Err(_) => exec_err!(
                "SUM overflows a 64-bit integer: the total is {}, outside ±{}",
                self.exact,
                i64::MAX
            ),
        }
    }
}

fn checked(sum: Option<i128>) -> Result<i128> {
    match sum {
        Some(s) => Ok(s),
        None => exec_err!("SUM overflows its 128-bit accumulator"),
    }
}

/// Adds `values` (Float64 or Int64) into `groups` by `group_of(row)`.
fn add_values(
    kind: Kind,
    values: &ArrayRef,
    sign: i128,
    mut group: impl FnMut(usize) -> Option<usize>,
    groups: &mut [GroupSum],
) -> Result<()> {
    match kind {
        Kind::Float => {
            let values = values.as_primitive::<Float64Type>();
            for (row, x) in values.iter().enumerate() {
                if let (Some(x), Some(g)) = (x, group(row)) {
                    groups[g].add_float(x, sign)?;
                }
            }
        }
        Kind::Int => {
            let values = values.as_primitive::<Int64Type>();
            for (row, x) in values.iter().enumerate() {
                if let (Some(x), Some(g)) = (x, group(row)) {
                    groups[g].add_int(x, sign)?;
                }
            }
        }
    }
    Ok(())
}

/// Merges partial states (`exact`, `float`, `inexact` columns) into `groups`.
fn merge_states(
    states: &[ArrayRef],
    mut group: impl FnMut(usize) -> Option<usize>,
    groups: &mut [GroupSum],
) -> Result<()> {
    let exact = states[0].as_primitive::<Decimal128Type>();
    let float = states[1].as_primitive::<Float64Type>();
    let inexact = states[2].as_boolean();
    for row in 0..exact.len() {
        if exact.is_null(row) {
            continue;
        }
        if let Some(g) = group(row) {
            groups[g].merge(exact.value(row), float.value(row), inexact.value(row))?;
        }
    }
    Ok(())
}

fn state_arrays(groups: &[GroupSum]) -> Result<Vec<ArrayRef>> {
    let exact: Decimal128Array = groups
        .iter()
        .map(|g| (g.values > 0).then_some(g.exact))
        .collect::<Decimal128Array>()
        .with_precision_and_scale(38, 0)?;
    let float: Float64Array = groups
        .iter()
        .map(|g| (g.values > 0).then_some(g.float))
        .collect();
    let inexact: BooleanArray = groups
        .iter()
        .map(|g| (g.values > 0).then_some(g.inexact))
        .collect();
    Ok(vec![Arc::new(exact), Arc::new(float), Arc::new(inexact)])
}

fn result_array(kind: Kind, groups: &[GroupSum]) -> Result<ArrayRef> {
    Ok(match kind {
        Kind::Float => Arc::new(
            groups
                .iter()
                .map(GroupSum::float_value)
                .collect::<Float64Array>(),
        ),
        Kind::Int => Arc::new(
            groups
                .iter()
                .map(GroupSum::int_value)
                .collect::<Result<Int64Array>>()?,
        ),
    })
}

/// `SUM` over one group (no `GROUP BY`, and window frames, which retract).
#[derive(Debug)]
struct ExactSumAccumulator {
    kind: Kind,
    sum: [GroupSum; 1],
}

impl ExactSumAccumulator {
    fn new(kind: Kind) -> ExactSumAccumulator {
        ExactSumAccumulator {
            kind,
            sum: [GroupSum::default()],
        }
    }
}

impl Accumulator for ExactSumAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        add_values(self.kind, &values[0], 1, |_| Some(0), &mut self.sum)
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        add_values(self.kind, &values[0], -1, |_| Some(0), &mut self.sum)
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        merge_states(states, |_| Some(0), &mut self.sum)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        state_arrays(&self.sum)?
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        ScalarValue::try_from_array(&result_array(self.kind, &self.sum)?, 0)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

/// `SUM` over many groups at once.
#[derive(Debug)]
struct ExactSumGroups {
    kind: Kind,
    sums: Vec<GroupSum>,
}

impl ExactSumGroups {
    fn new(kind: Kind) -> ExactSumGroups {
        ExactSumGroups {
            kind,
            sums: Vec::new(),
        }
    }
}

/// The group of `row`, unless the filter leaves the row out.
fn filtered<'a>(
    group_indices: &'a [usize],
    filter: Option<&'a BooleanArray>,
) -> impl FnMut(usize) -> Option<usize> + 'a {
    move |row| match filter {
        Some(f) if !(f.is_valid(row) && f.value(row)) => None,
        _ => Some(group_indices[row]),
    }
}

impl GroupsAccumulator for ExactSumGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.sums.resize(total_num_groups, GroupSum::default());
        add_values(
            self.kind,
            &values[0],
            1,
            filtered(group_indices, opt_filter),
            &mut self.sums,
        )
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.sums.resize(total_num_groups, GroupSum::default());
        merge_states(values, |row| Some(group_indices[row]), &mut self.sums)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let rows: Vec<usize> = (0..values[0].len()).collect();
        let mut sums = vec![GroupSum::default(); rows.len()];
        add_values(
            self.kind,
            &values[0],
            1,
            filtered(&rows, opt_filter),
            &mut sums,
        )?;
        state_arrays(&sums)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        result_array(self.kind, &emit_to.take_needed(&mut self.sums))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        state_arrays(&emit_to.take_needed(&mut self.sums))
    }

    fn size(&self) -> usize {
        self.sums.capacity() * std::mem::size_of::<GroupSum>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::record_batch::RecordBatch;
    use datafusion::datasource::MemTable;

    /// A session with `t(g, x, n)` split into `partitions` partitions of rows in `order`.
    fn session(rows: &[(i64, f64, i64)], partitions: usize) -> SessionContext {
        let schema = Arc::new(arrow::datatypes::Schema::new(vec![
            Field::new("g", DataType::Int64, false),
            Field::new("x", DataType::Float64, true),
            Field::new("n", DataType::Int64, true),
        ]));
        let mut parts = vec![Vec::new(); partitions];
        for (i, chunk) in rows.chunks(3).enumerate() {
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from_iter_values(chunk.iter().map(|r| r.0))),
                    Arc::new(Float64Array::from_iter_values(chunk.iter().map(|r| r.1))),
                    Arc::new(Int64Array::from_iter_values(chunk.iter().map(|r| r.2))),
                ],
            )
            .unwrap();
            parts[i % partitions].push(batch);
        }
        let ctx = SessionContext::new();
        register(&ctx);
        ctx.register_table("t", Arc::new(MemTable::try_new(schema, parts).unwrap()))
            .unwrap();
        ctx
    }

    async fn query(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
        ctx.sql(sql).await.unwrap().collect().await.unwrap()
    }

    fn floats(batches: &[RecordBatch], column: usize) -> Vec<Option<f64>> {
        batches
            .iter()
            .flat_map(|b| b.column(column).as_primitive::<Float64Type>().iter())
            .collect()
    }

    #[tokio::test]
    async fn float_sums_are_the_same_bits_in_any_order_and_partitioning() {
        // Values whose plain left-to-right float sum depends on the order.
        let values = [
            1e16, 1.0, -1e16, 0.1, 0.2, 0.3, 1234.5678, -0.7, 3.0e-3, 7.77,
        ];
        let rows: Vec<(i64, f64, i64)> = values
            .iter()
            .enumerate()
            .map(|(i, &x)| ((i % 2) as i64, x, 1))
            .collect();
        let mut results = Vec::new();
        for rotation in 0..rows.len() {
            let mut rotated = rows.clone();
            rotated.rotate_left(rotation);
            rotated.reverse();
            for partitions in [1, 2, 4] {
                let ctx = session(&rotated, partitions);
                let total = query(&ctx, "SELECT SUM(x) FROM t").await;
                let by_group = query(&ctx, "SELECT g, SUM(x) FROM t GROUP BY g ORDER BY g").await;
                results.push((floats(&total, 0), floats(&by_group, 1)));
            }
        }
        for r in &results {
            let (a, b) = (&r.0[0].unwrap(), &results[0].0[0].unwrap());
            assert_eq!(a.to_bits(), b.to_bits());
            assert_eq!(r.1.len(), 2);
            for (x, y) in r.1.iter().zip(&results[0].1) {
                assert_eq!(x.unwrap().to_bits(), y.unwrap().to_bits());
            }
        }
        // The exact total: 1 + 0.1 + 0.2 + 0.3 + 1234.5678 − 0.7 + 0.003 + 7.77 = 1243.2408,
        // within the 2⁻⁴⁰ rounding of ten values.
        let total = results[0].0[0].unwrap();
        assert!((total - 1243.2408).abs() < 1e-11, "{total}");
    }

    #[tokio::test]
    async fn sums_keep_sql_semantics_nulls_filters_windows_and_fallbacks() {
        let ctx = session(&[(1, 2.5, 2), (1, -1.0, 3), (2, 4.0, 5)], 2);
        let empty = query(&ctx, "SELECT SUM(x), SUM(n) FROM t WHERE g > 5").await;
        assert!(empty[0].column(0).is_null(0) && empty[0].column(1).is_null(0));
        let filtered = query(
            &ctx,
            "SELECT g, SUM(x) FILTER (WHERE x > 0) AS s, SUM(n) AS n FROM t GROUP BY g ORDER BY g",
        )
        .await;
        assert_eq!(floats(&filtered, 1), vec![Some(2.5), Some(4.0)]);
        let units: Vec<Option<i64>> = filtered[0]
            .column(2)
            .as_primitive::<Int64Type>()
            .iter()
            .collect();
        assert_eq!(units, vec![Some(5), Some(5)]);
        let window = query(
            &ctx,
            "SELECT SUM(x) OVER (ORDER BY n ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t ORDER BY n",
        )
        .await;
        assert_eq!(floats(&window, 0), vec![Some(2.5), Some(1.5), Some(3.0)]);
        // Distinct sums and other types are the built-in SUM.
        let distinct = query(
            &ctx,
            "SELECT SUM(DISTINCT n), SUM(CAST(n AS DECIMAL(10,2))) FROM t",
        )
        .await;
        assert_eq!(
            distinct[0].column(0).as_primitive::<Int64Type>().value(0),
            10
        );
        // Beyond the exact range: plain float addition, no error.
        let huge = session(&[(1, 1e300, 1), (1, 1e300, 1), (1, f64::NAN, 1)], 1);
        let h = query(&huge, "SELECT SUM(x) FROM t WHERE NOT isnan(x)").await;
        assert_eq!(floats(&h, 0), vec![Some(2e300)]);
    }

    #[tokio::test]
    async fn an_integer_sum_past_i64_is_an_error_not_a_wrap() {
        let ctx = session(&[(1, 0.0, i64::MAX), (1, 0.0, i64::MAX)], 2);
        let err = ctx
            .sql("SELECT SUM(n) FROM t")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("SUM overflows a 64-bit integer"),
            "{err}"
        );
        let grouped = ctx
            .sql("SELECT g, SUM(n) FROM t GROUP BY g")
            .await
            .unwrap()
            .collect()
            .await;
        assert!(grouped.is_err());
    }
}

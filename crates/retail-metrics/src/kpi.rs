//! The KPI queries. Each is one SQL statement over the table `sales` (docs/kpis.md defines
//! them in words); the text built here is the single source of truth, shown by
//! `retail kpis --show-sql`.

/// Period grain of the sales trends and retention cohorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grain {
    /// Calendar days.
    Day,
    /// ISO weeks, Monday start.
    Week,
    /// Calendar months.
    Month,
}

impl Grain {
    fn unit(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }

    fn step(self) -> &'static str {
        match self {
            Grain::Day => "1 day",
            Grain::Week => "7 days",
            Grain::Month => "1 month",
        }
    }

    /// The offset to the same period a year earlier.
    fn year_back(self) -> &'static str {
        match self {
            Grain::Day | Grain::Month => "1 year",
            Grain::Week => "364 days",
        }
    }

    /// Window of the moving average, in periods.
    pub fn moving_average_window(self) -> usize {
        match self {
            Grain::Day => 7,
            Grain::Week => 4,
            Grain::Month => 3,
        }
    }
}

/// Net revenue, revenue or profit, for the top-customer lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CustomerRanking {
    /// By net revenue: completed revenue minus the customer's forfeited sales (the default
    /// view: a mis-keyed order cancelled minutes later does not make a top customer).
    NetRevenue,
    /// By completed (gross) revenue.
    Revenue,
    /// By profit (empty without profit data).
    Profit,
}

/// Revenue, net revenue or units, for the top-product lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProductRanking {
    /// By completed (gross) revenue.
    Revenue,
    /// By net revenue: completed revenue minus the product's forfeited sales.
    NetRevenue,
    /// By units sold.
    Units,
    /// By net units: units sold minus units cancelled or returned.
    NetUnits,
}

/// Stage 1 of the suite, materialised once as the table `sales_groups`: the lines grouped by
/// everything the invoice-level KPIs look at. A group is the lines of one invoice, customer,
/// timestamp, kind, place and product class (merchandise or other charge; Online Retail:
/// 541,909 lines → about 28,000 groups), so those KPIs read a table many times smaller than
/// `sales` and give exactly the same answers. `other_charge` is the SQL condition (over
/// `product_id`) of a line that is not merchandise ([`other_charge_condition`]).
pub fn sales_groups_sql(other_charge: &str) -> String {
    // No product is an other charge: the class is a constant, left out of the grouping (a
    // constant grouping column made DataFusion 55's aggregation 2.6x slower and 3x larger
    // on the 30M-line scale-up).
    let (class, classed, key) = if other_charge == "false" {
        ("false AS other_charge", "sales".to_string(), "")
    } else {
        (
            "other_charge",
            format!("(SELECT *, {other_charge} AS other_charge FROM sales) classed"),
            ",\n  other_charge",
        )
    };
    format!(
        "\
SELECT
  invoice_id, customer_id, timestamp, line_kind, country, region, category, sub_category, segment,
  {class},
  COUNT(*) AS lines,
  SUM(line_amount) AS amount,
  SUM(abs(line_amount)) AS abs_amount,
  SUM(quantity) AS units,
  SUM(profit) AS profit,
  COUNT(profit) AS profit_lines
FROM {classed}
GROUP BY invoice_id, customer_id, timestamp, line_kind, country, region, category, sub_category, segment{key}"
    )
}

/// The SQL condition that `column` (a product id) is one of `ids` (the products that are not
/// merchandise), with every id written as an escaped string literal; `false` for none.
pub fn other_charge_condition<'a>(column: &str, ids: impl IntoIterator<Item = &'a str>) -> String {
    let list: Vec<String> = ids
        .into_iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect();
    if list.is_empty() {
        "false".to_string()
    } else {
        format!("{column} IN ({})", list.join(", "))
    }
}

/// Stage 1 of the suite, materialised once as the table `product_names`: one name per
/// product, by the one naming rule (`retail_ingest::names`, docs/kpis.md): the description
/// its completed sale lines carry most often, ties to the most recently seen, then the
/// alphabetically first. Free, adjustment and cancellation lines never name a product.
pub const PRODUCT_NAMES_SQL: &str = "\
SELECT product_id, product_name
FROM (
  SELECT product_id, product_name,
         ROW_NUMBER() OVER (PARTITION BY product_id
                            ORDER BY lines DESC, latest DESC, product_name ASC) AS name_rank
  FROM (
    SELECT product_id, product_name, COUNT(*) AS lines, MAX(timestamp) AS latest
    FROM sales
    WHERE line_kind = 'sale' AND product_name IS NOT NULL
    GROUP BY product_id, product_name
  ) votes
) ranked
WHERE name_rank = 1";

/// Stage 1 of the suite, materialised once as the table `customer_names`, when `sales` has
/// the optional column `customer_name`: one name per identified customer, by the product
/// naming rule: the name its completed sale lines carry most often, ties to the most recently
/// seen, then the alphabetically first. Customers without a named sale line have no row.
pub const CUSTOMER_NAMES_SQL: &str = "\
SELECT customer_id, customer_name
FROM (
  SELECT customer_id, customer_name,
         ROW_NUMBER() OVER (PARTITION BY customer_id
                            ORDER BY lines DESC, latest DESC, customer_name ASC) AS name_rank
  FROM (
    SELECT customer_id, customer_name, COUNT(*) AS lines, MAX(timestamp) AS latest
    FROM sales
    WHERE line_kind = 'sale' AND customer_id IS NOT NULL AND customer_name IS NOT NULL
    GROUP BY customer_id, customer_name
  ) votes
) ranked
WHERE name_rank = 1";

/// The `customer_names` stage of a `sales` table without the column `customer_name`: no row,
/// the same columns.
pub const NO_CUSTOMER_NAMES_SQL: &str = "\
SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS VARCHAR) AS customer_name
WHERE false";

/// Stage 1 of the suite, materialised once as the table `product_sales`: completed sales per
/// product (the top-product lists sort it), named from `product_names`, with its forfeited
/// sales (cancellation lines, summed in the same aggregation: a join with an empty side, as
/// a source without cancellations gives, hangs on Ballista 55), net revenue and
/// `other_charge` (the product is not merchandise). `orders` counts the distinct invoices of each product
/// through the distinct (product, invoice) pairs, which are about as many as the lines: that
/// aggregation carries nothing but the two ids.
pub fn product_sales_sql(other_charge: &str) -> String {
    format!(
        "\
WITH per_product AS (
  SELECT product_id,
         SUM(CASE WHEN line_kind = 'sale' THEN line_amount END) AS revenue,
         SUM(CASE WHEN line_kind = 'sale' THEN quantity END) AS units,
         SUM(CASE WHEN line_kind = 'cancellation' THEN abs(line_amount) END) AS forfeited,
         SUM(CASE WHEN line_kind = 'cancellation' THEN abs(quantity) END) AS forfeited_units
  FROM sales
  WHERE line_kind IN ('sale', 'cancellation')
  GROUP BY product_id
),
product_orders AS (
  SELECT product_id, COUNT(*) AS orders
  FROM (SELECT product_id, invoice_id FROM sales WHERE line_kind = 'sale'
        GROUP BY product_id, invoice_id)
  GROUP BY product_id
)
SELECT p.product_id, n.product_name, p.revenue, p.units, o.orders,
       COALESCE(p.forfeited, 0.0) AS forfeited, p.revenue - COALESCE(p.forfeited, 0.0) AS net_revenue,
       p.units - COALESCE(p.forfeited_units, 0) AS net_units,
       {other_charge} AS other_charge
FROM per_product p JOIN product_orders o ON p.product_id = o.product_id
LEFT JOIN product_names n ON p.product_id = n.product_id"
    )
}

/// Lines of each kind and their amounts.
pub const LINES_BY_KIND_SQL: &str = "\
SELECT line_kind, SUM(lines) AS lines, SUM(amount) AS amount
FROM sales_groups
GROUP BY line_kind
ORDER BY line_kind";

/// The one-row summary.
pub const SUMMARY_SQL: &str = "\
WITH totals AS (
  SELECT
    COALESCE(SUM(CASE WHEN line_kind = 'sale' THEN lines END), 0) AS sale_lines,
    COALESCE(SUM(CASE WHEN line_kind = 'cancellation' THEN lines END), 0) AS cancellation_lines,
    COALESCE(SUM(CASE WHEN line_kind = 'adjustment' THEN lines END), 0) AS adjustment_lines,
    COUNT(DISTINCT CASE WHEN line_kind = 'sale' THEN invoice_id END) AS orders,
    COUNT(DISTINCT CASE WHEN line_kind = 'sale' THEN customer_id END) AS customers,
    COALESCE(SUM(CASE WHEN line_kind = 'sale' THEN amount END), 0.0) AS revenue,
    COALESCE(SUM(CASE WHEN line_kind = 'cancellation' THEN abs_amount END), 0.0) AS forfeited,
    COALESCE(SUM(CASE WHEN line_kind = 'sale' AND NOT other_charge THEN amount END), 0.0)
      AS merchandise_revenue,
    COALESCE(SUM(CASE WHEN line_kind = 'sale' AND other_charge THEN amount END), 0.0)
      AS other_charges,
    COALESCE(SUM(CASE WHEN line_kind = 'cancellation' AND NOT other_charge THEN abs_amount END), 0.0)
      AS forfeited_goods,
    COALESCE(SUM(CASE WHEN line_kind = 'cancellation' AND other_charge THEN abs_amount END), 0.0)
      AS forfeited_other_charges,
    COALESCE(SUM(CASE WHEN line_kind = 'sale' THEN units END), 0) AS units,
    COALESCE(SUM(CASE WHEN line_kind = 'sale' AND customer_id IS NOT NULL THEN amount END), 0.0)
      AS identified_revenue,
    COUNT(DISTINCT CASE WHEN line_kind = 'sale' AND customer_id IS NOT NULL THEN invoice_id END)
      AS identified_orders,
    COALESCE(SUM(CASE WHEN line_kind = 'sale' AND customer_id IS NULL THEN amount END), 0.0)
      AS guest_revenue,
    COUNT(DISTINCT CASE WHEN line_kind = 'sale' AND customer_id IS NULL THEN invoice_id END)
      AS guest_orders,
    COUNT(DISTINCT CASE WHEN line_kind = 'cancellation' THEN invoice_id END) AS cancelled_invoices,
    COUNT(DISTINCT CASE WHEN line_kind IN ('sale', 'cancellation') THEN invoice_id END)
      AS sale_or_cancel_invoices,
    CASE WHEN SUM(profit_lines) > 0
      THEN COALESCE(SUM(CASE WHEN line_kind = 'sale' THEN profit END), 0.0) END AS profit,
    MIN(CASE WHEN line_kind = 'sale' THEN timestamp END) AS first_sale,
    MAX(CASE WHEN line_kind = 'sale' THEN timestamp END) AS last_sale
  FROM sales_groups
),
repeaters AS (
  SELECT COUNT(*) AS repeat_customers
  FROM (
    SELECT customer_id
    FROM sales_groups
    WHERE line_kind = 'sale' AND customer_id IS NOT NULL
    GROUP BY customer_id
    HAVING COUNT(DISTINCT invoice_id) >= 2
  ) r
)
SELECT
  sale_lines, cancellation_lines, adjustment_lines,
  orders, customers, revenue, forfeited, revenue - forfeited AS net_revenue, units,
  CASE WHEN customers > 0 THEN identified_revenue / customers END AS avg_customer_spend,
  CASE WHEN orders > 0 THEN revenue / orders END AS avg_order_value,
  CASE WHEN customers > 0 THEN CAST(identified_orders AS DOUBLE) / customers END AS orders_per_customer,
  repeat_customers,
  CASE WHEN customers > 0 THEN CAST(repeat_customers AS DOUBLE) / customers END AS repeat_rate,
  cancelled_invoices,
  CASE WHEN sale_or_cancel_invoices > 0
    THEN CAST(cancelled_invoices AS DOUBLE) / sale_or_cancel_invoices END AS cancelled_invoice_share,
  profit,
  CASE WHEN revenue <> 0 THEN profit / revenue END AS margin,
  first_sale, last_sale,
  guest_revenue, guest_orders,
  merchandise_revenue, other_charges, forfeited_goods, forfeited_other_charges,
  CASE WHEN revenue <> 0 THEN guest_revenue / revenue END AS guest_revenue_share,
  CASE WHEN orders > 0 THEN CAST(guest_orders AS DOUBLE) / orders END AS guest_order_share
FROM totals CROSS JOIN repeaters";

/// The top `n` identified customers, named from the stage `customer_names` (null when the
/// source has no names).
pub fn top_customers_sql(ranking: CustomerRanking, n: usize) -> String {
    let (having, order) = match ranking {
        CustomerRanking::NetRevenue => ("", "net_revenue"),
        CustomerRanking::Revenue => ("", "revenue"),
        CustomerRanking::Profit => ("\n  AND SUM(profit_lines) > 0", "profit"),
    };
    // Two aggregations, per invoice then per customer, so that the order count is a plain
    // count of invoices with a sale: a COUNT(DISTINCT …) next to the sums keeps a set of
    // invoices per customer, row by row (4x slower on the 10M-line scale-up).
    format!(
        "\
WITH per_invoice AS (
  SELECT customer_id, invoice_id,
         SUM(CASE WHEN line_kind = 'sale' THEN amount END) AS revenue,
         SUM(CASE WHEN line_kind = 'cancellation' THEN abs_amount END) AS forfeited,
         COUNT(CASE WHEN line_kind = 'sale' THEN 1 END) AS sale_groups,
         SUM(CASE WHEN line_kind = 'sale' THEN units END) AS units,
         SUM(CASE WHEN line_kind = 'sale' THEN profit END) AS profit,
         SUM(CASE WHEN line_kind = 'sale' THEN profit_lines END) AS profit_lines
  FROM sales_groups
  WHERE line_kind IN ('sale', 'cancellation') AND customer_id IS NOT NULL
  GROUP BY customer_id, invoice_id
),
per_customer AS (
  SELECT customer_id,
         COALESCE(SUM(revenue), 0.0) AS revenue,
         COALESCE(SUM(forfeited), 0.0) AS forfeited,
         COUNT(CASE WHEN sale_groups > 0 THEN 1 END) AS orders,
         SUM(units) AS units,
         SUM(profit) AS profit
  FROM per_invoice
  GROUP BY customer_id
  HAVING SUM(sale_groups) > 0{having}
)
SELECT c.customer_id, n.customer_name, c.revenue, c.orders, c.units, c.profit, c.forfeited,
  c.revenue - c.forfeited AS net_revenue
FROM per_customer c LEFT JOIN customer_names n ON c.customer_id = n.customer_id
ORDER BY {order} DESC, c.customer_id ASC
LIMIT {n}"
    )
}

/// The top `n` products: merchandise only, or every product with `all_products`.
pub fn top_products_sql(ranking: ProductRanking, n: usize, all_products: bool) -> String {
    let order = match ranking {
        ProductRanking::Revenue => "revenue",
        ProductRanking::NetRevenue => "net_revenue",
        ProductRanking::Units => "units",
        ProductRanking::NetUnits => "net_units",
    };
    let scope = if all_products {
        ""
    } else {
        "\nWHERE NOT other_charge"
    };
    format!(
        "\
SELECT product_id, product_name, revenue, units, orders, forfeited, net_revenue, net_units
FROM product_sales{scope}
ORDER BY {order} DESC, product_id ASC
LIMIT {n}"
    )
}

/// The `n` products that lost the most sales to cancellations and returns.
/// `other_charge` is the condition of a non-merchandise line, left out unless
/// `all_products`.
pub fn top_forfeited_products_sql(n: usize, other_charge: &str, all_products: bool) -> String {
    let scope = if all_products {
        String::new()
    } else {
        format!(" AND NOT ({other_charge})")
    };
    format!(
        "\
WITH forfeited AS (
  SELECT product_id, SUM(abs(line_amount)) AS forfeited, SUM(abs(quantity)) AS units,
         COUNT(DISTINCT invoice_id) AS invoices
  FROM sales
  WHERE line_kind = 'cancellation'{scope}
  GROUP BY product_id
)
SELECT f.product_id, n.product_name, f.forfeited, f.units, f.invoices
FROM forfeited f LEFT JOIN product_names n ON f.product_id = n.product_id
ORDER BY f.forfeited DESC, f.product_id ASC
LIMIT {n}"
    )
}

/// What happened to each cancellation line, by matching it to the sale it reverses
/// (docs/kpis.md, "Returns and voided orders"): the latest completed line of the same customer
/// and product at or before it whose quantity covers the cancelled quantity. Matched within
/// `void_window_seconds` of that sale, the line voids an order (keyed by mistake, cancelled
/// before it shipped); matched later, it is a return; unmatched (a guest, or a sale before the
/// data starts, or a fee or adjustment with no sale), it stays `unmatched`. Identical
/// cancellation lines (same invoice, customer, product, time and quantity) are matched
/// together. One row per outcome, always all three: `voided`, `returned`, `unmatched`.
/// `other_charge` is the condition of a non-merchandise line.
pub fn cancellation_outcomes_sql(void_window_seconds: u64, other_charge: &str) -> String {
    // One aggregate row with every outcome's measures, then one output row per outcome read
    // from it (a table of literal rows, VALUES, is an in-memory table that a Ballista executor
    // cannot receive).
    let outcomes = ["voided", "returned", "unmatched"];
    let per_outcome = (0..outcomes.len())
        .map(|k| {
            format!(
                "SUM(CASE WHEN outcome_order = {k} THEN lines END) AS lines_{k},
    COUNT(DISTINCT CASE WHEN outcome_order = {k} THEN invoice_id END) AS invoices_{k},
    COUNT(DISTINCT CASE WHEN outcome_order = {k} THEN customer_id END) AS customers_{k},
    SUM(CASE WHEN outcome_order = {k} THEN lines * abs(quantity) END) AS units_{k},
    SUM(CASE WHEN outcome_order = {k} THEN amount END) AS amount_{k},
    SUM(CASE WHEN outcome_order = {k} AND NOT other_charge THEN amount END) AS goods_{k},
    SUM(CASE WHEN outcome_order = {k} AND other_charge THEN amount END) AS other_charges_{k}"
            )
        })
        .collect::<Vec<_>>()
        .join(",\n    ");
    // One output row per outcome: `k` unnested from the aggregate row (a UNION ALL of three
    // selects gives Ballista 55 duplicated rows, and with ORDER BY it never finishes).
    let pick = |column: &str, zero: Option<&str>| {
        let chosen =
            format!("CASE k WHEN 0 THEN {column}_0 WHEN 1 THEN {column}_1 ELSE {column}_2 END");
        match zero {
            Some(zero) => format!("COALESCE({chosen}, {zero}) AS {column}"),
            None => format!("{chosen} AS {column}"),
        }
    };
    let measures = [
        pick("lines", Some("0")),
        pick("invoices", None),
        pick("customers", None),
        pick("units", Some("0")),
        pick("amount", Some("0.0")),
        pick("goods", Some("0.0")),
        pick("other_charges", Some("0.0")),
    ]
    .join(",\n  ");
    let rows = format!(
        "SELECT
  CASE k WHEN 0 THEN '{}' WHEN 1 THEN '{}' ELSE '{}' END AS outcome,
  CAST(k AS BIGINT) AS outcome_order,
  {measures},
  CASE WHEN forfeited > 0
    THEN COALESCE(CASE k WHEN 0 THEN amount_0 WHEN 1 THEN amount_1 ELSE amount_2 END, 0.0) / forfeited
  END AS forfeited_share
FROM (SELECT p.*, t.forfeited, unnest(make_array(0, 1, 2)) AS k
      FROM per_outcome p CROSS JOIN total t) x",
        outcomes[0], outcomes[1], outcomes[2]
    );
    format!(
        "\
WITH cancels AS (
  SELECT invoice_id, customer_id, product_id, timestamp, quantity, {other_charge} AS other_charge,
         COUNT(*) AS lines, SUM(abs(line_amount)) AS amount
  FROM sales
  WHERE line_kind = 'cancellation'
  GROUP BY invoice_id, customer_id, product_id, timestamp, quantity
),
matched AS (
  SELECT c.invoice_id, c.customer_id, c.product_id, c.timestamp, c.quantity,
         MAX(s.timestamp) AS sold_at
  FROM cancels c
  JOIN sales s ON s.customer_id = c.customer_id AND s.product_id = c.product_id
  WHERE s.line_kind = 'sale' AND s.timestamp <= c.timestamp AND s.quantity >= abs(c.quantity)
  GROUP BY c.invoice_id, c.customer_id, c.product_id, c.timestamp, c.quantity
),
classified AS (
  SELECT c.*,
    CASE
      WHEN m.sold_at IS NULL THEN 2
      WHEN c.timestamp - m.sold_at <= INTERVAL '{void_window_seconds} seconds' THEN 0
      ELSE 1
    END AS outcome_order
  FROM cancels c
  LEFT JOIN matched m
    ON c.invoice_id = m.invoice_id AND c.customer_id = m.customer_id
   AND c.product_id = m.product_id AND c.timestamp = m.timestamp AND c.quantity = m.quantity
),
per_outcome AS (
  SELECT
    {per_outcome}
  FROM classified
),
total AS (
  SELECT SUM(amount) AS forfeited FROM cancels
)
{rows}
ORDER BY 2"
    )
}

/// The data's edge periods and whether each is partial (docs/kpis.md, "Partial periods"):
/// the CTE `edges(first_period, last_period, first_partial, last_partial)` over
/// `sales_groups`. A period is partial when more than one of its calendar days lies before
/// the day of the data's first line or after the day of its last line (lines of any kind), so
/// only the first and the last period can be; a day never is.
fn edges_cte(grain: Grain) -> String {
    let unit = grain.unit();
    let step = grain.step();
    format!(
        "\
edges AS (
  SELECT
    date_trunc('{unit}', MIN(timestamp)) AS first_period,
    date_trunc('{unit}', MAX(timestamp)) AS last_period,
    COALESCE(date_trunc('{unit}', MIN(timestamp)) + INTERVAL '1 day'
      < date_trunc('day', MIN(timestamp)), false) AS first_partial,
    COALESCE(date_trunc('{unit}', MAX(timestamp)) + INTERVAL '{step}' - INTERVAL '2 days'
      > date_trunc('day', MAX(timestamp)), false) AS last_partial
  FROM sales_groups
)"
    )
}

/// Whether the period starting at `period` (a truncated timestamp) is partial, given the
/// `edges` CTE as `e`.
fn is_partial_expr(period: &str) -> String {
    format!(
        "(({period} = e.first_period AND e.first_partial) OR ({period} = e.last_period AND e.last_partial))"
    )
}

/// Sales per period with zero-filled gaps, changes, moving average and peaks. A peak is one
/// of the best tenth of the whole (not partial) periods by net revenue: what was sold and
/// kept, so an order keyed by mistake and voided the same day makes no peak.
pub fn sales_by_period_sql(grain: Grain) -> String {
    let unit = grain.unit();
    let step = grain.step();
    let year_back = grain.year_back();
    let preceding = grain.moving_average_window() - 1;
    let edges = edges_cte(grain);
    let is_partial = is_partial_expr("f.period_start");
    format!(
        "\
WITH bounds AS (
  SELECT date_trunc('{unit}', MIN(timestamp)) AS lo, date_trunc('{unit}', MAX(timestamp)) AS hi
  FROM sales_groups
),
{edges},
calendar AS (
  SELECT unnest(generate_series(lo, hi, INTERVAL '{step}')) AS period_start FROM bounds
),
per_period AS (
  SELECT
    date_trunc('{unit}', timestamp) AS period_start,
    SUM(CASE WHEN line_kind = 'sale' THEN amount END) AS revenue,
    SUM(CASE WHEN line_kind = 'cancellation' THEN abs_amount END) AS forfeited,
    COUNT(DISTINCT CASE WHEN line_kind = 'sale' THEN invoice_id END) AS orders,
    COUNT(DISTINCT CASE WHEN line_kind = 'sale' THEN customer_id END) AS customers,
    SUM(CASE WHEN line_kind = 'sale' THEN units END) AS units,
    SUM(CASE WHEN line_kind = 'sale' THEN profit END) AS profit
  FROM sales_groups
  GROUP BY 1
),
filled AS (
  SELECT
    c.period_start,
    COALESCE(p.revenue, 0.0) AS revenue,
    COALESCE(p.forfeited, 0.0) AS forfeited,
    COALESCE(p.orders, 0) AS orders,
    COALESCE(p.customers, 0) AS customers,
    COALESCE(p.units, 0) AS units,
    CASE WHEN (SELECT SUM(profit_lines) FROM sales_groups) > 0 THEN COALESCE(p.profit, 0.0) END AS profit
  FROM calendar c LEFT JOIN per_period p ON p.period_start = c.period_start
),
marked AS (
  SELECT f.*, {is_partial} AS is_partial
  FROM filled f CROSS JOIN edges e
),
ranked AS (
  SELECT
    *,
    LAG(revenue) OVER (ORDER BY period_start) AS previous_revenue,
    LAG(is_partial) OVER (ORDER BY period_start) AS previous_partial,
    AVG(revenue) OVER (ORDER BY period_start ROWS BETWEEN {preceding} PRECEDING AND CURRENT ROW)
      AS revenue_moving_avg,
    ROW_NUMBER() OVER (ORDER BY is_partial ASC, revenue - forfeited DESC, period_start ASC)
      AS net_revenue_rank,
    SUM(CASE WHEN is_partial THEN 0 ELSE 1 END) OVER () AS whole_periods
  FROM marked
)
SELECT
  CAST(r.period_start AS DATE) AS period_start,
  r.revenue, r.forfeited, r.revenue - r.forfeited AS net_revenue,
  r.orders, r.customers, r.units, r.profit,
  CASE WHEN r.previous_revenue <> 0 AND NOT r.is_partial AND NOT r.previous_partial
    THEN r.revenue / r.previous_revenue - 1 END AS revenue_change,
  CASE WHEN y.revenue <> 0 AND NOT r.is_partial AND NOT y.is_partial
    THEN r.revenue / y.revenue - 1 END AS revenue_yoy_change,
  r.revenue_moving_avg,
  NOT r.is_partial AND r.net_revenue_rank <= GREATEST(1, (r.whole_periods + 9) / 10) AS is_peak,
  r.is_partial
FROM ranked r
LEFT JOIN marked y ON y.period_start = r.period_start - INTERVAL '{year_back}'
ORDER BY 1"
    )
}

/// The cohort retention matrix in long form, zero-filled.
pub fn retention_sql(grain: Grain) -> String {
    let unit = grain.unit();
    // Periods between two period starts `a` (later) and `b`.
    let between = |a: &str, b: &str| match grain {
        Grain::Month => format!(
            "((date_part('year', {a}) - date_part('year', {b})) * 12 + date_part('month', {a}) - date_part('month', {b}))"
        ),
        // Whole weeks (days) between the starts; `round` guards against a daylight-saving-free
        // timestamp ever being off by a fraction.
        Grain::Week => {
            format!("round((date_part('epoch', {a}) - date_part('epoch', {b})) / 604800)")
        }
        Grain::Day => format!("round((date_part('epoch', {a}) - date_part('epoch', {b})) / 86400)"),
    };
    let offset_of_period = between("b.period", "f.cohort");
    let offsets_to_end = between("(SELECT MAX(period) FROM buyers)", "s.cohort");
    // A cell is partial when its period (cohort + k) is the data's first or last period and
    // that period is partial.
    let offset_to_last = between("e.last_period", "g.cohort");
    let edges = edges_cte(grain);
    format!(
        "\
WITH {edges},
buyers AS (
  SELECT DISTINCT customer_id, date_trunc('{unit}', timestamp) AS period
  FROM sales_groups
  WHERE line_kind = 'sale' AND customer_id IS NOT NULL
),
firsts AS (
  SELECT customer_id, MIN(period) AS cohort FROM buyers GROUP BY customer_id
),
sizes AS (
  SELECT cohort, COUNT(*) AS cohort_size FROM firsts GROUP BY cohort
),
grid AS (
  SELECT s.cohort, s.cohort_size,
         unnest(generate_series(0, CAST({offsets_to_end} AS BIGINT))) AS period_offset
  FROM sizes s
),
activity AS (
  SELECT f.cohort, CAST({offset_of_period} AS BIGINT) AS period_offset, COUNT(*) AS active_customers
  FROM buyers b JOIN firsts f ON b.customer_id = f.customer_id
  GROUP BY 1, 2
)
SELECT
  CAST(g.cohort AS DATE) AS cohort,
  g.period_offset,
  g.cohort_size,
  COALESCE(a.active_customers, 0) AS active_customers,
  CAST(COALESCE(a.active_customers, 0) AS DOUBLE) / g.cohort_size AS retention,
  (g.period_offset = 0 AND g.cohort = e.first_period AND e.first_partial)
    OR (g.period_offset = CAST({offset_to_last} AS BIGINT) AND e.last_partial) AS is_partial
FROM grid g
CROSS JOIN edges e
LEFT JOIN activity a ON a.cohort = g.cohort AND a.period_offset = g.period_offset
ORDER BY 1, 2"
    )
}

/// Churn: identified customers with no completed line in the last `days` days of the data.
pub fn churn_sql(days: u32) -> String {
    format!(
        "\
WITH last_purchase AS (
  SELECT customer_id, MAX(timestamp) AS last_sale
  FROM sales_groups
  WHERE line_kind = 'sale' AND customer_id IS NOT NULL
  GROUP BY customer_id
),
data_end AS (
  SELECT MAX(timestamp) AS end_ts FROM sales_groups WHERE line_kind = 'sale'
)
SELECT
  CAST({days} AS BIGINT) AS churn_days,
  COUNT(*) AS customers,
  COUNT(*) FILTER (WHERE l.last_sale < d.end_ts - INTERVAL '{days} days') AS churned,
  CASE WHEN COUNT(*) > 0
    THEN CAST(COUNT(*) FILTER (WHERE l.last_sale < d.end_ts - INTERVAL '{days} days') AS DOUBLE) / COUNT(*)
  END AS churn_rate
FROM last_purchase l CROSS JOIN data_end d"
    )
}

/// Where a sale took place, for the sales by place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// The `country` column.
    Country,
    /// The `region` column.
    Region,
}

impl Place {
    /// The canonical column that holds it.
    pub fn column(self) -> &'static str {
        match self {
            Place::Country => "country",
            Place::Region => "region",
        }
    }
}

/// Revenue, forfeited sales, orders and customers per country or region.
pub fn by_place_sql(place: Place) -> String {
    let column = place.column();
    format!(
        "\
SELECT
  {column},
  COALESCE(SUM(CASE WHEN line_kind = 'sale' THEN amount END), 0.0) AS revenue,
  COALESCE(SUM(CASE WHEN line_kind = 'cancellation' THEN abs_amount END), 0.0) AS forfeited,
  COALESCE(SUM(CASE WHEN line_kind = 'sale' THEN amount END), 0.0)
    - COALESCE(SUM(CASE WHEN line_kind = 'cancellation' THEN abs_amount END), 0.0) AS net_revenue,
  COUNT(DISTINCT CASE WHEN line_kind = 'sale' THEN invoice_id END) AS orders,
  COUNT(DISTINCT CASE WHEN line_kind = 'sale' THEN customer_id END) AS customers,
  COALESCE(SUM(CASE WHEN line_kind = 'sale' THEN units END), 0) AS units
FROM sales_groups
WHERE line_kind IN ('sale', 'cancellation')
GROUP BY {column}
ORDER BY revenue DESC, {column} ASC NULLS LAST"
    )
}

/// Sales, profit, margin, units and orders by category, sub-category, region, segment and
/// their combinations, in one scan (GROUPING SETS).
pub const BY_DIMENSIONS_SQL: &str = "\
WITH grouped AS (
  SELECT
    category, sub_category, region, segment,
    grouping(category) AS g_category, grouping(sub_category) AS g_sub_category,
    grouping(region) AS g_region, grouping(segment) AS g_segment,
    SUM(amount) AS revenue,
    SUM(profit) AS profit,
    SUM(units) AS units,
    COUNT(DISTINCT invoice_id) AS orders,
    SUM(lines) AS lines
  FROM sales_groups
  WHERE line_kind = 'sale'
  GROUP BY GROUPING SETS (
    (category), (category, sub_category), (region), (segment),
    (category, region), (category, segment), (region, segment),
    (category, sub_category, region), (category, sub_category, segment), ()
  )
),
labelled AS (
  SELECT
    *,
    CASE
      WHEN g_category = 0 AND g_sub_category = 1 AND g_region = 1 AND g_segment = 1 THEN 'category'
      WHEN g_category = 0 AND g_sub_category = 0 AND g_region = 1 AND g_segment = 1 THEN 'category,sub_category'
      WHEN g_category = 1 AND g_region = 0 AND g_segment = 1 THEN 'region'
      WHEN g_category = 1 AND g_region = 1 AND g_segment = 0 THEN 'segment'
      WHEN g_category = 0 AND g_sub_category = 1 AND g_region = 0 THEN 'category,region'
      WHEN g_category = 0 AND g_sub_category = 1 AND g_segment = 0 THEN 'category,segment'
      WHEN g_category = 1 AND g_region = 0 AND g_segment = 0 THEN 'region,segment'
      WHEN g_category = 0 AND g_sub_category = 0 AND g_region = 0 THEN 'category,sub_category,region'
      WHEN g_category = 0 AND g_sub_category = 0 AND g_segment = 0 THEN 'category,sub_category,segment'
      ELSE 'total'
    END AS grouping,
    CASE
      WHEN g_category = 0 AND g_sub_category = 1 AND g_region = 1 AND g_segment = 1 THEN 0
      WHEN g_category = 0 AND g_sub_category = 0 AND g_region = 1 AND g_segment = 1 THEN 1
      WHEN g_category = 1 AND g_region = 0 AND g_segment = 1 THEN 2
      WHEN g_category = 1 AND g_region = 1 AND g_segment = 0 THEN 3
      WHEN g_category = 0 AND g_sub_category = 1 AND g_region = 0 THEN 4
      WHEN g_category = 0 AND g_sub_category = 1 AND g_segment = 0 THEN 5
      WHEN g_category = 1 AND g_region = 0 AND g_segment = 0 THEN 6
      WHEN g_category = 0 AND g_sub_category = 0 AND g_region = 0 THEN 7
      WHEN g_category = 0 AND g_sub_category = 0 AND g_segment = 0 THEN 8
      ELSE 9
    END AS grouping_order
  FROM grouped
)
SELECT
  grouping, category, sub_category, region, segment,
  revenue, profit, CASE WHEN revenue <> 0 THEN profit / revenue END AS margin,
  units, orders, lines
FROM labelled
WHERE lines > 0
ORDER BY grouping_order, revenue DESC, category ASC NULLS LAST, sub_category ASC NULLS LAST,
         region ASC NULLS LAST, segment ASC NULLS LAST";

/// Completed lines by unit-price band: merchandise only, or every product with
/// `all_products`.
pub fn by_price_band_sql(other_charge: &str, all_products: bool) -> String {
    let scope = if all_products {
        String::new()
    } else {
        format!(" AND NOT ({other_charge})")
    };
    format!("{BY_PRICE_BAND_HEAD}{scope}{BY_PRICE_BAND_TAIL}")
}

const BY_PRICE_BAND_HEAD: &str = "\
WITH banded AS (
  SELECT
    CASE
      WHEN unit_price IS NULL THEN 8
      WHEN unit_price < 0 THEN 0
      WHEN unit_price < 1 THEN 1
      WHEN unit_price < 2 THEN 2
      WHEN unit_price < 5 THEN 3
      WHEN unit_price < 10 THEN 4
      WHEN unit_price < 20 THEN 5
      WHEN unit_price < 50 THEN 6
      ELSE 7
    END AS band_order,
    quantity, line_amount, product_id
  FROM sales
  WHERE line_kind = 'sale'";

const BY_PRICE_BAND_TAIL: &str = "
),
total AS (
  SELECT SUM(line_amount) AS revenue FROM banded
)
SELECT
  CASE band_order
    WHEN 0 THEN '< 0' WHEN 1 THEN '[0, 1)' WHEN 2 THEN '[1, 2)' WHEN 3 THEN '[2, 5)'
    WHEN 4 THEN '[5, 10)' WHEN 5 THEN '[10, 20)' WHEN 6 THEN '[20, 50)' WHEN 7 THEN '[50, ∞)'
    ELSE 'unknown'
  END AS price_band,
  band_order,
  COUNT(*) AS lines,
  SUM(quantity) AS units,
  SUM(line_amount) AS revenue,
  COUNT(DISTINCT product_id) AS products,
  CASE WHEN MAX(t.revenue) <> 0 THEN SUM(line_amount) / MAX(t.revenue) END AS revenue_share
FROM banded CROSS JOIN total t
GROUP BY band_order
ORDER BY band_order";

/// Completed lines with a discount, with their band: 0 none (<= 0), 1 up to 20 %, 2 up to
/// 40 %, 3 above.
const BANDED_LINES: &str = "\
WITH banded AS (
  SELECT *,
    CASE
      WHEN discount <= 0 THEN 0
      WHEN discount <= 0.2 THEN 1
      WHEN discount <= 0.4 THEN 2
      ELSE 3
    END AS band_order
  FROM sales
  WHERE line_kind = 'sale' AND discount IS NOT NULL
)";

const BAND_LABEL: &str = "CASE band_order WHEN 0 THEN 'none' WHEN 1 THEN 'up to 20%' WHEN 2 THEN 'up to 40%' ELSE 'above 40%' END";

const DISCOUNT_MEASURES: &str = "\
  COUNT(*) AS lines,
  SUM(line_amount) AS sales,
  SUM(profit) AS profit,
  CASE WHEN SUM(line_amount) <> 0 THEN SUM(profit) / SUM(line_amount) END AS margin,
  SUM(profit) / COUNT(profit) AS mean_profit_per_line";

/// Sales and profit per exact discount level.
pub fn discount_impact_sql() -> String {
    format!(
        "\
SELECT discount,
{DISCOUNT_MEASURES}
FROM sales
WHERE line_kind = 'sale' AND discount IS NOT NULL
GROUP BY discount
ORDER BY discount"
    )
}

/// Sales and profit per discount band.
pub fn discount_bands_sql() -> String {
    format!(
        "\
{BANDED_LINES}
SELECT {BAND_LABEL} AS discount_band, band_order,
{DISCOUNT_MEASURES}
FROM banded
GROUP BY band_order
ORDER BY band_order"
    )
}

/// Sales and profit per category, sub-category and discount band, flagging losses.
pub fn discount_by_category_sql() -> String {
    format!(
        "\
{BANDED_LINES}
SELECT category, sub_category, {BAND_LABEL} AS discount_band, band_order,
{DISCOUNT_MEASURES},
  SUM(profit) < 0 AS loses_money
FROM banded
GROUP BY category, sub_category, band_order
ORDER BY category ASC NULLS LAST, sub_category ASC NULLS LAST, band_order"
    )
}

/// Correlation of discount with profit and with line margin.
///
/// Pearson's r from centred sums (two passes), so that every sum is the session's
/// order-independent `SUM` and the result has the same bits on every run (DataFusion's
/// `corr` merges partial states in arrival order).
pub const DISCOUNT_CORRELATION_SQL: &str = "\
WITH pairs AS (
  SELECT discount AS x, profit AS y,
         CASE WHEN line_amount <> 0 THEN profit / line_amount END AS m
  FROM sales
  WHERE line_kind = 'sale' AND discount IS NOT NULL AND profit IS NOT NULL
),
means AS (
  SELECT SUM(x) / COUNT(*) AS mx, SUM(y) / COUNT(*) AS my,
         SUM(x) FILTER (WHERE m IS NOT NULL) / COUNT(m) AS mx_m, SUM(m) / COUNT(m) AS mm,
         COUNT(*) AS lines, COUNT(m) AS margin_lines
  FROM pairs
),
centred AS (
  SELECT SUM((x - mx) * (y - my)) AS sxy, SUM((x - mx) * (x - mx)) AS sxx,
         SUM((y - my) * (y - my)) AS syy,
         SUM((x - mx_m) * (m - mm)) AS sxm, SUM((x - mx_m) * (x - mx_m)) FILTER (WHERE m IS NOT NULL) AS sxx_m,
         SUM((m - mm) * (m - mm)) AS smm
  FROM pairs CROSS JOIN means
)
SELECT
  CASE WHEN lines > 1 AND sxx > 0 AND syy > 0 THEN sxy / sqrt(sxx * syy) END AS corr,
  CASE WHEN margin_lines > 1 AND sxx_m > 0 AND smm > 0 THEN sxm / sqrt(sxx_m * smm) END AS corr_margin,
  lines
FROM centred CROSS JOIN means";

const RFM_SCORED: &str = "\
WITH per_customer AS (
  SELECT customer_id, MAX(timestamp) AS last_sale, COUNT(DISTINCT invoice_id) AS frequency,
         SUM(amount) AS monetary
  FROM sales_groups
  WHERE line_kind = 'sale' AND customer_id IS NOT NULL
  GROUP BY customer_id
),
data_end AS (
  SELECT MAX(timestamp) AS end_ts FROM sales_groups WHERE line_kind = 'sale'
),
measured AS (
  SELECT p.customer_id,
         CAST(CAST(d.end_ts AS DATE) - CAST(p.last_sale AS DATE) AS BIGINT) AS recency_days,
         p.frequency, p.monetary
  FROM per_customer p CROSS JOIN data_end d
),
scored AS (
  SELECT *,
    NTILE(5) OVER (ORDER BY recency_days DESC, customer_id ASC) AS r_score,
    NTILE(5) OVER (ORDER BY frequency ASC, customer_id ASC) AS f_score,
    NTILE(5) OVER (ORDER BY monetary ASC, customer_id ASC) AS m_score
  FROM measured
),
segmented AS (
  SELECT *,
    CASE
      WHEN r_score >= 4 AND f_score >= 4 THEN 'Champions'
      WHEN r_score >= 3 AND f_score >= 3 THEN 'Loyal'
      WHEN r_score >= 4 AND f_score = 1 THEN 'New'
      WHEN r_score >= 3 THEN 'Promising'
      WHEN r_score <= 2 AND f_score >= 3 THEN 'At risk'
      ELSE 'Hibernating'
    END AS segment
  FROM scored
)";

/// Recency, frequency and monetary value per customer, with quintile scores and segment.
pub fn rfm_sql() -> String {
    format!(
        "{RFM_SCORED}
SELECT customer_id, recency_days, frequency, monetary,
       CAST(r_score AS BIGINT) AS r_score, CAST(f_score AS BIGINT) AS f_score,
       CAST(m_score AS BIGINT) AS m_score, segment
FROM segmented
ORDER BY customer_id"
    )
}

/// Customers and revenue per RFM segment.
pub fn rfm_segments_sql() -> String {
    format!(
        "{RFM_SCORED}
SELECT segment, COUNT(*) AS customers, SUM(monetary) AS revenue,
       AVG(CAST(recency_days AS DOUBLE)) AS mean_recency_days,
       AVG(CAST(frequency AS DOUBLE)) AS mean_frequency
FROM segmented
GROUP BY segment
ORDER BY revenue DESC, segment ASC"
    )
}

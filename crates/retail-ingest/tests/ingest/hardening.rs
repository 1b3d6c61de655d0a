//! Issue 17: input that used to be accepted and broke later commands (timestamps beyond
//! Arrow's nanosecond range, non-finite and overflowing numbers), and the date, header,
//! encoding, line-end and quoting defects. Each test reproduces one defect from bytes in the
//! test or the committed 50-line Online Retail sample.

use super::*;
use retail_ingest::report::{MAX_ABS_AMOUNT, MAX_ABS_QUANTITY, TIMESTAMP_RANGE};

/// The first 40 data lines of `online_retail_sample_2010-12-01.csv`, its first six quoted
/// lines and first three cancellations: 49 data lines, all valid.
pub(crate) const SAMPLE_50: &str = include_str!("../data/online_retail_50.csv");

/// Reads bytes in memory as a file named `name`.
pub(crate) fn read_bytes(
    name: &str,
    bytes: &[u8],
    options: &IngestParams,
) -> retail_ingest::Result<(RecordBatch, IngestReport)> {
    let mut reader =
        retail_ingest::open_reader(name, std::io::Cursor::new(bytes.to_vec()), options)?;
    let batches: Vec<RecordBatch> = reader.by_ref().collect::<Result<_, _>>()?;
    Ok((concat_all(&batches).unwrap(), reader.into_report()))
}

fn reasons(report: &IngestReport) -> Vec<(RejectReason, u64)> {
    report.rejected_by_reason.clone().into_iter().collect()
}

fn sample_lines() -> Vec<&'static str> {
    SAMPLE_50.lines().collect()
}

#[test]
fn timestamps_outside_1900_to_2200_are_rejected_and_the_span_is_reported() {
    let body = [
        "536365,85123A,OK,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom", // 2
        "536366,85123A,TYPO,6,3011-12-01 08:26:00,2.55,17850.0,United Kingdom", // 3 out
        "536367,85123A,YEAR0,6,0000-01-01 00:00:00,2.55,17850.0,United Kingdom", // 4 out
        "536368,85123A,LOW,6,1899-12-31 23:59:59,2.55,17850.0,United Kingdom", // 5 out
        "536369,85123A,EDGE,6,1900-01-01 00:00:00,2.55,17850.0,United Kingdom", // 6 ok
        "536370,85123A,EDGE,6,2200-12-31 23:59:59,2.55,17850.0,United Kingdom", // 7 ok
        "536371,85123A,HIGH,6,2201-01-01 00:00:00,2.55,17850.0,United Kingdom", // 8 out
        "536372,85123A,MDY,6,12/1/9999 8:26,2.55,17850.0,United Kingdom",     // 9 out
        "536373,85123A,OFFSET,6,1900-01-01T00:30:00+01:00,2.55,17850.0,United Kingdom", // 10 out (1899 UTC)
    ];
    let csv = format!("{OR_HEADER}{}\n", body.join("\n"));
    let (batch, report) =
        read_bytes("dates.csv", csv.as_bytes(), &IngestParams::default()).unwrap();
    assert_counts_add_up(&report);
    assert_eq!((report.rows_read, report.rows_accepted), (9, 3));
    assert_eq!(reasons(&report), [(RejectReason::TimestampOutOfRange, 6)]);
    let lines: Vec<Location> = report.samples.iter().map(|s| s.location).collect();
    assert_eq!(lines, [3, 4, 5, 8, 9, 10].map(Location::Line).to_vec());
    assert_eq!(
        report.samples[0].to_string(),
        "line 3, column 'InvoiceDate': timestamp out of range: '3011-12-01 08:26:00' is outside the accepted 1900-01-01 .. 2200-12-31"
    );
    assert_eq!(timestamp(&batch, 1), "1900-01-01 00:00:00");
    assert_eq!(timestamp(&batch, 2), "2200-12-31 23:59:59");
    // The range constant is what the docs say, and fits Arrow's nanoseconds.
    assert_eq!(
        format_timestamp_micros(*TIMESTAMP_RANGE.start()),
        "1900-01-01 00:00:00"
    );
    assert_eq!(
        format_timestamp_micros(*TIMESTAMP_RANGE.end()),
        "2200-12-31 23:59:59.999999"
    );
    assert!(TIMESTAMP_RANGE.end().checked_mul(1000).is_some());
    assert!(TIMESTAMP_RANGE.start().checked_mul(1000).is_some());
    // First and last accepted timestamps; 1900 .. 2200 is an implausible span: a warning.
    assert_eq!(
        report
            .first_timestamp
            .map(format_timestamp_micros)
            .as_deref(),
        Some("1900-01-01 00:00:00")
    );
    assert_eq!(
        report
            .last_timestamp
            .map(format_timestamp_micros)
            .as_deref(),
        Some("2200-12-31 23:59:59")
    );
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].starts_with(
            "the timestamps span 301.0 years (1900-01-01 00:00:00 .. 2200-12-31 23:59:59)"
        ),
        "{}",
        report.warnings[0]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["first_timestamp"], "1900-01-01 00:00:00");
    assert_eq!(json["last_timestamp"], "2200-12-31 23:59:59");

    // A plausible file: its span and no warning. 2010-12-01 .. 2060-12-01 is 18,263 days
    // (50 years of 365.25 days): still no warning; one day more is.
    let span = |last: &str| {
        let csv = format!(
            "{OR_HEADER}536365,85123A,A,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n\
             536366,85123A,B,6,{last},2.55,17850.0,United Kingdom\n"
        );
        read_bytes("span.csv", csv.as_bytes(), &IngestParams::default())
            .unwrap()
            .1
    };
    let plausible = span("2060-12-01 08:26:00");
    assert!(plausible.warnings.is_empty(), "{:?}", plausible.warnings);
    assert_eq!(
        plausible
            .last_timestamp
            .map(format_timestamp_micros)
            .as_deref(),
        Some("2060-12-01 08:26:00")
    );
    assert_eq!(span("2060-12-02 08:26:00").warnings.len(), 1);
    // No accepted row: no timestamps.
    let (_, none) = read_bytes("none.csv", OR_HEADER.as_bytes(), &IngestParams::default()).unwrap();
    assert_eq!((none.first_timestamp, none.last_timestamp), (None, None));
}

#[test]
fn non_finite_and_overflowing_numbers_are_rejected_with_their_reason() {
    let body = [
        "536365,85123A,INF AMOUNT,6,2010-12-01 08:26:00,1e308,17850.0,United Kingdom", // 2
        "536366,85123A,HUGE PRICE,6,2010-12-01 08:26:00,1e309,17850.0,United Kingdom", // 3
        "536367,85123A,NAN PRICE,6,2010-12-01 08:26:00,NaN,17850.0,United Kingdom",    // 4
        "536368,85123A,20 DIGITS,12345678901234567890,2010-12-01 08:26:00,2.55,,United Kingdom", // 5
        "536369,85123A,AT BOUND,1000000000000,2010-12-01 08:26:00,0.5,,United Kingdom", // 6 ok
        "536370,85123A,PAST BOUND,-1000000000001,2010-12-01 08:26:00,0.001,,United Kingdom", // 7
        "536371,85123A,FLOAT QTY,2e13,2010-12-01 08:26:00,1,,United Kingdom",           // 8
        "536372,85123A,BIG LINE,1000,2010-12-01 08:26:00,1000000000000.5,,United Kingdom", // 9
        "536373,85123A,FRACTION,2.5,2010-12-01 08:26:00,1,,United Kingdom",             // 10
        "536374,85123A,INF WORD,inf,2010-12-01 08:26:00,1,,United Kingdom",             // 11
    ];
    let csv = format!("{OR_HEADER}{}\n", body.join("\n"));
    let (batch, report) =
        read_bytes("numbers.csv", csv.as_bytes(), &IngestParams::default()).unwrap();
    assert_counts_add_up(&report);
    assert_eq!((report.rows_read, report.rows_accepted), (10, 1));
    assert_eq!(
        reasons(&report),
        [
            (RejectReason::BadNumber, 2),
            (RejectReason::FractionalQuantity, 1),
            (RejectReason::QuantityOutOfRange, 3),
            (RejectReason::AmountOutOfRange, 3),
        ]
    );
    let got: Vec<(u64, RejectReason, Option<&str>)> = report
        .samples
        .iter()
        .map(|s| match s.location {
            Location::Line(n) => (n, s.reason, s.column.as_deref()),
            other => panic!("a CSV rejection at {other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, RejectReason::AmountOutOfRange, Some("UnitPrice")),
            (3, RejectReason::AmountOutOfRange, Some("UnitPrice")),
            (4, RejectReason::BadNumber, Some("UnitPrice")),
            (5, RejectReason::QuantityOutOfRange, Some("Quantity")),
            (7, RejectReason::QuantityOutOfRange, Some("Quantity")),
            (8, RejectReason::QuantityOutOfRange, Some("Quantity")),
            (9, RejectReason::AmountOutOfRange, Some("UnitPrice")),
            (10, RejectReason::FractionalQuantity, Some("Quantity")),
            (11, RejectReason::BadNumber, Some("Quantity")),
        ]
    );
    assert_eq!(report.samples[0].detail, "'1e308' is beyond ±1e15");
    assert_eq!(
        report.samples[6].detail,
        "quantity 1000 × unit price 1.0000000000005e12 = 1.0000000000005e15 is beyond ±1e15"
    );
    assert_eq!(
        report.samples[3].detail,
        "'12345678901234567890' is beyond ±10^12"
    );
    assert_eq!(int(&batch, "quantity", 0), MAX_ABS_QUANTITY);
    assert_eq!(float(&batch, "line_amount", 0), Some(5e11));

    // Amount, discount and profit columns of a mapped export.
    let toml = r#"
        name = "pos"
        [columns]
        invoice_id = "Receipt"
        timestamp = "When"
        product_id = "SKU"
        quantity = "Qty"
        line_amount = "Total"
        discount = "Discount"
        profit = "Profit"
    "#;
    let mapping = ColumnMapping::from_toml_str(toml, "pos.toml").unwrap();
    let csv = "Receipt,When,SKU,Qty,Total,Discount,Profit\n\
        R1,2011-01-02,A,2,5.5,0.1,1\n\
        R2,2011-01-02,A,2,1e400,0.1,1\n\
        R3,2011-01-02,A,2,5.5,-2e15,1\n\
        R4,2011-01-02,A,2,5.5,0.1,1e300\n\
        R5,2011-01-02,A,2,1e15,,-1e15\n\
        R6,2011-01-02,A,2,5.5,0.1,-inf\n";
    let (batch, report) = read_bytes(
        "pos.csv",
        csv.as_bytes(),
        &IngestParams::default().with_mapping(mapping),
    )
    .unwrap();
    assert_counts_add_up(&report);
    assert_eq!((report.rows_read, report.rows_accepted), (6, 2));
    assert_eq!(
        reasons(&report),
        [
            (RejectReason::BadNumber, 1),
            (RejectReason::AmountOutOfRange, 3)
        ]
    );
    let columns: Vec<Option<&str>> = report.samples.iter().map(|s| s.column.as_deref()).collect();
    assert_eq!(
        columns,
        [
            Some("Total"),
            Some("Discount"),
            Some("Profit"),
            Some("Profit")
        ]
    );
    assert_eq!(float(&batch, "line_amount", 1), Some(MAX_ABS_AMOUNT));
    assert_eq!(float(&batch, "unit_price", 1), Some(MAX_ABS_AMOUNT / 2.0));
    assert_eq!(float(&batch, "profit", 1), Some(-MAX_ABS_AMOUNT));
}

#[test]
fn dotted_dates_are_day_first_and_a_guessed_order_is_reported() {
    // Under the Online Retail layout (month-first), dotted dates are still day-first.
    let body = [
        "536365,85123A,A,6,01.12.2010 08:26,2.55,17850.0,United Kingdom",
        "536366,85123A,B,6,13.12.2010 08:26,2.55,17850.0,United Kingdom",
        "536367,85123A,C,6,12/13/2010 08:26,2.55,17850.0,United Kingdom",
    ];
    let csv = format!("{OR_HEADER}{}\n", body.join("\n"));
    let (batch, report) = read_bytes("dots.csv", csv.as_bytes(), &IngestParams::default()).unwrap();
    assert_eq!((report.rows_read, report.rows_accepted), (3, 3));
    assert_eq!(timestamp(&batch, 0), "2010-12-01 08:26:00");
    assert_eq!(timestamp(&batch, 1), "2010-12-13 08:26:00");
    assert_eq!(timestamp(&batch, 2), "2010-12-13 08:26:00");
    assert!(!report.date_order_guessed);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);

    // Slash dates whose day and month are all 12 or less: read month-first by the layout's
    // convention, and the report says that nothing proved it.
    let body = [
        "536365,85123A,A,6,12/1/2010 8:26,2.55,17850.0,United Kingdom",
        "536366,85123A,B,6,12/2/2010 8:26,2.55,17850.0,United Kingdom",
    ];
    let csv = format!("{OR_HEADER}{}\n", body.join("\n"));
    let (batch, report) =
        read_bytes("guess.csv", csv.as_bytes(), &IngestParams::default()).unwrap();
    assert_eq!(timestamp(&batch, 1), "2010-12-02 08:26:00");
    assert!(report.date_order_guessed);
    assert_eq!(report.warnings.len(), 1);
    assert!(
        report.warnings[0].starts_with(
            "the dates (such as '12/1/2010 8:26') are read month-first by the online-retail layout's convention"
        ),
        "{}",
        report.warnings[0]
    );
    // One date that proves the order (day 13) settles it, wherever it is in the file.
    let csv = format!(
        "{OR_HEADER}{}\n536367,85123A,C,6,12/13/2010 8:26,2.55,17850.0,United Kingdom\n",
        body.join("\n")
    );
    let (_, report) = read_bytes("proved.csv", csv.as_bytes(), &IngestParams::default()).unwrap();
    assert!(!report.date_order_guessed && report.warnings.is_empty());
    // An order the caller gives is not a guess; neither are ISO dates.
    let (_, report) = read_bytes(
        "given.csv",
        format!("{OR_HEADER}{}\n", body.join("\n")).as_bytes(),
        &IngestParams::default().with_date_order(DateOrder::MonthFirst),
    )
    .unwrap();
    assert!(!report.date_order_guessed);
    let (_, report) =
        read_bytes("iso.csv", SAMPLE_50.as_bytes(), &IngestParams::default()).unwrap();
    assert!(!report.date_order_guessed && report.warnings.is_empty());
}

#[test]
fn duplicate_column_names_are_an_error_naming_both_positions() {
    let header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country,country\n";
    let csv = format!(
        "{header}536365,85123A,A,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom,France\n"
    );
    let err = read_bytes("dup.csv", csv.as_bytes(), &IngestParams::default()).unwrap_err();
    assert!(
        matches!(&err, IngestError::DuplicateColumn { name, first: 8, second: 9, .. } if name == "Country"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "dup.csv: columns 8 and 9 are both named 'Country'; rename one of them (column names must be unique)"
    );
    // Unnamed columns (trailing delimiters) may repeat.
    let header =
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country,,\n";
    let csv =
        format!("{header}536365,85123A,A,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom,,\n");
    let (_, report) = read_bytes("blank.csv", csv.as_bytes(), &IngestParams::default()).unwrap();
    assert_eq!((report.rows_read, report.rows_accepted), (1, 1));
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut bytes = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

#[test]
fn utf16_files_with_a_bom_read_like_utf8_and_errors_print_no_nul() {
    let options = IngestParams::default().with_chunk_bytes(1024);
    let (want, want_report) = read_bytes("utf8.csv", SAMPLE_50.as_bytes(), &options).unwrap();
    assert_eq!((want_report.rows_read, want_report.rows_accepted), (49, 49));
    let text = SAMPLE_50.replace("WHITE METAL LANTERN", "WHITE MÉTAL LANTERN 😀");
    let (want_changed, _) = read_bytes("utf8.csv", text.as_bytes(), &options).unwrap();
    assert_ne!(want, want_changed);
    for (big_endian, label) in [(false, "utf-16le"), (true, "utf-16be")] {
        let (batch, report) = read_bytes("utf16.csv", &utf16(&text, big_endian), &options).unwrap();
        assert_eq!(report.encoding.map(|e| e.name()), Some(label));
        assert_eq!((report.rows_read, report.rows_accepted), (49, 49));
        assert_eq!(batch, want_changed);
        assert_eq!(text_of(&batch, 1), "WHITE MÉTAL LANTERN 😀");
    }
    // UTF-16 without a byte-order mark is not recognised, but the error shows no NUL.
    let mut no_bom = utf16(SAMPLE_50, false);
    no_bom.drain(..2);
    let msg = read_bytes("nobom.csv", &no_bom, &IngestParams::default())
        .unwrap_err()
        .to_string();
    assert!(!msg.chars().any(char::is_control), "{msg:?}");
    assert!(msg.contains("I\\u{0}n\\u{0}v"), "{msg}");
}

fn text_of(batch: &RecordBatch, row: usize) -> String {
    text(batch, "product_name", row).unwrap()
}

#[test]
fn cr_only_line_ends_are_read_as_lines_and_long_headers_are_cut_in_errors() {
    let options = IngestParams::default().with_chunk_bytes(1024);
    let (want, _) = read_bytes("lf.csv", SAMPLE_50.as_bytes(), &options).unwrap();
    let mac = SAMPLE_50.replace('\n', "\r");
    let (batch, report) = read_bytes("mac.csv", mac.as_bytes(), &options).unwrap();
    assert_eq!((report.rows_read, report.rows_accepted), (49, 49));
    assert_eq!(batch, want);
    // A bad row is located on its physical line.
    let broken = mac.replacen("2010-12-01 08:26:00", "2010-13-01 08:26:00", 1);
    let (_, report) = read_bytes("mac.csv", broken.as_bytes(), &options).unwrap();
    assert_eq!(report.samples[0].location, Location::Line(2));

    // A header that is really a whole line-less file: the error lists 30 names of at most
    // 40 characters and says how many more there are.
    let names: Vec<String> = (0..5000)
        .map(|i| format!("{}{i}", "x".repeat(100)))
        .collect();
    let long = format!("{}\n", names.join(","));
    let msg = read_bytes("long.csv", long.as_bytes(), &IngestParams::default())
        .unwrap_err()
        .to_string();
    assert!(msg.len() < 2000, "{} bytes", msg.len());
    assert!(
        msg.contains(&format!("{}…, {}…", "x".repeat(40), "x".repeat(40))),
        "{msg}"
    );
    assert!(msg.contains(" and 4970 more)"), "{msg}");

    // A body line with no end: an error at its line once it passes `max_record_bytes`,
    // instead of reading the whole input into memory.
    let mut endless = SAMPLE_50
        .lines()
        .take(3)
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes();
    endless.extend_from_slice(b"\n536999,");
    endless.extend(std::iter::repeat_n(b'x', 50_000));
    let options = IngestParams::default()
        .with_chunk_bytes(1024)
        .with_max_record_bytes(4096);
    let err = read_bytes("endless.csv", &endless, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "endless.csv: line 4: a record longer than 4096 bytes without a line end; this does not \
         look like a CSV export (the limit is the `max_record_bytes` option)"
    );
    // The same line ended by the end of the file within the limit is just a bad row.
    endless.truncate(endless.len() - 47_000);
    let (_, report) = read_bytes("short.csv", &endless, &options).unwrap();
    assert_eq!((report.rows_read, report.rows_accepted), (3, 2));
    assert_eq!(reasons(&report), [(RejectReason::WrongFieldCount, 1)]);
    let small = IngestParams::default().with_max_record_bytes(1000);
    assert!(
        small
            .check()
            .unwrap_err()
            .to_string()
            .contains("max_record_bytes")
    );
    let err = read_bytes("short.csv", &endless, &small).unwrap_err();
    assert!(
        err.to_string().contains("invalid max_record_bytes"),
        "{err}"
    );
}

#[test]
fn an_unterminated_quote_costs_its_own_line_only() {
    let lines = sample_lines();
    let assemble = |lines: &[String]| format!("{}\n", lines.join("\n"));
    let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    // Line 10: a quote that never closes; line 41 (just before the six quoted lines 42-47):
    // a quote that the next line's opening quote would "close".
    edited[9] = edited[9].replacen(",HAND", ",\"HAND", 1);
    edited[40] = edited[40].replacen(',', ",\"", 1);
    // The last line: a quote open at the end of the file.
    let last = edited.len() - 1;
    edited[last] = edited[last].replacen(",PLASTERS", ",\"PLASTERS", 1);
    let csv = assemble(&edited);
    for chunk in [1024, 4 << 20] {
        let options = IngestParams::default()
            .with_chunk_bytes(chunk)
            .with_threads(2);
        let (batch, report) = read_bytes("quotes.csv", csv.as_bytes(), &options).unwrap();
        assert_counts_add_up(&report);
        // Every physical line after the header is one row read, as a user counts them.
        assert_eq!(report.rows_read, 49);
        assert_eq!(report.rows_accepted, 46);
        assert_eq!(reasons(&report), [(RejectReason::UnterminatedQuote, 3)]);
        let located: Vec<Location> = report.samples.iter().map(|s| s.location).collect();
        assert_eq!(located, [10, 41, 50].map(Location::Line).to_vec());
        // The quoted lines after line 41 keep their own fields.
        let names: Vec<String> = (0..batch.num_rows()).map(|i| text_of(&batch, i)).collect();
        assert!(names.contains(&"AIRLINE LOUNGE,METAL SIGN".to_string()));
        assert!(names.contains(&"RECORD FRAME 7\" SINGLE SIZE ".to_string()));
    }
    // A legitimate quoted line break is still one row.
    let mut two = edited.clone();
    two.truncate(3);
    two[2] = "536366,22633,\"HAND\nWARMER\",6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom"
        .to_string();
    let (batch, report) = read_bytes(
        "two.csv",
        assemble(&two).as_bytes(),
        &IngestParams::default(),
    )
    .unwrap();
    assert_eq!((report.rows_read, report.rows_accepted), (2, 2));
    assert_eq!(text_of(&batch, 1), "HAND\nWARMER");
}

#[test]
fn canonical_parquet_is_held_to_the_same_ranges() {
    use arrow::array::{Float64Array, Int64Array, TimestampMicrosecondArray};
    // Five rows of the embedded sample, then made bad one column at a time.
    let (table, _) = read_bytes("s.csv", SAMPLE_50.as_bytes(), &IngestParams::default()).unwrap();
    let table = table.slice(0, 5);
    let mut columns = table.columns().to_vec();
    let index = |name: &str| canonical_schema().index_of(name).unwrap();
    let ts = table
        .column(index("timestamp"))
        .as_primitive::<TimestampMicrosecondType>()
        .value(0);
    // Row 1: year 3011; row 2: |quantity| 10^13; row 3: NaN unit price; row 4: infinite
    // amount; row 5 stays valid.
    let year_3011 = 32879606400000000i64; // 3011-12-01 00:00:00, by Python's datetime
    columns[index("timestamp")] = Arc::new(TimestampMicrosecondArray::from(vec![
        year_3011, ts, ts, ts, ts,
    ]));
    columns[index("quantity")] = Arc::new(Int64Array::from(vec![6, -10_000_000_000_000, 6, 6, 6]));
    columns[index("unit_price")] = Arc::new(Float64Array::from(vec![
        Some(1.0),
        Some(1.0),
        Some(f64::NAN),
        None,
        Some(2.55),
    ]));
    columns[index("line_amount")] =
        Arc::new(Float64Array::from(vec![6.0, 1.0, 6.0, f64::INFINITY, 15.3]));
    let bad = RecordBatch::try_new(canonical_schema(), columns).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("canonical.parquet");
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        canonical_schema(),
        None,
    )
    .unwrap();
    writer.write(&bad).unwrap();
    writer.close().unwrap();
    let (out, report) = read_file(&path, &IngestParams::default());
    assert_eq!(report.layout, "canonical");
    assert_counts_add_up(&report);
    assert_eq!(
        (report.rows_read, report.rows_accepted, out.num_rows()),
        (5, 1, 1)
    );
    assert_eq!(
        reasons(&report),
        [
            (RejectReason::TimestampOutOfRange, 1),
            (RejectReason::QuantityOutOfRange, 1),
            (RejectReason::AmountOutOfRange, 2)
        ]
    );
    let shown: Vec<String> = report.samples.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "row 1, column 'timestamp': timestamp out of range: 3011-12-01 00:00:00 is outside the accepted 1900-01-01 .. 2200-12-31",
            "row 2, column 'quantity': quantity out of range: -10000000000000 is beyond ±10^12",
            "row 3, column 'unit_price': amount out of range: NaN is beyond ±1e15 or not finite",
            "row 4, column 'line_amount': amount out of range: inf is beyond ±1e15 or not finite",
        ]
    );
    assert_eq!(float(&out, "unit_price", 0), Some(2.55));
    assert_eq!(report.first_timestamp, Some(ts));
    assert_eq!(report.last_timestamp, Some(ts));
}

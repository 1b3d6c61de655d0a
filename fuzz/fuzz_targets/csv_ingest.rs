//! cargo-fuzz target: arbitrary bytes as a CSV (or gzip CSV) export, read in 1 KiB chunks on
//! two threads. The same properties as the proptest in
//! `crates/retail-ingest/tests/ingest/fuzz.rs`: no panic, every data row accepted or
//! rejected, every accepted value within the documented ranges, no control character in any
//! message. Run it with `cargo +nightly fuzz run csv_ingest` (docs/development.md).

#![no_main]

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int64Type, TimestampMicrosecondType};
use libfuzzer_sys::fuzz_target;
use retail_ingest::IngestParams;
use retail_ingest::report::{MAX_ABS_AMOUNT, MAX_ABS_QUANTITY, TIMESTAMP_RANGE};

fuzz_target!(|data: &[u8]| {
    let options = IngestParams::default()
        .with_chunk_bytes(1024)
        .with_threads(2);
    let mut reader =
        match retail_ingest::open_reader("fuzz.csv", std::io::Cursor::new(data.to_vec()), &options)
        {
            Ok(reader) => reader,
            Err(e) => {
                assert!(!e.to_string().chars().any(char::is_control), "{e}");
                return;
            }
        };
    let mut rows = 0u64;
    for batch in reader.by_ref() {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                assert!(!e.to_string().chars().any(char::is_control), "{e}");
                return;
            }
        };
        rows += batch.num_rows() as u64;
        let column = |name: &str| batch.column_by_name(name).expect("canonical column");
        let timestamps = column("timestamp").as_primitive::<TimestampMicrosecondType>();
        let quantities = column("quantity").as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            assert!(TIMESTAMP_RANGE.contains(&timestamps.value(row)));
            assert!(quantities.value(row).abs() <= MAX_ABS_QUANTITY);
        }
        for name in ["unit_price", "line_amount", "discount", "profit"] {
            let values = column(name).as_primitive::<Float64Type>();
            for row in 0..batch.num_rows() {
                if values.is_valid(row) {
                    assert!(values.value(row).abs() <= MAX_ABS_AMOUNT, "{name}");
                }
            }
        }
    }
    let report = reader.into_report();
    assert_eq!(report.rows_accepted + report.rows_rejected, report.rows_read);
    assert_eq!(report.rows_accepted, rows);
    assert_eq!(
        report.rejected_by_reason.values().sum::<u64>(),
        report.rows_rejected
    );
    for sample in &report.samples {
        assert!(!sample.to_string().chars().any(char::is_control), "{sample}");
    }
});

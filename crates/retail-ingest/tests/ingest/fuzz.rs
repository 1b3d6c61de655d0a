//! Byte-level fuzz of CSV ingest, in the normal test run: a real 49-line Online Retail sample
//! mutated (bytes flipped, inserted, deleted and duplicated, lines spliced, quotes, CR, NUL,
//! byte-order marks and extreme values injected), then read twice (1 KiB chunks on two
//! threads, and one chunk on one thread). Whatever the bytes: no panic, the counts add up
//! and agree between the two reads, every accepted value is within the documented ranges,
//! and no message carries a control character. `fuzz/` has the same check for cargo-fuzz.

use super::hardening::{SAMPLE_50, read_bytes};
use super::*;
use retail_ingest::report::{MAX_ABS_AMOUNT, MAX_ABS_QUANTITY, TIMESTAMP_RANGE};

/// Byte strings worth injecting.
const INJECT: [&[u8]; 16] = [
    b"\"",
    b"\"\"",
    b"\r",
    b"\r\n",
    b"\n",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b",",
    b"1e309",
    b"3011-",
    b"99999999999999999999",
    b".",
    b"/",
    b"\xC3",
];

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Duplicate(usize, usize),
    SpliceLine(usize, usize),
    Inject(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Flip(at, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Insert(at, b)),
        2 => any::<usize>().prop_map(Edit::Delete),
        1 => (any::<usize>(), 1usize..200).prop_map(|(at, len)| Edit::Duplicate(at, len)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(from, to)| Edit::SpliceLine(from, to)),
        4 => (any::<usize>(), 0..INJECT.len()).prop_map(|(at, what)| Edit::Inject(at, what)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    // Positions past the header mostly, so that most cases read rows; 1 in 8 hits anywhere.
    let header = SAMPLE_50.find('\n').unwrap() + 1;
    let pick = |at: usize, len: usize| {
        if at.is_multiple_of(8) || len <= header {
            at / 8 % (len + 1)
        } else {
            header + at / 8 % (len - header + 1)
        }
    };
    match *edit {
        Edit::Flip(at, b) if !bytes.is_empty() => {
            let at = pick(at, bytes.len() - 1);
            bytes[at] ^= b | 1;
        }
        Edit::Insert(at, b) => {
            let at = pick(at, bytes.len());
            bytes.insert(at, b);
        }
        Edit::Delete(at) if !bytes.is_empty() => {
            let at = pick(at, bytes.len() - 1);
            bytes.remove(at);
        }
        Edit::Duplicate(at, len) => {
            let at = pick(at, bytes.len());
            let end = (at + len).min(bytes.len());
            let copy = bytes[at..end].to_vec();
            bytes.splice(at..at, copy);
        }
        Edit::SpliceLine(from, to) => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let line = lines[from % lines.len()].clone();
            let to = to % (lines.len() + 1);
            lines.insert(to, line);
            *bytes = lines.join(&b'\n');
        }
        Edit::Inject(at, what) => {
            let at = pick(at, bytes.len());
            bytes.splice(at..at, INJECT[what].iter().copied());
        }
        _ => {}
    }
}

fn printable(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

type Counts = (
    Option<retail_ingest::FileEncoding>,
    u64,
    u64,
    u64,
    BTreeMap<RejectReason, u64>,
);

/// Everything that must hold of one read; returns the counts to compare between reads.
fn check(
    bytes: &[u8],
    result: retail_ingest::Result<(RecordBatch, IngestReport)>,
) -> Result<Option<Counts>, TestCaseError> {
    let (batch, report) = match result {
        Ok(ok) => ok,
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(printable(&msg), "control character in {msg:?}");
            return Ok(None);
        }
    };
    assert_counts_add_up(&report);
    prop_assert_eq!(batch.num_rows() as u64, report.rows_accepted);
    for sample in &report.samples {
        let shown = sample.to_string();
        prop_assert!(printable(&shown), "control character in {shown:?}");
    }
    // Plain LF text: every row and blank line is at least one physical line after the header.
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    if !utf16 && !bytes.contains(&b'\r') {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64
            + u64::from(bytes.last().is_some_and(|&b| b != b'\n'));
        prop_assert!(report.rows_read + report.blank_lines < lines.max(1));
    }
    let column = |name: &str| batch.column_by_name(name).unwrap().clone();
    let timestamps = column("timestamp");
    let timestamps = timestamps.as_primitive::<TimestampMicrosecondType>();
    let quantities = column("quantity");
    let quantities = quantities.as_primitive::<Int64Type>();
    for row in 0..batch.num_rows() {
        let t = timestamps.value(row);
        prop_assert!(TIMESTAMP_RANGE.contains(&t), "timestamp {t}");
        prop_assert!(report.first_timestamp.unwrap() <= t && t <= report.last_timestamp.unwrap());
        prop_assert!(quantities.value(row).abs() <= MAX_ABS_QUANTITY);
    }
    for name in ["unit_price", "line_amount", "discount", "profit"] {
        let values = column(name);
        let values = values.as_primitive::<Float64Type>();
        for row in 0..batch.num_rows() {
            if values.is_valid(row) {
                let v = values.value(row);
                prop_assert!(v.is_finite() && v.abs() <= MAX_ABS_AMOUNT, "{name} {v}");
            }
        }
    }
    Ok(Some((
        report.encoding,
        report.rows_read,
        report.rows_accepted,
        report.blank_lines,
        report.rejected_by_reason,
    )))
}

fn fuzz_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
        .max(10_000)
}

proptest! {
    // 10,000 cases in every test run; `PROPTEST_CASES=100000` for a longer one.
    #![proptest_config(ProptestConfig { cases: fuzz_cases(), ..ProptestConfig::default() })]

    #[test]
    fn mutated_online_retail_csv_is_counted_within_range_and_never_panics(
        edits in proptest::collection::vec(edit(), 1..12),
    ) {
        let mut bytes = SAMPLE_50.as_bytes().to_vec();
        for e in &edits {
            apply(&mut bytes, e);
        }
        let chunked = IngestParams::default()
            .with_chunk_bytes(1024)
            .with_threads(2);
        let whole = IngestParams::default().with_threads(1);
        let a = check(&bytes, read_bytes("fuzz.csv", &bytes, &chunked))?;
        let b = check(&bytes, read_bytes("fuzz.csv", &bytes, &whole))?;
        // The chunking never changes the counts, when the two reads saw the same header and
        // encoding (both are read off the first chunk).
        let first_break = bytes.iter().position(|&b| b == b'\n' || b == b'\r');
        let header_fits = first_break.is_some_and(|end| end < 900 && !bytes[..end].contains(&b'"'));
        if let (Some(a), Some(b), true) = (&a, &b, header_fits)
            && a.0 == b.0
        {
            prop_assert_eq!(a, b);
        }
    }
}

//! The canonical layout: the CSV that `retail convert --format csv` and `retail sql --format
//! csv` write reads back as the same table, the line kind included.

use super::*;
use retail_ingest::write::{FileFormat, write_canonical};

#[test]
fn canonical_csv_is_detected_and_read_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    // Line 3: a negative quantity that the file calls an adjustment (the Online Retail rules
    // would derive a cancellation); line 4: an invoice starting with C that is a sale here;
    // line 5: an unknown kind.
    let csv = "\
invoice_id,timestamp,customer_id,product_id,product_name,category,sub_category,region,country,segment,quantity,unit_price,line_amount,discount,profit,line_kind
US-1,2017-03-01T10:15:30.250,CG-125,FUR-1,Chair,Furniture,Chairs,West,United States,Consumer,2,50.5,80.8,0.2,-3.25,sale
X9,2011-01-02T00:00:00,,23166,,,,,United Kingdom,,-5,1.04,-5.2,,,adjustment
C7,2011-01-03T08:00:00,17850,85123A,WHITE HANGING HEART T-LIGHT HOLDER,,,,United Kingdom,,6,2.55,15.299999999999999,,,sale
R1,2011-01-04T08:00:00,17850,85123A,,,,,United Kingdom,,1,1,1,,,refund
";
    let path = write_file(&dir, "canonical.csv", csv.as_bytes());
    let (batch, report) = read_file(&path, &IngestParams::default());
    assert_eq!(report.layout, "canonical");
    assert_eq!((report.rows_read, report.rows_accepted), (4, 3));
    let rejected = &report.samples[0];
    assert_eq!(rejected.location, Location::Line(5));
    assert_eq!(rejected.column.as_deref(), Some("line_kind"));
    assert_eq!(rejected.reason, RejectReason::UnknownLineKind);
    assert!(
        rejected.detail.starts_with("'refund' is not a line kind"),
        "{}",
        rejected.detail
    );

    let kinds: Vec<Option<String>> = (0..3).map(|r| text(&batch, "line_kind", r)).collect();
    assert_eq!(
        kinds,
        [
            Some("sale".into()),
            Some("adjustment".into()),
            Some("sale".into())
        ]
    );
    assert_eq!(timestamp(&batch, 0), "2017-03-01 10:15:30.250000");
    assert_eq!(text(&batch, "customer_id", 0).as_deref(), Some("CG-125"));
    assert_eq!(text(&batch, "sub_category", 0).as_deref(), Some("Chairs"));
    assert_eq!(text(&batch, "region", 0).as_deref(), Some("West"));
    assert_eq!(text(&batch, "segment", 0).as_deref(), Some("Consumer"));
    assert_eq!(float(&batch, "unit_price", 0), Some(50.5));
    assert_eq!(float(&batch, "line_amount", 0), Some(80.8));
    assert_eq!(float(&batch, "discount", 0), Some(0.2));
    assert_eq!(float(&batch, "profit", 0), Some(-3.25));
    assert_eq!(text(&batch, "customer_id", 1), None);
    assert_eq!(text(&batch, "product_name", 1), None);
    assert_eq!(int(&batch, "quantity", 1), -5);
    assert_eq!(float(&batch, "discount", 1), None);
    assert_eq!(float(&batch, "line_amount", 2), Some(15.299999999999999));
}

#[test]
fn the_embedded_samples_survive_a_canonical_csv_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("online_retail_sample.csv.gz", samples::ONLINE_RETAIL),
        ("superstore.csv.gz", samples::SUPERSTORE),
    ] {
        let (original, _) = read_sample(name, bytes, &IngestParams::default());
        // The writer `retail convert --format csv` uses.
        let path = dir.path().join(format!("{name}.canonical.csv"));
        write_canonical(&path, std::slice::from_ref(&original), FileFormat::Csv).unwrap();
        let (back, report) = read_file(&path, &IngestParams::default());
        assert_eq!(report.layout, "canonical", "{name}");
        assert_eq!(report.rows_rejected, 0, "{name}");
        assert_eq!(
            back, original,
            "{name}: the canonical CSV reads back as the same table"
        );
    }
}

#[test]
fn the_canonical_layout_can_be_named_and_a_partial_header_is_not_canonical() {
    assert_eq!(
        "canonical".parse::<KnownLayout>(),
        Ok(KnownLayout::Canonical)
    );
    let header = [
        "invoice_id",
        "timestamp",
        "product_id",
        "quantity",
        "line_amount",
        "line_kind",
    ];
    assert_eq!(KnownLayout::detect(&header), Some(KnownLayout::Canonical));
    assert_eq!(KnownLayout::detect(&header[..5]), None);
}

/// Superstore's header and two lines in Windows-1252 (`ë` is 0xEB, `ü` 0xFC, `é` 0xE9):
/// the optional columns keep the customer name, city, state, postal code (text, leading zero
/// as written) and ship mode, decoded like every other text column.
fn superstore_1252() -> Vec<u8> {
    let text = "\
Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,Discount,Profit\r
1,CA-2016-1,11/08/2016,11/11/2016,Second Class,ZM-1,Zoë Müller,Consumer,United States,Montréal,Québec,05408,East,FUR-1,Furniture,Chairs,Chair,100.5,2,0,10\r
2,CA-2016-2,11/09/2016,11/12/2016,,AB-2,,Corporate,United States,,,,West,OFF-1,Office Supplies,Paper,Paper,20,1,0.2,-1\r
";
    retail_ingest::encoding::encode_windows_1252(text).unwrap()
}

#[test]
fn superstore_keeps_its_optional_columns_and_they_survive_the_canonical_writer() {
    let bytes = superstore_1252();
    assert!(bytes.contains(&0xEB) && bytes.contains(&0xFC) && bytes.contains(&0xE9));
    let (batch, report) =
        hardening::read_bytes("ss.csv", &bytes, &IngestParams::default()).unwrap();
    assert_eq!(
        (report.layout.as_str(), report.encoding.map(|e| e.name())),
        ("superstore", Some("windows-1252"))
    );
    assert_eq!(report.rows_accepted, 2);
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names[16..],
        ["customer_name", "city", "state", "postal_code", "ship_mode"]
    );
    let row = |r: usize| -> Vec<Option<String>> {
        names[16..].iter().map(|c| text(&batch, c, r)).collect()
    };
    assert_eq!(
        row(0),
        [
            Some("Zoë Müller".to_string()),
            Some("Montréal".into()),
            Some("Québec".into()),
            Some("05408".into()),
            Some("Second Class".into())
        ]
    );
    assert_eq!(row(1), [None, None, None, None, None]);

    // The canonical CSV writer (`retail convert --format csv`) and the canonical reader.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("ss.canonical.csv");
    write_canonical(&csv, std::slice::from_ref(&batch), FileFormat::Csv).unwrap();
    let header = std::fs::read_to_string(&csv).unwrap();
    assert!(
        header
            .lines()
            .next()
            .unwrap()
            .ends_with(",line_kind,customer_name,city,state,postal_code,ship_mode"),
        "{header}"
    );
    let (back, report) = read_file(&csv, &IngestParams::default());
    assert_eq!(
        (report.layout.as_str(), report.rows_rejected),
        ("canonical", 0)
    );
    assert_eq!(back, batch);

    // Canonical Parquet (`retail convert`), passed through.
    let parquet = dir.path().join("ss.parquet");
    write_canonical(&parquet, std::slice::from_ref(&batch), FileFormat::Parquet).unwrap();
    let (back, report) = read_file(&parquet, &IngestParams::default());
    assert_eq!(
        (report.layout.as_str(), report.rows_rejected),
        ("canonical", 0)
    );
    assert_eq!(back, batch);

    // A canonical file with only some of the optional columns keeps those.
    let partial = dir.path().join("partial.csv");
    let mut lines = header.lines();
    let mut out = String::new();
    for line in lines.by_ref() {
        let fields: Vec<&str> = line.split(',').collect();
        // Drop customer_name, city, state, postal_code: keep ship_mode.
        let kept: Vec<&str> = fields[..16].iter().chain(&fields[20..]).copied().collect();
        out += &(kept.join(",") + "\n");
    }
    std::fs::write(&partial, out).unwrap();
    let (back, _) = read_file(&partial, &IngestParams::default());
    let names: Vec<String> = back.schema().fields()[16..]
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["ship_mode"]);
    assert_eq!(text(&back, "ship_mode", 0).as_deref(), Some("Second Class"));
}

#[test]
fn files_with_and_without_optional_columns_read_together_share_one_schema() {
    let dir = tempfile::tempdir().unwrap();
    let ss = write_file(&dir, "ss.csv", &superstore_1252());
    let or = write_file(&dir, "or.csv", hardening::SAMPLE_50.as_bytes());
    let (batches, reports) = retail_ingest::read_many(&[or, ss], &IngestParams::default()).unwrap();
    assert_eq!(reports.len(), 2);
    let table = concat_all(&batches).unwrap();
    assert_eq!(table.num_columns(), 21);
    assert_eq!(table.num_rows(), 49 + 2);
    assert_eq!(text(&table, "customer_name", 0), None);
    assert_eq!(
        text(&table, "customer_name", 49).as_deref(),
        Some("Zoë Müller")
    );
}

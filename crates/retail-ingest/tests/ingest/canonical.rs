//! The canonical layout: the CSV that `retail convert --format csv` and `retail sql --format
//! csv` write reads back as the same table, the line kind included.

use super::*;

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
    let (batch, report) = read_file(&path, &IngestOptions::default());
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
        let (original, _) = read_sample(name, bytes, &IngestOptions::default());
        // The writer `retail convert --format csv` uses.
        let path = dir.path().join(format!("{name}.canonical.csv"));
        let mut writer = arrow::csv::WriterBuilder::new()
            .with_header(true)
            .build(std::fs::File::create(&path).unwrap());
        writer.write(&original).unwrap();
        drop(writer);
        let (back, report) = read_file(&path, &IngestOptions::default());
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

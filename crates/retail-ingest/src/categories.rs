//! Product-to-category tables, for sources without categories (Online Retail has none): a CSV
//! with a header `product_id,category[,sub_category][,class]`, applied to canonical batches.
//! The optional `class` column sets product classes (`merchandise`, `service`, `fee`,
//! `adjustment`; see [`crate::classes`]) over the layout's defaults.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::record_batch::RecordBatch;

use crate::classes::{ProductClass, ProductClasses};
use crate::csv::{RecordKind, RecordParser, open_text};
use crate::error::{IngestError, Result};
use crate::schema::col;

/// Positions of product_id, category, sub_category and class in the header, and its width.
type HeaderColumns = (usize, usize, Option<usize>, Option<usize>, usize);

/// Category and optional sub-category per product id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductCategories {
    map: HashMap<String, (String, Option<String>)>,
    classes: ProductClasses,
}

impl ProductCategories {
    /// Builds the table from (product id, category, sub-category) entries; a later entry for
    /// the same product replaces an earlier one.
    pub fn from_entries<I: IntoIterator<Item = (String, String, Option<String>)>>(
        entries: I,
    ) -> Self {
        ProductCategories {
            map: entries.into_iter().map(|(p, c, s)| (p, (c, s))).collect(),
            classes: ProductClasses::new(),
        }
    }

    /// Reads a CSV (plain or gzip, UTF-8) with a header naming `product_id` and `category`
    /// (and optionally `sub_category`); other columns are ignored.
    ///
    /// # Errors
    /// [`IngestError::Io`] naming the file (and the line) when it cannot be read, lacks the
    /// `product_id` and `category` columns, or has a bad row.
    pub fn from_csv(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let invalid = |line: u64, message: String| IngestError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("line {line}: {message}"),
            ),
        };
        let (mut input, _) = open_text(path)?;
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|source| IngestError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
            .map_err(|_| invalid(1, "not valid UTF-8".into()))?;
        let buf = text.as_bytes();
        let mut parser = RecordParser::new(b',', 0);
        let mut pos = 0;
        let mut line = 1u64;
        let mut header: Option<HeaderColumns> = None;
        let mut map = HashMap::new();
        let mut classes = ProductClasses::new();
        while let Some((kind, newlines)) = parser.next_record(buf, &mut pos) {
            let this_line = line;
            line += newlines;
            match kind {
                RecordKind::Blank => continue,
                RecordKind::TextAfterQuote | RecordKind::Unterminated => {
                    return Err(invalid(this_line, "malformed quoting".into()));
                }
                RecordKind::Fields => {}
            }
            let field = |i: usize| {
                String::from_utf8_lossy(parser.field(buf, i))
                    .trim()
                    .to_string()
            };
            let Some((product, category, sub_category, class, width)) = header else {
                let names: Vec<String> = (0..parser.field_count()).map(field).collect();
                let find = |name: &str| names.iter().position(|n| n.eq_ignore_ascii_case(name));
                let (Some(p), Some(c)) = (find("product_id"), find("category")) else {
                    return Err(invalid(
                        this_line,
                        format!(
                            "the header ({}) needs the columns product_id and category",
                            names.join(", ")
                        ),
                    ));
                };
                header = Some((p, c, find("sub_category"), find("class"), names.len()));
                continue;
            };
            if parser.field_count() != width {
                return Err(invalid(
                    this_line,
                    format!("expected {width} fields, found {}", parser.field_count()),
                ));
            }
            let (p, c) = (field(product), field(category));
            if p.is_empty() || c.is_empty() {
                return Err(invalid(this_line, "empty product_id or category".into()));
            }
            let s = sub_category.map(field).filter(|s| !s.is_empty());
            if let Some(text) = class.map(field).filter(|t| !t.is_empty()) {
                let Some(parsed) = ProductClass::parse(&text) else {
                    return Err(invalid(
                        this_line,
                        format!(
                            "column 'class': unknown product class '{text}' (merchandise, \
                             service, fee or adjustment)"
                        ),
                    ));
                };
                classes.set(p.clone(), parsed);
            }
            map.insert(p, (c, s));
        }
        if header.is_none() {
            return Err(IngestError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(ProductCategories { map, classes })
    }

    /// The product classes the table's `class` column sets (empty without that column).
    pub fn classes(&self) -> &ProductClasses {
        &self.classes
    }

    /// Number of products in the table.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Fills `category` and `sub_category` of the rows whose category is null and whose
    /// product is in the table (rows that have a category keep theirs).
    ///
    /// # Errors
    /// Arrow's error rebuilding the batch.
    pub fn apply(
        &self,
        batch: &RecordBatch,
    ) -> std::result::Result<RecordBatch, arrow::error::ArrowError> {
        let schema = batch.schema();
        let index = |name: &str| schema.index_of(name);
        let (product_i, category_i, sub_i) = (
            index(col::PRODUCT_ID)?,
            index(col::CATEGORY)?,
            index(col::SUB_CATEGORY)?,
        );
        let products = batch.column(product_i).as_string::<i32>();
        let categories = batch.column(category_i).as_string::<i32>();
        let subs = batch.column(sub_i).as_string::<i32>();
        let mut category_out = StringBuilder::with_capacity(batch.num_rows(), batch.num_rows() * 8);
        let mut sub_out = StringBuilder::with_capacity(batch.num_rows(), batch.num_rows() * 8);
        for row in 0..batch.num_rows() {
            let found = (categories.is_null(row) && products.is_valid(row))
                .then(|| self.map.get(products.value(row)))
                .flatten();
            match found {
                Some((c, s)) => {
                    category_out.append_value(c);
                    sub_out.append_option(s.as_deref());
                }
                None => {
                    category_out
                        .append_option(categories.is_valid(row).then(|| categories.value(row)));
                    sub_out.append_option(subs.is_valid(row).then(|| subs.value(row)));
                }
            }
        }
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        columns[category_i] = Arc::new(category_out.finish());
        columns[sub_i] = Arc::new(sub_out.finish());
        RecordBatch::try_new(schema, columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IngestParams, samples};

    #[test]
    fn reads_a_category_table_and_fills_missing_categories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cats.csv");
        std::fs::write(
            &path,
            "product_id,category,sub_category,note\n85123A,Home,Lighting,x\n\"22423\",Kitchen,,y\n",
        )
        .unwrap();
        let table = ProductCategories::from_csv(&path).unwrap();
        assert_eq!(table.len(), 2);
        let reader = samples::open("or", samples::ONLINE_RETAIL, &IngestParams::default()).unwrap();
        let batch = reader.into_iter().next().unwrap().unwrap();
        let out = table.apply(&batch).unwrap();
        let products = out
            .column_by_name(col::PRODUCT_ID)
            .unwrap()
            .as_string::<i32>();
        let categories = out
            .column_by_name(col::CATEGORY)
            .unwrap()
            .as_string::<i32>();
        let subs = out
            .column_by_name(col::SUB_CATEGORY)
            .unwrap()
            .as_string::<i32>();
        let mut seen = 0;
        for row in 0..out.num_rows() {
            match products.value(row) {
                "85123A" => {
                    seen += 1;
                    assert_eq!(
                        (categories.value(row), subs.value(row)),
                        ("Home", "Lighting")
                    );
                }
                "22423" => assert!(categories.value(row) == "Kitchen" && subs.is_null(row)),
                _ => assert!(categories.is_null(row)),
            }
        }
        assert!(seen > 0);

        std::fs::write(&path, "sku,group\nA,B\n").unwrap();
        let err = ProductCategories::from_csv(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 1") && err.contains("needs the columns product_id and category"),
            "{err}"
        );
        std::fs::write(
            &path,
            "product_id,category,class\nPOST,Postage,merchandise\nGIFT,Gifts,Fee\nX,Y,\n",
        )
        .unwrap();
        let table = ProductCategories::from_csv(&path).unwrap();
        assert_eq!(table.classes().class("GIFT"), ProductClass::Fee);
        assert_eq!(table.classes().class("X"), ProductClass::Merchandise);
        let mut classes = ProductClasses::for_layout("online-retail");
        classes.extend(table.classes());
        assert_eq!(classes.class("POST"), ProductClass::Merchandise);
        std::fs::write(&path, "product_id,category,class\nA,B,postage\n").unwrap();
        let err = ProductCategories::from_csv(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 2: column 'class': unknown product class 'postage'"),
            "{err}"
        );
        std::fs::write(&path, "product_id,category\nA\n").unwrap();
        let err = ProductCategories::from_csv(&path).unwrap_err().to_string();
        assert!(err.contains("line 2: expected 2 fields, found 1"), "{err}");
    }
}

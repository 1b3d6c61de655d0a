//! Basket files for market-basket mining: one basket a line, either FIMI `.dat` (items
//! separated by white space, as in `retail.dat`) or CSV (items separated by commas, as in
//! `groceries.csv`). Plain or gzip.
//!
//! Items are kept exactly as written; blank CSV fields are not items. Baskets are sets: an
//! item repeated within a line counts once (and the repeats are
//! counted in the report). An empty line inside the file is an empty basket; the newline that
//! ends the last line does not start another.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ListBuilder, StringBuilder, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use serde::Serialize;

use crate::csv::{RecordKind, RecordParser, open_text};
use crate::error::{IngestError, Result};

/// How items are separated on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum BasketFormat {
    /// FIMI repository style: white space between items.
    Fimi,
    /// One basket a CSV record (RFC 4180 quoting).
    Csv,
}

impl BasketFormat {
    /// `.csv` (also `.csv.gz`) is CSV; anything else is FIMI.
    pub fn from_path(path: &Path) -> BasketFormat {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".csv") || name.ends_with(".csv.gz") {
            BasketFormat::Csv
        } else {
            BasketFormat::Fimi
        }
    }
}

/// Baskets in compressed-row form: item ids (dense, in order of first appearance) per basket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baskets {
    items: Vec<String>,
    offsets: Vec<usize>,
    members: Vec<u32>,
}

impl Baskets {
    /// Builds baskets from item names; repeats within a basket are dropped.
    pub fn from_lists<I, B, S>(baskets: I) -> Baskets
    where
        I: IntoIterator<Item = B>,
        B: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut builder = BasketsBuilder::default();
        for basket in baskets {
            for item in basket {
                builder.push_item(item.as_ref());
            }
            builder.end_basket();
        }
        builder.baskets
    }

    /// Builds baskets from item ids into `items` (the item names); repeats within a basket
    /// are dropped. Ids must be below `items.len()`.
    pub fn from_id_lists<I, B>(items: Vec<String>, baskets: I) -> Baskets
    where
        I: IntoIterator<Item = B>,
        B: IntoIterator<Item = u32>,
    {
        let mut last_seen = vec![usize::MAX; items.len()];
        let mut offsets = vec![0];
        let mut members = Vec::new();
        for (b, basket) in baskets.into_iter().enumerate() {
            for id in basket {
                let seen = &mut last_seen[id as usize];
                if *seen != b {
                    *seen = b;
                    members.push(id);
                }
            }
            offsets.push(members.len());
        }
        Baskets {
            items,
            offsets,
            members,
        }
    }

    /// Writes the baskets in FIMI format: one line each, item names separated by spaces.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn write_fimi(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        for basket in self.iter() {
            for (k, &id) in basket.iter().enumerate() {
                if k > 0 {
                    out.write_all(b" ")?;
                }
                out.write_all(self.item_name(id).as_bytes())?;
            }
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Number of baskets (empty ones included).
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there are no baskets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The item ids of basket `i`.
    pub fn basket(&self, i: usize) -> &[u32] {
        &self.members[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Iterates the baskets as item-id slices.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> + '_ {
        self.offsets.windows(2).map(|w| &self.members[w[0]..w[1]])
    }

    /// Distinct items; an item's id is its index here.
    pub fn items(&self) -> &[String] {
        &self.items
    }

    /// The name of item `id`.
    pub fn item_name(&self, id: u32) -> &str {
        &self.items[id as usize]
    }

    /// Total item occurrences over all baskets.
    pub fn total_items(&self) -> usize {
        self.members.len()
    }

    /// As Arrow: `basket` (0-based index) and `items` (list of item names).
    ///
    /// # Errors
    /// Arrow's error building the batch.
    pub fn to_record_batch(&self) -> std::result::Result<RecordBatch, arrow::error::ArrowError> {
        let mut lists = ListBuilder::new(StringBuilder::new());
        for basket in self.iter() {
            for &id in basket {
                lists.values().append_value(self.item_name(id));
            }
            lists.append(true);
        }
        let items = lists.finish();
        let schema = Schema::new(vec![
            Field::new("basket", DataType::UInt64, false),
            Field::new("items", items.data_type().clone(), false),
        ]);
        let index = UInt64Array::from_iter_values(0..self.len() as u64);
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(index), Arc::new(items)])
    }
}

/// What reading a basket file found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BasketReport {
    /// The file.
    pub source: String,
    /// How lines were split.
    pub format: BasketFormat,
    /// Baskets (lines), empty ones included.
    pub baskets: u64,
    /// Empty baskets.
    pub empty_baskets: u64,
    /// Item occurrences kept.
    pub items: u64,
    /// Distinct items.
    pub distinct_items: u64,
    /// Repeats of an item within one basket, dropped.
    pub repeats_dropped: u64,
}

#[derive(Debug, Default)]
struct BasketsBuilder {
    baskets: Baskets,
    ids: HashMap<String, u32>,
    last_seen: Vec<u64>,
    repeats: u64,
}

impl BasketsBuilder {
    fn push_item(&mut self, name: &str) {
        if self.baskets.offsets.is_empty() {
            self.baskets.offsets.push(0);
        }
        let id = match self.ids.get(name) {
            Some(&id) => id,
            None => {
                let id = self.baskets.items.len() as u32;
                self.baskets.items.push(name.to_string());
                self.ids.insert(name.to_string(), id);
                self.last_seen.push(u64::MAX);
                id
            }
        };
        let basket = self.baskets.offsets.len() as u64;
        if self.last_seen[id as usize] == basket {
            self.repeats += 1;
        } else {
            self.last_seen[id as usize] = basket;
            self.baskets.members.push(id);
        }
    }

    fn end_basket(&mut self) {
        if self.baskets.offsets.is_empty() {
            self.baskets.offsets.push(0);
        }
        self.baskets.offsets.push(self.baskets.members.len());
    }
}

/// Reads a basket file; `format` defaults to [`BasketFormat::from_path`].
///
/// # Errors
/// [`IngestError::Io`] when the file cannot be read, and the errors of a basket line that is
/// not text.
pub fn read_baskets(
    path: impl AsRef<Path>,
    format: Option<BasketFormat>,
) -> Result<(Baskets, BasketReport)> {
    let path = path.as_ref();
    let format = format.unwrap_or_else(|| BasketFormat::from_path(path));
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (mut input, _) = open_text(path)?;
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(io)?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        IngestError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("line {line}: not valid UTF-8"),
            ),
        }
    })?;
    let mut builder = BasketsBuilder::default();
    builder.baskets.offsets.push(0);
    match format {
        BasketFormat::Fimi => {
            let body = text.strip_suffix('\n').unwrap_or(text);
            if !body.is_empty() || text.ends_with('\n') {
                for line in body.split('\n') {
                    for item in line.split_ascii_whitespace() {
                        builder.push_item(item);
                    }
                    builder.end_basket();
                }
            }
        }
        BasketFormat::Csv => {
            let mut parser = RecordParser::new(b',', 0);
            let buf = text.as_bytes();
            let mut pos = 0;
            let mut line = 1u64;
            while let Some((kind, newlines)) = parser.next_record(buf, &mut pos) {
                if matches!(kind, RecordKind::TextAfterQuote | RecordKind::Unterminated) {
                    return Err(IngestError::Io {
                        path: path.to_path_buf(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("line {line}: malformed quoting"),
                        ),
                    });
                }
                if kind == RecordKind::Fields {
                    for i in 0..parser.field_count() {
                        // Kept exactly as written (the classic groceries file has
                        // "cream cheese " with its trailing space, as R arules and pyfim
                        // read it); blank fields are not items.
                        let item = std::str::from_utf8(parser.field(buf, i)).unwrap_or_default();
                        if !item.trim().is_empty() {
                            builder.push_item(item);
                        }
                    }
                }
                builder.end_basket();
                line += newlines;
            }
        }
    }
    let baskets = builder.baskets;
    let report = BasketReport {
        source: path.display().to_string(),
        format,
        baskets: baskets.len() as u64,
        empty_baskets: baskets.iter().filter(|b| b.is_empty()).count() as u64,
        items: baskets.total_items() as u64,
        distinct_items: baskets.items.len() as u64,
        repeats_dropped: builder.repeats,
    };
    Ok((baskets, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        path
    }

    #[test]
    fn fimi_lines_are_sets_and_empty_lines_are_baskets() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "b.dat", "1 2 3 \n\n3 3 4\n");
        let (baskets, report) = read_baskets(&path, None).unwrap();
        assert_eq!(baskets.len(), 3);
        let names: Vec<Vec<&str>> = baskets
            .iter()
            .map(|b| b.iter().map(|&i| baskets.item_name(i)).collect())
            .collect();
        assert_eq!(names, vec![vec!["1", "2", "3"], vec![], vec!["3", "4"]]);
        assert_eq!(
            (
                report.empty_baskets,
                report.items,
                report.distinct_items,
                report.repeats_dropped
            ),
            (1, 5, 4, 1)
        );
    }

    #[test]
    fn csv_baskets_honour_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "g.csv", "citrus fruit,\"milk, whole\"\r\nyogurt\n");
        let (baskets, report) = read_baskets(&path, None).unwrap();
        assert_eq!(report.format, BasketFormat::Csv);
        assert_eq!(baskets.basket(0).len(), 2);
        assert_eq!(baskets.item_name(baskets.basket(0)[1]), "milk, whole");
        let batch = baskets.to_record_batch().unwrap();
        assert_eq!(batch.num_rows(), 2);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.dat");
        std::fs::write(&path, b"1 2\n3 \xFF\n").unwrap();
        let err = read_baskets(&path, None).unwrap_err().to_string();
        assert!(err.contains("bad.dat") && err.contains("line 2"), "{err}");
    }
}

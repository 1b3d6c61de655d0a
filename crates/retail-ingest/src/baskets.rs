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
use std::path::{Path, PathBuf};
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

/// What the input files of basket mining hold ([`BasketInputs::classify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InputKind {
    /// `.dat` files ([`is_basket_file`]) are basket files; other files hold transactions when
    /// their layout is known (or the options give a layout or mapping), baskets otherwise.
    #[default]
    Auto,
    /// Sales transactions: one basket per invoice.
    Transactions,
    /// Basket files: one basket a line (FIMI `.dat` or CSV).
    Baskets,
}

/// Something the caller may want to tell its user about the input files: nothing is wrong,
/// but the files were read in a way they might not expect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputNote {
    /// With [`InputKind::Auto`], the file's header matches no known transaction layout, so it
    /// is read as a basket file (one basket a line).
    NotTransactions {
        /// The file.
        path: PathBuf,
    },
    /// Items repeated within a basket were counted once.
    RepeatsDropped {
        /// The file.
        path: PathBuf,
        /// How many repeats were dropped.
        repeats: u64,
    },
}

impl std::fmt::Display for InputNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputNote::NotTransactions { path } => write!(
                f,
                "{}: not a known transaction layout; reading it as a basket file (one basket \
                 a line)",
                path.display()
            ),
            InputNote::RepeatsDropped { path, repeats } => write!(
                f,
                "{}: {repeats} repeated items within a basket counted once",
                path.display()
            ),
        }
    }
}

/// True for a FIMI basket file by its name: `.dat` or `.dat.gz` (any case).
pub fn is_basket_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".dat") || name.ends_with(".dat.gz")
}

/// The input files of basket mining, each known to hold transactions or baskets.
#[derive(Debug, Clone)]
pub struct BasketInputs {
    files: Vec<(PathBuf, bool)>,
    notes: Vec<InputNote>,
}

/// The input files of basket mining, loaded ([`BasketInputs::load`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LoadedInputs {
    /// Every file holds transactions (or no file was given): the caller reads them as sales
    /// (with its slice) and makes one basket per invoice.
    Transactions,
    /// Basket files, read and merged.
    Baskets(LoadedBaskets),
}

/// Basket files read and merged.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoadedBaskets {
    /// The baskets of every file, in file order; one file's item ids are its own, several
    /// files' items are numbered in order of first appearance over all of them.
    pub baskets: Baskets,
    /// The files, as their reports name them.
    pub sources: Vec<String>,
    /// Repeats dropped, per file that had any.
    pub notes: Vec<InputNote>,
}

impl BasketInputs {
    /// Decides per file whether it holds transactions or baskets: by `kind`, and with
    /// [`InputKind::Auto`] by its name ([`is_basket_file`]), the layout or mapping of
    /// `options`, or whether its header matches a known layout (a file that does not is read
    /// as baskets, with an [`InputNote::NotTransactions`]).
    ///
    /// # Errors
    ///
    /// With [`InputKind::Auto`], what [`crate::open`] says of a file other than
    /// [`IngestError::UnknownLayout`] (a missing file, an empty one, ...).
    pub fn classify<P: AsRef<Path>>(
        paths: &[P],
        kind: InputKind,
        options: &crate::IngestParams,
    ) -> Result<BasketInputs> {
        let mut files = Vec::with_capacity(paths.len());
        let mut notes = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let transactions = match kind {
                InputKind::Transactions => true,
                InputKind::Baskets => false,
                InputKind::Auto if is_basket_file(path) => false,
                InputKind::Auto if options.mapping().is_some() => true,
                InputKind::Auto => match crate::open(path, options) {
                    Ok(_) => true,
                    Err(IngestError::UnknownLayout { .. }) => {
                        notes.push(InputNote::NotTransactions {
                            path: path.to_path_buf(),
                        });
                        false
                    }
                    Err(err) => return Err(err),
                },
            };
            files.push((path.to_path_buf(), transactions));
        }
        Ok(BasketInputs { files, notes })
    }

    /// What classifying found worth telling (files read as baskets by their header).
    pub fn notes(&self) -> &[InputNote] {
        &self.notes
    }

    /// True when every file holds transactions (also when there are none).
    pub fn all_transactions(&self) -> bool {
        self.files.iter().all(|(_, t)| *t)
    }

    /// Reads and merges the basket files, or says that the files hold transactions.
    /// `sliced`: the caller keeps only some sales lines (dates, places, a predicate), which
    /// basket files do not have.
    ///
    /// # Errors
    ///
    /// [`IngestError::MixedInputs`] for transaction files and basket files together;
    /// [`IngestError::SlicedBaskets`] for basket files with `sliced`; what
    /// [`read_baskets`] says of a file.
    pub fn load(&self, sliced: bool) -> Result<LoadedInputs> {
        if self.all_transactions() {
            return Ok(LoadedInputs::Transactions);
        }
        if let Some((transactions, _)) = self.files.iter().find(|(_, t)| *t) {
            let (baskets, _) = self.files.iter().find(|(_, t)| !*t).expect("a basket file");
            return Err(IngestError::MixedInputs {
                transactions: transactions.clone(),
                baskets: baskets.clone(),
            });
        }
        if sliced {
            return Err(IngestError::SlicedBaskets);
        }
        let mut lists: Vec<Vec<String>> = Vec::new();
        let mut sources = Vec::new();
        let mut notes = Vec::new();
        for (path, _) in &self.files {
            let (baskets, report) = read_baskets(path, None)?;
            if report.repeats_dropped > 0 {
                notes.push(InputNote::RepeatsDropped {
                    path: path.clone(),
                    repeats: report.repeats_dropped,
                });
            }
            if self.files.len() == 1 {
                return Ok(LoadedInputs::Baskets(LoadedBaskets {
                    baskets,
                    sources: vec![report.source],
                    notes,
                }));
            }
            lists.extend(baskets.iter().map(|b| {
                b.iter()
                    .map(|&i| baskets.item_name(i).to_string())
                    .collect()
            }));
            sources.push(report.source);
        }
        Ok(LoadedInputs::Baskets(LoadedBaskets {
            baskets: Baskets::from_lists(lists),
            sources,
            notes,
        }))
    }
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
    fn basket_inputs_are_told_apart_merged_and_noted() {
        let dir = tempfile::tempdir().unwrap();
        let fimi = write(&dir, "a.dat", "1 2 2\n3\n");
        let csv = write(&dir, "b.csv", "3,4\n1\n");
        let sales = write(
            &dir,
            "sales.csv",
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
             536365,85123A,HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n",
        );
        let options = crate::IngestParams::default();

        // Auto: `.dat` by name, the CSV by its header (no known layout: baskets, noted).
        let inputs = BasketInputs::classify(&[&fimi, &csv], InputKind::Auto, &options).unwrap();
        assert_eq!(
            inputs.notes(),
            [InputNote::NotTransactions { path: csv.clone() }]
        );
        assert!(!inputs.all_transactions());
        let LoadedInputs::Baskets(loaded) = inputs.load(false).unwrap() else {
            panic!("baskets expected");
        };
        let names: Vec<Vec<&str>> = loaded
            .baskets
            .iter()
            .map(|b| b.iter().map(|&i| loaded.baskets.item_name(i)).collect())
            .collect();
        assert_eq!(
            names,
            [vec!["1", "2"], vec!["3"], vec!["3", "4"], vec!["1"]]
        );
        assert_eq!(loaded.baskets.items(), ["1", "2", "3", "4"]);
        assert_eq!(loaded.sources.len(), 2);
        assert_eq!(
            loaded.notes,
            [InputNote::RepeatsDropped {
                path: fimi.clone(),
                repeats: 1
            }]
        );
        assert_eq!(
            loaded.notes[0].to_string(),
            format!(
                "{}: 1 repeated items within a basket counted once",
                fimi.display()
            )
        );
        assert!(matches!(inputs.load(true), Err(IngestError::SlicedBaskets)));

        // A known layout holds transactions; mixed with baskets it is an error.
        let inputs = BasketInputs::classify(&[&sales], InputKind::Auto, &options).unwrap();
        assert!(inputs.notes().is_empty());
        assert!(matches!(inputs.load(true), Ok(LoadedInputs::Transactions)));
        let inputs = BasketInputs::classify(&[&sales, &fimi], InputKind::Auto, &options).unwrap();
        match inputs.load(false) {
            Err(IngestError::MixedInputs {
                transactions,
                baskets,
            }) => assert_eq!((transactions, baskets), (sales.clone(), fimi.clone())),
            other => panic!("{other:?}"),
        }
        // Told by the caller, nothing is opened.
        let missing = dir.path().join("missing.csv");
        let inputs =
            BasketInputs::classify(&[&missing], InputKind::Transactions, &options).unwrap();
        assert!(inputs.all_transactions());
        assert!(BasketInputs::classify(&[&missing], InputKind::Auto, &options).is_err());
        assert!(is_basket_file(Path::new("x/RETAIL.DAT.GZ")));
        assert!(!is_basket_file(Path::new("groceries.csv")));
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

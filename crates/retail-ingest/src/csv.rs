//! Delimited text (CSV, plain or gzip) read in parallel chunks.
//!
//! A source thread reads (and decompresses) the file and cuts it into chunks that end on a
//! record boundary (found with the same quoting rules the parser uses); worker threads parse
//! and convert chunks into canonical batches; the reader hands them out in file order, so
//! memory stays bounded by the chunks in flight.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use arrow::record_batch::RecordBatch;
use memchr::{memchr, memchr2};

use crate::IngestParams;
pub use crate::boundary::MAX_QUOTED_LINE_BREAKS;
use crate::boundary::{count_newlines, last_record_boundary};
use crate::convert::{Conversion, RowConverter};
use crate::datetime::{DateOrder, DateOrderEvidence, date_order_evidence, is_ambiguous_year_last};
use crate::encoding::{FileEncoding, TextEncoding};
use crate::error::{IngestError, Result};
use crate::layout::{Plan, Slot, resolve};
use crate::report::{DateEvidence, IngestReport, Location, RejectReason, SourceFormat, Tally};
use crate::text_input;

/// One field of the current record: a range of the chunk, or of the parser's scratch
/// buffer when the field had escaped quotes.
#[derive(Debug, Clone, Copy)]
struct FieldRef {
    start: usize,
    end: usize,
    in_scratch: bool,
}

/// How a record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordKind {
    /// A record with its fields.
    Fields,
    /// An empty line.
    Blank,
    /// Text after a closing quote.
    TextAfterQuote,
    /// A quote never closed: the record runs to the end of the input.
    Unterminated,
}

/// RFC 4180 record parser (any one-byte delimiter, LF or CRLF, `""` escapes; a quote inside
/// an unquoted field is kept as text).
#[derive(Debug)]
pub(crate) struct RecordParser {
    delimiter: u8,
    /// The header's field count (0 while reading the header): a record with a quoted line
    /// break is only kept whole when it has this many fields.
    expected_fields: usize,
    fields: Vec<FieldRef>,
    scratch: Vec<u8>,
}

impl RecordParser {
    pub(crate) fn new(delimiter: u8, expected_fields: usize) -> Self {
        RecordParser {
            delimiter,
            expected_fields,
            fields: Vec::with_capacity(32),
            scratch: Vec::new(),
        }
    }

    /// The record at `start` is a bad quote: it is its first physical line alone, and
    /// reading resumes at the next line.
    #[cold]
    fn resync(&mut self, buf: &[u8], start: usize, pos: &mut usize) -> Option<(RecordKind, u64)> {
        self.fields.clear();
        self.scratch.clear();
        match memchr(b'\n', &buf[start..]) {
            Some(offset) => {
                *pos = start + offset + 1;
                Some((RecordKind::Unterminated, 1))
            }
            None => {
                *pos = buf.len();
                Some((RecordKind::Unterminated, 0))
            }
        }
    }

    pub(crate) fn field_count(&self) -> usize {
        self.fields.len()
    }

    pub(crate) fn field<'a>(&'a self, buf: &'a [u8], i: usize) -> &'a [u8] {
        let f = self.fields[i];
        if f.in_scratch {
            &self.scratch[f.start..f.end]
        } else {
            &buf[f.start..f.end]
        }
    }

    /// Parses the record at `*pos`, advancing past it. Returns the kind and the number of
    /// newlines consumed (including those inside quoted fields).
    ///
    /// A quoted field may hold line breaks, but only in a well-formed record: its quotes
    /// close within [`MAX_QUOTED_LINE_BREAKS`], nothing follows a closing quote, and the
    /// record has the header's field count. Otherwise the opening quote is taken to be
    /// unterminated: the record is its first physical line alone ([`RecordKind::Unterminated`])
    /// and the next record starts on the next line, so one stray quote costs one line.
    pub(crate) fn next_record(&mut self, buf: &[u8], pos: &mut usize) -> Option<(RecordKind, u64)> {
        let n = buf.len();
        let start = *pos;
        let mut i = *pos;
        if i >= n {
            return None;
        }
        self.fields.clear();
        self.scratch.clear();
        if buf[i] == b'\n' {
            *pos = i + 1;
            return Some((RecordKind::Blank, 1));
        }
        if buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n') {
            *pos = i + 2;
            return Some((RecordKind::Blank, 1));
        }
        let delim = self.delimiter;
        let mut newlines = 0u64;
        let mut multiline = false;
        let mut kind = RecordKind::Fields;
        loop {
            if i < n && buf[i] == b'"' {
                // Quoted field.
                let open = i;
                i += 1;
                let mut segment = i;
                let mut escaped = false;
                let scratch_start = self.scratch.len();
                loop {
                    match memchr(b'"', &buf[i..]) {
                        None => return self.resync(buf, start, pos),
                        Some(offset) => {
                            let q = i + offset;
                            if buf.get(q + 1) == Some(&b'"') {
                                self.scratch.extend_from_slice(&buf[segment..=q]);
                                escaped = true;
                                i = q + 2;
                                segment = i;
                            } else {
                                let inside = count_newlines(&buf[open..q]);
                                if inside > 0 {
                                    if inside > MAX_QUOTED_LINE_BREAKS {
                                        return self.resync(buf, start, pos);
                                    }
                                    multiline = true;
                                    newlines += inside;
                                }
                                if escaped {
                                    self.scratch.extend_from_slice(&buf[segment..q]);
                                    self.fields.push(FieldRef {
                                        start: scratch_start,
                                        end: self.scratch.len(),
                                        in_scratch: true,
                                    });
                                } else {
                                    self.fields.push(FieldRef {
                                        start: segment,
                                        end: q,
                                        in_scratch: false,
                                    });
                                }
                                i = q + 1;
                                break;
                            }
                        }
                    }
                }
                // After the closing quote.
                match buf.get(i) {
                    None => break,
                    Some(&c) if c == delim => {
                        i += 1;
                        continue;
                    }
                    Some(b'\n') => {
                        i += 1;
                        newlines += 1;
                        break;
                    }
                    Some(b'\r') if buf.get(i + 1) == Some(&b'\n') => {
                        i += 2;
                        newlines += 1;
                        break;
                    }
                    Some(_) => {
                        // Text after a closing quote: skip it the way an unquoted field ends.
                        kind = RecordKind::TextAfterQuote;
                        match memchr2(delim, b'\n', &buf[i..]) {
                            None => {
                                i = n;
                                break;
                            }
                            Some(offset) => {
                                i += offset;
                                if buf[i] == b'\n' {
                                    i += 1;
                                    newlines += 1;
                                    break;
                                }
                                i += 1;
                                continue;
                            }
                        }
                    }
                }
            } else {
                let start = i;
                match memchr2(delim, b'\n', &buf[i..]) {
                    Some(offset) if buf[i + offset] == delim => {
                        self.fields.push(FieldRef {
                            start,
                            end: i + offset,
                            in_scratch: false,
                        });
                        i += offset + 1;
                    }
                    found => {
                        let line_end = found.map_or(n, |offset| i + offset);
                        let end = if line_end > start && buf[line_end - 1] == b'\r' {
                            line_end - 1
                        } else {
                            line_end
                        };
                        self.fields.push(FieldRef {
                            start,
                            end,
                            in_scratch: false,
                        });
                        if found.is_some() {
                            newlines += 1;
                            i = line_end + 1;
                        } else {
                            i = n;
                        }
                        break;
                    }
                }
            }
        }
        if multiline
            && (kind == RecordKind::TextAfterQuote
                || (self.expected_fields != 0 && self.fields.len() != self.expected_fields))
        {
            return self.resync(buf, start, pos);
        }
        *pos = i;
        Some((kind, newlines))
    }
}

/// Picks the delimiter that occurs most often outside quotes in the header line.
fn detect_delimiter(header_line: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for &b in header_line {
        if b == b'"' {
            quoted = !quoted;
        } else if let Some(c) = counts.iter_mut().find(|(d, _)| *d == b && !quoted) {
            c.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|(_, c)| *c)
        .filter(|(_, c)| *c > 0)
        .map_or(b',', |(d, _)| *d)
}

enum Message {
    Chunk {
        seq: u64,
        out: Box<Result<ChunkOut>>,
    },
    Finished {
        chunks: u64,
    },
}

struct ChunkOut {
    batch: RecordBatch,
    tally: Tally,
    newlines: u64,
}

struct Work {
    seq: u64,
    bytes: Vec<u8>,
}

/// A streaming reader of one delimited text file: an iterator of canonical batches in file
/// order. The report is complete once the iterator has returned `None`.
#[derive(Debug)]
pub struct CsvReader {
    path: PathBuf,
    results: Receiver<Message>,
    waiting: BTreeMap<u64, Result<ChunkOut>>,
    next_seq: u64,
    next_line: u64,
    total_chunks: Option<u64>,
    report: IngestReport,
    strict: bool,
    max_samples: usize,
    done: bool,
    evidence: DateEvidence,
    order_from_layout: bool,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Chunk { seq, .. } => write!(f, "Chunk({seq})"),
            Message::Finished { chunks } => write!(f, "Finished({chunks})"),
        }
    }
}

impl std::fmt::Debug for ChunkOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChunkOut({} rows)", self.batch.num_rows())
    }
}

/// Opens the file, decompressing gzip (`1f 8b` magic) transparently.
pub(crate) fn open_text(path: &Path) -> Result<(Box<dyn Read + Send>, bool)> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    if got == 2 && magic == [0x1f, 0x8b] {
        let decoder = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, file));
        Ok((Box::new(decoder), true))
    } else {
        Ok((Box::new(file), false))
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Appends up to `want` more bytes; returns false at end of input.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let got = (&mut *reader).take(want as u64).read_to_end(buf)?;
    Ok(got == want)
}

impl CsvReader {
    pub(crate) fn open(path: &Path, options: &IngestParams) -> Result<CsvReader> {
        let (input, gzip) = open_text(path)?;
        Self::from_input(path, input, gzip, options)
    }

    /// Reads already-decompressed text from `input`; `path` names it in reports and errors.
    pub(crate) fn from_input(
        path: &Path,
        mut input: Box<dyn Read + Send>,
        gzip: bool,
        options: &IngestParams,
    ) -> Result<CsvReader> {
        let io = |source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        };
        let chunk_bytes = options.chunk_bytes.max(1024);
        let mut head = Vec::with_capacity(chunk_bytes + 1024);
        let mut more = fill(&mut *input, &mut head, chunk_bytes).map_err(io)?;
        // UTF-16 (told by its byte-order mark) is decoded to UTF-8 as it streams.
        let utf16 = text_input::utf16_bom(&head);
        if let Some(big_endian) = utf16 {
            let decoder = text_input::Utf16Decoder::new(
                text_input::rewind(std::mem::take(&mut head), 2, input),
                big_endian,
            );
            input = Box::new(decoder);
            more = fill(&mut *input, &mut head, chunk_bytes).map_err(io)?;
        }
        if head.starts_with(b"\xEF\xBB\xBF") {
            head.drain(..3);
        }
        // Classic Mac OS line ends (CR only) become LF as they stream.
        if text_input::is_cr_only(&head, !more) {
            input = Box::new(text_input::CrToLf::new(text_input::rewind(
                std::mem::take(&mut head),
                0,
                input,
            )));
            more = fill(&mut *input, &mut head, chunk_bytes).map_err(io)?;
        }
        // The header: the first non-blank record.
        let header_end = memchr(b'\n', &head).map_or(head.len(), |i| i + 1);
        let delimiter = options
            .delimiter
            .unwrap_or_else(|| detect_delimiter(&head[..header_end]));
        let encoding = match (utf16, options.encoding) {
            (Some(_), _) => TextEncoding::Utf8,
            (None, Some(given)) => given,
            (None, None) => TextEncoding::detect(&head),
        };
        let mut parser = RecordParser::new(delimiter, 0);
        let mut pos = 0;
        let mut header_lines = 0;
        let header = loop {
            match parser.next_record(&head, &mut pos) {
                None => {
                    return Err(IngestError::Empty {
                        path: path.to_path_buf(),
                    });
                }
                Some((RecordKind::Blank, nl)) => header_lines += nl,
                Some((_, nl)) => {
                    header_lines += nl;
                    let mut names = Vec::with_capacity(parser.field_count());
                    for i in 0..parser.field_count() {
                        let mut name = String::new();
                        encoding
                            .decode_into(parser.field(&head, i), &mut name)
                            .map_err(|_| IngestError::InvalidParameter {
                                parameter: "encoding",
                                message: format!(
                                    "{}: the header is not valid {encoding}; set the `encoding` option",
                                    path.display()
                                ),
                            })?;
                        names.push(name.trim().to_string());
                    }
                    break names;
                }
            }
        };
        let plan = resolve(options.mapping.as_ref(), header, path)?;
        let body = head.split_off(pos);

        let order_from_layout = matches!(
            (options.date_order, plan.mapping.date_order),
            (DateOrder::Auto, DateOrder::DayFirst | DateOrder::MonthFirst)
        );
        let date_order = match (options.date_order, plan.mapping.date_order) {
            (DateOrder::Auto, DateOrder::Auto) => detect_date_order(&body, delimiter, &plan, path)?,
            (DateOrder::Auto, from_layout) => from_layout,
            (given, _) => given,
        };

        let format = if gzip {
            SourceFormat::CsvGzip
        } else {
            SourceFormat::Csv
        };
        let mut report = IngestReport::new(
            path.display().to_string(),
            format,
            plan.mapping.name.clone(),
        );
        report.encoding = Some(match utf16 {
            Some(true) => FileEncoding::Utf16Be,
            Some(false) => FileEncoding::Utf16Le,
            None => encoding.into(),
        });
        report.delimiter = Some(delimiter as char);
        report.date_order = date_order;
        report.optional_columns = plan.optional_columns().names().map(String::from).collect();

        let field_count = plan.header.len();
        let conversion = Arc::new(Conversion {
            plan,
            encoding,
            date_order,
            max_samples: options.max_samples.max(1),
            gather_date_evidence: order_from_layout,
            path: path.to_path_buf(),
        });
        let threads = options.threads.max(1);
        let (result_tx, results) = sync_channel::<Message>(threads * 2);
        let (work_tx, work_rx) = sync_channel::<Work>(threads);
        let work_rx = Arc::new(Mutex::new(work_rx));
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let result_tx = result_tx.clone();
            let conversion = Arc::clone(&conversion);
            std::thread::spawn(move || {
                worker(&conversion, delimiter, field_count, &work_rx, &result_tx)
            });
        }
        if head.is_empty() && body.is_empty() {
            more = false;
        }
        let source_path = path.to_path_buf();
        let max_record_bytes = options.max_record_bytes.max(chunk_bytes);
        std::thread::spawn(move || {
            source(
                input,
                body,
                more,
                delimiter,
                field_count,
                chunk_bytes,
                max_record_bytes,
                &work_tx,
                &result_tx,
                &source_path,
            )
        });

        Ok(CsvReader {
            path: path.to_path_buf(),
            results,
            waiting: BTreeMap::new(),
            next_seq: 0,
            next_line: header_lines + 1,
            total_chunks: None,
            report,
            strict: options.strict,
            max_samples: options.max_samples,
            done: false,
            evidence: DateEvidence::default(),
            order_from_layout,
        })
    }

    /// The report so far (complete once iteration has ended).
    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    pub(crate) fn into_report(self) -> IngestReport {
        self.report
    }
}

impl Iterator for CsvReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(out) = self.waiting.remove(&self.next_seq) {
                self.next_seq += 1;
                let out = match out {
                    Ok(out) => out,
                    Err(IngestError::RecordTooLong { path, limit, .. }) => {
                        self.done = true;
                        return Some(Err(IngestError::RecordTooLong {
                            path,
                            line: self.next_line,
                            limit,
                        }));
                    }
                    Err(e) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                };
                let first_line = self.next_line;
                self.next_line += out.newlines;
                if self.strict && out.tally.rejected() > 0 {
                    self.done = true;
                    let mut rejection = out.tally.samples[0].clone();
                    rejection.location = rejection.location.shifted(first_line);
                    return Some(Err(IngestError::Rejected {
                        path: self.path.clone(),
                        rejection,
                    }));
                }
                self.evidence.merge(&out.tally.evidence);
                self.report.absorb(out.tally, first_line, self.max_samples);
                if out.batch.num_rows() > 0 {
                    return Some(Ok(out.batch));
                }
                continue;
            }
            if self.total_chunks == Some(self.next_seq) {
                self.done = true;
                self.report
                    .finish(std::mem::take(&mut self.evidence), self.order_from_layout);
                return None;
            }
            match self.results.recv() {
                Ok(Message::Chunk { seq, out }) => {
                    self.waiting.insert(seq, *out);
                }
                Ok(Message::Finished { chunks }) => self.total_chunks = Some(chunks),
                Err(_) => {
                    self.done = true;
                    return Some(Err(IngestError::Io {
                        path: self.path.clone(),
                        source: std::io::Error::other(
                            "a reader thread stopped before the end of the file",
                        ),
                    }));
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn source(
    mut input: Box<dyn Read + Send>,
    mut pending: Vec<u8>,
    mut more: bool,
    delimiter: u8,
    field_count: usize,
    chunk_bytes: usize,
    max_record_bytes: usize,
    work: &SyncSender<Work>,
    results: &SyncSender<Message>,
    path: &Path,
) {
    let mut seq = 0u64;
    let mut want = chunk_bytes;
    loop {
        if more && pending.len() < want {
            let need = want - pending.len();
            match fill(&mut *input, &mut pending, need) {
                Ok(m) => more = m,
                Err(source) => {
                    let err = IngestError::Io {
                        path: path.to_path_buf(),
                        source,
                    };
                    let _ = results.send(Message::Chunk {
                        seq,
                        out: Box::new(Err(err)),
                    });
                    return;
                }
            }
        }
        if pending.is_empty() && !more {
            break;
        }
        let cut = if more {
            match last_record_boundary(&pending, delimiter, field_count) {
                Some(cut) => cut,
                None if pending.len() >= max_record_bytes => {
                    // No line end in sight: stop rather than hold the whole input. The
                    // reader fills in the line (it knows the lines of the chunks before).
                    let err = IngestError::RecordTooLong {
                        path: path.to_path_buf(),
                        line: 0,
                        limit: max_record_bytes,
                    };
                    let _ = results.send(Message::Chunk {
                        seq,
                        out: Box::new(Err(err)),
                    });
                    return;
                }
                None => {
                    // One record longer than a chunk: read further before cutting.
                    want = pending.len() + chunk_bytes;
                    continue;
                }
            }
        } else {
            pending.len()
        };
        want = chunk_bytes;
        let mut rest = Vec::with_capacity(chunk_bytes + 1024);
        rest.extend_from_slice(&pending[cut..]);
        pending.truncate(cut);
        if work
            .send(Work {
                seq,
                bytes: std::mem::replace(&mut pending, rest),
            })
            .is_err()
        {
            return;
        }
        seq += 1;
    }
    let _ = results.send(Message::Finished { chunks: seq });
}

fn worker(
    conversion: &Conversion,
    delimiter: u8,
    field_count: usize,
    work: &Mutex<Receiver<Work>>,
    results: &SyncSender<Message>,
) {
    loop {
        let next = match work.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(Work { seq, bytes }) = next else {
            return;
        };
        let out = parse_chunk(conversion, &bytes, delimiter, field_count);
        if results
            .send(Message::Chunk {
                seq,
                out: Box::new(out),
            })
            .is_err()
        {
            return;
        }
    }
}

fn parse_chunk(
    conversion: &Conversion,
    bytes: &[u8],
    delimiter: u8,
    field_count: usize,
) -> Result<ChunkOut> {
    let mut converter = RowConverter::new(conversion, bytes.len() / 64 + 16, bytes.len());
    let mut parser = RecordParser::new(delimiter, field_count);
    let mut pos = 0;
    let mut line = 0u64;
    while let Some((kind, newlines)) = parser.next_record(bytes, &mut pos) {
        let location = Location::Line(line);
        match kind {
            RecordKind::Blank => converter.tally.blank_lines += 1,
            RecordKind::TextAfterQuote => converter.reject(
                location,
                RejectReason::MalformedQuoting,
                "text after a closing quote".into(),
            ),
            RecordKind::Unterminated => converter.reject(
                location,
                RejectReason::UnterminatedQuote,
                "a quote opened on this line does not close within a well-formed record; \
                 the line is rejected alone and reading resumes at the next line"
                    .into(),
            ),
            RecordKind::Fields if parser.field_count() != field_count => converter.reject(
                location,
                RejectReason::WrongFieldCount,
                format!(
                    "expected {field_count} fields, found {}",
                    parser.field_count()
                ),
            ),
            RecordKind::Fields => converter.push(location, |i| parser.field(bytes, i)),
        }
        line += newlines;
    }
    let (batch, tally) = converter.finish().map_err(|source| IngestError::Arrow {
        path: conversion.path.clone(),
        source,
    })?;
    Ok(ChunkOut {
        batch,
        tally,
        newlines: line,
    })
}

/// Reads the day/month order of year-last dates off the first chunk.
fn detect_date_order(body: &[u8], delimiter: u8, plan: &Plan, path: &Path) -> Result<DateOrder> {
    let Some(column) = plan.source_index[Slot::Timestamp as usize] else {
        return Ok(DateOrder::Auto);
    };
    let mut parser = RecordParser::new(delimiter, plan.header.len());
    let mut pos = 0;
    let (mut day_first, mut month_first) = (false, false);
    let mut ambiguous: Option<String> = None;
    while let Some((kind, _)) = parser.next_record(body, &mut pos) {
        if kind != RecordKind::Fields || parser.field_count() <= column {
            continue;
        }
        let value = parser.field(body, column);
        match date_order_evidence(value) {
            DateOrderEvidence::DayFirst => day_first = true,
            DateOrderEvidence::MonthFirst => month_first = true,
            DateOrderEvidence::None => {
                if ambiguous.is_none() && is_ambiguous_year_last(value) {
                    ambiguous = Some(String::from_utf8_lossy(value).into_owned());
                }
            }
        }
    }
    Ok(match (day_first, month_first, ambiguous) {
        (true, false, _) => DateOrder::DayFirst,
        (false, true, _) => DateOrder::MonthFirst,
        (false, false, Some(example)) => {
            return Err(IngestError::AmbiguousDateOrder {
                path: path.to_path_buf(),
                column: plan.header[column].clone(),
                example,
            });
        }
        // Year-first dates need no order; mixed evidence leaves each value to decide alone
        // (the values that cannot are rejected and counted).
        _ => DateOrder::Auto,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, delimiter: u8) -> Vec<(RecordKind, u64, Vec<String>)> {
        records_of(text, delimiter, 0)
    }

    fn records_of(
        text: &str,
        delimiter: u8,
        expected: usize,
    ) -> Vec<(RecordKind, u64, Vec<String>)> {
        let mut parser = RecordParser::new(delimiter, expected);
        let buf = text.as_bytes();
        let mut pos = 0;
        let mut out = Vec::new();
        while let Some((kind, nl)) = parser.next_record(buf, &mut pos) {
            let fields = (0..parser.field_count())
                .map(|i| String::from_utf8(parser.field(buf, i).to_vec()).unwrap())
                .collect();
            out.push((kind, nl, fields));
        }
        out
    }

    #[test]
    fn parses_rfc4180_quoting_crlf_and_blank_lines() {
        let text = "a,\"AIRLINE LOUNGE,METAL SIGN\",\"RECORD FRAME 7\"\" SINGLE\"\r\n\r\nb,\"two\nlines\",\r\nc,x\"y,\n";
        let got = records(text, b',');
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[0].2,
            ["a", "AIRLINE LOUNGE,METAL SIGN", "RECORD FRAME 7\" SINGLE"]
        );
        assert_eq!(got[1].0, RecordKind::Blank);
        assert_eq!(
            (got[2].1, got[2].2.clone()),
            (2, vec!["b".to_string(), "two\nlines".into(), "".into()])
        );
        assert_eq!(got[3].2, ["c", "x\"y", ""]);
    }

    #[test]
    fn reports_bad_quoting() {
        assert_eq!(
            records("\"ab\"c,d\ne,f\n", b',')[0].0,
            RecordKind::TextAfterQuote
        );
        assert_eq!(records("\"ab\"c,d\ne,f\n", b',')[1].2, ["e", "f"]);
        // A quote never closed costs its own line only.
        let open = records("a,\"never closed\nb,c\n", b',');
        assert_eq!(open.len(), 2);
        assert_eq!((open[0].0, open[0].1), (RecordKind::Unterminated, 1));
        assert_eq!(
            (open[1].0, open[1].2.clone()),
            (RecordKind::Fields, vec!["b".to_string(), "c".into()])
        );
        // A stray quote closed by the opening quote of a later line: the record would be
        // malformed, so the first line is rejected and the later lines read normally.
        let text = "1,\"bad,x\n2,ok,y\n3,\"q, r\",z\n";
        let got = records_of(text, b',', 3);
        let kinds: Vec<(RecordKind, u64)> = got.iter().map(|r| (r.0, r.1)).collect();
        assert_eq!(
            kinds,
            [
                (RecordKind::Unterminated, 1),
                (RecordKind::Fields, 1),
                (RecordKind::Fields, 1)
            ]
        );
        assert_eq!(got[2].2, ["3", "q, r", "z"]);
        // The same record with the header's field count is a legitimate quoted line break.
        let good = records_of("1,\"two\nlines\",z\n", b',', 3);
        assert_eq!(
            (good.len(), good[0].0, good[0].1),
            (1, RecordKind::Fields, 2)
        );
        // More than MAX_QUOTED_LINE_BREAKS line breaks in one field: unterminated.
        let long = format!(
            "1,\"{}\",z\n",
            "x\n".repeat(MAX_QUOTED_LINE_BREAKS as usize + 1)
        );
        let got = records_of(&long, b',', 3);
        assert_eq!((got[0].0, got[0].1), (RecordKind::Unterminated, 1));
        assert_eq!(got.len(), MAX_QUOTED_LINE_BREAKS as usize + 2);
        // The finder agrees: its last line (`",z`) opens a quote the buffer never closes.
        assert_eq!(
            last_record_boundary(long.as_bytes(), b',', 3),
            Some(long.len() - 4)
        );
    }

    #[test]
    fn boundary_follows_the_parser_quoting() {
        let text = b"a,\"x\ny\"\nb,c\"\nd,\"e";
        // The last record is cut off inside quotes: the boundary is after `b,c"\n`.
        assert_eq!(last_record_boundary(text, b',', 2), Some(13));
        assert_eq!(last_record_boundary(b"abc", b',', 1), None);
        assert_eq!(last_record_boundary(b"\"a\nb", b',', 1), None);
        assert_eq!(
            last_record_boundary(b"x;\"a;\"\"\n\";z\n", b';', 3),
            Some(12)
        );
        // With a field count that the multi-line record does not have, it resyncs after
        // its first line, as the parser does.
        assert_eq!(
            last_record_boundary(b"x;\"a;\"\"\n\";z\n", b';', 2),
            Some(8)
        );
        assert_eq!(
            last_record_boundary(b"x;\"a;\"\"\n\";z\nq", b';', 4),
            Some(8)
        );
        assert_eq!(
            last_record_boundary(b"1,\"bad\n2,ok\n3,\"q\",z\n", b',', 2),
            Some(20)
        );
    }

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"a,b,c\n"), b',');
        assert_eq!(detect_delimiter(b"a;b;\"c,d\"\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(detect_delimiter(b"abc\n"), b',');
    }
}

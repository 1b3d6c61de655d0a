//! Where the parallel CSV reader may cut its input: just after a record, found by the same
//! rules as `RecordParser::next_record` (quoting, and the resynchronisation after a bad
//! quote) without building fields, so chunks never change what the parser reads.

use memchr::{memchr, memchr2};

/// The most line breaks one quoted field may hold. A quote that does not close within them
/// is unterminated (this bounds how far one bad quote can reach, and the memory the chunk
/// cutter needs).
pub const MAX_QUOTED_LINE_BREAKS: u64 = 1000;

/// How many line breaks `bytes` holds.
pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// The index just past the last newline that ends a record in `buf` (which starts at a record
/// start), following the parser's rules (quoting, and the resynchronisation after a bad
/// quote); `None` when no record ends in `buf`.
pub(crate) fn last_record_boundary(
    buf: &[u8],
    delimiter: u8,
    expected_fields: usize,
) -> Option<usize> {
    let mut last = None;
    let mut start = 0;
    while start < buf.len() {
        match record_end(buf, start, delimiter, expected_fields) {
            Some(end) => {
                last = Some(end);
                start = end;
            }
            None => break,
        }
    }
    last
}

/// Where the record at `start` ends (just past its line break) by the parser's rules;
/// `None` when `buf` ends before that can be told. Mirrors `RecordParser::next_record`
/// without building fields.
fn record_end(buf: &[u8], start: usize, delimiter: u8, expected_fields: usize) -> Option<usize> {
    let n = buf.len();
    let resync = || memchr(b'\n', &buf[start..]).map(|offset| start + offset + 1);
    let mut i = start;
    let mut fields = 0usize;
    let mut multiline = false;
    let mut bad = false;
    let end = loop {
        fields += 1;
        if buf.get(i) == Some(&b'"') {
            let open = i;
            i += 1;
            let close = loop {
                match memchr(b'"', &buf[i..]) {
                    None => {
                        return if count_newlines(&buf[open..]) > MAX_QUOTED_LINE_BREAKS {
                            resync()
                        } else {
                            None
                        };
                    }
                    Some(offset) => {
                        let q = i + offset;
                        if q + 1 >= n {
                            return if count_newlines(&buf[open..q]) > MAX_QUOTED_LINE_BREAKS {
                                resync()
                            } else {
                                None
                            };
                        }
                        if buf[q + 1] == b'"' {
                            i = q + 2;
                        } else {
                            break q;
                        }
                    }
                }
            };
            let inside = count_newlines(&buf[open..close]);
            if inside > MAX_QUOTED_LINE_BREAKS {
                return resync();
            }
            multiline |= inside > 0;
            i = close + 1;
            match buf[i] {
                c if c == delimiter => {
                    i += 1;
                    continue;
                }
                b'\n' => break i + 1,
                b'\r' => match buf.get(i + 1) {
                    Some(b'\n') => break i + 2,
                    None => return None,
                    Some(_) => bad = true,
                },
                _ => bad = true,
            }
        }
        // An unquoted field, or the text after a closing quote.
        let offset = memchr2(delimiter, b'\n', &buf[i..])?;
        let j = i + offset;
        if buf[j] == b'\n' {
            break j + 1;
        }
        i = j + 1;
    };
    if multiline && (bad || fields != expected_fields) {
        return resync();
    }
    Some(end)
}

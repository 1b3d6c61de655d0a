//! Text that needs translating before the CSV parser sees it, both streamed in bounded
//! memory: UTF-16 (told by its byte-order mark) decoded to UTF-8, and classic Mac OS line
//! ends (CR only) turned into LF.

use std::io::{Cursor, Read};

/// Which UTF-16 a byte-order mark announces, if any: `Some(true)` for big-endian
/// (`FE FF`), `Some(false)` for little-endian (`FF FE`).
pub(crate) fn utf16_bom(head: &[u8]) -> Option<bool> {
    match head {
        [0xFE, 0xFF, ..] => Some(true),
        [0xFF, 0xFE, ..] => Some(false),
        _ => None,
    }
}

/// True when the first line break of `head` is a CR not followed by LF (and the text has no
/// LF before it): a file with classic Mac OS line ends. `complete` says `head` is the whole
/// input (so a CR at its very end is not cut off from a following LF).
pub(crate) fn is_cr_only(head: &[u8], complete: bool) -> bool {
    let Some(cr) = memchr::memchr(b'\r', head) else {
        return false;
    };
    if memchr::memchr(b'\n', &head[..cr]).is_some() {
        return false;
    }
    match head.get(cr + 1) {
        Some(b'\n') => false,
        Some(_) => true,
        None => complete,
    }
}

/// Puts bytes already read back in front of the rest of the input.
pub(crate) fn rewind(
    head: Vec<u8>,
    skip: usize,
    rest: Box<dyn Read + Send>,
) -> Box<dyn Read + Send> {
    let mut cursor = Cursor::new(head);
    cursor.set_position(skip as u64);
    Box::new(cursor.chain(rest))
}

const BUFFER: usize = 64 * 1024;

fn unit(big_endian: bool, pair: &[u8]) -> u16 {
    let bytes = [pair[0], pair[1]];
    if big_endian {
        u16::from_be_bytes(bytes)
    } else {
        u16::from_le_bytes(bytes)
    }
}

/// Decodes UTF-16 (the byte-order mark already skipped) to UTF-8 as it is read. A unit that
/// is not valid UTF-16 (an unpaired surrogate, an odd byte at the end) becomes the byte
/// `0xFF`, which is not UTF-8: its row is then rejected as invalid text, not silently
/// altered.
pub(crate) struct Utf16Decoder {
    inner: Box<dyn Read + Send>,
    big_endian: bool,
    /// Raw bytes read but not decoded yet (at most one unit or a held-back high surrogate).
    raw: Vec<u8>,
    /// Decoded UTF-8 not handed out yet.
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

impl Utf16Decoder {
    pub(crate) fn new(inner: Box<dyn Read + Send>, big_endian: bool) -> Self {
        Utf16Decoder {
            inner,
            big_endian,
            raw: Vec::with_capacity(BUFFER + 4),
            out: Vec::with_capacity(BUFFER * 3 / 2),
            out_pos: 0,
            eof: false,
        }
    }

    /// Reads and decodes the next block into `out`.
    fn refill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.eof {
            let have = self.raw.len();
            self.raw.resize(have + BUFFER, 0);
            let got = loop {
                match self.inner.read(&mut self.raw[have..]) {
                    Ok(k) => break k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.raw.truncate(have);
                        return Err(e);
                    }
                }
            };
            self.raw.truncate(have + got);
            self.eof = got == 0;
            let big = self.big_endian;
            let mut units = self.raw.len() / 2;
            // Hold back a high surrogate whose partner may come with the next read.
            if !self.eof
                && units > 0
                && (0xD800..0xDC00).contains(&unit(big, &self.raw[2 * units - 2..]))
            {
                units -= 1;
            }
            let raw = &self.raw;
            let decoded = char::decode_utf16((0..units).map(|i| unit(big, &raw[2 * i..])));
            let mut utf8 = [0u8; 4];
            for c in decoded {
                match c {
                    Ok(c) => self
                        .out
                        .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes()),
                    Err(_) => self.out.push(0xFF),
                }
            }
            self.raw.drain(..2 * units);
            if self.eof && !self.raw.is_empty() {
                self.out.push(0xFF);
                self.raw.clear();
            }
        }
        Ok(())
    }
}

impl Read for Utf16Decoder {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// Turns classic Mac OS line ends into LF: every CR becomes LF, and an LF right after a CR
/// (a stray CRLF) is dropped, so each line break stays one line.
pub(crate) struct CrToLf {
    inner: Box<dyn Read + Send>,
    after_cr: bool,
}

impl CrToLf {
    pub(crate) fn new(inner: Box<dyn Read + Send>) -> Self {
        CrToLf {
            inner,
            after_cr: false,
        }
    }
}

impl Read for CrToLf {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let got = self.inner.read(buf)?;
            if got == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..got {
                let b = buf[i];
                if b == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = b == b'\r';
                buf[kept] = if b == b'\r' { b'\n' } else { b };
                kept += 1;
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(mut reader: impl Read) -> Vec<u8> {
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        out
    }

    /// Hands out one byte per read, to cross every block boundary.
    struct Trickle(Vec<u8>, usize);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.1 >= self.0.len() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[self.1];
            self.1 += 1;
            Ok(1)
        }
    }

    #[test]
    fn utf16_decodes_in_both_byte_orders_across_reads() {
        let text = "InvoiceNo,Description\n536365,WHITE £ HEART 😀\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, big) in [(le, false), (be, true)] {
            let whole = read_all(Utf16Decoder::new(Box::new(Cursor::new(bytes.clone())), big));
            assert_eq!(whole, text.as_bytes());
            let trickled = read_all(Utf16Decoder::new(Box::new(Trickle(bytes, 0)), big));
            assert_eq!(trickled, text.as_bytes());
        }
        // An unpaired surrogate and an odd last byte become 0xFF (not UTF-8).
        let bad = [0x41, 0x00, 0x00, 0xD8, 0x42, 0x00, 0x43];
        let got = read_all(Utf16Decoder::new(
            Box::new(Cursor::new(bad.to_vec())),
            false,
        ));
        assert_eq!(got, [b'A', 0xFF, b'B', 0xFF]);
        assert_eq!(utf16_bom(&[0xFF, 0xFE, 0x41]), Some(false));
        assert_eq!(utf16_bom(&[0xFE, 0xFF]), Some(true));
        assert_eq!(utf16_bom(b"\xEF\xBB\xBFa"), None);
    }

    #[test]
    fn cr_only_line_ends_become_lf() {
        assert!(is_cr_only(b"a,b\rc,d\r", true));
        assert!(!is_cr_only(b"a,b\r\nc,d\r\n", true));
        assert!(!is_cr_only(b"a,b\nc\rd\n", true));
        assert!(!is_cr_only(b"a,b", true));
        assert!(is_cr_only(b"a,b\r", true));
        assert!(!is_cr_only(b"a,b\r", false));
        let got = read_all(CrToLf::new(Box::new(Trickle(
            b"a\rb\r\nc\r\rd".to_vec(),
            0,
        ))));
        assert_eq!(got, b"a\nb\nc\n\nd");
    }
}

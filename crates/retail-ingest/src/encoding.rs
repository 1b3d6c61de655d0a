//! Text encodings of real exports: UTF-8, and Windows-1252 (which older Excel and
//! Tableau exports use; it is also what "latin-1" files almost always really are).

use std::fmt;

/// The text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TextEncoding {
    /// UTF-8 (a leading byte-order mark is skipped).
    Utf8,
    /// Windows-1252, the superset of ISO-8859-1 that maps 0x80..0x9F to `€ ‚ ƒ „ … † ‡` and
    /// the curly quotes (as WHATWG does for `latin1`/`iso-8859-1` labels).
    Windows1252,
}

/// The encoding a text file was found in, as its ingest report states it: one of the
/// [`TextEncoding`]s, or UTF-16 (detected by its byte-order mark and read as UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum FileEncoding {
    /// UTF-8.
    #[serde(rename = "utf-8")]
    Utf8,
    /// Windows-1252.
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// UTF-16, little-endian.
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// UTF-16, big-endian.
    #[serde(rename = "utf-16be")]
    Utf16Be,
}

impl FileEncoding {
    /// The label reports print (`utf-8`, `windows-1252`, `utf-16le`, `utf-16be`).
    pub fn name(self) -> &'static str {
        match self {
            FileEncoding::Utf8 => "utf-8",
            FileEncoding::Windows1252 => "windows-1252",
            FileEncoding::Utf16Le => "utf-16le",
            FileEncoding::Utf16Be => "utf-16be",
        }
    }
}

impl fmt::Display for FileEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<TextEncoding> for FileEncoding {
    fn from(encoding: TextEncoding) -> FileEncoding {
        match encoding {
            TextEncoding::Utf8 => FileEncoding::Utf8,
            TextEncoding::Windows1252 => FileEncoding::Windows1252,
        }
    }
}

impl TextEncoding {
    /// The label reports print.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    /// Guesses from a leading sample: UTF-8 when the sample is valid UTF-8 (a multi-byte
    /// character cut at the sample's end is allowed), Windows-1252 otherwise.
    pub fn detect(sample: &[u8]) -> TextEncoding {
        match std::str::from_utf8(sample) {
            Ok(_) => TextEncoding::Utf8,
            Err(e) if e.error_len().is_none() => TextEncoding::Utf8,
            Err(_) => TextEncoding::Windows1252,
        }
    }

    /// Appends `bytes` decoded to `out`; `Err` when they are not valid in this encoding.
    pub(crate) fn decode_into(self, bytes: &[u8], out: &mut String) -> Result<(), ()> {
        match self {
            TextEncoding::Utf8 => {
                out.push_str(std::str::from_utf8(bytes).map_err(|_| ())?);
            }
            TextEncoding::Windows1252 => {
                if bytes.is_ascii() {
                    // Safe path for the common case, without re-validation cost.
                    out.push_str(std::str::from_utf8(bytes).map_err(|_| ())?);
                } else {
                    out.extend(bytes.iter().map(|&b| windows_1252_char(b)));
                }
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for TextEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => {
                Ok(TextEncoding::Windows1252)
            }
            other => Err(format!(
                "unknown encoding '{other}': expected utf-8 or windows-1252 (alias latin-1, iso-8859-1)"
            )),
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// 0x80..=0x9F of Windows-1252; the five undefined bytes map to the C1 controls (WHATWG).
const HIGH_CONTROLS: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

fn windows_1252_char(byte: u8) -> char {
    match byte {
        0x80..=0x9F => HIGH_CONTROLS[(byte - 0x80) as usize],
        _ => byte as char,
    }
}

/// Encodes text as Windows-1252 (for tests and writers); `None` when a character has no byte.
pub fn encode_windows_1252(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| match c as u32 {
            0..=0x7F | 0xA0..=0xFF => Some(c as u8),
            _ => HIGH_CONTROLS
                .iter()
                .position(|&h| h == c)
                .map(|i| 0x80 + i as u8),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_superstore_characters() {
        let mut out = String::new();
        TextEncoding::Windows1252
            .decode_into(
                b"5 \xBE\x94 x 11\x94 Roy Franz\xF6sisch conference\xA0phone \x80",
                &mut out,
            )
            .unwrap();
        assert_eq!(out, "5 ¾” x 11” Roy Französisch conference\u{a0}phone €");
    }

    #[test]
    fn every_windows_1252_byte_round_trips() {
        let all: Vec<u8> = (0u8..=255).collect();
        let mut text = String::new();
        TextEncoding::Windows1252
            .decode_into(&all, &mut text)
            .unwrap();
        assert_eq!(encode_windows_1252(&text).unwrap(), all);
    }

    #[test]
    fn detection_and_labels() {
        assert_eq!(
            TextEncoding::detect("£40.00".as_bytes()),
            TextEncoding::Utf8
        );
        assert_eq!(
            TextEncoding::detect(&"£".as_bytes()[..1]),
            TextEncoding::Utf8
        );
        assert_eq!(
            TextEncoding::detect(b"\xA340.00 and more"),
            TextEncoding::Windows1252
        );
        assert_eq!(
            "Latin-1".parse::<TextEncoding>(),
            Ok(TextEncoding::Windows1252)
        );
        assert!(
            "ebcdic"
                .parse::<TextEncoding>()
                .unwrap_err()
                .contains("utf-8")
        );
        let mut out = String::new();
        assert!(TextEncoding::Utf8.decode_into(b"\xFF", &mut out).is_err());
    }
}

//! Text from the data made safe for a message: control characters escaped, length bounded.

/// `text` for a message: control characters (NUL, CR, escape, ...) shown escaped (`\0`,
/// `\r`, `\u{1b}`), and at most `max` characters (then `…`).
pub(crate) fn printable(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(4 * max));
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

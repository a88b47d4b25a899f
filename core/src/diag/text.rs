//! How a diagnostic repeats a value ([`quote`]) and keeps its text harmless to a
//! terminal ([`escape`]).

use std::borrow::Cow;
use std::fmt::Write;

/// The most characters of a value that a diagnostic repeats; longer values are cut.
pub const ECHO_MAX_CHARS: usize = 64;

/// `value` as a diagnostic repeats it: in double quotes, `"` and `\` escaped, the
/// characters [`escape`] names escaped, and cut after [`ECHO_MAX_CHARS`] characters with
/// `…` (a pasted file or key must not bury the message).
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(4 * ECHO_MAX_CHARS) + 2);
    out.push('"');
    let mut chars = value.chars();
    for c in chars.by_ref().take(ECHO_MAX_CHARS) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => push_escaped(&mut out, c),
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out.push('"');
    out
}

/// `text` with control characters (ESC, `\r`, NUL, …) and invisible formatting
/// characters (bidirectional overrides, zero-width spaces) written as escapes such as
/// `\r` or `\u{1b}`; everything else is kept as it is. Idempotent on its own output.
///
/// Line breaks are kept, since an engine's own message (nft's) may span lines; a value
/// is shown through [`quote`], which escapes its line breaks too.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push(c),
            c => push_escaped(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// Whether a terminal would act on `c` or not show it: C0 and C1 controls, DEL, and
/// the format characters that reorder or hide text.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if needs_escape(c) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_and_cuts_long_values() {
        assert_eq!(quote("dc 1"), r#""dc 1""#);
        assert_eq!(quote("a\"b\\c\nd\u{1b}[31m"), r#""a\"b\\c\nd\u{1b}[31m""#);
        let long = "x".repeat(ECHO_MAX_CHARS + 1);
        assert_eq!(quote(&long), format!("\"{}…\"", "x".repeat(ECHO_MAX_CHARS)));
        assert_eq!(quote(&long[1..]), format!("\"{}\"", &long[1..]));
    }

    #[test]
    fn escaping_hides_nothing_and_changes_nothing_else() {
        let text =
            "bell\u{7} esc\u{1b}[2J cr\r nul\u{0} rlo\u{202e} c1\u{9b} Zürich \"q\" \\\nnext";
        let escaped = escape(text);
        assert_eq!(
            escaped,
            "bell\\u{7} esc\\u{1b}[2J cr\\r nul\\u{0} rlo\\u{202e} c1\\u{9b} Zürich \"q\" \\\nnext"
        );
        assert!(!escaped.chars().any(|c| c != '\n' && needs_escape(c)));
        assert_eq!(escape(&escaped), escaped, "idempotent");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }
}

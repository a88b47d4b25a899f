//! `# @key value` metadata comments and the escaping of free text inside them.

use std::fmt::Write;

/// What starts a metadata comment line.
pub const METADATA_PREFIX: &str = "# @";

/// Encodes `text` as a JSON string literal that is pure printable ASCII: quotes,
/// backslashes, control characters and every non-ASCII character are `\u` escapes, so the
/// result fits on one comment line whatever the input.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_is_one_line_of_ascii_and_decodes_back() {
        for text in [
            "plain",
            "a \"quoted\" {brace} # hash",
            "line\nbreak\r\t",
            "Zürich ☃ 𝄞",
            "\\",
            "\u{0}",
        ] {
            let escaped = escape_text(text);
            assert!(
                escaped.chars().all(|c| (' '..='~').contains(&c)),
                "{escaped}"
            );
            let decoded: String = serde_json::from_str(&escaped).unwrap();
            assert_eq!(decoded, text);
        }
    }
}

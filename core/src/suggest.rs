//! "Did you mean …" for values that are close to an accepted one.

/// The accepted value that `given` most probably meant, if any is close enough.
///
/// A case-insensitive match that ignores `-`, `_` and spaces wins outright (`aes-256` →
/// `AES256`); otherwise the nearest by edit distance, if it is at most a third of the
/// longer string away.
pub fn closest<'a>(given: &str, accepted: &[&'a str]) -> Option<&'a str> {
    let folded = fold(given);
    if let Some(exact) = accepted.iter().find(|a| fold(a) == folded) {
        return Some(exact);
    }
    accepted
        .iter()
        .map(|a| (strsim::levenshtein(&folded, &fold(a)), *a))
        .filter(|(distance, a)| *distance * 3 <= a.len().max(folded.len()))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, a)| a)
}

/// A sentence suggesting the closest accepted value, or an empty string.
pub fn did_you_mean(given: &str, accepted: &[&str]) -> String {
    match closest(given, accepted) {
        Some(best) => format!(" Did you mean {best}?"),
        None => String::new(),
    }
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CIPHERS: &[&str] = &["DES", "3DES", "AES128", "AES192", "AES256"];

    #[test]
    fn case_and_separators_are_ignored() {
        assert_eq!(closest("aes256", CIPHERS), Some("AES256"));
        assert_eq!(closest("AES-256", CIPHERS), Some("AES256"));
    }

    #[test]
    fn small_typos_are_suggested_and_nonsense_is_not() {
        assert_eq!(closest("AES265", CIPHERS), Some("AES256"));
        assert_eq!(closest("blowfish", CIPHERS), None);
    }
}

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
    did_you_mean_preferring(given, accepted, accepted)
}

/// Like [`did_you_mean`], but a near miss (as opposed to a difference of case or
/// separators) is only matched against `preferred`: a typo should not lead a user to a
/// weak algorithm ("SHA3" gets no "did you mean SHA1?").
pub fn did_you_mean_preferring(given: &str, accepted: &[&str], preferred: &[&str]) -> String {
    let folded = fold(given);
    let exact = accepted.iter().copied().find(|a| fold(a) == folded);
    match exact.or_else(|| closest(given, preferred)) {
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
    fn near_misses_do_not_lead_to_weak_choices() {
        let strong = &["AES128", "AES192", "AES256"];
        assert_eq!(
            did_you_mean_preferring("3des", CIPHERS, strong),
            " Did you mean 3DES?"
        );
        assert_eq!(did_you_mean_preferring("DEZ", CIPHERS, strong), "");
    }

    #[test]
    fn small_typos_are_suggested_and_nonsense_is_not() {
        assert_eq!(closest("AES265", CIPHERS), Some("AES256"));
        assert_eq!(closest("blowfish", CIPHERS), None);
    }
}

//! What a download is called: the municipality's slug, the cycle's or budget's name and the
//! day, as the web client names the files it saves (`fileName()` in web/assets/js/ui.js):
//! lower case, every run of other characters than letters and digits one hyphen, at most 60
//! characters of words. Headers carry an ASCII-only form too (RFC 6266), for clients that do
//! not read the UTF-8 one (RFC 5987 `filename*`).

use chrono::NaiveDate;

use super::texts::Texts;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A download's name in two forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// Only ASCII letters, digits, hyphens and dots: safe in a quoted `filename`.
    pub ascii: String,
    /// The name with its letters in any script, for `filename*`.
    pub utf8: String,
}

/// The most characters of words a name keeps (the client's limit too).
const MAX_WORDS: usize = 60;

/// `<slug>-<name's words>-<YYYY-MM-DD>.<ext>`; a name without a letter or digit leaves out
/// its part.
pub fn file_name(slug: &str, name: &str, day: NaiveDate, ext: &str) -> FileName {
    let join = |words: String| {
        let words: String = words.chars().take(MAX_WORDS).collect();
        let words = words.trim_end_matches('-');
        let head: Vec<&str> = [slug, words]
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect();
        format!("{}-{day}.{ext}", head.join("-"))
    };
    FileName {
        // Accents come off (ş → s, ü → u); letters with no ASCII base are dropped.
        ascii: join(words(
            &name
                .nfd()
                .filter(|c| !is_combining_mark(*c))
                .collect::<String>(),
            |c| c.is_ascii_alphanumeric(),
        )),
        utf8: join(words(name, char::is_alphanumeric)),
    }
}

/// [`file_name`] of a name given in several languages: the one in `language` (the
/// municipality's default), else the first there is.
pub fn of_texts(slug: &str, names: &Texts, language: &str, day: NaiveDate, ext: &str) -> FileName {
    let name = names.get(language).or_else(|| names.values().next());
    file_name(slug, name.map_or("", String::as_str), day, ext)
}

/// The name in lower case, each run of characters that are not `keep` one hyphen, no hyphen
/// at either end.
fn words(name: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    for c in name.nfc().flat_map(char::to_lowercase) {
        if keep(c) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 4, 5).unwrap()
    }

    #[test]
    fn a_name_becomes_words_joined_by_hyphens() {
        let name = file_name("bursa", "People's Budget 2027", day(), "tar.gz");
        assert_eq!(name.utf8, "bursa-people-s-budget-2027-2027-04-05.tar.gz");
        assert_eq!(name.ascii, name.utf8);
    }

    #[test]
    fn letters_of_any_script_stay_in_the_utf8_form_only() {
        let name = file_name("almaty", "Халық бюджеті 2027", day(), "pb");
        assert_eq!(name.utf8, "almaty-халық-бюджеті-2027-2027-04-05.pb");
        assert_eq!(name.ascii, "almaty-2027-2027-04-05.pb");
        let turkish = file_name("kadikoy", "Şehir Bütçesi", day(), "csv");
        assert_eq!(turkish.utf8, "kadikoy-şehir-bütçesi-2027-04-05.csv");
        assert_eq!(turkish.ascii, "kadikoy-sehir-butcesi-2027-04-05.csv");
    }

    #[test]
    fn a_name_without_words_leaves_its_part_out_and_a_long_one_is_cut() {
        assert_eq!(
            file_name("kars", "«»", day(), "csv").utf8,
            "kars-2027-04-05.csv"
        );
        let long = file_name("kars", &"a ".repeat(100), day(), "csv").utf8;
        assert_eq!(
            long,
            format!(
                "kars-{}-2027-04-05.csv",
                "a-".repeat(30).trim_end_matches('-')
            )
        );
    }
}

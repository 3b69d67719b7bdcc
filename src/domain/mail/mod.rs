//! The e-mail the service sends: which kinds there are, where a queued message stands, and the
//! texts of each kind in the nine languages the service speaks (`texts/<lang>.json`, embedded,
//! the server's one home for them; the web client's texts are elsewhere).
//!
//! Texts are plain text with `{name}` placeholders filled by [`render`]; a placeholder's value
//! is never read as a template itself, so a municipality's name cannot inject one.

use std::collections::BTreeMap;

use super::string_enum::string_enum;

string_enum! {
    /// What a message is for (its texts' key).
    pub enum MailKind ("mail kind") {
        /// A single-use link to set a new password.
        PasswordRecovery => "password_recovery",
        /// A new staff member's single-use link to set their first password.
        StaffInvitation => "staff_invitation",
        /// A typed code proving the resident reads mail at their account's address.
        EmailCode => "email_code",
    }
}

string_enum! {
    /// Where a queued message stands.
    pub enum OutboxStatus ("outbox status") {
        /// Waiting for its (next) attempt.
        Queued => "queued",
        /// Handed to the mail server; its body is gone.
        Sent => "sent",
        /// Given up after the last attempt; its body is gone.
        Failed => "failed",
    }
}

/// The languages messages are written in, and the one used when a tag is none of them.
pub const LANGUAGES: [&str; 9] = ["tr", "kk", "ky", "uz", "az", "tk", "hu", "ru", "en"];
const FALLBACK: &str = "en";

fn source(language: &str) -> &'static str {
    match language {
        "tr" => include_str!("texts/tr.json"),
        "kk" => include_str!("texts/kk.json"),
        "ky" => include_str!("texts/ky.json"),
        "uz" => include_str!("texts/uz.json"),
        "az" => include_str!("texts/az.json"),
        "tk" => include_str!("texts/tk.json"),
        "hu" => include_str!("texts/hu.json"),
        "ru" => include_str!("texts/ru.json"),
        _ => include_str!("texts/en.json"),
    }
}

#[derive(serde::Deserialize)]
struct Template {
    subject: String,
    body: String,
}

/// A message ready to send: its language's tag, subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub language: &'static str,
    pub subject: String,
    pub body: String,
}

/// Which of [`LANGUAGES`] a language tag is written in: its primary subtag (`uz-Latn` → `uz`),
/// or the fallback.
pub fn language_of(tag: &str) -> &'static str {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|l| **l == primary)
        .copied()
        .unwrap_or(FALLBACK)
}

fn template(kind: MailKind, language: &str) -> Option<Template> {
    let mut all: BTreeMap<String, Template> = serde_json::from_str(source(language)).ok()?;
    all.remove(kind.as_str())
}

/// The message of `kind` in the language of `tag`, its placeholders filled from `values`.
pub fn render(kind: MailKind, tag: &str, values: &[(&str, &str)]) -> Letter {
    let language = language_of(tag);
    let template = template(kind, language)
        .or_else(|| template(kind, FALLBACK))
        .expect("every kind has an English text (tested)");
    Letter {
        language,
        subject: fill(&template.subject, values).replace(['\r', '\n'], " "),
        body: fill(&template.body, values),
    }
}

/// Replaces each `{name}` of `template` in one pass, so a value containing `{…}` stays as it is.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match named {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders each kind's texts must carry.
pub fn placeholders(kind: MailKind) -> &'static [&'static str] {
    match kind {
        MailKind::PasswordRecovery => &["municipality", "link", "minutes"],
        MailKind::StaffInvitation => &["municipality", "link", "days"],
        MailKind::EmailCode => &["municipality", "code", "link", "minutes"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_text_in_all_nine_languages_with_every_placeholder() {
        for kind in MailKind::ALL {
            let english = template(*kind, "en").expect("English").body;
            for language in LANGUAGES {
                let t = template(*kind, language)
                    .unwrap_or_else(|| panic!("{kind} has no text in {language}"));
                assert!(!t.subject.trim().is_empty(), "{kind} {language}");
                for name in placeholders(*kind) {
                    let p = format!("{{{name}}}");
                    assert!(
                        t.subject.contains(&p) || t.body.contains(&p),
                        "{kind} in {language} lacks {p}"
                    );
                }
                assert!(t.body.contains("{link}"), "{kind} in {language}: the link");
                if language != "en" {
                    assert_ne!(t.body, english, "{kind} in {language} is English");
                }
            }
        }
    }

    #[test]
    fn languages_are_read_from_the_primary_subtag() {
        assert_eq!(language_of("uz-Latn"), "uz");
        assert_eq!(language_of("KK"), "kk");
        assert_eq!(language_of("de"), "en");
        assert_eq!(language_of(""), "en");
    }

    #[test]
    fn values_are_filled_once_and_never_read_as_placeholders() {
        let letter = render(
            MailKind::PasswordRecovery,
            "ru",
            &[
                ("municipality", "Город {link}"),
                ("link", "https://x/#/r?token=abc"),
                ("minutes", "30"),
            ],
        );
        assert_eq!(letter.language, "ru");
        assert!(letter.subject.starts_with("Город {link}:"));
        assert!(letter.body.contains("https://x/#/r?token=abc"));
        assert!(letter.body.contains("30 минут"));
        assert_eq!(fill("{a} {b} {", &[("a", "1")]), "1 {b} {");
    }
}

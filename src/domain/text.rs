//! What text the service accepts from outside, decided in one place (issue 15, finding 4).
//!
//! Every string of a request — JSON bodies, query strings, path segments, text headers — is
//! checked by `api::text_guard` with these rules before any handler sees it, so no field can
//! forget them:
//! - no control characters (C0, DEL, C1): PostgreSQL cannot store NUL at all, and the others
//!   garble logs, CSV exports and screens. Line breaks (also U+2028/2029) and tab are allowed
//!   only in fields written on several lines (descriptions, reasons);
//! - no bidirectional embeddings, overrides or isolates (U+202A–202E, U+2066–2069), which
//!   make a text read differently from what it is (a name shown reversed);
//! - not made only of invisible characters (zero-width spaces, joiners, fillers), which would
//!   make a name that looks empty or identical to another;
//! - stored in Unicode NFC, so that the same name typed on two keyboards is the same text.
//!
//! Passwords are secrets, not text to show: only NUL is refused there (it cannot be stored
//! or typed reliably), and they keep their own NFKC normalisation (`auth::password`).

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// How a field's text may look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// One line: a name, an e-mail, a code.
    Line,
    /// Several lines: newline, carriage return and tab are allowed.
    Lines,
    /// A password: anything but NUL, never normalised.
    Secret,
}

/// Why a text was refused; `code()` is the stable reason in the problem's `errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    ControlCharacter,
    BidiControl,
    OnlyInvisible,
}

impl TextError {
    pub fn code(self) -> &'static str {
        match self {
            TextError::ControlCharacter => "control_character",
            TextError::BidiControl => "bidi_control",
            TextError::OnlyInvisible => "only_invisible",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            TextError::ControlCharacter => {
                "Control characters (and, outside multi-line fields, line breaks and tabs) are not allowed."
            }
            TextError::BidiControl => {
                "Bidirectional embeddings, overrides and isolates (U+202A–202E, U+2066–2069) are not allowed."
            }
            TextError::OnlyInvisible => "The text is made only of invisible characters.",
        }
    }
}

/// Checks one text under the rules of its kind.
pub fn check(text: &str, kind: TextKind) -> Result<(), TextError> {
    if kind == TextKind::Secret {
        return match text.contains('\0') {
            true => Err(TextError::ControlCharacter),
            false => Ok(()),
        };
    }
    let multi_line = kind == TextKind::Lines;
    let mut any_visible = text.is_empty();
    let mut any_invisible = false;
    for c in text.chars() {
        let line_break = matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
        if (c.is_control() || line_break) && !(multi_line && (line_break || c == '\t')) {
            return Err(TextError::ControlCharacter);
        }
        if is_bidi_control(c) {
            return Err(TextError::BidiControl);
        }
        if is_invisible(c) {
            any_invisible = true;
        } else if !c.is_whitespace() {
            any_visible = true;
        }
    }
    // Blank text (only spaces) is the field's own business ("required"); text that has
    // something in it, all of it invisible, is refused here.
    if any_invisible && !any_visible {
        return Err(TextError::OnlyInvisible);
    }
    Ok(())
}

/// The text in NFC; borrowed when it already is (nearly always).
pub fn normalise(text: &str, kind: TextKind) -> Cow<'_, str> {
    if kind == TextKind::Secret || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(text);
    }
    let nfc: String = text.nfc().collect();
    if nfc == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(nfc)
    }
}

/// U+202A–202E (embeddings, overrides, pop) and U+2066–2069 (isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that draw nothing: Unicode's default-ignorable code points (zero-width space
/// and joiners, word joiner, variation selectors, tags, the byte-order mark…) and the
/// fillers that fonts leave blank.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_in_multi_line_text() {
        for bad in ["a\0b", "a\u{1}b", "a\u{7f}b", "a\u{85}b", "a\u{1b}[31mb"] {
            assert_eq!(check(bad, TextKind::Line), Err(TextError::ControlCharacter));
            assert_eq!(
                check(bad, TextKind::Lines),
                Err(TextError::ControlCharacter)
            );
        }
        for lines in [
            "one\ntwo",
            "one\r\ntwo",
            "a\tb",
            "one\u{2028}two",
            "one\u{2029}two",
        ] {
            assert_eq!(
                check(lines, TextKind::Line),
                Err(TextError::ControlCharacter)
            );
            assert_eq!(check(lines, TextKind::Lines), Ok(()));
        }
    }

    #[test]
    fn bidi_controls_and_invisible_only_text_are_refused() {
        assert_eq!(
            check("abc\u{202E}fed", TextKind::Line),
            Err(TextError::BidiControl)
        );
        assert_eq!(
            check("\u{2067}x", TextKind::Lines),
            Err(TextError::BidiControl)
        );
        for invisible in [
            "\u{200B}",
            "\u{200B} \u{200D}",
            "\u{3164}",
            "\u{FEFF}\u{2060}",
        ] {
            assert_eq!(
                check(invisible, TextKind::Line),
                Err(TextError::OnlyInvisible)
            );
        }
        // Joiners inside real text, Arabic marks, and blank text are the field's business.
        for fine in ["", "   ", "Ayşe Yılmaz", "क्‍ष", "\u{200F}שלום", "Алматы"]
        {
            assert_eq!(check(fine, TextKind::Line), Ok(()), "{fine:?}");
        }
    }

    #[test]
    fn passwords_refuse_only_nul_and_are_not_normalised() {
        assert_eq!(check("pass\u{202E}word\n", TextKind::Secret), Ok(()));
        assert_eq!(
            check("pass\0word", TextKind::Secret),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(normalise("e\u{301}", TextKind::Secret), "e\u{301}");
    }

    #[test]
    fn text_is_normalised_to_nfc() {
        assert_eq!(normalise("Ays\u{327}e", TextKind::Line), "Ayşe");
        assert!(matches!(
            normalise("Ayşe", TextKind::Line),
            Cow::Borrowed(_)
        ));
    }
}

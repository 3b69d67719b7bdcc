//! What every scheme does to the input first: strip separators, upper-case ASCII.

use super::NationalIdError;

/// Strips whitespace and dashes (including the Unicode ones people paste from documents) and
/// upper-cases ASCII letters with ASCII rules. Any other non-ASCII character is refused rather
/// than case-folded: Unicode upper-casing turns Turkish dotless `ı` into `I`, which would make
/// two different inputs one ID.
pub(super) fn normalise(input: &str) -> Result<String, NationalIdError> {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_whitespace() || is_dash(c) {
            continue;
        }
        if !c.is_ascii() {
            return Err(NationalIdError::InvalidCharacters);
        }
        out.push(c.to_ascii_uppercase());
    }
    Ok(out)
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
    )
}

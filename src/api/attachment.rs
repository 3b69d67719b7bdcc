//! `Content-Disposition` for a download (RFC 6266): the ASCII name in `filename` for every
//! client, the UTF-8 one in `filename*` (RFC 5987) for those that read it, as browsers do.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::domain::file_name::FileName;

/// RFC 5987's `attr-char` are left as they are; everything else is percent-encoded.
const NOT_ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="<ascii>"; filename*=UTF-8''<utf8, percent-encoded>`. The ASCII
/// form holds only letters, digits, hyphens and dots, so it needs no quoting beyond the quotes.
pub fn disposition(name: &FileName) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        name.ascii,
        utf8_percent_encode(&name.utf8, NOT_ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_utf8_name_is_percent_encoded() {
        let name = FileName {
            ascii: "almaty-2027-2027-04-05.pb".into(),
            utf8: "almaty-халық-2027-04-05.pb".into(),
        };
        assert_eq!(
            disposition(&name),
            "attachment; filename=\"almaty-2027-2027-04-05.pb\"; \
             filename*=UTF-8''almaty-%D1%85%D0%B0%D0%BB%D1%8B%D2%9B-2027-04-05.pb"
        );
    }
}

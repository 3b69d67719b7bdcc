//! Which language to answer in: `?lang=` first, then `Accept-Language` by quality, among the
//! languages the municipality enabled; else its default language.

use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::HttpRequest;

/// Picks the best of `enabled` for this request, or `default`.
pub fn negotiate(req: &HttpRequest, enabled: &[String], default: &str) -> String {
    let query_lang = web_query_lang(req);
    let header = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let wanted = query_lang.into_iter().chain(by_quality(header));
    for tag in wanted {
        if let Some(found) = best_match(&tag, enabled) {
            return found;
        }
    }
    default.to_string()
}

fn web_query_lang(req: &HttpRequest) -> Option<String> {
    req.query_string()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// `Accept-Language` tags, best first; `*` and malformed entries are skipped.
fn by_quality(header: &str) -> Vec<String> {
    let mut tags: Vec<(u16, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(position, part)| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            if tag.is_empty() || tag == "*" {
                return None;
            }
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_quality)?;
            (quality > 0).then(|| (quality, position, tag.to_string()))
        })
        .collect();
    tags.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().map(|(_, _, tag)| tag).collect()
}

/// A quality value in thousandths (`0.8` → 800), the way RFC 9110 writes them.
fn parse_quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let whole: u16 = whole.parse().ok()?;
    let mut thousandths = 0u16;
    for (i, digit) in fraction.chars().take(3).enumerate() {
        thousandths += u16::try_from(digit.to_digit(10)?).ok()? * [100, 10, 1][i];
    }
    Some((whole * 1000 + thousandths).min(1000))
}

/// An exact tag match (case-insensitive), else the first enabled tag with the same primary
/// language (`uz` asks for `uz-Latn`; `kk-KZ` gets `kk`).
fn best_match(wanted: &str, enabled: &[String]) -> Option<String> {
    if let Some(exact) = enabled.iter().find(|e| e.eq_ignore_ascii_case(wanted)) {
        return Some(exact.clone());
    }
    let primary = wanted.split('-').next()?.to_ascii_lowercase();
    enabled
        .iter()
        .find(|e| {
            e.split('-')
                .next()
                .is_some_and(|p| p.eq_ignore_ascii_case(&primary))
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn enabled() -> Vec<String> {
        ["kk", "ru", "uz-Latn"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn query_parameter_wins_over_header() {
        let req = TestRequest::with_uri("/x?lang=ru")
            .insert_header((ACCEPT_LANGUAGE, "kk"))
            .to_http_request();
        assert_eq!(negotiate(&req, &enabled(), "kk"), "ru");
    }

    #[test]
    fn header_is_read_by_quality_and_primary_language() {
        let req = TestRequest::default()
            .insert_header((ACCEPT_LANGUAGE, "en;q=0.9, uz-UZ;q=0.95, de"))
            .to_http_request();
        assert_eq!(negotiate(&req, &enabled(), "kk"), "uz-Latn");
    }

    #[test]
    fn falls_back_to_the_default() {
        let req = TestRequest::default()
            .insert_header((ACCEPT_LANGUAGE, "fr, *;q=0.1"))
            .to_http_request();
        assert_eq!(negotiate(&req, &enabled(), "kk"), "kk");
    }
}

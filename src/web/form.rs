//! Reading HTML form bodies and query strings ourselves, so that a bad body still gives back
//! what the pupil typed. Also used by the adviser's browser workstation.
//!
//! axum's `Form` rejects invalid UTF-8 wholesale; here every field is decoded on its own and a
//! field with broken bytes keeps its readable part. Values hold what people wrote, so they are
//! zeroized when the form is dropped.

use axum::http::{HeaderMap, header};
use percent_encoding::percent_decode;
use zeroize::{Zeroize, Zeroizing};

use crate::i18n::Lang;

/// The fields of an `application/x-www-form-urlencoded` body.
pub struct FormBody {
    pairs: Vec<(String, String)>,
    /// True when some field held bytes that are not UTF-8 (they were replaced by U+FFFD).
    pub invalid_utf8: bool,
}

impl FormBody {
    pub fn parse(body: &[u8]) -> FormBody {
        let mut invalid_utf8 = false;
        let mut decode = |raw: &[u8]| {
            let plus_as_space: Vec<u8> = raw
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect();
            let bytes: Vec<u8> = percent_decode(&plus_as_space).collect();
            match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => {
                    invalid_utf8 = true;
                    String::from_utf8_lossy(e.as_bytes()).into_owned()
                }
            }
        };
        let pairs = body
            .split(|&b| b == b'&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let mut it = kv.splitn(2, |&b| b == b'=');
                let k = decode(it.next().unwrap_or_default());
                let v = decode(it.next().unwrap_or_default());
                (k, v)
            })
            .collect();
        FormBody {
            pairs,
            invalid_utf8,
        }
    }

    /// A form from fields already decoded (a multipart body's text fields).
    pub fn from_pairs(pairs: Vec<(String, String)>, invalid_utf8: bool) -> FormBody {
        FormBody {
            pairs,
            invalid_utf8,
        }
    }

    /// The first value of `name`, or "" when the field is absent.
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The language the form asked for in its `lang` field, or `fallback` when it has none.
    pub fn lang_or(&self, fallback: Lang) -> Lang {
        match self.get("lang") {
            "" => fallback,
            l => Lang::from_param(Some(l)),
        }
    }

    /// The first value of `name`, taken out of the form; `None` when the field is absent.
    pub fn take(&mut self, name: &str) -> Option<Zeroizing<String>> {
        self.pairs
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Zeroizing::new(std::mem::take(v)))
    }
}

impl Drop for FormBody {
    fn drop(&mut self) {
        for (_, v) in &mut self.pairs {
            v.zeroize();
        }
    }
}

/// True when the request says it carries an urlencoded form (what every browser sends for a
/// plain `<form method=post>`).
pub fn is_urlencoded(headers: &HeaderMap) -> bool {
    content_type_is(headers, "application/x-www-form-urlencoded")
}

/// True when the request's content type, without its parameters, is `essence` (any case).
pub fn content_type_is(headers: &HeaderMap, essence: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(essence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fields_with_plus_and_percent() {
        let f = FormBody::parse(b"description=Ze+pesten%20me%0A%C3%A9&lang=en&empty=");
        assert_eq!(f.get("description"), "Ze pesten me\n\u{e9}");
        assert_eq!(f.get("lang"), "en");
        assert_eq!(f.get("empty"), "");
        assert_eq!(f.get("missing"), "");
        assert!(!f.invalid_utf8);
    }

    #[test]
    fn invalid_utf8_keeps_the_readable_part() {
        let f = FormBody::parse(b"description=hallo%FF%FEdaar&category=bullying");
        assert!(f.invalid_utf8);
        assert_eq!(f.get("description"), "hallo\u{fffd}\u{fffd}daar");
        assert_eq!(f.get("category"), "bullying");
    }

    #[test]
    fn take_moves_a_value_out() {
        let mut f = FormBody::parse(b"a=1&b=2");
        assert_eq!(f.take("b").as_deref().map(String::as_str), Some("2"));
        assert_eq!(f.get("b"), "");
        assert!(f.take("c").is_none());
    }

    #[test]
    fn content_type_check_ignores_case_and_charset() {
        let mut h = HeaderMap::new();
        assert!(!is_urlencoded(&h));
        h.insert(
            header::CONTENT_TYPE,
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8"
                .parse()
                .unwrap(),
        );
        assert!(is_urlencoded(&h));
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(!is_urlencoded(&h));
    }
}

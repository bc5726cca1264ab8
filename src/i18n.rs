//! The one translation layer: every pupil-facing sentence comes from a Fluent file per language.
//!
//! Adding a language is a new `.ftl` file, a glossary in `i18n/glossary/`, a `Lang` variant and
//! one row in `INFO`; the unit tests and `tests/languages.rs` check every file has the same
//! messages, the same variables, and nothing left untranslated.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

/// A language the pupil pages speak. Dutch first: it is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Nl,
    En,
    Ar,
    Tr,
    Pl,
    Uk,
    Bg,
    Ro,
}

/// What the pages need to know about one language.
struct Info {
    code: &'static str,
    own_name: &'static str,
    /// The Dutch name, for advisers who may not read the pupil's language.
    dutch_name: &'static str,
    /// Thousands separator as the language writes it (CLDR).
    separator: char,
    rtl: bool,
    source: &'static str,
}

/// One row per `Lang`, in the order of `Lang::ALL`.
#[rustfmt::skip]
const INFO: [Info; 8] = [
    Info { code: "nl", own_name: "Nederlands", dutch_name: "Nederlands", separator: '.', rtl: false, source: include_str!("i18n/nl.ftl") },
    Info { code: "en", own_name: "English", dutch_name: "Engels", separator: ',', rtl: false, source: include_str!("i18n/en.ftl") },
    Info { code: "ar", own_name: "العربية", dutch_name: "Arabisch", separator: ',', rtl: true, source: include_str!("i18n/ar.ftl") },
    Info { code: "tr", own_name: "Türkçe", dutch_name: "Turks", separator: '.', rtl: false, source: include_str!("i18n/tr.ftl") },
    Info { code: "pl", own_name: "Polski", dutch_name: "Pools", separator: '\u{a0}', rtl: false, source: include_str!("i18n/pl.ftl") },
    Info { code: "uk", own_name: "Українська", dutch_name: "Oekraïens", separator: '\u{a0}', rtl: false, source: include_str!("i18n/uk.ftl") },
    Info { code: "bg", own_name: "Български", dutch_name: "Bulgaars", separator: '\u{a0}', rtl: false, source: include_str!("i18n/bg.ftl") },
    Info { code: "ro", own_name: "Română", dutch_name: "Roemeens", separator: '.', rtl: false, source: include_str!("i18n/ro.ftl") },
];

impl Lang {
    pub const ALL: [Lang; 8] = [
        Lang::Nl,
        Lang::En,
        Lang::Ar,
        Lang::Tr,
        Lang::Pl,
        Lang::Uk,
        Lang::Bg,
        Lang::Ro,
    ];

    fn info(self) -> &'static Info {
        &INFO[self as usize]
    }

    /// The BCP 47 tag, for `<html lang>` and the `lang` query parameter.
    pub fn code(self) -> &'static str {
        self.info().code
    }

    /// A whole number as this language writes it: `20.000` in Dutch, `20,000` in English,
    /// `20 000` in Polish. Digits stay Western, like the phone numbers beside them.
    pub fn number(self, n: usize) -> String {
        let separator = self.info().separator;
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(d);
        }
        out
    }

    /// A decimal number with one place as this language writes it: `1,5` in Dutch, Turkish,
    /// Polish, Ukrainian, Bulgarian and Romanian; `1.5` in English and Arabic (Western digits).
    pub fn decimal(self, x: f64) -> String {
        let text = format!("{x:.1}");
        match self {
            Lang::En | Lang::Ar => text,
            _ => text.replace('.', ","),
        }
    }

    /// The language a `lang` parameter names, if it names one we speak.
    pub fn parse(param: &str) -> Option<Lang> {
        let p = param.trim();
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(p))
    }

    /// Reads a `lang` parameter; anything unknown falls back to Dutch.
    pub fn from_param(param: Option<&str>) -> Lang {
        param.and_then(Lang::parse).unwrap_or_default()
    }

    /// The best language we speak for an `Accept-Language` header, by its q-values; `None`
    /// when it names none of ours. `uk-UA` matches `uk`; `*` and `q=0` match nothing. The
    /// header is only read here, per request: never stored, never logged.
    pub fn negotiate(accept: &str) -> Option<Lang> {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (pos, item) in accept.split(',').enumerate().take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let mut q = 1.0f32;
            for p in parts {
                if let Some(v) = p
                    .trim()
                    .strip_prefix("q=")
                    .or_else(|| p.trim().strip_prefix("Q="))
                {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            if !(q > 0.0 && q <= 1.0) {
                continue;
            }
            let primary = tag.split(['-', '_']).next().unwrap_or("");
            let Some(lang) = Lang::parse(primary) else {
                continue;
            };
            // Higher q wins; on a tie, the one the browser listed first.
            if best.is_none_or(|(bq, bpos, _)| q > bq || (q == bq && pos < bpos)) {
                best = Some((q, pos, lang));
            }
        }
        best.map(|(_, _, l)| l)
    }

    /// Text direction: Arabic is written right to left.
    pub fn dir(self) -> &'static str {
        if self.info().rtl { "rtl" } else { "ltr" }
    }

    /// The language's own name, for the switch ("Nederlands", "English", "العربية").
    pub fn own_name(self) -> &'static str {
        self.info().own_name
    }

    /// The language's name in Dutch, for the adviser's workstation ("Arabisch").
    pub fn dutch_name(self) -> &'static str {
        self.info().dutch_name
    }

    /// The Fluent source of this language, for tests that check the files stay whole.
    pub fn source(self) -> &'static str {
        self.info().source
    }
}

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<Vec<Bundle>> = LazyLock::new(|| {
    Lang::ALL
        .iter()
        .map(|&lang| {
            let id = lang.code().parse().expect("language codes are valid tags");
            let mut bundle = Bundle::new_concurrent(vec![id]);
            // Unicode isolation marks would end up inside phone numbers and links.
            bundle.set_use_isolating(false);
            let resource =
                FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(_, errors)| {
                    panic!("{}.ftl does not parse: {errors:?}", lang.code())
                });
            bundle
                .add_resource(resource)
                .expect("message ids are unique within a file");
            bundle
        })
        .collect()
});

fn bundle(lang: Lang) -> &'static Bundle {
    &BUNDLES[Lang::ALL
        .iter()
        .position(|&l| l == lang)
        .expect("every Lang has a bundle")]
}

/// The message `id` in `lang`. A missing message renders as `⟦id⟧`, which tests look for.
pub fn t(lang: Lang, id: &str) -> String {
    format(lang, id, None)
}

/// The message `id` in `lang` with named arguments.
pub fn t_args(lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, v.clone());
    }
    format(lang, id, Some(&fa))
}

fn format(lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::error!(message_id = id, lang = lang.code(), "missing translation");
        return format!("⟦{id}⟧");
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::error!(message_id = id, lang = lang.code(), "translation error");
    }
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn numbers_are_grouped_the_way_each_language_writes_them() {
        assert_eq!(Lang::Nl.number(0), "0");
        assert_eq!(Lang::Nl.number(999), "999");
        assert_eq!(Lang::Nl.number(20_000), "20.000");
        assert_eq!(Lang::En.number(20_005), "20,005");
        assert_eq!(Lang::En.number(1_234_567), "1,234,567");
    }

    fn ids(lang: Lang) -> BTreeSet<String> {
        lang.source()
            .lines()
            .filter_map(|l| {
                let (id, _) = l.split_once(" =")?;
                (!id.starts_with([' ', '#', '-']) && !id.is_empty()).then(|| id.to_owned())
            })
            .collect()
    }

    #[test]
    fn every_language_has_every_message() {
        let nl = ids(Lang::Nl);
        assert!(nl.len() > 50, "nl.ftl looks empty");
        for lang in Lang::ALL {
            let other = ids(lang);
            let missing: Vec<_> = nl.difference(&other).collect();
            let extra: Vec<_> = other.difference(&nl).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            assert!(extra.is_empty(), "{} has extra {extra:?}", lang.code());
            for id in &nl {
                assert!(!t(lang, id).contains('⟦'), "{id} in {}", lang.code());
            }
        }
    }

    #[test]
    fn arguments_are_filled_in() {
        let s = t_args(
            Lang::En,
            "problem-too-long",
            &[("chars", 21_000.into()), ("max", 20_000.into())],
        );
        assert!(s.contains("21") && s.contains("20"), "{s}");
    }

    #[test]
    fn unknown_language_falls_back_to_dutch() {
        assert_eq!(Lang::from_param(Some("xx")), Lang::Nl);
        assert_eq!(Lang::from_param(None), Lang::Nl);
        assert_eq!(Lang::from_param(Some("EN")), Lang::En);
        assert_eq!(Lang::from_param(Some("ar")), Lang::Ar);
    }

    #[test]
    fn accept_language_picks_the_best_language_we_speak() {
        assert_eq!(Lang::negotiate("uk"), Some(Lang::Uk));
        assert_eq!(Lang::negotiate("uk-UA,uk;q=0.9,en;q=0.8"), Some(Lang::Uk));
        assert_eq!(
            Lang::negotiate("de-DE,de;q=0.9,tr;q=0.5,en;q=0.4"),
            Some(Lang::Tr)
        );
        assert_eq!(Lang::negotiate("en;q=0.3, ar-SY;q=0.8"), Some(Lang::Ar));
        assert_eq!(Lang::negotiate("pl;q=0, ro;q=0.2"), Some(Lang::Ro));
        assert_eq!(Lang::negotiate("de, fr;q=0.9, *;q=0.1"), None);
        assert_eq!(Lang::negotiate(""), None);
        assert_eq!(Lang::negotiate("bg;q=abc"), None);
    }

    #[test]
    fn every_row_of_the_table_is_its_own_language() {
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            assert_eq!(lang as usize, i, "Lang::ALL and INFO are in the same order");
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::Ar.dir(), "rtl");
        assert_eq!(Lang::Pl.number(20_000), "20\u{a0}000");
        assert_eq!(Lang::Tr.decimal(1.25), "1,2");
        assert_eq!(Lang::Ar.decimal(1.5), "1.5");
    }
}

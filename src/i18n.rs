//! The one translation layer: every pupil-facing sentence comes from a Fluent file per language.
//!
//! Adding a language (Arabic, Turkish, Polish, Ukrainian) is a new `.ftl` file and a `Lang`
//! variant; the unit tests check every file has the same messages.

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
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nl, Lang::En];

    /// The BCP 47 tag, for `<html lang>` and the `lang` query parameter.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// A whole number as this language writes it: `20.000` in Dutch, `20,000` in English.
    pub fn number(self, n: usize) -> String {
        let separator = match self {
            Lang::Nl => '.',
            Lang::En => ',',
        };
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

    /// Reads a `lang` parameter; anything unknown falls back to Dutch.
    pub fn from_param(param: Option<&str>) -> Lang {
        match param.map(str::trim) {
            Some(p) if p.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Nl,
        }
    }

    /// Text direction, ready for right-to-left languages.
    pub fn dir(self) -> &'static str {
        "ltr"
    }

    /// The language's own name, for the switch ("Nederlands", "English").
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Nl => "Nederlands",
            Lang::En => "English",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Nl => include_str!("i18n/nl.ftl"),
            Lang::En => include_str!("i18n/en.ftl"),
        }
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
    }
}

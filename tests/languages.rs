//! Every pupil in their own language (issue 14): the Fluent files stay whole, and the real server
//! answers in the language the pupil chose or their browser asked for.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use fluent_syntax::ast;
use fluister::i18n::{Lang, t};

/// The six languages added by issue 14.
const NEW: [Lang; 6] = [Lang::Ar, Lang::Tr, Lang::Pl, Lang::Uk, Lang::Bg, Lang::Ro];

/// Messages that are only a name, and so rightly read the same in every language.
const SAME_EVERYWHERE: [&str; 3] = [
    "site-name",
    "help-line-kindertelefoon",
    "help-line-veilig-thuis",
];

/// Words that are spelled the same in a language as in Dutch or English, and are correct there.
const SAME_BY_CHANCE: [(Lang, &str); 1] = [(Lang::Ro, "month-8")]; // "august"

/// Names of services the form links to, which have a space in them but are not sentences.
const NAMES_ON_THE_PAGE: [&str; 2] = ["Take It Down", "Veilig Thuis"];

/// Each message of a file with the variables it uses (in text, selectors and every variant).
fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let resource = fluent_syntax::parser::parse(lang.source())
        .unwrap_or_else(|(_, errors)| panic!("{}.ftl does not parse: {errors:?}", lang.code()));
    let mut out = BTreeMap::new();
    for entry in resource.body {
        match entry {
            ast::Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                let value = m.value.as_ref();
                let value = value.unwrap_or_else(|| panic!("{} has no value", m.id.name));
                pattern_vars(value, &mut vars);
                assert!(
                    out.insert(m.id.name.to_owned(), vars).is_none(),
                    "{} twice in {}.ftl",
                    m.id.name,
                    lang.code()
                );
            }
            ast::Entry::Junk { content } => {
                panic!("{}.ftl has a broken entry: {content}", lang.code())
            }
            _ => {}
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &p.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, vars),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
        }
        _ => {}
    }
}

#[test]
fn every_file_parses_and_has_exactly_the_messages_and_variables_of_dutch() {
    let nl = messages(Lang::Nl);
    assert!(nl.len() > 100, "nl.ftl looks empty");
    for lang in Lang::ALL {
        let other = messages(lang);
        let missing: Vec<_> = nl.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !nl.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{}.ftl lacks {missing:?}", lang.code());
        assert!(extra.is_empty(), "{}.ftl has extra {extra:?}", lang.code());
        for (id, vars) in &nl {
            assert_eq!(
                &other[id],
                vars,
                "{id} in {}.ftl uses other variables than in nl.ftl",
                lang.code()
            );
        }
    }
}

#[test]
fn no_message_is_left_in_dutch_or_english() {
    for lang in NEW {
        for id in messages(Lang::Nl).keys() {
            if SAME_EVERYWHERE.contains(&id.as_str()) || SAME_BY_CHANCE.contains(&(lang, id)) {
                continue;
            }
            let text = t(lang, id).to_lowercase();
            for source in [Lang::Nl, Lang::En] {
                assert_ne!(
                    text,
                    t(source, id).to_lowercase(),
                    "{id} in {}.ftl is still the {} text",
                    lang.code(),
                    source.code()
                );
            }
        }
    }
}

#[test]
fn every_new_file_says_how_it_was_made_and_that_it_awaits_review() {
    for lang in NEW {
        let head: String = lang
            .source()
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            head.contains("machine-drafted by an AI model"),
            "{}",
            lang.code()
        );
        assert!(head.contains("December 2026"), "{}", lang.code());
        assert!(
            head.contains("AWAITS REVIEW by a native speaker"),
            "{}",
            lang.code()
        );
        assert!(head.contains("works with"), "{}", lang.code());
        let glossary = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/i18n/glossary")
            .join(format!("{}.md", lang.code()));
        let glossary = std::fs::read_to_string(&glossary).expect("a glossary per language");
        for term in [
            "Kindertelefoon",
            "Veilig Thuis",
            "vertrouwenspersoon",
            "0800-0432",
        ] {
            assert!(
                glossary.contains(term),
                "{} glossary lacks {term}",
                lang.code()
            );
        }
    }
}

/// The first time a Dutch institution appears, the pupil's language explains it in brackets.
#[test]
fn dutch_institutions_keep_their_name_with_an_explanation() {
    for lang in NEW {
        for id in [
            "help-kindertelefoon",
            "help-veilig-thuis",
            "footer-privacy",
            "footer-privacy-spare-key",
            "footer-privacy-spare-key-some",
        ] {
            let s = t(lang, id);
            assert!(
                s.contains('(') && s.contains(')'),
                "{id} in {}: {s}",
                lang.code()
            );
        }
        assert!(t(lang, "help-kindertelefoon").contains("Kindertelefoon"));
        assert!(t(lang, "help-veilig-thuis").contains("Veilig Thuis"));
        for footer in [
            "footer-privacy",
            "footer-privacy-spare-key",
            "footer-privacy-spare-key-some",
        ] {
            assert!(t(lang, footer).contains("vertrouwenspers"), "{footer}");
        }
    }
}

fn get_with(url: &str, accept_language: &str) -> Page {
    let agent = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut res = agent
        .get(url)
        .header("Accept-Language", accept_language)
        .call()
        .expect("the server answers");
    Page {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.body_mut().read_to_string().unwrap(),
    }
}

/// The text between tags, one entry per piece of text, whitespace collapsed.
fn texts(html: &str) -> BTreeSet<String> {
    let body = &html[html.find("<body").expect("a body")..];
    let mut out = BTreeSet::new();
    for piece in body
        .split('<')
        .filter_map(|p| p.split_once('>').map(|(_, t)| t))
    {
        let text = piece.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            out.insert(text.replace("&quot;", "\""));
        }
    }
    out
}

fn html_tag(body: &str) -> &str {
    let start = body.find("<html").expect("an html element");
    &body[start..start + body[start..].find('>').unwrap()]
}

#[test]
fn each_new_language_has_its_own_page_that_shares_no_sentence_with_english() {
    let server = Server::demo();
    let english = get(&server.url("/s/demo?lang=en"));
    let english_texts = texts(&english.body);
    for lang in NEW {
        let page = get(&server.url(&format!("/s/demo?lang={}", lang.code())));
        assert_eq!(page.status, 200);
        let html = html_tag(&page.body);
        assert!(
            html.contains(&format!("lang=\"{}\"", lang.code())),
            "{html}"
        );
        let dir = if lang == Lang::Ar { "rtl" } else { "ltr" };
        assert!(html.contains(&format!("dir=\"{dir}\"")), "{html}");
        assert!(page.body.contains(&t(lang, "form-submit")));
        // A sentence is text with a space in it; single words are names (Fluister,
        // Kindertelefoon, the school) or the language switch, which lists every language.
        let shared: Vec<_> = texts(&page.body)
            .intersection(&english_texts)
            .filter(|s| s.contains(' ') && s.chars().any(char::is_alphabetic))
            .filter(|s| !NAMES_ON_THE_PAGE.contains(&s.as_str()))
            .cloned()
            .collect();
        assert!(shared.is_empty(), "{} shares {shared:?}", lang.code());
        // The switch names every language in its own name, each marked with its language.
        for other in Lang::ALL {
            assert!(page.body.contains(other.own_name()), "{}", other.code());
            assert!(page.body.contains(&format!("lang=\"{}\"", other.code())));
        }
        assert!(page.header("set-cookie").is_none());
    }
}

#[test]
fn the_browser_language_is_used_when_the_pupil_has_not_chosen() {
    let server = Server::demo();
    let uk = get_with(&server.url("/s/demo"), "uk-UA,uk;q=0.9,en;q=0.5");
    assert!(html_tag(&uk.body).contains("lang=\"uk\""));
    assert!(uk.body.contains(&t(Lang::Uk, "form-submit")));
    // The language then travels in the form, not in a cookie.
    assert!(uk.body.contains("name=\"lang\" value=\"uk\""));
    assert!(uk.header("set-cookie").is_none());
    assert!(
        uk.header("vary")
            .is_some_and(|v| v.contains("Accept-Language"))
    );

    let unsupported = get_with(&server.url("/s/demo"), "de-DE,de;q=0.9,fr;q=0.8");
    assert!(html_tag(&unsupported.body).contains("lang=\"nl\""));
    assert!(unsupported.body.contains(&t(Lang::Nl, "form-submit")));

    // A choice beats the browser.
    let chosen = get_with(&server.url("/s/demo?lang=ro"), "uk");
    assert!(html_tag(&chosen.body).contains("lang=\"ro\""));

    // Pages a pupil reaches without a form say it in the browser's language too.
    let check = get_with(&server.url("/check"), "tr");
    assert!(check.body.contains(&t(Lang::Tr, "check-title")));
    let missing = get_with(&server.url("/no-such-page"), "bg");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains(&t(Lang::Bg, "error-not-found-title")));

    // Read per request, never written down.
    let logs = server.stop();
    assert!(
        !logs.contains("uk-UA"),
        "the Accept-Language header was logged"
    );
}

#[test]
fn a_report_sent_in_arabic_gets_its_confirmation_and_code_in_arabic() {
    let server = Server::demo();
    let page = post_form(
        &server.url("/s/demo/report?lang=ar"),
        &[
            ("category", "bullying"),
            ("description", "يضايقونني في الساحة"),
            ("danger_now", "no"),
            ("lang", "ar"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let html = html_tag(&page.body);
    assert!(
        html.contains("lang=\"ar\"") && html.contains("dir=\"rtl\""),
        "{html}"
    );
    assert!(page.body.contains(&t(Lang::Ar, "done-title")));
    assert!(page.body.contains(&t(Lang::Ar, "done-code-intro")));
    let code = page.pickup_code().expect("the confirmation shows a code");
    assert_eq!(code.len(), 19, "{code}");
    // The code reads left to right inside the right-to-left page.
    assert!(page.body.contains("<output id=\"pickup-code\" dir=\"ltr\""));
    // The type-back step stays in Arabic.
    assert!(page.body.contains("/check/confirm?lang=ar"));

    // Typing the code back, and opening the conversation, answer in Arabic.
    let typed = post_form(
        &server.url("/check/confirm?lang=ar"),
        &[("code", &code), ("shown", &code), ("lang", "ar")],
    );
    assert!(
        typed.body.contains(&t(Lang::Ar, "confirm-ok-title")),
        "{}",
        typed.body
    );
    let conv = post_form(
        &server.url("/check?lang=ar"),
        &[("code", &code), ("lang", "ar")],
    );
    assert!(
        conv.body.contains(&t(Lang::Ar, "conv-title")),
        "{}",
        conv.body
    );
    assert!(html_tag(&conv.body).contains("dir=\"rtl\""));
}

#[test]
fn refusals_speak_the_chosen_language() {
    let server = Server::demo();
    let page = post_form(
        &server.url("/s/demo/report?lang=pl"),
        &[
            ("category", "bullying"),
            ("description", ""),
            ("lang", "pl"),
        ],
    );
    assert!(
        page.body
            .contains(&t(Lang::Pl, "problem-description-missing"))
    );
    let wrong = post_form(
        &server.url("/check?lang=uk"),
        &[("code", "AAAA-BBBB-CCCC-DDDD"), ("lang", "uk")],
    );
    assert!(html_tag(&wrong.body).contains("lang=\"uk\""));
    assert!(!wrong.body.contains(&t(Lang::Nl, "check-title")));
}

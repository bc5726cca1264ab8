//! What the pupil pages promise about who holds the key to a report, through the real server:
//! "only the advisers of your school" where that is true, and the school board's spare key
//! where the school has a recovery key (DESIGN.md "Adviser lifecycle"), on every page a pupil
//! sees, in every language.

mod common;

use std::path::Path;

use age::x25519;
use common::*;
use fluister::i18n::{Lang, t, t_args};

/// A school whose board keeps a recovery key.
const WITH: &str = "linde";
/// A school without one.
const WITHOUT: &str = "eik";

/// The three things a page's footer can say, and which of them a page must say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Says {
    /// Only the advisers of your school have the key.
    OnlyAdvisers,
    /// The advisers have the key; the school board keeps a spare one.
    SpareKey,
    /// The advisers have the key; at some schools the board keeps a spare one.
    SpareKeyAtSome,
}

impl Says {
    const ALL: [Says; 3] = [Says::OnlyAdvisers, Says::SpareKey, Says::SpareKeyAtSome];

    fn footer(self) -> &'static str {
        match self {
            Says::OnlyAdvisers => "footer-privacy",
            Says::SpareKey => "footer-privacy-spare-key",
            Says::SpareKeyAtSome => "footer-privacy-spare-key-some",
        }
    }
}

/// Text as maud writes it into a page.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page says `says` in its footer, and neither of the other two.
fn assert_says(page: &Page, lang: Lang, says: Says, what: &str) {
    assert!(
        page.body.contains(&format!("lang=\"{}\"", lang.code())),
        "{what}: not a page in {}: {}",
        lang.code(),
        page.body
    );
    for other in Says::ALL {
        let shown = page.body.contains(&html(&t(lang, other.footer())));
        assert_eq!(
            shown,
            other == says,
            "{what} [{}]: expected the footer to say {says:?}, but {other:?} is {}",
            lang.code(),
            if shown { "there" } else { "missing" }
        );
    }
    // In the words a pupil reads, for the two languages written first.
    let (only, spare) = match lang {
        Lang::Nl => ("Alleen de vertrouwenspersonen", "reservesleutel"),
        Lang::En => ("Only the confidential advisers", "spare key"),
        _ => return,
    };
    let lower = page.body.to_lowercase();
    match says {
        Says::OnlyAdvisers => assert!(!lower.contains(spare), "{what}: {spare}"),
        Says::SpareKey | Says::SpareKeyAtSome => {
            assert!(lower.contains(spare), "{what}: no {spare}");
            assert!(
                !lower.contains(&only.to_lowercase()),
                "{what}: still says {only:?}"
            );
        }
    }
}

/// The value of the hidden field `name` on a page, as a browser would send it back.
fn hidden(page: &Page, name: &str) -> String {
    let at = page
        .body
        .find(&format!("type=\"hidden\" name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no hidden {name}: {}", page.body));
    let value = &page.body[at..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    value[..value.find('"').unwrap()].to_owned()
}

/// The form's line under the title: who reads this.
fn assert_form_says(page: &Page, lang: Lang, school: &str, spare: bool) {
    let name = [("school", school.into())];
    let only = html(&t_args(lang, "form-who-reads", &name));
    let board = html(&t_args(lang, "form-who-reads-spare-key", &name));
    assert_eq!(
        page.body.contains(&only),
        !spare,
        "{school} [{}]",
        lang.code()
    );
    assert_eq!(
        page.body.contains(&board),
        spare,
        "{school} [{}]",
        lang.code()
    );
}

/// One install, two schools: De Linde's board keeps a recovery key, De Eik has none.
fn two_schools(tmp: &Path) -> Server {
    let adviser = || x25519::Identity::generate().to_public();
    let board = x25519::Identity::generate().to_public();
    let config = tmp.join("fluister.toml");
    let data = tmp.join("data");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n\
             [limits]\nreports_per_source_per_hour = 1000\n\
             checks_per_source_per_minute = 10000\nmessages_per_report_per_hour = 10000\n\
             [[school]]\nslug = \"{WITH}\"\nname = \"De Linde\"\nadvisers = [\"{}\"]\n\
             recovery = \"{board}\"\n\
             [[school]]\nslug = \"{WITHOUT}\"\nname = \"De Eik\"\nadvisers = [\"{}\"]\n",
            data.display(),
            adviser(),
            adviser(),
        ),
    )
    .unwrap();
    Server::start(&["--config", config.to_str().unwrap()], &data)
}

/// A pupil of `slug` goes through every page: the form, sending it, the confirmation, typing
/// the code back wrong and right, the conversation, a follow-up. Each page says `says`.
fn walk(server: &Server, slug: &str, name: &str, lang: Lang, says: Says) {
    let l = lang.code();
    let what = |page: &str| format!("{slug}: {page}");

    let form = get(&server.url(&format!("/s/{slug}?lang={l}")));
    assert_eq!(form.status, 200);
    assert_says(&form, lang, says, &what("form"));
    assert_form_says(&form, lang, name, says == Says::SpareKey);

    let done = post_form(
        &server.url(&format!("/s/{slug}/report?lang={l}")),
        &[
            ("category", "bullying"),
            (
                "description",
                "Ze pakken elke dag mijn fiets af bij het hek",
            ),
            ("danger_now", "no"),
            ("lang", l),
        ],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert_says(&done, lang, says, &what("confirmation"));
    let code = done.pickup_code().expect("the confirmation shows a code");
    // The type-back form sends back what its hidden fields hold.
    let (shown, school) = (hidden(&done, "shown"), hidden(&done, "school"));
    assert_eq!((shown.as_str(), school.as_str()), (code.as_str(), slug));

    // Typed back wrong: the same confirmation again, saying the same.
    let wrong = post_form(
        &server.url(&format!("/check/confirm?lang={l}")),
        &[
            ("code", "AAAA-BBBB-CCCC-DDDD"),
            ("shown", &shown),
            ("school", &school),
            ("lang", l),
        ],
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains(&code));
    assert_says(&wrong, lang, says, &what("confirmation, typed back wrong"));

    let right = post_form(
        &server.url(&format!("/check/confirm?lang={l}")),
        &[
            ("code", &code),
            ("shown", &shown),
            ("school", &school),
            ("lang", l),
        ],
    );
    assert_eq!(right.status, 200, "{}", right.body);
    assert!(right.body.contains(&t(lang, "confirm-ok-title")));
    assert_says(&right, lang, says, &what("code works"));

    let conv = post_form(
        &server.url(&format!("/check?lang={l}")),
        &[("code", &code), ("lang", l)],
    );
    assert_eq!(conv.status, 200, "{}", conv.body);
    assert!(conv.body.contains(&t(lang, "conv-title")));
    assert_says(&conv, lang, says, &what("conversation"));

    let more = post_form(
        &server.url(&format!("/check/message?lang={l}")),
        &[("code", &code), ("message", "Vandaag weer"), ("lang", l)],
    );
    assert_eq!(more.status, 200, "{}", more.body);
    assert!(more.body.contains(&t(lang, "conv-sent")));
    assert_says(&more, lang, says, &what("conversation after a follow-up"));
}

#[test]
fn a_school_whose_board_keeps_a_recovery_key_says_so_on_every_page() {
    let tmp = tempfile::tempdir().unwrap();
    let server = two_schools(tmp.path());
    for lang in [Lang::Nl, Lang::En] {
        walk(&server, WITH, "De Linde", lang, Says::SpareKey);
    }
}

#[test]
fn a_school_without_one_keeps_saying_only_the_advisers_have_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let server = two_schools(tmp.path());
    for lang in [Lang::Nl, Lang::En] {
        walk(&server, WITHOUT, "De Eik", lang, Says::OnlyAdvisers);
    }
}

#[test]
fn every_language_says_it_per_school_and_for_the_install() {
    let tmp = tempfile::tempdir().unwrap();
    let server = two_schools(tmp.path());
    for lang in Lang::ALL {
        let l = lang.code();
        let with = get(&server.url(&format!("/s/{WITH}?lang={l}")));
        assert_says(&with, lang, Says::SpareKey, WITH);
        assert_form_says(&with, lang, "De Linde", true);
        let without = get(&server.url(&format!("/s/{WITHOUT}?lang={l}")));
        assert_says(&without, lang, Says::OnlyAdvisers, WITHOUT);
        assert_form_says(&without, lang, "De Eik", false);
        // Before a code is typed the page belongs to no school, and the schools differ.
        let check = get(&server.url(&format!("/check?lang={l}")));
        assert_says(&check, lang, Says::SpareKeyAtSome, "/check");
    }
}

#[test]
fn pages_of_no_school_say_what_is_true_of_every_school_of_the_install() {
    // Two schools, one with a spare key: the list of schools, /check, a code that opens
    // nothing and a missing page can only say "at some schools".
    let tmp = tempfile::tempdir().unwrap();
    let mixed = two_schools(tmp.path());
    for lang in [Lang::Nl, Lang::En] {
        let l = lang.code();
        let list = get(&mixed.url(&format!("/?lang={l}")));
        assert!(list.body.contains(&t(lang, "home-title")));
        assert_says(&list, lang, Says::SpareKeyAtSome, "school list");
        let check = get(&mixed.url(&format!("/check?lang={l}")));
        assert_says(&check, lang, Says::SpareKeyAtSome, "/check");
        let unknown = post_form(
            &mixed.url(&format!("/check?lang={l}")),
            &[("code", "AAAA-BBBB-CCCC-DDDD"), ("lang", l)],
        );
        assert_eq!(unknown.status, 404);
        assert_says(&unknown, lang, Says::SpareKeyAtSome, "/check, unknown code");
        let missing = get(&mixed.url(&format!("/no-such-page?lang={l}")));
        assert_eq!(missing.status, 404);
        assert_says(&missing, lang, Says::SpareKeyAtSome, "404");
        // A school's address mangled on the way (not UTF-8) names no school either.
        let mangled = get(&mixed.url(&format!("/s/%FF?lang={l}")));
        assert_eq!(mangled.status, 404);
        assert_says(&mangled, lang, Says::SpareKeyAtSome, "404, mangled school");
    }

    // One school, with a recovery key: every page is that school's.
    let tmp = tempfile::tempdir().unwrap();
    let adviser = x25519::Identity::generate();
    let board = x25519::Identity::generate().to_public();
    let config = config_for(tmp.path(), &adviser, "");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str(&format!("recovery = \"{board}\"\n"));
    std::fs::write(&config, toml).unwrap();
    let one = Server::start(
        &["--config", config.to_str().unwrap()],
        &tmp.path().join("data"),
    );
    for lang in [Lang::Nl, Lang::En] {
        let l = lang.code();
        let home = get(&one.url(&format!("/?lang={l}")));
        assert_says(&home, lang, Says::SpareKey, "home, one school");
        assert_form_says(&home, lang, "Demoschool", true);
        let check = get(&one.url(&format!("/check?lang={l}")));
        assert_says(&check, lang, Says::SpareKey, "/check, one school");
        let missing = get(&one.url(&format!("/no-such-page?lang={l}")));
        assert_says(&missing, lang, Says::SpareKey, "404, one school");
    }

    // The demo install has no recovery key: the promise stays as it was.
    let demo = Server::demo();
    for lang in [Lang::Nl, Lang::En] {
        let l = lang.code();
        let check = get(&demo.url(&format!("/check?lang={l}")));
        assert_says(&check, lang, Says::OnlyAdvisers, "/check, demo");
        let home = get(&demo.url(&format!("/?lang={l}")));
        assert_form_says(&home, lang, "Demoschool", false);
    }
}

//! Refresh, Back and a double tap never make a second report or lose the code (DESIGN.md
//! "Idempotent submissions"), played as a browser plays them: the form's hidden token is sent
//! again with the same fields, or with edited ones, or twice at once.

mod common;

use common::*;

/// The hidden submission token of a report form page.
fn token_of(page: &Page) -> String {
    let at = page
        .body
        .find("name=\"t\" value=\"")
        .unwrap_or_else(|| panic!("a token field: {}", page.body));
    let rest = &page.body[at + "name=\"t\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn send(server: &Server, token: &str, description: &str) -> Page {
    post_multipart(
        &server.url("/s/demo/report"),
        &[
            ("lang", "nl"),
            ("t", token),
            ("category", "threat"),
            ("description", description),
            ("danger_now", "unsure"),
        ],
        &[],
    )
}

#[test]
fn a_refresh_shows_the_same_code_and_an_edit_is_not_stored_over_it() {
    let server = Server::demo();
    let form = get(&server.url("/s/demo"));
    let token = token_of(&form);
    assert_eq!(token.len(), 32);
    assert_ne!(
        token,
        token_of(&get(&server.url("/s/demo"))),
        "fresh per page"
    );

    let first = send(&server, &token, "Hij wacht me op na school. SENTINEL-A");
    assert_eq!(first.status, 200, "{}", first.body);
    let code = first.pickup_code().unwrap();
    // Reload of the confirmation page: the browser posts the same form again.
    let again = send(&server, &token, "Hij wacht me op na school. SENTINEL-A");
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.pickup_code().unwrap(), code);
    assert!(again.body.contains("112"), "the danger line is shown again");
    assert_eq!(server.report_count(), 1);

    // Back, an edit, send: the earlier report stays as it was; the pupil gets the form back
    // with the new text, a fresh token and no code.
    let edited = send(
        &server,
        &token,
        "Hij wacht me op na school, ook op zaterdag. SENTINEL-B",
    );
    assert_eq!(edited.status, 409, "{}", edited.body);
    assert!(
        edited.body.contains("Deze melding was al verstuurd"),
        "{}",
        edited.body
    );
    assert!(edited.body.contains("SENTINEL-B"), "text kept");
    assert!(edited.pickup_code().is_none());
    assert_eq!(server.report_count(), 1);
    let fresh = token_of(&edited);
    assert_ne!(fresh, token);
    // Sending that form on purpose makes the second report.
    let second = send(
        &server,
        &fresh,
        "Hij wacht me op na school, ook op zaterdag. SENTINEL-B",
    );
    assert_eq!(second.status, 200, "{}", second.body);
    assert_ne!(second.pickup_code().unwrap(), code);
    assert_eq!(server.report_count(), 2);

    // The first code still opens the first report, unchanged.
    let page = post_form(&server.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert!(page.body.contains("SENTINEL-A"));
    assert!(!page.body.contains("SENTINEL-B"));
}

#[test]
fn a_double_tap_makes_one_report_and_both_answers_show_its_code() {
    let server = Server::demo();
    for round in 0..5 {
        let token = token_of(&get(&server.url("/s/demo")));
        let text = format!("Ze delen mijn foto. SENTINEL-TAP-{round}");
        let pages: Vec<Page> = std::thread::scope(|s| {
            let taps: Vec<_> = (0..2)
                .map(|_| s.spawn(|| send(&server, &token, &text)))
                .collect();
            taps.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for p in &pages {
            assert_eq!(p.status, 200, "{}", p.body);
        }
        assert_eq!(pages[0].pickup_code(), pages[1].pickup_code());
        assert_eq!(server.report_count(), round + 1);
    }
}

#[test]
fn a_follow_up_sent_twice_is_stored_once() {
    let server = Server::demo();
    let token = token_of(&get(&server.url("/s/demo")));
    let code = send(&server, &token, "Iemand pest me online.")
        .pickup_code()
        .unwrap();
    let messages = || -> i64 {
        server
            .db()
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .unwrap()
    };
    let follow_up = |text: &str| {
        post_multipart(
            &server.url("/check/message"),
            &[("lang", "nl"), ("code", &code), ("message", text)],
            &[],
        )
    };
    for _ in 0..3 {
        let page = follow_up("Het account heet @nep_123. SENTINEL-F");
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains("Je bericht is verstuurd"),
            "{}",
            page.body
        );
    }
    assert_eq!(messages(), 1);
    let page = follow_up("Nog iets: het was gisteren. SENTINEL-G");
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(messages(), 2);
    // The same words again after something else was said are a new message.
    follow_up("Het account heet @nep_123. SENTINEL-F");
    assert_eq!(messages(), 3);
}

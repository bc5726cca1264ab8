//! The adviser API as docs/api.md describes it, over real HTTP against the real server: the
//! bearer header in exactly its documented form, and the report list in pages.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::json;

/// A server with schools `a` and `b` served by adviser `one`, and school `c` by `two`. Report
/// limits are raised: these tests send more reports from one address than a class would.
fn three_schools() -> (
    tempfile::TempDir,
    Server,
    age::x25519::Identity,
    age::x25519::Identity,
) {
    let tmp = tempfile::tempdir().unwrap();
    let one = age::x25519::Identity::generate();
    let two = age::x25519::Identity::generate();
    let data = tmp.path().join("data");
    let config = tmp.path().join("f.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n\
             [limits]\nreports_per_source_per_hour = 1000\nreports_per_school_per_minute = 1000\n\
             [[school]]\nslug = \"a\"\nname = \"School A\"\nadvisers = [\"{one}\"]\n\
             [[school]]\nslug = \"b\"\nname = \"School B\"\nadvisers = [\"{one}\"]\n\
             [[school]]\nslug = \"c\"\nname = \"School C\"\nadvisers = [\"{two}\"]\n",
            data.display(),
            one = one.to_public(),
            two = two.to_public(),
        ),
    )
    .unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    (tmp, server, one, two)
}

fn report(server: &Server, school: &str) {
    let p = post_form(
        &server.url(&format!("/s/{school}/report")),
        &[
            ("category", "bullying"),
            ("description", "SENTINEL-API ze pesten me"),
            ("lang", "nl"),
        ],
    );
    assert_eq!(p.status, 200, "{}", p.body);
}

/// A GET with a raw `Authorization` value.
fn get_authorized(server: &Server, path: &str, authorization: &str) -> Page {
    get_with(&server.url(path), &[("Authorization", authorization)])
}

#[test]
fn the_bearer_header_is_read_exactly_as_documented() {
    let (_tmp, server, one, _) = three_schools();
    let token = sign_in(&server, &one);
    let ok = get_authorized(&server, "/api/v1/reports", &format!("Bearer {token}"));
    assert_eq!(ok.status, 200, "{}", ok.body);

    // docs/api.md section 2: "exactly `Bearer`, one space, the token". Anything else is
    // refused, not tidied up.
    for bad in [
        format!("bearer {token}"),
        format!("BEARER {token}"),
        format!("Bearer  {token}"),
        format!("Bearer \t{token}"),
        format!("Bearer {token}x"),
        format!("Bearer {}", token.to_ascii_uppercase()),
        format!("Basic {token}"),
        token.clone(),
    ] {
        let p = get_authorized(&server, "/api/v1/reports", &bad);
        assert_eq!(p.status, 401, "{bad:?} was accepted");
        assert_eq!(p.json()["error"], "unauthorized");
        assert_eq!(p.header("www-authenticate"), Some("Bearer"));
    }
    // The token itself still works afterwards: nothing above spent or revoked it.
    let again = get_authorized(&server, "/api/v1/reports", &format!("Bearer {token}"));
    assert_eq!(again.status, 200);
}

#[test]
fn the_report_list_comes_in_pages_each_report_once() {
    let (_tmp, server, one, two) = three_schools();
    for school in ["a", "a", "b", "a", "b", "c", "c"] {
        report(&server, school);
    }
    let token = sign_in(&server, &one);
    let list = |query: &str| get_auth(&server.url(&format!("/api/v1/reports{query}")), &token);

    // Pages of two: 2 + 2 + 1 of the five reports of schools a and b, in id order, each once,
    // `next` on every page but the last.
    let mut ids = Vec::new();
    let mut query = "?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let p = list(&query);
        assert_eq!(p.status, 200, "{}", p.body);
        let page = p.json();
        let reports = page["reports"].as_array().unwrap();
        pages += 1;
        for r in reports {
            assert_ne!(r["school"], "c", "another adviser's school");
            ids.push(r["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => {
                assert_eq!(reports.len(), 2, "only a full page has a next one");
                assert_eq!(next, ids.last().unwrap());
                query = format!("?limit=2&after={next}");
            }
            None => {
                assert_eq!(page["next"], serde_json::Value::Null);
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 5);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "id order");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5, "each once");

    // Without a limit: the default page (50) holds all five and says no more follow.
    let all = list("").json();
    assert_eq!(all["reports"].as_array().unwrap().len(), 5);
    assert_eq!(all["next"], serde_json::Value::Null);
    // Exactly a page full: no `next` pointing at an empty page.
    let full = list("?limit=5").json();
    assert_eq!(full["reports"].as_array().unwrap().len(), 5);
    assert_eq!(full["next"], serde_json::Value::Null);
    // Filters and pages together.
    let first = &ids[0];
    assert_eq!(
        list(&format!("?status=new&limit=200&after={first}")).json()["reports"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // The other adviser pages through their own school only.
    let token_two = sign_in(&server, &two);
    let theirs = get_auth(&server.url("/api/v1/reports?limit=1"), &token_two).json();
    assert_eq!(theirs["reports"][0]["school"], "c");
    assert!(theirs["next"].is_string());

    // Limits outside 1..=200 and cursors that are no id are refused with a reason.
    for bad in ["0", "201", "-1", "ten", "1.5"] {
        let p = list(&format!("?limit={bad}"));
        assert_eq!(p.status, 400, "limit={bad}");
        assert_eq!(p.json()["error"], "bad_limit");
        assert!(
            p.json()["message"].as_str().unwrap().contains("1 to 200"),
            "{}",
            p.body
        );
    }
    for bad in ["zz", "0123456789ABCDEF", "0123456789abcdef0"] {
        let p = list(&format!("?after={bad}"));
        assert_eq!(p.status, 400, "after={bad}");
        assert_eq!(p.json()["error"], "bad_after");
    }
    assert_eq!(list("?limit=200").status, 200);

    // A cursor past every id: an empty last page.
    let end = list("?after=ffffffffffffffff").json();
    assert_eq!(end, json!({ "reports": [], "next": null }));
}

/// Found while describing the API in docs/openapi.yaml, by probing its paths: a path segment that is not
/// valid UTF-8 once percent-decoded was refused by axum itself, `400` in plain text, outside the
/// API's contract. It names nothing that exists, so it is `404 not_found` in the API's JSON.
#[test]
fn a_path_segment_that_is_not_utf8_is_not_found_in_json() {
    let (_tmp, server, one, _) = three_schools();
    report(&server, "a");
    let token = sign_in(&server, &one);
    let id = get_auth(&server.url("/api/v1/reports"), &token).json()["reports"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        "/api/v1/reports/%FF".to_owned(),
        format!("/api/v1/reports/{id}/attachments/%FF"),
        "/api/v1/reports/%C3%28/attachments/1".to_owned(),
        "/api/v1/schools/%FF/recipients".to_owned(),
    ] {
        let p = get_authorized(&server, &path, &format!("Bearer {token}"));
        assert_eq!(p.status, 404, "{path}: {}", p.body);
        assert_eq!(p.header("content-type"), Some("application/json"), "{path}");
        assert_eq!(p.json()["error"], "not_found", "{path}");
    }
    for path in [
        "/api/v1/reports/%FF/ciphertext".to_owned(),
        format!("/api/v1/reports/{id}/messages/%FF/ciphertext"),
        format!("/api/v1/reports/{id}/attachments/%FF"),
    ] {
        let p = put_json(&server.url(&path), &token, &json!({}));
        assert_ne!(p.status, 400, "{path}: {}", p.body);
        assert_eq!(p.header("content-type"), Some("application/json"), "{path}");
    }
}

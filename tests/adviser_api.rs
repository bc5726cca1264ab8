//! The adviser API as docs/api.md describes it, over real HTTP against the real server: the
//! bearer header in exactly its documented form.

mod common;

use common::*;

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

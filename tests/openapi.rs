//! docs/openapi.yaml against the server that serves the API, so the description cannot drift:
//! the router's own table of routes and the file name the same operations, both ways; a live
//! server serves each described operation and answers every other method and path as the file
//! says (405 with `Allow`, 404); and the statuses and content types a probe reaches are described.
//! What a generated request can reach beyond that, schemathesis checks (`.ci/api-contract`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// The methods an OpenAPI path item can describe.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::from_str(&text).expect("docs/openapi.yaml is valid YAML")
}

/// Every operation the file describes: (METHOD, path) → its operation object.
fn operations(spec: &Value) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if METHODS.contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()), op.clone());
            }
        }
    }
    out
}

/// Follows a local `$ref` (`#/components/…`), as often as it takes.
fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let pointer = r.strip_prefix('#').expect("only local references");
        v = spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{r} points nowhere"));
    }
    v
}

/// The described response of an operation for a status, if any.
fn response<'a>(spec: &'a Value, op: &'a Value, status: u16) -> Option<&'a Value> {
    op["responses"]
        .get(status.to_string())
        .map(|r| resolve(spec, r))
}

#[test]
fn the_file_describes_exactly_the_routes_the_router_serves() {
    let described: BTreeSet<(String, String)> = operations(&spec()).into_keys().collect();
    let served: BTreeSet<(String, String)> = fluister::web::documented_routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    let undescribed: Vec<_> = served.difference(&described).collect();
    let unserved: Vec<_> = described.difference(&served).collect();
    assert!(
        undescribed.is_empty(),
        "served but not in docs/openapi.yaml: {undescribed:?}"
    );
    assert!(
        unserved.is_empty(),
        "in docs/openapi.yaml but not served (web::api::ROUTES): {unserved:?}"
    );
}

/// What follows from the code for every operation, whatever it does: the bearer check answers
/// 401, a body is parsed (400) within a limit (413), a path parameter can name nothing (404),
/// and anything can fail inside (500). Each such answer is the one `Error` shape in JSON.
#[test]
fn every_operation_describes_the_answers_the_code_gives_them_all() {
    let spec = spec();
    let error = json!({ "$ref": "#/components/schemas/Error" });
    for ((method, path), op) in operations(&spec) {
        let name = format!("{method} {path}");
        if path == "/healthz" {
            assert_eq!(op["security"], json!([]), "{name}: no sign-in");
            continue;
        }
        let secured = op.get("security").unwrap_or(&spec["security"]);
        let mut expected = vec![500];
        if secured != &json!([]) {
            expected.push(401);
        }
        if op.get("requestBody").is_some() {
            expected.extend([400, 413]);
        }
        if path.contains('{') {
            expected.push(404);
        }
        for status in expected {
            let r = response(&spec, &op, status)
                .unwrap_or_else(|| panic!("{name} does not describe {status}"));
            assert_eq!(
                r["content"]["application/json"]["schema"], error,
                "{name} {status}: the API's error shape"
            );
        }
        // Every parameter in the path is described, and no other.
        let in_path: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap().to_owned())
            .collect();
        let item = &spec["paths"][&path];
        let described: BTreeSet<String> = [&item["parameters"], &op["parameters"]]
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| resolve(&spec, p))
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(in_path, described, "{name}: path parameters");
    }
}

/// Every string literal that directly follows `marker` (white space allowed between).
fn literals_after(text: &str, marker: &str) -> BTreeSet<String> {
    text.split(marker)
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('"'))
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// The `error` codes the API can answer, read from its source: every `BadRequest("code", …)`,
/// the fixed code of each other `ApiError` variant (`StatusCode::…, "code"`), and the codes a
/// replacement's file problems map to (`=> "code"`). A code added to the code but not to the
/// file's `Error` schema, or left in the file after the code dropped it, fails here.
#[test]
fn the_error_codes_described_are_the_ones_the_code_answers() {
    let src = |f: &str| {
        std::fs::read_to_string(format!("{}/src/web/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    let (api, team) = (src("api.rs"), src("team.rs"));
    let mut in_code = BTreeSet::new();
    for text in [&api, &team] {
        in_code.extend(literals_after(text, "BadRequest("));
    }
    for piece in api.split("StatusCode::").skip(1) {
        if let Some(rest) = piece
            .trim_start_matches(|c: char| c.is_ascii_uppercase() || c == '_')
            .strip_prefix(',')
            .and_then(|r| r.trim_start().strip_prefix('"'))
        {
            in_code.insert(rest.split('"').next().unwrap().to_owned());
        }
    }
    in_code.extend(literals_after(&team, "=> "));
    let spec = spec();
    let described: BTreeSet<String> = spec["components"]["schemas"]["Error"]["properties"]["error"]
        ["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(
        in_code.len() > 20,
        "the source scan found too little: {in_code:?}"
    );
    assert_eq!(in_code, described);
}

/// A raw HTTP/1.1 exchange, so every method and every byte of the path goes out as written.
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

impl Answer {
    fn content_type(&self) -> &str {
        self.headers.get("content-type").map_or("", String::as_str)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn exchange(server: &Server, method: &str, path: &str, token: Option<&str>, body: &str) -> Answer {
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        server.addr()
    );
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    // A body over the limit may be refused before it is all sent; the answer is still there.
    let _ = stream.write_all(head.as_bytes());
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a response");
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status: status.parse().unwrap(),
        headers,
        body: body.to_owned(),
    }
}

/// The answer is one the operation describes, with the content type it describes for it.
fn assert_described(spec: &Value, method: &str, path: &str, answer: &Answer) {
    let op = &spec["paths"][path][method.to_lowercase()];
    let r = response(spec, op, answer.status).unwrap_or_else(|| {
        panic!(
            "{method} {path}: {} is not described: {}",
            answer.status, answer.body
        )
    });
    let media = answer.content_type().split(';').next().unwrap().trim();
    assert!(
        r["content"].get(media).is_some(),
        "{method} {path} {}: content type {media} is not described",
        answer.status
    );
}

/// The path with every `{parameter}` filled in.
fn fill(path: &str, id: &str) -> String {
    path.replace("{id}", id)
        .replace("{n}", "1")
        .replace("{seq}", "1")
        .replace("{school}", "demo")
}

/// The keys of a JSON object are exactly the properties its described schema names, as
/// `additionalProperties: false` and `required` say together.
fn assert_keys(spec: &Value, schema: &str, value: &Value) {
    let schema = resolve(spec, &spec["components"]["schemas"][schema]);
    let named: BTreeSet<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let got: BTreeSet<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(got, named, "{value}");
    assert_eq!(required, named);
}

#[test]
fn a_live_server_serves_every_described_operation_and_nothing_else() {
    let spec = spec();
    let ops = operations(&spec);
    let server = Server::demo();
    let identity = server.demo_identity();

    // A report with an image, and a follow-up, so report, message 1 and image 1 exist.
    let image = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/progressive-restart.jpg"
    ))
    .unwrap();
    let page = post_multipart(
        &server.url("/s/demo/report"),
        &[
            ("category", "bullying"),
            ("description", "ze pesten me"),
            ("lang", "nl"),
        ],
        &[("bewijs.jpg", &image)],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let code = page.pickup_code().unwrap();
    let follow_up = post_form(
        &server.url("/check/message"),
        &[("code", &code), ("message", "nog steeds")],
    );
    assert_eq!(follow_up.status, 200, "{}", follow_up.body);

    // Sign-in's own answers, which a generated request never reaches: exactly the described
    // keys. (The challenge and session bodies are those of tests/common `sign_in`.)
    let recipient = identity.to_public().to_string();
    let c = exchange(
        &server,
        "POST",
        "/api/v1/auth/challenge",
        None,
        &json!({ "recipient": recipient }).to_string(),
    );
    assert_described(&spec, "POST", "/api/v1/auth/challenge", &c);
    assert_keys(&spec, "Challenge", &c.json());
    let nonce = decrypt(&identity, &unb64(&c.json()["challenge"])).unwrap();
    let s = exchange(
        &server,
        "POST",
        "/api/v1/auth/session",
        None,
        &json!({ "recipient": recipient, "response": String::from_utf8(nonce).unwrap() })
            .to_string(),
    );
    assert_eq!(s.status, 200, "{}", s.body);
    assert_described(&spec, "POST", "/api/v1/auth/session", &s);
    assert_keys(&spec, "Session", &s.json());
    let token = s.json()["token"].as_str().unwrap().to_owned();
    let id = server.report_ids()[0].clone();

    for (method, path) in ops.keys() {
        let body = if matches!(method.as_str(), "POST" | "PUT") {
            "{}"
        } else {
            ""
        };
        // Without a token: never 404 or 405, so the router serves it (with a token, an id
        // that exists nowhere is a 404 too, and could not tell a missing route apart).
        let nobody = exchange(&server, method, &fill(path, "0123456789abcdef"), None, body);
        assert!(
            ![404, 405].contains(&nobody.status),
            "{method} {path} is described but not served: {} {}",
            nobody.status,
            nobody.body
        );
        assert_described(&spec, method, path, &nobody);
        // Signed in, on the report that exists: still a described answer.
        let signed_in = exchange(&server, method, &fill(path, &id), Some(&token), body);
        assert_described(&spec, method, path, &signed_in);
        if method == "GET" {
            assert_eq!(signed_in.status, 200, "{method} {path}: {}", signed_in.body);
        }
    }

    // A JSON body over its limit (4 KiB for sign-in, 512 KiB otherwise) is refused unread, with
    // the described 413 in the API's error shape, not axum's plain-text one.
    for (method, path, size) in [
        ("POST", "/api/v1/auth/challenge", 4 * 1024 + 1),
        ("POST", "/api/v1/auth/session", 4 * 1024 + 1),
        ("POST", "/api/v1/reports/{id}/messages", 512 * 1024 + 1),
        ("PUT", "/api/v1/reports/{id}/status", 512 * 1024 + 1),
        ("PUT", "/api/v1/reports/{id}/hold", 512 * 1024 + 1),
    ] {
        let body = format!("\"{}\"", "a".repeat(size - 2));
        let a = exchange(&server, method, &fill(path, &id), Some(&token), &body);
        assert_eq!(a.status, 413, "{method} {path}: {}", a.body);
        assert_described(&spec, method, path, &a);
        assert_eq!(a.json()["error"], "too_large");
    }

    // Every other method on a described path: 405, naming the described methods in `Allow`
    // (HEAD comes with GET), in the API's error shape under /api/v1.
    let mut by_path: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (method, path) in ops.keys() {
        by_path.entry(path).or_default().insert(method);
    }
    for (path, methods) in &by_path {
        let mut allowed: BTreeSet<&str> = methods.clone();
        if allowed.contains("GET") {
            allowed.insert("HEAD");
        }
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            if methods.contains(method) {
                continue;
            }
            let a = exchange(&server, method, &fill(path, &id), Some(&token), "");
            assert_eq!(a.status, 405, "{method} {path}: {}", a.body);
            let allow: BTreeSet<&str> = a.headers["allow"].split(',').map(str::trim).collect();
            assert_eq!(allow, allowed, "{method} {path}: Allow");
            if path.starts_with("/api/v1/") {
                assert_eq!(a.content_type(), "application/json");
                assert_eq!(a.json()["error"], "method_not_allowed");
            }
        }
    }

    // Paths the file does not describe are not served.
    for path in [
        "/api/v1",
        "/api/v1/",
        "/api/v1/reports/",
        &format!("/api/v1/reports/{id}/notes"),
        &format!("/api/v1/reports/{id}/attachments"),
        &format!("/api/v1/reports/{id}/messages/1"),
        "/api/v1/schools",
        "/api/v1/schools/demo",
        "/api/v2/reports",
    ] {
        for method in ["GET", "POST", "PUT"] {
            let a = exchange(&server, method, path, Some(&token), "");
            assert_eq!(a.status, 404, "{method} {path}: {}", a.body);
            if path.starts_with("/api/v1") {
                assert_eq!(a.content_type(), "application/json", "{method} {path}");
                assert_eq!(a.json()["error"], "not_found");
            }
        }
    }
}

//! Overdue cases in the inbox: the API list says which cases have waited `reply_within_days`
//! or longer for an adviser's reply and since when, and `fluister adviser inbox` shows it.
//! Real server, real pupil form, real adviser command line; only the dates are moved back in
//! the database, as if the clock had run on.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use fluister::date::{add_days, today};

fn report(server: &Server, text: &str) -> (String, String) {
    let before: HashSet<String> = ids(server);
    let page = post_form(
        &server.url("/s/demo/report"),
        &[
            ("category", "bullying"),
            ("description", text),
            ("lang", "nl"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let id = ids(server).difference(&before).next().unwrap().clone();
    (id, page.pickup_code().unwrap())
}

fn ids(server: &Server) -> HashSet<String> {
    let db = server.db();
    let mut stmt = db.prepare("SELECT id FROM reports").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Moves a report, or one of its messages, `days` back in time.
fn age_by(data: &Path, id: &str, seq: Option<i64>, days: i64) {
    let db = rusqlite::Connection::open(data.join("fluister.db")).unwrap();
    let on = add_days(&today(), -days).unwrap();
    let n = match seq {
        None => db.execute(
            "UPDATE reports SET received_on = ?2 WHERE id = ?1",
            rusqlite::params![id, on],
        ),
        Some(seq) => db.execute(
            "UPDATE messages SET sent_on = ?3 WHERE report_id = ?1 AND seq = ?2",
            rusqlite::params![id, seq, on],
        ),
    }
    .unwrap();
    assert_eq!(n, 1);
}

fn adviser(server: &Server, key: &Path, cache: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("adviser")
        .args(args)
        .stdin(Stdio::null())
        .env("FLUISTER_SERVER", &server.base)
        .env("FLUISTER_IDENTITY", key)
        .env("FLUISTER_CACHE_DIR", cache)
        .env_remove("FLUISTER_PASSPHRASE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "adviser {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn overdue_cases_are_named_with_their_date_in_the_api_and_the_inbox() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = age::x25519::Identity::generate();
    let key = tmp.path().join("adviser.key");
    std::fs::write(
        &key,
        fluister::crypto::identity_file_text(&identity, &today()).as_bytes(),
    )
    .unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("fluister.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[[school]]\nslug = \"demo\"\nname = \"Demo\"\n\
             advisers = [\"{}\"]\nreply_within_days = 3\n",
            data.display(),
            identity.to_public()
        ),
    )
    .unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    let cache = tmp.path().join("cache");

    // Nobody answered for four days, three allowed: overdue since yesterday.
    let (silent, _) = report(&server, "niemand heeft gereageerd");
    age_by(&data, &silent, None, 4);
    // Answered, then the pupil wrote again three days ago: overdue from today.
    let (asked, code) = report(&server, "ik heb een vraag gesteld");
    adviser(
        &server,
        &key,
        &cache,
        &["reply", &asked, "--message", "Dank je."],
    );
    let page = post_form(
        &server.url("/check/message"),
        &[("code", &code), ("message", "en nu?"), ("lang", "nl")],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    age_by(&data, &asked, None, 6);
    age_by(&data, &asked, Some(1), 5);
    age_by(&data, &asked, Some(2), 3);
    // Answered after the pupil's last word: not overdue, however old.
    let (answered, _) = report(&server, "al beantwoord");
    adviser(
        &server,
        &key,
        &cache,
        &["reply", &answered, "--message", "Fijn."],
    );
    age_by(&data, &answered, None, 30);
    // Closed without a reply: the adviser dealt with it.
    let (closed, _) = report(&server, "afgehandeld");
    adviser(&server, &key, &cache, &["status", &closed, "closed"]);
    age_by(&data, &closed, None, 30);
    // Arrived two days ago: one day left.
    let (fresh, _) = report(&server, "net binnen");
    age_by(&data, &fresh, None, 2);

    let token = sign_in(&server, &identity);
    let list = get_auth(&server.url("/api/v1/reports"), &token).json();
    let entry = |id: &str| {
        list["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    let day = |back: i64| serde_json::Value::from(add_days(&today(), -back).unwrap());
    assert_eq!(entry(&silent)["overdue"], true);
    assert_eq!(entry(&silent)["overdue_since"], day(1));
    assert_eq!(entry(&asked)["overdue"], true);
    assert_eq!(entry(&asked)["overdue_since"], day(0));
    for id in [&answered, &closed, &fresh] {
        assert_eq!(entry(id)["overdue"], false, "{id}");
        assert_eq!(entry(id)["overdue_since"], serde_json::Value::Null, "{id}");
    }

    let inbox: serde_json::Value =
        serde_json::from_str(&adviser(&server, &key, &cache, &["inbox", "--json"])).unwrap();
    let case = |id: &str| {
        inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(case(&silent)["overdue"], true);
    assert_eq!(case(&silent)["overdue_since"], day(1));
    assert_eq!(case(&asked)["overdue_since"], day(0));
    assert_eq!(case(&fresh)["overdue"], false);

    let table = adviser(&server, &key, &cache, &["inbox"]);
    let line = |id: &str| {
        table
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_owned()
    };
    assert!(table.lines().next().unwrap().contains("OVERDUE"), "{table}");
    assert!(
        line(&silent).contains(&format!("since {}", day(1).as_str().unwrap())),
        "{table}"
    );
    assert!(!line(&fresh).contains("since"), "{table}");
}

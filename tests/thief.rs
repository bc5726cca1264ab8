//! The thief with the disk (DESIGN.md "Key schedule", SECURITY.md advisory FLU-2026-01): a stolen
//! data folder, with or without the server secret but without any pickup code, opens nothing.
//! Played on a folder the real server filled, and on a folder written the way the flawed first
//! version wrote it, before and after the real server migrates it.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use age::x25519;
use common::thief::{loot, what_opens};
use common::*;
use fluister::code::PickupCode;
use fluister::conversation::MessageDocument;
use fluister::i18n::Lang;
use fluister::report::{AttachmentInfo, ReportDocument, ReportForm};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

const REPLY: &str = "SENTINEL-REPLY Dank je, ik help je.";
const NOTE: &str = "SENTINEL-NOTE mentor gebeld";
const FOLLOW_UP: &str = "SENTINEL-FOLLOWUP het was in de kantine";

fn start(dir: &Path, adviser: &x25519::Identity) -> Server {
    let config = config_for(dir, adviser, "");
    Server::start(&["--config", config.to_str().unwrap()], &dir.join("data"))
}

/// A message document sealed as an adviser's client seals it.
fn seal_message(text: &str, recipients: &[x25519::Recipient]) -> Vec<u8> {
    let doc = serde_json::to_vec(&MessageDocument::new(text.into())).unwrap();
    let rs: Vec<&dyn age::Recipient> = recipients.iter().map(|r| r as _).collect();
    fluister::crypto::encrypt(&rs, &fluister::crypto::pad_json(doc)).unwrap()
}

/// An adviser replies to report `id` and writes a note, over the API.
fn reply_and_note(server: &Server, adviser: &x25519::Identity, id: &str) {
    let token = sign_in(server, adviser);
    let full = get_auth(&server.url(&format!("/api/v1/reports/{id}")), &token).json();
    let reporter: x25519::Recipient = full["reporter_recipient"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    for (author, text, to) in [
        ("adviser", REPLY, vec![reporter, adviser.to_public()]),
        ("note", NOTE, vec![adviser.to_public()]),
    ] {
        let posted = post_json(
            &server.url(&format!("/api/v1/reports/{id}/messages")),
            Some(&token),
            &json!({ "author": author, "ciphertext": b64(&seal_message(text, &to)) }),
        );
        assert_eq!(posted.status, 201, "{}", posted.body);
    }
}

fn report_ids(server: &Server) -> Vec<String> {
    let db = server.db();
    let mut stmt = db.prepare("SELECT id FROM reports").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn assert_opens_nothing(data: &Path, adviser: &x25519::Identity, when: &str) {
    for with_secret in [false, true] {
        let stolen = loot(data, with_secret, &[adviser.to_public()]);
        assert!(
            stolen.ciphertexts.len() >= 4,
            "{when}: the folder holds age files"
        );
        let opened = what_opens(&stolen, &[]);
        assert!(
            opened.is_empty(),
            "{when}, {} the server secret: {opened:#?}",
            if with_secret { "with" } else { "without" }
        );
    }
}

#[test]
fn a_stolen_folder_opens_nothing_without_a_code() {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = x25519::Identity::generate();
    let server = start(tmp.path(), &adviser);
    let photo = images::photo_jpeg(320, 240);
    let with_image = post_multipart(
        &server.url("/s/demo/report"),
        &[
            ("category", "fight_filmed"),
            ("description", "SENTINEL-ONE filmpje"),
            ("lang", "nl"),
        ],
        &[("fight.jpg", &photo)],
    );
    assert_eq!(with_image.status, 200, "{}", with_image.body);
    let text_only = post_form(
        &server.url("/s/demo/report"),
        &[
            ("category", "bullying"),
            ("description", "SENTINEL-TWO pesten"),
            ("lang", "nl"),
        ],
    );
    assert_eq!(text_only.status, 200, "{}", text_only.body);
    let codes = [
        with_image.pickup_code().unwrap(),
        text_only.pickup_code().unwrap(),
    ];
    for id in report_ids(&server) {
        reply_and_note(&server, &adviser, &id);
    }
    let follow_up = post_multipart(
        &server.url("/check/message"),
        &[("code", &codes[0]), ("message", FOLLOW_UP), ("lang", "nl")],
        &[("more.jpg", &photo)],
    );
    assert_eq!(follow_up.status, 200, "{}", follow_up.body);
    let data = server.data_dir.clone();
    server.stop();

    assert_opens_nothing(&data, &adviser, "a fresh folder");

    // The same thief, handed one pupil's code as well, does open that pupil's report: the
    // derivations tried above do reach the real keys, so the empty result means something.
    let stolen = loot(&data, true, &[adviser.to_public()]);
    for code in &codes {
        let normalised = PickupCode::parse(code)
            .unwrap()
            .normalised()
            .as_bytes()
            .to_vec();
        let opened = what_opens(&stolen, &[normalised]);
        assert_eq!(opened.len(), 1, "{opened:?}");
    }
}

// --- A data folder as the flawed first version wrote it -------------------------------------

/// The first version's lookup hash: HMAC-SHA256(server secret, normalised code).
fn flawed_hash(secret: &[u8; 32], code: &PickupCode) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap();
    mac.update(code.normalised().as_bytes());
    mac.finalize().into_bytes().into()
}

/// The first version's reporter key: HKDF-SHA256(salt = server secret, IKM = code).
fn flawed_reporter(secret: &[u8; 32], code: &PickupCode) -> x25519::Identity {
    let mut okm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(secret), code.normalised().as_bytes())
        .expand(b"fluister reporter key v1", &mut okm)
        .unwrap();
    fluister::crypto::identity_from_bytes(&okm)
}

struct Old {
    code: String,
    hash: [u8; 32],
    description: String,
}

/// Writes `<dir>/data` as the version before the fix did: schema 0001-0003 (rowid tables, no
/// key version), the flawed hash and reporter key, a report with an evidence image, an adviser
/// reply, a note and a pupil follow-up.
fn flawed_folder(dir: &Path, adviser: &x25519::Identity) -> Vec<Old> {
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let secret: [u8; 32] = rand::random();
    let secret_path = data.join("server-secret");
    std::fs::write(&secret_path, secret).unwrap();
    std::fs::set_permissions(&secret_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let db_path = data.join("fluister.db");
    let db = rusqlite::Connection::open(&db_path).unwrap();
    std::fs::set_permissions(&db_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    db.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    for sql in [
        include_str!("../schema/0001_reports.sql"),
        include_str!("../schema/0002_messages.sql"),
        include_str!("../schema/0003_attachments.sql"),
    ] {
        db.execute_batch(sql).unwrap();
    }
    db.pragma_update(None, "user_version", 3).unwrap();

    let mut old = Vec::new();
    for i in 0..3 {
        let code = PickupCode::generate();
        let reporter = flawed_reporter(&secret, &code).to_public();
        let adviser_public = adviser.to_public();
        let to_both: Vec<&dyn age::Recipient> = vec![&reporter, &adviser_public];
        let description = format!("SENTINEL-OLD-{i} ze pesten me al weken");
        let form = ReportForm {
            category: "bullying".into(),
            description: description.clone(),
            ..ReportForm::default()
        };
        let valid = form.validate().map_err(|_| "valid").unwrap();
        let mut infos = Vec::new();
        let mut sealed_images = Vec::new();
        if i == 0 {
            let clean = fluister::evidence::clean(
                &images::photo_jpeg(160, 120),
                &fluister::evidence::ImageLimits::default(),
            )
            .unwrap();
            infos.push(AttachmentInfo::of(&clean));
            let padded = fluister::evidence::pad(clean.bytes);
            sealed_images.push(fluister::crypto::encrypt(&to_both, &padded).unwrap());
        }
        let doc = ReportDocument::new("demo", valid, Lang::Nl, "2026-11-20".into(), infos);
        let ciphertext = fluister::intake::seal(&doc, &[adviser.to_public()], &reporter).unwrap();
        let hash = flawed_hash(&secret, &code);
        let id = format!("{:016x}", rand::random::<u64>());
        db.execute(
            "INSERT INTO reports (id, school, received_on, status, code_hash, reporter_recipient, ciphertext)
             VALUES (?1, 'demo', '2026-11-20', 'open', ?2, ?3, ?4)",
            rusqlite::params![id, &hash[..], reporter.to_string(), ciphertext],
        )
        .unwrap();
        for (n, sealed) in sealed_images.iter().enumerate() {
            db.execute(
                "INSERT INTO attachments (report_id, n, message_seq, ciphertext) VALUES (?1, ?2, NULL, ?3)",
                rusqlite::params![id, n as i64 + 1, sealed],
            )
            .unwrap();
        }
        let messages = [
            (
                "adviser",
                REPLY,
                seal_message(REPLY, &[reporter.clone(), adviser.to_public()]),
            ),
            ("note", NOTE, seal_message(NOTE, &[adviser.to_public()])),
            (
                "pupil",
                FOLLOW_UP,
                seal_message(FOLLOW_UP, &[reporter.clone(), adviser.to_public()]),
            ),
        ];
        for (seq, (author, _, ct)) in messages.iter().enumerate() {
            db.execute(
                "INSERT INTO messages (report_id, seq, author, sent_on, ciphertext) VALUES (?1, ?2, ?3, '2026-11-21', ?4)",
                rusqlite::params![id, seq as i64 + 1, author, ct],
            )
            .unwrap();
        }
        old.push(Old {
            code: code.grouped(),
            hash,
            description,
        });
    }
    drop(db);
    old
}

fn assert_no_old_hash(data: &Path, old: &[Old]) {
    for (path, bytes) in all_files(data) {
        for o in old {
            assert!(
                !contains(&bytes, &o.hash),
                "an old lookup hash survives in {}",
                path.display()
            );
        }
    }
}

#[test]
fn a_folder_from_the_flawed_version_is_migrated_and_its_codes_still_work() {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = x25519::Identity::generate();
    let old = flawed_folder(tmp.path(), &adviser);
    let data = tmp.path().join("data");

    // Before the fix the database alone opened every report: the thief's test sees it, so it
    // would have failed on the old main.
    let stolen = loot(&data, false, &[adviser.to_public()]);
    let opened = what_opens(&stolen, &[]);
    assert_eq!(opened.len(), old.len(), "{opened:#?}");

    // The real server starts on it and migrates. From then on no old lookup hash is left in
    // any file of the folder: not in the database, its free pages, the WAL or anything else,
    // even while the server runs (a copy taken now, or a crash now, holds none).
    let server = start(tmp.path(), &adviser);
    assert_no_old_hash(&data, &old);
    for o in &old {
        let page = post_form(&server.url("/check"), &[("code", &o.code), ("lang", "nl")]);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(&o.description), "{}", page.body);
        assert!(page.body.contains(REPLY));
        assert!(page.body.contains(FOLLOW_UP));
        assert!(!page.body.contains("SENTINEL-NOTE"));
    }
    // An old code writes more, and the pupil reads it back with that code.
    let more = post_form(
        &server.url("/check/message"),
        &[
            ("code", &old[1].code),
            ("message", "SENTINEL-AFTER nog een vraag"),
            ("lang", "nl"),
        ],
    );
    assert_eq!(more.status, 200, "{}", more.body);
    let page = post_form(
        &server.url("/check"),
        &[("code", &old[1].code), ("lang", "nl")],
    );
    assert!(page.body.contains("SENTINEL-AFTER"), "{}", page.body);
    // A new report after the migration gets the corrected schedule and works as well.
    let new = post_form(
        &server.url("/s/demo/report"),
        &[
            ("category", "threat"),
            ("description", "SENTINEL-NEW"),
            ("lang", "nl"),
        ],
    );
    let new_code = new.pickup_code().unwrap();
    let page = post_form(
        &server.url("/check"),
        &[("code", &new_code), ("lang", "nl")],
    );
    assert!(page.body.contains("SENTINEL-NEW"), "{}", page.body);
    // The adviser still reads everything, image included.
    let token = sign_in(&server, &adviser);
    let list = get_auth(&server.url("/api/v1/reports"), &token).json();
    let items = list["reports"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for item in items {
        assert!(decrypt(&adviser, &unb64(&item["ciphertext"])).is_ok());
    }
    let db = server.db();
    let with_image: String = db
        .query_row("SELECT report_id FROM attachments", [], |r| r.get(0))
        .unwrap();
    let (image, media_type) = open_attachment_by_hand(&server, &adviser, &with_image, 1);
    assert_eq!(media_type, "image/jpeg");
    assert!(image.starts_with(&[0xff, 0xd8]));
    let versions: Vec<i64> = db
        .prepare("SELECT key_version FROM reports ORDER BY key_version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, [1, 1, 1, 2]);
    // No table keeps an arrival order in a rowid any more.
    let tables: Vec<String> = db
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // reports, messages, attachments, and the tables later schema files add (digests, …).
    assert!(tables.len() >= 3, "{tables:?}");
    for sql in &tables {
        assert!(sql.contains("WITHOUT ROWID"), "{sql}");
    }
    drop(db);
    server.stop();

    assert_no_old_hash(&data, &old);
    assert_opens_nothing(&data, &adviser, "a migrated folder");

    // Starting again migrates nothing twice and the old codes still work.
    let server = start(tmp.path(), &adviser);
    let page = post_form(
        &server.url("/check"),
        &[("code", &old[2].code), ("lang", "nl")],
    );
    assert!(page.body.contains(&old[2].description), "{}", page.body);
}

/// The thief above tries the labels `keys::labels()` lists, with the HMAC and HKDF forms the
/// crate uses. A derivation added anywhere else would escape it, so this test fails on one:
/// HMAC and HKDF appear only in the key schedule, which alone reads the server secret, and in
/// the two places whose key is random, lives in memory only and keys nothing stored (the rate
/// limiter, the sign-in challenges); every byte-string label of the key schedule is one the
/// thief knows.
#[test]
fn every_derivation_in_the_crate_is_one_the_thief_tries() {
    let known = fluister::keys::labels();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut derivers = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
            if ["Hkdf", "Hmac<", "hmac::", "hkdf::"]
                .iter()
                .any(|t| text.contains(t))
            {
                derivers.push(name.display().to_string());
            }
            if !name.ends_with("keys.rs") {
                continue;
            }
            for (i, _) in text.match_indices("b\"fluister") {
                let label = &text[i + 2..];
                let label = &label[..label.find('"').unwrap()];
                assert!(
                    known.contains(&label.as_bytes()),
                    "{}: label {label:?} is not in keys::labels(), so the thief's test never \
                     tries it; add it there",
                    name.display()
                );
            }
        }
    }
    derivers.sort();
    assert_eq!(
        derivers,
        ["src/auth.rs", "src/keys.rs", "src/ratelimit.rs"],
        "a new place derives keys: put it in src/keys.rs under a labelled purpose, or (a random \
         key in memory only) add it here after checking nothing keyed by it is stored"
    );
}

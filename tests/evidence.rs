//! Evidence images end to end: the real binary, real multipart uploads, real SQLite and real
//! age. What the adviser decrypts must be an image with nothing of the phone left in it; every
//! refusal keeps the pupil's text and stores nothing.

mod common;

use common::images::{
    SENTINELS, TRAILER, assert_clean, jpeg_with_exif, photo_jpeg, png_bomb, png_with_text,
    with_trailing,
};
use common::*;

const TEXT: &str = "Ze zetten een foto van mij in de klassengroep. TEXT-SENTINEL-4411";

fn report_fields(category: &str) -> Vec<(&'static str, String)> {
    vec![
        ("lang", "nl".into()),
        ("category", category.into()),
        ("description", TEXT.into()),
        ("where", "WhatsApp, groep 2B".into()),
    ]
}

fn post_report(server: &Server, category: &str, files: &[(&str, &[u8])]) -> Page {
    let fields = report_fields(category);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_multipart(&server.url("/s/demo/report"), &fields, files)
}

fn count(server: &Server, table: &str) -> i64 {
    server
        .db()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// The attachment as the adviser gets it: decrypted, cut to the length the sealed document
/// gives (the rest is padding, which must be zeros).
fn opened(
    identity: &age::x25519::Identity,
    ciphertext: &[u8],
    info: &serde_json::Value,
) -> Vec<u8> {
    let mut plain = decrypt(identity, ciphertext).unwrap();
    let len = info["bytes"].as_u64().unwrap() as usize;
    assert!(plain[len..].iter().all(|&b| b == 0), "padding is zeros");
    plain.truncate(len);
    plain
}

/// Every refusal of a file: the text is back in the form, the pupil is told to choose the files
/// again, and nothing of the submission was stored.
fn assert_refused_and_kept(server: &Server, page: &Page, status: u16, says: &str) {
    assert!(
        page.body.contains("opnieuw kiezen"),
        "asked to choose again"
    );
    assert_refused_and_stored_nothing(server, page, status, says);
}

/// A refusal: the text is back in the form and nothing of the submission was stored.
fn assert_refused_and_stored_nothing(server: &Server, page: &Page, status: u16, says: &str) {
    assert_eq!(page.status, status, "{}", page.body);
    assert!(
        page.body.contains(says),
        "expected {says:?} in {}",
        page.body
    );
    assert!(page.body.contains("TEXT-SENTINEL-4411"), "text kept");
    assert!(page.pickup_code().is_none());
    assert_eq!(server.report_count(), 0);
    assert_eq!(count(server, "attachments"), 0);
}

#[test]
fn a_phone_photo_reaches_the_adviser_with_nothing_of_the_phone_left() {
    let server = Server::demo();
    let exif = jpeg_with_exif(64, 48);
    let png = png_with_text(120, 80);
    let jpeg_trailing = with_trailing(&photo_jpeg(40, 30), TRAILER);
    let png_trailing = with_trailing(&png_with_text(30, 20), TRAILER);
    let sent = [&exif, &png, &jpeg_trailing, &png_trailing];
    for s in SENTINELS {
        assert!(
            sent.iter().any(|f| contains(f, s)),
            "the test input carries {s:?}"
        );
    }
    let page = post_report(
        &server,
        "bullying",
        &[
            ("IMG_20261121_143055.jpg", &exif),
            ("Screenshot_2026-11-21-14-31-02.png", &png),
            ("trailing.jpg", &jpeg_trailing),
            ("trailing.png", &png_trailing),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let code = page.pickup_code().expect("a code after the commit");

    // Stored: four age files, numbered with the report.
    let db = server.db();
    let rows: Vec<(i64, Option<i64>, Vec<u8>)> = db
        .prepare("SELECT n, message_seq, ciphertext FROM attachments ORDER BY n")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(rows.iter().all(|r| r.1.is_none()));
    assert!(
        rows.iter()
            .all(|r| r.2.starts_with(b"age-encryption.org/v1\n"))
    );

    // The adviser: the sealed report lists the images; each opens as a clean image.
    let adviser = server.demo_identity();
    let report: Vec<u8> = db
        .query_row("SELECT ciphertext FROM reports", [], |r| r.get(0))
        .unwrap();
    let doc: serde_json::Value =
        serde_json::from_slice(&decrypt(&adviser, &report).unwrap()).unwrap();
    let infos = doc["attachments"].as_array().unwrap();
    assert_eq!(infos.len(), 4);
    let types: Vec<&str> = infos.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["image/jpeg", "image/png", "image/jpeg", "image/png"]
    );
    for ((_, _, ciphertext), info) in rows.iter().zip(infos) {
        let image = opened(&adviser, ciphertext, info);
        assert_clean(&image);
        assert!(!contains(&image, TRAILER));
        let decoded = image::load_from_memory(&image).expect("decodes as an image");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (
                info["width"].as_u64().unwrap() as u32,
                info["height"].as_u64().unwrap() as u32
            )
        );
    }
    // Orientation 6 (rotate 90°) was applied before the tag was dropped: 64×48 became 48×64.
    assert_eq!(
        (infos[0]["width"].as_u64(), infos[0]["height"].as_u64()),
        (Some(48), Some(64))
    );
    // The pupil's file names (with their time of day) are nowhere in the sealed document.
    let plain = decrypt(&adviser, &report).unwrap();
    assert!(!contains(&plain, b"IMG_2026") && !contains(&plain, b"14-31-02"));

    // The pupil's own key opens them too, and their conversation says so.
    // Sealed to the same recipients as the report: the pupil's key and the demo adviser.
    let stanzas = |age: &[u8]| {
        let header_end = age.windows(4).position(|w| w == b"\n---").unwrap();
        age[..header_end]
            .windows(10)
            .filter(|w| w == b"-> X25519 ")
            .count()
    };
    assert_eq!(stanzas(&report), 2);
    assert!(rows.iter().all(|r| stanzas(&r.2) == 2));
    let conv = post_form(&server.url("/check"), &[("code", &code)]);
    assert!(
        conv.body.contains("4 afbeeldingen meegestuurd"),
        "{}",
        conv.body
    );

    // The adviser API lists them and hands out the same ciphertext.
    let token = sign_in(&server, &adviser);
    let id: String = db
        .query_row("SELECT id FROM reports", [], |r| r.get(0))
        .unwrap();
    let r = get_auth(&server.url(&format!("/api/v1/reports/{id}")), &token).json();
    let listed = r["attachments"].as_array().unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[1]["n"], 2);
    assert_eq!(
        listed[1]["size"].as_u64().unwrap() as usize,
        rows[1].2.len()
    );
    let got = get_raw_auth(
        &server.url(&format!("/api/v1/reports/{id}/attachments/2")),
        &token,
    );
    assert_eq!(got, rows[1].2);
    let list = get_auth(&server.url("/api/v1/reports"), &token).json();
    assert_eq!(list["reports"][0]["attachments"], 4);
    let missing = get_auth(
        &server.url(&format!("/api/v1/reports/{id}/attachments/5")),
        &token,
    );
    assert_eq!(missing.status, 404);
    let anonymous = get(&server.url(&format!("/api/v1/reports/{id}/attachments/1")));
    assert_eq!(anonymous.status, 401);

    // The reference age tool opens an attachment with the adviser's key file.
    let tmp = tempfile::tempdir().unwrap();
    let sealed = tmp.path().join("2.age");
    std::fs::write(&sealed, &rows[1].2).unwrap();
    let out = std::process::Command::new("age")
        .args(["-d", "-i"])
        .arg(server.data_dir.join("demo-adviser.key"))
        .arg(&sealed)
        .output()
        .expect("the reference age tool is installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(b"\x89PNG\r\n\x1a\n"));

    // Nothing of the originals, or of the text, anywhere on disk (WAL included) or in the logs.
    let needles: Vec<&[u8]> = SENTINELS
        .iter()
        .copied()
        .chain([TRAILER, b"TEXT-SENTINEL-4411" as &[u8], b"IMG_2026"])
        .collect();
    for (path, bytes) in all_files(&server.data_dir) {
        for s in &needles {
            assert!(!contains(&bytes, s), "{s:?} in {}", path.display());
        }
    }
    let logs = server.stop();
    for s in &needles {
        assert!(!contains(logs.as_bytes(), s), "{s:?} in the logs");
    }
}

/// GETs an attachment's bytes with a bearer token, as the API serves them.
fn get_raw_auth(url: &str, token: &str) -> Vec<u8> {
    let bearer = format!("Bearer {token}");
    let (status, headers, body) = get_bytes_with(url, &[("Authorization", &bearer)]);
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/octet-stream");
    body
}

/// A server with small limits so the refusals are quick to reach: 1 MiB per file, 12 uploads
/// an hour per address.
fn small_limits() -> (Server, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = age::x25519::Identity::generate();
    let config = config_for(
        tmp.path(),
        &adviser,
        "evidence_file_mib = 1\n[limits]\nuploads_per_source_per_hour = 12",
    );
    let server = Server::start(
        &["--config", config.to_str().unwrap()],
        &tmp.path().join("data"),
    );
    (server, tmp)
}

#[test]
fn every_bad_file_is_refused_by_name_with_the_text_kept_and_nothing_stored() {
    let (server, _tmp) = small_limits();
    let good = photo_jpeg(32, 24);

    // A decompression bomb: a few KiB claiming 60,000 × 60,000 pixels.
    let bomb = png_bomb();
    assert!(bomb.len() < 64 * 1024);
    let page = post_report(
        &server,
        "bullying",
        &[("goed.jpg", &good), ("bom.png", &bomb)],
    );
    assert_refused_and_kept(
        &server,
        &page,
        422,
        "bom.png: deze afbeelding is veel te groot",
    );

    // Not an image, whatever its name and declared type say.
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let page = post_report(&server, "bullying", &[("foto.jpg", &pdf)]);
    assert_refused_and_kept(
        &server,
        &page,
        422,
        "foto.jpg: dit is geen foto of screenshot",
    );

    // Damaged: half a JPEG.
    let half = &good[..good.len() / 2];
    let page = post_report(&server, "bullying", &[("half.jpg", half)]);
    assert_refused_and_kept(&server, &page, 422, "half.jpg: dit bestand is kapot");

    // Over the configured 1 MiB.
    let mut big = photo_jpeg(32, 24);
    big.resize(1_572_864, 0);
    let page = post_report(&server, "bullying", &[("groot.jpg", &big)]);
    assert_refused_and_kept(&server, &page, 422, "groot.jpg: dit bestand is 1,5 MB");
    assert!(
        page.body.contains("niet groter zijn dan 1 MB"),
        "{}",
        page.body
    );

    // A sixth file.
    let names = [
        "een.jpg", "twee.jpg", "drie.jpg", "vier.jpg", "vijf.jpg", "zes.jpg",
    ];
    let six: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, &good[..])).collect();
    let page = post_report(&server, "bullying", &six);
    assert_refused_and_kept(
        &server,
        &page,
        422,
        "zes.jpg: je kunt niet meer dan 5 afbeeldingen",
    );
    assert!(!page.body.contains("vijf.jpg:"), "only the sixth is named");

    // Five is fine, and counts against the upload budget of 12 an hour from one address. Files
    // that were decoded count too (the bomb's pair, the PDF, the half JPEG: 4); files refused
    // while they arrived (too big, the sixth) were never decoded and do not.
    let five = &six[..5];
    let page = post_report(&server, "bullying", five);
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(count(&server, "attachments"), 5);
    let page = post_report(&server, "bullying", five);
    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.header("retry-after").is_some());
    assert!(page.body.contains("TEXT-SENTINEL-4411"));
    assert_eq!(server.report_count(), 1);
    assert_eq!(count(&server, "attachments"), 5);
    // Without files the same pupil can still report.
    let page = post_report(&server, "bullying", &[]);
    assert_eq!(page.status, 200, "{}", page.body);
}

#[test]
fn no_upload_categories_refuse_images_and_the_form_says_never_to_send_one() {
    let server = Server::demo();
    let form = get(&server.url("/s/demo"));
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(form.body.contains("type=\"file\" name=\"evidence\""));
    assert!(form.body.contains("Stuur nooit een naaktfoto"));
    let png = png_with_text(20, 20);
    for category in ["images_shared", "sextortion", "adult_contact"] {
        let page = post_report(&server, category, &[("bewijs.png", &png)]);
        assert_refused_and_stored_nothing(
            &server,
            &page,
            422,
            "Bij dit onderwerp nemen we geen afbeeldingen aan",
        );
        assert!(page.body.contains("We hebben bewijs.png niet bewaard"));
        // Never "choose your pictures again" to a pupil who may be holding a nude image.
        assert!(!page.body.contains("opnieuw kiezen"), "{}", page.body);
    }
    // The same report without the file goes through, and its conversation offers no upload;
    // a file sent anyway with a follow-up is refused and nothing is stored.
    let page = post_report(&server, "sextortion", &[]);
    let code = page.pickup_code().expect("accepted without the image");
    let conv = post_form(&server.url("/check"), &[("code", &code)]);
    assert!(!conv.body.contains("type=\"file\""), "{}", conv.body);
    let page = post_multipart(
        &server.url("/check/message"),
        &[
            ("code", &code),
            ("message", "Hier is het toch. MSG-SENTINEL"),
        ],
        &[("bewijs.png", &png)],
    );
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("MSG-SENTINEL"), "the message is kept");
    assert_eq!(count(&server, "messages"), 0);
    assert_eq!(count(&server, "attachments"), 0);
}

#[test]
fn a_follow_up_can_carry_a_screenshot() {
    let server = Server::demo();
    let page = post_form(
        &server.url("/s/demo/report"),
        &[
            ("category", "threat"),
            ("description", "Hij bedreigt me via Snapchat."),
        ],
    );
    let code = page.pickup_code().unwrap();
    let conv = post_form(&server.url("/check"), &[("code", &code)]);
    assert!(
        conv.body.contains("type=\"file\" name=\"evidence\""),
        "{}",
        conv.body
    );

    let shot = png_with_text(90, 160);
    // Refused first: a bomb, and a sixth file. The message is kept and nothing is stored.
    let bomb = png_bomb();
    let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("s.png", &shot[..])).collect();
    for (files, says) in [
        (
            vec![("goed.png", &shot[..]), ("bom.png", &bomb[..])],
            "bom.png: deze afbeelding is veel te groot",
        ),
        (six, "s.png: je kunt niet meer dan 5 afbeeldingen"),
    ] {
        let page = post_multipart(
            &server.url("/check/message"),
            &[("code", &code), ("message", "MSG-KEPT-5150")],
            &files,
        );
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.body.contains(says), "{}", page.body);
        assert!(page.body.contains("MSG-KEPT-5150"), "the message is kept");
        assert!(page.body.contains("opnieuw kiezen"));
        assert_eq!(count(&server, "messages"), 0);
        assert_eq!(count(&server, "attachments"), 0);
    }
    let page = post_multipart(
        &server.url("/check/message"),
        &[("code", &code), ("message", "Dit stuurde hij vannacht.")],
        &[("Screenshot.png", &shot)],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Je bericht is verstuurd"));
    assert!(
        page.body.contains("1 afbeelding meegestuurd"),
        "{}",
        page.body
    );
    // Only a picture, no words: fine too.
    let page = post_multipart(
        &server.url("/check/message"),
        &[("code", &code), ("message", "")],
        &[("nog een.png", &shot)],
    );
    assert_eq!(page.status, 200, "{}", page.body);

    let db = server.db();
    let rows: Vec<(i64, Option<i64>)> = db
        .prepare("SELECT n, message_seq FROM attachments ORDER BY n")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, [(1, Some(1)), (2, Some(2))]);

    let adviser = server.demo_identity();
    let token = sign_in(&server, &adviser);
    let id: String = db
        .query_row("SELECT id FROM reports", [], |r| r.get(0))
        .unwrap();
    let r = get_auth(&server.url(&format!("/api/v1/reports/{id}")), &token).json();
    assert_eq!(r["attachments"].as_array().unwrap().len(), 0);
    assert_eq!(r["messages"][0]["attachments"][0]["n"], 1);
    let message = decrypt(&adviser, &unb64(&r["messages"][0]["ciphertext"])).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&message).unwrap();
    let info = &doc["attachments"][0];
    assert_eq!(info["type"], "image/png");
    let sealed = get_raw_auth(
        &server.url(&format!("/api/v1/reports/{id}/attachments/1")),
        &token,
    );
    let image = opened(&adviser, &sealed, info);
    assert_clean(&image);
    assert_eq!(image::load_from_memory(&image).unwrap().width(), 90);
}

/// The body Chromium sends for a form whose file input was left empty: the text fields, then a
/// part for `evidence` with `filename=""`, `application/octet-stream` and no bytes at all.
fn browser_form_without_a_file(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----WebKitFormBoundaryq7Gv2CH7yZ4wRdxV";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn a_browser_form_with_no_file_chosen_is_a_report_without_images() {
    let server = Server::demo();
    // Every category, including those whose form hides the upload field: the browser still
    // sends the empty part for it.
    let mut codes = Vec::new();
    for category in [
        "bullying",
        "threat",
        "fight_filmed",
        "images_shared",
        "sextortion",
        "reputation",
        "hacked_account",
        "discrimination",
        "adult_contact",
        "other",
    ] {
        let (content_type, body) = browser_form_without_a_file(&[
            ("lang", "nl"),
            ("category", category),
            ("description", TEXT),
        ]);
        let page = post_raw(
            &server.url("/s/demo/report"),
            &content_type,
            "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile",
            &body,
        );
        assert_eq!(page.status, 200, "{category}: {}", page.body);
        codes.push(page.pickup_code().expect("a code"));
    }
    assert_eq!(server.report_count(), 10);
    assert_eq!(count(&server, "attachments"), 0);

    // A text-only follow-up from the /check page, as the browser sends it, is stored once.
    let (content_type, body) = browser_form_without_a_file(&[
        ("lang", "nl"),
        ("code", &codes[3]),
        (
            "message",
            "Het filmpje staat nog in de groep. FOLLOW-SENTINEL",
        ),
    ]);
    let page = post_raw(
        &server.url("/check/message"),
        &content_type,
        "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile",
        &body,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("FOLLOW-SENTINEL"));
    assert_eq!(count(&server, "messages"), 1);
    assert_eq!(count(&server, "attachments"), 0);
}

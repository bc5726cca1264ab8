//! What checking a pickup code costs: `cargo run --release --example code_check`.
//!
//! Prints the CPU time of each step a `POST /check` takes (lookup hash, reporter key, database
//! lookup, decrypting the report and its messages) over a real SQLite file and real age files.

use std::time::Instant;

use fluister::code::PickupCode;
use fluister::config::{Config, School};
use fluister::conversation;
use fluister::crypto::ServerSecret;
use fluister::i18n::Lang;
use fluister::intake;
use fluister::keys::{KeyVersion, Keys};
use fluister::report::ReportForm;
use fluister::store::Store;

const REPORTS: usize = 2_000;
const ROUNDS: usize = 2_000;

fn per_op(label: &str, started: Instant, n: usize) {
    let us = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("{label:<44} {us:>9.1} µs");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let secret = Keys::new(&ServerSecret::load_or_create(dir.path()).expect("a secret"));
    let store = Store::open(dir.path(), &secret).expect("a store");
    let adviser = age::x25519::Identity::generate();
    let school = School {
        slug: "demo".into(),
        name: "Demo".into(),
        advisers: vec![adviser.to_public()],
        ..School::default()
    };
    let config = Config::with_schools(dir.path().to_owned(), vec![school.clone()]);
    let form = ReportForm {
        category: "bullying".into(),
        description: "Ze pesten me elke dag in de groepsapp. ".repeat(100),
        ..ReportForm::default()
    };
    let mut codes = Vec::new();
    for _ in 0..REPORTS {
        let valid = form
            .validate()
            .map_err(|_| "invalid")
            .expect("a valid form");
        let receipt = intake::accept(
            &store,
            &secret,
            &school,
            valid,
            Lang::Nl,
            Default::default(),
            PickupCode::generate(),
        )
        .await
        .expect("stored");
        codes.push(receipt.code);
    }
    // Two messages on each of the first reports, like a conversation under way.
    for code in codes.iter().take(ROUNDS.min(REPORTS)) {
        for text in ["Dank je, ik help je.", "Het was dinsdag."] {
            let mut thread = conversation::locate(&store, &secret, code)
                .await
                .expect("a lookup")
                .expect("the report");
            conversation::add_pupil_message(
                &store,
                &config,
                &mut thread,
                text.into(),
                Default::default(),
            )
            .await
            .expect("stored");
        }
    }
    println!(
        "{REPORTS} reports (4 KiB text, padded to 16 KiB), 2 messages each; {ROUNDS} rounds\n"
    );

    let codes: Vec<PickupCode> = codes.into_iter().take(ROUNDS).collect();
    let t = Instant::now();
    for c in &codes {
        std::hint::black_box(secret.lookup_hashes(c));
    }
    per_op(
        "lookup hashes, v2 and wrapped v1 (3 HMAC-SHA256)",
        t,
        ROUNDS,
    );
    let t = Instant::now();
    for c in &codes {
        std::hint::black_box(secret.reporter_identity(c, KeyVersion::V2).to_public());
    }
    per_op("reporter key (HKDF + X25519 + recipient)", t, ROUNDS);
    let t = Instant::now();
    for c in &codes {
        std::hint::black_box(store.report_by_code(secret.lookup_hashes(c)).await.unwrap());
    }
    per_op("database lookup by hash (incl. thread hop)", t, ROUNDS);
    let (sample, version) = store
        .report_by_code(secret.lookup_hashes(&codes[0]))
        .await
        .unwrap()
        .expect("stored");
    let reporter = secret.reporter_identity(&codes[0], version);
    let t = Instant::now();
    for _ in 0..ROUNDS {
        std::hint::black_box(fluister::crypto::decrypt(&reporter, &sample.ciphertext).unwrap());
    }
    per_op("decrypt one 16 KiB report (reporter key)", t, ROUNDS);
    let t = Instant::now();
    for c in &codes {
        let thread = conversation::locate(&store, &secret, c).await.unwrap();
        std::hint::black_box(thread.expect("stored").opens().await.unwrap());
    }
    per_op("type-back check (hash, key, lookup, decrypt)", t, ROUNDS);
    let t = Instant::now();
    for c in &codes {
        std::hint::black_box(conversation::open(&store, &secret, c).await.unwrap());
    }
    per_op("open conversation (report + 2 messages)", t, ROUNDS);
    let unknown = PickupCode::generate();
    let t = Instant::now();
    for _ in 0..ROUNDS {
        std::hint::black_box(conversation::open(&store, &secret, &unknown).await.unwrap());
    }
    per_op("unknown code (hash + lookup miss)", t, ROUNDS);
    store.close();
}

//! Properties of the pure pieces, stated from outside and tried on many generated inputs:
//! what a thief learns from a ciphertext's length, which spellings of a pickup code a pupil may
//! type, and which calendar day the server writes down around the clocks changing.
//!
//! The date rule is checked against an independent oracle (jiff with its own copy of the tz
//! database), not against a second copy of our own rule.

use age::x25519;
use fluister::code::{CODE_LEN, PickupCode};
use fluister::{crypto, date, evidence};
use proptest::prelude::*;
use time::{Date, Month, OffsetDateTime, Time};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Failures are reported with the shrunk input; nothing is written next to the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Padding: the stored length says only which bucket a text fell in.

/// The lengths of the two parts of the age file a report of `plain_len` bytes becomes, for one
/// recipient: the header (recipient stanzas, ending with the `---` MAC line) and the payload.
fn sealed_lens(plain_len: usize, recipient: &x25519::Recipient) -> (usize, usize) {
    let doc = vec![b'x'; plain_len];
    let padded = crypto::pad_json(doc);
    let file = crypto::encrypt(&[recipient as &dyn age::Recipient], &padded).expect("encrypts");
    let mac_line = file
        .windows(5)
        .position(|w| w == b"\n--- ")
        .expect("an age header ends with its MAC line");
    let header = mac_line
        + 1
        + file[mac_line + 1..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap()
        + 1;
    (header, file.len() - header)
}

proptest! {
    #![proptest_config(config(64))]

    /// Two reports whose texts fall in the same bucket give age payloads of exactly the same
    /// length, and the padded text is never shorter than the text. The header's length varies
    /// (the age crate adds a random "grease" stanza of 0-100 bytes to every file), but by chance
    /// only: it is the same for a short and a long text.
    #[test]
    fn sealed_length_depends_only_on_the_bucket(a in 0usize..70_000, b in 0usize..70_000) {
        let recipient = x25519::Identity::generate().to_public();
        let (pa, pb) = (crypto::padded_len(a + 1), crypto::padded_len(b + 1));
        prop_assert!(pa > a && pb > b);
        prop_assert!(pa >= crypto::MIN_PADDED && pa.is_power_of_two());
        let ((ha, la), (hb, lb)) = (sealed_lens(a, &recipient), sealed_lens(b, &recipient));
        prop_assert_eq!(pa == pb, la == lb, "lengths {} and {} -> payloads {} and {}", a, b, la, lb);
        // One x25519 stanza, the grease stanza and the MAC line, whatever the text.
        prop_assert!(ha.abs_diff(hb) < 250 && ha < 500, "headers {} and {}", ha, hb);
    }

    /// Padding keeps a JSON document a JSON document with the same meaning, so `age -d` still
    /// shows the adviser something a JSON tool reads.
    #[test]
    fn padded_json_parses_to_the_same_document(text in "\\PC{0,400}", n in 0u32..1000) {
        let doc = serde_json::json!({ "text": text, "n": n });
        let padded = crypto::pad_json(serde_json::to_vec(&doc).unwrap());
        let back: serde_json::Value = serde_json::from_slice(&padded).unwrap();
        prop_assert_eq!(back, doc);
    }

    /// Evidence images: buckets are intervals (a longer file never lands in a smaller bucket),
    /// never below the floor, and the overhead above the floor stays under 12% (Padmé).
    #[test]
    fn evidence_padding_is_monotonic_and_cheap(a in 0usize..(48 << 20), b in 0usize..(48 << 20)) {
        let (a, b) = (a.min(b), a.max(b));
        let (pa, pb) = (padded_evidence_len(a), padded_evidence_len(b));
        prop_assert!(pa <= pb, "{} -> {} but {} -> {}", a, pa, b, pb);
        prop_assert!(pa >= a && pa >= 64 * 1024);
        if a > 64 * 1024 {
            prop_assert!((pa - a) as f64 <= 0.12 * a as f64, "{} -> {}", a, pa);
        }
    }
}

fn padded_evidence_len(len: usize) -> usize {
    let padded = evidence::padded_len(len);
    if len < 1 << 20 {
        // The function and what `pad` really does agree (checked where allocation is cheap).
        assert_eq!(evidence::pad(vec![0; len]).len(), padded);
    }
    padded
}

/// How much the padded size of an image tells: the number of different sizes from the floor to
/// the largest upload is small, so a file's stored length leaks only a few bits.
#[test]
fn evidence_sizes_fall_into_few_buckets() {
    let mut sizes = std::collections::BTreeSet::new();
    for len in (0..=48 << 20).step_by(61) {
        sizes.insert(evidence::padded_len(len));
    }
    // ~2,000 sizes up to 48 MiB: about 11 bits, where the raw length would show 25.
    assert!(sizes.len() < 2_500, "{} distinct padded sizes", sizes.len());
}

// ---------------------------------------------------------------------------------------------
// Pickup codes: every way a pupil may type a code reads as that code, nothing else does, and
// the confirmation page's HTML pattern agrees with the server.

const SYMBOLS: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters a pupil may put between the symbols: spaces of every kind (a phone's keyboard, a
/// copy from a PDF), dots, and the dashes that autocorrect makes of "-".
const SEPARATORS: &[&str] = &[
    " ", "-", ".", "\t", "\n", "\r\n", "\u{a0}", "\u{2009}", "\u{202f}", "\u{3000}", "\u{2010}",
    "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}",
];

/// Every way one normalised symbol may be typed.
fn spellings(symbol: char) -> Vec<String> {
    match symbol {
        '0' => vec!["0".into(), "O".into(), "o".into()],
        '1' => vec!["1".into(), "I".into(), "i".into(), "L".into(), "l".into()],
        c if c.is_ascii_digit() => vec![c.to_string()],
        c => vec![c.to_string(), c.to_ascii_lowercase().to_string()],
    }
}

/// A code (as its 80 bits: `PickupCode` deliberately cannot be printed, so the strategy hands
/// out the bits) and one way a pupil might type it: each symbol in any accepted spelling, with
/// runs of separators anywhere, including before and after.
fn a_spelling() -> impl Strategy<Value = ([u8; 10], String)> {
    (
        any::<[u8; 10]>(),
        prop::collection::vec(any::<prop::sample::Index>(), CODE_LEN),
        prop::collection::vec(
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            CODE_LEN + 1,
        ),
    )
        .prop_map(|(bits, picks, gaps)| {
            let code = PickupCode::from_bits(&bits);
            let separator = |g: &prop::sample::Index| SEPARATORS[g.index(SEPARATORS.len())];
            let mut typed = String::new();
            for (i, symbol) in code.normalised().chars().enumerate() {
                typed.extend(gaps[i].iter().map(separator));
                let ways = spellings(symbol);
                typed.push_str(&ways[picks[i].index(ways.len())]);
            }
            typed.extend(gaps[CODE_LEN].iter().map(separator));
            (bits, typed)
        })
}

/// What can go wrong when a code is copied by hand.
#[derive(Debug, Clone)]
enum Slip {
    Drop(prop::sample::Index),
    Double(prop::sample::Index),
    Swap(prop::sample::Index, char),
    Insert(prop::sample::Index, char),
}

fn a_slip() -> impl Strategy<Value = Slip> {
    // Symbols of the alphabet, the letters it leaves out, and things no code has.
    let foreign = prop::sample::select(vec![
        'U', 'u', 'A', 'Z', '7', '!', '_', '/', 'é', 'ß', 'ö', 'Ⅰ', '٣', '０', 'Ｏ', ',',
        '\u{200b}',
    ]);
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Slip::Drop),
        any::<prop::sample::Index>().prop_map(Slip::Double),
        (any::<prop::sample::Index>(), foreign.clone()).prop_map(|(i, c)| Slip::Swap(i, c)),
        (any::<prop::sample::Index>(), foreign).prop_map(|(i, c)| Slip::Insert(i, c)),
    ]
}

fn apply(slip: &Slip, typed: &str) -> String {
    let mut chars: Vec<char> = typed.chars().collect();
    match slip {
        Slip::Drop(i) => {
            chars.remove(i.index(chars.len()));
        }
        Slip::Double(i) => {
            let at = i.index(chars.len());
            chars.insert(at, chars[at]);
        }
        Slip::Swap(i, c) => {
            let at = i.index(chars.len());
            chars[at] = *c;
        }
        Slip::Insert(i, c) => chars.insert(i.index(chars.len() + 1), *c),
    }
    chars.into_iter().collect()
}

/// The confirmation page's `pattern` attribute as the browser applies it: the whole value must
/// match. Rust's `regex` and the browser's RegExp agree on this pattern's syntax (character
/// classes, `\s` as Unicode white space, `*`).
fn pattern_accepts(code: &PickupCode, typed: &str) -> bool {
    let re = regex::Regex::new(&format!("^(?:{})$", code.typed_pattern())).expect("valid regex");
    re.is_match(typed)
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn every_accepted_spelling_reads_as_the_code((bits, typed) in a_spelling()) {
        let code = PickupCode::from_bits(&bits);
        let read = PickupCode::parse(&typed).map_err(|e| format!("{e:?} for {typed:?}"));
        prop_assert_eq!(read.as_ref().map(|c| c.normalised()), Ok(code.normalised()));
        prop_assert!(pattern_accepts(&code, &typed), "pattern refuses {:?}", typed);
    }

    /// A slip of the hand gives either the same code (the slip was a separator, or a spelling
    /// of the same symbol) or no code or another code; the browser's pattern says "your code
    /// works" exactly when the server would read the pupil's code.
    #[test]
    fn a_slip_never_reads_as_the_code_unless_it_spells_it(
        (bits, typed) in a_spelling(),
        slip in a_slip(),
    ) {
        let code = PickupCode::from_bits(&bits);
        let slipped = apply(&slip, &typed);
        let same = PickupCode::parse(&slipped)
            .map(|c| c.normalised() == code.normalised())
            .unwrap_or(false);
        prop_assert_eq!(pattern_accepts(&code, &slipped), same, "{:?}", slipped);
        if same {
            // Then the slip only touched separators or swapped a symbol for its twin.
            let symbols = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).count();
            prop_assert_eq!(symbols(&slipped), CODE_LEN, "{:?}", slipped);
        }
    }

    /// Any text at all: if the server reads it as a code, the browser's pattern for that code
    /// accepts it, and the code reads back from its printed form.
    #[test]
    fn anything_the_server_reads_the_browser_accepts(typed in "[0-9A-Za-z \\-.\u{a0}]{0,40}|\\PC{0,30}") {
        if let Ok(code) = PickupCode::parse(&typed) {
            prop_assert!(pattern_accepts(&code, &typed), "{:?}", typed);
            let again = PickupCode::parse(&code.grouped()).unwrap();
            prop_assert_eq!(again.normalised(), code.normalised());
        }
    }

    /// Two different 80-bit values never print as codes that read as each other.
    #[test]
    fn different_bits_are_different_codes(a in any::<[u8; 10]>(), b in any::<[u8; 10]>()) {
        let (ca, cb) = (PickupCode::from_bits(&a), PickupCode::from_bits(&b));
        prop_assert_eq!(a == b, ca.normalised() == cb.normalised());
        prop_assert!(ca.normalised().bytes().all(|s| SYMBOLS.contains(&s)));
        let again = PickupCode::parse(&ca.grouped()).unwrap();
        prop_assert_eq!(again.normalised(), ca.normalised());
    }
}

// ---------------------------------------------------------------------------------------------
// Dates: the day written down is the day on a clock in Amsterdam, also around the two nights
// a year the clocks change. The oracle is the tz database, not our rule.

fn amsterdam() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Amsterdam").expect("bundled tz database has Amsterdam")
}

/// The EU rule our code implements is the law since 1996; before that the Netherlands changed
/// clocks in September. Checked to 2099.
const FROM: i64 = 820_454_400; // 1996-01-01T00:00:00Z
const TO: i64 = 4_102_444_800; // 2100-01-01T00:00:00Z

fn oracle_date(unix: i64) -> (i16, i8, i8, i32) {
    let z = jiff::Timestamp::from_second(unix)
        .unwrap()
        .to_zoned(amsterdam());
    (z.year(), z.month(), z.day(), z.offset().seconds())
}

fn ours(unix: i64) -> (i16, i8, i8, i32) {
    let now = OffsetDateTime::from_unix_timestamp(unix).unwrap();
    let d = date::amsterdam_date(now);
    (
        d.year() as i16,
        u8::from(d.month()) as i8,
        d.day() as i8,
        date::amsterdam_offset(now).whole_seconds(),
    )
}

/// Instants in the last eight days of March or October of some year: every clock change in the
/// range falls in them, so the generated instants crowd around the change.
fn near_a_clock_change() -> impl Strategy<Value = i64> {
    (1996i32..2100, prop::bool::ANY, 0i64..8 * 86_400).prop_map(|(year, march, second)| {
        let month = if march { Month::March } else { Month::October };
        let start = Date::from_calendar_date(year, month, 24)
            .unwrap()
            .midnight()
            .assume_utc()
            .unix_timestamp();
        start + second
    })
}

proptest! {
    #![proptest_config(config(5_000))]

    #[test]
    fn the_stored_date_is_amsterdams_near_clock_changes(unix in near_a_clock_change()) {
        prop_assert_eq!(ours(unix), oracle_date(unix), "at unix {}", unix);
    }

    #[test]
    fn the_stored_date_is_amsterdams_any_day(unix in FROM..TO) {
        prop_assert_eq!(ours(unix), oracle_date(unix), "at unix {}", unix);
    }

    /// A digest time like "08:00" (or a time in the skipped or repeated hour) becomes the same
    /// instant the tz database gives: a repeated time is its first occurrence, a skipped one
    /// counts as the hour after.
    #[test]
    fn a_local_time_is_the_instant_the_tz_database_gives(
        unix in near_a_clock_change(),
        hour in 0u8..24,
        minute in 0u8..60,
    ) {
        let day = OffsetDateTime::from_unix_timestamp(unix).unwrap().date();
        let ours = date::amsterdam_instant(day, Time::from_hms(hour, minute, 0).unwrap());
        let oracle = jiff::civil::date(day.year() as i16, u8::from(day.month()) as i8, day.day() as i8)
            .at(hour as i8, minute as i8, 0, 0)
            .to_zoned(amsterdam())
            .unwrap()
            .timestamp()
            .as_second();
        prop_assert_eq!(ours.unix_timestamp(), oracle, "{} {:02}:{:02}", day, hour, minute);
    }

    /// Whatever the instant, what is stored has the shape of a date and nothing more.
    #[test]
    fn what_is_stored_is_only_a_date(unix in FROM..TO, days in -1000i64..1000) {
        let now = OffsetDateTime::from_unix_timestamp(unix).unwrap();
        let stored = date::format_date(date::amsterdam_date(now));
        prop_assert!(date::is_date(&stored));
        prop_assert_eq!(stored.len(), 10);
        let later = date::add_days(&stored, days).unwrap();
        prop_assert!(date::is_date(&later));
        prop_assert_eq!(date::add_days(&later, -days).unwrap(), stored);
    }
}

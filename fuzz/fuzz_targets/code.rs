//! Pickup codes as a pupil types them (`PickupCode::parse`) and the form's submission token.
//!
//! Checks: no panic; an accepted code is 16 alphabet symbols; its grouped, normalised and
//! lower-case spellings parse to the same code; every character of an accepted input is a code
//! symbol, one of the look-alikes read as one (O, I, L) or a separator; a refusal says why
//! consistently; 80 bits spell a code that reads back as the same code.
#![no_main]

use fluister::code::{CODE_LEN, CodeShapeError, PickupCode, SEPARATORS};
use fluister::intake::SubmissionToken;
use libfuzzer_sys::fuzz_target;

const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A separator as the code module defines them: its one list of ranges, which the browser's
/// pattern is built from too.
fn is_separator(c: char) -> bool {
    SEPARATORS.iter().any(|&(from, to)| (from..=to).contains(&c))
}

fn same(a: &PickupCode, b: &PickupCode) -> bool {
    a.normalised() == b.normalised()
}

fuzz_target!(|data: &[u8]| {
    let typed = String::from_utf8_lossy(data);
    match PickupCode::parse(&typed) {
        Ok(code) => {
            let n = code.normalised();
            assert_eq!(n.len(), CODE_LEN);
            assert!(n.chars().all(|c| ALPHABET.contains(c)), "{n}");
            for spelling in [code.grouped(), n.to_owned(), code.grouped().to_lowercase()] {
                let again = PickupCode::parse(&spelling).expect("a code's own spelling parses");
                assert!(same(&again, &code), "{spelling}");
            }
            for c in typed.chars() {
                let up = c.to_ascii_uppercase();
                assert!(
                    ALPHABET.contains(up) || "OIL".contains(up) || is_separator(c),
                    "accepted {c:?}"
                );
            }
        }
        Err(CodeShapeError::Empty) => {
            assert!(typed.chars().all(is_separator));
        }
        Err(CodeShapeError::WrongLength(n)) => assert!(n > 0 && n != CODE_LEN),
        Err(CodeShapeError::BadSymbol) => {}
    }
    if let Ok(bits) = <[u8; 10]>::try_from(data.get(..10).unwrap_or_default()) {
        let code = PickupCode::from_bits(&bits);
        let again = PickupCode::parse(&code.grouped()).expect("a generated code parses");
        assert!(same(&again, &code));
    }
    if let Some(token) = SubmissionToken::parse(&typed) {
        let hex = token.to_hex();
        assert_eq!(hex.len(), SubmissionToken::HEX_LEN);
        assert_eq!(hex, typed.trim().to_ascii_lowercase());
        assert!(SubmissionToken::parse(&hex).is_some());
    }
});

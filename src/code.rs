//! Pickup codes: 80 random bits shown as 16 Crockford base32 symbols in four groups.

use rand::RngCore;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Crockford's base32 alphabet: no I, L, O or U, so codes read aloud and copied by hand survive.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a code; 16 symbols of 5 bits are the 80 bits DESIGN.md asks for.
pub const CODE_LEN: usize = 16;

/// What a pupil may type between the symbols of a code, as inclusive ranges: every Unicode
/// space (a phone keyboard, a copy from a PDF or a chat), the dot, and the hyphen with the
/// dashes and minus that autocorrect and word processors make of it.
pub const SEPARATORS: &[(char, char)] = &[
    ('\u{9}', '\u{d}'),
    (' ', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
    ('-', '-'),
    ('.', '.'),
    ('\u{2010}', '\u{2015}'),
    ('\u{2212}', '\u{2212}'),
];

fn is_separator(c: char) -> bool {
    SEPARATORS
        .iter()
        .any(|&(from, to)| (from..=to).contains(&c))
}

/// A pickup code in its normalised form (16 upper-case alphabet symbols, no separators).
///
/// It is the pupil's only key to their report: never logged, never stored, zeroized on drop,
/// and deliberately without `Debug` or `Display`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PickupCode(String);

/// Why a typed code cannot be a pickup code at all (as opposed to a well-formed unknown one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeShapeError {
    /// Nothing was typed.
    Empty,
    /// Fewer or more symbols than a code has; carries how many were typed.
    WrongLength(usize),
    /// A character that never appears in a code (for example U, or punctuation).
    BadSymbol,
}

impl PickupCode {
    /// A fresh code from the operating system's random generator.
    pub fn generate() -> Self {
        let mut bytes = zeroize::Zeroizing::new([0u8; 10]);
        rand::rngs::OsRng.fill_bytes(&mut bytes[..]);
        PickupCode::from_bits(&bytes)
    }

    /// The code that spells 80 given bits (from the random generator, or the key schedule's
    /// submission code).
    pub fn from_bits(bits: &[u8; 10]) -> Self {
        let mut code = String::with_capacity(CODE_LEN);
        // 80 bits, taken 5 at a time from the most significant end.
        let mut acc: u128 = 0;
        for &b in bits {
            acc = (acc << 8) | u128::from(b);
        }
        for i in (0..CODE_LEN).rev() {
            let index = ((acc >> (i * 5)) & 0x1f) as usize;
            code.push(char::from(ALPHABET[index]));
        }
        acc.zeroize();
        PickupCode(code)
    }

    /// Reads a code the way a pupil types it: case, spaces, dots and dashes (of any kind, see
    /// [`SEPARATORS`]) do not matter, O is read as 0 and I or L as 1.
    pub fn parse(typed: &str) -> Result<Self, CodeShapeError> {
        let mut code = String::with_capacity(CODE_LEN);
        for c in typed.chars() {
            if is_separator(c) {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                code.zeroize();
                return Err(CodeShapeError::BadSymbol);
            }
            code.push(c);
        }
        match code.len() {
            0 => Err(CodeShapeError::Empty),
            CODE_LEN => Ok(PickupCode(code)),
            n => {
                code.zeroize();
                Err(CodeShapeError::WrongLength(n))
            }
        }
    }

    /// The normalised 16 symbols, the input to the lookup hash and the key derivation.
    pub fn normalised(&self) -> &str {
        &self.0
    }

    /// An HTML `pattern` that accepts exactly the spellings `parse` reads as this code: any case,
    /// O for 0, I or L for 1, and separators anywhere. The confirmation page checks the
    /// typed-back code with it in the browser, without script and without a request, so there
    /// is no page after it that Back would have to send again.
    ///
    /// The separators are spelled out as code points rather than `\s`, whose meaning differs
    /// between the browser's RegExp (which adds U+FEFF) and Unicode (which adds U+0085).
    pub fn typed_pattern(&self) -> String {
        let class: String = SEPARATORS
            .iter()
            .map(|&(from, to)| {
                let one = |c: char| match c {
                    '-' | '.' => format!("\\{c}"),
                    c => format!("\\u{{{:x}}}", u32::from(c)),
                };
                if from == to {
                    one(from)
                } else {
                    format!("{}-{}", one(from), one(to))
                }
            })
            .collect();
        let separators = format!("[{class}]*");
        let symbols: Vec<String> = self
            .0
            .chars()
            .map(|c| match c {
                '0' => "[0Oo]".to_owned(),
                '1' => "[1IiLl]".to_owned(),
                c if c.is_ascii_digit() => c.to_string(),
                c => format!("[{}{}]", c, c.to_ascii_lowercase()),
            })
            .collect();
        format!("{separators}{}{separators}", symbols.join(&separators))
    }

    /// The code as a pupil sees it: four groups of four, e.g. `7KQM-9XTR-2HVD-P4WA`.
    pub fn grouped(&self) -> String {
        let b = self.0.as_bytes();
        let groups: Vec<&str> = b
            .chunks(4)
            .map(|g| std::str::from_utf8(g).expect("codes are ASCII by construction"))
            .collect();
        groups.join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_have_the_right_shape_and_differ() {
        let a = PickupCode::generate();
        let b = PickupCode::generate();
        assert_eq!(a.normalised().len(), CODE_LEN);
        assert!(a.normalised().bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a.normalised(), b.normalised());
        let g = a.grouped();
        assert_eq!(g.len(), 19);
        assert_eq!(g.matches('-').count(), 3);
    }

    #[test]
    fn forgiving_input_normalises_to_the_same_code() {
        let code = PickupCode::parse("7KQM-9XTR-2HVD-P4WA").unwrap();
        for typed in [
            "7kqm-9xtr-2hvd-p4wa",
            "7KQM9XTR2HVDP4WA",
            " 7kqm 9xtr 2hvd p4wa ",
            "7KQM-9XTR-2HVD-P4WA\n",
        ] {
            assert_eq!(
                PickupCode::parse(typed).unwrap().normalised(),
                code.normalised()
            );
        }
        let with_zero_and_one = PickupCode::parse("10AB-CDEF-GHJK-MNPQ").unwrap();
        assert_eq!(
            PickupCode::parse("lOab-cdef-ghjk-mnpq")
                .unwrap()
                .normalised(),
            with_zero_and_one.normalised()
        );
        assert_eq!(
            PickupCode::parse("IoAB-CDEF-GHJK-MNPQ")
                .unwrap()
                .normalised(),
            with_zero_and_one.normalised()
        );
    }

    #[test]
    fn the_typed_pattern_spells_out_every_accepted_form() {
        let code = PickupCode::parse("10AB-CDEF-GHJK-MNPQ").unwrap();
        let pattern = code.typed_pattern();
        let sep = r"[\u{9}-\u{d}\u{20}\u{85}\u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}-\u{2029}\u{202f}\u{205f}\u{3000}\-\.\u{2010}-\u{2015}\u{2212}]*";
        assert!(pattern.starts_with(&format!("{sep}[1IiLl]{sep}[0Oo]{sep}[Aa]")));
        assert!(pattern.ends_with(&format!("[Qq]{sep}")));
        assert_eq!(pattern.matches(sep).count(), CODE_LEN + 1);
        // Typed on a phone: a narrow no-break space and an en dash autocorrected from "-".
        assert_eq!(
            PickupCode::parse("10ab\u{202f}cdef – ghjk.mnpq")
                .unwrap()
                .normalised(),
            "10ABCDEFGHJKMNPQ"
        );
    }

    #[test]
    fn malformed_codes_say_what_is_wrong() {
        assert_eq!(PickupCode::parse("  - ").err(), Some(CodeShapeError::Empty));
        assert_eq!(
            PickupCode::parse("7KQM-9XTR-2HVD").err(),
            Some(CodeShapeError::WrongLength(12))
        );
        assert_eq!(
            PickupCode::parse("7KQM-9XTR-2HVD-P4WU").err(),
            Some(CodeShapeError::BadSymbol)
        );
        assert_eq!(
            PickupCode::parse("7KQM-9XTR-2HVD-P4W!").err(),
            Some(CodeShapeError::BadSymbol)
        );
    }
}

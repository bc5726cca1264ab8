//! The school board's recovery key on paper (DESIGN.md "Adviser lifecycle"): the secret key in
//! short groups a person can type back, checked by the Bech32 checksum every age secret key
//! already carries, with how to keep it offline and when to use it.

use age::secrecy::ExposeSecret;
use age::x25519;
use zeroize::Zeroizing;

/// What every age secret key starts with; printed on a line of its own.
const PREFIX: &str = "AGE-SECRET-KEY-1";
/// Characters after the prefix: 52 for the 32 key bytes, then a 6-character checksum.
const BODY_LEN: usize = 58;
/// Characters per printed group, and groups per printed line.
const GROUP: usize = 5;
const GROUPS_PER_LINE: usize = 4;
/// Bech32's characters, as age writes them: the digits but 1, the letters but B, I and O.
const CHARSET: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

/// Why typed-back text is not the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypedKeyError {
    #[error(
        "character {position} after AGE-SECRET-KEY-1, {found:?}, is not one the key uses (it \
         has the digits 0 and 2-9 and the letters A-Z except B, I and O); compare that group \
         with the page"
    )]
    Character { position: usize, found: char },
    #[error(
        "{typed} characters were typed after AGE-SECRET-KEY-1, and the key has {BODY_LEN}: a \
         group is missing or typed twice; compare the groups with the page line by line"
    )]
    Length { typed: usize },
    #[error(
        "the key's checksum does not match, so a character was typed wrong; compare every group \
         with the page, line by line"
    )]
    Checksum,
}

/// The characters after `AGE-SECRET-KEY-1`, in printed groups.
fn groups(identity: &x25519::Identity) -> Zeroizing<Vec<String>> {
    let secret = identity.to_string();
    let body = &secret.expose_secret()[PREFIX.len()..];
    Zeroizing::new(
        body.as_bytes()
            .chunks(GROUP)
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect(),
    )
}

/// The page to print: the key in numbered lines of groups, its public recipient, how to keep
/// it and when to use it. Plain text, so any printer takes it.
pub fn page(identity: &x25519::Identity, created_on: &str) -> Zeroizing<String> {
    let groups = groups(identity);
    let mut key = Zeroizing::new(format!("      {PREFIX}\n"));
    for (i, line) in groups.chunks(GROUPS_PER_LINE).enumerate() {
        key.push_str(&format!("  {:>2}  {}\n", i + 1, line.join(" ")));
    }
    let recipient = identity.to_public();
    let key_lines = key.as_str();
    Zeroizing::new(format!(
        "\
FLUISTER RECOVERY KEY  -  for the school board
==============================================

Made on {created_on} with `fluister adviser init --recovery`, for every school whose
Fluister configuration says

    recovery = \"{recipient}\"

Whoever holds this page can read every report, message, note and image of those
schools, past and future. Keep it as you keep the keys to the pupil files.


THE SECRET KEY  (type it back with `fluister adviser restore-key`)

{key_lines}
It uses the digits 0 and 2-9 and the letters A-Z except B, I and O (0 is the digit
zero). Spaces, dashes and line breaks do not matter when it is typed back, nor
upper or lower case; its last six characters are a checksum that catches a wrongly
typed character.


THE PUBLIC RECIPIENT  (not secret: it goes into the configuration as `recovery`)

    {recipient}


KEEPING IT OFFLINE
- Print this page, fold it into an envelope, seal it, sign across the seal with the
  date, and put it in the school's safe (or a bank's safe deposit box). Keep no copy on
  a computer, in e-mail or in the cloud. If this page was written to a file, delete
  the file now.
- The key file is protected by a passphrase. Keep the USB stick with the key file in
  the safe too, and let a second person (another board member) know the passphrase:
  no one person alone holds both the key and its passphrase.
- Open the envelope only with two people present, and write down each time who opened
  it, when and why. Once a year, check that the envelope is still sealed.
- If the page or the stick may have been seen by someone else, make a new recovery key,
  put its recipient in the configuration and have an adviser reseal (below).


WHEN TO USE IT
An adviser lost their key (a dead laptop, a forgotten passphrase) or left, and no other
adviser of the school can reseal; or every adviser of a school is new.
  1. The school's IT puts the advisers' keys as they should be now in the configuration
     (the lost key out, the new one in) and restarts or reloads the server.
  2. Two people, on a trusted computer:
       fluister adviser restore-key --identity recovery.key     (typed from this page,
                                                                  or take the stick)
       fluister adviser reseal --server https://<the Fluister address> --identity recovery.key
     Every case is then sealed again for the current advisers and this key.
  3. Delete the key file from that computer and put everything back in the safe.
Backups of the server made before the reseal still open with the old keys: destroy them
if a key was stolen rather than lost.
"
    ))
}

/// The key as typed back from the page: any case, with or without the `AGE-SECRET-KEY-1`
/// line, spaces, dashes and line breaks anywhere, the letter O for the digit zero. The
/// checksum decides.
pub fn parse_typed(typed: &str) -> Result<x25519::Identity, TypedKeyError> {
    let mut body: Zeroizing<String> = Zeroizing::new(
        typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    let bare_prefix: String = PREFIX.chars().filter(|c| *c != '-').collect();
    if body.starts_with(&bare_prefix) {
        body.replace_range(..bare_prefix.len(), "");
    }
    for (i, c) in body.chars().enumerate() {
        if c == 'O' {
            continue;
        }
        if !CHARSET.contains(c) {
            return Err(TypedKeyError::Character {
                position: i + 1,
                found: c,
            });
        }
    }
    let body = Zeroizing::new(body.replace('O', "0"));
    if body.len() != BODY_LEN {
        return Err(TypedKeyError::Length { typed: body.len() });
    }
    let whole = Zeroizing::new(format!("{PREFIX}{}", body.as_str()));
    whole.parse().map_err(|_| TypedKeyError::Checksum)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The groups as a person copies them from the page.
    fn typed_from(page: &str) -> String {
        page.lines()
            .skip_while(|l| !l.contains(PREFIX))
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.trim().split_once("  ").unwrap().1.to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_printed_groups_type_back_to_the_same_key() {
        let id = x25519::Identity::generate();
        let page = page(&id, "2026-12-01");
        assert!(page.contains(&id.to_public().to_string()));
        assert!(page.contains("safe") && page.contains("second person"));
        let typed = typed_from(&page);
        assert_eq!(typed.lines().count(), 3, "{typed}");
        let back = parse_typed(&typed).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
        // Lower case, dashes, the prefix and O for zero are all fine.
        let sloppy = format!(
            "age-secret-key-1 {}",
            typed.to_lowercase().replace('0', "O").replace(' ', "-")
        );
        let back = parse_typed(&sloppy).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
    }

    #[test]
    fn a_typing_error_is_caught_and_named() {
        let id = x25519::Identity::generate();
        let typed = typed_from(&page(&id, "2026-12-01"));
        let chars: Vec<char> = typed.chars().collect();
        // Swap one character of the body for another of the key's alphabet.
        let i = chars
            .iter()
            .position(|c| c.is_ascii_alphanumeric())
            .unwrap()
            + 3;
        let mut wrong = chars.clone();
        wrong[i] = if chars[i] == 'Q' { 'P' } else { 'Q' };
        let wrong: String = wrong.into_iter().collect();
        assert_eq!(parse_typed(&wrong).err(), Some(TypedKeyError::Checksum));
        let short: String = typed.lines().take(2).collect::<Vec<_>>().join(" ");
        assert!(matches!(
            parse_typed(&short),
            Err(TypedKeyError::Length { .. })
        ));
        let e = parse_typed(&format!("{typed}B")).err().unwrap();
        assert!(
            matches!(e, TypedKeyError::Character { found: 'B', .. }),
            "{e}"
        );
    }
}

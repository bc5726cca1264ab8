//! Case names a person can say aloud ("de blauwe reiger"), made from the case's random id.
//!
//! Advisers talk about cases with each other ("heb jij de blauwe reiger al gelezen?"), and 16
//! hex digits do not survive a conversation. The name is two words picked by the id's own bits:
//! no counter (a counter would tell how many reports came in, and in which order), nothing
//! stored, the same name on every adviser's computer. With 64 × 128 pairs two cases can share a
//! name, so pages show the first four digits of the id beside it.

use crate::store::ReportId;

/// Colours and plain adjectives, in the inflected form that goes before a `de` word.
const ADJECTIVES: [&str; 64] = [
    "blauwe",
    "rode",
    "groene",
    "gele",
    "paarse",
    "oranje",
    "witte",
    "zwarte",
    "grijze",
    "bruine",
    "roze",
    "gouden",
    "zilveren",
    "koperen",
    "houten",
    "stenen",
    "stille",
    "snelle",
    "trage",
    "kleine",
    "grote",
    "lange",
    "korte",
    "brede",
    "smalle",
    "ronde",
    "zachte",
    "harde",
    "warme",
    "koude",
    "natte",
    "droge",
    "lichte",
    "donkere",
    "heldere",
    "vrolijke",
    "rustige",
    "dappere",
    "slimme",
    "wijze",
    "jonge",
    "oude",
    "nieuwe",
    "verre",
    "hoge",
    "lage",
    "diepe",
    "vlakke",
    "wilde",
    "tamme",
    "frisse",
    "zoete",
    "zure",
    "scherpe",
    "ijzeren",
    "glazen",
    "wollen",
    "linnen",
    "zonnige",
    "mistige",
    "winderige",
    "sterke",
    "trouwe",
    "eerlijke",
];

/// Animals, plants and things with `de`, easy to say and to tell apart.
const NOUNS: [&str; 128] = [
    "reiger", "vos", "uil", "mus", "merel", "zwaluw", "meeuw", "eend", "zwaan", "gans", "kraai",
    "ekster", "specht", "valk", "arend", "kat", "hond", "muis", "rat", "haas", "egel", "das",
    "otter", "bever", "eland", "beer", "wolf", "leeuw", "tijger", "zebra", "giraf", "koe", "geit",
    "ezel", "vlinder", "mier", "bij", "wesp", "slak", "kikker", "pad", "vis", "haai", "walvis",
    "zeehond", "krab", "kreeft", "schelp", "roos", "tulp", "lelie", "eik", "beuk", "berk", "wilg",
    "den", "spar", "linde", "appel", "peer", "kers", "pruim", "druif", "noot", "eikel", "bes",
    "wortel", "ui", "prei", "boon", "erwt", "mais", "tarwe", "rogge", "haver", "zon", "maan",
    "ster", "wolk", "regen", "storm", "mist", "rivier", "beek", "zee", "golf", "duin", "berg",
    "heuvel", "vallei", "weide", "akker", "tuin", "haven", "brug", "toren", "molen", "sluis",
    "dijk", "boot", "fiets", "trein", "bus", "lamp", "klok", "bel", "fluit", "trom", "gitaar",
    "viool", "harp", "pen", "kwast", "schaar", "hamer", "zaag", "tang", "ladder", "deur", "poort",
    "muur", "vlag", "kaart", "brief", "sleutel", "kaars", "vaas", "kom",
];

/// The spoken name of a case, e.g. `de blauwe reiger`.
pub fn spoken(id: &ReportId) -> String {
    let bits = u64::from_str_radix(id.as_str(), 16).expect("a report id is 16 hex digits");
    let adjective = ADJECTIVES[(bits >> 58) as usize];
    let noun = NOUNS[((bits >> 51) & 0x7f) as usize];
    format!("de {adjective} {noun}")
}

/// The spoken name with the id's first four digits, e.g. `de blauwe reiger (3f2a)`: what a
/// page shows, so two cases that share a name are still told apart.
pub fn label(id: &ReportId) -> String {
    format!("{} ({})", spoken(id), &id.as_str()[..4])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_come_from_the_id_and_differ() {
        let a = ReportId::parse("0123456789abcdef").unwrap();
        let b = ReportId::parse("fedcba9876543210").unwrap();
        assert_eq!(spoken(&a), spoken(&a.clone()));
        assert_ne!(spoken(&a), spoken(&b));
        assert!(spoken(&a).starts_with("de "));
        assert_eq!(label(&a), format!("{} (0123)", spoken(&a)));
        // Every word appears: the id's top bits pick them evenly.
        let words: HashSet<&str> = ADJECTIVES.iter().chain(NOUNS.iter()).copied().collect();
        assert_eq!(words.len(), ADJECTIVES.len() + NOUNS.len(), "no word twice");
    }

    #[test]
    fn random_ids_spread_over_the_names() {
        let names: HashSet<String> = (0..2000u64)
            .map(|i| {
                let id = format!("{:016x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                spoken(&ReportId::parse(&id).unwrap())
            })
            .collect();
        assert!(names.len() > 1500, "{} names for 2000 cases", names.len());
    }
}

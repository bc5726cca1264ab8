//! Trust on first use for each school's adviser set: the workstation remembers which advisers a
//! school had when it first saw them, and will not seal a reply or note to a different set
//! until the adviser accepts the change.
//!
//! The threat: replies and notes are sealed on the adviser's computer to the recipients the
//! server lists (`adviser_recipients`, docs/api.md section 3). A compromised or misconfigured
//! server could add a key of its own to that list and read every reply and note sealed from
//! then on, without anyone noticing. Pinning turns that silent change into a visible one.

use std::collections::BTreeSet;

use age::x25519;
use serde::Serialize;

/// A school's advisers as the server lists them, in one canonical form: each recipient as
/// age writes it, sorted, without duplicates, so that spelling and order never count as a
/// change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdviserSet(BTreeSet<String>);

impl AdviserSet {
    /// The set a server listed. A recipient that does not parse is kept as given (trimmed):
    /// it still counts as a change, and sealing to it is refused elsewhere.
    pub fn from_listed<S: AsRef<str>>(listed: &[S]) -> AdviserSet {
        AdviserSet(
            listed
                .iter()
                .map(|r| {
                    let r = r.as_ref().trim();
                    r.parse::<x25519::Recipient>()
                        .map(|p| p.to_string())
                        .unwrap_or_else(|_| r.to_owned())
                })
                .collect(),
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A short name for exactly this set (`recipients::fingerprint`: SHA-256 of the sorted
    /// recipients, 16 hex digits), so a confirmation can say which list the adviser was shown
    /// and a list that changed again meanwhile is not accepted in its place. It is also what
    /// the server stores with each file sealed for this set (`sealed_for`).
    pub fn fingerprint(&self) -> String {
        crate::recipients::fingerprint(self.iter())
    }

    /// How `self` (the server's list now) differs from `pinned`; `None` when it does not.
    pub fn change_from(&self, pinned: &AdviserSet, school: &str) -> Option<AdviserChange> {
        if self == pinned {
            return None;
        }
        Some(AdviserChange {
            school: school.to_owned(),
            added: self.0.difference(&pinned.0).cloned().collect(),
            removed: pinned.0.difference(&self.0).cloned().collect(),
            fingerprint: self.fingerprint(),
        })
    }
}

/// A school's adviser list that differs from the one pinned on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdviserChange {
    /// The school's slug.
    pub school: String,
    /// Recipients the server lists now that were not pinned.
    pub added: Vec<String>,
    /// Pinned recipients the server no longer lists.
    pub removed: Vec<String>,
    /// `AdviserSet::fingerprint` of the server's list now: what accepting it pins.
    pub fingerprint: String,
}

impl AdviserChange {
    /// `added: age1…, age1…; removed: age1…`, leaving out an empty side.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.added.is_empty() {
            parts.push(format!("added: {}", self.added.join(", ")));
        }
        if !self.removed.is_empty() {
            parts.push(format!("removed: {}", self.removed.join(", ")));
        }
        parts.join("; ")
    }
}

impl std::fmt::Display for AdviserChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the server now lists other advisers for school {} than this computer pinned when \
             it first saw them ({})",
            self.school,
            self.summary()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_order_and_repeats_are_no_change_and_a_new_key_is() {
        let a = x25519::Identity::generate().to_public().to_string();
        let b = x25519::Identity::generate().to_public().to_string();
        let pinned = AdviserSet::from_listed(&[a.clone(), b.clone()]);
        let same = AdviserSet::from_listed(&[format!(" {b}"), a.to_uppercase(), a.clone()]);
        assert_eq!(same, pinned);
        assert_eq!(same.change_from(&pinned, "demo"), None);
        assert_eq!(same.fingerprint(), pinned.fingerprint());
        assert_eq!(pinned.len(), 2);

        let stranger = x25519::Identity::generate().to_public().to_string();
        let grown = AdviserSet::from_listed(&[a.clone(), b.clone(), stranger.clone()]);
        let change = grown.change_from(&pinned, "demo").unwrap();
        assert_eq!(change.added, std::slice::from_ref(&stranger));
        assert!(change.removed.is_empty());
        assert_eq!(change.fingerprint, grown.fingerprint());
        assert_ne!(change.fingerprint, pinned.fingerprint());
        assert_eq!(change.summary(), format!("added: {stranger}"));

        let swapped = AdviserSet::from_listed(&[a.clone(), stranger.clone()]);
        let change = swapped.change_from(&pinned, "demo").unwrap();
        assert_eq!(change.summary(), format!("added: {stranger}; removed: {b}"));
        assert!(change.to_string().contains("school demo"), "{change}");
    }
}

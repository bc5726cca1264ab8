//! Rate limiting per concern, keyed so that not even the limiter's state can name a pupil.
//!
//! A source is an HMAC of the peer's address (IPv4 /32, IPv6 /64) under a key that lives only in
//! memory and is replaced at least daily (DESIGN.md invariant 8); its network (IPv4 /24, IPv6
//! /48) is another HMAC under the same key. Limiter state older than its window is dropped by
//! `maintain`. Nothing here is ever written to disk or logged.
//!
//! Besides rates, two things a source *holds* are capped here: open connections and upload
//! memory. A source inside one of the configured shared networks (a school behind one NAT
//! address) gets `SHARED_SCALE` times every per-source limit.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use age::x25519;
use governor::clock::Clock;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::net::{self, Network};

/// How often the source key is replaced.
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// How much more a source in a shared network (`shared_networks` in the config) may do than any
/// other source: a whole school behind one address reporting during an anti-bullying week.
pub const SHARED_SCALE: u32 = 10;

/// Upload memory one source may hold at once: a quarter of the server's whole budget, so one
/// address can never make an honest pupil's photo "busy" on its own. Five 10 MiB photos (the
/// default largest) fit.
pub const UPLOAD_MEMORY_PER_SOURCE: usize = crate::intake::UPLOAD_MEMORY / 4;

/// The limits, each "this many per window"; every one is a setting (docs/fluister.example.toml).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub reports_per_source_per_hour: u32,
    pub reports_per_school_per_minute: u32,
    pub checks_per_source_per_minute: u32,
    pub failed_checks_per_minute: u32,
    pub failed_checks_per_network_per_minute: u32,
    pub messages_per_report_per_hour: u32,
    pub uploads_per_source_per_hour: u32,
    pub signins_per_source_per_minute: u32,
    pub signins_per_recipient_per_minute: u32,
    pub connections_per_source: u32,
}

impl Default for Limits {
    /// Generous for a class reporting on the same morning from one school network (which
    /// often shares one address), tight enough that a script gets nowhere.
    fn default() -> Self {
        Limits {
            reports_per_source_per_hour: 20,
            reports_per_school_per_minute: 120,
            checks_per_source_per_minute: 30,
            failed_checks_per_minute: 600,
            // A tenth of the global ceiling: it takes ten networks at full tilt to close it.
            failed_checks_per_network_per_minute: 60,
            messages_per_report_per_hour: 30,
            // Evidence images, counted one by one: decoding a photo is the most expensive thing
            // a pupil can ask of the server.
            uploads_per_source_per_hour: 60,
            signins_per_source_per_minute: 40,
            signins_per_recipient_per_minute: 20,
            // A class or two browsing at once from one address; one host cannot take more than
            // a sixteenth of the server's connections.
            connections_per_source: 128,
        }
    }
}

/// A pseudonymous source: 16 bytes of HMAC of the address prefix, 16 of its network's, and
/// whether it lies in a shared network. Not reversible without the in-memory key, and
/// meaningless after the key is replaced.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Source {
    id: [u8; 16],
    network: [u8; 16],
    shared: bool,
}

impl Source {
    /// True for an address in one of the configured shared networks.
    pub fn is_shared(&self) -> bool {
        self.shared
    }
}

/// How long to wait before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, at least one, for the `Retry-After` header.
    pub fn secs(self) -> u64 {
        self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

fn per_hour(n: u32) -> Quota {
    Quota::per_hour(NonZeroU32::new(n.max(1)).expect("at least one"))
}

fn fresh_key() -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut k[..]);
    k
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A keyed limiter that also remembers until when it refused each key, so that an earlier step
/// can ask "would this be refused now?" without spending a unit (`refusing`). The upload
/// readers use that to turn away a source's files before holding a byte of them, while a pupil
/// who fixes a mistake in the form still pays for one report only.
struct Limiter<K: Hash + Eq + Clone> {
    keyed: DefaultKeyedRateLimiter<K>,
    refused: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    fn new(quota: Quota) -> Self {
        Limiter {
            keyed: RateLimiter::keyed(quota),
            refused: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, key: &K) -> Result<(), RetryAfter> {
        self.check_n(key, 1)
    }

    /// Spends `n` units of `key`'s budget. More at once than the budget ever holds is refused
    /// with an hour's wait.
    fn check_n(&self, key: &K, n: u32) -> Result<(), RetryAfter> {
        let Some(n) = NonZeroU32::new(n) else {
            return Ok(());
        };
        // The limiter's own clock: `DefaultClock::default()` calibrates a new clock (cpuid and
        // all) on every call, which made a refusal cost twice a page.
        let wait = match self.keyed.check_key_n(key, n) {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(not_until)) => not_until.wait_time_from(self.keyed.clock().now()),
            Err(_) => Duration::from_secs(3600),
        };
        lock(&self.refused).insert(key.clone(), Instant::now() + wait);
        Err(RetryAfter(wait))
    }

    /// Whether `key` was refused and its wait has not passed, without spending anything. Never
    /// refuses what `check` would let through; may let through what `check` then refuses.
    fn refusing(&self, key: &K) -> Result<(), RetryAfter> {
        match lock(&self.refused).get(key) {
            Some(&until) => match until.checked_duration_since(Instant::now()) {
                Some(wait) if !wait.is_zero() => Err(RetryAfter(wait)),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }

    /// Drops every entry whose window has passed; returns how many remain.
    fn maintain(&self) -> usize {
        self.keyed.retain_recent();
        self.keyed.shrink_to_fit();
        let now = Instant::now();
        let mut refused = lock(&self.refused);
        refused.retain(|_, until| *until > now);
        refused.shrink_to_fit();
        self.keyed.len() + refused.len()
    }
}

/// One per-source limit, with its scaled-up twin for sources in shared networks.
struct PerSource {
    normal: Limiter<[u8; 16]>,
    shared: Limiter<[u8; 16]>,
}

impl PerSource {
    fn new(quota: fn(u32) -> Quota, n: u32) -> Self {
        PerSource {
            normal: Limiter::new(quota(n)),
            shared: Limiter::new(quota(n.saturating_mul(SHARED_SCALE))),
        }
    }

    fn of(&self, source: &Source) -> &Limiter<[u8; 16]> {
        if source.shared {
            &self.shared
        } else {
            &self.normal
        }
    }

    fn maintain(&self) -> usize {
        self.normal.maintain() + self.shared.maintain()
    }
}

/// Amounts held right now per source (open connections, upload bytes). A source has an entry
/// only while it holds something.
#[derive(Default)]
struct Gauge(Mutex<HashMap<[u8; 16], u64>>);

impl Gauge {
    fn len(&self) -> usize {
        lock(&self.0).len()
    }
}

/// What one source holds of a capped resource (a connection, upload memory), given back when
/// dropped, wherever that happens: upload memory travels with the images into the blocking
/// tasks that clean and seal them. The default claim holds nothing.
#[derive(Default)]
pub struct Claim {
    held: Option<(Arc<Gauge>, [u8; 16])>,
    amount: u64,
}

impl Claim {
    /// Holds `more` for `key`, if that keeps the key within `cap`.
    fn grow(&mut self, gauge: &Arc<Gauge>, key: [u8; 16], more: u64, cap: u64) -> bool {
        if matches!(&self.held, Some((_, k)) if *k != key) {
            // A claim belongs to one source (after a key rotation the same client is another
            // key); refusing is the safe answer and cannot happen through the handlers.
            return false;
        }
        let mut in_use = lock(&gauge.0);
        let now = in_use.entry(key).or_insert(0);
        if now.saturating_add(more) > cap {
            if *now == 0 {
                in_use.remove(&key);
            }
            return false;
        }
        *now += more;
        self.amount += more;
        if self.held.is_none() {
            self.held = Some((gauge.clone(), key));
        }
        true
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some((gauge, key)) = self.held.take() {
            let mut in_use = lock(&gauge.0);
            if let Some(n) = in_use.get_mut(&key) {
                *n = n.saturating_sub(self.amount);
                if *n == 0 {
                    in_use.remove(&key);
                }
            }
        }
    }
}

/// One limiter per concern (vaultwarden's `ratelimit.rs` shape).
pub struct Limiters {
    key: RwLock<(Zeroizing<[u8; 32]>, Instant)>,
    /// In Tor mode every pupil arrives from loopback: per-source limits would lump them all
    /// together, so only the per-school, per-report and global limits apply.
    per_source: bool,
    shared_networks: Vec<Network>,
    reports_by_source: PerSource,
    reports_by_school: Limiter<String>,
    checks_by_source: PerSource,
    failed_by_network: PerSource,
    failed_checks: DefaultDirectRateLimiter,
    /// While the global failed-check budget is spent: nanoseconds (of `started`) until it
    /// refills; every check is refused until then.
    failed_checks_closed_until: AtomicU64,
    started: Instant,
    messages_by_report: Limiter<String>,
    uploads_by_source: PerSource,
    signins_by_source: PerSource,
    /// Keyed on the adviser's recipient *and* the source together (see `signin_challenge`).
    signins_by_recipient: Limiter<[u8; 16]>,
    connections: Arc<Gauge>,
    connections_per_source: u64,
    upload_memory: Arc<Gauge>,
}

/// Domain labels, so a source, a network and a sign-in key never share an HMAC input.
const LABEL_SOURCE: u8 = 1;
const LABEL_NETWORK: u8 = 2;
const LABEL_SIGNIN: u8 = 3;

impl Limiters {
    pub fn new(limits: &Limits, tor: bool, shared_networks: &[Network]) -> Self {
        Limiters {
            key: RwLock::new((fresh_key(), Instant::now())),
            per_source: !tor,
            shared_networks: shared_networks.to_vec(),
            reports_by_source: PerSource::new(per_hour, limits.reports_per_source_per_hour),
            reports_by_school: Limiter::new(per_minute(limits.reports_per_school_per_minute)),
            checks_by_source: PerSource::new(per_minute, limits.checks_per_source_per_minute),
            failed_by_network: PerSource::new(
                per_minute,
                limits.failed_checks_per_network_per_minute,
            ),
            failed_checks: RateLimiter::direct(per_minute(limits.failed_checks_per_minute)),
            failed_checks_closed_until: AtomicU64::new(0),
            started: Instant::now(),
            messages_by_report: Limiter::new(per_hour(limits.messages_per_report_per_hour)),
            uploads_by_source: PerSource::new(per_hour, limits.uploads_per_source_per_hour),
            signins_by_source: PerSource::new(per_minute, limits.signins_per_source_per_minute),
            signins_by_recipient: Limiter::new(per_minute(limits.signins_per_recipient_per_minute)),
            connections: Arc::new(Gauge::default()),
            connections_per_source: u64::from(limits.connections_per_source.max(1)),
            upload_memory: Arc::new(Gauge::default()),
        }
    }

    fn mac(&self, label: u8, parts: &[&[u8]]) -> [u8; 16] {
        let key = self.key.read().unwrap_or_else(|p| p.into_inner());
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&key.0[..]).expect("HMAC takes any key length");
        mac.update(&[label]);
        for part in parts {
            mac.update(part);
        }
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }

    /// The pseudonymous source of an address: IPv4 as a whole, IPv6 by its /64 (one household
    /// or phone gets a whole /64, so the full address would be trivially rotated); its network
    /// is the IPv4 /24 or the IPv6 /48 (one site's allocation).
    pub fn source(&self, ip: IpAddr) -> Source {
        let ip = ip.to_canonical();
        let (id, network) = match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                (
                    self.mac(LABEL_SOURCE, &[&o]),
                    self.mac(LABEL_NETWORK, &[&o[..3]]),
                )
            }
            IpAddr::V6(v6) => {
                let o = v6.octets();
                (
                    self.mac(LABEL_SOURCE, &[&o[..8]]),
                    self.mac(LABEL_NETWORK, &[&o[..6]]),
                )
            }
        };
        Source {
            id,
            network,
            shared: net::in_any(&self.shared_networks, ip),
        }
    }

    fn scale(source: Source) -> u64 {
        if source.shared {
            u64::from(SHARED_SCALE)
        } else {
            1
        }
    }

    /// A report submission from `source` to `school`.
    pub fn report(&self, source: Source, school: &str) -> Result<(), RetryAfter> {
        if self.per_source {
            self.reports_by_source.of(&source).check(&source.id)?;
        }
        self.reports_by_school.check(&school.to_owned())
    }

    /// Whether a report from `source` to `school` would be refused now, without counting one:
    /// asked before a report's files are read, so a source over its limit sends them for
    /// nothing.
    pub fn report_refusing(&self, source: Source, school: &str) -> Result<(), RetryAfter> {
        if self.per_source {
            self.reports_by_source.of(&source).refusing(&source.id)?;
        }
        self.reports_by_school.refusing(&school.to_owned())
    }

    /// A pickup-code look-up (check, type-back or follow-up) from `source`.
    ///
    /// Three tiers stand against guessing codes: each source has its rate of look-ups; each
    /// network (IPv4 /24, IPv6 /48) has a share of the failed look-ups, past which that network
    /// waits; and while the global budget of failed look-ups is spent, everyone waits. The
    /// network tier keeps the global ceiling from being a switch anyone can flip: a network's
    /// share is a tenth of the ceiling by default, so it takes ten networks guessing at full
    /// speed to close look-ups for everyone, where a few addresses used to do it with ten wrong
    /// codes a second. The price: a pupil who shares a network with a guesser (one school NAT,
    /// one mobile carrier's /24) waits with the guesser; a shared network gets ten times the
    /// share. Letting a code that exists through a closed ceiling would be kinder still, but a
    /// guesser's hits would then get through as well, and stopping those is the ceiling's job.
    pub fn code_check(&self, source: Source) -> Result<(), RetryAfter> {
        let closed_until = self.failed_checks_closed_until.load(Ordering::Relaxed);
        let now = self.started.elapsed().as_nanos() as u64;
        if now < closed_until {
            return Err(RetryAfter(Duration::from_nanos(closed_until - now)));
        }
        if self.per_source {
            self.failed_by_network
                .of(&source)
                .refusing(&source.network)?;
            self.checks_by_source.of(&source).check(&source.id)?;
        }
        Ok(())
    }

    /// A code from `source` that opened nothing: counts against its network's share and the
    /// global ceiling on failed look-ups (see `code_check`).
    pub fn code_failed(&self, source: Source) {
        if self.per_source {
            // A refusal here is remembered; `code_check` then turns the network away.
            let _ = self.failed_by_network.of(&source).check(&source.network);
        }
        if let Err(not_until) = self.failed_checks.check() {
            let wait = not_until.wait_time_from(self.failed_checks.clock().now());
            let until = self.started.elapsed() + wait;
            self.failed_checks_closed_until
                .fetch_max(until.as_nanos() as u64, Ordering::Relaxed);
        }
    }

    /// A follow-up message to one report.
    pub fn message(&self, report_id: &str) -> Result<(), RetryAfter> {
        self.messages_by_report.check(&report_id.to_owned())
    }

    /// Whether a follow-up to this report would be refused now, without counting one.
    pub fn message_refusing(&self, report_id: &str) -> Result<(), RetryAfter> {
        self.messages_by_report.refusing(&report_id.to_owned())
    }

    /// `files` evidence images from `source`, counted one by one. More at once than the hourly
    /// budget holds is refused with an hour's wait.
    pub fn uploads(&self, source: Source, files: usize) -> Result<(), RetryAfter> {
        if !self.per_source {
            return Ok(());
        }
        let n = u32::try_from(files).unwrap_or(u32::MAX);
        self.uploads_by_source.of(&source).check_n(&source.id, n)
    }

    /// Whether `source` has spent its budget of images (its last count was refused and the wait
    /// has not passed), without counting any: asked as each file arrives, so a source over
    /// its budget sends them for nothing.
    pub fn uploads_refusing(&self, source: Source) -> Result<(), RetryAfter> {
        if !self.per_source {
            return Ok(());
        }
        self.uploads_by_source.of(&source).refusing(&source.id)
    }

    /// `bytes` more of upload memory held for `source` in `claim`, if the source stays within
    /// `UPLOAD_MEMORY_PER_SOURCE` (ten times that in a shared network). The server-wide budget
    /// (`intake::UPLOAD_MEMORY`) is counted apart from this.
    pub fn upload_memory(&self, source: Source, claim: &mut Claim, bytes: usize) -> bool {
        if !self.per_source {
            return true;
        }
        let cap = UPLOAD_MEMORY_PER_SOURCE as u64 * Self::scale(source);
        claim.grow(&self.upload_memory, source.id, bytes as u64, cap)
    }

    /// One more open connection from `source`, if it stays within `connections_per_source`
    /// (ten times that in a shared network); `None` means: close it. The claim is the
    /// connection's slot until dropped. Tor mode counts nothing.
    pub fn connection(&self, source: Source) -> Option<Claim> {
        let mut claim = Claim::default();
        if !self.per_source {
            return Some(claim);
        }
        let cap = self.connections_per_source * Self::scale(source);
        if claim.grow(&self.connections, source.id, 1, cap) {
            Some(claim)
        } else {
            None
        }
    }

    /// An adviser sign-in step from `source`: a challenge, or an answer that was wrong. A right
    /// answer is never counted or refused, so strangers on the adviser's address cannot keep
    /// them from finishing a sign-in they started.
    pub fn signin(&self, source: Source) -> Result<(), RetryAfter> {
        self.signins_by_source.of(&source).check(&source.id)
    }

    /// A challenge for `recipient` asked from `source`, counted per recipient *and* source. The
    /// recipient is the parsed key, so every spelling of it (upper case, white space) is one
    /// budget, and the limiter keeps 16 bytes per key whatever was sent. Anyone may know an
    /// adviser's public recipient: a stranger spends only their own budget for it, never the
    /// budget of the adviser at their own address.
    pub fn signin_challenge(
        &self,
        source: Source,
        recipient: &x25519::Recipient,
    ) -> Result<(), RetryAfter> {
        let key = self.mac(
            LABEL_SIGNIN,
            &[&source.id, recipient.to_string().as_bytes()],
        );
        self.signins_by_recipient.check(&key)
    }

    /// Periodic upkeep: replace the source key once it is a day old, and drop every limiter
    /// entry whose window has passed. Returns how many keyed entries remain.
    pub fn maintain(&self) -> usize {
        {
            let mut key = self.key.write().unwrap_or_else(|p| p.into_inner());
            if key.1.elapsed() >= KEY_LIFETIME {
                *key = (fresh_key(), Instant::now());
            }
        }
        let per_source = [
            &self.reports_by_source,
            &self.checks_by_source,
            &self.failed_by_network,
            &self.uploads_by_source,
            &self.signins_by_source,
        ]
        .iter()
        .map(|l| l.maintain())
        .sum::<usize>();
        per_source
            + self.reports_by_school.maintain()
            + self.messages_by_report.maintain()
            + self.signins_by_recipient.maintain()
            + self.connections.len()
            + self.upload_memory.len()
    }

    /// Replaces the source key now (used by `maintain`; exposed for tests).
    pub fn rotate_key(&self) {
        *self.key.write().unwrap_or_else(|p| p.into_inner()) = (fresh_key(), Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tight() -> Limits {
        Limits {
            reports_per_source_per_hour: 2,
            reports_per_school_per_minute: 3,
            checks_per_source_per_minute: 2,
            failed_checks_per_minute: 3,
            failed_checks_per_network_per_minute: 3,
            messages_per_report_per_hour: 2,
            uploads_per_source_per_hour: 5,
            signins_per_source_per_minute: 2,
            signins_per_recipient_per_minute: 2,
            connections_per_source: 2,
        }
    }

    fn limiters(limits: &Limits) -> Limiters {
        Limiters::new(limits, false, &[])
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn uploads_count_file_by_file_per_source() {
        let l = limiters(&tight());
        let a = l.source(ip("192.0.2.1"));
        let b = l.source(ip("192.0.2.2"));
        assert!(l.uploads(a, 0).is_ok());
        assert!(l.uploads(a, 3).is_ok());
        assert!(l.uploads(a, 3).is_err(), "3 + 3 is over 5");
        assert!(l.uploads(a, 2).is_ok());
        assert!(l.uploads(a, 1).is_err());
        assert!(
            l.uploads(b, 5).is_ok(),
            "another address has its own budget"
        );
        assert!(l.uploads_refusing(b).is_ok(), "not refused yet");
        let wait = l.uploads(b, 6).unwrap_err();
        assert_eq!(wait.secs(), 3600, "more than the budget ever holds");
        assert!(l.uploads_refusing(b).is_err(), "a refusal is remembered");
        assert!(l.uploads_refusing(a).is_err() && l.uploads(a, 0).is_ok());
        let tor = Limiters::new(&tight(), true, &[]);
        assert!(tor.uploads(a, 5).is_ok() && tor.uploads(a, 5).is_ok());
    }

    #[test]
    fn sources_are_pseudonymous_and_ipv6_counts_by_64() {
        let l = limiters(&tight());
        let a = l.source(ip("192.0.2.1"));
        assert!(a == l.source(ip("192.0.2.1")));
        assert!(a != l.source(ip("192.0.2.2")));
        let v6a = l.source(ip("2001:db8:1:2::1"));
        assert!(v6a == l.source(ip("2001:db8:1:2:ffff::9")));
        assert!(v6a != l.source(ip("2001:db8:1:3::1")));
        assert!(a == l.source(ip("::ffff:192.0.2.1")), "mapped IPv4 is IPv4");
        l.rotate_key();
        assert!(a != l.source(ip("192.0.2.1")), "a new key, new pseudonyms");
    }

    #[test]
    fn networks_are_the_ipv4_24_and_the_ipv6_48() {
        let l = limiters(&tight());
        let net = |s: &str| l.source(ip(s)).network;
        assert_eq!(net("192.0.2.1"), net("192.0.2.200"));
        assert_ne!(net("192.0.2.1"), net("192.0.3.1"));
        assert_eq!(net("2001:db8:1:2::1"), net("2001:db8:1:ffff::1"));
        assert_ne!(net("2001:db8:1::1"), net("2001:db8:2::1"));
        assert_ne!(
            l.source(ip("192.0.2.1")).id,
            l.source(ip("192.0.2.1")).network,
            "a source and its network are different keys"
        );
    }

    #[test]
    fn each_concern_has_its_own_limit() {
        let l = limiters(&tight());
        let s1 = l.source(ip("192.0.2.1"));
        let s2 = l.source(ip("192.0.2.2"));
        assert!(l.report(s1, "a").is_ok() && l.report(s1, "a").is_ok());
        assert!(l.report_refusing(s1, "a").is_ok(), "not refused yet");
        let wait = l.report(s1, "a").unwrap_err();
        assert!(wait.secs() >= 1 && wait.secs() <= 30 * 60, "{wait:?}");
        assert!(
            l.report_refusing(s1, "a").is_err(),
            "a refusal is remembered"
        );
        assert!(l.report_refusing(s2, "a").is_ok());
        assert!(
            l.report(s2, "a").is_ok(),
            "another source still gets through; asking did not count"
        );
        assert!(
            l.report(s2, "a").is_err(),
            "until the school's own limit is reached"
        );
        let s3 = l.source(ip("192.0.2.3"));
        assert!(l.report(s3, "b").is_ok(), "other schools are not affected");
        assert!(l.message("r1").is_ok() && l.message("r1").is_ok());
        assert!(l.message_refusing("r1").is_ok());
        assert!(l.message("r1").is_err() && l.message("r2").is_ok());
        assert!(l.message_refusing("r1").is_err() && l.message_refusing("r2").is_ok());
    }

    #[test]
    fn failed_checks_close_a_network_first_and_everyone_only_when_many_networks_guess() {
        let limits = Limits {
            checks_per_source_per_minute: 100,
            failed_checks_per_minute: 10,
            failed_checks_per_network_per_minute: 3,
            ..tight()
        };
        let l = limiters(&limits);
        // Many addresses in one /24: the network's share runs out, the rest of the world is
        // not affected.
        for host in 1..=4 {
            let s = l.source(ip(&format!("198.51.100.{host}")));
            if l.code_check(s).is_ok() {
                l.code_failed(s);
            }
        }
        let fresh = l.source(ip("198.51.100.77"));
        assert!(
            l.code_check(fresh).is_err(),
            "a new address in a network past its share waits"
        );
        let pupil = l.source(ip("203.0.113.5"));
        assert!(
            l.code_check(pupil).is_ok(),
            "another network still looks up"
        );
        // The global ceiling still holds when enough networks guess.
        for net in 1..=20 {
            let s = l.source(ip(&format!("10.0.{net}.1")));
            if l.code_check(s).is_ok() {
                l.code_failed(s);
            }
        }
        assert!(
            l.code_check(pupil).is_err(),
            "global ceiling on failed look-ups"
        );
    }

    #[test]
    fn ipv6_guessers_share_their_48() {
        let limits = Limits {
            checks_per_source_per_minute: 100,
            failed_checks_per_minute: 100,
            failed_checks_per_network_per_minute: 2,
            ..tight()
        };
        let l = limiters(&limits);
        for n in 1..=3 {
            let s = l.source(ip(&format!("2001:db8:7:{n}::1")));
            if l.code_check(s).is_ok() {
                l.code_failed(s);
            }
        }
        assert!(l.code_check(l.source(ip("2001:db8:7:99::1"))).is_err());
        assert!(l.code_check(l.source(ip("2001:db8:8::1"))).is_ok());
    }

    #[test]
    fn shared_networks_get_ten_times_every_per_source_limit() {
        let shared = [Network::parse("192.0.2.0/24").unwrap()];
        let limits = Limits {
            reports_per_school_per_minute: 1000,
            ..tight()
        };
        let l = Limiters::new(&limits, false, &shared);
        let school = l.source(ip("192.0.2.10"));
        let home = l.source(ip("198.51.100.10"));
        assert!(school.is_shared() && !home.is_shared());
        for _ in 0..2 * SHARED_SCALE {
            assert!(l.report(school, "a").is_ok());
        }
        assert!(l.report(school, "a").is_err());
        assert!(l.report(home, "a").is_ok() && l.report(home, "a").is_ok());
        assert!(l.report(home, "a").is_err());
        let conns: Vec<_> = (0..2 * SHARED_SCALE)
            .map(|_| l.connection(school).expect("within ten times the cap"))
            .collect();
        assert!(l.connection(school).is_none());
        drop(conns);
    }

    #[test]
    fn connections_are_capped_per_source_and_given_back() {
        let l = limiters(&tight());
        let a = l.source(ip("192.0.2.1"));
        let b = l.source(ip("192.0.2.2"));
        let first = l.connection(a).unwrap();
        let second = l.connection(a).unwrap();
        assert!(l.connection(a).is_none(), "two per source");
        assert!(l.connection(b).is_some(), "another source has its own");
        drop(first);
        let third = l.connection(a);
        assert!(third.is_some(), "a closed connection frees its slot");
        drop((second, third));
        assert_eq!(l.connections.len(), 0, "nothing kept once all are closed");
        let tor = Limiters::new(&tight(), true, &[]);
        let many: Vec<_> = (0..10).map(|_| tor.connection(a)).collect();
        assert!(
            many.iter().all(Option::is_some),
            "Tor mode: all from loopback"
        );
    }

    #[test]
    fn upload_memory_is_capped_per_source_until_the_claim_is_dropped() {
        let l = limiters(&tight());
        let a = l.source(ip("192.0.2.1"));
        let mut first = Claim::default();
        assert!(l.upload_memory(a, &mut first, UPLOAD_MEMORY_PER_SOURCE - 10));
        let mut second = Claim::default();
        assert!(l.upload_memory(a, &mut second, 10));
        assert!(
            !l.upload_memory(a, &mut second, 1),
            "the source's share is full"
        );
        let b = l.source(ip("192.0.2.2"));
        assert!(l.upload_memory(b, &mut Claim::default(), UPLOAD_MEMORY_PER_SOURCE));
        drop(first);
        assert!(l.upload_memory(a, &mut second, 1000), "given back on drop");
        drop(second);
        assert_eq!(l.upload_memory.len(), 0);
    }

    #[test]
    fn signin_budgets_are_per_parsed_recipient_and_source() {
        let l = limiters(&tight());
        let adviser = x25519::Identity::generate().to_public();
        let upper: x25519::Recipient = adviser.to_string().to_uppercase().parse().unwrap();
        let stranger = l.source(ip("198.51.100.9"));
        let office = l.source(ip("192.0.2.1"));
        assert!(l.signin_challenge(stranger, &adviser).is_ok());
        assert!(l.signin_challenge(stranger, &upper).is_ok());
        assert!(
            l.signin_challenge(stranger, &adviser).is_err(),
            "upper case is the same key, the same budget"
        );
        assert!(
            l.signin_challenge(office, &adviser).is_ok(),
            "the stranger spent none of the adviser's own budget"
        );
    }

    #[test]
    fn tor_mode_skips_per_source_limits() {
        let l = Limiters::new(&tight(), true, &[]);
        let s = l.source(ip("127.0.0.1"));
        for _ in 0..3 {
            assert!(l.report(s, "a").is_ok());
        }
        assert!(
            l.report(s, "a").is_err(),
            "the per-school limit still holds"
        );
    }

    #[test]
    fn maintenance_keeps_memory_bounded() {
        let l = limiters(&Limits::default());
        for i in 0..50_000u32 {
            let s = l.source(IpAddr::from(i.to_be_bytes()));
            let _ = l.code_check(s);
        }
        assert!(l.maintain() >= 50_000, "entries within their window stay");
        let quick = limiters(&Limits {
            checks_per_source_per_minute: 60_000,
            ..Limits::default()
        });
        for i in 0..50_000u32 {
            let _ = quick.code_check(quick.source(IpAddr::from(i.to_be_bytes())));
        }
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(quick.maintain(), 0, "expired windows are dropped");
    }
}

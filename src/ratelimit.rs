//! Rate limiting per concern, keyed so that not even the limiter's state can name a pupil.
//!
//! A source is an HMAC of the peer's address (IPv4 /32, IPv6 /64) under a key that lives only in
//! memory and is replaced at least daily (DESIGN.md invariant 8). Limiter state older than its
//! window is dropped by `maintain`. Nothing here is ever written to disk or logged.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// How often the source key is replaced.
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The limits, each "this many per window"; every one is a setting (docs/fluister.example.toml).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub reports_per_source_per_hour: u32,
    pub reports_per_school_per_minute: u32,
    pub checks_per_source_per_minute: u32,
    pub failed_checks_per_minute: u32,
    pub messages_per_report_per_hour: u32,
    pub uploads_per_source_per_hour: u32,
    pub signins_per_source_per_minute: u32,
    pub signins_per_recipient_per_minute: u32,
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
            messages_per_report_per_hour: 30,
            // Evidence images, counted one by one: decoding a photo is the most expensive thing
            // a pupil can ask of the server.
            uploads_per_source_per_hour: 60,
            signins_per_source_per_minute: 40,
            signins_per_recipient_per_minute: 20,
        }
    }
}

/// A pseudonymous source: 16 bytes of HMAC of the address prefix. Not reversible without the
/// in-memory key, and meaningless after the key is replaced.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Source([u8; 16]);

/// How long to wait before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, at least one, for the `Retry-After` header.
    pub fn secs(self) -> u64 {
        self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)
    }
}

type Keyed<K> = DefaultKeyedRateLimiter<K>;

/// One limiter per concern (vaultwarden's `ratelimit.rs` shape).
pub struct Limiters {
    key: RwLock<(Zeroizing<[u8; 32]>, Instant)>,
    /// In Tor mode every pupil arrives from loopback: per-source limits would lump them all
    /// together, so only the per-school, per-report and global limits apply.
    per_source: bool,
    reports_by_source: Keyed<Source>,
    reports_by_school: Keyed<String>,
    checks_by_source: Keyed<Source>,
    failed_checks: DefaultDirectRateLimiter,
    /// While the global failed-check budget is spent: nanoseconds (of `started`) until it
    /// refills; every check is refused until then.
    failed_checks_closed_until: AtomicU64,
    started: Instant,
    messages_by_report: Keyed<String>,
    uploads_by_source: Keyed<Source>,
    signins_by_source: Keyed<Source>,
    signins_by_recipient: Keyed<String>,
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

fn check<K: std::hash::Hash + Eq + Clone>(limiter: &Keyed<K>, key: &K) -> Result<(), RetryAfter> {
    // The limiter's own clock: `DefaultClock::default()` calibrates a new clock (cpuid and all)
    // on every call, which made a refusal cost twice a page.
    limiter
        .check_key(key)
        .map_err(|not_until| RetryAfter(not_until.wait_time_from(limiter.clock().now())))
}

impl Limiters {
    pub fn new(limits: &Limits, tor: bool) -> Self {
        Limiters {
            key: RwLock::new((fresh_key(), Instant::now())),
            per_source: !tor,
            reports_by_source: RateLimiter::keyed(per_hour(limits.reports_per_source_per_hour)),
            reports_by_school: RateLimiter::keyed(per_minute(limits.reports_per_school_per_minute)),
            checks_by_source: RateLimiter::keyed(per_minute(limits.checks_per_source_per_minute)),
            failed_checks: RateLimiter::direct(per_minute(limits.failed_checks_per_minute)),
            failed_checks_closed_until: AtomicU64::new(0),
            started: Instant::now(),
            messages_by_report: RateLimiter::keyed(per_hour(limits.messages_per_report_per_hour)),
            uploads_by_source: RateLimiter::keyed(per_hour(limits.uploads_per_source_per_hour)),
            signins_by_source: RateLimiter::keyed(per_minute(limits.signins_per_source_per_minute)),
            signins_by_recipient: RateLimiter::keyed(per_minute(
                limits.signins_per_recipient_per_minute,
            )),
        }
    }

    /// The pseudonymous source of an address: IPv4 as a whole, IPv6 by its /64 (one household
    /// or phone gets a whole /64, so the full address would be trivially rotated).
    pub fn source(&self, ip: IpAddr) -> Source {
        let prefix: Vec<u8> = match ip.to_canonical() {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets()[..8].to_vec(),
        };
        let key = self.key.read().unwrap_or_else(|p| p.into_inner());
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&key.0[..]).expect("HMAC takes any key length");
        mac.update(&prefix);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        Source(out)
    }

    /// A report submission from `source` to `school`.
    pub fn report(&self, source: Source, school: &str) -> Result<(), RetryAfter> {
        if self.per_source {
            check(&self.reports_by_source, &source)?;
        }
        check(&self.reports_by_school, &school.to_owned())
    }

    /// A pickup-code look-up (check, type-back or follow-up) from `source`. Refused for
    /// everyone while the global budget of failed look-ups is spent.
    pub fn code_check(&self, source: Source) -> Result<(), RetryAfter> {
        let closed_until = self.failed_checks_closed_until.load(Ordering::Relaxed);
        let now = self.started.elapsed().as_nanos() as u64;
        if now < closed_until {
            return Err(RetryAfter(Duration::from_nanos(closed_until - now)));
        }
        if self.per_source {
            check(&self.checks_by_source, &source)?;
        }
        Ok(())
    }

    /// A code that opened nothing: counts against the global ceiling that stops anyone from
    /// guessing codes with many addresses at once.
    pub fn code_failed(&self) {
        if let Err(not_until) = self.failed_checks.check() {
            let wait = not_until.wait_time_from(self.failed_checks.clock().now());
            let until = self.started.elapsed() + wait;
            self.failed_checks_closed_until
                .fetch_max(until.as_nanos() as u64, Ordering::Relaxed);
        }
    }

    /// A follow-up message to one report.
    pub fn message(&self, report_id: &str) -> Result<(), RetryAfter> {
        check(&self.messages_by_report, &report_id.to_owned())
    }

    /// `files` evidence images from `source`, counted one by one. More at once than the hourly
    /// budget holds is refused with an hour's wait.
    pub fn uploads(&self, source: Source, files: usize) -> Result<(), RetryAfter> {
        let Some(n) = NonZeroU32::new(u32::try_from(files).unwrap_or(u32::MAX)) else {
            return Ok(());
        };
        if !self.per_source {
            return Ok(());
        }
        let limiter = &self.uploads_by_source;
        match limiter.check_key_n(&source, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(RetryAfter(not_until.wait_time_from(limiter.clock().now()))),
            Err(_) => Err(RetryAfter(Duration::from_secs(3600))),
        }
    }

    /// An adviser asking for a sign-in challenge: counted per source and per recipient, so one
    /// sign-in (challenge, then answer) costs one unit of the recipient's budget.
    pub fn signin_challenge(&self, source: Source, recipient: &str) -> Result<(), RetryAfter> {
        check(&self.signins_by_source, &source)?;
        check(&self.signins_by_recipient, &recipient.trim().to_owned())
    }

    /// An adviser answering a challenge: counted per source only. The nonce itself is 256 bits
    /// and single-use, so there is nothing to guess per recipient.
    pub fn signin_answer(&self, source: Source) -> Result<(), RetryAfter> {
        check(&self.signins_by_source, &source)
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
        let mut live = 0;
        for l in [
            &self.reports_by_source,
            &self.checks_by_source,
            &self.uploads_by_source,
            &self.signins_by_source,
        ] {
            l.retain_recent();
            l.shrink_to_fit();
            live += l.len();
        }
        for l in [
            &self.reports_by_school,
            &self.messages_by_report,
            &self.signins_by_recipient,
        ] {
            l.retain_recent();
            l.shrink_to_fit();
            live += l.len();
        }
        live
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
            messages_per_report_per_hour: 2,
            uploads_per_source_per_hour: 5,
            signins_per_source_per_minute: 2,
            signins_per_recipient_per_minute: 2,
        }
    }

    #[test]
    fn uploads_count_file_by_file_per_source() {
        let l = Limiters::new(&tight(), false);
        let a = l.source("192.0.2.1".parse().unwrap());
        let b = l.source("192.0.2.2".parse().unwrap());
        assert!(l.uploads(a, 0).is_ok());
        assert!(l.uploads(a, 3).is_ok());
        assert!(l.uploads(a, 3).is_err(), "3 + 3 is over 5");
        assert!(l.uploads(a, 2).is_ok());
        assert!(l.uploads(a, 1).is_err());
        assert!(
            l.uploads(b, 5).is_ok(),
            "another address has its own budget"
        );
        let wait = l.uploads(b, 6).unwrap_err();
        assert_eq!(wait.secs(), 3600, "more than the budget ever holds");
        let tor = Limiters::new(&tight(), true);
        assert!(tor.uploads(a, 5).is_ok() && tor.uploads(a, 5).is_ok());
    }

    #[test]
    fn sources_are_pseudonymous_and_ipv6_counts_by_64() {
        let l = Limiters::new(&tight(), false);
        let a = l.source("192.0.2.1".parse().unwrap());
        assert!(a == l.source("192.0.2.1".parse().unwrap()));
        assert!(a != l.source("192.0.2.2".parse().unwrap()));
        let v6a = l.source("2001:db8:1:2::1".parse().unwrap());
        assert!(v6a == l.source("2001:db8:1:2:ffff::9".parse().unwrap()));
        assert!(v6a != l.source("2001:db8:1:3::1".parse().unwrap()));
        assert!(
            a == l.source("::ffff:192.0.2.1".parse().unwrap()),
            "mapped IPv4 is IPv4"
        );
        l.rotate_key();
        assert!(
            a != l.source("192.0.2.1".parse().unwrap()),
            "a new key, new pseudonyms"
        );
    }

    #[test]
    fn each_concern_has_its_own_limit() {
        let l = Limiters::new(&tight(), false);
        let s1 = l.source("192.0.2.1".parse().unwrap());
        let s2 = l.source("192.0.2.2".parse().unwrap());
        assert!(l.report(s1, "a").is_ok() && l.report(s1, "a").is_ok());
        let wait = l.report(s1, "a").unwrap_err();
        assert!(wait.secs() >= 1 && wait.secs() <= 30 * 60, "{wait:?}");
        assert!(
            l.report(s2, "a").is_ok(),
            "another source still gets through"
        );
        assert!(
            l.report(s2, "a").is_err(),
            "until the school's own limit is reached"
        );
        let s3 = l.source("192.0.2.3".parse().unwrap());
        assert!(l.report(s3, "b").is_ok(), "other schools are not affected");
        assert!(l.message("r1").is_ok() && l.message("r1").is_ok());
        assert!(l.message("r1").is_err() && l.message("r2").is_ok());
    }

    #[test]
    fn failed_checks_close_the_door_for_everyone() {
        let l = Limiters::new(&tight(), false);
        let s = l.source("192.0.2.1".parse().unwrap());
        let other = l.source("192.0.2.9".parse().unwrap());
        assert!(l.code_check(s).is_ok());
        for _ in 0..4 {
            l.code_failed();
        }
        assert!(
            l.code_check(other).is_err(),
            "global ceiling on failed look-ups"
        );
    }

    #[test]
    fn tor_mode_skips_per_source_limits() {
        let l = Limiters::new(&tight(), true);
        let s = l.source("127.0.0.1".parse().unwrap());
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
        let l = Limiters::new(&Limits::default(), false);
        for i in 0..50_000u32 {
            let s = l.source(IpAddr::from(i.to_be_bytes()));
            let _ = l.code_check(s);
        }
        assert!(l.maintain() >= 50_000, "entries within their window stay");
        let quick = Limiters::new(
            &Limits {
                checks_per_source_per_minute: 60_000,
                ..Limits::default()
            },
            false,
        );
        for i in 0..50_000u32 {
            let _ = quick.code_check(quick.source(IpAddr::from(i.to_be_bytes())));
        }
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(quick.maintain(), 0, "expired windows are dropped");
    }
}

//! The config file as `fluister serve --config` reads it: `config::parse`, TOML and then every
//! validation (schools, advisers, recovery keys, retention, limits, networks, `[mail]`).
//!
//! Checks: no panic; a config that is accepted has at least one school, unique slugs made of
//! a-z, 0-9 and '-', at least one adviser each, and settings within their documented ranges.
//! (`FLUISTER_SMTP_PASSWORD` is not set here, so `[mail]` is validated without it.)
#![no_main]

use std::path::Path;

use fluister::config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = config::parse(text, Path::new("fuzz.toml"), None, None) else {
        return;
    };
    assert!(!config.schools.is_empty());
    let mut slugs = std::collections::HashSet::new();
    for school in &config.schools {
        assert!(slugs.insert(school.slug.as_str()), "slugs are unique");
        assert!(!school.slug.is_empty() && school.slug.len() <= 40);
        assert!(
            school
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        assert!(!school.name.trim().is_empty());
        assert!(!school.advisers.is_empty());
        assert!((1..=365).contains(&school.reply_within_days));
        assert!(!school.notify.is_empty() <= config.mail.is_some());
    }
    assert!(config.session_hours > 0.0);
    assert!((1..=50).contains(&config.evidence_file_mib));
    assert!(
        config.limits.failed_checks_per_network_per_minute
            <= config.limits.failed_checks_per_minute
    );
    if let Some(mail) = &config.mail {
        assert!(!mail.send_at.is_empty());
        assert!(
            mail.send_at.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
        assert!(mail.port > 0);
    }
});

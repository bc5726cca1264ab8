//! Fluister: an anonymous reporting service for schools, with age-encrypted reports.
#![forbid(unsafe_code)]

pub mod adviser;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod code;
pub mod config;
pub mod conversation;
pub mod crypto;
pub mod date;
pub mod evidence;
pub mod i18n;
pub mod intake;
pub mod keys;
pub mod net;
pub mod notify;
pub mod ratelimit;
pub mod recipients;
pub mod report;
pub mod reseal;
pub mod retention;
pub mod server;
pub mod store;
pub mod web;

/// For the fuzz targets in `fuzz/` only, not an API: the multipart form reader the pupil
/// handlers use, re-exported as it is (never a copy of it).
#[doc(hidden)]
pub mod fuzz {
    pub use crate::web::upload::{Admit, Broken, FileGate, Submitted, body_limit, read};
}

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

//! The adviser workstation, run on the adviser's own computer: the key, the API client, the
//! ciphertext cache, the engine that the command line and a browser UI share, and the export.

pub mod cache;
pub mod cli;
pub mod client;
pub mod dutch;
pub mod engine;
pub mod export;
pub mod identity;
mod init;
pub mod names;
pub mod pins;
pub mod recovery;
pub mod reseal;
mod reseal_cli;
pub mod settings;
pub mod ui;

pub use engine::{
    Case, CaseMessage, CaseSummary, Error, Inbox, InboxFilter, Sent, Unlisted, Unopened,
    Workstation,
};
pub use identity::{AdviserKey, KeyError, KeyFile};
pub use init::{AdviserError, PASSPHRASE_ENV, PASSPHRASE_MIN_CHARS, init, init_recovery, restore};

//! Command-line interface: `fluister serve`, `backup`, `restore` and `fluister adviser …`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::store::Status;

#[derive(Parser)]
#[command(
    name = "fluister",
    version,
    about = "Anonymous reporting for schools, encrypted for the school's confidential advisers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server. Without --config: a demo install with one school, `demo`.
    Serve(ServeArgs),
    /// The adviser's own tools, run on the adviser's own computer.
    #[command(subcommand)]
    Adviser(AdviserCommand),
    /// Back up the database and the server secret, while the server runs, into one file
    /// encrypted to the config's backup_recipients.
    Backup(BackupArgs),
    /// Make a new data folder from a backup. Never touches an existing folder.
    Restore(RestoreArgs),
    /// Send each address the digest that would go out now, and say per address what happened:
    /// the way to test the [mail] settings. `fluister serve` sends digests on schedule by itself.
    Notify(NotifyArgs),
}

#[derive(Args)]
pub struct BackupArgs {
    /// Config file (TOML): its data_dir and backup_recipients are used.
    #[arg(long)]
    pub config: PathBuf,
    /// The backup file to write; an existing file is never overwritten.
    #[arg(long)]
    pub out: PathBuf,
    /// Data folder to back up [default: `data_dir` from the config].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file, as `fluister backup` wrote it.
    pub file: PathBuf,
    /// The identity file of one of the backup_recipients (age-keygen's, or one made with
    /// `fluister adviser init`; a passphrase is asked for, or taken from FLUISTER_PASSPHRASE).
    #[arg(long)]
    pub identity: PathBuf,
    /// The new data folder to make; it must not exist yet.
    #[arg(long)]
    pub data_dir: PathBuf,
}

#[derive(Args)]
pub struct NotifyArgs {
    /// Config file (TOML) with a [mail] section; see docs/fluister.example.toml.
    #[arg(long)]
    pub config: PathBuf,
    /// Send now rather than at a time in send_at (required: the only way this command runs).
    #[arg(long, required = true)]
    pub now: bool,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Config file (TOML); see docs/fluister.example.toml.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080, or `listen` from the config].
    #[arg(long)]
    pub listen: Option<String>,
    /// Data folder [default: ./fluister-data for the demo, or `data_dir` from the config].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum AdviserCommand {
    /// Make your adviser key: a new age identity, protected by a passphrase. Prints the
    /// recipient (age1…) to give to the school's IT, and saves the key's path (and --server)
    /// in your settings, so later commands need no options.
    ///
    /// With --recovery: the school board's recovery key instead, written to --identity (a USB
    /// stick that goes into the safe) with a printable page; nothing is saved in the settings.
    Init {
        /// Where to write the identity file [default: adviser.key in your Fluister data folder,
        /// e.g. ~/.local/share/fluister/adviser.key].
        #[arg(long, env = "FLUISTER_IDENTITY")]
        identity: Option<PathBuf>,
        /// The Fluister server, saved in your settings: the address pupils open.
        #[arg(long, env = "FLUISTER_SERVER")]
        server: Option<String>,
        /// Make the school board's recovery key: the same passphrase protection, plus a page to
        /// print with the key in groups a person can type back (`restore-key`) and how to keep
        /// it offline.
        #[arg(long)]
        recovery: bool,
        /// With --recovery: write the printable page to this file (mode 0600, never over an
        /// existing one) instead of standard output. It holds the secret key in the clear:
        /// print it and delete it.
        #[arg(long, requires = "recovery", value_name = "FILE")]
        page: Option<PathBuf>,
    },
    /// Save which server and key this computer uses, so every adviser command and a desktop
    /// shortcut to `fluister adviser ui` need no options. Without options: show them.
    Setup {
        /// The Fluister server: the address pupils open, e.g. https://fluister.school.nl
        #[arg(long)]
        server: Option<String>,
        /// Your adviser key file, made with `fluister adviser init`.
        #[arg(long)]
        identity: Option<PathBuf>,
    },
    /// Make a key file again from a recovery page: type the key's groups as printed (spaces and
    /// dashes do not matter; its checksum catches typing errors), then a new passphrase.
    RestoreKey {
        /// Where to write the identity file; never over an existing one.
        #[arg(long)]
        identity: PathBuf,
    },
    /// Seal every case of your schools again for each school's current advisers and recovery
    /// key, after the team changed or a key was lost. Opens each report, message, note and
    /// image on this computer, seals it again (for the pupil too, except notes) and replaces
    /// it on the server only if nobody changed it meanwhile. Run it again to finish what an
    /// interrupted run left; what is already sealed for the current team is skipped.
    Reseal {
        #[command(flatten)]
        connection: Connection,
        /// Only this school (its slug).
        #[arg(long)]
        school: Option<String>,
        /// Seal again also what is already marked as sealed for the current team.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        pins: PinArgs,
    },
    /// List the reports of your schools: date, category, status, images, unread pupil messages.
    Inbox {
        #[command(flatten)]
        connection: Connection,
        /// Only reports with this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one report and its whole conversation, decrypted on this computer, with a list of
    /// its evidence images (`attachments` saves them); marks it read.
    Show {
        #[command(flatten)]
        connection: Connection,
        /// The report id, as `inbox` lists it.
        id: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Reply to the pupil, encrypted on this computer for the pupil and every adviser of the
    /// school. Without --message or --file, opens $VISUAL / $EDITOR.
    Reply {
        #[command(flatten)]
        connection: Connection,
        /// The report id, as `inbox` lists it.
        id: String,
        /// The reply itself. Other users of this computer can see command lines; on a shared
        /// computer prefer --file or the editor.
        #[arg(long, conflicts_with = "file")]
        message: Option<String>,
        /// Read the reply from this file (`-` for standard input).
        #[arg(long)]
        file: Option<PathBuf>,
        #[command(flatten)]
        pins: PinArgs,
    },
    /// Set a report's status.
    Status {
        #[command(flatten)]
        connection: Connection,
        /// The report id, as `inbox` lists it.
        id: String,
        #[arg(value_enum)]
        status: StatusArg,
    },
    /// Add a private note to a report: encrypted for the school's advisers only, never shown
    /// to the pupil.
    Note {
        #[command(flatten)]
        connection: Connection,
        /// The report id, as `inbox` lists it.
        id: String,
        /// The note.
        text: String,
        #[command(flatten)]
        pins: PinArgs,
    },
    /// Save a report's evidence images, decrypted, as files in a folder you choose.
    ///
    /// Writes <id>-<n>.jpg / <id>-<n>.png (mode 0600), numbered as `show` lists them. They are
    /// plaintext on disk from then on: keep them on an encrypted disk, never forward them, and
    /// delete them when the case is done. If an image turns out to be a nude image of a minor:
    /// do not forward or copy it, follow the school's protocol (Helpwanted, the police) and
    /// delete it. `fluister adviser ui` shows the images without writing them anywhere.
    Attachments {
        #[command(flatten)]
        connection: Connection,
        /// The report id, as `inbox` lists it.
        id: String,
        /// The folder to write to; made (mode 0700) if it does not exist. An existing file is
        /// never overwritten.
        #[arg(long, value_name = "FOLDER")]
        out: PathBuf,
    },
    /// Put a case on legal hold, so the server never deletes it (for the police, the
    /// inspectorate or a court), or take it off again with --release.
    Hold {
        #[command(flatten)]
        connection: Connection,
        /// The report id, as `inbox` lists it.
        id: String,
        /// Take the hold off: the case is deleted on its usual date again (at once, at the next
        /// nightly sweep, if that date has passed).
        #[arg(long)]
        release: bool,
    },
    /// Write a case as one HTML file for the school's incident file. This file is plaintext.
    Export {
        #[command(flatten)]
        connection: Connection,
        /// The report id, as `inbox` lists it.
        id: String,
        /// The HTML file to write; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Open the workstation in your browser: served on this computer only (127.0.0.1), behind
    /// a one-time link printed here. The passphrase is asked for in the browser.
    Ui(UiArgs),
}

#[derive(Args)]
pub struct UiArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Lock after this many minutes without use: the unlocked key leaves memory and the
    /// passphrase is asked again.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub idle_minutes: u64,
    /// Only print the link; open no browser (also when FLUISTER_NO_BROWSER is set). Without
    /// it, the browser is handed the link through a file only you can read, never on a
    /// command line other users could see.
    #[arg(long)]
    pub no_browser: bool,
}

/// Trust on first use of a school's advisers, for the commands that seal something.
#[derive(Args)]
pub struct PinArgs {
    /// Accept the school's adviser list as the server gives it now, when it differs from the
    /// one this computer pinned, and seal to it. Check the change with a colleague or your
    /// school's IT first: a key added to the list can read every reply and note from then on.
    #[arg(long)]
    pub accept_new_advisers: bool,
}

/// Which server, and which key to sign in with: from the options, else the environment, else
/// the settings `init` and `setup` saved (`adviser::settings`).
#[derive(Args)]
pub struct Connection {
    /// The Fluister server: the address pupils open, e.g. https://fluister.school.nl
    /// [default: from your settings, see `fluister adviser setup`]
    #[arg(long, env = "FLUISTER_SERVER")]
    pub server: Option<String>,
    /// Your adviser key file, made with `fluister adviser init` (or a demo install's
    /// demo-adviser.key). A passphrase is asked for, or taken from FLUISTER_PASSPHRASE.
    /// [default: from your settings]
    #[arg(long, env = "FLUISTER_IDENTITY")]
    pub identity: Option<PathBuf>,
}

/// A report's status, as typed.
#[derive(Clone, Copy, ValueEnum)]
pub enum StatusArg {
    New,
    Open,
    Closed,
}

impl From<StatusArg> for Status {
    fn from(s: StatusArg) -> Status {
        match s {
            StatusArg::New => Status::New,
            StatusArg::Open => Status::Open,
            StatusArg::Closed => Status::Closed,
        }
    }
}

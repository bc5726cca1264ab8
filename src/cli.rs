//! Command-line interface: `fluister serve` and `fluister adviser …`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// recipient (age1…) to give to the school's IT.
    Init {
        /// Where to write the identity file.
        #[arg(long, env = "FLUISTER_IDENTITY")]
        identity: PathBuf,
    },
}

//! The `fluister` binary: reads the command line and runs one of the named start-up paths.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use fluister::cli::{Cli, Command, ServeArgs};
use fluister::{adviser, config, server};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Adviser(command) => adviser::cli::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fluister: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, `info` unless `RUST_LOG` says otherwise. They never carry who: no peer
/// address, no user agent, no form content (DESIGN.md invariant 1).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => config::load(path, args.listen.as_deref(), args.data_dir.as_deref())?,
        None => config::demo(args.listen.as_deref(), args.data_dir.as_deref())?,
    };
    // SIGHUP reads the same file with the same command-line overrides.
    let reload = args.config.clone().map(|path| -> server::Reload {
        let ServeArgs {
            listen, data_dir, ..
        } = args;
        Box::new(move || config::load(&path, listen.as_deref(), data_dir.as_deref()))
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(server::run(config, reload))
}

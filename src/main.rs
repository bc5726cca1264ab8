//! The `fluister` binary: reads the command line and runs one of the named start-up paths.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use fluister::cli::{BackupArgs, Cli, Command, NotifyArgs, RestoreArgs, ServeArgs};
use fluister::{adviser, config, notify, server};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Adviser(command) => adviser::cli::run(command),
        Command::Backup(args) => backup(args),
        Command::Restore(args) => restore(args),
        Command::Notify(args) => notify_now(args),
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

fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let config = config::load(&args.config, None, args.data_dir.as_deref())?;
    let made = fluister::backup::backup(&config.data_dir, &config.backup_recipients, &args.out)?;
    println!(
        "Backup of {} written to {}: {} reports, a {} KiB database and the server secret, \
         encrypted to {} backup recipient(s). Restore it with: fluister restore {} --identity \
         KEY --data-dir NEW-FOLDER",
        config.data_dir.display(),
        args.out.display(),
        made.reports,
        made.database_bytes.div_ceil(1024),
        made.recipients,
        args.out.display()
    );
    Ok(())
}

fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    // Before the passphrase is asked: a folder that exists is refused whatever the key.
    if args.data_dir.symlink_metadata().is_ok() {
        return Err(fluister::backup::RestoreError::Exists(args.data_dir).into());
    }
    let key = adviser::AdviserKey::open(&args.identity)?;
    let restored = fluister::backup::restore(&args.file, &key, &args.data_dir)?;
    println!(
        "Restored {} reports from the backup of {} into {}. Start the server on it with: \
         fluister serve --config FILE --data-dir {} (or set data_dir).",
        restored.reports,
        restored.made_on,
        args.data_dir.display(),
        args.data_dir.display()
    );
    Ok(())
}

/// `fluister notify --now`: one line per address (sent, nothing new, failed and why); when no
/// digest was due, whether the relay takes a connection and a sign-in. Fails if any failed.
fn notify_now(args: NotifyArgs) -> anyhow::Result<()> {
    let config = config::load(&args.config, None, None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let deliveries = runtime.block_on(notify::now(&config))?;
    if deliveries.is_empty() {
        println!("No school lists addresses under notify: no digest to send.");
    }
    for d in &deliveries {
        println!("{} {}: {}", d.school, d.address, d.outcome);
    }
    let failed = deliveries
        .iter()
        .filter(|d| matches!(d.outcome, notify::Outcome::Failed(_)))
        .count();
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} digests not sent; the next time in send_at tries them again",
            deliveries.len()
        );
    }
    if !deliveries
        .iter()
        .any(|d| d.outcome == notify::Outcome::Sent)
    {
        let mail = config.mail.as_ref().expect("notify::now checked [mail]");
        match runtime.block_on(notify::check_relay(mail)) {
            Ok(()) => println!(
                "Relay {} ({}): connected{} and said goodbye without sending; the settings work.",
                mail.relay(),
                mail.tls.as_str(),
                if mail.credentials.is_some() {
                    " and signed in"
                } else {
                    ""
                }
            ),
            Err(why) => anyhow::bail!("the relay settings do not work: {why}"),
        }
    }
    Ok(())
}

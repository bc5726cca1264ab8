//! `fluister adviser …` at the command line: reads arguments, calls the engine, prints.

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use zeroize::Zeroizing;

use super::client::ServerUrl;
use super::engine::{
    CaseAttachment, CaseSummary, InboxFilter, Workstation, attachment_label, attachment_place,
    category_label, danger_label, parse_id,
};
use super::identity::{AdviserKey, KeyFile};
use super::settings::{self, Settings};
use super::{Case, Inbox, Sent, Unopened, init, init_recovery, restore};
use crate::cli::{AdviserCommand, Connection, PinArgs};
use crate::retention::Schedule;
use crate::store::{Author, Status};

/// Runs one adviser command.
pub fn run(command: AdviserCommand) -> anyhow::Result<()> {
    match command {
        AdviserCommand::Init {
            identity,
            server,
            recovery: false,
            ..
        } => make_key(identity, server),
        AdviserCommand::Init {
            identity,
            recovery: true,
            page,
            ..
        } => make_recovery_key(identity, page),
        AdviserCommand::Setup { server, identity } => setup(server, identity),
        AdviserCommand::RestoreKey { identity } => restore_key(&identity),
        AdviserCommand::Reseal {
            connection,
            school,
            all,
            pins,
        } => super::reseal_cli::run(&open(&connection)?, school.as_deref(), all, &pins),
        AdviserCommand::Inbox {
            connection,
            status,
            json,
        } => inbox(
            &open(&connection)?,
            InboxFilter {
                status: status.map(Status::from),
            },
            json,
        ),
        AdviserCommand::Show {
            connection,
            id,
            json,
        } => {
            parse_id(&id)?;
            show(&open(&connection)?, &id, json)
        }
        AdviserCommand::Reply {
            connection,
            id,
            message,
            file,
            pins,
        } => {
            parse_id(&id)?;
            // The text first: typing a reply can take a while, and the sign-in token lasts.
            let text = reply_text(message, file)?;
            let ws = open(&connection)?;
            accept_advisers(&ws, &id, &pins)?;
            let sent = ws.reply(&id, &text)?;
            println!(
                "Reply sent to report {id} (message {}): encrypted on this computer for the \
                 pupil and {}.",
                sent.seq,
                readers(&sent)
            );
            Ok(())
        }
        AdviserCommand::Status {
            connection,
            id,
            status,
        } => {
            parse_id(&id)?;
            let status = Status::from(status);
            open(&connection)?.set_status(&id, status)?;
            println!("Report {id} is now {}.", status.as_str());
            Ok(())
        }
        AdviserCommand::Note {
            connection,
            id,
            text,
            pins,
        } => {
            parse_id(&id)?;
            let ws = open(&connection)?;
            accept_advisers(&ws, &id, &pins)?;
            let sent = ws.note(&id, &text)?;
            println!(
                "Private note added to report {id} (message {}): encrypted for {} only; the \
                 pupil cannot read it.",
                sent.seq,
                readers(&sent)
            );
            Ok(())
        }
        AdviserCommand::Hold {
            connection,
            id,
            release,
        } => {
            parse_id(&id)?;
            let schedule = open(&connection)?.set_hold(&id, !release)?;
            if release {
                println!(
                    "Report {id} is no longer on hold: {}.",
                    deletion_text(&schedule)
                );
            } else {
                println!(
                    "Report {id} is on legal hold: the server will not delete it until you run \
                     `fluister adviser hold {id} --release`."
                );
            }
            Ok(())
        }
        AdviserCommand::Attachments {
            connection,
            id,
            out,
        } => attachments(&connection, &id, &out),
        AdviserCommand::Export {
            connection,
            id,
            out,
        } => export(&connection, &id, &out),
        AdviserCommand::Ui(args) => super::ui::run(args),
    }
}

fn make_key(identity: Option<PathBuf>, server: Option<String>) -> anyhow::Result<()> {
    // Checked before a passphrase is asked: a typo in the address costs nothing.
    if let Some(server) = &server {
        ServerUrl::parse(server)?;
    }
    let path = match identity {
        Some(p) => p,
        None => settings::default_key_path()?,
    };
    let recipient = init(&path)?;
    eprintln!(
        "Your adviser key is in {} (protected by your passphrase; keep a backup of the file).\n\
         Give your school's IT the recipient below; it goes into `advisers` in the server config.\n\
         It is public: it lets the server lock reports for you, not open them.",
        path.display()
    );
    let saved = settings::update(&Settings {
        server,
        identity: Some(settings::absolute(&path)),
    });
    match saved {
        Ok(file) => eprintln!(
            "Saved in your settings ({}): {}. Adviser commands and `fluister adviser ui` use them \
             without options.",
            file.display(),
            describe(&settings::load().unwrap_or_default())
        ),
        Err(e) => eprintln!("warning: the key was made, but {e}"),
    }
    println!("{recipient}");
    Ok(())
}

/// `init --recovery`: the board's key and its page, on standard output or in `--page`.
fn make_recovery_key(identity: Option<PathBuf>, page: Option<PathBuf>) -> anyhow::Result<()> {
    let Some(path) = identity else {
        bail!(
            "give --identity FILE for the recovery key, on the USB stick that goes into the \
             safe; it is not saved as this computer's key"
        );
    };
    if let Some(page) = &page
        && fs::symlink_metadata(page).is_ok()
    {
        bail!(
            "{} already exists; Fluister never overwrites a file: choose another --page",
            page.display()
        );
    }
    let (recipient, text) = init_recovery(&path)?;
    eprintln!(
        "The recovery key is in {} (protected by its passphrase). Its recipient goes into the \
         server config as `recovery = \"{recipient}\"` for each school of the board.",
        path.display()
    );
    match page {
        None => print!("{}", text.as_str()),
        Some(page) => {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&page)
                .with_context(|| format!("cannot create {}", page.display()))?;
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", page.display()))?;
            eprintln!(
                "WARNING: {} holds the recovery key in the clear. Print it, then delete the file.",
                page.display()
            );
        }
    }
    Ok(())
}

/// `setup`: saves what is given; shows what is saved.
fn setup(server: Option<String>, identity: Option<PathBuf>) -> anyhow::Result<()> {
    if let Some(server) = &server {
        ServerUrl::parse(server)?;
    }
    if let Some(identity) = &identity {
        KeyFile::read(identity)?;
    }
    let file = if server.is_none() && identity.is_none() {
        settings::path()?
    } else {
        settings::update(&Settings {
            server,
            identity: identity.as_deref().map(settings::absolute),
        })?
    };
    let saved = settings::load()?;
    println!("{}: {}", file.display(), describe(&saved));
    Ok(())
}

/// The saved settings in a few words.
fn describe(s: &Settings) -> String {
    format!(
        "server {}, key {}",
        s.server.as_deref().unwrap_or("(none)"),
        s.identity
            .as_deref()
            .map_or_else(|| "(none)".to_owned(), |p| p.display().to_string())
    )
}

/// `restore-key`: the groups from a recovery page, typed at the terminal or piped in.
fn restore_key(path: &Path) -> anyhow::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        bail!(
            "{} already exists; Fluister never overwrites a key: choose another --identity",
            path.display()
        );
    }
    let mut typed = Zeroizing::new(String::new());
    if io::stdin().is_terminal() {
        eprintln!(
            "Type the secret key from the recovery page, line by line (spaces and dashes do not \
             matter); end with an empty line:"
        );
        for line in io::stdin().lines() {
            let line = Zeroizing::new(line.context("cannot read what was typed")?);
            if line.trim().is_empty() {
                break;
            }
            typed.push_str(&line);
            typed.push('\n');
        }
    } else {
        io::stdin()
            .read_to_string(&mut typed)
            .context("cannot read the key from standard input")?;
    }
    let recipient = restore(path, &typed)?;
    eprintln!(
        "The key is in {} again, protected by the new passphrase. Its recipient (below) must be \
         the one the server config lists as `recovery`.",
        path.display()
    );
    println!("{recipient}");
    Ok(())
}

/// Unlocks the key and signs in, with the server and key from the options, the environment
/// or the saved settings.
pub(super) fn open(connection: &Connection) -> anyhow::Result<Workstation> {
    let (server, identity) = settings::resolve(connection)?;
    let key = AdviserKey::open(&identity)?;
    let ws = Workstation::open(&server, key)?;
    if ws.server().is_plain_http_over_network() {
        eprintln!(
            "warning: {} is plain HTTP over the network, so your sign-in token travels readable \
             (reports stay encrypted). A real school's server needs https://.",
            ws.server().as_str()
        );
    }
    Ok(ws)
}

/// With `--accept-new-advisers`: pins the school's adviser list as the server gives it now,
/// and says loudly what that accepted.
fn accept_advisers(ws: &Workstation, id: &str, pins: &PinArgs) -> anyhow::Result<()> {
    if !pins.accept_new_advisers {
        return Ok(());
    }
    if let Some(change) = ws.accept_advisers(id, None)? {
        eprintln!(
            "Accepted a new adviser list for school {} ({}). Replies and notes to its cases are \
             sealed to these advisers from now on.",
            terminal_safe(&change.school),
            terminal_safe(&change.summary())
        );
    }
    Ok(())
}

/// `2 advisers`, or `2 advisers and the school board's recovery key`.
fn readers(sent: &Sent) -> String {
    let advisers = if sent.advisers == 1 {
        "1 adviser".to_owned()
    } else {
        format!("{} advisers", sent.advisers)
    };
    if sent.recovery {
        format!("{advisers} and the school board's recovery key")
    } else {
        advisers
    }
}

fn inbox(ws: &Workstation, filter: InboxFilter, json: bool) -> anyhow::Result<()> {
    let inbox = ws.inbox(filter)?;
    let cases = &inbox.cases;
    if json {
        println!("{}", serde_json::to_string_pretty(cases)?);
    } else if cases.is_empty() && inbox.unlisted.is_empty() {
        match filter.status {
            Some(s) => println!("No {} reports.", s.as_str()),
            None => println!("No reports."),
        }
    } else if !cases.is_empty() {
        print!("{}", table(cases));
    }
    // On stderr, so the table and the JSON stay what scripts expect; the run still succeeds,
    // because every case that could be listed was.
    for line in inbox_troubles(&inbox) {
        eprintln!("{line}");
    }
    for team in inbox.teams.iter().filter(|t| t.reseal_due()) {
        eprintln!(
            "{}",
            reseal_due_line(&team.school, Some((team.due.reports, team.due.items)))
        );
    }
    Ok(())
}

/// One calm line for each case that could not be listed or opened in full, naming it by id
/// and saying what to try.
fn inbox_troubles(inbox: &Inbox) -> Vec<String> {
    let mut out = Vec::new();
    for c in &inbox.cases {
        if c.unopened == Some(Unopened::Damaged) {
            out.push(format!(
                "Report {} could not be opened: its stored ciphertext is damaged (not a readable \
                 age file). The other reports are listed; `fluister adviser show {}` shows what \
                 is still readable of it. Tell your school's IT: a backup may hold an intact \
                 copy.",
                c.id, c.id
            ));
        }
        if let Some(e) = &c.conversation_error {
            out.push(format!(
                "Report {}: its messages could not be fetched ({}), so its unread count is not \
                 known. `fluister adviser show {}` tries again.",
                c.id,
                terminal_safe(e),
                c.id
            ));
        }
    }
    for u in &inbox.unlisted {
        let which = match &u.id {
            Some(id) => format!("report {id}"),
            None => "an entry without a valid report id".to_owned(),
        };
        out.push(format!(
            "The server listed {which}, which could not be read as a report ({}). The other \
             reports are listed; tell your school's IT.",
            terminal_safe(&u.detail)
        ));
    }
    out
}

/// The inbox as aligned columns.
fn table(cases: &[CaseSummary]) -> String {
    let header = [
        "ID",
        "NAME",
        "RECEIVED",
        "SCHOOL",
        "CATEGORY",
        "DANGER",
        "STATUS",
        "OVERDUE",
        "ACTIVITY",
        "IMAGES",
        "UNREAD",
        "DELETED ON",
    ];
    let rows: Vec<[String; 12]> = cases
        .iter()
        .map(|c| {
            [
                c.id.to_string(),
                super::names::spoken(&c.id),
                terminal_safe(&c.received_on),
                terminal_safe(&c.school),
                match (c.category, c.unopened) {
                    (Some(cat), _) => category_label(cat).to_owned(),
                    (None, Some(Unopened::Damaged)) => "(damaged)".to_owned(),
                    (None, _) => "(not for your key)".to_owned(),
                },
                match (c.readable, c.danger_now) {
                    (false, _) => "?".to_owned(),
                    (true, d) => danger_label(d).to_owned(),
                },
                c.status.as_str().to_owned(),
                match &c.overdue_since {
                    Some(since) => format!("since {}", terminal_safe(since)),
                    None => "-".to_owned(),
                },
                terminal_safe(&c.last_activity),
                c.attachments.to_string(),
                c.unread.to_string(),
                deletes_cell(&c.schedule),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    out
}

fn show(ws: &Workstation, id: &str, json: bool) -> anyhow::Result<()> {
    let case = ws.case(id)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&case)?);
    } else {
        print!("{}", case_text(&case));
    }
    if let Some(change) = &case.advisers_changed {
        eprintln!(
            "WARNING: {}. A key added to that list could read every reply and note sealed to it. \
             Replies and notes to this case are refused until you accept the new list: check \
             the change with a colleague or your school's IT, then use --accept-new-advisers \
             with reply or note.",
            terminal_safe(&change.to_string())
        );
    }
    if case.reseal_due {
        eprintln!("{}", reseal_due_line(&case.school, None));
    }
    ws.mark_read(&case)?;
    Ok(())
}

/// The inbox's column for when the server deletes a case.
fn deletes_cell(s: &Schedule) -> String {
    match (&s.deletes_on, s.held) {
        (_, true) => "held".to_owned(),
        (Some(on), false) => terminal_safe(on),
        (None, false) => "?".to_owned(),
    }
}

/// When the server deletes a case, as a sentence's end.
fn deletion_text(s: &Schedule) -> String {
    match (&s.deletes_on, s.held) {
        (_, true) => "on legal hold, never deleted until released".to_owned(),
        (Some(on), false) => format!(
            "the server deletes it with its whole conversation on {}",
            terminal_safe(on)
        ),
        (None, false) => "the server did not say when it deletes it".to_owned(),
    }
}

/// What to do when (part of) a school's cases is still sealed for an earlier team.
fn reseal_due_line(school: &str, due: Option<(u64, u64)>) -> String {
    let what = match due {
        Some((1, items)) => format!("1 case ({items} items) is"),
        Some((reports, items)) => format!("{reports} cases ({items} items) are"),
        None => "this case is".to_owned(),
    };
    format!(
        "Reseal due for school {}: {what} still sealed for an earlier team of advisers (or it is \
         not known for which), so a new adviser cannot read it and a removed one still could \
         from a copy. Run `fluister adviser reseal` (or press the button in `fluister adviser \
         ui`).",
        terminal_safe(school)
    )
}

/// A case as text for the terminal.
fn case_text(case: &Case) -> String {
    let mut out = format!(
        "Report {} ({})  ·  school {}  ·  status {}\nReceived:     {}\nKept:         {}\n",
        case.id,
        super::names::spoken(&case.id),
        terminal_safe(&case.school),
        case.status.as_str(),
        terminal_safe(&case.received_on),
        deletion_text(&case.schedule)
    );
    if let Some(team) = &case.team {
        let names: Vec<String> = team
            .readers
            .iter()
            .map(|r| {
                let label = terminal_safe(&r.label());
                if r.you {
                    format!("{label} (you)")
                } else {
                    label
                }
            })
            .collect();
        let when = if case.reseal_due {
            "after a reseal (part of it is still sealed for an earlier team)"
        } else {
            "now"
        };
        out.push_str(&format!(
            "Readers:      the pupil (except notes), {} — {when}\n",
            names.join(", ")
        ));
    }
    match &case.report {
        Some(r) => {
            let field = |out: &mut String, name: &str, value: &str| {
                let value = if value.is_empty() {
                    "(not given)"
                } else {
                    value
                };
                out.push_str(&format!(
                    "{name:<14}{}\n",
                    indent_rest(&terminal_safe(value))
                ));
            };
            field(
                &mut out,
                "Category:",
                &format!("{} ({})", category_label(r.category), r.category.slug()),
            );
            field(&mut out, "Danger now:", danger_label(r.danger_now));
            field(&mut out, "Language:", r.lang.code());
            field(&mut out, "Where:", &r.where_);
            field(&mut out, "When:", &r.when);
            field(&mut out, "Involved:", &r.involved);
            out.push_str("\nWhat happened:\n");
            out.push_str(&indent(&terminal_safe(&r.description)));
        }
        None if case.unopened == Some(Unopened::Damaged) => out.push_str(
            "\nThis report could not be opened: its stored ciphertext is damaged (not a \
             readable age file). What is still readable of the case follows. Tell your \
             school's IT: a backup may hold an intact copy.\n",
        ),
        None => out.push_str(
            "\nThis report does not open with your key: it was encrypted to the advisers the \
             school had when it arrived. A colleague who was an adviser then can read it.\n",
        ),
    }
    out.push_str(&attachments_text(case));
    if case.messages.is_empty() {
        out.push_str("\nNo messages yet.\n");
    } else {
        let n = case.messages.len();
        let plural = if n == 1 { "" } else { "s" };
        out.push_str(&format!("\nConversation ({n} message{plural}):\n"));
    }
    for m in &case.messages {
        let who = match m.author {
            Author::Pupil => "Pupil",
            Author::Adviser => "Adviser (reply)",
            Author::Note => "PRIVATE NOTE (advisers only, the pupil never sees it)",
        };
        let images: Vec<String> = case
            .attachments
            .iter()
            .filter(|a| a.message == Some(m.seq))
            .map(|a| a.n.to_string())
            .collect();
        let images = match images.len() {
            0 => String::new(),
            1 => format!("  ·  1 image (attachment {})", images[0]),
            n => format!("  ·  {n} images (attachments {})", images.join(", ")),
        };
        out.push_str(&format!(
            "\n[{}] {}  {}{images}\n",
            m.seq,
            terminal_safe(&m.sent_on),
            who
        ));
        match (&m.text, m.unopened) {
            (Some(t), _) => out.push_str(&indent(&terminal_safe(t))),
            (None, Some(Unopened::Damaged)) => {
                out.push_str("    (this message is damaged and could not be opened)\n")
            }
            (None, _) => out.push_str("    (this message does not open with your key)\n"),
        }
    }
    out
}

/// The evidence images of a case, numbered as `attachments` names their files.
fn attachments_text(case: &Case) -> String {
    if case.attachments.is_empty() {
        return "\nAttachments:  none\n".to_owned();
    }
    let mut out = format!(
        "\nAttachments ({}; save them with `fluister adviser attachments {} --out FOLDER`):\n",
        case.attachments.len(),
        case.id
    );
    for a in &case.attachments {
        out.push_str(&format!(
            "    {}. {}, {}\n",
            a.n,
            attachment_label(a),
            attachment_place(a)
        ));
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

/// Continuation lines of a multi-line field, lined up under its first line.
fn indent_rest(text: &str) -> String {
    text.replace('\n', &format!("\n{:14}", ""))
}

/// Text a pupil wrote (or a server sent), made harmless for a terminal: control characters (escape sequences
/// could rewrite the screen or set the window title) and bidirectional overrides (which can
/// make text read differently from what it is) are shown as U+FFFD.
pub(super) fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            if (c.is_control() && c != '\n' && c != '\t') || bidi {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

fn export(connection: &Connection, id: &str, out: &Path) -> anyhow::Result<()> {
    parse_id(id)?;
    // Checked before signing in too, so a typo costs no passphrase; `create_new` below is what
    // really guarantees it.
    if out.exists() {
        bail!(
            "{} already exists; Fluister never overwrites a file: choose another --out",
            out.display()
        );
    }
    let ws = open(connection)?;
    let case = ws.case(id)?;
    let html = Zeroizing::new(super::export::render_now(
        &case,
        ws.server().as_str(),
        ws.recipient(),
    ));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    file.write_all(html.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "WARNING: {} now holds report {id} in PLAINTEXT (readable without any key). Put it in \
         the school's incident file and delete other copies.",
        out.display()
    );
    println!("Exported report {id} to {}", out.display());
    Ok(())
}

/// What `attachments` tells the adviser once images are on disk. DESIGN.md: plaintext reaches
/// the disk only when the adviser exports on purpose, and then they must know what they hold.
const PLAINTEXT_IMAGES_WARNING: &str = "\
WARNING: these images are now PLAINTEXT files on this computer, readable without any key.
  Keep them on an encrypted disk only, do not forward them, and delete them when the case is done.
  If an image turns out to be a nude image of a minor: do not forward or copy it, follow the
  school's protocol (contact Helpwanted, helpwanted.nl, or the police, 0900-8844), and delete it,
  this copy included.";

fn attachments(connection: &Connection, id: &str, out: &Path) -> anyhow::Result<()> {
    parse_id(id)?;
    // Checked before signing in, so a wrong --out costs no passphrase.
    if fs::symlink_metadata(out).is_ok_and(|m| !m.is_dir()) {
        bail!(
            "{} is not a folder; give --out a folder (it is made if it does not exist)",
            out.display()
        );
    }
    let ws = open(connection)?;
    let case = ws.case(id)?;
    if case.attachments.is_empty() {
        println!("Report {id} has no evidence images.");
        return Ok(());
    }
    // Refused before anything is fetched or written: one existing file stops the whole run.
    for a in &case.attachments {
        if let Some(t) = a.media_type {
            let path = out.join(a.file_name(&case.id, t));
            if fs::symlink_metadata(&path).is_ok() {
                bail!(
                    "{} already exists; Fluister never overwrites a file: move it away or \
                     choose another --out",
                    path.display()
                );
            }
        }
    }
    private_folder(out)?;

    let mut written = Vec::new();
    let mut failed = Vec::new();
    for a in &case.attachments {
        match save_attachment(&ws, &case, a, out) {
            Ok((path, described)) => written.push((a, path, described)),
            Err(e) => failed.push(format!("{e:#}")),
        }
    }
    if !written.is_empty() {
        println!(
            "Saved {} of {} images of report {id} in {}:",
            written.len(),
            case.attachments.len(),
            out.display()
        );
        for (a, path, _) in &written {
            println!(
                "  {}  {}, {}",
                path.display(),
                attachment_label(a),
                attachment_place(a)
            );
        }
        for (a, _, described) in &written {
            if !described {
                eprintln!(
                    "note: attachment {} is not described in its sealed document; its type \
                     was read from its first bytes and its padding (zero bytes) was left on",
                    a.n
                );
            }
        }
        eprintln!("{PLAINTEXT_IMAGES_WARNING}");
    }
    if !failed.is_empty() {
        bail!(
            "{} of {} images were not saved: {}",
            failed.len(),
            case.attachments.len(),
            failed.join("; ")
        );
    }
    Ok(())
}

/// Makes `dir` (mode 0700) if missing; warns if an existing one is open to other users.
fn private_folder(dir: &Path) -> anyhow::Result<()> {
    match fs::metadata(dir) {
        Ok(m) => {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "warning: other users of this computer may open {} (mode {mode:04o}); \
                     `chmod 700` it or choose another --out",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(_) => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot make the folder {}", dir.display())),
    }
}

/// Fetches, decrypts and writes one image (mode 0600, never over an existing file). Returns
/// its path and whether its sealed document described it.
fn save_attachment(
    ws: &Workstation,
    case: &Case,
    a: &CaseAttachment,
    dir: &Path,
) -> anyhow::Result<(PathBuf, bool)> {
    let image = ws.open_attachment(case, a.n)?;
    let path = dir.join(a.file_name(&case.id, image.media_type));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} already exists; Fluister never overwrites a file",
                path.display()
            ),
            _ => anyhow::anyhow!("cannot create {}: {e}", path.display()),
        })?;
    if let Err(e) = file.write_all(&image.bytes).and_then(|()| file.sync_all()) {
        // Half an image is no evidence; the adviser runs the command again.
        drop(file);
        let _ = fs::remove_file(&path);
        bail!("cannot write {}: {e}", path.display());
    }
    Ok((path, image.described))
}

/// The reply's text: from --message, from --file, or typed in the adviser's editor.
fn reply_text(message: Option<String>, file: Option<PathBuf>) -> anyhow::Result<Zeroizing<String>> {
    if let Some(m) = message {
        return Ok(Zeroizing::new(m));
    }
    if let Some(path) = file {
        let mut text = Zeroizing::new(String::new());
        if path.as_os_str() == "-" {
            io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the reply from standard input")?;
        } else {
            fs::File::open(&path)
                .and_then(|mut f| f.read_to_string(&mut text))
                .with_context(|| format!("cannot read --file {}", path.display()))?;
        }
        return Ok(text);
    }
    let editor = ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(std::env::var_os)
        .find(|e| !e.is_empty());
    match editor {
        Some(editor) => edit(&editor.to_string_lossy()),
        None if io::stdin().is_terminal() => {
            eprintln!("Type your reply; end with Ctrl-D on a line of its own:");
            let mut text = Zeroizing::new(String::new());
            io::stdin().read_to_string(&mut text)?;
            Ok(text)
        }
        None => bail!(
            "no reply given: use --message TEXT or --file FILE (- for standard input), or set \
             $EDITOR to write it in your editor"
        ),
    }
}

/// A temporary file holding plaintext, deleted when dropped, whatever happens in between.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Opens the adviser's editor on an empty private file and returns what they wrote.
fn edit(editor: &str) -> anyhow::Result<Zeroizing<String>> {
    // A per-user runtime folder is memory-backed on most Linux systems, so the plaintext
    // usually never reaches a disk at all.
    let dir = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("fluister-reply-{:016x}.txt", rand::random::<u64>()));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot create a file for your editor in {}", dir.display()))?;
    let scratch = Scratch(path);
    eprintln!(
        "Opening your editor on {}. That file holds your reply in plaintext until the editor \
         closes; Fluister deletes it right after (your editor may keep its own backup or swap \
         file).",
        scratch.0.display()
    );
    // Through the shell, as git does, so EDITOR="code --wait" works.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("fluister-editor")
        .arg(&scratch.0)
        .status()
        .with_context(|| format!("cannot start your editor ({editor})"))?;
    if !status.success() {
        bail!("your editor ({editor}) exited with {status}; nothing was sent");
    }
    let mut text = Zeroizing::new(String::new());
    fs::File::open(&scratch.0)
        .and_then(|mut f| f.read_to_string(&mut text))
        .with_context(|| format!("cannot read back {}", scratch.0.display()))?;
    drop(scratch);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ReportId;

    #[test]
    fn escape_sequences_and_bidi_overrides_do_not_reach_the_terminal() {
        assert_eq!(
            terminal_safe("a\u{1b}]0;pwned\u{7}b\u{202E}c\nd\te"),
            "a\u{FFFD}]0;pwned\u{FFFD}b\u{FFFD}c\nd\te"
        );
    }

    #[test]
    fn the_inbox_table_lines_up() {
        let row = |id: &str, school: &str, unread| CaseSummary {
            id: ReportId::parse(id).unwrap(),
            school: school.into(),
            received_on: "2026-11-21".into(),
            status: Status::New,
            category: Some(crate::report::Category::FightFilmed),
            danger_now: None,
            lang: None,
            last_activity: "2026-11-22".into(),
            messages: 2,
            attachments: 3,
            unread,
            overdue: unread > 5,
            overdue_since: (unread > 5).then(|| "2026-11-27".into()),
            readable: true,
            unopened: None,
            conversation_error: None,
            schedule: Default::default(),
            reseal_due: false,
        };
        let mut held = row("0123456789abcdef", "demo", 1);
        held.schedule.held = true;
        let mut dated = row("fedcba9876543210", "a-much-longer-school", 12);
        dated.schedule.deletes_on = Some("2028-11-21".into());
        let t = table(&[held, dated]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        let col = |l: &str| {
            l.find("CATEGORY")
                .or_else(|| l.find("Fight filmed"))
                .unwrap()
        };
        assert_eq!(col(lines[0]), col(lines[1]));
        assert_eq!(col(lines[1]), col(lines[2]));
        assert!(lines[1].ends_with("held"), "{t}");
        assert!(lines[2].ends_with("12      2028-11-21"), "{t}");
        assert!(lines[0].contains("OVERDUE") && lines[2].contains("since 2026-11-27"));
        assert!(!lines[1].contains("since"));
    }
}

//! `fluister adviser reseal` at the command line: the engine's reseal (reseal.rs) with a progress
//! bar on a terminal (a line per case otherwise), and what it did, school by school.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::bail;

use super::cli::terminal_safe;
use super::engine::Workstation;
use super::reseal::{Accept, Outcome, Progress, locked_per_report};
use crate::cli::PinArgs;

/// How often the bar is redrawn at most.
const REDRAW: Duration = Duration::from_millis(100);
/// Characters of the bar itself.
const BAR: usize = 30;

pub fn run(
    ws: &Workstation,
    school: Option<&str>,
    all: bool,
    pins: &PinArgs,
) -> anyhow::Result<()> {
    let accept = if pins.accept_new_advisers {
        Accept::Any
    } else {
        Accept::Nothing
    };
    let terminal = io::stderr().is_terminal();
    let mut drawn: Option<Instant> = None;
    let mut report = |p: Progress<'_>| {
        if terminal {
            let last = p.case == p.cases;
            if last || drawn.is_none_or(|t| t.elapsed() >= REDRAW) {
                eprint!("\r{}", bar(&p));
                let _ = io::stderr().flush();
                drawn = Some(Instant::now());
                if last {
                    eprintln!();
                }
            }
        } else {
            eprintln!(
                "{}: case {} of {} done ({} of {} items)",
                terminal_safe(p.school),
                p.case,
                p.cases,
                p.item,
                p.items
            );
        }
    };
    let outcomes = ws.reseal(school, all, accept, &mut report)?;
    let mut unfinished = 0;
    for o in &outcomes {
        if let Some(change) = &o.accepted {
            eprintln!(
                "Accepted a new adviser list for school {} ({}). Everything of it is sealed to \
                 these keys from now on.",
                terminal_safe(&change.school),
                terminal_safe(&change.summary())
            );
        }
        println!("{}", summary(o));
        let locked = locked_per_report(&o.failed);
        for (report, n) in &locked {
            let items = if *n == 1 {
                "1 item"
            } else {
                &format!("{n} items")
            };
            eprintln!(
                "  not sealed again: {items} of report {report}: they do not open with your key"
            );
        }
        if !locked.is_empty() {
            eprintln!(
                "  They were sealed before your key joined the school. Ask a colleague who can \
                 open them, or the school board with the recovery key, to run the reseal."
            );
        }
        for f in o.failed.iter().filter(|f| !f.locked) {
            eprintln!(
                "  not sealed again: {} of report {}: {}",
                f.item,
                f.report.as_deref().unwrap_or("(unnamed)"),
                terminal_safe(&f.why)
            );
        }
        if !o.complete() {
            unfinished += 1;
        }
    }
    if outcomes.iter().any(|o| o.resealed > 0) {
        eprintln!(
            "Backups of the server made before this reseal still open with the keys the cases \
             were sealed for then. If a key was stolen rather than lost, destroy those backups."
        );
    }
    if unfinished > 0 {
        bail!(
            "not everything was sealed again for the current team; run `fluister adviser reseal` \
             again (it goes on where this run stopped) and, for items that do not open with your \
             key, ask a colleague who can open them or the school board with the recovery key"
        );
    }
    Ok(())
}

/// `[#########·····················]  12/40 items · case 3/10 · de-linde`
fn bar(p: &Progress<'_>) -> String {
    let filled = (p.item * BAR).checked_div(p.items).unwrap_or(BAR);
    format!(
        "[{}{}] {:>5}/{} items · case {}/{} · {}",
        "#".repeat(filled),
        "·".repeat(BAR - filled),
        p.item,
        p.items,
        p.case,
        p.cases,
        terminal_safe(p.school)
    )
}

/// One line per school: what was done.
fn summary(o: &Outcome) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    format!(
        "School {}: {}; {} sealed again for the current team, {} already sealed for it, {} \
         changed meanwhile (skipped), {} failed.",
        terminal_safe(&o.school),
        plural(o.cases, "case", "cases"),
        plural(o.resealed, "item", "items"),
        o.current,
        o.changed,
        o.failed.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_items_done() {
        let p = |item, items| Progress {
            school: "de-linde",
            case: 1,
            cases: 2,
            item,
            items,
        };
        assert!(bar(&p(0, 40)).starts_with(&format!("[{}]", "·".repeat(BAR))));
        assert!(bar(&p(20, 40)).starts_with(&format!("[{}{}]", "#".repeat(15), "·".repeat(15))));
        assert!(
            bar(&p(0, 0)).contains(&"#".repeat(BAR)),
            "nothing to do is done"
        );
        let o = Outcome {
            school: "de-linde".into(),
            cases: 1,
            resealed: 3,
            current: 2,
            ..Outcome::default()
        };
        assert_eq!(
            summary(&o),
            "School de-linde: 1 case; 3 items sealed again for the current team, 2 already \
             sealed for it, 0 changed meanwhile (skipped), 0 failed."
        );
    }
}

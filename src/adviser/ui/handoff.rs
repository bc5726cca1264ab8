//! Handing the one-time link to the browser without putting it on a command line.
//!
//! A process's arguments are readable by every user of the computer (`ps`, `/proc/<pid>/
//! cmdline`), so `xdg-open http://127.0.0.1:…/?token=…` would give the one-time link to anyone
//! logged in, who could use it before the adviser's browser does. Instead the link goes into a
//! small HTML page that only this user can read, in a folder only this user can open, and the
//! opener gets that file's path. The page forwards the browser to the link. It is deleted as
//! soon as the link has been used (or the program ends), and it is only ever a way in to a
//! server that answers on 127.0.0.1 while this program runs.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use maud::{DOCTYPE, html};
use zeroize::Zeroizing;

/// The page that forwards the browser to the one-time link, in its own private folder;
/// deleted, folder and all, when dropped.
pub struct LinkFile {
    dir: PathBuf,
    page: PathBuf,
}

impl LinkFile {
    /// Writes the page for `url` below the user's runtime folder (memory-backed and private on
    /// most Linux systems), else the temporary folder. The folder is made 0700 with a random
    /// name and must not exist yet, the file 0600 and new, so nothing another user prepared
    /// can stand in for either.
    pub fn write(url: &str) -> io::Result<LinkFile> {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|d| d.is_absolute() && d.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("fluister-ui-{:016x}", rand::random::<u64>()));
        fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let file = LinkFile {
            page: dir.join("open.html"),
            dir,
        };
        let html = Zeroizing::new(page(url));
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file.page)?;
        out.write_all(html.as_bytes())?;
        out.sync_all()?;
        Ok(file)
    }

    pub fn path(&self) -> &Path {
        &self.page
    }
}

impl Drop for LinkFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.page);
        let _ = fs::remove_dir(&self.dir);
    }
}

/// The forwarding page: a refresh to the link and the link itself, for a browser that does
/// not follow the refresh. No script: nothing here needs one.
fn page(url: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="nl" {
            head {
                meta charset="utf-8";
                meta name="referrer" content="no-referrer";
                meta http-equiv="refresh" content={ "0;url=" (url) };
                title { "Fluister adviseur" }
            }
            body {
                p { a href=(url) { "Open de Fluister-werkplek" } }
            }
        }
    }
    .into_string()
}

/// The desktop's "open this" command and its arguments for `file`: the path only, never the
/// link.
pub fn opener_command(file: &Path) -> Command {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let mut command = Command::new(opener);
    command
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Starts the opener on `file`; false when it could not be started (the printed link is then
/// the way in).
pub fn open_in_browser(file: &Path) -> bool {
    match opener_command(file).spawn() {
        Ok(mut child) => {
            // Reaped in the background, so it does not linger as a zombie.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const URL: &str = "http://127.0.0.1:4242/?token=0123456789abcdef";

    #[test]
    fn the_opener_gets_a_private_file_and_never_the_link() {
        let file = LinkFile::write(URL).unwrap();
        let command = opener_command(file.path());
        let args: Vec<String> = std::iter::once(command.get_program())
            .chain(command.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(args.iter().all(|a| !a.contains("token")), "{args:?}");
        assert_eq!(args[1], file.path().to_str().unwrap());

        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(file.path()), 0o600);
        assert_eq!(mode(file.path().parent().unwrap()), 0o700);
        let html = fs::read_to_string(file.path()).unwrap();
        assert!(
            html.contains(&format!(r#"http-equiv="refresh" content="0;url={URL}""#)),
            "{html}"
        );
        assert!(html.contains(&format!(r#"<a href="{URL}">"#)));
        assert!(!html.contains("<script"));

        let (page, dir) = (file.path().to_owned(), file.dir.clone());
        drop(file);
        assert!(!page.exists() && !dir.exists(), "deleted with its folder");
    }
}

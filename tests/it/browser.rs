//! The report in a real browser (Debian's headless Chromium): participant text, theme labels
//! and event metadata carrying script, markup and remote images stay inert. No script runs and
//! no request leaves the page. Skips, saying so, when no Chromium is installed.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;

/// The Chromium binary, or `None` (with a message).
pub fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = std::process::Command::new("which").arg(name).output() {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !path.is_empty() {
                return Some(PathBuf::from(path));
            }
        }
    }
    eprintln!("SKIPPED: no chromium on PATH; this test needs Debian's chromium package");
    None
}

/// Loads `page` in headless Chromium, lets scripts run for a while, and returns the DOM.
pub fn dump_dom(browser: &Path, page: &str) -> String {
    dump_dom_at(browser, page, 1280)
}

/// [`dump_dom`] in a window `width` pixels wide (390: a phone).
pub fn dump_dom_at(browser: &Path, page: &str, width: u32) -> String {
    let profile = tempdir();
    let out = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--window-size={width},900"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(page)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A listener on loopback counting every connection made to it.
fn trap() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut s = stream;
            let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
        }
    });
    (port, hits)
}

#[test]
fn injected_text_stays_inert_in_chromium() {
    let Some(browser) = chromium() else { return };
    let (port, hits) = trap();
    let script =
        format!("<script>document.title='pwned';fetch('http://127.0.0.1:{port}/script')</script>");
    let img =
        format!("<img src=\"http://127.0.0.1:{port}/img\" onerror=\"document.title='pwned'\">");
    let ws = tempdir();
    let event = ws.path().join("events/lisbon-digital");
    std::fs::create_dir_all(&event).unwrap();
    for f in ["session.vtt", "survey.csv"] {
        std::fs::copy(demo().join("lisbon-digital").join(f), event.join(f)).unwrap();
    }
    let toml = std::fs::read_to_string(demo().join("lisbon-digital/event.toml"))
        .unwrap()
        .replace(
            "attribution = \"chorus demo corpus (illustrative, written for the project)\"",
            &format!("attribution = '''{img}'''"),
        );
    std::fs::write(event.join("event.toml"), toml).unwrap();
    // every answer of this survey carries a payload, so its quotes do too
    let mut csv = String::from("respondent_id,What should we keep?\n");
    for (i, said) in [
        "Keep the online booking for appointments",
        "The phone line for people who cannot go online",
        "Digital signatures saved us weeks of paperwork",
        "Working from home two days a week",
        "Short daily meetings with the whole team",
        "Open data about waiting times",
        "Video calls with citizens who live far away",
        "Paying fees by card instead of cash",
    ]
    .iter()
    .enumerate()
    {
        let text =
            format!("{said} {script} {img} [link](javascript:alert(1))").replace('"', "\"\"");
        csv.push_str(&format!("X{i},\"{text}\"\n"));
    }
    let payloads = ws.path().join("events/payloads");
    std::fs::create_dir_all(&payloads).unwrap();
    std::fs::write(
        payloads.join("event.toml"),
        "title = \"Payloads\"\ncountry = \"Portugal\"\nlanguage = \"en\"\n",
    )
    .unwrap();
    std::fs::write(payloads.join("survey.csv"), csv).unwrap();
    let run = chorus(
        ws.path(),
        &["ingest", ws.path().join("events").to_str().unwrap()],
    );
    assert!(run.code <= 1, "{}", run.stderr);
    for args in [vec!["embed"], vec!["themes"]] {
        let r = chorus(ws.path(), &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    // a theme renamed to a script through the codebook
    let themes = chorus_core::store::read_file(&ws.path().join("themes/themes.parquet")).unwrap();
    let first = chorus_core::store::str_column(&themes, chorus_core::model::col::THEME_ID).unwrap()
        [0]
    .clone()
    .unwrap();
    std::fs::write(
        ws.path().join("themes/codebook.toml"),
        format!("[[theme]]\nid = \"{first}\"\nlabel = '''{script}'''\n"),
    )
    .unwrap();
    let r = chorus(ws.path(), &["themes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = ws.path().join("report");
    let r = chorus(
        ws.path(),
        &["report", "--out", out.to_str().unwrap(), "--k", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("pwned"), "the payloads are not in the page");

    let dom = dump_dom(
        &browser,
        &format!("file://{}", out.join("index.html").display()),
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the page made a request");
    assert!(
        dom.contains("<title>Synthesis report</title>"),
        "a script ran"
    );
    let lower = dom.to_lowercase();
    assert!(!lower.contains("<script"), "a script element is in the DOM");
    assert!(!lower.contains("<img"), "an image element is in the DOM");
    assert!(
        !lower.contains("href=\"javascript"),
        "a javascript link is in the DOM"
    );
    // the payloads are there, as text
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'"),
        "the payload text is missing"
    );
}

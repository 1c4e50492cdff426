//! The report in a real browser (Debian's headless Chromium): participant text, theme labels
//! and event metadata carrying script, markup and remote images stay inert (no script runs and
//! no request leaves the page); it fits a phone; printed, its data tables are open and nothing
//! is wider than the page. Skips, saying so, when no Chromium is installed.

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

/// The rightmost edge (px) of anything on a copy of the report's `html` laid out `width` px
/// wide, measured by a script added to the copy (the report itself runs none). With `scrolls`,
/// what a scrolling box holds is left out (a screen scrolls it); without, everything counts
/// (paper does not scroll). `page` is where the copy is written.
fn rightmost(
    browser: &std::path::Path,
    html: &str,
    page: &std::path::Path,
    width: u32,
    scrolls: bool,
) -> u32 {
    let probe = format!(
        concat!(
            "<style>html{{width:{}px}}</style><script>addEventListener('load',()=>{{let worst=0;",
            "const clipped=e=>{{if(!{})return false;for(let a=e.parentElement;a;a=a.parentElement){{",
            "const o=getComputedStyle(a).overflowX;if(o==='auto'||o==='scroll'||o==='hidden')return true}}return false}};",
            "for(const e of document.body.querySelectorAll('*')){{if(clipped(e))continue;",
            "worst=Math.max(worst,Math.floor(e.getBoundingClientRect().right))}}",
            "document.body.setAttribute('data-right',worst)}})</script>"
        ),
        width, scrolls
    );
    let copy = html
        .replace("Content-Security-Policy", "x-policy-off-for-the-probe")
        .replacen("</body>", &format!("{probe}</body>"), 1);
    assert!(copy.contains("data-right"), "the probe went in");
    std::fs::write(page, &copy).unwrap();
    let dom = dump_dom_at(browser, &format!("file://{}", page.display()), width);
    std::fs::remove_file(page).unwrap();
    dom.split("data-right=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("the probe did not run"))
}

/// On a 390 px phone nothing makes the page wider than the screen: wide charts and tables
/// scroll in their own boxes. (Headless Chromium's window is at least 500 px wide, so the width
/// is set on the page; its phone rules apply below 40rem.)
#[test]
fn the_report_fits_a_390_px_phone() {
    let Some(browser) = chromium() else {
        return;
    };
    let (_ws, report) = crate::serve::workspace();
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    let page = report.join("probe.html");
    let edge = rightmost(&browser, &html, &page, 390, true);
    assert!(
        edge <= 390,
        "something reaches {edge} px on a 390 px screen"
    );
    // the probe sees an element that does not fit
    let wide = html.replacen("<main>", "<main><div style=\"width:420px\">x</div>", 1);
    assert!(
        rightmost(&browser, &wide, &page, 390, true) > 390,
        "the probe misses overflow"
    );
}

/// Printed on A4, the whole demo's report holds every data table open, the theme x event table
/// in parts narrow enough for the page, every event in one of them, and nothing wider than the
/// page (180 mm between the margins: 680 px). The page's print rules are laid out on screen
/// for the width, and the report is printed to PDF for the tables.
#[test]
fn the_report_prints_with_its_data_tables_open() {
    let Some(browser) = chromium() else {
        return;
    };
    let ws = tempdir();
    let report = demo_pipeline(ws.path(), &[], &["embed", "themes", "report"]);
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    let ins: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("insights.json")).unwrap())
            .unwrap();

    // the event table on screen, and its printed parts: the same columns, none lost
    let headers = |table: &str| -> Vec<String> {
        regex::Regex::new(r"<th>([^<]*)</th>")
            .unwrap()
            .captures_iter(table)
            .map(|c| c[1].to_string())
            .filter(|h| h != "theme")
            .collect()
    };
    let after = |marker: &str| {
        html.split(marker)
            .nth(1)
            .unwrap_or("")
            .split("</details>")
            .next()
            .unwrap()
    };
    let events = after("Data table: theme × event");
    let screen = headers(
        events
            .split("<div class=\"chart screen\">")
            .nth(1)
            .expect("a table too wide to print whole")
            .split("</table>")
            .next()
            .unwrap(),
    );
    let printed: Vec<String> = events
        .split("<div class=\"print\">")
        .skip(1)
        .flat_map(|part| headers(part.split("</table>").next().unwrap()))
        .collect();
    assert!(screen.len() > 7, "{} events", screen.len());
    assert_eq!(
        printed, screen,
        "the printed parts hold every event, once, in order"
    );

    let printing = html.replace("@media print{", "@media all{");
    let edge = rightmost(&browser, &printing, &report.join("probe.html"), 680, false);
    assert!(edge <= 680, "something reaches {edge} px on a 680 px page");

    // printed to PDF: the collapsed tables are there, open (text without spaces, as a cell
    // may wrap a word)
    let pdf = report.join("report.pdf");
    let profile = tempdir();
    let out = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", report.join("index.html").display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success() && pdf.is_file(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let Ok(text) = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
    else {
        eprintln!("SKIPPED (the PDF's text): no pdftotext on PATH; Debian's poppler-utils has it");
        return;
    };
    let text: String = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect();
    let squeeze = |s: &str| -> String { s.split_whitespace().collect() };
    let between = |a: &str, b: &str| -> String {
        let rest = text
            .split(&squeeze(a))
            .nth(1)
            .unwrap_or_else(|| panic!("no {a:?} in the PDF"));
        rest.split(&squeeze(b)).next().unwrap().to_string()
    };
    let prevalence = between("Data table: prevalence", "Each cell is the theme");
    for t in ins["themes"].as_array().unwrap() {
        let label = squeeze(t["label"].as_str().unwrap());
        assert!(
            prevalence.contains(&label),
            "{label} is not in the printed prevalence table"
        );
    }
    let by_event = between("Data table: theme × event", "Data table: theme × country");
    for e in &screen {
        assert!(
            by_event.contains(&squeeze(&e.replace("&amp;", "&"))),
            "{e} is not in the printed theme x event table"
        );
    }
}

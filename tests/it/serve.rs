//! `chorus serve`: HTTP tests against the real server on a demo workspace, and an end-to-end
//! walk in headless Chromium (search, filter by event, open a theme, see a quote).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use crate::browser::{chromium, dump_dom};
use crate::common::*;

pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    /// What the server printed after its address (the review link, in review mode).
    pub(crate) said: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(ws: &std::path::Path, report: &std::path::Path) -> Server {
    start_with(ws, report, &[])
}

/// `chorus serve` on a free port with `extra` arguments; in review mode, with its review link.
pub(crate) fn start_with(ws: &std::path::Path, report: &std::path::Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chorus"))
        .arg("--workspace")
        .arg(ws)
        .args(["serve", "--addr", "127.0.0.1:0", "--report"])
        .arg(report)
        .args(extra)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("chorus serve starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in `{line}`"))
        .to_string();
    let mut said = Vec::new();
    if extra.contains(&"--review") {
        for _ in 0..2 {
            let mut l = String::new();
            out.read_line(&mut l).unwrap();
            said.push(l.trim().to_string());
        }
    }
    Server { child, base, said }
}

/// The head of a GET response (status line and headers), lowercased.
fn head(base: &str, path: &str) -> String {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    raw.split_once("\r\n\r\n")
        .map_or(raw.clone(), |(h, _)| h.to_string())
}

/// A plain HTTP/1.1 request; returns (status, body).
pub(crate) fn http(base: &str, method: &str, path: &str) -> (u16, String) {
    send(base, method, path, "")
}

/// A request with a form body (`application/x-www-form-urlencoded`); returns (status, body).
pub(crate) fn send(base: &str, method: &str, path: &str, form: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    // the body may be chunked
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        body.to_string()
    };
    (status, body)
}

pub(crate) fn json(base: &str, path: &str) -> (u16, serde_json::Value) {
    let (status, body) = http(base, "GET", path);
    let v =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"));
    (status, v)
}

pub(crate) fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let ws = tempdir();
    let report = demo_pipeline(
        ws.path(),
        &["lisbon-digital", "ottawa-health", "nairobi-county"],
        &["embed", "themes", "index", "report"],
    );
    (ws, report)
}

#[test]
fn api_answers_and_refuses_bad_requests() {
    let (ws, report) = workspace();
    let srv = start(ws.path(), &report);
    let b = &srv.base;

    // every response, page, API or report, says what a browser may do with it
    for path in ["/", "/api/search?q=paper", "/report/", "/no/such/page"] {
        let h = head(b, path);
        for header in [
            "content-security-policy: default-src 'none'",
            "frame-ancestors 'none'",
            "x-content-type-options: nosniff",
            "x-frame-options: deny",
            "referrer-policy: no-referrer",
        ] {
            assert!(h.contains(header), "{path}: no `{header}` in\n{h}");
        }
    }

    // search with a facet filter: every hit from that event, highlights inside the fragment
    let (s, r) = json(b, "/api/search?q=paper&event=lisbon-digital&limit=5");
    assert_eq!(s, 200, "{r}");
    let hits = r["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        assert_eq!(h["event"], "lisbon-digital");
        let frag = h["snippet"]["fragment"].as_str().unwrap();
        for range in h["snippet"]["highlights"].as_array().unwrap() {
            let (a, z) = (
                range[0].as_u64().unwrap() as usize,
                range[1].as_u64().unwrap() as usize,
            );
            assert!(frag[a..z].to_lowercase().starts_with("paper"), "{frag}");
        }
    }
    assert!(r["facets"]["event"].as_array().unwrap().len() == 1);
    // the same search exported as CSV: a header, one row per hit, in the same order
    let (s, csv) = http(
        b,
        "GET",
        "/api/search.csv?q=paper&event=lisbon-digital&limit=5",
    );
    assert_eq!(s, 200, "{csv}");
    let body = &csv;
    let mut lines = body.lines().filter(|l| !l.is_empty());
    assert_eq!(
        lines.next(),
        Some("rank,unit_id,score,event,participant,question,frame,theme,text")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() >= hits.len(), "{body}");
    assert!(
        rows[0].starts_with(&format!("1,{},", hits[0]["unit_id"].as_str().unwrap())),
        "{body}"
    );
    // two values of one filter: either
    let (_, two) = json(
        b,
        "/api/search?q=*&event=lisbon-digital&event=ottawa-health&limit=1",
    );
    let (_, one) = json(b, "/api/search?q=*&event=lisbon-digital&limit=1");
    assert!(two["total"].as_u64() > one["total"].as_u64());
    // meaning and both
    for mode in ["semantic", "hybrid"] {
        let (s, r) = json(
            b,
            &format!("/api/search?q=people+without+internet&mode={mode}&limit=3"),
        );
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["hits"].as_array().unwrap().len(), 3);
    }

    // themes -> a theme -> a quote -> the quote in its source
    let (s, themes) = json(b, "/api/themes");
    assert_eq!(s, 200);
    let id = themes[0]["id"].as_str().unwrap().to_string();
    let (s, t) = json(b, &format!("/api/themes/{id}"));
    assert_eq!(s, 200);
    let quote = &t["quotes"][0];
    let unit = quote["unit_id"].as_str().unwrap();
    let path = format!(
        "/api/units/{}?around=2",
        form_urlencoded::byte_serialize(unit.as_bytes()).collect::<String>()
    );
    let (s, c) = json(b, &path);
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["unit"]["text"], quote["text"]);
    assert!(
        c["before"].as_array().unwrap().len() <= 2 && c["after"].as_array().unwrap().len() <= 2
    );
    // a written answer: its question, and only the same person's other answers around it
    let (_, answers) = json(b, "/api/search?q=*&event=lisbon-digital&limit=100");
    let answer = answers["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["question"].is_string() && h["participant"].is_string())
        .expect("a survey answer");
    let path = format!(
        "/api/units/{}",
        form_urlencoded::byte_serialize(answer["unit_id"].as_str().unwrap().as_bytes())
            .collect::<String>()
    );
    let (s, c) = json(b, &path);
    assert_eq!(s, 200, "{c}");
    assert!(
        c["question"].as_str().is_some_and(|q| q.ends_with('?')),
        "{c}"
    );
    let around: Vec<&serde_json::Value> = c["before"]
        .as_array()
        .unwrap()
        .iter()
        .chain(c["after"].as_array().unwrap())
        .collect();
    assert!(!around.is_empty(), "{c}");
    assert!(
        around
            .iter()
            .all(|u| u["participant"] == answer["participant"]),
        "{c}"
    );
    let (s, _) = json(b, "/api/events");
    assert_eq!(s, 200);
    let (s, cmp) = json(b, "/api/compare?a=lisbon-digital&b=ottawa-health");
    assert_eq!(s, 200);
    assert_eq!(
        cmp["themes"].as_array().unwrap().len(),
        themes.as_array().unwrap().len()
    );

    // the OpenAPI document names every API route, and each answers
    let (s, doc) = json(b, "/api/openapi.json");
    assert_eq!(s, 200);
    assert_eq!(
        doc["servers"][0]["url"].as_str(),
        Some(b.as_str()),
        "the document names the address it serves"
    );
    for p in doc["paths"].as_object().unwrap().keys() {
        let concrete = p.replace("{id}", &id);
        let (s, _) = http(b, "GET", &concrete);
        // review routes exist only in review mode (tests/it/review.rs)
        let review_only = p == "/api/review";
        assert!(
            s == 200 || (s == 404 && (p.contains("units") || review_only)),
            "{p}: {s}"
        );
    }

    // bad requests: 4xx with a JSON error, never a crash
    let long = "a".repeat(1200);
    for (path, status) in [
        ("/api/search?q=paper&limit=1000".to_string(), 400),
        ("/api/search?q=paper&limit=ten".to_string(), 400),
        ("/api/search?q=paper&offset=999999".to_string(), 400),
        ("/api/search?q=paper&mode=magic".to_string(), 400),
        ("/api/search?q=%22unclosed".to_string(), 400),
        ("/api/search?q=paper&event=nowhere".to_string(), 400),
        (format!("/api/search?q={long}"), 400),
        ("/api/themes/t-nope".to_string(), 404),
        ("/api/units/nope".to_string(), 404),
        ("/api/units/x?around=9999".to_string(), 400),
        ("/api/compare?a=nowhere".to_string(), 404),
        ("/api/nothing".to_string(), 404),
    ] {
        let (s, body) = json(b, &path);
        assert_eq!(s, status, "{path}: {body}");
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{path}: {body}"
        );
    }
    let (s, body) = http(b, "POST", "/api/search?q=paper");
    assert_eq!(s, 405, "{body}");
    assert!(body.contains("read-only"));

    // the pages answer a bad query with the reason, as a page
    let (s, page) = http(b, "GET", "/?q=%22unclosed&event=lisbon-digital");
    assert_eq!(s, 400, "{page}");
    assert!(
        page.contains("role=\"alert\"") && page.contains("<form"),
        "{page}"
    );
    let (s, page) = http(b, "GET", "/themes/t-nope");
    assert_eq!(s, 404);
    assert!(page.contains("no theme"));

    // the report is served; nothing outside it is
    let (s, page) = http(b, "GET", "/report/");
    assert_eq!(s, 200);
    assert!(page.contains("Synthesis report"));
    assert_eq!(http(b, "GET", "/report/charts/theme_event.svg").0, 200);
    for path in [
        "/report/../../../../etc/passwd",
        "/report/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/report/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/report//etc/passwd",
        "/report/../salt",
    ] {
        let (s, body) = http(b, "GET", path);
        assert_eq!(s, 404, "{path} was served: {body}");
        assert!(!body.contains("root:"));
    }
    // still up after all that
    assert_eq!(json(b, "/api/themes").0, 200);
}

/// Pulls the first `href="..."` starting with `prefix` out of a page.
fn link(dom: &str, prefix: &str) -> Option<String> {
    let at = dom.find(&format!("href=\"{prefix}"))?;
    let rest = &dom[at + 6..];
    Some(rest[..rest.find('"')?].replace("&amp;", "&"))
}

#[test]
fn browser_searches_filters_opens_a_theme_and_reads_a_quote() {
    let Some(browser) = chromium() else { return };
    let (ws, report) = workspace();
    let srv = start(ws.path(), &report);
    let b = &srv.base;
    // the page offers a search form with a query box and an event filter
    let home = dump_dom(&browser, &format!("{b}/"));
    assert!(home.contains("<form method=\"get\" action=\"/\""), "{home}");
    assert!(home.contains("name=\"q\"") && home.contains("name=\"event\""));
    assert!(home.contains("<option value=\"ottawa-health\">"));
    // submitting it as the form does: GET /?q=...&mode=lexical&event=...
    let results = dump_dom(
        &browser,
        &format!("{b}/?q=community&mode=lexical&event=ottawa-health"),
    );
    assert!(results.contains("id=\"total\""), "{results}");
    assert!(results.contains("<mark>"), "no highlight");
    let metas: Vec<&str> = results.split("<div class=\"meta\">").skip(1).collect();
    assert!(!metas.is_empty());
    assert!(
        metas.iter().all(|m| m.starts_with("ottawa-health")),
        "a hit from another event"
    );
    // a filter is never hidden: a chip shows it and removes it
    let filtered = dump_dom(&browser, &format!("{b}/?q=community&country=Canada"));
    assert!(filtered.contains("class=\"chip\""), "{filtered}");
    assert!(filtered.contains("country: Canada"), "{filtered}");
    assert!(
        filtered.contains("href=\"/?q=community\""),
        "the chip's link drops its filter"
    );
    // a theme from the results, then a quote in it
    let theme = link(&results, "/themes/").expect("a hit links its theme");
    let page = dump_dom(&browser, &format!("{b}{theme}"));
    assert!(
        page.contains("<blockquote class=\"quote\">"),
        "no quote on {theme}"
    );
    let source = link(&page, "/units/").expect("a quote links its source");
    let ctx = dump_dom(&browser, &format!("{b}{source}"));
    assert!(
        ctx.contains("class=\"focus\""),
        "the quote is not shown in its source"
    );
}

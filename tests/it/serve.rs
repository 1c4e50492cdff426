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

/// The API path of a unit.
fn unit_api(id: &str) -> String {
    format!(
        "/api/units/{}",
        form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    )
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

    // the pages' CJK font, from the binary, which the pages' policy lets them load
    let h = head(b, "/fonts/wqy-microhei.ttf");
    assert!(
        h.starts_with("http/1.1 200") && h.contains("content-type: font/ttf"),
        "{h}"
    );
    assert!(head(b, "/").contains("font-src 'self'"));
    let (_, page) = http(b, "GET", "/");
    assert!(page.contains("url(/fonts/wqy-microhei.ttf)"), "{page}");

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
    // a unit without a content word ("Not sure") is found by its words, never by meaning
    let texts = |r: &serde_json::Value| -> Vec<String> {
        r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["text"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, words) = json(b, "/api/search?q=%22not+sure%22&frame=keep&limit=50");
    assert!(
        texts(&words).iter().any(|t| t.starts_with("Not sure")),
        "{words}"
    );
    let (_, meaning) = json(
        b,
        "/api/search?q=people+without+internet&mode=semantic&frame=keep&limit=100",
    );
    let ranked = texts(&meaning);
    assert!(ranked.len() > 50, "{meaning}");
    assert!(
        !ranked.iter().any(|t| t.starts_with("Not sure")),
        "{ranked:?}"
    );

    // themes -> a theme -> a quote -> the quote in its source
    let (s, themes) = json(b, "/api/themes");
    assert_eq!(s, 200);
    let id = themes[0]["id"].as_str().unwrap().to_string();
    let (s, t) = json(b, &format!("/api/themes/{id}"));
    assert_eq!(s, 200);
    let quote = &t["quotes"][0];
    let unit = quote["unit_id"].as_str().unwrap();
    let path = unit_api(unit) + "?around=2";
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
    let path = unit_api(answer["unit_id"].as_str().unwrap());
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
    // its page: the question (and its frame, where it has one), and each other answer's own
    let (s, page) = http(b, "GET", &path.replace("/api/units/", "/units/"));
    assert_eq!(s, 200);
    assert!(page.contains("Question: <em>"), "{page}");
    assert!(
        page.matches("Question: <em>").count() > 1,
        "the other answers name their questions"
    );
    if c["frame"].is_string() {
        assert!(page.contains("(something to "), "the frame in words");
    }
    // a transcript line: the discussion (agenda segment) it was said in, with its theme
    let (_, agenda) = json(b, "/api/agenda");
    let segment = &agenda[0]["segments"].as_array().unwrap().last().unwrap();
    let path = unit_api(segment["last_unit"].as_str().unwrap());
    let (s, c) = json(b, &path);
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["discussion"]["segment_id"], segment["segment_id"], "{c}");
    let (_, page) = http(b, "GET", &path.replace("/api/units/", "/units/"));
    assert!(page.contains("Said in the discussion"), "{page}");
    let title = segment["title"].as_str().unwrap().replace('&', "&amp;");
    assert!(page.contains(&title), "{title} in {page}");
    let (s, _) = json(b, "/api/events");
    assert_eq!(s, 200);
    let (s, cmp) = json(b, "/api/compare?a=lisbon-digital&b=ottawa-health");
    assert_eq!(s, 200);
    assert_eq!(
        cmp["themes"].as_array().unwrap().len(),
        themes.as_array().unwrap().len()
    );
    // three events side by side: a cell per event, quotes from each, in the order asked
    let (s, cmp) = json(
        b,
        "/api/compare?e=nairobi-county&e=lisbon-digital&e=ottawa-health",
    );
    assert_eq!(s, 200, "{cmp}");
    assert_eq!(
        cmp["events"],
        serde_json::json!(["nairobi-county", "lisbon-digital", "ottawa-health"])
    );
    assert!(cmp["themes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["cells"].as_array().unwrap().len() == 3));
    for (i, e) in ["nairobi-county", "lisbon-digital", "ottawa-health"]
        .iter()
        .enumerate()
    {
        assert!(cmp["quotes"][i]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["event"] == *e));
    }
    let (s, page) = http(
        b,
        "GET",
        "/compare?e=nairobi-county&e=lisbon-digital&e=ottawa-health",
    );
    assert_eq!(s, 200);
    assert!(page.matches("<h2>").count() >= 3, "a section per event");
    let seven = (0..7)
        .map(|i| format!("e=x{i}"))
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(http(b, "GET", &format!("/api/compare?{seven}")).0, 400);
    // a theme page: its summary, key points with their support, its share by event
    let first_theme = themes[0]["id"].as_str().unwrap();
    let (s, page) = http(b, "GET", &format!("/themes/{first_theme}"));
    assert_eq!(s, 200);
    for part in [
        "raised in",
        "Key points",
        "of its units (",
        "Share of each event",
        "class=\"bar\"",
    ] {
        assert!(page.contains(part), "the theme page lacks `{part}`");
    }
    // a quote that answers a written question shows the question
    let asked = themes.as_array().unwrap().iter().any(|t| {
        let (_, page) = http(b, "GET", &format!("/themes/{}", t["id"].as_str().unwrap()));
        page.contains("answering: What should we")
    });
    assert!(asked, "no theme page shows the question a quote answers");

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
    // events by their titles (the id is the value sent)
    assert!(
        home.contains("<option value=\"ottawa-health\">Government Aftershock: Ottawa</option>"),
        "{home}"
    );
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
        metas
            .iter()
            .all(|m| m.starts_with("Government Aftershock: Ottawa")),
        "a hit from another event"
    );
    // a survey answer's hit says what it answers, and under which frame
    assert!(results.contains("answering: "), "no question on the hits");
    // a filter is never hidden: a chip shows it and removes it
    let filtered = dump_dom(&browser, &format!("{b}/?q=community&country=Canada"));
    assert!(filtered.contains("class=\"chip\""), "{filtered}");
    assert!(filtered.contains("country: Canada"), "{filtered}");
    assert!(
        filtered.contains("href=\"/?q=community\""),
        "the chip's link drops its filter"
    );
    // following the chip's link removes the filter: no chip, more hits
    let total = |dom: &str| -> usize {
        let at = dom.find("id=\"total\"").expect("a total");
        dom[at..]
            .split(|c: char| !c.is_ascii_digit() && c != ',')
            .find(|w| !w.is_empty() && w.chars().any(|c| c.is_ascii_digit()))
            .and_then(|w| w.replace(',', "").parse().ok())
            .expect("a number in the total")
    };
    let unfiltered = dump_dom(&browser, &format!("{b}/?q=community"));
    assert!(!unfiltered.contains("class=\"chip\""), "the chip stayed");
    assert!(
        total(&unfiltered) > total(&filtered),
        "removing the filter changed nothing"
    );
    // the page's export links give the same result set as CSV and JSON
    let csv = link(&filtered, "/api/search.csv?").expect("an export link");
    assert!(
        csv.contains("country=Canada"),
        "the export keeps the filter: {csv}"
    );
    let (s, body) = http(b, "GET", &csv);
    assert_eq!(s, 200);
    assert!(body.starts_with("rank,unit_id,score,event"), "{body}");
    assert_eq!(body.lines().count() - 1, total(&filtered).min(10), "{body}");
    let export = link(&filtered, "/api/search?").expect("a JSON export link");
    let (s, j) = json(b, &export);
    assert_eq!(s, 200);
    assert_eq!(j["total"].as_u64().unwrap() as usize, total(&filtered));
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

/// A Pol.is statement's page shows its votes and how each opinion group voted.
#[test]
fn a_polis_statement_shows_its_votes_and_group_split() {
    let Some(shared) = shared_data() else { return };
    let ws = tempdir();
    let conv = shared.join("polis/london.youth.policing");
    assert!(chorus(ws.path(), &["ingest", conv.to_str().unwrap()]).code <= 1);
    ok(ws.path(), &["index"]);
    let srv = start_with(ws.path(), &ws.path().join("no-report"), &["--no-semantic"]);
    let b = &srv.base;
    let (_, hits) = json(b, "/api/search?q=*&limit=100");
    let with_votes: Vec<serde_json::Value> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| {
            let id: String =
                form_urlencoded::byte_serialize(h["unit_id"].as_str()?.as_bytes()).collect();
            let (_, c) = json(b, &format!("/api/units/{id}"));
            c["votes"].is_object().then_some(c)
        })
        .collect();
    assert!(!with_votes.is_empty(), "no statement has its votes");
    let v = &with_votes[0]["votes"];
    assert!(v["votes"].as_u64().unwrap() >= 5);
    let (agree, disagree) = (
        v["agree"].as_f64().unwrap(),
        v["disagree"].as_f64().unwrap(),
    );
    assert!((0.0..=1.0).contains(&(agree + disagree)));
    let id: String = form_urlencoded::byte_serialize(
        with_votes[0]["unit"]["unit_id"]
            .as_str()
            .unwrap()
            .as_bytes(),
    )
    .collect();
    let (_, page) = http(b, "GET", &format!("/units/{id}"));
    assert!(
        page.contains(" votes: ") && page.contains("agree"),
        "{page}"
    );
    if with_votes
        .iter()
        .any(|c| !c["votes"]["groups"].as_object().unwrap().is_empty())
    {
        let grouped = with_votes
            .iter()
            .find(|c| !c["votes"]["groups"].as_object().unwrap().is_empty())
            .unwrap();
        let id: String = form_urlencoded::byte_serialize(
            grouped["unit"]["unit_id"].as_str().unwrap().as_bytes(),
        )
        .collect();
        let (_, page) = http(b, "GET", &format!("/units/{id}"));
        assert!(page.contains("opinion group"), "{page}");
    }
}

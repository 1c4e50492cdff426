//! `chorus serve`: a local web page and JSON API over a workspace (read-only unless review
//! mode is on).
//!
//! - `/` search with facet filters, highlighted snippets and a word / meaning / both toggle;
//!   `/themes` the theme browser (theme -> subthemes -> quotes -> the quote in its source);
//!   `/units/{id}` a unit in its context; `/compare` two events side by side; `/report/...`
//!   the published report, when there is one.
//! - `/api/...` the same as JSON, described by the OpenAPI document at `/api/openapi.json`.
//!
//! Everything is loaded at start (the index reader, the themes, the units' order within their
//! sources, the insights) and again when the workspace changes (new themes, an index commit, a
//! new report): the server follows the workspace without a restart, requests meanwhile served
//! from the last whole load. Requests only read, but for review mode (`review.rs`, off by
//! default, token required), which edits the codebook. Bad requests get a 4xx with a JSON error
//! (`{"error": code, "message": text}`), never a crash; queries over
//! [`MAX_QUERY_CHARS`](chorus_index::search::MAX_QUERY_CHARS) characters and pages past
//! [`MAX_DEPTH`](chorus_index::search::MAX_DEPTH) hits are refused; files outside the report
//! folder are never served.

mod data;
mod follow;
mod pages;
pub mod review;
mod review_routes;
mod search_api;

pub use search_api::{search_request, Cache};

use chorus_core::error::{Category, Diagnostic};
use chorus_core::vectors::{EmbedFailure, LoadEmbedder, VectorsError};
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, RawQuery};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use chorus_core::model::Workspace;
use chorus_index::search;
use chorus_insights::InsightsConfig;
pub use data::Data;

/// Largest page of hits a request may ask for.
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the workspace `{path}` has no index yet")]
    NoIndex { path: PathBuf },
    #[error(transparent)]
    Index(#[from] chorus_index::IndexError),
    #[error("could not open the index")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("could not read the workspace's frames")]
    Frames(#[from] polars::error::PolarsError),
    #[error(transparent)]
    Insights(#[from] chorus_insights::InsightsError),
    #[error(transparent)]
    Embed(EmbedFailure),
    #[error(transparent)]
    Vectors(#[from] VectorsError),
    #[error("could not listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped")]
    Io(#[from] std::io::Error),
}

impl Diagnostic for ServeError {
    fn category(&self) -> Category {
        match self {
            ServeError::Embed(e) => e.category(),
            _ => Category::Input,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            ServeError::NoIndex { .. } => Some("run `chorus index` (or `chorus run`) first".into()),
            ServeError::Index(e) => e.hint(),
            ServeError::Insights(e) => e.hint(),
            ServeError::Embed(e) => e.hint(),
            ServeError::Vectors(e) => e.hint(),
            _ => None,
        }
    }
}

/// Options of `chorus serve`.
#[derive(Debug)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// The report folder served under `/report/` (when it holds an `index.html`).
    pub report: Option<PathBuf>,
    /// Whether to load the embedding model for meaning and hybrid search (when the workspace
    /// has vectors).
    pub semantic: bool,
    /// Keep the answers of recent API searches.
    pub cache: bool,
    /// Review mode (`--review`): theme edits in the browser, with the token it holds.
    pub review: Option<review::Review>,
}

/// The server's state: read once, shared by every request.
pub struct App {
    pub data: Data,
    pub report: Option<PathBuf>,
    /// Recent API search answers (off with `--no-cache`).
    pub cache: Option<Cache>,
    /// The OpenAPI document, naming the address the server listens on.
    pub openapi: String,
    /// Whether review mode is on (the pages link to `/review`).
    pub reviewing: bool,
    /// Rankings by meaning running at once (twice the cores), the rest waiting their turn.
    pub rankings: tokio::sync::Semaphore,
}

/// What the routes share: the workspace as last loaded (swapped whole on a reload) and review
/// mode.
pub struct Live {
    current: std::sync::RwLock<Arc<App>>,
    pub review: Option<review::Review>,
}

impl Live {
    pub fn new(app: App, review: Option<review::Review>) -> Self {
        Self {
            current: std::sync::RwLock::new(Arc::new(app)),
            review,
        }
    }

    /// The app as last loaded.
    pub fn app(&self) -> Arc<App> {
        match self.current.read() {
            Ok(a) => a.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, app: App) {
        match self.current.write() {
            Ok(mut a) => *a = Arc::new(app),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(app),
        }
    }
}

/// The app as last loaded, for a request.
pub struct Current(pub Arc<App>);

impl axum::extract::FromRequestParts<Arc<Live>> for Current {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _parts: &mut axum::http::request::Parts,
        live: &Arc<Live>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Current(live.app()))
    }
}

/// The OpenAPI document for a server listening on `addr`.
pub fn openapi(addr: SocketAddr) -> String {
    include_str!("openapi.json").replace("http://127.0.0.1:7878", &format!("http://{addr}"))
}

/// An error answered to a request: a status, a code and a message.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: &'static str,
    pub message: String,
    /// What to do about it, when the server knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "bad_request",
            message: message.into(),
            hint: None,
        }
    }

    /// A search that failed on the server's side (a bug, or the index changed under it).
    pub fn search_failed(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "search_failed",
            message: message.into(),
            hint: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            error: "not_found",
            message: message.into(),
            hint: None,
        }
    }
}

impl From<search::SearchError> for ApiError {
    fn from(e: search::SearchError) -> Self {
        let hint = e.hint();
        match e {
            search::SearchError::Tantivy(_) | search::SearchError::Embed(_) => Self {
                hint,
                ..Self::search_failed(e.to_string())
            },
            e => Self {
                hint,
                ..Self::bad_request(e.to_string())
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

/// The query string's pairs, in order (repeated keys kept: `event=a&event=b`).
pub fn pairs(raw: &Option<String>) -> Vec<(String, String)> {
    raw.as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == key && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

async fn api_themes(Current(app): Current) -> Response {
    Json(app.data.theme_list()).into_response()
}

async fn api_theme(
    Current(app): Current,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    Ok(Json(app.data.theme(&id)?).into_response())
}

async fn api_unit(
    Current(app): Current,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let around = around(&pairs(&raw))?;
    Ok(Json(app.data.context(&id, around)?).into_response())
}

async fn api_events(Current(app): Current) -> Response {
    Json(&app.data.events).into_response()
}

async fn api_agenda(Current(app): Current) -> Response {
    Json(app.data.agenda()).into_response()
}

async fn page_agenda(Current(app): Current) -> Response {
    Html(pages::agenda(&app)).into_response()
}

/// The events a compare request names: `a`, `b` and every `e`, in order.
fn compared(p: &[(String, String)]) -> Vec<String> {
    p.iter()
        .filter(|(k, v)| matches!(k.as_str(), "a" | "b" | "e") && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect()
}

async fn api_compare(Current(app): Current, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    Ok(Json(app.data.compare(&compared(&pairs(&raw)))?).into_response())
}

async fn api_openapi(Current(app): Current) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        app.openapi.clone(),
    )
        .into_response()
}

/// Units either side of a unit in its source, `around=N` (default 3, at most 50).
fn around(p: &[(String, String)]) -> Result<usize, ApiError> {
    match first(p, "around") {
        None => Ok(3),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= 50 => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "`around` must be a whole number from 0 to 50, found `{v}`"
            ))),
        },
    }
}

async fn page_search(Current(app): Current, RawQuery(raw): RawQuery) -> Response {
    let p = pairs(&raw);
    let asked = first(&p, "q").is_some();
    let result = if asked {
        match search_request(&p) {
            Ok(req) => {
                let app2 = app.clone();
                match tokio::task::spawn_blocking(move || app2.search(&req)).await {
                    Ok(r) => Some(r),
                    Err(e) => Some(Err(ApiError::search_failed(e.to_string()))),
                }
            }
            Err(e) => Some(Err(e)),
        }
    } else {
        None
    };
    let status = match &result {
        Some(Err(e)) => e.status,
        _ => StatusCode::OK,
    };
    (status, Html(pages::search(&app, &p, result.as_ref()))).into_response()
}

async fn page_themes(Current(app): Current) -> Response {
    Html(pages::themes(&app)).into_response()
}

async fn page_theme(Current(app): Current, UrlPath(id): UrlPath<String>) -> Response {
    match app.data.theme(&id) {
        Ok(t) => Html(pages::theme(&app, &t)).into_response(),
        Err(e) => (e.status, Html(pages::error(&app, &e))).into_response(),
    }
}

async fn page_unit(
    Current(app): Current,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    match around(&pairs(&raw)).and_then(|n| app.data.context(&id, n)) {
        Ok(c) => Html(pages::unit(&app, &c)).into_response(),
        Err(e) => (e.status, Html(pages::error(&app, &e))).into_response(),
    }
}

async fn page_compare(Current(app): Current, RawQuery(raw): RawQuery) -> Response {
    match app.data.compare(&compared(&pairs(&raw))) {
        Ok(c) => Html(pages::compare(&app, &c)).into_response(),
        Err(e) => (e.status, Html(pages::error(&app, &e))).into_response(),
    }
}

/// A file of the report folder; anything but plain names below it is refused.
pub fn report_file(report: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let root = report.canonicalize().ok()?;
    let path = root.join(rel).canonicalize().ok()?;
    (path.starts_with(&root) && path.is_file()).then_some(path)
}

/// The bundled CJK font, for pages that show Chinese, Japanese or Korean text.
async fn cjk_font() -> Response {
    (
        [
            (header::CONTENT_TYPE, "font/ttf"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        chorus_report::CJK_FONT_FILE,
    )
        .into_response()
}

async fn report(
    Current(app): Current,
    path: Option<UrlPath<String>>,
) -> Result<Response, ApiError> {
    let rel = path.map_or_else(|| "index.html".to_string(), |UrlPath(p)| p);
    let rel = if rel.is_empty() {
        "index.html".into()
    } else {
        rel
    };
    let file = app
        .report
        .as_deref()
        .and_then(|r| report_file(r, &rel))
        .ok_or_else(|| ApiError::not_found(format!("no report file `{rel}`")))?;
    let bytes = tokio::fs::read(&file)
        .await
        .map_err(|_| ApiError::not_found(format!("no report file `{rel}`")))?;
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    };
    Ok(([(header::CONTENT_TYPE, kind)], bytes).into_response())
}

async fn fallback(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no page or API at `{}`; see /api/openapi.json",
        uri.path()
    ))
}

async fn read_only(method: axum::http::Method) -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        error: "method_not_allowed",
        message: format!("{method} is not allowed: the server is read-only (GET only)"),
        hint: None,
    }
}

/// The routes over the live app (review routes answer only in review mode).
pub fn router(live: Arc<Live>) -> Router {
    let mut r = Router::new()
        .route("/", get(page_search))
        .route("/themes", get(page_themes))
        .route("/themes/{id}", get(page_theme))
        .route("/units/{id}", get(page_unit))
        .route("/compare", get(page_compare))
        .route("/agenda", get(page_agenda))
        .route(pages::CJK_FONT_URL, get(cjk_font))
        .route("/report", get(report))
        .route("/report/", get(report))
        .route("/report/{*path}", get(report))
        .route("/api/search", get(search_api::api_search))
        .route("/api/search.csv", get(search_api::api_search_csv))
        .route("/api/themes", get(api_themes))
        .route("/api/themes/{id}", get(api_theme))
        .route("/api/units/{id}", get(api_unit))
        .route("/api/events", get(api_events))
        .route("/api/agenda", get(api_agenda))
        .route("/api/compare", get(api_compare))
        .route("/api/openapi.json", get(api_openapi));
    if live.review.is_some() {
        r = r
            .route(
                "/review",
                get(review_routes::page).post(review_routes::post),
            )
            .route(
                "/api/review",
                get(review_routes::api_state).post(review_routes::api),
            );
    }
    r.fallback(fallback)
        .method_not_allowed_fallback(read_only)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(live)
}

/// What every response carries: no script, no framing, no type sniffing, no referrer (pages
/// and the report are self-contained; participant text is never markup).
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    res
}

/// The disclosure threshold the report in `dir` was made with (`disclosure_k` of its
/// `manifest.json`).
fn published_k(dir: &Path) -> Option<usize> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).ok()?).ok()?;
    manifest["disclosure_k"].as_u64().map(|k| k as usize)
}

/// Loads the workspace and serves it until Ctrl-C, loading it again whenever a stage rewrites
/// what the server reads. `on_listen` gets the bound address (the port may have been 0).
pub fn run(
    ws: &Workspace,
    mut cfg: ServeConfig,
    embedder: LoadEmbedder,
    on_listen: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let review = cfg.review.take();
    let reviewing = review.is_some();
    let kept = follow::KeptModel::new(embedder);
    let embedder = &|dir: Option<&Path>| kept.load(dir);
    let load = |addr: SocketAddr| -> Result<App, ServeError> {
        let report = cfg
            .report
            .clone()
            .filter(|r| r.join("index.html").is_file());
        let k = report
            .as_deref()
            .and_then(published_k)
            .unwrap_or(InsightsConfig::default().k);
        let data = Data::load(ws, cfg.semantic.then_some(embedder), k)?;
        Ok(App {
            data,
            report,
            cache: cfg.cache.then(|| Cache::new(4096)),
            openapi: openapi(addr),
            reviewing,
            rankings: tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        })
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(cfg.addr))
        .map_err(|source| ServeError::Bind {
            addr: cfg.addr,
            source,
        })?;
    let addr = listener.local_addr()?;
    let mut seen = follow::fingerprint(ws, cfg.report.as_deref());
    let live = Arc::new(Live::new(load(addr)?, review));
    on_listen(addr);
    let routes = router(live.clone());
    let server = rt.spawn(async move {
        axum::serve(listener, routes)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    // follow the workspace: a change is loaded once it has held still for one poll
    while !server.is_finished() {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let now = follow::fingerprint(ws, cfg.report.as_deref());
        if now == seen {
            continue;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        if follow::fingerprint(ws, cfg.report.as_deref()) != now {
            continue;
        }
        match load(addr) {
            Ok(app) => {
                live.replace(app);
                tracing::info!("the workspace changed: reloaded");
            }
            Err(e) => tracing::warn!(
                "the workspace changed but could not be loaded ({e}); still serving the last load"
            ),
        }
        seen = now;
    }
    rt.block_on(server)
        .map_err(|e| ServeError::Io(std::io::Error::other(e)))??;
    Ok(())
}

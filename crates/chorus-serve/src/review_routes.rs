//! The routes of review mode (`/review`, `/api/review`): the token checked first, then the
//! action parsed, checked against the themes and units the server knows, and applied
//! (`review.rs`).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;

use crate::{first, pages, pairs, review, ApiError, App, Live};

/// The token a request carries: `Authorization: Bearer`, else the form's or query's `token`.
fn token<'a>(headers: &'a axum::http::HeaderMap, pairs: &'a [(String, String)]) -> Option<&'a str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| first(pairs, "token"))
}

fn forbidden() -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        error: "forbidden",
        message:
            "review needs the token `chorus serve --review` printed at start; nothing was changed"
                .into(),
        hint: Some("open the review link the server printed (it carries the token)".into()),
    }
}

/// The review mode and its checked token, or 403.
fn reviewer<'a>(
    live: &'a Live,
    headers: &axum::http::HeaderMap,
    pairs: &[(String, String)],
) -> Result<&'a review::Review, ApiError> {
    let r = live
        .review
        .as_ref()
        .ok_or_else(|| ApiError::not_found("review mode is off"))?;
    if r.allows(token(headers, pairs)) {
        Ok(r)
    } else {
        Err(forbidden())
    }
}

pub(crate) async fn page(
    State(live): State<Arc<Live>>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = pairs(&raw);
    let app = live.app();
    match reviewer(&live, &headers, &p) {
        Ok(r) => Html(pages::review(&app, r, first(&p, "done"))).into_response(),
        Err(e) => (e.status, Html(pages::error(&app, &e))).into_response(),
    }
}

/// A review form: the action applied, then back to the review page saying what was done.
pub(crate) async fn post(
    State(live): State<Arc<Live>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let p: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let app = live.app();
    let done = reviewer(&live, &headers, &p).and_then(|r| {
        let action = review::action(&p)?;
        known(&app, &action)?;
        r.act(first(&p, "version").unwrap_or(""), &action)?;
        Ok((r, action))
    });
    match done {
        Ok((r, action)) => {
            let said = format!(
                "{} {}: saved; rerunning the themes",
                action_name(&action),
                action.theme()
            );
            let to = format!(
                "/review?{}",
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("token", &r.token)
                    .append_pair("done", &said)
                    .finish()
            );
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
        Err(e) => (e.status, Html(pages::error(&app, &e))).into_response(),
    }
}

/// An action names themes and units the server knows (an edit naming none would change
/// nothing, and a quote that is no unit would stop the rerun).
fn known(app: &App, action: &chorus_themes::codebook_edit::Action) -> Result<(), ApiError> {
    use chorus_themes::codebook_edit::Action::*;
    let theme = |id: &str| {
        if app.data.themes.iter().any(|t| t.id == id) {
            Ok(())
        } else {
            Err(ApiError::bad_request(format!(
                "no theme `{id}`; see /api/themes"
            )))
        }
    };
    match action {
        Seed { .. } => Ok(()),
        Merge { theme: a, into } => theme(a).and(theme(into)),
        PinQuote { theme: t, unit } => {
            theme(t)?;
            app.data.context(unit, 0).map(|_| ()).map_err(|_| {
                ApiError::bad_request(format!("no unit `{unit}`; unit ids are on each search hit"))
            })
        }
        other => theme(other.theme()),
    }
}

fn action_name(a: &chorus_themes::codebook_edit::Action) -> &'static str {
    use chorus_themes::codebook_edit::Action::*;
    match a {
        Rename { .. } => "rename",
        Merge { .. } => "merge",
        Split { .. } => "split",
        PinQuote { .. } => "pin quote",
        Seed { .. } => "seed",
        Review { .. } => "review",
    }
}

/// The same as a review form, as JSON: the change made, or the error.
pub(crate) async fn api(
    State(live): State<Arc<Live>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let p: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let r = reviewer(&live, &headers, &p)?;
    let action = review::action(&p)?;
    known(&live.app(), &action)?;
    let change = r.act(first(&p, "version").unwrap_or(""), &action)?;
    Ok(Json(change).into_response())
}

/// Review state as JSON: the codebook's version, the rerun, the last audit entries.
pub(crate) async fn api_state(
    State(live): State<Arc<Live>>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p = pairs(&raw);
    let r = reviewer(&live, &headers, &p)?;
    Ok(Json(serde_json::json!({
        "version": chorus_themes::codebook_edit::version(&r.codebook),
        "rerun": r.rerun.state(),
        "audit": r.recent(20),
    }))
    .into_response())
}

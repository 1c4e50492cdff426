//! The search API: a request from the query string, searches by words answered at once and by
//! meaning through the shared passes (the query embedded and scored against every unit together
//! with the other searches in flight, then ranked a few at a time), the answer cache, and the
//! CSV export.

use std::sync::Arc;

use axum::extract::RawQuery;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use chorus_core::model::Facet;
use chorus_index::search::{self, Mode, SearchRequest, SearchResponse};

use super::{first, pairs, ApiError, App, Current, MAX_LIMIT};

/// A search request from query-string pairs, bounded like the CLI's.
pub fn search_request(pairs: &[(String, String)]) -> Result<SearchRequest, ApiError> {
    let number = |key: &str, default: usize| -> Result<usize, ApiError> {
        first(pairs, key).map_or(Ok(default), |v| {
            v.parse().map_err(|_| {
                ApiError::bad_request(format!("`{key}` must be a whole number, found `{v}`"))
            })
        })
    };
    let limit = number("limit", 10)?;
    if limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "`limit` is {limit}; at most {MAX_LIMIT} hits are returned per page"
        )));
    }
    let mode = match first(pairs, "mode").unwrap_or("lexical") {
        "lexical" | "words" => Mode::Lexical,
        "semantic" | "meaning" => Mode::Semantic,
        "hybrid" | "both" => Mode::Hybrid,
        other => {
            return Err(ApiError::bad_request(format!(
                "`mode` is `{other}`; expected lexical, semantic or hybrid"
            )))
        }
    };
    let mut filters: Vec<(Facet, Vec<String>)> = Vec::new();
    for (k, v) in pairs {
        let Some(facet) = Facet::parse(k).filter(|f| f.filterable()) else {
            continue;
        };
        if !v.is_empty() {
            match filters.iter_mut().find(|(f, _)| *f == facet) {
                Some((_, vs)) => vs.push(v.clone()),
                None => filters.push((facet, vec![v.clone()])),
            }
        }
    }
    Ok(SearchRequest {
        query: first(pairs, "q").unwrap_or("*").to_string(),
        filters,
        from: first(pairs, "from").map(str::to_string),
        to: first(pairs, "to").map(str::to_string),
        limit,
        offset: number("offset", 0)?,
        mode,
        themes: first(pairs, "themes").is_some_and(|v| v == "true" || v == "1"),
    })
}

impl App {
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse, ApiError> {
        self.search_scored(req, None)
    }

    /// The query's dot product with every unit's vector, computed together with other
    /// concurrent searches' queries (one read of the vectors for all), after its embedding
    /// (shared in the same way). `None` without vectors or for an empty query.
    fn meaning_scores(&self, query: &str) -> Result<Option<Vec<f32>>, ApiError> {
        let Some((model, vectors)) = &self.data.semantic else {
            return Ok(None);
        };
        if query.is_empty() || query == "*" || query.chars().count() > search::MAX_QUERY_CHARS {
            return Ok(None);
        }
        let failed = |e: String| ApiError::search_failed(e);
        let qv = model
            .encode(&[query], 1)
            .map_err(|e| failed(e.to_string()))?
            .remove(0);
        let scores = self
            .data
            .scans
            .run(vec![qv], |qs| {
                let refs: Vec<&[f32]> = qs.iter().map(Vec::as_slice).collect();
                Ok(vectors.scores(&refs, Some(&self.data.skip)))
            })
            .map_err(failed)?;
        Ok(scores.into_iter().next())
    }

    /// [`App::search`] with the query's scores already computed ([`App::meaning_scores`]).
    fn search_scored(
        &self,
        req: &SearchRequest,
        scores: Option<&[f32]>,
    ) -> Result<SearchResponse, ApiError> {
        // the query's length is checked before anything is parsed or embedded
        let chars = req.query.chars().count();
        if chars > search::MAX_QUERY_CHARS {
            return Err(search::SearchError::QueryTooLong { chars }.into());
        }
        if req.mode != Mode::Lexical && !req.themes && self.data.semantic.is_none() {
            return Err(ApiError::bad_request(
                "meaning search needs the workspace's vectors and the embedding model; run `chorus embed`, or search by words (mode=lexical)",
            ));
        }
        let sem = self
            .data
            .semantic
            .as_ref()
            .map(|(model, vectors)| search::Semantic {
                model: model.as_ref(),
                vectors,
                rows: Some(&self.data.rows),
                scores,
                skip: Some(&self.data.skip),
                filters: Some(&self.data.filters),
            });
        Ok(search::search_with(
            &self.data.reader.searcher(),
            &self.data.index,
            &self.data.fields,
            req,
            sem.as_ref(),
        )?)
    }
}

pub(crate) async fn api_search(
    Current(app): Current,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let key = raw.clone().unwrap_or_default();
    if let Some(body) = app.cache.as_ref().and_then(|c| c.get(&key)) {
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    let req = search_request(&pairs(&raw))?;
    // a word search takes well under a millisecond of CPU: run it on the worker, no thread
    // hand-off; a meaning search waits for the model's shared pass, off the workers
    let found = if req.mode == Mode::Lexical || req.themes {
        app.search(&req)
    } else {
        meaning_search(&app, req).await
    };
    let body =
        serde_json::to_string(&found?).map_err(|e| ApiError::search_failed(e.to_string()))?;
    if let Some(c) = &app.cache {
        c.put(key, body.clone());
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A search by meaning, off the workers: first the query embedded and scored against every
/// unit (concurrent queries share the model's passes and the reads of the vectors, so all may
/// wait for them at once), then the ranking, a few at a time in arrival order: 200 rankings at
/// once on two cores would all finish late.
async fn meaning_search(app: &Arc<App>, req: SearchRequest) -> Result<SearchResponse, ApiError> {
    let failed = |e: tokio::task::JoinError| ApiError::search_failed(e.to_string());
    let (a, q) = (app.clone(), req.query.trim().to_string());
    let scores = tokio::task::spawn_blocking(move || a.meaning_scores(&q))
        .await
        .map_err(failed)??;
    let _turn = app
        .rankings
        .acquire()
        .await
        .map_err(|e| ApiError::search_failed(e.to_string()))?;
    let a = app.clone();
    tokio::task::spawn_blocking(move || a.search_scored(&req, scores.as_deref()))
        .await
        .map_err(failed)?
}

/// The same search as `/api/search`, its page of hits as CSV (one row per hit; participant
/// text inert for spreadsheets), to take a result set elsewhere.
pub(crate) async fn api_search_csv(
    Current(app): Current,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    use chorus_core::text::csv_field;
    let req = search_request(&pairs(&raw))?;
    let r = app.search(&req)?;
    let mut out = String::from("rank,unit_id,score,event,participant,question,frame,theme,text\n");
    for (i, h) in r.hits.iter().enumerate() {
        let cells = [
            (r.offset + i + 1).to_string(),
            h.unit_id.clone(),
            format!("{:.4}", h.score),
            h.event.clone(),
            h.participant.clone().unwrap_or_default(),
            h.question.clone().unwrap_or_default(),
            h.frame.clone().unwrap_or_default(),
            h.theme.clone().unwrap_or_default(),
            h.text.clone(),
        ];
        let row: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"chorus-search.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// Answers of recent API searches, by query string. The index does not change while the
/// server runs, so an answer stays right; the cache is emptied when it is full.
pub struct Cache {
    entries: std::sync::Mutex<std::collections::HashMap<String, String>>,
    capacity: usize,
}

impl Cache {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: std::sync::Mutex::new(std::collections::HashMap::new()),
            capacity,
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: String, body: String) {
        if let Ok(mut m) = self.entries.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(key, body);
        }
    }
}

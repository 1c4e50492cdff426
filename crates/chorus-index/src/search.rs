//! Search over the theme index: tantivy's query syntax (phrases, boolean operators,
//! `field:term`) against every text field, facet filters, `--from`/`--to` on the event date,
//! pagination, highlighted snippets, provenance, and facet counts for the query.
//!
//! Terms are joined with AND unless the query says `OR`. `*` alone matches every unit (useful
//! with filters). Bad queries are the user's mistake: a typed error, never a panic.

use chorus_core::error::{Category, Diagnostic};
use chorus_core::model::Facet as UnitFacet;
use chorus_core::vectors::{EmbedFailure, Embedder, UnitVectors, VectorsError};
use std::collections::BTreeMap;
use std::ops::Bound;

use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, Query, QueryParser, QueryParserError, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, Searcher, TantivyDocument, Term};

pub use super::rows::{rows_without_content, FilterCache, FilterSet, RowDocs};
use super::schema::Fields;
use super::{day_number, name_value};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Deepest page reachable (offset + limit).
pub const MAX_DEPTH: usize = 10_000;
/// Weight of a match in a unit's question relative to one in its own text.
pub const CONTEXT_BOOST: f32 = 0.5;

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// (facet name, accepted values): a unit must match one value of every facet given.
    pub filters: Vec<(UnitFacet, Vec<String>)>,
    /// Event dates, `yyyy-mm-dd`, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: usize,
    pub offset: usize,
    pub mode: Mode,
    /// Search theme documents (label, keywords, quotes) instead of units.
    pub themes: bool,
}

/// How units are ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// BM25 over the text.
    #[default]
    Lexical,
    /// Cosine similarity of the query's embedding to the units'.
    Semantic,
    /// Reciprocal rank fusion of both (k = 60).
    Hybrid,
}

/// What semantic ranking needs: the model for the query and the units' vectors.
pub struct Semantic<'a> {
    pub model: &'a dyn Embedder,
    pub vectors: &'a UnitVectors,
    /// The vectors' rows as documents of the searcher this is used with; `None`: found for
    /// the search (a server keeps them for its reader's life).
    pub rows: Option<&'a RowDocs>,
    /// The query's dot product with every unit's vector, in the vectors' order, when the caller
    /// has them already (a server scores many queries in one read of the vectors,
    /// [`UnitVectors::scores`]); else the query is embedded and scored here.
    pub scores: Option<&'a [f32]>,
    /// Rows of `vectors` a ranking by meaning leaves out ([`rows_without_content`]).
    pub skip: Option<&'a [bool]>,
    /// Filter sets already seen with this searcher: totals, facet counts, member rows.
    pub filters: Option<&'a FilterCache>,
}

/// Candidates taken from each ranking before fusion or filtering.
const CANDIDATES: usize = 200;
const RRF_K: f64 = 60.0;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the query is empty")]
    EmptyQuery,
    #[error("the query is {chars} characters long; at most {MAX_QUERY_CHARS} are accepted")]
    QueryTooLong { chars: usize },
    #[error("could not parse the query `{query}`: {message}")]
    Syntax { query: String, message: String },
    #[error("unknown field `{field}` in the query; the fields are {known}")]
    UnknownField { field: String, known: String },
    #[error("no unit has {facet} `{value}`")]
    UnknownFacetValue {
        facet: String,
        value: String,
        /// The most frequent values of the facet, quoted.
        known: Vec<String>,
    },
    #[error("`{value}` is not a date: expected `yyyy-mm-dd` for --{flag}")]
    BadDate { flag: &'static str, value: String },
    #[error("offset {offset} + limit {limit} goes past the deepest page ({MAX_DEPTH} hits); narrow the query instead")]
    TooDeep { offset: usize, limit: usize },
    #[error("the limit must be at least 1")]
    ZeroLimit,
    #[error("the index could not be searched")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("semantic search needs the embedding model and the units' vectors")]
    Embed(#[source] EmbedFailure),
}

impl Diagnostic for SearchError {
    fn category(&self) -> Category {
        match self {
            SearchError::Tantivy(_) => Category::Bug,
            _ => Category::Input,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            SearchError::EmptyQuery => Some(
                "give words to look for, or `*` to list every unit matching the filters".into(),
            ),
            SearchError::Syntax { .. } => {
                Some("quote phrases (\"minimum wage\"), use AND / OR / NOT, or `field:term`".into())
            }
            SearchError::UnknownFacetValue { known, .. } if !known.is_empty() => {
                Some(format!("the most frequent are {}", known.join(", ")))
            }
            _ => None,
        }
    }
}

/// A highlighted piece of a unit's text: `highlights` are byte ranges into `fragment`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Snippet {
    pub fragment: String,
    pub highlights: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub unit_id: String,
    pub score: f32,
    pub event: String,
    pub source: Option<String>,
    pub participant: Option<String>,
    pub question: Option<String>,
    pub frame: Option<String>,
    pub line: Option<u64>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub theme: Option<String>,
    pub text: String,
    pub snippet: Snippet,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResponse {
    pub query: String,
    /// Units in the result: those matching the words and filters (lexical), or the ones ranked
    /// (meaning, hybrid: the nearest `CANDIDATES`, or as deep as the page asks, among the units
    /// that pass the filters; every unit has some similarity, so no cut-off is pretended).
    pub total: usize,
    /// For a ranking by meaning: "meaning" or "words and meaning".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranked_by: Option<&'static str>,
    /// For a ranking by meaning: the units that pass the filters (what the facets count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matching_filters: Option<usize>,
    pub offset: usize,
    pub limit: usize,
    pub hits: Vec<Hit>,
    /// Facet counts of all matching units (not just this page).
    pub facets: BTreeMap<String, Vec<FacetCount>>,
}

/// The query as tantivy parses it, joined with the filters.
pub fn build_query(
    index: &Index,
    f: &Fields,
    searcher: &Searcher,
    req: &SearchRequest,
) -> Result<Box<dyn Query>, SearchError> {
    let q = req.query.trim();
    if q.is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(SearchError::QueryTooLong { chars });
    }
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if q == "*" {
        must.push((Occur::Must, Box::new(AllQuery)));
    } else {
        let parse = |fields: Vec<Field>| {
            let mut parser = QueryParser::for_index(index, fields);
            parser.set_conjunction_by_default();
            parser.parse_query(q).map_err(|e| match e {
                QueryParserError::FieldDoesNotExist(field) => SearchError::UnknownField {
                    field,
                    known: known_fields(f),
                },
                other => SearchError::Syntax {
                    query: q.to_string(),
                    message: other.to_string(),
                },
            })
        };
        let mut fields = f.text_fields();
        if req.themes {
            fields.push(f.keywords);
        }
        must.push((Occur::Must, parse(fields)?));
        // the question a unit answers ranks it higher when it is about the query too: a
        // statement in the minimum-wage conversation that says "minimum wage" beats one
        // mentioning it in passing elsewhere; it never makes a unit match on its own
        must.push((
            Occur::Should,
            Box::new(BoostQuery::new(parse(vec![f.context])?, CONTEXT_BOOST)),
        ));
    }
    // units, or theme documents with --themes
    let kind = if req.themes { "theme" } else { "unit" };
    must.push((
        Occur::Must,
        Box::new(TermQuery::new(
            Term::from_field_text(f.doc_kind, kind),
            IndexRecordOption::Basic,
        )),
    ));
    for (name, values) in &req.filters {
        let field = f.facet(*name);
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for v in values {
            // a subtheme (`t-5.2`) sits under its theme in the facet tree
            let path: Vec<String> = match v.rsplit_once('.') {
                Some((parent, _)) if *name == UnitFacet::Theme => {
                    vec![name_value(parent), name_value(v)]
                }
                _ => vec![name_value(v)],
            };
            let term = Term::from_facet(field, &Facet::from_path(path));
            if searcher.doc_freq(&term)? == 0 {
                return Err(SearchError::UnknownFacetValue {
                    facet: name.name().to_string(),
                    value: v.clone(),
                    known: known_values(searcher, field)?,
                });
            }
            any.push((
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        if !any.is_empty() {
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
    }
    let bound = |v: &Option<String>, flag: &'static str| -> Result<Bound<Term>, SearchError> {
        match v {
            None => Ok(Bound::Unbounded),
            Some(s) => day_number(s)
                .filter(|_| s.len() == 10)
                .map(|d| Bound::Included(Term::from_field_u64(f.day, d)))
                .ok_or_else(|| SearchError::BadDate {
                    flag,
                    value: s.clone(),
                }),
        }
    };
    let (lo, hi) = (bound(&req.from, "from")?, bound(&req.to, "to")?);
    if !matches!((&lo, &hi), (Bound::Unbounded, Bound::Unbounded)) {
        must.push((Occur::Must, Box::new(RangeQuery::new(lo, hi))));
    }
    Ok(Box::new(BooleanQuery::new(must)))
}

fn known_fields(f: &Fields) -> String {
    let mut names: Vec<String> = f.texts.iter().map(|(k, _)| format!("`text_{k}`")).collect();
    names.extend(["`id`", "`event_id`", "`participant_id`", "`source_id`"].map(String::from));
    names.join(", ")
}

fn known_values(searcher: &Searcher, field: Field) -> Result<Vec<String>, SearchError> {
    let name = searcher.schema().get_field_name(field).to_string();
    let mut fc = FacetCollector::for_field(&name);
    fc.add_facet(Facet::root());
    let counts = searcher.search(&AllQuery, &fc)?;
    Ok(counts
        .top_k(Facet::root(), 8)
        .into_iter()
        .map(|(f, _)| format!("`{}`", facet_value(f)))
        .collect())
}

/// The readable value of a one-level facet (`/Canada` -> `Canada`).
pub fn facet_value(f: &Facet) -> String {
    f.to_path()
        .last()
        .map(|s| s.replace('∕', "/"))
        .unwrap_or_default()
}

/// Runs a search on a fresh reader; `semantic` is needed for the semantic and hybrid modes.
pub fn search(
    index: &Index,
    f: &Fields,
    req: &SearchRequest,
    semantic: Option<&Semantic>,
) -> Result<SearchResponse, SearchError> {
    search_with(&index.reader()?.searcher(), index, f, req, semantic)
}

/// Runs a search on `searcher` (a long-lived reader's, as the server keeps one).
pub fn search_with(
    searcher: &Searcher,
    index: &Index,
    f: &Fields,
    req: &SearchRequest,
    semantic: Option<&Semantic>,
) -> Result<SearchResponse, SearchError> {
    if req.limit == 0 {
        return Err(SearchError::ZeroLimit);
    }
    if req.offset.saturating_add(req.limit) > MAX_DEPTH {
        return Err(SearchError::TooDeep {
            offset: req.offset,
            limit: req.limit,
        });
    }
    if req.mode == Mode::Lexical || req.themes {
        return lexical(searcher, index, f, req);
    }
    match semantic {
        Some(sem) => ranked(searcher, index, f, req, sem, req.mode),
        None => Err(SearchError::Embed(EmbedFailure::new(
            VectorsError::NoVectors {
                path: std::path::PathBuf::from("the workspace"),
            },
        ))),
    }
}

/// Semantic or hybrid ranking: units by cosine to the query (and by BM25 for hybrid), fused
/// by reciprocal rank, then filtered like a lexical search.
fn ranked(
    searcher: &Searcher,
    index: &Index,
    f: &Fields,
    req: &SearchRequest,
    sem: &Semantic,
    mode: Mode,
) -> Result<SearchResponse, SearchError> {
    let q = req.query.trim();
    if q.is_empty() || q == "*" {
        return Err(SearchError::EmptyQuery);
    }
    // the filters alone, for membership, totals and facets
    let filter_only = build_query(
        index,
        f,
        searcher,
        &SearchRequest {
            query: "*".into(),
            ..req.clone()
        },
    )?;
    let want = (req.offset + req.limit).max(CANDIDATES);
    // the model's vectors are unit-length: the dot product is the cosine
    let rows = sem.vectors.unit_ids.len();
    let computed;
    let scores = match sem.scores.filter(|s| s.len() == rows) {
        Some(s) => s,
        None => {
            let qv = sem
                .model
                .encode(&[q], 1)
                .map_err(SearchError::Embed)?
                .remove(0);
            computed = sem.vectors.scores(&[&qv], sem.skip).remove(0);
            &computed
        }
    };
    let built;
    let docs = match sem.rows {
        Some(r) => r,
        None => {
            built = RowDocs::new(searcher, f, sem.vectors)?;
            &built
        }
    };
    // the filter set: its totals and facets, and with filters the rows that pass them (one
    // pass over the index, kept by a server for the next search with the same filters)
    let filtered = !req.filters.is_empty() || req.from.is_some() || req.to.is_some();
    let find = || -> Result<FilterSet, SearchError> {
        let (total, facets) = totals(searcher, &*filter_only)?;
        let members = if filtered {
            let passing = searcher.search(&*filter_only, &tantivy::collector::DocSetCollector)?;
            Some(std::sync::Arc::new(docs.rows_of(passing)))
        } else {
            None
        };
        Ok(FilterSet {
            total,
            facets,
            rows: members,
        })
    };
    let set = match sem.filters {
        Some(cache) => cache.get_or(
            format!("{:?}|{:?}|{:?}", req.filters, req.from, req.to),
            find,
        )?,
        None => find()?,
    };
    // the rows that may rank: passing the filters, with a document, with content
    let ranks =
        |r: usize| sem.skip.is_none_or(|s| s.get(r) != Some(&true)) && docs.doc(r).is_some();
    let passing = set.rows.as_ref().map(|r| r.as_slice());
    let semantic: Vec<(DocAddress, f32)> = nearest(scores, passing, ranks, want)
        .into_iter()
        .filter_map(|(r, c)| Some((docs.doc(r)?, c)))
        .collect();
    // the query as words: ranks for hybrid, highlights for both (where it parses)
    let lexical_q = build_query(index, f, searcher, req);
    let (mut fused, highlight_q): (Vec<(DocAddress, f32)>, Box<dyn Query>) = match mode {
        Mode::Hybrid => {
            let lexical_q = lexical_q?;
            let lex = searcher.search(&lexical_q, &TopDocs::with_limit(want).order_by_score())?;
            let mut score: BTreeMap<DocAddress, f64> = BTreeMap::new();
            for (rank, (_, addr)) in lex.iter().enumerate() {
                *score.entry(*addr).or_default() += 1.0 / (RRF_K + rank as f64 + 1.0);
            }
            for (rank, (addr, _)) in semantic.iter().enumerate() {
                *score.entry(*addr).or_default() += 1.0 / (RRF_K + rank as f64 + 1.0);
            }
            // scaled so that a unit first in both rankings scores 1: a reader's 0..1, not
            // reciprocal-rank sums of about 0.02
            let best = 2.0 / (RRF_K + 1.0);
            (
                score
                    .into_iter()
                    .map(|(a, s)| (a, (s / best) as f32))
                    .collect(),
                lexical_q,
            )
        }
        _ => (semantic, lexical_q.unwrap_or_else(|_| Box::new(AllQuery))),
    };
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let FilterSet {
        total: matching,
        facets,
        ..
    } = set;
    let ranked = fused.len();
    let page: Vec<(f32, DocAddress)> = fused
        .into_iter()
        .skip(req.offset)
        .take(req.limit)
        .map(|(a, s)| (s, a))
        .collect();
    let mut r = respond(searcher, f, req, &*highlight_q, page, ranked, facets)?;
    r.ranked_by = Some(match mode {
        Mode::Hybrid => "words and meaning",
        _ => "meaning",
    });
    r.matching_filters = Some(matching);
    Ok(r)
}

/// A row and its score, ordered nearest first (higher score, then lower row): the greatest
/// is the farthest.
struct Near(usize, f32);

impl PartialEq for Near {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Near {}

impl PartialOrd for Near {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Near {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.1.total_cmp(&self.1).then(self.0.cmp(&other.0))
    }
}

/// The `want` nearest rows by `scores` among `rows` (all when `None`) that `ranks` accepts,
/// nearest first: kept in a heap of `want` as they pass, a row farther than the farthest kept
/// turned away by one comparison; nothing else is stored or sorted.
fn nearest(
    scores: &[f32],
    rows: Option<&[u32]>,
    ranks: impl Fn(usize) -> bool,
    want: usize,
) -> Vec<(usize, f32)> {
    match rows {
        Some(rows) => nearest_of(scores, rows.iter().map(|&r| r as usize), ranks, want),
        None => nearest_of(scores, 0..scores.len(), ranks, want),
    }
}

fn nearest_of(
    scores: &[f32],
    rows: impl Iterator<Item = usize>,
    ranks: impl Fn(usize) -> bool,
    want: usize,
) -> Vec<(usize, f32)> {
    if want == 0 {
        return Vec::new();
    }
    let mut heap = std::collections::BinaryHeap::with_capacity(want + 1);
    // the farthest score kept once the heap is full; until then nothing is turned away
    let mut floor = f32::NEG_INFINITY;
    for r in rows {
        let c = scores[r];
        if c < floor || !ranks(r) {
            continue;
        }
        let near = Near(r, c);
        if heap.len() < want {
            heap.push(near);
        } else if heap.peek().is_some_and(|far| near < *far) {
            heap.pop();
            heap.push(near);
        } else {
            continue;
        }
        if heap.len() == want {
            floor = heap.peek().map_or(f32::NEG_INFINITY, |far| far.1);
        }
    }
    heap.into_sorted_vec()
        .into_iter()
        .map(|Near(r, c)| (r, c))
        .collect()
}

impl SearchResponse {
    /// What the result holds, said plainly: "12 units match `tax`" for words; for a ranking by
    /// meaning, "the 200 units nearest in meaning to `tax`, of 2633 that pass the filters"
    /// (the query quoted when `with_query`).
    pub fn total_phrase(&self, with_query: bool) -> String {
        let q = if with_query {
            format!(" `{}`", self.query)
        } else {
            String::new()
        };
        match (self.ranked_by, self.matching_filters) {
            (Some(by), Some(m)) => {
                let to = if with_query { " to" } else { "" };
                format!(
                    "the {} units nearest in {by}{to}{q}, of {m} that pass the filters",
                    self.total
                )
            }
            _ if self.total == 1 => format!("1 unit matches{q}"),
            _ => format!("{} units match{q}", self.total),
        }
    }
}

/// A page of ranked documents as the response: hits with snippets for `query`'s words.
fn respond(
    searcher: &Searcher,
    f: &Fields,
    req: &SearchRequest,
    query: &dyn Query,
    page: Vec<(f32, DocAddress)>,
    total: usize,
    facets: BTreeMap<String, Vec<FacetCount>>,
) -> Result<SearchResponse, SearchError> {
    let mut generators = BTreeMap::new();
    let mut hits = Vec::with_capacity(page.len());
    for (score, addr) in page {
        hits.push(hit(searcher, f, query, &mut generators, score, addr)?);
    }
    Ok(SearchResponse {
        query: req.query.clone(),
        total,
        ranked_by: None,
        matching_filters: None,
        offset: req.offset,
        limit: req.limit,
        hits,
        facets,
    })
}

/// One collector per counted facet.
fn facet_collectors() -> (
    FacetCollector,
    FacetCollector,
    FacetCollector,
    FacetCollector,
) {
    let fc = |name: &str| {
        let mut fc = FacetCollector::for_field(name);
        fc.add_facet(Facet::root());
        fc
    };
    let [a, b, c, d] = UnitFacet::COUNTED.map(UnitFacet::name);
    (fc(a), fc(b), fc(c), fc(d))
}

/// How many documents a query matches and its facet counts.
fn totals(
    searcher: &Searcher,
    query: &dyn Query,
) -> Result<(usize, BTreeMap<String, Vec<FacetCount>>), SearchError> {
    let (total, (ca, cb, cc, cd)) = searcher.search(query, &(Count, facet_collectors()))?;
    Ok((total, facet_lists([ca, cb, cc, cd])))
}

fn facet_lists(counts: [tantivy::collector::FacetCounts; 4]) -> BTreeMap<String, Vec<FacetCount>> {
    let mut facets = BTreeMap::new();
    for (name, counts) in UnitFacet::COUNTED.map(UnitFacet::name).iter().zip(counts) {
        let mut list: Vec<FacetCount> = counts
            .get(Facet::root())
            .map(|(facet, count)| FacetCount {
                value: facet_value(facet),
                count,
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        facets.insert(name.to_string(), list);
    }
    facets
}

/// BM25 ranking.
fn lexical(
    searcher: &Searcher,
    index: &Index,
    f: &Fields,
    req: &SearchRequest,
) -> Result<SearchResponse, SearchError> {
    let query = build_query(index, f, searcher, req)?;
    let ((page, total), (c_event, c_country, c_frame, c_theme)) = searcher.search(
        &query,
        &(
            (
                TopDocs::with_limit(req.limit)
                    .and_offset(req.offset)
                    .order_by_score(),
                Count,
            ),
            facet_collectors(),
        ),
    )?;
    let facets = facet_lists([c_event, c_country, c_frame, c_theme]);
    respond(searcher, f, req, &*query, page, total, facets)
}

fn hit(
    searcher: &Searcher,
    f: &Fields,
    query: &dyn Query,
    generators: &mut BTreeMap<u32, SnippetGenerator>,
    score: f32,
    addr: DocAddress,
) -> Result<Hit, SearchError> {
    let doc: TantivyDocument = searcher.doc(addr)?;
    let s = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let (text_field, text) = f
        .texts
        .iter()
        .find_map(|(_, fld)| s(*fld).map(|t| (*fld, t)))
        .unwrap_or((f.texts[0].1, String::new()));
    let generator = match generators.entry(text_field.field_id()) {
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::btree_map::Entry::Vacant(v) => {
            let mut g = SnippetGenerator::create(searcher, query, text_field)?;
            g.set_max_num_chars(200);
            v.insert(g)
        }
    };
    let sn = generator.snippet_from_doc(&doc);
    let snippet = if sn.fragment().is_empty() {
        let cut: String = text.chars().take(200).collect();
        Snippet {
            fragment: cut,
            highlights: Vec::new(),
        }
    } else {
        Snippet {
            fragment: sn.fragment().to_string(),
            highlights: sn.highlighted().iter().map(|r| (r.start, r.end)).collect(),
        }
    };
    let facet_of = |facet: UnitFacet| -> Option<String> {
        let field = f.facet(facet);
        doc.get_first(field)
            .and_then(|v| v.as_facet())
            .and_then(|p| Facet::from_encoded(p.as_bytes().to_vec()).ok())
            .map(|f| facet_value(&f))
    };
    Ok(Hit {
        unit_id: s(f.id).unwrap_or_default(),
        score,
        event: s(f.event_id).unwrap_or_default(),
        source: s(f.source_id),
        participant: s(f.participant_id),
        question: s(f.question_text),
        frame: facet_of(UnitFacet::Frame),
        line: doc.get_first(f.line).and_then(|v| v.as_u64()),
        start_ms: doc.get_first(f.start_ms).and_then(|v| v.as_i64()),
        end_ms: doc.get_first(f.end_ms).and_then(|v| v.as_i64()),
        theme: s(f.theme_label),
        text,
        snippet,
    })
}

#[cfg(test)]
mod nearest_tests {
    use super::nearest;

    #[test]
    fn nearest_keeps_the_best_in_order_ties_by_row() {
        let scores = [0.1, 0.9, 0.5, 0.9, -1.0, 0.7, f32::NEG_INFINITY, 0.9];
        let all = |_| true;
        // row 7 ties rows 1 and 3 and comes after them
        assert_eq!(
            nearest(&scores, None, all, 3),
            vec![(1, 0.9), (3, 0.9), (7, 0.9)]
        );
        let mut sorted: Vec<(usize, f32)> = scores.iter().copied().enumerate().collect();
        sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        assert_eq!(nearest(&scores, None, all, 10), sorted);
        assert!(nearest(&scores, None, all, 0).is_empty());
        // among given rows, those `ranks` accepts
        assert_eq!(
            nearest(&scores, Some(&[0, 2, 3, 5]), |r| r != 3, 2),
            vec![(5, 0.7), (2, 0.5)]
        );
        // a tie with the farthest kept, on an earlier row, is nearer
        let tie = [0.5, 0.9, 0.5];
        assert_eq!(
            nearest(&tie, Some(&[2, 1, 0]), all, 2),
            vec![(1, 0.9), (0, 0.5)]
        );
    }
}

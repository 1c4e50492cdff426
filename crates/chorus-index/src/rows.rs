//! What a ranking by meaning needs of the index beside the vectors: each vector row's document
//! and each document's row in one searcher ([`RowDocs`]), the rows a ranking leaves out
//! ([`rows_without_content`]), and each filter set's totals, facet counts and member rows
//! ([`FilterCache`]). A server finds them once for its reader's life; a single search finds
//! what it needs for itself.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chorus_core::vectors::UnitVectors;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher};

use super::schema::Fields;
use super::search::FacetCount;

/// The vectors' rows as documents of one searcher, both ways (none by default).
#[derive(Default)]
pub struct RowDocs {
    /// Row -> its unit's document (none for a unit the index does not hold).
    doc: Vec<Option<DocAddress>>,
    /// Segment -> document id -> row + 1 (0: no row).
    row: Vec<Vec<u32>>,
}

impl RowDocs {
    pub fn new(searcher: &Searcher, f: &Fields, vectors: &UnitVectors) -> tantivy::Result<Self> {
        let by_unit = unit_addresses(searcher, f)?;
        let mut row: Vec<Vec<u32>> = searcher
            .segment_readers()
            .iter()
            .map(|s| vec![0; s.max_doc() as usize])
            .collect();
        let doc: Vec<Option<DocAddress>> = vectors
            .unit_ids
            .iter()
            .map(|u| by_unit.get(u).copied())
            .collect();
        for (r, d) in doc.iter().enumerate() {
            if let Some(d) = d {
                if let Some(slot) = row
                    .get_mut(d.segment_ord as usize)
                    .and_then(|s| s.get_mut(d.doc_id as usize))
                {
                    *slot = r as u32 + 1;
                }
            }
        }
        Ok(Self { doc, row })
    }

    /// The document of vector row `r`.
    pub fn doc(&self, r: usize) -> Option<DocAddress> {
        self.doc.get(r).copied().flatten()
    }

    /// The rows of `docs` (those that have one), in row order.
    pub fn rows_of(&self, docs: impl IntoIterator<Item = DocAddress>) -> Vec<u32> {
        let mut rows: Vec<u32> = docs
            .into_iter()
            .filter_map(|d| {
                let r = *self
                    .row
                    .get(d.segment_ord as usize)?
                    .get(d.doc_id as usize)?;
                r.checked_sub(1)
            })
            .collect();
        rows.sort_unstable();
        rows
    }
}

/// Every unit's document (unit id -> address) in the searcher's segments.
fn unit_addresses(searcher: &Searcher, f: &Fields) -> tantivy::Result<HashMap<String, DocAddress>> {
    use tantivy::DocSet;
    let mut out = HashMap::new();
    for (ord, seg) in searcher.segment_readers().iter().enumerate() {
        let inv = seg.inverted_index(f.id)?;
        let mut terms = inv.terms().stream()?;
        while terms.advance() {
            let mut postings =
                inv.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let doc = postings.doc();
            if doc != tantivy::TERMINATED && !seg.is_deleted(doc) {
                let id = String::from_utf8_lossy(terms.key()).into_owned();
                out.insert(id, DocAddress::new(ord as u32, doc));
            }
            let _ = postings.advance();
        }
    }
    Ok(out)
}

/// Rows of `vectors` whose unit has no content word (status `no_content` in the themes stage's
/// assignments: "Not sure", "Yes, exactly"): their vectors say nothing about a topic, and with
/// a multilingual model they sit near every query, so a ranking by meaning leaves them out (a
/// search by words still finds them). Empty when the workspace has no themes yet.
pub fn rows_without_content(
    ws: &chorus_core::model::Workspace,
    vectors: &UnitVectors,
) -> Vec<bool> {
    let empty: std::collections::HashSet<String> =
        chorus_core::themes_artifact::read_assignments(ws)
            .map(|rows| {
                rows.into_iter()
                    .filter(|r| r.status == chorus_core::model::Status::NoContent)
                    .map(|r| r.unit_id)
                    .collect()
            })
            .unwrap_or_default();
    vectors.unit_ids.iter().map(|u| empty.contains(u)).collect()
}

/// A filter set as a ranking by meaning sees it: how many units pass it, their facet counts,
/// and their vector rows (`None`: no filter, every row passes).
#[derive(Clone)]
pub struct FilterSet {
    pub total: usize,
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    pub rows: Option<Arc<Vec<u32>>>,
}

/// Filter sets already seen with one searcher, by filter set.
#[derive(Default)]
pub struct FilterCache(Mutex<HashMap<String, FilterSet>>);

/// Filter sets kept before the cache starts again (each holds up to one row number per unit:
/// 16 MB at most for 16,000 units).
const KEPT: usize = 256;

impl FilterCache {
    pub(crate) fn get_or<E>(
        &self,
        key: String,
        find: impl FnOnce() -> Result<FilterSet, E>,
    ) -> Result<FilterSet, E> {
        if let Some(t) = self.0.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(t);
        }
        let t = find()?;
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= KEPT {
                m.clear();
            }
            m.insert(key, t.clone());
        }
        Ok(t)
    }
}

//! Where the report's data came from: the data sources grouped by licence and attribution
//! (the page's and `report.md`'s "Data sources"), and `manifest.json` (every source and its
//! content hash, the model and its hash, the themes' parameters and seed, the chorus version).
//! Reads the events and sources tables and the vectors' `current.json`; returns text.

use std::collections::BTreeMap;

use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_table, str_column};
use chorus_insights::Insights;

use crate::ReportError;

/// The events published under one licence and attribution.
pub(crate) struct SourceGroup {
    pub licence: String,
    /// Empty when the events give none.
    pub attribution: String,
    pub events: Vec<String>,
}

/// The events grouped by licence and attribution, in that order.
pub(crate) fn read_sources(ws: &Workspace) -> Result<Vec<SourceGroup>, ReportError> {
    let events = read_table(ws, Table::Events)?;
    let ids = str_column(&events, col::EVENT_ID)?;
    let lic = str_column(&events, col::LICENCE)?;
    let att = str_column(&events, col::ATTRIBUTION)?;
    let mut by_licence: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for ((id, licence), attribution) in ids.into_iter().zip(lic).zip(att) {
        let key = (
            licence.unwrap_or_else(|| "licence not given".into()),
            attribution.unwrap_or_default(),
        );
        by_licence
            .entry(key)
            .or_default()
            .push(id.unwrap_or_default());
    }
    Ok(by_licence
        .into_iter()
        .map(|((licence, attribution), events)| SourceGroup {
            licence,
            attribution,
            events,
        })
        .collect())
}

/// `manifest.json`: what the report was made from. No timings, so the same workspace gives the
/// same bytes; no absolute paths (they would publish the analyst's folders): each input is its
/// source id, its file name and its hash.
pub(crate) fn manifest(ws: &Workspace, ins: &Insights) -> Result<String, ReportError> {
    let sources = read_table(ws, Table::Sources)?;
    let inputs: Vec<serde_json::Value> = str_column(&sources, col::SOURCE_ID)?
        .into_iter()
        .zip(str_column(&sources, col::PATH)?)
        .zip(str_column(&sources, col::HASH)?)
        .map(|((id, path), hash)| {
            let file = path.as_deref().map(|p| {
                std::path::Path::new(p)
                    .file_name()
                    .map_or_else(|| p.to_string(), |n| n.to_string_lossy().into_owned())
            });
            serde_json::json!({ "source": id, "file": file, "blake3": hash })
        })
        .collect();
    let vectors: serde_json::Value = std::fs::read_to_string(ws.vectors_info_file())
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let m = serde_json::json!({
        "chorus_version": env!("CARGO_PKG_VERSION"),
        "inputs": inputs,
        "model": vectors,
        "themes": ins.method.themes,
        "disclosure_k": ins.k,
    });
    Ok(serde_json::to_string_pretty(&m).unwrap_or_default() + "\n")
}

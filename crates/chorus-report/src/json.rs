//! `insights.json`: every number of the insights, with the report's sentences where the file
//! has always carried them (the report's `summary` last, each theme's `summary` before its
//! subthemes, each scale question's `summary` last). Reads the insights; returns the text.

use serde_json::{Map, Value};

use chorus_insights::Insights;

use crate::prose;

pub(crate) fn insights_json(ins: &Insights) -> String {
    let mut json = serde_json::to_value(ins).unwrap_or_default();
    for (t, v) in ins.themes.iter().zip(objects(&mut json["themes"])) {
        let at = v.keys().position(|k| k == "subthemes").unwrap_or(v.len());
        v.shift_insert(at, "summary".into(), prose::theme_summary(t, ins).into());
    }
    for (s, v) in ins.scales.iter().zip(objects(&mut json["scales"])) {
        v.insert("summary".into(), prose::scale_summary(s, ins.k).into());
    }
    if let Some(v) = json.as_object_mut() {
        v.insert("summary".into(), prose::summary(ins).into());
    }
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}

/// The objects of a JSON array.
fn objects(list: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    list.as_array_mut()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

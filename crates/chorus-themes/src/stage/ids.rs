//! Stable ids: each theme (or subtheme) takes the id of the last run's theme (subtheme of the
//! same theme) with the most similar centre, one to one and above [`MATCH`]; the others get
//! new ones (`t-N` from the state's next number, `t-N.M` after the theme's highest `M`).

use chorus_core::model::ThemeId;
use chorus_core::vectors::UnitVectors;

use crate::cluster::dot;
use crate::stage::edits::Assigned;
use crate::stage::last_run::LastRun;
use crate::stage::members::{centres, Members};
use crate::stage::{Group, Groups};

/// Lowest similarity between a centre and a previous one for it to keep the previous id.
const MATCH: f32 = 0.8;

/// Gives each centre the id of the most similar previous centre (one to one, at least
/// [`MATCH`] similar, best pairs first); the rest get ids from `fresh`.
pub fn match_ids(
    centres: &[Vec<f32>],
    previous: &[(ThemeId, Vec<f32>)],
    mut fresh: impl FnMut() -> ThemeId,
) -> Vec<ThemeId> {
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (i, c) in centres.iter().enumerate() {
        for (j, (_, p)) in previous.iter().enumerate() {
            if p.len() == c.len() {
                let s = dot(c, p);
                if s >= MATCH {
                    pairs.push((s, i, j));
                }
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut ids: Vec<Option<ThemeId>> = vec![None; centres.len()];
    let mut used = vec![false; previous.len()];
    for (_, i, j) in pairs {
        if ids[i].is_none() && !used[j] {
            ids[i] = Some(previous[j].0.clone());
            used[j] = true;
        }
    }
    ids.into_iter()
        .map(|id| id.unwrap_or_else(&mut fresh))
        .collect()
}

/// The final themes and subthemes with their ids, members and centres.
pub fn groups(
    a: &Assigned,
    members: Members,
    top_centres: Vec<Vec<f32>>,
    vectors: &UnitVectors,
    last: &LastRun,
) -> Groups {
    let sub_centres = centres(vectors, &members.subs);
    let sub_ids = subtheme_ids(a, &members, &sub_centres, last);
    let subs = members
        .subs
        .into_iter()
        .zip(sub_centres)
        .enumerate()
        .filter_map(|(s, (members, centre))| {
            Some(Group {
                id: sub_ids[s].clone()?,
                parent: Some(a.top_ids[a.clustering.subs[s].theme].clone()),
                members,
                centre,
            })
        })
        .collect();
    let tops = a
        .top_ids
        .iter()
        .zip(members.tops)
        .zip(top_centres)
        .map(|((id, members), centre)| Group {
            id: id.clone(),
            parent: None,
            members,
            centre,
        })
        .collect();
    Groups {
        tops,
        subs,
        sub_ids,
    }
}

/// The id of each of the clustering's subthemes with units, matched among the last run's
/// subthemes of the same theme.
fn subtheme_ids(
    a: &Assigned,
    members: &Members,
    sub_centres: &[Vec<f32>],
    last: &LastRun,
) -> Vec<Option<ThemeId>> {
    let subs = &a.clustering.subs;
    let mut sub_ids: Vec<Option<ThemeId>> = vec![None; subs.len()];
    for (t, top_id) in a.top_ids.iter().enumerate() {
        let mine: Vec<usize> = (0..subs.len())
            .filter(|&s| subs[s].theme == t && !members.subs[s].is_empty())
            .collect();
        let prev: Vec<(ThemeId, Vec<f32>)> = last
            .centres
            .iter()
            .filter(|(id, _)| id.parent().as_ref() == Some(top_id))
            .cloned()
            .collect();
        let mut next = prev
            .iter()
            .filter_map(|(id, _)| id.sub_number())
            .max()
            .unwrap_or(0)
            + 1;
        let cs: Vec<Vec<f32>> = mine.iter().map(|&s| sub_centres[s].clone()).collect();
        let ids = match_ids(&cs, &prev, || {
            let id = top_id.sub(next);
            next += 1;
            id
        });
        for (s, id) in mine.into_iter().zip(ids) {
            sub_ids[s] = Some(id);
        }
    }
    sub_ids
}

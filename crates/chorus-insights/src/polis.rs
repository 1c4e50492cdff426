//! Pol.is votes: the statements most agreed across opinion groups (consensus) and those that
//! split the groups most (divergence); statements with fewer than `k` votes, and groups with
//! fewer than `k` voters, are left out. Reads the questions, answers, participants and units;
//! writes nothing.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_table, str_column};

use crate::InsightsError;

/// How many statements the consensus and divergence lists hold.
const TOP_STATEMENTS: usize = 10;

/// Votes on one statement (Pol.is): overall and per opinion group.
#[derive(Debug, Clone, Serialize)]
pub struct StatementVotes {
    pub unit_id: String,
    pub event: String,
    pub text: String,
    pub votes: u64,
    /// Share of agree votes among agree, disagree and pass.
    pub agree: f64,
    pub disagree: f64,
    /// opinion group -> agree share (withheld groups, under k voters, are left out).
    pub groups: BTreeMap<String, f64>,
    /// Lowest group agree share (consensus ranks by it).
    pub min_group_agree: Option<f64>,
    /// Highest minus lowest group agree share (divergence ranks by it).
    pub spread: Option<f64>,
}

/// The two ranked lists of statements.
#[derive(Debug, Default)]
pub(crate) struct Statements {
    pub consensus: Vec<StatementVotes>,
    pub divergence: Vec<StatementVotes>,
}

/// The votes on one statement: overall and per opinion group.
#[derive(Debug, Default)]
struct Tally {
    agree: u64,
    disagree: u64,
    votes: u64,
    groups: BTreeMap<String, GroupTally>,
}

#[derive(Debug, Default)]
struct GroupTally {
    agree: u64,
    votes: u64,
}

/// A statement's event and text.
struct Statement {
    event: String,
    text: String,
}

pub(crate) fn statements(ws: &Workspace, k: usize) -> Result<Statements, InsightsError> {
    Ok(rank(statement_votes(ws, k)?.into_values().collect()))
}

/// Every statement with at least `k` votes: its votes overall and per opinion group (groups
/// under `k` voters left out), by unit id. Empty when the workspace has no votes.
pub fn statement_votes(
    ws: &Workspace,
    k: usize,
) -> Result<BTreeMap<String, StatementVotes>, InsightsError> {
    let Some(votes) = read_votes(ws)? else {
        return Ok(BTreeMap::new());
    };
    let units = read_table(ws, Table::Units)?;
    let texts: BTreeMap<String, Statement> = str_column(&units, col::UNIT_ID)?
        .into_iter()
        .zip(str_column(&units, col::EVENT_ID)?)
        .zip(str_column(&units, col::TEXT)?)
        .filter_map(|((u, event), text)| {
            let (event, text) = (event?, text?);
            Some((u?, Statement { event, text }))
        })
        .collect();
    Ok(tally(&votes)?
        .into_iter()
        .filter(|(_, t)| t.votes as usize >= k)
        .filter_map(|(u, t)| Some((u.clone(), shares(u.clone(), texts.get(&u)?, t, k))))
        .collect())
}

/// The votes (answers to `vote` questions) with the voter's opinion group, or `None` when there
/// are none.
fn read_votes(ws: &Workspace) -> Result<Option<DataFrame>, InsightsError> {
    let questions = read_table(ws, Table::Questions)?;
    let answers = read_table(ws, Table::Answers)?;
    if questions.height() == 0 || answers.height() == 0 {
        return Ok(None);
    }
    let vote_q = questions
        .lazy()
        .filter(col(col::KIND).eq(lit("vote")))
        .select([col(col::QUESTION_ID)]);
    let groups = read_table(ws, Table::Participants)?
        .lazy()
        .select([col(col::PARTICIPANT_ID), col(col::GROUP)]);
    let v = answers
        .lazy()
        .join(
            vote_q,
            [col(col::QUESTION_ID)],
            [col(col::QUESTION_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            groups,
            [col(col::PARTICIPANT_ID)],
            [col(col::PARTICIPANT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .filter(
            col(col::UNIT_ID)
                .is_not_null()
                .and(col(col::VALUE).is_not_null()),
        )
        .collect()?;
    Ok((v.height() > 0).then_some(v))
}

/// statement (unit id) -> its votes.
fn tally(votes: &DataFrame) -> Result<BTreeMap<String, Tally>, InsightsError> {
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let values: Vec<Option<f64>> = votes.column(col::VALUE)?.f64()?.iter().collect();
    for ((u, g), val) in str_column(votes, col::UNIT_ID)?
        .into_iter()
        .zip(str_column(votes, col::GROUP)?)
        .zip(values)
    {
        let (Some(u), Some(val)) = (u, val) else {
            continue;
        };
        let t = tally.entry(u).or_default();
        t.agree += u64::from(val > 0.0);
        t.disagree += u64::from(val < 0.0);
        t.votes += 1;
        if let Some(g) = g {
            let gt = t.groups.entry(g).or_default();
            gt.agree += u64::from(val > 0.0);
            gt.votes += 1;
        }
    }
    Ok(tally)
}

/// A statement's shares of agree and disagree votes, overall and per group of at least `k`
/// voters.
fn shares(unit_id: String, statement: &Statement, t: Tally, k: usize) -> StatementVotes {
    let groups: BTreeMap<String, f64> = t
        .groups
        .into_iter()
        .filter(|(_, g)| g.votes as usize >= k)
        .map(|(name, g)| (name, g.agree as f64 / g.votes as f64))
        .collect();
    let (min, max) = groups
        .values()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    let two = groups.len() >= 2;
    StatementVotes {
        unit_id,
        event: statement.event.clone(),
        text: statement.text.clone(),
        votes: t.votes,
        agree: t.agree as f64 / t.votes as f64,
        disagree: t.disagree as f64 / t.votes as f64,
        groups,
        min_group_agree: two.then_some(min),
        spread: two.then_some(max - min),
    }
}

/// The most agreed statements (by their lowest group's agree share, or overall where there are
/// no groups) and the most divisive (by the spread between groups), more votes first on ties.
fn rank(mut all: Vec<StatementVotes>) -> Statements {
    let consensus_key = |s: &StatementVotes| s.min_group_agree.unwrap_or(s.agree);
    all.sort_by(|a, b| {
        consensus_key(b)
            .total_cmp(&consensus_key(a))
            .then(b.votes.cmp(&a.votes))
            .then(a.unit_id.cmp(&b.unit_id))
    });
    let consensus: Vec<StatementVotes> = all.iter().take(TOP_STATEMENTS).cloned().collect();
    let mut split: Vec<StatementVotes> = all.into_iter().filter(|s| s.spread.is_some()).collect();
    split.sort_by(|a, b| {
        b.spread
            .unwrap_or(0.0)
            .total_cmp(&a.spread.unwrap_or(0.0))
            .then(b.votes.cmp(&a.votes))
            .then(a.unit_id.cmp(&b.unit_id))
    });
    split.truncate(TOP_STATEMENTS);
    Statements {
        consensus,
        divergence: split,
    }
}

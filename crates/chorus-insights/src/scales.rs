//! Scale questions: per question, the distribution of answers, the mean with a 95% confidence
//! interval, and the share answering in the top two points with a Wilson interval; overall and
//! per country, sector and level, groups of fewer than `k` answers withheld. Reads the
//! questions, answers, participants and events; writes nothing.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_table, str_column};

use crate::{InsightsError, UNKNOWN};

#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleGroup {
    /// `all`, `country`, `sector` or `level`.
    pub by: &'static str,
    pub group: String,
    pub n: u64,
    pub suppressed: bool,
    pub mean: Option<Interval>,
    /// Share answering in the top two points of the scale.
    pub top_two: Option<Interval>,
    /// value -> count.
    pub distribution: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleInsight {
    pub key: String,
    pub text: String,
    pub scale: (f64, f64),
    pub overall: ScaleGroup,
    pub by_country: Vec<ScaleGroup>,
    /// By sector (the respondent's when given, else the event's).
    pub by_sector: Vec<ScaleGroup>,
    /// By level of government (the event's).
    pub by_level: Vec<ScaleGroup>,
}

impl ScaleInsight {
    /// Every group, in the order tables list them: overall, then by country, sector and level.
    pub fn groups(&self) -> impl Iterator<Item = &ScaleGroup> {
        std::iter::once(&self.overall)
            .chain(&self.by_country)
            .chain(&self.by_sector)
            .chain(&self.by_level)
    }
}

/// Wilson score interval for `x` successes of `n` at 95%.
pub fn wilson(x: f64, n: f64) -> Interval {
    if n <= 0.0 {
        return Interval {
            estimate: 0.0,
            low: 0.0,
            high: 0.0,
        };
    }
    let z = 1.959_963_984_540_054_f64;
    let p = x / n;
    let den = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / den;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / den;
    Interval {
        estimate: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// Mean with a normal-approximation 95% interval.
pub fn mean_interval(values: &[f64]) -> Interval {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n.max(1.0);
    let var = if n > 1.0 {
        values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let half = 1.959_963_984_540_054 * (var / n.max(1.0)).sqrt();
    Interval {
        estimate: m,
        low: m - half,
        high: m + half,
    }
}

/// Every scale question with an answer, by question key.
pub(crate) fn scales(ws: &Workspace, k: usize) -> Result<Vec<ScaleInsight>, InsightsError> {
    let Some(answers) = read_answers(ws)? else {
        return Ok(Vec::new());
    };
    let answers = Answers::of(&answers)?;
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, key) in answers.keys.iter().enumerate() {
        if let Some(key) = key {
            by_key.entry(key.clone()).or_default().push(i);
        }
    }
    Ok(by_key
        .into_iter()
        .map(|(key, rows)| answers.question(key, &rows, k))
        .collect())
}

/// The answers to scale questions with their question and the groups of their respondent, or
/// `None` when there are none.
fn read_answers(ws: &Workspace) -> Result<Option<DataFrame>, InsightsError> {
    let questions = read_table(ws, Table::Questions)?;
    if questions.height() == 0 {
        return Ok(None);
    }
    let scale_q = questions
        .lazy()
        .filter(col(col::KIND).eq(lit("scale")))
        .collect()?;
    let answers = read_table(ws, Table::Answers)?;
    if scale_q.height() == 0 || answers.height() == 0 {
        return Ok(None);
    }
    let events = read_table(ws, Table::Events)?.lazy().select([
        col(col::EVENT_ID),
        col(col::COUNTRY),
        col(col::SECTOR),
        col(col::LEVEL),
    ]);
    let participants = read_table(ws, Table::Participants)?.lazy().select([
        col(col::PARTICIPANT_ID),
        col(col::COUNTRY).alias("p_country"),
        col(col::SECTOR).alias("p_sector"),
    ]);
    let question = scale_q.lazy().select([
        col(col::QUESTION_ID),
        col(col::KEY),
        col(col::TEXT),
        col(col::SCALE_MIN),
        col(col::SCALE_MAX),
    ]);
    let joined = answers
        .lazy()
        .join(
            question,
            [col(col::QUESTION_ID)],
            [col(col::QUESTION_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            events,
            [col(col::EVENT_ID)],
            [col(col::EVENT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            participants,
            [col(col::PARTICIPANT_ID)],
            [col(col::PARTICIPANT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        // a respondent's own country and sector when given, else the event's
        .with_column(
            col("p_country")
                .fill_null(col(col::COUNTRY))
                .fill_null(lit(UNKNOWN))
                .alias("group_country"),
        )
        .with_column(
            col("p_sector")
                .fill_null(col(col::SECTOR))
                .alias("group_sector"),
        )
        .filter(col(col::VALUE).is_not_null())
        .collect()?;
    Ok(Some(joined))
}

/// The columns of the joined answers, row by row.
struct Answers {
    keys: Vec<Option<String>>,
    texts: Vec<Option<String>>,
    countries: Vec<Option<String>>,
    sectors: Vec<Option<String>>,
    levels: Vec<Option<String>>,
    values: Vec<Option<f64>>,
    lows: Vec<Option<f64>>,
    highs: Vec<Option<f64>>,
}

impl Answers {
    fn of(joined: &DataFrame) -> Result<Self, InsightsError> {
        let numbers = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
            Ok(joined.column(name)?.f64()?.iter().collect())
        };
        Ok(Answers {
            keys: str_column(joined, col::KEY)?,
            texts: str_column(joined, col::TEXT)?,
            countries: str_column(joined, "group_country")?,
            sectors: str_column(joined, "group_sector")?,
            levels: str_column(joined, col::LEVEL)?,
            values: numbers(col::VALUE)?,
            lows: numbers(col::SCALE_MIN)?,
            highs: numbers(col::SCALE_MAX)?,
        })
    }

    /// The figures of the question `key`, answered in `rows`.
    fn question(&self, key: String, rows: &[usize], k: usize) -> ScaleInsight {
        let min = self.lows[rows[0]].unwrap_or(1.0);
        let max = self.highs[rows[0]].unwrap_or(5.0);
        // rows without a value of the dimension are in no group of it
        let by = |dim: &'static str, of: &[Option<String>]| -> Vec<ScaleGroup> {
            let mut per: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for &r in rows {
                if let Some(g) = &of[r] {
                    per.entry(g.clone()).or_default().push(r);
                }
            }
            per.into_iter()
                .map(|(g, rs)| self.group(dim, g, &rs, max, k))
                .collect()
        };
        ScaleInsight {
            text: self.texts[rows[0]].clone().unwrap_or_default(),
            key,
            scale: (min, max),
            overall: self.group("all", "all".into(), rows, max, k),
            by_country: by("country", &self.countries),
            by_sector: by("sector", &self.sectors),
            by_level: by("level", &self.levels),
        }
    }

    /// The figures of one group of answers, withheld under `k` answers; `top` is the scale's
    /// highest point.
    fn group(
        &self,
        by: &'static str,
        name: String,
        rows: &[usize],
        top: f64,
        k: usize,
    ) -> ScaleGroup {
        let vals: Vec<f64> = rows.iter().filter_map(|&r| self.values[r]).collect();
        let n = vals.len() as u64;
        if (n as usize) < k {
            return ScaleGroup {
                by,
                group: name,
                n,
                suppressed: true,
                mean: None,
                top_two: None,
                distribution: BTreeMap::new(),
            };
        }
        let mut distribution = BTreeMap::new();
        for v in &vals {
            *distribution.entry(format!("{v}")).or_insert(0) += 1;
        }
        let top_count = vals.iter().filter(|&&v| v >= top - 1.0).count() as f64;
        ScaleGroup {
            by,
            group: name,
            n,
            suppressed: false,
            mean: Some(mean_interval(&vals)),
            top_two: Some(wilson(top_count, n as f64)),
            distribution,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_reference() {
        // 72 of 100: Wilson 95% interval 0.6251-0.7986 (computed independently from the formula)
        let w = wilson(72.0, 100.0);
        assert!(
            (w.low - 0.6251).abs() < 5e-4 && (w.high - 0.7986).abs() < 5e-4,
            "{w:?}"
        );
        let m = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((m.estimate - 3.0).abs() < 1e-12);
        assert!((m.high - m.low - 2.0 * 1.959963984540054 * (2.5f64 / 5.0).sqrt()).abs() < 1e-9);
    }
}

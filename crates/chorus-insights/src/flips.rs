//! Flips: a theme raised mostly as something to keep in some events and mostly as something to
//! leave behind in others. Reads the joined unit table; writes nothing.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use chorus_core::model::{col, Frame};

use crate::prevalence::{count_by, Tally};
use crate::InsightsError;

/// A theme raised mostly as something to keep in some events and mostly as something to leave
/// behind in others (counting only events where the theme's units there come from at least `k`
/// participants).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Flip {
    pub keep: Vec<String>,
    pub leave_behind: Vec<String>,
}

/// A theme's units in one event under the two opposite frames.
#[derive(Debug, Default)]
struct Leaning {
    keep: Tally,
    leave_behind: Tally,
}

/// (theme, event) -> how the theme's units there lean.
#[derive(Debug, Default)]
pub(crate) struct Leanings(BTreeMap<(String, String), Leaning>);

impl Leanings {
    /// The leanings of every theme in every event, over units with a theme and a frame.
    pub(crate) fn count(units: &DataFrame) -> Result<Self, InsightsError> {
        let mut leanings = Leanings::default();
        let keys = [col::THEME_ID, col::EVENT_ID, col::FRAME];
        for c in count_by(units, &keys, col(col::PARTICIPANT_ID).n_unique())? {
            if let Ok([theme, event, frame]) = <[String; 3]>::try_from(c.key) {
                if let Some(frame) = Frame::parse(&frame) {
                    leanings.add(theme, event, frame, c.tally);
                }
            }
        }
        Ok(leanings)
    }

    fn add(&mut self, theme: String, event: String, frame: Frame, tally: Tally) {
        let leaning = self.0.entry((theme, event)).or_default();
        match frame {
            Frame::Keep => leaning.keep = tally,
            Frame::LeaveBehind => leaning.leave_behind = tally,
            Frame::DoDifferently => {}
        }
    }

    /// The events where `theme` leans to "keep" and those where it leans to "leave behind"
    /// (more of its units under that frame than under the other), when both lists are
    /// non-empty.
    pub(crate) fn flip(&self, theme: &str, k: usize) -> Option<Flip> {
        let mut flip = Flip {
            keep: Vec::new(),
            leave_behind: Vec::new(),
        };
        for ((_, event), l) in self.0.iter().filter(|((t, _), _)| t == theme) {
            let kept = l.keep.units > l.leave_behind.units;
            // k participants behind the leaning frame's units in that event
            let larger = if kept { l.keep } else { l.leave_behind };
            if (larger.participants as usize) < k || l.keep.units == l.leave_behind.units {
                continue;
            }
            if kept {
                flip.keep.push(event.clone());
            } else {
                flip.leave_behind.push(event.clone());
            }
        }
        (!flip.keep.is_empty() && !flip.leave_behind.is_empty()).then_some(flip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_flips_when_events_lean_to_opposite_frames() {
        let mut c = Leanings::default();
        let mut put = |e: &str, f: Frame, units: u64, participants: u64| {
            let tally = Tally {
                units,
                participants,
            };
            c.add("t".into(), e.into(), f, tally);
        };
        put("e1", Frame::Keep, 9, 8);
        put("e1", Frame::LeaveBehind, 2, 2);
        put("e2", Frame::LeaveBehind, 7, 6);
        put("e3", Frame::Keep, 3, 3); // too few people to count
        let f = c.flip("t", 5).unwrap();
        assert_eq!(f.keep, ["e1"]);
        assert_eq!(f.leave_behind, ["e2"]);
        assert!(c.flip("t", 7).is_none());
    }
}

//! Procedural talk: running the meeting rather than discussing its topics (welcome and
//! introductions, apologies, the agenda, papers to note, going into private session, thanks
//! and closing, time-keeping, technical trouble). A transcript unit is procedural when it says
//! one of these things and little else: at most [`MAX_OTHER_WORDS`] content words outside the
//! cue. Such units get their own status, like units without a content word: counted and shown,
//! kept out of the themes and quotes. A chair's real question is not procedural: it says more.
//!
//! The cues are phrases, per language, matched on the normalised text; a language without a
//! list has no procedural units.

use std::sync::LazyLock;

use regex::Regex;

use crate::label::{self, Stopwords};

/// Content words a procedural unit may hold beside its cue ("Thank you all for coming
/// today, see you in March" holds two).
pub const MAX_OTHER_WORDS: usize = 4;

/// The cue phrases of a language, as one regex.
fn cues(lang: &str) -> Option<&'static Regex> {
    static EN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"\b(",
            // opening, welcome, introductions
            r"welcome (to|back|everyone|everybody|all)|good (morning|afternoon|evening)|",
            r"(shall|should) we (make a )?start|let'?s (get )?(started|start|begin|kick off)|",
            r"(call|bring) (the|this) (meeting|session) to order|",
            r"introduce (myself|yourselves|ourselves|yourself)|round of introductions|",
            r"go (round|around) the (room|table)|my name is|",
            // apologies, agenda, papers, minutes, private session
            r"apologies (for absence|from|have been)|sends? (their|his|her) apologies|",
            r"agenda|next item|item (number )?\d+|any other business|matters arising|",
            r"(let'?s|we'?ll|shall we) (now )?(move|turn|go) on to|",
            r"minutes of the (last|previous) meeting|papers? (to|for) note|",
            r"(in|into) private( session)?|private session|",
            // thanks and closing
            r"thank(s| you) (all|everyone|everybody|very much|so much)?\s*(for (coming|joining|attending|your time|having me|being here))|",
            r"that'?s (all|it) for (today|now|this (meeting|session))|",
            r"(close|end|conclude|adjourn|wrap up) (the|this|our|today'?s) (meeting|session)|",
            r"(meeting|session) (is )?(closed|adjourned)|see you (all )?(next|soon|then|later|tomorrow)|",
            r"let'?s (wrap|call it a day)|",
            // inviting the next speaker
            r"(anything|something) (else )?(to add|from (you|your|the))|(you wanted|would you like|do you want|want) to (add|say|come in)|over to you|(you have|you've got) the floor|",
            // time-keeping
            r"(\d+|one|two|three|five|ten|fifteen|few) minutes? (left|remaining|to go)|",
            r"(running|run) out of time|(we'?re|we are) (almost |nearly )?(out of|short of|over|at) time|",
            r"one (line|word|sentence|minute) each|",
            // technical trouble
            r"can (you|everyone|everybody) (all )?(hear|see) (me|us|my screen)|",
            r"(you'?re|you are|still) (on )?mute|unmute|",
            r"(share|sharing) (my|your|the) screen|technical (difficulties|problems|issues)|",
            r"(microphone|mic|sound|audio|video|camera|projector|connection) (is|isn'?t|not|are|aren'?t) (working|on|off|frozen|cutting)",
            r")\b"
        ))
        .expect("valid regex")
    });
    static DE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"\b(willkommen|herzlich willkommen|guten (morgen|tag|abend)|",
            r"(lassen sie uns|lasst uns) (anfangen|beginnen)|stelle mich (kurz )?vor|",
            r"tagesordnung|nächste(n)? punkt|entschuldig(t|ungen)|",
            r"vielen dank (für|an) (ihre|eure|die) (teilnahme|zeit|aufmerksamkeit)|",
            r"(schließe|beende) (die|diese) (sitzung|veranstaltung)|bis zum nächsten mal|",
            r"(hören|sehen) sie mich|stummgeschaltet|bildschirm teilen)\b"
        ))
        .expect("valid regex")
    });
    static FR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"\b(bienvenue|bonjour à (tous|toutes)|(commençons|on commence)|",
            r"je me présente|tour de table|ordre du jour|point suivant|excusés?|",
            r"merci (à tous |à toutes )?(de votre (participation|présence|attention)|d'être venus)|",
            r"(je lève|nous levons) la séance|la séance est levée|à la prochaine|",
            r"vous m'entendez|micro coupé|partager (mon|l')écran)\b"
        ))
        .expect("valid regex")
    });
    static ES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"\b(bienvenid[oa]s?|buen(os|as) (días|tardes|noches) a (todos|todas)|",
            r"(empecemos|comencemos|vamos a empezar)|me presento|ronda de presentaciones|",
            r"orden del día|siguiente punto|",
            r"gracias (a todos |a todas )?por (venir|su participación|su tiempo|asistir)|",
            r"(cerramos|se levanta) la sesión|hasta la próxima|",
            r"me (oyen|escuchan)|(está|estás) (en )?silencio|compartir (mi )?pantalla)\b"
        ))
        .expect("valid regex")
    });
    match lang {
        "en" => Some(&EN),
        "de" => Some(&DE),
        "fr" => Some(&FR),
        "es" => Some(&ES),
        _ => None,
    }
}

/// Closing thanks and event admin ("thank you all", "the survey link is in the chat"): words
/// a meeting ends with, never a view to quote or a key point, though a unit holding them may
/// say more (so it stays in its theme).
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(thank(s| you) (all|everyone|everybody)|(paper )?surveys? (link|form)|",
        r"feedback form|fill (it|this|the survey|the form) (in|out)|",
        r"danke (euch|ihnen) allen|merci à tous|gracias a todos)\b"
    ))
    .expect("valid regex")
});

/// Whether a unit can stand as a quote or a key point of what people said: no cue of running
/// the meeting, no closing thanks or event admin.
pub fn quotable(norm: &str, lang: &str) -> bool {
    !has_cue(norm, lang) && !CLOSING.is_match(norm)
}

/// Whether a text says one of the cue phrases of running a meeting ("let's move on", "thank
/// you all"), whatever else it says.
pub fn has_cue(norm: &str, lang: &str) -> bool {
    cues(lang).is_some_and(|c| c.is_match(&norm.to_lowercase()))
}

/// Whether a transcript unit (normalised text, its language) is procedural.
pub fn is_procedural(norm: &str, lang: &str, stop: &Stopwords) -> bool {
    let Some(cues) = cues(lang) else {
        return false;
    };
    let lower = norm.to_lowercase();
    if !cues.is_match(&lower) {
        return false;
    }
    let rest = cues.replace_all(&lower, " ");
    let other = label::words(&rest)
        .iter()
        .filter(|w| !stop.contains(w) && !w.chars().all(|c| c.is_ascii_digit()))
        .count();
    other <= MAX_OTHER_WORDS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn procedural(text: &str) -> bool {
        is_procedural(text, "en", &Stopwords::for_languages(["en"]))
    }

    #[test]
    fn running_the_meeting_is_procedural() {
        for t in [
            "Apologies for absence have been received from Councillor Smith.",
            "We will now move into private session.",
            "Right, shall we make a start?",
            "Thank you all for coming.",
            "Can you hear me now?",
            "Item 4, papers to note.",
            "Okay, we have five minutes left.",
            "Thank you. That's a big one. You wanted to add something?",
        ] {
            assert!(procedural(t), "{t}");
        }
    }

    #[test]
    fn closing_thanks_and_admin_are_not_quotable() {
        for t in [
            "brilliant. thank you all. there are paper surveys on the side table.",
            "the survey link is in the chat, please fill it in today.",
            "merci beaucoup. thank you all, and please complete the survey.",
        ] {
            assert!(!quotable(t, "en"), "{t}");
        }
        assert!(quotable(
            "keep the online registration, it saved us weeks.",
            "en"
        ));
    }

    #[test]
    fn a_chair_asking_a_real_question_is_not() {
        for t in [
            "Thank you. How did the move to online registration change waiting times for families?",
            "The agenda for reform should start with the funding formula for rural schools and transport.",
            "I'd leave behind the paper forms, they cost us weeks every spring.",
        ] {
            assert!(!procedural(t), "{t}");
        }
    }
}

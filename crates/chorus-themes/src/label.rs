//! Theme labels and keywords from distinctive phrases: class-based TF-IDF over 1- to 3-grams
//! of each theme's units (stopwords per language; a phrase neither starts nor ends with one),
//! then, when a model is at hand, re-ranked by how close each phrase's embedding is to the
//! theme centre, with maximal marginal relevance for diversity.

use std::collections::{HashMap, HashSet};

use super::cluster::dot;

/// Stopwords of the languages present, plus spoken fillers ("um", "yeah") that transcripts
/// are full of; and the names found in the units (see `names.rs`), which no phrase may hold.
#[derive(Clone)]
pub struct Stopwords(HashSet<String>, HashSet<String>);

impl Stopwords {
    pub fn for_languages<'a>(langs: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set: HashSet<String> = HashSet::new();
        for l in langs.into_iter().chain(["en"]) {
            if let Some(words) = stop_words::lookup(l) {
                set.extend(words.iter().map(|w| w.to_lowercase()));
            }
        }
        for w in [
            "um", "uh", "uhm", "uh-huh", "mm-mm", "um-hum", "yep", "yup", "nope", "kay", "alright",
            "ooh", "huh", "aye", "ah", "eh", "er", "erm", "cool", "dunno", "gonna", "wanna",
            "sorta", "kinda", "mm", "mm-hmm", "hmm", "yeah", "okay", "ok", "oh", "like", "just",
            "really", "actually", "think", "know", "thing", "things", "lot", "get", "got", "go",
            "going", "gonna", "also", "would", "could", "should", "maybe", "kind", "sort", "bit",
            "need", "needs", "want", "make", "well", "one", "way", "much", "many", "even", "still",
            "yes", "right", "mean", "say", "said", "see", "can", "will", "people", "dass", "schon",
            "mal", "ja", "eben", "halt", "gibt", "sollte", "sollten", "muss", "müssen", "mehr",
            "sowie",
        ] {
            set.insert(w.to_string());
        }
        Stopwords(set, HashSet::new())
    }

    /// These stopwords, and `names` (lowercased), which count as stopwords and are never part
    /// of a phrase.
    pub fn with_names(mut self, names: HashSet<String>) -> Self {
        self.1 = names;
        self
    }

    /// These stopwords and `words` (lowercase, as [`words`] gives them).
    pub fn with_words(mut self, words: impl IntoIterator<Item = String>) -> Self {
        self.0.extend(words);
        self
    }

    pub fn contains(&self, w: &str) -> bool {
        self.0.contains(w) || self.1.contains(w)
    }

    /// A name found in the units.
    pub fn is_name(&self, w: &str) -> bool {
        self.1.contains(w)
    }
}

/// Words of a normalised text (letters and digits; each Han or kana character alone, as
/// Chinese and Japanese do not separate words with spaces).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        let cjk = matches!(c as u32, 0x3040..=0x30ff | 0x3400..=0x9fff | 0xf900..=0xfaff);
        if cjk {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() || (c == '\'' || c == '-') && !cur.is_empty() {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter()
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Longer "words" are strings pasted whole (a hash, a URL, a key held down), never labels.
const LONGEST_WORD: usize = 40;

fn usable(w: &str, stop: &Stopwords) -> bool {
    let chars = w.chars().count();
    let cjk = chars == 1 && !w.is_ascii();
    (cjk || (3..=LONGEST_WORD).contains(&chars))
        && !stop.contains(w)
        && !w.chars().all(|c| c.is_ascii_digit())
}

/// Phrases (1..=3 words) of a text that neither start nor end with a stopword, and hold no
/// stopword inside other than a [`JOINING`] word.
pub fn phrases(text: &str, stop: &Stopwords) -> Vec<String> {
    let w = words(text);
    let mut out = Vec::new();
    for i in 0..w.len() {
        if !usable(&w[i], stop) {
            continue;
        }
        for n in 1..=3 {
            if i + n > w.len() {
                break;
            }
            let last = &w[i + n - 1];
            if !usable(last, stop) {
                continue;
            }
            if w[i..i + n].iter().any(|x| stop.is_name(x)) {
                break;
            }
            // "communities communities" spans two sentences, not a phrase
            if w[i..i + n].windows(2).any(|p| p[0] == p[1]) {
                continue;
            }
            // a stopword inside that joins no names makes a clause, not a keyword ("markets are
            // active", "mercados que llegaron")
            let inner = if n > 2 { &w[i + 1..i + n - 1] } else { &[] };
            if inner
                .iter()
                .any(|x| stop.contains(x) && !JOINING.contains(&x.as_str()))
            {
                continue;
            }
            out.push(w[i..i + n].join(" "));
        }
    }
    out
}

/// Class-based TF-IDF: for each class (a theme's concatenated units), its phrases by score,
/// best first, at most `top` of them; a phrase must occur at least twice in the class.
pub fn ctfidf(classes: &[Vec<&str>], stop: &Stopwords, top: usize) -> Vec<Vec<(String, f64)>> {
    let counts: Vec<HashMap<String, u32>> = classes
        .iter()
        .map(|texts| {
            let mut m: HashMap<String, u32> = HashMap::new();
            for t in texts {
                // a phrase counts once per unit, so one long rambling unit cannot label a theme
                let uniq: HashSet<String> = phrases(t, stop).into_iter().collect();
                for p in uniq {
                    *m.entry(p).or_default() += 1;
                }
            }
            m
        })
        .collect();
    let mut total: HashMap<&str, u64> = HashMap::new();
    for m in &counts {
        for (p, c) in m {
            *total.entry(p.as_str()).or_default() += *c as u64;
        }
    }
    let sizes: Vec<f64> = counts
        .iter()
        .map(|m| m.values().map(|&c| c as f64).sum::<f64>().max(1.0))
        .collect();
    let avg = sizes.iter().sum::<f64>() / sizes.len().max(1) as f64;
    counts
        .iter()
        .zip(&sizes)
        .map(|(m, &size)| {
            // a phrase must recur in the class, unless the class is too small for any to
            let min = if m.values().any(|&c| c >= 2) { 2 } else { 1 };
            let mut scored: Vec<(String, f64)> = m
                .iter()
                .filter(|(_, &c)| c >= min)
                .map(|(p, &c)| {
                    let tf = c as f64 / size;
                    let idf = (1.0 + avg / total[p.as_str()] as f64).ln();
                    // longer phrases read better as titles: a mild bonus per extra word
                    let words = p.split(' ').count() as f64;
                    (p.clone(), tf * idf * (1.0 + 0.25 * (words - 1.0)))
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            scored.truncate(top);
            scored
        })
        .collect()
}

/// Picks `k` keywords from scored candidates: relevance is the c-TF-IDF rank blended with the
/// embedding similarity to the theme centre (when given), diversity by maximal marginal
/// relevance (a phrase too close to one already picked, or containing it, waits).
pub fn pick_keywords(
    cands: &[(String, f64)],
    vectors: Option<&[Vec<f32>]>,
    centre: &[f32],
    k: usize,
) -> Vec<String> {
    if cands.is_empty() {
        return Vec::new();
    }
    let max = cands[0].1.max(1e-12);
    let rel: Vec<f64> = cands
        .iter()
        .enumerate()
        .map(|(i, (_, s))| {
            let lexical = s / max;
            match vectors {
                Some(v) => 0.5 * lexical + 0.5 * dot(&v[i], centre) as f64,
                None => lexical,
            }
        })
        .collect();
    let mut picked: Vec<usize> = Vec::new();
    while picked.len() < k.min(cands.len()) {
        let mut best: Option<(usize, f64)> = None;
        for i in 0..cands.len() {
            if picked.contains(&i) {
                continue;
            }
            let overlap = picked
                .iter()
                .any(|&j| cands[j].0.contains(&cands[i].0) || cands[i].0.contains(&cands[j].0));
            let redundancy = match vectors {
                Some(v) => picked
                    .iter()
                    .map(|&j| dot(&v[i], &v[j]) as f64)
                    .fold(0.0, f64::max),
                None => 0.0,
            };
            let score = 0.7 * rel[i] - 0.3 * redundancy - if overlap { 1.0 } else { 0.0 };
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((i, score));
            }
        }
        match best {
            Some((i, _)) => picked.push(i),
            None => break,
        }
    }
    picked.into_iter().map(|i| cands[i].0.clone()).collect()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `phrase` (lower case, from the normalised text) with each word in the form people write it
/// in (`forms`, by lower-cased word: "paris" -> "Paris"), the others as they are.
pub fn shown(phrase: &str, forms: &HashMap<String, String>) -> String {
    phrase
        .split(' ')
        .map(|w| forms.get(w).map_or(w, String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words that join the parts of a name ("certificate of residence", "Junta de Acción", "Recht
/// für alle"); any other stopword inside a phrase makes it part of a clause ("markets are
/// active", "looked at updated", "bigger the idea"), not a title.
const JOINING: &[&str] = &[
    "of", "and", "for", "de", "del", "des", "du", "da", "do", "di", "für", "und", "von", "y", "et",
    "e",
];

/// A phrase of two or more words whose inner stopwords are all [`JOINING`] words.
fn names_a_thing(phrase: &str, stop: &Stopwords) -> bool {
    let words: Vec<&str> = phrase.split(' ').collect();
    words.len() > 1
        && words[1..words.len() - 1].iter().all(|w| {
            !stop.contains(&w.to_lowercase()) || JOINING.contains(&w.to_lowercase().as_str())
        })
}

/// Months, days of the week, times of day and spans of time, in the languages chorus stems: a title says what
/// a theme is about, not when ("Cooperation and April", "Volunteers and months" were titles).
const WHEN: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "hour",
    "hours",
    "minute",
    "minutes",
    "today",
    "yesterday",
    "tomorrow",
    "morning",
    "afternoon",
    "evening",
    "night",
    "tonight",
    "morgen",
    "vormittag",
    "nachmittag",
    "abend",
    "nacht",
    "mañana",
    "tarde",
    "noche",
    "matin",
    "après-midi",
    "soir",
    "nuit",
    "manhã",
    "noite",
    "januar",
    "februar",
    "märz",
    "mai",
    "juni",
    "juli",
    "oktober",
    "dezember",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
    "tag",
    "tage",
    "woche",
    "wochen",
    "monat",
    "monate",
    "jahr",
    "jahre",
    "stunde",
    "stunden",
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
    "día",
    "días",
    "semana",
    "semanas",
    "mes",
    "meses",
    "año",
    "años",
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "jour",
    "jours",
    "semaine",
    "semaines",
    "mois",
    "an",
    "ans",
    "année",
    "années",
    "janeiro",
    "fevereiro",
    "março",
    "maio",
    "junho",
    "julho",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
    "dia",
    "dias",
    "semanas",
    "ano",
    "anos",
];

/// A keyword that says when (see [`WHEN`]).
fn says_when(word: &str) -> bool {
    WHEN.contains(&word.to_lowercase().as_str())
}

/// The one-word keywords a pair may be made of: none says when ([`WHEN`]).
fn one_word(keywords: &[String]) -> impl Iterator<Item = &String> {
    keywords
        .iter()
        .filter(|k| !k.contains(' ') && !says_when(k))
}

/// Two of the first three one-word keywords (lower case) said together with one other word
/// between, not a stopword, in at least two of `texts` ("paper forms" from "paper intake forms",
/// "paper referral forms"; not from "paper and forms"), as "a b" in the order said: phrases
/// [`title`] may take beside the recurring ones.
pub fn said_around(keywords: &[String], texts: &[&str], stop: &Stopwords) -> Vec<String> {
    let one: Vec<String> = one_word(keywords)
        .take(3)
        .map(|k| k.to_lowercase())
        .collect();
    if one.len() < 2 {
        return Vec::new();
    }
    let mut count: HashMap<(usize, usize), usize> = HashMap::new();
    for t in texts {
        let w = words(t);
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        for i in 0..w.len().saturating_sub(2) {
            let (Some(a), Some(b)) = (
                one.iter().position(|k| *k == w[i]),
                one.iter().position(|k| *k == w[i + 2]),
            ) else {
                continue;
            };
            if a != b && !stop.contains(&w[i + 1]) {
                seen.insert((a, b));
            }
        }
        for p in seen {
            *count.entry(p).or_default() += 1;
        }
    }
    let mut out: Vec<String> = count
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|((a, b), _)| format!("{} {}", one[a], one[b]))
        .collect();
    out.sort();
    out
}

/// A title from keywords: the highest-ranked of the theme's own phrase (the first of its top
/// three keywords that names a thing: "Contact tracing", not "Markets are active") and two of
/// the first three one-word keywords that people say together, as they say them (`phrases`, the theme's
/// recurring phrases in lower case, and [`said_around`]'s: "Emergency procurement" for "emergency", "data",
/// "procurement"; "Bus routes" for "bus", "routes", "key workers"), a pair ranking as its
/// lower keyword; else the first two one-word keywords ("Emergency and data", joined by the
/// word for "and" in `lang`, the keywords' language: "Förderung und Klimaschutz"), or the one
/// there is.
pub fn title(keywords: &[String], phrases: &[String], stop: &Stopwords, lang: &str) -> String {
    let rank = |k: &String| keywords.iter().position(|x| x == k).unwrap_or(usize::MAX);
    let phrase = keywords
        .iter()
        .take(3)
        .find(|k| names_a_thing(k, stop))
        .map(|k| (rank(k), capitalised(k)));
    let one: Vec<&String> = one_word(keywords).collect();
    let mut said: Option<(usize, String)> = None;
    for (i, a) in one.iter().take(3).enumerate() {
        for b in one.iter().take(3).skip(i + 1) {
            for (x, y) in [(a, b), (b, a)] {
                let together = format!("{} {}", x.to_lowercase(), y.to_lowercase());
                let r = rank(a).max(rank(b));
                if phrases.contains(&together) && said.as_ref().is_none_or(|s| r < s.0) {
                    said = Some((r, capitalised(&format!("{x} {y}"))));
                }
            }
        }
    }
    match (phrase, said) {
        (Some(p), Some(s)) => return if s.0 < p.0 { s.1 } else { p.1 },
        (Some((_, t)), None) | (None, Some((_, t))) => return t,
        (None, None) => {}
    }
    let first = one.first().copied();
    let second = first.and_then(|a| one[1..].iter().copied().find(|b| !same_word(a, b)));
    match (first, second) {
        (None, _) => keywords
            .first()
            .map_or_else(|| "Unlabelled".to_string(), |k| capitalised(k)),
        (Some(a), None) => capitalised(a),
        (Some(a), Some(b)) => match and_in(lang) {
            // Chinese and Japanese write no spaces between words
            and @ ("和" | "と") => format!("{a}{and}{b}"),
            and => format!("{} {and} {b}", capitalised(a)),
        },
    }
}

/// Two keywords that are one word in two forms or a part of the other, which as a pair say
/// nothing more: they share a part ("Online and online-first"), or the first five letters of
/// one are in the other ("Förderung and gefördert", "Design and designer"; not "Partnership
/// and leadership").
fn same_word(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    let parts = |w: &str| -> Vec<String> { w.split('-').map(String::from).collect() };
    let held = parts(&a);
    let head_in = |x: &str, y: &str| {
        let head: String = x.chars().take(5).collect();
        head.chars().count() == 5 && y.contains(&head)
    };
    parts(&b).iter().any(|p| held.contains(p)) || head_in(&a, &b) || head_in(&b, &a)
}

/// The word for "and" in `lang` (an ISO 639-1 code); English's for a language not listed.
fn and_in(lang: &str) -> &'static str {
    match lang {
        "de" => "und",
        "fr" => "et",
        "es" => "y",
        "pt" | "it" => "e",
        "nl" => "en",
        "da" | "no" | "nb" | "nn" => "og",
        "sv" => "och",
        "fi" | "et" => "ja",
        "pl" | "ca" | "hr" => "i",
        "cs" | "sk" => "a",
        "sl" => "in",
        "hu" => "és",
        "el" => "και",
        "ro" => "și",
        "ru" | "uk" => "и",
        "tr" => "ve",
        "id" | "ms" => "dan",
        "ko" => "및",
        "zh" => "和",
        "ja" => "と",
        _ => "and",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_skip_stopword_edges() {
        let stop = Stopwords::for_languages(["en"]);
        let p = phrases(
            "we should keep the minimum wage for small businesses",
            &stop,
        );
        assert!(p.contains(&"minimum wage".to_string()));
        assert!(p.contains(&"businesses".to_string()));
        assert!(!p
            .iter()
            .any(|x| x.starts_with("the ") || x.ends_with(" the")));
    }

    #[test]
    fn ctfidf_prefers_distinctive_phrases() {
        let stop = Stopwords::for_languages(["en"]);
        let a = vec![
            "the minimum wage hurts small businesses",
            "a higher minimum wage helps workers",
            "minimum wage and small businesses",
        ];
        let b = vec![
            "buses should run on time",
            "more buses at night",
            "cheaper buses for students",
        ];
        let s = ctfidf(&[a, b], &stop, 5);
        assert_eq!(s[0][0].0, "minimum wage");
        assert_eq!(s[1][0].0, "buses");
        assert_eq!(
            title(&["minimum wage".into(), "workers".into()], &[], &stop, "en"),
            "Minimum wage"
        );
        let words: Vec<String> = ["emergency", "procurement", "trust", "weeks"]
            .map(String::from)
            .into();
        assert_eq!(title(&words, &[], &stop, "en"), "Emergency and procurement");
        // two keywords people say together make a phrase, in their order
        let said = [
            "procurement rules".to_string(),
            "emergency procurement".to_string(),
        ];
        let words: Vec<String> = ["emergency", "data", "procurement"]
            .map(String::from)
            .into();
        assert_eq!(title(&words, &said, &stop, "en"), "Emergency procurement");
        // a pair of the top two said together outranks a phrase in third place
        let words: Vec<String> = ["bus", "routes", "key workers"].map(String::from).into();
        assert_eq!(
            title(&words, &["bus routes".to_string()], &stop, "en"),
            "Bus routes"
        );
        assert_eq!(title(&words, &[], &stop, "en"), "Key workers");
        // a month or a span of time says when, not what
        let words: Vec<String> = ["cooperation", "April", "trust", "weeks"]
            .map(String::from)
            .into();
        assert_eq!(title(&words, &[], &stop, "en"), "Cooperation and trust");
    }

    #[test]
    fn keywords_said_around_a_modifier_make_a_title() {
        let stop = Stopwords::for_languages(["en"]);
        let k = |ks: &[&str]| -> Vec<String> { ks.iter().map(|s| s.to_string()).collect() };
        let texts = [
            "paper intake forms at the shelter",
            "paper referral forms between facilities",
            "paper and forms",
            "paper certificates",
        ];
        let around = said_around(&k(&["paper", "forms", "certificates"]), &texts, &stop);
        assert_eq!(around, k(&["paper forms"]));
        assert_eq!(
            title(
                &k(&["paper", "forms", "certificates"]),
                &around,
                &stop,
                "en"
            ),
            "Paper forms"
        );
        // once is not enough, and a stopword between joins no pair
        assert!(said_around(&k(&["paper", "forms"]), &texts[..1], &stop).is_empty());
        assert!(said_around(&k(&["paper", "forms"]), &["paper and forms"; 3], &stop).is_empty());
    }

    #[test]
    fn a_pair_does_not_repeat_its_first_word() {
        let stop = Stopwords::for_languages(["en"]);
        let k = |ks: &[&str]| -> Vec<String> { ks.iter().map(|s| s.to_string()).collect() };
        assert_eq!(
            title(&k(&["online", "online-first", "renewal"]), &[], &stop, "en"),
            "Online and renewal"
        );
        assert_eq!(
            title(&k(&["citizen-card", "card", "queue"]), &[], &stop, "en"),
            "Citizen-card and queue"
        );
        // one word in two forms
        let de = Stopwords::for_languages(["de"]);
        assert_eq!(
            title(
                &k(&["Förderung", "gefördert", "Klimaschutz"]),
                &[],
                &de,
                "de"
            ),
            "Förderung und Klimaschutz"
        );
        assert_eq!(
            title(&k(&["partnership", "leadership"]), &[], &stop, "en"),
            "Partnership and leadership"
        );
        assert_eq!(title(&k(&["公園", "交通"]), &[], &stop, "zh"), "公園和交通");
    }

    #[test]
    fn a_title_names_a_thing() {
        let stop = Stopwords::for_languages(["en", "es"]);
        let k = |ks: &[&str]| -> Vec<String> { ks.iter().map(|s| s.to_string()).collect() };
        // a clause is not a title, and a pair is made of single words
        assert_eq!(
            title(
                &k(&[
                    "markets are active",
                    "payment",
                    "looked at updated",
                    "mobile"
                ]),
                &[],
                &stop,
                "en"
            ),
            "Payment and mobile"
        );
        assert_eq!(
            title(
                &k(&["volunteers", "certificate of residence"]),
                &[],
                &stop,
                "en"
            ),
            "Certificate of residence"
        );
        assert_eq!(
            title(&k(&["Junta de Acción", "leave"]), &[], &stop, "en"),
            "Junta de Acción"
        );
    }
}

//! Cleaning of unit text before anything downstream sees it: personal data redacted (emails,
//! phone numbers, street addresses, URLs carrying ids; ids from `ids.rs`), a normalised copy for
//! processing, and the language of each unit. Duplicates are flagged in `duplicates.rs`.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// How many spans of each kind were replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Redactions {
    pub emails: u32,
    pub phones: u32,
    pub addresses: u32,
    pub urls: u32,
    /// Names of the event's own speakers said in the text, and private persons named by how
    /// they relate to the writer ("my neighbour Margaret Thompson").
    pub names: u32,
    /// Card numbers, IBANs, national and other id numbers (the table of `ids.rs`, and any
    /// `chorus.toml` adds).
    pub ids: u32,
    /// Dates of birth.
    pub dates: u32,
    /// Social media handles (`@name`).
    pub handles: u32,
}

impl Redactions {
    pub fn total(&self) -> u32 {
        self.emails
            + self.phones
            + self.addresses
            + self.urls
            + self.names
            + self.ids
            + self.dates
            + self.handles
    }

    pub fn add(&mut self, o: &Redactions) {
        self.emails += o.emails;
        self.phones += o.phones;
        self.addresses += o.addresses;
        self.urls += o.urls;
        self.names += o.names;
        self.ids += o.ids;
        self.dates += o.dates;
        self.handles += o.handles;
    }
}

/// The names of an event's speakers (`event.toml` `[speakers]`, `Name:` prefixes, voice tags)
/// as they may be said aloud: the full name and each part of three letters or more, matched
/// as whole, capitalised words. Keys that are not personal names (`R001`, `FEE005`, `42`) are
/// ignored.
pub struct SpeakerNames(Option<Regex>);

static PERSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Lu}[\p{Ll}'’-]+(?:[ -]\p{Lu}[\p{Ll}'’-]+)*$").expect("valid regex")
});

impl SpeakerNames {
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> Self {
        let mut names: Vec<String> = Vec::new();
        for key in keys {
            let key = key.trim();
            if !PERSON.is_match(key) {
                continue;
            }
            names.push(key.to_string());
            // "Jean-Luc Picard": "Jean-Luc", "Picard", "Jean", "Luc"
            names.extend(
                key.split(' ')
                    .chain(key.split([' ', '-']))
                    .filter(|p| p.chars().count() >= 3)
                    .map(str::to_string),
            );
        }
        names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        names.dedup();
        if names.is_empty() {
            return Self(None);
        }
        let alternation = names
            .iter()
            .map(|n| regex::escape(n))
            .collect::<Vec<_>>()
            .join("|");
        Self(Regex::new(&format!(r"\b(?:{alternation})\b")).ok())
    }

    /// The text with every speaker name replaced by `[name]`, counted in `r`.
    pub fn redact(&self, text: String, r: &mut Redactions) -> String {
        match &self.0 {
            Some(re) => replace_counting(re, text, "[name]", &mut r.names, |_| true),
            None => text,
        }
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
        .expect("valid regex")
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bhttps?://[^\s<>\x22]+").expect("valid regex"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{1,5}(?:[\s.-]\d{2,8}){1,4}\b|\b\d{3}[.-]\d{3}[.-]\d{4}\b").expect("valid regex")
});
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b\d{1,5}[a-zA-Z]?,?\s+(?:[A-Z][\p{L}'-]+\s+){1,3}",
        r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Place|Pl|Square|Sq|Close|Court|Ct|Terrace|Crescent|Highway|Hwy|Parkway|Rue|Calle|Carrera)\b\.?",
        r"|\b[A-ZÄÖÜ][\p{L}-]*(?:straße|strasse|Straße|weg|platz|allee|gasse|damm)\s+\d{1,4}[a-z]?\b",
        r"|\b(?:Rua|Avenida|Calle|Carrera|Rue)\s+(?:[\p{L}'-]+\s+){1,4}\d{1,5}\b"
    ))
    .expect("valid regex")
});

/// Emails written to dodge harvesters: `janet at example dot com`, `j(at)example(dot)org`.
static SPELLED_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let at = r"\s*(?:\(at\)|\[at\]|\{at\}|\s+at\s+)\s*";
    let dot = r"\s*(?:\(dot\)|\[dot\]|\{dot\}|\s+dot\s+)\s*";
    Regex::new(&format!(
        r"(?i)\b[a-z0-9._%+-]+{at}[a-z0-9-]+(?:(?:{dot}|\.)[a-z0-9-]+)*{dot}[a-z]{{2,}}\b"
    ))
    .expect("valid regex")
});
/// UK postcodes (`BS1 5TR`, `SW1A 1AA`).
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b").expect("valid regex")
});
/// Postal codes of other countries: US ZIP+4 (`90210-1234`), Canadian (`K1A 0B1`), and a
/// five-digit code before its town (`10115 Berlin`, `75001 Paris`).
static OTHER_POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b\d{5}-\d{4}\b",
        r"|\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b",
        r"|\b\d{5}\s+\p{Lu}\p{Ll}{2,}\b"
    ))
    .expect("valid regex")
});
/// IBANs (`DE89 3704 0044 0532 0130 00`), checked by their mod-97 digits.
static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b")
        .expect("valid regex")
});
/// Card numbers: 13 to 19 digits, in groups, checked by Luhn's digit.
static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").expect("valid regex"));
/// A date of birth, said as one.
static BIRTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:born(?:\s+on)?|date of birth(?:\s+is)?|d\.?o\.?b\.?|birthday(?:\s+is)?)\s*:?\s*",
        r"(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Za-z]{3,9}\.?,?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
    ))
    .expect("valid regex")
});
/// A private person named by how they relate to the writer ("my neighbour Margaret Thompson") or
/// by themselves ("my name is Rose Lindgren").
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i:\b(?:my|our|his|her|their)\s+(?:neighbou?r|friend|wife|husband|partner|son|daughter|mother|father|mum|mom|dad|brother|sister|colleague|boss|manager|landlord|landlady|doctor|gp|nurse|teacher|carer|caregiver|aunt|uncle|cousin|grand(?:mother|father|ma|pa|son|daughter)|niece|nephew|child|kid|flatmate|housemate|tenant)",
        r"|(?:^|[^\w-])(?:called|named)|\bmy\s+name\s+is|\bmy\s+name's)",
        r",?\s+(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx)\.?\s+)?(\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+){0,2})"
    ))
    .expect("valid regex")
});
/// `@handles` of social networks.
static HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s(])(@[A-Za-z0-9_][A-Za-z0-9_.]{1,29})\b").expect("valid regex")
});

/// Replaces personal data in `text` with `[email]`, `[phone]`, `[address]`, `[url]`, `[id]`
/// (cards, IBANs, National Insurance numbers), `[date of birth]`, `[handle]` and `[name]` (a
/// private person named by their relation to the writer).
pub fn redact(text: &str) -> (String, Redactions) {
    redact_owned(text.to_string())
}

/// [`redact`], taking the text: a text with nothing to replace comes back as it went in.
pub fn redact_owned(text: String) -> (String, Redactions) {
    let mut r = Redactions::default();
    let mut out = replace_counting(&EMAIL, text, "[email]", &mut r.emails, |_| true);
    out = replace_counting(&SPELLED_EMAIL, out, "[email]", &mut r.emails, |_| true);
    out = replace_counting(&URL, out, "[url]", &mut r.urls, url_has_id);
    out = replace_counting(&IBAN, out, "[id]", &mut r.ids, iban_valid);
    out = replace_counting(&CARD, out, "[id]", &mut r.ids, luhn_valid);
    for id in crate::ids::BUILT_IN.iter() {
        out = id.redact(out, &mut r.ids);
    }
    out = replace_group(&BIRTH, out, "[date of birth]", &mut r.dates);
    out = replace_counting(&ADDRESS, out, "[address]", &mut r.addresses, |_| true);
    out = replace_counting(&POSTCODE, out, "[address]", &mut r.addresses, |_| true);
    out = replace_counting(&OTHER_POSTCODE, out, "[address]", &mut r.addresses, |_| {
        true
    });
    out = replace_counting(&PHONE, out, "[phone]", &mut r.phones, looks_like_phone);
    out = replace_group_if(&HANDLE, out, "[handle]", &mut r.handles, |h| !at_idiom(h));
    out = replace_group(&RELATIVE, out, "[name]", &mut r.names);
    (out, r)
}

/// `@home`, `@work`: English written with an at sign, not a handle.
fn at_idiom(handle: &str) -> bool {
    const IDIOMS: [&str; 12] = [
        "home", "work", "school", "all", "everyone", "here", "there", "least", "last", "once",
        "this", "that",
    ];
    IDIOMS.contains(&handle.trim_start_matches('@').to_lowercase().as_str())
}

/// Replaces the first capture group of each match of `re` (the part that is personal), keeping
/// the words around it ("born on [date of birth]", "my neighbour [name]").
fn replace_group(re: &Regex, text: String, with: &str, count: &mut u32) -> String {
    replace_group_if(re, text, with, count, |_| true)
}

/// [`replace_group`] for the groups `keep` accepts.
fn replace_group_if(
    re: &Regex,
    text: String,
    with: &str,
    count: &mut u32,
    keep: impl Fn(&str) -> bool,
) -> String {
    replace_spans(re, text, with, count, |c| {
        c.get(1).filter(|g| keep(g.as_str()))
    })
}

/// Replaces, in each match of `re`, the span `pick` chooses (none: the match stays), counting.
/// A text without a match comes back as it went in.
pub(crate) fn replace_spans(
    re: &Regex,
    text: String,
    with: &str,
    count: &mut u32,
    pick: impl for<'t> Fn(&regex::Captures<'t>) -> Option<regex::Match<'t>>,
) -> String {
    if !re.is_match(&text) {
        return text;
    }
    let spans: Vec<(usize, usize)> = re
        .captures_iter(&text)
        .filter_map(|c| pick(&c).map(|m| (m.start(), m.end())))
        .collect();
    replace_ranges(text, &spans, with, count)
}

/// `text` with each byte range of `spans` (in order, apart) replaced by `with`, counted; the
/// text as it went in when there is none. Every redaction rule ends here.
pub(crate) fn replace_ranges(
    text: String,
    spans: &[(usize, usize)],
    with: &str,
    count: &mut u32,
) -> String {
    if spans.is_empty() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for &(start, end) in spans {
        out.push_str(&text[last..start]);
        out.push_str(with);
        last = end;
        *count += 1;
    }
    out.push_str(&text[last..]);
    out
}

/// A card number: 13 to 19 digits passing Luhn's check.
fn luhn_valid(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (13..=19).contains(&digits) && crate::ids::luhn(s)
}

/// The IBAN check: the country and check digits moved to the end, letters as numbers, mod 97.
fn iban_valid(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let moved = format!("{}{}", &compact[4..], &compact[..4]);
    let mut rem: u64 = 0;
    for c in moved.chars() {
        let v = match c.to_digit(36) {
            Some(v) => v as u64,
            None => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// Replaces each whole match of `re` that `keep` accepts, counting.
fn replace_counting(
    re: &Regex,
    text: String,
    with: &str,
    count: &mut u32,
    keep: impl Fn(&str) -> bool,
) -> String {
    replace_spans(re, text, with, count, |c| {
        c.get(0).filter(|m| keep(m.as_str()))
    })
}

/// A phone number has 8 to 15 digits and starts like one (`+`, `(` or a trunk `0`), or is in
/// the North American `555-123-4567` shape; years, sums of money and counts are left alone.
fn looks_like_phone(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if !(8..=15).contains(&digits) {
        return digits == 10
            && s.len() == 12
            && s.as_bytes()[3] == s.as_bytes()[7]
            && matches!(s.as_bytes()[3], b'-' | b'.');
    }
    s.starts_with('+')
        || s.starts_with('(')
        || s.starts_with('0')
        || (s.len() == 12 && matches!(s.as_bytes()[3], b'-' | b'.'))
}

/// URLs that carry an id (a query string, a long number, a long token) may point at a person.
fn url_has_id(u: &str) -> bool {
    let path = u.splitn(4, '/').nth(3).unwrap_or("");
    u.contains('?')
        || path
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|t| t.len() >= 16 || (t.len() >= 4 && t.bytes().all(|b| b.is_ascii_digit())))
}

/// `text` without the invisible characters that make it read otherwise than it is written:
/// bidirectional embeddings, overrides and isolates ("Bund \u{202e}evil" shows as "Bund
/// live"), zero-width spaces and word joiners. Joiners that scripts and emoji need (U+200C,
/// U+200D) and the plain direction marks stay.
pub fn neutralise_controls(text: String) -> String {
    let hidden = |c: char| {
        matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}'
        )
    };
    if !text.contains(hidden) {
        return text;
    }
    text.chars().filter(|&c| !hidden(c)).collect()
}

/// The normalised copy used for processing: NFKC, lowercase, single spaces.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.nfkc().collect::<String>().split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// The languages detection chooses among: those with a stemmer in the index, the CJK languages,
/// and a few more widely used in public consultations. Without a list, trigram detection takes
/// plain English for Afrikaans or Scots too often.
static DETECTOR: LazyLock<whatlang::Detector> = LazyLock::new(|| {
    use whatlang::Lang::*;
    whatlang::Detector::with_allowlist(vec![
        Eng, Deu, Fra, Spa, Por, Ita, Nld, Swe, Dan, Nob, Fin, Est, Rus, Ukr, Pol, Ces, Hun, Ron,
        Ell, Tur, Ara, Heb, Hin, Tam, Cmn, Jpn, Kor, Vie, Ind, Tha,
    ])
});

/// Below this confidence a unit takes its event's language.
const LANGUAGE_CONFIDENCE: f64 = 0.5;

/// Below this many words, a language other than the event's needs [`SURE`] confidence.
const SHORT_WORDS: usize = 8;
const SURE: f64 = 0.9;

/// Language of a unit as an ISO 639-1 code, when the detector is confident; short or mixed
/// texts return `None` and take the event's language. `event_language` is the prior: a short
/// text ("Wet signatures on grant paperwork.") leaves it only on strong evidence.
pub fn detect_language(text: &str, event_language: Option<&str>) -> Option<String> {
    let words = text.split_whitespace().count();
    if words < 3 {
        return None;
    }
    let info = DETECTOR.detect(text)?;
    let code = iso639_1(info.lang());
    let needed = if words < SHORT_WORDS && event_language.is_some_and(|l| l != code) {
        SURE
    } else {
        LANGUAGE_CONFIDENCE
    };
    (info.confidence() >= needed).then(|| code.to_string())
}

fn iso639_1(l: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match l {
        Eng => "en",
        Deu => "de",
        Fra => "fr",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Nld => "nl",
        Swe => "sv",
        Dan => "da",
        Nob => "no",
        Fin => "fi",
        Est => "et",
        Rus => "ru",
        Ukr => "uk",
        Pol => "pl",
        Ces => "cs",
        Hun => "hu",
        Ron => "ro",
        Ell => "el",
        Tur => "tr",
        Ara => "ar",
        Heb => "he",
        Hin => "hi",
        Cmn => "zh",
        Jpn => "ja",
        Kor => "ko",
        Vie => "vi",
        Ind => "id",
        Tha => "th",
        other => other.code(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn speaker_names_are_redacted_as_whole_capitalised_words() {
        let names = SpeakerNames::new(["Bola Adeyemi", "R001", "FEE005", "Jean-Luc Picard", "42"]);
        let mut r = Redactions::default();
        assert_eq!(
            names.redact(
                "Bola, anything? Adeyemi said Bolas and bolas and Jean-Luc agree.".into(),
                &mut r
            ),
            "[name], anything? [name] said Bolas and bolas and [name] agree."
        );
        assert_eq!(r.names, 3);
        // ids are not names
        assert!(SpeakerNames::new(["R001", "FEE005", "p-12"]).0.is_none());
    }

    use super::*;

    #[test]
    fn direction_overrides_are_neutralised() {
        assert_eq!(
            neutralise_controls("Bund \u{202e}evil\u{202c} ok\u{200b}".into()),
            "Bund evil ok"
        );
        assert_eq!(
            neutralise_controls("می\u{200c}خواهم".into()),
            "می\u{200c}خواهم"
        );
    }

    #[test]
    fn catches_what_people_write() {
        for (text, shown) in [
            ("write to janet at example dot com", "write to [email]"),
            ("or johnny(at)example(dot)org please", "or [email] please"),
            ("ring +49 30 1234567 any time", "ring [phone] any time"),
            ("we live near BS1 5TR now", "we live near [address] now"),
            ("my NI number is QQ 12 34 56 C", "my NI number is [id]"),
            (
                "card 4111 1111 1111 1111 was charged",
                "card [id] was charged",
            ),
            (
                "pay into DE89 3704 0044 0532 0130 00 today",
                "pay into [id] today",
            ),
            (
                "I was born on 14/03/1987 in Leeds",
                "I was born on [date of birth] in Leeds",
            ),
            (
                "my neighbour Margaret Thompson helped",
                "my neighbour [name] helped",
            ),
            (
                "follow @jo_bloggs for updates",
                "follow [handle] for updates",
            ),
        ] {
            assert_eq!(redact(text).0, shown, "{text}");
        }
        // numbers that are not personal stay: a card-shaped number failing Luhn, money, years
        for text in [
            "we spent 1234 5678 9012 3456 pounds in total",
            "In 2020 we helped 1,500 families for £2,000,000.",
            "Meet in room B12 at 10:30.",
            "Traffic on the so-called Bypass.",
            "It's time we had care @home too, and rights @work.",
        ] {
            assert_eq!(redact(text).0, text, "{text}");
        }
    }

    #[test]
    fn redacts_personal_data_and_leaves_numbers() {
        let (t, r) = redact("Mail j.doe@example.org or call +44 20 7946 0958, (613) 555-0142 or 0800 123 4567. We met at 12 Harbour Street in 2020 with 1,500 people.");
        assert_eq!(t, "Mail [email] or call [phone], [phone] or [phone]. We met at [address] in 2020 with 1,500 people.");
        assert_eq!(
            r,
            Redactions {
                emails: 1,
                phones: 3,
                addresses: 1,
                urls: 0,
                ..Default::default()
            }
        );
        let (t, _) = redact("Wir treffen uns in der Hauptstraße 5 in Berlin, Tel. 030 12345678.");
        assert_eq!(
            t,
            "Wir treffen uns in der [address] in Berlin, Tel. [phone]."
        );
        let (t, r) = redact(
            "See https://example.org/form?id=81723 and https://gov.uk/guidance between 2020-2021.",
        );
        assert_eq!(
            t,
            "See [url] and https://gov.uk/guidance between 2020-2021."
        );
        assert_eq!(r.total(), 1);
    }

    #[test]
    fn languages() {
        assert_eq!(detect_language("We should keep the flexible working arrangements that we built during the pandemic.", None).as_deref(), Some("en"));
        assert_eq!(detect_language("Wir sollten die flexiblen Arbeitszeiten unbedingt beibehalten, das hat allen geholfen.", Some("en")).as_deref(), Some("de"));
        assert_eq!(detect_language("Okay.", None), None);
        assert_eq!(
            detect_language("Wet signatures on grant paperwork.", Some("en")),
            None
        );
    }
}

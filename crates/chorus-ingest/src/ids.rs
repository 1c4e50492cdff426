//! National and personal id numbers, as a table: each entry names the id, the text it looks
//! like, and the check its digits must pass where it has one (so a run of digits that merely
//! has the shape is left alone). Ids with no check digit of their own are only taken after
//! words that name them ("NHS number", "passport no."). More entries come from `chorus.toml`:
//!
//! ```toml
//! [ingest.ids]
//! "Staff number" = 'STF-\d{6}'
//! "Case reference" = 'case (?:ref|reference)[: ]+([A-Z]{2}\d{5})'   # a group: only it goes
//! ```
//!
//! A pattern with a capture group replaces that group (the cue words stay); one without, its
//! whole match. Every replacement reads `[id]` and counts as an id.

use std::sync::LazyLock;

use regex::Regex;

/// One kind of id: its name, its pattern, and the check its text must pass.
#[derive(Debug, Clone)]
pub struct IdPattern {
    pub name: String,
    re: Regex,
    check: Option<fn(&str) -> bool>,
}

impl IdPattern {
    /// An id from `chorus.toml`: `pattern` is a regular expression (`regex` crate syntax).
    pub fn custom(name: &str, pattern: &str) -> Result<Self, regex::Error> {
        Ok(Self {
            name: name.to_string(),
            re: Regex::new(pattern)?,
            check: None,
        })
    }

    fn built_in(name: &str, pattern: &str, check: Option<fn(&str) -> bool>) -> Self {
        Self {
            name: name.to_string(),
            re: Regex::new(pattern).expect("valid regex"),
            check,
        }
    }

    /// `text` with every id of this kind replaced by `[id]`, counted in `count`.
    pub fn redact(&self, text: String, count: &mut u32) -> String {
        crate::clean::replace_spans(&self.re, text, "[id]", count, |c| {
            c.get(1)
                .or_else(|| c.get(0))
                .filter(|m| self.check.is_none_or(|ok| ok(m.as_str())))
        })
    }
}

/// The ids chorus knows. To add one: a line here (with its check digit if it has one), a
/// planted example in `tests/fixtures/planted-pii/items.csv`.
pub static BUILT_IN: LazyLock<Vec<IdPattern>> = LazyLock::new(|| {
    vec![
        IdPattern::built_in(
            "UK National Insurance number",
            r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
            None,
        ),
        IdPattern::built_in(
            "US Social Security number",
            r"\b\d{3}-\d{2}-\d{4}\b",
            Some(ssn),
        ),
        IdPattern::built_in(
            "UK NHS number",
            r"(?i)\bNHS\s*(?:no\.?|number|num)?\s*(?:is|:)?\s*(\d{3}[ -]?\d{3}[ -]?\d{4})\b",
            Some(nhs),
        ),
        IdPattern::built_in(
            "French social security number (NIR)",
            r"\b[12]\s?\d{2}\s?\d{2}\s?\d{2}\s?\d{3}\s?\d{3}\s?\d{2}\b",
            Some(nir),
        ),
        IdPattern::built_in("Spanish DNI or NIE", r"\b[XYZ]?\d{7,8}-?[A-Z]\b", Some(dni)),
        IdPattern::built_in(
            "Italian codice fiscale",
            r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b",
            None,
        ),
        IdPattern::built_in(
            "Dutch citizen service number (BSN)",
            r"(?i)\b(?:BSN|burgerservicenummer)\s*(?:is|:)?\s*(\d{9}|\d{4}\.\d{2}\.\d{3})\b",
            Some(bsn),
        ),
        IdPattern::built_in(
            "Canadian social insurance number",
            r"(?i)\b(?:SIN|social insurance (?:no\.?|number))\s*(?:is|:)?\s*(\d{3}[ -]?\d{3}[ -]?\d{3})\b",
            Some(luhn),
        ),
        IdPattern::built_in(
            "German tax id",
            r"(?i)\b(?:steuer-?id|steueridentifikationsnummer|idnr)\.?\s*(?:ist|:)?\s*(\d{2}\s?\d{3}\s?\d{3}\s?\d{3})\b",
            None,
        ),
        IdPattern::built_in(
            "passport number",
            r"(?i)\bpassport\s*(?:no\.?|number|num|#)\s*(?:is|:)?\s*([A-Z0-9]{6,9})\b",
            None,
        ),
        IdPattern::built_in(
            "UK bank sort code",
            r"(?i)\bsort\s*code\s*(?:is|:)?\s*(\d{2}[- ]\d{2}[- ]\d{2})\b",
            None,
        ),
        IdPattern::built_in(
            "bank account number",
            r"(?i)\baccount\s*(?:no\.?|number|num|#)\s*(?:is|:)?\s*(\d{6,12})\b",
            None,
        ),
    ]
});

fn digits(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// Not an area, group or serial the Social Security Administration never issues.
fn ssn(s: &str) -> bool {
    let d = digits(s);
    let n = |a: usize, b: usize| d[a..b].iter().fold(0, |x, y| x * 10 + y);
    let (area, group, serial) = (n(0, 3), n(3, 5), n(5, 9));
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// The NHS number's modulus-11 check digit.
fn nhs(s: &str) -> bool {
    let d = digits(s);
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, x)| x * (10 - i as u32))
        .sum();
    match 11 - sum % 11 {
        11 => d[9] == 0,
        10 => false,
        c => d[9] == c,
    }
}

/// The NIR's key: 97 less the first 13 digits modulo 97.
fn nir(s: &str) -> bool {
    let d = digits(s);
    let n = d[..13].iter().fold(0u64, |x, &y| x * 10 + y as u64);
    let key = d[13] as u64 * 10 + d[14] as u64;
    97 - n % 97 == key
}

/// The DNI's letter (an NIE's X, Y, Z read as 0, 1, 2).
fn dni(s: &str) -> bool {
    let s: String = s.chars().filter(|c| *c != '-').collect();
    let (body, letter) = s.split_at(s.len() - 1);
    let body = body
        .replacen('X', "0", 1)
        .replacen('Y', "1", 1)
        .replacen('Z', "2", 1);
    let Ok(n) = body.parse::<u64>() else {
        return false;
    };
    (body.len() == 8)
        && "TRWAGMYFPDXBNJZSQVHLCKE".as_bytes()[(n % 23) as usize] == letter.as_bytes()[0]
}

/// The BSN's eleven test.
fn bsn(s: &str) -> bool {
    let d = digits(s);
    let sum: i64 = d
        .iter()
        .zip([9, 8, 7, 6, 5, 4, 3, 2, -1])
        .map(|(&x, w)| x as i64 * w)
        .sum();
    sum % 11 == 0 && sum != 0
}

/// Luhn's check digit, over the digits of `s`.
pub fn luhn(s: &str) -> bool {
    let d = digits(s);
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                (x * 2) / 10 + (x * 2) % 10
            } else {
                x
            }
        })
        .sum();
    !d.is_empty() && sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> String {
        let mut n = 0;
        BUILT_IN
            .iter()
            .fold(text.to_string(), |t, p| p.redact(t, &mut n))
    }

    #[test]
    fn ids_with_their_checks() {
        for (text, want) in [
            (
                "my NHS number is 943 476 5919 ok",
                "my NHS number is [id] ok",
            ),
            ("NI QQ 12 34 56 C", "NI [id]"),
            ("ssn 123-45-6789", "ssn [id]"),
            ("NIR 1 84 12 76 451 089 46", "NIR [id]"),
            ("DNI 12345678Z y NIE X1234567L", "DNI [id] y NIE [id]"),
            ("codice RSSMRA85T10A562S", "codice [id]"),
            ("BSN: 111222333", "BSN: [id]"),
            ("SIN 046 454 286", "SIN [id]"),
            ("Steuer-ID: 12 345 678 901", "Steuer-ID: [id]"),
            ("passport no. 123456789", "passport no. [id]"),
            (
                "sort code 12-34-56, account number 12345678",
                "sort code [id], account number [id]",
            ),
        ] {
            assert_eq!(redact(text), want, "{text}");
        }
        // the shape without the check, or without the cue, stays
        for text in [
            "NHS number 943 476 5918",
            "call 943 476 5919",
            "ssn 000-12-3456",
            "DNI 12345678A",
            "BSN 111222334",
            "1 84 12 76 451 089 47",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn custom_ids_replace_their_group_or_whole_match() {
        let staff = IdPattern::custom("staff", r"STF-\d{6}").unwrap();
        let case = IdPattern::custom("case", r"case ref ([A-Z]{2}\d{5})").unwrap();
        let mut n = 0;
        let t = staff.redact("Ask STF-123456 about case ref AB12345.".into(), &mut n);
        let t = case.redact(t, &mut n);
        assert_eq!(t, "Ask [id] about case ref [id].");
        assert_eq!(n, 2);
        assert!(IdPattern::custom("bad", "(").is_err());
    }
}
